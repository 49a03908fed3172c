//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

use crate::UnixTime;

/// Everything that can go wrong while reading a certificate (in any of its
/// forms, a `binarySecurityToken` and a saved CSID answer among them), or while
/// checking a returned certificate before it is used.
///
/// Messages name the form, the expected value and the bad part. None of them
/// ever contains a CSID secret: only the certificate of a CSID answer is read
/// here, never its `secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertError {
    /// The input was empty or only whitespace.
    Empty,
    /// The input is larger than any certificate or saved CSID answer could be.
    TooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The largest accepted size in bytes.
        max: usize,
    },
    /// The input is something else (a private key, a CSR, other JSON…).
    NotACertificate {
        /// What the input turned out to be, e.g. `a PEM "CERTIFICATE REQUEST" block`.
        found: String,
    },
    /// The input is none of the accepted forms.
    Unrecognized,
    /// The input looked like a given form but did not decode as one.
    Malformed {
        /// The form that was recognised, e.g. `binarySecurityToken`.
        form: &'static str,
        /// What the decoder reported (position and kind).
        reason: String,
    },
    /// The certificate's public key is not an EC key on a supported curve.
    UnsupportedKey {
        /// What the key decoder reported.
        reason: String,
    },
    /// The certificate's public key is not the key the request was made with.
    KeyMismatch,
    /// A ZATCA field is missing from the certificate's subjectAltName.
    MissingSanField {
        /// The field, e.g. `VAT (UID 0.9.2342.19200300.100.1.1)`.
        field: &'static str,
    },
    /// The certificate's VAT number (SAN UID) is not the expected one.
    VatMismatch {
        /// The VAT number asked for.
        expected: String,
        /// The VAT number in the certificate.
        found: String,
    },
    /// The certificate's invoice types (SAN title, TSXY) do not cover those asked for.
    InvoiceTypesNotCovered {
        /// The TSXY asked for.
        expected: String,
        /// The TSXY in the certificate.
        found: String,
    },
    /// An expected value given to a pre-flight check is itself malformed.
    InvalidExpectation {
        /// Which expectation, e.g. `invoice types`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate is not valid yet at the given time.
    NotYetValid {
        /// The time checked.
        at: UnixTime,
        /// The certificate's notBefore.
        not_before: UnixTime,
    },
    /// The certificate has expired at the given time.
    Expired {
        /// The time checked.
        at: UnixTime,
        /// The certificate's notAfter.
        not_after: UnixTime,
    },
    /// The certificate is the public SDK / sandbox certificate that everyone
    /// gets from the developer portal, where the caller expected their own.
    SharedSandboxCertificate,
    /// Reading a file failed.
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The operating system's description of the failure.
        reason: String,
    },
}

/// The accepted input forms, written out for messages.
pub(crate) const ACCEPTED_FORMS: &str =
    "a certificate as PEM, DER or bare base64, a binarySecurityToken, or a CSID response JSON";

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the input is empty; expected {ACCEPTED_FORMS}"),
            Self::TooLarge { len, max } => write!(
                f,
                "the input is {len} bytes, larger than any certificate or CSID response ({max} bytes at most)"
            ),
            Self::NotACertificate { found } => {
                write!(f, "found {found}, but expected {ACCEPTED_FORMS}")
            }
            Self::Unrecognized => write!(f, "the input is not {ACCEPTED_FORMS}"),
            Self::Malformed { form, reason } => {
                write!(
                    f,
                    "the input looks like {form} but does not decode: {reason}"
                )
            }
            Self::UnsupportedKey { reason } => write!(
                f,
                "the certificate's public key is not a secp256k1 or P-256 EC key: {reason}"
            ),
            Self::KeyMismatch => write!(
                f,
                "the certificate's public key is not the key the CSR was made with"
            ),
            Self::MissingSanField { field } => write!(
                f,
                "the certificate's subjectAltName has no {field}; expected the ZATCA directoryName (SN, UID, title, registeredAddress, businessCategory)"
            ),
            Self::VatMismatch { expected, found } => write!(
                f,
                "the certificate is for VAT number {found:?}, but {expected:?} was asked for"
            ),
            Self::InvoiceTypesNotCovered { expected, found } => write!(
                f,
                "the certificate's invoice types (TSXY) are {found:?}, which do not cover the {expected:?} asked for"
            ),
            Self::InvalidExpectation { field, reason } => {
                write!(f, "the expected {field} is invalid: {reason}")
            }
            Self::NotYetValid { at, not_before } => write!(
                f,
                "the certificate is not valid before {not_before} (checked at {at})"
            ),
            Self::Expired { at, not_after } => write!(
                f,
                "the certificate expired at {not_after} (checked at {at})"
            ),
            Self::SharedSandboxCertificate => write!(
                f,
                "the certificate is the public SDK R3.3.3 / developer-portal sandbox certificate (PRZEINVOICESCA4-CA, serial 379112742831380471835263969587287663520528387), shared by everyone, not one issued for this device"
            ),
            Self::Io { path, reason } => write!(f, "{}: {reason}", path.display()),
        }
    }
}

impl std::error::Error for CertError {}

impl From<zatca_fs::FsError> for CertError {
    fn from(e: zatca_fs::FsError) -> Self {
        match e {
            zatca_fs::FsError::TooLarge { len, max, .. } => Self::TooLarge {
                len: usize::try_from(len).unwrap_or(usize::MAX),
                max,
            },
            other => Self::Io {
                path: other.path().to_path_buf(),
                reason: other.problem(),
            },
        }
    }
}

impl From<zatca_keys::KeyError> for CertError {
    fn from(e: zatca_keys::KeyError) -> Self {
        match e {
            zatca_keys::KeyError::Io { path, reason } => Self::Io { path, reason },
            zatca_keys::KeyError::TooLarge { len, max } => Self::TooLarge { len, max },
            other => Self::UnsupportedKey {
                reason: other.to_string(),
            },
        }
    }
}
