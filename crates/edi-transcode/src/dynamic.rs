//! An already-decoded `DynamicMessage` → the gateway's JSON.
//!
//! For callers that decode once to look inside (the last item's `IndexKey`) and then render the
//! same message. The output is byte-for-byte what `to_json.rs` writes from the wire, with the
//! same rules: declaration order, unset fields left out, undeclared enum numbers left out.
//! Fields are read by number, so a message from another pool with the same schema renders too;
//! a value whose type disagrees with our schema is left out rather than trusted.

use prost_reflect::{DynamicMessage, ReflectMessage as _, Value as Proto};
use serde_json::Value;

use crate::json::{
    write_bool, write_bytes, write_extra, write_f32, write_f64, write_int, write_quoted, write_str,
};
use crate::schema::{Kind, MsgId, Schema};
use crate::timestamp;

/// Renders `msg` with `extra` members at the top level. A message whose name is not in the
/// schema renders as an object holding only `extra` (the gateway builds messages from the same
/// pool, so this does not happen in practice).
pub(crate) fn dynamic_to_json(
    schema: &Schema,
    msg: &DynamicMessage,
    extra: &[(&str, Value)],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    match schema.message_id(msg.descriptor().full_name()) {
        Some(id) if schema.message(id).is_timestamp && extra.is_empty() => {
            message(schema, &mut out, id, msg);
        }
        Some(id) => object(schema, &mut out, id, msg, extra),
        None => {
            out.push(b'{');
            write_extra(&mut out, extra, true);
            out.push(b'}');
        }
    }
    out
}

fn message(schema: &Schema, out: &mut Vec<u8>, id: MsgId, msg: &DynamicMessage) {
    if schema.message(id).is_timestamp && msg.has_field_by_number(1) {
        if let Some(Proto::I64(ticks)) = msg.get_field_by_number(1).as_deref() {
            if timestamp::write_json(out, *ticks) {
                return;
            }
        }
    }
    object(schema, out, id, msg, &[]);
}

fn object(
    schema: &Schema,
    out: &mut Vec<u8>,
    id: MsgId,
    msg: &DynamicMessage,
    extra: &[(&str, Value)],
) {
    out.push(b'{');
    let mut first = true;
    for field in schema.message(id).fields.iter() {
        if !msg.has_field(&field.descriptor) {
            continue;
        }
        let value = msg.get_field(&field.descriptor);
        let mark = out.len();
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(&field.key);
        let written = match (&*value, field.repeated) {
            (Proto::List(items), true) => {
                out.push(b'[');
                let body = out.len();
                for item in items {
                    let item_mark = out.len();
                    if item_mark != body {
                        out.push(b',');
                    }
                    if !scalar_or_message(schema, out, field.kind, item) {
                        out.truncate(item_mark);
                    }
                }
                out.push(b']');
                out.len() > body + 1
            }
            (value, false) => scalar_or_message(schema, out, field.kind, value),
            _ => false,
        };
        if written {
            first = false;
        } else {
            out.truncate(mark);
        }
    }
    write_extra(out, extra, first);
    out.push(b'}');
}

/// Writes one value; `false` if nothing was written (undeclared enum number, type mismatch).
fn scalar_or_message(schema: &Schema, out: &mut Vec<u8>, kind: Kind, value: &Proto) -> bool {
    match (kind, value) {
        (Kind::Int32 | Kind::Sint32 | Kind::Sfixed32, Proto::I32(v)) => write_int(out, *v),
        (Kind::Uint32 | Kind::Fixed32, Proto::U32(v)) => write_int(out, *v),
        (Kind::Int64 | Kind::Sint64 | Kind::Sfixed64, Proto::I64(v)) => write_quoted(out, *v),
        (Kind::Uint64 | Kind::Fixed64, Proto::U64(v)) => write_quoted(out, *v),
        (Kind::Float, Proto::F32(v)) => write_f32(out, *v),
        (Kind::Double, Proto::F64(v)) => write_f64(out, *v),
        (Kind::Bool, Proto::Bool(v)) => write_bool(out, *v),
        (Kind::String, Proto::String(v)) => write_str(out, v),
        (Kind::Bytes, Proto::Bytes(v)) => write_bytes(out, v),
        (Kind::Enum(e), Proto::EnumNumber(n)) => match schema.enumeration(e).quoted_name(*n) {
            Some(name) => out.extend_from_slice(name),
            None => return false,
        },
        (Kind::Message(id), Proto::Message(m)) => message(schema, out, id, m),
        _ => return false,
    }
    true
}
