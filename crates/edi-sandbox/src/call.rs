//! The parsed request a method sees, and its query-parameter rules. Parameter names match in any
//! case (ASP.NET binds them that way), and an empty value counts as absent: the C# SDK sends
//! `operationId=` with an empty value when it has none (api.md, PostTemplate).

use std::str::FromStr;

use axum::http::{HeaderMap, Method, header};
use bytes::Bytes;

use crate::reply::Refusal;
use crate::seed::is_guid;

/// One request, read in full.
#[derive(Debug)]
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Call {
    /// The first value of parameter `name`, if present and not empty.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// A required parameter: missing or empty is a 400 (api.md, 400 "a required parameter is
    /// missing").
    pub(crate) fn required(&self, name: &str) -> Result<&str, Refusal> {
        self.param(name)
            .ok_or_else(|| Refusal::bad_request(format!("Parameter '{name}' is required")))
    }

    /// A required GUID parameter (message, entity, organization ids), lower-cased.
    pub(crate) fn guid(&self, name: &str) -> Result<String, Refusal> {
        let value = self.required(name)?;
        if is_guid(value) {
            Ok(value.to_ascii_lowercase())
        } else {
            Err(Refusal::bad_request(format!(
                "Parameter '{name}' is not a valid identifier: '{value}'"
            )))
        }
    }

    /// An optional number; present but unparsable is a 400.
    pub(crate) fn number<T: FromStr>(&self, name: &str) -> Result<Option<T>, Refusal> {
        self.param(name)
            .map(|v| {
                v.trim().parse().map_err(|_| {
                    Refusal::bad_request(format!("Parameter '{name}' is not a valid number: '{v}'"))
                })
            })
            .transpose()
    }

    /// An optional boolean in either spelling: the docs write `true`/`false`, the C# SDK
    /// `True`/`False` (api.md, "Query-string conventions").
    pub(crate) fn flag(&self, name: &str) -> Result<Option<bool>, Refusal> {
        self.param(name)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(Refusal::bad_request(format!(
                    "Parameter '{name}' must be true or false: '{v}'"
                ))),
            })
            .transpose()
    }

    /// Whether the body is JSON (`Content-Type: application/json…`); protobuf otherwise, which is
    /// the default when there is no Content-Type (api.md, "Content negotiation").
    pub(crate) fn is_json(&self) -> bool {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(query: &[(&str, &str)]) -> Call {
        Call {
            method: Method::GET,
            path: "/".into(),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    #[test]
    fn names_match_in_any_case_and_empty_is_absent() {
        let c = call(&[("BoxId", "x"), ("operationId", "")]);
        assert_eq!(c.param("boxId"), Some("x"));
        assert_eq!(c.param("operationId"), None);
        assert!(c.required("operationId").is_err());
    }

    #[test]
    fn numbers_flags_and_guids_are_checked() {
        let c = call(&[("count", "12"), ("bad", "x"), ("b", "True"), ("id", "nope")]);
        assert_eq!(c.number::<u32>("count").ok().flatten(), Some(12));
        assert!(c.number::<u32>("bad").is_err());
        assert_eq!(c.flag("b").ok().flatten(), Some(true));
        assert!(c.guid("id").is_err());
        assert!(c.guid("missing").is_err());
    }
}
