//! Error paths: upstream failures and timeouts. (Unknown routes and other router-only answers:
//! `router.rs`.)

use crate::helpers::{problem, spawn_app, spawn_with};

#[tokio::test]
async fn upstream_500_is_a_502_problem_with_the_upstream_details() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    app.sandbox
        .fail_next(1, 500, "Internal server error: something broke");
    let r = app.get("/v1/diadoc/organizations", Some(&token)).await;
    assert_eq!(r.status(), 502);
    let p = problem(r).await;
    assert_eq!(p["status"], 502);
    assert_eq!(p["upstream"]["status"], 500);
    assert_eq!(p["upstream"]["service"], "diadoc");
    assert!(
        p["upstream"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("something broke"))
    );
    assert!(
        p["upstream"]["traceId"].is_string(),
        "trace id passed on: {p}"
    );
    assert!(!p.to_string().contains(&token));
}

#[tokio::test]
async fn upstream_timeout_is_a_504_problem() {
    let app = spawn_with(edi_sandbox::Sandbox::builder(), |c| {
        c.request_timeout_secs = 1
    })
    .await;
    let token = app.demo_token().await;
    // Held until released: the gateway's 1 s timeout runs out whatever the machine's speed.
    let gate = app.sandbox.hold();
    let r = app.get("/v1/diadoc/organizations", Some(&token)).await;
    assert_eq!(r.status(), 504);
    assert_eq!(problem(r).await["status"], 504);
    assert_eq!(app.upstream_calls("/GetMyOrganizations").len(), 1);
    gate.release();
}

#[tokio::test]
async fn unreachable_upstream_is_a_502_problem() {
    let app = spawn_with(edi_sandbox::Sandbox::builder(), |c| {
        c.diadoc_url = "http://127.0.0.1:1".into()
    })
    .await;
    let r = app
        .get("/v1/diadoc/organizations", Some("some-token"))
        .await;
    assert_eq!(r.status(), 502);
    problem(r).await;
}
