//! The breaker and the retry under tokio's paused clock: every cool-down is virtual.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::advance;

use super::*;
use crate::upstream::UpstreamFailure;

const COOL: Duration = Duration::from_secs(10);

fn fail(b: &Breaker) {
    b.admit().expect("admitted").record(Outcome::Failed);
}

fn status(code: u16) -> UpstreamError {
    UpstreamError::Status(UpstreamFailure {
        service: Service::Diadoc,
        status: code,
        error_code: None,
        trace_id: None,
        message: String::new(),
    })
}

/// Trips a breaker of 5 and checks it is open.
fn tripped() -> Breaker {
    let b = Breaker::new("diadoc", 5, COOL);
    for _ in 0..5 {
        assert_eq!(b.state(), BreakerState::Closed);
        fail(&b);
    }
    assert_eq!(b.state(), BreakerState::Open);
    b
}

#[tokio::test(start_paused = true)]
async fn five_failures_in_a_row_open_it_for_the_cool_down() {
    let b = tripped();
    assert_eq!(b.admit().map(|_| ()), Err(10));
    advance(Duration::from_millis(2500)).await;
    // What is left, rounded up.
    assert_eq!(b.admit().map(|_| ()), Err(8));
    advance(Duration::from_millis(7499)).await;
    assert_eq!(b.admit().map(|_| ()), Err(1));
    advance(Duration::from_millis(1)).await;
    assert_eq!(b.state(), BreakerState::HalfOpen);
}

#[tokio::test(start_paused = true)]
async fn an_answer_resets_the_count() {
    let b = Breaker::new("diadoc", 5, COOL);
    for _ in 0..4 {
        fail(&b);
    }
    b.admit().expect("admitted").record(Outcome::Answered);
    for _ in 0..4 {
        fail(&b);
    }
    assert_eq!(b.state(), BreakerState::Closed);
    fail(&b);
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn half_open_lets_exactly_one_probe_through_and_its_answer_closes_it() {
    let b = tripped();
    advance(COOL).await;
    let probe = b.admit().expect("the probe");
    for _ in 0..3 {
        assert_eq!(b.admit().map(|_| ()), Err(1), "others wait for the probe");
    }
    assert_eq!(b.state(), BreakerState::HalfOpen);
    probe.record(Outcome::Answered);
    assert_eq!(b.state(), BreakerState::Closed);
    let (a, c) = (b.admit(), b.admit());
    assert!(a.is_ok() && c.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_failed_probe_reopens_it_for_a_whole_cool_down() {
    let b = tripped();
    advance(COOL + Duration::from_secs(3)).await;
    b.admit().expect("the probe").record(Outcome::Failed);
    assert_eq!(b.state(), BreakerState::Open);
    assert_eq!(b.admit().map(|_| ()), Err(10));
    advance(COOL).await;
    b.admit().expect("the next probe").record(Outcome::Answered);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_probe_that_ends_without_a_say_lets_the_next_call_probe() {
    let b = tripped();
    advance(COOL).await;
    drop(b.admit().expect("the probe"));
    let next = b.admit().expect("the next probe");
    assert_eq!(b.admit().map(|_| ()), Err(1));
    next.record(Outcome::Unknown);
    assert!(b.admit().is_ok());
}

#[tokio::test(start_paused = true)]
async fn calls_let_through_before_it_opened_have_no_say() {
    let b = Breaker::new("diadoc", 2, COOL);
    let late = b.admit().expect("admitted");
    fail(&b);
    fail(&b);
    late.record(Outcome::Answered);
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn zero_failures_switches_it_off() {
    let b = Breaker::new("diadoc", 0, COOL);
    for _ in 0..100 {
        fail(&b);
    }
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn what_counts_as_a_failure() {
    let r = |e: UpstreamError| Outcome::of::<()>(&Err(e));
    assert_eq!(Outcome::of(&Ok(())), Outcome::Answered);
    assert_eq!(r(UpstreamError::Timeout), Outcome::Failed);
    assert_eq!(r(UpstreamError::Transport("reset".into())), Outcome::Failed);
    for code in [500, 502, 503, 504] {
        assert_eq!(r(status(code)), Outcome::Failed, "{code}");
    }
    for code in [400, 401, 403, 404, 409] {
        assert_eq!(r(status(code)), Outcome::Answered, "{code}");
    }
    let UpstreamError::Status(f) = status(429) else {
        unreachable!()
    };
    assert_eq!(r(UpstreamError::RateLimited(f, 3)), Outcome::Answered);
    assert_eq!(r(UpstreamError::Saturated(1)), Outcome::Unknown);
    assert_eq!(
        r(UpstreamError::CircuitOpen(Service::Edin, 1)),
        Outcome::Unknown
    );
}

fn guard(percent: u32, floor: u32) -> Guard {
    Guard {
        service: Service::Diadoc,
        breaker: Breaker::new("diadoc", 5, COOL),
        budget: budget(percent, floor),
    }
}

/// Sends through `g`: the first `fail` sends end in `error`, the rest succeed; returns the
/// result and the sends made.
async fn send_failing(g: &Guard, safe: bool, fail: u32, error: UpstreamError) -> (bool, u32) {
    let sends = AtomicU32::new(0);
    let mut retried = false;
    let result = g
        .send(safe, &mut retried, || {
            let n = sends.fetch_add(1, Ordering::SeqCst);
            let error = error.clone();
            async move { if n < fail { Err(error) } else { Ok(()) } }
        })
        .await;
    (result.is_ok(), sends.load(Ordering::SeqCst))
}

#[tokio::test(start_paused = true)]
async fn a_safe_call_is_retried_once_after_a_transport_error_only() {
    let g = guard(10, 1);
    let reset = || UpstreamError::Transport("connection reset".into());
    assert_eq!(send_failing(&g, true, 1, reset()).await, (true, 2));
    // At most once per call.
    assert_eq!(send_failing(&g, true, 2, reset()).await, (false, 2));
    // Never an unsafe call; never after a timeout or a 5xx.
    assert_eq!(send_failing(&g, false, 1, reset()).await, (false, 1));
    assert_eq!(
        send_failing(&g, true, 1, UpstreamError::Timeout).await,
        (false, 1)
    );
    assert_eq!(send_failing(&g, true, 1, status(502)).await, (false, 1));
}

#[tokio::test(start_paused = true)]
async fn the_budget_stops_retries_when_spent_and_refills_with_calls_and_time() {
    // No floor: 10 % of the calls.
    let g = guard(10, 0);
    let reset = || UpstreamError::Transport("connection reset".into());
    assert_eq!(send_failing(&g, true, 1, reset()).await, (false, 1));
    for _ in 0..10 {
        drop(g.admit().expect("admitted"));
    }
    assert_eq!(send_failing(&g, true, 1, reset()).await, (true, 2));
    assert_eq!(send_failing(&g, true, 1, reset()).await, (false, 1));
    // The floor alone: 1 a second over the 10 s window.
    let g = guard(0, 1);
    for _ in 0..10 {
        assert_eq!(send_failing(&g, true, 1, reset()).await, (true, 2));
    }
    assert_eq!(send_failing(&g, true, 1, reset()).await, (false, 1));
    advance(BUDGET_WINDOW + Duration::from_secs(1)).await;
    assert_eq!(send_failing(&g, true, 1, reset()).await, (true, 2));
}

#[test]
fn out_of_range_budget_figures_do_not_panic() {
    let _ = budget(u32::MAX, u32::MAX);
    let _ = budget(0, 0);
}
