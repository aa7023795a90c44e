//! Upstream protection (`breaker.rs`): the circuit breaker per upstream and the retry of safe
//! calls from a budget, driven by the sandbox's faults. The cool-down passes on tokio's paused
//! clock; a probe in flight is held by the sandbox; nothing races the wall clock.

use std::time::Duration;

use edi_sandbox::{Fault, Sandbox};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, header, kind, spawn_app, spawn_with};

const ME: &str = "/v1/diadoc/me";
const GET_MY_USER: &str = "/V2/GetMyUser";
const EDIN_GROUPS: &str = "/v1/edin/agreement-groups";

/// `GET /v1/diadoc/me`: its status, and how many calls the sandbox received for it.
async fn me(app: &TestApp, token: &str) -> (u16, usize) {
    let before = app.sandbox.received();
    let status = app.get(ME, Some(token)).await.status().as_u16();
    (status, app.sandbox.received() - before)
}

/// Five 502s in a row from Diadoc: the circuit is open.
async fn trip(app: &TestApp, token: &str) {
    app.sandbox.inject(5, Fault::html(502));
    for n in 1..=5 {
        assert_eq!(me(app, token).await, (502, 1), "failure {n} reaches Diadoc");
    }
}

/// A refusal of the open circuit, checked: 503 `upstream-circuit-open` with this `Retry-After`,
/// and nothing sent upstream.
async fn assert_refused(app: &TestApp, token: &str, retry_after: &str) {
    let before = app.sandbox.received();
    let r = app.get(ME, Some(token)).await;
    assert_eq!(r.status(), 503);
    assert_eq!(header(&r, "retry-after"), retry_after);
    assert_eq!(kind(r).await, "upstream-circuit-open");
    assert_eq!(app.sandbox.received(), before, "nothing sent upstream");
}

#[tokio::test]
async fn five_failures_open_the_circuit_and_after_the_cool_down_a_probe_closes_it() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    // One instant of tokio's clock for the calls; the cool-down passes with `advance`.
    tokio::time::pause();
    trip(&app, &token).await;
    assert_refused(&app, &token, "10").await;
    tokio::time::advance(Duration::from_secs(4)).await;
    assert_refused(&app, &token, "6").await;
    tokio::time::advance(Duration::from_secs(6)).await;
    // The probe reaches Diadoc; its success closes the circuit.
    assert_eq!(me(&app, &token).await, (200, 1));
    assert_eq!(me(&app, &token).await, (200, 1));
    assert_eq!(app.upstream_calls(GET_MY_USER).len(), 5 + 2);
    tokio::time::resume();
}

#[tokio::test]
async fn a_failed_probe_opens_the_circuit_for_another_cool_down() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    tokio::time::pause();
    trip(&app, &token).await;
    tokio::time::advance(Duration::from_secs(10)).await;
    app.sandbox.inject(1, Fault::text(500, "still broken"));
    assert_eq!(me(&app, &token).await, (502, 1), "the probe");
    assert_refused(&app, &token, "10").await;
    tokio::time::advance(Duration::from_secs(10)).await;
    assert_eq!(me(&app, &token).await, (200, 1), "the next probe");
    tokio::time::resume();
}

#[tokio::test]
async fn half_open_lets_one_probe_through_while_the_others_get_503() {
    // No cool-down: the circuit half-opens as soon as it opens.
    let app = spawn_with(Sandbox::builder(), |c| c.breaker_open = Duration::ZERO).await;
    let token = app.demo_token().await;
    trip(&app, &token).await;
    let gate = app.sandbox.hold_next(1);
    let before = app.sandbox.received();
    let probe = tokio::spawn({
        let (client, url, token) = (app.client.clone(), app.url(ME), token.clone());
        async move { client.get(url).bearer_auth(token).send().await }
    });
    app.sandbox.wait_for_calls(before + 1).await;
    // The probe is in flight, provably: every other call is refused, nothing sent.
    assert_refused(&app, &token, "1").await;
    assert_refused(&app, &token, "1").await;
    gate.release();
    let probe = probe.await.expect("joined").expect("answered");
    assert_eq!(probe.status(), 200);
    assert_eq!(me(&app, &token).await, (200, 1), "closed");
}

