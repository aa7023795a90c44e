//! THE route table: one [`Route`] value per REST operation. The router (`app.rs`), the one
//! handler (`dispatch.rs`), the OpenAPI document (`openapi.rs`), the demo and the tests all read
//! these values; no other file writes a path string or decides per endpoint what to call
//! upstream.
//!
//! A route is data, in the manner of linkerd's routes: what the caller sends (method, path,
//! parameters), which upstream call that becomes (with its body and reply shapes, so a Diadoc
//! call cannot carry an EDIN codec nor a reply without its message), and the cache and polling
//! policies. An endpoint quirk becomes a field here, never a second handler. Entries live by
//! upstream in `routes/diadoc.rs` and `routes/edin.rs`, each written as
//! `Route { …, ..Route::new(id, verb, path, call) }`.
//!
//! What the types cannot hold together, one test does: `routes/audit.rs` walks [`ROUTES`] and
//! checks every cross-reference (parameters named in pages and exclusive pairs, path
//! placeholders, proto messages and fields against the descriptor pool, file-name
//! placeholders), failing with the route's id.

pub mod diadoc;
pub mod edin;

#[cfg(test)]
mod audit;

use http::{Method, StatusCode};

use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};

use crate::error::ApiError;
use crate::params::Args;
pub use crate::upstream::Service;

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

/// One REST operation and everything needed to serve and document it. Write an entry as
/// `Route { summary, description, …, ..Route::new(id, verb, path, call) }`: [`Route::new`] holds
/// the defaults (caller's token, no parameters, no cache, no polling).
#[derive(Debug)]
pub struct Route {
    /// Stable id: the OpenAPI `operationId`, the `route` field in logs, the cache-key prefix.
    pub id: &'static str,
    /// REST method.
    pub method: Verb,
    /// REST path in axum syntax (`/v1/diadoc/boxes/{boxId}/counteragents`).
    pub path: &'static str,
    /// One line for API users.
    pub summary: &'static str,
    /// Longer text for API users (Swagger description).
    pub description: &'static str,
    /// What the caller must present, and what the gateway must hold, to call it.
    pub auth: Auth,
    /// Path and query parameters, with validation and the upstream name of each.
    pub params: &'static [Param],
    /// Parameter pairs that must not be sent together (api.md: `query` with `afterIndexKey`).
    pub exclusive: &'static [(&'static Param, &'static Param)],
    /// The upstream call this operation becomes, with its body and reply shapes.
    pub upstream: Call,
    /// Whether replies may be cached, and how.
    pub cache: CachePolicy,
    /// Whether the upstream may answer "still working", and what the gateway does then.
    pub polling: Polling,
    /// The upstream query parameter that carries the caller's `Idempotency-Key` (Diadoc's
    /// `operationId`), for calls that must never run twice.
    pub idempotency: Option<&'static str>,
}

impl Route {
    /// An entry with the defaults: the caller's token, no parameters, no cache, no polling, no
    /// idempotency key, and no text (the audit test requires a summary and a description).
    pub const fn new(id: &'static str, method: Verb, path: &'static str, upstream: Call) -> Self {
        Self {
            id,
            method,
            path,
            summary: "",
            description: "",
            auth: Auth::CallerToken,
            params: &[],
            exclusive: &[],
            upstream,
            cache: CachePolicy::None,
            polling: Polling::None,
            idempotency: None,
        }
    }

    /// The upstream this operation fronts (the OpenAPI tag), from its call.
    pub const fn service(&self) -> Service {
        self.upstream.service()
    }

    /// The caller's body, if the route takes one.
    pub fn body(&self) -> Option<BodyKind> {
        match &self.upstream {
            Call::Diadoc(c) => c.body.map(BodyKind::Proto),
            Call::Edin(c) => c.body.map(BodyKind::Json),
            Call::EdinLogin => Some(BodyKind::EdinLogin),
        }
    }
}

/// HTTP methods of routes and upstream calls. Our own enum, matched exhaustively wherever a
/// method is turned into something else (the router's filter, the document's path item), so a
/// method cannot silently become a GET; and a plain `Copy` value, so entries stay constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
}

impl Verb {
    /// The HTTP method.
    pub const fn method(self) -> Method {
        match self {
            Self::Get => Method::GET,
            Self::Post => Method::POST,
            Self::Put => Method::PUT,
            Self::Delete => Method::DELETE,
        }
    }
}

/// Who the caller must be, and what the gateway must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <upstream token>` is required; it is passed upstream, never cached
    /// in the clear, and never echoed.
    CallerToken,
    /// No caller credential, but the gateway's own Diadoc developer key must be configured
    /// (api.md, Authenticate: the password login needs `ddauth_api_client_id`). Checked when the
    /// router is built: without a key the route answers 501 and a warning is logged once.
    DeveloperKey,
    /// No credential at all (EDIN's login).
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

/// The kind of body a route takes, for the handler and the document.
#[derive(Debug, Clone, Copy)]
pub enum BodyKind {
    /// Transcoded into a Diadoc protobuf message (`edi-transcode`).
    Proto(ProtoBody),
    /// Read as a Rust type and re-spelt for EDIN (`edin_codec`).
    Json(JsonBody),
    /// EDIN's login credentials, read into typed values (`edin_codec::Credentials`).
    EdinLogin,
}

