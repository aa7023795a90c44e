//! Proto field names → the gateway's JSON keys.
//!
//! Diadoc names fields in PascalCase (`TotalCount`, `BoxIdGuid`; api.md, "Content negotiation"), and
//! its own JSON uses them as they are. The gateway speaks lowerCamelCase instead. This module owns
//! that one rule; the schema tables (and the OpenAPI generator, through [`json_name`]) apply it.

/// The gateway's JSON key for a proto field name: lowerCamelCase with a lower-case first letter.
///
/// * `TotalCount` → `totalCount`, `BoxIdGuid` → `boxIdGuid`, `DocumentIdEx` → `documentIdEx`;
/// * a leading acronym is lower-cased as a whole word: `INN` → `inn`, `URLPath` → `urlPath`;
///   acronyms further in stay as they are (`AuthorFIO` → `authorFIO`);
/// * underscores separate words and are dropped: `Some_Field` → `someField`, `some_field` →
///   `someField`, `Field_1` → `field1`.
///
/// ```
/// assert_eq!(edi_transcode::json_name("IndexKey"), "indexKey");
/// assert_eq!(edi_transcode::json_name("KPP"), "kpp");
/// ```
pub fn json_name(proto_field_name: &str) -> String {
    let mut out = String::with_capacity(proto_field_name.len());
    for word in proto_field_name.split('_').filter(|w| !w.is_empty()) {
        if out.is_empty() {
            push_first_word(&mut out, word);
        } else {
            let mut chars = word.chars();
            if let Some(c) = chars.next() {
                out.push(c.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

/// Lower-cases the leading run of capitals of the first word. In `URLPath` the run is `URLP`, but
/// its last capital starts the next word (`Path`), so only `URL` is lowered.
fn push_first_word(out: &mut String, word: &str) {
    let bytes = word.as_bytes();
    let run = bytes.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let lower = match run {
        0 => 0,
        _ if run == bytes.len() => run,
        1 => 1,
        _ if bytes[run].is_ascii_lowercase() => run - 1,
        // A capital run followed by a digit (`INN2`) is one acronym.
        _ => run,
    };
    out.extend(word[..lower].chars().map(|c| c.to_ascii_lowercase()));
    out.push_str(&word[lower..]);
}

#[cfg(test)]
mod tests {
    use super::json_name;

    #[test]
    fn converts_the_documented_examples() {
        for (proto, json) in [
            ("TotalCount", "totalCount"),
            ("IndexKey", "indexKey"),
            ("FromBoxId", "fromBoxId"),
            ("BoxIdGuid", "boxIdGuid"),
            ("OrgIdGuid", "orgIdGuid"),
            ("DocumentIdEx", "documentIdEx"),
            ("INN", "inn"),
            ("KPP", "kpp"),
            ("Inn", "inn"),
            ("URLPath", "urlPath"),
            ("INN2", "inn2"),
            ("AuthorFIO", "authorFIO"),
            ("Some_Field", "someField"),
            ("some_field", "someField"),
            ("Field_1", "field1"),
            ("_Leading", "leading"),
            ("Torg12Documents", "torg12Documents"),
            ("AddNumber1", "addNumber1"),
            ("already", "already"),
            ("X", "x"),
        ] {
            assert_eq!(json_name(proto), json, "json_name({proto:?})");
        }
    }
}
