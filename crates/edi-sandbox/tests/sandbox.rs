//! The sandbox on its own, spoken to as Diadoc would be: protobuf bodies, DiadocAuth headers,
//! plain-text errors (reference/diadoc/api.md).

use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::{DEMO_LOGIN, DEVELOPER_KEY, Sandbox, SandboxHandle};
use prost::Message;

async fn start() -> (SandboxHandle, String, reqwest::Client) {
    let sandbox = Sandbox::builder().spawn().await.expect("starts");
    let token = sandbox.issue_token(DEMO_LOGIN).expect("token");
    (sandbox, token, reqwest::Client::new())
}

fn auth(token: &str) -> String {
    format!("DiadocAuth ddauth_api_client_id={DEVELOPER_KEY}, ddauth_token={token}")
}

#[tokio::test]
async fn authenticate_needs_a_known_developer_key() {
    let (sb, _, client) = start().await;
    let body = dap::LoginPassword {
        login: "demo".into(),
        password: "demo".into(),
    }
    .encode_to_vec();
    let url = format!("{}/V3/Authenticate?type=password", sb.base_url());
    let r = client
        .post(&url)
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain")
    );
    let r = client
        .post(&url)
        .header(
            "authorization",
            "DiadocAuth ddauth_api_client_id=someone-else",
        )
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
    let r = client
        .post(&url)
        .header(
            "authorization",
            format!("DiadocAuth ddauth_api_client_id={DEVELOPER_KEY}"),
        )
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert!(!r.text().await.expect("text").is_empty());
}

#[tokio::test]
async fn counteragents_query_with_cursor_is_a_400_and_pages_are_exclusive() {
    let (sb, token, client) = start().await;
    let box_id = sb.seed().first_box_id_guid().to_owned();
    let url = format!("{}/V3/GetCounteragents", sb.base_url());
    let r = client
        .get(&url)
        .query(&[
            ("myBoxId", box_id.as_str()),
            ("query", "a"),
            ("afterIndexKey", "K"),
        ])
        .header("authorization", auth(&token))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
    let first = client
        .get(&url)
        .query(&[("myBoxId", box_id.as_str())])
        .header("authorization", auth(&token))
        .send()
        .await
        .expect("send");
    let page = dap::CounteragentList::decode(first.bytes().await.expect("body")).expect("proto");
    assert_eq!(page.counteragents.len(), 100);
    let last = page.counteragents[99].index_key.clone().expect("key");
    let second = client
        .get(&url)
        .query(&[
            ("myBoxId", box_id.as_str()),
            ("afterIndexKey", last.as_str()),
        ])
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("send");
    let page2 = dap::CounteragentList::decode(second.bytes().await.expect("body")).expect("proto");
    assert_eq!(page2.counteragents.len(), 100);
    assert_ne!(
        page2.counteragents[0].index_key.as_deref(),
        Some(last.as_str())
    );
}

#[tokio::test]
async fn docflows_caps_batches_and_content() {
    let (sb, token, client) = start().await;
    let box_id = sb.seed().first_box_id_guid().to_owned();
    let url = format!("{}/V3/GetDocflows?boxId={box_id}", sb.base_url());
    let request = |ids: &[(String, String)]| dap::docflow::GetDocflowBatchRequest {
        requests: ids
            .iter()
            .map(|(m, e)| dap::docflow::GetDocflowRequest {
                document_id: dap::DocumentId {
                    message_id: m.clone(),
                    entity_id: e.clone(),
                },
                inject_entity_content: Some(true),
                ..Default::default()
            })
            .collect(),
    };
    let ids = sb.seed().document_ids();
    let too_many: Vec<_> = ids.iter().cycle().take(101).cloned().collect();
    let r = client
        .post(&url)
        .header("authorization", auth(&token))
        .body(request(&too_many).encode_to_vec())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
    let r = client
        .post(&url)
        .header("authorization", auth(&token))
        .body(request(&ids).encode_to_vec())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let reply = dap::docflow::GetDocflowBatchResponseV3::decode(r.bytes().await.expect("body"))
        .expect("proto");
    assert_eq!(reply.documents.len(), 60);
    let injected: usize = reply
        .documents
        .iter()
        .filter_map(|d| d.docflow.sender_title.attachment.attachment.entity.as_ref())
        .filter_map(|e| e.content.as_ref()?.data.as_ref().map(|b| b.len()))
        .sum();
    assert!(injected <= 1_048_576, "content cap");
    assert!(injected > 0);
}

#[tokio::test]
async fn journal_records_refused_calls_and_faults_are_injected() {
    let (sb, token, client) = start().await;
    sb.fail_next(1, 503, "down");
    let url = format!("{}/GetMyOrganizations", sb.base_url());
    let r = client
        .get(&url)
        .header("authorization", auth(&token))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("x-kontur-trace-id"));
    let r = client
        .get(&url)
        .header("authorization", auth(&token))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let r = client.get(&url).send().await.expect("send");
    assert_eq!(r.status(), 401);
    let statuses: Vec<u16> = sb.journal().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [503, 200, 401]);
}
