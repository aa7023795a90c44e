//! edi-gateway: clean JSON REST in front of Kontur Diadoc (protobuf over HTTP) and EDIN bdoc
//! (JSON with a session cookie).
//!
//! # Layout — follow one request by opening the files in this order
//!
//! ```text
//! connection              server.rs       accept under a cap; head/body/idle timeouts; the drain;
//!                                         hyper's own 400/414/431 rewritten as problems
//! request → edge.rs       CORS (preflights answered or refused), security headers, X-Request-Id
//!         → router        app.rs          built from routes.rs (one entry per REST operation)
//!         → dispatch.rs   the one handler: extract, validate, pick what the entry says
//!         → auth.rs       the caller: a managed client by `X-Api-Key` (clients.rs: the clients
//!                         file, its reload) or the caller's own Bearer token (never echoed)
//!           limits.rs     inbound limit per client (429 + RateLimit headers)
//!         → throttle.rs   login attempts per login name and per client address (429)
//!           body_scan.rs  item caps and the value budget, counted before the JSON tree is built
//!         → params.rs     path/query validation by the rules in rules.rs, renamed for the upstream
//!         → preferences.rs  the headers the policies read: Idempotency-Key, Prefer, Accept,
//!                         Cache-Control
//!         → exchange.rs   the validated request as the upstream call it becomes
//!         → keys.rs       the cache key and the polling key (hashes; never a token in the clear)
//!         → cache.rs      moka, per caller; single flight
//!         → boxes.rs      an organization's box, looked up (GetOrganization) and cached per caller
//!         → polling.rs    Retry-After loop under the caller's budget, one loop per identical call;
//!                         polling/task.rs: start a task, then poll its result (stateless 202)
//!           events.rs     a list followed as Server-Sent Events (`Accept: text/event-stream`):
//!                         catch-up reads, then one shared poll per interval per identical feed
//!         → edi-transcode JSON ⇄ protobuf over the prost-reflect descriptors (crates/);
//!           path_fields.rs body fields filled from the path (absent → filled, different → 400)
//!           edin_codec.rs JSON ⇄ EDIN JSON (caller input, the upstream's spelling, our replies)
//!         → credentials.rs every upstream call's credential: the managed client's token from
//!                         broker.rs (one per credential, refreshed early, single flight), a slot
//!                         of Kontur's limits per credential (limits.rs), 401 → renew once and
//!                         repeat when safe, Diadoc's 429 waited out when safe
//!           breaker.rs    a circuit breaker per upstream (503 while open, one probe), and one
//!                         retry of a safe call after a transport error, from a retry budget
//!         → upstream/     diadoc.rs: HTTP, DiadocAuth/Bearer header, status mapping;
//!                         edin.rs: two-step login, SID cookie, session expiry; read.rs: reply
//!                         caps; redact.rs: what of a refusal reaches the caller;
//!                         retry_after.rs: read, fall back, clamp
//!           download.rs   files: streamed (never held whole), bounded, or generate-then-download
//!           sunset.rs     Kontur's `Sunset` on a reply, logged once per route (never passed on)
//!         → reply.rs      the reply shaped as the route says (JSON, page, file, 201, 202)
//!         → JSON response, or application/problem+json from error.rs
//! ```
//!
//! `metrics.rs` serves `/healthz`, `/readyz` and `/metrics` (Prometheus), beside the route table.
//!
//! `openapi.rs` reads the same route table (and the same rules) and serves `/openapi.json` and
//! Swagger UI at `/docs`. `config.rs` holds the flags and `EDI_GATEWAY_*` variables;
//! `telemetry.rs` the logging; `demo.rs` (cargo feature `sandbox`, on by default) runs the
//! gateway against the embedded sandbox (`crates/edi-sandbox`), which shares only the wire
//! schema (`crates/edi-proto`) with the gateway.
//!
//! Only what the binary, the tests and the benches use is public (`app`, `clients`, `config`, `openapi`,
//! `telemetry`, `demo`, `metrics`); everything else is `pub(crate)`, so the compiler reports dead code.

pub mod app;
mod auth;
mod body_scan;
mod boxes;
mod breaker;
mod broker;
mod cache;
pub mod clients;
pub mod config;
mod credentials;
#[cfg(feature = "sandbox")]
pub mod demo;
mod dispatch;
mod download;
mod edge;
mod edin_codec;
mod error;
mod events;
mod exchange;
#[doc(hidden)]
pub mod fuzzing;
mod keys;
mod limits;
pub mod metrics;
pub mod openapi;
mod params;
mod path_fields;
mod polling;
mod preferences;
mod reply;
mod routes;
mod rules;
mod server;
mod sunset;
pub mod telemetry;
mod throttle;
mod upstream;

pub use app::{AppState, build_router, serve};
pub use config::Config;
pub use upstream::diadoc::DiadocAuthMode;
