//! Operating the gateway: `/healthz`, `/readyz` (starting, ready, draining) and `/metrics`
//! (Prometheus text; requests, upstream calls, cache hits and misses; its own listener).

use std::collections::HashMap;
use std::net::SocketAddr;

use edi_gateway::{AppState, Config};
use edi_sandbox::{Sandbox, SandboxHandle};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::helpers::{TestApp, spawn_app};

/// A sandbox and the state of a gateway in front of it, `configure`d, not yet serving.
async fn state_with(configure: impl FnOnce(&mut Config)) -> (SandboxHandle, AppState) {
    let sandbox = Sandbox::builder().spawn().await.expect("sandbox starts");
    let mut config = Config::for_upstream(sandbox.base_url(), Some(edi_sandbox::DEVELOPER_KEY));
    configure(&mut config);
    let state = AppState::build(config).expect("state builds");
    (sandbox, state)
}

async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

/// The metrics listener of `state`, served until the test ends.
async fn spawn_metrics(state: &AppState) -> SocketAddr {
    let (listener, addr) = bind().await;
    tokio::spawn(edi_gateway::metrics::serve_metrics(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    addr
}

async fn get(addr: SocketAddr, path: &str) -> reqwest::Response {
    reqwest::get(format!("http://{addr}{path}"))
        .await
        .expect("request")
}

/// A 503 `unavailable` problem with `Retry-After`, as a prober sees it.
async fn assert_not_ready(r: reqwest::Response, why: &str) {
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "a problem"
    );
    let body: Value = r.json().await.expect("json");
    assert!(
        body["detail"].as_str().unwrap_or("").starts_with(why),
        "{body}"
    );
}

// === Parsing the exposition ===

/// One sample: its name, its labels, its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Parses the Prometheus/OpenMetrics text format strictly enough for these tests: every line is
/// a `# HELP`/`# TYPE`/`# UNIT` comment, `# EOF` (last), or `name{label="value",…} number`.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut eof = false;
    for line in text.lines() {
        assert!(!eof, "a line after # EOF: {line}");
        if line == "# EOF" {
            eof = true;
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let kind = comment.split(' ').next().unwrap_or("");
            assert!(
                ["HELP", "TYPE", "UNIT"].contains(&kind),
                "unknown comment: {line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("name and value");
        let value: f64 = value.parse().expect("a number");
        let (name, labels) = match series.split_once('{') {
            None => (series, HashMap::new()),
            Some((name, rest)) => {
                let inner = rest.strip_suffix('}').expect("closing brace");
                let labels = inner
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name, labels)
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "metric name {name}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    assert!(eof, "no # EOF");
    samples
}

/// The value of `name` with (at least) these labels, 0 when absent.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

async fn scrape(addr: SocketAddr) -> Vec<Sample> {
    let r = get(addr, "/metrics").await;
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    parse(&r.text().await.expect("text"))
}

// === Tests ===

#[tokio::test]
async fn healthz_is_ok_and_readyz_is_ready_once_serving() {
    let app = spawn_app().await;
    let r = get(app.addr, "/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        serde_json::json!({"status": "ok"})
    );
    let r = get(app.addr, "/readyz").await;
    assert_eq!(r.status(), 200);
    // Neither called an upstream.
    assert!(app.sandbox.journal().is_empty());
}

/// Before `serve` accepts, `/readyz` is a 503; once it accepts, 200; once the drain starts
/// (SIGTERM), a 503 again (seen on the metrics listener, which stays up through the drain).
#[tokio::test]
async fn readyz_is_503_while_starting_and_while_draining() {
    let (_sandbox, state) = state_with(|c| {
        c.metrics_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await;
    let ops = spawn_metrics(&state).await;
    assert_not_ready(get(ops, "/readyz").await, "starting").await;
    assert_eq!(get(ops, "/healthz").await.status(), 200);

    let (listener, public) = bind().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(edi_gateway::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    // Answered: `serve` is accepting.
    assert_eq!(get(public, "/healthz").await.status(), 200);
    assert_eq!(get(ops, "/readyz").await.status(), 200);
    assert_eq!(get(public, "/readyz").await.status(), 200);

    let _ = stop.send(());
    served.await.expect("joins").expect("serve returns");
    assert_not_ready(get(ops, "/readyz").await, "draining").await;
}

/// A cached page read twice: one request counted per answer under the route id and status, the
/// one upstream call under its upstream, method, path and status, one miss and one hit.
#[tokio::test]
async fn metrics_count_requests_upstream_calls_and_cache_hits() {
    let app: TestApp = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let path = format!("/v1/diadoc/boxes/{box_id}/counteragents");
    let before = scrape(app.addr).await;
    let route = [("route", "listDiadocBoxCounteragents"), ("status", "200")];
    let call = [
        ("upstream", "diadoc"),
        ("method", "GET"),
        ("path", "/V3/GetCounteragents"),
        ("status", "200"),
    ];
    assert_eq!(
        value(&before, "edi_gateway_http_requests_total", &route),
        0.0
    );

    assert_eq!(
        app.get(&path, Some(&token)).await.headers()["x-cache"],
        "miss"
    );
    assert_eq!(
        app.get(&path, Some(&token)).await.headers()["x-cache"],
        "hit"
    );

    let after = scrape(app.addr).await;
    assert_eq!(
        value(&after, "edi_gateway_http_requests_total", &route),
        2.0
    );
    assert_eq!(
        value(
            &after,
            "edi_gateway_http_request_duration_seconds_count",
            &[("route", "listDiadocBoxCounteragents")]
        ),
        2.0
    );
    assert_eq!(
        value(&after, "edi_gateway_upstream_requests_total", &call),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "edi_gateway_upstream_request_duration_seconds_count",
            &call[..3]
        ),
        1.0
    );
    let delta = |name: &str| value(&after, name, &[]) - value(&before, name, &[]);
    assert_eq!(delta("edi_gateway_cache_hits_total"), 1.0);
    assert_eq!(delta("edi_gateway_cache_misses_total"), 1.0);
    assert!(value(&after, "edi_gateway_cache_entries", &[]) >= 1.0);
    assert!(value(&after, "edi_gateway_cache_weighted_bytes", &[]) > 0.0);
    // The login before: its own route, and Diadoc's Authenticate.
    assert!(
        value(
            &after,
            "edi_gateway_upstream_requests_total",
            &[("path", "/V3/Authenticate"), ("status", "200")]
        ) >= 1.0
    );
    // Each upstream's circuit breaker, closed (0).
    for upstream in ["diadoc", "edin"] {
        let at = [("upstream", upstream)];
        let present = after.iter().any(|s| {
            s.name == "edi_gateway_circuit_state"
                && s.labels.get("upstream").map(String::as_str) == Some(upstream)
        });
        assert!(present, "no circuit_state for {upstream}");
        assert_eq!(value(&after, "edi_gateway_circuit_state", &at), 0.0);
    }
    // An unknown path is counted as `unmatched`, never under its own path.
    let _ = app.get("/no/such/path/12345", None).await;
    let last = scrape(app.addr).await;
    assert_eq!(
        value(
            &last,
            "edi_gateway_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        1.0
    );
    assert!(
        last.iter()
            .all(|s| s.labels.values().all(|v| !v.contains("12345"))),
        "a raw path in a label"
    );
}

/// With `EDI_GATEWAY_METRICS_LISTEN`, `/metrics` is served there and the public listener answers
/// it 404; `/healthz` and `/readyz` stay on both.
#[tokio::test]
async fn with_a_metrics_listener_metrics_are_not_public() {
    let (_sandbox, state) = state_with(|c| {
        c.metrics_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await;
    let ops = spawn_metrics(&state).await;
    let (listener, public) = bind().await;
    tokio::spawn(edi_gateway::serve(listener, state, std::future::pending()));

    let r = get(public, "/metrics").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(get(public, "/healthz").await.status(), 200);
    assert_eq!(get(public, "/readyz").await.status(), 200);
    let samples = scrape(ops).await;
    // The public 404 above is counted; the scrape itself is not on the public router.
    assert_eq!(
        value(
            &samples,
            "edi_gateway_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        1.0
    );
}
