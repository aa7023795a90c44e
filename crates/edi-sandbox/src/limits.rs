//! Kontur's published limits, kept per token on the Diadoc methods (lifecycle.md §3: "at most 4
//! parallel threads, total load at most 100 RPS, one auth token for all threads").
//!
//! The token is the one the call carries: the `Bearer` token or the `ddauth_token` of a
//! `DiadocAuth` header. Calls without one (Authenticate), EDIN calls and the token endpoint are
//! not limited. The check sits in one place, `server.rs`, before any method runs:
//!
//! * **concurrency** — a call of a token is in flight from its arrival until its reply is
//!   produced (a call held by a gate or a delay counts); more than `concurrency` at once → 429;
//! * **rate** — a GCRA (the "virtual scheduling" form of a token bucket) per token with a burst
//!   of `per_second` calls, refilled at `per_second` calls a second on tokio's clock. lifecycle.md
//!   §3 gives only the figure; Kontur's algorithm (fixed window, sliding window, bucket) and
//!   what the figure is counted per are UNKNOWN. The sandbox's choice: a bucket of one second's
//!   worth, the most generous reading that never allows more than `2 × per_second` in any one
//!   second.
//!
//! A refused call gets 429, `Retry-After` in whole seconds (at least 1: lifecycle.md §3 leaves
//! its format UNKNOWN and api.md says every `Retry-After` is whole seconds) and a plain-text body
//! like every other Diadoc error. It costs neither a concurrency slot nor rate budget, takes no
//! injected fault and is never held by a gate. The concurrency refusal's `Retry-After` is 1
//! (when a slot frees is not known); the rate refusal's is the time until the bucket lets one
//! more call through, rounded up.
//!
//! Counting happens whether or not the limits are on, so [`Limiter::peak`] reports what a
//! client did even with `no_kontur_limits()`. Bounded: per-token state is pruned when idle, and
//! at most [`TRACKED_TOKENS`] tokens get a per-token peak.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// Kontur's published figures (lifecycle.md §3): 4 parallel requests, 100 requests a second.
pub const KONTUR_CONCURRENCY: usize = 4;
/// See [`KONTUR_CONCURRENCY`].
pub const KONTUR_PER_SECOND: u32 = 100;

/// How many tokens keep a per-token peak (the overall peak is always kept).
const TRACKED_TOKENS: usize = 10_000;

/// The limits in force; 0 in either field switches that one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub concurrency: usize,
    pub per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            concurrency: KONTUR_CONCURRENCY,
            per_second: KONTUR_PER_SECOND,
        }
    }
}

/// What the limiter says about a call arriving now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Served; `in_flight` calls of its token are in flight now, itself included.
    Admitted { in_flight: usize },
    /// Refused with 429: `in_flight` counts itself, `retry_after` is whole seconds (≥ 1).
    Refused {
        in_flight: usize,
        retry_after: u64,
        why: &'static str,
    },
}

/// Per-token counts and the limits (`None`: not enforced, still counted).
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: Option<Limits>,
    tokens: HashMap<String, PerToken>,
    peaks: HashMap<String, usize>,
    peak: usize,
    refusals: usize,
}

impl Default for Limiter {
    fn default() -> Self {
        Self::new(Some(Limits::default()))
    }
}

#[derive(Debug, Default)]
struct PerToken {
    in_flight: usize,
    /// GCRA's theoretical arrival time: when the bucket is full again.
    tat: Option<Instant>,
}

impl Limiter {
    pub(crate) fn new(limits: Option<Limits>) -> Self {
        Self {
            limits,
            tokens: HashMap::new(),
            peaks: HashMap::new(),
            peak: 0,
            refusals: 0,
        }
    }

    /// Sets the limits from now on (`None`: off). Calls in flight keep their slots.
    pub(crate) fn set(&mut self, limits: Option<Limits>) {
        self.limits = limits;
    }

