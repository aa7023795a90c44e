//! One partnership through the gateway (issue 16): `GET …/counteragents/{counteragentBoxId}`
//! (GetCounteragent V3), `POST …/counteragents` (AcquireCounteragent V3, then its task's result
//! through `/V3/AcquireCounteragentResult`, one long request whose 202 points at
//! `GET …/counteragent-tasks/{taskId}`), and `DELETE …/counteragents/{counteragentBoxId}`
//! (BreakWithCounteragent V2). Writes drop the caller's cached counteragent pages.

use std::time::Duration;

use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::Sandbox;
use prost::Message as _;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, problem_fields, run_paused_for, spawn_polling, spawn_with};

const GET_ONE: &str = "/V3/GetCounteragent";
const ACQUIRE: &str = "/V3/AcquireCounteragent";
const RESULT: &str = "/V3/AcquireCounteragentResult";
const BREAK: &str = "/V2/BreakWithCounteragent";
const LIST: &str = "/V3/GetCounteragents";

/// A gateway that does not pause between polls, against a sandbox whose invitation tasks finish
/// after `polls` "not finished" answers with `Retry-After: retry_after`.
async fn spawn(polls: u32, retry_after: u64) -> TestApp {
    spawn_polling(
        Sandbox::builder()
            .acquire_polls(polls)
            .retry_after_secs(retry_after),
    )
    .await
}

fn my_box(app: &TestApp) -> String {
    app.sandbox.seed().first_box_id_guid().to_owned()
}

/// The first box's counteragent box (GUID form) in `status`, with or without an invitation
/// document, not roaming.
fn counteragent(app: &TestApp, status: dap::CounteragentStatus, with_document: bool) -> String {
    app.sandbox.seed().counteragents[0]
        .iter()
        .find(|c| {
            c.current_status == Some(status as i32)
                && c.invitation_document_id.is_some() == with_document
                && c.organization.is_roaming != Some(true)
        })
        .and_then(|c| c.organization.boxes.first())
        .map(|b| b.box_id_guid.clone())
        .expect("a seeded counteragent in that status")
}

fn one_path(app: &TestApp, counteragent_box: &str) -> String {
    format!(
        "/v1/diadoc/boxes/{}/counteragents/{counteragent_box}",
        my_box(app)
    )
}

fn acquire_path(app: &TestApp) -> String {
    format!("/v1/diadoc/boxes/{}/counteragents", my_box(app))
}

async fn status_of(app: &TestApp, token: &str, counteragent_box: &str) -> Value {
    let r = app.get(&one_path(app, counteragent_box), Some(token)).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.expect("json")["currentStatus"].clone()
}

async fn acquire(
    app: &TestApp,
    token: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> reqwest::Response {
    app.send(Method::POST, &acquire_path(app), token, headers, Some(body))
        .await
}

async fn break_with(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.send(Method::DELETE, path, token, &[], None).await
}

#[tokio::test]
async fn one_counteragent_is_read_with_its_partnership_state() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let partner = counteragent(&app, dap::CounteragentStatus::IsMyCounteragent, false);
    let r = app.get(&one_path(&app, &partner), Some(&token)).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["currentStatus"], "IsMyCounteragent");
    assert_eq!(
        body["organization"]["boxes"][0]["boxIdGuid"],
        partner.as_str()
    );
    let calls = app.upstream_calls(GET_ONE);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "GET");
    assert_eq!(calls[0].query_param("myBoxId"), Some(my_box(&app).as_str()));
    assert_eq!(
        calls[0].query_param("counteragentBoxId"),
        Some(partner.as_str())
    );
}

#[tokio::test]
async fn no_partnership_is_a_404_that_says_so() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    // ПАО «Уральские самоцветы» is not in ООО «Ромашка»'s list at all.
    let stranger = app.sandbox.seed().other_box_id_guid().to_owned();
    let r = app.get(&one_path(&app, &stranger), Some(&token)).await;
    assert_eq!(r.status(), 404);
    let p = problem(r).await;
    assert_eq!(p["upstream"]["status"], 404);
    let detail = p["detail"].as_str().expect("detail");
    assert!(
        detail.starts_with("The two organizations have no partnership"),
        "{detail}"
    );
    assert_eq!(app.upstream_calls(GET_ONE).len(), 1);
}

