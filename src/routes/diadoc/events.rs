//! A box's event feed: a page of events, or the same feed followed as Server-Sent Events.

use prost_reflect::{DynamicMessage, Value};

use super::super::{
    Call, DiadocCall, DiadocReply, EventStream, In, Page, Param, ParamKind, Route, Target, Verb,
};
use super::{AFTER, BOX_ID};
use crate::rules::{DOCUMENT_DIRECTIONS, MESSAGE_TYPES, TYPE_NAMED_IDS};
use edi_proto::names;

/// GetNewEvents' page size. lifecycle.md §1.4 reports 1..500 (default 500) for V8 in Kontur's
/// OpenAPI, api.md 1..100 (default 100): the gateway takes the range both allow, and always
/// sends `limit` (100 when the caller gives none), so a page means the same whichever is true.
const LIMIT: Param = Param {
    name: "limit",
    location: In::Query,
    kind: ParamKind::Int { min: 1, max: 100 },
    required: false,
    upstream: Target::QueryOr("limit", "100"),
    description: "Page size, 1 to 100 (default 100).",
};

const FROM: Param = Param {
    name: "from",
    location: In::Query,
    kind: ParamKind::DateTime,
    required: false,
    upstream: Target::Query("timestampFromTicks"),
    description: "Only events at or after this instant (RFC 3339, e.g. `2024-08-06T12:36:38Z`; \
        sent to Diadoc as .NET ticks).",
};

const TO: Param = Param {
    name: "to",
    upstream: Target::Query("timestampToTicks"),
    description: "Only events at or before this instant (RFC 3339, e.g. `2024-08-06T12:36:38Z`; \
        sent to Diadoc as .NET ticks).",
    ..FROM
};

/// The `event:` names of the stream, and what each means.
const KINDS: &[(&str, &str)] = &[
    (
        "message",
        "a new letter (`message.messageType` is `Letter`)",
    ),
    ("draft", "a new draft"),
    ("template", "a new template"),
    (
        "patch",
        "a change to an earlier message (`patch`: signatures, answers, revocations…)",
    ),
    ("event", "an event with neither `message` nor `patch`"),
];

/// The `event:` name of a `BoxEvent`: from its `Message.MessageType` (`Letter` → `message`,
/// `Draft` → `draft`, `Template` → `template`), `patch` for a `MessagePatch`, else `event`.
fn event_kind(event: &DynamicMessage) -> &'static str {
    if event.has_field_by_name("Message") {
        let message_type = event
            .get_field_by_name("Message")
            .and_then(|m| match m.as_ref() {
                Value::Message(m) => m.get_field_by_name("MessageType").map(|v| v.into_owned()),
                _ => None,
            })
            .and_then(|v| v.as_enum_number());
        // Documents.MessageType: Unknown = 0, Letter = 1, Draft = 2, Template = 3.
        return match message_type {
            Some(2) => "draft",
            Some(3) => "template",
            _ => "message",
        };
    }
    if event.has_field_by_name("Patch") {
        return "patch";
    }
    "event"
}

/// A box's event feed, oldest first (api.md, "GetNewEvents (newest)"; lifecycle.md §1.4: V8 is
/// current, V7 obsolete). `afterIndexKey` is URL-encoded like every query value; `afterEventId`
/// (deprecated, and not to be combined with it) is never sent.
pub const LIST_EVENTS: Route = Route {
    summary: "A box's event feed (a page, or Server-Sent Events)",
    description: "The box's events, oldest first: each is a new message (`message`) or a change \
        to one (`patch`), without document content. Follow `nextAfter` (or the `Link` header) \
        page by page; keep the `indexKey` of the last event you handled to read on later.\n\n\
        With `Accept: text/event-stream` the same request is a Server-Sent Events stream: the \
        gateway reads the feed from `Last-Event-ID` (else `after`, else the start) on and sends \
        each event as `id: <indexKey>`, `event: message|draft|template|patch|event` and \
        `data: <the event's JSON>`; once caught up it polls Diadoc again every interval \
        (`EDI_GATEWAY_EVENTS_POLL_SECS`, default 5 s), sharing one poll among identical streams \
        of the same caller, and sends a `: keep-alive` comment when idle. A stream that fails \
        after it started sends `event: error` with a problem JSON and ends; reconnect with \
        `Last-Event-ID` to resume.",
    params: &[
        BOX_ID,
        AFTER,
        LIMIT,
        Param {
            name: "documentDirection",
            location: In::Query,
            kind: ParamKind::List {
                pattern: &DOCUMENT_DIRECTIONS,
                items: "Inbound, Outbound, Internal",
            },
            required: false,
            upstream: Target::Query("documentDirection"),
            description: "Only events of documents in these directions: a comma-separated list \
                of `Inbound`, `Outbound`, `Internal`.",
        },
        Param {
            name: "messageType",
            location: In::Query,
            kind: ParamKind::List {
                pattern: &MESSAGE_TYPES,
                items: "Letter, Draft, Template",
            },
            required: false,
            upstream: Target::Query("messageType"),
            description: "Only events of these message types: a comma-separated list of \
                `Letter`, `Draft`, `Template`.",
        },
        Param {
            name: "typeNamedId",
            location: In::Query,
            kind: ParamKind::List {
                pattern: &TYPE_NAMED_IDS,
                items: "document type ids (letters, digits, '_' or '-')",
            },
            required: false,
            upstream: Target::Query("typeNamedId"),
            description: "Only events of documents of these types: a comma-separated list of up \
                to 20 `TypeNamedId`s (e.g. `UniversalTransferDocument,Nonformalized`).",
        },
        FROM,
        TO,
    ],
    stream: Some(EventStream {
        item: names::BOX_EVENT,
        kind: event_kind,
        kinds: KINDS,
    }),
    ..Route::new(
        "listDiadocBoxEvents",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/events",
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/V8/GetNewEvents",
            // Cursor = `BoxEvent.IndexKey` (api.md: "afterIndexKey is exclusive").
            DiadocReply::Page(Page {
                message: names::BOX_EVENT_LIST,
                items: "Events",
                key: "IndexKey",
                cursor: &AFTER,
                size: Some(&LIMIT),
                default_size: 100,
                more_flag: None,
            }),
        )),
    )
};
