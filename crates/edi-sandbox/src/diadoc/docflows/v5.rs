//! `DocumentWithDocflowV5` (`/V5/GetDocflows`, lifecycle.md §1.4) from the V3 view of the same
//! seeded document, so both versions tell one story: the same ids, events, contents (and the
//! same content cap). V5 describes a document as titles: the seed's documents have one title
//! (index 0) whose author is the sender and whose one participant is the recipient; the
//! recipient's answer (signature or refusal) is that participant's response.
//!
//! The V5 codes and the `Role` text are not in api.md (UNKNOWN). The sandbox's choices: `Role`
//! is `Sender` / `Recipient` (the `ParticipantType` names); the sender's title is `Signed` with
//! a `Signed` operation result; a document that asks for no answer has a participant with no
//! response; a waiting answer is `TitleParticipantResponseStatusWaiting`, a signature
//! `…Signed`, a refusal `…SignatureRejected`; delivery is `DeliveryStatusDelivered` at the
//! document's delivery time.

use edi_proto::diadoc::api::proto as dap;

use crate::seed::box_key;
use dap::docflow as df;
use dap::documents as docs;
use dap::workflows::participant_type::ParticipantType;

/// The V5 view of a V3 document, seen from the box `current_box`.
pub(super) fn from_v3(
    v3: df::DocumentWithDocflowV3,
    current_box: &str,
) -> df::DocumentWithDocflowV5 {
    let info = v3.document_info;
    let sender = participant(
        &info.participants.sender,
        "Sender",
        ParticipantType::Sender,
        current_box,
    );
    let recipient = info
        .participants
        .recipient
        .as_ref()
        .map(|r| participant(r, "Recipient", ParticipantType::Recipient, current_box));
    let flow = v3.docflow;
    let title = flow.sender_title;
    let entity_id = title
        .attachment
        .attachment
        .entity
        .as_ref()
        .and_then(|e| e.entity_id.clone())
        .unwrap_or_else(|| v3.document_id.entity_id.clone());
    let delivery = Some(df::DeliveryDocflowV5 {
        status: df::DeliveryStatusV5::DeliveryStatusDelivered as i32,
        sent_at: title.sent_at,
        delivered_at: title.delivered_at,
    });
    let participant_docflows = recipient
        .iter()
        .map(|r| df::TitleParticipantDocflow {
            participant: r.clone(),
            title_delivery: Some(df::TitleDeliveryDocflowV5 {
                delivery,
                ..Default::default()
            }),
            response: flow.recipient_response.clone().map(response),
            receipt: None,
        })
        .collect();
    let titles = vec![df::TitleDocflow {
        title_index: 0,
        version: Some(df::TitleVersionV5 {
            entity_id,
            revision: 1,
            status: df::TitleVersionStatusV5::TitleVersionStatusCurrent as i32,
            previous_version_entity_id: None,
        }),
        author: sender.clone(),
        author_signing: df::TitleAuthorDocflow {
            is_finished: title.is_finished,
            status: df::TitleAuthorStatusV5::TitleAuthorStatusSigned as i32,
            title: Some(title.attachment),
            operation_result: Some(df::TitleOperationResultV5 {
                well_known: Some(df::WellKnownTitleOperationResult::Signed as i32),
            }),
        },
        participant_docflows,
        out_of_workflow_universal_message_docflow: None,
    }];
    let mut participants = vec![sender];
    participants.extend(recipient);
    df::DocumentWithDocflowV5 {
        document_id: v3.document_id,
        last_event: v3.last_event,
        document_info: df::DocumentInfoV5 {
            full_version: info.full_version,
            message_type: info.message_type,
            workflow_id: info.workflow_id,
            participants: docs::DocumentParticipantsV2 { participants },
            document_direction: info.document_direction,
            department_id: info.department_id,
            custom_document_id: info.custom_document_id,
            metadata: info.metadata,
            custom_data: info.custom_data,
            document_links: info.document_links,
            packet_info: info.packet_info,
            is_read: info.is_read,
            is_deleted: info.is_deleted,
            is_invitation: info.is_invitation,
            letter_info: info.letter_info,
            draft_info: info.draft_info,
            template_info: None,
            origin: info.origin,
            editing_setting_id: info.editing_setting_id,
            has_unread_out_of_workflow_universal_messages: info
                .has_unread_out_of_workflow_universal_messages,
        },
        docflow: df::DocflowV5 {
            titles,
            docflow_status: flow.docflow_status,
            ..Default::default()
        },
    }
}

fn participant(
    p: &df::DocumentParticipant,
    role: &str,
    kind: ParticipantType,
    current_box: &str,
) -> docs::DocumentParticipantV2 {
    docs::DocumentParticipantV2 {
        box_id: p.box_id.clone(),
        department_id: p.department_id.clone(),
        role: role.to_owned(),
        flags: docs::DocumentParticipantFlags {
            is_roaming: p.is_roaming,
            is_crossborder: false,
            is_foreign: false,
        },
        r#type: kind as i32,
        is_current_box: box_key(&p.box_id).is_some() && box_key(&p.box_id) == box_key(current_box),
    }
}

/// The recipient's V3 answer as a V5 participant response.
fn response(r: df::ParticipantResponseDocflow) -> df::TitleParticipantResponseDocflow {
    use df::TitleParticipantResponseStatusV5 as S;
    use docs::RecipientResponseStatus as R;
    let status = match R::try_from(r.response_status) {
        Ok(R::WithRecipientSignature) => S::TitleParticipantResponseStatusSigned,
        Ok(R::RecipientSignatureRequestRejected) => {
            S::TitleParticipantResponseStatusSignatureRejected
        }
        Ok(R::WaitingForRecipientSignature) => S::TitleParticipantResponseStatusWaiting,
        _ => S::TitleParticipantResponseStatusUnknown,
    };
    let delivery = r.is_finished.then_some(df::DeliveryDocflowV5 {
        status: df::DeliveryStatusV5::DeliveryStatusDelivered as i32,
        sent_at: r.sent_at,
        delivered_at: r.delivered_at,
    });
    df::TitleParticipantResponseDocflow {
        is_finished: r.is_finished,
        status: status as i32,
        signature: r.signature,
        rejection: r.rejection.map(|x| df::SignatureRejectionDocflowV4 {
            signature_rejection: Some(x.signature_rejection),
            is_formal: x.is_formal,
            delivered_at: x.delivered_at,
            plain_text: x.plain_text,
            universal_message: None,
        }),
        confirmation: None,
        delivery,
    }
}
