//! Scalar JSON values (booleans, numbers, strings) → protobuf, with the checks the gateway's
//! JSON conventions ask for: integer ranges, enum names, base64, RFC 3339 timestamps.

use std::num::IntErrorKind;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

use super::{Position, ValueSeed};
use crate::error::ProblemCode;
use crate::schema::Kind;
use crate::timestamp;
use crate::wire::{put_key, put_varint};

/// Input base64 may come with or without padding, in either alphabet (callers copy content from
/// URLs as often as from files).
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// A JSON number as serde_json hands it over.
pub(super) enum Number {
    Int(i128),
    Float(f64),
}

// === impl ValueSeed (scalars) ===

impl ValueSeed<'_, '_> {
    /// Records that the value has the wrong JSON type (`got`: "a string", "null", …).
    pub(super) fn wrong_type(&mut self, got: &str) {
        let (expected, allowed) = self.expected();
        self.enc.problem(
            None,
            ProblemCode::WrongType,
            format!("expected {expected}, got {got}"),
            allowed,
        );
    }

    fn expected(&self) -> (String, Option<Vec<String>>) {
        let schema = self.enc.schema;
        let (one, allowed) = match self.target.kind {
            Kind::Bool => ("true or false".to_owned(), None),
            Kind::String => ("a string".to_owned(), None),
            Kind::Bytes => ("a base64 string".to_owned(), None),
            Kind::Float => ("a number (float)".to_owned(), None),
            Kind::Double => ("a number (double)".to_owned(), None),
            Kind::Enum(e) => {
                let e = schema.enumeration(e);
                (
                    format!("a value name of enum {} (a string)", short(&e.full_name)),
                    Some(e.names.to_vec()),
                )
            }
            Kind::Message(id) if schema.message(id).is_timestamp => (
                "an RFC 3339 date-time string or {\"ticks\": \"…\"}".to_owned(),
                None,
            ),
            Kind::Message(id) => (
                format!("an object ({})", schema.message(id).full_name),
                None,
            ),
            kind => {
                let (_, _, name) = int_range(kind);
                (format!("an integer ({name})"), None)
            }
        };
        match self.target.position {
            Position::Repeated => (format!("an array, each element {one}"), allowed),
            _ => (one, allowed),
        }
    }

    /// Writes the field key of a scalar value (the root is never a scalar).
    fn key(&mut self) {
        put_key(
            &mut self.enc.out,
            self.target.number,
            self.target.kind.wire_type(),
        );
    }

    pub(super) fn boolean(&mut self, v: bool) {
        if self.target.position == Position::Repeated || self.target.kind != Kind::Bool {
            return self.wrong_type("a boolean");
        }
        self.key();
        put_varint(&mut self.enc.out, u64::from(v));
    }

    pub(super) fn number(&mut self, n: Number) {
        if self.target.position == Position::Repeated {
            return self.wrong_type("a number");
        }
        match (self.target.kind, n) {
            (Kind::Float | Kind::Double, Number::Int(i)) => self.float(i as f64),
            (Kind::Float | Kind::Double, Number::Float(f)) => self.float(f),
            (Kind::Bool | Kind::String | Kind::Bytes | Kind::Enum(_) | Kind::Message(_), _) => {
                self.wrong_type("a number");
            }
            (_, Number::Int(i)) => self.integer(i),
            (_, Number::Float(f)) if f.fract() != 0.0 => self.wrong_type("a fractional number"),
            // |f| < 2^100 converts exactly; anything larger is out of every integer range.
            (_, Number::Float(f)) if f.abs() < 1e30 => self.integer(f as i128),
            (_, Number::Float(_)) => self.integer(i128::MAX),
        }
    }

    pub(super) fn string(&mut self, s: &str) {
        if self.target.position == Position::Repeated {
            return self.wrong_type("a string");
        }
        match self.target.kind {
            Kind::String => {
                self.key();
                put_varint(&mut self.enc.out, s.len() as u64);
                self.enc.out.extend_from_slice(s.as_bytes());
            }
            Kind::Bytes => self.bytes(s),
            Kind::Enum(e) => match self.enc.schema.enumeration(e).number(s) {
                Some(number) => {
                    self.key();
                    put_varint(&mut self.enc.out, number as i64 as u64);
                }
                None => {
                    let e = self.enc.schema.enumeration(e);
                    let detail = format!("unknown value \"{s}\" for enum {}", short(&e.full_name));
                    let allowed = Some(e.names.to_vec());
                    self.enc
                        .problem(None, ProblemCode::UnknownEnumValue, detail, allowed);
                }
            },
            Kind::Float | Kind::Double => match parse_float(s) {
                Some(f) => self.float(f),
                None => self.invalid(format!("\"{s}\" is not a number")),
            },
            Kind::Message(id) if self.enc.schema.message(id).is_timestamp => {
                match timestamp::parse(s) {
                    Ok(ticks) => {
                        let out = &mut self.enc.out;
                        if self.target.number != 0 {
                            put_key(out, self.target.number, 2);
                            out.push(9); // key (1 byte) + 8 bytes
                        }
                        put_key(out, 1, 1); // Ticks = 1, sfixed64
                        out.extend_from_slice(&ticks.to_le_bytes());
                    }
                    Err(bad) => self
                        .enc
                        .problem(None, bad.code, bad.detail.to_owned(), None),
                }
            }
            Kind::Bool | Kind::Message(_) => self.wrong_type("a string"),
            _ => match s.parse::<i128>() {
                Ok(i) => self.integer(i),
                Err(e)
                    if matches!(
                        e.kind(),
                        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow
                    ) =>
                {
                    self.integer(i128::MAX);
                }
                Err(_) => self.invalid(format!("\"{s}\" is not an integer")),
            },
        }
    }

