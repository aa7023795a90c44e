//! Diadoc's protobuf → the gateway's JSON, straight from the wire bytes.
//!
//! No message is built: each message's bytes are scanned once into a list of (field, value)
//! occurrences, the list is stably sorted into declaration order (repeated fields may be split
//! up on the wire), and JSON is written into one `Vec<u8>`. Proto2 merge rules hold: for a
//! singular scalar the last occurrence wins; a singular message seen several times is the merge
//! of all its parts, which is what reading the parts one after another gives.
//!
//! Output rules (the gateway's JSON conventions): keys in camelCase, members in declaration
//! order, fields absent on the wire absent here (no defaults), empty repeated fields left out,
//! unknown fields ignored; 64-bit integers as strings, bytes as padded standard base64, enums by
//! name. An enum number the schema doesn't declare is treated as an unknown field and left out:
//! proto2 enums are closed (api.md, "Schema facts"). The value writers live in `json.rs`, shared
//! with `dynamic.rs`, which renders an already-decoded `DynamicMessage` the same way.

use serde_json::Value;

use crate::json::{
    write_bool, write_bytes, write_extra, write_f32, write_f64, write_int, write_quoted, write_str,
};
use crate::schema::{Field, Kind, MsgId, Schema};
use crate::timestamp;
use crate::wire::{self, MAX_DEPTH, Malformed};

/// Renders `wire` (a `root` message) as JSON, appending `extra` members at the top level.
pub(crate) fn wire_to_json(
    schema: &Schema,
    root: MsgId,
    wire: &[u8],
    extra: &[(&str, Value)],
) -> Result<Vec<u8>, String> {
    // Base64 grows content by 4/3 and keys add some more; one up-front guess saves regrowth.
    let mut walker = Walker {
        schema,
        out: Vec::with_capacity(wire.len() / 2 * 3 + 64),
        spare: Vec::new(),
    };
    if schema.message(root).is_timestamp && extra.is_empty() {
        walker.message(root, &[wire], 0)?;
    } else {
        walker.object(root, &[wire], 0, extra)?;
    }
    Ok(walker.out)
}

/// One field occurrence on the wire.
#[derive(Clone, Copy)]
struct Occurrence<'a> {
    /// Index into the message's fields.
    field: u32,
    value: Raw<'a>,
}

