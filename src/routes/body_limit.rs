//! How large a request body each route reads ([`Route::body_limit`](super::Route::body_limit)),
//! checked while the body is read (`dispatch.rs`: a `Content-Length` above the limit is refused
//! before a byte is read, a chunked body as soon as it grows past it), 413 before any parse.
//!
//! Most bodies are small JSON (a login, a docflow batch of ids, an EDIN step, group or process):
//! [`DEFAULT_BODY_LIMIT`]. A body that carries documents (base64 content inside the JSON) needs
//! more: [`DOCUMENT_BODY_LIMIT`]. The audit test (`routes/audit.rs`) checks that every route
//! with a body has a limit between 1 KiB and [`LARGEST_BODY_LIMIT`], and that a Diadoc body can
//! carry file content (a `bytes` field anywhere in its message) exactly when its limit is the
//! large one.

/// The limit of a route that sets none: 64 KiB, for small JSON bodies (a login, EDIN steps and
/// groups, counteragent requests without a document). A docflow batch of 100 ids is about 15 KB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The limit of a body that carries documents (PostMessage, PostTemplate, an invitation
/// document): 32 MiB of JSON, i.e. about 24 MiB of file content once base64 is decoded.
///
/// Why this size: Diadoc takes at most 40 documents per message (api.md, "Rate limits and size
/// limits"; lifecycle.md §3), each up to 70 MB, but it recommends its shelf for content from
/// 500 KB upward (lifecycle.md §3) and caps the content it returns for a message at 1 MiB
/// (GetMessage). 32 MiB holds 40 documents of well over 500 KB each inline, while the memory
/// one request can cost stays bounded: the body, its checked JSON and the protobuf together peak
/// at a few times the limit (README, "Limits and timeouts").
pub const DOCUMENT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// No route may read more than this (the audit test checks it).
#[cfg(test)]
pub const LARGEST_BODY_LIMIT: usize = DOCUMENT_BODY_LIMIT;
