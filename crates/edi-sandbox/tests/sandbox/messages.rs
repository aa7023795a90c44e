//! GetMyUser V2, GetOrganization, GetBox, GetMessage V6, GetDocument V3, PostMessage V3 and
//! TransformTemplateToMessage, spoken to as Diadoc would be.

use dap::events::{
    DocumentAttachment, DocumentTransformation, Message as DiadocMessage, MessageToPost,
    NonformalizedAttachment, SignedContent, TemplateTransformationToPost,
};
use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::Sandbox;
use prost::Message;

use crate::helpers::{Upstream, decode, error, start, start_with};

fn attachment() -> DocumentAttachment {
    DocumentAttachment {
        signed_content: SignedContent {
            content: Some(b"%PDF-1.4".to_vec().into()),
            ..Default::default()
        },
        type_named_id: "Nonformalized".to_owned(),
        ..Default::default()
    }
}

fn message_to_post(up: &Upstream, documents: usize) -> MessageToPost {
    MessageToPost {
        from_box_id: up.first_box(),
        to_box_id: Some(up.sb.seed().counteragent_box_id_guid().to_owned()),
        document_attachments: vec![attachment(); documents],
        ..Default::default()
    }
}

#[tokio::test]
async fn my_user_and_the_directory() {
    let up = start().await;
    let me: dap::UserV2 = decode(up.get("/V2/GetMyUser", &[]).await).await;
    assert_eq!(me.login.as_deref(), Some("demo"));
    assert!(me.is_registered);
    let seed = up.sb.seed();
    let org: dap::Organization = decode(
        up.get("/GetOrganization", &[("orgId", seed.first_org_id())])
            .await,
    )
    .await;
    assert_eq!(org.org_id, seed.first_org_id());
    let by_inn: dap::Organization =
        decode(up.get("/GetOrganization", &[("inn", &org.inn)]).await).await;
    assert_eq!(by_inn.org_id, org.org_id);
    // GetBox and GetOrganization need only the developer key.
    let key_only = format!("DiadocAuth ddauth_api_client_id={}", up.sb.developer_key());
    let b: dap::Box = decode(
        up.get_as("/GetBox", &[("boxId", &up.first_box())], Some(&key_only))
            .await,
    )
    .await;
    assert_eq!(
        b.organization.map(|o| o.org_id).as_deref(),
        Some(seed.first_org_id())
    );
    error(up.get("/GetOrganization", &[]).await, 400).await;
    error(
        up.get(
            "/GetOrganization",
            &[("orgId", seed.first_org_id()), ("inn", &org.inn)],
        )
        .await,
        400,
    )
    .await;
    error(
        up.get(
            "/GetBox",
            &[("boxId", "00000000-1111-2222-3333-444444444444")],
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn get_message_and_get_document_read_the_seed() {
    let up = start().await;
    let (message_id, entity_id) = up.sb.seed().document_ids()[0].clone();
    let box_id = up.first_box();
    let m: DiadocMessage = decode(
        up.get(
            "/V6/GetMessage",
            &[("boxId", &box_id), ("messageId", &message_id)],
        )
        .await,
    )
    .await;
    assert_eq!(m.message_id, message_id);
    assert!(
        m.entities
            .iter()
            .all(|e| e.content.as_ref().is_some_and(|c| c.data.is_none()))
    );
    // GetDocument's injectEntityContent defaults to true (api.md).
    let d: dap::documents::Document = decode(
        up.get(
            "/V3/GetDocument",
            &[
                ("boxId", &box_id),
                ("messageId", &message_id),
                ("entityId", &entity_id),
            ],
        )
        .await,
    )
    .await;
    assert!(d.content.and_then(|c| c.data).is_some());
    error(
        up.get(
            "/V6/GetMessage",
            &[
                ("boxId", &box_id),
                ("messageId", "00000000-1111-2222-3333-444444444444"),
            ],
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn post_message_follows_operation_id_and_counts_every_document_field() {
    let up = start_with(Sandbox::builder().message_polls(1).retry_after_secs(0)).await;
    let body = message_to_post(&up, 2);
    let r = up
        .post(
            "/V3/PostMessage",
            &[("operationId", "M-1")],
            body.encode_to_vec(),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["retry-after"], "0");
    let first: DiadocMessage = decode(
        up.post(
            "/V3/PostMessage",
            &[("operationId", "m-1")],
            body.encode_to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(first.entities.len(), 2);
    let again: DiadocMessage = decode(
        up.post(
            "/V3/PostMessage",
            &[("operationId", "M-1")],
            body.encode_to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(again, first);
    error(
        up.post(
            "/V3/PostMessage",
            &[("operationId", "M-1")],
            message_to_post(&up, 3).encode_to_vec(),
        )
        .await,
        409,
    )
    .await;
    // 40 + 1 over two fields: more documents than allowed.
    let mut too_many = message_to_post(&up, 40);
    too_many.nonformalized_documents = vec![NonformalizedAttachment {
        signed_content: attachment().signed_content,
        file_name: "a.pdf".to_owned(),
        ..Default::default()
    }];
    let text = error(
        up.post("/V3/PostMessage", &[], too_many.encode_to_vec())
            .await,
        400,
    )
    .await;
    assert!(text.contains("41"), "{text}");
    let mut foreign = message_to_post(&up, 1);
    foreign.from_box_id = up.sb.seed().other_box_id_guid().to_owned();
    error(
        up.post("/V3/PostMessage", &[], foreign.encode_to_vec())
            .await,
        403,
    )
    .await;
    assert_eq!(up.sb.posted_messages().len(), 1);
}

#[tokio::test]
async fn the_seeded_template_becomes_a_message() {
    let up = start_with(Sandbox::builder().message_polls(0)).await;
    let seed = up.sb.seed();
    let body = TemplateTransformationToPost {
        box_id: up.first_box(),
        template_id: seed.template_id(),
        document_transformations: vec![DocumentTransformation {
            document_id: seed.template_document_id(),
            custom_document_id: Some("c-1".to_owned()),
        }],
    };
    let m: DiadocMessage = decode(
        up.post("/TransformTemplateToMessage", &[], body.encode_to_vec())
            .await,
    )
    .await;
    assert_eq!(m.from_box_id, up.first_box());
    assert_eq!(m.entities.len(), 1);
    let unknown = TemplateTransformationToPost {
        template_id: "00000000-1111-2222-3333-444444444444".to_owned(),
        ..body.clone()
    };
    error(
        up.post("/TransformTemplateToMessage", &[], unknown.encode_to_vec())
            .await,
        404,
    )
    .await;
    let not_the_sender = TemplateTransformationToPost {
        box_id: seed.boxes[2].box_id_guid.clone(),
        ..body
    };
    error(
        up.post(
            "/TransformTemplateToMessage",
            &[],
            not_the_sender.encode_to_vec(),
        )
        .await,
        403,
    )
    .await;
}
