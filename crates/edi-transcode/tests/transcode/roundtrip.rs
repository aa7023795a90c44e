//! Property: for any valid message, protobuf → JSON → protobuf → JSON gives the same JSON, the
//! second protobuf decodes to the original message, and every entry point agrees on the text.

use edi_proto::names;
use edi_transcode::Transcoder;
use proptest::prelude::*;
use prost::Message as _;
use prost_reflect::{DescriptorPool, DynamicMessage};

use crate::support::{self, Rng, Shape, WILD};

/// The messages the gateway's routes use, and a few with timestamps and enums without a 0.
const ROUTE_MESSAGES: &[&str] = &[
    names::COUNTERAGENT_LIST,
    names::ORGANIZATION_LIST,
    names::DOCUMENT_LIST,
    names::GET_DOCFLOW_BATCH_REQUEST,
    names::GET_DOCFLOW_BATCH_RESPONSE_V3,
    names::GET_DOCFLOW_BATCH_RESPONSE_V5,
    names::ORGANIZATION,
    names::TEMPLATE_TO_POST,
    names::TEMPLATE,
    names::DOCUMENT_PROTOCOL,
    names::TIMESTAMP,
    names::LOGIN_PASSWORD,
    "Diadoc.Api.Proto.Docflow.Entity",
    "Diadoc.Api.Proto.Box",
    "Diadoc.Api.Proto.Invoicing.Signers.ExtendedSigner",
];

fn check(transcoder: &Transcoder, pool: &DescriptorPool, name: &str, seed: u64, shape: Shape) {
    let desc = pool.get_message_by_name(name).expect("message exists");
    let original = support::message(&mut Rng::new(seed), &desc, shape, 0);
    let wire = original.encode_to_vec();

    let json = transcoder.to_json(name, &wire).expect("valid wire renders");
    let parsed: serde_json::Value = serde_json::from_slice(&json).expect("output is JSON");

    let wire2 = transcoder
        .to_wire(name, &json)
        .unwrap_or_else(|e| panic!("{name}: own JSON rejected: {e}\n{}", support::text(&json)));
    let json2 = transcoder.to_json(name, &wire2).expect("own wire renders");
    assert_eq!(
        support::text(&json),
        support::text(&json2),
        "{name}: JSON changed on the round trip"
    );

    let back = DynamicMessage::decode(desc.clone(), wire2.as_slice()).expect("own wire decodes");
    assert_eq!(back, original, "{name}: message changed on the round trip");

    // The other entry points say the same thing.
    let decoded = transcoder.decode(name, &wire).expect("valid wire decodes");
    assert_eq!(
        support::text(&transcoder.dynamic_to_json(&decoded, &[])),
        support::text(&json),
        "{name}: dynamic_to_json differs"
    );
    let wire3 = transcoder
        .value_to_wire(name, &parsed)
        .expect("parsed JSON encodes");
    let back3 =
        DynamicMessage::decode(desc, wire3.as_slice()).expect("value_to_wire output decodes");
    assert_eq!(back3, original, "{name}: value_to_wire differs");
}

fn all_message_names() -> Vec<String> {
    edi_proto::pool()
        .all_messages()
        .map(|m| m.full_name().to_owned())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn route_messages_round_trip(name in prop::sample::select(ROUTE_MESSAGES), seed in any::<u64>(), depth in 0u32..5) {
        check(support::diadoc(), edi_proto::pool(), name, seed, Shape { max_depth: depth, ..WILD });
    }

    #[test]
    fn any_pool_message_round_trips(name in prop::sample::select(all_message_names()), seed in any::<u64>(), depth in 0u32..4) {
        check(support::diadoc(), edi_proto::pool(), &name, seed, Shape { max_depth: depth, ..WILD });
    }

    #[test]
    fn every_scalar_kind_round_trips(seed in any::<u64>(), depth in 0u32..3) {
        check(support::all_kinds(), support::all_kinds_pool(), support::ALL_KINDS, seed, Shape { max_depth: depth, max_repeat: 4, ..WILD });
    }
}

#[test]
fn every_pool_message_round_trips_once() {
    // Not random in which messages: every one of them, with one seed each.
    for (i, name) in all_message_names().iter().enumerate() {
        check(
            support::diadoc(),
            edi_proto::pool(),
            name,
            i as u64,
            Shape {
                max_depth: 2,
                ..WILD
            },
        );
    }
}
