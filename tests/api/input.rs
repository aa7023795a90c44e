//! What the caller sends, bounded and checked before anything reaches the upstream (issue 13):
//! per-route body limits (413 naming the limit, declared or counted), item caps and the value
//! budget checked before the body is built, strict query and path decoding (`%ff`), impossible
//! dates, and bodies where none is taken.

use base64::Engine as _;
use bytes::Bytes;
use edi_sandbox::Sandbox;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, problem_fields, spawn_app, spawn_polling};

/// A login body of `n` bytes (a long password).
fn login_of(n: usize) -> Vec<u8> {
    let mut body = br#"{"login": "demo", "password": ""#.to_vec();
    body.resize(n - 2, b'x');
    body.extend_from_slice(br#""}"#);
    body
}

async fn post_raw(app: &TestApp, path: &str, body: reqwest::Body) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_small_json_route_refuses_a_body_over_64_kib_naming_the_limit() {
    let app = spawn_app().await;
    app.sandbox.clear_journal();
    let r = post_raw(&app, "/v1/diadoc/sessions", login_of(64 * 1024 + 1).into()).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let p = problem(r).await;
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("65536")),
        "{p}"
    );
    assert!(app.sandbox.journal().is_empty());
    // At the limit: read, and refused by the upstream for the password, not by the gateway.
    let r = post_raw(&app, "/v1/diadoc/sessions", login_of(64 * 1024).into()).await;
    assert_ne!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// A chunked body (no `Content-Length`) is counted as it arrives.
#[tokio::test]
async fn a_chunked_body_past_the_route_limit_is_a_413() {
    let app = spawn_app().await;
    app.sandbox.clear_journal();
    let chunks: Vec<Result<Bytes, std::io::Error>> = login_of(200 * 1024)
        .chunks(8 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let r = post_raw(&app, "/v1/diadoc/sessions", body).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let p = problem(r).await;
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("65536")),
        "{p}"
    );
    assert!(app.sandbox.journal().is_empty());
}

/// A message carries documents: its limit is the documents' one (32 MiB), so a 1 MiB document
/// goes through while a login of the same size does not.
#[tokio::test]
async fn a_message_with_a_one_mib_document_is_sent() {
    let app = spawn_polling(Sandbox::builder().message_polls(0).retry_after_secs(0)).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let to = app.sandbox.seed().counteragent_box_id_guid().to_owned();
    let content = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 1024 * 1024]);
    let body = json!({
        "toBoxId": to,
        "documentAttachments": [{
            "signedContent": {"content": content, "signature": "c2lnbmF0dXJl"},
            "typeNamedId": "Nonformalized",
            "metadata": [{"key": "FileName", "value": "a.pdf"}]
        }],
    });
    let r = app
        .send(
            Method::POST,
            &format!("/v1/diadoc/boxes/{box_id}/messages"),
            &token,
            &[],
            Some(&body),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let calls = app.upstream_calls("/V3/PostMessage");
    assert!(calls.last().is_some_and(|c| c.body_len > 1024 * 1024));
}

/// The item cap is counted before the body is built: 10,000 docflow requests (cap 100) are
/// refused with the exact count, and nothing goes upstream.
#[tokio::test]
async fn ten_thousand_items_over_a_cap_of_100_are_a_400_with_the_count() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    app.sandbox.clear_journal();
    let body = format!(r#"{{"requests": [{}{{}}]}}"#, "{},".repeat(9_999));
    let r = post_raw_with(
        &app,
        &token,
        &format!("/v1/diadoc/boxes/{box_id}/docflows:batchGet"),
        body,
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p = problem(r).await;
    assert_eq!(problem_fields(&p), ["requests"]);
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("got 10000")),
        "{p}"
    );
    assert!(app.sandbox.journal().is_empty());
}