#[derive(Clone, Copy)]
enum Raw<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Delimited(&'a [u8]),
    /// A packed run of scalars of the field's kind.
    Packed(&'a [u8]),
}

struct Walker<'s, 'a> {
    schema: &'s Schema,
    out: Vec<u8>,
    /// Occurrence lists of finished messages, reused to spare allocations.
    spare: Vec<Vec<Occurrence<'a>>>,
}

// === impl Walker ===

impl<'a> Walker<'_, 'a> {
    /// A message in value position: an RFC 3339 string for a representable Timestamp, else an
    /// object.
    fn message(&mut self, id: MsgId, parts: &[&'a [u8]], depth: u32) -> Result<(), String> {
        let msg = self.schema.message(id);
        if msg.is_timestamp {
            let mut occurrences = self.scan(id, parts)?;
            let ticks = msg.field_by_number(1).and_then(|ticks_field| {
                occurrences
                    .iter()
                    .rev()
                    .find(|o| o.field == ticks_field)
                    .map(|o| o.value)
            });
            occurrences.clear();
            self.spare.push(occurrences);
            if let Some(Raw::Fixed64(bits)) = ticks {
                if timestamp::write_json(&mut self.out, bits as i64) {
                    return Ok(());
                }
            }
        }
        self.object(id, parts, depth, &[])
    }

    fn object(
        &mut self,
        id: MsgId,
        parts: &[&'a [u8]],
        depth: u32,
        extra: &[(&str, Value)],
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("messages nested deeper than {MAX_DEPTH}"));
        }
        let schema = self.schema;
        let msg = schema.message(id);
        let mut occurrences = self.scan(id, parts)?;
        // Stable, and linear when the wire is already in declaration order (the usual case).
        occurrences.sort_by_key(|o| o.field);

        self.out.push(b'{');
        let mut first = true;
        let mut rest = &occurrences[..];
        while let Some(head) = rest.first() {
            let run = rest
                .iter()
                .position(|o| o.field != head.field)
                .unwrap_or(rest.len());
            let (same, tail) = rest.split_at(run);
            let field = &msg.fields[head.field as usize];
            self.field(field, same, &mut first, depth)
                .map_err(|e| format!("{}.{}: {e}", msg.full_name, field.descriptor.name()))?;
            rest = tail;
        }
        write_extra(&mut self.out, extra, first);
        self.out.push(b'}');

        occurrences.clear();
        self.spare.push(occurrences);
        Ok(())
    }

    /// Collects the occurrences of the known fields of message `id` from all its parts.
    fn scan(&mut self, id: MsgId, parts: &[&'a [u8]]) -> Result<Vec<Occurrence<'a>>, String> {
        let msg = self.schema.message(id);
        let mut occurrences = self.spare.pop().unwrap_or_default();
        for &part in parts {
            let mut buf = part;
            while !buf.is_empty() {
                scan_one(self.schema, id, &mut buf, &mut occurrences)
                    .map_err(|Malformed(why)| format!("{}: {why}", msg.full_name))?;
            }
        }
        Ok(occurrences)
    }

    fn field(
        &mut self,
        field: &Field,
        occurrences: &[Occurrence<'a>],
        first: &mut bool,
        depth: u32,
    ) -> Result<(), String> {
        let mark = self.out.len();
        if !*first {
            self.out.push(b',');
        }
        self.out.extend_from_slice(&field.key);
        if field.repeated {
            self.out.push(b'[');
            let body = self.out.len();
            for o in occurrences {
                if let Raw::Packed(mut bytes) = o.value {
                    while !bytes.is_empty() {
                        let value =
                            read_packed(field.kind, &mut bytes).map_err(|m| m.0.to_owned())?;
                        self.element(field.kind, value, body, depth)?;
                    }
                } else {
                    self.element(field.kind, o.value, body, depth)?;
                }
            }
            if self.out.len() == body {
                self.out.truncate(mark);
                return Ok(());
            }
            self.out.push(b']');
        } else {
            let written = match field.kind {
                Kind::Message(id) => {
                    if let [
                        Occurrence {
                            value: Raw::Delimited(one),
                            ..
                        },
                    ] = occurrences
                    {
                        self.message(id, &[*one], depth + 1)?;
                    } else {
                        // Sent in several parts: rare enough to allocate for.
                        let parts: Vec<&'a [u8]> = occurrences
                            .iter()
                            .filter_map(|o| {
                                if let Raw::Delimited(b) = o.value {
                                    Some(b)
                                } else {
                                    None
                                }
                            })
                            .collect();
                        self.message(id, &parts, depth + 1)?;
                    }
                    true
                }
                kind => match occurrences.last() {
                    Some(last) => self.scalar(kind, last.value)?,
                    None => false,
                },
            };
            if !written {
                self.out.truncate(mark);
                return Ok(());
            }
        }
        *first = false;
        Ok(())
    }

    fn element(
        &mut self,
        kind: Kind,
        value: Raw<'a>,
        body: usize,
        depth: u32,
    ) -> Result<(), String> {
        let mark = self.out.len();
        if mark != body {
            self.out.push(b',');
        }
        let written = match (kind, value) {
            (Kind::Message(id), Raw::Delimited(bytes)) => {
                self.message(id, &[bytes], depth + 1)?;
                true
            }
            _ => self.scalar(kind, value)?,
        };
        if !written {
            self.out.truncate(mark);
        }
        Ok(())
    }

    /// Writes a scalar; `false` (nothing written) for an undeclared enum number.
    fn scalar(&mut self, kind: Kind, value: Raw<'a>) -> Result<bool, String> {
        let out = &mut self.out;
        match (kind, value) {
            (Kind::Int32, Raw::Varint(v)) => write_int(out, v as i32),
            (Kind::Sint32, Raw::Varint(v)) => write_int(out, zigzag32(v as u32)),
            (Kind::Uint32, Raw::Varint(v)) => write_int(out, v as u32),
            (Kind::Int64, Raw::Varint(v)) => write_quoted(out, v as i64),
            (Kind::Sint64, Raw::Varint(v)) => write_quoted(out, zigzag64(v)),
            (Kind::Uint64, Raw::Varint(v)) => write_quoted(out, v),
            (Kind::Bool, Raw::Varint(v)) => write_bool(out, v != 0),
            (Kind::Enum(e), Raw::Varint(v)) => {
                match self.schema.enumeration(e).quoted_name(v as i32) {
                    Some(name) => out.extend_from_slice(name),
                    None => return Ok(false),
                }
            }
            (Kind::Fixed32, Raw::Fixed32(v)) => write_int(out, v),
            (Kind::Sfixed32, Raw::Fixed32(v)) => write_int(out, v as i32),
            (Kind::Float, Raw::Fixed32(v)) => write_f32(out, f32::from_bits(v)),
            (Kind::Fixed64, Raw::Fixed64(v)) => write_quoted(out, v),
            (Kind::Sfixed64, Raw::Fixed64(v)) => write_quoted(out, v as i64),
            (Kind::Double, Raw::Fixed64(v)) => write_f64(out, f64::from_bits(v)),
            // simdutf8: Diadoc's strings are mostly Cyrillic, where std's ASCII fast path does
            // not apply (profiled: a tenth of the gateway's time on a counteragent page).
            (Kind::String, Raw::Delimited(b)) => match simdutf8::basic::from_utf8(b) {
                Ok(s) => write_str(out, s),
                Err(_) => return Err("string is not valid UTF-8".to_owned()),
            },
            (Kind::Bytes, Raw::Delimited(b)) => write_bytes(out, b),
            // scan_one admits only the wire type that matches the kind.
            _ => return Err("wire type does not match the field".to_owned()),
        }
        Ok(true)
    }
}

/// Reads one field from `buf` into `occurrences` (skipping unknown fields).
#[inline]
fn scan_one<'a>(
    schema: &Schema,
    id: MsgId,
    buf: &mut &'a [u8],
    occurrences: &mut Vec<Occurrence<'a>>,
) -> Result<(), Malformed> {
    let msg = schema.message(id);
    let (number, wire_type) = wire::split_key(wire::read_varint(buf)?)?;
    let value = match wire_type {
        0 => Raw::Varint(wire::read_varint(buf)?),
        1 => Raw::Fixed64(u64::from_le_bytes(wire::read_fixed::<8>(buf)?)),
        2 => Raw::Delimited(wire::read_delimited(buf)?),
        5 => Raw::Fixed32(u32::from_le_bytes(wire::read_fixed::<4>(buf)?)),
        3 if msg.field_by_number(number).is_none() => return wire::skip_group(number, buf),
        3 => {
            return Err(Malformed(
                "group encoding is not supported for a declared field",
            ));
        }
        4 => return Err(Malformed("unexpected end-group")),
        _ => return Err(Malformed("invalid wire type")),
    };
    let Some(index) = msg.field_by_number(number) else {
        return Ok(());
    };
    let field = &msg.fields[index as usize];
    let value = match value {
        _ if wire_type == field.kind.wire_type() => value,
        Raw::Delimited(run) if field.repeated && field.kind.packable() => Raw::Packed(run),
        _ => {
            return Err(Malformed(
                "a declared field arrived with the wrong wire type",
            ));
        }
    };
    occurrences.push(Occurrence {
        field: index,
        value,
    });
    Ok(())
}

fn read_packed<'a>(kind: Kind, buf: &mut &'a [u8]) -> Result<Raw<'a>, Malformed> {
    Ok(match kind.wire_type() {
        0 => Raw::Varint(wire::read_varint(buf)?),
        1 => Raw::Fixed64(u64::from_le_bytes(wire::read_fixed::<8>(buf)?)),
        _ => Raw::Fixed32(u32::from_le_bytes(wire::read_fixed::<4>(buf)?)),
    })
}

fn zigzag32(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

fn zigzag64(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}
