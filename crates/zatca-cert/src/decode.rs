//! Input-form detection: PEM, DER, bare base64, binarySecurityToken, base64 of
//! PEM, or a whole CSID response JSON, all down to the certificate's DER.
//!
//! Forms and their sources:
//! - bare base64 of the DER, one line: SDK `Data/Certificates/cert.pem` ("without
//!   header, footer and without any new lines", SDK R3.3.3 readme), the same text
//!   as `ds:X509Certificate`;
//! - `binarySecurityToken` = base64 of that base64 text (Integration Sandbox
//!   Swagger examples); decoded leniently (whitespace stripped, missing `=`
//!   padding tolerated) because the Integration Sandbox PATCH example's inner
//!   layer ends in CRLF and lacks its padding;
//! - CSID responses, plain or in the renewal 428 `{"value":{…}}` wrapper
//!   (Integration Sandbox Swagger).

use base64::Engine as _;
use der::Decode as _;

use crate::CertError;

/// The largest input accepted (a certificate is about 1 KiB, a CSID response 3 KiB).
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// The form a certificate was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateForm {
    /// `-----BEGIN CERTIFICATE-----` PEM.
    Pem,
    /// Binary DER.
    Der,
    /// Bare base64 of the DER (the SDK's `cert.pem`, `ds:X509Certificate`).
    Base64,
    /// Base64 of PEM text.
    Base64Pem,
    /// The `binarySecurityToken`: base64 of the bare base64 text.
    BinarySecurityToken,
    /// A whole CSID response JSON (its `binarySecurityToken`).
    CsidResponse,
}

impl CertificateForm {
    /// A short human name for the form.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Pem => "PEM",
            Self::Der => "DER",
            Self::Base64 => "bare base64 of the DER (SDK cert.pem form)",
            Self::Base64Pem => "base64 of PEM text",
            Self::BinarySecurityToken => "binarySecurityToken (base64 of the base64 text)",
            Self::CsidResponse => "CSID response JSON",
        }
    }
}

impl std::fmt::Display for CertificateForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

/// Decodes any accepted form to DER, then checks that the DER is a certificate
/// (a v3 `TBSCertificate` inside a signed object) before the full parse.
pub(crate) fn to_der(input: &[u8]) -> Result<(Vec<u8>, CertificateForm), CertError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(CertError::TooLarge {
            len: input.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    // Binary DER first, untrimmed: its last byte may well be 0x0a or 0x20.
    if input.first() == Some(&0x30) {
        return Ok((input.to_vec(), CertificateForm::Der));
    }
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return Err(CertError::Empty);
    }
    if trimmed.starts_with(b"-----BEGIN ") {
        return Ok((pem_to_der(trimmed)?, CertificateForm::Pem));
    }
    if trimmed.starts_with(b"{") {
        return Ok((csid_answer_to_der(trimmed)?, CertificateForm::CsidResponse));
    }
    if !is_base64_text(trimmed) {
        return Err(CertError::Unrecognized);
    }
    let once = lenient_base64(trimmed, "bare base64")?;
    if once.first() == Some(&0x30) {
        return Ok((once, CertificateForm::Base64));
    }
    let inner = once.trim_ascii();
    if inner.starts_with(b"-----BEGIN ") {
        return Ok((pem_to_der(inner)?, CertificateForm::Base64Pem));
    }
    if is_base64_text(inner) {
        let twice = lenient_base64(inner, "binarySecurityToken")?;
        if twice.first() == Some(&0x30) {
            return Ok((twice, CertificateForm::BinarySecurityToken));
        }
    }
    Err(CertError::Malformed {
        form: "base64",
        reason: "decodes to neither DER, PEM nor the base64 text of a certificate".to_owned(),
    })
}

/// The certificate of a saved CSID answer: its `binarySecurityToken`, at the
/// top level or inside the renewal's HTTP 428 `{"value":{…}}` wrapper
/// (Integration Sandbox Swagger). Only the certificate is read here; the
/// answer as a whole (secret, request id, ZATCA's errors) is `zatca-fatoora`'s
/// `CsidResponse`.
fn csid_answer_to_der(json: &[u8]) -> Result<Vec<u8>, CertError> {
    use serde_json::Value;
    let value: Value = serde_json::from_slice(json).map_err(|e| CertError::Malformed {
        form: "JSON",
        reason: e.to_string(),
    })?;
    let body = match value.get("value") {
        Some(inner) if inner.is_object() && value.get("binarySecurityToken").is_none() => inner,
        _ => &value,
    };
    match body.get("binarySecurityToken") {
        Some(Value::String(token)) => token_to_der(token),
        Some(Value::Null) | None => Err(CertError::NotACertificate {
            found: "JSON without a binarySecurityToken (a refused CSID answer or an error body, which hold no certificate)".to_owned(),
        }),
        Some(_) => Err(CertError::Malformed {
            form: "CSID response JSON",
            reason: "its `binarySecurityToken` is not a string".to_owned(),
        }),
    }
}

