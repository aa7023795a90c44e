//! A first pass over a Diadoc JSON body, before the gateway builds its `serde_json::Value`: it
//! counts the items of the route's capped fields (`ProtoBody::max_items`) and every JSON value
//! in the body, holding nothing but the nesting it is in (O(depth) memory: every value is
//! visited and dropped at once). So a 100-item cap never needs a 10,000-item body in memory,
//! and a body of many tiny values (`[{},{},…]`, which a `Value` stores at ~20× its size) is
//! refused before it is built: at most [`MAX_JSON_VALUES`] values per body.
//!
//! Only then does `dispatch.rs` parse the body into a `Value` (to fill fields from the path and
//! check text limits) and transcode it. A JSON syntax error found here is the same 400 the full
//! parse would give.

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::ApiError;
use crate::routes::ProtoBody;

/// The most JSON values (objects, arrays, strings, numbers, booleans, nulls) one body may hold.
/// A message of 40 documents with metadata is a few thousand; a `Value` of this many costs
/// about 10 MB on top of the body's bytes.
pub(crate) const MAX_JSON_VALUES: usize = 100_000;

/// What the scan counted.
#[derive(Debug)]
pub(crate) struct Counts {
    /// Items of each capped field (proto name), both spellings added up, in the cap's order.
    pub(crate) items: Vec<(&'static str, usize)>,
}

/// Scans `bytes`: the JSON syntax (up to the first error), the value budget, and the items of
/// the capped fields. Over the budget or invalid JSON → the 400 the caller gets.
pub(crate) fn scan(bytes: &[u8], spec: &ProtoBody) -> Result<Counts, ApiError> {
    let fields: &[&'static str] = spec.max_items.map_or(&[], |(fields, _)| fields);
    let budget = Budget {
        left: Cell::new(MAX_JSON_VALUES),
        exceeded: Cell::new(false),
    };
    let items: Vec<Cell<usize>> = fields.iter().map(|_| Cell::new(0)).collect();
    let camel: Vec<String> = fields.iter().map(|f| edi_transcode::json_name(f)).collect();
    let top = Top {
        budget: &budget,
        fields,
        camel: &camel,
        items: &items,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let scanned = top.deserialize(&mut de).and_then(|()| de.end());
    if budget.exceeded.get() {
        return Err(ApiError::field(
            "",
            format!(
                "the body holds more than {MAX_JSON_VALUES} JSON values (objects, arrays, \
                 strings, numbers, booleans and nulls, counted at every depth)"
            ),
        ));
    }
    if let Err(e) = scanned {
        return Err(invalid_json(&e));
    }
    Ok(Counts {
        items: fields
            .iter()
            .copied()
            .zip(items.iter().map(Cell::get))
            .collect(),
    })
}

/// The 400 for a body that is not JSON (the same one the full parse gives).
pub(crate) fn invalid_json(e: &serde_json::Error) -> ApiError {
    ApiError::Invalid(vec![edi_transcode::FieldProblem {
        field: String::new(),
        code: edi_transcode::ProblemCode::InvalidJson,
        detail: format!("the body is not valid JSON: {e}"),
        allowed: None,
    }])
}

/// The values still allowed, and whether the budget ran out.
struct Budget {
    left: Cell<usize>,
    exceeded: Cell<bool>,
}

impl Budget {
    /// Takes one value from the budget.
    fn take<E: serde::de::Error>(&self) -> Result<(), E> {
        match self.left.get().checked_sub(1) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                self.exceeded.set(true);
                Err(E::custom("too many JSON values"))
            }
        }
    }
}

/// Visits one value and everything inside it, keeping nothing.
#[derive(Clone, Copy)]
struct Count<'a> {
    budget: &'a Budget,
    /// Counts the elements of an array here (a capped field's items).
    items: Option<&'a Cell<usize>>,
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.budget.take()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.budget.take()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.budget.take()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.budget.take()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.budget.take()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.budget.take()
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.budget.take()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.budget.take()?;
        let inner = Count {
            budget: self.budget,
            items: None,
        };
        while seq.next_element_seed(inner)?.is_some() {
            if let Some(items) = self.items {
                items.set(items.get().saturating_add(1));
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.budget.take()?;
        let inner = Count {
            budget: self.budget,
            items: None,
        };
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

/// The body's top level: an object whose capped fields' arrays are counted (anything else is
/// counted as a value; the transcoder names what is wrong with it).
struct Top<'a> {
    budget: &'a Budget,
    /// The capped fields, by proto name and by JSON name.
    fields: &'a [&'static str],
    camel: &'a [String],
    items: &'a [Cell<usize>],
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.budget.take()?;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let at = self
                .fields
                .iter()
                .zip(self.camel)
                .position(|(proto, camel)| key == *proto || key == camel.as_str());
            map.next_value_seed(Count {
                budget: self.budget,
                items: at.and_then(|i| self.items.get(i)),
            })?;
        }
        Ok(())
    }

    // Not an object: counted like any value (the transcoder reports the shape).
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.plain().visit_bool(v)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.plain().visit_i64(v)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.plain().visit_u64(v)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.plain().visit_f64(v)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.plain().visit_str(v)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.plain().visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.plain().visit_seq(seq)
    }
}

impl Top<'_> {
    fn plain(&self) -> Count<'_> {
        Count {
            budget: self.budget,
            items: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edi_proto::names;

    fn batch() -> ProtoBody {
        ProtoBody {
            max_items: Some((&["Requests"], 100)),
            ..ProtoBody::new(names::GET_DOCFLOW_BATCH_REQUEST)
        }
    }

    #[test]
    fn capped_items_are_counted_in_either_spelling_and_nothing_else_is() {
        let body = br#"{"requests": [1, {"a": [2, 3]}, []], "Requests": [4], "other": [5, 6]}"#;
        let counts = scan(body, &batch()).expect("scanned");
        assert_eq!(counts.items, [("Requests", 4)]);
    }

    #[test]
    fn a_body_past_the_value_budget_is_refused_naming_it() {
        let mut body = b"{\"requests\": [".to_vec();
        for _ in 0..MAX_JSON_VALUES {
            body.extend_from_slice(b"{},");
        }
        body.extend_from_slice(b"{}]}");
        let Err(ApiError::Invalid(p)) = scan(&body, &batch()) else {
            panic!("accepted");
        };
        assert!(
            p[0].detail.contains("100000 JSON values"),
            "{}",
            p[0].detail
        );
        // Exactly at the budget: accepted.
        let at = format!("[{}0]", "0,".repeat(MAX_JSON_VALUES - 2));
        assert!(scan(at.as_bytes(), &batch()).is_ok());
    }

    #[test]
    fn invalid_json_is_the_usual_400_and_trailing_bytes_count() {
        for bad in [&b"{\"requests\": [1,"[..], b"{} x", b"", b"[1]]"] {
            let Err(ApiError::Invalid(p)) = scan(bad, &batch()) else {
                panic!("{bad:?} accepted");
            };
            assert_eq!(p[0].code, edi_transcode::ProblemCode::InvalidJson);
        }
    }
}
