//! Logging: `tracing` with an env filter (`RUST_LOG`), one span per request named by the route
//! id, and the cause of every error response (which never goes in the body) logged inside it.
//! `Authorization` and `Cookie` are marked sensitive before the trace layer runs (`app.rs`).

use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::Response;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, MakeSpan, OnResponse, TraceLayer};
use tracing::{Level, Span};

use crate::error::LoggedError;
use crate::routes::ROUTES;

/// Installs the global subscriber (called once, from `main`).
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// A span per request: method, the route id (not the raw path, which carries ids) and request id.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpan;

impl<B> MakeSpan<B> for RouteSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let matched = request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let route = ROUTES
            .iter()
            .find(|r| Some(r.path) == matched && r.method.method() == request.method())
            .map_or("-", |r| r.id);
        let request_id = request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), route, request_id)
    }
}

/// The trace layer with our span maker and response logger.
pub fn trace_layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RouteSpan, DefaultOnRequest, LogResponse> {
    TraceLayer::new_for_http()
        .make_span_with(RouteSpan)
        .on_response(LogResponse)
}

/// Logs each response (status and latency, as tower-http's default does) and the cause
/// attached to an error response by `ApiError::render`. Part of the trace layer rather than a
/// middleware of its own: no extra future per request.
#[derive(Debug, Clone, Copy)]
pub struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        DefaultOnResponse::new()
            .level(Level::INFO)
            .on_response(response, latency, span);
        if let Some(LoggedError(cause)) = response.extensions().get::<LoggedError>() {
            let status = response.status().as_u16();
            if response.status().is_server_error() {
                tracing::error!(status, cause = %cause, "request failed");
            } else {
                tracing::info!(status, cause = %cause, "request refused");
            }
        }
    }
}
