//! The broker against small stub upstreams (an OpenID Connect token endpoint, Diadoc's
//! Authenticate, EDIN's two-step login) served on 127.0.0.1:0 from a thread of their own, so
//! the test's runtime can run on paused time (`start_paused`) and move it with `advance`
//! while the stubs answer in real time. The test client has no timers (no timeouts, no
//! idle-pool sweep), so paused time moves only when a test says so.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Notify, Semaphore};
use tokio::time::advance;

use super::*;
use crate::clients::model::{Diadoc, DiadocLogin, Edin};
use crate::error::ApiError;
use crate::upstream::diadoc::{DiadocAuthMode, DiadocClient};
use crate::upstream::edin::EdinClient;

const CLIENT: &str = "acme";
const CLIENT_SECRET: &str = "cs-s3cret-value";
const FILE_TOKEN: &str = "rt-file-token";
const PASSWORD: &str = "pw-s3cret-value";

// === the stubs ===

#[derive(Default)]
struct Ctl {
    /// Token requests, Authenticate calls, EDIN `auth_uuid` and `auth` calls.
    grants: AtomicUsize,
    authenticates: AtomicUsize,
    uuids: AtomicUsize,
    auths: AtomicUsize,
    /// `expires_in` to send (`None`: leave it out).
    expires_in: Mutex<Option<i64>>,
    /// Send `refresh_token: rt-<n>` with every grant.
    rotate: AtomicBool,
    /// Refuse grants (400, echoing the secrets) / Authenticate (401) / EDIN's password (401).
    refuse: AtomicBool,
    /// EDIN answers `isCaptcha: true`.
    captcha: AtomicBool,
    /// The refresh tokens the token endpoint received, in order.
    refresh_tokens: Mutex<Vec<String>>,
    /// The forms it received.
    forms: Mutex<Vec<Vec<(String, String)>>>,
    /// Authenticate's header, query and body.
    authenticate: Mutex<Vec<(String, String, Vec<u8>)>>,
    /// While set, every handler waits for `gate` after signalling `arrived`.
    hold: AtomicBool,
    gate: Gate,
    arrived: Notify,
}

/// A semaphore with no permits until the test releases the held requests.
struct Gate(Semaphore);

impl Default for Gate {
    fn default() -> Self {
        Self(Semaphore::new(0))
    }
}

impl Ctl {
    async fn enter(&self) {
        self.arrived.notify_one();
        if self.hold.load(Ordering::SeqCst) {
            if let Ok(permit) = self.gate.0.acquire().await {
                permit.forget();
            }
        }
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn token(State(ctl): State<Arc<Ctl>>, body: Bytes) -> Response {
    let n = ctl.grants.fetch_add(1, Ordering::SeqCst) + 1;
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    ctl.refresh_tokens
        .lock()
        .expect("stub")
        .push(field("refresh_token"));
    let (rt, cs) = (field("refresh_token"), field("client_secret"));
    ctl.forms.lock().expect("stub").push(form);
    ctl.enter().await;
    if ctl.refuse.load(Ordering::SeqCst) {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({
                "error": format!("invalid_grant: refresh token {rt} of the client with secret {cs} is revoked")
            }),
        );
    }
    let mut reply = serde_json::json!({"access_token": format!("at-{n}"), "token_type": "Bearer"});
    if let Some(secs) = *ctl.expires_in.lock().expect("stub") {
        reply["expires_in"] = secs.into();
    }
    if ctl.rotate.load(Ordering::SeqCst) {
        reply["refresh_token"] = format!("rt-{n}").into();
    }
    json(StatusCode::OK, reply)
}

async fn authenticate(
    State(ctl): State<Arc<Ctl>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = ctl.authenticates.fetch_add(1, Ordering::SeqCst) + 1;
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    ctl.authenticate
        .lock()
        .expect("stub")
        .push((auth, query.unwrap_or_default(), body.to_vec()));
    ctl.enter().await;
    if ctl.refuse.load(Ordering::SeqCst) {
        return (
            StatusCode::UNAUTHORIZED,
            format!("wrong password {PASSWORD} for user@x"),
        )
            .into_response();
    }
    (StatusCode::OK, format!("dd-{n}")).into_response()
}

async fn auth_uuid(State(ctl): State<Arc<Ctl>>) -> Response {
    ctl.uuids.fetch_add(1, Ordering::SeqCst);
    ctl.enter().await;
    json(
        StatusCode::OK,
        serde_json::json!({"isCaptcha": ctl.captcha.load(Ordering::SeqCst), "token": "step-uuid"}),
    )
}

async fn auth(State(ctl): State<Arc<Ctl>>) -> Response {
    let n = ctl.auths.fetch_add(1, Ordering::SeqCst) + 1;
    if ctl.refuse.load(Ordering::SeqCst) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    (
        StatusCode::OK,
        [(header::SET_COOKIE, format!("SID=sid-{n}; Path=/; HttpOnly"))],
        "",
    )
        .into_response()
}

struct Stub {
    base: String,
    ctl: Arc<Ctl>,
}

impl Stub {
    /// Serves the stubs from a thread and runtime of their own (real time).
    fn spawn() -> Self {
        let ctl = Arc::new(Ctl {
            expires_in: Mutex::new(Some(3600)),
            ..Ctl::default()
        });
        let app = Router::new()
            .route("/connect/token", post(token))
            .route("/V3/Authenticate", post(authenticate))
            .route("/bdoc/auth_uuid", post(auth_uuid))
            .route("/bdoc/auth", post(auth))
            .with_state(ctl.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("stub runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = axum::serve(listener, app).await;
            });
        });
        Self { base, ctl }
    }

    fn grants(&self) -> usize {
        self.ctl.grants.load(Ordering::SeqCst)
    }

    fn hold(&self) {
        self.ctl.hold.store(true, Ordering::SeqCst);
    }

    /// Waits for the first held request, lets the other callers reach the broker, then lets
    /// every held request go.
    async fn release_after_first(&self) {
        self.ctl.arrived.notified().await;
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        self.ctl.hold.store(false, Ordering::SeqCst);
        self.ctl.gate.0.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    fn refresh_tokens(&self) -> Vec<String> {
        self.ctl.refresh_tokens.lock().expect("stub").clone()
    }
}

