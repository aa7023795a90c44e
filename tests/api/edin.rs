//! EDIN bdoc: the two-step login, the approval routes (processes and steps), session expiry,
//! validation before any upstream call, and the upstream's spelling mapped to ours.

use edi_sandbox::{EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, problem_fields, sorted_fields, spawn_app};

const PROCS: &str = "/v1/edin/agreement-procs";

pub(crate) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    sid: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.send(method, path, sid, &[], body).await
}

/// The one upstream call made to `path` since the journal was cleared.
pub(crate) fn only_call(app: &TestApp, path: &str) -> edi_sandbox::JournalEntry {
    let mut calls = app.upstream_calls(path);
    assert_eq!(calls.len(), 1, "one call to {path}");
    calls.remove(0)
}

fn body_json(entry: &edi_sandbox::JournalEntry) -> Value {
    serde_json::from_slice(&entry.body).expect("upstream body is JSON")
}

fn groups(app: &TestApp) -> Vec<i64> {
    let seed = app.sandbox.seed();
    seed.edin_group_ids(seed.edin_demo_company_id())
}

#[tokio::test]
async fn login_sends_both_form_steps_and_returns_the_sid() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let first = only_call(&app, "/bdoc/auth_uuid");
    assert_eq!(first.method, "POST");
    assert!(
        first
            .header("content-type")
            .is_some_and(|c| c.starts_with("multipart/form-data"))
    );
    assert_eq!(first.form_field("email"), Some(EDIN_DEMO_EMAIL));
    let second = only_call(&app, "/bdoc/auth");
    assert!(
        second
            .header("content-type")
            .is_some_and(|c| c.starts_with("multipart/form-data"))
    );
    assert_eq!(second.form_field("password"), Some(EDIN_DEMO_PASSWORD));
    assert!(second.form_field("token").is_some_and(|t| !t.is_empty()));
    // The SID works as a bearer token, and goes upstream as the cookie.
    let r = call(&app, Method::GET, PROCS, &sid, None).await;
    assert_eq!(r.status(), 200);
    let list = only_call(&app, "/bdoc/agreement_procs");
    assert_eq!(list.cookie("SID"), Some(sid.as_str()));
    assert!(
        list.authorization.is_none(),
        "no Authorization goes to EDIN"
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_401_problem() {
    let app = spawn_app().await;
    let r = app.edin_login(EDIN_DEMO_EMAIL, "not-the-password").await;
    assert_eq!(r.status(), 401);
    let p = problem(r).await;
    assert_eq!(p["detail"], "wrong e-mail or password");
    assert!(!p.to_string().contains("not-the-password"));
}

#[tokio::test]
async fn a_captcha_stops_the_login_before_the_password_is_sent() {
    let app = spawn_app().await;
    let r = app
        .edin_login(edi_sandbox::EDIN_CAPTCHA_EMAIL, "captcha")
        .await;
    assert_eq!(r.status(), 403);
    let p = problem(r).await;
    assert_eq!(
        p["type"],
        "https://edi-gateway.dev/problems/captcha-required"
    );
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("web UI")));
    assert!(app.upstream_calls("/bdoc/auth").is_empty());
}

#[tokio::test]
async fn login_fields_are_validated_before_any_upstream_call() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/v1/edin/sessions"))
        .json(&json!({"email": "not-an-email", "login": "x"}))
        .send()
        .await
        .expect("request");
    assert_eq!(sorted_fields(r).await, ["email", "login", "password"]);
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn lists_processes_with_every_filter_renamed_for_the_upstream() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let company = app.sandbox.seed().edin_demo_company_id();
    app.sandbox.clear_journal();
    let r = call(
        &app,
        Method::GET,
        &format!("{PROCS}?companyId={company}&search=%D0%BF%D0%BE%D0%B3&status=active&limit=5"),
        &sid,
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let list: Value = r.json().await.expect("json");
    let procs = list.as_array().expect("an array");
    assert!(!procs.is_empty());
    for p in procs {
        assert_eq!(p["companyId"], company);
        assert_eq!(p["status"], "active");
        assert!(p.get("agrementSteps").is_none());
    }
    let upstream = only_call(&app, "/bdoc/agreement_procs");
    // api.md §3 A5: POST, filters in the query, no body.
    assert_eq!(upstream.method, "POST");
    assert!(upstream.body.is_empty());
    let company = company.to_string();
    assert_eq!(upstream.query_param("company_id"), Some(company.as_str()));
    assert_eq!(upstream.query_param("search_pattern"), Some("пог"));
    assert_eq!(upstream.query_param("status"), Some("1"));
    assert_eq!(upstream.query_param("limit"), Some("5"));

    let r = call(
        &app,
        Method::GET,
        &format!("{PROCS}?status=paused&companyId=0&limit=x"),
        &sid,
        None,
    )
    .await;
    assert_eq!(sorted_fields(r).await, ["companyId", "limit", "status"]);
}

