//! Secrets never reach a log line or an error body, with logging at `trace`; Diadoc's `Sunset`
//! notices are logged once per route and never reach callers.
//!
//! Its own test binary: it installs a global subscriber, and in the shared `api` binary a
//! per-test (thread-local) one raced with the other tests' first use of each `tracing`
//! callsite, so the capture sometimes saw nothing.

use std::sync::{Arc, Mutex, OnceLock};

use edi_sandbox::EDIN_DEMO_EMAIL;
use reqwest::Method;
use serde_json::json;

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use helpers::{ROBOT_KEY, robot_entry, spawn_app, spawn_managed, spawn_with};

const PROCS: &str = "/v1/edin/agreement-procs";

/// Everything logged by this binary's tests, at `trace`: as text, and as the gateway's
/// `EDI_GATEWAY_LOG_FORMAT=json` writes it.
fn logs() -> &'static Captured {
    &capture().0
}

/// The JSON lines of the same log as [`logs`].
fn json_logs() -> &'static Captured {
    &capture().1
}

fn capture() -> &'static (Captured, Captured) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    static LOGS: OnceLock<(Captured, Captured)> = OnceLock::new();
    LOGS.get_or_init(|| {
        let (text, json) = (Captured::default(), Captured::default());
        tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new("trace"))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(text.clone()),
            )
            .with(edi_gateway::telemetry::fmt_layer(
                edi_gateway::telemetry::LogFormat::Json,
                false,
                json.clone(),
            ))
            .init();
        (text, json)
    })
}

/// A `MakeWriter` that keeps every log line in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

#[tokio::test]
async fn neither_the_sid_nor_the_password_reaches_logs_or_error_bodies() {
    let logs = logs();
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let proc_id = app.sandbox.seed().edin_process_id();
    let mut bodies = Vec::new();
    for (method, path, body) in [
        (Method::GET, PROCS.to_owned(), None),
        (
            Method::POST,
            format!("{PROCS}/{proc_id}/steps"),
            Some(json!({"taskType": 1})),
        ),
        (
            Method::DELETE,
            format!("{PROCS}/{proc_id}/steps/999999999"),
            None,
        ),
    ] {
        let r = app.send(method, &path, &sid, &[], body.as_ref()).await;
        bodies.push(r.text().await.expect("body"));
    }
    // The expired-session path logs and answers too.
    app.sandbox.expire_edin_sessions();
    bodies.push(
        app.send(Method::GET, PROCS, &sid, &[], None)
            .await
            .text()
            .await
            .expect("body"),
    );
    bodies.push(
        app.edin_login(EDIN_DEMO_EMAIL, "wrong-Pa55word")
            .await
            .text()
            .await
            .expect("body"),
    );
    // Both formats: the text and the JSON lines.
    let logs = logs.text() + &json_logs().text();
    assert!(
        logs.contains("route=\"createEdinSession\""),
        "the gateway's logging was captured"
    );
    // The demo password ("demo") is too common a word to search for; a wrong one stands in.
    for secret in [sid.as_str(), "wrong-Pa55word"] {
        assert!(!logs.contains(secret), "{secret} in the logs");
        assert!(
            bodies.iter().all(|b| !b.contains(secret)),
            "{secret} in a body"
        );
    }
}

#[tokio::test]
async fn neither_the_diadoc_token_nor_the_password_reaches_logs_or_error_bodies() {
    let logs = logs();
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let mut bodies = Vec::new();
    for path in [
        format!("/v1/diadoc/boxes/{box_id}/counteragents"),
        format!("/v1/diadoc/boxes/{box_id}/counteragents?afterIndexKey=nope"),
        "/v1/diadoc/boxes/00000000-0000-0000-0000-000000000000/counteragents".to_owned(),
    ] {
        bodies.push(
            app.get(&path, Some(&token))
                .await
                .text()
                .await
                .expect("body"),
        );
    }
    let r = app
        .post_json(
            "/v1/diadoc/sessions",
            None,
            &json!({"login": edi_sandbox::DEMO_LOGIN, "password": "wrong-Pa55word-diadoc"}),
        )
        .await;
    assert_eq!(r.status(), 401);
    bodies.push(r.text().await.expect("body"));
    // Both formats: the text and the JSON lines.
    let logs = logs.text() + &json_logs().text();
    assert!(
        logs.contains("route=\"createDiadocSession\""),
        "the gateway's logging was captured"
    );
    for secret in [
        token.as_str(),
        "wrong-Pa55word-diadoc",
        edi_sandbox::DEVELOPER_KEY,
    ] {
        assert!(!logs.contains(secret), "{secret} in the logs");
        assert!(
            bodies.iter().all(|b| !b.contains(secret)),
            "{secret} in a body"
        );
    }
}

