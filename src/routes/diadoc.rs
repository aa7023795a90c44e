//! Diadoc entries of the route table. Upstream paths, query names, page sizes and limits come
//! from reference/diadoc/api.md, cited per entry; the `///` text is what API users read.

use super::{
    Auth, CachePolicy, Call, DiadocCall, DiadocReply, FileView, In, Page, Param, ParamKind,
    Polling, ProtoBody, Route, Target, Verb,
};
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

/// Exchanges a Diadoc login and password for a Diadoc token.
pub const CREATE_SESSION: Route = Route {
    summary: "Log in to Diadoc",
    description: "Exchanges a Diadoc login and password for a Diadoc token (valid 24 hours). \
        Send it as `Authorization: Bearer <token>` on every other Diadoc route. \
        The gateway adds its own developer key; callers never see or send it.",
    // api.md, Authenticate: the password login is signed with the developer key alone.
    auth: Auth::DeveloperKey,
    ..Route::new(
        "createDiadocSession",
        Verb::Post,
        "/v1/diadoc/sessions",
        // api.md, Authenticate: `POST /V3/Authenticate?type=password`, body LoginPassword,
        // token as text.
        Call::Diadoc(DiadocCall {
            method: Verb::Post,
            path: "/V3/Authenticate",
            fixed_query: &[("type", "password")],
            body: Some(ProtoBody {
                message: names::LOGIN_PASSWORD,
                max_items: None,
            }),
            reply: DiadocReply::Token,
        }),
    )
};

/// Lists the organizations, with their boxes, that the token's user can access.
pub const LIST_ORGANIZATIONS: Route = Route {
    summary: "List my organizations",
    description: "The organizations, and their boxes, that the caller's Diadoc user can access.",
    ..Route::new(
        "listDiadocOrganizations",
        Verb::Get,
        "/v1/diadoc/organizations",
        // api.md, GetMyOrganizations: GET, no version prefix; `autoRegister` left at its default.
        Call::Diadoc(DiadocCall {
            method: Verb::Get,
            path: "/GetMyOrganizations",
            fixed_query: &[],
            body: None,
            reply: DiadocReply::Message(names::ORGANIZATION_LIST),
        }),
    )
};

/// Lists an organization's counteragents, 100 per page.
pub const LIST_ORGANIZATION_COUNTERAGENTS: Route = Route {
    summary: "List an organization's counteragents",
    description: "Counteragents of an organization, 100 per page, optionally filtered by status. \
        Follow `nextAfter` (or the `Link: rel=\"next\"` header) for the next page; it is absent \
        on the last page. Pages are cached per caller for a short time; send \
        `Cache-Control: no-cache` to refresh.",
    params: &[ORG_ID, STATUS, AFTER],
    cache: CachePolicy::PerCaller,
    ..Route::new(
        "listDiadocOrganizationCounteragents",
        Verb::Get,
        "/v1/diadoc/organizations/{orgId}/counteragents",
        // api.md, GetCounteragents V2: `myOrgId`, `counteragentStatus`, `afterIndexKey`.
        Call::Diadoc(DiadocCall {
            method: Verb::Get,
            path: "/V2/GetCounteragents",
            fixed_query: &[],
            body: None,
            reply: DiadocReply::Page(COUNTERAGENT_PAGE),
        }),
    )
};

/// Lists a box's counteragents, 100 per page, with an optional text search.
pub const LIST_BOX_COUNTERAGENTS: Route = Route {
    summary: "List a box's counteragents",
    description: "Counteragents of the organization that owns a box, 100 per page, filtered by \
        status or searched by name or INN (`query`, which cannot be combined with `after`). \
        Follow `nextAfter` for the next page. Pages are cached per caller for a short time; \
        send `Cache-Control: no-cache` to refresh.",
    params: &[
        Param {
            upstream: Target::Query("myBoxId"),
            ..BOX_ID
        },
        STATUS,
        AFTER,
        QUERY,
    ],
    // api.md, GetCounteragents: `query` must not be combined with `afterIndexKey`.
    exclusive: &[(&QUERY, &AFTER)],
    cache: CachePolicy::PerCaller,
    ..Route::new(
        "listDiadocBoxCounteragents",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/counteragents",
        Call::Diadoc(DiadocCall {
            method: Verb::Get,
            path: "/V3/GetCounteragents",
            fixed_query: &[],
            body: None,
            reply: DiadocReply::Page(COUNTERAGENT_PAGE),
        }),
    )
};

