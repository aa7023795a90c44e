//! The OpenAPI 3.1 document, built from the route table and nothing else, and the routes that
//! serve it: `GET /openapi.json` and Swagger UI at `GET /docs` (vendored assets; nothing is
//! fetched at build or run time).
//!
//! Every operation comes from one [`Route`]: `operationId` = the route id, the tag = its
//! upstream, summary and description from the entry, parameters from its [`Param`] list (type,
//! format, enum values, bounds, required-ness), the headers its policies read (`Prefer`,
//! `Idempotency-Key`, `Cache-Control`), the request body and every response it can give —
//! success, 202 for long requests, and each `application/problem+json` error. Diadoc bodies are
//! derived from the proto descriptors (`openapi/proto.rs`); EDIN bodies from the Rust types
//! (`utoipa::ToSchema`), via the schema functions the route entries name.
//!
//! Layout: `operation.rs` builds one operation from a route (its parameters come from
//! `parameters.rs`, whose schemas read the same rules as the validator, `rules.rs`); `proto.rs`
//! turns proto descriptors into schemas; `closed.rs` closes request-body objects. The gateway's
//! own bodies (problem, pending, token) are derived from their Rust types (`ToSchema`).

#[cfg(test)]
mod agreement;
mod closed;
mod from_path;
mod operation;
mod parameters;
pub(crate) mod proto;
#[cfg(test)]
mod tests;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use http::header;
use utoipa::openapi::path::{HttpMethod, PathItem};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The name of the managed clients' security scheme (`X-Api-Key`).
pub(crate) const API_KEY_SCHEME: &str = "apiKey";
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{Components, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, RefOr};
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;
use crate::routes::{ROUTES, Service, Verb};
use proto::ProtoSchemas;

/// Where the document is served.
pub const SPEC_PATH: &str = "/openapi.json";
/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/docs";

/// The problem body's component (`error::Problem`).
const PROBLEM: &str = "Problem";
/// The 202 body's component (`reply::Pending`).
const PENDING: &str = "Pending";
const JSON: &str = "application/json";
const PROBLEM_JSON: &str = crate::error::PROBLEM_JSON;

/// The router for `/openapi.json` and `/docs`.
pub fn router() -> Router<AppState> {
    let json = bytes::Bytes::from(to_pretty_json());
    let served = Router::new().route(
        SPEC_PATH,
        get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, JSON)], json).into_response() }
        }),
    );
    // Swagger UI reads the spec from SPEC_PATH; its own copy of the document is not served.
    let config = utoipa_swagger_ui::Config::from(SPEC_PATH)
        .display_operation_id(true)
        .try_it_out_enabled(true);
    served.merge(SwaggerUi::new(DOCS_PATH).config(config))
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut schemas = Schemas::default();
    let mut paths = PathsBuilder::new();
    let mut by_path: Vec<(&str, PathItem)> = Vec::new();
    for route in ROUTES {
        let operation = operation::operation(route, &mut schemas);
        let method = http_method(route.method);
        match by_path.iter_mut().find(|(p, _)| *p == route.path) {
            Some((_, item)) => item.merge_operations(PathItem::new(method, operation)),
            None => by_path.push((route.path, PathItem::new(method, operation))),
        }
    }
    for (path, item) in by_path {
        paths = paths.path(path, item);
    }
    let mut components = Components::new();
    for (name, schema) in schemas.finish() {
        components.schemas.insert(name, schema);
    }
    for (name, service) in [
        ("diadocToken", Service::Diadoc),
        ("edinSession", Service::Edin),
    ] {
        components.add_security_scheme(name, security_scheme(service));
    }
    components.add_security_scheme(
        API_KEY_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Api-Key",
            "A managed client's API key (the operator's clients file holds its SHA-256). The \
             gateway holds the client's upstream credentials: no login, no upstream token.",
        ))),
    );
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("edi-gateway")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(INFO))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .tags(Some([
            TagBuilder::new()
                .name(Service::Diadoc.name())
                .description(Some(
                    "Kontur Diadoc. Log in with `createDiadocSession`, then send the token as \
                     `Authorization: Bearer <token>`; or, as a managed client, send \
                     `X-Api-Key: <key>` and no token.",
                ))
                .build(),
            TagBuilder::new()
                .name(Service::Edin.name())
                .description(Some(
                    "EDIN bdoc (doc.edin.ua). Log in with `createEdinSession`, then send the \
                     session id as `Authorization: Bearer <token>`; or, as a managed client, \
                     send `X-Api-Key: <key>` and no session id.",
                ))
                .build(),
        ]))
        .build()
}

const INFO: &str = "Clean JSON REST in front of Kontur Diadoc (protobuf over HTTP) and EDIN bdoc \
(JSON with a session cookie). The gateway adds the upstream credentials, translates every call, \
waits out asynchronous work (`Prefer: wait=N`; 202 when the wait runs out) and answers every \
error as `application/problem+json` (RFC 9457). Diadoc JSON: camelCase keys, enum value names, \
64-bit integers as strings, timestamps as RFC 3339, bytes as base64.

Two ways to call: with your own upstream token (`Authorization: Bearer …`, from the session \
routes), or as a managed client with `X-Api-Key: <key>`, for which the gateway holds the upstream \
credentials (an OpenID Connect refresh token or a login for Diadoc, an e-mail and password for \
EDIN) and renews them itself. Kontur's published limits (4 requests at once, 100 per second per \
credential) are kept by the gateway: a request waits for a slot, or gets 503 with `Retry-After`. \
An operator may set an inbound limit per client: 429 with `Retry-After` and `RateLimit` headers.";

/// Every component: Diadoc messages, EDIN types, and the gateway's own.
#[derive(Default)]
struct Schemas {
    proto: ProtoSchemas,
    rust: Vec<(String, RefOr<Schema>)>,
    /// Components that are request bodies: they and every object they reach are closed.
    bodies: Vec<String>,
}

impl Schemas {
    fn message(&mut self, name: &str) -> RefOr<Schema> {
        self.proto
            .message_ref(name)
            .unwrap_or_else(|| RefOr::T(Schema::default()))
    }

    fn finish(mut self) -> Vec<(String, RefOr<Schema>)> {
        // The gateway's own bodies, from the types that write them.
        crate::routes::schema_of::<crate::error::Problem>(&mut self.rust);
        crate::routes::schema_of::<crate::reply::Pending>(&mut self.rust);
        let mut all: Vec<(String, RefOr<Schema>)> = self.proto.components.into_iter().collect();
        all.extend(self.rust);
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.dedup_by(|a, b| a.0 == b.0);
        closed::close(&mut all, self.bodies);
        all
    }
}

/// The document's method for a route's, matched exhaustively (no fallback).
fn http_method(verb: Verb) -> HttpMethod {
    match verb {
        Verb::Get => HttpMethod::Get,
        Verb::Post => HttpMethod::Post,
        Verb::Put => HttpMethod::Put,
        Verb::Delete => HttpMethod::Delete,
        Verb::Patch => HttpMethod::Patch,
        Verb::Options => HttpMethod::Options,
    }
}

fn security_scheme(service: Service) -> SecurityScheme {
    let text = match service {
        Service::Diadoc => {
            "A Diadoc token from `createDiadocSession` (or an OIDC access token \
                            when the gateway runs in bearer mode)."
        }
        Service::Edin => {
            "An EDIN session id from `createEdinSession` (ends after 10 idle minutes)."
        }
    };
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(text))
            .build(),
    )
}

/// The document as pretty JSON (what `edi-gateway openapi` prints and the repo commits).
pub fn to_pretty_json() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}
