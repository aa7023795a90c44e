//! Caller identity, one of two kinds ([`Caller`]):
//!
//! * a **managed client** (service account) sends `X-Api-Key: <key>`; the key is looked up by its
//!   SHA-256 in the clients file's current snapshot (`clients.rs`) and never kept, logged or
//!   echoed; the gateway holds the client's upstream credentials (`credentials.rs`);
//! * a caller with its **own upstream token** sends `Authorization: Bearer <token>` (unless the
//!   operator switched caller tokens off); the token is wrapped in a `SecretString` at once, so it
//!   can only reach the upstream's auth header (built in `upstream/`) and the keys' hashes —
//!   never a log line, a `Debug` print or an error body.
//!
//! A missing, unknown or malformed credential is a 401 with no upstream call.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, header};
use secrecy::SecretString;

use crate::clients::{Client, Clients};
use crate::error::ApiError;

/// The header a managed client's API key comes in.
pub(crate) const API_KEY: HeaderName = HeaderName::from_static("x-api-key");

/// The longest API key accepted (the clients file stores only its SHA-256; any length works,
/// but nothing needs more than this).
const MAX_API_KEY_LEN: usize = 256;

/// Who is calling, as far as the upstream credential goes.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// The caller's own upstream token: a Diadoc token, or an EDIN session id.
    Token(SecretString),
    /// A managed client, as the clients file described it when the request arrived: a reload
    /// during the request does not change what it uses.
    Client(Arc<Client>),
}

/// The caller of a route that takes a credential: `X-Api-Key` (a managed client) or, when
/// `caller_tokens` allows it, `Authorization: Bearer` (the caller's own token).
pub(crate) fn caller(
    headers: &HeaderMap,
    clients: &Clients,
    caller_tokens: bool,
) -> Result<Caller, ApiError> {
    if let Some(client) = managed(headers, clients)? {
        return Ok(Caller::Client(client));
    }
    if !caller_tokens {
        return Err(ApiError::Unauthorized(
            "send `X-Api-Key: <key>`: this gateway serves managed clients only",
        ));
    }
    bearer_token(headers).map(Caller::Token)
}

/// The managed client named by `X-Api-Key`, if the header is sent: an unknown key, a second
/// key, or a key alongside an `Authorization` header is a 401.
pub(crate) fn managed(
    headers: &HeaderMap,
    clients: &Clients,
) -> Result<Option<Arc<Client>>, ApiError> {
    let mut values = headers.get_all(API_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::Unauthorized(
            "send one X-Api-Key header, not several",
        ));
    }
    if headers.contains_key(header::AUTHORIZATION) {
        return Err(ApiError::Unauthorized(
            "send X-Api-Key or Authorization, not both",
        ));
    }
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_API_KEY_LEN)
        .ok_or(ApiError::Unauthorized("the X-Api-Key header is malformed"))?;
    clients.lookup(key).map(Some).ok_or(ApiError::Unauthorized(
        "the X-Api-Key is not known to this gateway",
    ))
}

/// Longest token accepted; real Diadoc tokens are a few hundred characters.
const MAX_TOKEN_LEN: usize = 4096;

/// Extracts the caller's bearer token.
pub fn bearer_token(headers: &HeaderMap) -> Result<SecretString, ApiError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(ApiError::Unauthorized(
            "send `Authorization: Bearer <token>`; get a token from the sessions route",
        ));
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not ASCII"))?;
    let Some((scheme, token)) = value.split_once(' ') else {
        return Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <token>`",
        ));
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(
            "the Authorization scheme must be Bearer",
        ));
    }
    let token = token.trim();
    // RFC 6750 b64token characters, plus nothing that could split the upstream's
    // comma-separated DiadocAuth parameters.
    let ok = !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
    if !ok {
        return Err(ApiError::Unauthorized("the bearer token is malformed"));
    }
    Ok(SecretString::from(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use secrecy::ExposeSecret;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(v).expect("ascii"),
        );
        h
    }

    #[test]
    fn accepts_bearer_in_any_case() {
        let t = bearer_token(&headers("bearer abc.DEF+/=")).expect("valid");
        assert_eq!(t.expose_secret(), "abc.DEF+/=");
    }

    #[test]
    fn rejects_missing_other_schemes_and_smuggling() {
        assert!(bearer_token(&HeaderMap::new()).is_err());
        for bad in [
            "Basic abc",
            "Bearer",
            "Bearer ",
            "Bearer a,ddauth_token=b",
            "Bearer a b",
        ] {
            assert!(bearer_token(&headers(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_of_a_token_is_redacted() {
        let t = bearer_token(&headers("Bearer s3cret")).expect("valid");
        assert!(!format!("{t:?}").contains("s3cret"));
    }
}
