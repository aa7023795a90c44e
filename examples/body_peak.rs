//! The memory one request body costs the gateway at the largest route limit (issue 13: a 16 MiB
//! JSON body used to peak at ~320 MB). Starts the gateway in this process, pointed at an upstream
//! that refuses connections (so the whole body pipeline runs — limit, first-pass scan, JSON tree,
//! protobuf — and nothing else holds the body), sends ONE body and prints the process's peak RSS
//! (`VmHWM`) before and after. Run each case in its own process, as peaks only grow:
//!
//! ```text
//! cargo run --release --example body_peak -- content   # 32 MiB message: one 24 MiB document
//! cargo run --release --example body_peak -- values    # 32 MiB of tiny values (refused by the scan)
//! cargo run --release --example body_peak -- budget    # just under the value budget: the tree is built
//! ```
//!
//! Not a test and not timed: a measurement, quoted in the README ("Limits and timeouts").

use base64::Engine as _;
use edi_gateway::{AppState, Config, serve};

const BOX: &str = "2a208d03-2a60-4f64-91b1-b7aad54cfaf3";
/// PostMessage's limit (`DOCUMENT_BODY_LIMIT`).
const LIMIT: usize = 32 * 1024 * 1024;

fn body(case: &str) -> Vec<u8> {
    match case {
        "content" => {
            // The largest document that fits the limit once base64-encoded.
            let raw = vec![7u8; (LIMIT - 1024) / 4 * 3];
            let content = base64::engine::general_purpose::STANDARD.encode(raw);
            serde_json::to_vec(&serde_json::json!({
                "toBoxId": BOX,
                "documentAttachments": [{
                    "signedContent": {"content": content, "signature": "c2ln"},
                    "typeNamedId": "Nonformalized",
                    "metadata": [{"key": "FileName", "value": "a.pdf"}]
                }]
            }))
            .unwrap_or_default()
        }
        "values" => {
            let mut b = br#"{"toBoxId": "x", "documentAttachments": [{"metadata": ["#.to_vec();
            while b.len() < LIMIT - 16 {
                b.extend_from_slice(b"0,");
            }
            b.extend_from_slice(b"0]}]}");
            b
        }
        _ => {
            // 99,990 empty objects: just under the budget, so the tree is built (then the
            // transcoder names the missing keys).
            let mut b = br#"{"toBoxId": "x", "documentAttachments": [{"metadata": ["#.to_vec();
            for _ in 0..99_990 {
                b.extend_from_slice(b"{},");
            }
            b.extend_from_slice(b"{}]}]}");
            b
        }
    }
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let case = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "content".to_owned());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = AppState::build(Config::for_upstream("http://127.0.0.1:1", Some("key")))?;
    tokio::spawn(serve(listener, state, std::future::pending()));
    let body = body(&case);
    let len = body.len();
    let client = reqwest::Client::new();
    let before = vm_hwm_kb();
    let r = client
        .post(format!("http://{addr}/v1/diadoc/boxes/{BOX}/messages"))
        .bearer_auth("token")
        .header("content-type", "application/json")
        .header("prefer", "respond-async")
        .body(body)
        .send()
        .await?;
    let status = r.status();
    let text = r.text().await?;
    let after = vm_hwm_kb();
    println!(
        "{case}: body {len} bytes -> {status}; VmHWM {before} kB before, {after} kB after (+{} MB, {:.1}x the body)",
        (after.saturating_sub(before)) / 1024,
        after.saturating_sub(before) as f64 * 1024.0 / len as f64
    );
    println!("{}", text.chars().take(200).collect::<String>());
    Ok(())
}
