//! Logging: `tracing` with an env filter (`RUST_LOG`), one span per request named by the route
//! id, and one line per request at `info` after the response (`request`: status, duration, the
//! last upstream call's status and Diadoc's `X-Kontur-Trace-Id`). The cause of every error
//! response (which never goes in the body) is logged inside the span too.
//! `Authorization` and `Cookie` are marked sensitive before the trace layer runs (`app.rs`).
//!
//! * Format (`EDI_GATEWAY_LOG_FORMAT`): `text`, coloured only when stdout is a terminal (and
//!   `NO_COLOR` is unset), or `json`: one object per line, the fields of the enclosing spans
//!   (`method`, `route`, `request_id`) flattened into it beside the event's own (`json.rs`).
//! * Upstream status and trace id reach the request line through a per-request note, a tokio
//!   task-local set around the request's future ([`NoteLayer`]) and written by the upstream
//!   clients ([`upstream_replied`]). Calls made by a task of its own (a long request's polling
//!   loop, an event stream's poller) are not noted: the line then has no upstream fields.
//! * W3C `traceparent`: a syntactically valid one from the caller (version `00`) is sent on
//!   unchanged on every Diadoc and EDIN call of the request ([`traceparent`]). With the cargo
//!   feature `otlp` and an OTLP endpoint configured, it is the parent of the request's span
//!   instead, and the upstream calls carry the request span's own context (`otlp.rs`).

mod json;
#[cfg(feature = "otlp")]
mod otlp;

use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Response, StatusCode};
use tower::Layer;
use tower::layer::util::Stack;
use tower_http::classify::{ServerErrorsAsFailures, ServerErrorsFailureClass, SharedClassifier};
use tower_http::trace::{MakeSpan, OnFailure, OnResponse, TraceLayer};
use tracing::{Span, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::error::LoggedError;
use crate::routes::ROUTES;

/// How log lines are written (`EDI_GATEWAY_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines; colour only on a terminal.
    #[default]
    Text,
    /// One JSON object per line, span fields flattened in.
    Json,
}

impl LogFormat {
    /// `EDI_GATEWAY_LOG_FORMAT` for the subcommands without a `Config` (`demo`, `sandbox`):
    /// `json` or text (anything else, or unset).
    pub fn from_env() -> Self {
        match std::env::var("EDI_GATEWAY_LOG_FORMAT") {
            Ok(v) if v.trim().eq_ignore_ascii_case("json") => Self::Json,
            _ => Self::Text,
        }
    }
}

/// Installs the global subscriber (called once, from `main`): the `RUST_LOG` filter (default
/// `info`), the OTLP exporter when built with `otlp` and configured, and the log lines on stdout.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let registry = tracing_subscriber::registry().with(filter);
    #[cfg(feature = "otlp")]
    let registry = registry.with(otlp::layer());
    let _ = registry
        .with(fmt_layer(format, colour, std::io::stdout))
        .try_init();
}

/// Flushes and stops the OTLP exporter, if one runs (call before the process exits; a no-op
/// otherwise).
pub fn shutdown() {
    #[cfg(feature = "otlp")]
    otlp::shutdown();
}

/// The layer that writes log lines in `format` to `writer`; colour escapes only when `colour`
/// (and only in `text`). Public so a test can capture exactly what the gateway writes.
pub fn fmt_layer<S, W>(
    format: LogFormat,
    colour: bool,
    writer: W,
) -> Box<dyn tracing_subscriber::Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Text => Box::new(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(colour)
                .with_writer(writer),
        ),
        LogFormat::Json => Box::new(
            tracing_subscriber::fmt::layer()
                .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
                .event_format(json::FlatJson)
                .with_writer(writer),
        ),
    }
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
        let span = tracing::info_span!("request", method = %request.method(), route, request_id);
        #[cfg(feature = "otlp")]
        otlp::set_parent(&span, request.headers());
        span
    }
}

/// The trace layer (span, request line, cause), inside the per-request note ([`NoteLayer`]).
pub type RequestLayer = Stack<
    TraceLayer<
        SharedClassifier<ServerErrorsAsFailures>,
        RouteSpan,
        (),
        LogResponse,
        (),
        (),
        LogFailure,
    >,
    NoteLayer,
>;

/// The trace layer with our span maker and response logger, wrapped in the per-request note.
/// tower-http logs nothing of its own: no "started" line, no second line for a 5xx.
pub fn trace_layer() -> RequestLayer {
    let trace = TraceLayer::new_for_http()
        .make_span_with(RouteSpan)
        .on_request(())
        .on_response(LogResponse)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(LogFailure);
    Stack::new(trace, NoteLayer)
}

