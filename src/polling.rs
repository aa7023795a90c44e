//! Long requests: Diadoc's "still working" answers hidden behind one call.
//!
//! Diadoc says "not finished yet" with a **2xx that carries `Retry-After`** (200 with an empty
//! body for GenerateDocumentProtocol, 204 for PostTemplate), never with an error
//! (reference/diadoc/api.md, "Retry-After, per method"). This module owns what happens then:
//!
//! * [`next_step`] looks at one attempt's result and says whether and when to try again (the
//!   shape of tower's retry `Policy`): pending → after `Retry-After`, clamped to the configured
//!   floor and a 15 s ceiling; a transport failure → again only if the call is safe to repeat
//!   (a GET, or a POST that carries an `operationId`); anything else is final.
//! * [`Poller`] runs **one polling loop per identical call** (same caller token, route, upstream
//!   query and body bytes): concurrent callers subscribe to the loop's `watch` channel, so 100
//!   callers waiting for one protocol cost one upstream poll per interval, not 100. The loop
//!   repeats the identical call (the same `Bytes`, the same `operationId`) and stops when it has
//!   a result or when its last subscriber is gone (a caller that disconnects drops its receiver).
//! * Each caller waits under its **own budget** (one `timeout` per request; the loop's sleep is
//!   shared), from [`Prefer`]: `wait=N` (RFC 7240), else the configured default, never above the
//!   configured maximum; `respond-async` or `wait=0` means one attempt and no loop.
//!
//! Nothing is kept once a loop ends: when the budget runs out the caller gets a 202 (rendered
//! by `dispatch.rs`) and repeats the request, which any replica can answer, because the
//! upstream itself remembers the work (the queued protocol, the `operationId`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use crate::cache::Rendered;
use crate::error::ApiError;
use crate::upstream::UpstreamError;
use crate::upstream::UpstreamReply;

/// The longest pause between two polls: the C# SDK's `WaitTaskResult` waits
/// `min(Retry-After, 15 s)` (api.md, AcquireCounteragent), and no Diadoc method documents more.
pub const CEILING: Duration = Duration::from_secs(15);

/// How many transport failures in a row a repeatable call survives before the error is final.
const TRANSPORT_RETRIES: u32 = 2;

/// The `Retry-After` reported when a 204 "still running" comes without one (api.md: the SDK
/// falls back to 15 s when the header is missing).
const MISSING_RETRY_AFTER: u64 = 15;

/// Identifies one upstream call: a digest of the caller's token, the route, the upstream query
/// (with any `operationId`) and the body bytes. Never the token itself.
pub type PollKey = [u8; 32];

/// The result of one attempt.
pub type Attempt = Result<UpstreamReply, UpstreamError>;

/// A finished call, shared by every caller that waited on it.
pub type Finished = Arc<Settled>;

/// The result of a finished call, and its rendered forms, made once and shared: 10,000 callers
/// of one protocol answer with the same body bytes, not 10,000 copies.
#[derive(Debug)]
pub struct Settled {
    /// The upstream's reply, or why there is none.
    pub result: Result<UpstreamReply, ApiError>,
    /// Rendered responses by view (0: JSON, 1: the file view), filled by the first caller.
    pub views: [OnceLock<Result<Arc<Rendered>, Arc<ApiError>>>; 2],
}

impl Settled {
    fn new(result: Result<UpstreamReply, ApiError>) -> Finished {
        Arc::new(Self {
            result,
            views: [OnceLock::new(), OnceLock::new()],
        })
    }
}

/// What to do after an attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Final: hand the result (reply or error) to the callers.
    Finish,
    /// The upstream is still working: ask again after `delay`. `retry_after` is the upstream's
    /// own value, which a 202 passes on.
    Pending {
        /// The upstream's `Retry-After`, in seconds.
        retry_after: u64,
        /// The pause actually taken: `retry_after` clamped to the floor and [`CEILING`].
        delay: Duration,
    },
    /// The call did not get through, and repeating it is safe: try again after `delay`.
    Retry {
        /// The pause before the next attempt.
        delay: Duration,
    },
}

