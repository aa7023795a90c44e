//! Reading the clients file and the secret files it names: every read bounded, every secret
//! file read once, and one content digest over all of it. The watcher compares that digest
//! with the last one it saw (Kubernetes swaps a mounted Secret's files without a signal), and
//! a load builds its snapshot from exactly the bytes it digested.
//!
//! Nothing here puts a file's content into an error: a reason names the path and the kind of
//! failure only.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::file::{self, RawFile};
use super::{Digest, Parts};

/// The most the clients file may hold: room for [`super::file::MAX_CLIENTS`] clients of a
/// few hundred bytes each.
pub(crate) const MAX_FILE_BYTES: u64 = 4 << 20;
/// The most a secret file may hold.
pub(crate) const MAX_SECRET_BYTES: u64 = 64 << 10;

/// What one reading found.
pub(crate) struct Source {
    /// Over the clients file and every secret file it names (paths and content, or the kind of
    /// failure), in the order they are named.
    pub(crate) digest: Digest,
    /// The parsed file and its secret files, or why the file could not be read or parsed.
    pub(crate) content: Result<Content, String>,
}

/// A parsed clients file and the secret files it names.
pub(crate) struct Content {
    pub(crate) raw: RawFile,
    /// Resolved path → its secret (whitespace around it trimmed), or why it is unusable.
    pub(crate) secrets: HashMap<PathBuf, Result<SecretString, String>>,
}

/// Reads `path` and every secret file it names. Blocking (file I/O).
pub(crate) fn read(path: &Path) -> Source {
    let mut digest = Parts::new("clients-file");
    let text = match read_bounded(path, MAX_FILE_BYTES) {
        Ok(bytes) => {
            digest.part(&bytes);
            String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", path.display()))
        }
        Err(why) => {
            digest.part(b"\xff").part(why.as_bytes());
            Err(format!("{}: {why}", path.display()))
        }
    };
    let raw = text.and_then(|text| file::parse(path, &text));
    let content = raw.map(|raw| {
        let base = path.parent().unwrap_or(Path::new(""));
        let mut secrets = HashMap::new();
        for named in raw.secret_files() {
            let resolved = base.join(named);
            if secrets.contains_key(&resolved) {
                continue;
            }
            let secret = read_secret(&resolved, &mut digest);
            secrets.insert(resolved, secret);
        }
        Content { raw, secrets }
    });
    Source {
        digest: digest.finish(),
        content,
    }
}

/// A secret file's content, trimmed; its bytes (or the failure) go into `digest`.
fn read_secret(path: &Path, digest: &mut Parts) -> Result<SecretString, String> {
    digest.part(path.as_os_str().as_encoded_bytes());
    let bytes = match read_bounded(path, MAX_SECRET_BYTES) {
        Ok(bytes) => bytes,
        Err(why) => {
            digest.part(b"\xff").part(why.as_bytes());
            return Err(why);
        }
    };
    digest.part(&bytes);
    // No copy of the secret is made: the bytes become the String, trimmed in place.
    let mut text = String::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    let end = text.trim_end().len();
    text.truncate(end);
    let start = text.len() - text.trim_start().len();
    text.drain(..start);
    if text.is_empty() {
        return Err("is empty".to_owned());
    }
    Ok(SecretString::from(text))
}

/// The whole file, if it holds at most `limit` bytes. The reason names the failure only.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot be read ({e})"))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read ({e})"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("is larger than {} KiB", limit / 1024));
    }
    Ok(bytes)
}
