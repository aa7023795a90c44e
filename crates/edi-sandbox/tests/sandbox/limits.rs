//! Kontur's published limits per token (lifecycle.md §3: 4 in flight, 100 a second), on the
//! Diadoc methods: held calls count as in flight, the fifth gets 429 + `Retry-After`, tokens are
//! counted apart, the rate is a bucket of 100 on tokio's (paused) clock, and the journal and
//! handle report what they saw.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use edi_sandbox::{DEMO_LOGIN, DEMO_PASSWORD, DEVELOPER_KEY, Sandbox};
use tower::ServiceExt;

use crate::helpers::{Upstream, error, start, start_with};

/// Starts `n` GetMyOrganizations calls with `auth(i)` while the sandbox holds every reply, and
/// waits until all have arrived.
async fn held_calls(
    up: &Upstream,
    n: usize,
    auth: impl Fn(usize) -> String,
) -> Vec<tokio::task::JoinHandle<u16>> {
    let before = up.sb.received();
    let tasks = (0..n)
        .map(|i| {
            let request = up
                .client
                .get(up.url("/GetMyOrganizations"))
                .header("authorization", auth(i));
            tokio::spawn(async move { request.send().await.expect("request").status().as_u16() })
        })
        .collect();
    up.sb.wait_for_calls(before + n).await;
    tasks
}

async fn statuses(tasks: Vec<tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn a_fifth_call_in_flight_with_one_token_gets_429() {
    let up = start().await;
    // Only four are held: a fifth let through would answer 200 at once, not hang.
    let gate = up.sb.hold_next(4);
    let auth = up.auth();
    let tasks = held_calls(&up, 4, |_| auth.clone()).await;
    // The fifth is answered at once.
    let r = up.get("/GetMyOrganizations", &[]).await;
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!(retry_after >= 1);
    assert_eq!(r.headers()["x-diadoc-errorcode"], "Http.TooManyRequests");
    let text = error(r, 429).await;
    assert_eq!(text, "Too many concurrent requests with this token");
    // Another token is not affected; a call without one (Authenticate) neither.
    let other = up.sb.issue_token(DEMO_LOGIN).expect("demo");
    let other_gate = up.sb.hold_next(1);
    let more = held_calls(&up, 1, |_| up.sb.diadoc_auth(&other)).await;
    gate.release();
    other_gate.release();
    assert_eq!(statuses(tasks).await, [200; 4]);
    assert_eq!(statuses(more).await, [200]);
    assert_eq!(up.sb.peak_concurrency(), 4);
    assert_eq!(up.sb.peak_concurrency_of(&up.token), 4);
    assert_eq!(up.sb.peak_concurrency_of(&other), 1);
    assert_eq!(up.sb.limit_refusals(), 1);
    let journal = up.sb.journal();
    let mut seen: Vec<(usize, u16)> = journal.iter().map(|e| (e.in_flight, e.status)).collect();
    seen[..4].sort_unstable();
    assert_eq!(
        seen,
        [(1, 200), (2, 200), (3, 200), (4, 200), (5, 429), (1, 200)]
    );
    // The slots are free again.
    assert_eq!(up.get("/GetMyOrganizations", &[]).await.status(), 200);
}

#[tokio::test]
async fn five_tokens_in_flight_are_one_each() {
    let up = start().await;
    let tokens: Vec<String> = (0..5)
        .map(|_| up.sb.issue_token(DEMO_LOGIN).expect("demo"))
        .collect();
    let gate = up.sb.hold();
    let tasks = held_calls(&up, 5, |i| up.sb.diadoc_auth(&tokens[i])).await;
    gate.release();
    assert_eq!(statuses(tasks).await, [200; 5]);
    assert_eq!(up.sb.peak_concurrency(), 1);
    for t in &tokens {
        assert_eq!(up.sb.peak_concurrency_of(t), 1);
    }
    assert_eq!(up.sb.limit_refusals(), 0);
    assert!(up.sb.journal().iter().all(|e| e.in_flight == 1));
}

#[tokio::test]
async fn limits_can_be_set_and_switched_off_and_are_still_counted() {
    let up = start_with(Sandbox::builder().no_kontur_limits()).await;
    let gate = up.sb.hold();
    let auth = up.auth();
    let tasks = held_calls(&up, 6, |_| auth.clone()).await;
    gate.release();
    assert_eq!(statuses(tasks).await, [200; 6]);
    assert_eq!((up.sb.peak_concurrency(), up.sb.limit_refusals()), (6, 0));
    // Two in flight from now on.
    up.sb.set_kontur_limits(2, 0);
    let gate = up.sb.hold_next(2);
    let tasks = held_calls(&up, 2, |_| auth.clone()).await;
    assert_eq!(up.get("/GetMyOrganizations", &[]).await.status(), 429);
    gate.release();
    assert_eq!(statuses(tasks).await, [200; 2]);
    up.sb.no_kontur_limits();
    assert_eq!(up.sb.limit_refusals(), 1);
}

#[tokio::test]
async fn edin_and_authenticate_are_not_limited() {
    let up = start_with(Sandbox::builder().kontur_limits(1, 1)).await;
    for _ in 0..3 {
        let r = up
            .client
            .post(up.url("/V3/Authenticate?type=password"))
            .header(
                "authorization",
                format!("DiadocAuth ddauth_api_client_id={DEVELOPER_KEY}"),
            )
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"login":"{DEMO_LOGIN}","password":"{DEMO_PASSWORD}"}}"#
            ))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200);
    }
    let sid = up
        .sb
        .issue_edin_session(edi_sandbox::EDIN_DEMO_EMAIL)
        .expect("demo");
    for _ in 0..3 {
        let r = up
            .client
            .get(up.url("/bdoc/agreement_groups"))
            .header("cookie", format!("SID={sid}"))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200);
    }
    assert_eq!(up.sb.limit_refusals(), 0);
    assert!(up.sb.journal().iter().all(|e| e.in_flight == 0));
}

