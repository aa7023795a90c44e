//! The gateway's JSON conventions, one rule per test, on real Diadoc messages.

use edi_proto::diadoc::api::proto::{
    self as dap, Box as DiadocBox, Counteragent, CounteragentList, Organization, TotalCountType,
};
use edi_proto::names;
use edi_transcode::{ProblemCode, TranscodeError};
use prost::Message as _;
use serde_json::json;

use crate::support::{self, codes, diadoc, problems, sorted_codes, text};

const ENTITY: &str = "Diadoc.Api.Proto.Docflow.Entity";
const BOX: &str = "Diadoc.Api.Proto.Box";

fn organization() -> Organization {
    Organization {
        org_id: "o1".into(),
        inn: "7700000000".into(),
        full_name: "ООО «Ромашка»".into(),
        ..Default::default()
    }
}

fn counteragents() -> CounteragentList {
    CounteragentList {
        total_count: 1,
        counteragents: vec![Counteragent {
            index_key: Some("40623A7CD898B2EA".into()),
            organization: organization(),
            current_status: Some(dap::CounteragentStatus::IsMyCounteragent as i32),
            last_event_timestamp_ticks: 638_585_445_988_979_088,
            ..Default::default()
        }],
        total_count_type: TotalCountType::Equal as i32,
    }
}

#[test]
fn bare_ticks_fields_stay_64_bit_strings() {
    let json = diadoc()
        .to_json(names::COUNTERAGENT_LIST, &counteragents().encode_to_vec())
        .expect("renders");
    assert!(
        text(&json).contains(r#""lastEventTimestampTicks":"638585445988979088""#),
        "{}",
        text(&json)
    );
}

#[test]
fn keys_are_camel_case_in_declaration_order() {
    // Box declares BoxId = 1, BoxIdGuid = 6, Title = 2: declaration order, not number order.
    let b = DiadocBox {
        box_id: "b@diadoc.ru".into(),
        box_id_guid: "g".into(),
        title: "T".into(),
        ..Default::default()
    };
    let json = diadoc().to_json(BOX, &b.encode_to_vec()).expect("renders");
    assert_eq!(
        text(&json),
        r#"{"boxId":"b@diadoc.ru","boxIdGuid":"g","title":"T"}"#
    );

    let json = diadoc()
        .to_json(names::COUNTERAGENT_LIST, &counteragents().encode_to_vec())
        .expect("renders");
    let expected = json!({
        "totalCount": 1,
        "counteragents": [{
            "indexKey": "40623A7CD898B2EA",
            // Required fields are always on the wire, even at their default.
            "organization": { "orgId": "o1", "inn": "7700000000", "fullName": "ООО «Ромашка»",
                "sociability": "AllOrganizations", "organizationType": "UnknownOrganizationType",
                "readyForEpdStatus": "UnknownEpdStatus" },
            "currentStatus": "IsMyCounteragent",
            "lastEventTimestampTicks": "638585445988979088"
        }],
        "totalCountType": "Equal"
    });
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&json).expect("JSON"),
        expected
    );
}

#[test]
fn pascal_case_keys_are_accepted() {
    let camel = json!({ "totalCount": 3, "totalCountType": "Equal" });
    let pascal = json!({ "TotalCount": 3, "TotalCountType": "Equal" });
    let wire = diadoc()
        .value_to_wire(names::COUNTERAGENT_LIST, &pascal)
        .expect("PascalCase accepted");
    assert_eq!(
        wire,
        diadoc()
            .value_to_wire(names::COUNTERAGENT_LIST, &camel)
            .expect("camelCase accepted")
    );
    assert_eq!(
        CounteragentList::decode(wire.as_slice())
            .expect("decodes")
            .total_count,
        3
    );
}

#[test]
fn sixty_four_bit_integers_are_strings_out_and_strings_or_numbers_in() {
    for ticks in [
        json!("638585445988979088"),
        json!(638_585_445_988_979_088_i64),
    ] {
        let mut body = json!({ "organization": { "orgId": "o", "inn": "1", "fullName": "F", "sociability": "AllOrganizations",
            "organizationType": "Juridical", "readyForEpdStatus": "Ready" } });
        body["lastEventTimestampTicks"] = ticks;
        let wire = diadoc()
            .value_to_wire("Diadoc.Api.Proto.Counteragent", &body)
            .expect("encodes");
        let from_text = diadoc()
            .to_wire("Diadoc.Api.Proto.Counteragent", body.to_string().as_bytes())
            .expect("encodes");
        assert_eq!(from_text, wire);
        let decoded = Counteragent::decode(wire.as_slice()).expect("decodes");
        assert_eq!(decoded.last_event_timestamp_ticks, 638_585_445_988_979_088);
    }
}

