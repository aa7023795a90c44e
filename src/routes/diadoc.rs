//! Diadoc entries of the route table. Upstream paths, query names, page sizes and limits come
//! from reference/diadoc/api.md, cited per entry; the `///` text is what API users read.

use http::Method;

use super::{
    Auth, Body, CachePolicy, Call, DiadocCall, FileView, In, Page, Param, ParamKind, Polling,
    ProtoBody, Reply, Route, Service, Target,
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
    items: "Counteragents",
    key: "IndexKey",
    cursor_param: "after",
    size_param: None,
    default_size: 100,
    more_flag: None,
};

/// Exchanges a Diadoc login and password for a Diadoc token.
pub const CREATE_SESSION: Route = Route {
    id: "createDiadocSession",
    service: Service::Diadoc,
    method: Method::POST,
    path: "/v1/diadoc/sessions",
    summary: "Log in to Diadoc",
    description: "Exchanges a Diadoc login and password for a Diadoc token (valid 24 hours). \
        Send it as `Authorization: Bearer <token>` on every other Diadoc route. \
        The gateway adds its own developer key; callers never see or send it.",
    auth: Auth::None,
    params: &[],
    exclusive: &[],
    body: Some(Body::Proto(ProtoBody {
        message: names::LOGIN_PASSWORD,
        max_items: None,
    })),
    // api.md, Authenticate: `POST /V3/Authenticate?type=password`, body LoginPassword, token as text.
    upstream: Call::Diadoc(DiadocCall {
        method: Method::POST,
        path: "/V3/Authenticate",
        fixed_query: &[("type", "password")],
        response: None,
    }),
    reply: Reply::Token,
    cache: CachePolicy::None,
    polling: Polling::None,
    idempotency: None,
};

/// Lists the organizations, with their boxes, that the token's user can access.
pub const LIST_ORGANIZATIONS: Route = Route {
    id: "listDiadocOrganizations",
    service: Service::Diadoc,
    method: Method::GET,
    path: "/v1/diadoc/organizations",
    summary: "List my organizations",
    description: "The organizations, and their boxes, that the caller's Diadoc user can access.",
    auth: Auth::CallerToken,
    params: &[],
    exclusive: &[],
    body: None,
    // api.md, GetMyOrganizations: GET, no version prefix; `autoRegister` left at its default.
    upstream: Call::Diadoc(DiadocCall {
        method: Method::GET,
        path: "/GetMyOrganizations",
        fixed_query: &[],
        response: Some(names::ORGANIZATION_LIST),
    }),
    reply: Reply::Message,
    cache: CachePolicy::None,
    polling: Polling::None,
    idempotency: None,
};

/// Lists an organization's counteragents, 100 per page.
pub const LIST_ORGANIZATION_COUNTERAGENTS: Route = Route {
    id: "listDiadocOrganizationCounteragents",
    service: Service::Diadoc,
    method: Method::GET,
    path: "/v1/diadoc/organizations/{orgId}/counteragents",
    summary: "List an organization's counteragents",
    description: "Counteragents of an organization, 100 per page, optionally filtered by status. \
        Follow `nextAfter` (or the `Link: rel=\"next\"` header) for the next page; it is absent \
        on the last page. Pages are cached per caller for a short time; send \
        `Cache-Control: no-cache` to refresh.",
    auth: Auth::CallerToken,
    params: &[
        Param {
            name: "orgId",
            location: In::Path,
            kind: ParamKind::Guid,
            required: true,
            upstream: Target::Query("myOrgId"),
            description: "The organization's id (`orgId` from the organizations list).",
        },
        STATUS,
        AFTER,
    ],
    exclusive: &[],
    body: None,
    // api.md, GetCounteragents V2: `myOrgId`, `counteragentStatus`, `afterIndexKey`.
    upstream: Call::Diadoc(DiadocCall {
        method: Method::GET,
        path: "/V2/GetCounteragents",
        fixed_query: &[],
        response: Some(names::COUNTERAGENT_LIST),
    }),
    reply: Reply::Page(COUNTERAGENT_PAGE),
    cache: CachePolicy::PerCaller,
    polling: Polling::None,
    idempotency: None,
};

