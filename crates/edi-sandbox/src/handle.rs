//! [`SandboxHandle`]: a running sandbox as tests see it — its address, its journal, faults and
//! delay injected at runtime, Diadoc tokens and EDIN sessions minted (and expired) without HTTP,
//! the EDIN groups and processes as the calls so far have left them, and the seed it serves.
//! Cloning the handle shares the same sandbox.
//!
//! For tests that would otherwise race the clock: [`SandboxHandle::hold`] keeps replies back
//! until the test releases them, [`SandboxHandle::wait_for_calls`] wakes when calls have
//! arrived, and `expire_*` ends sessions and tokens now instead of after a sleep.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::gate::Gate;
use crate::journal::JournalEntry;
use crate::seed::Seed;
use crate::seed::edin::{Group, Process};
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
        self.inject(n, Fault::text(status, body));
    }

    /// Answers the next `n` calls with `fault` ([`Fault`]: a status with headers such as
    /// `Retry-After`, an HTML page, garbage, a redirect, an oversize or cut-off body, a hang);
    /// added after any faults still pending.
    pub fn inject(&self, n: usize, fault: Fault) {
        self.shared
            .lock()
            .faults
            .extend(std::iter::repeat_n(fault, n));
    }

    /// Drops the faults not yet used.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Latency added to every reply from now on (`Duration::ZERO` for none). For demos and
    /// benches; a test that needs a call in flight holds it with [`SandboxHandle::hold`].
    pub fn set_delay(&self, d: Duration) {
        self.shared.lock().delay = d;
    }

    /// Holds the reply of every call that arrives from now on until the gate is released (or
    /// dropped). Each held call is journaled, and its reply chosen, on arrival; only the
    /// sending waits. A client that gives up meanwhile is simply gone.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: edi_sandbox::SandboxHandle) {
    /// let gate = sandbox.hold();
    /// let before = sandbox.received();
    /// // … start a request that calls the sandbox …
    /// sandbox.wait_for_calls(before + 1).await; // it is in flight now, provably
    /// gate.release();
    /// # }
    /// ```
    pub fn hold(&self) -> Gate {
        self.shared.lock().holds.add(None)
    }

    /// Holds the replies of the next `n` calls only (see [`SandboxHandle::hold`]); later calls
    /// are answered at once. Gates take calls in the order they were made.
    pub fn hold_next(&self, n: usize) -> Gate {
        self.shared.lock().holds.add(Some(n))
    }

    /// How many requests the sandbox has received since it started, refused and held ones
    /// included. [`SandboxHandle::clear_journal`] does not reset it.
    pub fn received(&self) -> usize {
        self.shared.arrivals.get()
    }

    /// Waits until [`SandboxHandle::received`] is at least `n`: woken by the arrival itself
    /// (after it is journaled and, if held, before its reply is sent), never by polling.
    pub async fn wait_for_calls(&self, n: usize) {
        self.shared.arrivals.wait_for(n).await;
    }

    /// Expires every open EDIN session now: its next call gets the same 401 ("The session has
    /// expired") as a session idle for too long.
    pub fn expire_edin_sessions(&self) {
        edin::expire_sessions(&self.shared, None);
    }

    /// Expires the EDIN session `sid` now (see [`SandboxHandle::expire_edin_sessions`]);
    /// false when no such session is open.
    pub fn expire_edin_session(&self, sid: &str) -> bool {
        edin::expire_sessions(&self.shared, Some(sid))
    }

    /// Expires every Diadoc token issued so far — Authenticate tokens and OIDC access tokens
    /// alike: each gets the 401 of a token past its lifetime. Tokens issued later are valid as
    /// usual; refresh tokens are not touched.
    pub fn expire_tokens(&self) {
        self.shared.lock().tokens.expire_all();
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

    /// The OpenID Connect issuer: the sandbox's base URL. The token endpoint is
    /// `{issuer}/connect/token`.
    pub fn oidc_issuer(&self) -> String {
        self.base_url()
    }

    /// The client id every sandbox knows ([`OIDC_CLIENT_ID`](crate::OIDC_CLIENT_ID)).
    pub fn oidc_client_id(&self) -> &'static str {
        crate::oidc::OIDC_CLIENT_ID
    }

    /// The secret of [`SandboxHandle::oidc_client_id`]
    /// ([`OIDC_CLIENT_SECRET`](crate::OIDC_CLIENT_SECRET)).
    pub fn oidc_client_secret(&self) -> &'static str {
        crate::oidc::OIDC_CLIENT_SECRET
    }

    /// Issues a refresh token for the seeded Diadoc user `login`, as the integrator cabinet
    /// would; any registered client may redeem it at `/connect/token`. `None` when there is no
    /// such user.
    pub fn issue_refresh_token(&self, login: &str) -> Option<String> {
        let user = self
            .shared
            .seed
            .users
            .iter()
            .position(|u| u.login == login)?;
        Some(crate::oidc::issue_refresh(&self.shared, user))
    }

    /// Revokes refresh token `token`: redeeming it gets `invalid_grant` from now on (access
    /// tokens already issued with it stay valid). False when it was not live.
    pub fn revoke_refresh_token(&self, token: &str) -> bool {
        self.shared.lock().oidc.refresh.remove(token).is_some()
    }

    /// Switches refresh-token rotation on or off from now on (see
    /// [`SandboxBuilder::rotate_refresh_tokens`](crate::SandboxBuilder::rotate_refresh_tokens)).
    pub fn rotate_refresh_tokens(&self, on: bool) {
        self.shared.lock().oidc.rotate = on;
    }

    /// How many calls reached `POST /connect/token` (every outcome, faults and other HTTP
    /// methods on that path included).
    pub fn token_requests(&self) -> usize {
        self.shared.lock().oidc.requests
    }

    /// The most Diadoc calls of one token the sandbox served at once, over every token (calls
    /// refused with 429 not counted). Counted with the limits off too.
    pub fn peak_concurrency(&self) -> usize {
        self.shared.lock().limiter.peak(None)
    }

    /// [`SandboxHandle::peak_concurrency`] for the calls carrying `token` (a `Bearer` token or a
    /// `ddauth_token`); 0 for a token never seen.
    pub fn peak_concurrency_of(&self, token: &str) -> usize {
        self.shared.lock().limiter.peak(Some(token))
    }

    /// How many calls were answered 429 for Kontur's per-token limits.
    pub fn limit_refusals(&self) -> usize {
        self.shared.lock().limiter.refusals()
    }

    /// Sets Kontur's per-token limits from now on (see
    /// [`SandboxBuilder::kontur_limits`](crate::SandboxBuilder::kontur_limits)); calls in flight
    /// keep their slots, the rate buckets keep their state.
    pub fn set_kontur_limits(&self, concurrency: usize, per_second: u32) {
        self.shared.lock().limiter.set(Some(crate::limits::Limits {
            concurrency,
            per_second,
        }));
    }

    /// Switches Kontur's per-token limits off from now on (calls are still counted).
    pub fn no_kontur_limits(&self) {
        self.shared.lock().limiter.set(None);
    }

    /// Makes EDIN's login step 1 for `email` (ASCII case ignored) answer `isCaptcha: on` from
    /// now on, whatever the seed says; a step 2 with a token whose step 1 said `true` gets 403.
    pub fn require_captcha(&self, email: &str, on: bool) {
        self.shared.lock().edin.logins.require_captcha(email, on);
    }

    /// Opens an EDIN session for the seeded user `email` (ASCII case ignored) without the HTTP
    /// login, and returns its SID (send it as `Cookie: SID=<sid>`); `None` when there is no such
    /// user. Works for every seeded user, the captcha user included.
    pub fn issue_edin_session(&self, email: &str) -> Option<String> {
        let user = self.shared.seed.edin.user_index(email)?;
        Some(edin::issue_session(&self.shared, user))
    }

    /// The EDIN approval group `id` as it is now, after any A8/A9 edits; `None` when there is
    /// none (never was, or deleted with A12). Groups of every company, whoever asks.
    pub fn edin_group(&self, id: i64) -> Option<Group> {
        self.shared.lock().edin.groups.get(id).cloned()
    }

    /// The EDIN approval groups of company `company_id` as they are now, in creation order
    /// (seeded ones first, then those A8 created; A12's deletions gone).
    pub fn edin_groups(&self, company_id: i64) -> Vec<Group> {
        self.shared
            .lock()
            .edin
            .groups
            .list
            .iter()
            .filter(|g| g.company_id == company_id)
            .cloned()
            .collect()
    }

    /// Every EDIN approval process as it is now, of every company, in creation order.
    pub fn edin_processes(&self) -> Vec<Process> {
        self.shared.lock().edin.procs.list.clone()
    }

    /// The EDIN approval process `id` as it is now (steps, status, attached document types);
    /// `None` when there is none.
    pub fn edin_process(&self, id: i64) -> Option<Process> {
        self.shared
            .lock()
            .edin
            .procs
            .list
            .iter()
            .find(|p| p.proc_id == id)
            .cloned()
    }

    /// The messages posted so far (PostMessage, TransformTemplateToMessage) whose operation has
    /// answered 200, in posting order, as (message id, event id, .NET ticks): what a box's event
    /// feed shows as new.
    pub fn posted_messages(&self) -> Vec<(String, String, i64)> {
        self.shared
            .lock()
            .messages
            .posted
            .iter()
            .filter(|p| p.done)
            .map(|p| (p.message.message_id.clone(), p.event_id.clone(), p.ticks))
            .collect()
    }

    /// Appends `event` to the event feed (GetNewEvents) of the box `box_id` (either form) and
    /// returns the `IndexKey` it got; `None` when the sandbox has no such box. Give a `Message`
    /// or a `Patch`; an empty `EventId` gets a fresh one.
    pub fn append_event(
        &self,
        box_id: &str,
        event: edi_proto::diadoc::api::proto::events::BoxEvent,
    ) -> Option<String> {
        let b = self.shared.seed.box_index(box_id)?;
        Some(crate::diadoc::events::record_event(&self.shared, b, event))
    }

    /// Appends a new inbound letter (one nonformalized document from a partner, timestamped
    /// now) to the event feed of the box `box_id` and returns its `IndexKey`; `None` when the
    /// sandbox has no such box.
    pub fn append_letter(&self, box_id: &str) -> Option<String> {
        let b = self.shared.seed.box_index(box_id)?;
        let event = crate::diadoc::events::new_letter(&self.shared, b);
        Some(crate::diadoc::events::record_event(&self.shared, b, event))
    }

    /// How many events the feed of box `box_id` holds now (seeded ones included); `None` when
    /// the sandbox has no such box.
    pub fn event_count(&self, box_id: &str) -> Option<usize> {
        let b = self.shared.seed.box_index(box_id)?;
        Some(crate::diadoc::events::feed_len(&self.shared, b))
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

    /// The size of the large entity ([`Seed::large_entity`]) this sandbox serves, in bytes.
    pub fn large_entity_bytes(&self) -> u64 {
        self.shared.settings.large_entity_bytes
    }
}
