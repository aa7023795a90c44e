//! `Config`: everything `edi-gateway serve` can be told, from flags or `EDI_GATEWAY_*`
//! environment variables (clap reads both and documents both in `--help`). Tests and `demo`
//! build the struct directly and never touch the process environment.
//!
//! Secrets are `SecretString` from the moment they are parsed, so `{:?}` of a `Config` is safe to
//! log, and `--help` hides their environment values.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;

use crate::upstream::diadoc::DiadocAuthMode;

/// Gateway configuration.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "EDI_GATEWAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Diadoc API base URL.
    #[arg(
        long,
        env = "EDI_GATEWAY_DIADOC_URL",
        default_value = "https://diadoc-api.kontur.ru"
    )]
    pub diadoc_url: String,

    /// Diadoc developer key (`ddauth_api_client_id`), injected into every Diadoc call.
    /// Required in `diadocauth` mode.
    #[arg(long, env = "EDI_GATEWAY_DIADOC_CLIENT_ID", hide_env_values = true, value_parser = parse_secret)]
    pub diadoc_client_id: Option<SecretString>,

    /// EDIN bdoc base URL (older docs name `https://doc.edi-n.com`).
    #[arg(
        long,
        env = "EDI_GATEWAY_EDIN_URL",
        default_value = "https://doc.edin.ua"
    )]
    pub edin_url: String,

    /// How to authenticate to Diadoc: `diadocauth` (developer key + token) or `bearer` (OIDC
    /// access token passed through).
    #[arg(
        long,
        env = "EDI_GATEWAY_DIADOC_AUTH",
        value_enum,
        default_value = "diadocauth"
    )]
    pub diadoc_auth: DiadocAuthMode,

    /// How long a counteragent page stays cached, in seconds (0 turns the cache off).
    #[arg(long, env = "EDI_GATEWAY_CACHE_TTL_SECS", default_value_t = 60)]
    pub cache_ttl_secs: u64,

    /// Upper bound of the cache, in MiB of stored response bodies.
    #[arg(long, env = "EDI_GATEWAY_CACHE_MAX_MB", default_value_t = 64)]
    pub cache_max_mb: u64,

    /// Timeout for connecting to an upstream, in seconds.
    #[arg(long, env = "EDI_GATEWAY_CONNECT_TIMEOUT_SECS", default_value_t = 5)]
    pub connect_timeout_secs: u64,

    /// Timeout for one upstream request (connect to last body byte), in seconds.
    #[arg(long, env = "EDI_GATEWAY_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// How long a long request (a protocol, a template) waits for the upstream to finish before
    /// answering 202, in seconds, when the caller sends no `Prefer: wait=N`.
    #[arg(long, env = "EDI_GATEWAY_WAIT_DEFAULT_SECS", default_value_t = 25)]
    pub wait_default_secs: u64,

    /// The longest wait a caller may ask for with `Prefer: wait=N`, in seconds.
    #[arg(long, env = "EDI_GATEWAY_WAIT_MAX_SECS", default_value_t = 120)]
    pub wait_max_secs: u64,

    /// The shortest pause between two polls of a still-running upstream call, in milliseconds,
    /// whatever `Retry-After` says (the ceiling is 15 s, as in Diadoc's SDK).
    #[arg(long, env = "EDI_GATEWAY_POLL_FLOOR_MS", default_value_t = 1000)]
    pub poll_floor_ms: u64,

    /// How often a caught-up event stream (`Accept: text/event-stream`) polls Diadoc's feed
    /// again, in seconds; at least 1 (Kontur asks for at most 100 requests per second and 4 in
    /// parallel per client). Identical streams of one caller share each poll.
    #[arg(long, env = "EDI_GATEWAY_EVENTS_POLL_SECS", default_value_t = 5)]
    pub events_poll_secs: u64,

    /// How long an event stream may stay silent before a `: keep-alive` comment is sent, in
    /// seconds (proxies close idle connections).
    #[arg(long, env = "EDI_GATEWAY_EVENTS_HEARTBEAT_SECS", default_value_t = 15)]
    pub events_heartbeat_secs: u64,

    /// The most event streams open at once; one more is refused with 503.
    #[arg(long, env = "EDI_GATEWAY_EVENTS_MAX_STREAMS", default_value_t = 1000)]
    pub events_max_streams: usize,

    /// How long a client may take to send a request head, in seconds (fractions allowed, e.g.
    /// `0.5`): from the connection's start for its first request, from the head's first byte
    /// for the next ones. Past it the connection is closed.
    #[arg(long = "header-timeout-secs", env = "EDI_GATEWAY_HEADER_TIMEOUT_SECS", default_value = "10", value_parser = parse_secs)]
    pub header_timeout: Duration,

    /// The longest pause between two chunks of a request body, and the longest a response
    /// write may wait for a client that reads nothing, in seconds (fractions allowed). Past it:
    /// 408 problem if nothing was answered yet, and the connection is closed.
    #[arg(long = "body-idle-timeout-secs", env = "EDI_GATEWAY_BODY_IDLE_TIMEOUT_SECS", default_value = "30", value_parser = parse_secs)]
    pub body_idle_timeout: Duration,

    /// How long a connection may stay open with no request in progress, in seconds (fractions
    /// allowed); HTTP/2 connections are also pinged at this interval.
    #[arg(long = "keepalive-idle-secs", env = "EDI_GATEWAY_KEEPALIVE_IDLE_SECS", default_value = "60", value_parser = parse_secs)]
    pub keepalive_idle: Duration,

    /// The most client connections open at once; past it the gateway stops accepting (the
    /// kernel queues new connections) until one closes.
    #[arg(long, env = "EDI_GATEWAY_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,

    /// After SIGTERM: how long in-flight requests may still finish before every connection is
    /// cut, in seconds (fractions allowed; below 30, a typical kill grace period). Long requests
    /// answer 202 at once.
    #[arg(long = "drain-secs", env = "EDI_GATEWAY_DRAIN_SECS", default_value = "20", value_parser = parse_secs)]
    pub drain: Duration,

    /// Browser origins allowed to call the gateway (CORS), comma-separated: exact origins
    /// (`https://app.example.com`, `http://localhost:3000`) or one-level wildcard subdomains
    /// (`https://*.example.com`). Empty: CORS off (every preflight is refused with 403).
    #[arg(long, env = "EDI_GATEWAY_CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,

    /// How long a browser may cache a preflight's answer, in seconds.
    #[arg(long, env = "EDI_GATEWAY_CORS_MAX_AGE_SECS", default_value_t = 600)]
    pub cors_max_age_secs: u64,

    /// `Strict-Transport-Security: max-age=N` on every answer, for operators serving the
    /// gateway behind TLS. Unset: no HSTS header.
    #[arg(long, env = "EDI_GATEWAY_HSTS_MAX_AGE_SECS")]
    pub hsts_max_age_secs: Option<u64>,

    /// Login attempts per login name (Diadoc login, EDIN e-mail, case-folded) per minute, on
    /// the session routes, before any upstream call; past it 429. 0 turns this throttle off.
    #[arg(long, env = "EDI_GATEWAY_LOGIN_PER_MINUTE", default_value_t = 5)]
    pub login_per_minute: u32,

    /// Login attempts per client address (an IPv6 address by its /64) per minute, both session
    /// routes together; past it 429. 0 turns this throttle off.
    #[arg(
        long,
        env = "EDI_GATEWAY_LOGIN_PER_ADDRESS_PER_MINUTE",
        default_value_t = 30
    )]
    pub login_per_address_per_minute: u32,

    /// Take the client's address for the login throttle from `X-Forwarded-For` (its last
    /// entry: the address the nearest proxy saw) instead of the connection's peer. Only behind
    /// a proxy that sets the header.
    #[arg(long, env = "EDI_GATEWAY_TRUST_FORWARDED", default_value_t = false)]
    pub trust_forwarded: bool,

    /// The managed clients (service accounts) file: TOML, schema in `docs/clients.md`, example
    /// `examples/clients.toml`. Each client calls with `X-Api-Key` and the gateway holds its
    /// upstream credentials. Re-read on SIGHUP and when its content changes. Unset: no managed
    /// clients.
    #[arg(long, env = "EDI_GATEWAY_CLIENTS_FILE")]
    pub clients_file: Option<std::path::PathBuf>,

    /// How often the clients file (and the secret files it names) is checked for changes, in
    /// seconds; 0 = only on SIGHUP. Kubernetes updates mounted Secrets without a signal.
    #[arg(long, env = "EDI_GATEWAY_CLIENTS_RELOAD_SECS", default_value_t = 30)]
    pub clients_reload_secs: u64,

    /// Accept callers' own upstream tokens (`Authorization: Bearer …`, the session routes). Set
    /// to `false` so only managed clients (`X-Api-Key`) get in.
    #[arg(long, env = "EDI_GATEWAY_CALLER_TOKENS", default_value_t = true, action = clap::ArgAction::Set)]
    pub caller_tokens: bool,

    /// Kontur's limit, per upstream credential (a managed client's, or a caller's own token): at
    /// most this many Diadoc requests at once (lifecycle.md §3: "at most 4 parallel threads").
    #[arg(long, env = "EDI_GATEWAY_DIADOC_CONCURRENCY", default_value_t = 4)]
    pub diadoc_concurrency: usize,

    /// Kontur's limit, per upstream credential: at most this many Diadoc requests per second
    /// (lifecycle.md §3: "total load at most 100 RPS").
    #[arg(long, env = "EDI_GATEWAY_DIADOC_PER_SECOND", default_value_t = 100)]
    pub diadoc_per_second: u32,

    /// How long a request that is not a long request waits for a Diadoc slot of its credential
    /// before answering 503 with `Retry-After` (long requests wait within their own budget).
    #[arg(long, env = "EDI_GATEWAY_QUEUE_TIMEOUT_SECS", value_parser = parse_secs, default_value = "10")]
    pub queue_timeout: Duration,

    /// Inbound limit per client (an API key's client, or a caller token's hash): requests per
    /// second; past it 429 with `Retry-After` and `RateLimit` headers. 0 = no inbound limit
    /// (a client's own `requests_per_second` in the clients file still applies).
    #[arg(long, env = "EDI_GATEWAY_CLIENT_PER_SECOND", default_value_t = 0)]
    pub client_per_second: u32,

    /// Inbound burst per client: how many requests may arrive at once before the per-second
    /// pace applies (0 = the per-second figure).
    #[arg(long, env = "EDI_GATEWAY_CLIENT_BURST", default_value_t = 0)]
    pub client_burst: u32,

    /// Upstream circuit breaker (`breaker.rs`, per upstream): consecutive failures (transport
    /// errors, timeouts, 5xx) that open it. 0 = no breaker.
    #[arg(long, env = "EDI_GATEWAY_BREAKER_FAILURES", default_value_t = 5)]
    pub breaker_failures: u32,

    /// How long an open breaker refuses calls (503 `upstream-circuit-open`) before one probe
    /// goes through, in seconds.
    #[arg(long, env = "EDI_GATEWAY_BREAKER_OPEN_SECS", value_parser = parse_secs, default_value = "10")]
    pub breaker_open: Duration,

    /// Retry budget per upstream (`breaker.rs`): retries of safe calls after a transport error
    /// may add at most this many percent to the calls of the last 10 s (0-1000).
    #[arg(long, env = "EDI_GATEWAY_RETRY_PERCENT", default_value_t = 10)]
    pub retry_percent: u32,

    /// Retry budget per upstream: retries allowed per second whatever the percentage (averaged
    /// over 10 s). 0 with `EDI_GATEWAY_RETRY_PERCENT=0` = no retries.
    #[arg(long, env = "EDI_GATEWAY_RETRY_FLOOR_PER_SECOND", default_value_t = 1)]
    pub retry_floor_per_second: u32,

    /// Log line format: `text` (colour only on a terminal) or `json` (one object per line).
    #[arg(
        long,
        env = "EDI_GATEWAY_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: crate::telemetry::LogFormat,

    /// A separate address for `/metrics` (with `/healthz` and `/readyz`), e.g. `0.0.0.0:9090`:
    /// when set, `/metrics` is served only there, not on the public listener.
    #[arg(long, env = "EDI_GATEWAY_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

