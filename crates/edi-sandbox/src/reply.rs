//! What a method answers, and the one place that turns it into an HTTP response.
//!
//! * [`Reply`]: success — a protobuf body, a plain-text body (Authenticate's token), or "not
//!   ready yet": a 2xx with `Retry-After` and no body (api.md, "Retry-After, per method").
//! * [`Refusal`]: an error, typed by cause. api.md, "Errors": the body is plain UTF-8 text, never
//!   JSON; the C# SDK also reads an `X-Diadoc-ErrorCode` header whose values are not documented.
//!   The sandbox's choice: `Http.<ReasonPhrase>` codes (`Http.Unauthorized`, `Http.Forbidden`, …)
//!   derived from the status, so a client can log them but needs nothing more than the status.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// A successful answer.
#[derive(Debug)]
pub(crate) enum Reply {
    /// 200 with a protobuf message.
    Proto(Vec<u8>),
    /// 200 with plain UTF-8 text.
    Text(String),
    /// The operation is not finished: `status` (200 or 204), `Retry-After: seconds`, no body.
    Pending {
        status: StatusCode,
        retry_after: u64,
    },
    /// "Not ready" with a body: 200, `Retry-After: seconds` and a protobuf message (api.md,
    /// GenerateDocumentZip: the C# SDK parses the body of a pending answer).
    PendingProto { retry_after: u64, body: Vec<u8> },
    /// 200 with a file's raw bytes (not protobuf): its media type, an optional
    /// `Content-Disposition`, and the bytes (`files.rs`).
    File {
        content_type: &'static str,
        disposition: Option<String>,
        body: crate::diadoc::files::FileBody,
    },
}

/// Why a request was refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// 400: malformed request, a missing or bad parameter, an undecodable body.
    BadRequest(String),
    /// 401: no or bad credentials (api.md, "Status codes shared by most methods").
    Unauthorized(&'static str),
    /// 403: the box is not the user's, or the method is not allowed for it.
    Forbidden(String),
    /// 404: no such path, or no such resource in the box.
    NotFound(String),
    /// 405: a known path with another HTTP method; carries the allowed method.
    MethodNotAllowed(&'static str),
    /// 409: a method-specific conflict.
    Conflict(String),
    /// An answer injected with `fail_next`.
    Injected(StatusCode, String),
    /// 429: over Kontur's per-token limits (`limits.rs`); `Retry-After` in whole seconds.
    TooManyRequests {
        retry_after: u64,
        text: &'static str,
    },
}

impl Refusal {
    pub(crate) fn bad_request(text: impl Into<String>) -> Self {
        Self::BadRequest(text.into())
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Injected(status, _) => *status,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    pub(crate) fn text(&self) -> String {
        match self {
            Self::BadRequest(t)
            | Self::Forbidden(t)
            | Self::NotFound(t)
            | Self::Conflict(t)
            | Self::Injected(_, t) => t.clone(),
            Self::Unauthorized(t) | Self::TooManyRequests { text: t, .. } => (*t).to_owned(),
            Self::MethodNotAllowed(allowed) => {
                format!("The requested resource does not support this HTTP method; use {allowed}")
            }
        }
    }
}

/// The `X-Diadoc-ErrorCode` for an error status (our naming; api.md: values undocumented).
fn error_code(status: StatusCode) -> String {
    let reason = status.canonical_reason().unwrap_or("Error");
    let words: String = reason
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    format!("Http.{words}")
}

/// Renders a method's outcome as an HTTP response (without the trace id; `server.rs` adds it).
pub(crate) fn render(outcome: Result<Reply, Refusal>) -> Response {
    match outcome {
        // api.md, "Content negotiation": the Content-Type the server puts on protobuf is UNKNOWN
        // (the SDK sends and expects none). The sandbox's choice: `application/x-protobuf`, the
        // value one third-party client sends and that is known to be tolerated.
        Ok(Reply::Proto(bytes)) => response(StatusCode::OK, "application/x-protobuf", bytes),
        Ok(Reply::Text(text)) => response(StatusCode::OK, TEXT, text.into_bytes()),
        Ok(Reply::Pending {
            status,
            retry_after,
        }) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = status;
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            r
        }
        Ok(Reply::PendingProto { retry_after, body }) => {
            let mut r = response(StatusCode::OK, "application/x-protobuf", body);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            r
        }
        Ok(Reply::File {
            content_type,
            disposition,
            body,
        }) => crate::diadoc::files::render(content_type, disposition, body),
        Err(refusal) => {
            let status = refusal.status();
            let mut r = response(status, TEXT, refusal.text().into_bytes());
            if status.is_client_error() || status.is_server_error() {
                if let Ok(code) = HeaderValue::from_str(&error_code(status)) {
                    r.headers_mut().insert("x-diadoc-errorcode", code);
                }
            }
            if let Refusal::MethodNotAllowed(allowed) = refusal {
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allowed));
            }
            if let Refusal::TooManyRequests { retry_after, .. } = refusal {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            r
        }
    }
}

const TEXT: &str = "text/plain; charset=utf-8";

fn response(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_name_the_status() {
        assert_eq!(error_code(StatusCode::UNAUTHORIZED), "Http.Unauthorized");
        assert_eq!(
            error_code(StatusCode::METHOD_NOT_ALLOWED),
            "Http.MethodNotAllowed"
        );
        assert_eq!(
            error_code(StatusCode::INTERNAL_SERVER_ERROR),
            "Http.InternalServerError"
        );
        assert_eq!(
            error_code(StatusCode::from_u16(599).expect("valid")),
            "Http.Error"
        );
    }
}
