//! What a list reply's paging needs — how many items it has, the last item's cursor key and a
//! "more results" flag — read straight off the wire, without decoding the message (decoding a
//! page into a `DynamicMessage` costs about three times rendering it; see docs/PERFORMANCE.md).

use crate::wire::{Malformed, read_delimited, read_fixed, read_varint, skip_group, split_key};

/// Paging facts of one list reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageFacts {
    /// Occurrences of the repeated items field.
    pub items: usize,
    /// The string `key` field of the last item, if it has one.
    pub last_key: Option<String>,
    /// The top-level bool flag, if asked for and present on the wire.
    pub more: Option<bool>,
}

/// Field numbers to look for.
pub(crate) struct PageFields {
    pub(crate) items: u32,
    pub(crate) key: u32,
    pub(crate) flag: Option<u32>,
}

pub(crate) fn scan(wire: &[u8], fields: &PageFields) -> Result<PageFacts, Malformed> {
    let mut facts = PageFacts::default();
    let mut last_item: Option<&[u8]> = None;
    let mut buf = wire;
    while !buf.is_empty() {
        let (number, wire_type) = split_key(read_varint(&mut buf)?)?;
        match wire_type {
            2 => {
                let value = read_delimited(&mut buf)?;
                if number == fields.items {
                    facts.items += 1;
                    last_item = Some(value);
                }
            }
            0 => {
                let value = read_varint(&mut buf)?;
                if Some(number) == fields.flag {
                    facts.more = Some(value != 0);
                }
            }
            other => skip(number, other, &mut buf)?,
        }
    }
    if let Some(mut item) = last_item {
        while !item.is_empty() {
            let (number, wire_type) = split_key(read_varint(&mut item)?)?;
            if wire_type == 2 {
                let value = read_delimited(&mut item)?;
                if number == fields.key {
                    // proto2: the last occurrence of a singular field wins.
                    facts.last_key = Some(
                        std::str::from_utf8(value)
                            .map_err(|_| Malformed("a string field is not UTF-8"))?
                            .to_owned(),
                    );
                }
            } else {
                skip(number, wire_type, &mut item)?;
            }
        }
    }
    Ok(facts)
}

fn skip(number: u32, wire_type: u8, buf: &mut &[u8]) -> Result<(), Malformed> {
    match wire_type {
        0 => read_varint(buf).map(drop),
        1 => read_fixed::<8>(buf).map(drop),
        2 => read_delimited(buf).map(drop),
        3 => skip_group(number, buf),
        5 => read_fixed::<4>(buf).map(drop),
        _ => Err(Malformed("invalid wire type")),
    }
}
