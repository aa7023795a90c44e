//! EDIN bdoc, spoken to as the upstream would be (reference/edin/api.md): the two-step
//! multipart login and its `SID` cookie session, the approval methods A1, A2, A3, A5 with
//! JSON in EDIN's spelling, and JSON errors without Diadoc's headers.

use std::time::Duration;

use edi_sandbox::{
    EDIN_CAPTCHA_EMAIL, EDIN_CAPTCHA_PASSWORD, EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD,
    EDIN_OTHER_EMAIL, EDIN_OTHER_PASSWORD, Sandbox,
};
use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::helpers::{Upstream, content_type, start, start_with};

const PROCS: &str = "/bdoc/agreement_procs";
const PROC: &str = "/bdoc/agreement_proc";
const STEP: &str = "/bdoc/agreement_step";

/// Query parameters.
type Query<'a> = &'a [(&'a str, &'a str)];

fn form(fields: &[(&str, &str)]) -> Form {
    fields.iter().fold(Form::new(), |f, (k, v)| {
        f.text((*k).to_owned(), (*v).to_owned())
    })
}

async fn post_form(up: &Upstream, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    up.client
        .post(up.url(path))
        .multipart(form(fields))
        .send()
        .await
        .expect("request")
}

/// Step 1; returns (isCaptcha, token).
async fn auth_uuid(up: &Upstream, email: &str) -> (bool, String) {
    let (status, body) = reply(post_form(up, "/bdoc/auth_uuid", &[("email", email)]).await).await;
    assert_eq!(status, 200, "{body}");
    let captcha = body["isCaptcha"].as_bool().expect("isCaptcha");
    (captcha, body["token"].as_str().expect("token").to_owned())
}

/// Both steps; returns the response of step 2.
async fn login(up: &Upstream, email: &str, password: &str) -> reqwest::Response {
    let (_, token) = auth_uuid(up, email).await;
    post_form(
        up,
        "/bdoc/auth",
        &[("token", &token), ("password", password)],
    )
    .await
}

/// The SID of a `Set-Cookie: SID=…; …` header.
fn sid_of(r: &reqwest::Response) -> String {
    let cookie = r.headers()["set-cookie"].to_str().expect("ascii");
    let (pair, _) = cookie.split_once(';').expect("attributes");
    pair.strip_prefix("SID=").expect("SID cookie").to_owned()
}

/// A call with `Cookie: SID=<sid>` (or no cookie) and an optional JSON body.
async fn call(
    up: &Upstream,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    sid: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = up.client.request(method, up.url(path)).query(query);
    if let Some(sid) = sid {
        r = r.header("cookie", format!("SID={sid}"));
    }
    if let Some(body) = body {
        r = r
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    r.send().await.expect("request")
}

async fn list(up: &Upstream, sid: &str, query: &[(&str, &str)]) -> (u16, Value) {
    reply(call(up, Method::POST, PROCS, query, Some(sid), None).await).await
}

async fn save_proc(up: &Upstream, sid: &str, body: Value) -> (u16, Value) {
    reply(call(up, Method::POST, PROC, &[], Some(sid), Some(body)).await).await
}

async fn save_step(up: &Upstream, sid: &str, body: Value) -> (u16, Value) {
    reply(call(up, Method::POST, STEP, &[], Some(sid), Some(body)).await).await
}

async fn delete_step(up: &Upstream, sid: &str, query: &[(&str, &str)]) -> (u16, Value) {
    reply(call(up, Method::DELETE, STEP, query, Some(sid), None).await).await
}

/// (status, JSON body) of a JSON reply; asserts the EDIN shape of every JSON reply: the content
/// type, no Diadoc headers, and for errors `{"status", "message"}` only.
async fn reply(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    assert_eq!(content_type(&r), "application/json");
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    assert!(!r.headers().contains_key("x-diadoc-errorcode"));
    let body: Value = serde_json::from_slice(&r.bytes().await.expect("body")).expect("JSON");
    if status != 200 {
        assert_eq!(body["status"], status, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
    }
    (status, body)
}

fn ids(list: &Value, key: &str) -> Vec<i64> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|p| p[key].as_i64().expect("id"))
        .collect()
}

