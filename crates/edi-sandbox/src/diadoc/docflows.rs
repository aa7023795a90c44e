//! `POST /V3/GetDocflows?boxId=` and `POST /V5/GetDocflows?boxId=` (api.md, GetDocflows;
//! lifecycle.md §1.4): the body is a `Docflow.GetDocflowBatchRequest`, the answer a
//! `Docflow.GetDocflowBatchResponseV3` (or `…V5`, built from the same view by `v5.rs`) with one
//! document per request whose document the box has, in request order. Everything below holds
//! for both versions (the V4/V5 codes are UNKNOWN in api.md, "presumably the same").
//!
//! * More than 100 requests: 400 (api.md, "at most 100").
//! * A body that does not decode, or lacks a `required` field (`DocumentId`, its `MessageId` or
//!   `EntityId`): 400; ids that are not GUIDs: 400.
//! * Ids the box does not have: api.md lists 404 "the box has no documents with the given ids".
//!   The sandbox's choice for a partial hit: the missing ones are left out and the rest answered;
//!   404 only when none of the requested documents is in the box. An empty batch gets an empty 200.
//! * `LastEventId`: the state as of that event (later answers and revocations hidden). An id that
//!   is not one of the document's events is a 400 — the sandbox's choice; api.md does not say.
//! * `InjectEntityContent=true`: contents are put in `Entity.Content.Data` (the document, the
//!   sender's signature, the recipient's signature or refusal), in request order, while their
//!   total stays within 1048576 bytes (api.md, "Size cap"). Once the next content would pass the
//!   cap it is left out silently — the sandbox's reading of "once": so is every content after it,
//!   even a smaller one that would still fit. `Content.Size` is always filled.

mod v5;
mod view;

use edi_proto::diadoc::api::proto as dap;

use super::{Outcome, PAGE_LIMIT, proto, user_box};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::is_guid;
use crate::state::Shared;
use crate::wire;

/// api.md, GetDocflows: "the binary contents placed in the response add up to at most 1048576
/// bytes".
pub(crate) const CONTENT_CAP: usize = 1_048_576;

/// The V3 handler.
pub(crate) fn batch(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let documents = documents(shared, call, user)?;
    proto(&dap::docflow::GetDocflowBatchResponseV3 { documents })
}

/// The V5 handler: the same documents in the V5 structures.
pub(crate) fn batch_v5(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let current = call.param("boxId").unwrap_or_default().to_owned();
    let documents = documents(shared, call, user)?
        .into_iter()
        .map(|d| v5::from_v3(d, &current))
        .collect();
    proto(&dap::docflow::GetDocflowBatchResponseV5 { documents })
}

/// The batch's documents as of the requested events, in request order.
fn documents(
    shared: &Shared,
    call: &Call,
    user: usize,
) -> Result<Vec<dap::docflow::DocumentWithDocflowV3>, Refusal> {
    let b = user_box(shared, call, user, "boxId")?;
    let batch: dap::docflow::GetDocflowBatchRequest =
        wire::decode(edi_proto::names::GET_DOCFLOW_BATCH_REQUEST, &call.body)?;
    if batch.requests.len() > PAGE_LIMIT {
        return Err(Refusal::bad_request(format!(
            "Too many requests in the batch: {} (at most {PAGE_LIMIT})",
            batch.requests.len()
        )));
    }
    for (i, r) in batch.requests.iter().enumerate() {
        let id = &r.document_id;
        if !is_guid(&id.message_id) || !is_guid(&id.entity_id) {
            return Err(Refusal::bad_request(format!(
                "Requests[{i}].DocumentId is not a valid document id"
            )));
        }
    }
    let mut budget = view::Budget::new(CONTENT_CAP);
    let mut documents = Vec::with_capacity(batch.requests.len());
    for r in &batch.requests {
        let id = &r.document_id;
        let Some(d) = shared.seed.documents.iter().find(|d| {
            d.box_index == b
                && d.document.message_id.eq_ignore_ascii_case(&id.message_id)
                && d.document.entity_id.eq_ignore_ascii_case(&id.entity_id)
        }) else {
            continue;
        };
        let upto = match r.last_event_id.as_deref().filter(|e| !e.is_empty()) {
            None => d.events.len(),
            Some(event) => {
                d.events
                    .iter()
                    .position(|e| e.event_id.eq_ignore_ascii_case(event))
                    .ok_or_else(|| {
                        Refusal::bad_request(format!(
                            "LastEventId {event} is not an event of document {}/{}",
                            id.message_id, id.entity_id
                        ))
                    })?
                    + 1
            }
        };
        let inject = r.inject_entity_content.unwrap_or(false);
        documents.push(view::document_with_docflow(d, upto, inject, &mut budget));
    }
    if documents.is_empty() && !batch.requests.is_empty() {
        return Err(Refusal::NotFound(
            "The box has no documents with the given ids".to_owned(),
        ));
    }
    Ok(documents)
}
