//! `GET /V8/GetNewEvents?boxId=&afterIndexKey=&…` (api.md, "GetNewEvents (newest)";
//! lifecycle.md §1.4): a box's event feed, oldest first, as a `BoxEventList`.
//!
//! The feed of each box is built on first use from the seeded documents (one `Message` event
//! when a document was sent, one `Patch` when it was answered, one when it was revoked: the
//! seed's `SeedEvent`s, in time order) and grows when something is recorded with
//! [`record_event`] (tests through `SandboxHandle::append_event`; other methods, e.g. a posted
//! message or a partnership change, may call it too). Each event gets an `IndexKey` when it is
//! recorded; keys sort in feed order.
//!
//! * `afterIndexKey` is exclusive and names a place in the whole feed, whatever the filters (a
//!   key from an unfiltered page works with a filter: UNKNOWN in api.md, the sandbox's choice);
//!   an unknown key is a 400 (the sandbox's choice, as for the other lists). With `afterEventId` as well: 400 (api.md: "must not be combined").
//! * Filters: `messageType` (`Letter`, `Draft`, `Template`), `documentDirection` (`Inbound`,
//!   `Outbound`, `Internal`), `typeNamedId` (comma-separated lists), `timestampFromTicks` /
//!   `timestampToTicks` (inclusive), `counteragentBoxId`; `orderBy` `Ascending` (default) or
//!   `Descending`. An unknown list value is a 400.
//! * `limit`: 1..100, default 100. lifecycle.md §1.4 reports 1..500 (default 500) for V8 in
//!   Kontur's OpenAPI and api.md 1..100: the sandbox's choice is the narrower documented range.
//! * `TotalCount`: every event that matches the filters, whatever the cursor;
//!   `TotalCountType`: `Equal` (UNKNOWN in api.md when the server says `GreaterThanOrEqual`; the
//!   sandbox always counts exactly).
//! * `departmentId` is checked for shape and otherwise ignored (every seeded event is in the head
//!   department).

use std::collections::HashMap;

use edi_proto::diadoc::api::proto as dap;

use super::{Outcome, PAGE_LIMIT, after_cursor, count32, proto, user_box};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::ids::{guid, index_key, now_ticks};
use crate::seed::{Response, Seed, SeedDocument, box_key, is_guid};
use crate::state::Shared;
use dap::documents::MessageType;
use dap::events as ev;

/// The feeds of the boxes asked about so far, by index into `Seed::boxes`.
#[derive(Debug, Default)]
pub(crate) struct Feeds {
    by_box: HashMap<usize, Vec<Stored>>,
}

/// One event of a feed, with what the filters read.
#[derive(Debug, Clone)]
struct Stored {
    event: ev::BoxEvent,
    ticks: i64,
    message_type: MessageType,
    /// `Inbound`, `Outbound` or `Internal`, when known.
    direction: Option<&'static str>,
    /// The counteragent's box key (`box_key`), when known.
    counteragent: Option<String>,
    /// `TypeNamedId`s of the documents the event is about.
    types: Vec<String>,
}

/// Appends `event` to the feed of box `box_index` and returns its `IndexKey`. For any sandbox
/// method that changes a box: give a `BoxEvent` with a `Message` (a new letter, draft or
/// template) or a `Patch` (a change to an earlier message). An empty `EventId` gets a fresh
/// one; any `IndexKey` given is replaced. The filters read the event itself: its time and
/// message type, the direction and counteragent from `FromBoxId`/`ToBoxId` (a patch takes them,
/// and the document types, from the message it patches), the document types from the
/// entities' `DocumentInfo.TypeNamedId`.
pub(crate) fn record_event(shared: &Shared, box_index: usize, mut event: ev::BoxEvent) -> String {
    let mut state = shared.lock();
    let feed = feed(&mut state.events, &shared.seed, box_index);
    if event.event_id.is_empty() {
        event.event_id = guid(&format!("event-{box_index}-{}", shared.random_hex(16)));
    }
    let key = index_key(feed.len() + 1, &event.event_id);
    event.index_key = Some(key.clone());
    let stored = describe(&shared.seed, box_index, event, feed);
    feed.push(stored);
    key
}

