//! Deterministic identifiers and time values for the seed, in the shapes
//! reference/diadoc/api.md ("Identifiers", "Time values") gives them: lower-case 8-4-4-4-12 GUIDs,
//! box ids in two forms over the same 128 bits, 48-character upper-case hex `IndexKey`s, .NET ticks,
//! and Russian tax numbers with valid check digits.

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

/// .NET ticks of the current time.
pub fn now_ticks() -> i64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    UNIX_EPOCH_TICKS + i64::try_from(nanos / 100).unwrap_or(i64::MAX - UNIX_EPOCH_TICKS)
}

/// The UTC civil date (year, month, day) of a Unix time in seconds (proleptic Gregorian;
/// H. Hinnant's `civil_from_days`).
pub fn civil_date(unix_secs: i64) -> (i64, u32, u32) {
    let z = unix_secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `DD.MM.YYYY`, the document-date format of GetDocuments (api.md).
pub fn document_date(unix_secs: i64) -> String {
    let (y, m, d) = civil_date(unix_secs);
    format!("{d:02}.{m:02}.{y}")
}

/// `YYYY-MM-DD hh:mm:ss` (UTC) of .NET ticks.
pub fn format_utc(ticks: i64) -> String {
    let secs = (ticks - UNIX_EPOCH_TICKS).div_euclid(TICKS_PER_SECOND);
    let (y, m, d) = civil_date(secs);
    let s = secs.rem_euclid(86_400);
    format!(
        "{y}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
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
    fn civil_dates_are_right() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(document_date(1_722_947_798), "06.08.2024");
        assert_eq!(civil_date(951_782_400), (2000, 2, 29));
        assert_eq!(format_utc(638_585_445_988_979_088), "2024-08-06 12:36:38");
    }

    #[test]
    fn ticks_match_the_docs_pair() {
        // api.md: 638585445988979088 <-> 2024-08-06T12:36:38.8979088Z (Unix 1722947798.8979088).
        assert_eq!(
            ticks_from_unix(1_722_947_798) + 8_979_088,
            638_585_445_988_979_088
        );
    }
}
