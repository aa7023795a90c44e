//! Upstream protection beyond Kontur's limits: a circuit breaker per upstream (Diadoc, EDIN)
//! and one retry of a call that is safe to repeat, paid from a retry budget. Every call that
//! `credentials.rs` makes goes through [`Guard::admit`] first and [`Guard::send`] for each
//! send.
//!
//! **The breaker** ([`Breaker`]) counts the consecutive failures of its upstream — a transport
//! error, a timeout, a 5xx. The `failures`-th in a row opens it: for `open_for` every call is
//! refused at once ([`UpstreamError::CircuitOpen`], 503 `upstream-circuit-open` with
//! `Retry-After` = what is left of the cool-down) and nothing is sent. Then it half-opens: the
//! next call is the one probe (the others are refused, `Retry-After: 1`); the probe's success
//! closes it, its failure opens it for another cool-down. Any answer that is not a failure
//! (2xx, a 4xx — the caller's fault or auth — a 429, a 503 *with* `Retry-After`, which is
//! Kontur's "come back later", lifecycle.md §1.4) shows the upstream is there: it resets the
//! count. What says nothing about the upstream (no slot of the credential's limits, the
//! broker's back-off) neither counts nor resets; a probe ending so lets the next call probe.
//!
//! Neither `tower` (its layers wrap a whole `Service`, and it has no breaker) nor the small
//! breaker crates fit: we guard single calls inside one handler, need exactly one probe, and
//! the clock must be tokio's so tests run on its paused clock. So it is ~100 lines over a
//! `Mutex` and `tokio::time::Instant`.
//!
//! **The retry** ([`Guard::send`]): a call safe to repeat (`credentials.rs`: a read, a GET, or
//! a write with an `operationId`) whose send ends in a transport error (connection refused or
//! reset, a reply cut short) is sent once more, at once, when the upstream's retry budget
//! (`tower::retry::budget::TpsBudget`) allows: every call deposits, a retry withdraws; over a
//! 10 s window retries may add `EDI_GATEWAY_RETRY_PERCENT` % to the calls, plus a floor of
//! `EDI_GATEWAY_RETRY_FLOOR_PER_SECOND`. A **timeout is not retried**: the upstream may be slow
//! rather than gone, the caller has already waited the whole request timeout, and a repeat
//! would double both. An unsafe call is never retried (a POST without `operationId`: its
//! outcome is unknown). The breaker counts the call's final outcome, not each send.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;
use tower::retry::budget::{Budget as _, TpsBudget};

use crate::config::Config;
use crate::upstream::{Service, UpstreamError};

/// The window of the retry budget.
const BUDGET_WINDOW: Duration = Duration::from_secs(10);

/// The `Retry-After`, in seconds, of a call refused while the probe is in flight.
const PROBING_RETRY_AFTER: u64 = 1;

/// What a breaker is doing, for the metrics (`/metrics` reads [`Guard::state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused until the cool-down ends.
    Open,
    /// The cool-down has ended: one probe goes through (or is in flight).
    HalfOpen,
}

impl BreakerState {
    /// A gauge value: 0 closed, 1 half-open, 2 open.
    pub(crate) const fn gauge(self) -> u8 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }
}

#[derive(Debug)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// One upstream's circuit breaker (see the module docs).
#[derive(Debug)]
pub(crate) struct Breaker {
    /// The upstream's name, for the log.
    upstream: &'static str,
    /// Consecutive failures that open it; 0 switches it off.
    failures: u32,
    /// How long it stays open.
    open_for: Duration,
    inner: Mutex<Inner>,
}

/// How a call admitted by [`Breaker::admit`] ended, for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The upstream answered (whatever it said): resets the count; a probe closes.
    Answered,
    /// A transport error, a timeout or a 5xx: counts; a probe re-opens.
    Failed,
    /// Says nothing about the upstream: no change; a probe lets the next call probe.
    Unknown,
}

