//! EDIN bdoc, spoken to as the upstream would be (reference/edin/api.md): the helpers every
//! EDIN test shares (multipart login, `SID` cookie calls, the JSON reply shape), and one module
//! per capability: `session` (login, SID, expiry, logout), `procs` (A3, A4, A5), `steps` (A1,
//! A2), `groups` (A8–A12), `documents` (`document_types`, A6, A7), `service` (404/405, faults,
//! held replies, junk input).

mod documents;
mod groups;
mod procs;
mod service;
mod session;
mod steps;

use edi_sandbox::EDIN_DEMO_EMAIL;
use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::Value;

use crate::helpers::{Upstream, content_type};

const PROCS: &str = "/bdoc/agreement_procs";
const PROC: &str = "/bdoc/agreement_proc";
const STEP: &str = "/bdoc/agreement_step";
const GROUPS: &str = "/bdoc/agreement_groups";
const GROUP: &str = "/bdoc/agreement_group";
const GROUP_USERS: &str = "/bdoc/agreement_group/users";
const PROC_DOC: &str = "/bdoc/agreement_proc/document";
const DOC_TYPES: &str = "/bdoc/document_types";

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

/// A 200 with no body (A4, A12, logout): no Content-Type, nothing to read.
async fn assert_empty_200(r: reqwest::Response) {
    assert_eq!(r.status(), 200);
    assert!(!r.headers().contains_key("content-type"));
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    assert_eq!(r.bytes().await.expect("body").len(), 0);
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
