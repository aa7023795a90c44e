//! Builds the messages the methods answer: a seeded document's message, and the message a
//! PostMessage or TransformTemplateToMessage call makes (checked first, see `messages.rs`).

use bytes::Bytes;
use edi_proto::diadoc::api::proto as dap;
use edi_proto::names::MESSAGE_TO_POST_DOCUMENT_FIELDS as MESSAGE_DOCUMENT_FIELDS;

use super::Posted;
use crate::diadoc::account::find_box;
use crate::reply::Refusal;
use crate::seed::ids::{HEAD_DEPARTMENT_ID, TICKS_PER_SECOND, guid, now_ticks};
use crate::seed::{Response, Seed, SeedDocument, box_key};
use crate::state::Shared;
use dap::documents as docs;
use dap::events as ev;

/// The most documents one message holds (lifecycle.md §3; api.md, PostMessage).
const MAX_DOCUMENTS: usize = 40;

/// The number of documents in each field of [`MESSAGE_DOCUMENT_FIELDS`], in that order.
fn document_counts(m: &ev::MessageToPost) -> [usize; 20] {
    [
        m.invoices.len(),
        m.nonformalized_documents.len(),
        m.torg12_documents.len(),
        m.acceptance_certificates.len(),
        m.proforma_invoices.len(),
        m.xml_torg12_seller_titles.len(),
        m.xml_acceptance_certificate_seller_titles.len(),
        m.price_lists.len(),
        m.price_list_agreements.len(),
        m.certificate_registries.len(),
        m.reconciliation_acts.len(),
        m.contracts.len(),
        m.torg13_documents.len(),
        m.service_details_documents.len(),
        m.encrypted_invoices.len(),
        m.encrypted_xml_torg12_seller_titles.len(),
        m.encrypted_xml_acceptance_certificate_seller_titles.len(),
        m.supplementary_agreements.len(),
        m.universal_transfer_document_seller_titles.len(),
        m.document_attachments.len(),
    ]
}

/// One document of a message to be made.
#[derive(Debug, Clone)]
struct DraftDocument {
    type_named_id: String,
    function: String,
    version: String,
    file_name: String,
    content: Bytes,
    signature: Option<Bytes>,
    need_recipient_signature: bool,
    custom_document_id: Option<String>,
    metadata: Vec<ev::MetadataItem>,
    comment: Option<String>,
}

/// A checked write, before its operation gives it ids and a time.
#[derive(Debug)]
pub(crate) struct Draft {
    from: usize,
    to_box_id: String,
    documents: Vec<DraftDocument>,
    is_internal: bool,
    is_draft: bool,
    lock_mode: i32,
    from_template: bool,
}

fn title_of(seed: &Seed, box_id: &str) -> String {
    find_box(seed, box_id).map_or_else(String::new, |(_, b)| b.title.clone())
}

/// Checks a `MessageToPost` from the user's box `from`.
pub(crate) fn message_to_post(
    shared: &Shared,
    from: usize,
    body: &ev::MessageToPost,
) -> Result<Draft, Refusal> {
    let counts = document_counts(body);
    let total: usize = counts.iter().sum();
    if total > MAX_DOCUMENTS {
        return Err(Refusal::bad_request(format!(
            "Too many documents in the message: {total} (at most {MAX_DOCUMENTS})"
        )));
    }
    if total == 0 {
        return Err(Refusal::bad_request("The message has no documents"));
    }
    if let Some((field, _)) = MESSAGE_DOCUMENT_FIELDS
        .iter()
        .zip(counts)
        .find(|(f, n)| **f != "DocumentAttachments" && *n > 0)
    {
        return Err(Refusal::bad_request(format!(
            "{field} is obsolete; send documents in DocumentAttachments"
        )));
    }
    let seed = &shared.seed;
    let is_internal = body.is_internal.unwrap_or(false);
    let to_box_id = if is_internal {
        body.to_box_id
            .clone()
            .unwrap_or_else(|| body.from_box_id.clone())
    } else {
        let to = body
            .to_box_id
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Refusal::bad_request("ToBoxId is required"))?;
        if !seed.is_known_box(&to) {
            return Err(Refusal::bad_request(format!(
                "ToBoxId is not a known box: '{to}'"
            )));
        }
        to
    };
    let mut documents = Vec::with_capacity(total);
    for (i, a) in body.document_attachments.iter().enumerate() {
        let Some(content) = a.signed_content.content.clone() else {
            return Err(Refusal::bad_request(format!(
                "DocumentAttachments[{i}].SignedContent.Content is required (the sandbox has no shelf)"
            )));
        };
        if a.type_named_id.is_empty() {
            return Err(Refusal::bad_request(format!(
                "DocumentAttachments[{i}].TypeNamedId is required"
            )));
        }
        let file_name = a
            .metadata
            .iter()
            .find(|m| m.key.eq_ignore_ascii_case("FileName"))
            .map_or_else(|| format!("document-{}", i + 1), |m| m.value.clone());
        documents.push(DraftDocument {
            type_named_id: a.type_named_id.clone(),
            function: a.function.clone().unwrap_or_else(|| "default".to_owned()),
            version: a.version.clone().unwrap_or_else(|| "v1".to_owned()),
            file_name,
            content,
            signature: a.signed_content.signature.clone().filter(|s| !s.is_empty()),
            need_recipient_signature: a.need_recipient_signature.unwrap_or(false),
            custom_document_id: a.custom_document_id.clone(),
            metadata: a.metadata.clone(),
            comment: a.comment.clone(),
        });
    }
    Ok(Draft {
        from,
        to_box_id,
        documents,
        is_internal,
        is_draft: body.is_draft.unwrap_or(false),
        lock_mode: body.lock_mode.unwrap_or(dap::LockMode::None as i32),
        from_template: false,
    })
}

