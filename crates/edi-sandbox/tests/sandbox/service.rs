//! What every method shares: 404/405, path case, trace ids, the journal, injected faults,
//! delays (on tokio's paused clock) and replies held until the test releases them.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::{DEMO_LOGIN, Sandbox};
use tower::ServiceExt;

use crate::helpers::{Upstream, decode, error, start, start_with};

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let up = start().await;
    let r = up.get("/V9/GetEverything", &[]).await;
    assert_eq!(r.headers()["x-diadoc-errorcode"], "Http.NotFound");
    error(r, 404).await;
    let r = up.post("/GetMyOrganizations", &[], Vec::new()).await;
    assert_eq!(r.headers()["allow"], "GET");
    error(r, 405).await;
    let r = up.get("/V3/GetDocflows", &[]).await;
    assert_eq!(r.headers()["allow"], "POST");
    error(r, 405).await;
}

#[tokio::test]
async fn paths_match_in_any_case() {
    let up = start().await;
    let box_id = up.first_box();
    let list: dap::CounteragentList = decode(
        up.get(
            "/v3/getcounteragents",
            &[("myBoxId", &box_id), ("pageSize", "1")],
        )
        .await,
    )
    .await;
    assert_eq!(list.counteragents.len(), 1);
    assert_eq!(
        up.sb.journal()[0].path,
        "/v3/getcounteragents",
        "journaled as sent"
    );
}

#[tokio::test]
async fn every_reply_has_its_own_trace_id() {
    let up = start().await;
    let a = up.get("/GetMyOrganizations", &[]).await;
    let b = up.get("/nowhere", &[]).await;
    let id = |r: &reqwest::Response| {
        r.headers()["x-kontur-trace-id"]
            .to_str()
            .expect("ascii")
            .to_owned()
    };
    let (a, b) = (id(&a), id(&b));
    assert_ne!(a, b);
    assert!(a.len() == 32 && a.bytes().all(|c| c.is_ascii_hexdigit()));
}

#[tokio::test]
async fn the_journal_records_every_request_in_order() {
    let up = start().await;
    let box_id = up.first_box();
    up.get_as("/GetMyOrganizations", &[], None).await;
    up.get(
        "/V3/GetCounteragents",
        &[("myBoxId", &box_id), ("query", "альфа трейд")],
    )
    .await;
    up.post("/V3/GetDocflows", &[("boxId", &box_id)], vec![1, 2, 3])
        .await;
    up.get("/missing", &[]).await;
    up.assert_journal(&[
        ("GET", "/GetMyOrganizations", 401),
        ("GET", "/V3/GetCounteragents", 200),
        ("POST", "/V3/GetDocflows", 400),
        ("GET", "/missing", 404),
    ]);
    let journal = up.sb.journal();
    assert_eq!(journal[0].authorization, None);
    let call = &journal[1];
    assert_eq!(call.query_param("query"), Some("альфа трейд"), "decoded");
    assert!(call.raw_query.contains("myBoxId="));
    assert_eq!(call.authorization.as_deref(), Some(up.auth().as_str()));
    assert!(call.header("Authorization").is_some());
    assert_eq!(journal[2].body.as_ref(), [1, 2, 3]);
    assert!(journal.windows(2).all(|w| w[0].at <= w[1].at));
    up.sb.clear_journal();
    assert!(up.sb.journal().is_empty());
}

#[tokio::test]
async fn injected_faults_answer_the_next_calls_then_stop() {
    let up = start_with(Sandbox::builder().fail_next(1, 503, "maintenance")).await;
    let r = up.get("/GetMyOrganizations", &[]).await;
    assert_eq!(r.headers()["x-diadoc-errorcode"], "Http.ServiceUnavailable");
    assert_eq!(error(r, 503).await, "maintenance");
    up.sb.fail_next(2, 500, "boom");
    // Faults come before auth and routing: they stand for the upstream failing.
    assert_eq!(
        error(up.get_as("/GetMyOrganizations", &[], None).await, 500).await,
        "boom"
    );
    assert_eq!(error(up.get("/missing", &[]).await, 500).await, "boom");
    assert_eq!(up.get("/GetMyOrganizations", &[]).await.status(), 200);
    let statuses: Vec<u16> = up.sb.journal().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [503, 500, 500, 200]);
}

