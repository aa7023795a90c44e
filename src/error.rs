//! `ApiError`: every way a request can fail, grouped by who is at fault, rendered as RFC 9457
//! `application/problem+json`.
//!
//! * caller errors — 400 with one entry per bad field, 401 (no or malformed `Authorization`),
//!   404/405 from the router, 413/415 for bodies;
//! * upstream answers mapped to ours — Diadoc's 400/401/402/403/404/409 pass through with the
//!   upstream's status, `X-Diadoc-ErrorCode`, `X-Kontur-Trace-Id` and plain-text message
//!   (reference/diadoc/api.md, "Errors");
//! * upstream unavailable — a 5xx, an unusable reply or a transport failure becomes 502, a timeout 504;
//! * internal — 500 with no detail in the body (the cause goes to the log only).
//!
//! Lower layers return their own narrow errors (`UpstreamError`, `edi_transcode::TranscodeError`);
//! `From` turns them into `ApiError` here, at the boundary.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use edi_transcode::{FieldProblem, TranscodeError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::upstream::{CredentialProblem, CredentialUnavailable, UpstreamError, UpstreamFailure};

/// The media type of every error body (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Everything a request can fail with. Rendered by [`IntoResponse`].
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    // === caller at fault ===
    /// Path, query, header or body fields failed validation; one entry per problem.
    #[error("invalid request: {} problem(s)", .0.len())]
    Invalid(Vec<FieldProblem>),
    /// No usable `Authorization: Bearer …` header.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The body is larger than this many bytes (declared or sent); refused before parsing.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// The body is not JSON (`Content-Type`).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// No route for this path.
    #[error("not found")]
    NotFound,
    /// A route exists, but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// `Accept` names no media type this route can answer with; the offered ones are listed.
    #[error("not acceptable")]
    NotAcceptable(Vec<&'static str>),
    /// EDIN wants a captcha for this user, which only its web UI can show.
    #[error("captcha required")]
    CaptchaRequired,
    /// A feature the operator has not configured (e.g. password login without a developer key).
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
    /// The gateway is at a configured bound (e.g. the most event streams open at once); try
    /// again later.
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// The client was too slow (a request body that stalled); the detail names what. 408, and
    /// the connection closes (`server.rs`).
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    /// hyper refused the request head before any handler saw it: 400 (malformed), 414 (target
    /// too long) or 431 (head too large); rewritten as a problem by `server.rs`.
    #[error("request head rejected ({0})")]
    HeadRejected(StatusCode),
    /// A CORS preflight from an origin the operator has not allowed (`EDI_GATEWAY_CORS_ORIGINS`;
    /// `edge.rs`).
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// Too many login attempts (`throttle.rs`): what was throttled (`"address"`, `"login"`) and
    /// the seconds until the next attempt is let through.
    #[error("too many login attempts per {what}")]
    TooManyLogins {
        /// What was throttled: the client's address or the login name.
        what: &'static str,
        /// Seconds until an attempt is let through again (`Retry-After`).
        retry_after: u64,
    },

    /// A managed client called a route of an upstream it holds no credential for (the clients
    /// file gives it only Diadoc, or only EDIN), or a route a managed client may not call.
    #[error("not for this client: {0}")]
    NotForClient(String),
    /// The caller's inbound limit (`limits.rs`): 429 with `Retry-After` and the `RateLimit`
    /// headers of its policy.
    #[error("too many requests from this client")]
    TooManyRequests {
        /// Seconds until a request is let through again.
        retry_after: u64,
        /// The `RateLimit-Policy` and `RateLimit` headers.
        headers: Vec<(axum::http::HeaderName, HeaderValue)>,
    },

    // === upstream answered with an error ===
    /// The upstream refused the call; its status decides ours (see [`UpstreamFailure::status`]).
    #[error("upstream answered {}", .0.status)]
    Upstream(UpstreamFailure),

    // === upstream unavailable ===
    /// The upstream could not be reached, failed (5xx), or sent something we cannot read.
    #[error("bad gateway: {0}")]
    BadGateway(String),
    /// A reply the gateway reads whole (a file of a long request) is larger than this many
    /// bytes (`download.rs`).
    #[error("upstream reply too large")]
    UpstreamTooLarge(usize),
    /// The upstream did not answer within the configured timeout.
    #[error("upstream timed out")]
    GatewayTimeout,
    /// A call that cannot be repeated safely (a POST without an `operationId`) got no answer:
    /// whether the upstream applied it is unknown, and it was not sent again. 504 after a
    /// timeout, else 502.
    #[error("outcome unknown (timed out: {timed_out})")]
    OutcomeUnknown {
        /// The upstream did not answer in time (else the connection failed).
        timed_out: bool,
    },

    /// Kontur's limits for this credential are in use and no slot came within the wait
    /// (`limits.rs`): 503 with `Retry-After`; nothing was sent upstream.
    #[error("upstream credential saturated")]
    UpstreamBusy {
        /// Seconds until a slot is likely.
        retry_after: u64,
    },
    /// A managed credential was refused upstream and renewed, but the call was not safe to
    /// repeat: 503 with `Retry-After: 1`; the caller sends it again.
    #[error("credential renewed; call not repeated")]
    CredentialRenewed,

    // === ours ===
    /// A defect on our side; the detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),

    // === upstream asks to come back later ===
    /// The upstream answered 429, or 503 with `Retry-After`: ours has its status (429 or 503),
    /// what it said, and `Retry-After` clamped to what the gateway emits
    /// (`upstream/retry_after.rs`).
    #[error("upstream asks to retry after {retry_after} s")]
    RetryLater {
        /// What the upstream said.
        failure: UpstreamFailure,
        /// The upstream's `Retry-After`, in seconds, as read (clamped when emitted).
        retry_after: u64,
    },
    /// A managed client's upstream credential is refused, or EDIN wants a captcha for it; the
    /// token broker backs off (`broker.rs`). 503 with `Retry-After`: the operator must act.
    #[error("credential unavailable: {}", .0.client)]
    CredentialUnavailable(Box<CredentialUnavailable>),
    /// The upstream's circuit breaker is open (`breaker.rs`): its last calls failed, and this
    /// one was not sent. 503 with `Retry-After` = what is left of the cool-down.
    #[error("{} circuit open", .service.name())]
    CircuitOpen {
        /// The upstream.
        service: crate::upstream::Service,
        /// Seconds until a call is let through again (at least 1).
        retry_after: u64,
    },
}

