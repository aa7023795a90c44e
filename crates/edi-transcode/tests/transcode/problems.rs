//! Bad caller JSON: every problem is reported, with its path, in one pass.

use edi_proto::names;
use edi_transcode::{FieldProblem, ProblemCode};
use serde_json::json;

use crate::support::{codes, diadoc, problems, sorted_codes};

fn counteragent_list_problems(body: serde_json::Value) -> Vec<FieldProblem> {
    problems(diadoc().value_to_wire(names::COUNTERAGENT_LIST, &body))
}

#[test]
fn both_spellings_of_one_field_are_a_duplicate() {
    let body = br#"{"totalCount": 1, "TotalCount": 2, "totalCountType": "Equal"}"#;
    let found = problems(diadoc().to_wire(names::COUNTERAGENT_LIST, body));
    assert_eq!(codes(&found), vec![("totalCount", ProblemCode::Duplicate)]);
    assert!(
        found[0].detail.contains("TotalCount"),
        "{}",
        found[0].detail
    );

    // The same key twice is also a duplicate (serde_json::Value would keep only the last).
    let body = br#"{"totalCount": 1, "totalCountType": "Equal", "totalCountType": "Equal"}"#;
    let found = problems(diadoc().to_wire(names::COUNTERAGENT_LIST, body));
    assert_eq!(
        codes(&found),
        vec![("totalCountType", ProblemCode::Duplicate)]
    );
}

#[test]
fn unknown_enum_values_list_the_allowed_names() {
    let found = counteragent_list_problems(json!({ "totalCount": 1, "totalCountType": "Foo" }));
    assert_eq!(
        found,
        vec![FieldProblem {
            field: "totalCountType".into(),
            code: ProblemCode::UnknownEnumValue,
            detail: "unknown value \"Foo\" for enum TotalCountType".into(),
            allowed: Some(vec![
                "UnknownCountType".into(),
                "Equal".into(),
                "GreaterThanOrEqual".into()
            ]),
        }]
    );

    // Names only: a number is the wrong type, and the error still says what is allowed.
    let found = counteragent_list_problems(json!({ "totalCount": 1, "totalCountType": 1 }));
    assert_eq!(
        codes(&found),
        vec![("totalCountType", ProblemCode::WrongType)]
    );
    assert!(
        found[0].detail.contains("TotalCountType") && found[0].detail.contains("got a number"),
        "{}",
        found[0].detail
    );
    assert_eq!(found[0].allowed.as_ref().map(Vec::len), Some(3));

    // Names are exact.
    let found = counteragent_list_problems(json!({ "totalCount": 1, "totalCountType": "equal" }));
    assert_eq!(
        codes(&found),
        vec![("totalCountType", ProblemCode::UnknownEnumValue)]
    );
}

#[test]
fn every_missing_required_field_is_listed_with_its_path() {
    let body = json!({ "requests": [
        { "documentId": { "messageId": "m" } },
        {},
        { "documentId": {}, "lastEventId": "e" },
        { "documentId": { "messageId": "m", "entityId": "e" } }
    ] });
    let found = problems(diadoc().value_to_wire(names::GET_DOCFLOW_BATCH_REQUEST, &body));
    assert_eq!(
        codes(&found),
        vec![
            (
                "requests[0].documentId.entityId",
                ProblemCode::MissingRequired
            ),
            ("requests[1].documentId", ProblemCode::MissingRequired),
            (
                "requests[2].documentId.messageId",
                ProblemCode::MissingRequired
            ),
            (
                "requests[2].documentId.entityId",
                ProblemCode::MissingRequired
            ),
        ]
    );

    let found = problems(diadoc().to_wire(names::TEMPLATE_TO_POST, b"{}"));
    assert_eq!(
        sorted_codes(&found),
        vec![
            ("fromBoxId", ProblemCode::MissingRequired),
            ("messageFromBoxId", ProblemCode::MissingRequired),
            ("messageToBoxId", ProblemCode::MissingRequired),
            ("toBoxId", ProblemCode::MissingRequired),
        ]
    );
}

#[test]
fn unknown_fields_are_named_by_path() {
    let body = json!({ "requests": [{ "documentId": { "messageId": "m", "entityId": "e", "boxId": "b" } }], "bogus": 1 });
    let found = problems(diadoc().value_to_wire(names::GET_DOCFLOW_BATCH_REQUEST, &body));
    assert_eq!(
        sorted_codes(&found),
        vec![
            ("bogus", ProblemCode::UnknownField),
            ("requests[0].documentId.boxId", ProblemCode::UnknownField),
        ]
    );
    assert!(
        found
            .iter()
            .any(|p| p.detail.contains("Diadoc.Api.Proto.DocumentId")),
        "{found:?}"
    );
}

