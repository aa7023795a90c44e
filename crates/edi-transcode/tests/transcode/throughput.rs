//! Rough throughput on a ~1 MB `GetDocflowBatchResponseV3` (100 documents with content), for
//! the closing notes of a change; never asserted. Run it in release mode:
//!
//! ```text
//! cargo test -p edi-transcode --release --test transcode throughput -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use edi_proto::names;
use prost::Message as _;
use prost_reflect::{DynamicMessage, Value};

use crate::support::{self, Rng, Shape, diadoc};

/// A batch of 100 generated documents, each with a 6 KB title and a 2 KB signature injected
/// the way `injectEntityContent=true` does (api.md, "GetDocflows"): about 1 MB in all.
fn batch(content: usize) -> Vec<u8> {
    let response = edi_proto::message(names::GET_DOCFLOW_BATCH_RESPONSE_V3).expect("exists");
    let documents = response.get_field_by_name("Documents").expect("field");
    let prost_reflect::Kind::Message(doc_desc) = documents.kind() else {
        panic!("message field")
    };
    let shape = Shape {
        max_depth: 4,
        max_repeat: 2,
        realistic: true,
        bytes_len: 32,
    };
    let mut rng = Rng::new(1);
    let docs = (0..100)
        .map(|_| {
            let mut doc = support::message(&mut rng, &doc_desc, shape, 1);
            let attachment = ["Docflow", "SenderTitle", "Attachment"];
            inject(
                &mut doc,
                &[&attachment[..], &["Attachment", "Entity", "Content"]].concat(),
                content * 3 / 4,
                &mut rng,
            );
            inject(
                &mut doc,
                &[&attachment[..], &["Signature", "Cms", "Content"]].concat(),
                content / 4,
                &mut rng,
            );
            Value::Message(doc)
        })
        .collect();
    let mut batch = DynamicMessage::new(response);
    batch.set_field(&documents, Value::List(docs));
    batch.encode_to_vec()
}

/// Sets the `Diadoc.Api.Proto.Content` at `path` to `len` random bytes.
fn inject(msg: &mut DynamicMessage, path: &[&str], len: usize, rng: &mut Rng) {
    let mut at = msg;
    for name in path {
        // A missing field is inserted with its default, an empty message.
        at = match at.get_field_by_name_mut(name) {
            Some(Value::Message(inner)) => inner,
            other => panic!("{name}: {other:?}"),
        };
    }
    let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    at.set_field_by_name("Size", Value::I32(len as i32));
    at.set_field_by_name("Data", Value::Bytes(data.into()));
}

fn rate(bytes: usize, elapsed: Duration, rounds: u32) -> String {
    let per_call = elapsed / rounds;
    format!(
        "{:>7.1} MB/s ({:?} per call)",
        bytes as f64 * f64::from(rounds) / elapsed.as_secs_f64() / 1e6,
        per_call
    )
}

fn time<T>(rounds: u32, mut f: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(f());
    }
    start.elapsed()
}

/// Content bytes per document.
const CONTENT: usize = 8 * 1024;

#[test]
#[ignore = "timing for humans; run in release with --ignored --nocapture"]
fn throughput_on_a_one_megabyte_docflow_batch() {
    let t = diadoc();
    let name = names::GET_DOCFLOW_BATCH_RESPONSE_V3;
    let wire = batch(CONTENT);
    let json = t.to_json(name, &wire).expect("renders");
    let value: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    let rounds = 50;
    println!(
        "wire {} bytes ({} of them content), JSON {} bytes",
        wire.len(),
        100 * CONTENT,
        json.len()
    );
    println!(
        "to_json (wire walk)           wire {}",
        rate(wire.len(), time(rounds, || t.to_json(name, &wire)), rounds)
    );
    println!(
        "decode + dynamic_to_json      wire {}",
        rate(
            wire.len(),
            time(rounds, || {
                t.decode(name, &wire).map(|m| t.dynamic_to_json(&m, &[]))
            }),
            rounds
        )
    );
    let decoded = t.decode(name, &wire).expect("decodes");
    println!(
        "  of which dynamic_to_json    wire {}",
        rate(
            wire.len(),
            time(rounds, || t.dynamic_to_json(&decoded, &[])),
            rounds
        )
    );
    println!(
        "to_wire (streaming)           JSON {}",
        rate(json.len(), time(rounds, || t.to_wire(name, &json)), rounds)
    );
    println!(
        "value_to_wire (parsed Value)  JSON {}",
        rate(
            json.len(),
            time(rounds, || t.value_to_wire(name, &value)),
            rounds
        )
    );
    println!(
        "reference: serde_json → Value JSON {}",
        rate(
            json.len(),
            time(rounds, || serde_json::from_slice::<serde_json::Value>(
                &json
            )),
            rounds
        )
    );
}
