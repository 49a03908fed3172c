//! The XAdES `xades:SignedProperties` block and its digest
//! (reproduced on all 37 consistent SDK R3.3.3 and R3.2.7 samples).
//!
//! ZATCA does not canonicalise this block. Its digest is
//! `base64(lowercase-hex(SHA-256(S)))`, where `S` is the element's text as the SDK's
//! dom4j `asXML()` writes it: the block exactly as laid out in the document (LF line
//! ends, the SDK's space indentation), plus `xmlns:xades` right after the element
//! name and `xmlns:ds` as the first attribute of each of the four `ds:` elements.
//! The layout is therefore fixed here byte for byte, and the same text goes into
//! the document and into the digest.

use std::fmt;

use base64::Engine as _;

use zatca_types::UnixTime;

use crate::UblError;

const NS_XADES_DECL: &str = " xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\"";
const NS_DS_DECL: &str = " xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"";

/// The `xades:SigningTime` value: `YYYY-MM-DDTHH:MM:SS`, optionally followed by `Z`.
///
/// SDK R3.3.3 writes it without `Z` (`2024-01-14T10:26:49`), SDK R3.2.7 with it
/// (`2023-01-24T11:16:44Z`); both verify, since the digest covers what is written.
/// The time is an input: nothing here reads the clock.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SigningTime(String);

impl SigningTime {
    /// Parses `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DDTHH:MM:SSZ` (a valid UTC date and time).
    ///
    /// ```
    /// use zatca_ubl::SigningTime;
    /// assert!(SigningTime::parse("2024-01-14T10:26:49").is_ok());
    /// assert!(SigningTime::parse("2023-01-24T11:16:44Z").is_ok());
    /// assert!(SigningTime::parse("2023-02-29T11:16:44").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, UblError> {
        const FIELD: &str = "signing time";
        const EXPECTED: &str = "a UTC time YYYY-MM-DDTHH:MM:SS, optionally followed by Z";
        let bad = || UblError::invalid(FIELD, EXPECTED, s);
        let body = s.strip_suffix('Z').unwrap_or(s);
        let b = body.as_bytes();
        let shape_ok = b.len() == 19
            && b.iter().enumerate().all(|(i, &c)| match i {
                4 | 7 => c == b'-',
                10 => c == b'T',
                13 | 16 => c == b':',
                _ => c.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Option<u16> { body.get(r)?.parse().ok() };
        let field = |r: std::ops::Range<usize>| num(r).and_then(|n| u8::try_from(n).ok());
        // The shared calendar refuses a day the month does not have.
        let valid = match (
            num(0..4),
            field(5..7),
            field(8..10),
            field(11..13),
            field(14..16),
            field(17..19),
        ) {
            (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) => {
                UnixTime::from_calendar(y, mo, d, h, mi, se).is_some()
            }
            _ => false,
        };
        if !valid {
            return Err(bad());
        }
        Ok(Self(s.to_owned()))
    }

    /// The time `secs` seconds after 1970-01-01T00:00:00 UTC, in the SDK R3.3.3
    /// form (no `Z`).
    ///
    /// ```
    /// let t = zatca_ubl::SigningTime::from_unix_seconds(1_705_227_009);
    /// assert_eq!(t.as_str(), "2024-01-14T10:10:09");
    /// ```
    pub fn from_unix_seconds(secs: u64) -> Self {
        Self::at(UnixTime::from_secs(secs))
    }

    /// The signing time `at`, in the SDK R3.3.3 form (no `Z`); the calendar
    /// is `der::DateTime`'s (years 1970 to 9999; a later time is written as
    /// 9999-12-31T23:59:59).
    ///
    /// ```
    /// use zatca_types::UnixTime;
    /// let t = zatca_ubl::SigningTime::at(UnixTime::from_secs(1_705_227_009));
    /// assert_eq!(t.as_str(), "2024-01-14T10:10:09");
    /// ```
    pub fn at(time: UnixTime) -> Self {
        let (year, month, day, hour, minute, second) = match time.to_date_time() {
            Some(dt) => (
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minutes(),
                dt.seconds(),
            ),
            None => (9999, 12, 31, 23, 59, 59),
        };
        Self(format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
        ))
    }

