//! The HTTP side towards the upstreams: one shared reqwest client (rustls, pooled connections,
//! connect and request timeouts), the narrow [`UpstreamError`], and one module per upstream.
//!
//! What goes in (paths, query, bodies) is decided by the route table; this layer only adds the
//! upstream's own auth headers and turns its replies into bytes or [`UpstreamError`].

pub mod diadoc;

use std::time::Duration;

use crate::error::UpstreamFailure;

/// Why an upstream call did not produce a 2xx reply.
#[derive(Debug, thiserror::Error)]
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
        .build()
}
