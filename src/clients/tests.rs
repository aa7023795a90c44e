//! Tests of the clients file (`tests/file.rs`) and its reload (`tests/registry.rs`), on files
//! written to a fresh directory under the system's temp dir.

mod file;
mod registry;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Clients, Registry};

/// Every secret in the fixtures contains this, so one `contains` finds a leak.
pub(super) const SECRET: &str = "SECRET-";

/// A key's SHA-256 in hex, as an operator writes it.
pub(super) fn sha256_hex(key: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A directory of its own under the temp dir, removed on drop.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "edi-gateway-clients-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `content` at `relative` (directories made), returning the full path.
    pub(super) fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.0.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("dir");
        }
        std::fs::write(&path, content).expect("write");
        path
    }

    /// Writes the clients file `clients.toml`.
    pub(super) fn clients(&self, content: &str) -> PathBuf {
        self.write("clients.toml", content)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads a clients file as the gateway does at start-up.
pub(super) fn load(path: &Path) -> Result<std::sync::Arc<Clients>, String> {
    Registry::load(Some(path.to_owned())).map(|r| r.snapshot())
}
