//! The upstream call of a route, with the body and reply shapes its upstream speaks: a Diadoc
//! call transcodes a protobuf body and reply (`DiadocReply` names the reply message in every
//! variant that reads one), an EDIN call names its JSON codecs. `dispatch.rs` sends it,
//! `reply.rs` shapes its reply, `openapi/operation.rs` documents both.

use http::StatusCode;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};

use super::{Param, Service, Verb};
use crate::error::ApiError;
use crate::params::Args;
use crate::upstream::UpstreamError;

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
    /// what goes upstream: JSON for [`Carrier::Body`], `name=value&…` for [`Carrier::Query`].
    pub read: fn(&[u8], &Args) -> Result<Vec<u8>, ApiError>,
    /// The caller's body schema.
    pub schema: SchemaFn,
    /// Where the codec's output goes upstream.
    pub carrier: Carrier,
}

/// Where a JSON body's content goes upstream.
#[derive(Debug, Clone, Copy)]
pub enum Carrier {
    /// As the upstream's JSON body.
    Body,
    /// As upstream query parameters of these names, with no body (api.md A4: the status of a
    /// process is set by `OPTIONS …?agreement_proc_id=&status=`).
    Query(&'static [&'static str]),
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

/// A JSON body that becomes a Diadoc protobuf message. Write an entry as
/// `ProtoBody { max_items: …, ..ProtoBody::new(message) }`.
#[derive(Debug, Clone, Copy)]
pub struct ProtoBody {
    /// The Diadoc message the body is transcoded into.
    pub message: &'static str,
    /// A documented cap on repeated top-level fields, checked before any upstream call:
    /// (proto field names, most items in total across them). One field for a plain list
    /// (GetDocflows' `Requests`); several when the items the cap counts live in several fields
    /// (PostMessage: the documents of a `MessageToPost`).
    pub max_items: Option<(&'static [&'static str], usize)>,
    /// Top-level string fields filled from path parameters (proto field, the route's path
    /// parameter, whose upstream target is `Target::Body`): absent in the caller's body → the
    /// path's value; present and equal (box ids compared in either form) → kept; different →
    /// 400 naming the field. The caller's schema does not require them (`openapi/from_path.rs`).
    pub from_path: &'static [(&'static str, &'static Param)],
}

impl ProtoBody {
    /// A body with no cap and no fields from the path.
    pub const fn new(message: &'static str) -> Self {
        Self {
            message,
            max_items: None,
            from_path: &[],
        }
    }
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

