//! Messages: `GET …/messages/{messageId}` (GetMessage V6), `GET …/documents/{documentId}`
//! (GetDocument V3), `POST /v1/diadoc/boxes/{boxId}/messages` (PostMessage V3) and
//! `POST …/templates/{templateId}/transform` (TransformTemplateToMessage): success, documented
//! errors, what reached the upstream, idempotency and the long-request 202.

use edi_proto::diadoc::api::proto::events as ev;
use edi_sandbox::Sandbox;
use prost::Message as _;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, problem_fields, spawn_app, spawn_polling, spawn_with};

const POST_UPSTREAM: &str = "/V3/PostMessage";
const TRANSFORM_UPSTREAM: &str = "/TransformTemplateToMessage";

async fn spawn(polls: u32) -> TestApp {
    spawn_polling(Sandbox::builder().message_polls(polls).retry_after_secs(0)).await
}

fn first_box(app: &TestApp) -> String {
    app.sandbox.seed().first_box_id_guid().to_owned()
}

fn messages_path(box_id: &str) -> String {
    format!("/v1/diadoc/boxes/{box_id}/messages")
}

/// A document attachment with content and a signature.
fn attachment(comment: &str) -> Value {
    json!({
        "signedContent": {"content": "PERvYy8+", "signature": "c2lnbmF0dXJl"},
        "typeNamedId": "Nonformalized",
        "comment": comment,
        "needRecipientSignature": true,
        "metadata": [{"key": "FileName", "value": "contract.pdf"}]
    })
}

/// A message to `to` with one document and no `fromBoxId`.
fn message(to: &str, comment: &str) -> Value {
    json!({"toBoxId": to, "documentAttachments": [attachment(comment)]})
}

fn partner(app: &TestApp) -> String {
    app.sandbox.seed().counteragent_box_id_guid().to_owned()
}

async fn post(
    app: &TestApp,
    token: &str,
    box_id: &str,
    key: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    app.send(
        Method::POST,
        &messages_path(box_id),
        token,
        &headers,
        Some(body),
    )
    .await
}

fn posted_body(app: &TestApp) -> ev::MessageToPost {
    let calls = app.upstream_calls(POST_UPSTREAM);
    let call = calls.last().expect("a PostMessage call");
    ev::MessageToPost::decode(call.body.clone()).expect("MessageToPost")
}

#[tokio::test]
async fn a_seeded_message_reads_without_content_unless_asked() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let box_id = first_box(&app);
    let (message_id, entity_id) = app.sandbox.seed().document_ids()[0].clone();
    let path = format!("/v1/diadoc/boxes/{box_id}/messages/{message_id}");
    let r = app.get(&path, Some(&token)).await;
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.expect("json");
    assert_eq!(m["messageId"], message_id.as_str());
    assert_eq!(m["messageType"], "Letter");
    let entities = m["entities"].as_array().expect("entities");
    assert!(
        entities.len() >= 2,
        "the document and the sender's signature"
    );
    assert_eq!(entities[0]["entityId"], entity_id.as_str());
    assert!(entities.iter().all(|e| e["content"]["data"].is_null()));
    let calls = app.upstream_calls("/V6/GetMessage");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].query_param("boxId"), Some(box_id.as_str()));
    assert_eq!(calls[0].query_param("messageId"), Some(message_id.as_str()));
    assert_eq!(calls[0].query_param("injectEntityContent"), Some("false"));
    assert_eq!(calls[0].query_param("originalSignature"), None);

    let r = app
        .get(
            &format!("{path}?includeContent=true&originalSignature=true&entityId={entity_id}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.expect("json");
    assert!(m["entities"][0]["content"]["data"].is_string());
    let calls = app.upstream_calls("/V6/GetMessage");
    assert_eq!(calls[1].query_param("injectEntityContent"), Some("true"));
    // A flag with no value (api.md, "Query-string conventions").
    assert_eq!(calls[1].query_param("originalSignature"), Some(""));
    assert_eq!(calls[1].query_param("entityId"), Some(entity_id.as_str()));
}

#[tokio::test]
async fn message_errors_404_403_409_pass_through_and_bad_ids_are_400s() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let box_id = first_box(&app);
    let unknown = "00000000-1111-2222-3333-444444444444";
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/messages/{unknown}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(problem(r).await["upstream"]["status"], 404);
    let other = app.sandbox.seed().other_box_id_guid().to_owned();
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{other}/messages/{unknown}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["status"], 403);
    // lifecycle.md §1.4: 409 when the message type is not supported here.
    app.sandbox
        .fail_next(1, 409, "The message type is not supported");
    let (message_id, _) = app.sandbox.seed().document_ids()[0].clone();
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/messages/{message_id}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["upstream"]["status"], 409);
    let before = app.upstream_calls("/V6/GetMessage").len();
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/messages/x?includeContent=yes"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 400);
    let mut fields = problem_fields(&problem(r).await);
    fields.sort();
    assert_eq!(fields, ["includeContent", "messageId"]);
    assert_eq!(app.upstream_calls("/V6/GetMessage").len(), before);
}

