//! The token broker (issue 14): one upstream token per managed credential, shared by every
//! request of every client that holds it, so a client with an API key never handles an upstream
//! session.
//!
//! * **Diadoc** (`broker/diadoc.rs`): an access token from the OpenID Connect refresh-token
//!   grant (`broker/oidc.rs`, sent as `Bearer`), or a token from the legacy password login
//!   (Authenticate V3, sent in the DiadocAuth header). Refreshed 60 s before it expires, as the
//!   Java SDK's `OidcRefreshTokenProvider` does (lifecycle.md §2.3).
//! * **EDIN** (`broker/edin.rs`): a session id from the two-step login, re-established after
//!   9 idle minutes (EDIN ends a session after 10, edin/api.md §2 #8) or when EDIN rejects it.
//!
//! **Single flight.** A credential's token lives in a [`Slot`]: the fast path reads it under a
//! short `std::sync::RwLock` (no async lock, no await but the map lookup). A caller that finds
//! no fresh token waits for the slot's async lock, then first looks whether an attempt finished
//! while it waited and takes that outcome (the token, or the same error); only otherwise does it
//! ask the upstream. So 1,000 concurrent first requests cost one token request, and a failing
//! token endpoint is asked once per wave of callers, not once per caller.
//!
//! **Back-off.** A refused credential (token endpoint 4xx, refused password login) or an EDIN
//! captcha is not asked again at once: for a while every call answers
//! [`UpstreamError::CredentialUnavailable`] (503, `Retry-After`) without contacting anyone. The
//! pause doubles on each further refusal, up to an hour, and ends at the first success.
//!
//! **Bounded.** Slots are held in moka caches keyed by the credential's digest
//! (`Diadoc::key` / `Edin::key`): at most [`MAX_CREDENTIALS`] each, dropped after
//! [`DIADOC_IDLE`] / [`EDIN_IDLE`] without a call. A dropped slot costs one token request when
//! the credential is used again (and, for Diadoc, forgets a rotated refresh token that could not
//! be written back: see `broker/oidc.rs`).

// Not wired into dispatch yet (the integrator does that); remove when it is.

mod diadoc;
mod edin;
mod oidc;
#[cfg(test)]
mod tests;

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use moka::future::Cache;
use tokio::time::Instant;

use crate::clients::model::Digest;
use crate::upstream::{CredentialProblem, CredentialUnavailable, UpstreamError};

#[allow(unused_imports)] // Used once dispatch is wired.
pub(crate) use diadoc::DiadocToken;

/// The most credentials of each kind the broker keeps a token for.
pub(crate) const MAX_CREDENTIALS: u64 = 10_000;

/// A Diadoc credential unused this long is forgotten. Long, because forgetting it also forgets
/// a rotated refresh token that could not be written back to its file.
pub(crate) const DIADOC_IDLE: Duration = Duration::from_secs(7 * 24 * 3600);

/// An EDIN credential unused this long is forgotten (its session died after 10 idle minutes
/// anyway; the longest back-off is an hour).
pub(crate) const EDIN_IDLE: Duration = Duration::from_secs(3600);

/// The tokens of the managed credentials. One per `AppState`; cheap to share (`Arc` it).
pub(crate) struct Broker {
    /// The shared client, for the OpenID Connect token endpoint (Diadoc and EDIN calls go
    /// through their own clients, passed per call).
    http: reqwest::Client,
    diadoc: Cache<Digest, Arc<diadoc::DiadocSlot>>,
    edin: Cache<Digest, Arc<Slot<edin::Session>>>,
    /// Token fetches by client (`metrics.rs`).
    tokens: crate::metrics::Tokens,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("diadoc_credentials", &self.diadoc.entry_count())
            .field("edin_credentials", &self.edin.entry_count())
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// A broker with no tokens yet, over the gateway's shared HTTP client.
    pub(crate) fn new(http: reqwest::Client) -> Self {
        Self {
            http,
            diadoc: Cache::builder()
                .max_capacity(MAX_CREDENTIALS)
                .time_to_idle(DIADOC_IDLE)
                .build(),
            edin: Cache::builder()
                .max_capacity(MAX_CREDENTIALS)
                .time_to_idle(EDIN_IDLE)
                .build(),
            tokens: crate::metrics::Tokens::default(),
        }
    }

    /// Counts the tokens it fetches into `tokens` (`metrics.rs`).
    pub(crate) fn counting(self, tokens: crate::metrics::Tokens) -> Self {
        Self { tokens, ..self }
    }
}

// === Slot ===

/// One credential's token (or session), its single flight and its back-off.
pub(crate) struct Slot<T> {
    state: RwLock<State<T>>,
    /// Held by the one caller that asks the upstream; the others wait here.
    flight: tokio::sync::Mutex<()>,
}