    /// Every upstream (method, path) this call can make, the main one first. It must list EVERY
    /// path a call makes (a box lookup, a task-result poll, a shelf download, …): the removal
    /// test (`routes/lifecycle.rs`) and the coverage table read only this list, so a path left
    /// out here escapes the check that fails before Kontur removes it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn upstream_paths(&self) -> Vec<(Verb, &'static str)> {
        match self {
            Self::Diadoc(c) => {
                let mut out = vec![(c.method, c.path)];
                if let Some((method, path, _)) = c.box_of_org.as_ref().and_then(BoxOfOrg::lookup) {
                    out.push((method, path));
                }
                if let DiadocReply::Shelf(shelf) = &c.reply {
                    out.push((Verb::Get, shelf.path));
                }
                out
            }
            Self::Edin(c) => {
                let mut out = vec![(c.method, c.path)];
                if let Some(first) = c.read_first {
                    out.push((Verb::Get, first.path));
                }
                out
            }
            Self::EdinLogin => vec![(Verb::Post, "/bdoc/auth_uuid"), (Verb::Post, "/bdoc/auth")],
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
    /// How the upstream's reply becomes ours.
    pub reply: EdinReply,
    /// A read made before the write, whose reply the write needs (a read-modify-write).
    pub read_first: Option<ReadFirst>,
}

/// A read before an EDIN write: `GET path` with the route's upstream query, then the write's
/// body is `merge(what was read, the caller's validated body, the path parameters)` and the
/// write carries no query. For A8's group edit, whose user list replaces the previous one: the
/// gateway reads the members first so a rename does not remove them. Two callers editing one
/// group at once can still overwrite each other's change (EDIN has no version to check).
#[derive(Debug, Clone, Copy)]
pub struct ReadFirst {
    /// The upstream path read with GET (the route's upstream query goes here).
    pub path: &'static str,
    /// Writes the upstream body from the read reply and the caller's validated body.
    pub merge: MergeFn,
}

/// `merge(what was read, the caller's validated body, the path parameters)` → the write's body.
pub type MergeFn = fn(&[u8], &[u8], &Args) -> Result<Vec<u8>, ApiError>;

/// How an EDIN reply becomes ours.
#[derive(Debug, Clone, Copy)]
pub enum EdinReply {
    /// The upstream's JSON read into our types.
    Json(JsonReply),
    /// The upstream answers 200 with no body (api.md: A12, logout): ours is `204 No Content`.
    NoContent,
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
    /// What an upstream error status means for this call, in api.md's words (`404`: "the two
    /// organizations have no partnership"): it leads our problem's `detail` and documents the
    /// status in OpenAPI.
    pub meanings: &'static [(u16, &'static str)],
    /// Top-level text fields of the body with a documented maximum length, checked before any
    /// upstream call: (proto field name, most characters).
    pub text_limits: &'static [(&'static str, usize)],
    /// The main call is made on an organization's box, found first from the organization id
    /// in one of our parameters (`GET /GetOrganization?orgId=`, cached per caller): for
    /// methods that moved from `myOrgId` to `myBoxId` (lifecycle.md §1.2, GetCounteragents V2 →
    /// V3) while our REST path still names the organization.
    pub box_of_org: Option<BoxOfOrg>,
    /// The most bytes of the upstream's 2xx reply the gateway reads whole; past it the call is
    /// a 502 naming the cap (`upstream/read.rs`). Default
    /// [`DEFAULT_REPLY_CAP`](crate::upstream::read::DEFAULT_REPLY_CAP) (8 MiB);
    /// [`CONTENT_REPLY_CAP`](crate::upstream::read::CONTENT_REPLY_CAP) (32 MiB) on calls whose
    /// reply carries document content; a login's is small. Streamed and file replies are
    /// bounded in `download.rs` instead.
    pub reply_cap: usize,
}

/// Finds the organization's box before the call (`boxes.rs`): the route `via` (the
/// organization route, `GET /GetOrganization?orgId=`, api.md GetOrganization) with the value of
/// our parameter `param` (whose upstream target is [`Target::Lookup`](super::Target::Lookup)),
/// then the main call gets the box's `BoxIdGuid` as its query parameter `fills`. An organization
/// with several boxes: the first in Diadoc's order (`Organization.Boxes[0]`). No box: 404.
/// Unknown organization: Diadoc's 404, passed on.
#[derive(Debug, Clone, Copy)]
pub struct BoxOfOrg {
    /// Our (path) parameter that holds the organization id.
    pub param: &'static str,
    /// The main call's query parameter the box id fills (`myBoxId`).
    pub fills: &'static str,
    /// The route whose upstream call is the lookup: its method, path and organization-id query
    /// are read from its entry, so the lookup is described once.
    pub via: &'static super::Route,
}

impl BoxOfOrg {
    /// The lookup's upstream method, path and the query parameter that carries the
    /// organization id, from `via`'s entry; `None` when `via` is not a Diadoc call with one
    /// query-bound path parameter (the audit test reports it).
    pub fn lookup(&self) -> Option<(Verb, &'static str, &'static str)> {
        let Call::Diadoc(call) = &self.via.upstream else {
            return None;
        };
        let mut queries = self.via.params.iter().filter_map(|p| match p.upstream {
            super::Target::Query(name) if p.location == super::In::Path => Some(name),
            _ => None,
        });
        let query = queries.next()?;
        queries
            .next()
            .is_none()
            .then_some((call.method, call.path, query))
    }
}

