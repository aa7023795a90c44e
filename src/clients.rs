//! Managed clients (service accounts): the clients file, its reload, and the lookup of a
//! caller's `X-Api-Key`. The model is in `clients/model.rs`.

pub mod model;

pub use model::{Client, ClientLimits, Diadoc, DiadocLogin, Digest, Edin, KONTUR_ISSUER};

// INTEGRATION STUB (replaced by the clients helper's work at merge).
use std::sync::{Arc, RwLock};
/// Stub.
#[derive(Debug, Default)]
pub struct Clients {}
impl Clients {
    /// Stub.
    pub fn lookup(&self, _api_key: &str) -> Option<Arc<Client>> {
        None
    }
}
/// Stub.
#[derive(Debug, Default)]
pub struct Registry {
    current: RwLock<Arc<Clients>>,
}
impl Registry {
    /// Stub.
    pub fn from_config(_c: &crate::config::Config) -> Result<Arc<Self>, String> {
        Ok(Arc::default())
    }
    /// Stub.
    pub fn snapshot(&self) -> Arc<Clients> {
        self.current.read().map(|c| c.clone()).unwrap_or_default()
    }
}
