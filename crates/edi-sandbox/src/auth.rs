//! Authorization as Diadoc checks it (reference/diadoc/api.md, "Authorization header" and
//! "Status codes shared by most methods"):
//!
//! * `DiadocAuth ddauth_api_client_id=<key>,ddauth_token=<token>` — parameters split on `,`,
//!   with or without a space, in either order;
//! * `Bearer <token>` (OIDC mode, no developer key). The sandbox has no OIDC provider, so it
//!   accepts as a Bearer token any token it issued through Authenticate (our choice).
//!
//! A missing header, an unknown developer key, or an unknown or expired token is a 401.

use axum::http::{StatusCode, header};

use crate::{Call, Reply, Shared};

/// The parsed `Authorization` header.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    pub client_id: Option<String>,
    pub token: Option<String>,
    pub bearer: bool,
}

pub(crate) fn parse(call: &Call<'_>) -> Option<Credentials> {
    let value = call
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Credentials {
            token: Some(rest.trim().to_owned()).filter(|t| !t.is_empty()),
            bearer: true,
            ..Default::default()
        });
    }
    if !scheme.eq_ignore_ascii_case("diadocauth") {
        return None;
    }
    let mut creds = Credentials::default();
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=')?;
        let value = value.trim().to_owned();
        match name.trim() {
            "ddauth_api_client_id" => creds.client_id = Some(value),
            "ddauth_token" => creds.token = Some(value),
            _ => {}
        }
    }
    Some(creds)
}

fn unauthorized(msg: &str) -> Reply {
    Reply::Error(
        StatusCode::UNAUTHORIZED,
        "Http.Unauthorized",
        msg.to_owned(),
    )
}

/// Checks the developer key only (Authenticate). 401 when missing or unknown.
pub(crate) fn client_only(shared: &Shared, call: &Call<'_>) -> Result<(), Reply> {
    let creds =
        parse(call).ok_or_else(|| unauthorized("Authorization header is missing or malformed"))?;
    match creds.client_id {
        Some(k) if k == shared.developer_key => Ok(()),
        Some(_) => Err(unauthorized("Unknown ddauth_api_client_id")),
        None => Err(unauthorized("ddauth_api_client_id is missing")),
    }
}

/// Checks the full credentials and returns the user index.
pub(crate) fn user(shared: &Shared, call: &Call<'_>) -> Result<usize, Reply> {
    let creds =
        parse(call).ok_or_else(|| unauthorized("Authorization header is missing or malformed"))?;
    if !creds.bearer {
        match &creds.client_id {
            Some(k) if *k == shared.developer_key => {}
            Some(_) => return Err(unauthorized("Unknown ddauth_api_client_id")),
            None => return Err(unauthorized("ddauth_api_client_id is missing")),
        }
    }
    let token = creds
        .token
        .ok_or_else(|| unauthorized("ddauth_token is missing"))?;
    let state = shared.lock();
    let (_, user, issued) = state
        .tokens
        .iter()
        .find(|(t, _, _)| *t == token)
        .ok_or_else(|| unauthorized("The token is invalid"))?;
    if issued.elapsed() > shared.token_ttl {
        return Err(unauthorized("The token has expired"));
    }
    Ok(*user)
}