    /// A call of `token` arrives at `now`. An admitted call must be matched by one
    /// [`Limiter::leave`]; a refused one must not.
    pub(crate) fn arrive(&mut self, token: &str, now: Instant) -> Admission {
        if self.tokens.len() >= TRACKED_TOKENS {
            self.tokens
                .retain(|_, t| t.in_flight > 0 || t.tat.is_some_and(|tat| tat > now));
        }
        let entry = self.tokens.entry(token.to_owned()).or_default();
        let in_flight = entry.in_flight + 1;
        let limits = self.limits.unwrap_or(Limits {
            concurrency: 0,
            per_second: 0,
        });
        if limits.concurrency > 0 && in_flight > limits.concurrency {
            self.refusals += 1;
            return Admission::Refused {
                in_flight,
                retry_after: 1,
                why: "Too many concurrent requests with this token",
            };
        }
        if limits.per_second > 0 {
            let interval = Duration::from_secs(1) / limits.per_second;
            let tolerance = interval * (limits.per_second - 1);
            let tat = entry.tat.map_or(now, |t| t.max(now));
            let ahead = tat - now;
            if ahead > tolerance {
                self.refusals += 1;
                let wait = ahead - tolerance;
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return Admission::Refused {
                    in_flight,
                    retry_after: secs.max(1),
                    why: "The request rate limit for this token is exceeded",
                };
            }
            entry.tat = Some(tat + interval);
        }
        entry.in_flight = in_flight;
        self.peak = self.peak.max(in_flight);
        if self.peaks.len() < TRACKED_TOKENS || self.peaks.contains_key(token) {
            let p = self.peaks.entry(token.to_owned()).or_default();
            *p = (*p).max(in_flight);
        }
        Admission::Admitted { in_flight }
    }

    /// An admitted call of `token` has its reply.
    pub(crate) fn leave(&mut self, token: &str) {
        if let Some(t) = self.tokens.get_mut(token) {
            t.in_flight = t.in_flight.saturating_sub(1);
        }
    }

    /// The most calls of one token served at once (refused calls not counted), over every token
    /// (`None`) or for `token`.
    pub(crate) fn peak(&self, token: Option<&str>) -> usize {
        match token {
            None => self.peak,
            Some(t) => self.peaks.get(t).copied().unwrap_or(0),
        }
    }

    /// How many calls were refused with 429 for the limits.
    pub(crate) fn refusals(&self) -> usize {
        self.refusals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_concurrent_call_is_refused_and_leaving_frees_a_slot() {
        let mut l = Limiter::default();
        let now = Instant::now();
        for i in 1..=4 {
            assert_eq!(l.arrive("t", now), Admission::Admitted { in_flight: i });
        }
        assert!(matches!(
            l.arrive("t", now),
            Admission::Refused {
                in_flight: 5,
                retry_after: 1,
                ..
            }
        ));
        assert_eq!(
            l.arrive("u", now),
            Admission::Admitted { in_flight: 1 },
            "per token"
        );
        l.leave("t");
        assert_eq!(l.arrive("t", now), Admission::Admitted { in_flight: 4 });
        assert_eq!(
            (l.peak(None), l.peak(Some("t")), l.peak(Some("u"))),
            (4, 4, 1)
        );
        assert_eq!(l.refusals(), 1);
    }

    #[test]
    fn the_rate_is_a_bucket_of_one_second_refilled_evenly() {
        let mut l = Limiter::new(Some(Limits {
            concurrency: 0,
            per_second: 100,
        }));
        let start = Instant::now();
        for _ in 0..100 {
            assert!(matches!(l.arrive("t", start), Admission::Admitted { .. }));
            l.leave("t");
        }
        assert!(matches!(
            l.arrive("t", start),
            Admission::Refused { retry_after: 1, .. }
        ));
        // 10 ms later exactly one more call fits.
        let later = start + Duration::from_millis(10);
        assert!(matches!(l.arrive("t", later), Admission::Admitted { .. }));
        l.leave("t");
        assert!(matches!(l.arrive("t", later), Admission::Refused { .. }));
        // After a full second the whole burst is back.
        let full = later + Duration::from_secs(1);
        for _ in 0..100 {
            assert!(matches!(l.arrive("t", full), Admission::Admitted { .. }));
            l.leave("t");
        }
        assert_eq!(l.refusals(), 2);
    }

    #[test]
    fn a_long_wait_rounds_up_to_whole_seconds() {
        let mut l = Limiter::new(Some(Limits {
            concurrency: 0,
            per_second: 1,
        }));
        let now = Instant::now();
        assert!(matches!(l.arrive("t", now), Admission::Admitted { .. }));
        l.leave("t");
        let soon = now + Duration::from_millis(1);
        assert!(matches!(
            l.arrive("t", soon),
            Admission::Refused { retry_after: 1, .. }
        ));
    }

    #[test]
    fn off_counts_but_never_refuses() {
        let mut l = Limiter::new(None);
        let now = Instant::now();
        for i in 1..=10 {
            assert_eq!(l.arrive("t", now), Admission::Admitted { in_flight: i });
        }
        assert_eq!((l.peak(None), l.refusals()), (10, 0));
    }
}
