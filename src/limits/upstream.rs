//! Kontur's published limits, kept per upstream credential (lifecycle.md §3: "at most 4
//! parallel threads, total load at most 100 RPS, one auth token for all threads").
//!
//! A request first waits for a concurrency permit (a tokio `Semaphore` per credential: FIFO,
//! so the first to wait is the first served), then for its rate cell (a GCRA). Both waits
//! share one deadline, `now + wait`; past it the answer is [`Busy`] with a `Retry-After`.
//!
//! # Rate: strict spacing (burst 1)
//!
//! How Kontur counts its 100 RPS is UNKNOWN (a token bucket, a fixed one-second window, a
//! sliding log…). A GCRA with burst `b` at `r` per second lets `b - 1 + r` through in some
//! one-second window, so only `b = 1` (one request every `1/r` s) stays within `r` in every
//! one-second window whatever the algorithm; it also fits the sandbox's bucket (100, refilled
//! at 100/s). The cost is small: when all `concurrency` permits are taken at once, the last
//! one starts `(concurrency - 1) / r` later (30 ms with the defaults). See [`BURST`].
//!
//! A cell is reserved only when it will be used: when the next cell comes after the deadline
//! the answer is `Busy` with the exact wait and the TAT is left alone. A reserved cell is
//! waited for with `sleep_until`; a waiter dropped while sleeping gives its cell back when it
//! is the last one reserved (giving back one in the middle would let a newcomer land on a
//! cell already promised to a later waiter — so that one is simply not used).
//!
//! # Entries: never two semaphores for one credential at once
//!
//! An entry (semaphore, TAT, counters) is found through a map of `Weak` references: as long
//! as any waiter or [`Slot`] holds the entry (an `Arc`), every new request finds that same
//! entry, so a credential can never have two live semaphores (which would double its
//! concurrency), whatever a cache evicts. The map only holds `Weak`s; dead ones are swept
//! when it doubles in size. Entries nobody holds are kept alive for their rate memory by a
//! moka cache ([`MAX_KEYS`](super::MAX_KEYS) entries, [`IDLE`]); when nobody holds an entry,
//! its TAT is at most one interval (≤ 1 s) ahead, so dropping it after [`IDLE`] changes
//! nothing.
//!
//! # Changed limits
//!
//! An entry is keyed by `(credential, Limits)`: after a reload of the clients file with other
//! limits, new requests use a new entry with the new figures, and requests already in flight
//! (or waiting) finish on the old one. While both are in use the credential may have up to
//! old + new concurrency for as long as those old requests last (they started under the old
//! limits); the new entry's rate starts afresh (one cell early at most, with burst 1).
//!
//! Limits of 0 switch the limit off: `concurrency: 0` = no concurrency limit, `per_second: 0`
//! = no rate limit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use moka::future::Cache;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep_until, timeout_at};

use super::{Gcra, MAX_KEYS};

/// The rate burst: see the module documentation (strict spacing).
pub(crate) const BURST: u32 = 1;

/// How long an entry nobody holds is remembered (its TAT is then at most 1 s ahead).
const IDLE: Duration = Duration::from_secs(60);

/// The longest a request may wait for its slot, whatever it asks (a bound for the TAT).
const MAX_WAIT: Duration = Duration::from_secs(600);

/// The `Retry-After` of a `Busy` that is not about the rate: when a slot frees is not known.
const RETRY_SOON: Duration = Duration::from_secs(1);

/// A credential's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Limits {
    /// Upstream requests at once (0 = no limit).
    pub concurrency: usize,
    /// Upstream requests started per second (0 = no limit).
    pub per_second: u32,
}

/// No slot within the wait: our 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Busy {
    /// When to try again: the exact wait for a rate cell, else 1 s.
    pub retry_after: Duration,
    /// Which limit: for the problem's detail.
    pub why: &'static str,
}

impl Busy {
    pub(crate) const QUEUE_FULL: Self = Self {
        retry_after: RETRY_SOON,
        why: "too many requests are already waiting for this upstream credential",
    };
    pub(crate) const CONCURRENCY: Self = Self {
        retry_after: RETRY_SOON,
        why: "no concurrent-request slot of this upstream credential came free in time",
    };

