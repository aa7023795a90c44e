//! What an operator sees while the gateway runs: `/healthz`, `/readyz` and `/metrics`.
//!
//! * `/healthz`: 200 `{"status":"ok"}` while the process serves at all. Nothing else is checked.
//! * `/readyz`: 200 `{"status":"ready"}` once `serve` accepts connections, until the drain
//!   starts; otherwise a 503 `unavailable` problem with `Retry-After`. Upstream trouble does not
//!   make a replica unready: every replica shares the same upstreams, so an upstream outage
//!   would take every replica out of the load balancer at once and turn the gateway's own
//!   problem+json answers (503 with `Retry-After`, 502) into a load balancer's bare errors.
//!   Neither endpoint calls an upstream.
//! * `/metrics`: the Prometheus text exposition (OpenMetrics 1.0) of the one [`Metrics`] held in
//!   `AppState`, with `prometheus-client` (typed metrics, one registry owned by the state, no
//!   global recorder; `metrics` + `metrics-exporter-prometheus` would install a process-wide
//!   recorder, which the tests, running many gateways in one process, could not tell apart).
//!   With `EDI_GATEWAY_METRICS_LISTEN` set, `/metrics` is served only on that address
//!   ([`serve_metrics`], together with `/healthz` and `/readyz`, which stay up there while the
//!   public listener drains), and the public listener answers it 404.
//!
//! Labels are bounded: route ids (from the route table), upstream paths (the route table's
//! `&'static str`s), status codes, and managed clients' names (from the clients file). Never a
//! raw request path, a caller's token or a client's secret.
//!
//! The hot path pays for a counter and a histogram per request (a read-locked hash lookup
//! each); gauges of things that have their own count (cache entries and bytes, polling loops,
//! event streams, the limiter's queues) are read when scraped, not kept on the way.

mod labels;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::time::Instant;

use crate::app::AppState;
use crate::cache::CacheStatus;
use crate::error::ApiError;
use crate::routes::ROUTES;
use labels::{BreakerLabels, CallLabels, RequestLabels, RouteLabels, TokenLabels, UpstreamLabels};
pub(crate) use labels::{Status, TokenKind, Upstream};

/// Where the operational endpoints are served.
pub const HEALTHZ: &str = "/healthz";
/// Readiness.
pub const READYZ: &str = "/readyz";
/// The Prometheus exposition.
pub const METRICS: &str = "/metrics";

/// The exposition's content type (what `prometheus-client`'s text encoder writes).
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What a not-ready replica tells a prober to wait, in seconds.
const READY_RETRY_AFTER: &str = "5";

/// Latency buckets in seconds: from a cache hit (sub-millisecond) to a long request's longest
/// wait (two minutes).
const SECONDS_BUCKETS: [f64; 14] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 120.0,
];

fn seconds_histogram() -> Histogram {
    Histogram::new(SECONDS_BUCKETS)
}

