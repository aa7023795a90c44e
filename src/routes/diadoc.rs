//! Diadoc entries of the route table, by area in the submodules; the parameters several areas
//! share live here. Upstream paths, query names, page sizes and limits come from
//! reference/diadoc/api.md (and lifecycle.md for current versions), cited per entry; the `///`
//! text is what API users read.

mod account;
mod counteragents;
mod documents;
mod messages;
mod sessions;
mod templates;

pub use account::*;
pub use counteragents::*;
pub use documents::*;
pub use messages::*;
pub use sessions::*;
pub use templates::*;

use super::{In, Page, Param, ParamKind, Target};
use edi_proto::names;

/// `CounteragentStatus` names a caller may filter by (the enum minus its "unknown" value).
/// api.md also lists `Rejected`, which is not a value of the enum and whose meaning is UNKNOWN,
/// so it is not offered.
const COUNTERAGENT_STATUSES: &[&str] = &[
    "IsMyCounteragent",
    "InvitesMe",
    "IsInvitedByMe",
    "RejectsMe",
    "IsRejectedByMe",
    "NotInCounteragentList",
];

const STATUS: Param = Param {
    name: "status",
    location: In::Query,
    kind: ParamKind::Enum(COUNTERAGENT_STATUSES),
    required: false,
    upstream: Target::Query("counteragentStatus"),
    description: "Only counteragents in this partnership status.",
};

const AFTER: Param = Param {
    name: "after",
    location: In::Query,
    kind: ParamKind::Cursor,
    required: false,
    upstream: Target::Query("afterIndexKey"),
    description: "Paging cursor: the `nextAfter` of the previous page. Items strictly after it are returned.",
};

const BOX_ID: Param = Param {
    name: "boxId",
    location: In::Path,
    kind: ParamKind::BoxId,
    required: true,
    upstream: Target::Query("boxId"),
    description: "The box: its `boxIdGuid` (or the `…@diadoc.ru` form).",
};

/// Page of counteragents: 100 at most, cursor = `Counteragent.IndexKey` (api.md, GetCounteragents).
const COUNTERAGENT_PAGE: Page = Page {
    message: names::COUNTERAGENT_LIST,
    items: "Counteragents",
    key: "IndexKey",
    cursor: &AFTER,
    size: None,
    default_size: 100,
    more_flag: None,
};

/// The organization in the path (`orgId` from the organizations list).
const ORG_ID: Param = Param {
    name: "orgId",
    location: In::Path,
    kind: ParamKind::Guid,
    required: true,
    upstream: Target::Query("myOrgId"),
    description: "The organization's id (`orgId` from the organizations list).",
};

/// GetCounteragents V3's text search (api.md, GetCounteragents: `query`).
const QUERY: Param = Param {
    name: "query",
    location: In::Query,
    kind: ParamKind::Text { max: 200 },
    required: false,
    upstream: Target::Query("query"),
    description: "Text matched against the counteragent's short or full name, or its INN.",
};

/// GetDocuments' filter (api.md, GetDocuments V3).
const FILTER_CATEGORY: Param = Param {
    name: "filterCategory",
    location: In::Query,
    kind: ParamKind::FilterCategory,
    required: true,
    upstream: Target::Query("filterCategory"),
    description: "`<DocumentType>.<DocumentClass><DocumentStatus>`: type is a TypeNamedId or `Any`; class is `Inbound`, `Outbound`, `Internal` or `Proxy`; status is empty or a status name.",
};

const DOCUMENT_NUMBER: Param = Param {
    name: "documentNumber",
    location: In::Query,
    kind: ParamKind::Text { max: 256 },
    required: false,
    upstream: Target::Query("documentNumber"),
    description: "Number of the primary document. Cannot be combined with a time range.",
};

const TIMESTAMP_FROM: Param = Param {
    name: "timestampFromTicks",
    location: In::Query,
    kind: ParamKind::Ticks,
    required: false,
    upstream: Target::Query("timestampFromTicks"),
    description: "Inclusive lower bound of the send/delivery time, in .NET ticks.",
};

const TIMESTAMP_TO: Param = Param {
    name: "timestampToTicks",
    description: "Inclusive upper bound of the send/delivery time, in .NET ticks.",
    upstream: Target::Query("timestampToTicks"),
    ..TIMESTAMP_FROM
};

const FROM_DOCUMENT_DATE: Param = Param {
    name: "fromDocumentDate",
    location: In::Query,
    kind: ParamKind::Date,
    required: false,
    upstream: Target::Query("fromDocumentDate"),
    description: "Inclusive lower bound of the document's own date (YYYY-MM-DD).",
};

const TO_DOCUMENT_DATE: Param = Param {
    name: "toDocumentDate",
    description: "Inclusive upper bound of the document's own date (YYYY-MM-DD).",
    upstream: Target::Query("toDocumentDate"),
    ..FROM_DOCUMENT_DATE
};

/// GetDocuments' page size (api.md, GetDocuments V3: `count`, 0 to 100, default 100).
const COUNT: Param = Param {
    name: "count",
    location: In::Query,
    kind: ParamKind::Int { min: 0, max: 100 },
    required: false,
    upstream: Target::Query("count"),
    description: "Page size, 0 to 100 (default 100).",
};

const MESSAGE_ID: Param = Param {
    name: "messageId",
    location: In::Path,
    kind: ParamKind::Guid,
    required: true,
    upstream: Target::Query("messageId"),
    description: "The message that holds the document.",
};

const DOCUMENT_ID: Param = Param {
    name: "documentId",
    location: In::Path,
    kind: ParamKind::Guid,
    required: true,
    upstream: Target::Query("documentId"),
    description: "The document's entity id in that message.",
};
