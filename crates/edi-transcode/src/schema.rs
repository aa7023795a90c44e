//! Per-message tables, computed once from the descriptor pool in `Transcoder::new`.
//!
//! Both directions index these tables by plain integers ([`MsgId`], field and enum indexes) so
//! that a call does one hash lookup (the root message name) and nothing else by name: JSON keys
//! are stored pre-escaped, enum names pre-quoted, and a JSON key finds its field through one map
//! that holds both spellings (`totalCount` and `TotalCount`).
//!
//! Groups and maps do not occur in the Diadoc schema (api.md, "Schema facts"); a map field would
//! be handled as the repeated entry message it is, and a group field fails to decode.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use prost_reflect::{Cardinality, DescriptorPool, FieldDescriptor, MessageDescriptor};

use crate::naming::json_name;

/// Index of a message in [`Schema::messages`].
pub(crate) type MsgId = u32;

/// The wire/JSON kind of a field (prost-reflect's `Kind`, with message and enum types resolved
/// to table indexes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int32,
    Sint32,
    Sfixed32,
    Uint32,
    Fixed32,
    Int64,
    Sint64,
    Sfixed64,
    Uint64,
    Fixed64,
    Float,
    Double,
    Bool,
    String,
    Bytes,
    Enum(u32),
    Message(MsgId),
}

impl Kind {
    /// The protobuf wire type a value of this kind is written with.
    pub(crate) fn wire_type(self) -> u8 {
        match self {
            Kind::Int32 | Kind::Sint32 | Kind::Uint32 | Kind::Int64 | Kind::Sint64 => 0,
            Kind::Uint64 | Kind::Bool | Kind::Enum(_) => 0,
            Kind::Fixed64 | Kind::Sfixed64 | Kind::Double => 1,
            Kind::String | Kind::Bytes | Kind::Message(_) => 2,
            Kind::Fixed32 | Kind::Sfixed32 | Kind::Float => 5,
        }
    }

    /// Whether a repeated field of this kind may arrive packed (every scalar but strings).
    pub(crate) fn packable(self) -> bool {
        self.wire_type() != 2
    }
}

/// One field of a message.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) number: u32,
    /// The camelCase JSON key ([`json_name`]).
    pub(crate) json_name: Box<str>,
    /// `"jsonName":`, ready to append.
    pub(crate) key: Box<[u8]>,
    pub(crate) kind: Kind,
    pub(crate) repeated: bool,
    pub(crate) required: bool,
    pub(crate) descriptor: FieldDescriptor,
}

/// One message type.
#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) full_name: Box<str>,
    pub(crate) descriptor: MessageDescriptor,
    /// Declaration order, which is also the JSON output order.
    pub(crate) fields: Box<[Field]>,
    /// Indexes of the `required` fields.
    pub(crate) required: Box<[u32]>,
    /// `Diadoc.Api.Proto.Timestamp`: JSON is an RFC 3339 string.
    pub(crate) is_timestamp: bool,
    by_number: NumberIndex,
    by_key: HashMap<Box<str>, u32, Fnv>,
}

#[derive(Debug)]
enum NumberIndex {
    /// `slots[number]` is the field index, or `u32::MAX`; used while field numbers are small.
    Dense(Box<[u32]>),
    /// Sorted `(number, index)` pairs, for schemas with huge field numbers.
    Sparse(Box<[(u32, u32)]>),
}

impl Message {
    /// The field with this number, if the schema declares one.
    #[inline]
    pub(crate) fn field_by_number(&self, number: u32) -> Option<u32> {
        match &self.by_number {
            NumberIndex::Dense(slots) => match slots.get(number as usize) {
                Some(&i) if i != u32::MAX => Some(i),
                _ => None,
            },
            NumberIndex::Sparse(pairs) => pairs
                .binary_search_by_key(&number, |&(n, _)| n)
                .ok()
                .map(|at| pairs[at].1),
        }
    }

