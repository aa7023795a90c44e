//! The file methods (`diadoc/files.rs`): GetEntityContent (seeded entities and the generated
//! large one), GeneratePrintForm (204 + Retry-After, then a PDF; 409), GenerateDocumentZip
//! (200 + Retry-After + an empty name, then the name) and V2 ShelfDownload (a zip).

use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::Sandbox;

use crate::helpers::{Upstream, content_type, decode, error, start, start_with};

fn doc_query<'a>(box_id: &'a str, m: &'a str, e: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![("boxId", box_id), ("messageId", m), ("documentId", e)]
}

#[tokio::test]
async fn entity_content_is_the_documents_bytes_and_404_for_unknown_entities() {
    let up = start().await;
    let box_id = up.first_box();
    let d = up
        .sb
        .seed()
        .documents_in(&box_id)
        .next()
        .expect("a document")
        .clone();
    let m = &d.document.message_id;
    let r = up
        .get(
            "/V4/GetEntityContent",
            &[
                ("boxId", &box_id),
                ("messageId", m),
                ("entityId", &d.document.entity_id),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(content_type(&r), "application/octet-stream");
    assert_eq!(r.bytes().await.expect("body"), d.content);
    let r = up
        .get(
            "/V4/GetEntityContent",
            &[
                ("boxId", &box_id),
                ("messageId", m),
                ("entityId", &d.sender_signature_id),
            ],
        )
        .await;
    assert_eq!(r.bytes().await.expect("body"), d.sender_signature);
    let unknown = "00000000-0000-0000-0000-000000000001";
    let r = up
        .get(
            "/V4/GetEntityContent",
            &[("boxId", &box_id), ("messageId", m), ("entityId", unknown)],
        )
        .await;
    error(r, 404).await;
    let r = up
        .get(
            "/V4/GetEntityContent",
            &[("boxId", &box_id), ("messageId", m)],
        )
        .await;
    error(r, 400).await;
}

#[tokio::test]
async fn the_large_entity_is_generated_to_its_configured_size() {
    let up = start_with(Sandbox::builder().large_entity_bytes(300_001)).await;
    let large = up.sb.seed().large_entity().expect("large entity");
    let r = up
        .get(
            "/V4/GetEntityContent",
            &[
                ("boxId", &large.box_id),
                ("messageId", &large.message_id),
                ("entityId", &large.entity_id),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], "300001");
    let body = r.bytes().await.expect("body");
    assert_eq!(body.len(), 300_001);
    assert_eq!(body, edi_sandbox::generated(0, 300_001));
}

#[tokio::test]
async fn a_print_form_is_204_until_ready_then_a_named_pdf() {
    let up = start_with(Sandbox::builder().print_form_polls(2).retry_after_secs(4)).await;
    let box_id = up.first_box();
    let seed = up.sb.seed();
    let d = seed.document_with_print_form().expect("document");
    let q = doc_query(&box_id, &d.document.message_id, &d.document.entity_id);
    for _ in 0..2 {
        let r = up.get("/GeneratePrintForm", &q).await;
        assert_eq!(r.status(), 204);
        assert_eq!(r.headers()["retry-after"], "4");
    }
    let r = up.get("/GeneratePrintForm", &q).await;
    assert_eq!(r.status(), 200);
    assert_eq!(content_type(&r), "application/pdf");
    let disposition = r.headers()["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    assert!(r.bytes().await.expect("pdf").starts_with(b"%PDF-"));

    let without = seed.document_without_print_form().expect("document");
    let q = doc_query(
        &box_id,
        &without.document.message_id,
        &without.document.entity_id,
    );
    let text = error(up.get("/GeneratePrintForm", &q).await, 409).await;
    assert_eq!(
        text,
        "Generating print form for this type of document is not supported"
    );
}

async fn zip_call(up: &Upstream, q: &[(&str, &str)]) -> reqwest::Response {
    up.get("/GenerateDocumentZip", q).await
}

#[tokio::test]
async fn an_archive_is_pending_with_an_empty_name_then_downloadable_from_the_shelf() {
    let up = start_with(Sandbox::builder().zip_polls(1).retry_after_secs(2)).await;
    let box_id = up.first_box();
    let d = up
        .sb
        .seed()
        .document_with_print_form()
        .expect("document")
        .clone();
    let mut q = doc_query(&box_id, &d.document.message_id, &d.document.entity_id);
    error(zip_call(&up, &q).await, 400).await;
    q.push(("fullDocflow", "True"));
    let r = zip_call(&up, &q).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["retry-after"], "2");
    let pending: dap::documents::DocumentZipGenerationResult = decode(r).await;
    assert_eq!(pending.zip_file_name_on_shelf, None);
    let r = zip_call(&up, &q).await;
    assert!(!r.headers().contains_key("retry-after"));
    let ready: dap::documents::DocumentZipGenerationResult = decode(r).await;
    let name = ready.zip_file_name_on_shelf.expect("a name");
    let again: dap::documents::DocumentZipGenerationResult = decode(zip_call(&up, &q).await).await;
    assert_eq!(again.zip_file_name_on_shelf.as_deref(), Some(name.as_str()));

    let r = up.get("/V2/ShelfDownload", &[("fileName", &name)]).await;
    assert_eq!(r.status(), 200);
    let zip = r.bytes().await.expect("zip");
    assert_eq!(&zip[..4], b"PK\x03\x04");
    let content = &d.content[..];
    assert!(
        zip.windows(content.len()).any(|w| w == content),
        "the document is stored in the archive"
    );
    error(
        up.get("/V2/ShelfDownload", &[("fileName", "nope.zip")])
            .await,
        404,
    )
    .await;
    // The unprefixed method is removed (lifecycle.md §1.2): the sandbox does not serve it.
    assert_eq!(
        up.get("/ShelfDownload", &[("nameOnShelf", &name)])
            .await
            .status(),
        404
    );
}
