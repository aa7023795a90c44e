//! GenerateDocumentProtocol: 200 + Retry-After while queued, then the protocol; 409/404/403/400.

use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::Sandbox;

use crate::helpers::{Upstream, decode, error, start, start_with};

const PATH: &str = "/GenerateDocumentProtocol";

async fn call(up: &Upstream, box_id: &str, message: &str, document: &str) -> reqwest::Response {
    up.get(
        PATH,
        &[
            ("boxId", box_id),
            ("messageId", message),
            ("documentId", document),
        ],
    )
    .await
}

#[tokio::test]
async fn the_first_calls_say_retry_after_then_the_protocol_comes() {
    let up = start_with(Sandbox::builder().protocol_polls(2).retry_after_secs(3)).await;
    let box_id = up.first_box();
    let ids = up.sb.seed().document_ids();
    let (m, e) = &ids[0];
    for _ in 0..2 {
        let r = call(&up, &box_id, m, e).await;
        assert_eq!(r.status(), 200, "the C# SDK accepts only 200 here (api.md)");
        assert_eq!(r.headers()["retry-after"], "3");
        assert!(r.bytes().await.expect("body").is_empty());
    }
    // Another document keeps its own count.
    let (m2, e2) = &ids[1];
    assert!(
        call(&up, &box_id, m2, e2)
            .await
            .headers()
            .contains_key("retry-after")
    );
    let r = call(&up, &box_id, m, e).await;
    assert!(!r.headers().contains_key("retry-after"));
    let protocol: dap::documents::DocumentProtocol = decode(r).await;
    assert!(protocol.print_form.starts_with(b"%PDF-1.4"));
    assert!(protocol.print_form.ends_with(b"%%EOF\n"));
    assert_eq!(protocol.signature[0], 0x30, "DER SEQUENCE");
    let again: dap::documents::DocumentProtocol = decode(call(&up, &box_id, m, e).await).await;
    assert_eq!(again, protocol);
    let polls: Vec<_> = up
        .sb
        .journal()
        .into_iter()
        .filter(|c| c.path == PATH)
        .collect();
    assert_eq!(polls.len(), 5);
    assert!(polls.iter().all(|c| c.query_param("messageId").is_some()));
}

#[tokio::test]
async fn zero_polls_answer_at_once() {
    let up = start_with(Sandbox::builder().protocol_polls(0)).await;
    let (m, e) = up.sb.seed().document_ids()[0].clone();
    let _: dap::documents::DocumentProtocol =
        decode(call(&up, &up.first_box(), &m, &e).await).await;
}

#[tokio::test]
async fn refusals_follow_the_method_sheet() {
    let up = start().await;
    let seed = up.sb.seed();
    let box_id = up.first_box();
    let none = seed.document_without_protocol().expect("seeded");
    let r = call(
        &up,
        &box_id,
        &none.document.message_id,
        &none.document.entity_id,
    )
    .await;
    assert_eq!(r.headers()["x-diadoc-errorcode"], "Http.Conflict");
    assert!(error(r, 409).await.contains("not supported"));
    let (m, _) = seed.document_ids()[0].clone();
    let unknown = "12345678-1234-4234-8234-123456789abc";
    error(call(&up, &box_id, unknown, unknown).await, 404).await;
    error(call(&up, &box_id, &m, unknown).await, 404).await;
    error(call(&up, &box_id, "x", unknown).await, 400).await;
    error(
        up.get(PATH, &[("boxId", &box_id), ("messageId", &m)]).await,
        400,
    )
    .await;
    error(call(&up, seed.other_box_id_guid(), &m, unknown).await, 403).await;
}