/// Issue 14: what a managed client's run handles — its API key, the OIDC client secret, every
/// refresh token (rotated ones included), every access token, the EDIN password and every SID —
/// reaches no log line at `trace` and no answer, through first use, renewal after a 401 and a
/// rejected session, a refused key and a refused token grant.
#[tokio::test]
async fn no_managed_secret_reaches_logs_or_answers() {
    const EDIN_PASSWORD: &str = "robot-EDIN-Pa55word";
    let logs = logs();
    let (app, _, _) = spawn_managed(
        edi_sandbox::Sandbox::builder().rotate_refresh_tokens(true),
        |s| robot_entry(s).replace(edi_sandbox::EDIN_DEMO_PASSWORD, EDIN_PASSWORD),
        |_| {},
    )
    .await;
    let mut bodies = Vec::new();
    {
        let mut call = async |method: Method, path: &str, key: &str| {
            let r = app.managed(method, path, key, None).await;
            let mut text = format!("{:?}", r.headers());
            text.push_str(&r.text().await.expect("body"));
            bodies.push(text);
        };
        call(Method::GET, "/v1/diadoc/me", ROBOT_KEY).await;
        app.sandbox.expire_tokens();
        call(Method::GET, "/v1/diadoc/me", ROBOT_KEY).await;
        call(Method::GET, "/v1/diadoc/me", "a-wrong-key-0123456789").await;
        // EDIN refuses the password (it is not the demo user's): a refused login, redacted.
        call(Method::GET, PROCS, ROBOT_KEY).await;
    }
    let mut secrets: Vec<String> = vec![
        ROBOT_KEY.to_owned(),
        EDIN_PASSWORD.to_owned(),
        app.sandbox.oidc_client_secret().to_owned(),
    ];
    for entry in app.sandbox.journal() {
        if let Some(token) = entry
            .authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            secrets.push(token.to_owned());
        }
        if let Some(sid) = entry.cookie("SID") {
            secrets.push(sid.to_owned());
        }
        if entry.path == "/connect/token" {
            for (name, value) in url::form_urlencoded::parse(&entry.body) {
                if name == "refresh_token" || name == "client_secret" {
                    secrets.push(value.into_owned());
                }
            }
        }
    }
    assert!(secrets.len() >= 6, "{} secrets seen", secrets.len());
    // A managed EDIN session with the demo user's password, so SIDs are issued too.
    let (app2, _, _) = spawn_managed(edi_sandbox::Sandbox::builder(), robot_entry, |_| {}).await;
    let r = app2.managed(Method::GET, PROCS, ROBOT_KEY, None).await;
    assert_eq!(r.status(), 200);
    app2.sandbox.expire_edin_sessions();
    let r = app2.managed(Method::GET, PROCS, ROBOT_KEY, None).await;
    assert_eq!(r.status(), 200);
    bodies.push(r.text().await.expect("body"));
    for entry in app2.sandbox.journal() {
        if let Some(sid) = entry.cookie("SID") {
            secrets.push(sid.to_owned());
        }
    }
    // Both formats: the text and the JSON lines.
    let logs = logs.text() + &json_logs().text();
    assert!(
        logs.contains("route=\"getDiadocMe\"") || logs.contains("/v1/diadoc/me"),
        "the gateway's logging was captured"
    );
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret in the logs");
        assert!(
            bodies.iter().all(|b| !b.contains(secret.as_str())),
            "a secret in an answer"
        );
    }
}

/// lifecycle.md §1.1: a deprecated Diadoc method answers with `Sunset` and `Link; rel="sunset"`.
/// The gateway warns once per route (and process) with the date and the upstream method, and
/// passes neither header on.
#[tokio::test]
async fn a_sunset_is_logged_once_per_route_and_never_reaches_the_caller() {
    const DATE: &str = "Sat, 01 May 2027 00:00:00 GMT";
    let logs = logs();
    let app = spawn_with(
        edi_sandbox::Sandbox::builder().deprecate("/V3/GetCounteragents", DATE),
        |c| c.cache_ttl_secs = 0,
    )
    .await;
    let token = app.demo_token().await;
    let (org_id, box_id) = app.first_box(&token).await;
    let by_box = format!("/v1/diadoc/boxes/{box_id}/counteragents");
    let by_org = format!("/v1/diadoc/organizations/{org_id}/counteragents");
    for path in [&by_box, &by_box, &by_org, &by_org] {
        let r = app.get(path, Some(&token)).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("sunset").is_none(), "no Sunset for callers");
        for link in r.headers().get_all("link") {
            let link = link.to_str().expect("ascii");
            assert!(!link.contains("sunset"), "{link}");
        }
    }
    // Every call reached the deprecated method, and each answer carried the notice.
    let calls = app.upstream_calls("/V3/GetCounteragents");
    assert_eq!(calls.len(), 4);
    let text = logs.text();
    let warnings = |route: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("WARN") && l.contains("Sunset") && l.contains(route))
            .map(str::to_owned)
            .collect()
    };
    for route in [
        "route=\"listDiadocBoxCounteragents\"",
        "route=\"listDiadocOrganizationCounteragents\"",
    ] {
        let lines = warnings(route);
        assert_eq!(lines.len(), 1, "one warning for {route}: {lines:?}");
        assert!(lines[0].contains(DATE), "{}", lines[0]);
        assert!(lines[0].contains("2027-05-01T00:00:00Z"), "{}", lines[0]);
        assert!(
            lines[0].contains("GET /V3/GetCounteragents"),
            "{}",
            lines[0]
        );
    }
}

