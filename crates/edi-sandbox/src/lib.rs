//! edi-sandbox: a local simulator of the Kontur Diadoc HTTP methods the gateway covers, written
//! from reference/diadoc/api.md and never from gateway code (it shares only the wire schema,
//! `edi-proto`), so it cannot agree with a gateway bug.
//!
//! * `lib.rs` — [`SandboxBuilder`] (seed, fault injection), [`SandboxHandle`] (address, journal),
//!   and the one request handler: journal, faults, auth, then the method.
//! * `auth.rs` — DiadocAuth / Bearer parsing, tokens, 401 rules.
//! * `diadoc.rs` — the methods: Authenticate, GetMyOrganizations, GetCounteragents V2/V3,
//!   GetDocuments V3, GetDocflows V3.
//! * `seed.rs` — the deterministic demo data.
//!
//! Errors are plain UTF-8 text with `X-Diadoc-ErrorCode` (api.md, "Errors"); every reply carries
//! an `X-Kontur-Trace-Id`.

mod auth;
mod diadoc;
pub mod seed;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::net::TcpListener;

pub use seed::{DEMO_LOGIN, DEMO_PASSWORD, OTHER_LOGIN, OTHER_PASSWORD, Seed};

/// The developer key the sandbox knows (format `<name>-<32 hex>`, api.md "Authorization header").
pub const DEVELOPER_KEY: &str = "edi-sandbox-8ee1638deae84c86b8e2069955c2825a";

/// Entry point: `Sandbox::builder()`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with the demo seed and no faults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            developer_key: DEVELOPER_KEY.to_owned(),
            token_ttl: Duration::from_secs(24 * 3600),
            delay: Duration::ZERO,
            faults: VecDeque::new(),
        }
    }
}

/// Configures a sandbox before it starts.
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    developer_key: String,
    token_ttl: Duration,
    delay: Duration,
    faults: VecDeque<(u16, String)>,
}

impl SandboxBuilder {
    /// The developer key to accept (default [`DEVELOPER_KEY`]).
    pub fn developer_key(mut self, key: impl Into<String>) -> Self {
        self.developer_key = key.into();
        self
    }

    /// Token lifetime (api.md: 24 hours).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Latency added to every reply.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }

    /// Answers the next `n` calls with `status` and a plain-text `body`.
    pub fn fail_next(mut self, n: usize, status: u16, body: impl Into<String>) -> Self {
        let body = body.into();
        self.faults.extend(std::iter::repeat_n((status, body), n));
        self
    }

    fn into_shared(self) -> Arc<Shared> {
        Arc::new(Shared {
            seed: Seed::demo(),
            developer_key: self.developer_key,
            token_ttl: self.token_ttl,
            state: Mutex::new(Mutable {
                delay: self.delay,
                faults: self.faults,
                journal: Vec::new(),
                tokens: Vec::new(),
                issued: 0,
            }),
        })
    }

    /// Binds `127.0.0.1:0` and serves in a background task.
    pub async fn spawn(self) -> std::io::Result<SandboxHandle> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = self.into_shared();
        let app = router(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(SandboxHandle { addr, shared })
    }

    /// Serves on `listener` until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, router(self.into_shared()))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// A running sandbox.
#[derive(Debug, Clone)]
pub struct SandboxHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl SandboxHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received, in order (including refused ones).
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.lock().journal.clone()
    }

    /// Forgets the journal.
    pub fn clear_journal(&self) {
        self.shared.lock().journal.clear();
    }

    /// Answers the next `n` calls with `status` and a plain-text `body`.
    pub fn fail_next(&self, n: usize, status: u16, body: impl Into<String>) {
        let body = body.into();
        self.shared
            .lock()
            .faults
            .extend(std::iter::repeat_n((status, body), n));
    }

    /// Latency added to every reply from now on.
    pub fn set_delay(&self, d: Duration) {
        self.shared.lock().delay = d;
    }

    /// Mints a valid token for a seeded user without an HTTP call.
    pub fn issue_token(&self, login: &str) -> Option<String> {
        let user = self
            .shared
            .seed
            .users
            .iter()
            .position(|u| u.login == login)?;
        Some(self.shared.issue(user))
    }

    /// The seed data.
    pub fn seed(&self) -> &Seed {
        &self.shared.seed
    }
}

/// One request as the sandbox received it.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// HTTP method.
    pub method: String,
    /// Path as sent.
    pub path: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// The raw query string.
    pub raw_query: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// All headers (name, value).
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Bytes,
    /// The status the sandbox answered.
    pub status: u16,
    /// When it arrived.
    pub at: Instant,
}

impl JournalEntry {
    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
struct Shared {
    seed: Seed,
    developer_key: String,
    token_ttl: Duration,
    state: Mutex<Mutable>,
}

#[derive(Debug)]
struct Mutable {
    delay: Duration,
    faults: VecDeque<(u16, String)>,
    journal: Vec<JournalEntry>,
    /// (token, user index, issued at).
    tokens: Vec<(String, usize, Instant)>,
    issued: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Mutable> {
        // A poisoned lock only means a handler panicked mid-update; the data is still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn issue(&self, user: usize) -> String {
        let mut state = self.lock();
        state.issued += 1;
        let n = state.issued;
        let raw = seed::guid(&format!("token-{n}-{user}-{:?}", Instant::now()));
        // Opaque and base64-like, as in the docs' example (api.md, "Authorization header").
        let token = format!("{}{n}==", raw.replace('-', "").to_uppercase());
        state.tokens.push((token.clone(), user, Instant::now()));
        token
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// A reply before the common headers are added.
pub(crate) enum Reply {
    /// 200 with a protobuf body.
    Proto(Vec<u8>),
    /// 200 with a plain-text body.
    Text(String),
    /// An error: status, `X-Diadoc-ErrorCode`, plain-text message.
    Error(StatusCode, &'static str, String),
}

impl Reply {
    pub(crate) fn bad_request(msg: impl Into<String>) -> Self {
        Self::Error(StatusCode::BAD_REQUEST, "Http.BadRequest", msg.into())
    }
}

/// The parsed request a method handler sees.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a axum::http::HeaderMap,
    pub body: &'a Bytes,
}

impl Call<'_> {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let query: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let (delay, fault) = {
        let mut state = shared.lock();
        (state.delay, state.faults.pop_front())
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let call = Call {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: &query,
        headers: &parts.headers,
        body: &body,
    };
    let reply = match fault {
        Some((status, text)) => Reply::Error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "Sandbox.InjectedFault",
            text,
        ),
        None => diadoc::route(&shared, &call),
    };
    let mut response = match reply {
        // api.md: the protobuf media type of responses is UNKNOWN; we answer application/x-protobuf.
        Reply::Proto(bytes) => {
            ([(header::CONTENT_TYPE, "application/x-protobuf")], bytes).into_response()
        }
        Reply::Text(text) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
        }
        Reply::Error(status, code, text) => {
            let mut r = (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                text,
            )
                .into_response();
            r.headers_mut()
                .insert("x-diadoc-errorcode", HeaderValue::from_static(code));
            r
        }
    };
    let trace = seed::guid(&format!("trace-{:?}", Instant::now())).replace('-', "");
    if let Ok(v) = HeaderValue::from_str(&trace) {
        response.headers_mut().insert("x-kontur-trace-id", v);
    }
    shared.lock().journal.push(JournalEntry {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query,
        raw_query,
        authorization: parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
        status: response.status().as_u16(),
        at: Instant::now(),
    });
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, Body::new(body))
}
