//! edi-gateway: clean JSON REST in front of Kontur Diadoc (protobuf over HTTP) and EDIN bdoc
//! (JSON with a session cookie).
//!
//! # Layout — follow one request by opening the files in this order
//!
//! ```text
//! request → router        app.rs        built from routes.rs (one entry per REST operation)
//!         → dispatch.rs   the one handler: extract, validate, pick what the entry says
//!         → auth.rs       caller's Bearer token → SecretString (never echoed)
//!         → params.rs     path/query validation, renamed for the upstream
//!         → cache.rs      moka, keyed by a hash of caller token + route + params; single flight
//!         → polling.rs    Retry-After loop under the caller's budget, one loop per identical call
//!         → edi-transcode JSON ⇄ protobuf over the prost-reflect descriptors (crates/)
//!           edin.rs       JSON ⇄ EDIN JSON (our types in edin/model.rs; the upstream's spelling)
//!         → upstream/     diadoc.rs: HTTP, DiadocAuth/Bearer header, status mapping;
//!                         edin.rs: two-step login, SID cookie, session expiry
//!         → reply.rs      the reply shaped as the route says (JSON, page, file, 201, 202)
//!         → JSON response, or application/problem+json from error.rs
//! ```
//!
//! `openapi.rs` reads the same route table and serves `/openapi.json` and Swagger UI at `/docs`.
//! `config.rs` holds the flags and `EDI_GATEWAY_*` variables; `telemetry.rs` the logging;
//! `demo.rs` runs the gateway against the embedded sandbox (`crates/edi-sandbox`), which shares
//! only the wire schema (`crates/edi-proto`) with the gateway.

pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod demo;
pub mod dispatch;
pub mod edin;
pub mod error;
pub mod openapi;
pub mod params;
pub mod polling;
pub mod reply;
pub mod routes;
pub mod telemetry;
pub mod upstream;

pub use app::{AppState, build_router, serve};
pub use config::Config;