/// Checks a transformation of `template` by the user's box `from`.
pub(crate) fn from_template(
    _shared: &Shared,
    from: usize,
    template: &ev::Template,
    body: &ev::TemplateTransformationToPost,
) -> Result<Draft, Refusal> {
    if box_key(&template.message_from_box_id) != box_key(&body.box_id) {
        return Err(Refusal::Forbidden(format!(
            "Only box {} may turn template {} into a message",
            template.message_from_box_id, template.message_id
        )));
    }
    if body.document_transformations.is_empty() {
        return Err(Refusal::bad_request("DocumentTransformations is empty"));
    }
    let mut documents = Vec::with_capacity(body.document_transformations.len());
    for (i, t) in body.document_transformations.iter().enumerate() {
        let entity = template
            .entities
            .iter()
            .find(|e| {
                e.entity_type == Some(ev::EntityType::Attachment as i32)
                    && e.entity_id.eq_ignore_ascii_case(&t.document_id)
            })
            .ok_or_else(|| {
                Refusal::bad_request(format!(
                    "DocumentTransformations[{i}].DocumentId {} is not a document of the template",
                    t.document_id
                ))
            })?;
        let (type_named_id, function, version) = entity
            .content_type_id
            .as_deref()
            .and_then(|c| {
                let mut parts = c.splitn(3, '.');
                Some((parts.next()?, parts.next()?, parts.next()?))
            })
            .map_or(("Nonformalized", "default", "v1"), |p| p);
        documents.push(DraftDocument {
            type_named_id: type_named_id.to_owned(),
            function: function.to_owned(),
            version: version.to_owned(),
            file_name: entity
                .file_name
                .clone()
                .unwrap_or_else(|| format!("document-{}", i + 1)),
            content: entity
                .content
                .as_ref()
                .and_then(|c| c.data.clone())
                .unwrap_or_default(),
            signature: None,
            need_recipient_signature: entity.need_recipient_signature.unwrap_or(false),
            custom_document_id: t.custom_document_id.clone(),
            metadata: Vec::new(),
            comment: None,
        });
    }
    Ok(Draft {
        from,
        to_box_id: template.message_to_box_id.clone(),
        documents,
        is_internal: false,
        is_draft: false,
        lock_mode: template.lock_mode,
        from_template: true,
    })
}

