//! `GET …/protocol` (GenerateDocumentProtocol): the gateway hides Diadoc's "not ready"
//! (200 + Retry-After, empty body) behind one request, shares one polling loop among identical
//! waits, and answers 202 when the caller's budget runs out.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use edi_sandbox::Sandbox;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, problem, run_paused_for, spawn_polling, spawn_with};

const UPSTREAM: &str = "/GenerateDocumentProtocol";

/// A gateway that does not pause between polls, against a sandbox whose protocols are ready
/// after `polls` "not ready" answers with `Retry-After: retry_after`.
async fn spawn(polls: u32, retry_after: u64) -> TestApp {
    spawn_polling(
        Sandbox::builder()
            .protocol_polls(polls)
            .retry_after_secs(retry_after),
    )
    .await
}

/// Our path for the first document of the first box that has a protocol.
fn protocol_path(app: &TestApp) -> String {
    let seed = app.sandbox.seed();
    let d = seed
        .document_with_protocol()
        .expect("a document with a protocol");
    format!(
        "/v1/diadoc/boxes/{}/messages/{}/documents/{}/protocol",
        seed.first_box_id_guid(),
        d.document.message_id,
        d.document.entity_id
    )
}

async fn get(app: &TestApp, token: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    app.send(Method::GET, &protocol_path(app), token, headers, None)
        .await
}

fn assert_protocol(body: &Value) {
    let pdf = STANDARD
        .decode(body["printForm"].as_str().expect("printForm"))
        .expect("base64");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let signature = STANDARD
        .decode(body["signature"].as_str().expect("signature"))
        .expect("base64");
    assert!(!signature.is_empty());
    assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
}

#[tokio::test]
async fn a_ready_protocol_is_returned_at_once() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let r = get(&app, &token, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_protocol(&r.json().await.expect("json"));
    let calls = app.upstream_calls(UPSTREAM);
    assert_eq!(calls.len(), 1);
    let seed = app.sandbox.seed();
    let d = seed.document_with_protocol().expect("document");
    assert_eq!(
        calls[0].query_param("boxId"),
        Some(seed.first_box_id_guid())
    );
    assert_eq!(
        calls[0].query_param("messageId"),
        Some(d.document.message_id.as_str())
    );
    assert_eq!(
        calls[0].query_param("documentId"),
        Some(d.document.entity_id.as_str())
    );
}

#[tokio::test]
async fn a_protocol_ready_after_k_polls_comes_back_in_one_request() {
    let app = spawn(3, 0).await;
    let token = app.demo_token().await;
    let r = get(&app, &token, &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("preference-applied").is_none());
    assert_protocol(&r.json().await.expect("json"));
    let calls = app.upstream_calls(UPSTREAM);
    assert_eq!(calls.len(), 4, "3 pending answers, then the protocol");
    assert!(calls.iter().all(|c| c.raw_query == calls[0].raw_query));
}

#[tokio::test]
async fn a_spent_budget_is_a_202_and_the_repeat_gets_the_protocol() {
    // Retry-After 5 s is far beyond the caller's 1 s budget.
    let app = spawn(1, 5).await;
    let token = app.demo_token().await;
    let r = get(&app, &token, &[("prefer", "wait=1")]).await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["preference-applied"], "wait=1");
    assert_eq!(r.headers()["location"], protocol_path(&app).as_str());
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({"status": "pending", "retryAfter": 5, "idempotencyKey": null})
    );
    // The repeat, as the 202 says (any replica could take it): the upstream has the protocol.
    let again = get(&app, &token, &[]).await;
    assert_eq!(again.status(), 200);
    assert_protocol(&again.json().await.expect("json"));
}

#[tokio::test]
async fn wait_0_and_respond_async_make_a_single_attempt() {
    let app = spawn(5, 0).await;
    let token = app.demo_token().await;
    let r = get(&app, &token, &[("prefer", "wait=0")]).await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["preference-applied"], "wait=0");
    // The upstream said 0; what the gateway emits is clamped to at least 1 s.
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(app.upstream_calls(UPSTREAM).len(), 1);

    let r = get(&app, &token, &[("prefer", "respond-async")]).await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["preference-applied"], "respond-async");
    assert_eq!(app.upstream_calls(UPSTREAM).len(), 2);
}

#[tokio::test]
async fn accept_pdf_returns_the_print_form_itself() {
    let app = spawn(1, 0).await;
    let token = app.demo_token().await;
    let json: Value = get(&app, &token, &[]).await.json().await.expect("json");
    let r = get(&app, &token, &[("accept", "application/pdf")]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let entity = &app
        .sandbox
        .seed()
        .document_with_protocol()
        .expect("document")
        .document
        .entity_id;
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"protocol-{entity}.pdf\"").as_str()
    );
    let pdf = r.bytes().await.expect("bytes");
    assert_eq!(
        pdf.as_ref(),
        STANDARD
            .decode(json["printForm"].as_str().expect("printForm"))
            .expect("base64")
    );
    // A wildcard or an explicit preference for JSON keeps JSON; naming neither is a 406.
    let r = get(
        &app,
        &token,
        &[("accept", "application/pdf;q=0.5, application/json")],
    )
    .await;
    assert_eq!(r.headers()["content-type"], "application/json");
    let r = get(&app, &token, &[("accept", "application/pdf, */*;q=0.8")]).await;
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let calls = app.upstream_calls(UPSTREAM).len();
    let r = get(&app, &token, &[("accept", "text/html")]).await;
    assert_eq!(r.status(), 406);
    assert_eq!(problem(r).await["status"], 406);
    assert_eq!(
        app.upstream_calls(UPSTREAM).len(),
        calls,
        "no upstream call"
    );
}

