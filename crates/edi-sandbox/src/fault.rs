//! [`Fault`]: an answer the sandbox gives instead of handling a call, to play a broken
//! upstream or the proxy in front of it. Injected with `SandboxHandle::inject` /
//! `SandboxBuilder::inject` (and `fail_next`, the plain-text case); each fault answers one call,
//! whatever it is, before auth or routing, and the call is journaled with the fault's status.
//!
//! | constructor | what the client sees |
//! | --- | --- |
//! | [`Fault::text`] | `status`, a plain-text body (Diadoc's error format; `X-Diadoc-ErrorCode` on Diadoc paths) |
//! | [`Fault::html`] | `status`, `Content-Type: text/html`, a proxy's error page that names an internal host |
//! | [`Fault::garbage`] | 200 with bytes that decode neither as protobuf nor as JSON |
//! | [`Fault::redirect`] | 302 with `Location` |
//! | [`Fault::oversize`] | 200 with `bytes` bytes streamed in 64 KiB chunks, never held whole; [`Fault::declared`] adds the `Content-Length` |
//! | [`Fault::reset_mid_body`] | 200 with `Content-Length: 1 MiB`, 1 KiB of it, then the connection is dropped |
//! | [`Fault::hang`] | nothing at all, until the client gives up |
//!
//! Any of them takes extra headers ([`Fault::header`], [`Fault::retry_after`]: e.g. `0`,
//! `99999999999`, `-5` or an HTTP-date) and another status ([`Fault::with_status`]).

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

/// One injected answer. Build it with one of the constructors, then add headers.
#[derive(Debug, Clone)]
pub struct Fault {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: FaultBody,
}

