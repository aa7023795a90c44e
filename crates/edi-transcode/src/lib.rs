//! JSON ⇄ protobuf for the Diadoc schema, driven by the prost-reflect descriptor pool.
//!
//! Diadoc speaks proto2 protobuf; the gateway speaks JSON with its own conventions (camelCase
//! keys, enums by name, 64-bit integers as strings, base64 bytes, RFC 3339 timestamps, every
//! problem reported with its path). [`Transcoder`] is the one type the gateway holds: built once
//! from the pool, cheap to clone, used from every request.
//!
//! # Layout
//!
//! * `schema.rs` — per-message tables computed once in [`Transcoder::new`]: pre-escaped keys,
//!   resolved kinds, enum name tables, a key → field map taking both spellings.
//! * `naming.rs` — [`json_name`], the proto name → camelCase key rule.
//! * `to_json.rs` — wire bytes → JSON without building a message.
//! * `dynamic.rs` — a decoded `DynamicMessage` → the same JSON.
//! * `json.rs` — the JSON text writers both of them use.
//! * `to_wire.rs` — JSON → wire bytes in one streaming serde pass that collects every problem;
//!   `to_wire/value.rs` dispatches on the JSON type, `to_wire/scalar.rs` checks and writes scalars.
//! * `timestamp.rs` — .NET ticks ⇄ RFC 3339 (api.md, "Time values: .NET ticks").
//! * `wire.rs` — varints and other protobuf primitives.
//! * `error.rs` — [`TranscodeError`], [`FieldProblem`], [`ProblemCode`].
//!
//! # The JSON, in short
//!
//! | protobuf | JSON out | JSON in |
//! | --- | --- | --- |
//! | field `TotalCount` | key `totalCount` ([`json_name`]) | `totalCount` or `TotalCount`, not both |
//! | int32, uint32, … | number | number or integral string |
//! | int64, sfixed64, … (incl. `…TimestampTicks`) | decimal string | string or number |
//! | float, double | number; `"NaN"`, `"Infinity"`, `"-Infinity"` | the same, or a numeric string |
//! | enum | value name | value name only (the error lists the allowed ones) |
//! | bytes | standard base64, padded | standard or URL-safe, padding optional |
//! | `Diadoc.Api.Proto.Timestamp` | `"2024-08-06T12:36:38.8979088Z"`; `{"ticks": "…"}` outside years 0001–9999 | RFC 3339 with `Z` or an offset, or `{"ticks": …}` |
//! | unset / unknown field | left out | `null` = unset; unknown keys are errors |
//!
//! Output members come in the .proto declaration order.
//!
//! What this crate leaves to the gateway: HTTP, turning [`TranscodeError`] into problem+json,
//! and deciding which message a route sends or expects.

mod dynamic;
mod error;
mod json;
mod naming;
mod page;
mod schema;
mod timestamp;
mod to_json;
mod to_wire;
mod wire;

use std::fmt;
use std::sync::Arc;

use prost_reflect::{DescriptorPool, DynamicMessage};
use serde_json::Value;

pub use error::{FieldProblem, ProblemCode, TranscodeError};
pub use naming::json_name;
pub use page::PageFacts;
pub use schema::is_timestamp;
pub use to_wire::MAX_PROBLEMS;

use schema::{MsgId, Schema};

/// The UTC .NET ticks of an RFC 3339 date-time (`2024-08-06T12:36:38.8979088Z`, `…+03:00`; at
/// most 7 significant fraction digits), clamped to the ticks .NET can hold (years 0001–9999):
/// for query bounds such as GetNewEvents' `timestampFromTicks`. `Err` says why the text is not
/// one.
pub fn rfc3339_to_ticks_clamped(text: &str) -> Result<i64, &'static str> {
    timestamp::parse_clamped(text).map_err(|e| e.detail)
}

/// Transcodes between Diadoc's protobuf and the gateway's JSON for every message of a pool.
///
/// Building one walks the whole pool once; clones share the tables.
#[derive(Clone)]
pub struct Transcoder {
    schema: Arc<Schema>,
}

impl fmt::Debug for Transcoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transcoder")
            .field("messages", &self.schema.messages.len())
            .field("enums", &self.schema.enums.len())
            .finish()
    }
}

impl Transcoder {
    /// Precomputes the tables of every message and enum in `pool`.
    pub fn new(pool: &DescriptorPool) -> Self {
        Transcoder {
            schema: Arc::new(Schema::new(pool)),
        }
    }

