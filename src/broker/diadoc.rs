//! Diadoc tokens of managed credentials: the OpenID Connect refresh-token grant (`oidc.rs`) or
//! the legacy password login (api.md, "Authenticate": `POST /V3/Authenticate?type=password`,
//! body `LoginPassword`, the developer key alone in the header, the token as text, valid 24 h).

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use edi_proto::diadoc::api::proto::LoginPassword;
use http::Method;
use prost_reflect::prost::Message as _;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::oidc::{self, Rotation, Seen};
use super::{Broker, Slot};
use crate::clients::model::{Diadoc, DiadocLogin};
use crate::upstream::diadoc::{DiadocAuthMode, DiadocClient, DiadocRequest};
use crate::upstream::read::LOGIN_REPLY_CAP;
use crate::upstream::{CredentialProblem, UpstreamError};

/// A password-login token's lifetime (api.md, "Authorization header": DiadocAuth tokens live
/// 24 hours).
pub(crate) const PASSWORD_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// A Diadoc token for a managed credential, and the header it goes in.
#[derive(Debug, Clone)]
pub(crate) struct DiadocToken {
    /// The token.
    pub token: SecretString,
    /// [`DiadocAuthMode::Bearer`] for an OpenID Connect access token (`Authorization: Bearer …`,
    /// no developer key); [`DiadocAuthMode::Diadocauth`] for a password-login token (with the
    /// gateway's developer key).
    pub mode: DiadocAuthMode,
}

/// A token as held: with when to stop handing it out.
pub(crate) struct Issued {
    token: SecretString,
    mode: DiadocAuthMode,
    refresh_at: Instant,
}

impl Issued {
    fn token(&self) -> DiadocToken {
        DiadocToken {
            token: self.token.clone(),
            mode: self.mode,
        }
    }

    fn is(&self, token: &SecretString) -> bool {
        self.token.expose_secret() == token.expose_secret()
    }
}

/// One Diadoc credential: its token slot and, for OpenID Connect, its refresh token.
pub(crate) struct DiadocSlot {
    pub(super) slot: Slot<Issued>,
    rotation: RwLock<Rotation>,
}

impl DiadocSlot {
    fn new() -> Self {
        Self {
            slot: Slot::new(),
            rotation: RwLock::new(Rotation::default()),
        }
    }

    /// Whether the credential's refresh token (as the clients file gives it now) is one the
    /// broker has not seen: the operator put a new one there.
    fn is_news(&self, cred: &Diadoc) -> bool {
        let DiadocLogin::Oidc { refresh_token, .. } = &cred.login else {
            return false;
        };
        self.rotation
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_news(refresh_token)
    }
}

impl Broker {
    /// The current Diadoc token of this credential: fetched on first use, refreshed before it
    /// expires (60 s early; half the lifetime for tokens of 2 minutes or less), never fetched
    /// twice at once. `client` names the managed client in logs and problems.
    pub(crate) async fn diadoc(
        &self,
        client: &str,
        cred: &Diadoc,
        diadoc: &DiadocClient,
    ) -> Result<DiadocToken, UpstreamError> {
        self.diadoc_token(client, cred, diadoc, None).await
    }

    /// After Diadoc answered 401 to `stale`: a new token, unless another request already
    /// replaced `stale` (then that one). Many callers with the same stale token cost one
    /// token request.
    pub(crate) async fn diadoc_after_401(
        &self,
        client: &str,
        cred: &Diadoc,
        stale: &SecretString,
        diadoc: &DiadocClient,
    ) -> Result<DiadocToken, UpstreamError> {
        self.diadoc_token(client, cred, diadoc, Some(stale)).await
    }

