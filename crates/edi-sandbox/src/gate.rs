//! Held replies and awaited arrivals: the controls a test uses instead of racing the clock.
//!
//! * [`Gate`]: from `SandboxHandle::hold` (every call from now on) or `hold_next(n)` (the next
//!   `n` calls). A held call is journaled and its reply chosen as usual; only the sending waits
//!   until the gate is released (or dropped). A client that gives up meanwhile just goes away.
//! * [`Arrivals`]: a count of the requests received since start, on a `watch` channel, so
//!   `SandboxHandle::wait_for_calls` wakes on the arrival itself, never by polling.

use tokio::sync::watch;

/// Holds replies until [`Gate::release`] is called or the gate is dropped.
#[derive(Debug)]
#[must_use = "the held replies are released as soon as the gate is dropped"]
pub struct Gate {
    released: watch::Sender<bool>,
}

impl Gate {
    /// Sends every reply this gate held, and lets later calls through.
    pub fn release(self) {
        // Drop does it.
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.released.send_replace(true);
    }
}

/// The gates still holding calls, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Holds {
    active: Vec<Hold>,
}

#[derive(Debug)]
struct Hold {
    /// How many more arriving calls this gate takes; `None` for all of them.
    remaining: Option<usize>,
    released: watch::Receiver<bool>,
}

/// What a held call waits on.
#[derive(Debug)]
pub(crate) struct Held(watch::Receiver<bool>);

impl Holds {
    /// A new gate over the next `n` calls (`None`: every call until it is released).
    pub(crate) fn add(&mut self, n: Option<usize>) -> Gate {
        let (released, rx) = watch::channel(false);
        self.active.push(Hold {
            remaining: n,
            released: rx,
        });
        Gate { released }
    }

    /// For a call arriving now: what it must wait for, if an open gate still takes calls.
    pub(crate) fn take(&mut self) -> Option<Held> {
        self.active
            .retain(|h| !*h.released.borrow() && h.remaining != Some(0));
        let hold = self.active.first_mut()?;
        if let Some(n) = &mut hold.remaining {
            *n -= 1;
        }
        Some(Held(hold.released.clone()))
    }
}

impl Held {
    /// Waits until the gate is released or dropped.
    pub(crate) async fn wait(mut self) {
        // An error means the gate is gone, which releases as well.
        let _ = self.0.wait_for(|released| *released).await;
    }
}

/// How many requests the sandbox has received since it started (a journal cleared with
/// `clear_journal` does not reset it).
#[derive(Debug)]
pub(crate) struct Arrivals(watch::Sender<usize>);

impl Default for Arrivals {
    fn default() -> Self {
        Self(watch::Sender::new(0))
    }
}

impl Arrivals {
    /// Counts one more request.
    pub(crate) fn count(&self) {
        self.0.send_modify(|n| *n += 1);
    }

    /// The count so far.
    pub(crate) fn get(&self) -> usize {
        *self.0.borrow()
    }

    /// Waits until at least `n` requests have arrived.
    pub(crate) async fn wait_for(&self, n: usize) {
        let mut rx = self.0.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = rx.wait_for(|&count| count >= n).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_over_n_calls_takes_exactly_n() {
        let mut holds = Holds::default();
        let gate = holds.add(Some(2));
        assert!(holds.take().is_some());
        assert!(holds.take().is_some());
        assert!(holds.take().is_none(), "the third call goes through");
        gate.release();
        assert!(holds.take().is_none());
    }

    #[tokio::test]
    async fn held_calls_wait_for_the_release() {
        let mut holds = Holds::default();
        let gate = holds.add(None);
        let held = holds.take().expect("held");
        let waiting = tokio::spawn(held.wait());
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        gate.release();
        waiting.await.expect("released");
        assert!(holds.take().is_none(), "a released gate holds nothing more");
    }

    #[tokio::test]
    async fn arrivals_wake_the_waiter() {
        let arrivals = std::sync::Arc::new(Arrivals::default());
        let waiter = tokio::spawn({
            let arrivals = arrivals.clone();
            async move { arrivals.wait_for(2).await }
        });
        arrivals.count();
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        arrivals.count();
        waiter.await.expect("woken");
        assert_eq!(arrivals.get(), 2);
    }
}
