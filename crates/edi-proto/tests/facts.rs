//! Checks the compiled descriptor pool against `reference/diadoc/proto-facts.json`, field by
//! field (name, number, label, type, declared default) and enum value by enum value — the same
//! comparison `../shared/checks/proto-fidelity` makes, but inside `cargo test`, so a hand edit to
//! `proto/` that drifts from the facts fails CI even where the shared check is not run.

use prost_reflect::{Cardinality, Kind};
use serde_json::Value;

fn facts() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../reference/diadoc/proto-facts.json"
    );
    let text =
        std::fs::read_to_string(path).expect("reference/diadoc/proto-facts.json is in the repo");
    serde_json::from_str(&text).expect("facts are JSON")
}

fn kind_name(kind: &Kind) -> String {
    match kind {
        Kind::Double => "double".into(),
        Kind::Float => "float".into(),
        Kind::Int32 => "int32".into(),
        Kind::Int64 => "int64".into(),
        Kind::Uint32 => "uint32".into(),
        Kind::Uint64 => "uint64".into(),
        Kind::Sint32 => "sint32".into(),
        Kind::Sint64 => "sint64".into(),
        Kind::Fixed32 => "fixed32".into(),
        Kind::Fixed64 => "fixed64".into(),
        Kind::Sfixed32 => "sfixed32".into(),
        Kind::Sfixed64 => "sfixed64".into(),
        Kind::Bool => "bool".into(),
        Kind::String => "string".into(),
        Kind::Bytes => "bytes".into(),
        Kind::Message(m) => format!(".{}", m.full_name()),
        Kind::Enum(e) => format!(".{}", e.full_name()),
    }
}

fn check_messages(prefix: &str, msgs: &[Value], problems: &mut Vec<String>, count: &mut usize) {
    for m in msgs {
        let name = format!("{prefix}{}", m["name"].as_str().expect("name"));
        let Some(desc) = edi_proto::message(&name) else {
            problems.push(format!("{name}: missing from the pool"));
            continue;
        };
        *count += 1;
        let fields = m["fields"].as_array().expect("fields");
        if fields.len() != desc.fields().len() {
            problems.push(format!(
                "{name}: {} fields, facts say {}",
                desc.fields().len(),
                fields.len()
            ));
        }
        for f in fields {
            let number = f["number"].as_u64().expect("number") as u32;
            let Some(fd) = desc.get_field(number) else {
                problems.push(format!("{name}: field {number} missing"));
                continue;
            };
            let label = match fd.cardinality() {
                Cardinality::Optional => "optional",
                Cardinality::Required => "required",
                Cardinality::Repeated => "repeated",
            };
            let ours = (
                fd.name().to_owned(),
                label.to_owned(),
                kind_name(&fd.kind()),
            );
            let want = (
                f["name"].as_str().expect("name").to_owned(),
                f["label"].as_str().expect("label").to_owned(),
                f["type"].as_str().expect("type").to_owned(),
            );
            if ours != want {
                problems.push(format!("{name}.{number}: {ours:?} != facts {want:?}"));
            }
            let default = fd.field_descriptor_proto().default_value.clone();
            let want_default = f.get("default").map(|d| match d {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            if default.map(|d| d.to_lowercase()) != want_default.map(|d| d.to_lowercase()) {
                problems.push(format!("{name}.{number}: default differs"));
            }
        }
        let nested_prefix = format!("{name}.");
        check_messages(
            &nested_prefix,
            m["messages"].as_array().unwrap_or(&vec![]),
            problems,
            count,
        );
        check_enums(
            &nested_prefix,
            m["enums"].as_array().unwrap_or(&vec![]),
            problems,
            count,
        );
    }
}

fn check_enums(prefix: &str, enums: &[Value], problems: &mut Vec<String>, count: &mut usize) {
    for e in enums {
        let name = format!("{prefix}{}", e["name"].as_str().expect("name"));
        let Some(desc) = edi_proto::pool().get_enum_by_name(&name) else {
            problems.push(format!("{name}: enum missing from the pool"));
            continue;
        };
        *count += 1;
        // Declaration order matters (an unset proto2 enum falls back to the first declared value),
        // so compare the descriptor proto's list, not prost-reflect's number-sorted view.
        let ours: Vec<(String, i32)> = desc
            .enum_descriptor_proto()
            .value
            .iter()
            .map(|v| (v.name().to_owned(), v.number()))
            .collect();
        let want: Vec<(String, i32)> = e["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().expect("name").to_owned(),
                    v["number"].as_i64().expect("number") as i32,
                )
            })
            .collect();
        if ours != want {
            problems.push(format!("{name}: values {ours:?} != facts {want:?}"));
        }
    }
}

#[test]
fn pool_matches_the_reference_facts_field_by_field() {
    let facts = facts();
    let mut problems = Vec::new();
    let mut count = 0;
    for file in facts["files"].as_array().expect("files") {
        let prefix = format!("{}.", file["package"].as_str().expect("package"));
        check_messages(
            &prefix,
            file["messages"].as_array().expect("messages"),
            &mut problems,
            &mut count,
        );
        check_enums(
            &prefix,
            file["enums"].as_array().expect("enums"),
            &mut problems,
            &mut count,
        );
    }
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let s = &facts["summary"];
    let expected = s["messages"].as_u64().expect("n") + s["enums"].as_u64().expect("n");
    assert_eq!(
        count as u64, expected,
        "every message and enum of the facts was compared"
    );
}

#[test]
fn enums_without_a_zero_value_keep_their_first_declared_value_first() {
    // api.md, "Schema facts": under proto2 an unset optional enum falls back to the first value.
    let e = edi_proto::pool()
        .get_enum_by_name("Diadoc.Api.Proto.OrganizationInvoiceFormatVersion")
        .expect("enum");
    assert_eq!(e.default_value().name(), "v5_01");
    assert!(e.get_value(0).is_none());
}

#[test]
fn route_message_names_exist() {
    use edi_proto::names::*;
    for n in [
        LOGIN_PASSWORD,
        ORGANIZATION_LIST,
        COUNTERAGENT_LIST,
        DOCUMENT_LIST,
        GET_DOCFLOW_BATCH_REQUEST,
        GET_DOCFLOW_BATCH_RESPONSE_V3,
        GET_DOCFLOW_BATCH_RESPONSE_V5,
        ORGANIZATION,
        DOCUMENT_PROTOCOL,
        TEMPLATE_TO_POST,
        TEMPLATE,
        TIMESTAMP,
    ] {
        assert!(edi_proto::message(n).is_some(), "{n}");
    }
}