    /// The text as written into `xades:SigningTime`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date part, `YYYY-MM-DD` (what a document issued at this time puts
    /// in `cbc:IssueDate`).
    ///
    /// ```
    /// let t = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49Z")?;
    /// assert_eq!((t.date(), t.time()), ("2024-01-14", "10:26:49"));
    /// # Ok::<(), zatca_ubl::UblError>(())
    /// ```
    pub fn date(&self) -> &str {
        self.0.get(..10).unwrap_or_default()
    }

    /// The time part, `HH:MM:SS` (for `cbc:IssueTime`).
    pub fn time(&self) -> &str {
        self.0.get(11..19).unwrap_or_default()
    }
}

impl fmt::Display for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `xades:SignedProperties` block of a ZATCA invoice signature, and its digest.
///
/// Built from the signing time and the signing certificate's ZATCA-form values (the
/// certificate hash, issuer string and decimal serial of
/// [`zatca_cert::Certificate`]). The values are checked for form, not against
/// any certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedProperties {
    xml: String,
    hashed: String,
}

impl SignedProperties {
    /// Builds the block.
    ///
    /// - `cert_hash`: the `xades:CertDigest/ds:DigestValue`, base64 of the lowercase
    ///   hex SHA-256 of the certificate's base64 text (88 characters);
    /// - `issuer`: the `ds:X509IssuerName`, e.g. `CN=PRZEINVOICESCA4-CA, DC=extgazt, DC=gov, DC=local`;
    /// - `serial`: the `ds:X509SerialNumber`, the certificate serial as a decimal integer.
    ///
    /// ```
    /// use zatca_ubl::{SignedProperties, SigningTime};
    /// let props = SignedProperties::new(
    ///     &SigningTime::parse("2024-01-14T10:26:49")?,
    ///     "ZDMwMmI0MTE1NzVjOTU2NTk4YzVlODhhYmI0ODU2NDUyNTU2YTVhYjhhMDFmN2FjYjk1YTA2OWQ0NjY2MjQ4NQ==",
    ///     "CN=PRZEINVOICESCA4-CA, DC=extgazt, DC=gov, DC=local",
    ///     "379112742831380471835263969587287663520528387",
    /// )?;
    /// assert!(props.xml().starts_with("<xades:SignedProperties Id=\"xadesSignedProperties\">\n"));
    /// assert_eq!(props.digest().len(), 88);
    /// # Ok::<(), zatca_ubl::UblError>(())
    /// ```
    pub fn new(
        signing_time: &SigningTime,
        cert_hash: &str,
        issuer: &str,
        serial: &str,
    ) -> Result<Self, UblError> {
        check_cert_hash(cert_hash)?;
        check_issuer(issuer)?;
        check_serial(serial)?;
        let issuer = escape_text(issuer);
        let values = Values {
            time: signing_time.as_str(),
            cert_hash,
            issuer: &issuer,
            serial,
        };
        Ok(Self {
            xml: layout(&values, false),
            hashed: layout(&values, true),
        })
    }

    /// The block as it goes into the document, from `<xades:SignedProperties` to
    /// `</xades:SignedProperties>`, for a start tag indented by 32 spaces (inside
    /// `xades:QualifyingProperties` in the SDK layout).
    pub fn xml(&self) -> &str {
        &self.xml
    }

    /// The exact bytes whose SHA-256 is the digest (the block with the namespace
    /// declarations dom4j adds).
    pub fn digest_input(&self) -> &str {
        &self.hashed
    }

    /// The `ds:Reference URI="#xadesSignedProperties"` digest value:
    /// base64 of the lowercase hex SHA-256 of [`SignedProperties::digest_input`].
    pub fn digest(&self) -> String {
        zatca_types::digest::hex_digest_base64(self.hashed.as_bytes())
    }
}

struct Values<'a> {
    time: &'a str,
    cert_hash: &'a str,
    issuer: &'a str,
    serial: &'a str,
}