#[tokio::test]
async fn creates_and_edits_a_process() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let company = app.sandbox.seed().edin_demo_company_id();
    let body = json!({"name": "Погодження рахунків", "companyId": company, "comment": "test"});
    let r = call(&app, Method::POST, PROCS, &sid, Some(&body)).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    assert_eq!(created["name"], "Погодження рахунків");
    assert_eq!(created["status"], "active");
    assert_eq!(created["agreementSteps"], json!([]));
    let id = created["agreementProcId"].as_i64().expect("id");
    assert_eq!(
        body_json(&only_call(&app, "/bdoc/agreement_proc")),
        json!({"name": "Погодження рахунків", "companyId": company, "comment": "test"})
    );

    app.sandbox.clear_journal();
    let edit = json!({"name": "Рахунки", "companyId": company});
    let r = call(
        &app,
        Method::PUT,
        &format!("{PROCS}/{id}"),
        &sid,
        Some(&edit),
    )
    .await;
    assert_eq!(r.status(), 200);
    let edited: Value = r.json().await.expect("json");
    assert_eq!(edited["agreementProcId"], id);
    assert_eq!(edited["name"], "Рахунки");
    assert_eq!(
        body_json(&only_call(&app, "/bdoc/agreement_proc")),
        json!({"agreementProcId": id, "name": "Рахунки", "companyId": company})
    );
}

#[tokio::test]
async fn creates_edits_and_deletes_a_step() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let proc_id = app.sandbox.seed().edin_process_id();
    let g = groups(&app);
    let steps = format!("{PROCS}/{proc_id}/steps");

    let new_step = json!({
        "taskType": "notification",
        "execType": "anyOfGroup",
        "agreementGroups": [{"groupId": g[0]}, {"groupId": g[1]}],
        "priority": 1
    });
    let r = call(&app, Method::POST, &steps, &sid, Some(&new_step)).await;
    assert_eq!(r.status(), 201);
    let process: Value = r.json().await.expect("json");
    assert!(process.get("agrementSteps").is_none(), "our spelling only");
    let all = process["agreementSteps"].as_array().expect("steps");
    assert_eq!(all.len(), 3, "two seeded steps and the new one");
    let added = all
        .iter()
        .find(|s| s["taskType"] == "notification")
        .expect("the new step");
    assert_eq!(added["execType"], "anyOfGroup");
    assert_eq!(added["priority"], 1);
    assert_eq!(added["periodDays"], 0, "EDIN answers null as 0");
    assert_eq!(added["agreementGroups"].as_array().map(Vec::len), Some(2));
    let step_id = added["agreementStepId"].as_i64().expect("step id");
    // Sent as the docs' example: codes as strings, null period, stepNumber 0, groupId objects.
    assert_eq!(
        body_json(&only_call(&app, "/bdoc/agreement_step")),
        json!({
            "agreementProcId": proc_id,
            "agreementTaskType": "3",
            "agreementExecType": "2",
            "agreementExecPeriod": null,
            "agreementStepPriority": 1,
            "stepNumber": 0,
            "agreementGroups": [{"groupId": g[0]}, {"groupId": g[1]}]
        })
    );

    app.sandbox.clear_journal();
    let edit = json!({
        "taskType": "signing",
        "execType": "allOfGroup",
        "agreementGroups": [{"groupId": g[2]}],
        "periodDays": 4,
        "priority": 0
    });
    let step_path = format!("{steps}/{step_id}");
    let r = call(&app, Method::PUT, &step_path, &sid, Some(&edit)).await;
    assert_eq!(r.status(), 200);
    let process: Value = r.json().await.expect("json");
    let edited = process["agreementSteps"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["agreementStepId"] == step_id))
        .expect("the edited step");
    assert_eq!(edited["taskType"], "signing");
    assert_eq!(edited["periodDays"], 4);
    let sent = body_json(&only_call(&app, "/bdoc/agreement_step"));
    assert_eq!(sent["agreementStepId"], step_id);
    assert_eq!(sent["agreementTaskType"], "2");
    assert!(sent.get("stepNumber").is_none());

    app.sandbox.clear_journal();
    let r = call(&app, Method::DELETE, &step_path, &sid, None).await;
    assert_eq!(r.status(), 200);
    let process: Value = r.json().await.expect("json");
    assert_eq!(process["agreementSteps"].as_array().map(Vec::len), Some(2));
    let deleted = only_call(&app, "/bdoc/agreement_step");
    assert_eq!(deleted.method, "DELETE");
    let (p, s) = (proc_id.to_string(), step_id.to_string());
    assert_eq!(deleted.query_param("agreement_proc_id"), Some(p.as_str()));
    assert_eq!(deleted.query_param("agreement_step_id"), Some(s.as_str()));
}

