//! `serve`: the listener, the connections and the shutdown. Everything a client can do to a
//! connection is bounded here; what it sends *in* a request is the handlers' business.
//!
//! * **Connections**: at most `EDI_GATEWAY_MAX_CONNECTIONS` at once. A [`Semaphore`] permit is
//!   taken *before* `accept` and held by the connection's task: when none is left the loop
//!   waits for one (no spinning, no accept-then-close); new connections wait in the kernel's
//!   backlog.
//! * **Timeouts**, kept by one watchdog per connection ([`Conn`]) that knows which phase the
//!   connection is in:
//!   - *head*: from the connection's start (its first request) or from the first byte of a
//!     later request head, until the request reaches the router: `EDI_GATEWAY_HEADER_TIMEOUT_SECS`
//!     (a slow-loris head, or a connection that never says anything, is cut);
//!   - *request*: while a request is being served there is no connection deadline (a long
//!     request may wait up to `Prefer: wait`); the request body is bounded instead by
//!     [`IdleBody`]: `EDI_GATEWAY_BODY_IDLE_TIMEOUT_SECS` without a chunk and the read fails,
//!     the answer becomes a 408 `request-timeout` problem naming the body, and the connection
//!     closes; a response write that a client does not read is cut after the same time;
//!   - *idle*: no request in progress (HTTP/1.1 keep-alive between requests, an HTTP/2
//!     connection with no open stream): closed after `EDI_GATEWAY_KEEPALIVE_IDLE_SECS`. HTTP/2
//!     connections are also pinged at that interval while streams are open.
//!
//!   Why not hyper's own `header_read_timeout`: its timer starts whenever hyper waits for a
//!   head, which includes the keep-alive wait between requests (so keep-alive idle would be cut
//!   at the header timeout), and hyper-util's HTTP/2 preface sniffing before it has no timer
//!   at all (a connection that sends nothing would be held forever).
//! * **hyper's own answers**: hyper answers a head it cannot parse by itself, with an empty
//!   body: 400 (malformed request line or header), 414 (a request target over 65,534 bytes),
//!   431 (more than [`MAX_HEADERS`] header lines, or a head over [`MAX_HEAD_BYTES`]). [`Io`]
//!   recognises that canned response as it is written (`HTTP/1.x 400|414|431`, `content-length:
//!   0`, no body, written while a head was being read and no request was being served — our
//!   own error answers always carry a problem body, so they never match) and writes an
//!   `application/problem+json` answer with the same status and `connection: close` instead.
//!   hyper-util's preface sniffing sends a garbled HTTP/2 preface to the HTTP/1 parser, so it is
//!   a 400 problem as well; a valid preface followed by garbage is an HTTP/2 connection error
//!   (GOAWAY), where HTTP has no place for a body. HTTP/2's own 431 (h2, header list over
//!   16 KiB) is a header-only frame that cannot be rewritten and stays without a body.
//!   Considered instead: hyper's parse errors are not handed to the service, and no tower layer
//!   sees them, so a byte-level rewrite is the only way short of forking hyper.
//! * **Shutdown**: when the shutdown future resolves the listener is dropped (new connections
//!   are refused), [`Drain`] flips: held long requests answer 202 with their `Location` at
//!   once (`polling.rs`), event streams end; every connection is told to finish (HTTP/1.1:
//!   close after the response in flight; HTTP/2: GOAWAY). In-flight requests may finish until
//!   `EDI_GATEWAY_DRAIN_SECS`; then every connection task is aborted and `serve` returns,
//!   whatever a client holds open.
//!
//! Known limits: on HTTP/2 the head timer does not apply (bytes there are frames, not a head;
//! an HTTP/2 connection with no complete request is bounded by the idle timeout, and h2 bounds
//! header lists and CONTINUATION floods itself), and a stream stalled by HTTP/2 flow control
//! (the client grants no window) is not a blocked socket write, so only the request's own
//! bounds end it. A counteragent task's starting call in flight at SIGTERM is not a wait: it
//! finishes, or is cut at the deadline.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, Version, header};
use bytes::{Buf, Bytes};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