#[tokio::test]
async fn another_users_box_is_a_403_and_bad_ids_are_400s_before_any_call() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let partner = counteragent(&app, dap::CounteragentStatus::IsMyCounteragent, false);
    let theirs = app.sandbox.seed().other_box_id_guid().to_owned();
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{theirs}/counteragents/{partner}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["status"], 403);
    let r = acquire(&app, &token, &[], &json!({"boxId": partner})).await;
    assert_eq!(r.status(), 200, "the demo user's own box works");
    let r = app
        .send(
            Method::POST,
            &format!("/v1/diadoc/boxes/{theirs}/counteragents"),
            &token,
            &[],
            Some(&json!({"boxId": partner})),
        )
        .await;
    assert_eq!(r.status(), 403);
    problem(r).await;
    app.sandbox.clear_journal();

    let r = app.get(&one_path(&app, "not-a-box"), Some(&token)).await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["counteragentBoxId"]);
    let r = break_with(&app, &token, &one_path(&app, "not-a-box")).await;
    assert_eq!(r.status(), 400);
    let r = app.get(&one_path(&app, &partner), None).await;
    assert_eq!(r.status(), 401);
    assert!(app.sandbox.journal().is_empty(), "no upstream call");
}

#[tokio::test]
async fn an_invitation_is_one_request_through_the_task() {
    let app = spawn(2, 0).await;
    let token = app.demo_token().await;
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    let r = acquire(
        &app,
        &token,
        &[],
        &json!({"boxId": stranger, "messageToCounteragent": "Давайте работать вместе"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["boxId"], stranger.as_str());
    assert!(body.get("invitationDocumentId").is_none(), "{body}");

    let started = app.upstream_calls(ACQUIRE);
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].method, "POST");
    assert_eq!(
        started[0].query_param("myBoxId"),
        Some(my_box(&app).as_str())
    );
    let sent = dap::AcquireCounteragentRequest::decode(started[0].body.clone()).expect("proto");
    assert_eq!(sent.box_id.as_deref(), Some(stranger.as_str()));
    assert_eq!(
        sent.message_to_counteragent.as_deref(),
        Some("Давайте работать вместе")
    );
    let polls = app.upstream_calls(RESULT);
    assert_eq!(polls.len(), 3, "two 204s, then the result");
    let task = polls[0].query_param("taskId").expect("taskId").to_owned();
    assert!(polls.iter().all(|p| p.method == "GET"
        && p.query_param("taskId") == Some(task.as_str())
        && p.query_param("myBoxId") == Some(my_box(&app).as_str())));
    assert!(
        app.upstream_calls("/V2/AcquireCounteragentResult")
            .is_empty(),
        "the current V3, not the V2 removed after 1 May 2027"
    );
    assert_eq!(status_of(&app, &token, &stranger).await, "IsInvitedByMe");
}

#[tokio::test]
async fn an_invitation_is_accepted_and_pascal_case_is_read_too() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let inviter = counteragent(&app, dap::CounteragentStatus::InvitesMe, false);
    let r = acquire(&app, &token, &[], &json!({"BoxId": inviter})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&app, &token, &inviter).await, "IsMyCounteragent");
    assert_eq!(app.upstream_calls(RESULT).len(), 1);
}

#[tokio::test]
async fn wait_0_answers_202_whose_location_is_the_task_route() {
    let app = spawn(2, 3).await;
    let token = app.demo_token().await;
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    let r = acquire(
        &app,
        &token,
        &[("prefer", "wait=0")],
        &json!({"boxId": stranger}),
    )
    .await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["retry-after"], "3");
    assert_eq!(r.headers()["preference-applied"], "wait=0");
    let location = r.headers()["location"].to_str().expect("text").to_owned();
    let task = app.upstream_calls(RESULT)[0]
        .query_param("taskId")
        .expect("taskId")
        .to_owned();
    assert_eq!(
        location,
        format!(
            "/v1/diadoc/boxes/{}/counteragent-tasks/{task}",
            my_box(&app)
        )
    );
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["retryAfter"], 3);
    assert_eq!(app.upstream_calls(ACQUIRE).len(), 1);

    // The task route is itself a long request; its 202 points to itself.
    let again = app
        .send(
            Method::GET,
            &location,
            &token,
            &[("prefer", "respond-async")],
            None,
        )
        .await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["location"], location.as_str());
    let done = app
        .send(
            Method::GET,
            &location,
            &token,
            &[("prefer", "wait=0")],
            None,
        )
        .await;
    assert_eq!(done.status(), 200);
    let body: Value = done.json().await.expect("json");
    assert_eq!(body["boxId"], stranger.as_str());
    assert_eq!(app.upstream_calls(ACQUIRE).len(), 1, "never started twice");
    assert_eq!(app.upstream_calls(RESULT).len(), 3);
}