/// Decides what an attempt's result means. `repeatable`: the call may be sent again after a
/// transport failure (a GET, or a POST with an `operationId`; api.md, "operationId").
/// `failures`: transport failures so far in a row.
pub fn next_step(attempt: &Attempt, floor: Duration, repeatable: bool, failures: u32) -> Step {
    let clamp = |secs: u64| Duration::from_secs(secs).max(floor).min(CEILING);
    match attempt {
        Ok(reply) => match reply.retry_after {
            Some(retry_after) => Step::Pending {
                retry_after,
                delay: clamp(retry_after),
            },
            // api.md: 204 on these methods means "not finished"; without a Retry-After the
            // SDK's own loop waits 15 s.
            None if reply.status == http::StatusCode::NO_CONTENT => Step::Pending {
                retry_after: MISSING_RETRY_AFTER,
                delay: clamp(MISSING_RETRY_AFTER),
            },
            None => Step::Finish,
        },
        // A 429 with Retry-After was not processed: a repeatable call waits it out like a
        // "still working" answer (lifecycle.md §1.4: "retry after the time in Retry-After").
        Err(UpstreamError::RateLimited(_, retry_after)) if repeatable => Step::Pending {
            retry_after: *retry_after,
            delay: clamp(*retry_after),
        },
        Err(UpstreamError::Transport(_) | UpstreamError::Timeout)
            if repeatable && failures < TRANSPORT_RETRIES =>
        {
            Step::Retry { delay: clamp(1) }
        }
        Err(_) => Step::Finish,
    }
}

/// What a caller gets.
#[derive(Debug)]
pub enum Waited {
    /// The call finished (with a reply or an error) within the caller's budget.
    Finished(Finished),
    /// The budget ran out while the upstream was still working; the upstream's last
    /// `Retry-After`, in seconds.
    Pending(u64),
}

/// A subscription to a running loop, from [`Poller::join`].
#[derive(Debug)]
pub struct Watch(watch::Receiver<State>);

impl Watch {
    /// Waits up to `budget` for the loop to finish, or until `stop` resolves (the server's
    /// drain): either way the caller is then told to come back (`Waited::Pending`).
    pub async fn wait(self, budget: Duration, stop: impl Future<Output = ()>) -> Waited {
        let Self(mut rx) = self;
        let finished =
            tokio::time::timeout(budget, rx.wait_for(|s| matches!(s, State::Finished(_))));
        let done = tokio::select! {
            biased;
            done = finished => done.ok().map(|r| r.map(|state| (*state).clone())),
            () = stop => None,
        };
        match done {
            Some(Ok(State::Finished(finished))) => Waited::Finished(finished),
            Some(Ok(_)) => Waited::Finished(Settled::new(Err(ApiError::Internal(
                "wait_for returned an unfinished state".to_owned(),
            )))),
            // Every sender is gone without a result: the loop task died.
            Some(Err(_)) => Waited::Finished(Settled::new(Err(ApiError::Internal(
                "the polling loop ended without a result".to_owned(),
            )))),
            None => Waited::Pending(match *rx.borrow() {
                State::Pending(retry_after) => retry_after,
                // The first attempt is still in flight: suggest the shortest sensible pause.
                State::Started | State::Finished(_) => 1,
            }),
        }
    }
}

/// A loop's state, as its subscribers see it.
#[derive(Debug, Clone)]
enum State {
    /// The first attempt is in flight.
    Started,
    /// The upstream said "still working, ask again in N seconds".
    Pending(u64),
    /// Done.
    Finished(Finished),
}

/// The registry of running polling loops, held in `AppState`. `C` is the call a loop repeats
/// (`dispatch::Exchange`): the registry keeps the loop's own, and every caller that joins uses
/// that one and drops its identical copy, so a waiting caller holds a receiver and a pointer.
#[derive(Debug)]
pub struct Poller<C> {
    floor: Duration,
    loops: Mutex<HashMap<PollKey, Entry<C>>>,
}

/// A running loop: its channel and the call it repeats.
#[derive(Debug)]
struct Entry<C> {
    tx: watch::Sender<State>,
    call: Arc<C>,
}

