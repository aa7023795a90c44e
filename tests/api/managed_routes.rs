//! Issue 14, "Done when": a managed client calls each Diadoc and EDIN route with an API key
//! and no upstream token. One table, keyed by operationId: every route whose OpenAPI `security`
//! offers `apiKey` has a row (the test compares the two sets, so a new route without a row fails
//! here with its name). Each row is sent with `X-Api-Key` alone and must succeed; every upstream
//! call it causes must carry the client's credential — for Diadoc `Authorization: Bearer` with
//! the access token the sandbox issued at `/connect/token` (no developer key, no Authenticate),
//! for EDIN the `SID` cookie of the one session the gateway logged in. Rows a managed client may
//! not call say their status and why. Failures are collected and reported all at once.
//!
//! Rows run in order on one gateway: ids a row creates (a task, a group, a process, a step, a
//! free document type) are captured from its answer as `$name` and used by later rows, so the
//! writes change nothing a later row relies on.

use std::collections::{BTreeMap, BTreeSet};

use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::{JournalEntry, Sandbox, SandboxHandle};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ROBOT_KEY, robot_entry, spawn_managed};

/// What a row must get back.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Any 2xx.
    Success,
    /// A managed client may not call this route: this status, for this reason, and no upstream
    /// call at all.
    Refused(u16, &'static str),
}

/// Takes a value a later row needs from a row's answer (its headers and JSON body).
type Capture = fn(&reqwest::header::HeaderMap, &Value) -> Option<Value>;

/// One route called as the managed client.
struct Row {
    /// The route's operationId.
    id: &'static str,
    method: Method,
    /// The concrete path and query; `$name` is a value an earlier row captured.
    path: String,
    /// A JSON body; a string `"$name"` anywhere in it is replaced by the captured value.
    body: Option<Value>,
    /// Extra request headers (`Prefer`, `Idempotency-Key`).
    headers: &'static [(&'static str, &'static str)],
    expect: Expect,
    /// Upstream paths this row must have called (each at least once).
    upstream: &'static [&'static str],
    /// A value later rows use, under this name.
    capture: Option<(&'static str, Capture)>,
}

impl Row {
    fn new(
        id: &'static str,
        method: Method,
        path: String,
        upstream: &'static [&'static str],
    ) -> Self {
        Self {
            id,
            method,
            path,
            body: None,
            headers: &[],
            expect: Expect::Success,
            upstream,
            capture: None,
        }
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }

    fn capture(mut self, name: &'static str, capture: Capture) -> Self {
        self.capture = Some((name, capture));
        self
    }

    fn refused(mut self, status: u16, reason: &'static str) -> Self {
        self.expect = Expect::Refused(status, reason);
        self
    }
}

/// The first box's counteragent box (GUID form) in `status`, not roaming.
fn counteragent(sandbox: &SandboxHandle, status: dap::CounteragentStatus) -> String {
    sandbox.seed().counteragents[0]
        .iter()
        .find(|c| {
            c.current_status == Some(status as i32) && c.organization.is_roaming != Some(true)
        })
        .and_then(|c| c.organization.boxes.first())
        .map(|b| b.box_id_guid.clone())
        .expect("a seeded counteragent in that status")
}