/// An upstream that echoes the credentials it was sent (the developer key, the caller's token,
/// the EDIN session id) in its refusal, its headers or an HTML page: none of them reaches a log
/// line or an answer (issue 13: "Upstream messages redacted").
#[tokio::test]
async fn echoed_credentials_reach_neither_logs_nor_answers() {
    use edi_sandbox::Fault;
    let logs = logs();
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let sid = app.demo_sid().await;
    let key = edi_sandbox::DEVELOPER_KEY;
    let echo = format!(
        "bad credentials: DiadocAuth ddauth_api_client_id={key},ddauth_token={token}; SID={sid}"
    );
    let mut bodies = Vec::new();
    for fault in [
        Fault::text(400, echo.clone()),
        Fault::text(500, echo.clone()),
        Fault::text(429, echo.clone()).retry_after("3"),
        Fault::text(403, "no").header("x-diadoc-errorcode", token.clone()),
    ] {
        app.sandbox.inject(1, fault.clone());
        let r = app.get("/v1/diadoc/me", Some(&token)).await;
        bodies.push(r.text().await.expect("body"));
        app.sandbox.inject(1, fault);
        let r = app
            .send(Method::GET, "/v1/edin/agreement-groups", &sid, &[], None)
            .await;
        bodies.push(r.text().await.expect("body"));
    }
    // Both formats: the text and the JSON lines.
    let logs = logs.text() + &json_logs().text();
    for secret in [token.as_str(), sid.as_str(), key] {
        assert!(!logs.contains(secret), "{secret} in the logs");
        assert!(
            bodies.iter().all(|b| !b.contains(secret)),
            "{secret} in a body: {bodies:?}"
        );
    }
}

/// The JSON log's request lines of the request `request_id` (every JSON line must parse).
fn request_lines(request_id: &str) -> Vec<serde_json::Value> {
    json_logs()
        .text()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line"))
        .filter(|line| line["message"] == "request" && line["request_id"] == request_id)
        .collect()
}

/// Issue 15: `EDI_GATEWAY_LOG_FORMAT=json` writes one object per line, span fields flattened;
/// each request has exactly one request line, with its route id, status, duration, the last
/// upstream call's status and Diadoc's `X-Kontur-Trace-Id`.
#[tokio::test]
async fn a_json_request_line_has_route_status_duration_upstream_status_and_trace_id() {
    use edi_sandbox::Fault;
    let _ = logs();
    let app = spawn_with(edi_sandbox::Sandbox::builder(), |c| c.cache_ttl_secs = 0).await;
    let token = app.demo_token().await;
    let r = app
        .send(
            Method::GET,
            "/v1/diadoc/me",
            &token,
            &[("x-request-id", "logs-json-ok")],
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    app.sandbox.inject(1, Fault::text(409, "busy"));
    let r = app
        .send(
            Method::GET,
            "/v1/diadoc/me",
            &token,
            &[("x-request-id", "logs-json-409")],
            None,
        )
        .await;
    assert_eq!(r.status(), 409);
    let problem = r.text().await.expect("body");
    // No upstream call: no upstream fields.
    let r = app
        .send(
            Method::GET,
            "/v1/nothing-here",
            &token,
            &[("x-request-id", "logs-json-404")],
            None,
        )
        .await;
    assert_eq!(r.status(), 404);

    let ok = request_lines("logs-json-ok");
    assert_eq!(ok.len(), 1, "one request line: {ok:?}");
    let ok = &ok[0];
    let raw = json_logs()
        .text()
        .lines()
        .find(|l| l.contains("\"logs-json-ok\"") && l.contains("\"message\":\"request\""))
        .map(str::to_owned)
        .expect("the raw line");
    assert!(raw.starts_with("{\"timestamp\":"), "{raw}");
    assert_eq!(ok["level"], "INFO");
    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["route"], "getDiadocMe");
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["upstream_status"], 200);
    assert!(ok["duration_ms"].as_f64().is_some_and(|d| d >= 0.0), "{ok}");
    assert!(
        ok["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{ok}"
    );
    // The sandbox sends a hex trace id on every Diadoc reply.
    let trace = ok["kontur_trace_id"].as_str().expect("a trace id");
    assert!(
        !trace.is_empty() && trace.bytes().all(|b| b.is_ascii_hexdigit()),
        "{trace}"
    );

    let refused = request_lines("logs-json-409");
    assert_eq!(refused.len(), 1, "one request line: {refused:?}");
    assert_eq!(refused[0]["status"], 409);
    assert_eq!(refused[0]["upstream_status"], 409);
    // The same trace id as the problem quotes to the caller.
    let trace = refused[0]["kontur_trace_id"].as_str().expect("a trace id");
    assert!(
        trace.len() >= 16 && problem.contains(trace),
        "{trace} in {problem}"
    );

    let missing = request_lines("logs-json-404");
    assert_eq!(missing.len(), 1, "one request line: {missing:?}");
    assert_eq!(missing[0]["status"], 404);
    assert!(
        missing[0].get("upstream_status").is_none(),
        "{}",
        missing[0]
    );
    assert!(
        missing[0].get("kontur_trace_id").is_none(),
        "{}",
        missing[0]
    );
}

