//! Deterministic identifiers and time values for the seed, in the shapes
//! reference/diadoc/api.md ("Identifiers", "Time values") gives them: lower-case 8-4-4-4-12 GUIDs,
//! box ids in two forms over the same 128 bits, 48-character upper-case hex `IndexKey`s, .NET ticks,
//! and Russian tax numbers with valid check digits. Calendar work (dates of instants, `DD.MM.YYYY`)
//! is jiff's.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::Offset;

/// .NET ticks at the Unix epoch: `ticks = unix_nanos / 100 + 621355968000000000`
/// (api.md, "Time values").
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// Ticks per second (one tick is 100 ns).
pub const TICKS_PER_SECOND: i64 = 10_000_000;

/// The head department's id (api.md, "Identifiers").
pub const HEAD_DEPARTMENT_ID: &str = "00000000-0000-0000-0000-000000000000";

/// .NET ticks of a Unix time in seconds.
pub fn ticks_from_unix(secs: i64) -> i64 {
    UNIX_EPOCH_TICKS + secs * TICKS_PER_SECOND
}

/// .NET ticks of an instant (sub-tick nanoseconds dropped).
pub fn ticks_from_timestamp(at: Timestamp) -> i64 {
    let ticks = at.as_nanosecond().div_euclid(100);
    UNIX_EPOCH_TICKS + i64::try_from(ticks).unwrap_or(i64::MAX - UNIX_EPOCH_TICKS)
}

/// The instant of .NET ticks; `None` outside the range jiff represents (years -9999..=9999).
pub fn timestamp_from_ticks(ticks: i64) -> Option<Timestamp> {
    Timestamp::from_nanosecond(i128::from(ticks - UNIX_EPOCH_TICKS) * 100).ok()
}

/// .NET ticks of the current time.
pub fn now_ticks() -> i64 {
    ticks_from_timestamp(Timestamp::now())
}

/// The document-date format of GetDocuments: `DD.MM.YYYY` (api.md, `fromDocumentDate`).
const DOCUMENT_DATE: &str = "%d.%m.%Y";

/// The UTC date of a Unix time in seconds as `DD.MM.YYYY`; empty outside jiff's range.
pub fn document_date(unix_secs: i64) -> String {
    Timestamp::from_second(unix_secs)
        .map(|at| {
            Offset::UTC
                .to_datetime(at)
                .date()
                .strftime(DOCUMENT_DATE)
                .to_string()
        })
        .unwrap_or_default()
}

