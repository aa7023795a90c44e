//! The Diadoc wire schema, shared by the gateway and the sandbox.
//!
//! * [`pool()`] — the prost-reflect [`DescriptorPool`] of every message in `proto/`, decoded once
//!   per process. The gateway's transcoder walks it; it never changes after start-up, so a
//!   process-wide `LazyLock` is a constant, not a cache.
//! * [`diadoc`] — prost structs generated from the same descriptors, for code that builds
//!   messages by hand (the sandbox's seed data, tests).
//! * [`names`] — the fully qualified names of the messages the gateway's routes use.
//!
//! `proto/*.proto` is written by `tools/gen-proto.py` from `reference/diadoc/proto-facts.json`;
//! `tests/facts.rs` checks every field against those facts again.

use std::sync::LazyLock;

pub use prost_reflect::{DescriptorPool, MessageDescriptor};

/// The encoded `FileDescriptorSet` of `proto/`, compiled by protox in `build.rs`.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/diadoc.bin"));

static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    // The bytes were produced by protox from files it just compiled; failing to decode them is a
    // build defect, not a runtime condition.
    #[allow(clippy::expect_used)]
    DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("descriptor set written by build.rs")
});

/// The descriptor pool of the Diadoc schema, built once per process.
pub fn pool() -> &'static DescriptorPool {
    &POOL
}

/// Looks up a message by its fully qualified name (`Diadoc.Api.Proto.CounteragentList`).
pub fn message(full_name: &str) -> Option<MessageDescriptor> {
    pool().get_message_by_name(full_name)
}

/// Fully qualified names of the messages the gateway's routes send and receive
/// (reference/diadoc/api.md, per method).
pub mod names {
    /// `/V3/Authenticate?type=password` request body.
    pub const LOGIN_PASSWORD: &str = "Diadoc.Api.Proto.LoginPassword";
    /// `/GetMyOrganizations` response.
    pub const ORGANIZATION_LIST: &str = "Diadoc.Api.Proto.OrganizationList";
    /// `/V2|V3/GetCounteragents` response.
    pub const COUNTERAGENT_LIST: &str = "Diadoc.Api.Proto.CounteragentList";
    /// `/V3/GetDocuments` response.
    pub const DOCUMENT_LIST: &str = "Diadoc.Api.Proto.Documents.DocumentList";
    /// `/V3/GetDocflows` and `/V5/GetDocflows` request body.
    pub const GET_DOCFLOW_BATCH_REQUEST: &str = "Diadoc.Api.Proto.Docflow.GetDocflowBatchRequest";
    /// `/V3/GetDocflows` response.
    pub const GET_DOCFLOW_BATCH_RESPONSE_V3: &str =
        "Diadoc.Api.Proto.Docflow.GetDocflowBatchResponseV3";
    /// `/V5/GetDocflows` response (lifecycle.md §1.4).
    pub const GET_DOCFLOW_BATCH_RESPONSE_V5: &str =
        "Diadoc.Api.Proto.Docflow.GetDocflowBatchResponseV5";
    /// `/GetOrganization` response (api.md, GetOrganization).
    pub const ORGANIZATION: &str = "Diadoc.Api.Proto.Organization";
    /// `/GenerateDocumentProtocol` response.
    pub const DOCUMENT_PROTOCOL: &str = "Diadoc.Api.Proto.Documents.DocumentProtocol";
    /// GenerateDocumentZip's reply: the name of the archive on the shelf.
    pub const DOCUMENT_ZIP_GENERATION_RESULT: &str =
        "Diadoc.Api.Proto.Documents.DocumentZipGenerationResult";
    /// `/PostTemplate` request body.
    pub const TEMPLATE_TO_POST: &str = "Diadoc.Api.Proto.Events.TemplateToPost";
    /// `/PostTemplate` response.
    pub const TEMPLATE: &str = "Diadoc.Api.Proto.Events.Template";
    /// `/V3/GetCounteragent` response.
    pub const COUNTERAGENT: &str = "Diadoc.Api.Proto.Counteragent";
    /// `/V3/AcquireCounteragent` request body.
    pub const ACQUIRE_COUNTERAGENT_REQUEST: &str = "Diadoc.Api.Proto.AcquireCounteragentRequest";
    /// `/V3/AcquireCounteragent` response: the task id.
    pub const ASYNC_METHOD_RESULT: &str = "Diadoc.Api.Proto.AsyncMethodResult";
    /// `/V3/AcquireCounteragentResult` response.
    pub const ACQUIRE_COUNTERAGENT_RESULT_V2: &str = "Diadoc.Api.Proto.AcquireCounteragentResultV2";
    /// `/V2/GetMyUser` response.
    pub const USER_V2: &str = "Diadoc.Api.Proto.UserV2";
    /// `/GetBox` response.
    pub const BOX: &str = "Diadoc.Api.Proto.Box";
    /// `/V6/GetMessage`, `/V3/PostMessage` and `/TransformTemplateToMessage` response.
    pub const MESSAGE: &str = "Diadoc.Api.Proto.Events.Message";
    /// `/V3/GetDocument` response.
    pub const DOCUMENT: &str = "Diadoc.Api.Proto.Documents.Document";
    /// The repeated fields of `MessageToPost` that hold documents: every attachment field but
    /// `StructuredDataAttachments`, which are files attached to a document of the message (their
    /// `ParentCustomDocumentId`), not documents. A message holds at most 40 documents
    /// (lifecycle.md §3; api.md PostMessage), counted over all of these.
    pub const MESSAGE_TO_POST_DOCUMENT_FIELDS: &[&str] = &[
        "Invoices",
        "NonformalizedDocuments",
        "Torg12Documents",
        "AcceptanceCertificates",
        "ProformaInvoices",
        "XmlTorg12SellerTitles",
        "XmlAcceptanceCertificateSellerTitles",
        "PriceLists",
        "PriceListAgreements",
        "CertificateRegistries",
        "ReconciliationActs",
        "Contracts",
        "Torg13Documents",
        "ServiceDetailsDocuments",
        "EncryptedInvoices",
        "EncryptedXmlTorg12SellerTitles",
        "EncryptedXmlAcceptanceCertificateSellerTitles",
        "SupplementaryAgreements",
        "UniversalTransferDocumentSellerTitles",
        "DocumentAttachments",
    ];
    /// `/V3/PostMessage` request body.
    pub const MESSAGE_TO_POST: &str = "Diadoc.Api.Proto.Events.MessageToPost";
    /// `/TransformTemplateToMessage` request body.
    pub const TEMPLATE_TRANSFORMATION_TO_POST: &str =
        "Diadoc.Api.Proto.Events.TemplateTransformationToPost";
    /// `/V8/GetNewEvents` response.
    pub const BOX_EVENT_LIST: &str = "Diadoc.Api.Proto.Events.BoxEventList";
    /// One event of a `BoxEventList`.
    pub const BOX_EVENT: &str = "Diadoc.Api.Proto.Events.BoxEvent";
    /// `Diadoc.Api.Proto.Timestamp`: .NET ticks (api.md, "Time values").
    pub const TIMESTAMP: &str = "Diadoc.Api.Proto.Timestamp";
}

/// prost structs for the whole schema, one module per proto package
/// (`diadoc::api::proto::CounteragentList`, `diadoc::api::proto::docflow::…`).
#[allow(
    missing_docs,
    missing_debug_implementations,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/diadoc.rs"));
}

pub use generated::diadoc;
