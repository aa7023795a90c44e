//! Kontur's published limits kept per upstream credential, and inbound limits per client
//! (issue 14).
//!
//! - [`UpstreamLimits`] (`limits/upstream.rs`): per upstream credential (a managed client's
//!   credential key, or the SHA-256 of a caller's own token), at most `concurrency` Diadoc
//!   requests at once and at most `per_second` started per second. A request over the limit
//!   waits for its slot within its budget; past it, [`Busy`] (our 503 with `Retry-After`), so
//!   Kontur never has a reason to answer 429.
//! - [`Inbound`] (`limits/inbound.rs`): per client (a managed client's id, or a caller token's
//!   hash), `per_second` requests with a `burst`; past it, [`Refused`] (our 429 with
//!   `Retry-After`), and the `RateLimit`/`RateLimit-Policy` fields on every answer.
//!
//! Both count with the GCRA (generic cell rate algorithm, as in `throttle.rs` and `governor`):
//! one instant per key, the "theoretical arrival time" (TAT) — the instant by which every cell
//! let through would have been spaced out at `interval`. A cell conforms at `t` when
//! `TAT - t <= (burst - 1) * interval`; taking it moves the TAT to `max(TAT, t) + interval`.
//! All time is tokio's (`tokio::time::Instant`), so the tests run under `tokio::time::pause()`.
//!
//! The limits are per process: with several replicas sharing one credential, divide the
//! figures between them.

use std::time::Duration;

use tokio::time::Instant;

mod inbound;
mod upstream;

#[cfg(test)]
mod tests;

pub(crate) use inbound::{Inbound, Rate};
pub(crate) use upstream::{Limits, Slot, UpstreamLimits};

/// The most keys each limiter remembers when idle (like `throttle::MAX_KEYS`; a few hundred
/// bytes each at most). Past it moka evicts the least useful ones (TinyLFU).
pub(crate) const MAX_KEYS: u64 = 100_000;

/// One GCRA: `burst` cells at once, then one every `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gcra {
    /// `1 s / per_second`.
    interval: Duration,
    /// `(burst - 1) * interval`: how far the TAT may run ahead of now for a cell to conform.
    tolerance: Duration,
}

impl Gcra {
    /// `None` when `per_second` is 0 (no limit). A `burst` of 0 counts as 1.
    fn new(per_second: u32, burst: u32) -> Option<Self> {
        (per_second > 0).then(|| {
            let interval = Duration::from_secs(1) / per_second;
            Self {
                interval,
                tolerance: interval
                    .checked_mul(burst.max(1) - 1)
                    .unwrap_or(Duration::MAX),
            }
        })
    }

    /// The earliest instant, `now` or later, at which one cell conforms.
    fn earliest(&self, tat: Option<Instant>, now: Instant) -> Instant {
        tat.and_then(|tat| tat.checked_sub(self.tolerance))
            .map_or(now, |at| at.max(now))
    }

    /// The TAT once a cell is taken at `at`.
    fn take(&self, tat: Option<Instant>, at: Instant) -> Instant {
        tat.map_or(at, |tat| tat.max(at)) + self.interval
    }

    /// The whole cells that would conform at `now` (at most the burst).
    fn remaining(&self, tat: Option<Instant>, now: Instant) -> u64 {
        let Some(tat) = tat else {
            return self.burst();
        };
        let ahead = tat.saturating_duration_since(now);
        let room = (self.tolerance + self.interval).saturating_sub(ahead);
        whole(room, self.interval)
    }

    /// The burst this was built with.
    fn burst(&self) -> u64 {
        whole(self.tolerance, self.interval) + 1
    }
}

/// How many whole `unit`s fit in `d`.
fn whole(d: Duration, unit: Duration) -> u64 {
    if unit.is_zero() {
        return u64::from(u32::MAX);
    }
    u64::try_from(d.as_nanos() / unit.as_nanos()).unwrap_or(u64::MAX)
}

/// `d` in whole seconds, rounded up, at least 1: what a `Retry-After` says.
pub(crate) fn whole_secs(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}
