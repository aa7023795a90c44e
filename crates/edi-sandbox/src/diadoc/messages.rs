//! Messages (api.md, GetMessage, GetDocument, PostMessage, TransformTemplateToMessage;
//! lifecycle.md §1.4 and §3):
//!
//! * `GET /V6/GetMessage?boxId&messageId&entityId&originalSignature&injectEntityContent` →
//!   `Events.Message`: a seeded document's message (one document, the sender's signature, the
//!   recipient's signature or refusal) or a message posted here. `injectEntityContent` defaults
//!   to false; contents go in, in entity order, while their total stays within 1048576 bytes
//!   (api.md: "anything past that is left out"; as in GetDocflows, once one is left out so is
//!   every later one). `entityId` keeps the entities tied to that document (it and those whose
//!   `ParentEntityId` it is); an `entityId` with no entity in the message is a 404 — the
//!   sandbox's choice. `originalSignature` (a bare flag) changes nothing here: the sandbox keeps
//!   only the signatures as signed (no CAdES-T). 403 when the box is not the user's; 404 when
//!   the box has no such message (a deleted one too; the sandbox deletes none).
//! * `GET /V3/GetDocument?boxId&messageId&entityId&injectEntityContent` → `Documents.Document`;
//!   `injectEntityContent` defaults to **true** (api.md), and content over 1048576 bytes is left
//!   out whatever it says. 404 no such message, or no such document in it.
//! * `POST /V3/PostMessage?operationId=`, body `Events.MessageToPost` → `Events.Message`.
//!   `FromBoxId` must be the user's (403; not a box id: 400). At most 40 documents, counted over
//!   every document field (all repeated attachment fields but `StructuredDataAttachments`, which
//!   are files attached to a document): more → 400 "more documents than allowed"; none → 400
//!   (UNKNOWN in api.md; the sandbox's choice). Documents go in `DocumentAttachments`, the
//!   current structure (the older typed fields are obsolete per Kontur's docs): a document in
//!   another field is a 400 naming it — the sandbox's choice. Each needs its content bytes
//!   (there is no shelf here) and a `TypeNamedId`. `ToBoxId` must be a box the sandbox knows
//!   (400), unless `IsInternal` (then the message stays in the sender's box).
//! * `POST /TransformTemplateToMessage?operationId=`, body `Events.TemplateTransformationToPost`
//!   → `Events.Message` built from the chosen documents of a template (the seeded one, see
//!   `seed/templates.rs`, or one posted with PostTemplate). Unknown template: 404. A box other
//!   than the template's `MessageFromBoxId`: 403 (api.md says only that box may; the status is
//!   UNKNOWN — the sandbox's choice). No documents chosen, or a `DocumentId` that is not a
//!   document of the template: 400 (the sandbox's choice).
//!
//! Both writes follow "operationId" (api.md) as PostTemplate does (`templates.rs`): the id is
//! case-insensitive, absent or empty → the MD5 of the body; the first `message_polls` calls of
//! an operation (builder, default 1) answer 204 + `Retry-After`; then 200 with the message,
//! the same one on every later call with that id; the same id with another body → 409 (UNKNOWN
//! in api.md; the sandbox's choice, as for templates). Operation ids are separate per method.
//! Refused calls do not start or advance an operation.
//!
//! A message becomes visible (GetMessage, GetDocument) once its operation has answered 200, in
//! the sender's box and, when the recipient is one of the seed's own boxes, in the recipient's
//! (as an inbound document there). [`Messages::posted`] keeps them in posting order with an
//! event id and time: what an event feed reads.

mod build;

use std::collections::HashMap;

use axum::http::StatusCode;
use bytes::Bytes;
use edi_proto::diadoc::api::proto as dap;
use md5::{Digest, Md5};

use super::docflows::CONTENT_CAP;
use super::{Outcome, proto, user_box};
use crate::call::Call;
use crate::reply::{Refusal, Reply};
use crate::seed::{SeedDocument, box_key};
use crate::state::Shared;
use crate::wire;
use dap::documents as docs;
use dap::events as ev;

/// A message posted or built from a template here.
#[derive(Debug, Clone)]
pub(crate) struct Posted {
    /// The event that delivered it (a GUID), for a feed.
    pub event_id: String,
    /// When it was posted, .NET ticks.
    pub ticks: i64,
    /// Indexes into `Seed::boxes` of the seed's boxes that see it: the sender's, and the
    /// recipient's when that is one of the seed's own.
    pub boxes: Vec<usize>,
    /// The message as the sender sees it.
    pub message: ev::Message,
    /// Its documents as the sender sees them, with their contents.
    pub documents: Vec<(docs::Document, Bytes)>,
    /// Whether its operation has answered 200 (only then is it visible).
    pub done: bool,
}

