//! The limiters under tokio's paused clock: every wait is virtual, none races the wall clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use tokio::time::{Instant, advance, sleep, timeout};

use super::upstream::Busy;
use super::*;

const KEY: [u8; 32] = [1; 32];
const OTHER: [u8; 32] = [2; 32];
const MS: Duration = Duration::from_millis(1);

fn limits(concurrency: usize, per_second: u32) -> Limits {
    Limits {
        concurrency,
        per_second,
    }
}

/// Lets every spawned task run until it waits.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

// ---- upstream: concurrency ----

#[tokio::test(start_paused = true)]
async fn two_hundred_callers_never_more_than_four_at_once_and_all_served() {
    let limiter = Arc::new(UpstreamLimits::new(1_000));
    let alive = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (limiter, alive, most) = (limiter.clone(), alive.clone(), most.clone());
            tokio::spawn(async move {
                let slot = limiter
                    .acquire(&KEY, limits(4, 100), Duration::from_secs(60))
                    .await?;
                let now = alive.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                sleep(50 * MS).await;
                alive.fetch_sub(1, Ordering::SeqCst);
                drop(slot);
                Ok::<(), Busy>(())
            })
        })
        .collect();
    settle().await;
    // One served at once; three hold a permit and sleep for their cells (10 ms apart); the
    // rest wait for a permit.
    assert_eq!(limiter.in_flight(&KEY), 1);
    assert_eq!(limiter.queued(&KEY), 199);
    for task in join_all(tasks).await {
        assert_eq!(task.expect("task"), Ok(()));
    }
    assert_eq!(most.load(Ordering::SeqCst), 4);
    assert_eq!(limiter.in_flight(&KEY), 0);
    assert_eq!(limiter.queued(&KEY), 0);
}

#[tokio::test(start_paused = true)]
async fn an_evicted_entry_in_use_is_found_again_not_doubled() {
    let limiter = UpstreamLimits::new(1_000);
    let held = limiter
        .acquire(&KEY, limits(1, 0), Duration::ZERO)
        .await
        .expect("slot");
    // Whatever the idle cache does, the entry in use is the one new requests find.
    limiter.evict_idle().await;
    assert_eq!(
        limiter.acquire(&KEY, limits(1, 0), 5 * MS).await.err(),
        Some(Busy::CONCURRENCY)
    );
    drop(held);
    assert!(limiter.acquire(&KEY, limits(1, 0), 5 * MS).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn queue_timeout_is_busy_and_takes_nothing() {
    let limiter = UpstreamLimits::new(1_000);
    let held = limiter
        .acquire(&KEY, limits(1, 100), Duration::ZERO)
        .await
        .expect("slot");
    let start = Instant::now();
    let busy = limiter
        .acquire(&KEY, limits(1, 100), Duration::from_secs(2))
        .await
        .expect_err("busy");
    assert_eq!(Instant::now() - start, Duration::from_secs(2));
    assert_eq!(busy, Busy::CONCURRENCY);
    assert!(busy.retry_after >= Duration::from_secs(1));
    assert_eq!(busy.retry_after_secs(), 1);
    assert_eq!(limiter.queued(&KEY), 0);
    drop(held);
    // The next caller is served at once: the refused one left no permit and no cell taken.
    let start = Instant::now();
    assert!(
        limiter
            .acquire(&KEY, limits(1, 100), Duration::ZERO)
            .await
            .is_ok()
    );
    assert_eq!(Instant::now(), start);
}

#[tokio::test(start_paused = true)]
async fn past_the_waiter_bound_busy_at_once() {
    let limiter = Arc::new(UpstreamLimits::new(2));
    let held = limiter
        .acquire(&KEY, limits(1, 0), Duration::ZERO)
        .await
        .expect("slot");
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                limiter
                    .acquire(&KEY, limits(1, 0), Duration::from_secs(60))
                    .await
                    .map(drop)
            })
        })
        .collect();
    settle().await;
    assert_eq!(limiter.queued(&KEY), 2);
    let start = Instant::now();
    assert_eq!(
        limiter
            .acquire(&KEY, limits(1, 0), Duration::from_secs(60))
            .await
            .err(),
        Some(Busy::QUEUE_FULL)
    );
    assert_eq!(Instant::now(), start);
    assert_eq!(limiter.queued(&KEY), 2);
    assert_eq!(limiter.in_flight(&KEY), 1);
    drop(held);
    for waiter in join_all(waiters).await {
        assert_eq!(waiter.expect("task"), Ok(()));
    }
}

