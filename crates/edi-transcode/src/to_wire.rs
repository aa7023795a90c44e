//! The gateway's JSON → Diadoc's protobuf, in one streaming pass.
//!
//! serde_json drives a `DeserializeSeed` ([`ValueSeed`]) that writes protobuf as values arrive;
//! nothing is built in between. A nested message's length is not known until it ends, so its
//! slot is remembered and the lengths are spliced in by one final copy ([`Encoder::finish`]).
//!
//! Every problem is recorded with its path and the offending value skipped, so one pass reports
//! them all; the bytes are thrown away if there was any. Only a JSON syntax error stops the pass.
//! The rules (the gateway's JSON conventions):
//!
//! * a key is the camelCase name or the proto name; both spellings of one field → `duplicate`;
//! * `null` means absent; a missing proto2 `required` field is reported at its path;
//! * integers: numbers or integral strings, range-checked; floats also `"NaN"`, `"±Infinity"`;
//! * enums: value names only; bytes: base64, standard or URL-safe, padded or not;
//! * `Diadoc.Api.Proto.Timestamp`: an RFC 3339 string (see `timestamp.rs`) or `{"ticks": …}`.
//!
//! serde_json's `arbitrary_precision` feature would hand numbers over as maps; the workspace
//! does not enable it (the tests that feed numbers through `value_to_wire` would catch it).

mod scalar;
mod value;

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::{FieldProblem, ProblemCode};
use crate::schema::{Message, MsgId, Schema};
use crate::wire::{put_varint, varint_len};
use value::{Position, Target, ValueSeed};

/// Encodes a JSON document as message `root`.
pub(crate) fn json_to_wire(
    schema: &Schema,
    root: MsgId,
    json: &[u8],
) -> Result<Vec<u8>, Vec<FieldProblem>> {
    let mut enc = Encoder::new(schema, json.len());
    let mut de = serde_json::Deserializer::from_slice(json);
    let outcome = ValueSeed::root(&mut enc, root)
        .deserialize(&mut de)
        .and_then(|_| de.end());
    if let Err(e) = outcome {
        enc.problem(None, ProblemCode::InvalidJson, e.to_string(), None);
    }
    enc.finish()
}

/// Encodes an already-parsed JSON value as message `root`.
pub(crate) fn value_to_wire(
    schema: &Schema,
    root: MsgId,
    json: &serde_json::Value,
) -> Result<Vec<u8>, Vec<FieldProblem>> {
    let mut enc = Encoder::new(schema, 256);
    if let Err(e) = ValueSeed::root(&mut enc, root).deserialize(json) {
        enc.problem(None, ProblemCode::InvalidJson, e.to_string(), None);
    }
    enc.finish()
}

/// The most problems one body reports; past it they are counted in one last problem.
pub const MAX_PROBLEMS: usize = 100;

/// Output under construction plus everything needed to report problems.
struct Encoder<'s> {
    schema: &'s Schema,
    /// Protobuf without the lengths of nested messages.
    out: Vec<u8>,
    /// Where each nested message's length goes, in order of position.
    lengths: Vec<Length>,
    /// Total size of the varints `lengths` will add.
    inserted: usize,
    problems: Vec<FieldProblem>,
    /// Problems found past [`MAX_PROBLEMS`], counted, not kept.
    more: usize,
    /// Where we are, for problem paths; rendered only when a problem occurs.
    path: Vec<Step>,
    /// Per open object: a "seen" bitset then a "present" bitset, one bit per field.
    bits: Vec<u64>,
}

struct Length {
    at: usize,
    len: usize,
}

/// A nested message whose length is still open.
struct Open {
    slot: usize,
    start: usize,
    inserted: usize,
}

#[derive(Clone, Copy)]
enum Step {
    Field(MsgId, u32),
    Index(usize),
}

// === impl Encoder ===

impl<'s> Encoder<'s> {
    fn new(schema: &'s Schema, size_hint: usize) -> Self {
        Encoder {
            schema,
            out: Vec::with_capacity(size_hint),
            lengths: Vec::new(),
            inserted: 0,
            problems: Vec::new(),
            more: 0,
            path: Vec::new(),
            bits: Vec::new(),
        }
    }

    fn begin_delimited(&mut self) -> Open {
        self.lengths.push(Length {
            at: self.out.len(),
            len: 0,
        });
        Open {
            slot: self.lengths.len() - 1,
            start: self.out.len(),
            inserted: self.inserted,
        }
    }

