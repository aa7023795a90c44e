//! EDIN's own examples, posted through the gateway as printed, and every documented error of the
//! approval routes: the status the caller gets, the problem it reads, and the upstream call in
//! EDIN's spelling that produced it. The errors are the sandbox's documented choices (README,
//! "Where api.md says UNKNOWN"), since api.md §1 documents no EDIN error.

use reqwest::Method;
use serde_json::{Value, json};

use crate::edin::{call, only_call};
use crate::helpers::{TestApp, problem, spawn_app};

const PROCS: &str = "/v1/edin/agreement-procs";
const GROUPS: &str = "/v1/edin/agreement-groups";

/// EDIN's `PostAgreementStep` create example, as printed (reference/edin/examples).
const CREATE_EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/reference/edin/examples/PostAgreementStep-create.json"
));
/// The edit example of the same page, as printed.
const EDIT_EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/reference/edin/examples/PostAgreementStep-edit.json"
));

/// Sends `body` byte for byte, as a caller pasting the example would.
async fn post_raw(app: &TestApp, method: Method, path: &str, sid: &str, body: &str) -> Value {
    let r = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(sid)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    let status = r.status();
    let body: Value = r.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    body
}

#[tokio::test]
async fn the_documented_step_examples_work_as_printed() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let example: Value = serde_json::from_str(CREATE_EXAMPLE).expect("the example is JSON");
    let proc_id = example["agreementProcId"].as_i64().expect("a process id");
    let steps = format!("{PROCS}/{proc_id}/steps");

    app.sandbox.clear_journal();
    let process = post_raw(&app, Method::POST, &steps, &sid, CREATE_EXAMPLE).await;
    let all = process["agreementSteps"].as_array().expect("steps");
    assert_eq!(all.len(), 2, "the seeded step and the example's");
    // Upstream the body is the example's own spelling, less the echo it had no use for.
    let sent: Value = serde_json::from_slice(&only_call(&app, "/bdoc/agreement_step").body)
        .expect("JSON upstream");
    for field in [
        "agreementProcId",
        "agreementTaskType",
        "agreementExecType",
        "agreementExecPeriod",
        "agreementStepPriority",
        "stepNumber",
    ] {
        assert_eq!(sent[field], example[field], "{field} as printed");
    }
    assert_eq!(
        sent["agreementGroups"][0]["groupId"],
        example["agreementGroups"][0]["groupId"]
    );

    let edit: Value = serde_json::from_str(EDIT_EXAMPLE).expect("the example is JSON");
    let step_id = edit["agreementStepId"].as_i64().expect("a step id");
    app.sandbox.clear_journal();
    let process = post_raw(
        &app,
        Method::PUT,
        &format!("{steps}/{step_id}"),
        &sid,
        EDIT_EXAMPLE,
    )
    .await;
    assert!(
        process["agreementSteps"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["agreementStepId"] == step_id)),
        "the edited step is in the reply"
    );
    let sent: Value = serde_json::from_slice(&only_call(&app, "/bdoc/agreement_step").body)
        .expect("JSON upstream");
    assert_eq!(sent["agreementStepId"], step_id);
    assert_eq!(sent["agreementTaskType"], "1");
}

/// One documented refusal: what the caller sends, the status, and the upstream call behind it.
struct Refused {
    what: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    status: u16,
    upstream: (&'static str, &'static str),
}

fn refused(
    what: &'static str,
    method: Method,
    path: impl Into<String>,
    body: Option<Value>,
    status: u16,
    upstream: (&'static str, &'static str),
) -> Refused {
    Refused {
        what,
        method,
        path: path.into(),
        body,
        status,
        upstream,
    }
}