/// What a fault's body is.
#[derive(Debug, Clone)]
pub(crate) enum FaultBody {
    /// Plain text, rendered like the upstream's own refusals.
    Text(String),
    /// These bytes, with this media type.
    Bytes(&'static str, Bytes),
    /// `bytes` bytes streamed; with `Content-Length` when `declared`.
    Oversize { bytes: u64, declared: bool },
    /// A declared length of `declared`, `sent` bytes of it, then an error that drops the
    /// connection.
    Reset { sent: usize, declared: u64 },
    /// No answer.
    Hang,
}

/// The page a proxy in front of the upstream might send: it names an internal host and port.
const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3 \
(upstream diadoc-api-7.prod.svc.cluster.local:8080, 10.12.0.7:8080)</center></body></html>\n";

/// Bytes that are neither protobuf (field 1 with wire type 7, which does not exist) nor JSON
/// nor UTF-8.
const GARBAGE: &[u8] = b"\x0f\xff\xfe\x00\x80garbage\x01\x02\x03";

/// One chunk of an oversize body.
static ZEROS: [u8; 64 * 1024] = [b'0'; 64 * 1024];

impl Fault {
    /// `status` with a plain-text `body` (what `fail_next` injects). An invalid status code
    /// becomes 500.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: FaultBody::Text(body.into()),
        }
    }

    /// `status` with an HTML error page, as a proxy sends it (`Content-Type: text/html`).
    pub fn html(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: FaultBody::Bytes("text/html", Bytes::from_static(HTML_PAGE.as_bytes())),
        }
    }

    /// 200 with bytes that decode neither as protobuf nor as JSON.
    pub fn garbage() -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: FaultBody::Bytes("application/x-protobuf", Bytes::from_static(GARBAGE)),
        }
    }

    /// 302 with `Location: location` and no body.
    pub fn redirect(location: impl Into<String>) -> Self {
        Self {
            status: 302,
            headers: vec![("location".to_owned(), location.into())],
            body: FaultBody::Text(String::new()),
        }
    }

    /// 200 with `bytes` bytes, streamed in 64 KiB chunks and never held in memory, without a
    /// `Content-Length` (chunked) unless [`Fault::declared`].
    pub fn oversize(bytes: u64) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: FaultBody::Oversize {
                bytes,
                declared: false,
            },
        }
    }

    /// An oversize fault that announces its length in `Content-Length` (no effect on others).
    #[must_use]
    pub fn declared(mut self) -> Self {
        if let FaultBody::Oversize { declared, .. } = &mut self.body {
            *declared = true;
        }
        self
    }

    /// 200 announcing 1 MiB (`Content-Length`), sending 1 KiB of it, then dropping the
    /// connection.
    pub fn reset_mid_body() -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: FaultBody::Reset {
                sent: 1024,
                declared: 1024 * 1024,
            },
        }
    }

    /// No answer at all: the call is journaled (status 0 stays), and the connection stays open
    /// until the client gives up.
    pub fn hang() -> Self {
        Self {
            status: 0,
            headers: Vec::new(),
            body: FaultBody::Hang,
        }
    }

    /// The same fault with another status (an invalid one becomes 500).
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Adds a header to the answer (an invalid name or value is skipped).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds `Retry-After: value`, sent as given (`"7"`, `"0"`, `"99999999999"`, `"-5"`, an
    /// HTTP-date, …).
    #[must_use]
    pub fn retry_after(self, value: impl Into<String>) -> Self {
        self.header("retry-after", value)
    }

    /// The status as a `StatusCode` (invalid → 500).
    pub(crate) fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The plain-text body, when the fault is one (rendered by the upstream's own refusal
    /// format, `server.rs`).
    pub(crate) fn text_body(&self) -> Option<&str> {
        match &self.body {
            FaultBody::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Whether the fault never answers.
    pub(crate) fn hangs(&self) -> bool {
        matches!(self.body, FaultBody::Hang)
    }

    /// The answer of a fault that is not plain text (`text_body` is `None`).
    pub(crate) fn render(&self) -> Response {
        let mut response = match &self.body {
            FaultBody::Text(t) => Response::new(Body::from(t.clone())),
            FaultBody::Bytes(media_type, bytes) => {
                let mut r = Response::new(Body::from(bytes.clone()));
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
                r
            }
            FaultBody::Oversize { bytes, declared } => {
                let total = *bytes;
                let chunks = futures_util::stream::unfold(0u64, move |sent| async move {
                    (sent < total).then(|| {
                        let n = (total - sent).min(ZEROS.len() as u64);
                        // `n` is at most 64 KiB.
                        let len = usize::try_from(n).unwrap_or(ZEROS.len());
                        let chunk: Result<Bytes, Infallible> =
                            Ok(Bytes::from_static(&ZEROS[..len]));
                        (chunk, sent + n)
                    })
                });
                let mut r = Response::new(Body::from_stream(chunks));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                if *declared {
                    r.headers_mut()
                        .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
                }
                r
            }
            FaultBody::Reset { sent, declared } => {
                let first = Bytes::from_static(&ZEROS[..(*sent).min(ZEROS.len())]);
                // The first part, then one yield (the server flushes what it has while the
                // body is pending, so the headers and the part reach the client), then the
                // error that drops the connection.
                let parts = futures_util::stream::unfold(0u8, move |step| {
                    let first = first.clone();
                    async move {
                        match step {
                            0 => Some((Ok(first.clone()), 1)),
                            1 => {
                                tokio::task::yield_now().await;
                                Some((
                                    Err(std::io::Error::new(
                                        std::io::ErrorKind::ConnectionReset,
                                        "edi-sandbox: injected reset mid-body",
                                    )),
                                    2,
                                ))
                            }
                            _ => None,
                        }
                    }
                });
                let mut r = Response::new(Body::from_stream(parts));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                r.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(*declared));
                r
            }
            FaultBody::Hang => Response::new(Body::empty()),
        };
        *response.status_mut() = self.status_code();
        self.add_headers(&mut response);
        response
    }

    /// Adds the fault's extra headers to `response` (replacing ones of the same name).
    pub(crate) fn add_headers(&self, response: &mut Response) {
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
    }
}
