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

/// Everything logged by this binary's tests, at `trace`.
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        tracing_subscriber::fmt()
            .with_env_filter("trace")
            .with_ansi(false)
            .with_writer(logs.clone())
            .init();
        logs
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
    let logs = logs.text();
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
    let logs = logs.text();
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
    let logs = logs.text();
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
    let logs = logs.text();
    for secret in [token.as_str(), sid.as_str(), key] {
        assert!(!logs.contains(secret), "{secret} in the logs");
        assert!(
            bodies.iter().all(|b| !b.contains(secret)),
            "{secret} in a body: {bodies:?}"
        );
    }
}
