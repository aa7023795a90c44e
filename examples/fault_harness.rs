//! The fault harness (issue 13): the RELEASE gateway binary as its own process, against an
//! in-process sandbox that misbehaves on purpose (`edi_sandbox::Fault`): oversize replies
//! (2 GiB streamed by default, with and without `Content-Length`), oversize error bodies,
//! garbage, HTML pages, resets mid-body, hangs, 429/503 with absurd `Retry-After`s, and
//! refusals that echo the credentials — each injected again and again, `CONCURRENCY` requests
//! at a time, over several route families. A streamed file of the same size goes through the
//! gateway too. Reports the gateway's peak RSS (`VmHWM` from `/proc/<pid>/status`) and whether
//! every error answer was problem+json without a credential in it; exits non-zero when the
//! peak RSS is above `BOUND_MB` or any answer was wrong. Not a test (`cargo test` never runs
//! it): `bench/faults.sh` builds and runs it.
//!
//! ```text
//! cargo run --release --example fault_harness -- [OVERSIZE_MIB] [ROUNDS] [CONCURRENCY] [BOUND_MB]
//! # defaults: 2048 MiB, 3 rounds, 8 at a time, 200 MB
//! ```

use std::process::Stdio;
use std::time::{Duration, Instant};

use edi_sandbox::Fault;
use serde_json::json;

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let oversize_mib: u64 = args.next().map_or(Ok(2048), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(3), |a| a.parse())?;
    let concurrency: usize = args.next().map_or(Ok(8), |a| a.parse())?;
    let bound_mb: u64 = args.next().map_or(Ok(200), |a| a.parse())?;
    let oversize = oversize_mib * 1024 * 1024;

    let sandbox = edi_sandbox::Sandbox::builder()
        .protocol_polls(0)
        .large_entity_bytes(1024)
        .spawn()
        .await?;
    let gateway_bin = std::env::var("EDI_GATEWAY_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/edi-gateway").to_owned()
    });
    let port = 18_097;
    let mut gateway = tokio::process::Command::new(&gateway_bin)
        .arg("serve")
        .env("EDI_GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("EDI_GATEWAY_DIADOC_URL", sandbox.base_url())
        .env("EDI_GATEWAY_EDIN_URL", sandbox.base_url())
        .env("EDI_GATEWAY_DIADOC_CLIENT_ID", edi_sandbox::DEVELOPER_KEY)
        .env("EDI_GATEWAY_REQUEST_TIMEOUT_SECS", "2")
        .env(
            "RUST_LOG",
            std::env::var("GATEWAY_LOG").unwrap_or_else(|_| "error".to_owned()),
        )
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let pid = gateway.id().ok_or("no gateway pid")?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    for _ in 0..200 {
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
    let rss_start = vm_hwm(pid)?;
    let token = sandbox
        .issue_token(edi_sandbox::DEMO_LOGIN)
        .ok_or("no token")?;
    let sid = sandbox
        .issue_edin_session(edi_sandbox::EDIN_DEMO_EMAIL)
        .ok_or("no sid")?;
    let seed = sandbox.seed();
    let my_box = seed.first_box_id_guid().to_owned();
    let doc = seed.documents_in(&my_box).next().ok_or("no document")?;
    let entity = format!(
        "{base}/v1/diadoc/boxes/{my_box}/messages/{}/entities/{}/content",
        doc.document.message_id, doc.document.entity_id
    );
    // Route families: (method, URL, bearer, JSON body).
    let batch = json!({"requests": [{"documentId": {"messageId": doc.document.message_id, "entityId": doc.document.entity_id}}]});
    let routes: Vec<(reqwest::Method, String, String, Option<serde_json::Value>)> = vec![
        (
            reqwest::Method::GET,
            format!("{base}/v1/diadoc/me"),
            token.clone(),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("{base}/v1/diadoc/boxes/{my_box}/counteragents"),
            token.clone(),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("{base}/v1/diadoc/boxes/{my_box}/docflows:batchGet"),
            token.clone(),
            Some(batch),
        ),
        (
            reqwest::Method::GET,
            format!("{base}/v1/edin/agreement-groups"),
            sid.clone(),
            None,
        ),
    ];
    let echo = format!(
        "DiadocAuth ddauth_api_client_id={},ddauth_token={token}; SID={sid}",
        edi_sandbox::DEVELOPER_KEY
    );
    let faults: Vec<(&str, Fault)> = vec![
        ("oversize streamed", Fault::oversize(oversize)),
        ("oversize declared", Fault::oversize(oversize).declared()),
        (
            "oversize error body",
            Fault::oversize(oversize).with_status(500),
        ),
        ("garbage", Fault::garbage()),
        ("html", Fault::html(502)),
        ("reset mid-body", Fault::reset_mid_body()),
        ("hang", Fault::hang()),
        (
            "503 + Retry-After huge",
            Fault::text(503, "busy").retry_after("99999999999"),
        ),
        (
            "429 + Retry-After date",
            Fault::text(429, "slow").retry_after("Wed, 21 Oct 2037 07:28:00 GMT"),
        ),
        ("credentials echoed", Fault::text(400, echo)),
    ];
    let secrets = [
        token.clone(),
        sid.clone(),
        edi_sandbox::DEVELOPER_KEY.to_owned(),
    ];
    let started = Instant::now();
    let (mut answers, mut wrong) = (0usize, Vec::new());
    for round in 0..rounds {
        for (name, fault) in &faults {
            sandbox.clear_faults();
            sandbox.inject(concurrency, fault.clone());
            let mut tasks = Vec::new();
            for i in 0..concurrency {
                let (method, url, bearer, body) = routes[i % routes.len()].clone();
                let http = http.clone();
                tasks.push(tokio::spawn(async move {
                    let mut r = http.request(method, &url).bearer_auth(bearer);
                    if let Some(b) = body {
                        r = r.json(&b);
                    }
                    let r = r.send().await.map_err(|e| format!("{url}: {e}"))?;
                    let status = r.status().as_u16();
                    let ct = r
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let text = r.text().await.map_err(|e| format!("{url}: {e}"))?;
                    Ok::<_, String>((url, status, ct, text))
                }));
            }
            for t in tasks {
                answers += 1;
                match t.await? {
                    Ok((url, status, ct, text)) => {
                        if ct != "application/problem+json" {
                            wrong.push(format!("{name}: {url} answered {status} {ct}"));
                        }
                        if secrets.iter().any(|s| text.contains(s.as_str())) {
                            wrong.push(format!("{name}: {url} echoed a credential"));
                        }
                    }
                    Err(e) => wrong.push(format!("{name}: {e}")),
                }
            }
        }
        // A streamed file of the same size goes through, read and dropped chunk by chunk.
        sandbox.clear_faults();
        sandbox.inject(1, Fault::oversize(oversize));
        let mut r = http
            .get(&entity)
            .bearer_auth(&token)
            .timeout(Duration::from_secs(600))
            .send()
            .await?;
        let mut streamed = 0u64;
        while let Some(chunk) = r.chunk().await? {
            streamed += chunk.len() as u64;
        }
        if streamed != oversize {
            wrong.push(format!(
                "the streamed file had {streamed} of {oversize} bytes"
            ));
        }
        println!(
            "round {}: {} faults × {concurrency}, {streamed} bytes streamed, VmHWM {:.1} MB",
            round + 1,
            faults.len(),
            vm_hwm(pid)? as f64 / 1024.0
        );
    }
    let peak = vm_hwm(pid)?;
    gateway.kill().await?;
    println!(
        "fault answers      {answers} ({} wrong) in {:.1?}",
        wrong.len(),
        started.elapsed()
    );
    println!(
        "gateway RSS        {:.1} MB at start, {:.1} MB peak (VmHWM); bound {bound_mb} MB",
        rss_start as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    for w in wrong.iter().take(20) {
        println!("  wrong: {w}");
    }
    if !wrong.is_empty() {
        return Err(format!("{} answers were wrong", wrong.len()).into());
    }
    if peak > bound_mb * 1024 {
        return Err(format!("peak RSS {} KiB is above {bound_mb} MB", peak).into());
    }
    println!("OK");
    Ok(())
}

/// Peak resident set of a process, in KiB.
fn vm_hwm(pid: u32) -> Result<u64, Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM".into())
}
