//! The file routes (`download.rs`): an entity's content streamed, a print form (a long request
//! answered with the file), an archive (a long request on GenerateDocumentZip, then the shelf
//! download streamed).

use std::time::Duration;

use edi_gateway::{AppState, Config};
use edi_sandbox::Sandbox;
use reqwest::Method;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use crate::helpers::{TestApp, problem, run_paused_for, spawn_polling, spawn_with};

const ENTITY: &str = "/V4/GetEntityContent";
const PRINT: &str = "/GeneratePrintForm";
const ZIP: &str = "/GenerateDocumentZip";
const SHELF: &str = "/V2/ShelfDownload";
const UNKNOWN: &str = "00000000-0000-0000-0000-0000000000ff";

/// A gateway that does not pause between polls, against a sandbox with these file settings.
async fn spawn(polls: u32, retry_after: u64) -> TestApp {
    spawn_polling(
        Sandbox::builder()
            .print_form_polls(polls)
            .zip_polls(polls)
            .retry_after_secs(retry_after)
            .large_entity_bytes(3 * 1024 * 1024 + 17),
    )
    .await
}

fn entity_path(box_id: &str, message: &str, entity: &str) -> String {
    format!("/v1/diadoc/boxes/{box_id}/messages/{message}/entities/{entity}/content")
}

fn document_path(box_id: &str, message: &str, document: &str, what: &str) -> String {
    format!("/v1/diadoc/boxes/{box_id}/messages/{message}/documents/{document}/{what}")
}

async fn get(
    app: &TestApp,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    app.send(Method::GET, path, token, headers, None).await
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn assert_file_headers(r: &reqwest::Response) {
    assert_eq!(header(r, "cache-control"), "private, no-store");
    assert_eq!(header(r, "x-content-type-options"), "nosniff");
    assert!(header(r, "content-disposition").starts_with("attachment; filename=\""));
}

#[tokio::test]
async fn an_entity_is_its_bytes_with_the_upstreams_type_and_length() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let box_id = seed.first_box_id_guid();
    let d = seed.documents_in(box_id).next().expect("a document");
    let path = entity_path(box_id, &d.document.message_id, &d.document.entity_id);
    let r = get(&app, &path, &token, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    assert_eq!(header(&r, "content-length"), d.content.len().to_string());
    assert_eq!(
        header(&r, "content-disposition"),
        format!("attachment; filename=\"{}\"", d.document.entity_id)
    );
    assert_file_headers(&r);
    assert_eq!(r.bytes().await.expect("body"), d.content);

    let calls = app.upstream_calls(ENTITY);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].query_param("boxId"), Some(box_id));
    assert_eq!(
        calls[0].query_param("messageId"),
        Some(d.document.message_id.as_str())
    );
    assert_eq!(
        calls[0].query_param("entityId"),
        Some(d.document.entity_id.as_str())
    );
    assert!(
        calls[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.contains(&token))
    );
}

#[tokio::test]
async fn a_large_entity_comes_through_whole() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let large = app.sandbox.seed().large_entity().expect("large entity");
    let size = app.sandbox.large_entity_bytes();
    let path = entity_path(&large.box_id, &large.message_id, &large.entity_id);
    let r = get(&app, &path, &token, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-length"), size.to_string());
    let body = r.bytes().await.expect("body");
    let expected = edi_sandbox::generated(0, usize::try_from(size).expect("size"));
    assert!(body == expected, "{} bytes, as generated", body.len());
}

