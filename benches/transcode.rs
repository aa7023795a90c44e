//! Transcoding micro-benchmarks (criterion): protobuf → JSON and JSON → protobuf on real replies
//! of the sandbox, with serde_json on plain data as the ceiling to compare with.
//!
//! * `page`: a `CounteragentList` of 100 (`/V3/GetCounteragents`, the demo box);
//! * `batch`: a `GetDocflowBatchResponseV3` of 100 documents with injected content (about 1 MB;
//!   the sandbox keeps the 1 MiB content cap of api.md).
//!
//! Ceiling: for the page, serde_json to and from plain `#[derive]` structs of the same fields;
//! for the batch, whose size is almost all base64 content, serde_json to and from a
//! `serde_json::Value` of the same JSON.
//!
//! ```text
//! cargo bench --bench transcode            # throughput in MB/s of the input
//! ```

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use edi_proto::names;
use edi_transcode::Transcoder;
use prost::Message as _;
use serde::{Deserialize, Serialize};

/// Real wire bytes from a sandbox: (counteragent page, docflow batch).
fn fixtures() -> (Vec<u8>, Vec<u8>) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sandbox = edi_sandbox::Sandbox::builder()
            .spawn()
            .await
            .expect("sandbox");
        let token = sandbox.issue_token(edi_sandbox::DEMO_LOGIN).expect("token");
        let auth = sandbox.diadoc_auth(&token);
        let seed = sandbox.seed();
        let box_id = seed.first_box_id_guid().to_owned();
        let http = reqwest::Client::new();
        let page = http
            .get(format!(
                "{}/V3/GetCounteragents?myBoxId={box_id}",
                sandbox.base_url()
            ))
            .header("authorization", &auth)
            .send()
            .await
            .expect("page")
            .bytes()
            .await
            .expect("body");
        let ids = seed.document_ids();
        let request = edi_proto::diadoc::api::proto::docflow::GetDocflowBatchRequest {
            requests: (0..100)
                .map(|i| {
                    let (m, e) = &ids[i % ids.len()];
                    edi_proto::diadoc::api::proto::docflow::GetDocflowRequest {
                        document_id: edi_proto::diadoc::api::proto::DocumentId {
                            message_id: m.clone(),
                            entity_id: e.clone(),
                        },
                        last_event_id: None,
                        inject_entity_content: Some(true),
                    }
                })
                .collect(),
        };
        let batch = http
            .post(format!(
                "{}/V3/GetDocflows?boxId={box_id}",
                sandbox.base_url()
            ))
            .header("authorization", &auth)
            .body(request.encode_to_vec())
            .send()
            .await
            .expect("batch")
            .bytes()
            .await
            .expect("body");
        (page.to_vec(), batch.to_vec())
    })
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    total_count: i32,
    #[serde(default)]
    counteragents: Vec<Counteragent>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Counteragent {
    index_key: Option<String>,
    organization: Organization,
    current_status: Option<String>,
    last_event_timestamp_ticks: String,
    message_from_counteragent: Option<String>,
    message_to_counteragent: Option<String>,
    invitation_document_id: Option<serde_json::Value>,
    counteragent_group_id: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Organization {
    org_id: String,
    inn: String,
    kpp: Option<String>,
    full_name: String,
    short_name: Option<String>,
    #[serde(default)]
    boxes: Vec<BoxInfo>,
    ogrn: Option<String>,
    fns_participant_id: Option<String>,
    address: Option<serde_json::Value>,
    fns_registration_date: Option<String>,
    #[serde(default)]
    departments: Vec<serde_json::Value>,
    ifns_code: Option<String>,
    is_pilot: Option<bool>,
    is_active: Option<bool>,
    is_test: Option<bool>,
    is_branch: Option<bool>,
    is_roaming: Option<bool>,
    is_employee: Option<bool>,
    invitation_count: Option<i32>,
    search_count: Option<i32>,
    sociability: String,
    liquidation_date: Option<String>,
    certificate_of_registry_info: Option<String>,
    is_foreign: Option<bool>,
    has_certificate_to_sign: Option<bool>,
    organization_type: String,
    is_owner: Option<bool>,
    foreign_information: Option<serde_json::Value>,
    ready_for_epd_status: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BoxInfo {
    box_id: String,
    box_id_guid: String,
    title: String,
    organization: Option<serde_json::Value>,
    invoice_format_version: Option<String>,
    encrypted_documents_allowed: Option<bool>,
}

fn bench(c: &mut Criterion) {
    let t = Transcoder::new(edi_proto::pool());
    let (page_wire, batch_wire) = fixtures();
    let page_msg = names::COUNTERAGENT_LIST;
    let batch_msg = names::GET_DOCFLOW_BATCH_RESPONSE_V3;
    let page_json = t.to_json(page_msg, &page_wire).expect("page json");
    let batch_json = t.to_json(batch_msg, &batch_wire).expect("batch json");
    eprintln!(
        "page: {} wire bytes, {} JSON bytes; batch: {} wire bytes, {} JSON bytes",
        page_wire.len(),
        page_json.len(),
        batch_wire.len(),
        batch_json.len()
    );

    let mut g = c.benchmark_group("page");
    g.throughput(Throughput::Bytes(page_wire.len() as u64));
    g.bench_function("protobuf_to_json", |b| {
        b.iter(|| t.to_json(page_msg, &page_wire))
    });
    g.bench_function("protobuf_decode_only", |b| {
        b.iter(|| t.decode(page_msg, &page_wire))
    });
    g.throughput(Throughput::Bytes(page_json.len() as u64));
    g.bench_function("json_to_protobuf", |b| {
        b.iter(|| t.to_wire(page_msg, &page_json))
    });
    let plain: Page = serde_json::from_slice(&page_json).expect("plain page");
    g.bench_function("ceiling_serde_struct_to_json", |b| {
        b.iter(|| serde_json::to_vec(&plain))
    });
    g.bench_function("ceiling_serde_struct_from_json", |b| {
        b.iter(|| serde_json::from_slice::<Page>(&page_json))
    });
    g.finish();

    let mut g = c.benchmark_group("batch");
    g.sample_size(30);
    g.throughput(Throughput::Bytes(batch_wire.len() as u64));
    g.bench_function("protobuf_to_json", |b| {
        b.iter(|| t.to_json(batch_msg, &batch_wire))
    });
    g.throughput(Throughput::Bytes(batch_json.len() as u64));
    g.bench_function("json_to_protobuf", |b| {
        b.iter(|| t.to_wire(batch_msg, &batch_json))
    });
    let value: serde_json::Value = serde_json::from_slice(&batch_json).expect("value");
    g.bench_function("ceiling_serde_value_to_json", |b| {
        b.iter(|| serde_json::to_vec(&value))
    });
    g.bench_function("ceiling_serde_value_from_json", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(&batch_json))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
