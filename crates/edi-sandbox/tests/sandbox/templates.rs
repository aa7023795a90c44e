//! PostTemplate: 204 + Retry-After while running, then the same template for every later call
//! with that operationId; MD5 of the body without one; 409/403/400.

use dap::events::{Template, TemplateDocumentAttachment, TemplateToPost, UnsignedContent};
use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::Sandbox;
use prost::Message;

use crate::helpers::{Upstream, decode, error, start_with};

const PATH: &str = "/PostTemplate";

fn template_to_post(up: &Upstream, from: &str, comment: &str) -> TemplateToPost {
    let partner = up.sb.seed().counteragents[0][0].organization.boxes[0]
        .box_id_guid
        .clone();
    TemplateToPost {
        from_box_id: from.to_owned(),
        to_box_id: partner.clone(),
        message_from_box_id: partner,
        message_to_box_id: from.to_owned(),
        document_attachments: vec![TemplateDocumentAttachment {
            unsigned_content: UnsignedContent {
                content: Some(b"<?xml version=\"1.0\"?><Template/>".to_vec().into()),
                name_on_shelf: None,
            },
            comment: Some(comment.to_owned()),
            type_named_id: "UniversalTransferDocument".to_owned(),
            function: Some("СЧФДОП".to_owned()),
            version: Some("utd970_05_03_01".to_owned()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn post(up: &Upstream, operation_id: &str, body: &TemplateToPost) -> reqwest::Response {
    up.post(PATH, &[("operationId", operation_id)], body.encode_to_vec())
        .await
}

#[tokio::test]
async fn a_running_operation_says_204_then_returns_one_template_for_good() {
    let up = start_with(Sandbox::builder().template_polls(2).retry_after_secs(0)).await;
    let body = template_to_post(&up, &up.first_box(), "first");
    for _ in 0..2 {
        let r = post(&up, "Op-1", &body).await;
        assert_eq!(r.status(), 204);
        assert_eq!(r.headers()["retry-after"], "0");
        assert!(r.bytes().await.expect("body").is_empty());
    }
    let first: Template = decode(post(&up, "Op-1", &body).await).await;
    assert_eq!(first.from_box_id, body.from_box_id);
    assert_eq!(first.entities.len(), 1);
    let entity = &first.entities[0];
    assert_eq!(
        entity.content.as_ref().and_then(|c| c.data.clone()),
        body.document_attachments[0].unsigned_content.content
    );
    // operationId is case-insensitive; the result is the first one, ids and all.
    let again: Template = decode(post(&up, "op-1", &body).await).await;
    assert_eq!(again, first);
    let ops: Vec<_> = up
        .sb
        .journal()
        .into_iter()
        .filter_map(|c| c.query_param("operationId").map(str::to_owned))
        .collect();
    assert_eq!(ops, ["Op-1", "Op-1", "Op-1", "op-1"]);
    // Another operation gets another template.
    let other: Template = {
        post(&up, "op-2", &body).await;
        post(&up, "op-2", &body).await;
        decode(post(&up, "op-2", &body).await).await
    };
    assert_ne!(other.message_id, first.message_id);
}

#[tokio::test]
async fn without_an_operation_id_the_body_names_the_operation() {
    let up = start_with(Sandbox::builder().template_polls(1)).await;
    let body = template_to_post(&up, &up.first_box(), "md5");
    // The SDK sends `operationId=` with an empty value when it has none.
    assert_eq!(post(&up, "", &body).await.status(), 204);
    let first: Template = decode(post(&up, "", &body).await).await;
    let r = up.post(PATH, &[], body.encode_to_vec()).await;
    assert_eq!(decode::<Template>(r).await, first);
    let changed = template_to_post(&up, &up.first_box(), "another body");
    assert_eq!(
        post(&up, "", &changed).await.status(),
        204,
        "a new operation"
    );
}

#[tokio::test]
async fn the_same_operation_id_with_another_body_is_a_409() {
    let up = start_with(Sandbox::builder().template_polls(0)).await;
    let body = template_to_post(&up, &up.first_box(), "a");
    let first: Template = decode(post(&up, "op", &body).await).await;
    let other = template_to_post(&up, &up.first_box(), "b");
    let r = post(&up, "OP", &other).await;
    assert_eq!(r.headers()["x-diadoc-errorcode"], "Http.Conflict");
    error(r, 409).await;
    assert_eq!(
        decode::<Template>(post(&up, "op", &body).await).await,
        first
    );
}

#[tokio::test]
async fn boxes_and_bodies_are_checked() {
    let up = start_with(Sandbox::builder().template_polls(0)).await;
    let seed = up.sb.seed();
    let disabled = template_to_post(&up, seed.templates_disabled_box_id_guid(), "x");
    assert!(
        error(post(&up, "a", &disabled).await, 403)
            .await
            .contains("Templates")
    );
    let foreign = template_to_post(&up, seed.other_box_id_guid(), "x");
    error(post(&up, "b", &foreign).await, 403).await;
    let mut unknown_to = template_to_post(&up, &up.first_box(), "x");
    unknown_to.to_box_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee".to_owned();
    error(post(&up, "c", &unknown_to).await, 400).await;
    let mut bad_from = template_to_post(&up, &up.first_box(), "x");
    bad_from.from_box_id = "nope".to_owned();
    error(post(&up, "d", &bad_from).await, 400).await;
    // TemplateToPost with only FromBoxId: ToBoxId (field 2, required) is missing.
    let text = error(up.post(PATH, &[], vec![0x0a, 0x01, b'x']).await, 400).await;
    assert!(text.contains("ToBoxId"), "{text}");
    let mut shelf = template_to_post(&up, &up.first_box(), "x");
    shelf.document_attachments[0].unsigned_content = UnsignedContent {
        content: None,
        name_on_shelf: Some("file".to_owned()),
    };
    error(post(&up, "e", &shelf).await, 400).await;
    // Refused calls start no operation: "a" can now be used with a valid body.
    let ok = template_to_post(&up, &up.first_box(), "x");
    let _: Template = decode(post(&up, "a", &ok).await).await;
}
