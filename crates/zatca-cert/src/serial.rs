//! The serial number as ZATCA writes it: a decimal integer.
//!
//! `ds:X509SerialNumber` is Java's `getSerialNumber()` (a `BigInteger`) in
//! decimal, as every SDK sample's `ds:X509SerialNumber` shows: SDK R3.3.3's
//! `1100003803C5F74023B3FC5C5F000100003803` is
//! `379112742831380471835263969587287663520528387`. No bigint crate is needed:
//! the DER content bytes are converted base-256 → base-10 here. DER integers
//! are two's complement, so a leading `00` is only a sign byte, and a first
//! byte ≥ 0x80 means a negative serial (non-conforming, but Java prints it
//! with a minus sign, and so do we).

/// The decimal form of a DER INTEGER's content bytes (two's complement, big-endian).
pub(crate) fn decimal(content: &[u8]) -> String {
    let negative = content.first().is_some_and(|b| b & 0x80 != 0);
    let magnitude: Vec<u8> = if negative {
        twos_complement_negate(content)
    } else {
        content.to_vec()
    };
    let digits = unsigned_decimal(&magnitude);
    if negative {
        format!("-{digits}")
    } else {
        digits
    }
}

/// `-x` for a negative two's-complement number: invert and add one.
fn twos_complement_negate(bytes: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = bytes.iter().map(|b| !b).collect();
    for b in out.iter_mut().rev() {
        let (sum, carry) = b.overflowing_add(1);
        *b = sum;
        if !carry {
            break;
        }
    }
    out
}

/// Decimal digits of an unsigned big-endian integer (repeated division by 10^9).
fn unsigned_decimal(bytes: &[u8]) -> String {
    let mut number: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    if number.is_empty() {
        return "0".to_owned();
    }
    let mut chunks: Vec<u32> = Vec::new();
    while !number.is_empty() {
        let mut remainder: u64 = 0;
        let mut quotient = Vec::with_capacity(number.len());
        for &b in &number {
            let acc = (remainder << 8) | u64::from(b);
            let q = acc / 1_000_000_000;
            remainder = acc % 1_000_000_000;
            if !(quotient.is_empty() && q == 0) {
                // q < 256 because remainder < 10^9 before the shift.
                quotient.push(u8::try_from(q).unwrap_or(u8::MAX));
            }
        }
        chunks.push(u32::try_from(remainder).unwrap_or(0));
        number = quotient;
    }
    let mut s = String::new();
    for (i, chunk) in chunks.iter().rev().enumerate() {
        if i == 0 {
            s.push_str(&chunk.to_string());
        } else {
            s.push_str(&format!("{chunk:09}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn small_values_and_sign_byte() {
        assert_eq!(decimal(&[0x00]), "0");
        assert_eq!(decimal(&[0x01]), "1");
        assert_eq!(decimal(&[0x7f]), "127");
        assert_eq!(decimal(&[0x00, 0x80]), "128");
        assert_eq!(decimal(&[0x00, 0xff]), "255");
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(decimal(&[0x3b, 0x9a, 0xca, 0x00]), "1000000000");
        assert_eq!(decimal(&[0x3b, 0x9a, 0xc9, 0xff]), "999999999");
    }

    #[test]
    fn negative_values() {
        assert_eq!(decimal(&[0xff]), "-1");
        assert_eq!(decimal(&[0x80]), "-128");
        assert_eq!(decimal(&[0xff, 0x7f]), "-129");
        assert_eq!(decimal(&[0x80, 0x00]), "-32768");
    }

    #[test]
    fn matches_u128_for_many_values() {
        let mut x: u128 = 1;
        for _ in 0..120 {
            let mut bytes = x.to_be_bytes().to_vec();
            while bytes.len() > 1 && bytes[0] == 0 && bytes[1] & 0x80 == 0 {
                bytes.remove(0);
            }
            assert_eq!(decimal(&bytes), x.to_string(), "{x}");
            x = x.wrapping_mul(3).wrapping_add(7) % (u128::MAX / 4);
        }
    }

    #[test]
    fn sdk_r3_3_3_serial() {
        // The SDK R3.3.3 sample certificate (the sandbox's fixed production
        // CSID); value from testdata/certs/expected-cert-values.json.
        let hex = "1100003803C5F74023B3FC5C5F000100003803";
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(
            decimal(&bytes),
            "379112742831380471835263969587287663520528387"
        );
    }
}
