//! EDIN sessions of managed credentials (edin/api.md §2): one session id per credential, from
//! the two-step login (`EdinClient::login`).
//!
//! * EDIN ends a session after 10 minutes without requests (§2 #8). The broker counts a
//!   session as used each time it hands it out, and logs in again once it has lain unused for
//!   [`IDLE_RELOGIN`] (a minute early, as the Diadoc tokens are refreshed early), rather than
//!   sending a request that would find it dead.
//! * A rejected session (`edin_after_reject`) is replaced once, however many requests saw it
//!   rejected.
//! * A captcha demand or a refused password is not retried in a loop: the credential backs off
//!   (`broker.rs`), 5 minutes for a captcha and 1 for a password at first, doubling to an hour.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::{Broker, Slot};
use crate::clients::model::Edin;
use crate::upstream::edin::EdinClient;
use crate::upstream::{CredentialProblem, UpstreamError};

/// A session unused this long is not handed out again: EDIN ends it at 10 minutes (§2 #8).
pub(crate) const IDLE_RELOGIN: Duration = Duration::from_secs(9 * 60);

/// A session, with when it was last handed out.
pub(crate) struct Session {
    sid: SecretString,
    born: Instant,
    /// Milliseconds from `born` to the last hand-out.
    used_ms: AtomicU64,
}

impl Session {
    fn new(sid: SecretString, now: Instant) -> Self {
        Self {
            sid,
            born: now,
            used_ms: AtomicU64::new(0),
        }
    }

    fn idle(&self, now: Instant) -> Duration {
        let used = self.born + Duration::from_millis(self.used_ms.load(Ordering::Relaxed));
        now.saturating_duration_since(used)
    }

    /// Hands the session id out, counting it as used now.
    fn use_now(&self, now: Instant) -> SecretString {
        let ms =
            u64::try_from(now.saturating_duration_since(self.born).as_millis()).unwrap_or(u64::MAX);
        self.used_ms.fetch_max(ms, Ordering::Relaxed);
        self.sid.clone()
    }
}

impl Broker {
    /// The current EDIN session id of this credential: logged in on first use and after
    /// [`IDLE_RELOGIN`] unused, never twice at once. During a back-off (captcha, refused
    /// password) the answer is [`UpstreamError::CredentialUnavailable`] at once.
    pub(crate) async fn edin(
        &self,
        client: &str,
        cred: &Edin,
        edin: &EdinClient,
    ) -> Result<SecretString, UpstreamError> {
        self.edin_session(client, cred, edin, None).await
    }

    /// After EDIN rejected `stale` (401, or a redirect to its login page): a new session,
    /// unless another request already replaced `stale` (then that one).
    pub(crate) async fn edin_after_reject(
        &self,
        client: &str,
        cred: &Edin,
        stale: &SecretString,
        edin: &EdinClient,
    ) -> Result<SecretString, UpstreamError> {
        self.edin_session(client, cred, edin, Some(stale)).await
    }

    async fn edin_session(
        &self,
        client: &str,
        cred: &Edin,
        edin: &EdinClient,
        stale: Option<&SecretString>,
    ) -> Result<SecretString, UpstreamError> {
        let slot = self
            .edin
            .get_with(cred.key, async { Arc::new(Slot::new()) })
            .await;
        let now = Instant::now();
        let look = slot.look(now);
        let usable = |s: &Session| {
            s.idle(now) < IDLE_RELOGIN
                && stale.is_none_or(|stale| s.sid.expose_secret() != stale.expose_secret())
        };
        if let Some(session) = look.held.as_deref().filter(|s| usable(s)) {
            return Ok(session.use_now(now));
        }
        if let Some(e) = look.backoff {
            return Err(e);
        }
        let _flight = slot.flight.lock().await;
        if let Some(outcome) = slot.since(look.attempts) {
            return outcome.map(|s| s.use_now(Instant::now()));
        }
        let kind = crate::metrics::TokenKind::of(look.held.is_some());
        let outcome = edin
            .login(&cred.email, &cred.password, None)
            .await
            .map_err(|e| match e {
                UpstreamError::EdinCaptchaRequired => {
                    super::refused(client, CredentialProblem::EdinCaptcha, None)
                }
                UpstreamError::EdinLoginRefused => {
                    super::refused(client, CredentialProblem::EdinLoginRefused, None)
                }
                other => other,
            });
        match &outcome {
            Ok(_) => tracing::debug!(client, "EDIN session established"),
            Err(e) => tracing::warn!(client, error = %e, "no EDIN session for the managed client"),
        }
        let upstream = crate::metrics::Upstream::Edin;
        self.tokens.count(client, upstream, kind, outcome.is_ok());
        let now = Instant::now();
        slot.record(now, outcome.map(|sid| Session::new(sid, now)))
            .map(|s| s.use_now(now))
    }
}
