//! Managed clients (service accounts): the clients file, its reload, and the lookup of a
//! caller's `X-Api-Key`. The model is in `clients/model.rs`.

pub mod model;

pub use model::{Client, ClientLimits, Diadoc, DiadocLogin, Digest, Edin, KONTUR_ISSUER};
