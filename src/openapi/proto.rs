//! OpenAPI schemas of Diadoc messages, derived from the prost-reflect descriptors under the
//! gateway's JSON conventions (the same ones `edi-transcode` applies):
//!
//! * one named component per message and per enum (`Diadoc.Counteragent`,
//!   `Diadoc.Documents.DocumentProtocol`), referenced by `$ref`, so generated clients get one type
//!   per message;
//! * camelCase property names (`edi_transcode::json_name`), proto2 `required` → `required`;
//! * enums as string enums of their value names (an unset proto2 enum reads as its first
//!   declared value, which the description says);
//! * 64-bit integers as decimal strings (`format: int64`), `bytes` as base64 (`format: byte`),
//!   `Diadoc.Api.Proto.Timestamp` as an RFC 3339 `date-time`;
//! * comments in the project's `.proto` files (source info kept by protox) as descriptions.

use std::collections::BTreeMap;

use prost_reflect::prost_types;
use prost_reflect::{Cardinality, EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor};
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};

/// The timestamp message, written as an RFC 3339 string.
const TIMESTAMP: &str = "Diadoc.Api.Proto.Timestamp";
/// Prefix of every Diadoc message's full name.
const PACKAGE: &str = "Diadoc.Api.Proto.";

/// The component name of a message or enum: `Diadoc.` + its name inside the package.
pub fn component_name(full_name: &str) -> String {
    format!(
        "Diadoc.{}",
        full_name.strip_prefix(PACKAGE).unwrap_or(full_name)
    )
}

/// Components collected while walking messages.
#[derive(Default)]
pub struct ProtoSchemas {
    /// Component name → schema.
    pub components: BTreeMap<String, RefOr<Schema>>,
}

impl std::fmt::Debug for ProtoSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtoSchemas")
            .field("components", &self.components.len())
            .finish()
    }
}

impl ProtoSchemas {
    /// A `$ref` to the message `name` of the pool, registering it and everything it reaches.
    pub fn message_ref(&mut self, name: &str) -> Option<RefOr<Schema>> {
        let desc = edi_proto::pool().get_message_by_name(name)?;
        Some(self.message(&desc))
    }

    fn message(&mut self, desc: &MessageDescriptor) -> RefOr<Schema> {
        if desc.full_name() == TIMESTAMP {
            return timestamp();
        }
        let name = component_name(desc.full_name());
        if !self.components.contains_key(&name) {
            // Placeholder first: messages may refer to themselves.
            self.components
                .insert(name.clone(), RefOr::T(Schema::default()));
            let mut object = ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(comment(desc.parent_file_descriptor_proto(), desc.path()));
            for field in desc.fields() {
                let json = edi_transcode::json_name(field.name());
                object = object.property(json.clone(), self.field(&field));
                if field.cardinality() == Cardinality::Required {
                    object = object.required(json);
                }
            }
            self.components.insert(name.clone(), object.build().into());
        }
        Ref::from_schema_name(name).into()
    }

    fn field(&mut self, field: &FieldDescriptor) -> RefOr<Schema> {
        let one = self.kind(&field.kind());
        // A declared `[default = …]` is what an unset field reads as (proto2).
        let default = field
            .field_descriptor_proto()
            .default_value
            .as_deref()
            .map(|d| format!("Unset, it reads as `{d}`."));
        let text = match (comment_of(field), default) {
            (Some(c), Some(d)) => Some(format!("{c} {d}")),
            (c, d) => c.or(d),
        };
        let described = describe(one, text);
        if field.is_list() {
            ArrayBuilder::new().items(described).build().into()
        } else {
            described
        }
    }

