//! Diadoc messages: read one (or one document of it), send one, turn a template into one.

use super::super::{
    Call, DiadocCall, DiadocReply, In, Link, Param, ParamKind, Polling, ProtoBody, Route, Target,
    Verb,
};
use super::{BOX_ID, DOCUMENT_ID, MESSAGE_ID};
use crate::upstream::read::CONTENT_REPLY_CAP;
use edi_proto::names;

/// The box in the path of a write whose upstream takes it in the body (api.md, PostMessage and
/// TransformTemplateToMessage: no `boxId` query parameter; the boxes are in the body).
pub const BOX_IN_BODY: Param = Param {
    upstream: Target::Body,
    description: "The box that sends: its `boxIdGuid` (or the `…@diadoc.ru` form). It fills \
        the body's box field when that is left out.",
    ..BOX_ID
};

/// The template in the path of the transform (api.md, TransformTemplateToMessage: `TemplateId`
/// in the body).
const TEMPLATE_ID: Param = Param {
    name: "templateId",
    location: In::Path,
    kind: ParamKind::Guid,
    required: true,
    upstream: Target::Body,
    description: "The template's id (its `messageId`).",
};

/// Whether entity contents are included (api.md, GetMessage: `injectEntityContent`, default
/// false; GetDocument: default **true**). The gateway always sends the value, `false` unless
/// asked, so both routes default to no content.
const INCLUDE_CONTENT: Param = Param {
    name: "includeContent",
    location: In::Query,
    kind: ParamKind::Bool,
    required: false,
    upstream: Target::QueryOr("injectEntityContent", "false"),
    description: "Include the contents (`content.data`, base64), up to 1 MiB in total per \
        reply; larger contents are left out without an error. Default false.",
};

/// A message's follow-up: read it back in the sending box.
const READ_BACK: &[Link] = &[Link {
    name: "GetMessage",
    to: &GET_MESSAGE,
    params: &[
        ("boxId", "$request.path.boxId"),
        ("messageId", "$response.body#/messageId"),
    ],
}];

/// Returns one message (or template) with its entities from every patch.
pub const GET_MESSAGE: Route = Route {
    summary: "Get a message",
    description: "A message (a docflow chain; templates too) with its entities from every \
        patch: documents, signatures, answers. Contents are left out unless \
        `includeContent=true` (then up to 1 MiB in total; larger contents are left out \
        without an error). `entityId` narrows it to the entities of one document. Without \
        `originalSignature` signatures come as CAdES-T, with the original as the parent \
        entity. A deleted or unknown message gets 404; a message type Diadoc cannot return \
        here gets 409.",
    params: &[
        BOX_ID,
        Param {
            description: "The message's id (or a template's).",
            ..MESSAGE_ID
        },
        Param {
            name: "entityId",
            location: In::Query,
            kind: ParamKind::Guid,
            required: false,
            upstream: Target::Query("entityId"),
            description: "Only the entities tied to this document (then only that document \
                needs to be accessible).",
        },
        INCLUDE_CONTENT,
        Param {
            name: "originalSignature",
            location: In::Query,
            kind: ParamKind::Flag,
            required: false,
            upstream: Target::Query("originalSignature"),
            description: "Return the signatures as they were signed instead of CAdES-T.",
        },
    ],
    ..Route::new(
        "getDiadocMessage",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/messages/{messageId}",
        // api.md, GetMessage; lifecycle.md §1.4: V6 is current (V4/V5 on the removal list),
        // `GET /V6/GetMessage?boxId&messageId&entityId&originalSignature&injectEntityContent`,
        // `originalSignature` a bare flag, 404 also when deleted, 409 type not supported.
        Call::Diadoc(DiadocCall {
            // api.md, "Rate limits and size limits": "The total content in GetDocflows,
            // GetMessage, GetTemplate and GetDocument is capped at 1048576 bytes"; the reply
            // carries document content, so the larger cap (`upstream/read.rs`).
            reply_cap: CONTENT_REPLY_CAP,
            ..DiadocCall::new(
                Verb::Get,
                "/V6/GetMessage",
                DiadocReply::Message(names::MESSAGE),
            )
        }),
    )
};

/// Returns one document of a message, with its metadata and docflow status.
pub const GET_DOCUMENT: Route = Route {
    summary: "Get a document",
    description: "One document of a message: metadata and docflow status. Unlike Diadoc, \
        whose default is to include it, the content is left out unless \
        `includeContent=true` (then only up to 1 MiB; download larger ones as entity \
        content). An unknown message, or no such document in it, gets 404.",
    params: &[
        BOX_ID,
        MESSAGE_ID,
        Param {
            upstream: Target::Query("entityId"),
            ..DOCUMENT_ID
        },
        INCLUDE_CONTENT,
    ],
    ..Route::new(
        "getDiadocDocument",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/messages/{messageId}/documents/{documentId}",
        // api.md, GetDocument: `GET /V3/GetDocument?boxId&messageId&entityId&injectEntityContent`
        // (default true), reply Documents.Document; 404 no such message or entity.
        Call::Diadoc(DiadocCall {
            // api.md, "Rate limits and size limits": "The total content in GetDocflows,
            // GetMessage, GetTemplate and GetDocument is capped at 1048576 bytes"; the reply
            // carries document content, so the larger cap (`upstream/read.rs`).
            reply_cap: CONTENT_REPLY_CAP,
            ..DiadocCall::new(
                Verb::Get,
                "/V3/GetDocument",
                DiadocReply::Message(names::DOCUMENT),
            )
        }),
    )
};

