//! The OpenID Connect token endpoint, `POST /connect/token`, on the sandbox's own address: the
//! sandbox's base URL is the issuer (lifecycle.md §2.2: `POST {issuer}/connect/token`,
//! `application/x-www-form-urlencoded`). Only the refresh-token grant, with exactly the fields
//! both SDKs send: `grant_type=refresh_token`, `refresh_token`, `client_id`, `client_secret`
//! (no `scope`; one sent anyway is ignored).
//!
//! Success: 200 `application/json` `{"access_token", "token_type": "Bearer", "expires_in",
//! "refresh_token"}` with `Cache-Control: no-store` (RFC 6749 §5.1). The access token is then
//! good as `Authorization: Bearer <access_token>` on every Diadoc method, for the refresh
//! token's user, until its lifetime (`SandboxBuilder::access_token_lifetime`, tokio's clock) or
//! `SandboxHandle::expire_tokens`.
//!
//! Choices where lifecycle.md says UNKNOWN:
//!
//! * error format (not in the facts): RFC 6749 §5.2 JSON `{"error", "error_description"}`,
//!   always **400** (as IdentityServer, whose `/connect/token` path Kontur's matches, answers;
//!   RFC 6749 allows 400 for `invalid_client` when the credentials came in the body):
//!   a body that is not a form, a repeated or missing parameter → `invalid_request`; an unknown
//!   `client_id` or a wrong `client_secret` → `invalid_client`; a `grant_type` other than
//!   `refresh_token` → `unsupported_grant_type`; an unknown, revoked or (with rotation) already
//!   used refresh token → `invalid_grant`. Checked in that order (client before grant, as
//!   IdentityServer does). Another HTTP method → 405 `invalid_request` with `Allow: POST`. No
//!   error body ever repeats a secret, a token or a client id.
//! * refresh tokens are not bound to a client: any registered client may redeem any refresh
//!   token the sandbox issued (so `SandboxHandle::issue_refresh_token` needs no client).
//! * rotation (`rotate_refresh_tokens`, default **off**: both SDKs keep reusing the refresh token
//!   they started with, so Kontur must accept reuse): off → every reply repeats the same
//!   `refresh_token` (IdentityServer's "ReUse" answer); on → every success returns a new one and
//!   the old one is spent (`invalid_grant` from then on).
//! * access-token lifetime: 1 hour by default (IdentityServer's default; the facts give no
//!   figure); `expires_in` is the lifetime in whole seconds, rounded down.
//! * access tokens are opaque (not JWTs) and are accepted only as `Bearer`, not as a
//!   `DiadocAuth` `ddauth_token`.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

use crate::call::Call;
use crate::reply::Refusal;
use crate::state::Shared;

/// The token endpoint's path (lifecycle.md §2.2, both SDKs' `OidcTokenEndpointPath`).
pub(crate) const TOKEN_PATH: &str = "/connect/token";

/// The client id every sandbox knows (`SandboxHandle::oidc_client_id`).
pub const OIDC_CLIENT_ID: &str = "edi-sandbox-client";
/// The secret of [`OIDC_CLIENT_ID`] (`SandboxHandle::oidc_client_secret`).
pub const OIDC_CLIENT_SECRET: &str = "edi-sandbox-secret-3f1c9a7e5b2d4086";

/// The default access-token lifetime: 1 hour (the facts give none; IdentityServer's default).
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The OIDC part of the mutable state.
#[derive(Debug, Default)]
pub(crate) struct Oidc {
    /// Registered clients: id → secret.
    pub clients: HashMap<String, String>,
    /// Live refresh tokens → index into `Seed::users`. Revoked and spent ones are removed.
    pub refresh: HashMap<String, usize>,
    /// Whether a refresh spends the refresh token and returns a new one.
    pub rotate: bool,
    /// How many calls reached `/connect/token` (every outcome).
    pub requests: usize,
}

/// What a successful refresh returns (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: String,
}

/// An RFC 6749 §5.2 error.
#[derive(Debug, Serialize)]
struct TokenError {
    error: &'static str,
    error_description: &'static str,
}