    fn end_delimited(&mut self, open: Open) {
        // The message's size includes the lengths of the messages nested in it.
        let len = self.out.len() - open.start + (self.inserted - open.inserted);
        self.lengths[open.slot].len = len;
        self.inserted += varint_len(len as u64);
    }

    /// The protobuf bytes, or every problem found.
    fn finish(mut self) -> Result<Vec<u8>, Vec<FieldProblem>> {
        if self.more > 0 {
            self.problems.push(FieldProblem {
                field: String::new(),
                code: ProblemCode::InvalidFormat,
                detail: format!(
                    "and {} more problems, not listed (at most {MAX_PROBLEMS} are)",
                    self.more
                ),
                allowed: None,
            });
        }
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        if self.lengths.is_empty() {
            return Ok(self.out);
        }
        let mut wire = Vec::with_capacity(self.out.len() + self.inserted);
        let mut from = 0;
        for length in &self.lengths {
            wire.extend_from_slice(&self.out[from..length.at]);
            put_varint(&mut wire, length.len as u64);
            from = length.at;
        }
        wire.extend_from_slice(&self.out[from..]);
        Ok(wire)
    }

    /// Records a problem at the current path, or at `leaf` below it.
    fn problem(
        &mut self,
        leaf: Option<&str>,
        code: ProblemCode,
        detail: String,
        allowed: Option<Vec<String>>,
    ) {
        if self.problems.len() >= MAX_PROBLEMS {
            // A body of 100,000 empty objects would otherwise cost ~200,000 problems (85 MB).
            self.more = self.more.saturating_add(1);
            return;
        }
        let mut field = String::new();
        for step in &self.path {
            match *step {
                Step::Field(msg, index) => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(&self.schema.message(msg).fields[index as usize].json_name);
                }
                Step::Index(i) => {
                    field.push('[');
                    field.push_str(itoa::Buffer::new().format(i));
                    field.push(']');
                }
            }
        }
        if let Some(leaf) = leaf {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(leaf);
        }
        self.problems.push(FieldProblem {
            field,
            code,
            detail,
            allowed,
        });
    }

    /// Encodes the members of a JSON object as the fields of message `id`.
    fn object<'de, A: MapAccess<'de>>(&mut self, id: MsgId, mut map: A) -> Result<(), A::Error> {
        let schema = self.schema;
        let msg = schema.message(id);
        let words = msg.fields.len().div_ceil(64);
        let base = self.bits.len();
        self.bits.resize(base + 2 * words, 0);

        while let Some(key) = map.next_key_seed(KeySeed { msg })? {
            let index = match key {
                Key::Known(index) => index,
                Key::Unknown(name) => {
                    let detail = format!("message {} has no field \"{name}\"", msg.full_name);
                    self.problem(Some(&name), ProblemCode::UnknownField, detail, None);
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let field = &msg.fields[index as usize];
            let (word, bit) = (index as usize / 64, 1u64 << (index % 64));
            self.path.push(Step::Field(id, index));
            if self.bits[base + word] & bit != 0 {
                let detail = format!(
                    "the field is given more than once (it may be spelled \"{}\" or \"{}\", but only once)",
                    field.json_name,
                    field.descriptor.name()
                );
                self.problem(None, ProblemCode::Duplicate, detail, None);
                map.next_value::<IgnoredAny>()?;
            } else {
                self.bits[base + word] |= bit;
                let position = if field.repeated {
                    Position::Repeated
                } else {
                    Position::Singular
                };
                let target = Target {
                    kind: field.kind,
                    number: field.number,
                    position,
                };
                if map.next_value_seed(ValueSeed { enc: self, target })? {
                    self.bits[base + words + word] |= bit;
                }
            }
            self.path.pop();
        }

        for &index in msg.required.iter() {
            let (word, bit) = (index as usize / 64, 1u64 << (index % 64));
            if self.bits[base + words + word] & bit == 0 {
                let field = &msg.fields[index as usize];
                self.problem(
                    Some(&field.json_name),
                    ProblemCode::MissingRequired,
                    "a required field is missing".to_owned(),
                    None,
                );
            }
        }
        self.bits.truncate(base);
        Ok(())
    }
}

/// A JSON key resolved against a message.
enum Key {
    Known(u32),
    Unknown(String),
}

struct KeySeed<'s> {
    msg: &'s Message,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, key: &str) -> Result<Key, E> {
        Ok(match self.msg.field_by_key(key) {
            Some(index) => Key::Known(index),
            None => Key::Unknown(key.to_owned()),
        })
    }
}