#[tokio::test]
async fn an_unknown_entity_is_404_and_a_bad_id_is_400_before_any_call() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let box_id = seed.first_box_id_guid();
    let (message, _) = &seed.document_ids()[0];
    let r = get(&app, &entity_path(box_id, message, UNKNOWN), &token, &[]).await;
    assert_eq!(r.status(), 404);
    let p = problem(r).await;
    assert_eq!(p["upstream"]["status"], 404);
    assert_eq!(app.upstream_calls(ENTITY).len(), 1);

    let r = get(
        &app,
        &entity_path(box_id, message, "not-a-guid"),
        &token,
        &[],
    )
    .await;
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(p["errors"][0]["field"], "entityId");
    assert_eq!(
        app.upstream_calls(ENTITY).len(),
        1,
        "nothing more went upstream"
    );

    let r = app.get(&entity_path(box_id, message, UNKNOWN), None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(app.upstream_calls(ENTITY).len(), 1);
}

/// An upstream on a raw socket: answers one request with `head`, then `first`, then waits for
/// the test's signal before `rest`. Returns its URL, the signal, and the request it read.
async fn raw_upstream(
    head: String,
    first: Vec<u8>,
    rest: Vec<u8>,
) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (go, wait) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        socket.write_all(head.as_bytes()).await.expect("head");
        socket.write_all(&first).await.expect("first");
        socket.flush().await.expect("flush");
        if wait.await.is_ok() {
            let _ = socket.write_all(&rest).await;
        }
        let _ = socket.flush().await;
        String::from_utf8_lossy(&request).into_owned()
    });
    (url, go, task)
}

/// A gateway in front of `upstream`.
async fn gateway_for(upstream: &str) -> String {
    let config = Config::for_upstream(upstream, Some(edi_sandbox::DEVELOPER_KEY));
    let state = AppState::build(config).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(edi_gateway::serve(listener, state, std::future::pending()));
    format!("http://{addr}")
}

#[tokio::test]
async fn the_first_bytes_reach_the_caller_before_the_upstream_sends_the_rest() {
    let first = vec![b'a'; 100_000];
    let rest = vec![b'b'; 150_000];
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Disposition: \
                attachment; filename=\"../x\\\".pdf\"\r\nX-Secret: upstream-only\r\n\
                Content-Length: 250000\r\n\r\n"
        .to_owned();
    let (upstream, go, request) = raw_upstream(head, first.clone(), rest.clone()).await;
    let base = gateway_for(&upstream).await;
    let message = "11111111-1111-1111-1111-111111111111";
    let entity = "22222222-2222-2222-2222-222222222222";
    let box_id = "33333333-3333-3333-3333-333333333333";
    let mut r = reqwest::Client::new()
        .get(format!("{base}{}", entity_path(box_id, message, entity)))
        .bearer_auth("token-1")
        .send()
        .await
        .expect("response");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-length"), "250000");
    assert_eq!(header(&r, "content-type"), "application/pdf");
    assert_eq!(
        header(&r, "content-disposition"),
        "attachment; filename=\"x_.pdf\"; filename*=UTF-8''x%22.pdf"
    );
    assert!(
        r.headers().get("x-secret").is_none(),
        "no other upstream header"
    );
    // Everything the upstream has sent so far arrives while it still holds the rest back.
    let mut received = Vec::new();
    while received.len() < first.len() {
        let chunk = r
            .chunk()
            .await
            .expect("chunk")
            .expect("more before the rest");
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received, first);
    go.send(()).expect("upstream waits");
    while let Some(chunk) = r.chunk().await.expect("chunk") {
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received.len(), 250_000);
    assert_eq!(&received[100_000..], &rest[..]);
    let request = request.await.expect("upstream");
    assert!(
        request.starts_with(&format!(
            "GET /V4/GetEntityContent?boxId={box_id}&messageId={message}&entityId={entity} "
        )),
        "{request}"
    );
}

#[tokio::test]
async fn a_print_form_larger_than_the_cap_is_a_502_naming_it() {
    // 32 MiB + 1 declared: refused before a byte of the body is read.
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 33554433\r\n\r\n"
            .to_owned();
    let (upstream, _go, _request) = raw_upstream(head, Vec::new(), Vec::new()).await;
    let base = gateway_for(&upstream).await;
    let id = "11111111-1111-1111-1111-111111111111";
    let r = reqwest::Client::new()
        .get(format!("{base}{}", document_path(id, id, id, "print-form")))
        .bearer_auth("token-1")
        .send()
        .await
        .expect("response");
    assert_eq!(r.status(), 502);
    let p = problem(r).await;
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("33554432 bytes")),
        "{p}"
    );
}