/// The SDK's layout: start tag at 32 spaces, each level 4 more, LF line ends.
/// Written straight into one buffer: it is built twice for every signature.
fn layout(v: &Values<'_>, hashed: bool) -> String {
    let (xades, ds) = if hashed {
        (NS_XADES_DECL, NS_DS_DECL)
    } else {
        ("", "")
    };
    // Each line: its indentation, then its parts (the first line's indentation
    // is the caller's).
    let lines: [(usize, &[&str]); 17] = [
        (
            0,
            &[
                "<xades:SignedProperties",
                xades,
                " Id=\"xadesSignedProperties\">",
            ],
        ),
        (36, &["<xades:SignedSignatureProperties>"]),
        (40, &["<xades:SigningTime>", v.time, "</xades:SigningTime>"]),
        (40, &["<xades:SigningCertificate>"]),
        (44, &["<xades:Cert>"]),
        (48, &["<xades:CertDigest>"]),
        (
            52,
            &[
                "<ds:DigestMethod",
                ds,
                " Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
            ],
        ),
        (
            52,
            &["<ds:DigestValue", ds, ">", v.cert_hash, "</ds:DigestValue>"],
        ),
        (48, &["</xades:CertDigest>"]),
        (48, &["<xades:IssuerSerial>"]),
        (
            52,
            &[
                "<ds:X509IssuerName",
                ds,
                ">",
                v.issuer,
                "</ds:X509IssuerName>",
            ],
        ),
        (
            52,
            &[
                "<ds:X509SerialNumber",
                ds,
                ">",
                v.serial,
                "</ds:X509SerialNumber>",
            ],
        ),
        (48, &["</xades:IssuerSerial>"]),
        (44, &["</xades:Cert>"]),
        (40, &["</xades:SigningCertificate>"]),
        (36, &["</xades:SignedSignatureProperties>"]),
        (32, &["</xades:SignedProperties>"]),
    ];
    const SPACES: &str = "                                                    "; // 52
    let mut out = String::with_capacity(1400);
    for (i, (indent, parts)) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(SPACES.get(..*indent).unwrap_or(SPACES));
        for part in *parts {
            out.push_str(part);
        }
    }
    out
}

fn check_cert_hash(s: &str) -> Result<(), UblError> {
    const EXPECTED: &str = "base64 of a 64-character lowercase hex SHA-256 (88 characters)";
    let bad = || UblError::invalid("certificate hash", EXPECTED, s);
    let hex = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| bad())?;
    if hex.len() == 64 && hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(bad())
    }
}

fn check_issuer(s: &str) -> Result<(), UblError> {
    if s.trim().is_empty() || s.chars().any(char::is_control) {
        return Err(UblError::invalid(
            "certificate issuer",
            "a non-empty issuer name without control characters, e.g. \"CN=…, DC=…\"",
            s,
        ));
    }
    Ok(())
}

fn check_serial(s: &str) -> Result<(), UblError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if ok {
        Ok(())
    } else {
        Err(UblError::invalid(
            "certificate serial",
            "a decimal integer without leading zeros",
            s,
        ))
    }
}

/// XML text escaping as dom4j writes element text (`&`, `<`, `>`).
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time() {
        assert_eq!(
            SigningTime::from_unix_seconds(0).as_str(),
            "1970-01-01T00:00:00"
        );
        assert_eq!(
            SigningTime::from_unix_seconds(951_782_400).as_str(),
            "2000-02-29T00:00:00"
        );
        for secs in [0, 951_782_400, 1_705_227_009, 4_102_444_799] {
            assert!(SigningTime::parse(SigningTime::from_unix_seconds(secs).as_str()).is_ok());
        }
    }

    #[test]
    fn bad_values_named() {
        let t = SigningTime::parse("2024-01-14T10:26:49").unwrap();
        let err = SignedProperties::new(&t, "abc", "CN=x", "1").unwrap_err();
        assert!(err.to_string().starts_with("certificate hash: expected"));
        let h = "ZDMwMmI0MTE1NzVjOTU2NTk4YzVlODhhYmI0ODU2NDUyNTU2YTVhYjhhMDFmN2FjYjk1YTA2OWQ0NjY2MjQ4NQ==";
        assert!(SignedProperties::new(&t, h, "", "1").is_err());
        assert!(SignedProperties::new(&t, h, "CN=x", "01").is_err());
        assert!(SignedProperties::new(&t, h, "CN=x", "1a").is_err());
        assert!(
            SignedProperties::new(&t, h, "CN=a&b", "1")
                .unwrap()
                .xml()
                .contains("CN=a&amp;b")
        );
    }
}
