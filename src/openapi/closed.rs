//! Closing request bodies: `additionalProperties: false` on every object a request body reaches.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, Schema, SchemaType, Type};

/// The component name a `$ref` points at.
pub(super) fn component_of(location: &str) -> &str {
    location
        .strip_prefix("#/components/schemas/")
        .unwrap_or(location)
}

/// Sets `additionalProperties: false` on the `bodies` and every object component they reach:
/// the gateway answers an unknown member anywhere in a body with a 400 naming it (the
/// transcoder and the EDIN codecs both do), and the schema says so. (Where such a component is
/// also part of a response it still holds: replies carry declared members only.) Components
/// reached from responses alone are left open.
pub(super) fn close(all: &mut [(String, RefOr<Schema>)], bodies: Vec<String>) {
    let mut reached: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut queue = bodies;
    while let Some(name) = queue.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        let Some((_, schema)) = all.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let mut refs = Vec::new();
        collect_refs(&serde_json::to_value(schema).unwrap_or_default(), &mut refs);
        queue.extend(refs);
    }
    for (name, schema) in all.iter_mut() {
        if let (true, RefOr::T(Schema::Object(object))) = (reached.contains(name), schema) {
            if object.schema_type == SchemaType::Type(Type::Object) {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

pub(super) fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => out.push(component_of(r).to_owned()),
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
