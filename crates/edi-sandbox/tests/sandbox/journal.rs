//! The journal is bounded (issue 13: unbounded, a million requests in `demo` held 1.4 GB): a
//! ring of the newest entries, each keeping at most the first 64 KiB of its body.

use axum::body::Body;
use axum::http::Request;
use edi_sandbox::{JOURNAL_BODY_BYTES, Sandbox};
use tower::ServiceExt;

async fn send(router: &axum::Router, path: &str, body: Vec<u8>) {
    let request = Request::post(path).body(Body::from(body)).expect("request");
    let _ = router.clone().oneshot(request).await.expect("infallible");
}

#[tokio::test]
async fn the_journal_keeps_the_newest_capacity_entries() {
    let capacity = 50;
    let (router, handle) = Sandbox::builder()
        .journal_capacity(capacity)
        .into_router(([127, 0, 0, 1], 0).into());
    for i in 0..capacity + 7 {
        send(&router, &format!("/V9/Call{i}"), Vec::new()).await;
    }
    let journal = handle.journal();
    assert_eq!(journal.len(), capacity);
    let paths: Vec<String> = journal.iter().map(|e| e.path.clone()).collect();
    let newest: Vec<String> = (7..capacity + 7).map(|i| format!("/V9/Call{i}")).collect();
    assert_eq!(paths, newest);
    // Every kept entry still got its status.
    assert!(journal.iter().all(|e| e.status == 404));
    assert_eq!(handle.received(), capacity + 7);
}

#[tokio::test]
async fn the_default_journal_is_a_ring_of_ten_thousand_and_zero_keeps_none() {
    assert_eq!(edi_sandbox::DEFAULT_JOURNAL_CAPACITY, 10_000);
    let (router, handle) = Sandbox::builder()
        .journal_capacity(0)
        .into_router(([127, 0, 0, 1], 0).into());
    send(&router, "/V9/Nothing", Vec::new()).await;
    assert!(handle.journal().is_empty());
}

#[tokio::test]
async fn an_entry_keeps_the_first_64_kib_of_its_body_and_the_whole_length() {
    let (router, handle) = Sandbox::builder().into_router(([127, 0, 0, 1], 0).into());
    let body: Vec<u8> = (0..JOURNAL_BODY_BYTES + 1000)
        .map(|i| (i % 251) as u8)
        .collect();
    send(&router, "/V9/Big", body.clone()).await;
    send(&router, "/V9/Small", b"abc".to_vec()).await;
    let journal = handle.journal();
    assert_eq!(journal[0].body.len(), JOURNAL_BODY_BYTES);
    assert_eq!(journal[0].body[..], body[..JOURNAL_BODY_BYTES]);
    assert_eq!(journal[0].body_len, body.len());
    assert_eq!(&journal[1].body[..], b"abc");
    assert_eq!(journal[1].body_len, 3);
}