impl Draft {
    /// The message, with ids derived from `key` (method and operation id).
    pub(crate) fn into_posted(self, shared: &Shared, key: &str) -> Posted {
        let seed = &shared.seed;
        let ticks = now_ticks();
        let message_id = guid(&format!("posted-{key}"));
        let from_box = &seed.boxes[self.from];
        let from_box_id = from_box.box_id_guid.clone();
        let mut entities = Vec::new();
        let mut documents = Vec::new();
        for (i, d) in self.documents.into_iter().enumerate() {
            let entity_id = guid(&format!("posted-{key}-document-{i}"));
            let document = document(&message_id, &entity_id, ticks, &self.to_box_id, &d);
            entities.push(ev::Entity {
                entity_type: Some(ev::EntityType::Attachment as i32),
                entity_id: entity_id.clone(),
                content: Some(content(&d.content)),
                attachment_type: ev::AttachmentType::from_str_name(&d.type_named_id)
                    .map(|t| t as i32),
                file_name: Some(d.file_name.clone()),
                need_recipient_signature: Some(d.need_recipient_signature),
                document_info: Some(document.clone()),
                raw_creation_date: Some(ticks),
                content_type_id: Some(format!("{}.{}.{}", d.type_named_id, d.function, d.version)),
                version: Some(d.version.clone()),
                ..Default::default()
            });
            if let Some(signature) = &d.signature {
                entities.push(ev::Entity {
                    entity_type: Some(ev::EntityType::Signature as i32),
                    entity_id: guid(&format!("posted-{key}-signature-{i}")),
                    parent_entity_id: Some(entity_id.clone()),
                    content: Some(content(signature)),
                    signer_box_id: Some(from_box_id.clone()),
                    signer_department_id: Some(HEAD_DEPARTMENT_ID.to_owned()),
                    raw_creation_date: Some(ticks),
                    ..Default::default()
                });
            }
            documents.push((document, d.content));
        }
        let mut boxes = vec![self.from];
        if let Some(to) = seed.box_index(&self.to_box_id).filter(|&t| t != self.from) {
            boxes.push(to);
        }
        let message = ev::Message {
            message_id: message_id.clone(),
            timestamp_ticks: ticks,
            last_patch_timestamp_ticks: ticks,
            from_box_id: from_box_id.clone(),
            from_title: from_box.title.clone(),
            to_box_id: Some(self.to_box_id.clone()),
            to_title: Some(title_of(seed, &self.to_box_id)),
            entities,
            is_draft: Some(self.is_draft),
            is_internal: Some(self.is_internal),
            is_deleted: Some(false),
            lock_mode: self.lock_mode,
            message_type: docs::MessageType::Letter as i32,
            template_to_letter_transformation_info: self.from_template.then(|| {
                ev::TemplateToLetterTransformationInfo {
                    letter_from_box_id: from_box_id.clone(),
                    letter_to_box_id: self.to_box_id.clone(),
                    ..Default::default()
                }
            }),
            ..Default::default()
        };
        Posted {
            event_id: guid(&format!("posted-{key}-event")),
            ticks,
            boxes,
            message,
            documents,
            done: false,
        }
    }
}

fn content(bytes: &Bytes) -> dap::Content {
    dap::Content {
        size: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
        data: Some(bytes.clone()),
    }
}

/// The document's metadata as its sender sees it (`Content.Data` empty).
fn document(
    message_id: &str,
    entity_id: &str,
    ticks: i64,
    to_box_id: &str,
    d: &DraftDocument,
) -> docs::Document {
    let not_acceptable = docs::GeneralReceiptStatus::NotAcceptable as i32;
    let response = if d.need_recipient_signature {
        docs::RecipientResponseStatus::WaitingForRecipientSignature
    } else {
        docs::RecipientResponseStatus::NotAcceptable
    };
    let meta = |key: &str| {
        d.metadata
            .iter()
            .find(|m| m.key.eq_ignore_ascii_case(key))
            .map(|m| m.value.clone())
    };
    docs::Document {
        message_id: message_id.to_owned(),
        entity_id: entity_id.to_owned(),
        creation_timestamp_ticks: ticks,
        counteragent_box_id: Some(to_box_id.to_owned()),
        document_type: dap::DocumentType::from_str_name(&d.type_named_id).map(|t| t as i32),
        content: Some(dap::Content {
            size: i32::try_from(d.content.len()).unwrap_or(i32::MAX),
            data: None,
        }),
        file_name: Some(d.file_name.clone()),
        document_date: meta("DocumentDate"),
        document_number: meta("DocumentNumber"),
        is_deleted: Some(false),
        department_id: Some(HEAD_DEPARTMENT_ID.to_owned()),
        is_test: Some(false),
        custom_document_id: d.custom_document_id.clone(),
        send_timestamp_ticks: Some(ticks),
        delivery_timestamp_ticks: Some(ticks + 2 * TICKS_PER_SECOND),
        document_direction: Some(dap::DocumentDirection::Outbound as i32),
        last_modification_timestamp_ticks: Some(ticks),
        is_encrypted_content: Some(false),
        is_read: Some(true),
        type_named_id: d.type_named_id.clone(),
        function: d.function.clone(),
        workflow_id: 1,
        title: d
            .comment
            .clone()
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| d.file_name.clone()),
        version: d.version.clone(),
        metadata: d.metadata.clone(),
        recipient_receipt_metadata: docs::RecipientReceiptMetadata {
            receipt_status: not_acceptable,
            confirmation_metadata: None,
        },
        confirmation_metadata: docs::ConfirmationMetadata {
            receipt_status: not_acceptable,
            date_time_ticks: 0,
        },
        recipient_response_status: response as i32,
        amendment_request_metadata: docs::AmendmentRequestMetadata {
            amendment_flags: 0,
            receipt_status: not_acceptable,
        },
        lock_mode: dap::LockMode::None as i32,
        sender_receipt_metadata: docs::SenderReceiptMetadata {
            receipt_status: not_acceptable,
        },
        ..Default::default()
    }
}

