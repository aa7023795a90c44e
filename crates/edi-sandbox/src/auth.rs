//! Authorization as Diadoc checks it (api.md, "Authorization header", "Status codes shared by
//! most methods", `Authorization.rst` order: the token first (401), then the box (403)).
//!
//! * `DiadocAuth ddauth_api_client_id=<key>,ddauth_token=<token>`: parameters are separated by
//!   `,` with or without a following space (the SDK writes none, the docs show both), in either
//!   order. Authenticate needs only the client id.
//! * `Bearer <token>`: OIDC mode (lifecycle.md §2.2), with no developer key at all. Accepted:
//!   an unexpired access token from the sandbox's own token endpoint (`oidc.rs`), and — the
//!   sandbox's choice, kept from before it had one — any unexpired token it issued through
//!   Authenticate. OIDC access tokens are accepted only as `Bearer`, never as `ddauth_token`.
//!
//! A missing or unreadable header, a missing or unknown developer key, a missing, unknown or
//! expired token: 401 with a plain-text reason.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use axum::http::{HeaderMap, header};

use crate::reply::Refusal;
use crate::state::Shared;

/// The `Authorization` header, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Credentials {
    DiadocAuth {
        client_id: Option<String>,
        token: Option<String>,
    },
    Bearer(String),
}

fn parse(headers: &HeaderMap) -> Result<Credentials, Refusal> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(Refusal::Unauthorized("The Authorization header is missing"))?
        .to_str()
        .map_err(|_| Refusal::Unauthorized("The Authorization header is not readable"))?
        .trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("Bearer") {
        let token = rest.trim();
        if token.is_empty() {
            return Err(Refusal::Unauthorized("The Bearer token is empty"));
        }
        return Ok(Credentials::Bearer(token.to_owned()));
    }
    if !scheme.eq_ignore_ascii_case("DiadocAuth") {
        return Err(Refusal::Unauthorized(
            "The Authorization scheme must be DiadocAuth or Bearer",
        ));
    }
    let (mut client_id, mut token) = (None, None);
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').ok_or(Refusal::Unauthorized(
            "The DiadocAuth parameters are malformed",
        ))?;
        let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        match name.trim().to_ascii_lowercase().as_str() {
            "ddauth_api_client_id" => client_id = value,
            "ddauth_token" => token = value,
            _ => {}
        }
    }
    Ok(Credentials::DiadocAuth { client_id, token })
}

fn check_client_id(shared: &Shared, client_id: Option<&str>) -> Result<(), Refusal> {
    match client_id {
        Some(key) if key == shared.settings.developer_key => Ok(()),
        Some(_) => Err(Refusal::Unauthorized("Unknown ddauth_api_client_id")),
        None => Err(Refusal::Unauthorized("ddauth_api_client_id is missing")),
    }
}

/// Authenticate's check: a DiadocAuth header with the known developer key (api.md,
/// Authenticate: 401 "no Authorization header, or no ddauth_api_client_id in it, or a developer
/// key Diadoc does not know").
pub(crate) fn developer_key(shared: &Shared, headers: &HeaderMap) -> Result<(), Refusal> {
    match parse(headers)? {
        Credentials::DiadocAuth { client_id, .. } => check_client_id(shared, client_id.as_deref()),
        Credentials::Bearer(_) => Err(Refusal::Unauthorized(
            "Authenticate takes a DiadocAuth header with ddauth_api_client_id",
        )),
    }
}

/// The directory methods' check (GetOrganization, GetBox): api.md says the developer key alone
/// is enough ([SkipTokenValidation] on the server: a token, if sent, is not checked); with
/// OIDC (`Bearer`) every call needs a valid token (lifecycle.md §2.2).
pub(crate) fn directory(shared: &Shared, headers: &HeaderMap) -> Result<(), Refusal> {
    match parse(headers)? {
        Credentials::DiadocAuth { client_id, .. } => check_client_id(shared, client_id.as_deref()),
        Credentials::Bearer(token) => shared
            .lock()
            .tokens
            .user(&token, shared.settings.token_ttl, true)
            .map(|_| ()),
    }
}