/// Sends a message: one or more documents from the path's box to another.
pub const POST_MESSAGE: Route = Route {
    summary: "Send a message",
    description: "Sends a message of up to 40 documents (counted over every document field; \
        more is a 400 before anything is sent) from the path's box; `fromBoxId` may be left \
        out (it comes from the path) and, if given, must name the same box. Answers 201 with \
        the message. Send an `Idempotency-Key` header (1 to 100 letters, digits, `-` or `_`) \
        to make retries safe: the same key always yields the same message. Without one, \
        Diadoc treats identical bodies as one operation. Diadoc may still be working; the \
        gateway waits (up to `Prefer: wait=N` seconds) and answers 202 with `Retry-After` if \
        it is, so repeat the same request, with the same body and key. Never reuse a key \
        with a different body: Diadoc does not document its answer to that (the sandbox \
        answers 409, as for a duplicate message).",
    params: &[BOX_IN_BODY],
    polling: Polling::RetryAfter,
    idempotency: Some("operationId"),
    links: READ_BACK,
    // Up to 40 documents with their content (base64): the documents' limit.
    body_limit: super::super::DOCUMENT_BODY_LIMIT,
    ..Route::new(
        "createDiadocMessage",
        Verb::Post,
        "/v1/diadoc/boxes/{boxId}/messages",
        // api.md, PostMessage: `POST /V3/PostMessage?operationId=`, body MessageToPost, reply
        // Message; "still running" is 204 + Retry-After (repeat with the same body and
        // operationId); 400 more documents than allowed; 409 duplicate message.
        Call::Diadoc(DiadocCall {
            body: Some(ProtoBody {
                max_items: Some((names::MESSAGE_TO_POST_DOCUMENT_FIELDS, 40)),
                from_path: &[("FromBoxId", &BOX_IN_BODY)],
                ..ProtoBody::new(names::MESSAGE_TO_POST)
            }),
            // api.md, "Rate limits and size limits": "The total content in GetDocflows,
            // GetMessage, GetTemplate and GetDocument is capped at 1048576 bytes"; the posted
            // message carries document content, so the larger cap (`upstream/read.rs`).
            reply_cap: CONTENT_REPLY_CAP,
            ..DiadocCall::new(
                Verb::Post,
                "/V3/PostMessage",
                DiadocReply::Created(names::MESSAGE),
            )
        }),
    )
};

/// Builds an unsent message from chosen documents of a template.
pub const TRANSFORM_TEMPLATE: Route = Route {
    summary: "Turn a template into a message",
    description: "Builds an outgoing, not yet sent message from the chosen documents of a \
        template (`documentTransformations`: each `documentId` of the template, optionally \
        with your `customDocumentId`). Only the box the template names as the message's \
        sender may do it. The box and the template come from the path (`boxId` and \
        `templateId` in the body may be left out and, if given, must match). Answers 201 \
        with the message. `Idempotency-Key`, waiting and 202 work as for sending a message; \
        an unknown template gets 404.",
    params: &[BOX_IN_BODY, TEMPLATE_ID],
    polling: Polling::RetryAfter,
    idempotency: Some("operationId"),
    links: READ_BACK,
    ..Route::new(
        "transformDiadocTemplate",
        Verb::Post,
        "/v1/diadoc/boxes/{boxId}/templates/{templateId}/transform",
        // api.md, TransformTemplateToMessage: `POST /TransformTemplateToMessage?operationId=`,
        // body TemplateTransformationToPost (BoxId, TemplateId, DocumentTransformations),
        // reply Message; 204 + Retry-After as PostTemplate; 404 template not found.
        Call::Diadoc(DiadocCall {
            body: Some(ProtoBody {
                from_path: &[("BoxId", &BOX_IN_BODY), ("TemplateId", &TEMPLATE_ID)],
                ..ProtoBody::new(names::TEMPLATE_TRANSFORMATION_TO_POST)
            }),
            // api.md, "Rate limits and size limits": "The total content in GetDocflows,
            // GetMessage, GetTemplate and GetDocument is capped at 1048576 bytes"; the reply
            // carries document content, so the larger cap (`upstream/read.rs`).
            reply_cap: CONTENT_REPLY_CAP,
            ..DiadocCall::new(
                Verb::Post,
                "/TransformTemplateToMessage",
                DiadocReply::Created(names::MESSAGE),
            )
        }),
    )
};
