//! `AppState` (built once at start-up) and `build_router` (one axum route per table entry, all on
//! the one `dispatch` handler). `serve` (takes a bound listener, so tests can pass port 0) lives
//! in `server.rs` and is re-exported here.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, header};
use axum::routing::{MethodFilter, MethodRouter, on};
use edi_transcode::Transcoder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;

use crate::cache::PageCache;
use crate::config::Config;
use crate::error::ApiError;
use crate::exchange::Exchange;
use crate::polling::Poller;
use crate::routes::{Auth, ROUTES, Route, Verb};
use crate::upstream::diadoc::DiadocClient;
use crate::upstream::edin::EdinClient;

pub use crate::server::{serve, shutdown_signal};

/// The address of the client at the other end of the connection a request came on, as a
/// request extension (`serve` adds it). Behind a proxy this is the proxy's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// The most requests that wait at once for a slot of one upstream credential's limits; past it a
/// request is answered 503 at once (`limits.rs`).
const MAX_WAITERS_PER_CREDENTIAL: usize = 1000;

/// Shared, immutable state: one `Arc`, cloned into every request.
#[derive(Debug, Clone)]
pub struct AppState(Arc<App>);

/// What `AppState` holds.
#[derive(Debug)]
pub struct App {
    /// The configuration the gateway was started with.
    pub(crate) config: Config,
    /// Diadoc client (shared connection pool).
    pub(crate) diadoc: DiadocClient,
    /// EDIN bdoc client (same pool).
    pub(crate) edin: EdinClient,
    /// JSON ⇄ protobuf over the Diadoc descriptors, tables built once.
    pub(crate) transcoder: Transcoder,
    /// Per-caller page cache.
    pub(crate) cache: PageCache,
    /// Running polling loops of long requests, shared by identical concurrent calls.
    pub(crate) poller: Arc<Poller<Exchange>>,
    /// Organizations' boxes, looked up per caller (`boxes.rs`).
    pub(crate) boxes: crate::boxes::BoxCache,
    /// The (route, upstream path) pairs whose `Sunset` was logged (`sunset.rs`).
    pub(crate) sunsets: crate::sunset::SunsetLog,
    /// Event streams (`Accept: text/event-stream`): their shared pollers and their bound.
    pub(crate) feeds: crate::events::Feeds,
    /// Set when shutdown starts: held long requests answer 202 at once, event streams end
    /// (`server.rs`).
    pub(crate) drain: crate::server::Drain,
    /// CORS and security headers (`edge.rs`), built from the configuration.
    pub(crate) edge: crate::edge::EdgeLayer,
    /// Login attempts per login name and per client address (`throttle.rs`).
    pub(crate) throttle: crate::throttle::Throttle,
    /// The managed clients (`clients.rs`): the current snapshot of the clients file.
    pub(crate) clients: Arc<crate::clients::Registry>,
    /// The managed clients' upstream tokens and sessions (`broker.rs`).
    pub(crate) broker: crate::broker::Broker,
    /// Kontur's limits per upstream credential (`limits.rs`).
    pub(crate) upstream_limits: crate::limits::UpstreamLimits,
    /// Inbound limits per client (`limits.rs`).
    pub(crate) inbound: crate::limits::Inbound,
    /// A circuit breaker and a retry budget per upstream (`breaker.rs`).
    pub(crate) guards: crate::breaker::Guards,
    /// The Prometheus metrics and the readiness (`metrics.rs`).
    pub(crate) metrics: crate::metrics::Metrics,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    /// Builds the state: HTTP client, upstream clients, transcoder tables, cache.
    pub fn build(config: Config) -> anyhow::Result<Self> {
        let http =
            crate::upstream::http_client(config.connect_timeout(), config.request_timeout())?;
        let edin = EdinClient::new(http.clone(), &config.edin_url);
        let clients = crate::clients::Registry::from_config(&config).map_err(anyhow::Error::msg)?;
        let metrics = crate::metrics::Metrics::new();
        let broker = crate::broker::Broker::new(http.clone()).counting(metrics.tokens());
        let diadoc = DiadocClient::new(
            http,
            &config.diadoc_url,
            config.diadoc_auth,
            config.diadoc_client_id.clone(),
        );
        let cache = PageCache::new(
            config.cache_ttl(),
            config.cache_max_mb.saturating_mul(1024 * 1024),
        );
        let edge = crate::edge::EdgeLayer::new(&config).map_err(anyhow::Error::msg)?;
        let throttle = crate::throttle::Throttle::new(&config);
        Ok(Self(Arc::new(App {
            edge,
            throttle,
            clients,
            broker,
            upstream_limits: crate::limits::UpstreamLimits::new(MAX_WAITERS_PER_CREDENTIAL),
            inbound: crate::limits::Inbound::new(),
            guards: crate::breaker::Guards::new(&config),
            transcoder: Transcoder::new(edi_proto::pool()),
            diadoc,
            edin,
            cache,
            poller: Arc::new(Poller::new(config.poll_floor())),
            boxes: crate::boxes::BoxCache::default(),
            sunsets: crate::sunset::SunsetLog::default(),
            feeds: crate::events::Feeds::new(
                config.events_poll(),
                config.events_heartbeat(),
                config.events_max_streams,
            ),
            drain: crate::server::Drain::default(),
            metrics,
            config,
        })))
    }
}

