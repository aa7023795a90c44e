//! Diadoc files: an entity's raw content (streamed), a document's print form and its archive.
//! How files are served (streaming, bounds, which upstream headers pass): `download.rs`.

use super::super::{
    Call, DiadocCall, DiadocReply, In, Param, ParamKind, Polling, RawFile, Route, ShelfFile,
    Target, Verb,
};
use super::{BOX_ID, DOCUMENT_ID, MESSAGE_ID};
use edi_proto::names;

const ENTITY_ID: Param = Param {
    name: "entityId",
    location: In::Path,
    kind: ParamKind::Guid,
    required: true,
    upstream: Target::Query("entityId"),
    description: "The entity: a document, a signature or any other file of the message.",
};

/// Downloads one entity's raw bytes, streamed.
pub const GET_ENTITY_CONTENT: Route = Route {
    summary: "Download an entity's content",
    description: "The raw bytes of one entity of a message (a document's file, a signature, a \
        receipt), streamed as Diadoc sends them, with Diadoc's `Content-Type` (else \
        `application/octet-stream`) and `Content-Length`, as an attachment named by Diadoc or \
        after the entity id. 404 when the message or the entity does not exist or the entity \
        has no content.",
    params: &[BOX_ID, MESSAGE_ID, ENTITY_ID],
    ..Route::new(
        "getDiadocEntityContent",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/messages/{messageId}/entities/{entityId}/content",
        // api.md, GetEntityContent: `GET /V4/GetEntityContent?boxId=&messageId=&entityId=`,
        // raw bytes (lifecycle.md §1.3: V4 is current).
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/V4/GetEntityContent",
            DiadocReply::Stream(RawFile {
                media_type: "application/octet-stream",
                file_name: "{entityId}",
            }),
        )),
    )
};

/// A document's print form (PDF), built asynchronously by Diadoc.
pub const GET_DOCUMENT_PRINT_FORM: Route = Route {
    summary: "Get a document's print form",
    description: "A human-readable print form of a formalized document, usually a PDF, with \
        Diadoc's `Content-Type` and file name (`Content-Disposition: attachment`). Diadoc \
        builds it asynchronously; the gateway waits for it (up to `Prefer: wait=N` seconds) and \
        answers 202 with `Retry-After` if it is still not ready, so repeat the same request then. \
        Documents of a kind with no print form get 409.",
    params: &[BOX_ID, MESSAGE_ID, DOCUMENT_ID],
    polling: Polling::RetryAfter,
    ..Route::new(
        "getDiadocDocumentPrintForm",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/messages/{messageId}/documents/{documentId}/print-form",
        // api.md, GeneratePrintForm: `GET /GeneratePrintForm?boxId=&messageId=&documentId=`; the
        // file itself when ready, 204/200 + Retry-After while not; 409 for kinds without one.
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/GeneratePrintForm",
            DiadocReply::File(RawFile {
                media_type: "application/pdf",
                file_name: "print-form-{documentId}.pdf",
            }),
        )),
    )
};

/// `true`/`false`; GenerateDocumentZip always gets one (api.md: the SDK always sends it).
const FULL_DOCFLOW: Param = Param {
    name: "fullDocflow",
    location: In::Query,
    kind: ParamKind::Enum(&["true", "false"]),
    required: false,
    upstream: Target::QueryOr("fullDocflow", "false"),
    description: "Also put every file of the document's docflow (answers, receipts) in the \
        archive; `false` by default.",
};

/// A ZIP archive of a document and its signatures, built by Diadoc and fetched from its shelf.
pub const GET_DOCUMENT_ARCHIVE: Route = Route {
    summary: "Get a document's archive (ZIP)",
    description: "A ZIP archive of the document and its signatures (with `fullDocflow=true`, \
        every file of its docflow), as `application/zip`, streamed. Diadoc builds it \
        asynchronously and puts it on its shelf; the gateway waits for it (up to `Prefer: \
        wait=N` seconds), then downloads it, and answers 202 with `Retry-After` if it is still \
        not ready, so repeat the same request then. The names of the files inside tell nothing \
        about them: identify entities with the message.",
    params: &[BOX_ID, MESSAGE_ID, DOCUMENT_ID, FULL_DOCFLOW],
    polling: Polling::RetryAfter,
    ..Route::new(
        "getDiadocDocumentArchive",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/messages/{messageId}/documents/{documentId}/archive",
        // api.md, GenerateDocumentZip: `GET /GenerateDocumentZip?…&fullDocflow=` until
        // `ZipFileNameOnShelf` is filled; then the shelf: lifecycle.md §1.2 removes the
        // unprefixed ShelfDownload, openapi-operations.tsv: `GET /V2/ShelfDownload?fileName=`.
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/GenerateDocumentZip",
            DiadocReply::Shelf(ShelfFile {
                message: names::DOCUMENT_ZIP_GENERATION_RESULT,
                field: "ZipFileNameOnShelf",
                path: "/V2/ShelfDownload",
                query: "fileName",
                file: RawFile {
                    media_type: "application/zip",
                    file_name: "document-{documentId}.zip",
                },
            }),
        )),
    )
};
