//! Shared test fixtures: transcoders over the Diadoc pool and a small all-kinds pool, and a
//! generator of random valid messages for the property tests.

use std::sync::OnceLock;

use edi_transcode::{FieldProblem, ProblemCode, TranscodeError, Transcoder, is_timestamp};
use prost::bytes::Bytes;
use prost_reflect::{Cardinality, DescriptorPool, DynamicMessage, Kind, MessageDescriptor, Value};

/// The transcoder over the real Diadoc descriptors, built once per test binary.
pub fn diadoc() -> &'static Transcoder {
    static T: OnceLock<Transcoder> = OnceLock::new();
    T.get_or_init(|| Transcoder::new(edi_proto::pool()))
}

/// The Diadoc schema has no floats, unsigned or zigzag integers, packed fields or odd names;
/// this pool has all of them, so every code path meets real descriptors.
pub const ALL_KINDS_PROTO: &str = r#"
syntax = "proto2";
package test;

enum Color { RED = 1; GREEN = 2; BLUE = 5; }

message AllKinds {
  required string Name = 30;
  optional int32 I32 = 1;
  optional sint32 S32 = 2;
  optional sfixed32 Sf32 = 3;
  optional uint32 U32 = 4;
  optional fixed32 Fx32 = 5;
  optional int64 I64 = 6;
  optional sint64 S64 = 7;
  optional sfixed64 Sf64 = 8;
  optional uint64 U64 = 9;
  optional fixed64 Fx64 = 10;
  optional float Fl = 11;
  optional double Db = 12;
  optional bool B = 13;
  optional string S = 14;
  optional bytes By = 15;
  optional Color C = 16;
  optional AllKinds Child = 17;
  optional int32 Some_Field = 18;
  optional string INN = 19;
  repeated int32 RI32 = 21;
  repeated sint64 RS64 = 22;
  repeated double RDb = 23;
  repeated Color RC = 24;
  repeated string RS = 25;
  repeated AllKinds RChild = 26;
  repeated fixed32 RFx32 = 27;
  repeated bool RB = 28;
  repeated uint64 Packed = 29 [packed = true];
  repeated float RFl = 31;
  repeated bytes RBy = 32;
}
"#;

pub const ALL_KINDS: &str = "test.AllKinds";

/// The all-kinds pool, compiled with protox from [`ALL_KINDS_PROTO`].
pub fn all_kinds_pool() -> &'static DescriptorPool {
    static P: OnceLock<DescriptorPool> = OnceLock::new();
    P.get_or_init(|| {
        struct Source;
        impl protox::file::FileResolver for Source {
            fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
                if name == "all_kinds.proto" {
                    protox::file::File::from_source(name, ALL_KINDS_PROTO)
                } else {
                    Err(protox::Error::file_not_found(name))
                }
            }
        }
        let mut compiler = protox::Compiler::with_file_resolver(Source);
        compiler
            .open_file("all_kinds.proto")
            .expect("test proto compiles");
        DescriptorPool::decode(compiler.encode_file_descriptor_set().as_slice())
            .expect("descriptor set decodes")
    })
}

pub fn all_kinds() -> &'static Transcoder {
    static T: OnceLock<Transcoder> = OnceLock::new();
    T.get_or_init(|| Transcoder::new(all_kinds_pool()))
}

/// The problems of an `Invalid` error; panics on anything else.
pub fn problems(result: Result<Vec<u8>, TranscodeError>) -> Vec<FieldProblem> {
    match result {
        Err(TranscodeError::Invalid(problems)) => problems,
        Err(other) => panic!("expected Invalid, got {other:?}"),
        Ok(wire) => panic!("expected Invalid, got {} bytes of wire", wire.len()),
    }
}

/// `(field, code)` pairs, for compact assertions.
pub fn codes(problems: &[FieldProblem]) -> Vec<(&str, ProblemCode)> {
    problems
        .iter()
        .map(|p| (p.field.as_str(), p.code))
        .collect()
}

/// [`codes`] sorted by path: the order of an object's members depends on serde_json's features.
pub fn sorted_codes(problems: &[FieldProblem]) -> Vec<(&str, ProblemCode)> {
    let mut codes = codes(problems);
    codes.sort_by_key(|&(field, _)| field);
    codes
}

pub fn text(json: &[u8]) -> &str {
    std::str::from_utf8(json).expect("JSON is UTF-8")
}

// === random valid messages ===

/// splitmix64: small, deterministic, good enough to pick shapes and values.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// How big and how wild generated messages are.
#[derive(Clone, Copy)]
pub struct Shape {
    /// Optional and repeated message fields stop below this depth (required ones go on).
    pub max_depth: u32,
    /// Repeated fields get 0..=max_repeat elements.
    pub max_repeat: u64,
    /// Plain ASCII ids instead of strings full of escapes and non-ASCII text.
    pub realistic: bool,
    /// Length of `bytes` values.
    pub bytes_len: usize,
}