fn demo_sid(up: &Upstream) -> String {
    up.sb
        .issue_edin_session(EDIN_DEMO_EMAIL)
        .expect("demo exists")
}

#[tokio::test]
async fn the_two_step_login_journals_the_form_and_sets_the_sid_cookie() {
    let up = start().await;
    let (captcha, token) = auth_uuid(&up, EDIN_DEMO_EMAIL).await;
    assert!(!captcha);
    assert_eq!(token.len(), 36);
    assert_eq!(&token[14..15], "4", "a version-4 UUID: {token}");
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", EDIN_DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let sid = sid_of(&r);
    assert_eq!(cookie, format!("SID={sid}; Path=/; HttpOnly"));
    assert_eq!(r.bytes().await.expect("body").len(), 0);
    // The session works, also among other cookies.
    let r = up
        .client
        .post(up.url(PROCS))
        .header("cookie", format!("lang=uk; SID={sid}; theme=dark"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);

    up.assert_journal(&[
        ("POST", "/bdoc/auth_uuid", 200),
        ("POST", "/bdoc/auth", 200),
        ("POST", PROCS, 200),
    ]);
    let journal = up.sb.journal();
    assert_eq!(
        journal[0].form,
        [("email".to_owned(), EDIN_DEMO_EMAIL.to_owned())]
    );
    assert_eq!(journal[1].form_field("token"), Some(token.as_str()));
    assert_eq!(journal[1].form_field("password"), Some(EDIN_DEMO_PASSWORD));
    assert_eq!(journal[1].form_field("email"), None);
    assert_eq!(journal[1].cookie("SID"), None);
    assert_eq!(journal[2].cookie("SID"), Some(sid.as_str()));
    assert_eq!(journal[2].cookie("lang"), Some("uk"));
    assert!(journal[2].form.is_empty());

    // The token was spent.
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", EDIN_DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(reply(r).await.0, 401);
}

#[tokio::test]
async fn a_wrong_password_or_an_unknown_email_is_401() {
    let up = start().await;
    let (status, body) = reply(login(&up, EDIN_DEMO_EMAIL, "not-demo").await).await;
    assert_eq!(status, 401, "{body}");
    // Any e-mail gets a token; only step 2 fails.
    let (captcha, _) = auth_uuid(&up, "nobody@example.com").await;
    assert!(!captcha);
    assert_eq!(
        reply(login(&up, "nobody@example.com", "x").await).await.0,
        401
    );
    assert_eq!(
        reply(
            post_form(
                &up,
                "/bdoc/auth",
                &[("token", "no-such"), ("password", "demo")]
            )
            .await
        )
        .await
        .0,
        401
    );
    // The other user logs in, with the e-mail in another case.
    let r = login(&up, &EDIN_OTHER_EMAIL.to_uppercase(), EDIN_OTHER_PASSWORD).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_captcha_user_gets_is_captcha_then_403() {
    let up = start().await;
    let (captcha, token) = auth_uuid(&up, EDIN_CAPTCHA_EMAIL).await;
    assert!(captcha);
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", EDIN_CAPTCHA_PASSWORD)],
    )
    .await;
    assert!(!r.headers().contains_key("set-cookie"));
    let (status, body) = reply(r).await;
    assert_eq!(status, 403);
    assert_eq!(body["message"], "A captcha is required for this user");
}

#[tokio::test]
async fn login_bodies_must_be_multipart_with_the_fields() {
    let up = start().await;
    let r = up
        .client
        .post(up.url("/bdoc/auth_uuid"))
        .header("content-type", "application/json")
        .body(r#"{"email":"demo@example.com"}"#)
        .send()
        .await
        .expect("request");
    let (status, body) = reply(r).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("The body must be multipart/form-data"))
    );
    let (status, body) = reply(post_form(&up, "/bdoc/auth_uuid", &[("login", "x")]).await).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("Form field 'email' is required"))
    );
    let (_, token) = auth_uuid(&up, EDIN_DEMO_EMAIL).await;
    let (status, _) = reply(post_form(&up, "/bdoc/auth", &[("token", &token)]).await).await;
    assert_eq!(status, 400);
    // A 400 does not spend the token.
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", "demo")],
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn methods_need_a_live_session() {
    let up = start().await;
    let (status, body) = reply(call(&up, Method::POST, PROCS, &[], None, None).await).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"status": 401, "message": "The SID cookie is missing"})
    );
    assert_eq!(list(&up, "not-a-session", &[]).await.0, 401);
    assert_eq!(
        reply(call(&up, Method::GET, "/bdoc/logout", &[], None, None).await)
            .await
            .0,
        401
    );
    assert!(up.sb.issue_edin_session("nobody@example.com").is_none());
    let sid = demo_sid(&up);
    assert_eq!(list(&up, &sid, &[]).await.0, 200);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_calls_refresh_them() {
    let up = start_with(Sandbox::builder().edin_session_idle(Duration::from_millis(200))).await;
    let sid = demo_sid(&up);
    // Three calls 120 ms apart: each within the idle time of the one before.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(list(&up, &sid, &[]).await.0, 200);
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body) = list(&up, &sid, &[]).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("The session has expired"))
    );
    assert_eq!(list(&up, &sid, &[]).await.0, 401, "gone for good");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let up = start().await;
    let r = login(&up, EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD).await;
    let sid = sid_of(&r);
    let other = demo_sid(&up);
    let r = call(&up, Method::GET, "/bdoc/logout", &[], Some(&sid), None).await;
    assert_eq!(r.status(), 200);
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    assert_eq!(r.bytes().await.expect("body").len(), 0);
    assert_eq!(list(&up, &sid, &[]).await.0, 401);
    assert_eq!(
        list(&up, &other, &[]).await.0,
        200,
        "other sessions live on"
    );
}