#[test]
fn integers_accept_integral_strings_and_check_ranges() {
    let t = support::all_kinds();
    let ok = t.value_to_wire(support::ALL_KINDS, &json!({ "name": "n", "i32": "-5", "u64": 18_446_744_073_709_551_615_u64, "fx64": "18446744073709551615", "s64": -9_223_372_036_854_775_808_i64 }));
    let json = t
        .to_json(support::ALL_KINDS, &ok.expect("in range"))
        .expect("renders");
    assert_eq!(
        text(&json),
        r#"{"name":"n","i32":-5,"s64":"-9223372036854775808","u64":"18446744073709551615","fx64":"18446744073709551615"}"#
    );

    let bad = json!({ "name": "n", "i32": 2_147_483_648_i64, "u32": -1, "u64": "18446744073709551616", "i64": 1e19,
        "s32": 1.5, "sf32": "12x", "fx32": true, "b": 1 });
    let found = problems(t.value_to_wire(support::ALL_KINDS, &bad));
    assert_eq!(
        sorted_codes(&found),
        vec![
            ("b", ProblemCode::WrongType),
            ("fx32", ProblemCode::WrongType),
            ("i32", ProblemCode::OutOfRange),
            ("i64", ProblemCode::OutOfRange),
            ("s32", ProblemCode::WrongType),
            ("sf32", ProblemCode::InvalidFormat),
            ("u32", ProblemCode::OutOfRange),
            ("u64", ProblemCode::OutOfRange),
        ]
    );
}

#[test]
fn floats_are_numbers_with_canonical_non_finite_strings() {
    let t = support::all_kinds();
    let wire = t.value_to_wire(support::ALL_KINDS, &json!({ "name": "", "db": "NaN", "fl": "-Infinity", "rDb": ["Infinity", 1, "2.5", 1e300] }));
    let json = t
        .to_json(support::ALL_KINDS, &wire.expect("accepted"))
        .expect("renders");
    assert_eq!(
        text(&json),
        r#"{"name":"","fl":"-Infinity","db":"NaN","rDb":["Infinity",1.0,2.5,1e+300]}"#
    );

    let found = problems(t.value_to_wire(
        support::ALL_KINDS,
        &json!({ "name": "", "fl": 1e39, "db": "inf", "rFl": [true] }),
    ));
    assert_eq!(
        sorted_codes(&found),
        vec![
            ("db", ProblemCode::InvalidFormat),
            ("fl", ProblemCode::OutOfRange),
            ("rFl[0]", ProblemCode::WrongType)
        ]
    );
}