/// Lists a box's counteragents, 100 per page, with an optional text search.
pub const LIST_BOX_COUNTERAGENTS: Route = Route {
    id: "listDiadocBoxCounteragents",
    service: Service::Diadoc,
    method: Method::GET,
    path: "/v1/diadoc/boxes/{boxId}/counteragents",
    summary: "List a box's counteragents",
    description: "Counteragents of the organization that owns a box, 100 per page, filtered by \
        status or searched by name or INN (`query`, which cannot be combined with `after`). \
        Follow `nextAfter` for the next page. Pages are cached per caller for a short time; \
        send `Cache-Control: no-cache` to refresh.",
    auth: Auth::CallerToken,
    params: &[
        Param {
            upstream: Target::Query("myBoxId"),
            ..BOX_ID
        },
        STATUS,
        AFTER,
        Param {
            name: "query",
            location: In::Query,
            kind: ParamKind::Text { max: 200 },
            required: false,
            upstream: Target::Query("query"),
            description: "Text matched against the counteragent's short or full name, or its INN.",
        },
    ],
    // api.md, GetCounteragents: `query` must not be combined with `afterIndexKey`.
    exclusive: &[("query", "after")],
    body: None,
    upstream: Call::Diadoc(DiadocCall {
        method: Method::GET,
        path: "/V3/GetCounteragents",
        fixed_query: &[],
        response: Some(names::COUNTERAGENT_LIST),
    }),
    reply: Reply::Page(COUNTERAGENT_PAGE),
    cache: CachePolicy::PerCaller,
    polling: Polling::None,
    idempotency: None,
};

/// Lists documents of a box that match a filter (content not included).
pub const LIST_DOCUMENTS: Route = Route {
    id: "listDiadocDocuments",
    service: Service::Diadoc,
    method: Method::GET,
    path: "/v1/diadoc/boxes/{boxId}/documents",
    summary: "List documents in a box",
    description: "Documents of a box matching `filterCategory` (`<DocumentType>.<DocumentClass>\
        <DocumentStatus>`, e.g. `Any.Inbound` or `Any.OutboundNotFinished`), up to `count` per \
        page (default 100). Follow `nextAfter` for the next page. Document content is never \
        included; use the docflows batch with `injectEntityContent`.",
    auth: Auth::CallerToken,
    params: &[
        BOX_ID,
        Param {
            name: "filterCategory",
            location: In::Query,
            kind: ParamKind::FilterCategory,
            required: true,
            upstream: Target::Query("filterCategory"),
            description: "`<DocumentType>.<DocumentClass><DocumentStatus>`: type is a TypeNamedId or `Any`; class is `Inbound`, `Outbound`, `Internal` or `Proxy`; status is empty or a status name.",
        },
        Param {
            name: "counteragentBoxId",
            location: In::Query,
            kind: ParamKind::BoxId,
            required: false,
            upstream: Target::Query("counteragentBoxId"),
            description: "Only documents exchanged with this counteragent box.",
        },
        Param {
            name: "documentNumber",
            location: In::Query,
            kind: ParamKind::Text { max: 256 },
            required: false,
            upstream: Target::Query("documentNumber"),
            description: "Number of the primary document. Cannot be combined with a time or date range.",
        },
        Param {
            name: "timestampFromTicks",
            location: In::Query,
            kind: ParamKind::Ticks,
            required: false,
            upstream: Target::Query("timestampFromTicks"),
            description: "Inclusive lower bound of the send/delivery time, in .NET ticks.",
        },
        Param {
            name: "timestampToTicks",
            location: In::Query,
            kind: ParamKind::Ticks,
            required: false,
            upstream: Target::Query("timestampToTicks"),
            description: "Inclusive upper bound of the send/delivery time, in .NET ticks.",
        },
        Param {
            name: "fromDocumentDate",
            location: In::Query,
            kind: ParamKind::Date,
            required: false,
            upstream: Target::Query("fromDocumentDate"),
            description: "Inclusive lower bound of the document's own date (YYYY-MM-DD).",
        },
        Param {
            name: "toDocumentDate",
            location: In::Query,
            kind: ParamKind::Date,
            required: false,
            upstream: Target::Query("toDocumentDate"),
            description: "Inclusive upper bound of the document's own date (YYYY-MM-DD).",
        },
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
        Param {
            name: "count",
            location: In::Query,
            kind: ParamKind::Int { min: 0, max: 100 },
            required: false,
            upstream: Target::Query("count"),
            description: "Page size, 0 to 100 (default 100).",
        },
    ],
    // api.md, GetDocuments V3: `documentNumber` with a ticks range is a 400, and the date range
    // must not be combined with the ticks range.
    exclusive: &[
        ("documentNumber", "timestampFromTicks"),
        ("documentNumber", "timestampToTicks"),
        ("fromDocumentDate", "timestampFromTicks"),
        ("fromDocumentDate", "timestampToTicks"),
        ("toDocumentDate", "timestampFromTicks"),
        ("toDocumentDate", "timestampToTicks"),
    ],
    body: None,
    upstream: Call::Diadoc(DiadocCall {
        method: Method::GET,
        path: "/V3/GetDocuments",
        fixed_query: &[],
        response: Some(names::DOCUMENT_LIST),
    }),
    reply: Reply::Page(Page {
        items: "Documents",
        key: "IndexKey",
        cursor_param: "after",
        size_param: Some("count"),
        default_size: 100,
        more_flag: Some("HasMoreResults"),
    }),
    cache: CachePolicy::None,
    polling: Polling::None,
    idempotency: None,
};

