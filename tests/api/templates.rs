//! `POST /v1/diadoc/templates` (PostTemplate): 201 with the Template; `Idempotency-Key` becomes
//! `operationId`; Diadoc's "still running" (204 + Retry-After) is polled with the identical body
//! and operationId; a POST is never re-sent after a transport failure without one.

use edi_sandbox::Sandbox;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, problem_fields, sorted_fields, spawn_polling, spawn_with};

const PATH: &str = "/v1/diadoc/templates";
const UPSTREAM: &str = "/PostTemplate";

async fn spawn(polls: u32) -> TestApp {
    spawn_polling(Sandbox::builder().template_polls(polls).retry_after_secs(0)).await
}

/// A template from `from` to the first box's first counteragent.
fn template(app: &TestApp, from: &str, comment: &str) -> Value {
    let partner = app.sandbox.seed().counteragent_box_id_guid().to_owned();
    json!({
        "fromBoxId": from,
        "toBoxId": partner,
        "messageFromBoxId": partner,
        "messageToBoxId": from,
        "documentAttachments": [{
            "unsignedContent": {"content": "PFRlbXBsYXRlLz4="},
            "comment": comment,
            "typeNamedId": "UniversalTransferDocument",
            "function": "СЧФДОП",
            "version": "utd970_05_03_01",
            "metadata": [{"key": "FileName", "value": "template.xml"}]
        }]
    })
}

fn first_box(app: &TestApp) -> String {
    app.sandbox.seed().first_box_id_guid().to_owned()
}

async fn post(app: &TestApp, token: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    app.send(Method::POST, PATH, token, &headers, Some(body))
        .await
}

#[tokio::test]
async fn a_template_is_created_after_the_upstream_finishes() {
    let app = spawn(2).await;
    let token = app.demo_token().await;
    let body = template(&app, &first_box(&app), "first");
    let r = post(&app, &token, Some("order-42"), &body).await;
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.expect("json");
    assert_eq!(t["fromBoxId"], body["fromBoxId"]);
    assert_eq!(t["entities"][0]["content"]["data"], "PFRlbXBsYXRlLz4=");
    assert!(t["messageId"].is_string());
    assert_eq!(
        app.upstream_calls(UPSTREAM).len(),
        3,
        "two 204s, then the template"
    );
}