#[tokio::test]
async fn the_caller_s_4xx_and_429_do_not_open_it_and_an_answer_resets_the_count() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    app.sandbox.inject(3, Fault::text(404, "no such thing"));
    app.sandbox.inject(3, Fault::text(403, "forbidden"));
    // A Retry-After beyond the caller's wait: the 429 goes to the caller at once.
    app.sandbox
        .inject(3, Fault::text(429, "slow down").retry_after("99"));
    for want in [404, 404, 404, 403, 403, 403, 429, 429, 429] {
        assert_eq!(me(&app, &token).await, (want, 1));
    }
    // Four failures, an answer, four more: never five in a row.
    app.sandbox.inject(4, Fault::text(503, "down"));
    app.sandbox.inject(1, Fault::text(400, "bad"));
    app.sandbox.inject(4, Fault::text(504, "down"));
    for want in [502, 502, 502, 502, 400, 502, 502, 502, 502] {
        assert_eq!(me(&app, &token).await, (want, 1));
    }
    assert_eq!(me(&app, &token).await, (200, 1), "still closed");
}

#[tokio::test]
async fn each_upstream_has_its_own_circuit() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let sid = app.demo_sid().await;
    trip(&app, &token).await;
    assert_refused(&app, &token, "10").await;
    let r = app.get(EDIN_GROUPS, Some(&sid)).await;
    assert_eq!(r.status(), 200, "EDIN is not Diadoc");
}

#[tokio::test]
async fn a_transport_error_on_a_read_is_retried_once_and_succeeds() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let sid = app.demo_sid().await;
    app.sandbox.inject(1, Fault::reset_mid_body());
    assert_eq!(me(&app, &token).await, (200, 2));
    let calls = app.upstream_calls(GET_MY_USER);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].status, 200, "the cut reply");
    // EDIN too.
    app.sandbox.inject(1, Fault::reset_mid_body());
    let before = app.sandbox.received();
    let r = app.get(EDIN_GROUPS, Some(&sid)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.sandbox.received() - before, 2);
    // Twice in a row: one retry only.
    app.sandbox.inject(2, Fault::reset_mid_body());
    assert_eq!(me(&app, &token).await, (502, 2));
}

#[tokio::test]
async fn a_timeout_is_not_retried() {
    let app = spawn_with(Sandbox::builder(), |c| c.request_timeout_secs = 1).await;
    let token = app.demo_token().await;
    app.sandbox.inject(1, Fault::hang());
    assert_eq!(me(&app, &token).await, (504, 1));
}

#[tokio::test]
async fn a_post_without_an_idempotency_key_is_never_retried() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let path = format!(
        "/v1/diadoc/boxes/{}/counteragents",
        seed.first_box_id_guid()
    );
    app.sandbox.inject(1, Fault::reset_mid_body());
    let before = app.sandbox.received();
    let r = app
        .send(
            Method::POST,
            &path,
            &token,
            &[],
            Some(&json!({"boxId": seed.other_box_id_guid()})),
        )
        .await;
    assert_eq!(r.status(), 502);
    assert_eq!(kind(r).await, "outcome-unknown");
    assert_eq!(app.sandbox.received() - before, 1, "sent once");
}

#[tokio::test]
async fn the_budget_stops_retries_when_it_is_spent() {
    // The floor alone: 1 retry a second, 10 over the 10 s window.
    let app = spawn_with(Sandbox::builder(), |c| {
        c.retry_percent = 0;
        c.retry_floor_per_second = 1;
    })
    .await;
    let token = app.demo_token().await;
    // The window does not move while the calls run.
    tokio::time::pause();
    for n in 1..=10 {
        app.sandbox.inject(1, Fault::reset_mid_body());
        assert_eq!(me(&app, &token).await, (200, 2), "retry {n}");
    }
    app.sandbox.inject(1, Fault::reset_mid_body());
    assert_eq!(me(&app, &token).await, (502, 1), "the budget is spent");
    tokio::time::advance(Duration::from_secs(11)).await;
    app.sandbox.inject(1, Fault::reset_mid_body());
    assert_eq!(me(&app, &token).await, (200, 2), "refilled");
    tokio::time::resume();
}

#[tokio::test]
async fn retries_and_the_breaker_can_be_switched_off() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.breaker_failures = 0;
        c.retry_percent = 0;
        c.retry_floor_per_second = 0;
    })
    .await;
    let token = app.demo_token().await;
    app.sandbox.inject(1, Fault::reset_mid_body());
    assert_eq!(me(&app, &token).await, (502, 1));
    app.sandbox.inject(20, Fault::text(500, "down"));
    for _ in 0..20 {
        assert_eq!(me(&app, &token).await, (502, 1));
    }
    assert_eq!(me(&app, &token).await, (200, 1));
}