/// Issue 15: a caller's valid W3C `traceparent` goes on to Diadoc and EDIN (unchanged, as no
/// spans are exported here, with the `otlp` feature or without); an invalid one goes nowhere.
#[tokio::test]
async fn a_callers_traceparent_reaches_diadoc_and_edin() {
    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let _ = logs();
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let sid = app.demo_sid().await;
    let calls = [
        ("logs-tp-diadoc", "/v1/diadoc/me", &token, PARENT),
        ("logs-tp-edin", "/v1/edin/agreement-groups", &sid, PARENT),
        (
            "logs-tp-bad",
            "/v1/diadoc/me",
            &token,
            "00-zz-00f067aa0ba902b7-01",
        ),
    ];
    for (id, path, credential, traceparent) in calls {
        let r = app
            .send(
                Method::GET,
                path,
                credential,
                &[("x-request-id", id), ("traceparent", traceparent)],
                None,
            )
            .await;
        assert_eq!(r.status(), 200, "{path}");
    }
    let journal = app.sandbox.journal();
    let sent = |id: &str| -> Vec<Option<String>> {
        journal
            .iter()
            .filter(|e| e.header("x-request-id") == Some(id))
            .map(|e| e.header("traceparent").map(str::to_owned))
            .collect()
    };
    for id in ["logs-tp-diadoc", "logs-tp-edin"] {
        let seen = sent(id);
        assert!(!seen.is_empty(), "{id} reached the sandbox");
        assert!(
            seen.iter().all(|t| t.as_deref() == Some(PARENT)),
            "{id}: {seen:?}"
        );
    }
    let seen = sent("logs-tp-bad");
    assert!(
        !seen.is_empty() && seen.iter().all(Option::is_none),
        "{seen:?}"
    );
}

/// Issue 15: the gateway's own logging, stdout a pipe: `text` has no colour escapes (it had:
/// `fmt()`'s default), `json` lines are JSON.
#[tokio::test]
async fn the_binary_logs_without_colour_to_a_pipe_and_json_when_asked() {
    use tokio::io::AsyncBufReadExt;
    for format in ["text", "json"] {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_edi-gateway"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--diadoc-client-id",
                "logs-test-key",
            ])
            .env("EDI_GATEWAY_LOG_FORMAT", format)
            .env("RUST_LOG", "info")
            .env_remove("NO_COLOR")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .env_remove("EDI_GATEWAY_CLIENTS_FILE")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the gateway starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        // Read until the listening line; the bound is only a guard against a hang.
        let line = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("stdout readable") {
                if line.contains("edi-gateway listening") {
                    return line;
                }
                assert!(!line.contains("\u{1b}["), "{format}: colour in {line:?}");
            }
            panic!("{format}: stdout ended before the listening line");
        })
        .await
        .expect("the listening line within a minute");
        child.kill().await.expect("stopped");
        assert!(!line.contains("\u{1b}["), "{format}: colour in {line:?}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
            assert_eq!(v["message"], "edi-gateway listening");
            assert_eq!(v["level"], "INFO");
        }
    }
}
