//! `Diadoc.Api.Proto.Timestamp` ⇄ RFC 3339 on a real message (api.md, "Time values: .NET ticks").

use edi_proto::diadoc::api::proto::{Timestamp, docflow};
use edi_transcode::ProblemCode;
use prost::Message as _;
use serde_json::json;

use crate::support::{diadoc, problems, text};

const ENTITY: &str = "Diadoc.Api.Proto.Docflow.Entity";

fn entity_at(ticks: i64) -> Vec<u8> {
    docflow::Entity {
        creation_timestamp: Some(Timestamp { ticks }),
        ..Default::default()
    }
    .encode_to_vec()
}

#[test]
fn timestamps_render_as_rfc3339_and_parse_back() {
    // The pair from api.md, "Time values: .NET ticks".
    let json = diadoc()
        .to_json(ENTITY, &entity_at(638_585_445_988_979_088))
        .expect("renders");
    assert_eq!(
        text(&json),
        r#"{"creationTimestamp":"2024-08-06T12:36:38.8979088Z"}"#
    );

    for input in [
        "2024-08-06T12:36:38.8979088Z",
        "2024-08-06T15:36:38.8979088+03:00",
        "2024-08-06T12:36:38.89790880Z",
    ] {
        let body = json!({ "creationTimestamp": input }).to_string();
        let wire = diadoc().to_wire(ENTITY, body.as_bytes()).expect("encodes");
        assert_eq!(wire, entity_at(638_585_445_988_979_088), "{input}");
    }
    let midnight = diadoc()
        .to_json(ENTITY, &entity_at(638_584_992_000_000_000))
        .expect("renders");
    assert_eq!(
        text(&midnight),
        r#"{"creationTimestamp":"2024-08-06T00:00:00Z"}"#
    );
}

#[test]
fn unrepresentable_ticks_render_as_an_object_that_reads_back() {
    for ticks in [-1, i64::MIN, 3_155_378_976_000_000_000] {
        let json = diadoc()
            .to_json(ENTITY, &entity_at(ticks))
            .expect("renders");
        assert_eq!(
            text(&json),
            format!(r#"{{"creationTimestamp":{{"ticks":"{ticks}"}}}}"#)
        );
        assert_eq!(
            diadoc().to_wire(ENTITY, &json).expect("reads back"),
            entity_at(ticks)
        );
    }
}

#[test]
fn timestamp_input_problems_are_reported() {
    let cases = [
        (
            json!({ "creationTimestamp": "2024-08-06T12:36:38.89790881Z" }),
            ProblemCode::InvalidFormat,
        ),
        (
            json!({ "creationTimestamp": "2024-08-06" }),
            ProblemCode::InvalidFormat,
        ),
        (
            json!({ "creationTimestamp": "2024-02-31T00:00:00Z" }),
            ProblemCode::InvalidFormat,
        ),
        (
            json!({ "creationTimestamp": "2023-02-29T12:00:00+03:00" }),
            ProblemCode::InvalidFormat,
        ),
        (
            json!({ "creationTimestamp": "0001-01-01T00:00:00+00:01" }),
            ProblemCode::OutOfRange,
        ),
        (
            json!({ "creationTimestamp": 638_585_445_988_979_088_i64 }),
            ProblemCode::WrongType,
        ),
        (
            json!({ "creationTimestamp": {} }),
            ProblemCode::MissingRequired,
        ),
    ];
    for (body, code) in cases {
        let found = problems(diadoc().value_to_wire(ENTITY, &body));
        assert_eq!(found.len(), 1, "{body}: {found:?}");
        assert_eq!(found[0].code, code, "{body}: {found:?}");
        assert!(found[0].field.starts_with("creationTimestamp"), "{found:?}");
    }
}
