//! The sandbox on its own, spoken to as Diadoc would be: protobuf bodies, DiadocAuth and Bearer
//! headers, plain-text errors (reference/diadoc/api.md); and as EDIN bdoc would be: multipart
//! login, `SID` cookie, JSON (reference/edin/api.md, `edin.rs`). One test binary; one module per
//! concern.

mod auth;
mod counteragents;
mod docflows;
mod documents;
mod edin;
mod events;
mod faults;
mod files;
mod helpers;
mod journal;
mod limits;
mod messages;
mod oidc;
mod organizations;
mod partners;
mod protocol;
mod service;
mod templates;