/// No timeouts and no idle-pool sweep: nothing that would move paused time.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .expect("client")
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn oidc(stub: &Stub, refresh_token: &str, file: Option<std::path::PathBuf>) -> Diadoc {
    Diadoc {
        key: [7; 32],
        login: DiadocLogin::Oidc {
            issuer: format!("{}/", stub.base),
            client_id: "app-1".to_owned(),
            client_secret: secret(CLIENT_SECRET),
            refresh_token: secret(refresh_token),
            refresh_token_file: file,
        },
    }
}

fn diadoc_client(stub: &Stub) -> DiadocClient {
    DiadocClient::new(
        http(),
        &stub.base,
        DiadocAuthMode::Bearer,
        Some(secret("dev-key-1")),
    )
}

fn edin_cred() -> Edin {
    Edin {
        key: [9; 32],
        email: "ops@acme.example".to_owned(),
        password: secret(PASSWORD),
    }
}

async fn bearer(broker: &Broker, cred: &Diadoc, dc: &DiadocClient) -> String {
    let t = broker.diadoc(CLIENT, cred, dc).await.expect("token");
    assert_eq!(t.mode, DiadocAuthMode::Bearer);
    t.token.expose_secret().to_owned()
}

fn unavailable(e: UpstreamError) -> CredentialUnavailable {
    match e {
        UpstreamError::CredentialUnavailable(c) => *c,
        other => panic!("expected a credential problem, got {other:?}"),
    }
}

// === Diadoc: OpenID Connect ===

