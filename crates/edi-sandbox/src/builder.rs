//! [`SandboxBuilder`]: what a sandbox knows and how it misbehaves, chosen before it starts, then
//! started on a fresh loopback port ([`SandboxBuilder::spawn`], for tests) or on a listener the
//! caller bound ([`SandboxBuilder::serve`], for `edi-gateway sandbox --listen`).

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::handle::SandboxHandle;
use crate::limits::Limits;
use crate::oidc::{DEFAULT_ACCESS_TOKEN_LIFETIME, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET};
use crate::seed::Seed;
use crate::state::{Fault, Mutable, Settings, Shared};
use crate::{DEVELOPER_KEY, edin, server};

/// Configures a sandbox before it starts. Every setter consumes and returns the builder.
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    seed: Option<Seed>,
    settings: Settings,
    delay: Duration,
    faults: Vec<Fault>,
    journal_capacity: usize,
    /// OIDC clients: (id, secret); the default one first.
    oidc_clients: Vec<(String, String)>,
    rotate_refresh_tokens: bool,
    limits: Option<Limits>,
    /// EDIN e-mails whose step 1 answers `isCaptcha` (true) or not (false), overriding the seed.
    captcha: Vec<(String, bool)>,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            seed: None,
            settings: Settings {
                developer_key: DEVELOPER_KEY.to_owned(),
                // api.md, "Authorization header": a token lives 24 hours.
                token_ttl: Duration::from_secs(24 * 60 * 60),
                protocol_polls: 1,
                template_polls: 1,
                acquire_polls: 1,
                acquire_throttled: 0,
                message_polls: 1,
                retry_after_secs: 1,
                edin_session_idle: edin::SESSION_IDLE,
                deprecated: Vec::new(),
                print_form_polls: 1,
                zip_polls: 1,
                large_entity_bytes: crate::diadoc::files::LARGE_ENTITY_BYTES,
                access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            },
            delay: Duration::ZERO,
            faults: Vec::new(),
            journal_capacity: crate::journal::DEFAULT_JOURNAL_CAPACITY,
            oidc_clients: vec![(OIDC_CLIENT_ID.to_owned(), OIDC_CLIENT_SECRET.to_owned())],
            rotate_refresh_tokens: false,
            limits: Some(Limits::default()),
            captcha: Vec::new(),
        }
    }
}

impl SandboxBuilder {
    /// The developer key (`ddauth_api_client_id`) to accept; default [`DEVELOPER_KEY`].
    pub fn developer_key(mut self, key: impl Into<String>) -> Self {
        self.settings.developer_key = key.into();
        self
    }

