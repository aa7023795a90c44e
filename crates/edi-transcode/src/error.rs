//! What can go wrong while transcoding, sorted by who is at fault (STYLE.md §4).
//!
//! The caller's JSON being wrong is [`TranscodeError::Invalid`], with one [`FieldProblem`] per
//! problem so the gateway can answer 400 naming every field at once. Upstream bytes that don't
//! decode are [`TranscodeError::Wire`]; a message name missing from the pool is a bug in a route
//! table ([`TranscodeError::UnknownMessage`]). Rendering these as problem+json is the gateway's job.

use serde::Serialize;
use utoipa::ToSchema;

/// Why a transcoding call failed.
#[derive(Debug, thiserror::Error)]
pub enum TranscodeError {
    /// The caller's JSON does not fit the message; one entry per problem, in document order.
    #[error("the JSON does not match the message: {}", summary(.0))]
    Invalid(Vec<FieldProblem>),
    /// The upstream bytes don't decode as the message; the text says where and why.
    #[error("the protobuf bytes do not decode: {0}")]
    Wire(String),
    /// The message name is not in the descriptor pool (a programming error in a route table).
    #[error("message {0} is not in the descriptor pool")]
    UnknownMessage(String),
}

/// One problem with the caller's JSON.
// The gateway's problem+json schema is derived from this type (doc comments become the
// descriptions, so they are for API users): `field`, `code` and `detail` are required,
// `allowed` is optional and, when present, never `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Where: camelCase field names joined by `.`, `[i]` for array elements
    /// (`requests[0].documentId.messageId`); `""` for the document itself.
    pub field: String,
    // What kind of problem, for machines. (Not a `///` doc: utoipa would wrap the inlined enum
    // in an `allOf` with an object.)
    #[schema(inline)]
    pub code: ProblemCode,
    /// What is wrong, for people: `unknown value "Foo" for enum CounteragentStatus`.
    pub detail: String,
    /// The accepted enum value names, when the problem is about an enum.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false)]
    pub allowed: Option<Vec<String>>,
}

/// The kind of a [`FieldProblem`]; serialized in camelCase (`missingRequired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ProblemCode {
    /// A proto2 `required` field is absent (or `null`).
    MissingRequired,
    /// A key that names no field of the message.
    UnknownField,
    /// A string that is not one of the enum's value names.
    UnknownEnumValue,
    /// A JSON value of the wrong type (a number where a string belongs, …).
    WrongType,
    /// A number (or timestamp) outside what the field can hold.
    OutOfRange,
    /// A string of the right type but not in the expected syntax (base64, RFC 3339, integer).
    InvalidFormat,
    /// The same field given twice, e.g. as `totalCount` and as `TotalCount`.
    Duplicate,
    /// The body is not JSON at all (syntax error, trailing data).
    InvalidJson,
}

fn summary(problems: &[FieldProblem]) -> String {
    let mut text = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        if !p.field.is_empty() {
            text.push_str(&p.field);
            text.push_str(": ");
        }
        text.push_str(&p.detail);
    }
    text
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use utoipa::{PartialSchema, ToSchema};

    use super::*;

    /// Every variant; the `match` fails to compile when one is added without being listed.
    fn all_codes() -> Vec<ProblemCode> {
        use ProblemCode::*;
        let all = vec![
            MissingRequired,
            UnknownField,
            UnknownEnumValue,
            WrongType,
            OutOfRange,
            InvalidFormat,
            Duplicate,
            InvalidJson,
        ];
        for code in &all {
            match code {
                MissingRequired | UnknownField | UnknownEnumValue | WrongType | OutOfRange
                | InvalidFormat | Duplicate | InvalidJson => {}
            }
        }
        all
    }

    fn schema_json<T: PartialSchema>() -> Value {
        serde_json::to_value(T::schema()).expect("a schema serializes")
    }

    #[test]
    fn problem_code_schema_lists_the_values_serde_writes() {
        assert_eq!(ProblemCode::name(), "ProblemCode");
        let schema = schema_json::<ProblemCode>();
        let written: Vec<Value> = all_codes()
            .into_iter()
            .map(|c| serde_json::to_value(c).expect("serializes"))
            .collect();
        assert_eq!(
            written,
            [
                "missingRequired",
                "unknownField",
                "unknownEnumValue",
                "wrongType",
                "outOfRange",
                "invalidFormat",
                "duplicate",
                "invalidJson",
            ]
            .map(Value::from)
        );
        assert_eq!(schema["type"], "string", "{schema:#}");
        assert_eq!(schema["enum"], Value::Array(written), "{schema:#}");
    }

    #[test]
    fn field_problem_schema_matches_its_serialization() {
        assert_eq!(FieldProblem::name(), "FieldProblem");
        let schema = schema_json::<FieldProblem>();
        assert_eq!(schema["type"], "object", "{schema:#}");
        assert_eq!(
            schema["required"],
            json!(["field", "code", "detail"]),
            "{schema:#}"
        );
        let props = &schema["properties"];
        let mut names: Vec<&str> = props
            .as_object()
            .expect("properties")
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["allowed", "code", "detail", "field"], "{schema:#}");
        assert_eq!(
            schema["description"], "One problem with the caller's JSON.",
            "{schema:#}"
        );

        assert_eq!(props["field"]["type"], "string", "{schema:#}");
        assert_eq!(props["detail"]["type"], "string", "{schema:#}");
        // Inlined, so the problem schema is self-contained.
        assert_eq!(props["code"]["type"], "string", "{schema:#}");
        assert!(
            props["code"]["enum"]
                .as_array()
                .is_some_and(|e| e.contains(&json!("missingRequired"))),
            "{schema:#}"
        );
        // Present or absent, never null: `skip_serializing_if` drops `None`.
        assert_eq!(
            props["allowed"],
            json!({
                "type": "array",
                "items": { "type": "string" },
                "description": "The accepted enum value names, when the problem is about an enum."
            }),
            "{schema:#}"
        );
        // The doc comments are the descriptions.
        assert!(
            props["field"]["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("Where: camelCase field names joined by `.`")),
            "{schema:#}"
        );
        assert_eq!(
            props["detail"]["description"]
                .as_str()
                .map(|d| d.starts_with("What is wrong, for people")),
            Some(true),
            "{schema:#}"
        );

        // And what serde writes has exactly those keys.
        let problem = FieldProblem {
            field: "a".into(),
            code: ProblemCode::UnknownEnumValue,
            detail: "d".into(),
            allowed: None,
        };
        let written = serde_json::to_value(&problem).expect("serializes");
        assert_eq!(
            written,
            json!({"field": "a", "code": "unknownEnumValue", "detail": "d"})
        );
        let with_allowed = FieldProblem {
            allowed: Some(vec!["X".into()]),
            ..problem
        };
        let written = serde_json::to_value(&with_allowed).expect("serializes");
        assert_eq!(written["allowed"], json!(["X"]));
    }
}
