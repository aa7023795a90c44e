//! The label sets of the metrics: every value comes from a closed set (the route table, the
//! upstreams, status codes, the clients file), never from a request.

use std::fmt::Write as _;

use axum::http::Method;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};

use crate::upstream::UpstreamError;

/// `route` (a route id, or an operational endpoint's name).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RouteLabels {
    pub(super) route: &'static str,
}

/// `route`, `status`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RequestLabels {
    pub(super) route: &'static str,
    pub(super) status: u16,
}

/// `upstream`, `method`, `path`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct CallLabels {
    pub(super) upstream: Upstream,
    pub(super) method: &'static str,
    pub(super) path: &'static str,
}

/// `upstream`, `method`, `path`, `status`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct UpstreamLabels {
    pub(super) upstream: Upstream,
    pub(super) method: &'static str,
    pub(super) path: &'static str,
    pub(super) status: Status,
}

/// `client`, `upstream`, `kind`, `outcome`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct TokenLabels {
    pub(super) client: String,
    pub(super) upstream: Upstream,
    pub(super) kind: TokenKind,
    pub(super) outcome: &'static str,
}

/// `upstream` alone (the circuit breakers).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct BreakerLabels {
    pub(super) upstream: Upstream,
}

/// Which upstream a call went to.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub(crate) enum Upstream {
    Diadoc,
    Edin,
}

impl EncodeLabelValue for Upstream {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        encoder.write_str(match self {
            Self::Diadoc => "diadoc",
            Self::Edin => "edin",
        })
    }
}

/// An upstream call's outcome: the HTTP status it answered, `timeout`, `error` (no answer:
/// connecting or talking failed), or `other` (an answer refused for what it said: EDIN's
/// rejected session or login, a reply too large or unusable).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub(crate) enum Status {
    Code(u16),
    Timeout,
    Transport,
    Other,
}

impl Status {
    /// The outcome of a call that failed.
    pub(crate) fn of_error(e: &UpstreamError) -> Self {
        match e {
            UpstreamError::Status(f) | UpstreamError::RateLimited(f, _) => Self::Code(f.status),
            UpstreamError::Timeout => Self::Timeout,
            UpstreamError::Transport(_) => Self::Transport,
            _ => Self::Other,
        }
    }

    /// The outcome of a call: its status, or its error's.
    pub(crate) fn of<T>(result: &Result<T, UpstreamError>, status: impl Fn(&T) -> u16) -> Self {
        match result {
            Ok(reply) => Self::Code(status(reply)),
            Err(e) => Self::of_error(e),
        }
    }
}

impl EncodeLabelValue for Status {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        match self {
            Self::Code(code) => write!(encoder, "{code}"),
            Self::Timeout => encoder.write_str("timeout"),
            Self::Transport => encoder.write_str("error"),
            Self::Other => encoder.write_str("other"),
        }
    }
}

/// Whether a managed client's token was fetched with none held, or replaced one (before it
/// expired, or after the upstream refused it).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Fetch,
    Refresh,
}

impl TokenKind {
    /// `Refresh` when a token was held, else `Fetch`.
    pub(crate) fn of(held: bool) -> Self {
        if held { Self::Refresh } else { Self::Fetch }
    }
}

impl EncodeLabelValue for TokenKind {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        encoder.write_str(match self {
            Self::Fetch => "fetch",
            Self::Refresh => "refresh",
        })
    }
}

/// An HTTP method as a label (the upstreams are called with these only).
pub(super) fn method(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
