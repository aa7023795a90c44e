//! GetDocflows V3 and V5: batches, the 100-request cap, the 1 MiB content cap, missing ids, bad bodies.

use dap::docflow::{GetDocflowBatchRequest, GetDocflowBatchResponseV3, GetDocflowRequest};
use edi_proto::diadoc::api::proto as dap;
use prost::Message;

use crate::helpers::{Upstream, decode, error, start};

const CAP: usize = 1_048_576;

fn batch(ids: &[(String, String)], inject: bool) -> GetDocflowBatchRequest {
    GetDocflowBatchRequest {
        requests: ids
            .iter()
            .map(|(m, e)| GetDocflowRequest {
                document_id: dap::DocumentId {
                    message_id: m.clone(),
                    entity_id: e.clone(),
                },
                inject_entity_content: Some(inject),
                ..Default::default()
            })
            .collect(),
    }
}

async fn post(up: &Upstream, box_id: &str, body: Vec<u8>) -> reqwest::Response {
    up.post("/V3/GetDocflows", &[("boxId", box_id)], body).await
}

/// Every injected content of one document (its file, signatures, refusal).
fn contents(d: &dap::docflow::DocumentWithDocflowV3) -> Vec<(i32, Option<usize>)> {
    let mut entities = Vec::new();
    let title = &d.docflow.sender_title.attachment;
    entities.extend(title.attachment.entity.clone());
    entities.extend(title.signature.clone().map(|s| s.cms));
    if let Some(r) = &d.docflow.recipient_response {
        entities.extend(r.signature.clone().map(|s| s.cms));
        entities.extend(
            r.rejection
                .clone()
                .and_then(|r| r.signature_rejection.attachment.entity),
        );
    }
    entities
        .iter()
        .filter_map(|e| e.content.as_ref())
        .map(|c| (c.size, c.data.as_ref().map(|d| d.len())))
        .collect()
}

#[tokio::test]
async fn documents_come_back_in_request_order_with_their_docflow() {
    let up = start().await;
    let box_id = up.first_box();
    let ids: Vec<_> = up.sb.seed().document_ids().into_iter().take(4).collect();
    let reply: GetDocflowBatchResponseV3 =
        decode(post(&up, &box_id, batch(&ids, false).encode_to_vec()).await).await;
    assert_eq!(reply.documents.len(), 4);
    for (d, (m, e)) in reply.documents.iter().zip(&ids) {
        assert_eq!(
            (&d.document_id.message_id, &d.document_id.entity_id),
            (m, e)
        );
        let info = &d.document_info;
        assert!(!info.full_version.type_named_id.is_empty());
        assert_eq!(
            info.message_type,
            dap::documents::MessageType::Letter as i32
        );
        let p = &info.participants;
        let recipient = p.recipient.as_ref().expect("recipient");
        assert!(p.sender.box_id == box_id || recipient.box_id == box_id);
        let title = &d.docflow.sender_title;
        assert!(title.is_finished && title.sent_at.is_some());
        assert!(title.attachment.attachment.attachment_filename.is_some());
        assert!(!d.last_event.event_id.is_empty());
        assert!(
            d.docflow
                .docflow_status
                .primary_status
                .status_text
                .is_some()
        );
        assert!(
            contents(d)
                .iter()
                .all(|(size, data)| *size > 0 && data.is_none())
        );
    }
}

#[tokio::test]
async fn injected_content_stops_at_the_cap() {
    let up = start().await;
    let box_id = up.first_box();
    let ids = up.sb.seed().document_ids();
    let reply: GetDocflowBatchResponseV3 =
        decode(post(&up, &box_id, batch(&ids, true).encode_to_vec()).await).await;
    assert_eq!(reply.documents.len(), 60);
    let all: Vec<(i32, Option<usize>)> = reply.documents.iter().flat_map(contents).collect();
    let injected: usize = all.iter().filter_map(|(_, d)| *d).sum();
    assert!(injected <= CAP);
    assert!(injected > CAP - 64 * 1024, "close to the cap: {injected}");
    let first_missing = all
        .iter()
        .position(|(_, d)| d.is_none())
        .expect("some left out");
    assert!(
        all[first_missing..].iter().all(|(_, d)| d.is_none()),
        "left out from there on"
    );
    assert!(
        all[..first_missing]
            .iter()
            .all(|(size, d)| Some(*size as usize) == *d)
    );
    // A small batch gets everything.
    let few: GetDocflowBatchResponseV3 =
        decode(post(&up, &box_id, batch(&ids[..5], true).encode_to_vec()).await).await;
    assert!(
        few.documents
            .iter()
            .flat_map(contents)
            .all(|(_, d)| d.is_some())
    );
}

