//! The OpenID Connect refresh-token grant, exactly as both SDKs send it (lifecycle.md §2.2):
//! `POST {issuer}/connect/token`, form `grant_type=refresh_token`, `refresh_token`,
//! `client_id`, `client_secret`, no `scope`; the reply's `access_token` (must not be empty),
//! `expires_in` (integer seconds) and, perhaps, a new `refresh_token`.
//!
//! * **Lifetime.** Refreshed 60 s before `expires_in` runs out, as the Java SDK's
//!   `OidcRefreshTokenProvider` does (§2.3). A token of 120 s or less is refreshed halfway
//!   through its life instead, so a short-lived token is still used for a while. Kontur's
//!   lifetime is UNKNOWN (§2.2); a reply without `expires_in` is taken to live
//!   [`UNKNOWN_LIFETIME`] (short, so a wrong guess costs a few token requests, never a stream
//!   of 401s; a 401 refreshes anyway).
//! * **Rotation.** Whether Kontur rotates refresh tokens is UNKNOWN (§2.2; the SDKs ignore a
//!   returned one), so both are handled: a returned `refresh_token` that differs is used from
//!   then on (in memory), and written back to the credential's `refresh_token_file` when it has
//!   one (a temporary file beside it, mode 0600, renamed over it). When that fails (a read-only
//!   Kubernetes Secret), a warning names the client, never the token: the rotated token then
//!   lives only in this process, and a restart goes back to the file's.
//! * **A new token in the file.** The broker remembers the digest of the file's value it last
//!   saw and of the tokens it rotated to. A file value that is neither (the operator put a new
//!   one there) replaces the in-memory one, drops the access token and ends any back-off; a
//!   file that shows the rotated token (written back, then reloaded) changes nothing.

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use http::header;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use tokio::time::Instant;

use crate::clients::model::Digest;
use crate::upstream::read::{self, LOGIN_REPLY_CAP};
use crate::upstream::redact::Secrets;
use crate::upstream::{CredentialProblem, Service, UpstreamError};

/// The lifetime assumed when the token endpoint sends no `expires_in`.
pub(crate) const UNKNOWN_LIFETIME: Duration = Duration::from_secs(300);

/// How early a token is refreshed (Java SDK: `expires_in·1000 − 60 000` ms).
pub(crate) const MARGIN: Duration = Duration::from_secs(60);

/// Tokens living at most this long are refreshed halfway through their life instead.
const SHORT_LIFETIME: Duration = Duration::from_secs(120);

/// The longest lifetime believed (a year), so no `Instant` arithmetic overflows.
const MAX_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// The most rotated refresh tokens remembered as the broker's own.
const ROTATIONS_KEPT: usize = 16;

/// When to stop handing out a token issued at `issued` that lives `lifetime`.
pub(crate) fn refresh_at(issued: Instant, lifetime: Duration) -> Instant {
    let lifetime = lifetime.min(MAX_LIFETIME);
    let margin = if lifetime > SHORT_LIFETIME {
        MARGIN
    } else {
        lifetime / 2
    };
    issued + (lifetime - margin)
}

// === Grant ===

/// One refresh-token grant's inputs.
pub(crate) struct Grant<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a SecretString,
    pub refresh_token: &'a SecretString,
}

/// What the token endpoint gave.
pub(crate) struct Granted {
    pub access_token: SecretString,
    pub lifetime: Duration,
    pub refresh_token: Option<SecretString>,
}

/// The token endpoint's JSON (lifecycle.md §2.2: the fields both SDKs read; `token_type` is
/// not used: the token always goes as `Bearer`, as in the SDKs).
#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    access_token: Option<SecretString>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<SecretString>,
}

impl Grant<'_> {
    /// Asks the token endpoint. A 4xx (other than 429) is a refused credential, with the
    /// endpoint's text redacted of the secret, the refresh token and the client id; a 429, a
    /// 5xx or a transport failure is an upstream error like any other.
    pub(crate) async fn request(
        &self,
        http: &reqwest::Client,
        client: &str,
    ) -> Result<Granted, UpstreamError> {
        let url = format!("{}/connect/token", self.issuer.trim_end_matches('/'));
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", self.refresh_token.expose_secret())
            .append_pair("client_id", self.client_id)
            .append_pair("client_secret", self.client_secret.expose_secret())
            .finish();
        let response = http
            .post(url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(form)
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let body = read::error_body(response).await?;
            let secrets = Secrets::new([
                self.client_secret.expose_secret(),
                self.refresh_token.expose_secret(),
            ]);
            return Err(
                match crate::upstream::refusal(Service::Diadoc, status, &headers, &body, &secrets) {
                    UpstreamError::Status(f) if (400..500).contains(&f.status) => {
                        super::refused(client, CredentialProblem::DiadocTokenRefused, Some(f))
                    }
                    other => other,
                },
            );
        }
        let body = read::capped(response, LOGIN_REPLY_CAP).await?;
        // serde's message is not passed on: it may quote a value of the reply.
        let reply: Reply = serde_json::from_slice(&body).map_err(|_| {
            UpstreamError::Unusable(
                "the token endpoint's reply is not the documented JSON object".to_owned(),
            )
        })?;
        let access_token = reply
            .access_token
            .filter(|t| !t.expose_secret().is_empty())
            .ok_or_else(|| {
                UpstreamError::Unusable("the token endpoint sent no access_token".to_owned())
            })?;
        Ok(Granted {
            access_token,
            lifetime: lifetime(reply.expires_in.as_ref()),
            refresh_token: reply
                .refresh_token
                .filter(|t| !t.expose_secret().is_empty()),
        })
    }
}