#[tokio::test]
async fn a_print_form_is_waited_for_and_answered_as_the_file() {
    let app = spawn(2, 0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let box_id = seed.first_box_id_guid();
    let d = seed.document_with_print_form().expect("document");
    let path = document_path(
        box_id,
        &d.document.message_id,
        &d.document.entity_id,
        "print-form",
    );
    let r = get(&app, &path, &token, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/pdf");
    assert_file_headers(&r);
    let disposition = header(&r, "content-disposition").to_owned();
    assert!(disposition.contains(".pdf"), "{disposition}");
    assert!(r.bytes().await.expect("pdf").starts_with(b"%PDF-"));
    let calls = app.upstream_calls(PRINT);
    assert_eq!(calls.len(), 3, "two 204s, then the file");
    assert!(calls.iter().all(|c| c.raw_query == calls[0].raw_query));
    assert_eq!(
        calls[0].query_param("documentId"),
        Some(d.document.entity_id.as_str())
    );
}

#[tokio::test]
async fn a_print_form_not_ready_with_wait_0_is_a_202_and_a_kind_without_one_is_409() {
    let app = spawn(1, 3).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let box_id = seed.first_box_id_guid();
    let d = seed.document_with_print_form().expect("document");
    let path = document_path(
        box_id,
        &d.document.message_id,
        &d.document.entity_id,
        "print-form",
    );
    let r = get(&app, &path, &token, &[("prefer", "wait=0")]).await;
    assert_eq!(r.status(), 202);
    assert_eq!(header(&r, "retry-after"), "3");
    assert_eq!(header(&r, "location"), path);
    assert_eq!(app.upstream_calls(PRINT).len(), 1);
    // The repeat finds it ready.
    let r = get(&app, &path, &token, &[("prefer", "wait=0")]).await;
    assert_eq!(r.status(), 200);

    let without = seed.document_without_print_form().expect("document");
    let path = document_path(
        box_id,
        &without.document.message_id,
        &without.document.entity_id,
        "print-form",
    );
    let r = get(&app, &path, &token, &[]).await;
    assert_eq!(r.status(), 409);
    let p = problem(r).await;
    assert_eq!(
        p["detail"],
        "Generating print form for this type of document is not supported"
    );
}

#[tokio::test]
async fn an_archive_is_generated_then_downloaded_from_the_shelf_as_a_zip() {
    let app = spawn(2, 0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let box_id = seed.first_box_id_guid();
    let d = seed.document_with_print_form().expect("document");
    let path = document_path(
        box_id,
        &d.document.message_id,
        &d.document.entity_id,
        "archive",
    );
    let r = get(&app, &path, &token, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/zip");
    assert_eq!(
        header(&r, "content-disposition"),
        format!(
            "attachment; filename=\"document-{}.zip\"",
            d.document.entity_id
        )
    );
    assert_file_headers(&r);
    let zip = r.bytes().await.expect("zip");
    assert_eq!(&zip[..4], b"PK\x03\x04");
    assert!(zip.windows(d.content.len()).any(|w| w == &d.content[..]));

    let generate = app.upstream_calls(ZIP);
    assert_eq!(generate.len(), 3, "two pending answers, then the name");
    assert!(
        generate
            .iter()
            .all(|c| c.query_param("fullDocflow") == Some("false"))
    );
    let shelf = app.upstream_calls(SHELF);
    assert_eq!(shelf.len(), 1);
    let name = shelf[0].query_param("fileName").expect("fileName");
    assert!(name.ends_with(".zip"), "{name}");
    assert!(
        app.upstream_calls("/ShelfDownload").is_empty(),
        "never the removed method"
    );

    let full = format!("{path}?fullDocflow=true");
    assert_eq!(get(&app, &full, &token, &[]).await.status(), 200);
    assert!(
        app.upstream_calls(ZIP)
            .iter()
            .any(|c| c.query_param("fullDocflow") == Some("true"))
    );
}

#[tokio::test]
async fn archive_parameters_are_checked_before_any_call() {
    let app = spawn(0, 0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let box_id = seed.first_box_id_guid();
    let (message, document) = &seed.document_ids()[0];
    let path = document_path(box_id, message, document, "archive");
    let r = get(&app, &format!("{path}?fullDocflow=yes"), &token, &[]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem(r).await["errors"][0]["field"], "fullDocflow");
    let r = get(
        &app,
        &document_path("nope", message, document, "archive"),
        &token,
        &[],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(app.upstream_calls(ZIP).is_empty());

    let r = get(
        &app,
        &document_path(box_id, message, UNKNOWN, "archive"),
        &token,
        &[],
    )
    .await;
    assert_eq!(r.status(), 404);
    assert!(app.upstream_calls(SHELF).is_empty());
}

#[tokio::test]
async fn an_archive_not_ready_with_wait_0_is_a_202_and_nothing_is_downloaded() {
    let app = spawn(1, 4).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let (message, document) = &seed.document_ids()[0];
    let path = document_path(seed.first_box_id_guid(), message, document, "archive");
    let r = get(&app, &path, &token, &[("prefer", "wait=0")]).await;
    assert_eq!(r.status(), 202);
    assert_eq!(header(&r, "retry-after"), "4");
    assert_eq!(header(&r, "preference-applied"), "wait=0");
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["status"], "pending");
    assert_eq!(app.upstream_calls(ZIP).len(), 1);
    assert!(app.upstream_calls(SHELF).is_empty());
}

#[tokio::test]
async fn archive_polls_follow_retry_after_on_the_paused_clock() {
    // Ready after three "not ready" answers 2 s apart, with the default poll floor.
    let app = spawn_with(Sandbox::builder().zip_polls(3).retry_after_secs(2), |_| {}).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let (message, document) = &seed.document_ids()[0];
    let path = document_path(seed.first_box_id_guid(), message, document, "archive");
    let (r, ()) = tokio::join!(
        get(&app, &path, &token, &[]),
        run_paused_for(Duration::from_secs(10))
    );
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/zip");
    assert_eq!(app.upstream_calls(ZIP).len(), 4);
    assert_eq!(app.upstream_calls(SHELF).len(), 1);
}

#[tokio::test]
async fn an_upstream_that_stalls_mid_body_cuts_the_callers_body_short() {
    let head = "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n".to_owned();
    let (upstream, _go, _request) = raw_upstream(head, vec![7; 1000], vec![7; 1000]).await;
    let base = gateway_for(&upstream).await;
    let id = "11111111-1111-1111-1111-111111111111";
    let mut r = reqwest::Client::new()
        .get(format!("{base}{}", entity_path(id, id, id)))
        .bearer_auth("token-1")
        .send()
        .await
        .expect("response");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    let mut received = 0;
    while received < 1000 {
        received += r
            .chunk()
            .await
            .expect("chunk")
            .expect("the first part")
            .len();
    }
    // The upstream holds the rest back for good: on the paused clock the gateway's stall
    // timeout (the request timeout, 30 s) passes at once, and the body ends short, as an error.
    tokio::time::pause();
    let started = tokio::time::Instant::now();
    let end = r.chunk().await;
    let waited = started.elapsed();
    tokio::time::resume();
    assert!(end.is_err(), "{end:?}");
    assert!(
        waited < Duration::from_secs(60),
        "the stall timeout, not the 15-minute bound: {waited:?}"
    );
}