impl AppState {
    /// Re-reads the clients file now, as SIGHUP does: on success the new clients are in force
    /// for requests that arrive from now on (requests in flight keep what they started with)
    /// and the number of clients is returned; on error the previous clients stay and the reason
    /// is returned (and logged).
    pub fn reload_clients(&self) -> Result<usize, String> {
        self.clients.reload().map(|outcome| outcome.clients)
    }
}

/// The router's filter for a route's method, matched exhaustively (no fallback).
fn method_filter(route: &Route) -> MethodFilter {
    match route.method {
        Verb::Get => MethodFilter::GET,
        Verb::Post => MethodFilter::POST,
        Verb::Put => MethodFilter::PUT,
        Verb::Delete => MethodFilter::DELETE,
        Verb::Patch => MethodFilter::PATCH,
        Verb::Options => MethodFilter::OPTIONS,
    }
}

/// Why `route` cannot be served with this configuration, if it cannot (its [`Auth`] needs what
/// the operator has not given).
fn unmet(route: &Route, state: &AppState) -> Option<&'static str> {
    match route.auth {
        Auth::DeveloperKey if !state.diadoc.has_client_id() => {
            Some("password login needs the gateway's developer key (EDI_GATEWAY_DIADOC_CLIENT_ID)")
        }
        Auth::DeveloperKey | Auth::CallerToken | Auth::None => None,
    }
}

/// `route` served by `handler` (one of `dispatch.rs`'s handlers).
fn mount<H, F>(route: &'static Route, handler: H) -> MethodRouter<AppState>
where
    H: Fn(AppState, &'static Route, Request) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = axum::response::Response> + Send + 'static,
{
    on(
        method_filter(route),
        move |State(state): State<AppState>, request: Request| handler(state, route, request),
    )
}

/// The router: every entry of [`ROUTES`] mounted on `dispatch` (`dispatch_long` for polling
/// routes), plus problem+json fallbacks and the middleware stack.
pub fn build_router(state: AppState) -> Router {
    // Entries that share a path (different methods) share one MethodRouter.
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for route in ROUTES {
        let route: &'static Route = route;
        // What a route needs from the configuration is checked here, once, not per request.
        let handler = if let Some(why) = unmet(route, &state) {
            tracing::warn!(route = route.id, "{why}: the route answers 501");
            // 501 naming what is missing; no upstream call.
            mount(route, move |_, _, _| async move {
                ApiError::NotConfigured(why).render()
            })
        } else if route.polling.is_long() {
            // Long routes get their own handler: its future is what thousands of waiting
            // requests hold, so it is not sized by the other routes' paths.
            mount(route, crate::dispatch::dispatch_long)
        } else {
            mount(route, crate::dispatch::dispatch)
        };
        match by_path.iter_mut().find(|(p, _)| *p == route.path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => by_path.push((route.path, handler)),
        }
    }
    let mut router = crate::openapi::router().merge(crate::metrics::router(&state));
    for (path, methods) in by_path {
        router = router.route(path, methods);
    }
    let request_id = HeaderName::from_static("x-request-id");
    let edge = state.edge.clone();
    router
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Requests by route and status (`metrics.rs`): after routing, so the route is known.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .with_state(state)
        // Innermost: a panic in a handler becomes a 500 problem (logged by the trace layer),
        // not a dropped connection.
        .layer(CatchPanicLayer::custom(panic_response))
        // CORS (a refused preflight never reaches a route) and the security headers of every
        // answer, the 500 of a panic included (`edge.rs`).
        .layer(edge)
        .layer(crate::telemetry::trace_layer())
        // Marked before the trace layer sees the request, so tokens never reach a log line.
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            crate::auth::API_KEY,
        ]))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // Outermost: a caller's X-Request-Id that is long or not plain is dropped, so the layer
        // above makes a UUID instead (`edge.rs`).
        .layer(crate::edge::RequestIdGuardLayer)
}

/// The answer to a request whose handler panicked: a 500 problem with no detail (the panic
/// message could carry anything; it is not logged either, as it may hold request data).
fn panic_response(_: Box<dyn std::any::Any + Send>) -> axum::response::Response {
    ApiError::Internal("a handler panicked".to_owned()).render()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use tower::ServiceExt;

    /// The layer `build_router` installs turns a panicking handler into a 500 problem.
    #[tokio::test]
    async fn a_panicking_handler_is_a_500_problem() {
        let router = axum::Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async {
                    let items: Vec<u8> = Vec::new();
                    // A defect, as a handler could have one.
                    #[allow(clippy::indexing_slicing)]
                    let first = items[0];
                    first.to_string()
                }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                super::panic_response,
            ));
        let response = router
            .oneshot(Request::get("/boom").body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            crate::error::PROBLEM_JSON
        );
    }
}
