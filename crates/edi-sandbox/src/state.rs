//! The state one running sandbox shares between its requests: the seed and settings (fixed at
//! start) and, behind one mutex, what changes (journal, faults, delay, held replies, tokens,
//! long-running operations, EDIN sessions and processes). Handlers are synchronous and hold the
//! lock only briefly; nothing awaits while holding it. The count of arrivals sits outside the
//! lock, on a `watch` channel that tests await.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::auth::Tokens;
use crate::diadoc::events::Feeds;
use crate::diadoc::files::Files;
use crate::diadoc::messages::Messages;
use crate::diadoc::protocol::ProtocolQueue;
use crate::diadoc::templates::Operations;
use crate::edin;
use crate::gate::{Arrivals, Holds};
use crate::journal::Journal;
use crate::limits::Limiter;
use crate::oidc::Oidc;
use crate::seed::Seed;

/// Fixed settings, chosen with the builder.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The accepted `ddauth_api_client_id`.
    pub developer_key: String,
    /// How long an issued token is valid (api.md: 24 hours).
    pub token_ttl: Duration,
    /// How many GenerateDocumentProtocol calls per document answer "not ready".
    pub protocol_polls: u32,
    /// How many PostTemplate calls per operation answer "still running".
    pub template_polls: u32,
    /// How many AcquireCounteragentResult calls per task answer "not finished".
    pub acquire_polls: u32,
    /// How many AcquireCounteragentResult calls per task answer 429 + `Retry-After` first.
    pub acquire_throttled: u32,
    /// How many PostMessage (and TransformTemplateToMessage) calls per operation answer
    /// "still running".
    pub message_polls: u32,
    /// The `Retry-After` value, in whole seconds (api.md: always an integer).
    pub retry_after_secs: u64,
    /// How long an EDIN session lives without a successful call (edin/api.md §2 #8: 10 min).
    pub edin_session_idle: Duration,
    /// Diadoc methods marked deprecated: (path, `Sunset` HTTP-date) (`diadoc/sunset.rs`).
    pub deprecated: Vec<(String, String)>,
    /// How many GeneratePrintForm calls per document answer "not ready".
    pub print_form_polls: u32,
    /// How many GenerateDocumentZip calls per archive answer "not ready".
    pub zip_polls: u32,
    /// The size of the seeded large entity, in bytes.
    pub large_entity_bytes: u64,
    /// How long an OIDC access token from `/connect/token` is valid (`oidc.rs`).
    pub access_token_lifetime: Duration,
}

/// A fault injected with `inject` or `fail_next` (`fault.rs`).
pub(crate) use crate::fault::Fault;

/// Everything that changes while the sandbox runs.
#[derive(Debug, Default)]
pub(crate) struct Mutable {
    pub delay: Duration,
    pub faults: VecDeque<Fault>,
    pub journal: Journal,
    pub holds: Holds,
    pub tokens: Tokens,
    pub protocols: ProtocolQueue,
    pub templates: Operations,
    pub partners: crate::diadoc::partners::Partnerships,
    /// Messages posted (PostMessage, TransformTemplateToMessage), in order: an event feed reads
    /// `messages.posted`.
    pub messages: Messages,
    pub files: Files,
    pub edin: edin::State,
    /// Box event feeds (GetNewEvents), seeded on first use, grown by `record_event`.
    pub events: Feeds,
    /// OIDC clients, refresh tokens and rotation (`oidc.rs`).
    pub oidc: Oidc,
    /// Kontur's per-token limits and the counts behind them (`limits.rs`).
    pub limiter: Limiter,
}

/// One sandbox's state, shared by its handler and its handle.
pub(crate) struct Shared {
    pub seed: Seed,
    pub settings: Settings,
    /// Requests received since start.
    pub arrivals: Arrivals,
    state: Mutex<Mutable>,
    counter: AtomicU64,
    random: std::collections::hash_map::RandomState,
}

/// A short `Debug`: the seed holds about a megabyte of contents, and a handle printed in a failed
/// assertion should not dump it.
impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("settings", &self.settings)
            .field("users", &self.seed.users.len())
            .field("boxes", &self.seed.boxes.len())
            .field("documents", &self.seed.documents.len())
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(seed: Seed, settings: Settings, initial: Mutable) -> Self {
        Self {
            seed,
            settings,
            arrivals: Arrivals::default(),
            state: Mutex::new(initial),
            counter: AtomicU64::new(0),
            random: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Locks the mutable state.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Mutable> {
        // A poisoned lock only means a handler panicked mid-update; the data is still usable,
        // and a simulator that stops answering would hide the original failure.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `n` unpredictable bytes: SipHash with this process's random keys over a counter. Good
    /// enough for opaque tokens and trace ids in a test server; not for secrets.
    pub(crate) fn random_bytes(&self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            let mut h = self.random.build_hasher();
            h.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
            out.extend_from_slice(&h.finish().to_le_bytes());
        }
        out.truncate(n);
        out
    }

    /// `n` random bytes as lower-case hex.
    pub(crate) fn random_hex(&self, n: usize) -> String {
        self.random_bytes(n)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
