//! Inbound limits per client (a managed client's id, or a caller token's hash): `per_second`
//! requests with a `burst`, counted by a GCRA in a bounded moka cache (like `throttle.rs`).
//! A refused request does not count. Entries are keyed by client alone: after a reload with
//! another rate, the client's TAT is read with the new figures (no second budget).
//!
//! Every answer can carry the fields of the IETF draft "RateLimit header fields for HTTP"
//! (draft-ietf-httpapi-ratelimit-headers-11, §3–4; the policy item is a quoted String, which
//! later revisions still accept):
//!
//! ```text
//! RateLimit-Policy: "default";q=<burst>;w=<seconds the burst takes to refill, at least 1>
//! RateLimit: "default";r=<requests that would pass now>;t=<seconds until all q are back>
//! ```
//!
//! With the defaults (`burst` 0 = `per_second`) that is `"default";q=100;w=1`. On a refusal
//! `r=0` and `t` is the `Retry-After` (the draft: `Retry-After` must not point before the end
//! of the effective window). `Retry-After` itself is set by the problem answer
//! ([`Refused::retry_after_secs`]).

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};
use moka::Expiry;
use moka::future::Cache;
use moka::ops::compute::{CompResult, Op};
use tokio::time::Instant;

use super::{Gcra, MAX_KEYS, whole_secs};

/// The policy's name in both fields.
const POLICY: &str = "default";

/// How much longer than needed an entry is kept (an entry whose TAT has passed is the same
/// as no entry, so keeping it longer changes nothing; the margin only avoids racing moka's
/// clock, which is not tokio's).
const MARGIN: Duration = Duration::from_secs(60);

const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// A client's inbound limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Rate {
    /// Requests per second (0 = no limit).
    pub per_second: u32,
    /// Requests at once before the pace applies (0 = `per_second`).
    pub burst: u32,
}

impl Rate {
    fn burst(self) -> u32 {
        if self.burst == 0 {
            self.per_second
        } else {
            self.burst
        }
    }
}

/// A request let through, and what is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota(Option<State>);

/// A request refused: our 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    /// The exact wait until one request would pass.
    pub retry_after: Duration,
    state: State,
}

/// What the `RateLimit` fields say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    /// `q`: the burst.
    quota: u64,
    /// `w`: seconds the burst takes to refill, at least 1.
    window: u64,
    /// `r`: requests that would pass now.
    remaining: u64,
    /// `t`: seconds until all of `q` is back (on a refusal: the `Retry-After`).
    reset: u64,
}

impl State {
    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let policy = format!("\"{POLICY}\";q={};w={}", self.quota, self.window);
        let limit = format!("\"{POLICY}\";r={};t={}", self.remaining, self.reset);
        [(RATELIMIT_POLICY, policy), (RATELIMIT, limit)]
            .into_iter()
            .filter_map(|(name, value)| Some((name, HeaderValue::from_str(&value).ok()?)))
            .collect()
    }
}

impl Quota {
    /// `RateLimit-Policy` and `RateLimit` (none when the limit is off).
    pub(crate) fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        self.0.as_ref().map(State::headers).unwrap_or_default()
    }
}

impl Refused {
    /// `RateLimit-Policy` and `RateLimit` (`r=0`); `Retry-After` is the problem's.
    pub(crate) fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        self.state.headers()
    }

    /// `Retry-After` in whole seconds, rounded up, at least 1.
    pub(crate) fn retry_after_secs(&self) -> u64 {
        whole_secs(self.retry_after)
    }
}

/// A client's TAT, and how long to keep it.
#[derive(Debug, Clone, Copy)]
struct Cell {
    tat: Instant,
    keep: Duration,
}

/// Each entry lives until its TAT has passed (plus [`MARGIN`]).
struct KeepUntilTat;

impl Expiry<[u8; 32], Cell> for KeepUntilTat {
    fn expire_after_create(
        &self,
        _key: &[u8; 32],
        cell: &Cell,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(cell.keep)
    }

    fn expire_after_update(
        &self,
        _key: &[u8; 32],
        cell: &Cell,
        _updated_at: std::time::Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(cell.keep)
    }
}

/// The inbound limiter, built once (`AppState`).
pub(crate) struct Inbound {
    cells: Cache<[u8; 32], Cell>,
}

impl std::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbound").finish_non_exhaustive()
    }
}

impl Default for Inbound {
    fn default() -> Self {
        Self::new()
    }
}

impl Inbound {
    pub(crate) fn new() -> Self {
        Self {
            cells: Cache::builder()
                .max_capacity(MAX_KEYS)
                .expire_after(KeepUntilTat)
                .build(),
        }
    }

    /// Counts one request of `key` now, or refuses it (not counted). A `per_second` of 0
    /// lets everything through, with no fields to show.
    pub(crate) async fn check(&self, key: &[u8; 32], rate: Rate) -> Result<Quota, Refused> {
        let Some(gcra) = Gcra::new(rate.per_second, rate.burst()) else {
            return Ok(Quota(None));
        };
        let now = Instant::now();
        let result = self
            .cells
            .entry(*key)
            .and_compute_with(|entry| {
                let tat = entry.map(|e| e.into_value().tat);
                std::future::ready(if gcra.earliest(tat, now) <= now {
                    let tat = gcra.take(tat, now);
                    Op::Put(Cell {
                        tat,
                        keep: tat.saturating_duration_since(now) + MARGIN,
                    })
                } else {
                    Op::Nop
                })
            })
            .await;
        let state = |tat: Option<Instant>| {
            let burst = gcra.burst();
            State {
                quota: burst,
                window: whole_secs(
                    gcra.interval
                        .saturating_mul(u32::try_from(burst).unwrap_or(u32::MAX)),
                ),
                remaining: gcra.remaining(tat, now),
                reset: tat.map_or(0, |tat| ceil_secs(tat.saturating_duration_since(now))),
            }
        };
        match result {
            CompResult::Inserted(entry) | CompResult::ReplacedWith(entry) => {
                Ok(Quota(Some(state(Some(entry.into_value().tat)))))
            }
            CompResult::Unchanged(entry) => {
                let tat = entry.into_value().tat;
                let retry_after = gcra.earliest(Some(tat), now) - now;
                Err(Refused {
                    retry_after,
                    state: State {
                        remaining: 0,
                        reset: whole_secs(retry_after),
                        ..state(Some(tat))
                    },
                })
            }
            // Not produced by the closure above (it only puts or leaves alone).
            CompResult::StillNone(_) | CompResult::Removed(_) => Ok(Quota(Some(state(None)))),
        }
    }
}

/// `d` in whole seconds, rounded up (0 stays 0).
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}
