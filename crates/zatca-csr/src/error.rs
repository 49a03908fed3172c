//! The one error type of this crate.

use std::fmt;

use zatca_keys::{Curve, KeyError};
use zatca_profile::ValidationErrors;

/// Everything that can go wrong building, reading or checking a CSR.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CsrError {
    /// The values read back from a CSR break the profile rules.
    Invalid(ValidationErrors),
    /// The profile names no environment, so no template name can be chosen.
    MissingEnvironment,
    /// The key is not on secp256k1, the only curve ZATCA's CSRs and
    /// certificates use.
    UnsupportedCurve {
        /// The key's curve.
        found: Curve,
    },
    /// A key operation failed (signing stays opaque).
    Key(KeyError),
    /// The input is larger than any CSR could be.
    TooLarge {
        /// Input size in bytes.
        len: usize,
        /// Largest accepted size.
        max: usize,
    },
    /// The input is none of the CSR forms (PEM, DER, base64 of either).
    Unrecognized,
    /// The input is marked as a CSR but does not decode.
    Malformed {
        /// The form recognised, e.g. `PEM`.
        form: &'static str,
        /// What the decoder reported.
        reason: String,
    },
    /// The signature algorithm is not ecdsa-with-SHA256.
    UnsupportedAlgorithm {
        /// The algorithm OID found.
        oid: String,
    },
    /// The signature does not verify under the CSR's public key.
    BadSignature,
    /// Encoding a structure failed (a value that DER cannot carry).
    Encode(String),
}

impl fmt::Display for CsrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(errors) => {
                write!(f, "the CSR's values are not a valid EGS profile: {errors}")
            }
            Self::MissingEnvironment => write!(
                f,
                "no environment given: choose development, simulation or production (it selects the certificate template TSTZATCA-, PREZATCA- or ZATCA-Code-Signing and is never defaulted)"
            ),
            Self::UnsupportedCurve { found } => write!(
                f,
                "the key is on {found}, but ZATCA issues certificates only for secp256k1 keys; generate one with `zatca keygen`"
            ),
            Self::Key(e) => write!(f, "{e}"),
            Self::TooLarge { len, max } => write!(
                f,
                "the input is {len} bytes, larger than any CSR ({max} bytes at most)"
            ),
            Self::Unrecognized => write!(
                f,
                "the input is not a CSR; expected PEM \"CERTIFICATE REQUEST\", DER, base64 of the PEM text (the SDK's and ZATCA's form) or base64 of the DER"
            ),
            Self::Malformed { form, reason } => {
                write!(
                    f,
                    "the input looks like a {form} CSR but does not decode: {reason}"
                )
            }
            Self::UnsupportedAlgorithm { oid } => write!(
                f,
                "the CSR is signed with algorithm {oid}; expected ecdsa-with-SHA256 (1.2.840.10045.4.3.2)"
            ),
            Self::BadSignature => write!(
                f,
                "the CSR's signature does not verify under its public key"
            ),
            Self::Encode(reason) => write!(f, "could not encode the CSR: {reason}"),
        }
    }
}

impl std::error::Error for CsrError {}

impl From<KeyError> for CsrError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::BadSignature => Self::BadSignature,
            other => Self::Key(other),
        }
    }
}

impl From<ValidationErrors> for CsrError {
    fn from(e: ValidationErrors) -> Self {
        Self::Invalid(e)
    }
}

pub(crate) fn encode_err(e: impl fmt::Display) -> CsrError {
    CsrError::Encode(e.to_string())
}