/// A new inbound letter for box `b`, now: one nonformalized document from the first partner
/// the box's seeded documents name (else from the box itself), for tests that need the feed to
/// grow.
pub(crate) fn new_letter(shared: &Shared, b: usize) -> ev::BoxEvent {
    let seed = &shared.seed;
    let own = seed.boxes[b].box_id_guid.clone();
    let partner = seed
        .documents
        .iter()
        .find(|d| d.box_index == b && d.inbound)
        .map_or_else(|| own.clone(), |d| d.sender_box_id.clone());
    let n = shared.random_hex(8);
    let ticks = now_ticks();
    let message_id = guid(&format!("appended-message-{n}"));
    let entity_id = guid(&format!("appended-entity-{n}"));
    let document = dap::documents::Document {
        message_id: message_id.clone(),
        entity_id: entity_id.clone(),
        creation_timestamp_ticks: ticks,
        counteragent_box_id: Some(partner.clone()),
        document_type: Some(dap::DocumentType::Nonformalized as i32),
        file_name: Some(format!("Письмо_{n}.pdf")),
        type_named_id: dap::DocumentType::Nonformalized.as_str_name().to_owned(),
        function: "default".to_owned(),
        version: "v1".to_owned(),
        title: format!("Письмо {n}"),
        document_direction: Some(dap::DocumentDirection::Inbound as i32),
        ..Default::default()
    };
    ev::BoxEvent {
        event_id: guid(&format!("appended-event-{n}")),
        message: Some(ev::Message {
            message_id,
            timestamp_ticks: ticks,
            last_patch_timestamp_ticks: ticks,
            from_title: box_title(seed, &partner),
            from_box_id: partner,
            to_box_id: Some(own.clone()),
            to_title: Some(box_title(seed, &own)),
            entities: vec![ev::Entity {
                entity_type: Some(ev::EntityType::Attachment as i32),
                entity_id,
                file_name: document.file_name.clone(),
                document_info: Some(document),
                raw_creation_date: Some(ticks),
                ..Default::default()
            }],
            lock_mode: dap::LockMode::None as i32,
            message_type: MessageType::Letter as i32,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// How many events the feed of `box_index` holds now.
pub(crate) fn feed_len(shared: &Shared, box_index: usize) -> usize {
    let mut state = shared.lock();
    feed(&mut state.events, &shared.seed, box_index).len()
}

/// The feed of a box, seeded on first use.
fn feed<'a>(feeds: &'a mut Feeds, seed: &Seed, b: usize) -> &'a mut Vec<Stored> {
    feeds.by_box.entry(b).or_insert_with(|| seeded(seed, b))
}

/// The events of the seeded documents of box `b`, in time order.
fn seeded(seed: &Seed, b: usize) -> Vec<Stored> {
    let mut events: Vec<ev::BoxEvent> = Vec::new();
    for d in seed.documents.iter().filter(|d| d.box_index == b) {
        for (i, e) in d.events.iter().enumerate() {
            let event = if i == 0 {
                ev::BoxEvent {
                    event_id: e.event_id.clone(),
                    message: Some(sent(seed, d, e.ticks)),
                    ..Default::default()
                }
            } else {
                ev::BoxEvent {
                    event_id: e.event_id.clone(),
                    patch: Some(answered(d, e.ticks, &e.event_id, i)),
                    ..Default::default()
                }
            };
            events.push(event);
        }
    }
    events.sort_by_key(event_ticks);
    let mut feed: Vec<Stored> = Vec::with_capacity(events.len());
    for (position, mut event) in events.into_iter().enumerate() {
        event.index_key = Some(index_key(position + 1, &event.event_id));
        let stored = describe(seed, b, event, &feed);
        feed.push(stored);
    }
    feed
}

/// The `Message` of a seeded document's sending: the document and the sender's signature,
/// without content (api.md: "Document content is never included").
fn sent(seed: &Seed, d: &SeedDocument, ticks: i64) -> ev::Message {
    let attachment = ev::Entity {
        entity_type: Some(ev::EntityType::Attachment as i32),
        entity_id: d.document.entity_id.clone(),
        file_name: d.document.file_name.clone(),
        need_recipient_signature: Some(d.kind.needs_recipient_signature()),
        document_info: Some(d.document.clone()),
        raw_creation_date: Some(ticks),
        ..Default::default()
    };
    let signature = ev::Entity {
        entity_type: Some(ev::EntityType::Signature as i32),
        entity_id: d.sender_signature_id.clone(),
        parent_entity_id: Some(d.document.entity_id.clone()),
        signer_box_id: Some(d.sender_box_id.clone()),
        raw_creation_date: Some(ticks),
        ..Default::default()
    };
    ev::Message {
        message_id: d.document.message_id.clone(),
        timestamp_ticks: ticks,
        last_patch_timestamp_ticks: d.events.last().map_or(ticks, |e| e.ticks),
        from_box_id: d.sender_box_id.clone(),
        from_title: box_title(seed, &d.sender_box_id),
        to_box_id: Some(d.recipient_box_id.clone()),
        to_title: Some(box_title(seed, &d.recipient_box_id)),
        entities: vec![attachment, signature],
        lock_mode: dap::LockMode::None as i32,
        message_type: MessageType::Letter as i32,
        ..Default::default()
    }
}

/// The `MessagePatch` of a later event of a seeded document: the recipient's signature or
/// refusal (`i == 1` with an answer), else the revocation.
fn answered(d: &SeedDocument, ticks: i64, event_id: &str, i: usize) -> ev::MessagePatch {
    let entity = match (&d.response, i) {
        (Response::Signed { entity_id, .. }, 1) => ev::Entity {
            entity_type: Some(ev::EntityType::Signature as i32),
            entity_id: entity_id.clone(),
            parent_entity_id: Some(d.document.entity_id.clone()),
            signer_box_id: Some(d.recipient_box_id.clone()),
            raw_creation_date: Some(ticks),
            ..Default::default()
        },
        (Response::Rejected { entity_id, .. }, 1) => ev::Entity {
            entity_type: Some(ev::EntityType::Attachment as i32),
            entity_id: entity_id.clone(),
            parent_entity_id: Some(d.document.entity_id.clone()),
            attachment_type: Some(ev::AttachmentType::SignatureRequestRejection as i32),
            raw_creation_date: Some(ticks),
            ..Default::default()
        },
        _ => ev::Entity {
            entity_type: Some(ev::EntityType::Attachment as i32),
            entity_id: guid(&format!("revocation-{event_id}")),
            parent_entity_id: Some(d.document.entity_id.clone()),
            attachment_type: Some(ev::AttachmentType::RevocationRequest as i32),
            raw_creation_date: Some(ticks),
            ..Default::default()
        },
    };
    ev::MessagePatch {
        message_id: d.document.message_id.clone(),
        timestamp_ticks: ticks,
        entities: vec![entity],
        patch_id: event_id.to_owned(),
        message_type: MessageType::Letter as i32,
        ..Default::default()
    }
}

/// The title of a box the seed knows (one of the users' or a counteragent's), else empty.
fn box_title(seed: &Seed, box_id: &str) -> String {
    let key = box_key(box_id);
    let own = seed
        .boxes
        .iter()
        .find(|b| box_key(&b.box_id_guid) == key)
        .map(|b| b.title.clone());
    own.or_else(|| {
        seed.counteragents
            .iter()
            .flatten()
            .flat_map(|c| c.organization.boxes.iter())
            .find(|b| box_key(&b.box_id_guid) == key)
            .map(|b| b.title.clone())
    })
    .unwrap_or_default()
}

fn event_ticks(e: &ev::BoxEvent) -> i64 {
    e.message
        .as_ref()
        .map(|m| m.timestamp_ticks)
        .or_else(|| e.patch.as_ref().map(|p| p.timestamp_ticks))
        .unwrap_or_default()
}

/// What the filters read of `event`, in box `b` whose feed so far is `earlier`.
fn describe(seed: &Seed, b: usize, event: ev::BoxEvent, earlier: &[Stored]) -> Stored {
    let own = box_key(&seed.boxes[b].box_id_guid);
    let ticks = event_ticks(&event);
    let (message_type, direction, counteragent, types) = match (&event.message, &event.patch) {
        (Some(m), _) => {
            let from = box_key(&m.from_box_id);
            let to = m.to_box_id.as_deref().and_then(box_key);
            let (direction, counteragent) = if from == own && (to.is_none() || to == own) {
                (Some("Internal"), None)
            } else if from == own {
                (Some("Outbound"), to)
            } else {
                (Some("Inbound"), from)
            };
            let types = m
                .entities
                .iter()
                .filter_map(|e| e.document_info.as_ref())
                .map(|d| d.type_named_id.clone())
                .collect();
            (
                MessageType::try_from(m.message_type).unwrap_or(MessageType::Unknown),
                direction,
                counteragent,
                types,
            )
        }
        (None, Some(p)) => {
            let original = earlier.iter().find(|s| {
                s.event
                    .message
                    .as_ref()
                    .is_some_and(|m| m.message_id == p.message_id)
            });
            (
                MessageType::try_from(p.message_type).unwrap_or(MessageType::Unknown),
                original.and_then(|o| o.direction),
                original.and_then(|o| o.counteragent.clone()),
                original.map(|o| o.types.clone()).unwrap_or_default(),
            )
        }
        (None, None) => (MessageType::Unknown, None, None, Vec::new()),
    };
    Stored {
        event,
        ticks,
        message_type,
        direction,
        counteragent,
        types,
    }
}

/// A comma-separated list parameter whose values must be among `allowed`, if sent.
fn list<'a>(
    call: &'a Call,
    name: &str,
    allowed: Option<&[&str]>,
) -> Result<Option<Vec<&'a str>>, Refusal> {
    let Some(raw) = call.param(name) else {
        return Ok(None);
    };
    let items: Vec<&str> = raw.split(',').map(str::trim).collect();
    for item in &items {
        let known = allowed.is_none_or(|a| a.iter().any(|v| v.eq_ignore_ascii_case(item)));
        if item.is_empty() || !known {
            return Err(Refusal::bad_request(format!(
                "Parameter '{name}' has an unknown value: '{item}'"
            )));
        }
    }
    Ok(Some(items))
}

