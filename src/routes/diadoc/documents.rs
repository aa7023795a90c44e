//! Diadoc documents: lists, docflows, delivery protocols.

use super::super::{
    Call, DiadocCall, DiadocReply, FileView, In, Page, Param, ParamKind, Polling, ProtoBody, Route,
    Target, Verb,
};
use super::{
    AFTER, BOX_ID, COUNT, DOCUMENT_ID, DOCUMENT_NUMBER, FILTER_CATEGORY, FROM_DOCUMENT_DATE,
    MESSAGE_ID, TIMESTAMP_FROM, TIMESTAMP_TO, TO_DOCUMENT_DATE,
};
use crate::upstream::read::CONTENT_REPLY_CAP;
use edi_proto::names;

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
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/V3/GetDocuments",
            DiadocReply::Page(Page {
                message: names::DOCUMENT_LIST,
                items: "Documents",
                key: "IndexKey",
                cursor: &AFTER,
                size: Some(&COUNT),
                default_size: 100,
                more_flag: Some("HasMoreResults"),
            }),
        )),
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
            // api.md, GetDocflows: at most 100 requests per batch.
            body: Some(ProtoBody {
                max_items: Some((&["Requests"], 100)),
                ..ProtoBody::new(names::GET_DOCFLOW_BATCH_REQUEST)
            }),
            // api.md, "Rate limits and size limits": "The total content in GetDocflows,
            // GetMessage, GetTemplate and GetDocument is capped at 1048576 bytes"; the reply
            // carries document content, so the larger cap (`upstream/read.rs`).
            reply_cap: CONTENT_REPLY_CAP,

            // lifecycle.md §1.2: V3 goes after 3 Apr 2027; §1.4: V5 takes the same request and
            // answers `GetDocflowBatchResponseV5` (titles, amendment requests, revocation).
            ..DiadocCall::new(
                Verb::Post,
                "/V5/GetDocflows",
                DiadocReply::Message(names::GET_DOCFLOW_BATCH_RESPONSE_V5),
            )
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
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/GenerateDocumentProtocol",
            DiadocReply::MessageOrFile(FileView {
                message: names::DOCUMENT_PROTOCOL,
                field: "PrintForm",
                media_type: "application/pdf",
                file_name: "protocol-{documentId}.pdf",
            }),
        )),
    )
};