    /// Diadoc's protobuf → gateway JSON.
    ///
    /// `message` is a full name (`Diadoc.Api.Proto.CounteragentList`). Members come in
    /// declaration order; fields absent on the wire are absent in the JSON.
    pub fn to_json(&self, message: &str, wire: &[u8]) -> Result<Vec<u8>, TranscodeError> {
        self.to_json_with(message, wire, &[])
    }

    /// Same as [`to_json`](Self::to_json), appending `extra` top-level members after the
    /// message's own (the gateway's `"nextAfter"` cursor). With `extra` given, a root
    /// `Timestamp` renders as an object rather than a string, so the members have a place.
    pub fn to_json_with(
        &self,
        message: &str,
        wire: &[u8],
        extra: &[(&str, Value)],
    ) -> Result<Vec<u8>, TranscodeError> {
        let id = self.id(message)?;
        to_json::wire_to_json(&self.schema, id, wire, extra).map_err(TranscodeError::Wire)
    }

    /// Decodes the wire bytes into a `DynamicMessage`, for callers that must look inside (the
    /// last item's `IndexKey`); render it afterwards with [`dynamic_to_json`](Self::dynamic_to_json).
    pub fn decode(&self, message: &str, wire: &[u8]) -> Result<DynamicMessage, TranscodeError> {
        let id = self.id(message)?;
        let descriptor = self.schema.message(id).descriptor.clone();
        DynamicMessage::decode(descriptor, wire)
            .map_err(|e| TranscodeError::Wire(format!("{message}: {e}")))
    }

    /// Renders a decoded message exactly as [`to_json_with`](Self::to_json_with) renders its bytes.
    ///
    /// A message whose type is not in this transcoder's pool renders as an object holding only
    /// `extra`.
    pub fn dynamic_to_json(&self, msg: &DynamicMessage, extra: &[(&str, Value)]) -> Vec<u8> {
        dynamic::dynamic_to_json(&self.schema, msg, extra)
    }

    /// The paging facts of a list reply, read off the wire without decoding it: how many
    /// `items` (a repeated message field) it holds, the string field `key` of the last one, and
    /// the bool field `flag` when given. Names are proto field names.
    pub fn page_facts(
        &self,
        message: &str,
        wire: &[u8],
        items: &str,
        key: &str,
        flag: Option<&str>,
    ) -> Result<PageFacts, TranscodeError> {
        let id = self.id(message)?;
        let desc = &self.schema.message(id).descriptor;
        let unknown = |what: &str| TranscodeError::UnknownMessage(format!("{message}.{what}"));
        let items_field = desc
            .get_field_by_name(items)
            .ok_or_else(|| unknown(items))?;
        let prost_reflect::Kind::Message(item) = items_field.kind() else {
            return Err(unknown(items));
        };
        let key_field = item.get_field_by_name(key).ok_or_else(|| unknown(key))?;
        let flag = match flag {
            Some(f) => Some(
                desc.get_field_by_name(f)
                    .ok_or_else(|| unknown(f))?
                    .number(),
            ),
            None => None,
        };
        let fields = page::PageFields {
            items: items_field.number(),
            key: key_field.number(),
            flag,
        };
        page::scan(wire, &fields).map_err(|m| TranscodeError::Wire(format!("{message}: {}", m.0)))
    }

    /// Gateway JSON → protobuf. On failure, [`TranscodeError::Invalid`] lists every problem.
    pub fn to_wire(&self, message: &str, json: &[u8]) -> Result<Vec<u8>, TranscodeError> {
        let id = self.id(message)?;
        to_wire::json_to_wire(&self.schema, id, json).map_err(TranscodeError::Invalid)
    }

    /// Same as [`to_wire`](Self::to_wire) from an already-parsed value (the gateway sometimes
    /// builds the request JSON itself).
    pub fn value_to_wire(&self, message: &str, json: &Value) -> Result<Vec<u8>, TranscodeError> {
        let id = self.id(message)?;
        to_wire::value_to_wire(&self.schema, id, json).map_err(TranscodeError::Invalid)
    }

    fn id(&self, message: &str) -> Result<MsgId, TranscodeError> {
        self.schema
            .message_id(message)
            .ok_or_else(|| TranscodeError::UnknownMessage(message.to_owned()))
    }
}
