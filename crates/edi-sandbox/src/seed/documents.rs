//! Seeded documents: for each box a list of inbound and outbound documents of four kinds, each
//! with its content bytes, the sender's signature, the recipient's answer and its events. The
//! `Document` metadata is what GetDocuments returns; `diadoc/docflows` builds the docflow view
//! from the rest. `documents/generate.rs` makes them.

mod generate;

use bytes::Bytes;
use edi_proto::diadoc::api::proto as dap;

use dap::documents as docs;

pub(crate) use generate::for_box;

/// The kinds of seeded documents (their `TypeNamedId`s are the `DocumentType` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A non-formalized document (a PDF contract); needs the recipient's signature.
    Nonformalized,
    /// An УПД (XML, function СЧФДОП); needs the recipient's signature.
    UniversalTransferDocument,
    /// A счёт-фактура (XML, function СЧФ); no answer from the recipient.
    Invoice,
    /// A счёт на оплату (PDF); no answer, and no delivery protocol (GenerateDocumentProtocol → 409).
    ProformaInvoice,
}

impl DocumentKind {
    /// Every kind, in the order the seed cycles through them.
    pub const ALL: [Self; 4] = [
        Self::Nonformalized,
        Self::UniversalTransferDocument,
        Self::Invoice,
        Self::ProformaInvoice,
    ];

    /// The `DocumentType` enum value.
    pub fn document_type(self) -> dap::DocumentType {
        match self {
            Self::Nonformalized => dap::DocumentType::Nonformalized,
            Self::UniversalTransferDocument => dap::DocumentType::UniversalTransferDocument,
            Self::Invoice => dap::DocumentType::Invoice,
            Self::ProformaInvoice => dap::DocumentType::ProformaInvoice,
        }
    }

    /// `Document.TypeNamedId`.
    pub fn type_named_id(self) -> &'static str {
        self.document_type().as_str_name()
    }

    /// `Document.Function`.
    pub fn function(self) -> &'static str {
        match self {
            Self::UniversalTransferDocument => "СЧФДОП",
            Self::Invoice => "СЧФ",
            Self::Nonformalized | Self::ProformaInvoice => "default",
        }
    }

    /// `Document.Version`.
    pub fn version(self) -> &'static str {
        match self {
            Self::UniversalTransferDocument | Self::Invoice => "utd970_05_03_01",
            Self::Nonformalized | Self::ProformaInvoice => "v1",
        }
    }

    /// Whether the docflow waits for the recipient's signature.
    pub fn needs_recipient_signature(self) -> bool {
        matches!(self, Self::Nonformalized | Self::UniversalTransferDocument)
    }

    /// Whether GenerateDocumentProtocol can make a protocol for this kind. The sandbox's choice:
    /// a счёт на оплату has none (api.md, GenerateDocumentProtocol: 409 "no protocol can be made
    /// for this document").
    pub fn has_protocol(self) -> bool {
        self != Self::ProformaInvoice
    }
}

/// The recipient's answer to a document.
#[derive(Debug, Clone)]
pub enum Response {
    /// The kind asks for no answer.
    NotRequested,
    /// Signature requested, not given yet.
    Waiting,
    /// Signed by the recipient.
    Signed {
        /// The recipient's signature entity id.
        entity_id: String,
        /// The recipient's detached signature.
        signature: Bytes,
        /// When it was sent, .NET ticks.
        at: i64,
    },
    /// Refused by the recipient.
    Rejected {
        /// The refusal entity id.
        entity_id: String,
        /// The refusal's comment.
        comment: String,
        /// The refusal document (XML).
        content: Bytes,
        /// When it was sent, .NET ticks.
        at: i64,
    },
}

/// One event in a document's history.
#[derive(Debug, Clone)]
pub struct SeedEvent {
    /// The event id (a GUID).
    pub event_id: String,
    /// When it happened, .NET ticks.
    pub ticks: i64,
}

/// A seeded document with everything the methods need to describe it.
#[derive(Debug, Clone)]
pub struct SeedDocument {
    /// Index into `Seed::boxes` of the box that holds it.
    pub box_index: usize,
    /// Its kind.
    pub kind: DocumentKind,
    /// Inbound (from the counteragent) or outbound.
    pub inbound: bool,
    /// The sender's box, GUID form.
    pub sender_box_id: String,
    /// The recipient's box, GUID form.
    pub recipient_box_id: String,
    /// The metadata as GetDocuments returns it (`Content.Data` empty, api.md).
    pub document: docs::Document,
    /// The document's content.
    pub content: Bytes,
    /// The sender's signature entity id.
    pub sender_signature_id: String,
    /// The sender's detached signature.
    pub sender_signature: Bytes,
    /// The recipient's answer.
    pub response: Response,
    /// Whether the document was revoked (annulled) by agreement.
    pub revoked: bool,
    /// Events in order: sent, then the answer and the revocation if any. The last is `LastEvent`.
    pub events: Vec<SeedEvent>,
}

impl SeedDocument {
    /// Whether the docflow is finished (nothing is awaited from anyone).
    pub fn finished(&self) -> bool {
        !matches!(self.response, Response::Waiting)
    }

    /// The `RecipientResponseStatus` of the document.
    pub fn response_status(&self) -> docs::RecipientResponseStatus {
        match self.response {
            Response::NotRequested => docs::RecipientResponseStatus::NotAcceptable,
            Response::Waiting => docs::RecipientResponseStatus::WaitingForRecipientSignature,
            Response::Signed { .. } => docs::RecipientResponseStatus::WithRecipientSignature,
            Response::Rejected { .. } => {
                docs::RecipientResponseStatus::RecipientSignatureRequestRejected
            }
        }
    }

    /// `DocflowStatusV3.PrimaryStatus`: severity and the text the Diadoc UI shows.
    pub fn status_text(&self) -> (&'static str, &'static str) {
        self.status_text_at(i64::MAX)
    }

    /// When the recipient answered, if they did.
    pub fn answered_at(&self) -> Option<i64> {
        match self.response {
            Response::Signed { at, .. } | Response::Rejected { at, .. } => Some(at),
            Response::NotRequested | Response::Waiting => None,
        }
    }

    /// The primary status as it stood at `ticks` (GetDocflows with a `LastEventId`).
    pub fn status_text_at(&self, ticks: i64) -> (&'static str, &'static str) {
        let revoked = self.revoked && self.events.last().is_some_and(|e| e.ticks <= ticks);
        if revoked {
            return ("Info", "Аннулирован");
        }
        let answered = self.answered_at().is_some_and(|at| at <= ticks);
        match (&self.response, answered, self.inbound) {
            (Response::NotRequested, _, _) => ("Success", "Документооборот завершен"),
            (Response::Signed { .. }, true, true) => ("Success", "Подписан"),
            (Response::Signed { .. }, true, false) => ("Success", "Подписан контрагентом"),
            (Response::Rejected { .. }, true, _) => ("Error", "Отказано в подписи"),
            (_, _, true) => ("Warning", "Требуется подписать"),
            (_, _, false) => ("Info", "Ожидается подпись получателя"),
        }
    }
}