#[tokio::test]
async fn more_than_100_requests_is_a_400() {
    let up = start().await;
    let box_id = up.first_box();
    let ids = up.sb.seed().document_ids();
    let hundred: Vec<_> = ids.iter().cycle().take(100).cloned().collect();
    let ok: GetDocflowBatchResponseV3 =
        decode(post(&up, &box_id, batch(&hundred, false).encode_to_vec()).await).await;
    assert_eq!(ok.documents.len(), 100);
    let too_many: Vec<_> = ids.iter().cycle().take(101).cloned().collect();
    let r = post(&up, &box_id, batch(&too_many, false).encode_to_vec()).await;
    assert!(error(r, 400).await.contains("100"));
}

#[tokio::test]
async fn missing_ids_are_left_out_and_none_found_is_a_404() {
    let up = start().await;
    let seed = up.sb.seed();
    let box_id = up.first_box();
    let mut ids: Vec<_> = seed.document_ids().into_iter().take(2).collect();
    let unknown = (
        "11111111-2222-4333-8444-555555555555".to_owned(),
        "66666666-7777-4888-8999-000000000000".to_owned(),
    );
    ids.insert(1, unknown.clone());
    let reply: GetDocflowBatchResponseV3 =
        decode(post(&up, &box_id, batch(&ids, false).encode_to_vec()).await).await;
    assert_eq!(reply.documents.len(), 2);
    let r = post(&up, &box_id, batch(&[unknown], false).encode_to_vec()).await;
    error(r, 404).await;
    // A document of another box is not in this one.
    let theirs: Vec<_> = seed
        .documents_in(seed.other_box_id_guid())
        .map(|d| (d.document.message_id.clone(), d.document.entity_id.clone()))
        .collect();
    error(
        post(&up, &box_id, batch(&theirs, false).encode_to_vec()).await,
        404,
    )
    .await;
    let empty: GetDocflowBatchResponseV3 = decode(post(&up, &box_id, Vec::new()).await).await;
    assert!(empty.documents.is_empty());
}

#[tokio::test]
async fn bodies_that_do_not_decode_or_lack_required_fields_are_400() {
    let up = start().await;
    let box_id = up.first_box();
    error(post(&up, &box_id, b"{\"requests\": [".to_vec()).await, 400).await;
    // Requests[0].DocumentId without EntityId.
    let text = error(
        post(&up, &box_id, vec![0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, b'm']).await,
        400,
    )
    .await;
    assert!(text.contains("EntityId"), "{text}");
    let bad = batch(&[("nope".to_owned(), "nope".to_owned())], false);
    error(post(&up, &box_id, bad.encode_to_vec()).await, 400).await;
    let ids = up.sb.seed().document_ids();
    error(
        post(&up, "", batch(&ids[..1], false).encode_to_vec()).await,
        400,
    )
    .await;
}

#[tokio::test]
async fn last_event_id_shows_the_state_as_of_that_event() {
    let up = start().await;
    let seed = up.sb.seed();
    let box_id = up.first_box();
    let signed = seed
        .documents_in(&box_id)
        .find(|d| matches!(d.response, edi_sandbox::seed::Response::Signed { .. }))
        .expect("a signed document");
    let id = (
        signed.document.message_id.clone(),
        signed.document.entity_id.clone(),
    );
    let mut request = batch(&[id], false);
    request.requests[0].last_event_id = Some(signed.events[0].event_id.clone());
    let then: GetDocflowBatchResponseV3 =
        decode(post(&up, &box_id, request.encode_to_vec()).await).await;
    let d = &then.documents[0];
    assert_eq!(d.last_event.event_id, signed.events[0].event_id);
    let response = d
        .docflow
        .recipient_response
        .as_ref()
        .expect("response part");
    assert!(!response.is_finished && response.signature.is_none());
    request.requests[0].last_event_id = Some("00000000-0000-4000-8000-000000000000".to_owned());
    error(post(&up, &box_id, request.encode_to_vec()).await, 400).await;
}