    async fn diadoc_token(
        &self,
        client: &str,
        cred: &Diadoc,
        diadoc: &DiadocClient,
        stale: Option<&SecretString>,
    ) -> Result<DiadocToken, UpstreamError> {
        let slot = self
            .diadoc
            .get_with(cred.key, async { Arc::new(DiadocSlot::new()) })
            .await;
        let usable = |held: &Issued, now: Instant| {
            now < held.refresh_at && stale.is_none_or(|stale| !held.is(stale))
        };
        let now = Instant::now();
        let look = slot.slot.look(now);
        // A new refresh token in the file skips the fast path: the token and any back-off
        // belong to the old one.
        if !slot.is_news(cred) {
            if let Some(held) = look.held.as_deref().filter(|h| usable(h, now)) {
                return Ok(held.token());
            }
            if let Some(e) = look.backoff {
                return Err(e);
            }
        }
        let _flight = slot.slot.flight.lock().await;
        let seen = match &cred.login {
            DiadocLogin::Oidc { refresh_token, .. } => slot
                .rotation
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .see(refresh_token),
            DiadocLogin::Password { .. } => Seen::Known,
        };
        if seen == Seen::Changed {
            tracing::info!(
                client,
                "the clients file gives a new Diadoc refresh token; using it"
            );
        }
        if seen != Seen::Known {
            slot.slot.reset();
        } else if let Some(outcome) = slot.slot.since(look.attempts) {
            return outcome.map(|held| held.token());
        }
        let kind = crate::metrics::TokenKind::of(look.held.is_some());
        let sent = Instant::now();
        let outcome = match &cred.login {
            DiadocLogin::Oidc {
                issuer,
                client_id,
                client_secret,
                refresh_token,
                refresh_token_file,
            } => {
                let current = slot
                    .rotation
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .current(refresh_token);
                let grant = oidc::Grant {
                    issuer,
                    client_id,
                    client_secret,
                    refresh_token: &current,
                };
                match grant.request(&self.http, client).await {
                    Ok(reply) => {
                        if let Some(rotated) = reply
                            .refresh_token
                            .filter(|r| r.expose_secret() != current.expose_secret())
                        {
                            tracing::info!(
                                client,
                                "the token endpoint rotated the Diadoc refresh token; using the new one"
                            );
                            slot.rotation
                                .write()
                                .unwrap_or_else(PoisonError::into_inner)
                                .rotate(&rotated);
                            if let Some(path) = refresh_token_file {
                                oidc::write_back(client, cred.key, path, &rotated).await;
                            }
                        }
                        tracing::debug!(
                            client,
                            lifetime_secs = reply.lifetime.as_secs(),
                            "Diadoc access token fetched"
                        );
                        Ok(Issued {
                            token: reply.access_token,
                            mode: DiadocAuthMode::Bearer,
                            refresh_at: oidc::refresh_at(sent, reply.lifetime),
                        })
                    }
                    Err(e) => Err(e),
                }
            }
            DiadocLogin::Password { login, password } => {
                password_login(client, login, password, diadoc)
                    .await
                    .map(|token| Issued {
                        token,
                        mode: DiadocAuthMode::Diadocauth,
                        refresh_at: oidc::refresh_at(sent, PASSWORD_TOKEN_LIFETIME),
                    })
            }
        };
        if let Err(e) = &outcome {
            tracing::warn!(client, error = %e, "no Diadoc token for the managed client");
        }
        let diadoc = crate::metrics::Upstream::Diadoc;
        self.tokens.count(client, diadoc, kind, outcome.is_ok());
        slot.slot
            .record(Instant::now(), outcome)
            .map(|held| held.token())
    }
}

/// Authenticate V3 with a login and password (api.md, "Authenticate"): the reply is the token
/// as text. A 4xx (wrong login or password, or a developer key Diadoc does not know) is a
/// refused credential.
async fn password_login(
    client: &str,
    login: &str,
    password: &SecretString,
    diadoc: &DiadocClient,
) -> Result<SecretString, UpstreamError> {
    let body = LoginPassword {
        login: login.to_owned(),
        password: password.expose_secret().to_owned(),
    }
    .encode_to_vec();
    let query = [("type", "password".to_owned())];
    let reply = diadoc
        .send(DiadocRequest {
            method: Method::POST,
            path: "/V3/Authenticate",
            query: &query,
            body: Some(body.into()),
            // No token: the header carries the developer key alone (`DiadocClient::send`).
            token: None,
            // The developer key's header, whatever mode callers' tokens go in.
            mode: Some(DiadocAuthMode::Diadocauth),
            reply_cap: LOGIN_REPLY_CAP,
            request_id: None,
        })
        .await
        .map_err(|e| match e {
            // The refusal is already redacted of the login and password (`upstream/diadoc.rs`).
            UpstreamError::Status(f) if (400..500).contains(&f.status) => {
                super::refused(client, CredentialProblem::DiadocLoginRefused, Some(f))
            }
            other => other,
        })?;
    let token = std::str::from_utf8(&reply.body)
        .map_err(|_| UpstreamError::Unusable("the Authenticate token is not UTF-8".to_owned()))?
        .trim();
    if token.is_empty() {
        return Err(UpstreamError::Unusable(
            "Authenticate answered an empty token".to_owned(),
        ));
    }
    Ok(SecretString::from(token.to_owned()))
}
