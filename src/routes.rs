//! THE route table: one [`Route`] value per REST operation. The router (`app.rs`), the one
//! handler (`dispatch.rs`) and, later, the OpenAPI document all read these values; no other file
//! writes a path string or decides per endpoint what to call upstream.
//!
//! A route is data, in the manner of linkerd's routes: what the caller sends (method, path,
//! parameters, body), which upstream call that becomes, how the reply is shaped, and the cache
//! and polling policies. An endpoint quirk becomes a field here, never a second handler.
//! Entries live by upstream in `routes/diadoc.rs` (and `routes/edin.rs`).

pub mod diadoc;
pub mod edin;

use http::{Method, StatusCode};

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::error::ApiError;
use crate::params::Args;

/// Every route the gateway serves, in the order the docs list them.
pub const ROUTES: &[&Route] = &[
    &diadoc::CREATE_SESSION,
    &diadoc::LIST_ORGANIZATIONS,
    &diadoc::LIST_ORGANIZATION_COUNTERAGENTS,
    &diadoc::LIST_BOX_COUNTERAGENTS,
    &diadoc::LIST_DOCUMENTS,
    &diadoc::BATCH_GET_DOCFLOWS,
    &diadoc::GET_DOCUMENT_PROTOCOL,
    &diadoc::CREATE_TEMPLATE,
    &edin::CREATE_SESSION,
    &edin::LIST_PROCESSES,
    &edin::CREATE_PROCESS,
    &edin::UPDATE_PROCESS,
    &edin::CREATE_STEP,
    &edin::UPDATE_STEP,
    &edin::DELETE_STEP,
];

/// One REST operation and everything needed to serve and document it.
#[derive(Debug)]
pub struct Route {
    /// Stable id: the OpenAPI `operationId`, the `route` field in logs, the cache-key prefix.
    pub id: &'static str,
    /// Which upstream this operation fronts (the OpenAPI tag).
    pub service: Service,
    /// REST method.
    pub method: Method,
    /// REST path in axum syntax (`/v1/diadoc/boxes/{boxId}/counteragents`).
    pub path: &'static str,
    /// One line for API users.
    pub summary: &'static str,
    /// Longer text for API users (Swagger description).
    pub description: &'static str,
    /// What the caller must present.
    pub auth: Auth,
    /// Path and query parameters, with validation and the upstream name of each.
    pub params: &'static [Param],
    /// Parameter pairs that must not be sent together (api.md: `query` with `afterIndexKey`).
    pub exclusive: &'static [(&'static str, &'static str)],
    /// The JSON body the caller sends, if any.
    pub body: Option<Body>,
    /// The upstream call this operation becomes.
    pub upstream: Call,
    /// How the upstream reply becomes ours.
    pub reply: Reply,
    /// Whether replies may be cached, and how.
    pub cache: CachePolicy,
    /// Whether the upstream may answer "still working", and what the gateway does then.
    pub polling: Polling,
    /// The upstream query parameter that carries the caller's `Idempotency-Key` (Diadoc's
    /// `operationId`), for calls that must never run twice.
    pub idempotency: Option<&'static str>,
}

/// The upstream services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Kontur Diadoc (protobuf).
    Diadoc,
    /// EDIN bdoc (JSON with a session cookie).
    Edin,
}

impl Service {
    /// The name used in tags, logs and problem bodies.
    pub fn name(self) -> &'static str {
        match self {
            Self::Diadoc => "diadoc",
            Self::Edin => "edin",
        }
    }
}

/// Who the caller must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <upstream token>` is required; it is passed upstream, never cached
    /// in the clear, and never echoed.
    CallerToken,
    /// No caller credential: the gateway's own developer key is enough (logging in).
    None,
}

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A `{name}` segment of the path.
    Path,
    /// A query-string parameter.
    Query,
}

/// A path or query parameter.
#[derive(Debug)]
pub struct Param {
    /// Our name for it (camelCase).
    pub name: &'static str,
    /// Path or query.
    pub location: In,
    /// What values are valid.
    pub kind: ParamKind,
    /// Whether the caller must send it.
    pub required: bool,
    /// Where the upstream gets it.
    pub upstream: Target,
    /// Text for API users.
    pub description: &'static str,
}

/// Where a parameter goes upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The upstream query parameter of this name.
    Query(&'static str),
    /// Into the upstream body, by the route's body codec (EDIN ids of the object edited).
    Body,
}

/// The shapes a parameter may take; `params.rs` validates and normalises each.
#[derive(Debug, Clone, Copy)]
pub enum ParamKind {
    /// A GUID (8-4-4-4-12 hex); sent upstream in lower case (api.md, "Identifiers").
    Guid,
    /// A box id: the GUID form, or 32 hex digits + `@diadoc.ru` (api.md, "Identifiers").
    BoxId,
    /// An opaque paging cursor (`IndexKey`), passed through as is.
    Cursor,
    /// One of the listed names.
    Enum(&'static [&'static str]),
    /// One of the listed names, sent upstream as the paired value (EDIN's numeric codes).
    Mapped(&'static [(&'static str, &'static str)]),
    /// An integer in `min..=max`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// Free text of at most this many characters.
    Text {
        /// Longest allowed length, in characters.
        max: usize,
    },
    /// `<DocumentType>.<DocumentClass><DocumentStatus>` (api.md, GetDocuments `filterCategory`).
    FilterCategory,
    /// A calendar date `YYYY-MM-DD`; sent upstream as `DD.MM.YYYY` (api.md, GetDocuments).
    Date,
    /// A .NET ticks value (api.md, "Time values"), as a decimal integer.
    Ticks,
    /// `true`/`false`; when true the upstream gets the bare flag name (api.md, "Query-string
    /// conventions": flags carry no value).
    Flag,
}

