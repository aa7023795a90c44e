//! edi-sandbox: a local simulator of the upstream methods the gateway calls — Kontur Diadoc
//! (protobuf), written from `reference/diadoc/api.md`, and EDIN bdoc (JSON), written from
//! `reference/edin/api.md` — never from gateway code. It shares only the Diadoc wire schema
//! (`edi-proto`) with the gateway, so it cannot agree with a gateway bug. Both services answer on
//! the same address: paths under `/bdoc/` are EDIN's, every other path Diadoc's.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = edi_sandbox::Sandbox::builder().spawn().await?;
//! println!("Diadoc and EDIN simulator on {}", sandbox.base_url());
//! let box_id = sandbox.seed().first_box_id_guid();
//! let sid = sandbox.issue_edin_session(edi_sandbox::EDIN_DEMO_EMAIL);
//! # let _ = (box_id, sid); Ok(()) }
//! ```
//!
//! # Layout
//!
//! A request goes through the files in this order:
//!
//! * `server.rs` — the one axum handler: journal the request, take an injected fault, route it
//!   by path prefix (`/bdoc/` → EDIN, else Diadoc), wait while a test holds the reply and for the
//!   configured delay, render the reply; Kontur's per-token limits are checked here, once,
//!   before any Diadoc method runs (`limits.rs`)
//!   (Diadoc's with an `X-Kontur-Trace-Id`, EDIN's without).
//! * `gate.rs` — replies held until a test releases them, and the count of arrivals a test can
//!   await (`SandboxHandle::hold`, `wait_for_calls`).
//! * `journal.rs` — [`JournalEntry`]: every request received, with the status it got.
//! * `call.rs` — the parsed request: query parameters (400 rules), `multipart/form-data` text
//!   fields, cookies.
//! * Diadoc:
//!   * `diadoc.rs` — the method table (path, HTTP method, auth level, handler); 404 and 405.
//!   * `auth.rs` — `DiadocAuth` / `Bearer` headers, issued tokens, the 401 rules.
//!   * `wire.rs` — protobuf request bodies, with proto2 `required` fields checked.
//!   * `diadoc/` — one file per upstream method: `authenticate`, `organizations`,
//!     `counteragents`, `documents` (+ `documents/category.rs`: `filterCategory`), `docflows`
//!     (+ `docflows/view.rs`: the `DocflowV3` of a seeded document), `protocol`
//!     (GenerateDocumentProtocol), `templates` (PostTemplate).
//!   * `reply.rs` — replies and refusals: protobuf, plain text, `Retry-After`, plain-text errors
//!     with `X-Diadoc-ErrorCode`. (EDIN reuses its `Refusal` causes, not its rendering.)
//! * EDIN bdoc:
//!   * `edin.rs` — the method table (path, HTTP methods, session or not, handler); 404 and 405;
//!     JSON replies and JSON errors; the EDIN part of the mutable state.
//!   * `edin/auth.rs` — the two-step login (`auth_uuid`, `auth`), `SID` cookie sessions with
//!     the idle timeout, `logout`.
//!   * `edin/procs.rs` — approval processes: list (A5), create or edit (A3), block or unblock
//!     (A4, an OPTIONS request); the running copy.
//!   * `edin/steps.rs` — approval steps: create or edit (A1), delete (A2), step numbering.
//!   * `edin/groups.rs` — approval groups: list (A11), one (A10), create or edit (A8), replace
//!     the users (A9), delete (A12); the running copy.
//!   * `edin/documents.rs` — `document_types` (§4), attach (A6) and detach (A7) a document type.
//!   * `edin/wire.rs` — EDIN's JSON spelling (serde types) of replies; `edin/wire/request.rs`
//!     request bodies, with lenient numbers.
//! * `seed.rs` (+ `seed/`) — the deterministic data: Diadoc ids, organizations, counteragents,
//!   documents and their contents; `seed/edin.rs` the EDIN companies, users, approval groups,
//!   processes, document types and dictionaries (the demo rows in `seed/edin/demo.rs`); `seed/ids.rs` ids, .NET ticks and dates
//!   (with jiff). `pdf.rs`, `cms.rs` — the bytes of PDFs and signatures.
//! * `oidc.rs` — the OpenID Connect token endpoint `POST /connect/token` (refresh-token grant,
//!   rotation switchable), refresh tokens, registered clients.
//! * `limits.rs` — Kontur's per-token limits (4 in flight, 100 a second), checked once for
//!   every Diadoc method in `server.rs`; the in-flight counts, peaks and refusals.
//! * `builder.rs`, `handle.rs`, `state.rs` — [`SandboxBuilder`], [`SandboxHandle`], shared state.
//! * `fault.rs` — [`Fault`]: injected answers of a broken upstream (status + headers such as
//!   `Retry-After`, HTML pages, garbage, redirects, oversize and cut-off bodies, hangs).
//!
//! # Simulated methods
//!
//! Diadoc: `POST /V3/Authenticate?type=password`, `GET /GetMyOrganizations`,
//! `GET /GetOrganization`, `GET /V3/GetCounteragents` (V2 was removed after 10 Nov 2026 and
//! answers 404 as any unknown path), `GET /V3/GetDocuments`, `POST /V3/GetDocflows`,
//! `POST /V5/GetDocflows`, `GET /GenerateDocumentProtocol`, `POST /PostTemplate`; the file
//! methods `GET /V4/GetEntityContent`, `GET /GeneratePrintForm`, `GET /GenerateDocumentZip` and
//! `GET /V2/ShelfDownload` (`diadoc/files.rs`, raw bytes). A method marked with
//! `SandboxBuilder::deprecate` answers with `Sunset` and `Link; rel="sunset"`. Bodies are
//! protobuf both ways; the only JSON the sandbox reads is Authenticate's `LoginPassword` (api.md
//! shows that one in JSON), and it never answers in JSON (`Accept` is ignored).
//!
//! EDIN bdoc: `POST /bdoc/auth_uuid`, `POST /bdoc/auth` (both `multipart/form-data`),
//! `GET /bdoc/logout`, `POST /bdoc/agreement_procs` (A5), `POST /bdoc/agreement_proc` (A3),
//! `OPTIONS /bdoc/agreement_proc` (A4), `POST /bdoc/agreement_step` (A1),
//! `DELETE /bdoc/agreement_step` (A2), `PUT` and `DELETE /bdoc/agreement_proc/document` (A6,
//! A7), `GET /bdoc/agreement_groups` (A11), `GET`, `POST` and `DELETE /bdoc/agreement_group`
//! (A10, A8, A12), `PATCH /bdoc/agreement_group/users` (A9), `GET /bdoc/document_types` (§4).
//! Bodies are JSON in the upstream's spelling (`agrementSteps`), timestamps Unix seconds.
//!
//! # OpenID Connect and Kontur's limits (lifecycle.md §2.2, §3)
//!
//! The sandbox is its own OIDC issuer: `POST {base_url}/connect/token`, form fields
//! `grant_type=refresh_token`, `refresh_token`, `client_id`, `client_secret`, answers
//! `{"access_token", "token_type": "Bearer", "expires_in", "refresh_token"}`. The default client
//! is [`OIDC_CLIENT_ID`] / [`OIDC_CLIENT_SECRET`] (`SandboxBuilder::oidc_client` adds more);
//! `SandboxHandle::issue_refresh_token(login)` mints a refresh token for a seeded Diadoc user.
//! Its access tokens work as `Authorization: Bearer …` on every Diadoc method, the directory
//! methods included, until `access_token_lifetime` (default [`DEFAULT_ACCESS_TOKEN_LIFETIME`],
//! tokio's clock) or `expire_tokens`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = edi_sandbox::Sandbox::builder()
//!     .access_token_lifetime(std::time::Duration::from_secs(60))
//!     .rotate_refresh_tokens(true)
//!     .spawn()
//!     .await?;
//! let refresh_token = sandbox.issue_refresh_token(edi_sandbox::DEMO_LOGIN);
//! // POST {sandbox.oidc_issuer()}/connect/token … then count with sandbox.token_requests().
//! # let _ = refresh_token; Ok(()) }
//! ```
//!
//! Every Diadoc call carrying a token (`Bearer`, or `DiadocAuth`'s `ddauth_token`) is counted
//! per token: at most [`KONTUR_CONCURRENCY`] in flight (arrival to reply, held calls included)
//! and [`KONTUR_PER_SECOND`] a second (a GCRA bucket); past either, 429 with `Retry-After`
//! (whole seconds, ≥ 1) and a plain-text body. On by default; `kontur_limits(c, r)` /
//! `no_kontur_limits()` on the builder and `set_kontur_limits` / `no_kontur_limits` on the
//! handle. Each [`JournalEntry::in_flight`] says how many calls of its token were in flight at
//! its arrival; `SandboxHandle::peak_concurrency()`, `peak_concurrency_of(token)` and
//! `limit_refusals()` sum it up.
//!
//! # Choices where api.md says UNKNOWN
//!
//! Each is made once, in a comment next to the code that makes it.
//!
//! Diadoc (`reference/diadoc/api.md`):
//! wrong credentials on Authenticate → 401 (`diadoc/authenticate.rs`); Bearer tokens = any
//! token the sandbox issued (`auth.rs`); protobuf responses are `application/x-protobuf`
//! (`reply.rs`); `X-Diadoc-ErrorCode` values (`reply.rs`); GetCounteragents `TotalCount`,
//! `Rejected`, `pageSize` and unknown cursors (`diadoc/counteragents.rs`); GetDocflows with
//! missing ids and the content cap (`diadoc/docflows.rs`); protocol polling and the kind with no
//! protocol (`diadoc/protocol.rs`, `seed/documents.rs`); PostTemplate polling, `operationId`
//! reuse with another body, boxes without templates (`diadoc/templates.rs`).
//!
//! OIDC and limits (`reference/diadoc/lifecycle.md` §2.2, §3): token errors as RFC 6749 §5.2
//! JSON, always 400 (`invalid_request`, `invalid_client`, `unsupported_grant_type`,
//! `invalid_grant`), never echoing a secret; refresh tokens not bound to a client; rotation off
//! by default, and then the reply repeats the refresh token redeemed; access tokens live 1 hour
//! by default and are opaque, `Bearer` only (`oidc.rs`); the limits count per token as sent,
//! the rate is a GCRA with a burst of one second's worth, a concurrency refusal says
//! `Retry-After: 1`, a refused call takes no fault, gate or delay (`limits.rs`).
//!
//! EDIN (`reference/edin/api.md`):
//! the error body `{"status", "message"}` as `application/json`, exact case-sensitive paths,
//! the `SID` cookie's attributes (`edin.rs`); any e-mail gets an `auth_uuid` token, tokens are
//! single-use, a captcha demand (the seed's captcha user, or `require_captcha(email, true)`) →
//! step 2 refused with 403, bad token / e-mail / password → 401, a non-multipart body →
//! 400, missing / unknown / ended / idle session → 401, only successful calls refresh the idle
//! timer, SIDs are UUIDs, a logged-out SID gets what an expired one gets (`edin/auth.rs`); a
//! non-positive or non-numeric `limit` → 400, `search_pattern` is a case-insensitive substring
//! (`edin.rs`); A5/A4 `status` other than 1/2 → 400, A3 edits keep the company (400 otherwise)
//! and an absent `comment`, id 0 means "create" (`edin/procs.rs`); A8 edits without `users` →
//! 400 (never empty a group by omission), a create may carry `users`, members must be users of
//! the group's company, A11 items carry empty `users`, A12 of a group a step uses → 409
//! (`edin/groups.rs`); `document_types` `offset` and out-of-range enumerations, A6 with a
//! blocked type, a wrong `dict_val_id`, a binding another process has (409), A7 of a binding
//! the process lacks (404), the `Dictionary` shape, `agreementProcId` of an unattached type
//! (`edin/documents.rs`, `edin/wire.rs`); A1
//! with 0 or more than 5 groups, a repeated group, a group not of the process's company, an
//! out-of-range type or a negative period/priority → 400, a step id the process lacks → 404
//! (`edin/steps.rs`); `userIds` = the groups' members, each once; numbers in requests as JSON
//! numbers or numeric strings, the Content-Type of JSON bodies not checked (`edin/wire.rs`).