#[tokio::test(start_paused = true)]
async fn a_delay_holds_every_reply_back_for_that_long() {
    // Straight into the router, no socket: on the paused clock only the delay moves time.
    let (router, sb) = Sandbox::builder()
        .delay(Duration::from_secs(5))
        .into_router(([127, 0, 0, 1], 0).into());
    let token = sb.issue_token(DEMO_LOGIN).expect("demo exists");
    let request = || {
        Request::get("/GetMyOrganizations")
            .header("authorization", sb.diadoc_auth(&token))
            .body(Body::empty())
            .expect("request")
    };
    let started = tokio::time::Instant::now();
    let mut reply = std::pin::pin!(router.clone().oneshot(request()));
    let early = Duration::from_secs(5) - Duration::from_millis(1);
    assert!(
        tokio::time::timeout(early, &mut reply).await.is_err(),
        "nothing before the delay"
    );
    assert_eq!(sb.journal()[0].status, 200, "journaled while it waits");
    assert_eq!(reply.await.expect("infallible").status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(5));
    sb.set_delay(Duration::ZERO);
    let started = tokio::time::Instant::now();
    let r = router.oneshot(request()).await.expect("infallible");
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered at once"
    );
}

/// GET /GetMyOrganizations as the demo user, in a task of its own; yields the status.
fn spawn_get(up: &Upstream) -> tokio::task::JoinHandle<u16> {
    let request = up
        .client
        .get(up.url("/GetMyOrganizations"))
        .header("authorization", up.auth());
    tokio::spawn(async move { request.send().await.expect("answered").status().as_u16() })
}

#[tokio::test]
async fn held_replies_wait_for_the_release_and_hold_next_takes_only_n() {
    let up = start().await;
    let gate = up.sb.hold_next(1);
    let first = spawn_get(&up);
    up.sb.wait_for_calls(1).await;
    assert_eq!(
        up.get("/GetMyOrganizations", &[]).await.status(),
        200,
        "the second call is not held"
    );
    assert!(!first.is_finished(), "the first is");
    assert_eq!(
        up.sb.journal()[0].status,
        200,
        "journaled with its status while held"
    );
    gate.release();
    assert_eq!(first.await.expect("task"), 200);
}

#[tokio::test]
async fn a_client_that_gives_up_while_held_is_still_journaled() {
    let up = start().await;
    let gate = up.sb.hold();
    let impatient = spawn_get(&up);
    up.sb.wait_for_calls(1).await;
    impatient.abort();
    assert!(impatient.await.is_err_and(|e| e.is_cancelled()));
    gate.release();
    assert_eq!(up.sb.received(), 1);
    assert_eq!(up.sb.journal()[0].status, 200);
    // Released gates hold nothing more.
    assert_eq!(up.get("/GetMyOrganizations", &[]).await.status(), 200);
}

#[tokio::test]
async fn junk_input_never_gets_a_5xx() {
    let up = start().await;
    let box_id = up.first_box();
    let junk_bodies: [&[u8]; 4] = [
        b"",
        b"\xff\xff\xff",
        b"\x0a\xff\xff\xff\xff\x0f",
        b"{\"a\":1}",
    ];
    let junk_queries = [
        "boxId=%FF%FE&myBoxId=%00&count=99999999999999999999".to_owned(),
        format!("boxId={box_id}&myBoxId={box_id}&filterCategory=..&afterIndexKey=&count=-0"),
        format!("boxId={box_id}&messageId=&documentId=%20&operationId=%E2%82%AC&type=%00"),
        "myOrgId=00000000-0000-0000-0000-000000000000&pageSize=1e3".to_owned(),
    ];
    for path in [
        "/V3/Authenticate",
        "/GetMyOrganizations",
        "/V2/GetCounteragents",
        "/V3/GetCounteragents",
        "/V3/GetDocuments",
        "/V3/GetDocflows",
        "/V5/GetDocflows",
        "/GetOrganization",
        "/GenerateDocumentProtocol",
        "/PostTemplate",
    ] {
        for query in &junk_queries {
            for body in junk_bodies {
                for method in [reqwest::Method::GET, reqwest::Method::POST] {
                    let r = up
                        .client
                        .request(method.clone(), format!("{}?{query}", up.url(path)))
                        .header("authorization", up.auth())
                        .body(body.to_vec())
                        .send()
                        .await
                        .expect("answered");
                    let status = r.status().as_u16();
                    assert!(
                        (200..500).contains(&status),
                        "{method} {path}?{query} → {status}"
                    );
                }
            }
        }
    }
}
