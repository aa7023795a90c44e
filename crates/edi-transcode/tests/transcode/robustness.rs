//! Hostile or broken input never panics: bad wire bytes are `Wire` errors, bad JSON is
//! `Invalid`.

use edi_proto::names;
use edi_transcode::TranscodeError;
use proptest::prelude::*;
use prost::Message as _;

use crate::support::{self, Rng, WILD, diadoc};

fn assert_wire_error(result: Result<Vec<u8>, TranscodeError>, why: &str) {
    match result {
        Err(TranscodeError::Wire(detail)) => assert!(!detail.is_empty()),
        other => panic!("{why}: expected a Wire error, got {other:?}"),
    }
}

#[test]
fn malformed_wire_bytes_are_wire_errors() {
    let cases: &[(&[u8], &str)] = &[
        (&[0x08], "truncated varint value"),
        (&[0x08, 0x80], "truncated multi-byte varint"),
        (&[0x12, 0x05, 0x01], "length past the end"),
        (
            &[0x0a, 0x01, 0x41],
            "known varint field (totalCount) sent as bytes",
        ),
        (&[0x00, 0x01], "field number 0"),
        (&[0x0f], "wire type 7"),
        (&[0x0c], "end-group without a start"),
        (&[0x13, 0x08, 0x01], "unterminated unknown group"),
        (
            &[0x12, 0x03, 0x0a, 0x01, 0xff],
            "invalid UTF-8 in a nested string",
        ),
        (
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
            ],
            "varint over 64 bits",
        ),
    ];
    for (wire, why) in cases {
        assert_wire_error(diadoc().to_json(names::COUNTERAGENT_LIST, wire), why);
    }
    // Bytes that are not UTF-8 in a string field, at the top level.
    assert_wire_error(
        diadoc().to_json("Diadoc.Api.Proto.DocumentId", &[0x0a, 0x02, 0xc3, 0x28]),
        "invalid UTF-8",
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // AllKinds.Child nested 200 deep.
    let mut wire: Vec<u8> = Vec::new();
    for _ in 0..200 {
        let mut outer = vec![0x8a, 0x01];
        let mut len = Vec::new();
        prost::encoding::encode_varint(wire.len() as u64, &mut len);
        outer.extend(len);
        outer.extend(&wire);
        wire = outer;
    }
    assert_wire_error(
        support::all_kinds().to_json(support::ALL_KINDS, &wire),
        "200 nested messages",
    );
    let mut json = String::new();
    for _ in 0..1000 {
        json.push_str(r#"{"name":"","child":"#);
    }
    let found =
        support::problems(support::all_kinds().to_wire(support::ALL_KINDS, json.as_bytes()));
    assert!(
        found
            .iter()
            .any(|p| p.code == edi_transcode::ProblemCode::InvalidJson)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(wire in prop::collection::vec(any::<u8>(), 0..200)) {
        for name in [names::COUNTERAGENT_LIST, names::GET_DOCFLOW_BATCH_RESPONSE_V3, names::GET_DOCFLOW_BATCH_RESPONSE_V5, names::TIMESTAMP] {
            let rendered = diadoc().to_json(name, &wire);
            prop_assert!(matches!(rendered, Ok(_) | Err(TranscodeError::Wire(_))));
            if let Ok(json) = rendered {
                prop_assert!(serde_json::from_slice::<serde_json::Value>(&json).is_ok());
            }
            let _ = diadoc().decode(name, &wire);
        }
    }

    #[test]
    fn damaged_valid_wire_never_panics(seed in any::<u64>(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let name = names::GET_DOCFLOW_BATCH_RESPONSE_V3;
        let desc = edi_proto::message(name).expect("exists");
        let mut wire = support::message(&mut Rng::new(seed), &desc, WILD, 0).encode_to_vec();
        if !wire.is_empty() {
            let i = at.index(wire.len());
            if cut { wire.truncate(i) } else { wire[i] = byte }
        }
        let rendered = diadoc().to_json(name, &wire);
        prop_assert!(matches!(rendered, Ok(_) | Err(TranscodeError::Wire(_))));
    }

    #[test]
    fn random_json_text_never_panics(body in "[{}\\[\\]\":,a-zA-Z0-9 .\\-+eE]{0,80}") {
        for name in [names::COUNTERAGENT_LIST, names::GET_DOCFLOW_BATCH_REQUEST] {
            let result = diadoc().to_wire(name, body.as_bytes());
            prop_assert!(matches!(result, Ok(_) | Err(TranscodeError::Invalid(_))));
        }
    }
}
