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
/// (all of UTF-8) is copied in runs.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = ESCAPE[b as usize];
        if escape == 0 {
            continue;
        }
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
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
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