/// Registers a type's OpenAPI schema (and the schemas it refers to) and returns a reference to
/// it: [`schema_of::<T>`](schema_of) for a `utoipa::ToSchema` type.
pub type SchemaFn = fn(&mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema>;

/// Registers `T`'s schema and the ones it refers to; returns a `$ref` to it.
pub fn schema_of<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    T::schemas(out);
    out.push((T::name().into_owned(), T::schema()));
    Ref::from_schema_name(T::name()).into()
}

/// An array of `T`.
pub fn list_of<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(schema_of::<T>(out))
        .build()
        .into()
}

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

/// The upstream call an operation becomes. Each kind carries the body and reply shapes its
/// upstream speaks, so a Diadoc call cannot name an EDIN codec and vice versa.
#[derive(Debug)]
pub enum Call {
    /// One Diadoc HTTP call.
    Diadoc(DiadocCall),
    /// One EDIN bdoc HTTP call.
    Edin(EdinCall),
    /// EDIN's two-step login (`POST /bdoc/auth_uuid`, then `POST /bdoc/auth`, both form-data),
    /// which answers with the session id (api.md §2). Body `{"email", "password"}`, reply
    /// `{"token"}`.
    EdinLogin,
}

impl Call {
    /// The upstream HTTP method (the first call's, for the login).
    pub const fn method(&self) -> Verb {
        match self {
            Self::Diadoc(c) => c.method,
            Self::Edin(c) => c.method,
            Self::EdinLogin => Verb::Post,
        }
    }

    /// Which upstream the call goes to.
    pub const fn service(&self) -> Service {
        match self {
            Self::Diadoc(_) => Service::Diadoc,
            Self::Edin(_) | Self::EdinLogin => Service::Edin,
        }
    }
}

/// An EDIN bdoc HTTP call: JSON both ways, `Cookie: SID=…`.
#[derive(Debug)]
pub struct EdinCall {
    /// Upstream method, exactly as api.md documents it (e.g. POST for the process list).
    pub method: Verb,
    /// Upstream path (`/bdoc/agreement_step`).
    pub path: &'static str,
    /// The caller's body and its codec, if the call takes one.
    pub body: Option<JsonBody>,
    /// How the upstream's JSON becomes ours.
    pub reply: JsonReply,
}

/// A Diadoc HTTP call.
#[derive(Debug)]
pub struct DiadocCall {
    /// Upstream method.
    pub method: Verb,
    /// Upstream path with its version prefix, exactly as in api.md.
    pub path: &'static str,
    /// Query parameters always sent (e.g. `type=password`).
    pub fixed_query: &'static [(&'static str, &'static str)],
    /// The caller's JSON body, transcoded into this message, if the call takes one.
    pub body: Option<ProtoBody>,
    /// How the upstream reply becomes ours.
    pub reply: DiadocReply,
}

/// How a Diadoc reply becomes ours. Every variant that reads a protobuf reply names its message.
#[derive(Debug, Clone, Copy)]
pub enum DiadocReply {
    /// The response message in the gateway's JSON.
    Message(&'static str),
    /// The response message in the gateway's JSON, answered `201 Created`.
    Created(&'static str),
    /// A page of a list: the message's JSON plus `nextAfter` (the last item's key, absent on the
    /// last page) and a `Link: <…>; rel="next"` header.
    Page(Page),
    /// A plain-text token, answered as `{"token": "…"}`.
    Token,
    /// The response message in the gateway's JSON, or, when the caller's `Accept` prefers the
    /// file's media type, one `bytes` field of it as the body.
    MessageOrFile(FileView),
}

impl DiadocReply {
    /// The protobuf message the reply is read as, if any.
    #[cfg(test)]
    pub(crate) const fn message(&self) -> Option<&'static str> {
        match self {
            Self::Message(m) | Self::Created(m) => Some(m),
            Self::Page(p) => Some(p.message),
            Self::MessageOrFile(f) => Some(f.message),
            Self::Token => None,
        }
    }
}

/// A `bytes` field of a reply that callers may download as a file (`Accept`).
#[derive(Debug, Clone, Copy)]
pub struct FileView {
    /// The reply message.
    pub message: &'static str,
    /// The bytes field (proto name).
    pub field: &'static str,
    /// Its media type (`Content-Type`, and what `Accept` must name).
    pub media_type: &'static str,
    /// The `Content-Disposition` file name; `{param}` is replaced by that path parameter's value.
    pub file_name: &'static str,
}

/// How a list reply pages.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// The reply message.
    pub message: &'static str,
    /// The repeated field holding the items (proto name).
    pub items: &'static str,
    /// The item field that is the cursor (proto name).
    pub key: &'static str,
    /// Our query parameter that takes the cursor back (one of the route's parameters).
    pub cursor: &'static Param,
    /// Our query parameter that sets the page size, if the caller can.
    pub size: Option<&'static Param>,
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