impl Outcome {
    /// The outcome of a call's result.
    pub(crate) fn of<T>(result: &Result<T, UpstreamError>) -> Self {
        match result {
            Ok(_) => Self::Answered,
            Err(e) => match e {
                UpstreamError::Timeout | UpstreamError::Transport(_) => Self::Failed,
                UpstreamError::Status(f) if f.status >= 500 => Self::Failed,
                UpstreamError::Status(_)
                | UpstreamError::RateLimited(..)
                | UpstreamError::EdinSessionRejected
                | UpstreamError::EdinLoginRefused
                | UpstreamError::EdinCaptchaRequired
                | UpstreamError::CredentialRenewed
                | UpstreamError::Unusable(_)
                | UpstreamError::TooLarge(_) => Self::Answered,
                UpstreamError::Saturated(_)
                | UpstreamError::CredentialUnavailable(_)
                | UpstreamError::CircuitOpen(..) => Self::Unknown,
            },
        }
    }
}

/// The right to send one call; report how it ended with [`Permit::record`]. Dropped without,
/// it counts as [`Outcome::Unknown`].
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
    recorded: bool,
}

impl Breaker {
    /// A closed breaker that opens after `failures` consecutive failures (0: never) for
    /// `open_for`.
    pub(crate) fn new(upstream: &'static str, failures: u32, open_for: Duration) -> Self {
        Self {
            upstream,
            failures,
            open_for,
            inner: Mutex::new(Inner::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing panics while holding it; a poisoned lock still holds a valid state.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What it is doing now (an open breaker past its cool-down reads as half-open).
    pub(crate) fn state(&self) -> BreakerState {
        match &*self.lock() {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { until } if Instant::now() < *until => BreakerState::Open,
            Inner::Open { .. } | Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Lets a call through, or refuses it with the seconds to wait (at least 1).
    pub(crate) fn admit(&self) -> Result<Permit<'_>, u64> {
        if self.failures == 0 {
            return Ok(self.permit(false));
        }
        let mut inner = self.lock();
        match &*inner {
            Inner::Closed { .. } => Ok(self.permit(false)),
            Inner::Open { until } => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    *inner = Inner::HalfOpen { probing: true };
                    Ok(self.permit(true))
                } else {
                    Err(ceil_secs(left))
                }
            }
            Inner::HalfOpen { probing: true } => Err(PROBING_RETRY_AFTER),
            Inner::HalfOpen { probing: false } => {
                *inner = Inner::HalfOpen { probing: true };
                Ok(self.permit(true))
            }
        }
    }

    fn permit(&self, probe: bool) -> Permit<'_> {
        Permit {
            breaker: self,
            probe,
            recorded: false,
        }
    }

    fn end(&self, probe: bool, outcome: Outcome) {
        if self.failures == 0 {
            return;
        }
        let mut inner = self.lock();
        let next = match (&*inner, probe, outcome) {
            (_, _, Outcome::Unknown) if !probe => return,
            (Inner::HalfOpen { .. }, true, Outcome::Unknown) => Inner::HalfOpen { probing: false },
            (Inner::HalfOpen { .. }, true, Outcome::Answered) => {
                tracing::info!(
                    upstream = self.upstream,
                    "upstream circuit closed: the probe was answered"
                );
                Inner::Closed { failures: 0 }
            }
            (Inner::HalfOpen { .. }, true, Outcome::Failed) => {
                tracing::warn!(
                    upstream = self.upstream,
                    open_secs = self.open_for.as_secs_f64(),
                    "upstream circuit re-opened: the probe failed"
                );
                Inner::Open {
                    until: Instant::now() + self.open_for,
                }
            }
            (Inner::Closed { .. }, _, Outcome::Answered) => Inner::Closed { failures: 0 },
            (Inner::Closed { failures }, _, Outcome::Failed) => {
                let failures = failures.saturating_add(1);
                if failures >= self.failures {
                    tracing::warn!(
                        upstream = self.upstream,
                        failures,
                        open_secs = self.open_for.as_secs_f64(),
                        "upstream circuit opened"
                    );
                    Inner::Open {
                        until: Instant::now() + self.open_for,
                    }
                } else {
                    Inner::Closed { failures }
                }
            }
            // A call let through before the breaker opened, or a stale probe: no say.
            _ => return,
        };
        *inner = next;
    }
}

impl Permit<'_> {
    /// Reports how the call ended.
    pub(crate) fn record(mut self, outcome: Outcome) {
        self.recorded = true;
        self.breaker.end(self.probe, outcome);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.recorded {
            self.breaker.end(self.probe, Outcome::Unknown);
        }
    }
}

