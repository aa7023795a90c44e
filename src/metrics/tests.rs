use std::time::Duration;

use axum::http::Method;
use prometheus_client::encoding::text::encode;

use super::{Metrics, Status, TokenKind, Upstream};
use crate::upstream::UpstreamError;

fn text(metrics: &Metrics) -> String {
    let mut out = String::new();
    encode(&mut out, &metrics.registry).expect("encodes");
    out
}

/// Every metric is named `edi_gateway_…`, and its HELP and TYPE lines come before its samples.
#[test]
fn every_metric_is_prefixed_and_described() {
    let metrics = Metrics::new();
    // A family shows once it has a sample.
    metrics.request("r", 200, Duration::ZERO);
    metrics.upstream_call(
        Upstream::Diadoc,
        &Method::GET,
        "/p",
        Status::Code(200),
        Duration::ZERO,
    );
    metrics
        .tokens()
        .count("c", Upstream::Edin, TokenKind::Fetch, true);
    let out = text(&metrics);
    for line in out.lines().filter(|l| !l.starts_with('#')) {
        assert!(line.starts_with("edi_gateway_"), "{line}");
    }
    for name in [
        "http_requests",
        "http_request_duration_seconds",
        "upstream_requests",
        "upstream_request_duration_seconds",
        "cache_hits",
        "cache_misses",
        "cache_entries",
        "cache_weighted_bytes",
        "long_requests_held",
        "polling_loops",
        "sse_streams_open",
        "token_fetches",
        "limiter_queued",
        "limiter_in_flight",
        "limiter_wait_seconds",
        "streamed_bytes",
    ] {
        assert!(
            out.contains(&format!("# TYPE edi_gateway_{name} ")),
            "{name} missing:\n{out}"
        );
    }
    assert!(out.ends_with("# EOF\n"));
}

/// A request is counted under its route id and status; an upstream call under its upstream,
/// method, path and status (the status of an error, or what kind of error).
#[test]
fn requests_and_upstream_calls_are_labelled_by_route_and_status() {
    let metrics = Metrics::new();
    metrics.request("counteragents.list", 200, Duration::from_millis(3));
    metrics.upstream_call(
        Upstream::Diadoc,
        &Method::GET,
        "/V2/GetCounteragents",
        Status::Code(200),
        Duration::from_millis(2),
    );
    metrics.upstream_call(
        Upstream::Edin,
        &Method::POST,
        "/bdoc/x",
        Status::of_error(&UpstreamError::Timeout),
        Duration::from_secs(30),
    );
    let out = text(&metrics);
    assert!(
        out.contains(
            "edi_gateway_http_requests_total{route=\"counteragents.list\",status=\"200\"} 1"
        ),
        "{out}"
    );
    assert!(out.contains("edi_gateway_upstream_requests_total{upstream=\"diadoc\",method=\"GET\",path=\"/V2/GetCounteragents\",status=\"200\"} 1"), "{out}");
    assert!(out.contains("edi_gateway_upstream_requests_total{upstream=\"edin\",method=\"POST\",path=\"/bdoc/x\",status=\"timeout\"} 1"), "{out}");
    assert!(out.contains(
        "edi_gateway_http_request_duration_seconds_count{route=\"counteragents.list\"} 1"
    ));
}

/// Tokens are counted by the managed client's name, fetch or refresh, and outcome; the held
/// gauge goes back down when its guard drops.
#[test]
fn tokens_and_held_requests() {
    let metrics = Metrics::new();
    metrics
        .tokens()
        .count("erp", Upstream::Diadoc, TokenKind::of(false), true);
    metrics
        .tokens()
        .count("erp", Upstream::Diadoc, TokenKind::of(true), false);
    let held = metrics.hold();
    assert!(text(&metrics).contains("edi_gateway_long_requests_held 1"));
    drop(held);
    let out = text(&metrics);
    assert!(out.contains("edi_gateway_long_requests_held 0"));
    assert!(out.contains("edi_gateway_token_fetches_total{client=\"erp\",upstream=\"diadoc\",kind=\"fetch\",outcome=\"ok\"} 1"), "{out}");
    assert!(out.contains("edi_gateway_token_fetches_total{client=\"erp\",upstream=\"diadoc\",kind=\"refresh\",outcome=\"error\"} 1"), "{out}");
}

/// Paths outside the table are named, never passed through; unknown ones are `unmatched`.
#[test]
fn the_route_label_is_a_route_id_or_a_fixed_name() {
    let metrics = Metrics::new();
    let route = crate::routes::ROUTES.first().expect("a route");
    assert_eq!(metrics.route_of(&route.method.method(), None), "unmatched");
    assert_eq!(
        metrics.route_label(&route.method.method(), route.path),
        route.id
    );
    assert_eq!(metrics.route_label(&Method::GET, "/healthz"), "healthz");
    assert_eq!(metrics.route_label(&Method::GET, "/docs/{*rest}"), "docs");
    assert_eq!(metrics.route_label(&Method::TRACE, route.path), "unmatched");
}
