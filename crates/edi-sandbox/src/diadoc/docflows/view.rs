//! Builds a `DocumentWithDocflowV3` from a seeded document as of one of its events: the
//! document info, the sender's title with its signature, and the recipient's answer if it had
//! come by then. Contents go through a [`Budget`] so the batch stays within the cap.

use bytes::Bytes;
use edi_proto::diadoc::api::proto as dap;

use crate::seed::ids::{HEAD_DEPARTMENT_ID, TICKS_PER_SECOND};
use crate::seed::{Response, SeedDocument, SeedEvent};
use dap::docflow as df;
use dap::documents as docs;

/// What is left of the batch's content cap.
#[derive(Debug)]
pub(super) struct Budget {
    left: usize,
    exhausted: bool,
}

impl Budget {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            left: cap,
            exhausted: false,
        }
    }

    /// The content to inject, if it was asked for and still fits; after the first content that
    /// does not fit, nothing more is injected (see `docflows.rs`).
    fn take(&mut self, inject: bool, content: &Bytes) -> Option<Bytes> {
        if !inject || self.exhausted {
            return None;
        }
        if content.len() > self.left {
            self.exhausted = true;
            return None;
        }
        self.left -= content.len();
        Some(content.clone())
    }
}

fn timestamp(ticks: i64) -> Option<dap::Timestamp> {
    Some(dap::Timestamp { ticks })
}

fn entity(id: &str, ticks: i64, content: &Bytes, inject: bool, budget: &mut Budget) -> df::Entity {
    df::Entity {
        entity_id: Some(id.to_owned()),
        creation_timestamp: timestamp(ticks),
        content: Some(dap::Content {
            size: i32::try_from(content.len()).unwrap_or(i32::MAX),
            data: budget.take(inject, content),
        }),
    }
}

fn signature(entity: df::Entity, signer_box_id: &str, delivered_at: i64) -> df::SignatureV3 {
    df::SignatureV3 {
        cms: entity,
        signer_box_id: signer_box_id.to_owned(),
        signer_department_id: HEAD_DEPARTMENT_ID.to_owned(),
        is_valid: true,
        delivered_at: timestamp(delivered_at),
        ..Default::default()
    }
}

/// The document `d` as of its event `upto - 1` (`upto` = number of events visible).
pub(super) fn document_with_docflow(
    d: &SeedDocument,
    upto: usize,
    inject: bool,
    budget: &mut Budget,
) -> df::DocumentWithDocflowV3 {
    let doc = &d.document;
    // A hand-made seed may have no events; the message itself then stands for the last one.
    let last = upto
        .checked_sub(1)
        .and_then(|i| d.events.get(i))
        .cloned()
        .unwrap_or_else(|| SeedEvent {
            event_id: doc.message_id.clone(),
            ticks: doc.creation_timestamp_ticks,
        });
    let sent = doc
        .send_timestamp_ticks
        .unwrap_or(doc.creation_timestamp_ticks);
    let delivered = doc.delivery_timestamp_ticks.unwrap_or(sent);
    let full_version = dap::FullVersion {
        type_named_id: doc.type_named_id.clone(),
        function: doc.function.clone(),
        version: doc.version.clone(),
    };
    let content_type_id = format!(
        "{}.{}.{}",
        full_version.type_named_id, full_version.function, full_version.version
    );
    let file_name = doc.file_name.clone();
    let sender_title = df::SenderTitleDocflow {
        is_finished: true,
        attachment: df::SignedAttachmentV3 {
            attachment: df::Attachment {
                entity: Some(entity(&doc.entity_id, sent, &d.content, inject, budget)),
                attachment_filename: file_name.clone(),
                display_filename: file_name,
            },
            signature: Some(signature(
                entity(
                    &d.sender_signature_id,
                    sent,
                    &d.sender_signature,
                    inject,
                    budget,
                ),
                &d.sender_box_id,
                delivered,
            )),
            comment: None,
            content_type_id,
        },
        sent_at: timestamp(sent),
        delivered_at: timestamp(delivered),
        sender_signature_status: docs::SenderSignatureStatus::SenderSignatureCheckedAndValid as i32,
        ..Default::default()
    };
    let answered = d.answered_at().is_some_and(|at| at <= last.ticks);
    let recipient_response = response(d, answered, inject, budget);
    let (severity, text) = d.status_text_at(last.ticks);
    let docflow_status = dap::DocflowStatusV3 {
        primary_status: dap::DocflowStatusModelV3 {
            severity: Some(severity.to_owned()),
            status_text: Some(text.to_owned()),
        },
        ..Default::default()
    };
    let participant = |box_id: &str| df::DocumentParticipant {
        box_id: box_id.to_owned(),
        department_id: Some(HEAD_DEPARTMENT_ID.to_owned()),
        is_roaming: false,
    };
    df::DocumentWithDocflowV3 {
        document_id: dap::DocumentId {
            message_id: doc.message_id.clone(),
            entity_id: doc.entity_id.clone(),
        },
        last_event: df::LastEvent {
            event_id: last.event_id.clone(),
            timestamp: dap::Timestamp { ticks: last.ticks },
        },
        document_info: df::DocumentInfoV3 {
            full_version,
            message_type: docs::MessageType::Letter as i32,
            workflow_id: doc.workflow_id,
            participants: df::DocumentParticipants {
                sender: participant(&d.sender_box_id),
                proxy: None,
                recipient: Some(participant(&d.recipient_box_id)),
                is_internal: false,
                is_cross_border: false,
            },
            document_direction: doc.document_direction.unwrap_or_default(),
            department_id: HEAD_DEPARTMENT_ID.to_owned(),
            metadata: doc.metadata.clone(),
            packet_info: df::PacketInfo {
                lock_mode: dap::LockMode::None as i32,
                packet_id: None,
                added_at: None,
            },
            is_read: doc.is_read.unwrap_or(true),
            is_deleted: false,
            is_invitation: false,
            letter_info: Some(df::DocumentLetterInfo {
                is_encrypted: false,
                forward_document_events: Vec::new(),
                is_test: false,
            }),
            ..Default::default()
        },
        docflow: df::DocflowV3 {
            sender_title,
            recipient_response,
            docflow_status,
            ..Default::default()
        },
    }
}

