//! The validator and the document agree: sample values, valid and invalid, go through the
//! gateway's own check and through the document's schema (validated by the `jsonschema` crate,
//! formats included), and both must give the same verdict. Every parameter of every route is
//! tried, then the `Idempotency-Key` header and the EDIN body texts.
//!
//! A query value becomes a JSON instance as a client generated from the document would write it:
//! a JSON number token for an `integer` parameter, `true`/`false` for a `boolean`, else the
//! string itself (so `+5` or `007` stay strings, and fail `type: integer`).

use serde_json::{Value, json};

use super::parameters::{idempotency_key_schema, param_schema};
use crate::edin_codec::{Login, login};
use crate::params;
use crate::routes::{ParamKind, ROUTES};

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("{schema} does not compile: {e}"))
}

/// The JSON instance a query value stands for, under the parameter's schema type.
fn instance(kind: ParamKind, raw: &str) -> Value {
    match kind {
        ParamKind::Int { .. } | ParamKind::Ticks => {
            let token = !raw.is_empty() && !raw.bytes().any(|b| b.is_ascii_whitespace());
            match serde_json::from_str::<Value>(raw) {
                Ok(Value::Number(n)) if token => Value::Number(n),
                _ => Value::String(raw.to_owned()),
            }
        }
        ParamKind::Flag | ParamKind::Bool => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_owned()),
        },
        _ => Value::String(raw.to_owned()),
    }
}

/// Values that probe each kind's edges, plus some that are wrong for every kind.
fn samples(kind: ParamKind) -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        " ",
        "x",
        "true",
        "0",
        "-1",
        "\u{7}bell",
        "line\nbreak",
        "кириллица",
    ]
    .map(str::to_owned)
    .to_vec();
    let typed: &[&str] = match kind {
        ParamKind::Guid => &[
            "997818e1-9420-4f8f-857f-c86fb070d0a7",
            "997818E1-9420-4F8F-857F-C86FB070D0A7",
            "997818e1942049f8f857fc86fb070d0a7",
            "997818e1-9420-4f8f-857f-c86fb070d0a",
            "997818e1-9420-4f8f-857f-c86fb070d0a7x",
            "g97818e1-9420-4f8f-857f-c86fb070d0a7",
            "{997818e1-9420-4f8f-857f-c86fb070d0a7}",
        ],
        ParamKind::BoxId => &[
            "997818e1-9420-4f8f-857f-c86fb070d0a7",
            "0123456789abcdef0123456789ABCDEF@diadoc.ru",
            "0123456789abcdef0123456789abcdef@diadoc.com",
            "0123456789abcdef0123456789abcde@diadoc.ru",
            "0123456789abcdef0123456789abcdef@diadocXru",
        ],
        ParamKind::Cursor => &["abc", "a b", "k!~", "ключ", "a\tb"],
        ParamKind::Enum(values) => values,
        ParamKind::Mapped(pairs) => &[pairs[0].0, pairs[0].1, "ACTIVE"],
        ParamKind::Int { .. } | ParamKind::Ticks => &[
            "5",
            "100",
            "101",
            "1000",
            "-3",
            "+5",
            "007",
            "1.5",
            "1.0",
            "1e2",
            "1e300",
            "9223372036854775807",
            "9223372036854775808",
            "5 ",
            "0x10",
            "NaN",
        ],
        ParamKind::Text { .. } => &["ООО Ромашка", "a\u{9}b", "a\u{85}b", "z\u{a0}z"],
        ParamKind::FilterCategory => &[
            "Any.Inbound",
            "Any.OutboundNotFinished",
            "UniversalTransferDocument.InternalFinished",
            "Type_1.Proxy",
            "Any.Sideways",
            ".Inbound",
            "Any.Inbound Not",
            "Any.Inbound-x",
            "Any",
        ],
        ParamKind::Date => &[
            "2024-02-29",
            "2023-02-29",
            "2024-02-31",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01",
            "2024-01-01T00:00:00Z",
            "2024/01/01",
            "0000-01-01",
        ],
        ParamKind::Flag | ParamKind::Bool => &["false", "1", "yes", "TRUE"],
    };
    out.extend(typed.iter().map(|s| (*s).to_owned()));
    // Lengths at and past text bounds.
    if let ParamKind::Text { max } = kind {
        out.push("я".repeat(max));
        out.push("я".repeat(max + 1));
    }
    if let ParamKind::Cursor = kind {
        out.push("k".repeat(256));
        out.push("k".repeat(257));
    }
    out
}

