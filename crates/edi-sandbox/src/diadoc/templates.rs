//! `POST /PostTemplate?operationId=` (api.md, PostTemplate and "operationId"): the body is an
//! `Events.TemplateToPost`, the answer an `Events.Template`.
//!
//! * Operation id: `operationId`, case-insensitive; absent or empty (the SDK sends `operationId=`)
//!   → the MD5 of the request body, as api.md says, so identical bodies are one operation.
//! * Running: the first `template_polls` calls of an operation (builder, default 1) answer
//!   **204 + `Retry-After: retry_after_secs`**, no body (api.md: "a call with this operationId is
//!   still running, so repeat it"); then 200 with the template. Its ids and timestamp are fixed
//!   when the operation starts, so every later call with that operation id returns the same
//!   template (api.md: "the result of the first successful call").
//! * Same operation id, different body: api.md leaves it UNKNOWN. The sandbox's choice: 409 with
//!   a plain-text reason (409 is the method's "duplicate message" status), and the operation is
//!   left as it was.
//! * `FromBoxId` not among the user's boxes: 403 (api.md: "403 no box access").
//! * A box without templates: api.md says templates are off by default and does not say what a box
//!   without them gets (UNKNOWN). The sandbox's choice: 403 with a plain-text reason; the seed
//!   has one such box (`Seed::templates_disabled_box_id_guid`).
//! * `ToBoxId`, `MessageFromBoxId`, `MessageToBoxId` must be boxes the sandbox knows (the users'
//!   or a counteragent's), else 400; every attachment needs content bytes (there is no shelf here).
//!
//! Refused calls (400/403/409) do not advance an operation.

use std::collections::HashMap;

use axum::http::StatusCode;
use edi_proto::diadoc::api::proto as dap;
use md5::{Digest, Md5};

use super::docflows::CONTENT_CAP;
use super::{Outcome, proto};
use crate::call::Call;
use crate::reply::{Refusal, Reply};
use crate::seed::box_key;
use crate::seed::ids::{guid, now_ticks};
use crate::state::Shared;
use crate::wire;
use dap::events as ev;

/// Operations by lower-case operation id.
#[derive(Debug, Default)]
pub(crate) struct Operations {
    by_id: HashMap<String, Operation>,
}

#[derive(Debug)]
struct Operation {
    body_md5: [u8; 16],
    calls: u32,
    template: ev::Template,
}

impl Operations {
    /// The template `id` (any case) some operation made, if any.
    pub(crate) fn template(&self, id: &str) -> Option<ev::Template> {
        self.by_id
            .values()
            .map(|op| &op.template)
            .find(|t| t.message_id.eq_ignore_ascii_case(id))
            .cloned()
    }
}

/// The handler.
pub(crate) fn post(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let body: ev::TemplateToPost = wire::decode(edi_proto::names::TEMPLATE_TO_POST, &call.body)?;
    let seed = &shared.seed;
    let from = seed
        .box_index(&body.from_box_id)
        .filter(|&b| seed.users[user].orgs.contains(&seed.boxes[b].org));
    let Some(from) = from else {
        if box_key(&body.from_box_id).is_none() {
            return Err(Refusal::bad_request(format!(
                "FromBoxId is not a valid box id: '{}'",
                body.from_box_id
            )));
        }
        return Err(Refusal::Forbidden(format!(
            "Access to Box {} is denied",
            body.from_box_id
        )));
    };
    if !seed.boxes[from].templates_enabled {
        return Err(Refusal::Forbidden(format!(
            "Templates are not enabled for Box {}",
            body.from_box_id
        )));
    }
    for (name, id) in [
        ("ToBoxId", &body.to_box_id),
        ("MessageFromBoxId", &body.message_from_box_id),
        ("MessageToBoxId", &body.message_to_box_id),
    ] {
        if !seed.is_known_box(id) {
            return Err(Refusal::bad_request(format!(
                "{name} is not a known box: '{id}'"
            )));
        }
    }
    for (i, a) in body.document_attachments.iter().enumerate() {
        if a.unsigned_content.content.is_none() {
            return Err(Refusal::bad_request(format!(
                "DocumentAttachments[{i}].UnsignedContent.Content is required (the sandbox has no shelf)"
            )));
        }
        if a.type_named_id.is_empty() {
            return Err(Refusal::bad_request(format!(
                "DocumentAttachments[{i}].TypeNamedId is required"
            )));
        }
    }
    let body_md5: [u8; 16] = Md5::digest(&call.body).into();
    let operation_id = match call.param("operationId") {
        Some(id) => id.to_lowercase(),
        // api.md: without an operationId "the server uses the MD5 hash of the request body".
        None => body_md5.iter().map(|b| format!("{b:02x}")).collect(),
    };
    let (calls, template) = {
        let mut state = shared.lock();
        let op = state
            .templates
            .by_id
            .entry(operation_id.clone())
            .or_insert_with(|| Operation {
                body_md5,
                calls: 0,
                template: template(&operation_id, &body),
            });
        if op.body_md5 != body_md5 {
            return Err(Refusal::Conflict(format!(
                "Operation {operation_id} was started with a different request body"
            )));
        }
        op.calls += 1;
        (op.calls, op.template.clone())
    };
    if calls <= shared.settings.template_polls {
        return Ok(Reply::Pending {
            status: StatusCode::NO_CONTENT,
            retry_after: shared.settings.retry_after_secs,
        });
    }
    proto(&template)
}

/// The template an operation produces; its ids derive from the operation id.
fn template(operation_id: &str, body: &ev::TemplateToPost) -> ev::Template {
    let ticks = now_ticks();
    let mut left = CONTENT_CAP;
    let entities = body
        .document_attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let content = a.unsigned_content.content.clone().unwrap_or_default();
            // The same 1 MiB cap as GetTemplate (api.md); contents past it are left out.
            let data = (content.len() <= left).then(|| {
                left -= content.len();
                content.clone()
            });
            let function = a.function.clone().unwrap_or_else(|| "default".to_owned());
            let version = a.version.clone().unwrap_or_else(|| "v1".to_owned());
            let file_name = a
                .metadata
                .iter()
                .find(|m| m.key.eq_ignore_ascii_case("FileName"))
                .map(|m| m.value.clone());
            ev::Entity {
                entity_type: Some(ev::EntityType::Attachment as i32),
                entity_id: guid(&format!("template-{operation_id}-entity-{i}")),
                content: Some(dap::Content {
                    size: i32::try_from(content.len()).unwrap_or(i32::MAX),
                    data,
                }),
                attachment_type: ev::AttachmentType::from_str_name(&a.type_named_id)
                    .map(|t| t as i32),
                file_name,
                need_recipient_signature: a.need_recipient_signature,
                raw_creation_date: Some(ticks),
                content_type_id: Some(format!("{}.{function}.{version}", a.type_named_id)),
                version: Some(version),
                ..Default::default()
            }
        })
        .collect();
    ev::Template {
        message_id: guid(&format!("template-{operation_id}")),
        timestamp_ticks: ticks,
        from_box_id: body.from_box_id.clone(),
        to_box_id: body.to_box_id.clone(),
        message_from_box_id: body.message_from_box_id.clone(),
        message_to_box_id: body.message_to_box_id.clone(),
        entities,
        is_deleted: Some(false),
        message_to_department_id: body.message_to_department_id.clone(),
        lock_mode: body.lock_mode.unwrap_or(dap::LockMode::None as i32),
        message_proxy_box_id: body.message_proxy_box_id.clone(),
        message_proxy_department_id: body.message_proxy_department_id.clone(),
        is_reusable: body.is_reusable,
    }
}