/// The handler.
pub(crate) fn new_events(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "boxId")?;
    if call.param("afterEventId").is_some() && call.param("afterIndexKey").is_some() {
        // api.md: `afterEventId` "must not be combined with `afterIndexKey`".
        return Err(Refusal::bad_request(
            "Parameters 'afterEventId' and 'afterIndexKey' cannot be combined",
        ));
    }
    let limit = match call.number::<i64>("limit")? {
        None => PAGE_LIMIT,
        Some(n) if (1..=PAGE_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(Refusal::bad_request(format!(
                "Parameter 'limit' must be between 1 and 100: {n}"
            )));
        }
    };
    let descending = match call.param("orderBy") {
        None => false,
        Some(o) if o.eq_ignore_ascii_case("Ascending") => false,
        Some(o) if o.eq_ignore_ascii_case("Descending") => true,
        Some(other) => {
            return Err(Refusal::bad_request(format!(
                "Parameter 'orderBy' must be Ascending or Descending: '{other}'"
            )));
        }
    };
    let message_types = list(call, "messageType", Some(&["Letter", "Draft", "Template"]))?;
    let directions = list(
        call,
        "documentDirection",
        Some(&["Inbound", "Outbound", "Internal"]),
    )?;
    let types = list(call, "typeNamedId", None)?;
    let from = call.number::<i64>("timestampFromTicks")?;
    let to = call.number::<i64>("timestampToTicks")?;
    let counteragent = match call.param("counteragentBoxId") {
        None => None,
        Some(id) => Some(box_key(id).ok_or_else(|| {
            Refusal::bad_request(format!(
                "Parameter 'counteragentBoxId' is not a valid box id: '{id}'"
            ))
        })?),
    };
    if let Some(id) = call.param("departmentId").filter(|id| !is_guid(id)) {
        return Err(Refusal::bad_request(format!(
            "Parameter 'departmentId' is not a valid identifier: '{id}'"
        )));
    }
    let mut state = shared.lock();
    let feed = feed(&mut state.events, &shared.seed, b);
    let matches = |s: &Stored| {
        message_types.as_ref().is_none_or(|l| {
            l.iter()
                .any(|t| t.eq_ignore_ascii_case(s.message_type.as_str_name()))
        }) && directions.as_ref().is_none_or(|l| {
            s.direction
                .is_some_and(|d| l.iter().any(|x| x.eq_ignore_ascii_case(d)))
        }) && types
            .as_ref()
            .is_none_or(|l| s.types.iter().any(|t| l.contains(&t.as_str())))
            && from.is_none_or(|f| s.ticks >= f)
            && to.is_none_or(|t| s.ticks <= t)
            && counteragent
                .as_ref()
                .is_none_or(|c| s.counteragent.as_ref() == Some(c))
    };
    let mut ordered: Vec<&Stored> = feed.iter().collect();
    if descending {
        ordered.reverse();
    }
    // The cursor is a place in the whole feed, whatever the filters (a stream filtered one way
    // may resume from a key read another way); `after_cursor` makes an unknown key a 400.
    let start = if let Some(after) = call.param("afterEventId") {
        let position = ordered
            .iter()
            .position(|s| s.event.event_id.eq_ignore_ascii_case(after))
            .ok_or_else(|| Refusal::bad_request(format!("Unknown afterEventId '{after}'")))?;
        position + 1
    } else {
        after_cursor(
            ordered.iter().map(|s| s.event.index_key.as_deref()),
            call.param("afterIndexKey"),
        )?
    };
    let total = ordered.iter().filter(|s| matches(s)).count();
    let events: Vec<ev::BoxEvent> = ordered
        .iter()
        .skip(start)
        .filter(|s| matches(s))
        .take(limit)
        .map(|s| s.event.clone())
        .collect();
    proto(&ev::BoxEventList {
        events,
        total_count: Some(count32(total)),
        total_count_type: dap::TotalCountType::Equal as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_feeds_are_in_time_order_with_sorted_keys() {
        let seed = Seed::demo();
        let feed = seeded(&seed, 0);
        assert!(feed.len() > 60, "{}", feed.len());
        assert!(feed.windows(2).all(|w| w[0].ticks <= w[1].ticks));
        let keys: Vec<&str> = feed
            .iter()
            .filter_map(|s| s.event.index_key.as_deref())
            .collect();
        assert_eq!(keys.len(), feed.len());
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(feed.iter().any(|s| s.event.patch.is_some()));
        assert!(
            feed.iter()
                .filter(|s| s.event.patch.is_some())
                .all(|s| s.direction.is_some() && !s.types.is_empty())
        );
    }
}
