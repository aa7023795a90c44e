//! Managed clients (service accounts): the clients file, its reload, and the lookup of a
//! caller's `X-Api-Key`. The model is in `clients/model.rs`; the file's schema is in
//! `docs/clients.md`.
//!
//! - `clients/source.rs` reads the file and the secret files it names (bounded) and digests
//!   their content, so a change can be noticed without a signal.
//! - `clients/file.rs` is the schema (serde, `deny_unknown_fields`) and turns an entry into a
//!   checked [`Client`].
//! - `clients/registry.rs` holds the current [`Clients`] snapshot and swaps it on SIGHUP or a
//!   change; a request keeps the snapshot (or the `Arc<Client>`) it started with.
//!
//! Auth, dispatch and the broker read these values; nothing here touches a request.

mod file;
pub mod model;
mod registry;
mod source;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

pub use model::{Client, ClientLimits, Diadoc, DiadocLogin, Digest, Edin, KONTUR_ISSUER};
pub use registry::{Registry, ReloadOutcome};

/// One reading of the clients file: every client it describes, found by the SHA-256 of its
/// API key. Immutable: a reload builds a new one, and whoever holds this one keeps it.
pub struct Clients {
    /// In file order.
    entries: Vec<Entry>,
    /// SHA-256 of an API key → its client (an index into `entries`).
    by_key: HashMap<Digest, usize>,
    /// Name → its client (an index into `entries`).
    by_name: HashMap<String, usize>,
    /// The content digest of the file and the secret files it names, as read for this snapshot
    /// (the watcher compares it with the files as they are now).
    content: Digest,
}

/// A client and the digests of the API keys that name it.
struct Entry {
    client: Arc<Client>,
    keys: Vec<Digest>,
}

// === impl Clients ===

impl Clients {
    /// No clients (no clients file).
    pub fn empty() -> Self {
        Self {
            entries: Vec::new(),
            by_key: HashMap::new(),
            by_name: HashMap::new(),
            content: [0; 32],
        }
    }

    /// The client whose API key this is, if any. The key is hashed (plain SHA-256 of its bytes,
    /// as `printf %s "$KEY" | sha256sum` gives it) and the digest looked up; the key itself is
    /// neither kept nor compared. A map lookup by digest leaks nothing useful through timing:
    /// a caller cannot steer the digest of a guess towards a stored one.
    pub fn lookup(&self, api_key: &str) -> Option<Arc<Client>> {
        let digest: Digest = Sha256::digest(api_key.as_bytes()).into();
        let index = *self.by_key.get(&digest)?;
        self.entries.get(index).map(|e| Arc::clone(&e.client))
    }

    /// The client of this name, if any.
    pub fn get(&self, name: &str) -> Option<&Arc<Client>> {
        let index = *self.by_name.get(name)?;
        self.entries.get(index).map(|e| &e.client)
    }

    /// How many clients.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No clients at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every client, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Client>> {
        self.entries.iter().map(|e| &e.client)
    }

    /// The digest of what this snapshot was read from.
    pub(crate) fn content(&self) -> Digest {
        self.content
    }

    /// The API-key digests of the client of this name.
    fn keys_of(&self, name: &str) -> Option<&[Digest]> {
        let index = *self.by_name.get(name)?;
        self.entries.get(index).map(|e| e.keys.as_slice())
    }
}

impl Default for Clients {
    fn default() -> Self {
        Self::empty()
    }
}

// Ten thousand clients would flood a log line; the names are enough.
impl fmt::Debug for Clients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clients")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// SHA-256 over length-prefixed parts (each part: its length as 8 bytes big-endian, then its
/// bytes), so no two different part lists hash alike (`["ab", "c"]` ≠ `["a", "bc"]`).
#[derive(Default)]
pub(crate) struct Parts(Sha256);

impl Parts {
    /// Starts a digest whose first part says what it names (`"diadoc/oidc"`, `"client"`…).
    pub(crate) fn new(kind: &str) -> Self {
        let mut parts = Self::default();
        parts.part(kind.as_bytes());
        parts
    }

    /// Adds one part.
    pub(crate) fn part(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
        self
    }

    /// The digest.
    pub(crate) fn finish(self) -> Digest {
        self.0.finalize().into()
    }
}