/// A `DD.MM.YYYY` date (two, two and four digits), if it is one and exists in the calendar:
/// `31.02.2024` is `None`.
pub fn parse_document_date(s: &str) -> Option<Date> {
    // jiff's `%d` and `%m` also take one digit and `%Y` a sign; the docs' shape is fixed.
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 2 || i == 5 {
                b == b'.'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    Date::strptime(DOCUMENT_DATE, s).ok()
}

/// `YYYY-MM-DD hh:mm:ss` (UTC) of .NET ticks; `-` outside jiff's range.
pub fn format_utc(ticks: i64) -> String {
    timestamp_from_ticks(ticks).map_or_else(
        || "-".to_owned(),
        |at| at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// A stable 128-bit value from a name: FNV-1a run twice with different offsets. Not a
/// cryptographic hash; it only has to be the same on every run and spread names apart.
pub fn hash128(name: &str) -> u128 {
    hash_bytes(name.as_bytes())
}

/// [`hash128`] over raw bytes.
pub fn hash_bytes(bytes: &[u8]) -> u128 {
    let (mut a, mut b) = (0xcbf2_9ce4_8422_2325_u64, 0x8422_2325_cbf2_9ce4_u64);
    for &byte in bytes {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (u128::from(a) << 64) | u128::from(b)
}

/// 32 lower-case hex digits derived from `name`, shaped as a version-4 GUID
/// (version nibble 4, variant bits 10) so the ids look like the docs' examples.
fn guid_hex(name: &str) -> String {
    let mut h = hash128(name);
    h = (h & !(0xf << 76)) | (0x4 << 76);
    h = (h & !(0x3 << 62)) | (0x2 << 62);
    format!("{h:032x}")
}

/// Dashes 32 hex digits into the 8-4-4-4-12 form.
pub fn dashed(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A GUID in the 8-4-4-4-12 lower-case form, derived from `name`.
pub fn guid(name: &str) -> String {
    dashed(&guid_hex(name))
}

/// The two forms of one box id (api.md, "Identifiers"): `Box.BoxId` is 32 hex digits +
/// `@diadoc.ru`, `Box.BoxIdGuid` the same 128 bits dashed.
pub fn box_ids(name: &str) -> (String, String) {
    let hex = guid_hex(name);
    (format!("{hex}@diadoc.ru"), dashed(&hex))
}

/// An opaque `IndexKey` of 48 upper-case hex characters (api.md, "Identifiers"). The first 8
/// characters are the position, so keys sort in list order; the rest is a hash of `salt`.
pub fn index_key(position: usize, salt: &str) -> String {
    let tail = hash128(salt);
    format!("{position:08X}{:032X}{:08X}", tail, (tail >> 96) as u32)
}

/// A 10-digit INN of a legal entity with its check digit (weights 2,4,10,3,5,9,4,6,8; sum mod 11
/// mod 10). `region` is the two-digit region code, `n` makes it unique.
pub fn legal_inn(region: u32, n: u64) -> String {
    let body = format!("{region:02}{:07}", n % 10_000_000);
    let weights = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    format!("{body}{}", check_digit(&body, &weights))
}

/// A 12-digit INN of an individual entrepreneur with its two check digits.
pub fn individual_inn(region: u32, n: u64) -> String {
    let body = format!("{region:02}{:08}", n % 100_000_000);
    let first = check_digit(&body, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
    let with_first = format!("{body}{first}");
    let second = check_digit(&with_first, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
    format!("{with_first}{second}")
}

fn check_digit(digits: &str, weights: &[u32]) -> u32 {
    let sum: u32 = digits
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    sum % 11 % 10
}

/// A 13-digit OGRN with its check digit (first 12 digits mod 11, mod 10).
pub fn ogrn(region: u32, n: u64) -> String {
    let body = format!("10{:02}{region:02}{:06}", 20 + n % 5, n % 1_000_000);
    let body = &body[..12];
    let value: u64 = body.parse().unwrap_or_default();
    format!("{body}{}", value % 11 % 10)
}

/// A 15-digit OGRNIP of an individual entrepreneur with its check digit (first 14 digits mod 13,
/// mod 10).
pub fn ogrnip(region: u32, n: u64) -> String {
    let body = format!("3{:02}{region:02}{:09}", 18 + n % 6, n % 1_000_000_000);
    let value: u64 = body.parse().unwrap_or_default();
    format!("{body}{}", value % 13 % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_lower_case_dashed_and_stable() {
        let g = guid("org-0");
        assert_eq!(g, guid("org-0"));
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        assert!(
            g.bytes()
                .all(|b| b == b'-' || b.is_ascii_digit() || b.is_ascii_lowercase())
        );
        assert_ne!(g, guid("org-1"));
    }

    #[test]
    fn box_id_forms_carry_the_same_bits() {
        let (box_id, guid) = box_ids("box-0");
        assert_eq!(box_id.strip_suffix("@diadoc.ru").map(str::len), Some(32));
        assert_eq!(guid.replace('-', ""), box_id.replace("@diadoc.ru", ""));
    }

    #[test]
    fn index_keys_are_48_upper_hex_and_sort_by_position() {
        let a = index_key(1, "x");
        let b = index_key(2, "a");
        assert_eq!(a.len(), 48);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert!(a < b);
    }

    #[test]
    fn tax_numbers_have_valid_check_digits() {
        // A published valid INN of a legal entity: 7707083893 (Sberbank).
        assert_eq!(legal_inn(77, 708_389), "7707083893");
        assert_eq!(individual_inn(50, 1).len(), 12);
        assert_eq!(ogrn(77, 1).len(), 13);
        assert_eq!(ogrnip(50, 1).len(), 15);
    }

    #[test]
    fn document_dates_are_utc_dates() {
        assert_eq!(document_date(0), "01.01.1970");
        assert_eq!(document_date(1_722_947_798), "06.08.2024");
        assert_eq!(document_date(951_782_400), "29.02.2000");
        assert_eq!(document_date(951_782_400 - 1), "28.02.2000");
        assert_eq!(format_utc(638_585_445_988_979_088), "2024-08-06 12:36:38");
    }

    #[test]
    fn document_dates_parse_only_in_the_docs_shape_and_only_if_they_exist() {
        assert_eq!(
            parse_document_date("29.02.2024"),
            Some(jiff::civil::date(2024, 2, 29))
        );
        assert_eq!(
            parse_document_date(&document_date(1_722_947_798)),
            Some(jiff::civil::date(2024, 8, 6))
        );
        for bad in [
            "31.02.2024",
            "29.02.2023",
            "00.01.2024",
            "01.13.2024",
            "1.2.2024",
            "2024-01-01",
            "01.01.+024",
            "01.01.20245",
            "",
        ] {
            assert_eq!(parse_document_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn ticks_match_the_docs_pair() {
        // api.md: 638585445988979088 <-> 2024-08-06T12:36:38.8979088Z (Unix 1722947798.8979088).
        const TICKS: i64 = 638_585_445_988_979_088;
        assert_eq!(ticks_from_unix(1_722_947_798) + 8_979_088, TICKS);
        let at: Timestamp = "2024-08-06T12:36:38.8979088Z".parse().expect("instant");
        assert_eq!(ticks_from_timestamp(at), TICKS);
        assert_eq!(timestamp_from_ticks(TICKS), Some(at));
        assert_eq!(
            timestamp_from_ticks(UNIX_EPOCH_TICKS),
            Some(Timestamp::UNIX_EPOCH)
        );
    }
}
