//! Caller identity. Callers send `Authorization: Bearer <their upstream token>`; the token is
//! wrapped in a `SecretString` at once, so it can only reach the upstream's `Authorization`
//! header (built in `upstream/`) and the cache key's hash — never a log line, a `Debug` print or
//! an error body. A missing or malformed header is a 401 with no upstream call.

use axum::http::{HeaderMap, header};
use secrecy::SecretString;

use crate::error::ApiError;

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