#[tokio::test]
async fn a_document_reads_without_content_by_default_unlike_diadoc() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let box_id = first_box(&app);
    let (message_id, entity_id) = app.sandbox.seed().document_ids()[1].clone();
    let path = format!("/v1/diadoc/boxes/{box_id}/messages/{message_id}/documents/{entity_id}");
    let r = app.get(&path, Some(&token)).await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.expect("json");
    assert_eq!(d["entityId"], entity_id.as_str());
    assert!(d["content"]["data"].is_null());
    assert!(d["content"]["size"].as_i64().is_some_and(|s| s > 0));
    let r = app
        .get(&format!("{path}?includeContent=true"), Some(&token))
        .await;
    let d: Value = r.json().await.expect("json");
    assert!(d["content"]["data"].is_string());
    let calls = app.upstream_calls("/V3/GetDocument");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].query_param("entityId"), Some(entity_id.as_str()));
    assert_eq!(calls[0].query_param("documentId"), None);
    // Diadoc's default is true: the gateway always says false unless asked.
    assert_eq!(calls[0].query_param("injectEntityContent"), Some("false"));
    assert_eq!(calls[1].query_param("injectEntityContent"), Some("true"));
    // An unknown message, and another message's document: 404.
    let r = app
        .get(
            &format!(
                "/v1/diadoc/boxes/{box_id}/messages/00000000-1111-2222-3333-444444444444/documents/{entity_id}"
            ),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(problem(r).await["upstream"]["status"], 404);
    let (other_message, _) = app.sandbox.seed().document_ids()[2].clone();
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/messages/{other_message}/documents/{entity_id}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(problem(r).await["upstream"]["status"], 404);
}

#[tokio::test]
async fn a_message_is_sent_from_the_path_s_box_and_reads_back() {
    let app = spawn(1).await;
    let token = app.demo_token().await;
    let box_id = first_box(&app);
    let r = post(
        &app,
        &token,
        &box_id,
        Some("msg-1"),
        &message(&partner(&app), "hello"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let m: Value = r.json().await.expect("json");
    assert_eq!(m["fromBoxId"], box_id.as_str());
    assert_eq!(m["toBoxId"], partner(&app).as_str());
    let message_id = m["messageId"].as_str().expect("messageId").to_owned();
    // What reached Diadoc: FromBoxId filled from the path, the key as operationId, and no boxId
    // query (PostMessage has none); one 204, then the message.
    let calls = app.upstream_calls(POST_UPSTREAM);
    assert_eq!(calls.len(), 2);
    for c in &calls {
        assert_eq!(c.query, [("operationId".to_owned(), "msg-1".to_owned())]);
        assert_eq!(c.body, calls[0].body);
    }
    let sent = posted_body(&app);
    assert_eq!(sent.from_box_id, box_id);
    assert_eq!(sent.to_box_id.as_deref(), Some(partner(&app).as_str()));
    assert_eq!(sent.document_attachments.len(), 1);
    // The message is in the box now, and a feed can see it was posted.
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/messages/{message_id}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let read: Value = r.json().await.expect("json");
    assert_eq!(read["messageId"], message_id.as_str());
    let document_id = read["entities"][0]["entityId"].as_str().expect("entityId");
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/messages/{message_id}/documents/{document_id}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.expect("json");
    assert_eq!(d["documentDirection"], "Outbound");
    let posted = app.sandbox.posted_messages();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].0, message_id);
}