#[tokio::test]
async fn the_process_list_filters_by_company_name_status_and_limit() {
    let up = start().await;
    let sid = demo_sid(&up);
    let seed = up.sb.seed();
    let (status, all) = list(&up, &sid, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&all, "agreementProcId"), [730_001, 730_002, 730_003]);
    let first = &all[0];
    assert_eq!(first["name"], "Погодження договорів постачання");
    assert_eq!(first["companyId"], seed.edin_demo_company_id());
    assert_eq!(first["company"]["companyId"], seed.edin_demo_company_id());
    assert_eq!(first["company"]["name"], "ТОВ «Ромашка-Україна»");
    assert_eq!(first["company"]["code"], "41728397");
    assert_eq!(first["status"], 1);
    assert_eq!(first["agrementSteps"], json!([]));
    assert_eq!(first["agreementProc2Docs"], json!([]));

    let cases: [(Query, &[i64]); 5] = [
        (&[("company_id", "104202")], &[730_003]),
        (&[("search_pattern", "ДОГОВОРІВ")], &[730_001]),
        (
            &[("search_pattern", "погодження")],
            &[730_001, 730_002, 730_003],
        ),
        (&[("status", "2")], &[730_002]),
        (&[("limit", "2"), ("status", "1")], &[730_001, 730_003]),
    ];
    for (query, expected) in cases {
        let (status, body) = list(&up, &sid, query).await;
        assert_eq!(status, 200, "{query:?}");
        assert_eq!(ids(&body, "agreementProcId"), expected, "{query:?}");
    }
    let other = seed.edin_other_company_id().to_string();
    assert_eq!(list(&up, &sid, &[("company_id", &other)]).await.0, 403);
    for bad in [
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", "ten"),
        ("status", "3"),
        ("company_id", "x"),
    ] {
        assert_eq!(list(&up, &sid, &[bad]).await.0, 400, "{bad:?}");
    }
    let other_sid = up.sb.issue_edin_session(EDIN_OTHER_EMAIL).expect("other");
    let (_, theirs) = list(&up, &other_sid, &[]).await;
    assert_eq!(ids(&theirs, "agreementProcId"), [730_004]);
}