/// V5 (lifecycle.md §1.4): the same documents as V3, told as titles.
#[tokio::test]
async fn v5_answers_the_same_documents_as_titles_with_each_answer() {
    use dap::docflow::{GetDocflowBatchResponseV5, TitleParticipantResponseStatusV5 as S};
    use edi_sandbox::seed::Response;
    let up = start().await;
    let box_id = up.first_box();
    let seed = up.sb.seed();
    let docs: Vec<_> = seed.documents_in(&box_id).collect();
    let pick = |want: fn(&Response) -> bool| {
        docs.iter()
            .find(|d| want(&d.response))
            .map(|d| (d.document.message_id.clone(), d.document.entity_id.clone()))
            .expect("a seeded document of that kind")
    };
    let ids = vec![
        pick(|r| matches!(r, Response::Signed { .. })),
        pick(|r| matches!(r, Response::Rejected { .. })),
        pick(|r| matches!(r, Response::Waiting)),
        pick(|r| matches!(r, Response::NotRequested)),
    ];
    let body = batch(&ids, true).encode_to_vec();
    let v3: GetDocflowBatchResponseV3 = decode(post(&up, &box_id, body.clone()).await).await;
    let v5: GetDocflowBatchResponseV5 = decode(
        up.post("/V5/GetDocflows", &[("boxId", &box_id)], body)
            .await,
    )
    .await;
    assert_eq!(v5.documents.len(), 4);
    for (d5, d3) in v5.documents.iter().zip(&v3.documents) {
        assert_eq!(d5.document_id, d3.document_id);
        assert_eq!(d5.last_event, d3.last_event);
        assert_eq!(d5.docflow.docflow_status, d3.docflow.docflow_status);
        assert_eq!(d5.docflow.titles.len(), 1);
        let title = &d5.docflow.titles[0];
        assert_eq!(title.title_index, 0);
        assert_eq!(
            title.author_signing.title.as_ref(),
            Some(&d3.docflow.sender_title.attachment)
        );
        assert_eq!(title.participant_docflows.len(), 1);
        let roles: Vec<&str> = d5
            .document_info
            .participants
            .participants
            .iter()
            .map(|p| p.role.as_str())
            .collect();
        assert_eq!(roles, ["Sender", "Recipient"]);
        assert_eq!(
            d5.document_info
                .participants
                .participants
                .iter()
                .filter(|p| p.is_current_box)
                .count(),
            1,
            "one side is the box asked"
        );
    }
    let status = |i: usize| {
        v5.documents[i].docflow.titles[0].participant_docflows[0]
            .response
            .as_ref()
            .map(|r| r.status)
    };
    assert_eq!(
        status(0),
        Some(S::TitleParticipantResponseStatusSigned as i32)
    );
    assert_eq!(
        status(1),
        Some(S::TitleParticipantResponseStatusSignatureRejected as i32)
    );
    let rejection = v5.documents[1].docflow.titles[0].participant_docflows[0]
        .response
        .as_ref()
        .and_then(|r| r.rejection.as_ref())
        .expect("the refusal");
    assert!(rejection.plain_text.is_some());
    assert_eq!(
        status(2),
        Some(S::TitleParticipantResponseStatusWaiting as i32)
    );
    assert_eq!(status(3), None);
    // The same 400s and 404s as V3.
    error(
        up.post("/V5/GetDocflows", &[("boxId", &box_id)], vec![1, 2, 3])
            .await,
        400,
    )
    .await;
    let missing = vec![(
        "00000000-0000-0000-0000-000000000001".to_owned(),
        "00000000-0000-0000-0000-000000000002".to_owned(),
    )];
    error(
        up.post(
            "/V5/GetDocflows",
            &[("boxId", &box_id)],
            batch(&missing, false).encode_to_vec(),
        )
        .await,
        404,
    )
    .await;
}