/// Decodes a `binarySecurityToken` (two base64 layers, the inner one lenient).
pub(crate) fn token_to_der(token: &str) -> Result<Vec<u8>, CertError> {
    let once = lenient_base64(token.as_bytes(), "binarySecurityToken")?;
    let inner = once.trim_ascii();
    if !is_base64_text(inner) {
        return Err(CertError::Malformed {
            form: "binarySecurityToken",
            reason: "the first base64 layer does not decode to base64 text".to_owned(),
        });
    }
    lenient_base64(inner, "binarySecurityToken (inner layer)")
}

fn is_base64_text(text: &[u8]) -> bool {
    !text.is_empty()
        && text.iter().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') || b.is_ascii_whitespace()
        })
}

/// Base64 with whitespace anywhere and `=` padding optional.
pub(crate) fn lenient_base64(text: &[u8], form: &'static str) -> Result<Vec<u8>, CertError> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(&compact)
        .map_err(|e| CertError::Malformed {
            form,
            reason: e.to_string(),
        })
}

/// The DER of the first `CERTIFICATE` block in PEM text (lenient about line
/// lengths and line ends; a chain file gives its first certificate).
fn pem_to_der(text: &[u8]) -> Result<Vec<u8>, CertError> {
    let text = std::str::from_utf8(text).map_err(|_| CertError::Malformed {
        form: "PEM",
        reason: "not valid UTF-8 text".to_owned(),
    })?;
    let mut first_other: Option<String> = None;
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = rest.get(start + "-----BEGIN ".len()..).unwrap_or("");
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = after.get(..label_end).unwrap_or("");
        let body_start = after.get(label_end + 5..).unwrap_or("");
        let end_marker = format!("-----END {label}-----");
        let Some(body_end) = body_start.find(&end_marker) else {
            return Err(CertError::Malformed {
                form: "PEM",
                reason: format!("no `{end_marker}` line"),
            });
        };
        let body = body_start.get(..body_end).unwrap_or("");
        if label == "CERTIFICATE" {
            // Skip RFC 1421 header lines (`Name: value`), if any.
            let b64: String = body
                .lines()
                .filter(|l| !l.contains(':'))
                .flat_map(|l| l.chars())
                .collect();
            return lenient_base64(b64.as_bytes(), "certificate PEM");
        }
        first_other.get_or_insert_with(|| label.to_owned());
        rest = body_start.get(body_end + end_marker.len()..).unwrap_or("");
    }
    Err(match first_other {
        Some(label) => CertError::NotACertificate {
            found: format!("a PEM {label:?} block"),
        },
        None => CertError::Malformed {
            form: "PEM",
            reason: "no complete -----BEGIN …----- / -----END …----- block".to_owned(),
        },
    })
}

/// Says what DER that failed to parse as a certificate is, when it is
/// clearly something else (a CSR, a key); `None` when it looks like a
/// certificate (a signed object whose TBS starts with the `[0]` version).
pub(crate) fn classify_non_certificate(der: &[u8]) -> Option<String> {
    #[derive(der::Sequence)]
    struct Signed<'a> {
        tbs: der::asn1::AnyRef<'a>,
        algorithm: der::asn1::AnyRef<'a>,
        signature: der::asn1::BitStringRef<'a>,
    }
    match Signed::from_der(der) {
        Ok(signed) => {
            let first = signed.tbs.value().first().copied().unwrap_or_default();
            if first == 0xA0 {
                None
            } else if x509_cert::request::CertReq::from_der(der).is_ok() {
                Some("a certificate signing request (CSR)".to_owned())
            } else {
                // A v1 certificate starts with the serial: not what ZATCA issues,
                // but it is a certificate; let the full parse judge it.
                None
            }
        }
        Err(_) => {
            // SEC1 keys are SEQUENCE { INTEGER 1, OCTET STRING … }; PKCS#8 is
            // SEQUENCE { INTEGER 0, SEQUENCE alg, OCTET STRING … }; SPKI is
            // SEQUENCE { SEQUENCE alg, BIT STRING }.
            use der::{Reader as _, Tagged as _};
            let outer = der::asn1::AnyRef::from_der(der).ok()?;
            if outer.tag() != der::Tag::Sequence {
                return None;
            }
            let mut reader = der::SliceReader::new(outer.value()).ok()?;
            let first: der::asn1::AnyRef<'_> = reader.decode().ok()?;
            let second: der::asn1::AnyRef<'_> = reader.decode().ok()?;
            match (first.tag(), second.tag()) {
                (der::Tag::Integer, der::Tag::OctetString | der::Tag::Sequence) => {
                    Some("a private key".to_owned())
                }
                (der::Tag::Sequence, der::Tag::BitString) => {
                    Some("a public key (SubjectPublicKeyInfo)".to_owned())
                }
                _ => None,
            }
        }
    }
}
