//! Protobuf wire primitives: varints, fixed-width values, skipping unknown groups.
//!
//! Reading is for `to_json`, which walks upstream bytes without building a message; writing is
//! for `to_wire`. Both follow the encoding spec (protobuf.dev, "Encoding"); the Diadoc schema adds
//! nothing of its own at this level.

/// Nesting deeper than this is refused, as prost does by default, so that hostile input can't
/// exhaust the stack.
pub(crate) const MAX_DEPTH: u32 = 100;

/// A reason the bytes are not protobuf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) &'static str);

/// Reads a base-128 varint (at most 10 bytes).
#[inline]
pub(crate) fn read_varint(buf: &mut &[u8]) -> Result<u64, Malformed> {
    let bytes = *buf;
    // One-byte varints (tags, small lengths, enums) are the common case.
    if let Some((&b, rest)) = bytes.split_first() {
        if b < 0x80 {
            *buf = rest;
            return Ok(u64::from(b));
        }
    }
    let mut value = 0u64;
    for (i, &b) in bytes.iter().take(10).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            if i == 9 && b > 1 {
                break;
            }
            *buf = &bytes[i + 1..];
            return Ok(value);
        }
    }
    Err(if bytes.len() < 10 {
        Malformed("truncated varint")
    } else {
        Malformed("varint overflows 64 bits")
    })
}

/// Reads `N` little-endian bytes.
#[inline]
pub(crate) fn read_fixed<const N: usize>(buf: &mut &[u8]) -> Result<[u8; N], Malformed> {
    match buf.split_first_chunk::<N>() {
        Some((head, rest)) => {
            *buf = rest;
            Ok(*head)
        }
        None => Err(Malformed("truncated fixed-width value")),
    }
}

/// Reads a length-delimited payload.
#[inline]
pub(crate) fn read_delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], Malformed> {
    let len = read_varint(buf)?;
    let bytes = *buf;
    match usize::try_from(len) {
        Ok(len) if len <= bytes.len() => {
            *buf = &bytes[len..];
            Ok(&bytes[..len])
        }
        _ => Err(Malformed("length runs past the end of the message")),
    }
}

/// Splits a field key into (number, wire type), rejecting field number 0 and numbers above
/// 2^29 − 1.
#[inline]
pub(crate) fn split_key(key: u64) -> Result<(u32, u8), Malformed> {
    let number = key >> 3;
    if number == 0 || number > (1 << 29) - 1 {
        return Err(Malformed("invalid field number"));
    }
    Ok((number as u32, (key & 7) as u8))
}

/// Skips the rest of a group that started with field `number` (wire type 3), including nested
/// groups; the Diadoc schema declares none, but an unknown one must still be stepped over.
pub(crate) fn skip_group(number: u32, buf: &mut &[u8]) -> Result<(), Malformed> {
    let mut open = vec![number];
    while let Some(&innermost) = open.last() {
        let (n, wire_type) = split_key(read_varint(buf)?)?;
        match wire_type {
            0 => drop(read_varint(buf)?),
            1 => drop(read_fixed::<8>(buf)?),
            2 => drop(read_delimited(buf)?),
            5 => drop(read_fixed::<4>(buf)?),
            3 if open.len() < MAX_DEPTH as usize => open.push(n),
            3 => return Err(Malformed("groups nested too deeply")),
            4 if n == innermost => drop(open.pop()),
            4 => return Err(Malformed("mismatched end-group")),
            _ => return Err(Malformed("invalid wire type")),
        }
    }
    Ok(())
}

/// Appends a base-128 varint.
#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The encoded size of a varint.
#[inline]
pub(crate) fn varint_len(value: u64) -> usize {
    // 1 byte per 7 significant bits, at least one.
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

/// Appends the key of field `number` with `wire_type`.
#[inline]
pub(crate) fn put_key(out: &mut Vec<u8>, number: u32, wire_type: u8) {
    put_varint(out, (u64::from(number) << 3) | u64::from(wire_type));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_measure() {
        for v in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX >> 1,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_len(v), "{v}");
            let mut buf = &out[..];
            assert_eq!(read_varint(&mut buf), Ok(v));
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn rejects_bad_varints() {
        assert!(read_varint(&mut &[0x80u8][..]).is_err());
        assert!(read_varint(&mut &[0xffu8; 10][..]).is_err());
        assert!(
            read_varint(&mut &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02][..])
                .is_err()
        );
    }

    #[test]
    fn skips_nested_groups() {
        // 1:group { 2:varint 5, 3:group { } } then 4:varint 1 remains.
        let bytes = [0x10, 0x05, 0x1b, 0x1c, 0x0c, 0x20, 0x01];
        let mut buf = &bytes[..];
        skip_group(1, &mut buf).expect("well-formed");
        assert_eq!(buf, &[0x20, 0x01]);
        assert!(skip_group(1, &mut &[0x14][..]).is_err());
    }
}