#[tokio::test(start_paused = true)]
async fn a_dropped_waiter_leaves_no_trace() {
    let limiter = Arc::new(UpstreamLimits::new(1));
    let held = limiter
        .acquire(&KEY, limits(1, 0), Duration::ZERO)
        .await
        .expect("slot");
    // A waiter dropped while queued (its caller went away)…
    let gone = timeout(
        10 * MS,
        limiter.acquire(&KEY, limits(1, 0), Duration::from_secs(60)),
    )
    .await;
    assert!(gone.is_err());
    // …frees its place in the bounded queue and takes no permit.
    assert_eq!(limiter.queued(&KEY), 0);
    let next = {
        let limiter = limiter.clone();
        tokio::spawn(async move {
            let start = Instant::now();
            let slot = limiter
                .acquire(&KEY, limits(1, 0), Duration::from_secs(60))
                .await;
            (slot.map(drop), Instant::now() - start)
        })
    };
    settle().await;
    assert_eq!(limiter.queued(&KEY), 1);
    advance(100 * MS).await;
    drop(held);
    let (slot, waited) = next.await.expect("task");
    assert_eq!(slot, Ok(()));
    assert_eq!(waited, 100 * MS);
}

// ---- upstream: rate ----

#[tokio::test(start_paused = true)]
async fn callers_at_one_instant_are_spaced_by_the_interval() {
    let limiter = UpstreamLimits::new(1_000);
    let start = Instant::now();
    let served = join_all((0..5).map(|_| async {
        let slot = limiter
            .acquire(&KEY, limits(0, 10), Duration::from_secs(10))
            .await;
        (slot.map(drop), Instant::now() - start)
    }))
    .await;
    let expected: Vec<_> = (0..5).map(|k| (Ok(()), k * 100 * MS)).collect();
    assert_eq!(served, expected);
}

#[tokio::test(start_paused = true)]
async fn concurrency_and_rate_together() {
    // Four permits at once, but their cells 10 ms apart (burst 1).
    let limiter = UpstreamLimits::new(1_000);
    let start = Instant::now();
    let served = join_all((0..4).map(|_| async {
        let slot = limiter
            .acquire(&KEY, limits(4, 100), Duration::from_secs(10))
            .await;
        let at = Instant::now() - start;
        (slot, at)
    }))
    .await;
    let times: Vec<_> = served.iter().map(|(_, at)| *at).collect();
    assert_eq!(times, [Duration::ZERO, 10 * MS, 20 * MS, 30 * MS]);
    assert_eq!(limiter.in_flight(&KEY), 4);
}