    /// The field a JSON key names: its camelCase name or its proto (PascalCase) name.
    #[inline]
    pub(crate) fn field_by_key(&self, key: &str) -> Option<u32> {
        self.by_key.get(key).copied()
    }
}

/// One enum type.
#[derive(Debug)]
pub(crate) struct Enum {
    pub(crate) full_name: Box<str>,
    /// `(number, "\"Name\"")` sorted by number; the first declared name wins for aliases.
    by_number: Box<[(i32, Box<[u8]>)]>,
    by_name: HashMap<Box<str>, i32, Fnv>,
    /// Value names in declaration order, for error messages.
    pub(crate) names: Box<[String]>,
}

impl Enum {
    /// The quoted JSON name of a value, or `None` for a number the schema doesn't declare.
    #[inline]
    pub(crate) fn quoted_name(&self, number: i32) -> Option<&[u8]> {
        self.by_number
            .binary_search_by_key(&number, |(n, _)| *n)
            .ok()
            .map(|at| &*self.by_number[at].1)
    }

    /// The number of a value name (exact, case-sensitive).
    #[inline]
    pub(crate) fn number(&self, name: &str) -> Option<i32> {
        self.by_name.get(name).copied()
    }
}

/// Every message and enum of a pool.
#[derive(Debug)]
pub(crate) struct Schema {
    pub(crate) messages: Box<[Message]>,
    pub(crate) enums: Box<[Enum]>,
    by_name: HashMap<Box<str>, MsgId>,
}

impl Schema {
    pub(crate) fn new(pool: &DescriptorPool) -> Self {
        let message_ids: HashMap<String, MsgId> = pool
            .all_messages()
            .enumerate()
            .map(|(i, m)| (m.full_name().to_owned(), i as MsgId))
            .collect();
        let enum_ids: HashMap<String, u32> = pool
            .all_enums()
            .enumerate()
            .map(|(i, e)| (e.full_name().to_owned(), i as u32))
            .collect();

        let enums = pool
            .all_enums()
            .map(|e| {
                let mut by_number: Vec<(i32, Box<[u8]>)> = Vec::new();
                let mut by_name = HashMap::default();
                let mut names = Vec::new();
                for v in e.values() {
                    by_name.insert(v.name().into(), v.number());
                    names.push(v.name().to_owned());
                    if !by_number.iter().any(|(n, _)| *n == v.number()) {
                        by_number.push((v.number(), quoted(v.name()).into()));
                    }
                }
                by_number.sort_by_key(|(n, _)| *n);
                Enum {
                    full_name: e.full_name().into(),
                    by_number: by_number.into(),
                    by_name,
                    names: names.into(),
                }
            })
            .collect();

        let messages = pool
            .all_messages()
            .map(|m| build_message(&m, &message_ids, &enum_ids))
            .collect();

        Schema {
            messages,
            enums,
            by_name: message_ids
                .into_iter()
                .map(|(k, v)| (k.into(), v))
                .collect(),
        }
    }

    pub(crate) fn message_id(&self, full_name: &str) -> Option<MsgId> {
        self.by_name.get(full_name).copied()
    }

    #[inline]
    pub(crate) fn message(&self, id: MsgId) -> &Message {
        &self.messages[id as usize]
    }

    #[inline]
    pub(crate) fn enumeration(&self, id: u32) -> &Enum {
        &self.enums[id as usize]
    }
}

