//! The clients currently in force, and their reload.
//!
//! The snapshot sits in a `tokio::sync::watch` channel: underneath that is an `RwLock<Arc<_>>`
//! (a read is a lock held for one `Arc` clone), with change notification on top, which the
//! broker can use to notice a reload and tests use to wait for one without sleeping.
//! `arc-swap` would make the read lock-free, but a read lock held for nanoseconds per request
//! is not worth a dependency, and it has no notification.
//!
//! A request takes `snapshot()` (or an `Arc<Client>`) once and keeps it: a reload swaps the
//! channel's value and never changes a snapshot someone holds.
//!
//! Change detection polls a content digest of the clients file and every secret file it names
//! (`source.rs`). The `notify` crate was considered and left out: Kubernetes updates a mounted
//! Secret by swapping a symlinked directory (`..data`), which inotify watches of the named
//! files miss or see as deletions; it needs a watch per directory, platform back-ends and a
//! new dependency, while reading a file of at most 1 MiB and a few small secret files every
//! 30 s costs next to nothing and behaves the same on every filesystem.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Clients, Digest, file, source};
use crate::config::Config;

/// Names listed per kind in the reload log line; past that, a count.
const LOGGED_NAMES: usize = 20;

/// The managed clients in force, shared by every request (`Arc<Registry>`).
#[derive(Debug)]
pub struct Registry {
    /// The clients file, if there is one.
    file: Option<PathBuf>,
    current: watch::Sender<Arc<Clients>>,
    /// One reload at a time, so an older reading never replaces a newer one.
    reloading: Mutex<()>,
}

/// What a successful reload changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadOutcome {
    /// How many clients are now in force.
    pub clients: usize,
    /// Names new in this reading.
    pub added: Vec<String>,
    /// Names no longer there (their keys stop working).
    pub removed: Vec<String>,
    /// Names kept whose credentials (other than the OIDC refresh token), API keys or limits
    /// changed.
    pub changed: Vec<String>,
}

// === impl Registry ===

impl Registry {
    /// Reads the clients file `config.clients_file` names (none: no managed clients). A broken
    /// file is an error: the gateway refuses to start rather than run without its clients.
    /// Blocking (file I/O); call it at start-up.
    pub fn from_config(config: &Config) -> Result<Arc<Self>, String> {
        Self::load(config.clients_file.clone())
    }

    /// [`Registry::from_config`] with the path given.
    pub fn load(file: Option<PathBuf>) -> Result<Arc<Self>, String> {
        let clients = match &file {
            Some(path) => {
                let source = source::read(path);
                let content = source.content?;
                file::build(path, content, source.digest)?
            }
            None => Clients::empty(),
        };
        if let Some(path) = &file {
            tracing::info!(
                file = %path.display(),
                clients = clients.len(),
                "managed clients loaded"
            );
        }
        Ok(Arc::new(Self {
            file,
            current: watch::Sender::new(Arc::new(clients)),
            reloading: Mutex::new(()),
        }))
    }

    /// The clients in force now. Cheap (one `Arc` clone); keep it for the whole request.
    pub fn snapshot(&self) -> Arc<Clients> {
        Arc::clone(&self.current.borrow())
    }

