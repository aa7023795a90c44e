//! `spawn_app`: starts the sandbox in-process, points a gateway at it, binds both on port 0,
//! and returns a `TestApp` with one helper per kind of call.
//!
//! `TEST_LOG=1` prints the gateway's (and the sandbox's) log to the test output, at `debug` for
//! both and `info` for libraries, or at what `RUST_LOG` says: `TEST_LOG=1 cargo test --test api some_test -- --nocapture`.
//! Without it the tests log nothing.
//!
//! Tests never race the wall clock. A call that must be in flight is held by the sandbox
//! (`sandbox.hold()`, released by the test) and awaited with `sandbox.wait_for_calls(n)`;
//! sessions and tokens expire through the sandbox handle; and what needs time to pass runs on
//! tokio's paused clock ([`run_paused_for`]).

use std::net::SocketAddr;
use std::sync::Once;
use std::time::Duration;

use edi_gateway::{AppState, Config};
use edi_sandbox::{Sandbox, SandboxBuilder, SandboxHandle};
use serde_json::Value;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub sandbox: SandboxHandle,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Sandbox::builder(), |_| {}).await
}

/// Installs, once per test binary, a subscriber that prints the log to the test writer, when
/// `TEST_LOG` is set (as zero2prod's `tests/api/helpers.rs` does). A binary that installs its
/// own subscriber first (`tests/logs.rs`) keeps it: this one then fails quietly.
fn init_test_log() {
    static TEST_LOG: Once = Once::new();
    TEST_LOG.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let filter =
                tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new(
                        "info,edi_gateway=debug,edi_sandbox=debug,tower_http=debug",
                    )
                });
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}

/// Lets `d` of time pass on tokio's paused clock, then resumes it. While paused, the clock moves
/// only when every task of this test is waiting (tokio's auto-advance): each request in flight
/// gets as far as it can, then the timers due within `d` (poll pauses, timeouts) fire in order,
/// and no wall-clock time is waited. Needs the current-thread runtime, `#[tokio::test]`'s
/// default.
pub async fn run_paused_for(d: Duration) {
    tokio::time::pause();
    tokio::time::sleep(d).await;
    tokio::time::resume();
}

/// Spawns with a customised sandbox and a gateway without a polling floor: it asks again as
/// soon as the sandbox's `Retry-After` says (the long-request tests set that to 0 or count it).
pub async fn spawn_polling(builder: SandboxBuilder) -> TestApp {
    spawn_with(builder, |c| c.poll_floor_ms = 0).await
}

/// Spawns with a customised sandbox and gateway configuration.
pub async fn spawn_with(builder: SandboxBuilder, configure: impl FnOnce(&mut Config)) -> TestApp {
    init_test_log();
    let sandbox = builder.spawn().await.expect("sandbox starts");
    let mut config = Config::for_upstream(sandbox.base_url(), Some(edi_sandbox::DEVELOPER_KEY));
    configure(&mut config);
    start(sandbox, config).await.0
}

/// A gateway with `config` in front of `sandbox`, served until the test ends; its state too.
async fn start(sandbox: SandboxHandle, config: Config) -> (TestApp, AppState) {
    let state = AppState::build(config).expect("state builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(edi_gateway::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    let app = TestApp {
        addr,
        client: reqwest::Client::new(),
        sandbox,
    };
    (app, state)
}

/// A gateway whose shutdown the test triggers: `stop` resolves the shutdown future `serve` was
/// given (as SIGTERM does), and `served` is `serve`'s task.
pub struct Stoppable {
    pub app: TestApp,
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub served: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Spawns like [`spawn_with`], with a shutdown the test triggers.
pub async fn spawn_stoppable(
    builder: SandboxBuilder,
    configure: impl FnOnce(&mut Config),
) -> Stoppable {
    init_test_log();
    let sandbox = builder.spawn().await.expect("sandbox starts");
    let mut config = Config::for_upstream(sandbox.base_url(), Some(edi_sandbox::DEVELOPER_KEY));
    configure(&mut config);
    let state = AppState::build(config).expect("state builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(edi_gateway::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    Stoppable {
        app: TestApp {
            addr,
            client: reqwest::Client::new(),
            sandbox,
        },
        stop,
        served,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Logs in through the gateway and returns the Diadoc token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let r = self
            .post_json(
                "/v1/diadoc/sessions",
                None,
                &serde_json::json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(r.status(), 200, "login {login}");
        let body: Value = r.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn demo_token(&self) -> String {
        self.login(edi_sandbox::DEMO_LOGIN, edi_sandbox::DEMO_PASSWORD)
            .await
    }

    /// Logs in to EDIN through the gateway (the response as it is).
    pub async fn edin_login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/v1/edin/sessions"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request")
    }

    /// The demo user's EDIN session id, from the gateway's login.
    pub async fn demo_sid(&self) -> String {
        let r = self
            .edin_login(
                edi_sandbox::EDIN_DEMO_EMAIL,
                edi_sandbox::EDIN_DEMO_PASSWORD,
            )
            .await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut r = self.client.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut r = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    /// A request with extra headers (`Prefer`, `Accept`, `Idempotency-Key`, …).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut r = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        for (name, value) in headers {
            r = r.header(*name, *value);
        }
        if let Some(body) = body {
            r = r.json(body);
        }
        r.send().await.expect("request")
    }

