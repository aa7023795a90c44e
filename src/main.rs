//! The `edi-gateway` binary: `serve`, `demo`, `sandbox` or `openapi`. Each subcommand is a few
//! lines that hand over to the library. `demo` and `sandbox` exist only with the `sandbox` cargo
//! feature (on by default; the container image is built without it).

use clap::{Parser, Subcommand};
#[cfg(feature = "sandbox")]
use edi_gateway::demo;
use edi_gateway::{AppState, Config, app, telemetry};
use tokio::net::TcpListener;

/// JSON REST gateway for Kontur Diadoc and EDIN.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once at start-up: the size of `Serve(Config)` costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Run the gateway against the configured upstreams.
    Serve(Box<Config>),
    /// Run the gateway against the embedded sandbox, with demo users and data.
    #[cfg(feature = "sandbox")]
    Demo {
        /// Address for the gateway.
        #[arg(long, env = "EDI_GATEWAY_LISTEN", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Browser origins allowed to call the demo (CORS), as for `serve`.
        #[arg(long, env = "EDI_GATEWAY_CORS_ORIGINS", default_value = "")]
        cors_origins: String,
    },
    /// Run only the sandbox: a local simulator of the upstream APIs.
    #[cfg(feature = "sandbox")]
    Sandbox {
        /// Address for the sandbox.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: std::net::SocketAddr,
        /// Switch off Kontur's per-token limits (4 at once, 100 a second), which the sandbox
        /// enforces by default: for load tests that hit the sandbox directly.
        #[arg(long)]
        no_kontur_limits: bool,
    },
    /// Print the OpenAPI 3.1 document (what `/openapi.json` serves).
    Openapi,
    /// Ask the gateway on this machine whether it is up (`GET /healthz` on the loopback, 2 s at
    /// most): exit 0 on a 200, 1 otherwise. For the container's `HEALTHCHECK` (no curl there).
    Healthcheck {
        /// The gateway's listen address; only its port is used (the request goes to 127.0.0.1).
        #[arg(long, env = "EDI_GATEWAY_LISTEN", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = Cli::parse().command;
    if let Command::Openapi = command {
        print!("{}", edi_gateway::openapi::to_pretty_json());
        return Ok(());
    }
    if let Command::Healthcheck { listen } = command {
        let healthy = healthcheck::probe(listen.port(), std::time::Duration::from_secs(2));
        println!("{}", if healthy { "healthy" } else { "unhealthy" });
        std::process::exit(if healthy { 0 } else { 1 });
    }
    telemetry::init(match &command {
        Command::Serve(config) => config.log_format,
        _ => telemetry::LogFormat::from_env(),
    });
    match command {
        Command::Serve(config) => {
            config.validate().map_err(anyhow::Error::msg)?;
            let listener = TcpListener::bind(config.listen).await?;
            tracing::info!(addr = %listener.local_addr()?, "edi-gateway listening");
            let metrics = match config.metrics_listen {
                Some(addr) => Some(TcpListener::bind(addr).await?),
                None => None,
            };
            let state = AppState::build(*config)?;
            if let Some(metrics) = metrics {
                tracing::info!(addr = %metrics.local_addr()?, "metrics listening");
                // Up until the process exits, through the drain (`/readyz` answers 503 there).
                let served = edi_gateway::metrics::serve_metrics(
                    metrics,
                    state.clone(),
                    std::future::pending(),
                );
                tokio::spawn(async move {
                    if let Err(e) = served.await {
                        tracing::error!(error = %e, "the metrics listener failed");
                    }
                });
            }
            app::serve(listener, state, app::shutdown_signal()).await?;
            // `serve` returned by the drain deadline; a blocking task still running (a DNS
            // lookup) would hold the runtime's shutdown, and nothing may keep the process.
            tracing::info!("stopped");
            telemetry::shutdown();
            std::process::exit(0);
        }
        #[cfg(feature = "sandbox")]
        Command::Demo {
            listen,
            cors_origins,
        } => demo::run(listen, cors_origins).await?,
        #[cfg(feature = "sandbox")]
        Command::Sandbox {
            listen,
            no_kontur_limits,
        } => demo::run_sandbox(listen, !no_kontur_limits).await?,
        Command::Openapi | Command::Healthcheck { .. } => {}
    }
    telemetry::shutdown();
    Ok(())
}

/// `edi-gateway healthcheck`: one HTTP/1.1 request over a plain `TcpStream`, so the runtime
/// image needs no curl and the binary no HTTP client for it.
mod healthcheck {
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, SocketAddr, TcpStream};
    use std::time::Duration;

    /// `GET /healthz` on `127.0.0.1:port`; true on a `200` status line. Every step (connect,
    /// write, read) is bounded by `timeout`; only the status line is read (at most 64 bytes).
    pub fn probe(port: u16, timeout: Duration) -> bool {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, timeout) else {
            return false;
        };
        if stream.set_read_timeout(Some(timeout)).is_err()
            || stream.set_write_timeout(Some(timeout)).is_err()
        {
            return false;
        }
        let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if stream.write_all(request).is_err() {
            return false;
        }
        let mut head = [0u8; 64];
        let mut len = 0;
        while len < head.len() {
            match stream.read(&mut head[len..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => len += n,
            }
            if head[..len].contains(&b'\n') {
                break;
            }
        }
        is_ok_status_line(&head[..len])
    }

    /// `HTTP/1.x 200 …` (the reason phrase is not read).
    pub fn is_ok_status_line(head: &[u8]) -> bool {
        let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let mut parts = line.split(|&b| b == b' ');
        matches!(parts.next(), Some(b"HTTP/1.1" | b"HTTP/1.0")) && parts.next() == Some(b"200")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn healthcheck_reads_the_status_line() {
        assert!(healthcheck::is_ok_status_line(
            b"HTTP/1.1 200 OK\r\ncontent-length"
        ));
        assert!(!healthcheck::is_ok_status_line(b"HTTP/1.1 503 Service"));
        assert!(!healthcheck::is_ok_status_line(b"HTTP/1.1 2000"));
        assert!(!healthcheck::is_ok_status_line(b""));
    }

    /// A live server: 200 → healthy; another status or nobody listening → unhealthy.
    #[test]
    fn healthcheck_probes_the_loopback() {
        use std::io::{Read, Write};
        let serve_once = |status: &'static str| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let server = std::thread::spawn(move || {
                let (mut conn, _) = listener.accept().expect("accept");
                let mut buf = [0u8; 256];
                let n = conn.read(&mut buf).expect("read");
                assert!(buf[..n].starts_with(b"GET /healthz HTTP/1.1\r\n"));
                conn.write_all(status.as_bytes()).expect("write");
            });
            (port, server)
        };
        let timeout = std::time::Duration::from_secs(2);
        let (port, server) = serve_once("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        assert!(healthcheck::probe(port, timeout));
        server.join().expect("server");
        let (port, server) = serve_once("HTTP/1.1 503 Service Unavailable\r\n\r\n");
        assert!(!healthcheck::probe(port, timeout));
        server.join().expect("server");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        assert!(!healthcheck::probe(port, timeout));
    }
}