#[tokio::test(start_paused = true)]
async fn a_thousand_first_calls_cost_one_token_request() {
    let stub = Stub::spawn();
    stub.hold();
    let broker = Arc::new(Broker::new(http()));
    let cred = Arc::new(oidc(&stub, FILE_TOKEN, None));
    let dc = diadoc_client(&stub);
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let (broker, cred, dc) = (broker.clone(), cred.clone(), dc.clone());
            tokio::spawn(async move { broker.diadoc(CLIENT, &cred, &dc).await })
        })
        .collect();
    stub.release_after_first().await;
    for call in calls {
        let token = call.await.expect("task").expect("token");
        assert_eq!(token.token.expose_secret(), "at-1");
    }
    assert_eq!(stub.grants(), 1);
    // The request is the SDKs' form, exactly.
    let form = stub.ctl.forms.lock().expect("stub")[0].clone();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        form,
        [
            ("grant_type", "refresh_token"),
            ("refresh_token", FILE_TOKEN),
            ("client_id", "app-1"),
            ("client_secret", CLIENT_SECRET),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_token_is_reused_then_refreshed_a_minute_before_it_expires() {
    let stub = Stub::spawn();
    let broker = Broker::new(http());
    let (cred, dc) = (oidc(&stub, FILE_TOKEN, None), diadoc_client(&stub));
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-1");
    advance(Duration::from_secs(3600 - 61)).await;
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-1");
    assert_eq!(stub.grants(), 1);
    advance(Duration::from_secs(2)).await;
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-2");
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-2");
    assert_eq!(stub.grants(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_cached_token_is_handed_out_without_waiting_for_the_refresh_lock() {
    let stub = Stub::spawn();
    let broker = Broker::new(http());
    let (cred, dc) = (oidc(&stub, FILE_TOKEN, None), diadoc_client(&stub));
    bearer(&broker, &cred, &dc).await;
    let slot = broker.diadoc.get(&cred.key).await.expect("slot");
    let _refreshing = slot.slot.flight.lock().await;
    // Blocked on the lock, the paused clock would run to the timeout at once.
    let token = tokio::time::timeout(Duration::from_secs(1), bearer(&broker, &cred, &dc))
        .await
        .expect("the fast path takes no async lock");
    assert_eq!(token, "at-1");

    let edin = edin_client(&stub);
    assert_eq!(sid(&broker, &edin).await.expect("sid"), "sid-1");
    let slot = broker.edin.get(&edin_cred().key).await.expect("slot");
    let _relogging = slot.flight.lock().await;
    let s = tokio::time::timeout(Duration::from_secs(1), sid(&broker, &edin))
        .await
        .expect("the fast path takes no async lock");
    assert_eq!(s.expect("sid"), "sid-1");
}

#[tokio::test(start_paused = true)]
async fn a_short_lived_token_is_refreshed_halfway() {
    let stub = Stub::spawn();
    *stub.ctl.expires_in.lock().expect("stub") = Some(100);
    let broker = Broker::new(http());
    let (cred, dc) = (oidc(&stub, FILE_TOKEN, None), diadoc_client(&stub));
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-1");
    advance(Duration::from_secs(49)).await;
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-1");
    advance(Duration::from_secs(2)).await;
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-2");
}

#[tokio::test(start_paused = true)]
async fn without_expires_in_a_token_is_taken_to_live_five_minutes() {
    let stub = Stub::spawn();
    *stub.ctl.expires_in.lock().expect("stub") = None;
    let broker = Broker::new(http());
    let (cred, dc) = (oidc(&stub, FILE_TOKEN, None), diadoc_client(&stub));
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-1");
    advance(Duration::from_secs(239)).await;
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-1");
    advance(Duration::from_secs(2)).await;
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-2");
}

#[tokio::test(start_paused = true)]
async fn a_rotated_refresh_token_is_used_from_then_on() {
    let stub = Stub::spawn();
    stub.ctl.rotate.store(true, Ordering::SeqCst);
    let broker = Broker::new(http());
    let (cred, dc) = (oidc(&stub, FILE_TOKEN, None), diadoc_client(&stub));
    bearer(&broker, &cred, &dc).await;
    advance(Duration::from_secs(3600)).await;
    bearer(&broker, &cred, &dc).await;
    advance(Duration::from_secs(3600)).await;
    bearer(&broker, &cred, &dc).await;
    assert_eq!(stub.refresh_tokens(), [FILE_TOKEN, "rt-1", "rt-2"]);
}

#[tokio::test(start_paused = true)]
async fn without_rotation_the_files_refresh_token_is_reused() {
    let stub = Stub::spawn();
    let broker = Broker::new(http());
    let (cred, dc) = (oidc(&stub, FILE_TOKEN, None), diadoc_client(&stub));
    bearer(&broker, &cred, &dc).await;
    advance(Duration::from_secs(3600)).await;
    bearer(&broker, &cred, &dc).await;
    assert_eq!(stub.refresh_tokens(), [FILE_TOKEN, FILE_TOKEN]);
}

#[tokio::test(start_paused = true)]
async fn a_new_refresh_token_in_the_file_wins_over_the_rotated_one_and_a_written_back_one_does_not()
{
    let stub = Stub::spawn();
    stub.ctl.rotate.store(true, Ordering::SeqCst);
    let broker = Broker::new(http());
    let dc = diadoc_client(&stub);
    assert_eq!(
        bearer(&broker, &oidc(&stub, FILE_TOKEN, None), &dc).await,
        "at-1"
    );
    // A reload that shows the rotated token (written back): nothing changes, no request.
    let reloaded = oidc(&stub, "rt-1", None);
    assert_eq!(bearer(&broker, &reloaded, &dc).await, "at-1");
    assert_eq!(stub.grants(), 1);
    // An old request still holding the first file value: not news either.
    assert_eq!(
        bearer(&broker, &oidc(&stub, FILE_TOKEN, None), &dc).await,
        "at-1"
    );
    advance(Duration::from_secs(3600)).await;
    assert_eq!(bearer(&broker, &reloaded, &dc).await, "at-2");
    // The operator puts a new refresh token in the file: used at once, the old access token
    // dropped.
    let changed = oidc(&stub, "rt-operator", None);
    assert_eq!(bearer(&broker, &changed, &dc).await, "at-3");
    assert_eq!(stub.refresh_tokens(), [FILE_TOKEN, "rt-1", "rt-operator"]);
}

/// A directory of its own under the system's temporary directory, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("broker-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(start_paused = true)]
async fn a_rotated_refresh_token_is_written_back_to_its_file() {
    let stub = Stub::spawn();
    stub.ctl.rotate.store(true, Ordering::SeqCst);
    let dir = TempDir::new("write-back");
    let file = dir.0.join("refresh_token");
    std::fs::write(&file, FILE_TOKEN).expect("write");
    let broker = Broker::new(http());
    let (cred, dc) = (
        oidc(&stub, FILE_TOKEN, Some(file.clone())),
        diadoc_client(&stub),
    );
    bearer(&broker, &cred, &dc).await;
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "rt-1");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let left: Vec<_> = std::fs::read_dir(&dir.0)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("refresh_token")]);
}

/// Every log line at `trace`, as text.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let logs = self.clone();
        tracing::subscriber::set_default(
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || logs.clone())
                .with_ansi(false)
                .finish(),
        )
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("logs")).into_owned()
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_write_back_is_a_warning_naming_the_client_and_the_token_stays_in_memory() {
    let logs = Logs::default();
    let _guard = logs.capture();
    let stub = Stub::spawn();
    stub.ctl.rotate.store(true, Ordering::SeqCst);
    let dir = TempDir::new("read-only");
    // A file in a directory that does not exist: the temporary file cannot be created.
    let file = dir.0.join("missing").join("refresh_token");
    let broker = Broker::new(http());
    let (cred, dc) = (oidc(&stub, FILE_TOKEN, Some(file)), diadoc_client(&stub));
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-1");
    advance(Duration::from_secs(3600)).await;
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-2");
    assert_eq!(stub.refresh_tokens(), [FILE_TOKEN, "rt-1"]);
    let text = logs.text();
    assert!(
        text.contains("could not write the rotated Diadoc refresh token") && text.contains(CLIENT),
        "{text}"
    );
    for secret in [FILE_TOKEN, "rt-1", "rt-2", "at-1", "at-2", CLIENT_SECRET] {
        assert!(!text.contains(secret), "{secret} logged: {text}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_hundred_callers_after_a_401_cost_one_refresh() {
    let stub = Stub::spawn();
    let broker = Arc::new(Broker::new(http()));
    let cred = Arc::new(oidc(&stub, FILE_TOKEN, None));
    let dc = diadoc_client(&stub);
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-1");
    stub.hold();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (broker, cred, dc) = (broker.clone(), cred.clone(), dc.clone());
            tokio::spawn(async move {
                broker
                    .diadoc_after_401(CLIENT, &cred, &secret("at-1"), &dc)
                    .await
            })
        })
        .collect();
    stub.release_after_first().await;
    for call in calls {
        let token = call.await.expect("task").expect("token");
        assert_eq!(token.token.expose_secret(), "at-2");
    }
    assert_eq!(stub.grants(), 2);
    // Later callers get the new token without a request.
    assert_eq!(bearer(&broker, &cred, &dc).await, "at-2");
    assert_eq!(stub.grants(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_401_on_a_token_already_replaced_fetches_nothing() {
    let stub = Stub::spawn();
    let broker = Broker::new(http());
    let (cred, dc) = (oidc(&stub, FILE_TOKEN, None), diadoc_client(&stub));
    bearer(&broker, &cred, &dc).await;
    let stale = secret("at-1");
    let fresh = broker
        .diadoc_after_401(CLIENT, &cred, &stale, &dc)
        .await
        .expect("token");
    assert_eq!(fresh.token.expose_secret(), "at-2");
    let again = broker
        .diadoc_after_401(CLIENT, &cred, &stale, &dc)
        .await
        .expect("token");
    assert_eq!(again.token.expose_secret(), "at-2");
    assert_eq!(stub.grants(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_refused_grant_is_a_credential_problem_that_backs_off_and_holds_no_secret() {
    let logs = Logs::default();
    let _guard = logs.capture();
    let stub = Stub::spawn();
    stub.ctl.refuse.store(true, Ordering::SeqCst);
    stub.hold();
    let broker = Arc::new(Broker::new(http()));
    let cred = Arc::new(oidc(&stub, FILE_TOKEN, None));
    let dc = diadoc_client(&stub);
    // A wave of callers shares the one refusal.
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (broker, cred, dc) = (broker.clone(), cred.clone(), dc.clone());
            tokio::spawn(async move { broker.diadoc(CLIENT, &cred, &dc).await })
        })
        .collect();
    stub.release_after_first().await;
    let mut errors = Vec::new();
    for call in calls {
        errors.push(call.await.expect("task").expect_err("refused"));
    }
    assert_eq!(stub.grants(), 1);
    let first = unavailable(errors.remove(0));
    assert_eq!(first.reason, CredentialProblem::DiadocTokenRefused);
    assert_eq!(first.client, CLIENT);
    assert_eq!(first.retry_after, 60);
    let said = first.upstream.as_ref().expect("the endpoint's text");
    assert!(said.message.contains("invalid_grant"), "{}", said.message);

    // Every way the error can be shown holds no secret.
    let err = UpstreamError::CredentialUnavailable(Box::new(first.clone()));
    let rendered = ApiError::from(err.clone()).render();
    assert_eq!(rendered.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(rendered.headers()[header::RETRY_AFTER], "60");
    let body = axum::body::to_bytes(rendered.into_body(), 1 << 16)
        .await
        .expect("body");
    let body = String::from_utf8_lossy(&body).into_owned();
    assert!(body.contains("problems/credential-unavailable"), "{body}");
    assert!(
        body.contains("'acme'") && body.contains("token endpoint"),
        "{body}"
    );
    let shown = format!("{err} {err:?} {body} {}", logs.text());
    for secret in [CLIENT_SECRET, FILE_TOKEN] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }

    // During the back-off nothing is asked.
    advance(Duration::from_secs(59)).await;
    let during = unavailable(
        broker
            .diadoc(CLIENT, &cred, &dc)
            .await
            .expect_err("backing off"),
    );
    assert_eq!(during.retry_after, 1);
    assert_eq!(stub.grants(), 1);
    // After it, one more try, and a longer pause.
    advance(Duration::from_secs(2)).await;
    let again = unavailable(
        broker
            .diadoc(CLIENT, &cred, &dc)
            .await
            .expect_err("refused"),
    );
    assert_eq!((again.retry_after, stub.grants()), (120, 2));
    // The operator puts a new refresh token in the file: tried at once.
    stub.ctl.refuse.store(false, Ordering::SeqCst);
    let fixed = oidc(&stub, "rt-operator", None);
    assert_eq!(bearer(&broker, &fixed, &dc).await, "at-3");
}

#[tokio::test(start_paused = true)]
async fn a_token_endpoint_failure_is_shared_by_its_waiters_and_not_backed_off() {
    let stub = Stub::spawn();
    let broker = Broker::new(http());
    // Nothing listens here: a transport error, not a refusal.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let cred = Diadoc {
        key: [8; 32],
        login: DiadocLogin::Oidc {
            issuer: format!("http://{addr}"),
            client_id: "app-1".to_owned(),
            client_secret: secret(CLIENT_SECRET),
            refresh_token: secret(FILE_TOKEN),
            refresh_token_file: None,
        },
    };
    let dc = diadoc_client(&stub);
    let e = broker.diadoc(CLIENT, &cred, &dc).await.expect_err("down");
    assert!(matches!(e, UpstreamError::Transport(_)), "{e:?}");
    // No back-off: the next call tries again.
    let e = broker.diadoc(CLIENT, &cred, &dc).await.expect_err("down");
    assert!(matches!(e, UpstreamError::Transport(_)), "{e:?}");
}

// === Diadoc: password login ===

fn password_cred() -> Diadoc {
    Diadoc {
        key: [5; 32],
        login: DiadocLogin::Password {
            login: "user@x".to_owned(),
            password: secret(PASSWORD),
        },
    }
}

#[tokio::test(start_paused = true)]
async fn the_password_login_is_authenticate_v3_and_its_token_lives_a_day() {
    use prost_reflect::prost::Message as _;
    let stub = Stub::spawn();
    let broker = Broker::new(http());
    let (cred, dc) = (password_cred(), diadoc_client(&stub));
    let t = broker.diadoc(CLIENT, &cred, &dc).await.expect("token");
    assert_eq!(
        (t.token.expose_secret(), t.mode),
        ("dd-1", DiadocAuthMode::Diadocauth)
    );
    let (auth, query, body) = stub.ctl.authenticate.lock().expect("stub")[0].clone();
    assert_eq!(auth, "DiadocAuth ddauth_api_client_id=dev-key-1");
    assert_eq!(query, "type=password");
    let sent = edi_proto::diadoc::api::proto::LoginPassword::decode(body.as_slice())
        .expect("LoginPassword");
    assert_eq!(
        (sent.login.as_str(), sent.password.as_str()),
        ("user@x", PASSWORD)
    );
    advance(Duration::from_secs(24 * 3600 - 61)).await;
    let t = broker.diadoc(CLIENT, &cred, &dc).await.expect("token");
    assert_eq!(t.token.expose_secret(), "dd-1");
    advance(Duration::from_secs(2)).await;
    let t = broker.diadoc(CLIENT, &cred, &dc).await.expect("token");
    assert_eq!(t.token.expose_secret(), "dd-2");
}

#[tokio::test(start_paused = true)]
async fn a_refused_password_login_backs_off_and_does_not_echo_the_password() {
    let stub = Stub::spawn();
    stub.ctl.refuse.store(true, Ordering::SeqCst);
    let broker = Broker::new(http());
    let (cred, dc) = (password_cred(), diadoc_client(&stub));
    let e = broker
        .diadoc(CLIENT, &cred, &dc)
        .await
        .expect_err("refused");
    assert!(!format!("{e:?}").contains(PASSWORD));
    let c = unavailable(e);
    assert_eq!(
        (c.reason, c.retry_after),
        (CredentialProblem::DiadocLoginRefused, 60)
    );
    broker
        .diadoc(CLIENT, &cred, &dc)
        .await
        .expect_err("backing off");
    assert_eq!(stub.ctl.authenticates.load(Ordering::SeqCst), 1);
}

// === EDIN ===

fn edin_client(stub: &Stub) -> EdinClient {
    EdinClient::new(http(), &stub.base)
}

async fn sid(broker: &Broker, edin: &EdinClient) -> Result<String, UpstreamError> {
    broker
        .edin(CLIENT, &edin_cred(), edin)
        .await
        .map(|s| s.expose_secret().to_owned())
}

#[tokio::test(start_paused = true)]
async fn a_hundred_first_edin_calls_log_in_once() {
    let stub = Stub::spawn();
    stub.hold();
    let broker = Arc::new(Broker::new(http()));
    let edin = edin_client(&stub);
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (broker, edin) = (broker.clone(), edin.clone());
            tokio::spawn(async move { sid(&broker, &edin).await })
        })
        .collect();
    stub.release_after_first().await;
    for call in calls {
        assert_eq!(call.await.expect("task").expect("sid"), "sid-1");
    }
    assert_eq!(stub.ctl.uuids.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn an_edin_session_unused_for_nine_minutes_is_replaced() {
    let stub = Stub::spawn();
    let broker = Broker::new(http());
    let edin = edin_client(&stub);
    assert_eq!(sid(&broker, &edin).await.expect("sid"), "sid-1");
    // Used every 8 minutes: kept, for longer than 9 minutes in all.
    for _ in 0..3 {
        advance(Duration::from_secs(8 * 60)).await;
        assert_eq!(sid(&broker, &edin).await.expect("sid"), "sid-1");
    }
    advance(Duration::from_secs(9 * 60)).await;
    assert_eq!(sid(&broker, &edin).await.expect("sid"), "sid-2");
    assert_eq!(stub.ctl.uuids.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_edin_session_is_replaced_once_for_many_callers() {
    let stub = Stub::spawn();
    let broker = Arc::new(Broker::new(http()));
    let edin = edin_client(&stub);
    assert_eq!(sid(&broker, &edin).await.expect("sid"), "sid-1");
    stub.hold();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (broker, edin) = (broker.clone(), edin.clone());
            tokio::spawn(async move {
                broker
                    .edin_after_reject(CLIENT, &edin_cred(), &secret("sid-1"), &edin)
                    .await
            })
        })
        .collect();
    stub.release_after_first().await;
    for call in calls {
        let s = call.await.expect("task").expect("sid");
        assert_eq!(s.expose_secret(), "sid-2");
    }
    // One more with the old session: already replaced, no login.
    let s = broker
        .edin_after_reject(CLIENT, &edin_cred(), &secret("sid-1"), &edin)
        .await
        .expect("sid");
    assert_eq!(s.expose_secret(), "sid-2");
    assert_eq!(stub.ctl.uuids.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_captcha_backs_off_without_asking_edin_again() {
    let stub = Stub::spawn();
    stub.ctl.captcha.store(true, Ordering::SeqCst);
    let broker = Broker::new(http());
    let edin = edin_client(&stub);
    let c = unavailable(sid(&broker, &edin).await.expect_err("captcha"));
    assert_eq!(
        (c.reason, c.retry_after),
        (CredentialProblem::EdinCaptcha, 300)
    );
    let rendered = ApiError::from(UpstreamError::CredentialUnavailable(Box::new(c))).render();
    assert_eq!(rendered.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(rendered.headers()[header::RETRY_AFTER], "300");
    let body = axum::body::to_bytes(rendered.into_body(), 1 << 16)
        .await
        .expect("body");
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("log in once in EDIN's web UI"), "{body}");
    assert!(
        !body.contains(PASSWORD) && !body.contains("ops@acme"),
        "{body}"
    );
    // During the back-off, answered at once (also after a rejected session).
    advance(Duration::from_secs(299)).await;
    let c = unavailable(sid(&broker, &edin).await.expect_err("backing off"));
    assert_eq!(c.retry_after, 1);
    let c = unavailable(
        broker
            .edin_after_reject(CLIENT, &edin_cred(), &secret("sid-0"), &edin)
            .await
            .expect_err("backing off"),
    );
    assert_eq!(c.reason, CredentialProblem::EdinCaptcha);
    assert_eq!(stub.ctl.uuids.load(Ordering::SeqCst), 1);
    // Then one try, and a pause twice as long.
    advance(Duration::from_secs(2)).await;
    let c = unavailable(sid(&broker, &edin).await.expect_err("captcha"));
    assert_eq!(c.retry_after, 600);
    assert_eq!(stub.ctl.uuids.load(Ordering::SeqCst), 2);
    // Solved in the web UI: the next try after the pause logs in, and the pause is forgotten.
    stub.ctl.captcha.store(false, Ordering::SeqCst);
    advance(Duration::from_secs(600)).await;
    assert_eq!(sid(&broker, &edin).await.expect("sid"), "sid-1");
}

#[tokio::test(start_paused = true)]
async fn a_refused_edin_password_is_not_hammered() {
    let stub = Stub::spawn();
    stub.ctl.refuse.store(true, Ordering::SeqCst);
    let broker = Broker::new(http());
    let edin = edin_client(&stub);
    let c = unavailable(sid(&broker, &edin).await.expect_err("refused"));
    assert_eq!(
        (c.reason, c.retry_after),
        (CredentialProblem::EdinLoginRefused, 60)
    );
    for _ in 0..5 {
        sid(&broker, &edin).await.expect_err("backing off");
    }
    assert_eq!(stub.ctl.auths.load(Ordering::SeqCst), 1);
    advance(Duration::from_secs(60)).await;
    sid(&broker, &edin).await.expect_err("refused");
    assert_eq!(stub.ctl.auths.load(Ordering::SeqCst), 2);
}
