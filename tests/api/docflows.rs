//! POST /v1/diadoc/boxes/{boxId}/docflows:batchGet.

use prost::Message;
use serde_json::{Value, json};

use crate::helpers::{problem, problem_fields, sorted_fields, spawn_app};

async fn some_document_ids(
    app: &crate::helpers::TestApp,
    token: &str,
    box_id: &str,
    n: usize,
) -> Vec<(String, String)> {
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/documents?filterCategory=Any.Inbound&count={n}"),
            Some(token),
        )
        .await;
    let page: Value = r.json().await.expect("json");
    page["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| {
            (
                d["messageId"].as_str().expect("messageId").to_owned(),
                d["entityId"].as_str().expect("entityId").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn batch_get_returns_docflows_and_sends_the_documented_request() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let ids = some_document_ids(&app, &token, &box_id, 3).await;
    assert_eq!(ids.len(), 3);
    let requests: Vec<Value> = ids
        .iter()
        .map(|(m, e)| json!({"documentId": {"messageId": m, "entityId": e}, "injectEntityContent": true}))
        .collect();
    let r = app
        .post_json(
            &format!("/v1/diadoc/boxes/{box_id}/docflows:batchGet"),
            Some(&token),
            &json!({"requests": requests}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    let docs = body["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[0]["documentId"]["messageId"], ids[0].0.as_str());
    // The V5 shape (lifecycle.md §1.4): the docflow is told as titles.
    let title = &docs[0]["docflow"]["titles"][0];
    assert_eq!(title["titleIndex"], 0);
    assert!(title["authorSigning"]["title"]["attachment"]["entity"]["content"]["data"].is_string());
    assert!(docs[0]["docflow"].get("senderTitle").is_none());
    assert_eq!(
        docs[0]["documentInfo"]["participants"]["participants"][0]["role"],
        "Sender"
    );

    // lifecycle.md §1.2: V3 goes after 3 Apr 2027; the route calls V5 only.
    assert!(app.upstream_calls("/V3/GetDocflows").is_empty());
    let call = &app.upstream_calls("/V5/GetDocflows")[0];
    assert_eq!(call.query_param("boxId"), Some(box_id.as_str()));
    let sent =
        edi_proto::diadoc::api::proto::docflow::GetDocflowBatchRequest::decode(call.body.clone())
            .expect("protobuf body");
    assert_eq!(sent.requests.len(), 3);
    assert_eq!(sent.requests[1].document_id.message_id, ids[1].0);
    assert_eq!(sent.requests[1].inject_entity_content, Some(true));
}

#[tokio::test]
async fn more_than_100_requests_is_a_400_before_any_upstream_call() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    app.sandbox.clear_journal();
    let one = json!({"documentId": {"messageId": "997818e1-9420-4f8f-857f-c86fb070d0a7", "entityId": "997818e1-9420-4f8f-857f-c86fb070d0a7"}});
    let r = app
        .post_json(
            &format!("/v1/diadoc/boxes/{box_id}/docflows:batchGet"),
            Some(&token),
            &json!({"requests": vec![one; 101]}),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["requests"]);
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn every_missing_required_path_and_unknown_field_is_listed() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    app.sandbox.clear_journal();
    let r = app
        .post_json(
            &format!("/v1/diadoc/boxes/{box_id}/docflows:batchGet"),
            Some(&token),
            &json!({"requests": [{"documentId": {"entityId": "x"}}, {"lastEventId": "y"}], "bogus": 1}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let fields = sorted_fields(r).await;
    assert_eq!(
        fields,
        [
            "bogus",
            "requests[0].documentId.messageId",
            "requests[1].documentId"
        ]
    );
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let r = app
        .client
        .post(app.url(&format!("/v1/diadoc/boxes/{box_id}/docflows:batchGet")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"requests\": [")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 400);
    problem(r).await;
}