#[tokio::test]
async fn every_documented_refusal_reaches_the_caller_as_a_problem() {
    let app = spawn_app().await;
    let sid = app.demo_sid().await;
    let seed = app.sandbox.seed();
    let mine = seed.edin_demo_company_id();
    let other = seed.edin_other_company_id();
    let my_group = seed.edin_group_ids(mine)[0];
    let used_group = app
        .sandbox
        .edin_process(seed.edin_process_id())
        .and_then(|p| p.steps.first().and_then(|s| s.group_ids.first().copied()))
        .expect("a seeded step's group");
    let foreign_group = seed.edin_group_ids(other)[0];
    let outsider = seed
        .edin_user_id(edi_sandbox::EDIN_OTHER_EMAIL)
        .expect("the other user");
    let busy = seed.edin_process_id();
    let foreign_proc = app
        .sandbox
        .edin_processes()
        .into_iter()
        .find(|p| p.company_id == other)
        .map(|p| p.proc_id)
        .expect("the other company's process");
    let idle = app
        .sandbox
        .edin_processes()
        .into_iter()
        .find(|p| p.company_id == mine && p.steps.is_empty())
        .map(|p| p.proc_id)
        .expect("a process without steps");
    let types = seed.edin_document_type_ids(mine);
    let bound = app
        .sandbox
        .edin_process(busy)
        .and_then(|p| p.documents.first().map(|d| d.document_id))
        .expect("a bound type");
    let blocked = seed
        .edin_document_types()
        .iter()
        .find(|t| t.company_id == mine && t.is_active == 0)
        .map(|t| t.document_id)
        .expect("a blocked type");
    let with_dictionary = *types
        .iter()
        .find(|t| !seed.edin_dictionary_value_ids(**t).is_empty())
        .expect("a type with a dictionary");
    let free = *types
        .iter()
        .find(|t| **t != bound && **t != blocked && seed.edin_dictionary_value_ids(**t).is_empty())
        .expect("a free type");
    let doc = |proc_id: i64, type_id: i64, extra: &str| {
        format!("{PROCS}/{proc_id}/document-types/{type_id}?companyId={mine}{extra}")
    };

    let cases = [
        refused(
            "another company's group",
            Method::GET,
            format!("{GROUPS}/{foreign_group}"),
            None,
            403,
            ("GET", "/bdoc/agreement_group"),
        ),
        refused(
            "an unknown group",
            Method::GET,
            format!("{GROUPS}/999999999"),
            None,
            404,
            ("GET", "/bdoc/agreement_group"),
        ),
        refused(
            "a group in another company",
            Method::POST,
            GROUPS,
            Some(json!({"companyId": other, "groupName": "Чужа"})),
            403,
            ("POST", "/bdoc/agreement_group"),
        ),
        refused(
            "a member from outside the company",
            Method::PUT,
            format!("{GROUPS}/{my_group}/users"),
            Some(json!({"users": [{"userId": outsider}]})),
            400,
            ("PATCH", "/bdoc/agreement_group/users"),
        ),
        refused(
            "deleting a group a step names",
            Method::DELETE,
            format!("{GROUPS}/{used_group}"),
            None,
            409,
            ("DELETE", "/bdoc/agreement_group"),
        ),
        refused(
            "a type already bound to another process",
            Method::PUT,
            doc(idle, bound, ""),
            None,
            409,
            ("PUT", "/bdoc/agreement_proc/document"),
        ),
        refused(
            "a blocked type",
            Method::PUT,
            doc(idle, blocked, ""),
            None,
            400,
            ("PUT", "/bdoc/agreement_proc/document"),
        ),
        refused(
            "a type with a dictionary but no value",
            Method::PUT,
            doc(idle, with_dictionary, ""),
            None,
            400,
            ("PUT", "/bdoc/agreement_proc/document"),
        ),
        refused(
            "a value of no dictionary of the type",
            Method::PUT,
            doc(idle, with_dictionary, "&dictionaryValueId=999999"),
            None,
            400,
            ("PUT", "/bdoc/agreement_proc/document"),
        ),
        refused(
            "an unknown type",
            Method::PUT,
            doc(idle, 999_999_999, ""),
            None,
            404,
            ("PUT", "/bdoc/agreement_proc/document"),
        ),
        refused(
            "detaching a type the process does not have",
            Method::DELETE,
            doc(idle, free, ""),
            None,
            404,
            ("DELETE", "/bdoc/agreement_proc/document"),
        ),
        refused(
            "the status of an unknown process",
            Method::PUT,
            format!("{PROCS}/999999999/status"),
            Some(json!({"status": "blocked"})),
            404,
            ("OPTIONS", "/bdoc/agreement_proc"),
        ),
        refused(
            "the status of another company's process",
            Method::PUT,
            format!("{PROCS}/{foreign_proc}/status"),
            Some(json!({"status": "blocked"})),
            403,
            ("OPTIONS", "/bdoc/agreement_proc"),
        ),
        refused(
            "another company's document types",
            Method::GET,
            format!("/v1/edin/document-types?companyId={other}"),
            None,
            403,
            ("GET", "/bdoc/document_types"),
        ),
    ];
    for case in cases {
        app.sandbox.clear_journal();
        let r = call(
            &app,
            case.method.clone(),
            &case.path,
            &sid,
            case.body.as_ref(),
        )
        .await;
        assert_eq!(r.status(), case.status, "{}", case.what);
        let p = problem(r).await;
        assert_eq!(p["upstream"]["service"], "edin", "{}: {p}", case.what);
        assert_eq!(p["upstream"]["status"], case.status, "{}", case.what);
        let sent = only_call(&app, case.upstream.1);
        assert_eq!(sent.method, case.upstream.0, "{}", case.what);
    }
}
