//! Long-wait capacity: many concurrent protocol requests held by the gateway while Diadoc says
//! "not ready" (Retry-After), then answered. Reports the gateway's peak RSS (`VmHWM`), the
//! number of upstream polls (from the sandbox journal) and how many requests succeeded.
//!
//! The sandbox runs in this process (its journal is read directly); the gateway is the release
//! binary, started as its own process so its memory is measured alone.
//!
//! ```text
//! cargo run --release --example long_wait -- [REQUESTS] [DOCUMENTS] [READY_AFTER_SECS] [h1|h2]
//! # defaults: 10000 requests over 50 documents, protocols ready after 10 s, HTTP/1.1
//! # (one connection per request); h2: HTTP/2 with prior knowledge, the requests multiplexed
//! ```

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let documents: usize = args.next().map_or(Ok(50), |a| a.parse())?;
    let ready_after: u32 = args.next().map_or(Ok(10), |a| a.parse())?;
    let http2 = args.next().is_some_and(|a| a == "h2");

    // "Not ready" for `ready_after` polls, one second apart.
    let sandbox = edi_sandbox::Sandbox::builder()
        .protocol_polls(ready_after)
        .retry_after_secs(1)
        // The poll count below is read from the journal: keep every entry of the run.
        .journal_capacity(1_000_000)
        .spawn()
        .await?;
    let gateway_bin = std::env::var("EDI_GATEWAY_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/edi-gateway").to_owned()
    });
    let port = 18_099;
    let mut gateway = tokio::process::Command::new(&gateway_bin)
        .arg("serve")
        .env("EDI_GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("EDI_GATEWAY_DIADOC_URL", sandbox.base_url())
        .env("EDI_GATEWAY_DIADOC_CLIENT_ID", edi_sandbox::DEVELOPER_KEY)
        .env("EDI_GATEWAY_WAIT_DEFAULT_SECS", "60")
        // One connection per request over HTTP/1.1, plus the readiness probes: above the cap's
        // default of 10,000, which would otherwise queue the last ones.
        .env("EDI_GATEWAY_MAX_CONNECTIONS", (requests + 200).to_string())
        .env(
            "RUST_LOG",
            std::env::var("GATEWAY_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let pid = gateway.id().ok_or("no gateway pid")?;
    let base = format!("http://127.0.0.1:{port}");
    let mut client = reqwest::Client::builder()
        .pool_max_idle_per_host(requests)
        .timeout(Duration::from_secs(120));
    if http2 {
        client = client.http2_prior_knowledge();
    }
    let http = client.build()?;
    for _ in 0..100 {
        if http
            .get(format!("{base}/openapi.json"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = sandbox
        .issue_token(edi_sandbox::DEMO_LOGIN)
        .ok_or("no token")?;
    let seed = sandbox.seed();
    let docs: Vec<String> = seed
        .documents_in(seed.first_box_id_guid())
        .filter(|d| d.kind.has_protocol())
        .take(documents)
        .map(|d| {
            format!(
                "{base}/v1/diadoc/boxes/{}/messages/{}/documents/{}/protocol",
                seed.first_box_id_guid(),
                d.document.message_id,
                d.document.entity_id
            )
        })
        .collect();
    let documents = docs.len();
    let rss_before = vm_hwm(pid)?;
    sandbox.clear_journal();
    let started = Instant::now();
    let results: Vec<Result<u16, String>> = futures_util::stream::iter(0..requests)
        .map(|i| {
            let (http, url, token) = (http.clone(), docs[i % documents].clone(), token.clone());
            async move {
                let response = http
                    .get(url)
                    .bearer_auth(token)
                    .header("prefer", "wait=60")
                    .send()
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                let status = response.status().as_u16();
                // Read the body, as a real client does (dropping it early cancels the stream).
                response.bytes().await.map_err(|e| format!("{e:?}"))?;
                Ok(status)
            }
        })
        .buffer_unordered(requests)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let ok = results.iter().filter(|r| matches!(r, Ok(200))).count();
    let errors: Vec<&String> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .take(3)
        .collect();
    let polls = sandbox
        .journal()
        .iter()
        .filter(|e| e.path == "/GenerateDocumentProtocol")
        .count();
    let rss_peak = vm_hwm(pid)?;
    // SIGTERM: the gateway shuts down gracefully (and a profiler around it can write its file).
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    if tokio::time::timeout(Duration::from_secs(30), gateway.wait())
        .await
        .is_err()
    {
        gateway.kill().await?;
    }
    println!(
        "requests           {requests} over {documents} documents ({}), ready after {ready_after} polls 1 s apart",
        if http2 {
            "HTTP/2, multiplexed"
        } else {
            "HTTP/1.1, a connection each"
        }
    );
    println!("answered 200       {ok} in {:.1} s", elapsed.as_secs_f64());
    if !errors.is_empty() {
        println!("first errors       {errors:?}");
    }
    println!(
        "upstream polls     {polls} ({:.1} per document; {} would be one per document per interval)",
        polls as f64 / documents as f64,
        u64::from(ready_after) + 1
    );
    println!(
        "gateway RSS        {:.1} MB before, {:.1} MB peak (VmHWM)",
        rss_before as f64 / 1024.0,
        rss_peak as f64 / 1024.0
    );
    Ok(())
}

/// Peak resident set of a process, in KiB.
fn vm_hwm(pid: u32) -> Result<u64, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM".into())
}
