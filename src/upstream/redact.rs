//! What of an upstream's refusal reaches the caller: its text, redacted
//! (the README, "Errors": internal details never reach an error body).
//!
//! * **Credentials the gateway sent on that call** (the developer key, the caller's token, the
//!   EDIN session id, a login's password and step token, so every `Authorization` and `Cookie`
//!   value) are replaced by `[redacted]` wherever the upstream echoes them: as sent,
//!   percent-encoded (either hex case), form-encoded or JSON-escaped. Text that looks like a
//!   credential anyway (`ddauth_token=…`, `Bearer …`, `password=…`, `Cookie: …`) is too.
//! * **HTML pages** (a proxy's error page: `Content-Type: text/html`, or a body that starts like
//!   one) and **bodies that are not UTF-8 text** are summarized ("the upstream answered with an
//!   HTML page of N bytes"), never passed on.
//! * **Internal addresses** — URLs, IPv4 and IPv6 addresses (with ports), host names under
//!   `.internal`, `.local`, `.svc`, `.cluster.local`, `.lan`, `.corp`, `localhost`, and
//!   `host.name:port` — become `[address]`.
//! * Control characters become spaces; the text is cut to [`MAX_MESSAGE_CHARS`] characters.
//!
//! `X-Diadoc-ErrorCode` and `X-Kontur-Trace-Id` are kept only when short
//! ([`MAX_HEADER_CHARS`]) and of a plain charset, and never when they hold a credential.

use std::sync::LazyLock;

use http::HeaderMap;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use regex::Regex;

/// The longest upstream message passed on, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// The longest `X-Diadoc-ErrorCode` / `X-Kontur-Trace-Id` passed on.
pub const MAX_HEADER_CHARS: usize = 100;

const REDACTED: &str = "[redacted]";

/// What a query string leaves unencoded (RFC 3986 unreserved).
const UNRESERVED: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
const ADDRESS: &str = "[address]";

/// Patterns compiled once; each is a literal that compiles (checked by the tests below), so a
/// `None` here is a defect the first test run shows, never a panic.
fn compiled(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// `name=value` / `name: value` pairs whose value is a credential.
static CREDENTIAL_PAIR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(
        r#"(?i)\b(ddauth_api_client_id|ddauth_token|api_?client_?id|client_?secret|api[_-]?key|access_?token|auth_?token|token|sid|jsessionid|password|passwd|pwd|secret|session(?:_?id)?)(\s*["']?\s*[=:]\s*["']?)[^\s,;&"'<>]+"#,
    )
});

/// An auth scheme followed by its credentials.
static AUTH_SCHEME: LazyLock<Option<Regex>> =
    LazyLock::new(|| compiled(r#"(?i)\b(bearer|basic|diadocauth)\s+[^\s,;"'<>]+"#));

/// A credential-bearing header echoed as text: everything up to the end of the line.
static AUTH_HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(r"(?i)\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key)\s*:[^\r\n]*")
});

/// Addresses, in the order they are replaced (a URL before the host inside it).
static ADDRESSES: LazyLock<Vec<Option<Regex>>> = LazyLock::new(|| {
    [
        // URLs of any scheme.
        r#"(?i)\b[a-z][a-z0-9+.\-]*://[^\s"'<>]+"#,
        // Bracketed IPv6, with a port.
        r"\[[0-9A-Fa-f:.%]*:[0-9A-Fa-f:.%]*\](?::\d{1,5})?",
        // IPv4, with a port.
        r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b",
        // IPv6: full, or compressed with a group before `::`, or starting with `::`.
        r"(?i)\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b",
        r"(?i)\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}\b)?",
        r"(?i)(?:^|\B)::(?:ffff:)?[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}\b",
        // Internal host names, with a port.
        r"(?i)\b(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:internal|local|localdomain|svc|lan|corp|intranet|home\.arpa)\b(?::\d{1,5})?",
        r"(?i)\blocalhost\b(?::\d{1,5})?",
        // Any dotted host with a port.
        r"(?i)\b[a-z0-9\-]+(?:\.[a-z0-9\-]+)+:\d{2,5}\b",
    ]
    .into_iter()
    .map(compiled)
    .collect()
});

/// The credentials the gateway sent on one call, in every spelling an echo may take.
#[derive(Default)]
pub(crate) struct Secrets {
    forms: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} forms)", self.forms.len())
    }
}

impl Secrets {
    /// The given credentials (empty ones are skipped).
    pub(crate) fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut forms = Vec::new();
        for value in values.into_iter().filter(|v| !v.is_empty()) {
            let all = utf8_percent_encode(value, NON_ALPHANUMERIC).to_string();
            let query = utf8_percent_encode(value, UNRESERVED).to_string();
            let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            let json = serde_json::to_string(value)
                .map(|s| s.trim_matches('"').to_owned())
                .unwrap_or_default();
            let spellings = [
                value.to_owned(),
                lower_hex(&all),
                all,
                lower_hex(&query),
                query,
                lower_hex(&form),
                form,
                json,
            ];
            for f in spellings {
                if !f.is_empty() && !forms.contains(&f) {
                    forms.push(f);
                }
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Self { forms }
    }

    /// `text` with every form of every credential replaced.
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        out
    }