    /// The first box of the caller's first organization, and that organization's id.
    pub async fn first_box(&self, token: &str) -> (String, String) {
        let orgs: Value = self
            .get("/v1/diadoc/organizations", Some(token))
            .await
            .json()
            .await
            .expect("json");
        let org = &orgs["organizations"][0];
        (
            org["orgId"].as_str().expect("orgId").to_owned(),
            org["boxes"][0]["boxIdGuid"]
                .as_str()
                .expect("boxIdGuid")
                .to_owned(),
        )
    }

    /// Journal entries for one upstream path.
    pub fn upstream_calls(&self, path: &str) -> Vec<edi_sandbox::JournalEntry> {
        self.sandbox
            .journal()
            .into_iter()
            .filter(|e| e.path == path)
            .collect()
    }
}

/// Reads a problem+json body, checking its media type.
pub async fn problem(r: reqwest::Response) -> Value {
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    r.json().await.expect("problem json")
}

/// The `field` of every entry in a problem's `errors`.
pub fn problem_fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The fields a 400 problem names, sorted.
pub async fn sorted_fields(r: reqwest::Response) -> Vec<String> {
    assert_eq!(r.status(), 400);
    let mut fields = problem_fields(&problem(r).await);
    fields.sort();
    fields
}

/// The API key of the managed client [`spawn_managed`] describes, and its name.
pub const ROBOT_KEY: &str = "robot-api-key-for-tests-0123456789";
pub const ROBOT: &str = "robot";

/// The SHA-256 of an API key, in hex, as the clients file holds it.
pub fn key_digest(key: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh directory for one test's files (a clients file, secret files).
pub fn temp_dir(label: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!(
        "edi-gateway-{label}-{}-{n}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The clients file entry of [`ROBOT`]: Diadoc by OpenID Connect against the sandbox's
/// token endpoint (a refresh token it issued for the demo user), EDIN as the demo user.
pub fn robot_entry(sandbox: &SandboxHandle) -> String {
    let refresh = sandbox
        .issue_refresh_token(edi_sandbox::DEMO_LOGIN)
        .expect("refresh token");
    format!(
        r#"
[[client]]
name = "{ROBOT}"
api_key_sha256 = "{}"

[client.diadoc]
issuer = "{}"
client_id = "{}"
client_secret = "{}"
refresh_token = "{refresh}"

[client.edin]
email = "{}"
password = "{}"
"#,
        key_digest(ROBOT_KEY),
        sandbox.oidc_issuer(),
        sandbox.oidc_client_id(),
        sandbox.oidc_client_secret(),
        edi_sandbox::EDIN_DEMO_EMAIL,
        edi_sandbox::EDIN_DEMO_PASSWORD,
    )
}

/// A gateway with a clients file: `clients` writes its TOML from the running sandbox. Returns
/// the app, the gateway's state (for `reload_clients`) and the file's path.
pub async fn spawn_managed(
    builder: SandboxBuilder,
    clients: impl FnOnce(&SandboxHandle) -> String,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, AppState, std::path::PathBuf) {
    init_test_log();
    let sandbox = builder.spawn().await.expect("sandbox starts");
    let file = temp_dir("clients").join("clients.toml");
    std::fs::write(&file, clients(&sandbox)).expect("clients file");
    let mut config = Config::for_upstream(sandbox.base_url(), Some(edi_sandbox::DEVELOPER_KEY));
    config.clients_file = Some(file.clone());
    // Reloads happen when a test says (`reload_clients`), not on a timer.
    config.clients_reload_secs = 0;
    configure(&mut config);
    let (app, state) = start(sandbox, config).await;
    (app, state, file)
}

impl TestApp {
    /// A request as a managed client: `X-Api-Key`, no token.
    pub async fn managed(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut r = self
            .client
            .request(method, self.url(path))
            .header("x-api-key", key);
        if let Some(body) = body {
            r = r.json(body);
        }
        r.send().await.expect("request")
    }
}

/// A response header's value as text (empty when absent or not text).
pub fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The slug of a problem answer's `type` (`…/problems/<slug>`).
pub async fn kind(r: reqwest::Response) -> String {
    let p = problem(r).await;
    let kind = p["type"].as_str().unwrap_or_default();
    kind.rsplit('/').next().unwrap_or_default().to_owned()
}
