//! Writes the request fixtures `bench/load.sh` needs, from a running sandbox
//! (`edi-gateway sandbox`): a Diadoc token, the demo box, the `DiadocAuth` header, and a docflow
//! batch of 100 documents with injected content as protobuf (for the sandbox and nginx) and as
//! the gateway's JSON.
//!
//! ```text
//! cargo run --release --example bench_fixtures -- http://127.0.0.1:18090 target/bench
//! ```

use std::path::PathBuf;

use edi_proto::diadoc::api::proto::{DocumentId, docflow};
use prost::Message as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .ok_or("usage: bench_fixtures <sandbox url> <out dir>")?;
    let out = PathBuf::from(
        args.next()
            .ok_or("usage: bench_fixtures <sandbox url> <out dir>")?,
    );
    std::fs::create_dir_all(&out)?;
    let key = edi_sandbox::DEVELOPER_KEY;
    let http = reqwest::Client::new();
    let token = http
        .post(format!("{base}/V3/Authenticate?type=password"))
        .header("authorization", format!("DiadocAuth ddauth_api_client_id={key}"))
        .json(&serde_json::json!({"login": edi_sandbox::DEMO_LOGIN, "password": edi_sandbox::DEMO_PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    // The sandbox's seed is deterministic: the running sandbox has these very ids.
    let seed = edi_sandbox::Seed::demo();
    let box_id = seed.first_box_id_guid().to_owned();
    let ids = seed.document_ids();
    let pick = |i: usize| &ids[i % ids.len()];
    let request = docflow::GetDocflowBatchRequest {
        requests: (0..100)
            .map(|i| {
                let (m, e) = pick(i);
                docflow::GetDocflowRequest {
                    document_id: DocumentId {
                        message_id: m.clone(),
                        entity_id: e.clone(),
                    },
                    last_event_id: None,
                    inject_entity_content: Some(true),
                }
            })
            .collect(),
    };
    let json = serde_json::json!({
        "requests": (0..100).map(|i| {
            let (m, e) = pick(i);
            serde_json::json!({"documentId": {"messageId": m, "entityId": e}, "injectEntityContent": true})
        }).collect::<Vec<_>>()
    });
    std::fs::write(out.join("token"), token.trim())?;
    std::fs::write(out.join("key"), key)?;
    std::fs::write(out.join("box"), &box_id)?;
    std::fs::write(
        out.join("auth"),
        format!(
            "DiadocAuth ddauth_api_client_id={key},ddauth_token={}",
            token.trim()
        ),
    )?;
    std::fs::write(out.join("docflows.pb"), request.encode_to_vec())?;
    std::fs::write(out.join("docflows.json"), serde_json::to_vec(&json)?)?;
    println!("fixtures in {}", out.display());
    Ok(())
}