#[tokio::test(start_paused = true)]
async fn rate_busy_has_the_exact_wait_and_takes_no_cell() {
    let limiter = UpstreamLimits::new(1_000);
    let l = limits(0, 1);
    assert!(limiter.acquire(&KEY, l, Duration::ZERO).await.is_ok());
    advance(300 * MS).await;
    let start = Instant::now();
    let busy = limiter.acquire(&KEY, l, 100 * MS).await.expect_err("busy");
    assert_eq!(Instant::now(), start, "refused at once, not after waiting");
    assert_eq!(busy.retry_after, 700 * MS);
    assert_eq!(busy.retry_after_secs(), 1);
    // After that wait the next caller gets its cell at once: the refusal took none.
    advance(700 * MS).await;
    let start = Instant::now();
    assert!(limiter.acquire(&KEY, l, Duration::ZERO).await.is_ok());
    assert_eq!(Instant::now(), start);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_rate_waiter_gives_its_cell_back() {
    let limiter = UpstreamLimits::new(1_000);
    let l = limits(0, 1);
    let start = Instant::now();
    assert!(limiter.acquire(&KEY, l, Duration::ZERO).await.is_ok());
    // Reserves the cell at +1 s, then is dropped at +0.5 s.
    assert!(
        timeout(500 * MS, limiter.acquire(&KEY, l, Duration::from_secs(10)))
            .await
            .is_err()
    );
    // The next caller gets that cell (+1 s), not the one after (+2 s).
    assert!(
        limiter
            .acquire(&KEY, l, Duration::from_secs(10))
            .await
            .is_ok()
    );
    assert_eq!(Instant::now() - start, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn keys_are_independent() {
    let limiter = UpstreamLimits::new(1_000);
    let l = limits(1, 1);
    let _held = limiter
        .acquire(&KEY, l, Duration::ZERO)
        .await
        .expect("slot");
    let start = Instant::now();
    // KEY has neither a permit nor a cell left; OTHER has both.
    assert!(limiter.acquire(&KEY, l, Duration::ZERO).await.is_err());
    let _other = limiter
        .acquire(&OTHER, l, Duration::ZERO)
        .await
        .expect("other key");
    assert_eq!(Instant::now(), start);
    assert_eq!(limiter.in_flight(&KEY), 1);
    assert_eq!(limiter.in_flight(&OTHER), 1);
}

#[tokio::test(start_paused = true)]
async fn changed_limits_take_effect() {
    let limiter = UpstreamLimits::new(1_000);
    let one = limiter
        .acquire(&KEY, limits(1, 0), Duration::ZERO)
        .await
        .expect("slot");
    assert!(
        limiter
            .acquire(&KEY, limits(1, 0), Duration::ZERO)
            .await
            .is_err()
    );
    // A reload raises the limit to 2: new requests use it…
    let two: Vec<_> = join_all((0..2).map(|_| limiter.acquire(&KEY, limits(2, 0), Duration::ZERO)))
        .await
        .into_iter()
        .map(|s| s.expect("slot"))
        .collect();
    // …and keep to it.
    assert_eq!(
        limiter
            .acquire(&KEY, limits(2, 0), Duration::ZERO)
            .await
            .err(),
        Some(Busy::CONCURRENCY)
    );
    // The accessors count the credential under both.
    assert_eq!(limiter.in_flight(&KEY), 3);
    drop((one, two));
    assert_eq!(limiter.in_flight(&KEY), 0);
    // A lower rate takes effect too.
    let start = Instant::now();
    for _ in 0..2 {
        assert!(
            limiter
                .acquire(&KEY, limits(0, 2), Duration::from_secs(5))
                .await
                .is_ok()
        );
    }
    assert_eq!(Instant::now() - start, 500 * MS);
}

// ---- inbound ----

fn header_strings(headers: &[(axum::http::HeaderName, axum::http::HeaderValue)]) -> Vec<String> {
    headers
        .iter()
        .map(|(name, value)| format!("{name}: {}", value.to_str().expect("ascii")))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn inbound_burst_then_429_with_the_exact_wait() {
    let inbound = Inbound::new();
    let rate = Rate {
        per_second: 2,
        burst: 3,
    };
    let mut left = Vec::new();
    for _ in 0..3 {
        let quota = inbound.check(&KEY, rate).await.expect("within burst");
        left.push(header_strings(&quota.headers()));
    }
    assert_eq!(
        left[0],
        [
            "ratelimit-policy: \"default\";q=3;w=2",
            "ratelimit: \"default\";r=2;t=1"
        ]
    );
    assert_eq!(left[2][1], "ratelimit: \"default\";r=0;t=2");
    let refused = inbound.check(&KEY, rate).await.expect_err("past the burst");
    assert_eq!(refused.retry_after, 500 * MS);
    assert_eq!(refused.retry_after_secs(), 1);
    assert_eq!(
        header_strings(&refused.headers()),
        [
            "ratelimit-policy: \"default\";q=3;w=2",
            "ratelimit: \"default\";r=0;t=1"
        ]
    );
    // A refusal does not count: after exactly the wait, one more passes.
    advance(500 * MS).await;
    assert!(inbound.check(&KEY, rate).await.is_ok());
    let refused = inbound.check(&KEY, rate).await.expect_err("again");
    assert_eq!(refused.retry_after, 500 * MS);
    // Another client is not affected.
    assert!(inbound.check(&OTHER, rate).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn inbound_burst_zero_is_the_per_second_figure() {
    let inbound = Inbound::new();
    let rate = Rate {
        per_second: 100,
        burst: 0,
    };
    for _ in 0..100 {
        assert!(inbound.check(&KEY, rate).await.is_ok());
    }
    let refused = inbound.check(&KEY, rate).await.expect_err("101st");
    assert_eq!(refused.retry_after, 10 * MS);
    assert_eq!(
        header_strings(&refused.headers())[0],
        "ratelimit-policy: \"default\";q=100;w=1"
    );
}

#[tokio::test(start_paused = true)]
async fn inbound_off_when_per_second_is_zero() {
    let inbound = Inbound::new();
    let rate = Rate {
        per_second: 0,
        burst: 5,
    };
    for _ in 0..1_000 {
        let quota = inbound.check(&KEY, rate).await.expect("off");
        assert!(quota.headers().is_empty());
    }
}

// ---- the GCRA ----

#[test]
fn gcra_counts_whole_cells_and_seconds_round_up() {
    let now = Instant::now();
    let gcra = Gcra::new(4, 2).expect("on");
    assert_eq!(gcra.interval, 250 * MS);
    assert_eq!(gcra.burst(), 2);
    assert_eq!(gcra.remaining(None, now), 2);
    let tat = gcra.take(None, now);
    assert_eq!(gcra.remaining(Some(tat), now), 1);
    let tat = gcra.take(Some(tat), now);
    assert_eq!(gcra.remaining(Some(tat), now), 0);
    assert_eq!(gcra.earliest(Some(tat), now), now + 250 * MS);
    assert!(Gcra::new(0, 10).is_none());
    assert_eq!(whole_secs(Duration::ZERO), 1);
    assert_eq!(whole_secs(1_001 * MS), 2);
    assert_eq!(whole_secs(Duration::from_secs(3)), 3);
}