use crate::app::{AppState, PeerAddr, build_router};
use crate::error::ApiError;

/// Most concurrent HTTP/2 streams per connection. Long requests wait up to two minutes, so a
/// multiplexing client (a browser behind a TLS proxy, a service with an HTTP/2 pool) may hold
/// thousands on one connection; each costs a stream and a small future, not a connection.
pub(crate) const MAX_STREAMS: u32 = 16_384;

/// Most header lines in an HTTP/1.1 request head (hyper's default); more is a 431.
pub(crate) const MAX_HEADERS: usize = 100;

/// Largest HTTP/1.1 request head, in bytes; more is a 431. Room for a request target of
/// 65,534 bytes (hyper's limit, past which the answer is 414) and ordinary headers; it is also
/// what one connection may buffer, so 10,000 connections hold at most ~720 MB of heads
/// (hyper's default is 408 KiB).
pub(crate) const MAX_HEAD_BYTES: usize = 72 * 1024;

/// The shortest pause between two "connection cap reached" warnings.
const CAP_WARNING_EVERY: Duration = Duration::from_secs(10);

/// What a connection's timeouts are, from `Config`.
#[derive(Debug, Clone, Copy)]
struct Limits {
    header: Duration,
    body_idle: Duration,
    keepalive_idle: Duration,
}

/// The "draining" flag in `AppState`: set once, when shutdown starts. Held long requests and
/// event streams watch it.
#[derive(Debug)]
pub(crate) struct Drain(watch::Sender<bool>);

impl Default for Drain {
    fn default() -> Self {
        Self(watch::Sender::new(false))
    }
}

impl Drain {
    /// Starts the drain (idempotent).
    pub(crate) fn start(&self) {
        self.0.send_replace(true);
    }

    /// Whether the drain has started (`/readyz`).
    pub(crate) fn is_started(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when the drain has started (at once if it has).
    pub(crate) fn started(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.0.subscribe();
        async move {
            if rx.wait_for(|draining| *draining).await.is_err() {
                // The sender lives in `AppState`, as long as any request: never reached.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Serves until `shutdown` resolves, then drains: see the module docs. Returns at the latest
/// `EDI_GATEWAY_DRAIN_SECS` after `shutdown` resolved.
///
/// hyper-util directly rather than `axum::serve`: the connection settings must be set, and
/// each connection gets a cheap clone of the finished router (serving `Router` through
/// `axum::serve` rebuilt its route table per connection: measured ~7 KB each, see
/// docs/PERFORMANCE.md).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = Limits {
        header: state.config.header_timeout,
        body_idle: state.config.body_idle_timeout,
        keepalive_idle: state.config.keepalive_idle,
    };
    let drain_for = state.config.drain;
    let slots = Arc::new(Semaphore::new(
        state
            .config
            .max_connections
            .clamp(1, Semaphore::MAX_PERMITS),
    ));
    let router = build_router(state.clone());
    // The clients file is re-read on SIGHUP and when it changes (`clients.rs`), while serving.
    let watcher = state
        .clients
        .clone()
        .spawn_watcher(Duration::from_secs(state.config.clients_reload_secs));
    let _stop_watching = AbortOnDrop(watcher);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        // The watchdog keeps the head timeout (see the module docs).
        .header_read_timeout(None)
        .max_headers(MAX_HEADERS)
        .max_buf_size(MAX_HEAD_BYTES);
    builder
        .http2()
        .max_concurrent_streams(MAX_STREAMS)
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.keepalive_idle);
    // Connections finish their response in flight and close once this flips.
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut permit: Option<OwnedSemaphorePermit> = None;
    let mut last_warned: Option<Instant> = None;
    tokio::pin!(shutdown);
    state.metrics.accepting();
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Finished connections are reaped as they end, so the set holds open ones only.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            acquired = Arc::clone(&slots).acquire_owned(), if permit.is_none() => {
                // The semaphore is never closed.
                permit = acquired.ok();
            }
            accepted = listener.accept(), if permit.is_some() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: back off rather than spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Some(held) = permit.take() else { continue };
                if slots.available_permits() == 0
                    && last_warned.is_none_or(|at: Instant| at.elapsed() >= CAP_WARNING_EVERY)
                {
                    last_warned = Some(Instant::now());
                    tracing::warn!(
                        max = state.config.max_connections,
                        "connection cap reached: not accepting until a connection closes"
                    );
                }
                let _ = stream.set_nodelay(true);
                let conn = Arc::new(Conn::new(limits));
                let service = Served {
                    router: TowerToHyperService::new(router.clone()),
                    peer: PeerAddr(peer),
                    conn: Arc::clone(&conn),
                    state: state.clone(),
                };
                let connection = builder
                    .serve_connection(TokioIo::new(Io::new(stream, Arc::clone(&conn))), service)
                    .into_owned();
                tasks.spawn(run_connection(connection, conn, stopped.clone(), held));
            }
        }
    }
    drop(listener);
    tracing::info!(
        open = tasks.len(),
        deadline_secs = drain_for.as_secs_f64(),
        "draining"
    );
    state.drain.start();
    stop.send_replace(true);
    let drained = tokio::time::timeout(drain_for, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            cut = tasks.len(),
            "drain deadline reached: cutting the connections left"
        );
        tasks.shutdown().await;
    }
    Ok(())
}