#[tokio::test]
async fn a_document_without_a_protocol_is_a_409_with_the_upstream_text() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let d = seed
        .document_without_protocol()
        .expect("a document without");
    let path = format!(
        "/v1/diadoc/boxes/{}/messages/{}/documents/{}/protocol",
        seed.first_box_id_guid(),
        d.document.message_id,
        d.document.entity_id
    );
    let r = app.get(&path, Some(&token)).await;
    assert_eq!(r.status(), 409);
    let p = problem(r).await;
    assert_eq!(p["upstream"]["status"], 409);
    let message = p["upstream"]["message"].as_str().expect("message");
    assert!(message.contains("not supported"), "{message}");
    assert_eq!(p["detail"], message);
}

#[tokio::test]
async fn a_hundred_identical_waits_share_one_polling_loop() {
    // Three "not ready" answers, then the protocol. The first poll is held at the sandbox
    // until every caller has got as far as it can (joined the loop, or polled on its own if
    // sharing broke), on the paused clock; only then do the answers go.
    let app = spawn(3, 0).await;
    let token = app.demo_token().await;
    let path = protocol_path(&app);
    let gate = app.sandbox.hold_next(1);
    let first_poll = app.sandbox.received() + 1;
    let waits = (0..100).map(|_| app.send(Method::GET, &path, &token, &[], None));
    let release = async {
        app.sandbox.wait_for_calls(first_poll).await;
        run_paused_for(Duration::from_secs(1)).await;
        gate.release();
    };
    let (replies, ()) = tokio::join!(futures_util::future::join_all(waits), release);
    let mut bodies = Vec::new();
    for r in replies {
        assert_eq!(r.status(), 200);
        bodies.push(r.bytes().await.expect("body"));
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]));
    assert_eq!(
        app.upstream_calls(UPSTREAM).len(),
        4,
        "one poll per Retry-After interval, not one per caller"
    );
}

#[tokio::test]
async fn different_callers_never_share_a_loop() {
    let app = spawn_with(
        Sandbox::builder().protocol_polls(1).retry_after_secs(1),
        |_| {},
    )
    .await;
    let demo = app.demo_token().await;
    let other = app
        .login(edi_sandbox::OTHER_LOGIN, edi_sandbox::OTHER_PASSWORD)
        .await;
    let (mine, theirs) = tokio::join!(get(&app, &demo, &[]), get(&app, &other, &[]));
    assert_eq!(mine.status(), 200);
    assert_eq!(
        theirs.status(),
        403,
        "the other user has no access to the box"
    );
}

#[tokio::test]
async fn a_dropped_caller_stops_the_polling() {
    let app = spawn_with(
        Sandbox::builder()
            .protocol_polls(10_000)
            .retry_after_secs(0),
        |c| c.poll_floor_ms = 50,
    )
    .await;
    let token = app.demo_token().await;
    let before = app.sandbox.received();
    let caller = tokio::spawn(
        app.client
            .get(app.url(&protocol_path(&app)))
            .bearer_auth(&token)
            .send(),
    );
    // Two polls have reached the sandbox: the loop is running and the caller waits on it.
    app.sandbox.wait_for_calls(before + 2).await;
    caller.abort();
    assert!(
        caller.await.is_err_and(|e| e.is_cancelled()),
        "the caller gave up"
    );
    let polls_while_waiting = app.upstream_calls(UPSTREAM).len();
    assert!(
        polls_while_waiting >= 2,
        "it was polling: {polls_while_waiting}"
    );
    // A minute of paused time is 1,200 pauses of 50 ms: the loop notices the caller is gone at
    // its next pause (at most one poll was still on its way), and the journal stops growing.
    run_paused_for(Duration::from_secs(60)).await;
    let settled = app.upstream_calls(UPSTREAM).len();
    assert!(
        settled <= polls_while_waiting + 1,
        "{settled} polls after the caller left at {polls_while_waiting}"
    );
    run_paused_for(Duration::from_secs(60)).await;
    assert_eq!(app.upstream_calls(UPSTREAM).len(), settled);
}

#[tokio::test]
async fn a_malformed_prefer_is_a_400_before_any_upstream_call() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let r = get(&app, &token, &[("prefer", "wait=soon")]).await;
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(crate::helpers::problem_fields(&p), ["Prefer"]);
    assert!(app.upstream_calls(UPSTREAM).is_empty());
}

#[tokio::test]
async fn bad_ids_and_missing_tokens_never_reach_the_upstream() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let r = app
        .get(
            "/v1/diadoc/boxes/nope/messages/123/documents/abc/protocol",
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 400);
    let fields = crate::helpers::sorted_fields(r).await;
    assert_eq!(fields, ["boxId", "documentId", "messageId"]);
    let r = app.get(&protocol_path(&app), None).await;
    assert_eq!(r.status(), 401);
    assert!(app.upstream_calls(UPSTREAM).is_empty());
}