#[tokio::test]
async fn the_wait_follows_retry_after_on_the_paused_clock() {
    // Retry-After 5 s, two "not finished" answers: the result comes at 10 s within wait=30.
    let app = spawn(2, 5).await;
    let token = app.demo_token().await;
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    let body = json!({"boxId": stranger});
    let (r, ()) = tokio::join!(
        acquire(&app, &token, &[("prefer", "wait=30")], &body),
        run_paused_for(Duration::from_secs(11))
    );
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["preference-applied"], "wait=30");
    assert_eq!(app.upstream_calls(RESULT).len(), 3);
}

#[tokio::test]
async fn a_spent_budget_is_a_202_and_identical_waits_on_the_task_share_one_loop() {
    let app = spawn(3, 5).await;
    let token = app.demo_token().await;
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    let body = json!({"boxId": stranger});
    // wait=7: the start, a 204 at 0 s and another at 5 s; the budget ends before the third.
    let (r, ()) = tokio::join!(
        acquire(&app, &token, &[("prefer", "wait=7")], &body),
        run_paused_for(Duration::from_secs(8))
    );
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["preference-applied"], "wait=7");
    let location = r.headers()["location"].to_str().expect("text").to_owned();
    let polled = app.upstream_calls(RESULT).len();
    assert_eq!(polled, 2);
    // Two callers wait on the same task: one loop polls for both (the third 204, then the
    // result 5 s later), and any replica could have served them (the id is in the URL).
    let wait = || app.send(Method::GET, &location, &token, &[], None);
    let (a, b, ()) = tokio::join!(wait(), wait(), run_paused_for(Duration::from_secs(20)));
    assert_eq!(a.status(), 200);
    assert_eq!(b.status(), 200);
    assert_eq!(
        app.upstream_calls(RESULT).len(),
        polled + 2,
        "shared, not per caller"
    );
    assert_eq!(app.upstream_calls(ACQUIRE).len(), 1);
}

#[tokio::test]
async fn a_start_without_an_answer_is_not_sent_again() {
    let app = spawn_with(Sandbox::builder().acquire_polls(0), |c| {
        c.request_timeout_secs = 1;
    })
    .await;
    let token = app.demo_token().await;
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    // Nothing is answered until the gate is released: the gateway's own 1 s timeout ends it.
    let gate = app.sandbox.hold();
    let r = acquire(&app, &token, &[], &json!({"boxId": stranger})).await;
    assert_eq!(r.status(), 504);
    let p = problem(r).await;
    assert_eq!(
        p["type"],
        "https://edi-gateway.dev/problems/outcome-unknown"
    );
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .contains("not sent again")
    );
    gate.release();
    assert_eq!(
        app.upstream_calls(ACQUIRE).len(),
        1,
        "sent once, never again"
    );
    assert!(app.upstream_calls(RESULT).is_empty());
}