impl ApiError {
    /// A single-field validation problem.
    pub fn field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid(vec![problem(field, detail)])
    }

    /// Our HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::NotConfigured(_) => StatusCode::NOT_IMPLEMENTED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::HeadRejected(status) => *status,
            Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::TooManyLogins { .. } | Self::TooManyRequests { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::NotForClient(_) => StatusCode::FORBIDDEN,
            Self::UpstreamBusy { .. } | Self::CredentialRenewed => StatusCode::SERVICE_UNAVAILABLE,
            Self::CaptchaRequired => StatusCode::FORBIDDEN,
            Self::Upstream(f) => f.status(),
            Self::BadGateway(_) | Self::UpstreamTooLarge(_) => StatusCode::BAD_GATEWAY,
            Self::GatewayTimeout => StatusCode::GATEWAY_TIMEOUT,
            Self::OutcomeUnknown { timed_out: true } => StatusCode::GATEWAY_TIMEOUT,
            Self::OutcomeUnknown { timed_out: false } => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::RetryLater { failure, .. } if failure.status == 429 => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::RetryLater { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::CredentialUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::CircuitOpen { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn slug_title_detail(&self) -> (&'static str, &'static str, String) {
        match self {
            Self::Invalid(p) => (
                "invalid-request",
                "Invalid request",
                match p.as_slice() {
                    [one] if one.field.is_empty() => one.detail.clone(),
                    [one] => format!("{}: {}", one.field, one.detail),
                    many => format!("{} fields are invalid; see errors", many.len()),
                },
            ),
            Self::Unauthorized(why) => ("unauthorized", "Unauthorized", (*why).to_owned()),
            Self::PayloadTooLarge(max) => (
                "payload-too-large",
                "Content too large",
                format!("the body (Content-Length, or the bytes sent) must be at most {max} bytes"),
            ),
            Self::UnsupportedMediaType => (
                "unsupported-media-type",
                "Unsupported media type",
                "send the body as application/json: the Content-Type header must name it (or a +json type)"
                    .to_owned(),
            ),
            Self::NotFound => ("not-found", "Not found", "no such route".to_owned()),
            Self::MethodNotAllowed => (
                "method-not-allowed",
                "Method not allowed",
                "this route does not take that method".to_owned(),
            ),
            Self::NotAcceptable(offered) => (
                "not-acceptable",
                "Not acceptable",
                format!("this route answers with {}", offered.join(" or ")),
            ),
            Self::CaptchaRequired => (
                "captcha-required",
                "Captcha required",
                "EDIN asks for a captcha for this user: log in once in the EDIN web UI \
                 (https://doc.edin.ua), then create the session here again"
                    .to_owned(),
            ),
            Self::NotConfigured(what) => ("not-configured", "Not configured", (*what).to_owned()),
            Self::Unavailable(why) => ("unavailable", "Service unavailable", (*why).to_owned()),
            Self::RequestTimeout(what) => ("request-timeout", "Request timeout", what.clone()),
            Self::HeadRejected(status) => match *status {
                StatusCode::URI_TOO_LONG => (
                    "uri-too-long",
                    "URI too long",
                    "the request target (path and query) is longer than 65534 bytes".to_owned(),
                ),
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
                    "request-header-fields-too-large",
                    "Request header fields too large",
                    format!(
                        "the request head is too large: at most {} header lines and {} bytes",
                        crate::server::MAX_HEADERS,
                        crate::server::MAX_HEAD_BYTES
                    ),
                ),
                _ => (
                    "malformed-request",
                    "Bad request",
                    "the request is not well-formed HTTP/1.1: its request line or a header \
                     line could not be parsed"
                        .to_owned(),
                ),
            },
            Self::OriginNotAllowed => (
                "origin-not-allowed",
                "Origin not allowed",
                "Origin: this origin may not call the gateway from a browser (the operator's \
                 EDI_GATEWAY_CORS_ORIGINS)"
                    .to_owned(),
            ),
            Self::TooManyLogins { what, retry_after } => (
                "too-many-requests",
                "Too many requests",
                format!(
                    "too many login attempts for this {what}; try again in {retry_after} \
                     seconds (Retry-After)"
                ),
            ),
            Self::NotForClient(why) => ("not-for-this-client", "Forbidden", why.clone()),
            Self::TooManyRequests { retry_after, .. } => (
                "too-many-requests",
                "Too many requests",
                format!(
                    "this client's request rate is over its limit (RateLimit-Policy); try again \
                     in {retry_after} seconds (Retry-After)"
                ),
            ),
            Self::UpstreamBusy { retry_after } => (
                "upstream-limit",
                "Upstream limit in use",
                format!(
                    "Kontur's published limits for this upstream credential (requests at once and \
                     per second) are in use by other requests and no slot came within the wait; \
                     nothing was sent upstream: try again in {retry_after} seconds (Retry-After)"
                ),
            ),
            Self::CredentialRenewed => (
                "credential-renewed",
                "Credential renewed",
                "the upstream refused the gateway's credential for this client; the gateway \
                 renewed it, but this call is not safe to repeat automatically (not a GET and no \
                 Idempotency-Key), so it was not sent again: send it again"
                    .to_owned(),
            ),
            Self::Upstream(f) => (
                "upstream-error",
                "The upstream refused the request",
                f.message.clone(),
            ),
            // The detail of a transport failure can carry URLs; keep it generic for the caller.
            Self::BadGateway(_) => (
                "bad-gateway",
                "Bad gateway",
                "the upstream service failed or sent an unusable reply".to_owned(),
            ),
            Self::UpstreamTooLarge(max) => (
                "upstream-reply-too-large",
                "Bad gateway",
                format!("the upstream's reply is larger than the gateway's cap of {max} bytes"),
            ),
            Self::GatewayTimeout => (
                "gateway-timeout",
                "Gateway timeout",
                "the upstream service did not answer in time".to_owned(),
            ),
            Self::OutcomeUnknown { .. } => (
                "outcome-unknown",
                "Outcome unknown",
                "the upstream gave no answer to a call that cannot be repeated safely, so it was \
                 not sent again; it may or may not have been applied: read the current state \
                 before repeating the request"
                    .to_owned(),
            ),
            Self::Internal(_) => (
                "internal",
                "Internal error",
                "an unexpected error occurred".to_owned(),
            ),
            Self::RetryLater {
                failure,
                retry_after,
            } => (
                if failure.status == 429 {
                    "upstream-rate-limited"
                } else {
                    "upstream-unavailable"
                },
                "The upstream asks to retry later",
                format!(
                    "retry after {} seconds{}{}",
                    crate::upstream::retry_after::emit(*retry_after),
                    if failure.message.is_empty() {
                        ""
                    } else {
                        "; the upstream said: "
                    },
                    failure.message
                ),
            ),
            Self::CredentialUnavailable(c) => (
                "credential-unavailable",
                "The client's upstream credential is unavailable",
                credential_detail(c),
            ),
            Self::CircuitOpen {
                service,
                retry_after,
            } => (
                "upstream-circuit-open",
                "Upstream circuit open",
                format!(
                    "the gateway's recent calls to {} failed (no answer, timeouts or 5xx), so it \
                     sends none for a while; nothing was sent upstream: try again in \
                     {retry_after} seconds (Retry-After)",
                    service.name()
                ),
            ),
        }
    }
}

/// What the operator must do about a managed client's credential, and when the gateway tries
/// it again.
fn credential_detail(c: &CredentialUnavailable) -> String {
    let (client, secs) = (&c.client, c.retry_after);
    match c.reason {
        CredentialProblem::DiadocTokenRefused => format!(
            "the Diadoc credential of the managed client '{client}' was refused by the token \
             endpoint: its client_id or client_secret is wrong, or its refresh token was revoked \
             or has expired. The operator must put a working credential in the clients file \
             (a new refresh token is picked up on reload); the gateway tries again in {secs} seconds"
        ),
        CredentialProblem::DiadocLoginRefused => format!(
            "Diadoc refused the password login of the managed client '{client}' (its login or \
             password, or the gateway's developer key). The operator must fix it in the clients \
             file or the gateway's configuration; the gateway tries again in {secs} seconds"
        ),
        CredentialProblem::EdinCaptcha => format!(
            "EDIN asks for a captcha for the managed client '{client}': the operator must log in \
             once in EDIN's web UI (https://doc.edin.ua) with that client's e-mail and password; \
             the gateway does not try to log in again for {secs} seconds"
        ),
        CredentialProblem::EdinLoginRefused => format!(
            "EDIN refused the e-mail and password of the managed client '{client}'. The operator \
             must fix them in the clients file; the gateway does not try again for {secs} seconds"
        ),
    }
}

/// The one entry of an [`ApiError::OriginNotAllowed`] problem's `errors`: the header at fault.
static ORIGIN_PROBLEM: std::sync::LazyLock<[FieldProblem; 1]> = std::sync::LazyLock::new(|| {
    [problem(
        "Origin",
        "not one of the origins the operator allows (EDI_GATEWAY_CORS_ORIGINS)",
    )]
});

/// Builds one [`FieldProblem`] of kind `InvalidFormat`, the usual parameter complaint.
pub fn problem(field: impl Into<String>, detail: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        code: edi_transcode::ProblemCode::InvalidFormat,
        detail: detail.into(),
        allowed: None,
    }
}