/// Posted messages and the operations that made them.
#[derive(Debug, Default)]
pub(crate) struct Messages {
    /// Every message posted, in posting order.
    pub posted: Vec<Posted>,
    /// Operations by (method, lower-case operation id).
    operations: HashMap<(&'static str, String), Operation>,
}

#[derive(Debug)]
struct Operation {
    body_md5: [u8; 16],
    calls: u32,
    /// Index into `posted`.
    posted: usize,
}

/// `GET /V6/GetMessage`.
pub(crate) fn get_message(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "boxId")?;
    let message_id = call.guid("messageId")?;
    let entity = call
        .param("entityId")
        .map(|_| call.guid("entityId"))
        .transpose()?;
    let inject = call.flag("injectEntityContent")?.unwrap_or(false);
    let mut message = find_message(shared, b, &message_id)?;
    if let Some(entity) = &entity {
        message.entities.retain(|e| {
            e.entity_id.eq_ignore_ascii_case(entity)
                || e.parent_entity_id
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(entity))
        });
        if message.entities.is_empty() {
            return Err(Refusal::NotFound(format!(
                "Entity {entity} is not found in message {message_id}"
            )));
        }
    }
    let mut left = CONTENT_CAP;
    let mut exhausted = false;
    for e in &mut message.entities {
        let Some(content) = e.content.as_mut() else {
            continue;
        };
        let size = content.data.as_ref().map_or(0, Bytes::len);
        if !inject || exhausted || size > left {
            exhausted |= inject && size > left;
            content.data = None;
        } else {
            left -= size;
        }
    }
    proto(&message)
}

/// The message `message_id` as box `b` sees it, contents included.
fn find_message(shared: &Shared, b: usize, message_id: &str) -> Result<ev::Message, Refusal> {
    let seed = &shared.seed;
    if let Some(d) = seeded(shared, b, message_id).next() {
        return Ok(build::seeded_message(seed, d));
    }
    let state = shared.lock();
    state
        .messages
        .posted
        .iter()
        .find(|p| {
            p.done && p.boxes.contains(&b) && p.message.message_id.eq_ignore_ascii_case(message_id)
        })
        .map(|p| p.message.clone())
        .ok_or_else(|| Refusal::NotFound(format!("Message {message_id} is not found in the box")))
}

fn seeded<'a>(
    shared: &'a Shared,
    b: usize,
    message_id: &'a str,
) -> impl Iterator<Item = &'a SeedDocument> {
    shared
        .seed
        .documents
        .iter()
        .filter(move |d| d.box_index == b && d.document.message_id == message_id)
}

/// `GET /V3/GetDocument`.
pub(crate) fn get_document(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "boxId")?;
    let message_id = call.guid("messageId")?;
    let entity_id = call.guid("entityId")?;
    // api.md, GetDocument: `injectEntityContent` defaults to true.
    let inject = call.flag("injectEntityContent")?.unwrap_or(true);
    let not_in_message = || {
        Refusal::NotFound(format!(
            "Document {entity_id} is not found in message {message_id}"
        ))
    };
    let (mut document, content) = match seeded(shared, b, &message_id).collect::<Vec<_>>() {
        found if !found.is_empty() => found
            .into_iter()
            .find(|d| d.document.entity_id == entity_id)
            .map(|d| (d.document.clone(), d.content.clone()))
            .ok_or_else(not_in_message)?,
        _ => {
            let state = shared.lock();
            let posted = state
                .messages
                .posted
                .iter()
                .find(|p| {
                    p.done
                        && p.boxes.contains(&b)
                        && p.message.message_id.eq_ignore_ascii_case(&message_id)
                })
                .ok_or_else(|| {
                    Refusal::NotFound(format!("Message {message_id} is not found in the box"))
                })?;
            let (document, content) = posted
                .documents
                .iter()
                .find(|(d, _)| d.entity_id.eq_ignore_ascii_case(&entity_id))
                .cloned()
                .ok_or_else(not_in_message)?;
            let sender = shared.seed.box_index(&posted.message.from_box_id);
            let document = if sender == Some(b) {
                document
            } else {
                build::as_inbound(document, &posted.message.from_box_id)
            };
            (document, content)
        }
    };
    if let Some(c) = document.content.as_mut() {
        c.data = (inject && content.len() <= CONTENT_CAP).then_some(content);
    }
    proto(&document)
}