#[tokio::test]
async fn a_message_to_another_seeded_box_is_inbound_there() {
    let app = spawn(0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let (from, to) = (
        seed.boxes[0].box_id_guid.clone(),
        seed.boxes[2].box_id_guid.clone(),
    );
    let r = post(&app, &token, &from, None, &message(&to, "to a sister box")).await;
    assert_eq!(r.status(), 201);
    let m: Value = r.json().await.expect("json");
    let message_id = m["messageId"].as_str().expect("id");
    let document_id = m["entities"][0]["entityId"].as_str().expect("entityId");
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{to}/messages/{message_id}/documents/{document_id}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.expect("json");
    assert_eq!(d["documentDirection"], "Inbound");
    assert_eq!(d["counteragentBoxId"], from.as_str());
}

#[tokio::test]
async fn from_box_id_may_be_given_in_either_form_but_must_be_the_path_s_box() {
    let app = spawn(0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let box_id = first_box(&app);
    let mut body = message(&partner(&app), "same box, other form");
    body["fromBoxId"] = json!(seed.boxes[0].box_id.to_uppercase());
    assert_eq!(post(&app, &token, &box_id, None, &body).await.status(), 201);
    assert_eq!(
        posted_body(&app).from_box_id,
        seed.boxes[0].box_id.to_uppercase(),
        "kept as the caller wrote it"
    );
    let before = app.upstream_calls(POST_UPSTREAM).len();
    body["fromBoxId"] = json!(seed.boxes[2].box_id_guid);
    let r = post(&app, &token, &box_id, None, &body).await;
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(problem_fields(&p), ["fromBoxId"]);
    assert_eq!(app.upstream_calls(POST_UPSTREAM).len(), before);
}

#[tokio::test]
async fn forty_one_documents_are_a_400_before_any_upstream_call() {
    let app = spawn(0).await;
    let token = app.demo_token().await;
    let box_id = first_box(&app);
    // 11 + 30 = 41 documents over two fields: the cap counts every document field, and names
    // the one where the count passes it.
    let nonformalized = json!({
        "signedContent": {"content": "PERvYy8+"},
        "fileName": "a.pdf"
    });
    let body = json!({
        "toBoxId": partner(&app),
        "documentAttachments": vec![attachment("x"); 30],
        "nonformalizedDocuments": vec![nonformalized; 11],
    });
    let r = post(&app, &token, &box_id, Some("too-many"), &body).await;
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(problem_fields(&p), ["documentAttachments"]);
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("at most 40")
                && d.contains("`nonformalizedDocuments`")
                && d.contains("got 41")),
        "{p}"
    );
    let body = json!({
        "toBoxId": partner(&app),
        "documentAttachments": vec![attachment("x"); 41],
    });
    let r = post(&app, &token, &box_id, None, &body).await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["documentAttachments"]);
    assert!(
        app.sandbox
            .journal()
            .iter()
            .all(|c| c.path != POST_UPSTREAM)
    );
    // Forty is fine.
    let body = json!({
        "toBoxId": partner(&app),
        "documentAttachments": vec![attachment("x"); 40],
    });
    assert_eq!(post(&app, &token, &box_id, None, &body).await.status(), 201);
}

#[tokio::test]
async fn the_same_key_is_the_same_message_and_another_body_a_409() {
    let app = spawn(1).await;
    let token = app.demo_token().await;
    let box_id = first_box(&app);
    let body = message(&partner(&app), "once");
    let first: Value = post(&app, &token, &box_id, Some("once-1"), &body)
        .await
        .json()
        .await
        .expect("json");
    let again = post(&app, &token, &box_id, Some("once-1"), &body).await;
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["messageId"], first["messageId"]);
    assert_eq!(app.sandbox.posted_messages().len(), 1, "one message");
    let r = post(
        &app,
        &token,
        &box_id,
        Some("once-1"),
        &message(&partner(&app), "twice"),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["upstream"]["status"], 409);
    assert_eq!(app.sandbox.posted_messages().len(), 1);
    // Another user's box: Diadoc's 403, with FromBoxId filled from that path.
    let other = app.sandbox.seed().other_box_id_guid().to_owned();
    let r = post(&app, &token, &other, None, &message(&partner(&app), "x")).await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["status"], 403);
    assert_eq!(posted_body(&app).from_box_id, other);
    assert_eq!(app.sandbox.posted_messages().len(), 1);
}

#[tokio::test]
async fn a_spent_budget_is_a_202_and_the_repeat_gets_the_message() {
    let app = spawn_with(
        Sandbox::builder().message_polls(1).retry_after_secs(5),
        |_| {},
    )
    .await;
    let token = app.demo_token().await;
    let box_id = first_box(&app);
    let body = message(&partner(&app), "slow");
    let path = messages_path(&box_id);
    let r = app
        .send(
            Method::POST,
            &path,
            &token,
            &[("idempotency-key", "slow-1"), ("prefer", "wait=0")],
            Some(&body),
        )
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["location"], path.as_str());
    let pending: Value = r.json().await.expect("json");
    assert_eq!(
        pending,
        json!({"status": "pending", "retryAfter": 5, "idempotencyKey": "slow-1"})
    );
    assert!(app.sandbox.posted_messages().is_empty(), "not done yet");
    let done = post(&app, &token, &box_id, Some("slow-1"), &body).await;
    assert_eq!(done.status(), 201);
    let done: Value = done.json().await.expect("json");
    assert_eq!(
        app.sandbox.posted_messages()[0].0,
        done["messageId"].as_str().expect("id")
    );
    assert_eq!(app.upstream_calls(POST_UPSTREAM).len(), 2);
}

fn transform_path(box_id: &str, template_id: &str) -> String {
    format!("/v1/diadoc/boxes/{box_id}/templates/{template_id}/transform")
}

