//! OpenTelemetry trace export over OTLP (cargo feature `otlp`): OTLP/HTTP with protobuf bodies,
//! sent by reqwest's blocking client with rustls from the SDK's batch thread — no `protoc`, no
//! OpenSSL, no gRPC stack. Configured by the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`
//! or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`,
//! `OTEL_TRACES_SAMPLER`, …); without an endpoint (or with `OTEL_SDK_DISABLED=true`) nothing
//! is exported and `traceparent` is passed through as without the feature.
//!
//! Each request span is exported; a caller's `traceparent` is its parent, and the upstream
//! calls carry the request span's context (W3C trace context).

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::{Span, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::registry::LookupSpan;

/// The provider, once the exporter runs (kept to flush it at exit).
static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Whether the standard variables ask for export.
fn configured() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let disabled =
        std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    !disabled && (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
}

/// The `tracing` layer that exports spans, when configured (`None` otherwise, or when the
/// exporter cannot be built: the reason goes to stderr, as logging is not up yet).
pub(super) fn layer<S>()
-> Option<tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    if !configured() {
        return None;
    }
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(exporter) => exporter,
        Err(e) => {
            eprintln!("OTLP trace export is off: {e}");
            return None;
        }
    };
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("edi-gateway");
    }
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    let tracer = provider.tracer("edi-gateway");
    let _ = PROVIDER.set(provider);
    Some(tracing_opentelemetry::layer().with_tracer(tracer))
}

/// Flushes the spans not yet sent and stops the exporter.
pub(super) fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.shutdown();
    }
}

/// Makes the caller's `traceparent` (if any) the parent of the request span.
pub(super) fn set_parent(span: &Span, headers: &HeaderMap) {
    if PROVIDER.get().is_none() || !headers.contains_key("traceparent") {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    let _ = span.set_parent(parent);
}

/// The current span's context as a `traceparent`, when spans are exported and there is one.
pub(super) fn current_traceparent() -> Option<HeaderValue> {
    PROVIDER.get()?;
    let context = Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = Traceparent(None);
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.0
}

/// Request headers as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// Keeps the `traceparent` the propagator writes (`tracestate` is not sent on).
struct Traceparent(Option<HeaderValue>);

impl Injector for Traceparent {
    fn set(&mut self, key: &str, value: String) {
        if key.eq_ignore_ascii_case("traceparent") {
            self.0 = HeaderValue::from_str(&value).ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    /// With spans exported, the caller's trace continues: the upstream `traceparent` keeps the
    /// caller's trace id and names the request span as the parent.
    #[test]
    fn the_request_span_continues_the_callers_trace_upstream() {
        const CALLER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let provider = SdkTracerProvider::builder().build();
        let tracer = provider.tracer("test");
        let _ = PROVIDER.set(provider);
        let subscriber =
            tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
        let mut headers = HeaderMap::new();
        headers.insert("traceparent", HeaderValue::from_static(CALLER));
        let sent = tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request");
            set_parent(&span, &headers);
            let _entered = span.enter();
            current_traceparent()
        })
        .expect("a traceparent");
        let sent = sent.to_str().expect("ascii");
        let parts: Vec<&str> = sent.split('-').collect();
        assert_eq!(parts.len(), 4, "{sent}");
        assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736", "{sent}");
        assert_ne!(parts[2], "00f067aa0ba902b7", "{sent}");
        assert_eq!(parts[3], "01", "{sent}");
    }
}
