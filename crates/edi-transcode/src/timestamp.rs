//! `Diadoc.Api.Proto.Timestamp` ⇄ RFC 3339.
//!
//! The message carries .NET `DateTime.Ticks` in UTC: 100-ns intervals since
//! 0001-01-01T00:00:00Z, proleptic Gregorian (api.md, "Time values: .NET ticks"). The gateway
//! shows it as an RFC 3339 UTC string.
//!
//! * Output is always `Z`, with the fraction trimmed of trailing zeros and left out when zero
//!   (`2024-08-06T12:36:38.8979088Z`, `2024-08-06T00:00:00Z`), like the canonical proto JSON
//!   mapping does for `google.protobuf.Timestamp`.
//! * Only ticks of years 0001–9999 (what .NET `DateTime` can hold) become strings; any other value
//!   is left to the generic message form `{"ticks": "<i64>"}`, which input accepts as well, so a
//!   round trip still holds.
//! * Input takes `Z` or a numeric offset and converts to UTC. Fraction digits past the seventh must
//!   be zeros: anything else would be silently rounded away.
//!
//! The calendar is `jiff`'s. Output: ticks become a `Timestamp` (counted from the Unix epoch,
//! tick 621355968000000000 per api.md), jiff gives its UTC civil `DateTime` and prints it with its
//! Temporal printer, which already writes what the rules above want (4-digit years in range, the
//! fraction trimmed). `Timestamp` stops at 9999-12-30T22:00Z (so that any offset still fits a
//! civil date), short of `DateTime.MaxValue`; the last hours of 9999 go through civil `DateTime`
//! arithmetic instead. Input: [`Date::new`] decides which dates exist and
//! [`DateTime::duration_since`] counts the seconds. The RFC 3339 syntax is checked here, byte by
//! byte: jiff's Temporal parser is more lenient than the rules above (a space for `T`, `+03`
//! offsets, `,` fractions), stops at 9 fraction digits, and parses to a `Timestamp`.

use jiff::civil::{Date, DateTime, Time};
use jiff::fmt::temporal::DateTimePrinter;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};

use crate::error::ProblemCode;

/// Ticks per second (100 ns each).
const TICKS_PER_SECOND: i64 = 10_000_000;
/// `DateTime.MaxValue.Ticks`: 9999-12-31T23:59:59.9999999.
const MAX_TICKS: i64 = 3_155_378_975_999_999_999;
/// 1970-01-01T00:00:00, tick 621355968000000000 (api.md): the civil counterpart of jiff's
/// `Timestamp` epoch, so both conversions count from here.
///
/// Not from tick 0 (0001-01-01) either way: jiff 0.2 refuses to add a [`SignedDuration`] of more
/// than about 8030 years to a civil date even when the sum is in range; from 1970 every date of
/// 0001–9999 is within that distance.
const UNIX_EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// Whether `ticks` is a `DateTime` .NET can hold (years 0001–9999), i.e. renders as a string.
fn is_representable(ticks: i64) -> bool {
    (0..=MAX_TICKS).contains(&ticks)
}

/// The UTC wall time of `ticks`, if [representable](is_representable).
fn civil(ticks: i64) -> Option<DateTime> {
    if !is_representable(ticks) {
        return None;
    }
    let since = ticks - UNIX_EPOCH_TICKS;
    // Same signs, |nanos| < 1e9.
    let (seconds, nanos) = (
        since / TICKS_PER_SECOND,
        (since % TICKS_PER_SECOND * 100) as i32,
    );
    match Timestamp::new(seconds, nanos) {
        // jiff's fast path (the one behind `Timestamp`'s own formatting).
        Ok(instant) => Some(Offset::UTC.to_datetime(instant)),
        // After `Timestamp::MAX`, 9999-12-30T22:00:00.999999999Z: the last hours of 9999.
        Err(_) => UNIX_EPOCH
            .checked_add(SignedDuration::new(seconds, nanos))
            .ok(),
    }
}

/// Appends `"YYYY-MM-DDTHH:MM:SS[.fffffff]Z"` (quotes included) and returns `true`; appends
/// nothing and returns `false` when `ticks` is not [representable](is_representable).
pub(crate) fn write_json(out: &mut Vec<u8>, ticks: i64) -> bool {
    static PRINTER: DateTimePrinter = DateTimePrinter::new();
    let Some(dt) = civil(ticks) else {
        return false;
    };
    let start = out.len();
    out.push(b'"');
    // Years 0001–9999 print as 4 digits; the fraction is trimmed of trailing zeros.
    if PRINTER.print_datetime(&dt, &mut *out).is_err() {
        out.truncate(start);
        return false;
    }
    out.extend_from_slice(b"Z\"");
    true
}