#[tokio::test]
async fn processes_are_created_and_edited() {
    let up = start().await;
    let sid = demo_sid(&up);
    let company = up.sb.seed().edin_demo_company_id();
    let (status, created) = save_proc(
        &up,
        &sid,
        json!({"name": "Погодження рахунків", "companyId": company, "comment": "Вхідні рахунки"}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["agreementProcId"].as_i64().expect("id");
    assert_eq!(id, 730_005);
    assert_eq!(
        created,
        json!({
            "agreementProcId": id,
            "company": created["company"].clone(),
            "companyId": company,
            "name": "Погодження рахунків",
            "comment": "Вхідні рахунки",
            "status": 1,
            "agreementProc2Docs": [],
            "agrementSteps": [],
        })
    );
    assert_eq!(created["company"]["companyId"], company);
    assert_eq!(created["company"]["uuID"].as_str().map(str::len), Some(36));
    let (_, all) = list(&up, &sid, &[("search_pattern", "рахунків")]).await;
    assert_eq!(ids(&all, "agreementProcId"), [id]);

    // Edit: the name changes, the comment stays when not given.
    let (status, edited) = save_proc(
        &up,
        &sid,
        json!({"agreementProcId": id, "name": "Погодження вхідних рахунків", "companyId": company.to_string()}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["name"], "Погодження вхідних рахунків");
    assert_eq!(edited["comment"], "Вхідні рахунки");
    // An edit of the seeded process keeps its steps and documents.
    let seeded = up.sb.seed().edin_process_id();
    let (_, p) = save_proc(
        &up,
        &sid,
        json!({"agreementProcId": seeded, "name": "Договори постачання", "companyId": company}),
    )
    .await;
    assert_eq!(p["agrementSteps"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        p["agreementProc2Docs"][0]["document"]["name"],
        "Договір постачання"
    );
    assert_eq!(p["agreementProc2Docs"][0]["dictionaryValue"], Value::Null);

    let other = up.sb.seed().edin_other_company_id();
    let refusals = [
        (
            json!({"agreementProcId": 999_999, "name": "x", "companyId": company}),
            404,
        ),
        (
            json!({"agreementProcId": 730_004, "name": "x", "companyId": other}),
            403,
        ),
        (json!({"name": "x", "companyId": other}), 403),
        (
            json!({"agreementProcId": id, "name": "x", "companyId": 104_202}),
            400,
        ),
        (json!({"name": "", "companyId": company}), 400),
        (json!({"comment": "no name", "companyId": company}), 400),
        (json!({"name": "no company"}), 400),
        (json!([1, 2]), 400),
    ];
    for (body, expected) in refusals {
        assert_eq!(
            save_proc(&up, &sid, body.clone()).await.0,
            expected,
            "{body}"
        );
    }
}

#[tokio::test]
async fn steps_take_the_documented_example_shape_and_answer_in_numbers() {
    let up = start().await;
    let sid = demo_sid(&up);
    let seed = up.sb.seed();
    let proc_id = seed.edin_process_id();
    let groups = seed.edin_group_ids(seed.edin_demo_company_id());
    assert_eq!(groups, [520_101, 520_102, 520_103]);
    // As api.md §5.1's example sends it: types as strings, nulls, stepNumber 0, groupId only.
    let (status, p) = save_step(
        &up,
        &sid,
        json!({
            "agreementGroups": [{"groupId": groups[0], "groupName": "Бухгалтерія"}],
            "agreementExecType": "1",
            "agreementTaskType": "3",
            "agreementExecPeriod": null,
            "agreementStepPriority": null,
            "agreementProcId": proc_id,
            "stepNumber": 0
        }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert!(p.get("agreementSteps").is_none(), "spelled agrementSteps");
    assert_eq!(p["agreementProcId"], proc_id);
    let steps = p["agrementSteps"].as_array().expect("steps");
    assert_eq!(
        ids(&p["agrementSteps"], "agreementStepId"),
        [840_001, 840_002, 840_003]
    );
    let new = &steps[2];
    let demo = seed.edin_user_id(EDIN_DEMO_EMAIL).expect("demo");
    assert_eq!(demo, 310_001);
    assert_eq!(
        new,
        &json!({
            "agreementGroups": [{
                "users": new["agreementGroups"][0]["users"].clone(),
                "groupId": 520_101,
                "companyId": 104_201,
                "groupName": "Бухгалтерія",
            }],
            "agreementStepId": 840_003,
            "agreementProcId": proc_id,
            "agreementTaskType": 3,
            "agreementExecType": 1,
            "agreementExecPeriod": 0,
            "agreementStepPriority": 0,
            "stepNumber": 3,
            "groupNames": "Бухгалтерія",
            "userIds": [310_003, 310_005],
        })
    );
    let user = &new["agreementGroups"][0]["users"][0];
    assert_eq!(user["userId"], 310_003);
    assert_eq!(user["fio"], "Бондаренко Ірина Василівна");
    assert!(user.get("password").is_none());
    // The seeded steps, in order.
    let first = &steps[0];
    assert_eq!(
        (
            &first["stepNumber"],
            &first["agreementTaskType"],
            &first["agreementExecType"],
            &first["agreementExecPeriod"],
            &first["agreementStepPriority"],
            &first["groupNames"],
        ),
        (
            &json!(1),
            &json!(1),
            &json!(2),
            &json!(3),
            &json!(10),
            &json!("Юридичний відділ")
        )
    );
    assert_eq!(steps[1]["groupNames"], "Керівництво");
    assert_eq!(steps[1]["stepNumber"], 2);
    assert_eq!(steps[1]["userIds"], json!([demo]));
}

#[tokio::test]
async fn editing_a_step_renumbers_by_priority() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id();
    // The signing step (priority 5, number 2) gets priority 20 and two groups (`groupID`, as
    // api.md §5.2's table spells it, and as a string).
    let (status, p) = save_step(
        &up,
        &sid,
        json!({
            "agreementStepId": 840_002,
            "agreementProcId": proc_id,
            "agreementTaskType": 2,
            "agreementExecType": 2,
            "agreementExecPeriod": 5,
            "agreementStepPriority": 20,
            "agreementGroups": [{"groupID": 520_103}, {"groupId": "520101"}],
        }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        ids(&p["agrementSteps"], "agreementStepId"),
        [840_002, 840_001]
    );
    let edited = &p["agrementSteps"][0];
    assert_eq!(edited["stepNumber"], 1);
    assert_eq!(edited["agreementExecType"], 2);
    assert_eq!(edited["agreementExecPeriod"], 5);
    assert_eq!(edited["groupNames"], "Керівництво, Бухгалтерія");
    assert_eq!(edited["userIds"], json!([310_001, 310_003, 310_005]));
    assert_eq!(p["agrementSteps"][1]["stepNumber"], 2);
    // Same priority: creation order decides.
    let (_, p) = save_step(
        &up,
        &sid,
        json!({"agreementProcId": proc_id, "agreementTaskType": 1, "agreementExecType": 1,
               "agreementStepPriority": 10, "agreementGroups": [{"groupId": 520_101}]}),
    )
    .await;
    assert_eq!(
        ids(&p["agrementSteps"], "agreementStepId"),
        [840_002, 840_001, 840_003]
    );
    let (status, body) = save_step(
        &up,
        &sid,
        json!({"agreementStepId": 999_999, "agreementProcId": proc_id, "agreementTaskType": 1,
               "agreementExecType": 1, "agreementGroups": [{"groupId": 520_101}]}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        format!("Agreement process {proc_id} has no step 999999")
    );
}

#[tokio::test]
async fn deleting_a_step_renumbers_the_rest() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id().to_string();
    let (status, p) = delete_step(
        &up,
        &sid,
        &[
            ("agreement_proc_id", &proc_id),
            ("agreement_step_id", "840001"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(ids(&p["agrementSteps"], "agreementStepId"), [840_002]);
    assert_eq!(p["agrementSteps"][0]["stepNumber"], 1);
    assert_eq!(p["agreementProc2Docs"].as_array().map(Vec::len), Some(1));
    let cases: [(Query, u16); 5] = [
        (
            &[
                ("agreement_proc_id", &proc_id),
                ("agreement_step_id", "840001"),
            ],
            404,
        ),
        (
            &[
                ("agreement_proc_id", "999999"),
                ("agreement_step_id", "840002"),
            ],
            404,
        ),
        (
            &[("agreement_proc_id", "730004"), ("agreement_step_id", "1")],
            403,
        ),
        (&[("agreement_proc_id", &proc_id)], 400),
        (
            &[("agreement_proc_id", &proc_id), ("agreement_step_id", "x")],
            400,
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(delete_step(&up, &sid, query).await.0, expected, "{query:?}");
    }
}

#[tokio::test]
async fn step_bodies_are_validated() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id();
    let step = |groups: Value| {
        json!({"agreementProcId": proc_id, "agreementTaskType": "1", "agreementExecType": "1",
               "agreementGroups": groups})
    };
    let six: Vec<Value> = (0..6).map(|i| json!({"groupId": 520_101 + i})).collect();
    let (status, body) = save_step(&up, &sid, step(Value::Array(six))).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "A step takes 1 to 5 agreementGroups, not 6"
    );
    let mut bad = vec![
        step(json!([])),
        step(json!([{"groupName": "Бухгалтерія"}])),
        step(json!([{"groupId": 520_201}])),
        step(json!([{"groupId": 999}])),
        step(json!([{"groupId": 520_101}, {"groupId": 520_101}])),
        json!({"agreementProcId": proc_id, "agreementTaskType": "1", "agreementExecType": "1"}),
        json!({"agreementTaskType": 1, "agreementExecType": 1, "agreementGroups": [{"groupId": 520_101}]}),
    ];
    for (field, value) in [
        ("agreementTaskType", json!(4)),
        ("agreementExecType", json!("3")),
        ("agreementExecPeriod", json!(-1)),
        ("agreementStepPriority", json!(-5)),
        ("agreementTaskType", json!("first")),
    ] {
        let mut s = step(json!([{"groupId": 520_101}]));
        s[field] = value;
        bad.push(s);
    }
    for body in bad {
        assert_eq!(save_step(&up, &sid, body.clone()).await.0, 400, "{body}");
    }
    // Nothing was added.
    let (_, p) = delete_step(
        &up,
        &sid,
        &[
            ("agreement_proc_id", &proc_id.to_string()),
            ("agreement_step_id", "840002"),
        ],
    )
    .await;
    assert_eq!(ids(&p["agrementSteps"], "agreementStepId"), [840_001]);
}

#[tokio::test]
async fn another_companys_process_is_403_and_an_unknown_one_404() {
    let up = start().await;
    let sid = demo_sid(&up);
    let step = |proc_id: i64, group: i64| {
        json!({"agreementProcId": proc_id, "agreementTaskType": 1, "agreementExecType": 1,
               "agreementGroups": [{"groupId": group}]})
    };
    let (status, body) = save_step(&up, &sid, step(730_004, 520_201)).await;
    assert_eq!(status, 403);
    assert_eq!(body["message"], "Access to company 104305 is denied");
    assert_eq!(save_step(&up, &sid, step(999_999, 520_101)).await.0, 404);
    // The other user can: the group is of their company.
    let other = up.sb.issue_edin_session(EDIN_OTHER_EMAIL).expect("other");
    let (status, p) = save_step(&up, &other, step(730_004, 520_201)).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["agrementSteps"][0]["groupNames"], "Відділ продажів");
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_in_json() {
    let up = start().await;
    let sid = demo_sid(&up);
    let (status, body) =
        reply(call(&up, Method::GET, "/bdoc/nowhere", &[], Some(&sid), None).await).await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "No method is mapped to /bdoc/nowhere");
    assert_eq!(
        reply(
            call(
                &up,
                Method::POST,
                "/bdoc/Agreement_Procs",
                &[],
                Some(&sid),
                None
            )
            .await
        )
        .await
        .0,
        404,
        "paths are case-sensitive"
    );
    let r = call(&up, Method::GET, STEP, &[], None, None).await;
    assert_eq!(r.headers()["allow"], "POST, DELETE");
    assert_eq!(reply(r).await.0, 405);
    let r = call(&up, Method::GET, PROCS, &[], Some(&sid), None).await;
    assert_eq!(r.headers()["allow"], "POST");
    let (status, body) = reply(r).await;
    assert_eq!(status, 405);
    assert_eq!(
        body,
        json!({"status": 405, "message": "The requested resource does not support this HTTP method; use POST"})
    );
    // Diadoc paths still answer as Diadoc.
    let r = up.get("/GetMyOrganizations", &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-kontur-trace-id"));
}

#[tokio::test]
async fn faults_and_delays_apply_to_edin_too() {
    let up = start_with(Sandbox::builder().fail_next(1, 503, "maintenance")).await;
    let sid = demo_sid(&up);
    let r = call(&up, Method::POST, PROCS, &[], Some(&sid), None).await;
    assert_eq!(r.status(), 503);
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    assert!(!r.headers().contains_key("x-diadoc-errorcode"));
    assert_eq!(r.text().await.expect("text"), "maintenance");
    up.sb.set_delay(Duration::from_millis(150));
    let started = std::time::Instant::now();
    assert_eq!(list(&up, &sid, &[]).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let statuses: Vec<u16> = up.sb.journal().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [503, 200]);
}

#[tokio::test]
async fn junk_input_never_gets_a_5xx() {
    let up = start().await;
    let sid = demo_sid(&up);
    let bodies: [&[u8]; 5] = [
        b"",
        b"\xff\xfe",
        b"null",
        br#"{"agreementProcId":"1e99","agreementGroups":{"groupId":1},"name":7}"#,
        b"--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n",
    ];
    let queries = [
        "company_id=%FF&limit=99999999999999999999&status=-0",
        "agreement_proc_id=&agreement_step_id=%00&search_pattern=%E2%82%AC",
    ];
    for path in [
        "/bdoc/auth_uuid",
        "/bdoc/auth",
        "/bdoc/logout",
        PROCS,
        PROC,
        STEP,
    ] {
        for query in queries {
            for body in bodies {
                for method in [Method::GET, Method::POST, Method::DELETE] {
                    for content_type in ["application/json", "multipart/form-data; boundary=x"] {
                        let r = up
                            .client
                            .request(method.clone(), format!("{}?{query}", up.url(path)))
                            .header("cookie", format!("SID={sid}"))
                            .header("content-type", content_type)
                            .body(body.to_vec())
                            .send()
                            .await
                            .expect("answered");
                        let status = r.status().as_u16();
                        assert!(
                            (200..500).contains(&status),
                            "{method} {path}?{query} → {status}"
                        );
                    }
                }
            }
        }
    }
}
