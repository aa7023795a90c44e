//! The HTTP side towards the upstreams: one shared reqwest client (rustls, pooled connections,
//! connect and request timeouts), the narrow [`UpstreamError`], and one module per upstream.
//!
//! What goes in (paths, query, bodies) is decided by the route table; this layer only adds the
//! upstream's own auth headers and turns its replies into bytes or [`UpstreamError`].

pub mod diadoc;
pub mod edin;
pub mod read;
pub mod redact;
pub mod retry_after;

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use serde::Serialize;
use utoipa::ToSchema;

/// The header the caller's request id goes upstream in (Diadoc and EDIN alike), so the
/// upstream's logs can be matched with ours.
pub(crate) const REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// A 2xx reply.
#[derive(Debug)]
pub struct UpstreamReply {
    /// 200 or 204.
    pub status: StatusCode,
    /// `Retry-After`, in whole seconds, when the upstream sent one (api.md: always an integer).
    pub retry_after: Option<u64>,
    /// The body as received.
    pub body: Bytes,
    /// Diadoc's `Sunset` / `Link: <…>; rel="sunset"` headers, when the method is deprecated
    /// (lifecycle.md §1.1); logged once per route (`sunset.rs`), never passed to callers.
    pub sunset: Option<diadoc::Sunset>,
    /// A file reply's own headers (`download.rs`); `None` for every other reply.
    pub file: Option<FileHeaders>,
}

/// What a file reply says about itself, read from the upstream's headers as sent (`download.rs`
/// decides what of it is safe to pass on).
#[derive(Debug, Clone, Default)]
pub struct FileHeaders {
    /// `Content-Type`.
    pub content_type: Option<http::HeaderValue>,
    /// `Content-Disposition`.
    pub disposition: Option<http::HeaderValue>,
    /// `Content-Length`.
    pub length: Option<u64>,
}

/// The upstream services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Kontur Diadoc (protobuf).
    Diadoc,
    /// EDIN bdoc (JSON with a session cookie).
    Edin,
}

impl Service {
    /// The name used in tags, logs and problem bodies.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Diadoc => "diadoc",
            Self::Edin => "edin",
        }
    }
}

/// What the upstream said when it refused a call.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamFailure {
    // Which upstream answered. (Not a `///` doc: utoipa would wrap the inlined enum in an
    // `allOf` with an object.)
    #[schema(inline)]
    pub service: Service,
    /// The upstream's HTTP status.
    pub status: u16,
    /// `X-Diadoc-ErrorCode`, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false)]
    pub error_code: Option<String>,
    /// `X-Kontur-Trace-Id`, when sent: quote it to the upstream's support.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false)]
    pub trace_id: Option<String>,
    /// The upstream's plain-text message (api.md: errors are UTF-8 text, not JSON).
    pub message: String,
}

impl UpstreamFailure {
    /// Our status for the upstream's: the caller's own problems (bad data, auth, access, missing
    /// resource, conflict, subscription) pass through; anything else means the upstream or our
    /// use of it is broken, which is a 502 for the caller.
    pub fn status(&self) -> StatusCode {
        match self.status {
            400 | 401 | 402 | 403 | 404 | 409 | 429 => {
                StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            _ => StatusCode::BAD_GATEWAY,
        }
    }
}

/// Why an upstream call did not produce a 2xx reply. `Clone`, so every waiter of a shared
/// attempt (the token broker's single flight, a shared lookup) gets the one failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream answered with a non-2xx status.
    #[error("upstream answered {}", .0.status)]
    Status(UpstreamFailure),
    /// No answer within the configured request timeout.
    #[error("upstream timed out")]
    Timeout,
    /// Connecting or talking to the upstream failed.
    #[error("upstream transport: {0}")]
    Transport(String),
    /// EDIN refused the session id (expired, logged out or unknown).
    #[error("EDIN session rejected")]
    EdinSessionRejected,
    /// EDIN's login refused the e-mail and password.
    #[error("EDIN login refused")]
    EdinLoginRefused,
    /// EDIN asks for a captcha for this user.
    #[error("EDIN captcha required")]
    EdinCaptchaRequired,
    /// The upstream answered 429 (with `Retry-After`, or [`retry_after::FALLBACK`] without),
    /// or 503 with `Retry-After` (seconds): the call was not processed, and may be sent again
    /// after that long (lifecycle.md §1.4: AcquireCounteragentResult V3). Our answer has the
    /// upstream's status and a clamped `Retry-After` (`retry_after::emit`).
    #[error("upstream rate limit, retry after {1} s")]
    RateLimited(UpstreamFailure, u64),
    /// No slot of this upstream credential came within the wait (Kontur's published limits,
    /// kept per credential by `limits.rs`): nothing was sent; retry after this many seconds.
    #[error("upstream credential saturated, retry after {0} s")]
    Saturated(u64),
    /// The upstream refused a managed client's credential (401); the gateway renewed it, but the
    /// call is not safe to repeat (not a GET, no `operationId`), so it was not sent again.
    #[error("managed credential renewed; the call was not repeated")]
    CredentialRenewed,
    /// The upstream answered 2xx with something we cannot use.
    #[error("unusable reply: {0}")]
    Unusable(String),
    /// A reply the gateway reads whole is larger than this many bytes (`download.rs`).
    #[error("upstream reply larger than {0} bytes")]
    TooLarge(usize),
    /// The token broker (`broker.rs`) will not use a managed client's credential for now: the
    /// upstream refused it, or EDIN asks for a captcha. The broker backs off instead of asking
    /// again; the caller gets 503 `credential-unavailable` with `Retry-After`.
    #[error("{} credential of client {:?} unavailable ({:?}), retry after {} s", .0.reason.service().name(), .0.client, .0.reason, .0.retry_after)]
    CredentialUnavailable(Box<CredentialUnavailable>),
    /// The upstream's circuit breaker is open (`breaker.rs`: its last calls failed): nothing
    /// was sent; retry after this many seconds (what is left of the cool-down).
    #[error("{} circuit open, retry after {} s", .0.name(), .1)]
    CircuitOpen(Service, u64),
}