#[tokio::test]
async fn a_long_message_is_a_400_before_any_upstream_call() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    let long = "я".repeat(2001);
    for key in ["messageToCounteragent", "MessageToCounteragent"] {
        let r = acquire(&app, &token, &[], &json!({"boxId": stranger, key: long})).await;
        assert_eq!(r.status(), 400, "{key}");
        assert_eq!(problem_fields(&problem(r).await), ["messageToCounteragent"]);
    }
    let r = acquire(
        &app,
        &token,
        &[],
        &json!({"boxId": stranger, "unknownField": 1}),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(app.upstream_calls(ACQUIRE).is_empty());
    let fits = "я".repeat(2000);
    let r = acquire(
        &app,
        &token,
        &[],
        &json!({"boxId": stranger, "messageToCounteragent": fits}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_failed_invitation_is_a_409_from_the_task() {
    let app = spawn(1, 0).await;
    let token = app.demo_token().await;
    // An INN of no organization: the box cannot be created.
    let r = acquire(&app, &token, &[], &json!({"inn": "0000000000"})).await;
    assert_eq!(r.status(), 409);
    let p = problem(r).await;
    assert_eq!(p["upstream"]["status"], 409);
    let detail = p["detail"].as_str().expect("detail");
    assert!(detail.starts_with("The invitation failed"), "{detail}");
    assert!(detail.contains("0000000000"), "{detail}");
    assert_eq!(app.upstream_calls(ACQUIRE).len(), 1);
    assert_eq!(app.upstream_calls(RESULT).len(), 2);

    // An attachment whose signature does not verify.
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    let r = acquire(
        &app,
        &token,
        &[],
        &json!({"boxId": stranger, "invitationDocument": {
            "signedContent": {"content": "PGRvYy8+", "signature": "bm90IGEgc2lnbmF0dXJl"},
            "fileName": "contract.xml"
        }}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(
        problem(r).await["upstream"]["message"]
            .as_str()
            .expect("message")
            .contains("did not verify")
    );
}

#[tokio::test]
async fn a_roaming_counteragent_is_a_409_at_the_start() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let roaming = app.sandbox.seed().counteragents[0]
        .iter()
        .find(|c| c.organization.is_roaming == Some(true))
        .and_then(|c| c.organization.boxes.first())
        .map(|b| b.box_id_guid.clone())
        .expect("a roaming counteragent");
    let r = acquire(&app, &token, &[], &json!({"boxId": roaming})).await;
    assert_eq!(r.status(), 409);
    let detail = problem(r).await["detail"]
        .as_str()
        .expect("detail")
        .to_owned();
    assert!(detail.contains("roaming"), "{detail}");
    assert!(app.upstream_calls(RESULT).is_empty());
}

#[tokio::test]
async fn an_unknown_task_is_a_404() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let r = app
        .get(
            &format!(
                "/v1/diadoc/boxes/{}/counteragent-tasks/3f2504e0-4f89-41d3-9a0c-0305e82c3301",
                my_box(&app)
            ),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(problem(r).await["upstream"]["status"], 404);
    assert_eq!(app.upstream_calls(RESULT).len(), 1);
}

#[tokio::test]
async fn a_break_is_a_204_and_follows_the_state_rules() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let partner = counteragent(&app, dap::CounteragentStatus::IsMyCounteragent, false);
    let path = format!(
        "{}?comment=%D0%9F%D0%BE%D0%BA%D0%B0",
        one_path(&app, &partner)
    );
    let r = break_with(&app, &token, &path).await;
    assert_eq!(r.status(), 204);
    assert!(r.headers().get("content-type").is_none());
    assert!(r.bytes().await.expect("body").is_empty());
    let calls = app.upstream_calls(BREAK);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "POST");
    assert_eq!(calls[0].query_param("myBoxId"), Some(my_box(&app).as_str()));
    assert_eq!(
        calls[0].query_param("counteragentBoxId"),
        Some(partner.as_str())
    );
    assert_eq!(calls[0].query_param("comment"), Some("Пока"));
    assert_eq!(status_of(&app, &token, &partner).await, "IsRejectedByMe");

    // Declining an invitation; withdrawing mine returns to the status before it.
    let inviter = counteragent(&app, dap::CounteragentStatus::InvitesMe, false);
    assert_eq!(
        break_with(&app, &token, &one_path(&app, &inviter))
            .await
            .status(),
        204
    );
    assert_eq!(status_of(&app, &token, &inviter).await, "IsRejectedByMe");
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    assert_eq!(
        acquire(&app, &token, &[], &json!({"boxId": stranger}))
            .await
            .status(),
        200
    );
    assert_eq!(status_of(&app, &token, &stranger).await, "IsInvitedByMe");
    assert_eq!(
        break_with(&app, &token, &one_path(&app, &stranger))
            .await
            .status(),
        204
    );
    assert_eq!(
        status_of(&app, &token, &stranger).await,
        "NotInCounteragentList"
    );
    // No partnership at all: a no-op, still 204.
    let nobody = app.sandbox.seed().other_box_id_guid().to_owned();
    assert_eq!(
        break_with(&app, &token, &one_path(&app, &nobody))
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn breaking_an_invitation_with_an_attachment_is_a_409() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let invited = counteragent(&app, dap::CounteragentStatus::IsInvitedByMe, true);
    let r = break_with(&app, &token, &one_path(&app, &invited)).await;
    assert_eq!(r.status(), 409);
    let p = problem(r).await;
    assert_eq!(p["upstream"]["status"], 409);
    let detail = p["detail"].as_str().expect("detail");
    assert!(
        detail.starts_with("The invitation has an attachment"),
        "{detail}"
    );
    assert_eq!(status_of(&app, &token, &invited).await, "IsInvitedByMe");
}

#[tokio::test]
async fn a_long_comment_is_a_400_before_any_upstream_call() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let partner = counteragent(&app, dap::CounteragentStatus::IsMyCounteragent, false);
    let long = "a".repeat(5001);
    let r = break_with(
        &app,
        &token,
        &format!("{}?comment={long}", one_path(&app, &partner)),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["comment"]);
    assert!(app.upstream_calls(BREAK).is_empty());
}

/// The box list's page for `token`, with its `X-Cache`.
async fn box_page(app: &TestApp, token: &str, status: &str) -> (String, Value) {
    let r = app
        .get(
            &format!(
                "/v1/diadoc/boxes/{}/counteragents?status={status}",
                my_box(app)
            ),
            Some(token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let cache = r.headers()["x-cache"].to_str().expect("text").to_owned();
    (cache, r.json().await.expect("json"))
}

#[tokio::test]
async fn a_break_drops_that_callers_cached_pages_of_the_box_only() {
    let app = spawn(0, 0).await;
    let mine = app.demo_token().await;
    let another = app.demo_token().await;
    let partner = counteragent(&app, dap::CounteragentStatus::IsMyCounteragent, false);
    let status = "IsRejectedByMe";
    let count = |page: &Value| page["totalCount"].as_i64().expect("totalCount");
    let (c, before) = box_page(&app, &mine, status).await;
    assert_eq!(c, "miss");
    assert_eq!(box_page(&app, &mine, status).await.0, "hit");
    assert_eq!(box_page(&app, &another, status).await.0, "miss");
    // A page of another box of the same caller stays cached.
    let other_box = app.sandbox.seed().boxes[1].box_id_guid.clone();
    let other_path = format!("/v1/diadoc/boxes/{other_box}/counteragents");
    assert_eq!(
        app.get(&other_path, Some(&mine)).await.headers()["x-cache"],
        "miss"
    );
    let lists = app.upstream_calls(LIST).len();

    // The break names the box in its other spelling: the same box, the same pages.
    let spelled = app.sandbox.seed().boxes[0].box_id.clone();
    let r = break_with(
        &app,
        &mine,
        &format!("/v1/diadoc/boxes/{spelled}/counteragents/{partner}"),
    )
    .await;
    assert_eq!(r.status(), 204);

    let (c, after) = box_page(&app, &mine, status).await;
    assert_eq!(c, "miss", "fetched again");
    assert_eq!(count(&after), count(&before) + 1, "with the change");
    assert_eq!(app.upstream_calls(LIST).len(), lists + 1);
    let (c, theirs) = box_page(&app, &another, status).await;
    assert_eq!(c, "hit", "another caller's cache is untouched");
    assert_eq!(count(&theirs), count(&before));
    assert_eq!(
        app.get(&other_path, Some(&mine)).await.headers()["x-cache"],
        "hit"
    );
    assert_eq!(app.upstream_calls(LIST).len(), lists + 1);
}

#[tokio::test]
async fn an_invitation_drops_the_callers_organization_pages_too() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let org = app.sandbox.seed().first_org_id().to_owned();
    let org_path = format!("/v1/diadoc/organizations/{org}/counteragents");
    assert_eq!(
        app.get(&org_path, Some(&token)).await.headers()["x-cache"],
        "miss"
    );
    assert_eq!(
        app.get(&org_path, Some(&token)).await.headers()["x-cache"],
        "hit"
    );
    let (c, _) = box_page(&app, &token, "IsInvitedByMe").await;
    assert_eq!(c, "miss");
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    let r = acquire(&app, &token, &[], &json!({"boxId": stranger})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get(&org_path, Some(&token)).await.headers()["x-cache"],
        "miss"
    );
    assert_eq!(box_page(&app, &token, "IsInvitedByMe").await.0, "miss");
    // A refused write changes nothing, so it drops nothing.
    assert_eq!(box_page(&app, &token, "IsInvitedByMe").await.0, "hit");
    let long = "a".repeat(5001);
    let r = break_with(
        &app,
        &token,
        &format!("{}?comment={long}", one_path(&app, &stranger)),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(box_page(&app, &token, "IsInvitedByMe").await.0, "hit");
}

#[tokio::test]
async fn a_rate_limited_poll_is_waited_out_after_its_retry_after() {
    // lifecycle.md §1.4: AcquireCounteragentResult V3 answers 429 with Retry-After.
    let app = spawn_polling(
        Sandbox::builder()
            .acquire_throttled(1)
            .acquire_polls(1)
            .retry_after_secs(2),
    )
    .await;
    let token = app.demo_token().await;
    let stranger = counteragent(&app, dap::CounteragentStatus::NotInCounteragentList, false);
    let body = json!({"boxId": stranger});
    let (r, ()) = tokio::join!(
        acquire(&app, &token, &[], &body),
        run_paused_for(Duration::from_secs(5))
    );
    assert_eq!(r.status(), 200);
    let statuses: Vec<u16> = app
        .upstream_calls(RESULT)
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, [429, 204, 200]);
    assert_eq!(app.upstream_calls(ACQUIRE).len(), 1);
}
