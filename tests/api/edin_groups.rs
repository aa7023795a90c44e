//! EDIN approval groups, document types, a process's document types and logging out: a new
//! user's walk from login to a step with their own group, each documented error, and what
//! reached the upstream (in EDIN's spelling).

use edi_sandbox::EDIN_DEMO_EMAIL;
use reqwest::Method;
use serde_json::{Value, json};

use crate::edin::{call, only_call};
use crate::helpers::{TestApp, problem, problem_fields, spawn_app};

const GROUPS: &str = "/v1/edin/agreement-groups";
const PROCS: &str = "/v1/edin/agreement-procs";

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status, "unexpected status");
    r.json().await.expect("json")
}

/// A gateway and sandbox, the demo user's EDIN session, and the demo company.
async fn logged_in() -> (TestApp, String, i64) {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let company = app.sandbox.seed().edin_demo_company_id();
    (app, sid, company)
}

/// Creates a process of `company` through the gateway; its id.
async fn create_process(app: &TestApp, sid: &str, name: &str, company: i64) -> i64 {
    let process = json_of(
        call(
            app,
            Method::POST,
            PROCS,
            sid,
            Some(&json!({"name": name, "companyId": company})),
        )
        .await,
        201,
    )
    .await;
    process["agreementProcId"].as_i64().expect("id")
}

