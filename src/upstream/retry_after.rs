//! `Retry-After`: read in one place, clamped in one place.
//!
//! What the facts say (reference/diadoc/api.md, "Retry-After, per method (summary)"): the value
//! is always a whole number of seconds, and no source shows the HTTP-date form; lifecycle.md §3
//! lists 429 on some methods with the format UNKNOWN. The gateway's reading ([`parse`]):
//!
//! * digits only → that many seconds (a number too large for `u64` reads as `u64::MAX`, which
//!   the clamps below bound);
//! * anything else — negative, fractional, an HTTP-date, text — → [`FALLBACK`] (5 s). An
//!   HTTP-date is not converted: the facts never show one, and a date is only as good as the
//!   two clocks agree, so a bounded guess is as good and simpler. A 2xx with such a value is
//!   still "pending" (api.md: a `Retry-After` on any 2xx means pending), never a 502.
//!
//! Every `Retry-After` the gateway emits (202 of a long request, 429, 503) goes through
//! [`emit`]: at least [`EMIT_MIN`], at most [`EMIT_MAX`] seconds. The polling pause keeps its
//! own bounds (the configured floor and the 15 s ceiling, `polling.rs`).

use http::HeaderMap;
use http::header::RETRY_AFTER;

/// Seconds assumed when `Retry-After` is present but not a whole number of seconds.
pub const FALLBACK: u64 = 5;

/// The shortest `Retry-After` the gateway emits.
pub const EMIT_MIN: u64 = 1;

/// The longest `Retry-After` the gateway emits.
pub const EMIT_MAX: u64 = 60;

/// The upstream's `Retry-After`, in seconds, when it sent one (see the module's rules).
pub fn parse(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(RETRY_AFTER)?;
    Some(seconds(value.as_bytes()))
}

/// One `Retry-After` value in seconds: digits only, else [`FALLBACK`].
pub fn seconds(value: &[u8]) -> u64 {
    let text = value.trim_ascii();
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return FALLBACK;
    }
    text.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    })
}

/// A `Retry-After` the gateway sends: `secs` clamped to [`EMIT_MIN`]..=[`EMIT_MAX`].
pub const fn emit(secs: u64) -> u64 {
    if secs < EMIT_MIN {
        EMIT_MIN
    } else if secs > EMIT_MAX {
        EMIT_MAX
    } else {
        secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_are_read_and_everything_else_is_the_fallback() {
        assert_eq!(seconds(b"7"), 7);
        assert_eq!(seconds(b" 0 "), 0);
        assert_eq!(seconds(b"99999999999"), 99_999_999_999);
        assert_eq!(seconds(b"999999999999999999999999999"), u64::MAX);
        for bad in [
            &b"-5"[..],
            b"1.5",
            b"",
            b"soon",
            b"Wed, 21 Oct 2015 07:28:00 GMT",
            b"+3",
            b"\xff",
        ] {
            assert_eq!(seconds(bad), FALLBACK, "{bad:?}");
        }
    }

    #[test]
    fn emitted_values_are_clamped() {
        assert_eq!(emit(0), 1);
        assert_eq!(emit(7), 7);
        assert_eq!(emit(99_999_999_999), 60);
        assert_eq!(emit(u64::MAX), 60);
    }

    #[test]
    fn absent_is_none() {
        assert_eq!(parse(&HeaderMap::new()), None);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, http::HeaderValue::from_static("-5"));
        assert_eq!(parse(&h), Some(FALLBACK));
    }
}
