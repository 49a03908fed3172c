//! Private-key import: detect the form, then decode it.
//!
//! Forms seen in the wild (the SDK's sample key files and readme): OpenSSL's SEC1
//! PEM (possibly preceded by an `EC PARAMETERS` block, as `openssl ecparam
//! -genkey` writes it), PKCS#8 PEM and DER, and the SDK's armourless base64 of
//! SEC1 (`Data/Certificates/ec-secp256k1-priv-key.pem`) or of PKCS#8 (what SDK
//! R3.4.8 `-csr` generates).

use base64::Engine as _;
use der::Decode as _;
use zeroize::Zeroizing;

use crate::{Curve, KeyError, MAX_KEY_FILE_BYTES, PrivateKey};

pub(crate) const EC_PUBLIC_KEY_OID: &str = "1.2.840.10045.2.1";

/// The form a private key was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputForm {
    /// `-----BEGIN EC PRIVATE KEY-----`.
    Sec1Pem,
    /// `-----BEGIN PRIVATE KEY-----`.
    Pkcs8Pem,
    /// Binary SEC1 `ECPrivateKey`.
    Sec1Der,
    /// Binary PKCS#8 `PrivateKeyInfo`.
    Pkcs8Der,
    /// Bare base64 of SEC1 DER (the SDK's sample key file).
    Sec1Base64,
    /// Bare base64 of PKCS#8 DER (what SDK R3.4.8 generates).
    Pkcs8Base64,
    /// `-----BEGIN ENCRYPTED PRIVATE KEY-----` (PKCS#8 with PBES2), read with a passphrase.
    EncryptedPkcs8Pem,
}

impl InputForm {
    /// A short human name for the form.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Sec1Pem => "SEC1 PEM",
            Self::Pkcs8Pem => "PKCS#8 PEM",
            Self::Sec1Der => "SEC1 DER",
            Self::Pkcs8Der => "PKCS#8 DER",
            Self::Sec1Base64 => "SEC1 DER in bare base64 (SDK form)",
            Self::Pkcs8Base64 => "PKCS#8 DER in bare base64 (SDK R3.4.8 form)",
            Self::EncryptedPkcs8Pem => "encrypted PKCS#8 PEM",
        }
    }
}

impl std::fmt::Display for InputForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

#[derive(Clone, Copy)]
enum Container {
    Pem,
    Der,
    Base64,
}

pub(crate) fn decode(
    input: &[u8],
    passphrase: Option<&[u8]>,
) -> Result<(PrivateKey, InputForm), KeyError> {
    if input.len() > MAX_KEY_FILE_BYTES {
        return Err(KeyError::TooLarge {
            len: input.len(),
            max: MAX_KEY_FILE_BYTES,
        });
    }
    // Binary DER first, untrimmed: its last byte may well be 0x0a or 0x20.
    if input.first() == Some(&0x30) {
        return decode_der(input, Container::Der);
    }
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return Err(KeyError::Empty);
    }
    if trimmed.starts_with(b"-----BEGIN ") {
        return decode_pem(trimmed, passphrase);
    }
    if trimmed.iter().all(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') || b.is_ascii_whitespace()
    }) {
        let compact: Zeroizing<Vec<u8>> = Zeroizing::new(
            trimmed
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect(),
        );
        let der = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(compact.as_slice())
                .map_err(|e| KeyError::Malformed {
                    form: "bare base64",
                    reason: e.to_string(),
                })?,
        );
        let inner = der.trim_ascii();
        if inner.starts_with(b"-----BEGIN ") {
            // The SDK writes its CSR as base64 of PEM text; a key in that shape is read too.
            return decode_pem(inner, passphrase);
        }
        return decode_der(&der, Container::Base64);
    }
    Err(KeyError::Unrecognized)
}

fn decode_pem(text: &[u8], passphrase: Option<&[u8]>) -> Result<(PrivateKey, InputForm), KeyError> {
    let text = std::str::from_utf8(text).map_err(|_| KeyError::Malformed {
        form: "PEM",
        reason: "not valid UTF-8 text".to_owned(),
    })?;
    let mut labels_seen = Vec::new();
    for block in pem_blocks(text) {
        let label = block_label(block);
        match label {
            "EC PRIVATE KEY" | "PRIVATE KEY" => {
                if block.contains("Proc-Type:") {
                    return Err(KeyError::Encrypted);
                }
                let (_, der) =
                    der::pem::decode_vec(block.as_bytes()).map_err(|e| KeyError::Malformed {
                        form: if label == "PRIVATE KEY" {
                            "PKCS#8 PEM"
                        } else {
                            "SEC1 PEM"
                        },
                        reason: e.to_string(),
                    })?;
                let der = Zeroizing::new(der);
                return decode_der(&der, Container::Pem);
            }
            "ENCRYPTED PRIVATE KEY" => {
                let Some(passphrase) = passphrase else {
                    return Err(KeyError::Encrypted);
                };
                return decrypt_pkcs8(block, passphrase);
            }
            // OpenSSL's `ecparam -genkey` puts the curve first; the key follows.
            "EC PARAMETERS" => {}
            other => labels_seen.push(other.to_owned()),
        }
    }
    Err(match labels_seen.first() {
        Some(label) => KeyError::NotAPrivateKey {
            found: format!("a PEM {label:?} block"),
        },
        None => KeyError::Malformed {
            form: "PEM",
            reason: "no complete -----BEGIN …----- / -----END …----- block".to_owned(),
        },
    })
}