#[tokio::test]
async fn a_new_user_sets_up_an_approval_from_login_to_logout() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let seed = app.sandbox.seed();
    let company = seed.edin_demo_company_id();
    let user = seed.edin_user_id(EDIN_DEMO_EMAIL).expect("a demo user");

    // Find the company's groups.
    let groups = json_of(
        call(
            &app,
            Method::GET,
            &format!("{GROUPS}?companyId={company}"),
            &sid,
            None,
        )
        .await,
        200,
    )
    .await;
    assert!(groups.as_array().is_some_and(|g| !g.is_empty()), "{groups}");
    let list = only_call(&app, "/bdoc/agreement_groups");
    assert_eq!(list.method, "GET");
    assert_eq!(
        list.query_param("company_id"),
        Some(company.to_string().as_str())
    );

    // Create a group, then set its members.
    let group = json_of(
        call(
            &app,
            Method::POST,
            GROUPS,
            &sid,
            Some(&json!({"companyId": company, "groupName": " Бухгалтерія ", "comment": "c"})),
        )
        .await,
        201,
    )
    .await;
    let group_id = group["groupId"].as_i64().expect("groupId");
    let create = only_call(&app, "/bdoc/agreement_group");
    assert_eq!(create.method, "POST");
    assert!(
        create.raw_query.is_empty(),
        "the create call carries no query"
    );
    let sent: Value = serde_json::from_slice(&create.body).expect("json");
    assert_eq!(
        sent,
        json!({"companyId": company, "groupName": "Бухгалтерія", "comment": "c"})
    );
    let members = json_of(
        call(
            &app,
            Method::PUT,
            &format!("{GROUPS}/{group_id}/users"),
            &sid,
            Some(&json!({"users": [{"userId": user}]})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(members["users"][0]["userId"], user, "{members}");
    let replace = only_call(&app, "/bdoc/agreement_group/users");
    assert_eq!(replace.method, "PATCH");
    let sent: Value = serde_json::from_slice(&replace.body).expect("json");
    assert_eq!(
        sent,
        json!({"groupId": group_id, "users": [{"userId": user}]})
    );
    let fetched = json_of(
        call(
            &app,
            Method::GET,
            &format!("{GROUPS}/{group_id}"),
            &sid,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(fetched["groupName"], "Бухгалтерія");
    let get = app
        .upstream_calls("/bdoc/agreement_group")
        .into_iter()
        .find(|c| c.method == "GET")
        .expect("a GET upstream");
    assert_eq!(
        get.query_param("agreement_group_id"),
        Some(group_id.to_string().as_str())
    );

    // A process, a document type attached to it, a step with the new group.
    let proc_id = create_process(&app, &sid, "Вхідні акти", company).await;
    let types = json_of(
        call(
            &app,
            Method::GET,
            &format!("/v1/edin/document-types?companyId={company}&useType=internal&active=true"),
            &sid,
            None,
        )
        .await,
        200,
    )
    .await;
    let listed = only_call(&app, "/bdoc/document_types");
    assert_eq!(listed.query_param("use_type"), Some("2"));
    assert_eq!(listed.query_param("is_active"), Some("1"));
    let plain = types
        .as_array()
        .and_then(|t| {
            t.iter()
                .find(|d| d["dictionary"].is_null() && d["agreementProcId"].is_null())
        })
        .expect("a free document type without a dictionary");
    let document_id = plain["documentId"].as_i64().expect("documentId");
    let attached = json_of(
        call(
            &app,
            Method::PUT,
            &format!("{PROCS}/{proc_id}/document-types/{document_id}?companyId={company}"),
            &sid,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        attached["agreementProc2Docs"].as_array().map(Vec::len),
        Some(1),
        "{attached}"
    );
    let attach = app
        .upstream_calls("/bdoc/agreement_proc/document")
        .remove(0);
    assert_eq!(attach.method, "PUT");
    assert_eq!(attach.query_param("dict_val_id"), Some("0"));
    assert_eq!(
        attach.query_param("document_id"),
        Some(document_id.to_string().as_str())
    );
    assert_eq!(
        attach.query_param("agreement_proc_id"),
        Some(proc_id.to_string().as_str())
    );
    let step = call(
        &app,
        Method::POST,
        &format!("{PROCS}/{proc_id}/steps"),
        &sid,
        Some(&json!({"taskType": "approval", "execType": "anyOfGroup",
                     "agreementGroups": [{"groupId": group_id}]})),
    )
    .await;
    let step = json_of(step, 201).await;
    assert_eq!(
        step["agreementSteps"][0]["agreementGroups"][0]["groupId"], group_id,
        "{step}"
    );

    // Block and unblock the process: EDIN's A4 is an OPTIONS with the status in the query.
    for (status, code) in [("blocked", "2"), ("active", "1")] {
        let r = call(
            &app,
            Method::PUT,
            &format!("{PROCS}/{proc_id}/status"),
            &sid,
            Some(&json!({"status": status})),
        )
        .await;
        assert_eq!(r.status(), 204, "{status}");
        let sent = app.upstream_calls("/bdoc/agreement_proc");
        let last = sent.last().expect("an upstream call");
        assert_eq!(last.method, "OPTIONS");
        assert_eq!(last.query_param("status"), Some(code));
        assert_eq!(
            last.query_param("agreement_proc_id"),
            Some(proc_id.to_string().as_str())
        );
        assert!(last.body.is_empty());
        assert_eq!(
            app.sandbox
                .edin_process(proc_id)
                .map(|p| p.status.to_string()),
            Some(code.to_owned()),
            "the sandbox's process is {status}"
        );
    }

    // The group is in use: deleting it is refused (the sandbox's choice, documented there).
    let r = call(
        &app,
        Method::DELETE,
        &format!("{GROUPS}/{group_id}"),
        &sid,
        None,
    )
    .await;
    assert_eq!(r.status(), 409);

    // Detach the document type, then log out: the session is dead.
    let detached = json_of(
        call(
            &app,
            Method::DELETE,
            &format!("{PROCS}/{proc_id}/document-types/{document_id}?companyId={company}"),
            &sid,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(detached["agreementProc2Docs"], json!([]));
    let r = call(
        &app,
        Method::DELETE,
        "/v1/edin/sessions/current",
        &sid,
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    assert!(r.headers().get("content-type").is_none());
    assert_eq!(only_call(&app, "/bdoc/logout").method, "GET");
    let r = call(&app, Method::GET, GROUPS, &sid, None).await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn an_unused_group_is_deleted_with_204() {
    let (app, sid, company) = logged_in().await;
    let group = json_of(
        call(
            &app,
            Method::POST,
            GROUPS,
            &sid,
            Some(&json!({"companyId": company, "groupName": "Тимчасова"})),
        )
        .await,
        201,
    )
    .await;
    let id = group["groupId"].as_i64().expect("id");
    let r = call(&app, Method::DELETE, &format!("{GROUPS}/{id}"), &sid, None).await;
    assert_eq!(r.status(), 204);
    let delete = app
        .upstream_calls("/bdoc/agreement_group")
        .into_iter()
        .find(|c| c.method == "DELETE")
        .expect("a DELETE upstream");
    assert_eq!(
        delete.query_param("agreement_group_id"),
        Some(id.to_string().as_str())
    );
    let r = call(&app, Method::GET, &format!("{GROUPS}/{id}"), &sid, None).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn group_bodies_are_checked_before_any_upstream_call() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    app.sandbox.clear_journal();
    let r = call(
        &app,
        Method::POST,
        GROUPS,
        &sid,
        Some(&json!({"companyId": 0, "groupName": "  ", "extra": 1})),
    )
    .await;
    assert_eq!(r.status(), 400);
    let mut fields = problem_fields(&problem(r).await);
    fields.sort();
    assert_eq!(fields, ["companyId", "extra", "groupName"]);
    let r = call(
        &app,
        Method::PUT,
        &format!("{GROUPS}/5/users"),
        &sid,
        Some(&json!({"users": [{"userId": 7}, {"userId": 7}, {}]})),
    )
    .await;
    assert_eq!(r.status(), 400);
    let mut fields = problem_fields(&problem(r).await);
    fields.sort();
    assert_eq!(fields, ["users[1].userId", "users[2].userId"]);
    let r = call(
        &app,
        Method::PUT,
        &format!("{GROUPS}/5/users"),
        &sid,
        Some(&json!({})),
    )
    .await;
    assert_eq!(problem_fields(&problem(r).await), ["users"]);
    let r = call(
        &app,
        Method::GET,
        "/v1/edin/document-types?useType=both&type=pdf&offset=-1",
        &sid,
        None,
    )
    .await;
    let mut fields = problem_fields(&problem(r).await);
    fields.sort();
    assert_eq!(fields, ["offset", "type", "useType"]);
    assert!(
        app.sandbox
            .journal()
            .iter()
            .all(|c| !c.path.starts_with("/bdoc/agreement_group")
                && c.path != "/bdoc/document_types"),
        "nothing reached the upstream"
    );
}

#[tokio::test]
async fn document_types_page_by_offset_and_name_their_codes() {
    let (app, sid, company) = logged_in().await;
    let first = json_of(
        call(
            &app,
            Method::GET,
            &format!("/v1/edin/document-types?companyId={company}&limit=2"),
            &sid,
            None,
        )
        .await,
        200,
    )
    .await;
    let second = json_of(
        call(
            &app,
            Method::GET,
            &format!("/v1/edin/document-types?companyId={company}&limit=2&offset=2"),
            &sid,
            None,
        )
        .await,
        200,
    )
    .await;
    let ids = |page: &Value| -> Vec<i64> {
        page.as_array()
            .map(|p| p.iter().filter_map(|d| d["documentId"].as_i64()).collect())
            .unwrap_or_default()
    };
    assert_eq!(ids(&first).len(), 2, "{first}");
    assert!(!ids(&second).is_empty(), "{second}");
    assert!(ids(&second).iter().all(|id| !ids(&first).contains(id)));
    // Codes are names in our JSON.
    let kind = &first[0]["type"];
    assert!(
        ["file", "structure", "dynamicStructure", "table"]
            .iter()
            .any(|k| kind == k),
        "{first}"
    );
    let calls = app.upstream_calls("/bdoc/document_types");
    assert_eq!(calls[1].query_param("offset"), Some("2"));
    assert_eq!(calls[1].query_param("limit"), Some("2"));
}

#[tokio::test]
async fn a_dictionary_value_goes_upstream_as_dict_val_id() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let seed = app.sandbox.seed();
    let company = seed.edin_demo_company_id();
    let (document_id, value) = seed
        .edin_document_type_ids(company)
        .into_iter()
        .find_map(|d| seed.edin_dictionary_value_ids(d).first().map(|v| (d, *v)))
        .expect("a document type with a dictionary");
    let proc_id = create_process(&app, &sid, "Зі словником", company).await;
    let path = format!("{PROCS}/{proc_id}/document-types/{document_id}?companyId={company}");
    // Without the value EDIN refuses (dict_val_id 0 for a type with a dictionary).
    let r = call(&app, Method::PUT, &path, &sid, None).await;
    assert_eq!(r.status(), 400);
    let r = call(
        &app,
        Method::PUT,
        &format!("{path}&dictionaryValueId={value}"),
        &sid,
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let sent = app.upstream_calls("/bdoc/agreement_proc/document");
    assert_eq!(
        sent[1].query_param("dict_val_id"),
        Some(value.to_string().as_str())
    );
    // Detaching what is not attached is the upstream's 404.
    let r = call(
        &app,
        Method::DELETE,
        &format!("{PROCS}/{proc_id}/document-types/{document_id}?companyId={company}&dictionaryValueId={}", value + 1),
        &sid,
        None,
    )
    .await;
    assert!(r.status() == 404 || r.status() == 400, "{}", r.status());
}

#[tokio::test]
async fn a_status_must_be_active_or_blocked() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    app.sandbox.clear_journal();
    let r = call(
        &app,
        Method::PUT,
        &format!("{PROCS}/5/status"),
        &sid,
        Some(&json!({"status": 2})),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = call(
        &app,
        Method::PUT,
        &format!("{PROCS}/5/status"),
        &sid,
        Some(&json!({"status": "paused"})),
    )
    .await;
    let p = problem(r).await;
    assert_eq!(problem_fields(&p), ["status"]);
    assert_eq!(p["errors"][0]["allowed"], json!(["active", "blocked"]));
    assert!(app.upstream_calls("/bdoc/agreement_proc").is_empty());
}

#[tokio::test]
async fn renaming_a_group_keeps_its_members() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let seed = app.sandbox.seed();
    let company = seed.edin_demo_company_id();
    let group_id = *seed
        .edin_group_ids(company)
        .first()
        .expect("a seeded group");
    let before = app.sandbox.edin_group(group_id).expect("the group");
    assert!(!before.user_ids.is_empty(), "the seeded group has members");
    app.sandbox.clear_journal();
    let renamed = json_of(
        call(
            &app,
            Method::PUT,
            &format!("{GROUPS}/{group_id}"),
            &sid,
            Some(&json!({"groupName": "Юристи (нова назва)"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(renamed["groupName"], "Юристи (нова назва)");
    let after = app.sandbox.edin_group(group_id).expect("the group");
    assert_eq!(after.user_ids, before.user_ids, "no member was removed");
    assert_eq!(after.comment, before.comment, "an absent comment is kept");
    // Upstream: the read (A10), then the edit (A8) carrying the current members.
    let calls = app.upstream_calls("/bdoc/agreement_group");
    assert_eq!(
        calls.iter().map(|c| c.method.as_str()).collect::<Vec<_>>(),
        ["GET", "POST"]
    );
    assert_eq!(
        calls[0].query_param("agreement_group_id"),
        Some(group_id.to_string().as_str())
    );
    assert!(calls[1].raw_query.is_empty());
    let sent: Value = serde_json::from_slice(&calls[1].body).expect("json");
    assert_eq!(sent["groupId"], group_id);
    let sent_users: Vec<i64> = sent["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["userId"].as_i64())
        .collect();
    assert_eq!(sent_users, before.user_ids);
    // A blank name is refused before either call.
    app.sandbox.clear_journal();
    let r = call(
        &app,
        Method::PUT,
        &format!("{GROUPS}/{group_id}"),
        &sid,
        Some(&json!({"groupName": " ", "users": []})),
    )
    .await;
    let mut fields = problem_fields(&problem(r).await);
    fields.sort();
    assert_eq!(fields, ["groupName", "users"]);
    assert!(app.upstream_calls("/bdoc/agreement_group").is_empty());
}
