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
//! The calendar math is Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for the whole
//! proleptic Gregorian range; written out here (a few lines) rather than pulling in `time` or
//! `jiff`, whose parsers would still need wrapping for the 7-digit and range rules above.

use crate::error::ProblemCode;

/// Ticks per second (100 ns each).
const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;
/// `DateTime.MaxValue.Ticks`: 9999-12-31T23:59:59.9999999.
pub(crate) const MAX_TICKS: i64 = 3_155_378_975_999_999_999;
/// Days from 0001-01-01 to 1970-01-01, the epoch of the civil-date algorithms below.
const DAYS_0001_TO_1970: i64 = 719_162;

/// Whether `ticks` is a `DateTime` .NET can hold (years 0001–9999), i.e. renders as a string.
pub(crate) fn is_representable(ticks: i64) -> bool {
    (0..=MAX_TICKS).contains(&ticks)
}

/// Appends `"YYYY-MM-DDTHH:MM:SS[.fffffff]Z"` (quotes included). `ticks` must be representable.
pub(crate) fn write_json(out: &mut Vec<u8>, ticks: i64) {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let in_day = ticks.rem_euclid(TICKS_PER_DAY);
    let (year, month, day) = civil_from_days(days - DAYS_0001_TO_1970);
    let secs = in_day / TICKS_PER_SECOND;
    let frac = in_day % TICKS_PER_SECOND;

    out.push(b'"');
    push_digits(out, year, 4);
    out.push(b'-');
    push_digits(out, month, 2);
    out.push(b'-');
    push_digits(out, day, 2);
    out.push(b'T');
    push_digits(out, secs / 3600, 2);
    out.push(b':');
    push_digits(out, secs / 60 % 60, 2);
    out.push(b':');
    push_digits(out, secs % 60, 2);
    if frac != 0 {
        out.push(b'.');
        let mut digits = 7;
        let mut frac = frac;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        push_digits(out, frac, digits);
    }
    out.extend_from_slice(b"Z\"");
}

fn push_digits(out: &mut Vec<u8>, value: i64, width: usize) {
    let mut buf = [b'0'; 8];
    let mut v = value;
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&buf[..width]);
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
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(bad("no such calendar date"));
    }
    if hour > 23 || minute > 59 {
        return Err(bad("no such time of day"));
    }
    if second > 59 {
        return Err(bad("seconds must be 00–59 (.NET time has no leap seconds)"));
    }

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

    let days = days_from_civil(year, month, day) + DAYS_0001_TO_1970;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    let ticks = seconds * TICKS_PER_SECOND + frac;
    if !is_representable(ticks) {
        return Err(BadTimestamp {
            code: ProblemCode::OutOfRange,
            detail: "the instant is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.9999999Z",
        });
    }
    Ok(ticks)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant, "chrono-Compatible Low-Level
/// Date Algorithms").
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(ticks: i64) -> String {
        let mut out = Vec::new();
        write_json(&mut out, ticks);
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
}