/// Lists documents of a box that match a filter (content not included).
pub const LIST_DOCUMENTS: Route = Route {
    summary: "List documents in a box",
    description: "Documents of a box matching `filterCategory` (`<DocumentType>.<DocumentClass>\
        <DocumentStatus>`, e.g. `Any.Inbound` or `Any.OutboundNotFinished`), up to `count` per \
        page (default 100). Follow `nextAfter` for the next page. Document content is never \
        included; use the docflows batch with `injectEntityContent`.",
    params: &[
        BOX_ID,
        FILTER_CATEGORY,
        Param {
            name: "counteragentBoxId",
            upstream: Target::Query("counteragentBoxId"),
            location: In::Query,
            required: false,
            description: "Only documents exchanged with this counteragent box.",
            ..BOX_ID
        },
        DOCUMENT_NUMBER,
        TIMESTAMP_FROM,
        TIMESTAMP_TO,
        FROM_DOCUMENT_DATE,
        TO_DOCUMENT_DATE,
        Param {
            name: "departmentId",
            location: In::Query,
            kind: ParamKind::Guid,
            required: false,
            upstream: Target::Query("departmentId"),
            description: "Department to search in; the head department by default.",
        },
        Param {
            name: "excludeSubdepartments",
            location: In::Query,
            kind: ParamKind::Flag,
            required: false,
            upstream: Target::Query("excludeSubdepartments"),
            description: "Leave out documents of sub-departments.",
        },
        Param {
            name: "sortDirection",
            location: In::Query,
            kind: ParamKind::Enum(&["Ascending", "Descending"]),
            required: false,
            upstream: Target::Query("sortDirection"),
            description: "Order by send/delivery time; `Ascending` by default.",
        },
        AFTER,
        COUNT,
    ],
    // api.md, GetDocuments V3: `documentNumber` with a ticks range is a 400, and the date range
    // must not be combined with the ticks range.
    exclusive: &[
        (&DOCUMENT_NUMBER, &TIMESTAMP_FROM),
        (&DOCUMENT_NUMBER, &TIMESTAMP_TO),
        (&FROM_DOCUMENT_DATE, &TIMESTAMP_FROM),
        (&FROM_DOCUMENT_DATE, &TIMESTAMP_TO),
        (&TO_DOCUMENT_DATE, &TIMESTAMP_FROM),
        (&TO_DOCUMENT_DATE, &TIMESTAMP_TO),
    ],
    ..Route::new(
        "listDiadocDocuments",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/documents",
        Call::Diadoc(DiadocCall {
            method: Verb::Get,
            path: "/V3/GetDocuments",
            fixed_query: &[],
            body: None,
            reply: DiadocReply::Page(Page {
                message: names::DOCUMENT_LIST,
                items: "Documents",
                key: "IndexKey",
                cursor: &AFTER,
                size: Some(&COUNT),
                default_size: 100,
                more_flag: Some("HasMoreResults"),
            }),
        }),
    )
};

/// Fetches up to 100 documents by id, each with its docflow state.
pub const BATCH_GET_DOCFLOWS: Route = Route {
    summary: "Get docflows of documents by id",
    description: "Returns up to 100 documents, chosen by `documentId` (message id + entity id), \
        each with its docflow state. With `injectEntityContent` the document contents are \
        included, up to 1 MiB in total per reply (the rest is left out without an error).",
    params: &[BOX_ID],
    ..Route::new(
        "batchGetDiadocDocflows",
        Verb::Post,
        "/v1/diadoc/boxes/{boxId}/docflows:batchGet",
        Call::Diadoc(DiadocCall {
            method: Verb::Post,
            path: "/V3/GetDocflows",
            fixed_query: &[],
            // api.md, GetDocflows: at most 100 requests per batch.
            body: Some(ProtoBody {
                message: names::GET_DOCFLOW_BATCH_REQUEST,
                max_items: Some(("Requests", 100)),
            }),
            reply: DiadocReply::Message(names::GET_DOCFLOW_BATCH_RESPONSE_V3),
        }),
    )
};

/// Builds (or fetches) a document's delivery protocol: the PDF print form and its signature.
pub const GET_DOCUMENT_PROTOCOL: Route = Route {
    summary: "Get a document's delivery protocol",
    description: "The delivery protocol of a document: a PDF print form and the operator's CMS \
        signature over it, as `{\"printForm\", \"signature\"}` (base64), or with \
        `Accept: application/pdf` the PDF itself. Diadoc builds it asynchronously; the gateway \
        waits for it (up to `Prefer: wait=N` seconds) and answers 202 with `Retry-After` if it \
        is still not ready, so repeat the same request then. Documents of a kind with no \
        protocol get 409.",
    params: &[BOX_ID, MESSAGE_ID, DOCUMENT_ID],
    polling: Polling::RetryAfter,
    ..Route::new(
        "getDiadocDocumentProtocol",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/messages/{messageId}/documents/{documentId}/protocol",
        // api.md, GenerateDocumentProtocol: `GET /GenerateDocumentProtocol?boxId=&messageId=&documentId=`,
        // reply DocumentProtocol; "not ready" is 200 + Retry-After + empty body (the C# SDK).
        Call::Diadoc(DiadocCall {
            method: Verb::Get,
            path: "/GenerateDocumentProtocol",
            fixed_query: &[],
            body: None,
            reply: DiadocReply::MessageOrFile(FileView {
                message: names::DOCUMENT_PROTOCOL,
                field: "PrintForm",
                media_type: "application/pdf",
                file_name: "protocol-{documentId}.pdf",
            }),
        }),
    )
};

/// Sends a template: prefilled documents a counteragent can later turn into real ones.
pub const CREATE_TEMPLATE: Route = Route {
    summary: "Send a template",
    description: "Sends a template (documents with no legal force) from `fromBoxId` to \
        `toBoxId`; answers 201 with the template. Send an `Idempotency-Key` header (1 to 100 \
        letters, digits, `-` or `_`) to make retries safe: the same key always yields the same \
        template. Without one, Diadoc treats identical bodies as one operation. Diadoc builds \
        templates asynchronously; the gateway waits (up to `Prefer: wait=N` seconds) and \
        answers 202 with `Retry-After` if it is still running, so repeat the same request, with \
        the same body and key. Templates must be enabled for the box by Diadoc support.",
    polling: Polling::RetryAfter,
    idempotency: Some("operationId"),
    ..Route::new(
        "createDiadocTemplate",
        Verb::Post,
        "/v1/diadoc/templates",
        // api.md, PostTemplate: `POST /PostTemplate?operationId=`, body TemplateToPost, reply
        // Template; "still running" is 204 + Retry-After; repeat with the same body and
        // operationId.
        Call::Diadoc(DiadocCall {
            method: Verb::Post,
            path: "/PostTemplate",
            fixed_query: &[],
            body: Some(ProtoBody {
                message: names::TEMPLATE_TO_POST,
                max_items: None,
            }),
            reply: DiadocReply::Created(names::TEMPLATE),
        }),
    )
};