/// Every other method's check: returns the index into `Seed::users` of the token's user.
pub(crate) fn user(shared: &Shared, headers: &HeaderMap) -> Result<usize, Refusal> {
    let (token, bearer) = match parse(headers)? {
        Credentials::DiadocAuth { client_id, token } => {
            check_client_id(shared, client_id.as_deref())?;
            (
                token.ok_or(Refusal::Unauthorized("ddauth_token is missing"))?,
                false,
            )
        }
        Credentials::Bearer(token) => (token, true),
    };
    shared
        .lock()
        .tokens
        .user(&token, shared.settings.token_ttl, bearer)
}

/// The token Kontur's limits are kept for (`limits.rs`): the `Bearer` token or the
/// `ddauth_token`, as sent (valid or not); `None` when the call carries none.
pub(crate) fn limit_key(headers: &HeaderMap) -> Option<String> {
    match parse(headers).ok()? {
        Credentials::Bearer(token) => Some(token),
        Credentials::DiadocAuth { token, .. } => token,
    }
}

/// The tokens issued so far. Their age is read from tokio's clock, so a test with
/// `tokio::time::pause()` moves it with `advance`.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    issued: HashMap<String, Issued>,
}

#[derive(Debug)]
struct Issued {
    /// Index into `Seed::users`.
    user: usize,
    at: Instant,
    /// Expired by the handle (`SandboxHandle::expire_tokens`).
    expired: bool,
    /// `Some(lifetime)` for an OIDC access token (Bearer only); `None` for an Authenticate
    /// token, which lives `Settings::token_ttl`.
    oidc: Option<Duration>,
}

impl Tokens {
    /// Remembers `token` as issued now to user `user`.
    pub(crate) fn insert(&mut self, token: String, user: usize) {
        self.remember(token, user, None);
    }

    /// Remembers the OIDC access token `token`, issued now to user `user`, valid for
    /// `lifetime` and only as `Bearer`.
    pub(crate) fn insert_oidc(&mut self, token: String, user: usize, lifetime: Duration) {
        self.remember(token, user, Some(lifetime));
    }

    fn remember(&mut self, token: String, user: usize, oidc: Option<Duration>) {
        let at = Instant::now();
        let issued = Issued {
            user,
            at,
            expired: false,
            oidc,
        };
        self.issued.insert(token, issued);
    }

    /// Expires every token issued so far; later ones are valid as usual.
    pub(crate) fn expire_all(&mut self) {
        for issued in self.issued.values_mut() {
            issued.expired = true;
        }
    }

    /// The user of a valid token; 401 when unknown, expired, or older than its lifetime (`ttl`
    /// for Authenticate tokens); an OIDC access token sent other than as `Bearer` is unknown.
    fn user(&self, token: &str, ttl: Duration, bearer: bool) -> Result<usize, Refusal> {
        let issued = self
            .issued
            .get(token)
            .filter(|i| bearer || i.oidc.is_none())
            .ok_or(Refusal::Unauthorized("The token is invalid"))?;
        if issued.expired || issued.at.elapsed() >= issued.oidc.unwrap_or(ttl) {
            return Err(Refusal::Unauthorized("The token has expired"));
        }
        Ok(issued.user)
    }
}

/// Issues a new token for user `user`: opaque and base64-like, as in the docs' example
/// (api.md, "Authorization header").
pub(crate) fn issue(shared: &Shared, user: usize) -> String {
    let token = base64(&shared.random_bytes(96));
    shared.lock().tokens.insert(token.clone(), user);
    token
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().expect("header value"));
        h
    }

    #[test]
    fn diadoc_auth_parameters_parse_in_any_order_and_spacing() {
        let expected = Credentials::DiadocAuth {
            client_id: Some("k".into()),
            token: Some("t".into()),
        };
        for v in [
            "DiadocAuth ddauth_api_client_id=k,ddauth_token=t",
            "DiadocAuth ddauth_api_client_id=k, ddauth_token=t",
            "DiadocAuth ddauth_token=t,ddauth_api_client_id=k",
        ] {
            assert_eq!(parse(&headers(v)).ok(), Some(expected.clone()), "{v}");
        }
        assert_eq!(
            parse(&headers("Bearer abc")).ok(),
            Some(Credentials::Bearer("abc".into()))
        );
        assert!(parse(&headers("Basic xyz")).is_err());
        assert!(parse(&HeaderMap::new()).is_err());
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
    }
}