/// Fetches up to 100 documents by id, each with its docflow state.
pub const BATCH_GET_DOCFLOWS: Route = Route {
    id: "batchGetDiadocDocflows",
    service: Service::Diadoc,
    method: Method::POST,
    path: "/v1/diadoc/boxes/{boxId}/docflows:batchGet",
    summary: "Get docflows of documents by id",
    description: "Returns up to 100 documents, chosen by `documentId` (message id + entity id), \
        each with its docflow state. With `injectEntityContent` the document contents are \
        included, up to 1 MiB in total per reply (the rest is left out without an error).",
    auth: Auth::CallerToken,
    params: &[BOX_ID],
    exclusive: &[],
    // api.md, GetDocflows: at most 100 requests per batch.
    body: Some(Body::Proto(ProtoBody {
        message: names::GET_DOCFLOW_BATCH_REQUEST,
        max_items: Some(("Requests", 100)),
    })),
    upstream: Call::Diadoc(DiadocCall {
        method: Method::POST,
        path: "/V3/GetDocflows",
        fixed_query: &[],
        response: Some(names::GET_DOCFLOW_BATCH_RESPONSE_V3),
    }),
    reply: Reply::Message,
    cache: CachePolicy::None,
    polling: Polling::None,
    idempotency: None,
};

/// Builds (or fetches) a document's delivery protocol: the PDF print form and its signature.
pub const GET_DOCUMENT_PROTOCOL: Route = Route {
    id: "getDiadocDocumentProtocol",
    service: Service::Diadoc,
    method: Method::GET,
    path: "/v1/diadoc/boxes/{boxId}/messages/{messageId}/documents/{documentId}/protocol",
    summary: "Get a document's delivery protocol",
    description: "The delivery protocol of a document: a PDF print form and the operator's CMS \
        signature over it, as `{\"printForm\", \"signature\"}` (base64), or with \
        `Accept: application/pdf` the PDF itself. Diadoc builds it asynchronously; the gateway \
        waits for it (up to `Prefer: wait=N` seconds) and answers 202 with `Retry-After` if it \
        is still not ready, so repeat the same request then. Documents of a kind with no \
        protocol get 409.",
    auth: Auth::CallerToken,
    params: &[
        BOX_ID,
        Param {
            name: "messageId",
            location: In::Path,
            kind: ParamKind::Guid,
            required: true,
            upstream: Target::Query("messageId"),
            description: "The message that holds the document.",
        },
        Param {
            name: "documentId",
            location: In::Path,
            kind: ParamKind::Guid,
            required: true,
            upstream: Target::Query("documentId"),
            description: "The document's entity id in that message.",
        },
    ],
    exclusive: &[],
    body: None,
    // api.md, GenerateDocumentProtocol: `GET /GenerateDocumentProtocol?boxId=&messageId=&documentId=`,
    // reply DocumentProtocol; "not ready" is 200 + Retry-After + empty body (the C# SDK).
    upstream: Call::Diadoc(DiadocCall {
        method: Method::GET,
        path: "/GenerateDocumentProtocol",
        fixed_query: &[],
        response: Some(names::DOCUMENT_PROTOCOL),
    }),
    reply: Reply::MessageOrFile(FileView {
        field: "PrintForm",
        media_type: "application/pdf",
        file_name: "protocol-{documentId}.pdf",
    }),
    cache: CachePolicy::None,
    polling: Polling::RetryAfter,
    idempotency: None,
};

/// Sends a template: prefilled documents a counteragent can later turn into real ones.
pub const CREATE_TEMPLATE: Route = Route {
    id: "createDiadocTemplate",
    service: Service::Diadoc,
    method: Method::POST,
    path: "/v1/diadoc/templates",
    summary: "Send a template",
    description: "Sends a template (documents with no legal force) from `fromBoxId` to \
        `toBoxId`; answers 201 with the template. Send an `Idempotency-Key` header (1 to 100 \
        letters, digits, `-` or `_`) to make retries safe: the same key always yields the same \
        template. Without one, Diadoc treats identical bodies as one operation. Diadoc builds \
        templates asynchronously; the gateway waits (up to `Prefer: wait=N` seconds) and \
        answers 202 with `Retry-After` if it is still running, so repeat the same request, with \
        the same body and key. Templates must be enabled for the box by Diadoc support.",
    auth: Auth::CallerToken,
    params: &[],
    exclusive: &[],
    body: Some(Body::Proto(ProtoBody {
        message: names::TEMPLATE_TO_POST,
        max_items: None,
    })),
    // api.md, PostTemplate: `POST /PostTemplate?operationId=`, body TemplateToPost, reply
    // Template; "still running" is 204 + Retry-After; repeat with the same body and operationId.
    upstream: Call::Diadoc(DiadocCall {
        method: Method::POST,
        path: "/PostTemplate",
        fixed_query: &[],
        response: Some(names::TEMPLATE),
    }),
    reply: Reply::Created,
    cache: CachePolicy::None,
    polling: Polling::RetryAfter,
    idempotency: Some("operationId"),
};
