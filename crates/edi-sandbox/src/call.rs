//! The parsed request a method sees, and its query-parameter rules. Parameter names match in any
//! case (ASP.NET binds them that way), and an empty value counts as absent: the C# SDK sends
//! `operationId=` with an empty value when it has none (api.md, PostTemplate).
//!
//! Also the two request parts only EDIN uses: `multipart/form-data` text fields (parsed with
//! `multer`, once, in `server.rs`, so the journal sees them too) and cookies.

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
    /// The text fields of a `multipart/form-data` body, in order; `None` when the body is not
    /// (valid) multipart.
    pub form: Option<Vec<(String, String)>>,
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

impl Call {
    /// The value of cookie `name` in the `Cookie` header(s), if any (see [`cookie_in`]).
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| cookie_in(v, name))
    }
}

/// The value of cookie `name` in one `Cookie` header value (`a=b; SID=…`): the first pair with
/// exactly that name (cookie names are case-sensitive, RFC 6265 §5.4).
pub(crate) fn cookie_in<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim())
}

/// The text fields of `body` when `headers` say it is `multipart/form-data` with a boundary;
/// `None` for any other body or a malformed one. Parts with a file name are files, not text
/// fields, and are skipped.
pub(crate) async fn form_fields(
    headers: &HeaderMap,
    body: &Bytes,
) -> Option<Vec<(String, String)>> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let boundary = multer::parse_boundary(content_type).ok()?;
    let chunk: Result<Bytes, std::convert::Infallible> = Ok(body.clone());
    let mut multipart = multer::Multipart::new(futures_util::stream::iter([chunk]), boundary);
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.ok()? {
        if field.file_name().is_some() {
            continue;
        }
        let name = field.name().unwrap_or_default().to_owned();
        fields.push((name, field.text().await.ok()?));
    }
    Some(fields)
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
            form: None,
        }
    }

    #[test]
    fn cookies_are_found_among_others() {
        assert_eq!(cookie_in("a=b; SID=xyz", "SID"), Some("xyz"));
        assert_eq!(cookie_in("SID=1;SID=2", "SID"), Some("1"));
        assert_eq!(cookie_in("sid=1; XSID=2", "SID"), None);
        assert_eq!(cookie_in("", "SID"), None);
    }

    #[tokio::test]
    async fn multipart_text_fields_are_read_in_order() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=XyZ".parse().expect("value"),
        );
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nt-1\r\n\
              --XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nfile\r\n\
              --XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n\xd0\xbf\r\n--XyZ--\r\n",
        );
        let fields = form_fields(&headers, &body).await.expect("multipart");
        assert_eq!(
            fields,
            [
                ("token".to_owned(), "t-1".to_owned()),
                ("password".to_owned(), "п".to_owned())
            ]
        );
        assert_eq!(
            form_fields(&headers, &Bytes::from_static(b"junk")).await,
            None
        );
        assert_eq!(form_fields(&HeaderMap::new(), &body).await, None);
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
