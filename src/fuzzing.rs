//! The functions the fuzz targets (`fuzz/fuzz_targets/*.rs`, `cargo +nightly fuzz`) and their
//! corpus regression test (`tests/fuzz_corpus.rs`, stable `cargo test`) call: each takes the
//! fuzzer's raw bytes and runs them through the gateway's own code, returning nothing. A panic
//! is the only failure. Not an API: hidden from the docs, no behaviour of its own.
//!
//! Input layouts (the first byte picks what is exercised, so one corpus covers several routes or
//! messages):
//! * [`json_to_proto`]: `[k] JSON…` — the Diadoc route `k % n` among the routes with a JSON →
//!   protobuf body: the body pipeline of `dispatch.rs` (first-pass scan, item cap, `Value`,
//!   transcoding) and the transcoder's streaming `to_wire`, then the result back to JSON.
//! * [`proto_to_json`]: `[k] bytes…` — protobuf → JSON as reply message `k % n`, both the
//!   streaming and the decoded paths.
//! * [`query_params`]: `[k] seg/seg…\nquery` — route `k % n` of the table, its path parameters
//!   from the `/`-separated segments (percent-encoded, as in a URL) and the raw query string.
//! * [`prefer_accept`]: `[k] Name: value\n…` — the header lines, read by route `k % n`'s
//!   preferences (`Prefer`, `Accept`, `Idempotency-Key`, `Cache-Control`, `Last-Event-ID`).

use std::sync::OnceLock;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use edi_proto::names;
use edi_transcode::Transcoder;

use crate::preferences::{Prefer, Preferences};
use crate::routes::{BodyKind, In, ROUTES, Route};

fn transcoder() -> &'static Transcoder {
    static TRANSCODER: OnceLock<Transcoder> = OnceLock::new();
    TRANSCODER.get_or_init(|| Transcoder::new(edi_proto::pool()))
}

/// `data`'s first byte as an index into `len` items, and the rest.
fn pick(data: &[u8], len: usize) -> Option<(usize, &[u8])> {
    let (first, rest) = data.split_first()?;
    (len > 0).then(|| (usize::from(*first) % len, rest))
}

/// The caller's JSON → protobuf, as the route's body pipeline does it.
pub fn json_to_proto(data: &[u8]) {
    let bodies: Vec<(&Route, crate::routes::ProtoBody)> = ROUTES
        .iter()
        .filter_map(|r| match r.body() {
            Some(BodyKind::Proto(body)) => Some((*r, body)),
            _ => None,
        })
        .collect();
    let Some((k, json)) = pick(data, bodies.len()) else {
        return;
    };
    let Some((_, spec)) = bodies.get(k) else {
        return;
    };
    let t = transcoder();
    // The streaming transcoder, straight from the bytes.
    if let Ok(wire) = t.to_wire(spec.message, json) {
        let _ = t.to_json(spec.message, &wire);
    }
    // The gateway's pipeline: scan (cap, value budget), then the Value, then the wire.
    let Ok(counts) = crate::body_scan::scan(json, spec) else {
        return;
    };
    if crate::path_fields::check_cap(&counts.items, spec).is_err() {
        return;
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) {
        if let Ok(wire) = t.value_to_wire(spec.message, &value) {
            let _ = t.to_json(spec.message, &wire);
        }
    }
}

/// Reply messages the gateway reads.
const REPLIES: &[&str] = &[
    names::ORGANIZATION_LIST,
    names::COUNTERAGENT_LIST,
    names::DOCUMENT_LIST,
    names::GET_DOCFLOW_BATCH_RESPONSE_V3,
    names::GET_DOCFLOW_BATCH_RESPONSE_V5,
    names::ORGANIZATION,
    names::DOCUMENT_PROTOCOL,
    names::DOCUMENT_ZIP_GENERATION_RESULT,
    names::TEMPLATE,
    names::COUNTERAGENT,
    names::ASYNC_METHOD_RESULT,
    names::ACQUIRE_COUNTERAGENT_RESULT_V2,
    names::USER_V2,
    names::BOX,
    names::MESSAGE,
    names::DOCUMENT,
    names::BOX_EVENT_LIST,
    names::BOX_EVENT,
    names::TIMESTAMP,
];

/// An upstream's protobuf bytes → the gateway's JSON.
pub fn proto_to_json(data: &[u8]) {
    let Some((k, wire)) = pick(data, REPLIES.len()) else {
        return;
    };
    let Some(message) = REPLIES.get(k) else {
        return;
    };
    let t = transcoder();
    let _ = t.to_json(message, wire);
    if let Ok(decoded) = t.decode(message, wire) {
        let _ = t.dynamic_to_json(&decoded, &[]);
    }
}

/// A route's path segments and query string → validated parameters → the upstream query.
pub fn query_params(data: &[u8]) {
    let Some((k, rest)) = pick(data, ROUTES.len()) else {
        return;
    };
    let Some(route) = ROUTES.get(k).copied() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (segments, query) = text.split_once('\n').unwrap_or((text, ""));
    // Percent-decoded as the router does; a segment that is not UTF-8 is the router's 400.
    let mut captures = Vec::new();
    let names = route.params.iter().filter(|p| p.location == In::Path);
    for (param, raw) in names.zip(segments.split('/')) {
        match percent_encoding::percent_decode_str(raw).decode_utf8() {
            Ok(v) => captures.push((param.name.to_owned(), v.into_owned())),
            Err(_) => {
                let _ = crate::params::undecodable_path(route, raw);
                return;
            }
        }
    }
    if let Ok(args) = crate::params::validate(route, &captures, Some(query)) {
        let _ = args.upstream_query(route);
    }
}

/// Header lines → each route's preferences, and `Prefer`'s budget.
pub fn prefer_accept(data: &[u8]) {
    let Some((k, rest)) = pick(data, ROUTES.len()) else {
        return;
    };
    let Some(route) = ROUTES.get(k).copied() else {
        return;
    };
    let mut headers = HeaderMap::new();
    for line in rest.split(|b| *b == b'\n') {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = line.split_at(colon);
        let value = value.get(1..).unwrap_or_default().trim_ascii();
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim_ascii()),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    let _ = Preferences::read(route, &headers);
    if let Ok(prefer) = Prefer::from_headers(&headers) {
        let budget = prefer.budget(Duration::from_secs(25), Duration::from_secs(120));
        let _ = prefer.applied(budget);
    }
}