#[test]
fn every_parameter_is_checked_as_the_document_says() {
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for route in ROUTES {
        for param in route.params {
            let schema = serde_json::to_value(param_schema(param.kind)).expect("schema");
            let spec = validator(&schema);
            for raw in samples(param.kind) {
                let ours = params::check(param, &raw).is_ok();
                let theirs = spec.is_valid(&instance(param.kind, &raw));
                checked += 1;
                if ours != theirs {
                    disagreements.push(format!(
                        "{} {}={raw:?}: validator {ours}, document {theirs} ({schema})",
                        route.id, param.name
                    ));
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} samples");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn the_idempotency_key_is_checked_as_the_document_says() {
    let spec = validator(&serde_json::to_value(idempotency_key_schema()).expect("schema"));
    let long = "k".repeat(100);
    let too_long = "k".repeat(101);
    for raw in [
        "order-42",
        "A_b-9",
        long.as_str(),
        too_long.as_str(),
        "",
        "order 42",
        "order.42",
        "заказ",
        "a/b",
    ] {
        let mut headers = axum::http::HeaderMap::new();
        if let Ok(value) = axum::http::HeaderValue::from_str(raw) {
            headers.insert("idempotency-key", value);
        }
        let ours = crate::preferences::Preferences::read(
            &crate::routes::diadoc::CREATE_TEMPLATE,
            &headers,
        )
        .is_ok_and(|p| p.idempotency_key.as_deref() == Some(raw));
        // An empty or non-ASCII value cannot be a header value at all: both refuse it.
        let theirs = spec.is_valid(&json!(raw));
        assert_eq!(ours, theirs, "Idempotency-Key {raw:?}");
    }
}

#[test]
fn edin_login_texts_are_checked_as_the_document_says() {
    let mut schemas = Vec::new();
    crate::routes::schema_of::<crate::edin_codec::Credentials>(&mut schemas);
    let credentials = schemas
        .iter()
        .find(|(name, _)| name == "edin.Credentials")
        .map(|(_, s)| serde_json::to_value(s).expect("schema"))
        .expect("the credentials schema");
    let spec = validator(&credentials);
    let long_email = format!("{}@example.com", "a".repeat(243));
    let too_long_email = format!("{}@example.com", "a".repeat(244));
    let long_password = "п".repeat(1024);
    let too_long_password = "п".repeat(1025);
    for (email, password) in [
        ("demo@example.com", "demo"),
        (long_email.as_str(), "x"),
        (too_long_email.as_str(), "x"),
        ("demo@example.com", long_password.as_str()),
        ("demo@example.com", too_long_password.as_str()),
        ("demo", "x"),
        ("demo@", "x"),
        ("@example.com", "x"),
        ("de mo@example.com", "x"),
        (" demo@example.com", "x"),
        ("a@b@c", "x"),
        ("", "x"),
        ("demo@example.com", ""),
        ("demo@example.com", "   "),
        ("demo@example.com", " p "),
    ] {
        let body = json!({"email": email, "password": password});
        let ours = login(body.to_string().as_bytes()).is_ok_and(|l: Login| l.email == email);
        let theirs = spec.is_valid(&body);
        assert_eq!(ours, theirs, "email {email:?}, password {password:?}");
    }
}