/// `expires_in` as a lifetime: an integer (as documented), a float or a numeric string taken
/// as seconds, a negative one as 0; absent or unreadable, [`UNKNOWN_LIFETIME`].
fn lifetime(expires_in: Option<&serde_json::Value>) -> Duration {
    let secs = match expires_in {
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_i64().map(|_| 0))
            .or_else(|| n.as_f64().map(|f| f.max(0.0) as u64)),
        Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    secs.map_or(UNKNOWN_LIFETIME, |s| {
        Duration::from_secs(s).min(MAX_LIFETIME)
    })
}

// === Rotation ===

/// A credential's refresh tokens: the one in use, the file's value last seen, and the ones
/// the broker rotated to (digests only, but for the one in use).
#[derive(Default)]
pub(crate) struct Rotation {
    /// The refresh token in use when it is not the file's (after a rotation).
    current: Option<SecretString>,
    /// SHA-256 of the file's value last seen.
    file: Option<Digest>,
    /// SHA-256 of the tokens the broker rotated to, newest last.
    ours: VecDeque<Digest>,
}

/// What [`Rotation::see`] made of the file's refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// The one in use, or one the broker wrote there: nothing to do.
    Known,
    /// The credential's first use.
    First,
    /// The operator put a new one there: drop the access token and any back-off.
    Changed,
}

fn digest(token: &SecretString) -> Digest {
    Sha256::digest(token.expose_secret().as_bytes()).into()
}

impl Rotation {
    /// Whether `file` (the refresh token the clients file gives now) is one not seen before.
    pub(crate) fn is_news(&self, file: &SecretString) -> bool {
        let d = digest(file);
        self.file != Some(d) && !self.ours.contains(&d)
    }

    /// Takes note of the file's value; a new one (first use, or the operator changed it)
    /// becomes the one in use.
    pub(crate) fn see(&mut self, file: &SecretString) -> Seen {
        let d = digest(file);
        if self.file == Some(d) {
            return Seen::Known;
        }
        let seen = match (self.file, self.ours.contains(&d)) {
            (_, true) => Seen::Known,
            (None, false) => Seen::First,
            (Some(_), false) => Seen::Changed,
        };
        if seen != Seen::Known {
            self.current = None;
        }
        // The operator's value, or the file now shows a rotated one (written back and
        // reloaded): remember it as the file's, so it is not news later.
        self.file = Some(d);
        seen
    }

    /// The refresh token to send.
    pub(crate) fn current(&self, file: &SecretString) -> SecretString {
        self.current.clone().unwrap_or_else(|| file.clone())
    }

    /// The token endpoint returned a different refresh token: use it from now on.
    pub(crate) fn rotate(&mut self, rotated: &SecretString) {
        self.ours.push_back(digest(rotated));
        while self.ours.len() > ROTATIONS_KEPT {
            self.ours.pop_front();
        }
        self.current = Some(rotated.clone());
    }
}

// === Write-back ===

/// Writes a rotated refresh token to the credential's file: a temporary file beside it
/// (mode 0600), synced, then renamed over it, so a reader sees the old token or the new one,
/// never half of one. A failure is logged (naming the client and the file, never the token)
/// and otherwise ignored: the token is kept in memory.
pub(crate) async fn write_back(client: &str, key: Digest, path: &Path, token: &SecretString) {
    let path = path.to_owned();
    let token = token.clone();
    let written = tokio::task::spawn_blocking({
        let path = path.clone();
        move || replace(&path, &key, &token)
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|r| r);
    match written {
        Ok(()) => tracing::info!(
            client,
            file = %path.display(),
            "wrote the rotated Diadoc refresh token back to its file"
        ),
        Err(e) => tracing::warn!(
            client,
            file = %path.display(),
            error = %e,
            "could not write the rotated Diadoc refresh token back to its file; it is kept in \
             memory only, and a restart would use the file's (perhaps no longer valid) token: \
             make the file writable, or put the new token there"
        ),
    }
}

fn replace(path: &Path, key: &Digest, token: &SecretString) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    // One temporary name per credential (the same file is written by one credential's flight
    // at a time).
    let tag: String = key.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let temp = dir.join(format!(".{}.{tag}.tmp", name.to_string_lossy()));
    let _ = std::fs::remove_file(&temp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(token.expose_secret().as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    } else if let Ok(d) = std::fs::File::open(&dir) {
        // The rename itself survives a crash only once the directory is synced; best effort.
        let _ = d.sync_all();
    }
    result
}