/// Seconds, with fractions (`10`, `0.25`), as a `Duration`.
fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{s:?} is not a usable duration"))
}

fn parse_secret(s: &str) -> Result<SecretString, String> {
    if s.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    Ok(SecretString::from(s.to_owned()))
}

impl Config {
    /// Defaults with both upstreams at `url` (the sandbox serves both), for tests and the demo.
    pub fn for_upstream(url: impl Into<String>, client_id: Option<&str>) -> Self {
        let url = url.into();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            edin_url: url.clone(),
            diadoc_url: url,
            diadoc_client_id: client_id.map(|k| SecretString::from(k.to_owned())),
            diadoc_auth: DiadocAuthMode::Diadocauth,
            cache_ttl_secs: 60,
            cache_max_mb: 64,
            connect_timeout_secs: 5,
            request_timeout_secs: 30,
            wait_default_secs: 25,
            wait_max_secs: 120,
            poll_floor_ms: 1000,
            events_poll_secs: 5,
            events_heartbeat_secs: 15,
            events_max_streams: 1000,
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            keepalive_idle: Duration::from_secs(60),
            max_connections: 10_000,
            drain: Duration::from_secs(20),
            cors_origins: String::new(),
            cors_max_age_secs: 600,
            hsts_max_age_secs: None,
            login_per_minute: 5,
            login_per_address_per_minute: 30,
            trust_forwarded: false,
            clients_file: None,
            clients_reload_secs: 30,
            caller_tokens: true,
            diadoc_concurrency: 4,
            diadoc_per_second: 100,
            queue_timeout: Duration::from_secs(10),
            client_per_second: 0,
            client_burst: 0,
            breaker_failures: 5,
            breaker_open: Duration::from_secs(10),
            retry_percent: 10,
            retry_floor_per_second: 1,
            log_format: crate::telemetry::LogFormat::Text,
            metrics_listen: None,
        }
    }

    /// Checks what `serve` cannot run without.
    pub fn validate(&self) -> Result<(), String> {
        if self.diadoc_auth == DiadocAuthMode::Diadocauth && self.diadoc_client_id.is_none() {
            return Err(
                "EDI_GATEWAY_DIADOC_CLIENT_ID (--diadoc-client-id) is required in diadocauth mode"
                    .into(),
            );
        }
        for (name, url) in [
            ("EDI_GATEWAY_DIADOC_URL", &self.diadoc_url),
            ("EDI_GATEWAY_EDIN_URL", &self.edin_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("{name} must be an http(s) URL"));
            }
        }
        if self.wait_default_secs > self.wait_max_secs {
            return Err(
                "EDI_GATEWAY_WAIT_DEFAULT_SECS must not exceed EDI_GATEWAY_WAIT_MAX_SECS".into(),
            );
        }
        if self.events_poll_secs < 1 {
            return Err(
                "EDI_GATEWAY_EVENTS_POLL_SECS must be at least 1 (Kontur's published rate limits)"
                    .into(),
            );
        }
        if self.events_heartbeat_secs < 1 {
            return Err("EDI_GATEWAY_EVENTS_HEARTBEAT_SECS must be at least 1".into());
        }
        for (name, d) in [
            ("EDI_GATEWAY_HEADER_TIMEOUT_SECS", self.header_timeout),
            ("EDI_GATEWAY_BODY_IDLE_TIMEOUT_SECS", self.body_idle_timeout),
            ("EDI_GATEWAY_KEEPALIVE_IDLE_SECS", self.keepalive_idle),
            ("EDI_GATEWAY_DRAIN_SECS", self.drain),
        ] {
            if d < Duration::from_millis(1) || d > Duration::from_secs(24 * 3600) {
                return Err(format!("{name} must be between 0.001 and 86400 seconds"));
            }
        }
        if self.drain >= Duration::from_secs(30) {
            return Err(
                "EDI_GATEWAY_DRAIN_SECS must be below 30 (a typical kill grace period)".into(),
            );
        }
        if self.max_connections == 0 || self.max_connections > 1_000_000 {
            return Err("EDI_GATEWAY_MAX_CONNECTIONS must be between 1 and 1000000".into());
        }
        if self.breaker_open > Duration::from_secs(3600) {
            return Err("EDI_GATEWAY_BREAKER_OPEN_SECS must be at most 3600".into());
        }
        if self.retry_percent > 1000 || self.retry_floor_per_second > 1000 {
            return Err(
                "EDI_GATEWAY_RETRY_PERCENT and EDI_GATEWAY_RETRY_FLOOR_PER_SECOND must be at most 1000"
                    .into(),
            );
        }
        crate::edge::AllowedOrigins::parse(&self.cors_origins)
            .map_err(|e| format!("EDI_GATEWAY_CORS_ORIGINS: {e}"))?;
        Ok(())
    }

    /// The pause between two polls of a caught-up event stream (at least 1 s).
    pub fn events_poll(&self) -> Duration {
        Duration::from_secs(self.events_poll_secs.max(1))
    }

    /// The idle time after which an event stream sends a keep-alive comment (at least 1 s).
    pub fn events_heartbeat(&self) -> Duration {
        Duration::from_secs(self.events_heartbeat_secs.max(1))
    }

    /// Cache TTL.
    pub fn cache_ttl(&self) -> Duration {
        Duration::from_secs(self.cache_ttl_secs)
    }

    /// Connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }

    /// Request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The wait budget of a long request without `Prefer: wait`.
    pub fn wait_default(&self) -> Duration {
        Duration::from_secs(self.wait_default_secs)
    }

    /// The longest wait budget a caller may ask for.
    pub fn wait_max(&self) -> Duration {
        Duration::from_secs(self.wait_max_secs)
    }

    /// The shortest pause between two polls.
    pub fn poll_floor(&self) -> Duration {
        Duration::from_millis(self.poll_floor_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_developer_key() {
        let c = Config::for_upstream("http://x", Some("secret-dev-key-123"));
        assert!(!format!("{c:?}").contains("secret-dev-key-123"));
    }

    #[test]
    fn connection_timeouts_take_fractions_of_seconds_and_the_drain_stays_below_30_s() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            config: Config,
        }
        let cli = <Cli as clap::Parser>::try_parse_from([
            "edi-gateway",
            "--diadoc-client-id",
            "k",
            "--header-timeout-secs",
            "0.25",
            "--drain-secs",
            "5",
        ])
        .expect("parses");
        assert_eq!(cli.config.header_timeout, Duration::from_millis(250));
        assert_eq!(cli.config.drain, Duration::from_secs(5));
        assert_eq!(cli.config.keepalive_idle, Duration::from_secs(60));
        assert_eq!(cli.config.body_idle_timeout, Duration::from_secs(30));
        assert_eq!(cli.config.max_connections, 10_000);
        assert!(cli.config.validate().is_ok());
        for bad in ["-1", "x", "", "inf"] {
            assert!(parse_secs(bad).is_err(), "{bad}");
        }
        let mut c = Config::for_upstream("http://x", Some("k"));
        c.drain = Duration::from_secs(30);
        assert!(c.validate().is_err());
        c.drain = Duration::from_secs(20);
        c.max_connections = 0;
        assert!(c.validate().is_err());
        c.max_connections = 1;
        c.header_timeout = Duration::ZERO;
        assert!(c.validate().is_err());
    }

    #[test]
    fn diadocauth_mode_requires_a_developer_key() {
        assert!(Config::for_upstream("http://x", None).validate().is_err());
        assert!(
            Config::for_upstream("http://x", Some("k"))
                .validate()
                .is_ok()
        );
    }
}