mod auth;
mod builder;
mod call;
mod cms;
pub use cms::detached_signature;
mod diadoc;
mod edin;
mod fault;
mod gate;
mod handle;
mod journal;
mod limits;
mod oidc;
mod pdf;
mod reply;
mod server;
mod state;
mod wire;

pub mod seed;

pub use builder::SandboxBuilder;
pub use diadoc::files::{LARGE_ENTITY_BYTES, LargeEntity, generated, has_print_form, zip};
pub use fault::Fault;
pub use gate::Gate;
pub use handle::SandboxHandle;
pub use journal::{DEFAULT_JOURNAL_CAPACITY, JOURNAL_BODY_BYTES, JournalEntry};
pub use limits::{KONTUR_CONCURRENCY, KONTUR_PER_SECOND};
pub use oidc::{DEFAULT_ACCESS_TOKEN_LIFETIME, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET};
pub use seed::{
    DEMO_LOGIN, DEMO_PASSWORD, EDIN_CAPTCHA_EMAIL, EDIN_CAPTCHA_PASSWORD, EDIN_DEMO_EMAIL,
    EDIN_DEMO_PASSWORD, EDIN_OTHER_EMAIL, EDIN_OTHER_PASSWORD, OTHER_LOGIN, OTHER_PASSWORD, Seed,
};

/// The developer key (`ddauth_api_client_id`) the sandbox knows by default; the format is
/// `<name>-<32 hex>` as in the docs' example (api.md, "Authorization header").
pub const DEVELOPER_KEY: &str = "edi-sandbox-8ee1638deae84c86b8e2069955c2825a";

/// The entry point: `Sandbox::builder()`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with the demo seed, [`DEVELOPER_KEY`], 24-hour Diadoc tokens, the OIDC client
    /// [`OIDC_CLIENT_ID`] with 1-hour access tokens and no refresh-token rotation, Kontur's limits
    /// on (4 in flight, 100 a second per token), 10-minute idle EDIN sessions and no faults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}
