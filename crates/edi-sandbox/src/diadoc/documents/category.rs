//! `filterCategory` of GetDocuments: `<DocumentType>.<DocumentClass><DocumentStatus>`
//! (api.md, GetDocuments; the names below are those of the docs' `http/GetDocuments.rst`).
//! Every documented name is accepted; a name the docs do not list is a 400. Statuses that no
//! seeded document can be in (proxy, resolution, roaming, …) are valid and simply match nothing.

use crate::reply::Refusal;
use crate::seed::{DocumentKind, Response, SeedDocument};

/// A parsed `filterCategory`.
#[derive(Debug)]
pub(crate) struct Category {
    doc_type: DocType,
    class: Class,
    status: &'static str,
}

#[derive(Debug)]
enum DocType {
    Any,
    /// One `TypeNamedId`.
    Named(String),
    /// The deprecated aggregates (`AnyInvoiceDocumentType`, …): a set of type names.
    Group(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
enum Class {
    Inbound,
    Outbound,
    Internal,
    Proxy,
}

/// The 33 documented status names (the 34th is the empty one).
const STATUSES: &[&str] = &[
    "NotRead",
    "NoRecipientSignatureRequest",
    "WaitingForRecipientSignature",
    "WithRecipientSignature",
    "WithSenderSignature",
    "RecipientSignatureRequestRejected",
    "WaitingForSenderSignature",
    "InvalidSenderSignature",
    "InvalidRecipientSignature",
    "Approved",
    "Disapproved",
    "WaitingForResolution",
    "SignatureRequestRejected",
    "Finished",
    "HaveToCreateReceipt",
    "NotFinished",
    "InvoiceAmendmentRequested",
    "RevocationIsRequestedByMe",
    "RequestsMyRevocation",
    "RevocationAccepted",
    "RevocationRejected",
    "RevocationApproved",
    "RevocationDisapproved",
    "WaitingForRevocationApprovement",
    "NotRevoked",
    "WaitingForProxySignature",
    "WithProxySignature",
    "InvalidProxySignature",
    "ProxySignatureRejected",
    "WaitingForInvoiceReceipt",
    "WaitingForReceipt",
    "RequestsMySignature",
    "RoamingNotificationError",
];

const INVOICE_TYPES: &[&str] = &[
    "Invoice",
    "InvoiceRevision",
    "InvoiceCorrection",
    "InvoiceCorrectionRevision",
];
const BILATERAL_TYPES: &[&str] = &[
    "Nonformalized",
    "Torg12",
    "AcceptanceCertificate",
    "XmlTorg12",
    "XmlAcceptanceCertificate",
    "TrustConnectionRequest",
    "PriceList",
    "PriceListAgreement",
    "CertificateRegistry",
    "ReconciliationAct",
    "Contract",
    "Torg13",
];
const UNILATERAL_TYPES: &[&str] = &["ProformaInvoice", "ServiceDetails"];

impl Category {
    /// Parses a `filterCategory` value; anything not documented is a 400.
    pub(crate) fn parse(value: &str) -> Result<Self, Refusal> {
        let bad =
            |why: &str| Refusal::bad_request(format!("Invalid filterCategory '{value}': {why}"));
        let (type_part, rest) = value
            .split_once('.')
            .ok_or_else(|| bad("expected <DocumentType>.<DocumentClass><DocumentStatus>"))?;
        let doc_type = match type_part {
            "Any" => DocType::Any,
            "AnyInvoiceDocumentType" => DocType::Group(INVOICE_TYPES),
            "AnyBilateralDocumentType" => DocType::Group(BILATERAL_TYPES),
            "AnyUnilateralDocumentType" => DocType::Group(UNILATERAL_TYPES),
            // A TypeNamedId: the `DocumentType` names cover every type the seed uses.
            name => match edi_proto::diadoc::api::proto::DocumentType::from_str_name(name) {
                Some(t) if t as i32 >= 0 => DocType::Named(name.to_owned()),
                _ => return Err(bad("unknown document type")),
            },
        };
        let (class, status) = [
            ("Inbound", Class::Inbound),
            ("Outbound", Class::Outbound),
            ("Internal", Class::Internal),
            ("Proxy", Class::Proxy),
        ]
        .into_iter()
        .find_map(|(name, class)| rest.strip_prefix(name).map(|s| (class, s)))
        .ok_or_else(|| bad("the class must be Inbound, Outbound, Internal or Proxy"))?;
        let status = if status.is_empty() {
            ""
        } else {
            STATUSES
                .iter()
                .find(|s| **s == status)
                .ok_or_else(|| bad("unknown document status"))?
        };
        Ok(Self {
            doc_type,
            class,
            status,
        })
    }

    /// Whether `d` belongs to this category.
    pub(crate) fn matches(&self, d: &SeedDocument) -> bool {
        let type_ok = self.type_matches(d.kind);
        // The seed has no internal documents and none sent through a proxy.
        let class_ok = match self.class {
            Class::Inbound => d.inbound,
            Class::Outbound => !d.inbound,
            Class::Internal | Class::Proxy => false,
        };
        type_ok && class_ok && self.status_matches(d)
    }

    fn type_matches(&self, kind: DocumentKind) -> bool {
        let type_name = kind.type_named_id();
        match &self.doc_type {
            DocType::Any => true,
            DocType::Named(name) => name == type_name,
            DocType::Group(names) => names.contains(&type_name),
        }
    }

    fn status_matches(&self, d: &SeedDocument) -> bool {
        let r = &d.response;
        match self.status {
            "" => true,
            "NotRead" => d.document.is_read == Some(false),
            "NoRecipientSignatureRequest" => matches!(r, Response::NotRequested),
            "WaitingForRecipientSignature" => matches!(r, Response::Waiting),
            "RequestsMySignature" => d.inbound && matches!(r, Response::Waiting),
            "WithRecipientSignature" => matches!(r, Response::Signed { .. }),
            "RecipientSignatureRequestRejected" => matches!(r, Response::Rejected { .. }),
            // Every seeded document carries a valid sender signature.
            "WithSenderSignature" => true,
            "Finished" => d.finished(),
            "NotFinished" => !d.finished(),
            "RevocationAccepted" => d.revoked,
            "NotRevoked" => !d.revoked,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_categories_parse() {
        for ok in [
            "Any.Inbound",
            "Any.InboundNotRevoked",
            "Any.OutboundNotFinished",
            "XmlTorg12.OutboundWithRecipientSignature",
            "InvoiceCorrection.OutboundInvoiceAmendmentRequested",
            "UniversalTransferDocument.InboundWaitingForRecipientSignature",
            "AnyBilateralDocumentType.Internal",
            "Any.ProxyRoamingNotificationError",
        ] {
            assert!(Category::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "Any",
            "Any.",
            "Any.Sideways",
            "Any.InboundNope",
            "Nope.Inbound",
            "any.Inbound",
        ] {
            assert!(Category::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aggregates_cover_their_types() {
        let c = Category::parse("AnyInvoiceDocumentType.Inbound").expect("parses");
        assert!(c.type_matches(DocumentKind::Invoice));
        assert!(!c.type_matches(DocumentKind::Nonformalized));
    }
}