/// A posted document as its recipient sees it: inbound, from the sender, not yet read.
pub(crate) fn as_inbound(mut d: docs::Document, from_box_id: &str) -> docs::Document {
    d.document_direction = Some(dap::DocumentDirection::Inbound as i32);
    d.counteragent_box_id = Some(from_box_id.to_owned());
    d.is_read = Some(false);
    d
}

/// The message of a seeded document, contents included: the document, the sender's signature
/// and the recipient's signature or refusal, when given.
pub(crate) fn seeded_message(seed: &Seed, d: &SeedDocument) -> ev::Message {
    let doc = &d.document;
    let sent = doc
        .send_timestamp_ticks
        .unwrap_or(doc.creation_timestamp_ticks);
    let mut entities = vec![
        ev::Entity {
            entity_type: Some(ev::EntityType::Attachment as i32),
            entity_id: doc.entity_id.clone(),
            content: Some(content(&d.content)),
            attachment_type: ev::AttachmentType::from_str_name(d.kind.type_named_id())
                .map(|t| t as i32),
            file_name: doc.file_name.clone(),
            need_recipient_signature: Some(d.kind.needs_recipient_signature()),
            document_info: Some(doc.clone()),
            raw_creation_date: Some(sent),
            content_type_id: Some(format!(
                "{}.{}.{}",
                doc.type_named_id, doc.function, doc.version
            )),
            version: Some(doc.version.clone()),
            ..Default::default()
        },
        ev::Entity {
            entity_type: Some(ev::EntityType::Signature as i32),
            entity_id: d.sender_signature_id.clone(),
            parent_entity_id: Some(doc.entity_id.clone()),
            content: Some(content(&d.sender_signature)),
            signer_box_id: Some(d.sender_box_id.clone()),
            signer_department_id: Some(HEAD_DEPARTMENT_ID.to_owned()),
            raw_creation_date: Some(sent),
            ..Default::default()
        },
    ];
    match &d.response {
        Response::Signed {
            entity_id,
            signature,
            at,
        } => entities.push(ev::Entity {
            entity_type: Some(ev::EntityType::Signature as i32),
            entity_id: entity_id.clone(),
            parent_entity_id: Some(doc.entity_id.clone()),
            content: Some(content(signature)),
            signer_box_id: Some(d.recipient_box_id.clone()),
            signer_department_id: Some(HEAD_DEPARTMENT_ID.to_owned()),
            raw_creation_date: Some(*at),
            ..Default::default()
        }),
        Response::Rejected {
            entity_id,
            content: bytes,
            at,
            ..
        } => entities.push(ev::Entity {
            entity_type: Some(ev::EntityType::Attachment as i32),
            entity_id: entity_id.clone(),
            parent_entity_id: Some(doc.entity_id.clone()),
            content: Some(content(bytes)),
            attachment_type: Some(ev::AttachmentType::XmlSignatureRejection as i32),
            file_name: Some(format!("DP_UVUTOCH_{entity_id}.xml")),
            raw_creation_date: Some(*at),
            ..Default::default()
        }),
        Response::NotRequested | Response::Waiting => {}
    }
    let last = d.events.last().map_or(sent, |e| e.ticks);
    ev::Message {
        message_id: doc.message_id.clone(),
        timestamp_ticks: sent,
        last_patch_timestamp_ticks: last,
        from_box_id: d.sender_box_id.clone(),
        from_title: title_of(seed, &d.sender_box_id),
        to_box_id: Some(d.recipient_box_id.clone()),
        to_title: Some(title_of(seed, &d.recipient_box_id)),
        entities,
        is_deleted: Some(false),
        is_test: Some(false),
        lock_mode: dap::LockMode::None as i32,
        message_type: docs::MessageType::Letter as i32,
        ..Default::default()
    }
}