    fn kind(&mut self, kind: &Kind) -> RefOr<Schema> {
        match kind {
            Kind::Message(m) => self.message(m),
            Kind::Enum(e) => self.enumeration(e),
            Kind::String => scalar(Type::String, None, None),
            Kind::Bytes => scalar(Type::String, Some(KnownFormat::Byte), None),
            Kind::Bool => scalar(Type::Boolean, None, None),
            Kind::Double => scalar(Type::Number, Some(KnownFormat::Double), None),
            Kind::Float => scalar(Type::Number, Some(KnownFormat::Float), None),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                scalar(Type::Integer, Some(KnownFormat::Int32), None)
            }
            Kind::Uint32 | Kind::Fixed32 => ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(0))
                .maximum(Some(u32::MAX))
                .build()
                .into(),
            // JavaScript numbers lose digits past 2^53: 64-bit integers travel as strings.
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => scalar(
                Type::String,
                Some(KnownFormat::Int64),
                Some("^-?[0-9]{1,19}$"),
            ),
            Kind::Uint64 | Kind::Fixed64 => scalar(
                Type::String,
                Some(KnownFormat::Int64),
                Some("^[0-9]{1,20}$"),
            ),
        }
    }

    fn enumeration(&mut self, desc: &EnumDescriptor) -> RefOr<Schema> {
        let name = component_name(desc.full_name());
        if !self.components.contains_key(&name) {
            let values: Vec<String> = desc.values().map(|v| v.name().to_owned()).collect();
            let first = values.first().cloned().unwrap_or_default();
            let own = comment(desc.parent_file_descriptor_proto(), desc.path());
            let text = match own {
                Some(c) => format!("{c}\n\nUnset, it reads as `{first}` (proto2)."),
                None => format!("Unset, it reads as `{first}` (proto2)."),
            };
            let schema = ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(values))
                .description(Some(text))
                .build();
            self.components.insert(name.clone(), schema.into());
        }
        Ref::from_schema_name(name).into()
    }
}

fn timestamp() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some(
            "RFC 3339 UTC time with up to 7 fractional digits (Diadoc's .NET ticks).",
        ))
        .build()
        .into()
}

fn scalar(t: Type, format: Option<KnownFormat>, pattern: Option<&str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(t))
        .format(format.map(SchemaFormat::KnownFormat))
        .pattern(pattern)
        .build()
        .into()
}

/// Adds a description: on an inline schema directly; a `$ref` gets it as a sibling (allowed by
/// OpenAPI 3.1).
fn describe(schema: RefOr<Schema>, text: Option<String>) -> RefOr<Schema> {
    let Some(text) = text else {
        return schema;
    };
    match schema {
        RefOr::Ref(mut r) => {
            r.description = text;
            RefOr::Ref(r)
        }
        RefOr::T(Schema::Object(mut o)) => {
            o.description = Some(text);
            RefOr::T(Schema::Object(o))
        }
        other => other,
    }
}

fn comment_of(field: &FieldDescriptor) -> Option<String> {
    comment(
        field.parent_message().parent_file_descriptor_proto(),
        field.path(),
    )
}

/// The leading (or trailing) comment at `path` in the file's source info.
fn comment(file: &prost_types::FileDescriptorProto, path: &[i32]) -> Option<String> {
    let location = file
        .source_code_info
        .as_ref()?
        .location
        .iter()
        .find(|l| l.path == path)?;
    let text = location
        .leading_comments
        .as_deref()
        .or(location.trailing_comments.as_deref())?;
    let text = text
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_components_follow_the_json_conventions() {
        let mut s = ProtoSchemas::default();
        let r = s
            .message_ref(edi_proto::names::DOCUMENT_PROTOCOL)
            .expect("known");
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(
            json["$ref"],
            "#/components/schemas/Diadoc.Documents.DocumentProtocol"
        );
        let c =
            serde_json::to_value(&s.components["Diadoc.Documents.DocumentProtocol"]).expect("json");
        assert_eq!(c["required"], serde_json::json!(["printForm", "signature"]));
        assert_eq!(c["properties"]["printForm"]["format"], "byte");
        // Comments in proto/*.proto (tools/proto-comments.json) become descriptions.
        assert_eq!(
            c["properties"]["printForm"]["description"],
            "The protocol as a PDF (base64 in JSON)."
        );
        assert!(
            c["description"]
                .as_str()
                .is_some_and(|d| d.contains("delivery protocol"))
        );
    }

    #[test]
    fn int64_is_a_string_and_timestamps_are_date_times() {
        let mut s = ProtoSchemas::default();
        s.message_ref(edi_proto::names::TEMPLATE).expect("known");
        let t = serde_json::to_value(&s.components["Diadoc.Events.Template"]).expect("json");
        assert_eq!(t["properties"]["timestampTicks"]["type"], "string");
        assert_eq!(t["properties"]["timestampTicks"]["format"], "int64");
        let lock = serde_json::to_value(&s.components["Diadoc.LockMode"]).expect("json");
        assert_eq!(lock["type"], "string");
        assert!(lock["enum"].as_array().is_some_and(|v| !v.is_empty()));
    }
}