type Outcome = Result<TokenResponse, (StatusCode, TokenError)>;

fn bad(error: &'static str, error_description: &'static str) -> (StatusCode, TokenError) {
    (
        StatusCode::BAD_REQUEST,
        TokenError {
            error,
            error_description,
        },
    )
}

/// `POST /connect/token`, rendered.
pub(crate) fn token(shared: &Shared, call: &Call) -> Response {
    shared.lock().oidc.requests += 1;
    if call.method != Method::POST {
        let mut r = render(Err((
            StatusCode::METHOD_NOT_ALLOWED,
            TokenError {
                error: "invalid_request",
                error_description: "The token endpoint takes POST",
            },
        )));
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    render(grant(shared, call))
}

/// An injected fault with a plain-text body, on the token endpoint (no Diadoc headers).
pub(crate) fn render_injected(refusal: &Refusal) -> Response {
    let mut r = Response::new(Body::from(refusal.text()));
    *r.status_mut() = refusal.status();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn grant(shared: &Shared, call: &Call) -> Outcome {
    let is_form = call
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(bad(
            "invalid_request",
            "The body must be application/x-www-form-urlencoded",
        ));
    }
    let fields: Vec<(String, String)> = form_urlencoded::parse(&call.body).into_owned().collect();
    // RFC 6749 §3.2: parameters must not be repeated.
    let field = |name: &str| -> Result<Option<&str>, (StatusCode, TokenError)> {
        let mut values = fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = values.next();
        if values.next().is_some() {
            return Err(bad("invalid_request", "A parameter is repeated"));
        }
        Ok(first.map(String::as_str).filter(|v| !v.is_empty()))
    };
    let client_id = field("client_id")?;
    let client_secret = field("client_secret")?;
    let grant_type = field("grant_type")?;
    let refresh_token = field("refresh_token")?;
    let mut state = shared.lock();
    let (Some(client_id), Some(client_secret)) = (client_id, client_secret) else {
        return Err(bad(
            "invalid_client",
            "client_id and client_secret are required",
        ));
    };
    if state.oidc.clients.get(client_id).map(String::as_str) != Some(client_secret) {
        return Err(bad("invalid_client", "Client authentication failed"));
    }
    match grant_type {
        None => return Err(bad("invalid_request", "grant_type is required")),
        Some("refresh_token") => {}
        Some(_) => {
            return Err(bad(
                "unsupported_grant_type",
                "Only the refresh_token grant is supported",
            ));
        }
    }
    let refresh_token = refresh_token.ok_or_else(|| {
        bad(
            "invalid_request",
            "refresh_token is required for this grant",
        )
    })?;
    let user = *state
        .oidc
        .refresh
        .get(refresh_token)
        .ok_or_else(|| bad("invalid_grant", "The refresh token is invalid"))?;
    let refresh_token = if state.oidc.rotate {
        state.oidc.refresh.remove(refresh_token);
        let new = shared.random_hex(32);
        state.oidc.refresh.insert(new.clone(), user);
        new
    } else {
        refresh_token.to_owned()
    };
    let lifetime = shared.settings.access_token_lifetime;
    let access_token = shared.random_hex(32);
    state
        .tokens
        .insert_oidc(access_token.clone(), user, lifetime);
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: lifetime.as_secs(),
        refresh_token,
    })
}

fn render(outcome: Outcome) -> Response {
    let (status, body) = match outcome {
        Ok(ok) => (StatusCode::OK, serde_json::to_vec(&ok)),
        Err((status, err)) => (status, serde_json::to_vec(&err)),
    };
    let mut r = Response::new(Body::from(body.unwrap_or_default()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    // RFC 6749 §5.1: token answers are not cached.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// Issues a refresh token for user `user` (index into `Seed::users`).
pub(crate) fn issue_refresh(shared: &Shared, user: usize) -> String {
    let token = shared.random_hex(32);
    shared.lock().oidc.refresh.insert(token.clone(), user);
    token
}