impl DiadocCall {
    /// A call with the defaults: no fixed query and no body. Write an entry as
    /// `DiadocCall { body: …, ..DiadocCall::new(method, path, reply) }`, so a field added later
    /// gets its default here instead of in every entry.
    pub const fn new(method: Verb, path: &'static str, reply: DiadocReply) -> Self {
        Self {
            method,
            path,
            fixed_query: &[],
            body: None,
            reply,
            box_of_org: None,
            meanings: &[],
            text_limits: &[],
            reply_cap: crate::upstream::read::DEFAULT_REPLY_CAP,
        }
    }

    /// Puts this call's meaning of an upstream error status before the upstream's own text.
    pub fn explain(&self, error: UpstreamError) -> UpstreamError {
        match error {
            UpstreamError::Status(mut failure) => {
                if let Some((_, meaning)) = self.meanings.iter().find(|(s, _)| *s == failure.status)
                {
                    failure.message = if failure.message.is_empty() {
                        (*meaning).to_owned()
                    } else {
                        format!("{meaning}. Diadoc said: {}", failure.message)
                    };
                }
                UpstreamError::Status(failure)
            }
            other => other,
        }
    }
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
    /// The upstream's raw bytes (not protobuf), **streamed** to the caller as they arrive, never
    /// held whole (`download.rs`), with the upstream's media type and file name when they are
    /// safe, else the view's.
    Stream(RawFile),
    /// The upstream's raw bytes read whole, at most `download::MAX_FILE_BYTES` (a long request's
    /// result, which its waiters share), with the upstream's media type and file name when they
    /// are safe, else the view's.
    File(RawFile),
    /// The two-call result (generate, then download): the reply message names a file on the
    /// shelf in one string field; until that field is filled the call is still running; then the
    /// gateway downloads the file with a second call and streams it (`download.rs`).
    Shelf(ShelfFile),
    /// The upstream answers 200 with no useful body (api.md, BreakWithCounteragent): ours is
    /// `204 No Content`.
    NoContent,
}

impl DiadocReply {
    /// The protobuf message the reply is read as, if any.
    #[cfg(test)]
    pub(crate) const fn message(&self) -> Option<&'static str> {
        match self {
            Self::Message(m) | Self::Created(m) => Some(m),
            Self::Page(p) => Some(p.message),
            Self::MessageOrFile(f) => Some(f.message),
            Self::Shelf(s) => Some(s.message),
            Self::Token | Self::Stream(_) | Self::File(_) | Self::NoContent => None,
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

/// A file answered as raw bytes.
#[derive(Debug, Clone, Copy)]
pub struct RawFile {
    /// The media type when the upstream names none, or none that is safe to pass on (for
    /// [`DiadocReply::Shelf`]: always, the shelf only says `application/octet-stream`).
    pub media_type: &'static str,
    /// The file name when the upstream gives none (always, for [`DiadocReply::Shelf`]); `{param}`
    /// is replaced by that path parameter's value.
    pub file_name: &'static str,
}

/// A file the upstream puts on its shelf: named in a reply field, downloaded by a second call.
#[derive(Debug, Clone, Copy)]
pub struct ShelfFile {
    /// The first call's reply message.
    pub message: &'static str,
    /// Its string field with the name on the shelf (proto name); empty while still running.
    pub field: &'static str,
    /// The download: `GET path?query=<name>`.
    pub path: &'static str,
    /// The download's query parameter for the name.
    pub query: &'static str,
    /// What the caller gets.
    pub file: RawFile,
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

/// A list route that can also be followed as Server-Sent Events (`Accept: text/event-stream`):
/// the route's [`Page`] is read from the caller's cursor on, each item sent as one event, and
/// when caught up the feed is polled again (`events.rs`).
#[derive(Debug, Clone, Copy)]
pub struct EventStream {
    /// The item message (proto name), each item's JSON being one event's `data`.
    pub item: &'static str,
    /// The `event:` name of an item, from the item itself.
    pub kind: fn(&prost_reflect::DynamicMessage) -> &'static str,
    /// Every `event:` name `kind` can give, with what it means (for the document).
    pub kinds: &'static [(&'static str, &'static str)],
}