    fn invalid(&mut self, detail: String) {
        self.enc
            .problem(None, ProblemCode::InvalidFormat, detail, None);
    }

    fn integer(&mut self, i: i128) {
        let (lo, hi, name) = int_range(self.target.kind);
        if i < lo || i > hi {
            let shown = if i == i128::MAX {
                "the number".to_owned()
            } else {
                i.to_string()
            };
            let detail = format!("{shown} is out of range for {name} ({lo}..={hi})");
            return self
                .enc
                .problem(None, ProblemCode::OutOfRange, detail, None);
        }
        self.key();
        let out = &mut self.enc.out;
        match self.target.kind {
            Kind::Int32 | Kind::Int64 => put_varint(out, i as i64 as u64),
            Kind::Uint32 | Kind::Uint64 => put_varint(out, i as u64),
            Kind::Sint32 => put_varint(
                out,
                u64::from(((i as i32) << 1 ^ ((i as i32) >> 31)) as u32),
            ),
            Kind::Sint64 => put_varint(out, ((i as i64) << 1 ^ ((i as i64) >> 63)) as u64),
            Kind::Fixed32 => out.extend_from_slice(&(i as u32).to_le_bytes()),
            Kind::Sfixed32 => out.extend_from_slice(&(i as i32).to_le_bytes()),
            Kind::Fixed64 => out.extend_from_slice(&(i as u64).to_le_bytes()),
            _ => out.extend_from_slice(&(i as i64).to_le_bytes()),
        }
    }

    fn float(&mut self, f: f64) {
        if self.target.kind == Kind::Float {
            if f.is_finite() && (f as f32).is_infinite() {
                let detail = format!("{f} is out of range for float");
                return self
                    .enc
                    .problem(None, ProblemCode::OutOfRange, detail, None);
            }
            self.key();
            self.enc.out.extend_from_slice(&(f as f32).to_le_bytes());
        } else {
            self.key();
            self.enc.out.extend_from_slice(&f.to_le_bytes());
        }
    }

    /// Decodes base64 straight into the output; the decoded length is exact from the text, so
    /// the length prefix can be written first.
    fn bytes(&mut self, s: &str) {
        let body = s.trim_end_matches('=').len();
        let len = body / 4 * 3 + [0, 0, 1, 2][body % 4];
        let mark = self.enc.out.len();
        self.key();
        put_varint(&mut self.enc.out, len as u64);
        let out = &mut self.enc.out;
        let start = out.len();
        let mut ok = body % 4 != 1 && STANDARD.decode_vec(s, out).is_ok();
        if !ok && body % 4 != 1 {
            out.truncate(start);
            ok = URL_SAFE.decode_vec(s, out).is_ok();
        }
        if !ok || out.len() - start != len {
            out.truncate(mark);
            self.invalid("not base64 (standard or URL-safe alphabet, padding optional)".to_owned());
        }
    }
}

/// `(min, max, proto type name)` of an integer kind.
fn int_range(kind: Kind) -> (i128, i128, &'static str) {
    let i32_range = (i128::from(i32::MIN), i128::from(i32::MAX));
    let i64_range = (i128::from(i64::MIN), i128::from(i64::MAX));
    let (lo, hi) = match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => i32_range,
        Kind::Uint32 | Kind::Fixed32 => (0, i128::from(u32::MAX)),
        Kind::Uint64 | Kind::Fixed64 => (0, i128::from(u64::MAX)),
        _ => i64_range,
    };
    let name = match kind {
        Kind::Int32 => "int32",
        Kind::Sint32 => "sint32",
        Kind::Sfixed32 => "sfixed32",
        Kind::Uint32 => "uint32",
        Kind::Fixed32 => "fixed32",
        Kind::Int64 => "int64",
        Kind::Sint64 => "sint64",
        Kind::Uint64 => "uint64",
        Kind::Fixed64 => "fixed64",
        _ => "sfixed64",
    };
    (lo, hi, name)
}

/// A float from a string: the canonical proto JSON spellings of the non-finite values, or a
/// decimal number (Rust's own parser also takes "inf" and "nan", which JSON callers should not
/// rely on).
fn parse_float(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ if s.bytes().any(|b| b.is_ascii_digit())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E')) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

/// `Diadoc.Api.Proto.CounteragentStatus` → `CounteragentStatus`.
fn short(full_name: &str) -> &str {
    full_name.rsplit('.').next().unwrap_or(full_name)
}
