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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = Cli::parse().command;
    if let Command::Openapi = command {
        print!("{}", edi_gateway::openapi::to_pretty_json());
        return Ok(());
    }
    telemetry::init();
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
        Command::Openapi => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