/// Why a string is not an acceptable timestamp.
#[derive(Debug)]
pub(crate) struct BadTimestamp {
    pub(crate) code: ProblemCode,
    pub(crate) detail: &'static str,
}

const fn bad(detail: &'static str) -> BadTimestamp {
    BadTimestamp {
        code: ProblemCode::InvalidFormat,
        detail,
    }
}

/// Parses an RFC 3339 date-time (`2024-08-06T12:36:38.8979088Z`, `…+03:00`) into UTC ticks.
pub(crate) fn parse(text: &str) -> Result<i64, BadTimestamp> {
    let ticks = parse_unbounded(text)?;
    if !is_representable(ticks) {
        return Err(BadTimestamp {
            code: ProblemCode::OutOfRange,
            detail: "the instant is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.9999999Z",
        });
    }
    Ok(ticks)
}

/// [`parse`], but an instant before 0001-01-01T00:00:00Z or after `DateTime.MaxValue` becomes
/// that end (for range bounds, where "before the first tick" means "from the start").
pub(crate) fn parse_clamped(text: &str) -> Result<i64, BadTimestamp> {
    parse_unbounded(text).map(|t| t.clamp(0, MAX_TICKS))
}

/// The ticks of an RFC 3339 date-time, possibly outside the years .NET holds.
fn parse_unbounded(text: &str) -> Result<i64, BadTimestamp> {
    const SHAPE: &str = "expected an RFC 3339 date-time such as 2024-08-06T12:36:38.8979088Z";
    let s = text.as_bytes();
    if s.len() < 20 || s[4] != b'-' || s[7] != b'-' || s[13] != b':' || s[16] != b':' {
        return Err(bad(SHAPE));
    }
    if !matches!(s[10], b'T' | b't') {
        return Err(bad(SHAPE));
    }
    let num = |range: std::ops::Range<usize>| -> Result<i64, BadTimestamp> {
        s[range].iter().try_fold(0i64, |acc, &b| {
            if b.is_ascii_digit() {
                Ok(acc * 10 + i64::from(b - b'0'))
            } else {
                Err(bad(SHAPE))
            }
        })
    };
    // At most 4 and 2 digits: the casts below are lossless.
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let date =
        Date::new(year as i16, month as i8, day as i8).map_err(|_| bad("no such calendar date"))?;
    if second > 59 {
        return Err(bad("seconds must be 00–59 (.NET time has no leap seconds)"));
    }
    let time = Time::new(hour as i8, minute as i8, second as i8, 0)
        .map_err(|_| bad("no such time of day"))?;

    let mut rest = &s[19..];
    let mut frac = 0i64;
    if let Some((b'.', digits)) = rest.split_first() {
        let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return Err(bad(SHAPE));
        }
        for (i, &d) in digits[..n].iter().enumerate() {
            if i < 7 {
                frac = frac * 10 + i64::from(d - b'0');
            } else if d != b'0' {
                return Err(bad(
                    "more than 7 fractional digits: Diadoc time has 100 ns precision, the rest would be lost",
                ));
            }
        }
        frac *= 10i64.pow(7u32.saturating_sub(n as u32));
        rest = &digits[n..];
    }

    let offset_seconds = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |b: &u8| -> Result<i64, BadTimestamp> {
                if b.is_ascii_digit() {
                    Ok(i64::from(b - b'0'))
                } else {
                    Err(bad(SHAPE))
                }
            };
            let (oh, om) = (digit(h1)? * 10 + digit(h2)?, digit(m1)? * 10 + digit(m2)?);
            if oh > 23 || om > 59 {
                return Err(bad("the UTC offset must be within ±23:59"));
            }
            let sign = if *sign == b'-' { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return Err(bad("expected Z or a ±HH:MM offset after the time")),
    };

    let seconds = DateTime::from_parts(date, time)
        .duration_since(UNIX_EPOCH)
        .as_secs();
    Ok(UNIX_EPOCH_TICKS + (seconds - offset_seconds) * TICKS_PER_SECOND + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

    fn render(ticks: i64) -> String {
        let mut out = Vec::new();
        assert!(write_json(&mut out, ticks), "{ticks} is representable");
        String::from_utf8(out).expect("ASCII")
    }

    #[test]
    fn the_api_md_pair_converts_both_ways() {
        // api.md, "Time values: .NET ticks".
        assert_eq!(
            render(638_585_445_988_979_088),
            "\"2024-08-06T12:36:38.8979088Z\""
        );
        assert_eq!(
            parse("2024-08-06T12:36:38.8979088Z").expect("valid"),
            638_585_445_988_979_088
        );
    }

    #[test]
    fn renders_the_edges_and_trims_the_fraction() {
        assert_eq!(render(0), "\"0001-01-01T00:00:00Z\"");
        assert_eq!(render(MAX_TICKS), "\"9999-12-31T23:59:59.9999999Z\"");
        // The Unix epoch (api.md: 621355968000000000).
        assert_eq!(render(621_355_968_000_000_000), "\"1970-01-01T00:00:00Z\"");
        assert_eq!(
            render(621_355_968_005_000_000),
            "\"1970-01-01T00:00:00.5Z\""
        );
        assert_eq!(
            render(621_355_968_000_000_001),
            "\"1970-01-01T00:00:00.0000001Z\""
        );
    }

    #[test]
    fn unrepresentable_ticks_write_nothing() {
        for ticks in [-1, i64::MIN, MAX_TICKS + 1, i64::MAX] {
            let mut out = b"x".to_vec();
            assert!(!write_json(&mut out, ticks), "{ticks}");
            assert_eq!(out, b"x");
        }
    }

    #[test]
    fn parses_offsets_short_fractions_and_zero_padding() {
        let utc = parse("2024-08-06T12:36:38.8979088Z").expect("valid");
        assert_eq!(
            parse("2024-08-06T15:36:38.8979088+03:00").expect("valid"),
            utc
        );
        assert_eq!(parse("2024-08-06t12:36:38.897908800z").expect("valid"), utc);
        assert_eq!(
            parse("2024-08-06T12:36:38.5Z").expect("valid") % TICKS_PER_SECOND,
            5_000_000
        );
        assert_eq!(
            parse("2024-02-29T00:00:00-00:00").map(|_| ()).ok(),
            Some(())
        );
    }

    #[test]
    fn parses_the_edges_of_the_range() {
        assert_eq!(parse("0001-01-01T00:00:00Z").expect("MinValue"), 0);
        assert_eq!(
            parse("9999-12-31T23:59:59.9999999Z").expect("MaxValue"),
            MAX_TICKS
        );
        // Wall times outside the range whose instant is inside it.
        assert_eq!(parse("0000-12-31T23:00:00-01:00").expect("year 0 local"), 0);
        assert_eq!(
            parse("9999-12-31T23:59:59.9999999+00:01").expect("valid"),
            MAX_TICKS - 60 * TICKS_PER_SECOND
        );
        let late = parse("9999-12-31T23:59:59.9999999-00:01").expect_err("after 9999");
        assert_eq!(late.code, ProblemCode::OutOfRange);
    }

    #[test]
    fn rejects_bad_input() {
        for text in [
            "2024-08-06T12:36:38.89790881Z",
            "2024-08-06 12:36:38Z",
            "2024-08-06T12:36:38",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-08-06T24:00:00Z",
            "2024-08-06T23:59:60Z",
            "2024-08-06T12:36:38.Z",
            "2024-08-06T12:36:38+3:00",
            "２024-08-06T12:36:38Z",
        ] {
            assert!(parse(text).is_err(), "{text} should be rejected");
        }
        let early = parse("0001-01-01T00:00:00+01:00").expect_err("before year 1");
        assert_eq!(early.code, ProblemCode::OutOfRange);
        assert!(parse("0000-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn rejects_dates_the_calendar_does_not_have() {
        for text in [
            "2024-02-31T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-06-31T00:00:00Z",
            "2024-09-31T00:00:00Z",
            "2024-11-31T00:00:00Z",
            "2024-01-32T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-00-10T00:00:00Z",
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.code, ProblemCode::InvalidFormat, "{text}");
            assert_eq!(err.detail, "no such calendar date", "{text}");
        }
        for text in [
            "2000-02-29T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2024-01-31T00:00:00Z",
            "2024-04-30T00:00:00Z",
            "2024-12-31T00:00:00Z",
        ] {
            assert!(parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn every_eleventh_day_round_trips() {
        // A step of 11 days visits every day of the month and every weekday across the range.
        let mut days = 0;
        while days * TICKS_PER_DAY <= MAX_TICKS {
            let ticks = days * TICKS_PER_DAY + 123_456_789;
            let text = render(ticks);
            assert_eq!(
                parse(text.trim_matches('"')).expect("own output parses"),
                ticks
            );
            days += 11;
        }
    }

    #[test]
    fn agrees_with_a_day_count_from_the_unix_epoch() {
        // 1970-01-01 is day 719_162 (api.md); 2000-03-01 is 11_017 days later.
        let unix = 719_162 * TICKS_PER_DAY;
        assert_eq!(unix, 621_355_968_000_000_000);
        assert_eq!(
            render(unix + 11_017 * TICKS_PER_DAY),
            "\"2000-03-01T00:00:00Z\""
        );
        assert_eq!(
            parse("2000-03-01T00:00:00Z").expect("valid"),
            unix + 11_017 * TICKS_PER_DAY
        );
    }
}