/// Why the watchdog cut a connection (logged).
#[derive(Debug, Clone, Copy)]
enum Cut {
    /// No complete request head within the header timeout.
    Head,
    /// No request for the keep-alive idle time.
    Idle,
    /// The client read nothing of a response for the body idle time.
    Write,
}

/// One connection as hyper-util serves it.
type Connection = auto::Connection<'static, TokioIo<Io>, Served, TokioExecutor>;

/// Serves one connection until it ends, its watchdog cuts it, or the task is aborted at the
/// drain deadline; `stopped` flipping asks it to finish gracefully.
async fn run_connection(
    connection: Connection,
    conn: Arc<Conn>,
    mut stopped: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    tokio::pin!(connection);
    let watchdog = conn.watchdog();
    tokio::pin!(watchdog);
    let mut asked_to_stop = false;
    loop {
        tokio::select! {
            // A connection error is the client's business (reset, malformed request).
            _ = connection.as_mut() => return,
            cut = &mut watchdog => {
                tracing::debug!(?cut, "connection cut");
                return;
            }
            _ = stopped.wait_for(|stop| *stop), if !asked_to_stop => {
                asked_to_stop = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// "Not set" in the millisecond fields of [`Conn`].
const UNSET: u64 = u64::MAX;

/// The HTTP/2 connection preface (RFC 9113 §3.4).
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// One connection's phase, shared by its [`Io`], its [`Served`] requests and its watchdog.
/// Times are milliseconds since `start`.
#[derive(Debug)]
struct Conn {
    start: Instant,
    limits: Limits,
    /// Requests being served: from the router's call until the response body is done.
    active: AtomicUsize,
    /// When the request head being read began (`UNSET`: none is being read).
    head_since: AtomicU64,
    /// When the last request ended (the connection's start before any).
    idle_since: AtomicU64,
    /// When a write started waiting for the client to read (`UNSET`: none waits).
    write_blocked_since: AtomicU64,
    /// The connection speaks HTTP/2 (its preface arrived).
    h2: AtomicBool,
    /// Wakes the watchdog when a deadline may have moved earlier or appeared.
    changed: Notify,
}

impl Conn {
    fn new(limits: Limits) -> Self {
        Self {
            start: Instant::now(),
            limits,
            active: AtomicUsize::new(0),
            // The first request's head is due within the header timeout from the start.
            head_since: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            write_blocked_since: AtomicU64::new(UNSET),
            h2: AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(UNSET - 1)
    }

    fn at(&self, ms: u64, plus: Duration) -> Instant {
        self.start + Duration::from_millis(ms) + plus
    }

    /// Bytes arrived: with no request in progress on HTTP/1.1, a new head has begun.
    fn on_read(&self) {
        if self.active.load(Ordering::Acquire) == 0
            && !self.h2.load(Ordering::Relaxed)
            && self.head_since.load(Ordering::Relaxed) == UNSET
        {
            self.head_since.store(self.now(), Ordering::Release);
            self.changed.notify_one();
        }
    }

    /// The HTTP/2 preface arrived: from now on only streams count, not bytes (pings, window
    /// updates).
    fn on_h2(&self) {
        self.h2.store(true, Ordering::Relaxed);
        self.idle_since.store(self.now(), Ordering::Release);
        self.head_since.store(UNSET, Ordering::Release);
        self.changed.notify_one();
    }

    /// A request reached the router.
    fn begin(self: &Arc<Self>) -> Active {
        self.active.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(UNSET, Ordering::Release);
        Active(Arc::clone(self))
    }

    fn on_write(&self, blocked: bool) {
        let was = self.write_blocked_since.load(Ordering::Relaxed);
        if blocked && was == UNSET {
            self.write_blocked_since
                .store(self.now(), Ordering::Release);
            self.changed.notify_one();
        } else if !blocked && was != UNSET {
            self.write_blocked_since.store(UNSET, Ordering::Release);
        }
    }

    /// A head is being read and no request is in service: what hyper writes now is its own
    /// answer to a head it refused.
    fn reading_head(&self) -> bool {
        self.active.load(Ordering::Acquire) == 0
            && !self.h2.load(Ordering::Relaxed)
            && self.head_since.load(Ordering::Acquire) != UNSET
    }

    /// The earliest deadline of the current phase, and what passing it means.
    fn deadline(&self) -> Option<(Instant, Cut)> {
        let blocked = self.write_blocked_since.load(Ordering::Acquire);
        let write =
            (blocked != UNSET).then(|| (self.at(blocked, self.limits.body_idle), Cut::Write));
        let phase = if self.active.load(Ordering::Acquire) > 0 {
            None
        } else {
            let head = self.head_since.load(Ordering::Acquire);
            if head != UNSET && !self.h2.load(Ordering::Relaxed) {
                Some((self.at(head, self.limits.header), Cut::Head))
            } else {
                let idle = self.idle_since.load(Ordering::Acquire);
                Some((self.at(idle, self.limits.keepalive_idle), Cut::Idle))
            }
        };
        match (write, phase) {
            (Some(w), Some(p)) => Some(if w.0 <= p.0 { w } else { p }),
            (w, p) => w.or(p),
        }
    }

    /// Resolves when the current phase's deadline passes.
    async fn watchdog(&self) -> Cut {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match self.deadline() {
                Some((at, cut)) if at <= Instant::now() => return cut,
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = &mut changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }
}

/// A request in service; dropped with its response body (or the response, if never sent).
#[derive(Debug)]
struct Active(Arc<Conn>);

impl Drop for Active {
    fn drop(&mut self) {
        let conn = &self.0;
        conn.idle_since.store(conn.now(), Ordering::Release);
        if conn.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            conn.changed.notify_one();
        }
    }
}

/// The connection's socket, watched: reads start the head timer, blocked writes the write
/// timer, and hyper's canned 400/414/431 is rewritten as problem+json (module docs).
struct Io {
    stream: TcpStream,
    conn: Arc<Conn>,
    /// Bytes of the HTTP/2 preface matched so far (`None` once decided).
    sniffed: Option<usize>,
    /// The problem+json answer still to write in place of hyper's canned one.
    replacement: Option<Bytes>,
}

impl Io {
    fn new(stream: TcpStream, conn: Arc<Conn>) -> Self {
        Self {
            stream,
            conn,
            sniffed: Some(0),
            replacement: None,
        }
    }

    fn sniff(&mut self, read: &[u8]) {
        let Some(matched) = self.sniffed else { return };
        let want = H2_PREFACE.get(matched..).unwrap_or_default();
        let n = read.len().min(want.len());
        if read.get(..n) != want.get(..n) {
            self.sniffed = None;
        } else if matched + n == H2_PREFACE.len() {
            self.sniffed = None;
            self.conn.on_h2();
        } else {
            self.sniffed = Some(matched + n);
        }
    }

    /// Writes what is left of the replacement; `Ready(Ok)` once it is all out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(rest) = self.replacement.as_mut() {
            if rest.is_empty() {
                self.replacement = None;
                break;
            }
            let polled = Pin::new(&mut self.stream).poll_write(cx, rest);
            self.conn.on_write(polled.is_pending());
            let n = ready!(polled)?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            rest.advance(n);
        }
        Poll::Ready(Ok(()))
    }

    /// `buf` is hyper's answer to a head it refused: replace it.
    fn intercept(&mut self, buf: &[u8]) -> bool {
        if !self.conn.reading_head() {
            return false;
        }
        match problem_for_canned(buf) {
            Some(replacement) => {
                self.replacement = Some(replacement);
                true
            }
            None => false,
        }
    }
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        let read = buf.filled().get(before..).unwrap_or_default();
        if !read.is_empty() {
            this.sniff(read);
            this.conn.on_read();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        if this.intercept(buf) {
            return Poll::Ready(Ok(buf.len()));
        }
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.conn.on_write(polled.is_pending());
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        // hyper writes its canned answer as one buffer (a head without a body).
        if this.conn.reading_head() {
            let mut written = bufs.iter().filter(|b| !b.is_empty());
            if let (Some(only), None) = (written.next(), written.next()) {
                if this.intercept(only) {
                    return Poll::Ready(Ok(only.len()));
                }
            }
        }
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.conn.on_write(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

/// When `buf` is hyper's canned answer to a refused head (`HTTP/1.x 400|414|431 …`, a
/// `content-length: 0` header, nothing after the head), the problem+json answer to write
/// instead: same status, hyper's `date`, `connection: close`.
fn problem_for_canned(buf: &[u8]) -> Option<Bytes> {
    let head = std::str::from_utf8(buf).ok()?;
    let rest = head
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| head.strip_prefix("HTTP/1.0 "))?;
    let status = match rest.get(..4)? {
        "400 " => StatusCode::BAD_REQUEST,
        "414 " => StatusCode::URI_TOO_LONG,
        "431 " => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let lines = head.strip_suffix("\r\n\r\n")?;
    if lines.contains("\r\n\r\n") {
        return None;
    }
    let mut empty = false;
    let mut date = None;
    for line in lines.split("\r\n").skip(1) {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            empty = value == "0";
        } else if name.eq_ignore_ascii_case("date") {
            date = Some(value);
        }
    }
    if !empty {
        return None;
    }
    let body = ApiError::HeadRejected(status).problem_body();
    // The same security headers `edge.rs` puts on every other answer: this one is written
    // outside the router, so the edge layer never sees it.
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\
         x-content-type-options: nosniff\r\ncache-control: no-store\r\n\
         content-security-policy: {}\r\nreferrer-policy: no-referrer\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
        crate::error::PROBLEM_JSON,
        body.len(),
        crate::edge::API_CSP,
    );
    if let Some(date) = date {
        out.push_str("date: ");
        out.push_str(date);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    Some(Bytes::from(bytes))
}

/// The service a connection calls per request: the router, with the peer's address, the
/// request body under the idle timeout, and the response body tracked (and ended at the
/// drain, for an event stream).
#[derive(Clone)]
struct Served {
    router: TowerToHyperService<Router>,
    peer: PeerAddr,
    conn: Arc<Conn>,
    state: AppState,
}

impl hyper::service::Service<Request<Incoming>> for Served {
    type Response = Response<ServedBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ServedBody>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let active = self.conn.begin();
        let stalled = Arc::new(AtomicBool::new(false));
        let idle = self.conn.limits.body_idle;
        let http1 = request.version() < Version::HTTP_2;
        let mut request =
            request.map(|body| Body::new(IdleBody::new(body, idle, Arc::clone(&stalled))));
        request.extensions_mut().insert(self.peer);
        let future = hyper::service::Service::call(&self.router, request);
        let state = self.state.clone();
        Box::pin(async move {
            let mut response = match future.await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if stalled.load(Ordering::Acquire) {
                // Whatever the handler made of the failed read, the answer is a 408.
                response = body_timeout(idle, http1);
            }
            let stream = response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
            let drain: Option<Pin<Box<dyn Future<Output = ()> + Send>>> = if stream {
                Some(Box::pin(state.drain.started()))
            } else {
                None
            };
            Ok(response.map(|inner| ServedBody {
                inner,
                drain,
                _active: active,
            }))
        })
    }
}

/// The 408 answer to a request whose body stalled; the connection closes after it.
fn body_timeout(idle: Duration, http1: bool) -> Response<Body> {
    let mut response = ApiError::RequestTimeout(format!(
        "the request body: nothing arrived for {} s; send the body without pausing",
        idle.as_secs_f64()
    ))
    .render();
    if http1 {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A request body whose next chunk must come within the body idle timeout; past it the read
/// fails with [`BodyStalled`] and the request is marked as stalled.
struct IdleBody {
    inner: Incoming,
    idle: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    armed: bool,
    stalled: Arc<AtomicBool>,
}

impl IdleBody {
    fn new(inner: Incoming, idle: Duration, stalled: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            idle,
            timer: None,
            armed: false,
            stalled,
        }
    }
}

/// The request body stalled past the body idle timeout.
#[derive(Debug)]
struct BodyStalled;

impl std::fmt::Display for BodyStalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body stalled")
    }
}

impl std::error::Error for BodyStalled {}

impl hyper::body::Body for IdleBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.armed = false;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let deadline = Instant::now() + this.idle;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if !this.armed {
                    timer.as_mut().reset(deadline);
                    this.armed = true;
                }
                ready!(timer.as_mut().poll(cx));
                this.stalled.store(true, Ordering::Release);
                Poll::Ready(Some(Err(Box::new(BodyStalled))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body: the request counts as in service until it is done or dropped; an event
/// stream ends when the drain starts.
pub(crate) struct ServedBody {
    inner: Body,
    drain: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    _active: Active,
}

impl hyper::body::Body for ServedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(drain) = this.drain.as_mut() {
            if drain.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
        }
        Pin::new(&mut this.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Shutdown on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    // Give load balancers a moment to notice before connections are refused.
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// Aborts a task when dropped: a background task that lives exactly as long as `serve`.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::problem_for_canned;

    #[test]
    fn hyper_canned_answers_become_problems() {
        for (status, canned) in [
            (
                400,
                "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 06:00:00 GMT\r\n\r\n",
            ),
            (
                431,
                "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
            ),
            (
                414,
                "HTTP/1.0 414 URI Too Long\r\ncontent-length: 0\r\n\r\n",
            ),
        ] {
            let out = problem_for_canned(canned.as_bytes()).expect("replaced");
            let text = String::from_utf8(out.to_vec()).expect("utf-8");
            assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{text}");
            assert!(text.contains("content-type: application/problem+json\r\n"));
            assert!(text.contains("connection: close\r\n"));
            assert!(text.contains("x-content-type-options: nosniff\r\n"));
            assert!(text.contains(&format!(
                "content-security-policy: {}\r\n",
                crate::edge::API_CSP
            )));
            assert!(text.contains("referrer-policy: no-referrer\r\n"));
            let (head, body) = text.split_once("\r\n\r\n").expect("head");
            assert!(head.contains(&format!("content-length: {}", body.len())));
            let problem: serde_json::Value = serde_json::from_str(body).expect("json");
            assert_eq!(problem["status"], status);
        }
    }

    #[test]
    fn other_answers_are_left_alone() {
        for other in [
            // Ours: a problem body.
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 2\r\n\r\n{}",
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            "garbage",
        ] {
            assert!(problem_for_canned(other.as_bytes()).is_none(), "{other}");
        }
    }
}