    fn rate(retry_after: Duration) -> Self {
        Self {
            retry_after,
            why: "the per-second limit of this upstream credential leaves no slot in time",
        }
    }

    /// `Retry-After` in whole seconds, rounded up, at least 1.
    pub(crate) fn retry_after_secs(&self) -> u64 {
        super::whole_secs(self.retry_after)
    }
}

/// The limiter, built once (`AppState`).
pub(crate) struct UpstreamLimits {
    live: Mutex<Live>,
    recent: Cache<Id, Arc<Entry>>,
    max_waiters: usize,
}

impl std::fmt::Debug for UpstreamLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamLimits")
            .field("max_waiters", &self.max_waiters)
            .finish_non_exhaustive()
    }
}

/// The right to make one upstream request: dropping it frees the concurrency permit.
pub(crate) struct Slot {
    entry: Arc<Entry>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("limits", &self.entry.limits)
            .finish_non_exhaustive()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.entry.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

type Id = ([u8; 32], Limits);

/// One credential under one set of limits.
struct Entry {
    limits: Limits,
    /// `None`: no concurrency limit.
    semaphore: Option<Arc<Semaphore>>,
    /// `None`: no rate limit.
    gcra: Option<Gcra>,
    tat: Mutex<Option<Instant>>,
    /// Requests waiting (for a permit or for their cell).
    waiting: AtomicUsize,
    /// Slots alive.
    in_flight: AtomicUsize,
}

impl Entry {
    fn new(limits: Limits) -> Self {
        Self {
            limits,
            semaphore: (limits.concurrency > 0).then(|| {
                Arc::new(Semaphore::new(
                    limits.concurrency.min(Semaphore::MAX_PERMITS),
                ))
            }),
            gcra: Gcra::new(limits.per_second, BURST),
            tat: Mutex::new(None),
            waiting: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn tat(&self) -> MutexGuard<'_, Option<Instant>> {
        self.tat.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The entries someone holds, by credential.
#[derive(Default)]
struct Live {
    map: HashMap<[u8; 32], Vec<(Limits, Weak<Entry>)>>,
    /// Sweep the dead `Weak`s when the map grows past this.
    sweep_at: usize,
}

impl Live {
    const MIN_SWEEP: usize = 1024;

    /// The live entry of `(key, limits)`, or a new one.
    fn get_or_create(&mut self, key: &[u8; 32], limits: Limits) -> Arc<Entry> {
        let list = self.map.entry(*key).or_default();
        list.retain(|(_, weak)| weak.strong_count() > 0);
        if let Some(entry) = list
            .iter()
            .find(|(l, _)| *l == limits)
            .and_then(|(_, weak)| weak.upgrade())
        {
            return entry;
        }
        let entry = Arc::new(Entry::new(limits));
        list.push((limits, Arc::downgrade(&entry)));
        if self.map.len() > self.sweep_at {
            self.map.retain(|_, list| {
                list.retain(|(_, weak)| weak.strong_count() > 0);
                !list.is_empty()
            });
            self.sweep_at = (self.map.len() * 2).max(Self::MIN_SWEEP);
        }
        entry
    }

    // Read by `in_flight` and `queued` (the tests now; the metrics of issue 15 next).
    #[cfg_attr(not(test), allow(dead_code))]
    fn entries(&self, key: &[u8; 32]) -> impl Iterator<Item = Arc<Entry>> + '_ {
        self.map
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|(_, weak)| weak.upgrade())
    }
}

/// Counts a request as waiting for as long as it lives (served, refused or dropped).
struct Waiting<'a>(&'a Entry);

impl<'a> Waiting<'a> {
    fn join(entry: &'a Entry, max: usize) -> Option<Self> {
        if entry.waiting.fetch_add(1, Ordering::AcqRel) >= max {
            entry.waiting.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Self(entry))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A reserved cell not yet reached: given back if its waiter is dropped before it.
struct Reserved<'a> {
    entry: &'a Entry,
    /// The cell's instant.
    at: Instant,
    /// The TAT this reservation set.
    after: Instant,
    /// The TAT before it.
    before: Instant,
}

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        if Instant::now() >= self.at {
            return;
        }
        let mut tat = self.entry.tat();
        // Only the last reservation can be undone exactly (see the module documentation).
        if *tat == Some(self.after) {
            *tat = Some(self.before);
        }
    }
}

