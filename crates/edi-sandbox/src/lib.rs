//! edi-sandbox: a local simulator of the Kontur Diadoc HTTP methods the gateway calls, written
//! from `reference/diadoc/api.md` and never from gateway code. It shares only the wire schema
//! (`edi-proto`) with the gateway, so it cannot agree with a gateway bug.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = edi_sandbox::Sandbox::builder().spawn().await?;
//! println!("Diadoc simulator on {}", sandbox.base_url());
//! let box_id = sandbox.seed().first_box_id_guid();
//! # let _ = box_id; Ok(()) }
//! ```
//!
//! # Layout
//!
//! A request goes through the files in this order:
//!
//! * `server.rs` — the one axum handler: journal the request, take an injected fault, route it,
//!   wait the configured delay, render the reply with an `X-Kontur-Trace-Id`.
//! * `journal.rs` — [`JournalEntry`]: every request received, with the status it got.
//! * `diadoc.rs` — the method table (path, HTTP method, auth level, handler); 404 and 405.
//! * `auth.rs` — `DiadocAuth` / `Bearer` headers, issued tokens, the 401 rules.
//! * `call.rs` — the parsed request and its query parameters (400 rules).
//! * `wire.rs` — protobuf request bodies, with proto2 `required` fields checked.
//! * `diadoc/` — one file per upstream method: `authenticate`, `organizations`,
//!   `counteragents`, `documents` (+ `documents/category.rs`: `filterCategory`), `docflows`
//!   (+ `docflows/view.rs`: the `DocflowV3` of a seeded document), `protocol`
//!   (GenerateDocumentProtocol), `templates` (PostTemplate).
//! * `reply.rs` — replies and refusals: protobuf, plain text, `Retry-After`, plain-text errors
//!   with `X-Diadoc-ErrorCode`.
//! * `seed.rs` (+ `seed/`) — the deterministic data (ids, organizations, counteragents,
//!   documents and their contents); `pdf.rs`, `cms.rs` — the bytes of PDFs and signatures.
//! * `builder.rs`, `handle.rs`, `state.rs` — [`SandboxBuilder`], [`SandboxHandle`], shared state.
//!
//! # Simulated methods
//!
//! `POST /V3/Authenticate?type=password`, `GET /GetMyOrganizations`, `GET /V2/GetCounteragents`,
//! `GET /V3/GetCounteragents`, `GET /V3/GetDocuments`, `POST /V3/GetDocflows`,
//! `GET /GenerateDocumentProtocol`, `POST /PostTemplate`. Bodies are protobuf both ways; the only
//! JSON the sandbox reads is Authenticate's `LoginPassword` (api.md shows that one in JSON), and
//! it never answers in JSON (`Accept` is ignored).
//!
//! # Choices where api.md says UNKNOWN
//!
//! Each is made once, in a comment next to the code that makes it:
//! wrong credentials on Authenticate → 401 (`diadoc/authenticate.rs`); Bearer tokens = any
//! token the sandbox issued (`auth.rs`); protobuf responses are `application/x-protobuf`
//! (`reply.rs`); `X-Diadoc-ErrorCode` values (`reply.rs`); GetCounteragents `TotalCount`,
//! `Rejected`, `pageSize` and unknown cursors (`diadoc/counteragents.rs`); GetDocflows with
//! missing ids and the content cap (`diadoc/docflows.rs`); protocol polling and the kind with no
//! protocol (`diadoc/protocol.rs`, `seed/documents.rs`); PostTemplate polling, `operationId`
//! reuse with another body, boxes without templates (`diadoc/templates.rs`).

mod auth;
mod builder;
mod call;
mod cms;
mod diadoc;
mod handle;
mod journal;
mod pdf;
mod reply;
mod server;
mod state;
mod wire;

pub mod seed;

pub use builder::SandboxBuilder;
pub use handle::SandboxHandle;
pub use journal::JournalEntry;
pub use seed::{DEMO_LOGIN, DEMO_PASSWORD, OTHER_LOGIN, OTHER_PASSWORD, Seed};

/// The developer key (`ddauth_api_client_id`) the sandbox knows by default; the format is
/// `<name>-<32 hex>` as in the docs' example (api.md, "Authorization header").
pub const DEVELOPER_KEY: &str = "edi-sandbox-8ee1638deae84c86b8e2069955c2825a";

/// The entry point: `Sandbox::builder()`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with the demo seed, [`DEVELOPER_KEY`], 24-hour tokens and no faults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}