    /// How long issued tokens stay valid; default 24 hours (api.md). `Duration::ZERO` makes
    /// every token expire at once.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.settings.token_ttl = ttl;
        self
    }

    /// Latency added to every reply (after the reply is chosen and journaled); default none.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }

    /// Answers the next `n` calls, whatever they are, with `status` and the plain-text `body`
    /// instead of handling them. They are still journaled, with that status. An invalid status
    /// code becomes 500.
    pub fn fail_next(self, n: usize, status: u16, body: impl Into<String>) -> Self {
        self.inject(n, Fault::text(status, body))
    }

    /// Answers the next `n` calls, whatever they are, with `fault` (a status with headers, an
    /// HTML page, garbage, a redirect, an oversize or cut-off body, a hang: [`Fault`]) instead
    /// of handling them. They are still journaled, with the fault's status.
    pub fn inject(mut self, n: usize, fault: Fault) -> Self {
        self.faults.extend(std::iter::repeat_n(fault, n));
        self
    }

    /// How many GenerateDocumentProtocol calls per document answer "not ready" (200 +
    /// `Retry-After`, no body) before the protocol; default 1, 0 for none.
    pub fn protocol_polls(mut self, k: u32) -> Self {
        self.settings.protocol_polls = k;
        self
    }

    /// How many PostTemplate calls per operation answer "still running" (204 + `Retry-After`)
    /// before the template; default 1, 0 for none.
    pub fn template_polls(mut self, k: u32) -> Self {
        self.settings.template_polls = k;
        self
    }

    /// How many AcquireCounteragentResult calls per invitation task answer "not finished" (204
    /// + `Retry-After`) before its result; default 1, 0 for none.
    pub fn acquire_polls(mut self, k: u32) -> Self {
        self.settings.acquire_polls = k;
        self
    }

    /// How many AcquireCounteragentResult calls per task answer **429** with `Retry-After`
    /// (lifecycle.md §1.4: "request-rate limit exceeded", retry after `Retry-After`) before the
    /// polls counted by [`SandboxBuilder::acquire_polls`]; default 0.
    pub fn acquire_throttled(mut self, k: u32) -> Self {
        self.settings.acquire_throttled = k;
        self
    }

    /// How many PostMessage and TransformTemplateToMessage calls per operation answer "still
    /// running" (204 + `Retry-After`) before the message; default 1, 0 for none.
    pub fn message_polls(mut self, k: u32) -> Self {
        self.settings.message_polls = k;
        self
    }

    /// How many GeneratePrintForm calls per document answer "not ready" (204 + `Retry-After`,
    /// no body) before the print form; default 1, 0 for none.
    pub fn print_form_polls(mut self, k: u32) -> Self {
        self.settings.print_form_polls = k;
        self
    }

    /// How many GenerateDocumentZip calls per archive answer "not ready" (200 + `Retry-After`
    /// + an empty `ZipFileNameOnShelf`) before the name on the shelf; default 1, 0 for none.
    pub fn zip_polls(mut self, k: u32) -> Self {
        self.settings.zip_polls = k;
        self
    }

    /// The size in bytes of the seeded large entity ([`crate::Seed::large_entity`]), generated
    /// as it is sent (never held); default 50 MiB.
    pub fn large_entity_bytes(mut self, n: u64) -> Self {
        self.settings.large_entity_bytes = n;
        self
    }

    /// The `Retry-After` value in whole seconds on "not ready" answers; default 1, 0 allowed.
    pub fn retry_after_secs(mut self, n: u64) -> Self {
        self.settings.retry_after_secs = n;
        self
    }

    /// How long an EDIN session lives without a successful call; default 10 minutes
    /// (edin/api.md §2 #8). Every successful call with the session starts the time again.
    pub fn edin_session_idle(mut self, d: Duration) -> Self {
        self.settings.edin_session_idle = d;
        self
    }

    /// Marks the Diadoc method at `path` (any case) deprecated: every answer of it carries
    /// `Sunset: <sunset_http_date>` and `Link: <…>; rel="sunset"; type="text/html"`, as Kontur's
    /// deprecation policy describes (lifecycle.md §1.1), e.g.
    /// `deprecate("/V3/GetCounteragents", "Wed, 11 Nov 2026 11:11:11 GMT")`.
    pub fn deprecate(
        mut self,
        path: impl Into<String>,
        sunset_http_date: impl Into<String>,
    ) -> Self {
        self.settings
            .deprecated
            .push((path.into(), sunset_http_date.into()));
        self
    }

    /// How many requests the journal keeps: the newest `n` (a ring); default
    /// [`DEFAULT_JOURNAL_CAPACITY`](crate::DEFAULT_JOURNAL_CAPACITY), 0 keeps none (`demo`, where
    /// nobody reads it). Each entry keeps at most the first
    /// [`JOURNAL_BODY_BYTES`](crate::JOURNAL_BODY_BYTES) of its body.
    pub fn journal_capacity(mut self, n: usize) -> Self {
        self.journal_capacity = n;
        self
    }

    /// Registers one more OpenID Connect client for `POST /connect/token` (besides the default
    /// [`OIDC_CLIENT_ID`](crate::OIDC_CLIENT_ID) / [`OIDC_CLIENT_SECRET`](crate::OIDC_CLIENT_SECRET));
    /// the same id again replaces its secret.
    pub fn oidc_client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        let id = id.into();
        self.oidc_clients.retain(|(known, _)| *known != id);
        self.oidc_clients.push((id, secret.into()));
        self
    }

    /// How long an access token from `/connect/token` stays valid (its `expires_in`, in whole
    /// seconds rounded down), on tokio's clock; default
    /// [`DEFAULT_ACCESS_TOKEN_LIFETIME`](crate::DEFAULT_ACCESS_TOKEN_LIFETIME), 1 hour (the facts
    /// give no figure).
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.access_token_lifetime = lifetime;
        self
    }

    /// Refresh-token rotation: on, every successful refresh returns a new `refresh_token` and
    /// the one redeemed is spent (`invalid_grant` afterwards); off (the default, as both SDKs
    /// reuse their refresh token), every reply repeats the refresh token redeemed.
    pub fn rotate_refresh_tokens(mut self, on: bool) -> Self {
        self.rotate_refresh_tokens = on;
        self
    }

    /// Kontur's per-token limits on the Diadoc methods: at most `concurrency` calls of one token
    /// in flight and at most `per_second` a second (a bucket of `per_second` calls refilled at
    /// `per_second` a second); over either, 429 with `Retry-After`. 0 switches that one off.
    /// Default on, with [`KONTUR_CONCURRENCY`](crate::KONTUR_CONCURRENCY) (4) and
    /// [`KONTUR_PER_SECOND`](crate::KONTUR_PER_SECOND) (100).
    pub fn kontur_limits(mut self, concurrency: usize, per_second: u32) -> Self {
        self.limits = Some(Limits {
            concurrency,
            per_second,
        });
        self
    }

    /// Switches Kontur's per-token limits off (calls are still counted: the journal's
    /// `in_flight` and `SandboxHandle::peak_concurrency` keep working).
    pub fn no_kontur_limits(mut self) -> Self {
        self.limits = None;
        self
    }

    /// Makes EDIN's login step 1 (`/bdoc/auth_uuid`) for `email` (ASCII case ignored) answer
    /// `isCaptcha: true` (`on`) or `false`, whatever the seed says; step 2 after a captcha step 1
    /// is refused with 403 (the sandbox cannot take a captcha).
    pub fn require_captcha(mut self, email: impl Into<String>, on: bool) -> Self {
        self.captcha.push((email.into(), on));
        self
    }

    /// Serves `seed` instead of [`Seed::demo`].
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    fn into_shared(self) -> Arc<Shared> {
        let seed = self.seed.unwrap_or_else(Seed::demo);
        let mut edin = edin::State::new(&seed.edin);
        for (email, on) in self.captcha {
            edin.logins.require_captcha(&email, on);
        }
        let initial = Mutable {
            delay: self.delay,
            faults: self.faults.into(),
            edin,
            oidc: crate::oidc::Oidc {
                clients: self.oidc_clients.into_iter().collect(),
                rotate: self.rotate_refresh_tokens,
                ..Default::default()
            },
            limiter: crate::limits::Limiter::new(self.limits),
            partners: crate::diadoc::partners::Partnerships::new(&seed),
            journal: crate::journal::Journal::with_capacity(self.journal_capacity),
            ..Default::default()
        };
        Arc::new(Shared::new(seed, self.settings, initial))
    }

    /// Binds `127.0.0.1:0` and serves in a background tokio task for as long as the runtime
    /// lives. The handle gives the address, the journal and runtime fault injection.
    pub async fn spawn(self) -> std::io::Result<SandboxHandle> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = self.into_shared();
        let app = server::router(shared.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(nodelay(listener), app).await {
                tracing::error!(error = %e, "edi-sandbox stopped");
            }
        });
        Ok(SandboxHandle::new(addr, shared))
    }

    /// Serves on `listener` until `shutdown` resolves (graceful: requests in flight finish).
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(nodelay(listener), server::router(self.into_shared()))
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// The sandbox as an axum `Router` plus a handle on its state, for callers that run the
    /// server themselves (or drive the router with `tower::ServiceExt::oneshot`). `addr` is only
    /// what the handle reports as its address.
    pub fn into_router(self, addr: std::net::SocketAddr) -> (axum::Router, SandboxHandle) {
        let shared = self.into_shared();
        (
            server::router(shared.clone()),
            SandboxHandle::new(addr, shared),
        )
    }
}

/// Replies go out as soon as they are written (`TCP_NODELAY`), as a production server's do:
/// Nagle's algorithm would hold the last partial segment of a large reply until the client
/// acknowledges the previous ones.
fn nodelay(listener: TcpListener) -> impl axum::serve::Listener<Addr = std::net::SocketAddr> {
    use axum::serve::ListenerExt;
    listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    })
}