fn build_message(
    m: &MessageDescriptor,
    message_ids: &HashMap<String, MsgId>,
    enum_ids: &HashMap<String, u32>,
) -> Message {
    use prost_reflect::Kind as K;
    // `MessageDescriptor::fields()` runs in number order; the raw descriptor keeps the order
    // of the .proto file, which is the order the gateway's JSON (and its OpenAPI) uses.
    let fields: Vec<Field> = m
        .descriptor_proto()
        .field
        .iter()
        .filter_map(|raw| {
            u32::try_from(raw.number())
                .ok()
                .and_then(|n| m.get_field(n))
        })
        .map(|f| {
            let kind = match f.kind() {
                K::Int32 => Kind::Int32,
                K::Sint32 => Kind::Sint32,
                K::Sfixed32 => Kind::Sfixed32,
                K::Uint32 => Kind::Uint32,
                K::Fixed32 => Kind::Fixed32,
                K::Int64 => Kind::Int64,
                K::Sint64 => Kind::Sint64,
                K::Sfixed64 => Kind::Sfixed64,
                K::Uint64 => Kind::Uint64,
                K::Fixed64 => Kind::Fixed64,
                K::Float => Kind::Float,
                K::Double => Kind::Double,
                K::Bool => Kind::Bool,
                K::String => Kind::String,
                K::Bytes => Kind::Bytes,
                // Every type a field names is in the same pool, so both lookups succeed;
                // index 0 would only be wrong for a pool prost-reflect itself rejects.
                K::Enum(e) => Kind::Enum(enum_ids.get(e.full_name()).copied().unwrap_or(0)),
                K::Message(t) => {
                    Kind::Message(message_ids.get(t.full_name()).copied().unwrap_or(0))
                }
            };
            let json = json_name(f.name());
            let mut key = quoted(&json);
            key.push(b':');
            Field {
                number: f.number(),
                json_name: json.into(),
                key: key.into(),
                kind,
                repeated: f.cardinality() == Cardinality::Repeated,
                required: f.cardinality() == Cardinality::Required,
                descriptor: f,
            }
        })
        .collect();

    let max_number = fields.iter().map(|f| f.number).max().unwrap_or(0) as usize;
    let by_number = if max_number <= 4096 {
        let mut slots = vec![u32::MAX; max_number + 1];
        for (i, f) in fields.iter().enumerate() {
            slots[f.number as usize] = i as u32;
        }
        NumberIndex::Dense(slots.into())
    } else {
        let mut pairs: Vec<(u32, u32)> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.number, i as u32))
            .collect();
        pairs.sort_unstable();
        NumberIndex::Sparse(pairs.into())
    };

    // camelCase keys first, then the exact proto names, so that if a proto name ever equals
    // another field's camelCase name the exact spelling wins. The Diadoc pool has no such clash
    // (tests/transcode/naming.rs checks every message).
    let mut by_key = HashMap::default();
    for (i, f) in fields.iter().enumerate() {
        by_key.insert(f.json_name.clone(), i as u32);
    }
    for (i, f) in fields.iter().enumerate() {
        by_key.insert(f.descriptor.name().into(), i as u32);
    }

    Message {
        full_name: m.full_name().into(),
        descriptor: m.clone(),
        required: (0..fields.len() as u32)
            .filter(|&i| fields[i as usize].required)
            .collect(),
        is_timestamp: is_timestamp(m),
        fields: fields.into(),
        by_number,
        by_key,
    }
}

/// Whether a message is `Diadoc.Api.Proto.Timestamp` (`required sfixed64 Ticks = 1`; api.md,
/// "Time values: .NET ticks"), which the gateway's JSON shows as an RFC 3339 string.
pub fn is_timestamp(message: &MessageDescriptor) -> bool {
    message.full_name() == "Diadoc.Api.Proto.Timestamp"
        && message
            .get_field(1)
            .is_some_and(|f| f.kind() == prost_reflect::Kind::Sfixed64 && !f.is_list())
}

/// `"text"` for identifier-like text (field and enum value names need no escaping).
fn quoted(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 3);
    crate::json::write_str(&mut out, text);
    out
}

/// FNV-1a: keys are short identifiers and the maps are never filled from input, so a fast
/// non-keyed hash is safe here.
type Fnv = BuildHasherDefault<FnvHasher>;

#[derive(Debug)]
pub(crate) struct FnvHasher(u64);

impl Default for FnvHasher {
    fn default() -> Self {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for FnvHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