/// The recipient's part: none for kinds that ask for no answer, "waiting" until the answer's
/// event, then the signature or the refusal.
fn response(
    d: &SeedDocument,
    answered: bool,
    inject: bool,
    budget: &mut Budget,
) -> Option<df::ParticipantResponseDocflow> {
    let waiting = df::ParticipantResponseDocflow {
        is_finished: false,
        response_status: docs::RecipientResponseStatus::WaitingForRecipientSignature as i32,
        ..Default::default()
    };
    match &d.response {
        Response::NotRequested => None,
        Response::Waiting => Some(waiting),
        _ if !answered => Some(waiting),
        Response::Signed {
            entity_id,
            signature: bytes,
            at,
        } => Some(df::ParticipantResponseDocflow {
            is_finished: true,
            signature: Some(signature(
                entity(entity_id, *at, bytes, inject, budget),
                &d.recipient_box_id,
                at + 2 * TICKS_PER_SECOND,
            )),
            sent_at: timestamp(*at),
            delivered_at: timestamp(at + 2 * TICKS_PER_SECOND),
            response_status: docs::RecipientResponseStatus::WithRecipientSignature as i32,
            ..Default::default()
        }),
        Response::Rejected {
            entity_id,
            comment,
            content,
            at,
        } => Some(df::ParticipantResponseDocflow {
            is_finished: true,
            rejection: Some(df::SignatureRejectionDocflow {
                signature_rejection: df::SignedAttachmentV3 {
                    attachment: df::Attachment {
                        entity: Some(entity(entity_id, *at, content, inject, budget)),
                        attachment_filename: Some(format!("DP_UVUTOCH_{entity_id}.xml")),
                        display_filename: Some("Уведомление об уточнении.xml".to_owned()),
                    },
                    content_type_id: "SignatureRejection.default.v1".to_owned(),
                    ..Default::default()
                },
                is_formal: true,
                delivered_at: timestamp(at + 2 * TICKS_PER_SECOND),
                plain_text: Some(comment.clone()),
            }),
            sent_at: timestamp(*at),
            delivered_at: timestamp(at + 2 * TICKS_PER_SECOND),
            response_status: docs::RecipientResponseStatus::RecipientSignatureRequestRejected
                as i32,
            ..Default::default()
        }),
    }
}
