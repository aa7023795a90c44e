//! JSON text writers shared by `to_json.rs` and `dynamic.rs`: numbers, strings, base64, and the
//! caller's extra members. They append to a `Vec<u8>`; nothing here allocates on its own.

use base64::Engine as _;
use serde_json::Value;

pub(crate) fn write_int(out: &mut Vec<u8>, v: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// 64-bit integers are strings: JSON numbers above 2^53 lose precision in JavaScript
/// (api.md, "Time values").
pub(crate) fn write_quoted(out: &mut Vec<u8>, v: impl itoa::Integer) {
    out.push(b'"');
    write_int(out, v);
    out.push(b'"');
}

pub(crate) fn write_bool(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

/// Non-finite values are the strings of the canonical proto JSON mapping.
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 {
            b"\"Infinity\""
        } else {
            b"\"-Infinity\""
        });
    } else {
        // serde_json prints the shortest text that reads back as the same value; writing a
        // finite float into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &v);
    }
}

pub(crate) fn write_f32(out: &mut Vec<u8>, v: f32) {
    if v.is_finite() {
        // Shortest for f32, so `1.1f32` prints as 1.1 rather than 1.100000023841858.
        let _ = serde_json::to_writer(&mut *out, &v);
    } else {
        write_f64(out, f64::from(v));
    }
}

/// Padded standard base64, encoded straight into the buffer.
pub(crate) fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let engine = &base64::engine::general_purpose::STANDARD;
    let start = out.len() + 1;
    let len = bytes.len().div_ceil(3) * 4;
    out.resize(start + len + 1, b'"');
    let written = engine
        .encode_slice(bytes, &mut out[start..start + len])
        .unwrap_or(0);
    debug_assert_eq!(written, len);
}

/// A JSON string literal. Only `"`, `\` and control characters need escaping; everything else
/// (all of UTF-8) is copied in runs. Eight bytes at a time are checked for a byte that needs
/// escaping (SWAR), so long Cyrillic or ASCII runs cost a few operations per word.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            let mut chunk = [0u8; 8];
            chunk.copy_from_slice(word);
            if !needs_escape(u64::from_le_bytes(chunk)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let escape = ESCAPE[b as usize];
        if escape != 0 {
            out.extend_from_slice(&bytes[start..i]);
            if escape == b'u' {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            } else {
                out.push(b'\\');
                out.push(escape);
            }
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether any byte of `w` is below 0x20, `"` or `\` (the classic has-zero-byte trick on
/// `w ^ c` and `w - 0x20`).
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero(w ^ (ONES * u64::from(b'"')));
    let backslash = zero(w ^ (ONES * u64::from(b'\\')));
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    (quote | backslash | control) != 0
}

/// For each byte: 0 = copy as is, else the escape letter (`u` = `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends caller-supplied members (`"nextAfter"`) after a message's own.
pub(crate) fn write_extra(out: &mut Vec<u8>, extra: &[(&str, Value)], mut first: bool) {
    for (key, value) in extra {
        if !first {
            out.push(b',');
        }
        first = false;
        write_str(out, key);
        out.push(b':');
        let mark = out.len();
        // Writing a `Value` into a Vec cannot fail (its map keys are strings); stay valid JSON
        // regardless.
        if serde_json::to_writer(&mut *out, value).is_err() {
            out.truncate(mark);
            out.extend_from_slice(b"null");
        }
    }
}

#[cfg(test)]
mod write_str_tests {
    use super::write_str;

    #[test]
    fn escapes_exactly_as_serde_json_does_at_every_position() {
        let specials = ['"', '\\', '\n', '\u{1}', '\u{1f}', '\t', 'я', '/', '\u{7f}'];
        for len in 0..24 {
            for (k, special) in specials.iter().enumerate() {
                for at in 0..=len {
                    let mut text: String = "Ромашка ab".chars().cycle().take(len).collect();
                    let at = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
                    text.insert(at, *special);
                    if k % 2 == 0 {
                        text.push(*special);
                    }
                    let mut ours = Vec::new();
                    write_str(&mut ours, &text);
                    let theirs = serde_json::to_string(&text).expect("serializes");
                    assert_eq!(String::from_utf8(ours).expect("utf8"), theirs, "{text:?}");
                }
            }
        }
    }
}
