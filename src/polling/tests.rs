//! The polling decisions ([`next_step`]) for each kind of attempt.

use super::*;
use bytes::Bytes;
use http::StatusCode;

fn reply(status: u16, retry_after: Option<u64>) -> Attempt {
    Ok(UpstreamReply {
        status: StatusCode::from_u16(status).expect("status"),
        retry_after,
        body: Bytes::new(),
        sunset: None,
    })
}

const FLOOR: Duration = Duration::from_millis(500);

#[test]
fn retry_after_on_any_2xx_is_pending_and_clamped() {
    assert_eq!(
        next_step(&reply(200, Some(3)), FLOOR, false, 0),
        Step::Pending {
            retry_after: 3,
            delay: Duration::from_secs(3)
        }
    );
    assert_eq!(
        next_step(&reply(204, Some(0)), FLOOR, false, 0),
        Step::Pending {
            retry_after: 0,
            delay: FLOOR
        }
    );
    assert_eq!(
        next_step(&reply(200, Some(3600)), FLOOR, false, 0),
        Step::Pending {
            retry_after: 3600,
            delay: CEILING
        }
    );
    assert_eq!(
        next_step(&reply(204, None), FLOOR, false, 0),
        Step::Pending {
            retry_after: 15,
            delay: CEILING
        }
    );
    assert_eq!(next_step(&reply(200, None), FLOOR, false, 0), Step::Finish);
}

#[test]
fn transport_failures_are_retried_only_when_repeatable() {
    let failed: Attempt = Err(UpstreamError::Transport("reset".to_owned()));
    assert_eq!(next_step(&failed, FLOOR, false, 0), Step::Finish);
    assert_eq!(
        next_step(&failed, FLOOR, true, 0),
        Step::Retry {
            delay: Duration::from_secs(1)
        }
    );
    assert_eq!(
        next_step(&failed, FLOOR, true, TRANSPORT_RETRIES),
        Step::Finish
    );
    let timeout: Attempt = Err(UpstreamError::Timeout);
    assert_eq!(next_step(&timeout, FLOOR, false, 0), Step::Finish);
}

#[test]
fn upstream_refusals_are_final() {
    let refused: Attempt = Err(UpstreamError::Status(crate::upstream::UpstreamFailure {
        service: crate::upstream::Service::Diadoc,
        status: 409,
        error_code: None,
        trace_id: None,
        message: "no protocol".to_owned(),
    }));
    assert_eq!(next_step(&refused, FLOOR, true, 0), Step::Finish);
}