#[tokio::test]
async fn a_template_becomes_a_message_with_the_ids_from_the_path() {
    let app = spawn(1).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let (box_id, template_id) = (first_box(&app), seed.template_id());
    let body = json!({"documentTransformations": [
        {"documentId": seed.template_document_id(), "customDocumentId": "my-1"}
    ]});
    let path = transform_path(&box_id, &template_id);
    let r = app
        .send(
            Method::POST,
            &path,
            &token,
            &[("idempotency-key", "tr-1")],
            Some(&body),
        )
        .await;
    assert_eq!(r.status(), 201);
    let m: Value = r.json().await.expect("json");
    assert_eq!(m["fromBoxId"], box_id.as_str());
    assert!(m["templateToLetterTransformationInfo"].is_object());
    let calls = app.upstream_calls(TRANSFORM_UPSTREAM);
    assert_eq!(calls.len(), 2, "one 204, then the message");
    assert_eq!(calls[1].query_param("operationId"), Some("tr-1"));
    let sent = ev::TemplateTransformationToPost::decode(calls[1].body.clone()).expect("decodes");
    assert_eq!(sent.box_id, box_id);
    assert_eq!(sent.template_id, template_id);
    assert_eq!(
        sent.document_transformations[0]
            .custom_document_id
            .as_deref(),
        Some("my-1")
    );
    // The same key again: the same message.
    let again: Value = app
        .send(
            Method::POST,
            &path,
            &token,
            &[("idempotency-key", "tr-1")],
            Some(&body),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["messageId"], m["messageId"]);
    // Reads back in the box.
    let r = app
        .get(
            &format!(
                "/v1/diadoc/boxes/{box_id}/messages/{}",
                m["messageId"].as_str().expect("id")
            ),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn transform_errors_name_the_field_or_pass_through() {
    let app = spawn(0).await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let (box_id, template_id) = (first_box(&app), seed.template_id());
    let doc = seed.template_document_id();
    let body = |extra: Value| {
        let mut b = json!({"documentTransformations": [{"documentId": doc}]});
        if let (Some(b), Some(extra)) = (b.as_object_mut(), extra.as_object()) {
            b.extend(extra.clone());
        }
        b
    };
    // The ids in the body, when given, must be the path's.
    let r = app
        .post_json(
            &transform_path(&box_id, &template_id),
            Some(&token),
            &body(json!({"templateId": "00000000-1111-2222-3333-444444444444"})),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["templateId"]);
    let r = app
        .post_json(
            &transform_path(&box_id, &template_id),
            Some(&token),
            &body(json!({"templateId": template_id.to_uppercase(), "boxId": box_id})),
        )
        .await;
    assert_eq!(r.status(), 201, "the same ids are fine");
    assert_eq!(app.upstream_calls(TRANSFORM_UPSTREAM).len(), 1);
    // An unknown template: 404.
    let r = app
        .post_json(
            &transform_path(&box_id, "00000000-1111-2222-3333-444444444444"),
            Some(&token),
            &body(json!({})),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(problem(r).await["upstream"]["status"], 404);
    // Another user's box: 403.
    let other = seed.other_box_id_guid().to_owned();
    let r = app
        .post_json(
            &transform_path(&other, &template_id),
            Some(&token),
            &body(json!({})),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["status"], 403);
}

#[tokio::test]
async fn a_posted_message_appears_in_the_box_s_event_feed_once() {
    let app = spawn(1).await;
    let token = app.demo_token().await;
    let box_id = first_box(&app);
    let events = format!("/v1/diadoc/boxes/{box_id}/events?limit=100");
    let before = app.sandbox.event_count(&box_id).expect("a seeded box");
    let r = post(
        &app,
        &token,
        &box_id,
        Some("feed-1"),
        &message(&partner(&app), "to the feed"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let m: Value = r.json().await.expect("json");
    let message_id = m["messageId"].as_str().expect("messageId").to_owned();
    // The repeat of the same operation is the same message: no second event.
    let r = post(
        &app,
        &token,
        &box_id,
        Some("feed-1"),
        &message(&partner(&app), "to the feed"),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.sandbox.event_count(&box_id), Some(before + 1));
    // Through the gateway: the last event of the feed carries the posted message.
    let mut last = None;
    let mut query = events.clone();
    loop {
        let page: Value = app
            .get(&query, Some(&token))
            .await
            .json()
            .await
            .expect("json");
        if let Some(e) = page["events"].as_array().and_then(|a| a.last()) {
            last = Some(e.clone());
        }
        match page["nextAfter"].as_str() {
            Some(next) => query = format!("{events}&after={next}"),
            None => break,
        }
    }
    let last = last.expect("events");
    assert_eq!(last["message"]["messageId"], message_id.as_str());
}