/// Why, and for how long, the broker will not use a managed client's credential.
#[derive(Debug, Clone)]
pub struct CredentialUnavailable {
    /// The managed client's name (from the clients file; never a secret).
    pub client: String,
    /// What went wrong.
    pub reason: CredentialProblem,
    /// Seconds until the broker tries the credential again (`Retry-After`), at least 1.
    pub retry_after: u64,
    /// What the upstream said when it refused, redacted (`redact.rs`), when it said something.
    pub upstream: Option<UpstreamFailure>,
}

/// What the broker found wrong with a managed client's credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialProblem {
    /// The OpenID Connect token endpoint refused the refresh-token grant (a 4xx): the
    /// client_id/client_secret are wrong, or the refresh token is revoked or expired.
    DiadocTokenRefused,
    /// Diadoc's password login (Authenticate) refused the login, password or developer key.
    DiadocLoginRefused,
    /// EDIN asks for a captcha for this user, which only its web UI can show.
    EdinCaptcha,
    /// EDIN refused the e-mail and password.
    EdinLoginRefused,
}

impl CredentialProblem {
    /// The upstream the credential is for.
    pub const fn service(self) -> Service {
        match self {
            Self::DiadocTokenRefused | Self::DiadocLoginRefused => Service::Diadoc,
            Self::EdinCaptcha | Self::EdinLoginRefused => Service::Edin,
        }
    }
}

/// The refusal of a call: the failure as the caller may see it (redacted, `redact.rs`), and
/// for 429, or 503 with `Retry-After`, how long to wait (`retry_after.rs`).
pub(crate) fn refusal(
    service: Service,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &redact::Secrets,
) -> UpstreamError {
    let failure = UpstreamFailure {
        service,
        status: status.as_u16(),
        error_code: redact::header_token(headers, "x-diadoc-errorcode", secrets),
        trace_id: redact::header_token(headers, "x-kontur-trace-id", secrets),
        message: redact::message(body, headers, secrets),
    };
    let retry_after = retry_after::parse(headers);
    match (status, retry_after) {
        // lifecycle.md §1.4/§3: a 429 says when to retry; without a value, the fallback.
        (StatusCode::TOO_MANY_REQUESTS, secs) => {
            UpstreamError::RateLimited(failure, secs.unwrap_or(retry_after::FALLBACK))
        }
        // A 503 that says when to come back is temporary: the caller gets 503 + Retry-After.
        (StatusCode::SERVICE_UNAVAILABLE, Some(secs)) => UpstreamError::RateLimited(failure, secs),
        _ => UpstreamError::Status(failure),
    }
}

impl From<reqwest::Error> for UpstreamError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::Timeout
        } else {
            // `without_url` keeps query strings (ids, operation ids) out of logs and bodies.
            Self::Transport(e.without_url().to_string())
        }
    }
}

/// Builds the client every upstream shares, so connections are pooled per upstream host.
pub fn http_client(connect: Duration, request: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(connect)
        .timeout(request)
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent(concat!("edi-gateway/", env!("CARGO_PKG_VERSION")))
        // Neither upstream documents redirects; EDIN's web app may redirect an expired session
        // to its login page, which must read as "session rejected", not be followed.
        .redirect(reqwest::redirect::Policy::none())
        .build()
}