/// Whole seconds, rounded up, at least 1.
fn ceil_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

/// One upstream's breaker and retry budget.
#[derive(Debug)]
pub(crate) struct Guard {
    service: Service,
    breaker: Breaker,
    budget: TpsBudget,
}

impl Guard {
    /// A guard for `service` as `config` says.
    pub(crate) fn new(service: Service, config: &Config) -> Self {
        Self {
            service,
            breaker: Breaker::new(service.name(), config.breaker_failures, config.breaker_open),
            budget: budget(config.retry_percent, config.retry_floor_per_second),
        }
    }

    /// The breaker's state, for the metrics.
    pub(crate) fn state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// Admits one call (it deposits in the retry budget), or refuses it: 503
    /// `upstream-circuit-open`, nothing sent.
    pub(crate) fn admit(&self) -> Result<Permit<'_>, UpstreamError> {
        match self.breaker.admit() {
            Ok(permit) => {
                self.budget.deposit();
                Ok(permit)
            }
            Err(retry_after) => {
                tracing::debug!(
                    upstream = self.service.name(),
                    retry_after,
                    "upstream circuit open: call refused, nothing sent"
                );
                Err(UpstreamError::CircuitOpen(self.service, retry_after))
            }
        }
    }

    /// Sends with `send`; after a transport error, once more when the call is `safe` to repeat,
    /// has not been retried yet (`retried`, shared by a call's sends) and the budget allows.
    pub(crate) async fn send<T, F, Fut>(
        &self,
        safe: bool,
        retried: &mut bool,
        mut send: F,
    ) -> Result<T, UpstreamError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        match send().await {
            Err(UpstreamError::Transport(why)) if safe && !*retried && self.budget.withdraw() => {
                *retried = true;
                tracing::info!(
                    upstream = self.service.name(),
                    error = %why,
                    "transport error on a call safe to repeat: sent once more (retry budget)"
                );
                send().await
            }
            other => other,
        }
    }
}

/// A `TpsBudget` over [`BUDGET_WINDOW`]; out-of-range figures are clamped (it panics on them).
fn budget(percent: u32, floor_per_second: u32) -> TpsBudget {
    // `as f32` is exact below 2^24; the percent is at most 1000.
    #[allow(clippy::cast_precision_loss)]
    let ratio = percent.min(100_000) as f32 / 100.0;
    TpsBudget::new(BUDGET_WINDOW, floor_per_second.min(1_000_000), ratio)
}

/// The guards of both upstreams.
#[derive(Debug)]
pub(crate) struct Guards {
    /// Diadoc's.
    pub(crate) diadoc: Guard,
    /// EDIN's.
    pub(crate) edin: Guard,
}

impl Guards {
    /// Both guards, as `config` says.
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            diadoc: Guard::new(Service::Diadoc, config),
            edin: Guard::new(Service::Edin, config),
        }
    }

    /// The guard of `service`.
    pub(crate) fn of(&self, service: Service) -> &Guard {
        match service {
            Service::Diadoc => &self.diadoc,
            Service::Edin => &self.edin,
        }
    }
}

#[cfg(test)]
mod tests;
