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

mod body_limit;
mod call;
pub mod diadoc;
pub mod edin;
mod param;
mod task;

#[cfg(test)]
mod audit;
#[cfg(test)]
mod coverage;
#[cfg(test)]
mod lifecycle;

use http::Method;

pub use crate::upstream::Service;
pub use body_limit::{DEFAULT_BODY_LIMIT, DOCUMENT_BODY_LIMIT};
pub use call::{
    BodyKind, BoxOfOrg, Call, Carrier, DiadocCall, DiadocReply, EdinCall, EdinReply, EventStream,
    FileView, JsonBody, JsonReply, Page, ProtoBody, RawFile, ReadFirst, ShelfFile, list_of,
    schema_of,
};
pub use param::{In, Param, ParamKind, Target};
pub use task::TaskPoll;

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
    &diadoc::GET_BOX_COUNTERAGENT,
    &diadoc::ACQUIRE_COUNTERAGENT,
    &diadoc::GET_COUNTERAGENT_TASK,
    &diadoc::BREAK_WITH_COUNTERAGENT,
    &diadoc::GET_ME,
    &diadoc::GET_ORGANIZATION,
    &diadoc::GET_BOX,
    &diadoc::GET_MESSAGE,
    &diadoc::GET_DOCUMENT,
    &diadoc::POST_MESSAGE,
    &diadoc::TRANSFORM_TEMPLATE,
    &diadoc::GET_ENTITY_CONTENT,
    &diadoc::GET_DOCUMENT_PRINT_FORM,
    &diadoc::GET_DOCUMENT_ARCHIVE,
    &diadoc::LIST_EVENTS,
    &edin::CREATE_SESSION,
    &edin::LIST_PROCESSES,
    &edin::CREATE_PROCESS,
    &edin::UPDATE_PROCESS,
    &edin::CREATE_STEP,
    &edin::UPDATE_STEP,
    &edin::DELETE_STEP,
    &edin::groups::LIST_GROUPS,
    &edin::groups::GET_GROUP,
    &edin::groups::CREATE_GROUP,
    &edin::groups::UPDATE_GROUP,
    &edin::groups::REPLACE_MEMBERS,
    &edin::groups::DELETE_GROUP,
    &edin::groups::LIST_DOCUMENT_TYPES,
    &edin::groups::ATTACH_DOCUMENT_TYPE,
    &edin::groups::DETACH_DOCUMENT_TYPE,
    &edin::groups::SET_PROCESS_STATUS,
    &edin::groups::DELETE_SESSION,
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
    /// Operations a caller can take next with ids from this one's reply (OpenAPI `links` on the
    /// success response; schemathesis' stateful phase follows them).
    pub links: &'static [Link],
    /// A list route whose feed can also be followed as Server-Sent Events
    /// (`Accept: text/event-stream`; `events.rs`).
    pub stream: Option<EventStream>,
    /// Cached routes whose pages a success of this one makes stale: the caller's pages of each
    /// are dropped (for the same `boxId` when the cached route has one, else all of the
    /// caller's pages of that route). See `cache.rs`, "Invalidation".
    pub invalidates: &'static [&'static Route],
    /// The largest request body this route reads, in bytes (`routes/body_limit.rs`): a
    /// `Content-Length` above it, or a body that grows past it, is a 413 naming it before any
    /// parse. Unused by routes without a body (whose body is never read).
    pub body_limit: usize,
}

/// A follow-up operation, fed by this operation's request or reply (an OpenAPI link).
#[derive(Debug)]
pub struct Link {
    /// The link's name in the document.
    pub name: &'static str,
    /// The route it leads to (by value, so a renamed route cannot leave a stale link).
    pub to: &'static Route,
    /// (the target's parameter, an OpenAPI runtime expression for its value:
    /// `$response.body#/agreementProcId`, `$request.path.procId`).
    pub params: &'static [(&'static str, &'static str)],
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
            links: &[],
            stream: None,
            invalidates: &[],
            body_limit: DEFAULT_BODY_LIMIT,
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
    /// PATCH (EDIN's A9 replaces a group's members with one).
    Patch,
    /// OPTIONS (EDIN's A4 sets a process's status with one).
    Options,
}

impl Verb {
    /// The HTTP method.
    pub const fn method(self) -> Method {
        match self {
            Self::Get => Method::GET,
            Self::Post => Method::POST,
            Self::Put => Method::PUT,
            Self::Delete => Method::DELETE,
            Self::Patch => Method::PATCH,
            Self::Options => Method::OPTIONS,
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
    /// Start, then poll (api.md, AcquireCounteragent): the call starts a task and answers its
    /// id; a different call polls the task's result with `Retry-After` as above. One long
    /// request; its 202's `Location` is the task's own route (`polling/task.rs`).
    Task(&'static TaskPoll),
}

impl Polling {
    /// Whether the route is a long request (`Prefer: wait`, a 202 when the budget runs out).
    pub const fn is_long(self) -> bool {
        !matches!(self, Self::None)
    }
}
