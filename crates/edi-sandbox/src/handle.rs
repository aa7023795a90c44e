//! [`SandboxHandle`]: a running sandbox as tests see it — its address, its journal, faults and
//! delay injected at runtime, Diadoc tokens and EDIN sessions minted without HTTP, and the seed
//! it serves. Cloning the
//! handle shares the same sandbox.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::journal::JournalEntry;
use crate::seed::Seed;
use crate::state::{Fault, Shared};
use crate::{auth, edin};

/// A running sandbox.
#[derive(Debug, Clone)]
pub struct SandboxHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl SandboxHandle {
    pub(crate) fn new(addr: SocketAddr, shared: Arc<Shared>) -> Self {
        Self { addr, shared }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the base URL to give a Diadoc or EDIN client (EDIN
    /// paths start with `/bdoc/`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The developer key this sandbox accepts.
    pub fn developer_key(&self) -> &str {
        &self.shared.settings.developer_key
    }

    /// Every request received so far, in arrival order, refused ones included.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.lock().journal.entries()
    }

    /// Forgets the journal (requests in flight still get their status on the old entry, which
    /// is gone).
    pub fn clear_journal(&self) {
        self.shared.lock().journal.clear();
    }

    /// Answers the next `n` calls with `status` and the plain-text `body`; added after any
    /// faults still pending.
    pub fn fail_next(&self, n: usize, status: u16, body: impl Into<String>) {
        let body = body.into();
        self.shared
            .lock()
            .faults
            .extend(std::iter::repeat_n(Fault { status, body }, n));
    }

    /// Latency added to every reply from now on (`Duration::ZERO` for none).
    pub fn set_delay(&self, d: Duration) {
        self.shared.lock().delay = d;
    }

    /// Mints a valid token for the seeded user `login` without an HTTP call (it works with
    /// `DiadocAuth` and `Bearer`); `None` when there is no such user.
    pub fn issue_token(&self, login: &str) -> Option<String> {
        let user = self
            .shared
            .seed
            .users
            .iter()
            .position(|u| u.login == login)?;
        Some(auth::issue(&self.shared, user))
    }

    /// Opens an EDIN session for the seeded user `email` (ASCII case ignored) without the HTTP
    /// login, and returns its SID (send it as `Cookie: SID=<sid>`); `None` when there is no such
    /// user. Works for every seeded user, the captcha user included.
    pub fn issue_edin_session(&self, email: &str) -> Option<String> {
        let user = self.shared.seed.edin.user_index(email)?;
        Some(edin::issue_session(&self.shared, user))
    }

    /// A `DiadocAuth` header value with this sandbox's developer key and `token`.
    pub fn diadoc_auth(&self, token: &str) -> String {
        format!(
            "DiadocAuth ddauth_api_client_id={},ddauth_token={token}",
            self.shared.settings.developer_key
        )
    }

    /// The data the sandbox serves.
    pub fn seed(&self) -> &Seed {
        &self.shared.seed
    }
}