/// Logs the request line (status, duration, the last upstream status and trace id) and the cause
/// attached to an error response by `ApiError::render`. Part of the trace layer rather than a
/// middleware of its own: no extra future per request.
#[derive(Debug, Clone, Copy)]
pub struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        let status = response.status().as_u16();
        if let Some(LoggedError(cause)) = response.extensions().get::<LoggedError>() {
            if response.status().is_server_error() {
                tracing::error!(status, cause = %cause, "request failed");
            } else {
                tracing::info!(status, cause = %cause, "request refused");
            }
        }
        let upstream = NOTE
            .try_with(|note| note.borrow().upstream.clone())
            .ok()
            .flatten();
        let (upstream_status, kontur_trace_id) = match upstream {
            Some(u) => (Some(u.status), u.trace_id),
            None => (None, None),
        };
        tracing::info!(
            status,
            duration_ms = latency.as_secs_f64() * 1000.0,
            upstream_status,
            kontur_trace_id = kontur_trace_id.as_deref(),
            "request"
        );
    }
}

/// Logs a response body that failed while streaming (a 5xx status is already on the request
/// line, with its cause).
#[derive(Debug, Clone, Copy)]
pub struct LogFailure;

impl OnFailure<ServerErrorsFailureClass> for LogFailure {
    fn on_failure(&mut self, failure: ServerErrorsFailureClass, latency: Duration, _span: &Span) {
        if let ServerErrorsFailureClass::Error(error) = failure {
            tracing::error!(
                duration_ms = latency.as_secs_f64() * 1000.0,
                error = %error,
                "response body failed"
            );
        }
    }
}

/// What a request's upstream calls left for its request line (opaque: the task-local of
/// [`NoteService`]'s future).
#[derive(Debug, Default)]
pub struct Note {
    /// The caller's `traceparent`, when syntactically valid.
    traceparent: Option<HeaderValue>,
    /// The last upstream reply.
    upstream: Option<UpstreamSeen>,
}

/// The status and Diadoc trace id of an upstream reply.
#[derive(Debug, Clone)]
struct UpstreamSeen {
    status: u16,
    trace_id: Option<String>,
}

tokio::task_local! {
    static NOTE: RefCell<Note>;
}

/// Called by the upstream clients (`upstream/diadoc.rs`, `upstream/edin.rs`) when a reply's
/// status is in: noted for the request line, with the trace id `trace_id` gives (called only
/// inside a request, so a polling loop pays nothing).
pub(crate) fn upstream_replied(status: StatusCode, trace_id: impl FnOnce() -> Option<String>) {
    let _ = NOTE.try_with(|note| {
        note.borrow_mut().upstream = Some(UpstreamSeen {
            status: status.as_u16(),
            trace_id: trace_id(),
        });
    });
}

/// The `traceparent` to send on an upstream call of the current request: the request span's
/// context when exported over OTLP, else the caller's own (valid) one unchanged, else none.
pub(crate) fn traceparent() -> Option<HeaderValue> {
    #[cfg(feature = "otlp")]
    if let Some(value) = otlp::current_traceparent() {
        return Some(value);
    }
    NOTE.try_with(|note| note.borrow().traceparent.clone())
        .ok()
        .flatten()
}

/// Whether `value` is a W3C `traceparent` of version `00`: `00-<32 hex>-<16 hex>-<2 hex>`, lower
/// case, neither id all zeros.
fn valid_traceparent(value: &[u8]) -> bool {
    let hex = |s: &[u8]| {
        s.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    };
    let nonzero = |s: &[u8]| s.iter().any(|b| *b != b'0');
    match value {
        [b'0', b'0', b'-', rest @ ..] if rest.len() == 52 => {
            let (trace, rest) = rest.split_at(32);
            let (dash1, rest) = rest.split_at(1);
            let (parent, rest) = rest.split_at(16);
            let (dash2, flags) = rest.split_at(1);
            hex(trace)
                && hex(parent)
                && hex(flags)
                && dash1 == b"-"
                && dash2 == b"-"
                && nonzero(trace)
                && nonzero(parent)
        }
        _ => false,
    }
}

/// Runs each request inside its [`Note`] (a task-local), with the caller's `traceparent` when
/// valid. Outside the trace layer, so the request line is written inside the note.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoteLayer;

impl<S> Layer<S> for NoteLayer {
    type Service = NoteService<S>;

    fn layer(&self, inner: S) -> NoteService<S> {
        NoteService(inner)
    }
}

/// The service of [`NoteLayer`].
#[derive(Debug, Clone)]
pub struct NoteService<S>(S);

impl<S, B> tower::Service<Request<B>> for NoteService<S>
where
    S: tower::Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = tokio::task::futures::TaskLocalFuture<RefCell<Note>, S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let mut values = request.headers().get_all("traceparent").iter();
        let traceparent = match (values.next(), values.next()) {
            (Some(one), None) if valid_traceparent(one.as_bytes()) => Some(one.clone()),
            _ => None,
        };
        let note = Note {
            traceparent,
            upstream: None,
        };
        NOTE.scope(RefCell::new(note), self.0.call(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_syntax_is_checked() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert!(valid_traceparent(ok.as_bytes()));
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
        ] {
            assert!(!valid_traceparent(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn log_format_is_read_from_its_variable_value() {
        use clap::ValueEnum;
        assert_eq!(LogFormat::from_str("json", true), Ok(LogFormat::Json));
        assert_eq!(LogFormat::from_str("text", true), Ok(LogFormat::Text));
        assert!(LogFormat::from_str("xml", true).is_err());
    }
}