/// The RFC 9457 body of every error. Its OpenAPI schema (`Problem`) is derived from this type.
#[derive(Serialize, ToSchema)]
#[schema(as = Problem, description = "RFC 9457 problem details.")]
pub(crate) struct Problem<'a> {
    /// A URI naming the kind of problem (`https://edi-gateway.dev/problems/<slug>`).
    #[serde(rename = "type")]
    #[schema(format = "uri")]
    kind: String,
    /// A short summary of the kind of problem.
    title: &'static str,
    /// The HTTP status.
    status: u16,
    /// What went wrong in this request.
    detail: String,
    // One entry per field, parameter or header at fault (400). A `//` comment: utoipa renders
    // a described inline field as an `allOf` with an object, which a string cannot satisfy.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(inline, required = false, nullable = false)]
    errors: Option<&'a [FieldProblem]>,
    // What the upstream said, when it refused the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(inline, required = false, nullable = false)]
    upstream: Option<&'a UpstreamFailure>,
}

/// Attached to the response so the logging middleware can record the cause (which never goes in
/// the body) inside the request span.
#[derive(Debug, Clone)]
pub struct LoggedError(pub std::sync::Arc<String>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.render()
    }
}

impl ApiError {
    /// The problem+json response for this error (by reference: single-flight waiters share one
    /// error).
    pub fn render(&self) -> Response {
        let status = self.status();
        let bytes = self.problem_body();
        let mut response = (status, bytes).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::RetryLater { retry_after, .. } = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::upstream::retry_after::emit(*retry_after)),
            );
        } else if let Self::CredentialUnavailable(c) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(c.retry_after.max(1)));
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        match self {
            Self::TooManyLogins { retry_after, .. } | Self::UpstreamBusy { retry_after } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            // Clamped like every upstream wait the gateway passes on (1..=60 s).
            Self::CircuitOpen { retry_after, .. } => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(crate::upstream::retry_after::emit(*retry_after)),
                );
            }
            Self::TooManyRequests {
                retry_after,
                headers,
            } => {
                let h = response.headers_mut();
                h.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
                for (name, value) in headers {
                    h.insert(name.clone(), value.clone());
                }
            }
            Self::CredentialRenewed => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
            .extensions_mut()
            .insert(LoggedError(std::sync::Arc::new(self.to_string())));
        response
    }

    /// The problem+json body alone (an event stream's `event: error` carries it).
    pub fn problem_body(&self) -> Vec<u8> {
        let status = self.status();
        let (slug, title, detail) = self.slug_title_detail();
        let body = Problem {
            kind: format!("https://edi-gateway.dev/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail,
            errors: match self {
                Self::Invalid(p) => Some(p),
                Self::OriginNotAllowed => Some(ORIGIN_PROBLEM.as_slice()),
                _ => None,
            },
            upstream: match self {
                Self::Upstream(f) | Self::RetryLater { failure: f, .. } => Some(f),
                Self::CredentialUnavailable(c) => c.upstream.as_ref(),
                _ => None,
            },
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl From<TranscodeError> for ApiError {
    fn from(e: TranscodeError) -> Self {
        match e {
            TranscodeError::Invalid(problems) => Self::Invalid(problems),
            // Bytes from the upstream that do not decode as the documented message.
            TranscodeError::Wire(why) => Self::BadGateway(format!("undecodable reply: {why}")),
            TranscodeError::UnknownMessage(name) => Self::Internal(format!("no message {name}")),
        }
    }
}

impl From<UpstreamError> for ApiError {
    fn from(e: UpstreamError) -> Self {
        match e {
            UpstreamError::Status(f) => Self::Upstream(f),
            UpstreamError::RateLimited(failure, retry_after) => Self::RetryLater {
                failure,
                retry_after,
            },
            UpstreamError::Timeout => Self::GatewayTimeout,
            UpstreamError::Transport(why) | UpstreamError::Unusable(why) => Self::BadGateway(why),
            UpstreamError::TooLarge(max) => Self::UpstreamTooLarge(max),
            UpstreamError::EdinSessionRejected => Self::Unauthorized(
                "the EDIN session has expired or is not known: log in again (POST /v1/edin/sessions)",
            ),
            UpstreamError::EdinLoginRefused => Self::Unauthorized("wrong e-mail or password"),
            UpstreamError::EdinCaptchaRequired => Self::CaptchaRequired,
            UpstreamError::Saturated(retry_after) => Self::UpstreamBusy { retry_after },
            UpstreamError::CredentialRenewed => Self::CredentialRenewed,
            UpstreamError::CredentialUnavailable(c) => Self::CredentialUnavailable(c),
            UpstreamError::CircuitOpen(service, retry_after) => Self::CircuitOpen {
                service,
                retry_after,
            },
        }
    }
}