impl<C: Send + Sync + 'static> Poller<C> {
    /// A poller that never pauses less than `floor` between polls.
    pub fn new(floor: Duration) -> Self {
        Self {
            floor,
            loops: Mutex::new(HashMap::new()),
        }
    }

    /// Loops running now (`metrics.rs`).
    pub fn running(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<PollKey, Entry<C>>> {
        // The map stays consistent even if a holder panicked: every critical section is one
        // insert, lookup or remove.
        self.loops.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One attempt and no waiting (`Prefer: respond-async` or `wait=0`).
    pub async fn once<Fut>(&self, attempt: Fut) -> Waited
    where
        Fut: Future<Output = Attempt>,
    {
        let result = attempt.await;
        match next_step(&result, self.floor, false, 0) {
            Step::Pending { retry_after, .. } => Waited::Pending(retry_after),
            Step::Finish | Step::Retry { .. } => {
                Waited::Finished(Settled::new(result.map_err(ApiError::from)))
            }
        }
    }

    /// Joins the polling loop of the call identified by `key`, or starts one that runs
    /// `attempt(call)` once per poll (never concurrently). Returns the receiver to [`wait`] on
    /// and the loop's call: `call` itself when this caller started the loop, else the identical
    /// call of the caller that did (`call` is dropped).
    ///
    /// [`wait`]: Watch::wait
    pub fn join<F, Fut>(
        self: &Arc<Self>,
        key: PollKey,
        call: Arc<C>,
        repeatable: bool,
        attempt: F,
    ) -> (Watch, Arc<C>)
    where
        F: Fn(Arc<C>) -> Fut + Send + 'static,
        Fut: Future<Output = Attempt> + Send + 'static,
    {
        let mut loops = self.lock();
        if let Some(entry) = loops.get(&key) {
            return (Watch(entry.tx.subscribe()), Arc::clone(&entry.call));
        }
        let (tx, rx) = watch::channel(State::Started);
        loops.insert(
            key,
            Entry {
                tx: tx.clone(),
                call: Arc::clone(&call),
            },
        );
        drop(loops);
        let registration = Registration {
            poller: Arc::clone(self),
            key,
            tx,
        };
        tokio::spawn(registration.run(repeatable, Arc::clone(&call), attempt));
        (Watch(rx), call)
    }

    /// Removes the loop for `key` if nobody listens to it any more. Subscribing happens under
    /// the same lock, so a caller cannot join a loop that is about to stop.
    fn release_if_unwatched(&self, key: &PollKey, tx: &watch::Sender<State>) -> bool {
        let mut loops = self.lock();
        if tx.receiver_count() > 0 {
            return false;
        }
        if loops.get(key).is_some_and(|e| e.tx.same_channel(tx)) {
            loops.remove(key);
        }
        true
    }
}

/// A running loop's entry in the registry; dropping it (normal end or panic) removes the entry,
/// so a dead loop never swallows later callers.
struct Registration<C: Send + Sync + 'static> {
    poller: Arc<Poller<C>>,
    key: PollKey,
    tx: watch::Sender<State>,
}

impl<C: Send + Sync + 'static> Registration<C> {
    async fn run<F, Fut>(self, repeatable: bool, call: Arc<C>, attempt: F)
    where
        F: Fn(Arc<C>) -> Fut,
        Fut: Future<Output = Attempt>,
    {
        let mut failures = 0;
        loop {
            let result = attempt(Arc::clone(&call)).await;
            let delay = match next_step(&result, self.poller.floor, repeatable, failures) {
                Step::Finish => {
                    // Published before the entry is removed (on drop), so a caller that joins
                    // in between still sees the result instead of starting a new call.
                    self.tx.send_replace(State::Finished(Settled::new(
                        result.map_err(ApiError::from),
                    )));
                    return;
                }
                Step::Pending { retry_after, delay } => {
                    failures = 0;
                    self.tx.send_replace(State::Pending(retry_after));
                    delay
                }
                Step::Retry { delay } => {
                    failures += 1;
                    delay
                }
            };
            if !self.pause(delay).await {
                tracing::debug!("polling stopped: no caller waits any more");
                return;
            }
        }
    }

    /// Sleeps `delay`; false when the last subscriber left meanwhile (the loop must stop).
    async fn pause(&self, delay: Duration) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return !self.poller.release_if_unwatched(&self.key, &self.tx),
                () = self.tx.closed() => {
                    if self.poller.release_if_unwatched(&self.key, &self.tx) {
                        return false;
                    }
                    // Someone joined just as the last one left: keep going.
                }
            }
        }
    }
}

impl<C: Send + Sync + 'static> Drop for Registration<C> {
    fn drop(&mut self) {
        let mut loops = self.poller.lock();
        if loops
            .get(&self.key)
            .is_some_and(|e| e.tx.same_channel(&self.tx))
        {
            loops.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests;

pub(crate) mod task;
