//! `GET /GenerateDocumentProtocol?boxId=&messageId=&documentId=` (api.md,
//! GenerateDocumentProtocol): the delivery protocol of a document, a `Documents.DocumentProtocol`
//! with a PDF print form and a CMS signature over it.
//!
//! Generation is asynchronous upstream. The docs say the first request queues it and the
//! answer has `Retry-After` (seconds) and no body, without naming the status; the C# SDK
//! accepts only 200 and branches on `Retry-After`. The sandbox follows the SDK: for each
//! (box, message, document) the first `protocol_polls` calls (builder, default 1) answer
//! **200 + `Retry-After: retry_after_secs` + empty body**; later calls answer 200 with the protocol.
//!
//! Order of checks: 401, 400 (parameters), 403 (box), 404 (no such message, or no such entity in
//! it), 409 (a kind with no protocol: the seed's счета на оплату, `DocumentKind::has_protocol`;
//! the text is plain, as api.md says). Refused calls do not count as polls.

use std::collections::HashMap;

use axum::http::StatusCode;
use bytes::Bytes;
use edi_proto::diadoc::api::proto as dap;

use super::{Outcome, proto, user_box};
use crate::call::Call;
use crate::reply::{Refusal, Reply};
use crate::seed::SeedDocument;
use crate::seed::ids::format_utc;
use crate::state::Shared;
use crate::{cms, pdf};

/// Calls seen per (box index, message id, entity id), all lower-case.
#[derive(Debug, Default)]
pub(crate) struct ProtocolQueue {
    calls: HashMap<(usize, String, String), u32>,
}

/// The handler.
pub(crate) fn generate(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "boxId")?;
    let message_id = call.guid("messageId")?;
    let document_id = call.guid("documentId")?;
    let in_message: Vec<&SeedDocument> = shared
        .seed
        .documents
        .iter()
        .filter(|d| d.box_index == b && d.document.message_id == message_id)
        .collect();
    if in_message.is_empty() {
        return Err(Refusal::NotFound(format!(
            "Message {message_id} is not found in the box"
        )));
    }
    let d = in_message
        .into_iter()
        .find(|d| d.document.entity_id == document_id)
        .ok_or_else(|| {
            Refusal::NotFound(format!(
                "Document {document_id} is not found in message {message_id}"
            ))
        })?;
    if !d.kind.has_protocol() {
        return Err(Refusal::Conflict(
            "Generating a protocol for this type of document is not supported".to_owned(),
        ));
    }
    let calls = {
        let mut state = shared.lock();
        let n = state
            .protocols
            .calls
            .entry((b, message_id, document_id))
            .or_insert(0);
        *n += 1;
        *n
    };
    if calls <= shared.settings.protocol_polls {
        return Ok(Reply::Pending {
            status: StatusCode::OK,
            retry_after: shared.settings.retry_after_secs,
        });
    }
    let print_form = print_form(d);
    let signature = cms::detached_signature("Diadoc operator (edi-sandbox)", &print_form);
    proto(&dap::documents::DocumentProtocol {
        print_form: Bytes::from(print_form),
        signature: Bytes::from(signature),
    })
}

/// The protocol's PDF: the document's ids, parties and events, in ASCII (see `pdf.rs`).
fn print_form(d: &SeedDocument) -> Vec<u8> {
    let doc = &d.document;
    let mut lines = vec![
        "DOCUMENT DELIVERY PROTOCOL".to_owned(),
        "EDI operator: Diadoc (simulated by edi-sandbox)".to_owned(),
        String::new(),
        format!("Document type:   {}", doc.type_named_id),
        format!(
            "Document date:   {}",
            doc.document_date.as_deref().unwrap_or("-")
        ),
        format!(
            "File name:       {}",
            ascii(doc.file_name.as_deref().unwrap_or("-"))
        ),
        format!("Message id:      {}", doc.message_id),
        format!("Document id:     {}", doc.entity_id),
        format!("Sender box:      {}", d.sender_box_id),
        format!("Recipient box:   {}", d.recipient_box_id),
        String::new(),
        "Events (UTC):".to_owned(),
    ];
    if let Some(sent) = doc.send_timestamp_ticks {
        lines.push(format!(
            "  {}  sent and signed by the sender",
            format_utc(sent)
        ));
    }
    if let Some(delivered) = doc.delivery_timestamp_ticks {
        lines.push(format!(
            "  {}  delivered to the recipient",
            format_utc(delivered)
        ));
    }
    if let Some(at) = d.answered_at() {
        let what = match d.response {
            crate::seed::Response::Rejected { .. } => "signature refused by the recipient",
            _ => "signed by the recipient",
        };
        lines.push(format!("  {}  {what}", format_utc(at)));
    }
    lines.push(String::new());
    lines.push(format!(
        "Sender signature: {} bytes, valid",
        d.sender_signature.len()
    ));
    pdf::render("Delivery protocol", &lines)
}

/// File names may be Cyrillic; the PDF draws ASCII, so keep the ASCII part readable.
fn ascii(s: &str) -> String {
    if s.is_ascii() {
        s.to_owned()
    } else {
        format!(
            "{} (non-ASCII name)",
            s.chars().filter(char::is_ascii).collect::<String>()
        )
    }
}
