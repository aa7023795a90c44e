//! One JSON value → protobuf: the serde `Visitor` that sorts values by their JSON type and
//! position (`null`, arrays, objects), leaving scalars to `scalar.rs`.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Encoder, Step, scalar};
use crate::schema::{Kind, MsgId};
use crate::wire::put_key;

/// Where a value sits, which decides what `null` and arrays mean.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Position {
    /// The document itself: an object (or a timestamp string).
    Root,
    /// A singular field: `null` = absent.
    Singular,
    /// A repeated field: an array, or `null` = absent.
    Repeated,
    /// One element of a repeated field's array.
    Element,
}

#[derive(Clone, Copy)]
pub(super) struct Target {
    pub(super) kind: Kind,
    /// The field number to key values with; 0 for the root, which has no key.
    pub(super) number: u32,
    pub(super) position: Position,
}

/// Deserializes one JSON value into protobuf. Yields whether a value was present (not `null`).
pub(super) struct ValueSeed<'e, 's> {
    pub(super) enc: &'e mut Encoder<'s>,
    pub(super) target: Target,
}

impl<'e, 's> ValueSeed<'e, 's> {
    pub(super) fn root(enc: &'e mut Encoder<'s>, id: MsgId) -> Self {
        ValueSeed {
            enc,
            target: Target {
                kind: Kind::Message(id),
                number: 0,
                position: Position::Root,
            },
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(mut self) -> Result<bool, E> {
        match self.target.position {
            Position::Singular | Position::Repeated => Ok(false),
            Position::Root | Position::Element => {
                self.wrong_type("null");
                Ok(true)
            }
        }
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<bool, E> {
        self.visit_unit()
    }

    fn visit_bool<E>(mut self, v: bool) -> Result<bool, E> {
        self.boolean(v);
        Ok(true)
    }

    fn visit_i64<E>(mut self, v: i64) -> Result<bool, E> {
        self.number(scalar::Number::Int(i128::from(v)));
        Ok(true)
    }

    fn visit_u64<E>(mut self, v: u64) -> Result<bool, E> {
        self.number(scalar::Number::Int(i128::from(v)));
        Ok(true)
    }

    fn visit_i128<E>(mut self, v: i128) -> Result<bool, E> {
        self.number(scalar::Number::Int(v));
        Ok(true)
    }

    fn visit_u128<E>(mut self, v: u128) -> Result<bool, E> {
        self.number(scalar::Number::Int(i128::try_from(v).unwrap_or(i128::MAX)));
        Ok(true)
    }

    fn visit_f64<E>(mut self, v: f64) -> Result<bool, E> {
        self.number(scalar::Number::Float(v));
        Ok(true)
    }

    fn visit_str<E>(mut self, v: &str) -> Result<bool, E> {
        self.string(v);
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<bool, A::Error> {
        if self.target.position != Position::Repeated {
            self.wrong_type("an array");
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(true);
        }
        let element = Target {
            position: Position::Element,
            ..self.target
        };
        for i in 0.. {
            self.enc.path.push(Step::Index(i));
            let next = seq.next_element_seed(ValueSeed {
                enc: &mut *self.enc,
                target: element,
            });
            self.enc.path.pop();
            if next?.is_none() {
                break;
            }
        }
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<bool, A::Error> {
        let Kind::Message(id) = self.target.kind else {
            self.wrong_type("an object");
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(true);
        };
        if self.target.position == Position::Repeated {
            self.wrong_type("an object");
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(true);
        }
        let open = (self.target.number != 0).then(|| {
            put_key(&mut self.enc.out, self.target.number, 2);
            self.enc.begin_delimited()
        });
        self.enc.object(id, map)?;
        if let Some(open) = open {
            self.enc.end_delimited(open);
        }
        Ok(true)
    }
}