#[tokio::test]
async fn every_poll_sends_the_identical_body_and_operation_id() {
    let app = spawn(3).await;
    let token = app.demo_token().await;
    let r = post(
        &app,
        &token,
        Some("Op_1-a"),
        &template(&app, &first_box(&app), "x"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let calls = app.upstream_calls(UPSTREAM);
    assert_eq!(calls.len(), 4);
    for c in &calls {
        assert_eq!(c.method, "POST");
        assert_eq!(c.query_param("operationId"), Some("Op_1-a"));
        assert_eq!(c.body, calls[0].body, "the same bytes on every poll");
        assert_eq!(c.raw_query, calls[0].raw_query);
    }
    assert!(!calls[0].body.is_empty());
}

#[tokio::test]
async fn an_idempotent_replay_returns_the_same_template() {
    let app = spawn(1).await;
    let token = app.demo_token().await;
    let body = template(&app, &first_box(&app), "replayed");
    let first: Value = post(&app, &token, Some("replay-1"), &body)
        .await
        .json()
        .await
        .expect("json");
    let again = post(&app, &token, Some("replay-1"), &body).await;
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["messageId"], first["messageId"]);
    assert_eq!(again, first);
    // Another key is another operation.
    let other: Value = post(&app, &token, Some("replay-2"), &body)
        .await
        .json()
        .await
        .expect("json");
    assert_ne!(other["messageId"], first["messageId"]);
}

#[tokio::test]
async fn without_a_key_no_operation_id_is_sent() {
    let app = spawn(1).await;
    let token = app.demo_token().await;
    let body = template(&app, &first_box(&app), "no key");
    let first: Value = post(&app, &token, None, &body)
        .await
        .json()
        .await
        .expect("json");
    let calls = app.upstream_calls(UPSTREAM);
    assert!(calls.iter().all(|c| c.query_param("operationId").is_none()));
    // Diadoc then keys the operation by the body's MD5: the same body is the same template.
    let again: Value = post(&app, &token, None, &body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["messageId"], first["messageId"]);
}

#[tokio::test]
async fn a_spent_budget_is_a_202_naming_the_key_and_the_repeat_gets_the_template() {
    let app = spawn_with(
        Sandbox::builder().template_polls(1).retry_after_secs(5),
        |_| {},
    )
    .await;
    let token = app.demo_token().await;
    let body = template(&app, &first_box(&app), "slow");
    let r = app
        .send(
            Method::POST,
            PATH,
            &token,
            &[("idempotency-key", "slow-1"), ("prefer", "wait=1")],
            Some(&body),
        )
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["location"], PATH);
    let pending: Value = r.json().await.expect("json");
    assert_eq!(
        pending,
        json!({"status": "pending", "retryAfter": 5, "idempotencyKey": "slow-1"})
    );
    let done = post(&app, &token, Some("slow-1"), &body).await;
    assert_eq!(done.status(), 201);
    let done: Value = done.json().await.expect("json");
    let replay: Value = post(&app, &token, Some("slow-1"), &body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(replay["messageId"], done["messageId"]);
    let ops: Vec<_> = app
        .upstream_calls(UPSTREAM)
        .iter()
        .map(|c| c.query_param("operationId").map(str::to_owned))
        .collect();
    assert_eq!(ops, vec![Some("slow-1".to_owned()); 3]);
}

#[tokio::test]
async fn a_post_without_a_key_is_not_resent_after_a_timeout() {
    let app = spawn_with(Sandbox::builder().template_polls(0), |c| {
        c.request_timeout_secs = 1;
    })
    .await;
    let token = app.demo_token().await;
    let body = template(&app, &first_box(&app), "t");
    // The sandbox answers nothing until the gate is released, so the gateway's own 1 s timeout
    // ends the call, however slow the machine.
    let gate = app.sandbox.hold();
    let r = post(&app, &token, None, &body).await;
    assert_eq!(r.status(), 504);
    problem(r).await;
    assert_eq!(
        app.upstream_calls(UPSTREAM).len(),
        1,
        "sent once, never again"
    );
    gate.release();
}

#[tokio::test]
async fn an_invalid_idempotency_key_is_a_400_naming_the_header() {
    let app = spawn(0).await;
    let token = app.demo_token().await;
    let body = template(&app, &first_box(&app), "t");
    let long = "k".repeat(101);
    for bad in ["has space", "ключ", "a.b", long.as_str()] {
        let r = post(&app, &token, Some(bad), &body).await;
        assert_eq!(r.status(), 400, "{bad}");
        assert_eq!(problem_fields(&problem(r).await), ["Idempotency-Key"]);
    }
    let max = "k".repeat(100);
    assert_eq!(post(&app, &token, Some(&max), &body).await.status(), 201);
    assert_eq!(app.upstream_calls(UPSTREAM).len(), 1);
}

#[tokio::test]
async fn an_invalid_body_names_the_fields_before_any_upstream_call() {
    let app = spawn(0).await;
    let token = app.demo_token().await;
    let r = post(
        &app,
        &token,
        Some("k1"),
        &json!({"fromBoxId": first_box(&app), "lockMode": "Sometimes"}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let fields = sorted_fields(r).await;
    assert_eq!(
        fields,
        ["lockMode", "messageFromBoxId", "messageToBoxId", "toBoxId"]
    );
    assert!(app.upstream_calls(UPSTREAM).is_empty());
}

#[tokio::test]
async fn upstream_refusals_pass_through() {
    let app = spawn(0).await;
    let token = app.demo_token().await;
    // A box without templates (the sandbox's choice where api.md says UNKNOWN: 403).
    let disabled = app
        .sandbox
        .seed()
        .templates_disabled_box_id_guid()
        .to_owned();
    let r = post(&app, &token, Some("k-403"), &template(&app, &disabled, "t")).await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["status"], 403);
    // A known operationId with another body (the sandbox's choice: 409).
    let body = template(&app, &first_box(&app), "one");
    assert_eq!(post(&app, &token, Some("k-409"), &body).await.status(), 201);
    let other = template(&app, &first_box(&app), "two");
    let r = post(&app, &token, Some("k-409"), &other).await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["upstream"]["status"], 409);
}
