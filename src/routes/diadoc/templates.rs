//! Diadoc templates.

use super::super::{Call, DiadocCall, DiadocReply, Polling, ProtoBody, Route, Verb};
use crate::upstream::read::CONTENT_REPLY_CAP;
use edi_proto::names;

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
    // A template carries its documents' content (base64): the documents' limit.
    body_limit: super::super::DOCUMENT_BODY_LIMIT,
    ..Route::new(
        "createDiadocTemplate",
        Verb::Post,
        "/v1/diadoc/templates",
        // api.md, PostTemplate: `POST /PostTemplate?operationId=`, body TemplateToPost, reply
        // Template; "still running" is 204 + Retry-After; repeat with the same body and
        // operationId.
        Call::Diadoc(DiadocCall {
            body: Some(ProtoBody::new(names::TEMPLATE_TO_POST)),
            // api.md, "Rate limits and size limits": "The total content in GetDocflows,
            // GetMessage, GetTemplate and GetDocument is capped at 1048576 bytes"; the reply
            // carries document content, so the larger cap (`upstream/read.rs`).
            reply_cap: CONTENT_REPLY_CAP,
            ..DiadocCall::new(
                Verb::Post,
                "/PostTemplate",
                DiadocReply::Created(names::TEMPLATE),
            )
        }),
    )
};
