//! A minimal, valid PDF 1.4 writer: one standard font (Helvetica), pages of text lines, and a
//! cross-reference table with exact byte offsets. Used for the protocol print form
//! (api.md, GenerateDocumentProtocol: `PrintForm` is "the PDF") and for seeded non-formalized
//! documents. Only ASCII is drawn; other characters become `?` (the standard fonts have no
//! Cyrillic glyphs without embedding a font, which this writer does not do).

/// Lines that fit on one A4 page at 12 pt leading.
const LINES_PER_PAGE: usize = 60;

/// Renders `lines` as a PDF, as many A4 pages as needed, with `title` in the document info.
pub fn render(title: &str, lines: &[String]) -> Vec<u8> {
    let pages: Vec<&[String]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    // Objects: 1 catalog, 2 page tree, 3 font, 4 info, then a page and its content per page.
    let page_ids: Vec<usize> = (0..pages.len()).map(|i| 5 + 2 * i).collect();
    let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
        format!("<< /Title ({}) /Producer (edi-sandbox) >>", escape(title)),
    ];
    for (page, id) in pages.iter().zip(&page_ids) {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            id + 1
        ));
        let mut text = String::from("BT\n/F1 10 Tf\n12 TL\n50 800 Td\n");
        for line in page.iter() {
            text.push_str(&format!("({}) '\n", escape(line)));
        }
        text.push_str("ET\n");
        objects.push(format!(
            "<< /Length {} >>\nstream\n{text}endstream",
            text.len()
        ));
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    // Each xref entry is exactly 20 bytes: 10-digit offset, space, 5-digit generation, space,
    // keyword, and a two-byte end of line (PDF 1.4, 3.4.3).
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        table.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Escapes a PDF literal string; non-ASCII and control characters become `?`.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '(' | ')' | '\\' => format!("\\{c}"),
            ' '..='~' => c.to_string(),
            _ => "?".to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let lines: Vec<String> = (0..130).map(|i| format!("line (#{i})")).collect();
        let pdf = render("Test", &lines);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert_eq!(find(&pdf, b"xref\n"), Some(startxref));
        let table = String::from_utf8_lossy(&pdf[startxref..]);
        // 3 pages → 4 + 2 * 3 = 10 objects.
        for (n, entry) in table.lines().skip(3).take(10).enumerate() {
            let offset: usize = entry[..10].parse().expect("offset");
            let header = format!("{} 0 obj", n + 1);
            assert!(
                pdf[offset..].starts_with(header.as_bytes()),
                "object {}",
                n + 1
            );
        }
    }

    #[test]
    fn stream_lengths_are_exact() {
        let pdf = render("T", &["a".to_owned()]);
        let text = String::from_utf8_lossy(&pdf);
        let at = text.find("/Length ").expect("length") + 8;
        let len: usize = text[at..]
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("n");
        let start = text.find("stream\n").expect("stream") + 7;
        assert_eq!(&text[start + len..start + len + 9], "endstream");
    }
}