/// A body of many tiny values (which a JSON tree stores at ~20× its size) is refused before
/// the tree is built.
#[tokio::test]
async fn a_body_of_more_than_100000_values_is_a_400_before_it_is_built() {
    let app = spawn_polling(Sandbox::builder().message_polls(0).retry_after_secs(0)).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    app.sandbox.clear_journal();
    let body = format!(
        r#"{{"toBoxId": "x", "documentAttachments": [{{"metadata": [{}0]}}]}}"#,
        "0,".repeat(150_000)
    );
    let r = post_raw_with(
        &app,
        &token,
        &format!("/v1/diadoc/boxes/{box_id}/messages"),
        body,
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p = problem(r).await;
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("100000 JSON values")),
        "{p}"
    );
    assert!(app.sandbox.journal().is_empty());
}

async fn post_raw_with(app: &TestApp, token: &str, path: &str, body: String) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_body_without_content_type_is_a_415_before_it_is_read() {
    let app = spawn_app().await;
    app.sandbox.clear_journal();
    let r = app
        .client
        .post(app.url("/v1/diadoc/sessions"))
        .body(r#"{"login": "demo", "password": "x"}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let p = problem(r).await;
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("application/json")),
        "{p}"
    );
    assert!(app.sandbox.journal().is_empty());
}

/// A route that takes no body ignores one: never read, never sent upstream.
#[tokio::test]
async fn a_body_on_a_get_is_ignored_and_not_sent_upstream() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    app.sandbox.clear_journal();
    let r = app
        .client
        .get(app.url("/v1/diadoc/organizations"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 256 * 1024])
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let calls = app.upstream_calls("/GetMyOrganizations");
    assert_eq!(calls.len(), 1);
    assert!(calls[0].body.is_empty());
}

/// `%ff` decodes to a byte that is not UTF-8: 400 naming the parameter, nothing sent upstream
/// (it used to be decoded lossily to U+FFFD and sent on).
#[tokio::test]
async fn a_query_or_path_that_is_not_utf8_is_a_400_naming_it() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    app.sandbox.clear_journal();
    let r = app
        .get(
            &format!(
                "/v1/diadoc/boxes/{box_id}/documents?filterCategory=Any.Inbound&documentNumber=%ff"
            ),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p = problem(r).await;
    assert_eq!(problem_fields(&p), ["documentNumber"]);
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("UTF-8")),
        "{p}"
    );
    let r = app
        .get(
            "/v1/diadoc/boxes/%ff/documents?filterCategory=Any.Inbound",
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p = problem(r).await;
    assert_eq!(problem_fields(&p), ["boxId"]);
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("UTF-8")),
        "{p}"
    );
    assert!(
        app.sandbox.journal().is_empty(),
        "{:?}",
        app.sandbox.journal()
    );
}

/// README: dates are validated. February 30th is a 400 naming the parameter, and the upstream's
/// journal stays empty.
#[tokio::test]
async fn from_document_date_2024_02_30_is_a_400_and_nothing_reaches_the_upstream() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    app.sandbox.clear_journal();
    let r = app
        .get(
            &format!(
                "/v1/diadoc/boxes/{box_id}/documents?filterCategory=Any.Inbound&fromDocumentDate=2024-02-30"
            ),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p: Value = problem(r).await;
    assert_eq!(problem_fields(&p), ["fromDocumentDate"]);
    assert!(app.sandbox.journal().is_empty());
}

/// One body or query can hold thousands of mistakes: the problem lists at most 100, then says how
/// many more (99,990 empty metadata objects cost ~200,000 problems and 85 MB before).
#[tokio::test]
async fn at_most_100_problems_are_listed_then_how_many_more() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    app.sandbox.clear_journal();
    let body = format!(
        r#"{{"toBoxId": "x", "documentAttachments": [{{"metadata": [{}{{}}]}}]}}"#,
        "{},".repeat(5_000)
    );
    let r = post_raw_with(
        &app,
        &token,
        &format!("/v1/diadoc/boxes/{box_id}/messages"),
        body,
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p = problem(r).await;
    let errors = p["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 101, "{}", errors.len());
    assert!(
        errors[100]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("more problems")),
        "{}",
        errors[100]
    );
    let query = (0..300)
        .map(|i| format!("x{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/documents?filterCategory=Any.Inbound&{query}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p = problem(r).await;
    let errors = p["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 101);
    assert!(
        errors[100]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("200 more")),
        "{}",
        errors[100]
    );
    assert!(app.sandbox.journal().is_empty());
}