    /// Tells of every reload that took effect (the value is the new snapshot).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Clients>> {
        self.current.subscribe()
    }

    /// Re-reads the clients file and its secret files. On success the new clients are in force
    /// (logged at info: how many, names added, removed, changed); on any error the previous
    /// ones stay and the reason is logged at warn. Neither log line, nor the error, holds a
    /// secret. Blocking (file I/O): from async code, call it in `spawn_blocking`.
    pub fn reload(&self) -> Result<ReloadOutcome, String> {
        self.reload_seen().1
    }

    /// [`Registry::reload`], also returning the content digest of what it read.
    fn reload_seen(&self) -> (Digest, Result<ReloadOutcome, String>) {
        let Some(path) = &self.file else {
            return ([0; 32], Ok(ReloadOutcome::default()));
        };
        // A poisoned lock only means an earlier reload panicked; the snapshot is still whole.
        let _one_at_a_time = self
            .reloading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let source = source::read(path);
        let digest = source.digest;
        let built = source
            .content
            .and_then(|content| file::build(path, content, digest));
        let clients = match built {
            Ok(clients) => Arc::new(clients),
            Err(reason) => {
                tracing::warn!(
                    file = %path.display(),
                    %reason,
                    "clients file not reloaded; the previous clients stay in force"
                );
                return (digest, Err(reason));
            }
        };
        let old = self.current.send_replace(Arc::clone(&clients));
        let outcome = compare(&old, &clients);
        tracing::info!(
            file = %path.display(),
            clients = outcome.clients,
            added = %names(&outcome.added),
            removed = %names(&outcome.removed),
            changed = %names(&outcome.changed),
            "clients file reloaded"
        );
        (digest, Ok(outcome))
    }

    /// The content digest of the clients file and its secret files as they are now.
    fn probe(&self) -> Digest {
        self.file
            .as_deref()
            .map_or([0; 32], |path| source::read(path).digest)
    }

    /// Starts the task that reloads on SIGHUP and, when `interval` is not zero, whenever the
    /// content digest of the file and its secret files changes (checked every `interval`).
    /// With no clients file it does nothing. Call from within the runtime; abort the handle
    /// to stop it.
    pub fn spawn_watcher(self: Arc<Self>, interval: Duration) -> JoinHandle<()> {
        if self.file.is_none() {
            return tokio::spawn(async {});
        }
        // Registered before the task starts, so a SIGHUP right after this call is not lost
        // (and no longer ends the process, SIGHUP's default).
        let hangups = Hangups::signal();
        tokio::spawn(self.watch(interval, hangups))
    }

    async fn watch(self: Arc<Self>, interval: Duration, mut hangups: Hangups) {
        let mut last = self.snapshot().content();
        // An interval too long to add to the clock is as good as none.
        let first = tokio::time::Instant::now().checked_add(interval);
        let mut ticks = first.filter(|_| !interval.is_zero()).map(|first| {
            let mut ticks = tokio::time::interval_at(first, interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks
        });
        loop {
            tokio::select! {
                hangup = hangups.recv() => {
                    if hangup.is_none() {
                        hangups = Hangups::None;
                        continue;
                    }
                    tracing::info!("SIGHUP: reloading the clients file");
                    if let Some(seen) = self.blocking(|me| me.reload_seen().0).await {
                        last = seen;
                    }
                }
                () = tick(&mut ticks) => {
                    let Some(now) = self.blocking(|me| me.probe()).await else { continue };
                    if now == last {
                        continue;
                    }
                    tracing::info!("the clients file or a secret file changed: reloading");
                    // What the reload read, which may be newer than what the probe saw.
                    last = self.blocking(|me| me.reload_seen().0).await.unwrap_or(now);
                }
            }
        }
    }

    /// Runs file I/O off the async workers.
    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Self) -> T + Send + 'static,
    ) -> Option<T> {
        let me = Arc::clone(self);
        match tokio::task::spawn_blocking(move || work(&me)).await {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::error!(error = %e, "clients file check failed");
                None
            }
        }
    }
}

async fn tick(ticks: &mut Option<tokio::time::Interval>) {
    match ticks {
        Some(ticks) => {
            ticks.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Where reload requests come from: SIGHUP, or a test's channel.
enum Hangups {
    #[cfg(unix)]
    Signal(tokio::signal::unix::Signal),
    #[cfg(test)]
    Channel(tokio::sync::mpsc::Receiver<()>),
    None,
}

impl Hangups {
    fn signal() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::hangup()) {
                Ok(hangups) => return Self::Signal(hangups),
                Err(e) => tracing::warn!(
                    error = %e,
                    "cannot listen for SIGHUP; the clients file is reloaded on change only"
                ),
            }
        }
        Self::None
    }

    async fn recv(&mut self) -> Option<()> {
        match self {
            #[cfg(unix)]
            Self::Signal(s) => s.recv().await,
            #[cfg(test)]
            Self::Channel(c) => c.recv().await,
            Self::None => std::future::pending().await,
        }
    }
}

/// What changed between two snapshots, by name.
fn compare(old: &Clients, new: &Clients) -> ReloadOutcome {
    let mut outcome = ReloadOutcome {
        clients: new.len(),
        ..ReloadOutcome::default()
    };
    for client in new.iter() {
        match old.get(&client.name) {
            None => outcome.added.push(client.name.clone()),
            Some(before) => {
                if before.id != client.id
                    || before.limits != client.limits
                    || old.keys_of(&client.name) != new.keys_of(&client.name)
                {
                    outcome.changed.push(client.name.clone());
                }
            }
        }
    }
    for client in old.iter() {
        if new.get(&client.name).is_none() {
            outcome.removed.push(client.name.clone());
        }
    }
    outcome
}

/// `a, b, c` or `a, b, … and 9980 more`.
fn names(names: &[String]) -> String {
    let mut out = names
        .iter()
        .take(LOGGED_NAMES)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LOGGED_NAMES {
        out.push_str(&format!(", … and {} more", names.len() - LOGGED_NAMES));
    }
    out
}

#[cfg(test)]
impl Registry {
    /// The watcher, with reload requests from a channel instead of SIGHUP.
    pub(crate) fn spawn_watcher_with(
        self: Arc<Self>,
        interval: Duration,
        hangups: tokio::sync::mpsc::Receiver<()>,
    ) -> JoinHandle<()> {
        tokio::spawn(self.watch(interval, Hangups::Channel(hangups)))
    }

    pub(crate) fn probe_for_test(&self) -> Digest {
        self.probe()
    }
}