    /// Whether `text` still holds a credential in any form, also once percent-decoded (an
    /// echo encoded some other way).
    fn leaks(&self, text: &str) -> bool {
        let decoded = percent_encoding::percent_decode_str(&text.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned();
        self.forms
            .iter()
            .any(|f| text.contains(f.as_str()) || decoded.contains(f.as_str()))
    }
}

/// The top-level string fields of a protobuf body (a login's `LoginPassword`: login and
/// password), to be redacted from the reply to that call. Stops at the first malformed field.
pub(crate) fn proto_strings(mut body: &[u8]) -> Vec<String> {
    fn varint(buf: &mut &[u8]) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = buf.split_first()?;
            *buf = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
    let mut out = Vec::new();
    while let Some(tag) = varint(&mut body) {
        match tag & 7 {
            0 => {
                if varint(&mut body).is_none() {
                    break;
                }
            }
            1 | 5 => {
                let n = if tag & 7 == 1 { 8 } else { 4 };
                let Some(rest) = body.get(n..) else { break };
                body = rest;
            }
            2 => {
                let Some(len) = varint(&mut body).and_then(|l| usize::try_from(l).ok()) else {
                    break;
                };
                let (Some(field), Some(rest)) = (body.get(..len), body.get(len..)) else {
                    break;
                };
                if let Ok(text) = std::str::from_utf8(field) {
                    out.push(text.to_owned());
                }
                body = rest;
            }
            _ => break,
        }
    }
    out
}

/// `%2f` for `%2F`: the other hex case of a percent-encoding.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut after_percent = 0;
    for c in encoded.chars() {
        if c == '%' {
            after_percent = 2;
            out.push(c);
        } else if after_percent > 0 {
            after_percent -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// An error body as a message for the caller, redacted (see the module). A JSON body's
/// `message` or `error` string is the message when it has one (EDIN's undocumented format).
pub(crate) fn message(body: &[u8], headers: &HeaderMap, secrets: &Secrets) -> String {
    let is_html_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("html"));
    if is_html_type || looks_like_html(body) {
        return format!(
            "the upstream answered with an HTML page of {} bytes",
            body.len()
        );
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return format!(
            "the upstream answered with {} bytes that are not text",
            body.len()
        );
    };
    if text.contains('\0') {
        return format!(
            "the upstream answered with {} bytes that are not text",
            body.len()
        );
    }
    let from_json = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            ["message", "error"]
                .iter()
                .find_map(|k| v.get(k).and_then(|m| m.as_str()).map(str::to_owned))
        });
    redact(from_json.as_deref().unwrap_or(text), secrets)
}

/// Whether a body starts like an HTML page.
fn looks_like_html(body: &[u8]) -> bool {
    let head = &body[..body.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let start = head.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    start.starts_with("<!doctype")
        || start.starts_with("<html")
        || start.starts_with("<?xml") && head.contains("<html")
        || head.contains("<html")
        || head.contains("<body")
        || head.contains("<head>")
}

/// Any upstream text, redacted: credentials, addresses, control characters, the length cap.
pub(crate) fn redact(text: &str, secrets: &Secrets) -> String {
    let mut out = secrets.scrub(text);
    let rules = [
        (&*AUTH_HEADER, format!("$1: {REDACTED}")),
        (&*AUTH_SCHEME, format!("$1 {REDACTED}")),
        (&*CREDENTIAL_PAIR, format!("$1$2{REDACTED}")),
    ];
    for (pattern, with) in rules {
        if let Some(p) = pattern {
            out = p.replace_all(&out, with.as_str()).into_owned();
        }
    }
    for pattern in ADDRESSES.iter().flatten() {
        out = pattern.replace_all(&out, ADDRESS).into_owned();
    }
    let mut flat = String::with_capacity(out.len());
    let mut space = false;
    for c in out.trim().chars() {
        if c.is_control() || c.is_whitespace() {
            if !space {
                flat.push(' ');
            }
            space = true;
        } else {
            flat.push(c);
            space = false;
        }
    }
    let mut capped: String = flat.chars().take(MAX_MESSAGE_CHARS).collect();
    if flat.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        capped.push('…');
    }
    if secrets.leaks(&capped) {
        return "the upstream's message held a credential and was withheld".to_owned();
    }
    capped
}

