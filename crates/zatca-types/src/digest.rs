//! ZATCA's digest forms and seed-derived UUIDs.

use base64::Engine as _;
use sha2::Digest as _;

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// ZATCA's hex-digest form: base64 of the **lower-case hex text** of
/// SHA-256(`data`) (88 characters). The certificate hash, the
/// SignedProperties digest and the first PIH use it.
///
/// ```
/// // The PIH of a device's first invoice: the hex-digest form of "0".
/// assert_eq!(
///     zatca_types::digest::hex_digest_base64(b"0"),
///     "NWZlY2ViNjZmZmM4NmYzOGQ5NTI3ODZjNmQ2OTZjNzljMmRiYzIzOWRkNGU5MWI0NjcyOWQ3M2EyN2ZiNTdlOQ=="
/// );
/// ```
pub fn hex_digest_base64(data: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = [0u8; 64];
    for (pair, b) in hex.chunks_exact_mut(2).zip(sha256(data)) {
        let digit = |nibble: u8| DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0');
        pair.copy_from_slice(&[digit(b >> 4), digit(b & 0x0f)]);
    }
    base64::engine::general_purpose::STANDARD.encode(hex)
}

/// A UUID (lower-case, hyphenated) derived from SHA-256 of `seed`: the same
/// seed always gives the same id. RFC 9562 version 8 ("custom") with the RFC
/// variant bits, over the first 16 bytes of the digest.
///
/// ```
/// let id = zatca_types::digest::uuid_from_seed(b"device");
/// assert_eq!(id, zatca_types::digest::uuid_from_seed(b"device"));
/// assert_eq!((id.len(), &id[14..15]), (36, "8"));
/// ```
pub fn uuid_from_seed(seed: &[u8]) -> String {
    let digest = sha256(seed);
    let mut bytes = [0u8; 16];
    for (b, d) in bytes.iter_mut().zip(digest) {
        *b = d;
    }
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_uuid_is_the_digest_with_version_8_and_rfc_variant() {
        // The layout earlier releases wrote by hand: device ids in existing stores depend on it.
        let d = sha256(b"zatca-device\x00simulation\x00399999999900003\x001-TST|2-TST|3-1");
        let mut b = [0u8; 16];
        b.copy_from_slice(&d[..16]);
        b[6] = (b[6] & 0x0f) | 0x80;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let expected = format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        );
        assert_eq!(
            uuid_from_seed(b"zatca-device\x00simulation\x00399999999900003\x001-TST|2-TST|3-1"),
            expected
        );
    }
}