/// The table: every route that takes a caller credential, in an order where each write leaves
/// what later rows need (the partnership is broken last; the group is deleted after the step
/// that used it).
fn table(sandbox: &SandboxHandle) -> Vec<Row> {
    use Method as M;
    let seed = sandbox.seed();
    let org = seed.first_org_id().to_owned();
    let bx = seed.first_box_id_guid().to_owned();
    let (message, entity) = seed.document_ids()[0].clone();
    let with_protocol = seed
        .document_with_protocol()
        .expect("a protocol")
        .document
        .clone();
    let with_print = seed
        .document_with_print_form()
        .expect("a print form")
        .document
        .clone();
    let partner = seed.counteragent_box_id_guid().to_owned();
    let mine = counteragent(sandbox, dap::CounteragentStatus::IsMyCounteragent);
    let stranger = counteragent(sandbox, dap::CounteragentStatus::NotInCounteragentList);
    let company = seed.edin_demo_company_id();
    let user = seed
        .edin_user_id(edi_sandbox::EDIN_DEMO_EMAIL)
        .expect("the demo EDIN user");
    let seeded_group = seed.edin_group_ids(company)[0];
    let boxes = format!("/v1/diadoc/boxes/{bx}");
    let doc = |m: &str, e: &str, what: &str| format!("{boxes}/messages/{m}/documents/{e}{what}");
    let groups = "/v1/edin/agreement-groups";
    let procs = "/v1/edin/agreement-procs";
    vec![
        // --- Diadoc: the account and the directory
        Row::new(
            "getDiadocMe",
            M::GET,
            "/v1/diadoc/me".into(),
            &["/V2/GetMyUser"],
        ),
        Row::new(
            "listDiadocOrganizations",
            M::GET,
            "/v1/diadoc/organizations".into(),
            &["/GetMyOrganizations"],
        ),
        Row::new(
            "getDiadocOrganization",
            M::GET,
            format!("/v1/diadoc/organizations/{org}"),
            &["/GetOrganization"],
        ),
        Row::new("getDiadocBox", M::GET, boxes.clone(), &["/GetBox"]),
        // --- Diadoc: counteragents
        Row::new(
            "listDiadocOrganizationCounteragents",
            M::GET,
            format!("/v1/diadoc/organizations/{org}/counteragents"),
            &["/V3/GetCounteragents"],
        ),
        Row::new(
            "listDiadocBoxCounteragents",
            M::GET,
            format!("{boxes}/counteragents?status=IsMyCounteragent"),
            &["/V3/GetCounteragents"],
        ),
        Row::new(
            "getDiadocBoxCounteragent",
            M::GET,
            format!("{boxes}/counteragents/{mine}"),
            &["/V3/GetCounteragent"],
        ),
        // The sandbox's task needs one more poll: wait=0 answers 202 with the task's route.
        Row::new(
            "acquireDiadocCounteragent",
            M::POST,
            format!("{boxes}/counteragents"),
            &["/V3/AcquireCounteragent", "/V3/AcquireCounteragentResult"],
        )
        .body(json!({"boxId": stranger, "messageToCounteragent": "robot"}))
        .headers(&[("prefer", "wait=0")])
        .capture("task", |headers, _| {
            let location = headers.get("location")?.to_str().ok()?;
            Some(Value::String(location.rsplit('/').next()?.to_owned()))
        }),
        Row::new(
            "getDiadocCounteragentTask",
            M::GET,
            format!("{boxes}/counteragent-tasks/$task"),
            &["/V3/AcquireCounteragentResult"],
        )
        .headers(&[("prefer", "wait=5")]),
        // --- Diadoc: documents and messages
        Row::new(
            "listDiadocDocuments",
            M::GET,
            format!("{boxes}/documents?filterCategory=Any.Inbound&count=20"),
            &["/V3/GetDocuments"],
        ),
        Row::new(
            "batchGetDiadocDocflows",
            M::POST,
            format!("{boxes}/docflows:batchGet"),
            &["/V5/GetDocflows"],
        )
        .body(json!({"requests": [{"documentId": {"messageId": message, "entityId": entity}}]})),
        Row::new(
            "getDiadocDocumentProtocol",
            M::GET,
            doc(
                &with_protocol.message_id,
                &with_protocol.entity_id,
                "/protocol",
            ),
            &["/GenerateDocumentProtocol"],
        ),
        Row::new(
            "getDiadocMessage",
            M::GET,
            format!("{boxes}/messages/{message}"),
            &["/V6/GetMessage"],
        ),
        Row::new(
            "getDiadocDocument",
            M::GET,
            doc(&message, &entity, ""),
            &["/V3/GetDocument"],
        ),
        Row::new(
            "getDiadocEntityContent",
            M::GET,
            format!("{boxes}/messages/{message}/entities/{entity}/content"),
            &["/V4/GetEntityContent"],
        ),
        Row::new(
            "getDiadocDocumentPrintForm",
            M::GET,
            doc(&with_print.message_id, &with_print.entity_id, "/print-form"),
            &["/GeneratePrintForm"],
        ),
        Row::new(
            "getDiadocDocumentArchive",
            M::GET,
            doc(&with_print.message_id, &with_print.entity_id, "/archive"),
            &["/GenerateDocumentZip", "/V2/ShelfDownload"],
        ),
        Row::new(
            "listDiadocBoxEvents",
            M::GET,
            format!("{boxes}/events?limit=5"),
            &["/V8/GetNewEvents"],
        ),
        Row::new(
            "createDiadocTemplate",
            M::POST,
            "/v1/diadoc/templates".into(),
            &["/PostTemplate"],
        )
        .body(json!({
            "fromBoxId": bx,
            "toBoxId": partner,
            "messageFromBoxId": partner,
            "messageToBoxId": bx,
            "documentAttachments": [{
                "unsignedContent": {"content": "PFRlbXBsYXRlLz4="},
                "typeNamedId": "UniversalTransferDocument",
                "function": "СЧФДОП",
                "version": "utd970_05_03_01",
                "metadata": [{"key": "FileName", "value": "template.xml"}]
            }]
        }))
        .headers(&[("idempotency-key", "managed-template-1")]),
        Row::new(
            "createDiadocMessage",
            M::POST,
            format!("{boxes}/messages"),
            &["/V3/PostMessage"],
        )
        .body(json!({"toBoxId": partner, "documentAttachments": [{
            "signedContent": {"content": "PERvYy8+", "signature": "c2lnbmF0dXJl"},
            "typeNamedId": "Nonformalized",
            "metadata": [{"key": "FileName", "value": "contract.pdf"}]
        }]}))
        .headers(&[("idempotency-key", "managed-message-1")]),
        Row::new(
            "transformDiadocTemplate",
            M::POST,
            format!("{boxes}/templates/{}/transform", seed.template_id()),
            &["/TransformTemplateToMessage"],
        )
        .body(json!({"documentTransformations": [{"documentId": seed.template_document_id()}]}))
        .headers(&[("idempotency-key", "managed-transform-1")]),
        // Last of Diadoc's: the partnership is gone afterwards.
        Row::new(
            "breakWithDiadocCounteragent",
            M::DELETE,
            format!("{boxes}/counteragents/{mine}"),
            &["/V2/BreakWithCounteragent"],
        ),
        // --- EDIN: reads
        Row::new(
            "listEdinAgreementProcesses",
            M::GET,
            procs.into(),
            &["/bdoc/agreement_procs"],
        ),
        Row::new(
            "listEdinAgreementGroups",
            M::GET,
            format!("{groups}?companyId={company}"),
            &["/bdoc/agreement_groups"],
        ),
        Row::new(
            "getEdinAgreementGroup",
            M::GET,
            format!("{groups}/{seeded_group}"),
            &["/bdoc/agreement_group"],
        ),
        Row::new(
            "listEdinDocumentTypes",
            M::GET,
            format!("/v1/edin/document-types?companyId={company}&useType=internal&active=true"),
            &["/bdoc/document_types"],
        )
        .capture("doctype", |_, body| {
            body.as_array()?
                .iter()
                .find(|d| d["dictionary"].is_null() && d["agreementProcId"].is_null())
                .map(|d| d["documentId"].clone())
        }),
        // --- EDIN: a group, a process with a step and a document type, each undone
        Row::new(
            "createEdinAgreementGroup",
            M::POST,
            groups.into(),
            &["/bdoc/agreement_group"],
        )
        .body(json!({"companyId": company, "groupName": "Робот"}))
        .capture("group", |_, body| Some(body["groupId"].clone())),
        Row::new(
            "replaceEdinAgreementGroupMembers",
            M::PUT,
            format!("{groups}/$group/users"),
            &["/bdoc/agreement_group/users"],
        )
        .body(json!({"users": [{"userId": user}]})),
        Row::new(
            "updateEdinAgreementGroup",
            M::PUT,
            format!("{groups}/$group"),
            &["/bdoc/agreement_group"],
        )
        .body(json!({"groupName": "Робот (нова назва)"})),
        Row::new(
            "createEdinAgreementProcess",
            M::POST,
            procs.into(),
            &["/bdoc/agreement_proc"],
        )
        .body(json!({"name": "Робот", "companyId": company}))
        .capture("proc", |_, body| Some(body["agreementProcId"].clone())),
        Row::new(
            "updateEdinAgreementProcess",
            M::PUT,
            format!("{procs}/$proc"),
            &["/bdoc/agreement_proc"],
        )
        .body(json!({"name": "Робот (нова назва)", "companyId": company})),
        Row::new(
            "createEdinAgreementStep",
            M::POST,
            format!("{procs}/$proc/steps"),
            &["/bdoc/agreement_step"],
        )
        .body(json!({"taskType": "approval", "execType": "anyOfGroup",
                     "agreementGroups": [{"groupId": "$group"}]}))
        .capture("step", |_, body| {
            Some(body["agreementSteps"][0]["agreementStepId"].clone())
        }),
        Row::new(
            "updateEdinAgreementStep",
            M::PUT,
            format!("{procs}/$proc/steps/$step"),
            &["/bdoc/agreement_step"],
        )
        .body(json!({"taskType": "signing", "execType": "allOfGroup",
                     "agreementGroups": [{"groupId": "$group"}], "periodDays": 2})),
        Row::new(
            "attachEdinProcessDocumentType",
            M::PUT,
            format!("{procs}/$proc/document-types/$doctype?companyId={company}"),
            &["/bdoc/agreement_proc/document"],
        ),
        Row::new(
            "detachEdinProcessDocumentType",
            M::DELETE,
            format!("{procs}/$proc/document-types/$doctype?companyId={company}"),
            &["/bdoc/agreement_proc/document"],
        ),
        Row::new(
            "deleteEdinAgreementStep",
            M::DELETE,
            format!("{procs}/$proc/steps/$step"),
            &["/bdoc/agreement_step"],
        ),
        Row::new(
            "setEdinAgreementProcessStatus",
            M::PUT,
            format!("{procs}/$proc/status"),
            &["/bdoc/agreement_proc"],
        )
        .body(json!({"status": "blocked"})),
        // After the step that used it is gone.
        Row::new(
            "deleteEdinAgreementGroup",
            M::DELETE,
            format!("{groups}/$group"),
            &["/bdoc/agreement_group"],
        ),
        Row::new(
            "deleteEdinSession",
            M::DELETE,
            "/v1/edin/sessions/current".into(),
            &[],
        )
        .refused(
            403,
            "the gateway owns a managed client's EDIN session: a caller cannot end it",
        ),
    ]
}