pub const WILD: Shape = Shape {
    max_depth: 3,
    max_repeat: 2,
    realistic: false,
    bytes_len: 24,
};

/// A random message with every required field set (recursively) and enums from the declared
/// values. Timestamps are mostly in years 0001–9999 and sometimes not, to exercise both forms.
pub fn message(
    rng: &mut Rng,
    desc: &MessageDescriptor,
    shape: Shape,
    depth: u32,
) -> DynamicMessage {
    assert!(
        depth < shape.max_depth + 30,
        "required fields of {} recurse",
        desc.full_name()
    );
    let mut msg = DynamicMessage::new(desc.clone());
    if is_timestamp(desc) {
        let ticks = match rng.below(10) {
            0 => rng.pick(&[-1, i64::MIN, 3_155_378_976_000_000_000, i64::MAX]),
            1 => rng.pick(&[0, 3_155_378_975_999_999_999, 638_585_445_988_979_088]),
            _ => (rng.next() % 3_155_378_976_000_000_000) as i64,
        };
        msg.set_field_by_number(1, Value::I64(ticks));
        return msg;
    }
    for field in desc.fields() {
        let is_message = matches!(field.kind(), Kind::Message(_));
        let deep = depth >= shape.max_depth;
        match field.cardinality() {
            Cardinality::Repeated => {
                let n = if deep && is_message {
                    0
                } else {
                    rng.below(shape.max_repeat + 1)
                };
                if n > 0 {
                    let items = (0..n)
                        .map(|_| value(rng, &field.kind(), shape, depth))
                        .collect();
                    msg.set_field(&field, Value::List(items));
                }
            }
            Cardinality::Required => msg.set_field(&field, value(rng, &field.kind(), shape, depth)),
            Cardinality::Optional => {
                if rng.below(2) == 0 && !(deep && is_message) {
                    msg.set_field(&field, value(rng, &field.kind(), shape, depth));
                }
            }
        }
    }
    msg
}

fn value(rng: &mut Rng, kind: &Kind, shape: Shape, depth: u32) -> Value {
    match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(if rng.below(3) == 0 {
            rng.pick(&[0, -1, i32::MIN, i32::MAX])
        } else {
            rng.next() as i32
        }),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(rng.next() as u32),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(if rng.below(3) == 0 {
            rng.pick(&[0, -1, i64::MIN, i64::MAX])
        } else {
            rng.next() as i64
        }),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(if rng.below(3) == 0 {
            u64::MAX
        } else {
            rng.next()
        }),
        Kind::Float => Value::F32(rng.pick(&[
            0.0,
            -0.0,
            1.5,
            -1.1,
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::INFINITY,
            3.4e-40,
        ])),
        Kind::Double => Value::F64(rng.pick(&[
            0.0,
            0.1,
            -2.5e300,
            f64::MIN_POSITIVE,
            f64::NEG_INFINITY,
            1e21,
            5e-324,
        ])),
        Kind::Bool => Value::Bool(rng.below(2) == 0),
        Kind::String => Value::String(string(rng, shape)),
        Kind::Bytes => {
            let len = if shape.realistic {
                shape.bytes_len
            } else {
                rng.below(shape.bytes_len as u64 + 1) as usize
            };
            Value::Bytes(Bytes::from(
                (0..len).map(|_| rng.next() as u8).collect::<Vec<u8>>(),
            ))
        }
        Kind::Enum(e) => {
            let numbers: Vec<i32> = e.values().map(|v| v.number()).collect();
            Value::EnumNumber(rng.pick(&numbers))
        }
        Kind::Message(m) => Value::Message(message(rng, m, shape, depth + 1)),
    }
}

fn string(rng: &mut Rng, shape: Shape) -> String {
    if shape.realistic {
        let hex = b"0123456789abcdef";
        return (0..36)
            .map(|i| {
                if [8, 13, 18, 23].contains(&i) {
                    '-'
                } else {
                    hex[rng.below(16) as usize] as char
                }
            })
            .collect();
    }
    const PIECES: &[&str] = &[
        "",
        "a",
        "Hello",
        " ",
        "\"",
        "\\",
        "/",
        "\n",
        "\t",
        "\u{1}",
        "\u{1f}",
        "\u{7f}",
        "ООО «Ромашка»",
        "€",
        "😀",
        "\u{2028}",
        "\u{feff}",
        "{\"json\":true}",
        "0",
        "null",
    ];
    (0..rng.below(5)).map(|_| rng.pick(PIECES)).collect()
}