/// `POST /V3/PostMessage`.
pub(crate) fn post(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let body: ev::MessageToPost = wire::decode(edi_proto::names::MESSAGE_TO_POST, &call.body)?;
    let from = sender_box(shared, user, "FromBoxId", &body.from_box_id)?;
    let draft = build::message_to_post(shared, from, &body)?;
    operation(shared, call, "PostMessage", draft)
}

/// `POST /TransformTemplateToMessage`.
pub(crate) fn transform(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let body: ev::TemplateTransformationToPost = wire::decode(
        edi_proto::names::TEMPLATE_TRANSFORMATION_TO_POST,
        &call.body,
    )?;
    let from = sender_box(shared, user, "BoxId", &body.box_id)?;
    let template = crate::seed::templates::demo(&shared.seed)
        .into_iter()
        .find(|t| t.message_id.eq_ignore_ascii_case(&body.template_id))
        .or_else(|| shared.lock().templates.template(&body.template_id))
        .ok_or_else(|| Refusal::NotFound(format!("Template {} is not found", body.template_id)))?;
    let draft = build::from_template(shared, from, &template, &body)?;
    operation(shared, call, "TransformTemplateToMessage", draft)
}

/// The sending box: one of the user's (403), given as a box id (400).
fn sender_box(shared: &Shared, user: usize, field: &str, id: &str) -> Result<usize, Refusal> {
    let seed = &shared.seed;
    if box_key(id).is_none() {
        return Err(Refusal::bad_request(format!(
            "{field} is not a valid box id: '{id}'"
        )));
    }
    seed.box_index(id)
        .filter(|&b| seed.users[user].orgs.contains(&seed.boxes[b].org))
        .ok_or_else(|| Refusal::Forbidden(format!("Access to Box {id} is denied")))
}

/// Runs the write as an operation (see the module docs): `draft` makes the message the first
/// time; later calls with the same operation id answer the same one.
fn operation(shared: &Shared, call: &Call, method: &'static str, draft: build::Draft) -> Outcome {
    let body_md5: [u8; 16] = Md5::digest(&call.body).into();
    let operation_id = match call.param("operationId") {
        Some(id) => id.to_lowercase(),
        // api.md: without an operationId "the server uses the MD5 hash of the request body".
        None => body_md5.iter().map(|b| format!("{b:02x}")).collect(),
    };
    let (calls, message, appeared) = {
        let mut state = shared.lock();
        let state = &mut *state;
        let key = (method, operation_id.clone());
        let index = match state.messages.operations.get(&key) {
            Some(op) if op.body_md5 != body_md5 => {
                return Err(Refusal::Conflict(format!(
                    "Operation {operation_id} was started with a different request body"
                )));
            }
            Some(op) => op.posted,
            None => {
                let posted = draft.into_posted(shared, &format!("{method}-{operation_id}"));
                state.messages.posted.push(posted);
                let index = state.messages.posted.len() - 1;
                state.messages.operations.insert(
                    key.clone(),
                    Operation {
                        body_md5,
                        calls: 0,
                        posted: index,
                    },
                );
                index
            }
        };
        let calls = state
            .messages
            .operations
            .get_mut(&key)
            .map_or(u32::MAX, |op| {
                op.calls += 1;
                op.calls
            });
        let done = calls > shared.settings.message_polls;
        let posted = &mut state.messages.posted[index];
        // The first 200 makes the message visible: that is when the boxes' feeds get its event.
        let appeared =
            (done && !posted.done).then(|| (posted.boxes.clone(), posted.event_id.clone()));
        posted.done |= done;
        (calls, posted.message.clone(), appeared)
    };
    // Posting a message appends a Message event to the feed (GetNewEvents) of every seeded box
    // that sees it (after the lock above is released: the feed takes it again).
    if let Some((boxes, event_id)) = appeared {
        for b in boxes {
            super::events::record_event(
                shared,
                b,
                ev::BoxEvent {
                    event_id: event_id.clone(),
                    message: Some(message.clone()),
                    ..Default::default()
                },
            );
        }
    }
    if calls <= shared.settings.message_polls {
        return Ok(Reply::Pending {
            status: StatusCode::NO_CONTENT,
            retry_after: shared.settings.retry_after_secs,
        });
    }
    proto(&message)
}