/// The caller's JSON body.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// Transcoded into a Diadoc protobuf message (`edi-transcode`).
    Proto(ProtoBody),
    /// Read as a Rust type and re-spelt for EDIN (`edin.rs`).
    Json(JsonBody),
}

/// Registers a type's OpenAPI schema (and the schemas it refers to) and returns a reference to
/// it: `edin::schema_of::<T>` for a `utoipa::ToSchema` type.
pub type SchemaFn = fn(&mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema>;

/// A JSON body read as a Rust type.
#[derive(Debug, Clone, Copy)]
pub struct JsonBody {
    /// Validates the caller's JSON (every problem named) and, with the path parameters, writes
    /// the upstream's JSON.
    pub read: fn(&[u8], &Args) -> Result<Vec<u8>, ApiError>,
    /// The caller's body schema.
    pub schema: SchemaFn,
}

/// A JSON reply read into Rust types.
#[derive(Debug, Clone, Copy)]
pub struct JsonReply {
    /// Our status on success.
    pub status: StatusCode,
    /// Reads the upstream's JSON and writes ours.
    pub read: fn(&[u8]) -> Result<Vec<u8>, ApiError>,
    /// Our reply's schema.
    pub schema: SchemaFn,
}

/// A JSON body that becomes a Diadoc protobuf message.
#[derive(Debug, Clone, Copy)]
pub struct ProtoBody {
    /// The Diadoc message the body is transcoded into.
    pub message: &'static str,
    /// A repeated top-level field with a documented cap, checked before any upstream call:
    /// (proto field name, most items).
    pub max_items: Option<(&'static str, usize)>,
}

/// The upstream call an operation becomes.
#[derive(Debug)]
pub enum Call {
    /// One Diadoc HTTP call.
    Diadoc(DiadocCall),
    /// One EDIN bdoc HTTP call.
    Edin(EdinCall),
    /// EDIN's two-step login (`POST /bdoc/auth_uuid`, then `POST /bdoc/auth`, both form-data),
    /// which answers with the session id.
    EdinLogin,
}

impl Call {
    /// The upstream HTTP method (the first call's, for the login).
    pub fn method(&self) -> &Method {
        match self {
            Self::Diadoc(c) => &c.method,
            Self::Edin(c) => &c.method,
            Self::EdinLogin => &Method::POST,
        }
    }
}

/// An EDIN bdoc HTTP call: JSON both ways, `Cookie: SID=…`.
#[derive(Debug)]
pub struct EdinCall {
    /// Upstream method, exactly as api.md documents it (e.g. POST for the process list).
    pub method: Method,
    /// Upstream path (`/bdoc/agreement_step`).
    pub path: &'static str,
}

/// A Diadoc HTTP call.
#[derive(Debug)]
pub struct DiadocCall {
    /// Upstream method.
    pub method: Method,
    /// Upstream path with its version prefix, exactly as in api.md.
    pub path: &'static str,
    /// Query parameters always sent (e.g. `type=password`).
    pub fixed_query: &'static [(&'static str, &'static str)],
    /// The message the upstream answers with, if the reply is protobuf.
    pub response: Option<&'static str>,
}

/// How the upstream reply becomes ours.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    /// The response message in the gateway's JSON.
    Message,
    /// A page of a list: the message's JSON plus `nextAfter` (the last item's key, absent on the
    /// last page) and a `Link: <…>; rel="next"` header.
    Page(Page),
    /// A plain-text token, answered as `{"token": "…"}`.
    Token,
    /// An EDIN JSON reply read into our types (`edin.rs`).
    Json(JsonReply),
    /// The response message in the gateway's JSON, answered `201 Created`.
    Created,
    /// The response message in the gateway's JSON, or, when the caller's `Accept` prefers the
    /// file's media type, one `bytes` field of it as the body.
    MessageOrFile(FileView),
}

/// A `bytes` field of a reply that callers may download as a file (`Accept`).
#[derive(Debug, Clone, Copy)]
pub struct FileView {
    /// The bytes field (proto name).
    pub field: &'static str,
    /// Its media type (`Content-Type`, and what `Accept` must name).
    pub media_type: &'static str,
    /// The `Content-Disposition` file name; `{param}` is replaced by that parameter's value.
    pub file_name: &'static str,
}

/// How a list reply pages.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// The repeated field holding the items (proto name).
    pub items: &'static str,
    /// The item field that is the cursor (proto name).
    pub key: &'static str,
    /// Our query parameter that takes the cursor back.
    pub cursor_param: &'static str,
    /// Our query parameter that sets the page size, if the caller can.
    pub size_param: Option<&'static str>,
    /// The upstream's page size when none is asked for (api.md: pages of at most 100).
    pub default_size: i64,
    /// A boolean field of the reply that says whether more pages exist, when it has one.
    pub more_flag: Option<&'static str>,
}

/// Whether a reply may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Never cached.
    None,
    /// Cached per caller token, route and parameters, for the configured TTL.
    PerCaller,
}

/// What the gateway does when the upstream says "still working".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polling {
    /// The upstream answers at once; a `Retry-After` is not expected.
    None,
    /// A 2xx with `Retry-After` means "still working" (api.md, "Retry-After, per method"): the
    /// gateway repeats the identical call until the result, an error, or the caller's wait
    /// budget (`Prefer: wait`) runs out, then answers 202 (`polling.rs`).
    RetryAfter,
}

impl Route {
    /// The parameter with our name `name`.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}
