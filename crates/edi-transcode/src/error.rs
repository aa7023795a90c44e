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