struct State<T> {
    /// The current token, if any (fresh or not: the kind decides).
    held: Option<Arc<T>>,
    /// Attempts finished so far (success or failure).
    attempts: u64,
    /// The error of the last attempt, if it failed.
    failed: Option<UpstreamError>,
    /// A running back-off: until when, and what to answer meanwhile.
    backoff: Option<(Instant, Box<CredentialUnavailable>)>,
    /// The length of the last back-off, doubled by the next refusal; cleared by a success.
    step: Option<Duration>,
}

/// What the fast path saw.
pub(crate) struct Look<T> {
    held: Option<Arc<T>>,
    attempts: u64,
    backoff: Option<UpstreamError>,
}

impl<T> Slot<T> {
    fn new() -> Self {
        Self {
            state: RwLock::new(State {
                held: None,
                attempts: 0,
                failed: None,
                backoff: None,
                step: None,
            }),
            flight: tokio::sync::Mutex::new(()),
        }
    }

    // A panic while holding the lock cannot leave the state half-written (every write is a
    // few plain assignments), so a poisoned lock is used as is.
    fn read(&self) -> RwLockReadGuard<'_, State<T>> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State<T>> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current token, the attempts so far and the answer of a running back-off.
    fn look(&self, now: Instant) -> Look<T> {
        let state = self.read();
        Look {
            held: state.held.clone(),
            attempts: state.attempts,
            backoff: state
                .backoff
                .as_ref()
                .filter(|(until, _)| now < *until)
                .map(|(until, why)| backing_off(why, *until - now)),
        }
    }

    /// After waiting for the flight: the outcome of an attempt that finished meanwhile.
    fn since(&self, attempts: u64) -> Option<Result<Arc<T>, UpstreamError>> {
        let state = self.read();
        if state.attempts == attempts {
            return None;
        }
        Some(match (&state.failed, &state.held) {
            (Some(e), _) => Err(e.clone()),
            (None, Some(held)) => Ok(held.clone()),
            // Unreachable: a finished attempt leaves a token or an error.
            (None, None) => Err(UpstreamError::Unusable("no token".to_owned())),
        })
    }

    /// Forgets the token and any back-off (the credential changed).
    fn reset(&self) {
        let mut state = self.write();
        state.held = None;
        state.backoff = None;
        state.step = None;
    }

    /// Records an attempt's outcome; a refused credential starts (or doubles) the back-off,
    /// and its error carries the seconds until then.
    fn record(
        &self,
        now: Instant,
        outcome: Result<T, UpstreamError>,
    ) -> Result<Arc<T>, UpstreamError> {
        let mut state = self.write();
        state.attempts += 1;
        match outcome {
            Ok(value) => {
                let held = Arc::new(value);
                state.held = Some(held.clone());
                state.failed = None;
                state.backoff = None;
                state.step = None;
                Ok(held)
            }
            Err(UpstreamError::CredentialUnavailable(why)) => {
                let (first, cap) = backoff_steps(why.reason);
                let step = state.step.map_or(first, |s| s.saturating_mul(2).min(cap));
                state.step = Some(step);
                state.held = None;
                let until = now + step;
                let e = backing_off(&why, step);
                state.backoff = Some((until, why));
                state.failed = Some(e.clone());
                Err(e)
            }
            Err(e) => {
                state.failed = Some(e.clone());
                Err(e)
            }
        }
    }
}

/// The first pause after a refusal, and the longest (each further refusal doubles it).
fn backoff_steps(reason: CredentialProblem) -> (Duration, Duration) {
    const HOUR: Duration = Duration::from_secs(3600);
    match reason {
        // A captcha is solved by a human in EDIN's web UI; asking again soon only annoys EDIN.
        CredentialProblem::EdinCaptcha => (Duration::from_secs(300), HOUR),
        // A refused password or token stays refused until the operator changes it (a changed
        // password or secret is a new credential with no back-off; a changed refresh token
        // resets it); retrying once a minute at first keeps a wrong password from being
        // hammered (EDIN may lock the account) while a passing fault heals soon.
        CredentialProblem::EdinLoginRefused
        | CredentialProblem::DiadocTokenRefused
        | CredentialProblem::DiadocLoginRefused => (Duration::from_secs(60), HOUR),
    }
}

/// The back-off's answer with `left` to go (whole seconds, rounded up, at least 1).
fn backing_off(why: &CredentialUnavailable, left: Duration) -> UpstreamError {
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    UpstreamError::CredentialUnavailable(Box::new(CredentialUnavailable {
        retry_after: secs.max(1),
        ..why.clone()
    }))
}

/// A refusal of `client`'s credential, before the back-off fills in its length.
fn refused(
    client: &str,
    reason: CredentialProblem,
    upstream: Option<crate::upstream::UpstreamFailure>,
) -> UpstreamError {
    UpstreamError::CredentialUnavailable(Box::new(CredentialUnavailable {
        client: client.to_owned(),
        reason,
        retry_after: 0,
        upstream,
    }))
}