async fn get(router: &axum::Router, auth: &str) -> (u16, Option<String>) {
    let request = Request::get("/GetMyOrganizations")
        .header("authorization", auth)
        .body(Body::empty())
        .expect("request");
    let r = router.clone().oneshot(request).await.expect("infallible");
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (r.status().as_u16(), retry_after)
}

#[tokio::test(start_paused = true)]
async fn the_101st_call_in_one_instant_gets_429_and_the_bucket_refills() {
    let (router, sb) = Sandbox::builder().into_router(([127, 0, 0, 1], 0).into());
    let token = sb.issue_token(DEMO_LOGIN).expect("demo");
    let auth = sb.diadoc_auth(&token);
    let mut refused = Vec::new();
    for _ in 0..101 {
        let (status, retry_after) = get(&router, &auth).await;
        if status != 200 {
            refused.push((status, retry_after));
        }
    }
    assert_eq!(refused, [(429, Some("1".to_owned()))]);
    assert_eq!(sb.limit_refusals(), 1);
    // Another token has its own bucket.
    let other = sb.issue_token(DEMO_LOGIN).expect("demo");
    assert_eq!(get(&router, &format!("Bearer {other}")).await.0, 200);
    // 10 ms refill one call; a second refills all hundred.
    tokio::time::advance(Duration::from_millis(10)).await;
    assert_eq!(get(&router, &auth).await.0, 200);
    assert_eq!(get(&router, &auth).await.0, 429);
    tokio::time::advance(Duration::from_secs(1)).await;
    for _ in 0..100 {
        assert_eq!(get(&router, &auth).await.0, 200);
    }
    assert_eq!(get(&router, &auth).await.0, 429);
    assert_eq!(sb.limit_refusals(), 3);
    assert_eq!(sb.peak_concurrency(), 1);
}