impl UpstreamLimits {
    /// At most `max_waiters_per_key` requests wait for one credential's slots; past it they
    /// are `Busy` at once.
    pub(crate) fn new(max_waiters_per_key: usize) -> Self {
        Self {
            live: Mutex::new(Live {
                map: HashMap::new(),
                sweep_at: Live::MIN_SWEEP,
            }),
            recent: Cache::builder()
                .max_capacity(MAX_KEYS)
                .time_to_idle(IDLE)
                .build(),
            max_waiters: max_waiters_per_key,
        }
    }

    /// Waits (at most `wait`) for a slot of `key`: first a concurrency permit, then a rate
    /// cell. Dropping the [`Slot`] frees the permit; dropping this future before it is served
    /// leaves no trace (its place in the queue, and its cell when it is the last reserved).
    pub(crate) async fn acquire(
        &self,
        key: &[u8; 32],
        limits: Limits,
        wait: Duration,
    ) -> Result<Slot, Busy> {
        let deadline = Instant::now() + wait.min(MAX_WAIT);
        let entry = self.entry(key, limits).await;
        let waiting = Waiting::join(&entry, self.max_waiters).ok_or(Busy::QUEUE_FULL)?;
        let permit = match &entry.semaphore {
            None => None,
            Some(semaphore) => {
                match timeout_at(deadline, semaphore.clone().acquire_owned()).await {
                    Ok(Ok(permit)) => Some(permit),
                    // Never closed; a timeout is the only real case.
                    Ok(Err(_)) | Err(_) => return Err(Busy::CONCURRENCY),
                }
            }
        };
        if let Some(gcra) = entry.gcra {
            let now = Instant::now();
            let (at, before, after) = {
                let mut tat = entry.tat();
                let at = gcra.earliest(*tat, now);
                if at > deadline {
                    return Err(Busy::rate(at - now));
                }
                let before = *tat;
                let after = gcra.take(before, at);
                *tat = Some(after);
                (at, before, after)
            };
            if at > now {
                // A cell later than now only ever follows an earlier one (`before` is set).
                let reserved = before.map(|before| Reserved {
                    entry: &entry,
                    at,
                    after,
                    before,
                });
                sleep_until(at).await;
                drop(reserved);
            }
        }
        drop(waiting);
        entry.in_flight.fetch_add(1, Ordering::AcqRel);
        Ok(Slot {
            entry,
            _permit: permit,
        })
    }

    /// Slots of `key` alive now (under any limits).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn in_flight(&self, key: &[u8; 32]) -> usize {
        self.live()
            .entries(key)
            .map(|e| e.in_flight.load(Ordering::Acquire))
            .sum()
    }

    /// Requests of `key` waiting for a slot now (under any limits).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn queued(&self, key: &[u8; 32]) -> usize {
        self.live()
            .entries(key)
            .map(|e| e.waiting.load(Ordering::Acquire))
            .sum()
    }

    /// Requests waiting for a slot and slots held now, over every credential (`metrics.rs`).
    pub(crate) fn totals(&self) -> (usize, usize) {
        let live = self.live();
        live.map
            .values()
            .flatten()
            .filter_map(|(_, weak)| weak.upgrade())
            .fold((0, 0), |(queued, in_flight), e| {
                (
                    queued + e.waiting.load(Ordering::Acquire),
                    in_flight + e.in_flight.load(Ordering::Acquire),
                )
            })
    }

    /// Empties the idle cache, as an eviction would.
    #[cfg(test)]
    pub(super) async fn evict_idle(&self) {
        self.recent.invalidate_all();
        self.recent.run_pending_tasks().await;
    }

    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The entry of `(key, limits)`, kept in the idle cache while used.
    async fn entry(&self, key: &[u8; 32], limits: Limits) -> Arc<Entry> {
        let entry = self.live().get_or_create(key, limits);
        let id = (*key, limits);
        if self.recent.get(&id).await.is_none() {
            self.recent.insert(id, entry.clone()).await;
        }
        entry
    }
}