fn decrypt_pkcs8(block: &str, passphrase: &[u8]) -> Result<(PrivateKey, InputForm), KeyError> {
    let malformed = |e: &dyn std::fmt::Display| KeyError::Malformed {
        form: "encrypted PKCS#8 PEM",
        reason: e.to_string(),
    };
    let (_, der) = der::pem::decode_vec(block.as_bytes()).map_err(|e| malformed(&e))?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).map_err(|e| malformed(&e))?;
    // A wrong passphrase and a corrupted file look alike to PBES2 (a padding error).
    let plain = info
        .decrypt(passphrase)
        .map_err(|_| KeyError::WrongPassphrase)?;
    let (key, _) = decode_der(plain.as_bytes(), Container::Pem)?;
    Ok((key, InputForm::EncryptedPkcs8Pem))
}

/// Splits PEM text into complete blocks (BEGIN line through END line).
fn pem_blocks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find("-----BEGIN ")?;
        let after = rest.get(start..)?;
        let end_marker = after.find("-----END ")?;
        let tail = after.get(end_marker + "-----END ".len()..)?;
        let close = tail.find("-----")?;
        let block_len = end_marker + "-----END ".len() + close + "-----".len();
        let block = after.get(..block_len)?;
        rest = after.get(block_len..).unwrap_or("");
        Some(block)
    })
}

fn block_label(block: &str) -> &str {
    block
        .strip_prefix("-----BEGIN ")
        .and_then(|r| r.split("-----").next())
        .unwrap_or("")
}

fn decode_der(der: &[u8], container: Container) -> Result<(PrivateKey, InputForm), KeyError> {
    // PKCS#8 first: its version INTEGER 0 cannot be mistaken for SEC1's version 1.
    if let Ok(info) = pkcs8::PrivateKeyInfoRef::from_der(der) {
        let alg = info.algorithm.oid.to_string();
        if alg != EC_PUBLIC_KEY_OID {
            return Err(KeyError::NotEcKey { algorithm: alg });
        }
        let curve_oid = info
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
            .map(|o| o.to_string());
        let key = decode_sec1(info.private_key.as_bytes(), curve_oid.as_deref(), "PKCS#8")?;
        let form = match container {
            Container::Pem => InputForm::Pkcs8Pem,
            Container::Der => InputForm::Pkcs8Der,
            Container::Base64 => InputForm::Pkcs8Base64,
        };
        return Ok((key, form));
    }
    match sec1::EcPrivateKey::from_der(der) {
        Ok(_) => {
            let key = decode_sec1(der, None, "SEC1")?;
            let form = match container {
                Container::Pem => InputForm::Sec1Pem,
                Container::Der => InputForm::Sec1Der,
                Container::Base64 => InputForm::Sec1Base64,
            };
            Ok((key, form))
        }
        Err(sec1_err) => {
            if spki::SubjectPublicKeyInfoRef::from_der(der).is_ok() {
                return Err(KeyError::NotAPrivateKey {
                    found: "a public key (SubjectPublicKeyInfo)".to_owned(),
                });
            }
            if looks_like_signed_object(der) {
                return Err(KeyError::NotAPrivateKey {
                    found: "a signed object (certificate or CSR)".to_owned(),
                });
            }
            Err(KeyError::Malformed {
                form: match container {
                    Container::Base64 => "DER in bare base64",
                    _ => "DER",
                },
                reason: format!("neither PKCS#8 nor SEC1 ({sec1_err})"),
            })
        }
    }
}

/// Certificates and CSRs are `SEQUENCE { SEQUENCE tbs, SEQUENCE algorithm, BIT STRING }`.
fn looks_like_signed_object(der: &[u8]) -> bool {
    #[derive(der::Sequence)]
    struct Signed<'a> {
        tbs: der::asn1::AnyRef<'a>,
        algorithm: spki::AlgorithmIdentifierRef<'a>,
        signature: der::asn1::BitStringRef<'a>,
    }
    Signed::from_der(der).is_ok_and(|s| {
        der::Tagged::tag(&s.tbs) == der::Tag::Sequence
            && !s.algorithm.oid.as_bytes().is_empty()
            && !s.signature.raw_bytes().is_empty()
    })
}

fn decode_sec1(
    der: &[u8],
    outer_curve: Option<&str>,
    form: &'static str,
) -> Result<PrivateKey, KeyError> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(|e| KeyError::Malformed {
        form,
        reason: e.to_string(),
    })?;
    let inner_curve = key
        .parameters
        .and_then(|p| p.named_curve())
        .map(|o| o.to_string());
    let curve_oid = match (outer_curve, inner_curve.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return Err(KeyError::Malformed {
                form,
                reason: format!("the curve is named twice and differently ({a} and {b})"),
            });
        }
        (Some(a), _) => a.to_owned(),
        (None, Some(b)) => b.to_owned(),
        (None, None) => return Err(KeyError::MissingCurve),
    };
    let curve = Curve::from_oid(&curve_oid)?;
    if key.private_key.len() != 32 {
        return Err(KeyError::Malformed {
            form,
            reason: format!(
                "the private key is {} bytes long; {curve} keys are 32",
                key.private_key.len()
            ),
        });
    }
    let private = PrivateKey::from_scalar(curve, key.private_key)?;
    if let Some(embedded) = key.public_key {
        let ours = private.public_key();
        let matches = crate::PublicKey::from_sec1_point(curve, embedded).is_ok_and(|p| p == ours);
        if !matches {
            return Err(KeyError::Malformed {
                form,
                reason: "the embedded public key does not belong to the private key".to_owned(),
            });
        }
    }
    Ok(private)
}