/// Every metric of the gateway, and whether it is ready. One per `AppState`.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    /// `serve` accepts connections (set once, before its first `accept`).
    accepting: AtomicBool,
    /// Route ids by path template and method, for the request metrics.
    routes: HashMap<&'static str, Vec<(Method, &'static str)>>,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
    upstream: Family<UpstreamLabels, Counter>,
    upstream_seconds: Family<CallLabels, Histogram, fn() -> Histogram>,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_entries: Gauge,
    cache_bytes: Gauge,
    long_held: Gauge,
    polling_loops: Gauge,
    streams_open: Gauge,
    tokens: Tokens,
    limiter_queued: Gauge,
    limiter_in_flight: Gauge,
    limiter_wait: Histogram,
    streamed_bytes: Counter,
    circuits: Family<BreakerLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric at zero, registered under `edi_gateway_`.
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("edi_gateway");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route id and status",
            requests.clone(),
        );
        let request_seconds =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                seconds_histogram,
            );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by route id",
            request_seconds.clone(),
        );
        let upstream = Family::<UpstreamLabels, Counter>::default();
        registry.register(
            "upstream_requests",
            "Upstream calls, by upstream, method, upstream path and status (error: no answer)",
            upstream.clone(),
        );
        let upstream_seconds =
            Family::<CallLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                seconds_histogram,
            );
        registry.register(
            "upstream_request_duration_seconds",
            "Upstream call time to the reply head, by upstream, method and upstream path",
            upstream_seconds.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let counter = |registry: &mut Registry, name: &str, help: &str| {
            let c = Counter::default();
            registry.register(name, help, c.clone());
            c
        };
        let cache_hits = counter(&mut registry, "cache_hits", "Pages served from the cache");
        let cache_misses = counter(
            &mut registry,
            "cache_misses",
            "Cacheable pages fetched from the upstream",
        );
        let cache_entries = gauge(&mut registry, "cache_entries", "Pages in the cache");
        let cache_bytes = gauge(
            &mut registry,
            "cache_weighted_bytes",
            "Body bytes of the pages in the cache (its weighted size)",
        );
        let long_held = gauge(
            &mut registry,
            "long_requests_held",
            "Long requests waiting for their upstream result now",
        );
        let polling_loops = gauge(
            &mut registry,
            "polling_loops",
            "Polling loops running now (shared by identical long requests)",
        );
        let streams_open = gauge(&mut registry, "sse_streams_open", "Event streams open now");
        let tokens = Tokens::default();
        registry.register(
            "token_fetches",
            "Managed clients' upstream tokens and sessions asked for, by client name, upstream, \
             kind (fetch: none held; refresh: replacing one) and outcome",
            tokens.0.clone(),
        );
        let limiter_queued = gauge(
            &mut registry,
            "limiter_queued",
            "Requests waiting for a slot of a Diadoc credential's limits now",
        );
        let limiter_in_flight = gauge(
            &mut registry,
            "limiter_in_flight",
            "Slots of Diadoc credentials' limits held now",
        );
        let limiter_wait = seconds_histogram();
        registry.register(
            "limiter_wait_seconds",
            "Time waited for a slot of a Diadoc credential's limits (granted or not)",
            limiter_wait.clone(),
        );
        let streamed_bytes = counter(
            &mut registry,
            "streamed_bytes",
            "File bytes streamed from the upstream to callers",
        );
        let circuits = Family::<BreakerLabels, Gauge>::default();
        registry.register(
            "circuit_state",
            "Each upstream's circuit breaker: 0 closed, 1 half-open (one probe), 2 open",
            circuits.clone(),
        );
        let mut routes: HashMap<&'static str, Vec<(Method, &'static str)>> = HashMap::new();
        for route in ROUTES {
            routes
                .entry(route.path)
                .or_default()
                .push((route.method.method(), route.id));
        }
        Self {
            registry,
            accepting: AtomicBool::new(false),
            routes,
            requests,
            request_seconds,
            upstream,
            upstream_seconds,
            cache_hits,
            cache_misses,
            cache_entries,
            cache_bytes,
            long_held,
            polling_loops,
            streams_open,
            tokens,
            limiter_queued,
            limiter_in_flight,
            limiter_wait,
            streamed_bytes,
            circuits,
        }
    }

    /// `serve` accepts connections from now on (the replica is ready unless draining).
    pub(crate) fn accepting(&self) {
        self.accepting.store(true, Ordering::Release);
    }

    /// One request answered.
    fn request(&self, route: &'static str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
        self.request_seconds
            .get_or_create(&RouteLabels { route })
            .observe(took.as_secs_f64());
    }

    /// One upstream call, finished (`status`: its HTTP status, or none when no answer came).
    pub(crate) fn upstream_call(
        &self,
        upstream: Upstream,
        method: &Method,
        path: &'static str,
        status: Status,
        took: Duration,
    ) {
        let method = labels::method(method);
        self.upstream
            .get_or_create(&UpstreamLabels {
                upstream,
                method,
                path,
                status,
            })
            .inc();
        self.upstream_seconds
            .get_or_create(&CallLabels {
                upstream,
                method,
                path,
            })
            .observe(took.as_secs_f64());
    }

    /// A cacheable page, served from the cache or not.
    pub(crate) fn cache(&self, status: CacheStatus) {
        match status {
            CacheStatus::Hit => self.cache_hits.inc(),
            CacheStatus::Miss => self.cache_misses.inc(),
        };
    }

    /// A long request held until the guard drops.
    pub(crate) fn hold(&self) -> Held {
        self.long_held.inc();
        Held(self.long_held.clone())
    }

    /// The handle the broker counts its token fetches with.
    pub(crate) fn tokens(&self) -> Tokens {
        self.tokens.clone()
    }

    /// The wait for a slot of a credential's limits, observed when the guard drops.
    pub(crate) fn limiter_wait(&self) -> Waiting {
        Waiting {
            since: Instant::now(),
            histogram: self.limiter_wait.clone(),
        }
    }

    /// The counter a streamed download adds its chunks to.
    pub(crate) fn streamed(&self) -> Streamed {
        Streamed(self.streamed_bytes.clone())
    }

    /// The route id of a matched path template, or the template itself for the routes outside
    /// the table (`/openapi.json`, `/docs/…`, these endpoints); `unmatched` for the 404s.
    fn route_of(&self, method: &Method, matched: Option<&MatchedPath>) -> &'static str {
        let Some(matched) = matched else {
            return "unmatched";
        };
        self.route_label(method, matched.as_str())
    }

    /// The route label of a path template.
    fn route_label(&self, method: &Method, path: &str) -> &'static str {
        if let Some((_, id)) = self
            .routes
            .get(path)
            .and_then(|ids| ids.iter().find(|(m, _)| m == method))
        {
            return id;
        }
        match path {
            HEALTHZ => "healthz",
            READYZ => "readyz",
            METRICS => "metrics",
            crate::openapi::SPEC_PATH => "openapi",
            _ if path.starts_with(crate::openapi::DOCS_PATH) => "docs",
            // A path of the table under another method: a 405.
            _ => "unmatched",
        }
    }

    /// The exposition: the gauges read from the state first.
    async fn render(&self, state: &AppState) -> Result<String, std::fmt::Error> {
        let (entries, bytes) = state.cache.size().await;
        self.cache_entries.set(gauge_value(entries));
        self.cache_bytes.set(gauge_value(bytes));
        self.polling_loops.set(gauge_value(state.poller.running()));
        self.streams_open.set(gauge_value(state.feeds.open()));
        let (queued, in_flight) = state.upstream_limits.totals();
        self.limiter_queued.set(gauge_value(queued));
        self.limiter_in_flight.set(gauge_value(in_flight));
        for (upstream, service) in [
            (Upstream::Diadoc, crate::routes::Service::Diadoc),
            (Upstream::Edin, crate::routes::Service::Edin),
        ] {
            let state_now = state.guards.of(service).state().gauge();
            self.circuits
                .get_or_create(&BreakerLabels { upstream })
                .set(i64::from(state_now));
        }
        let mut out = String::with_capacity(16 * 1024);
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// A count as a gauge's `i64`.
fn gauge_value(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// `token_fetches`, as the broker holds it (`broker.rs`); a default one counts into nothing
/// scraped (the broker's own tests).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tokens(Family<TokenLabels, Counter>);

impl Tokens {
    /// A managed client's token or session asked of the upstream.
    pub(crate) fn count(&self, client: &str, upstream: Upstream, kind: TokenKind, ok: bool) {
        self.0
            .get_or_create(&TokenLabels {
                client: client.to_owned(),
                upstream,
                kind,
                outcome: if ok { "ok" } else { "error" },
            })
            .inc();
    }
}

/// `streamed_bytes`, as a streamed download holds it (`download.rs`).
#[derive(Debug, Clone)]
pub(crate) struct Streamed(Counter);

impl Streamed {
    /// A chunk passed on to the caller.
    pub(crate) fn chunk(&self, bytes: usize) {
        self.0.inc_by(u64::try_from(bytes).unwrap_or(u64::MAX));
    }
}

/// Observes `limiter_wait_seconds` when dropped (a slot granted, refused, or the request gone).
#[derive(Debug)]
pub(crate) struct Waiting {
    since: Instant,
    histogram: Histogram,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.histogram.observe(self.since.elapsed().as_secs_f64());
    }
}

/// Decrements `long_requests_held` when dropped.
#[derive(Debug)]
pub(crate) struct Held(Gauge);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts every request by route and status, and its time to the response head. Installed by
/// `build_router` with `Router::layer`, so it runs after routing (the matched path is known).
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = state
        .metrics
        .route_of(request.method(), request.extensions().get::<MatchedPath>());
    let response = next.run(request).await;
    state
        .metrics
        .request(route, response.status().as_u16(), started.elapsed());
    response
}