/// `text` with every `$name` replaced by the captured value (numbers as digits).
fn fill_path(text: &str, captured: &BTreeMap<&str, Value>) -> String {
    let mut out = text.to_owned();
    for (name, value) in captured {
        let value = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        out = out.replace(&format!("${name}"), &value);
    }
    out
}

/// `body` with every string `"$name"` replaced by the captured value, as its JSON type.
fn fill_body(body: &Value, captured: &BTreeMap<&str, Value>) -> Value {
    match body {
        Value::String(s) => s
            .strip_prefix('$')
            .and_then(|name| captured.get(name))
            .cloned()
            .unwrap_or_else(|| body.clone()),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_body(v, captured)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), fill_body(v, captured)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether a concrete path (query left off) is an instance of an OpenAPI path template.
fn matches_template(path: &str, template: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let (p, t): (Vec<&str>, Vec<&str>) = (path.split('/').collect(), template.split('/').collect());
    p.len() == t.len()
        && p.iter().zip(&t).all(|(p, t)| {
            p == t
                || match (t.find('{'), t.find('}')) {
                    // A whole-segment placeholder, or one followed by a fixed suffix
                    // (`{boxId}` … `docflows:batchGet` is its own segment).
                    (Some(0), Some(end)) => p.ends_with(&t[end + 1..]) && !p.is_empty(),
                    _ => false,
                }
        })
}

/// Every operation whose `security` offers `apiKey`: operationId → (method, path template).
fn api_key_operations(doc: &Value) -> BTreeMap<String, (String, String)> {
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let takes_key = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("apiKey").is_some()));
            if let (true, Some(id)) = (takes_key, op["operationId"].as_str()) {
                ops.insert(id.to_owned(), (method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

fn is_edin(entry: &JournalEntry) -> bool {
    entry.path.starts_with("/bdoc/")
}

/// The EDIN login's own calls, which carry no session yet.
fn is_edin_login(entry: &JournalEntry) -> bool {
    entry.path == "/bdoc/auth_uuid" || entry.path == "/bdoc/auth"
}

const TOKEN_PATH: &str = "/connect/token";

#[tokio::test]
async fn a_managed_client_calls_every_route_with_its_key_alone() {
    let (app, _, _) = spawn_managed(
        Sandbox::builder()
            // Long requests finish at once: no "not ready" answers, no pause between polls;
            // the invitation task needs one more poll so that its route gets a task id.
            .protocol_polls(0)
            .template_polls(0)
            .message_polls(0)
            .print_form_polls(0)
            .zip_polls(0)
            .acquire_polls(1)
            .retry_after_secs(0),
        robot_entry,
        |c| c.poll_floor_ms = 0,
    )
    .await;
    let mut failures: Vec<String> = Vec::new();

    // Completeness: the table's keys are exactly the operations that take an API key.
    let doc: Value = app
        .get("/openapi.json", None)
        .await
        .json()
        .await
        .expect("the OpenAPI document");
    let operations = api_key_operations(&doc);
    assert!(!operations.is_empty(), "no operation offers apiKey");
    let rows = table(&app.sandbox);
    let mut keys = BTreeSet::new();
    for row in &rows {
        if !keys.insert(row.id) {
            failures.push(format!("{}: two rows", row.id));
        }
        match operations.get(row.id) {
            None => failures.push(format!(
                "{}: a row for an operation that does not offer apiKey (extra)",
                row.id
            )),
            Some((method, template)) => {
                if *method != row.method.as_str() || !matches_template(&row.path, template) {
                    failures.push(format!(
                        "{}: the row's {} {} is not the operation's {method} {template}",
                        row.id, row.method, row.path
                    ));
                }
            }
        }
    }
    for (id, (method, path)) in &operations {
        if !keys.contains(id.as_str()) {
            failures.push(format!("{id}: no row for {method} {path} (missing)"));
        }
    }

    // Every row, with the key alone.
    app.sandbox.clear_journal();
    let mut captured: BTreeMap<&str, Value> = BTreeMap::new();
    let mut journal: Vec<(&str, JournalEntry)> = Vec::new();
    for row in &rows {
        let path = fill_path(&row.path, &captured);
        if path.contains('$') {
            failures.push(format!(
                "{}: {path} needs a value no earlier row captured",
                row.id
            ));
            continue;
        }
        let mut request = app
            .client
            .request(row.method.clone(), app.url(&path))
            .header("x-api-key", ROBOT_KEY);
        for (name, value) in row.headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = &row.body {
            request = request.json(&fill_body(body, &captured));
        }
        let r = request.send().await.expect("request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        let calls = app.sandbox.journal();
        app.sandbox.clear_journal();
        let answer = || format!("{status} {}", text.chars().take(300).collect::<String>());
        match row.expect {
            Expect::Success => {
                if !status.is_success() {
                    failures.push(format!("{}: {} {path} → {}", row.id, row.method, answer()));
                }
                for upstream in row.upstream {
                    if !calls.iter().any(|c| c.path == *upstream) {
                        failures.push(format!("{}: no upstream call to {upstream}", row.id));
                    }
                }
            }
            Expect::Refused(expected, reason) => {
                if status.as_u16() != expected {
                    failures.push(format!(
                        "{}: expected {expected} ({reason}), got {}",
                        row.id,
                        answer()
                    ));
                }
                if !calls.is_empty() {
                    let paths: Vec<&str> = calls.iter().map(|c| c.path.as_str()).collect();
                    failures.push(format!("{}: refused, yet called {paths:?}", row.id));
                }
            }
        }
        if let Some((name, capture)) = row.capture {
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            match capture(&headers, &body).filter(|v| !v.is_null()) {
                Some(value) => {
                    captured.insert(name, value);
                }
                None => failures.push(format!("{}: nothing to capture as ${name}", row.id)),
            }
        }
        journal.extend(calls.into_iter().map(|c| (row.id, c)));
    }

    // Diadoc: one token request, no Authenticate, and every call with that one access token as
    // `Bearer` (no developer key); the token is one the sandbox issued and still honours.
    let token_requests = journal.iter().filter(|(_, c)| c.path == TOKEN_PATH).count();
    if token_requests != 1 {
        failures.push(format!(
            "{TOKEN_PATH} called {token_requests} times, not once"
        ));
    }
    let mut bearer: Option<String> = None;
    for (id, call) in journal
        .iter()
        .filter(|(_, c)| !is_edin(c) && c.path != TOKEN_PATH)
    {
        if call.path == "/V3/Authenticate" {
            failures.push(format!(
                "{id}: logged in with a password (/V3/Authenticate)"
            ));
            continue;
        }
        let auth = call.authorization.clone().unwrap_or_default();
        let Some(token) = auth.strip_prefix("Bearer ").filter(|t| !t.is_empty()) else {
            failures.push(format!(
                "{id}: {} carried `{auth}`, not a Bearer token",
                call.path
            ));
            continue;
        };
        if auth.contains(edi_sandbox::DEVELOPER_KEY) || auth.contains("DiadocAuth") {
            failures.push(format!("{id}: {} carried a developer key", call.path));
        }
        match &bearer {
            None => bearer = Some(token.to_owned()),
            Some(first) if first != token => {
                failures.push(format!("{id}: {} carried another token", call.path));
            }
            Some(_) => {}
        }
    }
    match &bearer {
        None => failures.push("no Diadoc call carried a token".to_owned()),
        Some(token) => {
            // Asked directly, the sandbox honours it: it is the token /connect/token issued (the
            // only other source of tokens, Authenticate, was never called).
            let direct = app
                .client
                .get(format!("{}/V2/GetMyUser", app.sandbox.base_url()))
                .bearer_auth(token)
                .send()
                .await
                .expect("direct call");
            if direct.status() != 200 {
                failures.push(format!(
                    "the Bearer token is not the sandbox's: {}",
                    direct.status()
                ));
            }
        }
    }

    // EDIN: one login for the whole run, as the client's e-mail, and every other call with the
    // SID cookie of that session (still open until the test ends it).
    let logins: Vec<&JournalEntry> = journal
        .iter()
        .map(|(_, c)| c)
        .filter(|c| c.path == "/bdoc/auth")
        .collect();
    if logins.len() != 1 {
        failures.push(format!(
            "/bdoc/auth called {} times, not once",
            logins.len()
        ));
    }
    let emails: Vec<Option<&str>> = journal
        .iter()
        .filter(|(_, c)| c.path == "/bdoc/auth_uuid")
        .map(|(_, c)| c.form_field("email"))
        .collect();
    if emails != [Some(edi_sandbox::EDIN_DEMO_EMAIL)] {
        failures.push(format!(
            "/bdoc/auth_uuid as {emails:?}, not once as the client's e-mail"
        ));
    }
    let mut sid: Option<String> = None;
    for (id, call) in journal
        .iter()
        .filter(|(_, c)| is_edin(c) && !is_edin_login(c))
    {
        let Some(cookie) = call.cookie("SID") else {
            failures.push(format!(
                "{id}: {} {} carried no SID cookie",
                call.method, call.path
            ));
            continue;
        };
        match &sid {
            None => sid = Some(cookie.to_owned()),
            Some(first) if first != cookie => {
                failures.push(format!("{id}: {} carried another SID", call.path));
            }
            Some(_) => {}
        }
        if call.authorization.is_some() {
            failures.push(format!(
                "{id}: {} carried an Authorization header",
                call.path
            ));
        }
    }
    match &sid {
        None => failures.push("no EDIN call carried a session".to_owned()),
        Some(sid) => {
            if !app.sandbox.expire_edin_session(sid) {
                failures.push("the SID sent is not a session the sandbox has open".to_owned());
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