#[test]
fn bytes_are_base64_standard_out_and_any_alphabet_in() {
    const CONTENT: &str = "Diadoc.Api.Proto.Events.UnsignedContent";
    let wire = |content: &[u8]| {
        dap::events::UnsignedContent {
            content: Some(content.to_vec().into()),
            ..Default::default()
        }
        .encode_to_vec()
    };

    let json = diadoc()
        .to_json(CONTENT, &wire(&[0xfb, 0xff, 0xbf]))
        .expect("renders");
    assert_eq!(text(&json), r#"{"content":"+/+/"}"#);
    let json = diadoc()
        .to_json(CONTENT, &wire(&[0xfb, 0xff]))
        .expect("renders");
    assert_eq!(text(&json), r#"{"content":"+/8="}"#);

    for input in ["+/8=", "+/8", "-_8=", "-_8"] {
        let encoded = diadoc()
            .value_to_wire(CONTENT, &json!({ "content": input }))
            .expect(input);
        assert_eq!(encoded, wire(&[0xfb, 0xff]), "{input}");
    }
    assert_eq!(
        diadoc()
            .value_to_wire(CONTENT, &json!({ "content": "" }))
            .expect("empty"),
        wire(&[])
    );
    for input in ["!!!!", "+/8=x", "A", "+_8="] {
        let found = problems(diadoc().value_to_wire(CONTENT, &json!({ "content": input })));
        assert_eq!(
            codes(&found),
            vec![("content", ProblemCode::InvalidFormat)],
            "{input}"
        );
    }
}

#[test]
fn null_means_absent() {
    let body = json!({ "totalCount": 0, "totalCountType": "Equal", "counteragents": null });
    let wire = diadoc()
        .value_to_wire(names::COUNTERAGENT_LIST, &body)
        .expect("null is absent");
    assert_eq!(
        wire,
        CounteragentList {
            total_count: 0,
            counteragents: vec![],
            total_count_type: 1
        }
        .encode_to_vec()
    );

    let found = problems(diadoc().value_to_wire(
        names::COUNTERAGENT_LIST,
        &json!({ "totalCount": null, "totalCountType": "Equal" }),
    ));
    assert_eq!(
        codes(&found),
        vec![("totalCount", ProblemCode::MissingRequired)]
    );
}

#[test]
fn enums_without_a_zero_value_stay_absent_when_absent() {
    // OrganizationInvoiceFormatVersion is v5_01 = 1, v5_02 = 2 (api.md, "Schema facts").
    let b = DiadocBox {
        box_id: "b".into(),
        box_id_guid: "g".into(),
        title: "t".into(),
        ..Default::default()
    };
    let json = diadoc().to_json(BOX, &b.encode_to_vec()).expect("renders");
    assert!(
        !text(&json).contains("invoiceFormatVersion"),
        "{}",
        text(&json)
    );

    let body =
        json!({ "boxId": "b", "boxIdGuid": "g", "title": "t", "invoiceFormatVersion": "v5_01" });
    let wire = diadoc().value_to_wire(BOX, &body).expect("encodes");
    assert_eq!(
        DiadocBox::decode(wire.as_slice())
            .expect("decodes")
            .invoice_format_version,
        Some(1)
    );
    assert!(
        text(&diadoc().to_json(BOX, &wire).expect("renders"))
            .contains(r#""invoiceFormatVersion":"v5_01""#)
    );
}

#[test]
fn wire_details_unknown_fields_split_repeats_and_merged_messages() {
    let list = counteragents();
    let one = list.counteragents[0].encode_to_vec();
    let mut wire = Vec::new();
    // counteragents (2), totalCount (1), an unknown field 99, counteragents again, totalCountType (3).
    wire.extend([0x12, one.len() as u8]);
    wire.extend(&one);
    wire.extend([0x08, 0x01, 0x98, 0x06, 0x07, 0x12, one.len() as u8]);
    wire.extend(&one);
    wire.extend([0x18, 0x01]);
    let json: serde_json::Value = serde_json::from_slice(
        &diadoc()
            .to_json(names::COUNTERAGENT_LIST, &wire)
            .expect("renders"),
    )
    .expect("JSON");
    assert_eq!(json["counteragents"].as_array().map(Vec::len), Some(2));
    assert_eq!(json["totalCount"], 1);

    // A singular message sent in two parts is their merge (proto2 semantics).
    let mut entity = Vec::new();
    entity.extend([0x12, 0x09, 0x09]);
    entity.extend(5i64.to_le_bytes());
    entity.extend([0x0a, 0x01, b'x', 0x12, 0x09, 0x09]);
    entity.extend(638_585_445_988_979_088_i64.to_le_bytes());
    let json = diadoc().to_json(ENTITY, &entity).expect("renders");
    assert_eq!(
        text(&json),
        r#"{"entityId":"x","creationTimestamp":"2024-08-06T12:36:38.8979088Z"}"#
    );
}

#[test]
fn undeclared_enum_numbers_on_the_wire_are_left_out() {
    let mut list = counteragents();
    list.total_count_type = 42;
    let wire = list.encode_to_vec();
    let json = diadoc()
        .to_json(names::COUNTERAGENT_LIST, &wire)
        .expect("renders");
    assert!(!text(&json).contains("totalCountType"), "{}", text(&json));
    let decoded = diadoc()
        .decode(names::COUNTERAGENT_LIST, &wire)
        .expect("decodes");
    assert_eq!(diadoc().dynamic_to_json(&decoded, &[]), json);
}

#[test]
fn extra_members_follow_the_message() {
    let wire = counteragents().encode_to_vec();
    let json = diadoc()
        .to_json_with(
            names::COUNTERAGENT_LIST,
            &wire,
            &[("nextAfter", json!("40623A7CD898B2EA"))],
        )
        .expect("renders");
    assert!(
        text(&json).ends_with(r#","totalCountType":"Equal","nextAfter":"40623A7CD898B2EA"}"#),
        "{}",
        text(&json)
    );

    let empty = diadoc()
        .to_json_with(
            names::ORGANIZATION_LIST,
            &[],
            &[("nextAfter", json!(null)), ("n", json!([1]))],
        )
        .expect("renders");
    assert_eq!(text(&empty), r#"{"nextAfter":null,"n":[1]}"#);
    let decoded = diadoc()
        .decode(names::COUNTERAGENT_LIST, &wire)
        .expect("decodes");
    let dynamic = diadoc().dynamic_to_json(&decoded, &[("nextAfter", json!("40623A7CD898B2EA"))]);
    assert_eq!(text(&dynamic), text(&json));
}

#[test]
fn unknown_message_names_are_a_distinct_error() {
    for result in [
        diadoc().to_json("No.Such", &[]),
        diadoc().to_wire("No.Such", b"{}"),
    ] {
        assert!(matches!(result, Err(TranscodeError::UnknownMessage(name)) if name == "No.Such"));
    }
}

#[test]
fn the_transcoder_is_shareable_across_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    shareable(diadoc());
    let clone = diadoc().clone();
    let handle = std::thread::spawn(move || {
        clone
            .to_json(names::ORGANIZATION_LIST, &[])
            .map(|json| json.len())
    });
    assert_eq!(handle.join().expect("thread finishes").expect("renders"), 2);
}