#[test]
fn wrong_types_name_the_path_and_the_expected_type() {
    let cases = [
        (
            json!({ "totalCount": true, "totalCountType": "Equal" }),
            "totalCount",
            "expected an integer (int32), got a boolean",
        ),
        (
            json!({ "totalCount": 1, "totalCountType": "Equal", "counteragents": {} }),
            "counteragents",
            "expected an array",
        ),
        (
            json!({ "totalCount": 1, "totalCountType": "Equal", "counteragents": [7] }),
            "counteragents[0]",
            "expected an object (Diadoc.Api.Proto.Counteragent), got a number",
        ),
        (
            json!({ "totalCount": 1, "totalCountType": "Equal", "counteragents": [null] }),
            "counteragents[0]",
            "got null",
        ),
        (
            json!({ "totalCount": [1], "totalCountType": "Equal" }),
            "totalCount",
            "got an array",
        ),
        (
            json!([]),
            "",
            "expected an object (Diadoc.Api.Proto.CounteragentList), got an array",
        ),
        (json!(null), "", "got null"),
    ];
    for (body, field, detail) in cases {
        let found = counteragent_list_problems(body.clone());
        assert_eq!(
            codes(&found),
            vec![(field, ProblemCode::WrongType)],
            "{body}"
        );
        assert!(
            found[0].detail.contains(detail),
            "{body}: {}",
            found[0].detail
        );
    }
    let found = problems(diadoc().value_to_wire(names::GET_DOCFLOW_BATCH_REQUEST, &json!({ "requests": [{ "documentId": { "messageId": 5, "entityId": "e" }, "injectEntityContent": "true" }] })));
    assert_eq!(
        codes(&found),
        vec![
            ("requests[0].documentId.messageId", ProblemCode::WrongType),
            ("requests[0].injectEntityContent", ProblemCode::WrongType),
        ]
    );
}

#[test]
fn all_problems_come_back_from_one_pass() {
    let body = br#"{"TotalCount": "x", "counteragents": [{"indexKey": 1, "organization": {"orgId": "o"}}], "extra": {}}"#;
    let found = problems(diadoc().to_wire(names::COUNTERAGENT_LIST, body));
    assert_eq!(
        codes(&found),
        vec![
            ("totalCount", ProblemCode::InvalidFormat),
            ("counteragents[0].indexKey", ProblemCode::WrongType),
            (
                "counteragents[0].organization.inn",
                ProblemCode::MissingRequired
            ),
            (
                "counteragents[0].organization.fullName",
                ProblemCode::MissingRequired
            ),
            (
                "counteragents[0].organization.sociability",
                ProblemCode::MissingRequired
            ),
            (
                "counteragents[0].organization.organizationType",
                ProblemCode::MissingRequired
            ),
            (
                "counteragents[0].organization.readyForEpdStatus",
                ProblemCode::MissingRequired
            ),
            (
                "counteragents[0].lastEventTimestampTicks",
                ProblemCode::MissingRequired
            ),
            ("extra", ProblemCode::UnknownField),
            ("totalCountType", ProblemCode::MissingRequired),
        ]
    );
}

#[test]
fn broken_json_is_reported_after_what_was_found_before_it() {
    let found = problems(diadoc().to_wire(names::COUNTERAGENT_LIST, br#"{"totalCount": "x", "#));
    assert_eq!(
        codes(&found),
        vec![
            ("totalCount", ProblemCode::InvalidFormat),
            ("", ProblemCode::InvalidJson)
        ]
    );
    for body in [&b""[..], b"{} {}", b"{\"a\" 1}", b"\xff"] {
        let found = problems(diadoc().to_wire(names::COUNTERAGENT_LIST, body));
        assert_eq!(
            found.last().map(|p| p.code),
            Some(ProblemCode::InvalidJson),
            "{body:?}"
        );
    }
}

#[test]
fn problems_serialize_for_problem_json() {
    let found = counteragent_list_problems(json!({ "totalCountType": "Foo" }));
    assert_eq!(
        serde_json::to_value(&found).expect("serializes"),
        json!([
            { "field": "totalCountType", "code": "unknownEnumValue", "detail": "unknown value \"Foo\" for enum TotalCountType",
              "allowed": ["UnknownCountType", "Equal", "GreaterThanOrEqual"] },
            { "field": "totalCount", "code": "missingRequired", "detail": "a required field is missing" }
        ])
    );
    let error = diadoc()
        .value_to_wire(names::COUNTERAGENT_LIST, &json!({}))
        .expect_err("invalid");
    assert_eq!(
        error.to_string(),
        "the JSON does not match the message: totalCount: a required field is missing; totalCountType: a required field is missing"
    );
}