/// `/healthz` and `/readyz` (and `/metrics` unless it has its own listener), for the public
/// router. Not in the route table: they are operational endpoints, not API operations, and are
/// not in the OpenAPI document.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let router = Router::new()
        .route(HEALTHZ, get(healthz))
        .route(READYZ, get(readyz));
    if state.config.metrics_listen.is_some() {
        router
    } else {
        router.route(METRICS, get(metrics))
    }
}

async fn healthz() -> Response {
    axum::Json(serde_json::json!({"status": "ok"})).into_response()
}

async fn readyz(State(state): State<AppState>) -> Response {
    let why = if state.drain.is_started() {
        "draining: shutting down"
    } else if !state.metrics.accepting.load(Ordering::Acquire) {
        "starting: not accepting connections yet"
    } else {
        return axum::Json(serde_json::json!({"status": "ready"})).into_response();
    };
    let mut response = ApiError::Unavailable(why).render();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(READY_RETRY_AFTER),
    );
    response
}

async fn metrics(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state).await {
        Ok(text) => ([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response(),
        Err(_) => ApiError::Internal("the metrics could not be encoded".to_owned()).render(),
    }
}

/// Serves `/metrics`, `/healthz` and `/readyz` on `listener` (the `EDI_GATEWAY_METRICS_LISTEN`
/// address) until `shutdown` resolves. Kept up while the public listener drains, so a probe
/// there sees the 503 of the drain.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = Router::new()
        .route(HEALTHZ, get(healthz))
        .route(READYZ, get(readyz))
        .route(METRICS, get(metrics))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
