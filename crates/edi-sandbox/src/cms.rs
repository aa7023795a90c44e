//! Detached CMS `SignedData` structures in DER, shaped like the GOST signatures Diadoc carries
//! (api.md, GenerateDocumentProtocol: `Signature` is "CMS SignedData, DER-encoded"). They parse as
//! ASN.1 but are not cryptographically valid: the sandbox has no keys. The signature value is a
//! hash of the signed bytes, so the same content always gets the same signature.

use crate::seed::ids::{hash_bytes, hash128};

/// OID 1.2.840.113549.1.7.2 (id-signedData).
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// OID 1.2.840.113549.1.7.1 (id-data).
const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
/// OID 1.2.643.7.1.1.2.2 (GOST R 34.11-2012, 256 bit).
const GOST_DIGEST: &[u8] = &[0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x02];
/// OID 1.2.643.7.1.1.1.1 (GOST R 34.10-2012, 256 bit).
const GOST_SIGNATURE: &[u8] = &[0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01];
/// OID 2.5.4.3 (commonName).
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// A detached CMS signature over `content`, "signed" by `signer`.
pub fn detached_signature(signer: &str, content: &[u8]) -> Vec<u8> {
    let digest = expand(&format!("{:032x}", hash_bytes(content)), 32);
    let value = expand(&format!("{signer}:{}", hex(&digest)), 64);
    let algorithm = |oid: &[u8]| tlv(0x30, &[tlv(0x06, oid), vec![0x05, 0x00]].concat());
    let issuer = tlv(
        0x30,
        &tlv(
            0x31,
            &tlv(
                0x30,
                &[
                    tlv(0x06, COMMON_NAME),
                    tlv(0x0c, "Тестовый УЦ edi-sandbox".as_bytes()),
                ]
                .concat(),
            ),
        ),
    );
    let serial = expand(signer, 16);
    let signer_info = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            tlv(0x30, &[issuer, tlv(0x02, &positive(&serial))].concat()),
            algorithm(GOST_DIGEST),
            algorithm(GOST_SIGNATURE),
            tlv(0x04, &value),
        ]
        .concat(),
    );
    let signed_data = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            tlv(0x31, &algorithm(GOST_DIGEST)),
            tlv(0x30, &tlv(0x06, DATA)),
            tlv(0x31, &signer_info),
        ]
        .concat(),
    );
    tlv(
        0x30,
        &[tlv(0x06, SIGNED_DATA), tlv(0xa0, &signed_data)].concat(),
    )
}

/// One DER tag-length-value.
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(value);
    out
}

/// A DER INTEGER's content must not look negative: prefix a zero when the top bit is set.
fn positive(bytes: &[u8]) -> Vec<u8> {
    match bytes.first() {
        Some(b) if b & 0x80 != 0 => [&[0][..], bytes].concat(),
        _ => bytes.to_vec(),
    }
}

/// `n` stable pseudo-random bytes from `seed`.
fn expand(seed: &str, n: usize) -> Vec<u8> {
    (0..n.div_ceil(16))
        .flat_map(|i| hash128(&format!("{i}:{seed}")).to_be_bytes())
        .take(n)
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks one TLV and returns (tag, content, rest).
    fn read(der: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = der[0];
        let (len, head) = if der[1] < 0x80 {
            (usize::from(der[1]), 2)
        } else {
            let n = usize::from(der[1] & 0x7f);
            let len = der[2..2 + n]
                .iter()
                .fold(0usize, |a, b| a << 8 | usize::from(*b));
            (len, 2 + n)
        };
        (tag, &der[head..head + len], &der[head + len..])
    }

    #[test]
    fn signature_is_a_well_formed_content_info() {
        let der = detached_signature("box", &vec![7u8; 5000]);
        let (tag, body, rest) = read(&der);
        assert_eq!(tag, 0x30);
        assert!(rest.is_empty());
        let (tag, oid, rest) = read(body);
        assert_eq!((tag, oid), (0x06, SIGNED_DATA));
        let (tag, signed, rest) = read(rest);
        assert_eq!(tag, 0xa0);
        assert!(rest.is_empty());
        let (tag, _, rest) = read(signed);
        assert_eq!(tag, 0x30);
        assert!(rest.is_empty());
        assert_eq!(der, detached_signature("box", &vec![7u8; 5000]));
    }
}