/// A short header of a plain charset (`X-Diadoc-ErrorCode`, `X-Kontur-Trace-Id`), if it is one
/// and holds no credential.
pub(crate) fn header_token(headers: &HeaderMap, name: &str, secrets: &Secrets) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    let plain = !value.is_empty()
        && value.len() <= MAX_HEADER_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'/'));
    (plain && !secrets.leaks(value) && secrets.scrub(value) == value).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_headers() -> HeaderMap {
        HeaderMap::new()
    }

    #[test]
    fn every_pattern_compiles() {
        for p in [&*CREDENTIAL_PAIR, &*AUTH_SCHEME, &*AUTH_HEADER] {
            assert!(p.is_some());
        }
        assert!(ADDRESSES.iter().all(Option::is_some));
    }

    #[test]
    fn echoed_credentials_are_redacted_in_every_spelling() {
        let secrets = Secrets::new(["dev-key/1+2", "tok en"]);
        let body = "bad header DiadocAuth ddauth_api_client_id=dev-key/1+2,ddauth_token=tok en; \
                    also dev-key%2F1%2B2 and dev-key%2f1%2b2 and tok+en and tok%20en";
        let m = message(body.as_bytes(), &no_headers(), &secrets);
        for leak in ["dev-key", "tok en", "tok+en", "tok%20en", "2F1", "2f1"] {
            assert!(!m.contains(leak), "{leak} in {m}");
        }
        assert!(m.contains(REDACTED), "{m}");
        // An encoding of its own: withheld whole.
        let m = message(b"key d%65v-key%2F1%2B2", &no_headers(), &secrets);
        assert!(m.contains("withheld"), "{m}");
    }

    #[test]
    fn credential_shaped_text_is_redacted_even_when_not_ours() {
        let m = redact(
            "Authorization: Bearer abc.def\nCookie: SID=zzz; x=1\ntoken=qqq password: hunter2",
            &Secrets::default(),
        );
        for leak in ["abc.def", "zzz", "qqq", "hunter2"] {
            assert!(!m.contains(leak), "{leak} in {m}");
        }
    }

    #[test]
    fn html_and_binary_bodies_are_summarized() {
        let html = b"<!DOCTYPE html><html><body>nginx at 10.0.0.5</body></html>";
        assert_eq!(
            message(html, &no_headers(), &Secrets::default()),
            format!(
                "the upstream answered with an HTML page of {} bytes",
                html.len()
            )
        );
        let mut h = HeaderMap::new();
        h.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/html"),
        );
        assert!(message(b"oops", &h, &Secrets::default()).contains("HTML page of 4 bytes"));
        assert_eq!(
            message(b"\xff\xfe\x00x", &no_headers(), &Secrets::default()),
            "the upstream answered with 4 bytes that are not text"
        );
    }

    #[test]
    fn internal_addresses_are_replaced() {
        let m = redact(
            "failed at http://10.1.2.3:8080/x?y=1, 192.168.0.7:5432, [fe80::1]:80, 2001:db8::7, \
             ::1, db.prod.internal:9000, api.svc, node-3.local, localhost:8080, \
             backend.kontur.ru:443 at 12:30:45 in System.Exception",
            &Secrets::default(),
        );
        for leak in [
            "10.1.2.3",
            "192.168",
            "fe80",
            "2001",
            "::1",
            "internal",
            ".svc",
            ".local",
            "localhost",
            "kontur.ru",
        ] {
            assert!(!m.contains(leak), "{leak} in {m}");
        }
        assert!(m.contains("12:30:45"), "{m}");
        assert!(m.contains("System.Exception"), "{m}");
    }

    #[test]
    fn messages_are_capped_and_flattened() {
        let m = redact(&"a\u{7}b\n".repeat(1000), &Secrets::default());
        assert_eq!(m.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(!m.chars().any(char::is_control));
    }

    #[test]
    fn json_messages_are_read_and_redacted() {
        let secrets = Secrets::new(["s3cr3t-sid"]);
        let m = message(
            br#"{"message":"session s3cr3t-sid expired"}"#,
            &no_headers(),
            &secrets,
        );
        assert_eq!(m, "session [redacted] expired");
    }

    #[test]
    fn a_login_body_yields_its_strings() {
        // LoginPassword { Login = 1: "user@x", Password = 2: "pa ss" }
        let body = b"\x0a\x06user@x\x12\x05pa ss";
        assert_eq!(proto_strings(body), ["user@x", "pa ss"]);
        assert!(proto_strings(b"\x0a\xff").is_empty());
    }

    #[test]
    fn header_tokens_are_short_plain_and_secret_free() {
        let secrets = Secrets::new(["tok-123"]);
        let mut h = HeaderMap::new();
        h.insert("x-a", http::HeaderValue::from_static("Http.Unauthorized"));
        h.insert("x-b", http::HeaderValue::from_static("has space"));
        h.insert("x-c", http::HeaderValue::from_static("x-tok-123"));
        let long = "a".repeat(MAX_HEADER_CHARS + 1);
        h.insert("x-d", http::HeaderValue::from_str(&long).expect("ascii"));
        assert_eq!(
            header_token(&h, "x-a", &secrets).as_deref(),
            Some("Http.Unauthorized")
        );
        for name in ["x-b", "x-c", "x-d", "x-missing"] {
            assert_eq!(header_token(&h, name, &secrets), None, "{name}");
        }
    }
}