#[tokio::test]
async fn each_step_rule_is_a_400_before_any_upstream_call() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let proc_id = app.sandbox.seed().edin_process_id();
    let steps = format!("{PROCS}/{proc_id}/steps");
    app.sandbox.clear_journal();
    let six: Vec<Value> = (1..=6).map(|i| json!({"groupId": i})).collect();
    let cases = [
        (
            json!({"taskType": "approval", "execType": "allOfGroup", "agreementGroups": six}),
            "agreementGroups",
        ),
        (
            json!({"taskType": "approval", "execType": "allOfGroup", "agreementGroups": []}),
            "agreementGroups",
        ),
        (
            json!({"taskType": "approval", "execType": "allOfGroup"}),
            "agreementGroups",
        ),
        (
            json!({"taskType": "vote", "execType": "allOfGroup", "agreementGroups": [{"groupId": 1}]}),
            "taskType",
        ),
        (
            json!({"taskType": "approval", "agreementGroups": [{"groupId": 1}]}),
            "execType",
        ),
        (
            json!({"taskType": "approval", "execType": "allOfGroup", "periodDays": -1, "agreementGroups": [{"groupId": 1}]}),
            "periodDays",
        ),
        (
            json!({"taskType": "approval", "execType": "allOfGroup", "priority": -1, "agreementGroups": [{"groupId": 1}]}),
            "priority",
        ),
        (
            json!({"taskType": "approval", "execType": "allOfGroup", "agreementGroups": [{"groupId": 0}]}),
            "agreementGroups[0].groupId",
        ),
        (
            json!({"taskType": "approval", "execType": "allOfGroup", "agreementGroups": [{"groupId": "1"}]}),
            "agreementGroups[0].groupId",
        ),
    ];
    for (body, field) in cases {
        let r = call(&app, Method::POST, &steps, &sid, Some(&body)).await;
        assert_eq!(r.status(), 400, "{body}");
        let p = problem(r).await;
        assert_eq!(problem_fields(&p), [field], "{body}");
    }
    let p = problem(
        call(
            &app,
            Method::POST,
            &steps,
            &sid,
            Some(&json!({"taskType": "x", "execType": "allOfGroup", "agreementGroups": [{"groupId": 1}]})),
        )
        .await,
    )
    .await;
    assert_eq!(
        p["errors"][0]["allowed"],
        json!(["approval", "signing", "notification"])
    );
    for (method, path, field) in [
        (Method::POST, format!("{PROCS}/0/steps"), "procId"),
        (Method::PUT, format!("{PROCS}/abc/steps/1"), "procId"),
        (Method::DELETE, format!("{PROCS}/1/steps/-4"), "stepId"),
    ] {
        let r = call(&app, method, &path, &sid, Some(&json!({}))).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(problem_fields(&problem(r).await).contains(&field.to_owned()));
    }
    let r = call(&app, Method::POST, PROCS, &sid, Some(&json!({"name": ""}))).await;
    assert_eq!(sorted_fields(r).await, ["companyId", "name"]);
    assert!(app.sandbox.journal().is_empty(), "nothing went upstream");
}

#[tokio::test]
async fn upstream_refusals_pass_through() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let seed = app.sandbox.seed();
    let other = seed.edin_other_company_id();
    let r = call(
        &app,
        Method::POST,
        PROCS,
        &sid,
        Some(&json!({"name": "x", "companyId": other})),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["service"], "edin");
    let r = call(
        &app,
        Method::DELETE,
        &format!("{PROCS}/{}/steps/999999999", seed.edin_process_id()),
        &sid,
        None,
    )
    .await;
    assert_eq!(r.status(), 404);
    let p = problem(r).await;
    assert_eq!(p["upstream"]["status"], 404);
    assert!(
        p["upstream"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test]
async fn an_unreadable_upstream_reply_is_a_502() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    app.sandbox.fail_next(1, 200, "<html>maintenance</html>");
    let r = call(&app, Method::GET, PROCS, &sid, None).await;
    assert_eq!(r.status(), 502);
    problem(r).await;
}

#[tokio::test]
async fn an_expired_or_unknown_session_is_a_401_asking_to_log_in_again() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    assert_eq!(
        call(&app, Method::GET, PROCS, &sid, None).await.status(),
        200
    );
    // What an idle timeout does upstream, now rather than after a sleep.
    app.sandbox.expire_edin_sessions();
    for token in [sid.as_str(), "no-such-session"] {
        let r = call(&app, Method::GET, PROCS, token, None).await;
        assert_eq!(r.status(), 401);
        let p = problem(r).await;
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("log in again")),
            "{p}"
        );
        assert!(!p.to_string().contains(&sid));
    }
    // No bearer token at all: 401 without an upstream call.
    app.sandbox.clear_journal();
    let r = app.get(PROCS, None).await;
    assert_eq!(r.status(), 401);
    assert!(app.sandbox.journal().is_empty());
}
