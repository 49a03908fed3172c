//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

use crate::Curve;

/// Everything that can go wrong while reading, writing, generating or using a key.
///
/// Messages name what was found and what was expected. None of them ever
/// contains key material: a malformed key is described by its form and the
/// position of the fault, never by its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The input was empty or only whitespace.
    Empty,
    /// The input is larger than any key file could legitimately be.
    TooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The largest accepted size in bytes.
        max: usize,
    },
    /// A public key (or certificate, CSR, …) was given where a private key was expected.
    NotAPrivateKey {
        /// What the input turned out to be, e.g. `a PEM "PUBLIC KEY"`.
        found: String,
    },
    /// The key is encrypted and no passphrase was given.
    Encrypted,
    /// The passphrase does not decrypt the key (or the encrypted key is damaged).
    WrongPassphrase,
    /// The key is on a curve this toolkit does not support.
    UnsupportedCurve {
        /// The curve's OID as found in the key.
        oid: String,
    },
    /// The key is not an elliptic-curve key at all (for example RSA).
    NotEcKey {
        /// The algorithm OID as found in the key.
        algorithm: String,
    },
    /// A SEC1 key that does not name its curve.
    MissingCurve,
    /// The key is on a supported curve, but not the one the caller requires.
    WrongCurve {
        /// The curve of the key.
        found: Curve,
        /// The curve required.
        expected: Curve,
    },
    /// The input looked like a given form but did not decode as one.
    Malformed {
        /// The form that was recognised, e.g. `SEC1 DER`.
        form: &'static str,
        /// What the decoder reported (position and kind, never bytes).
        reason: String,
    },
    /// The private scalar is zero or not below the curve order.
    InvalidScalar,
    /// The input is none of the accepted forms.
    Unrecognized,
    /// A signature could not be made (opaque on purpose).
    Signing,
    /// A signature or public key given for verification is malformed.
    MalformedSignature {
        /// What was wrong.
        reason: String,
    },
    /// A signature does not verify under the public key.
    BadSignature,
    /// The OS random number generator failed.
    Rng,
    /// The destination file exists and overwriting was not requested.
    FileExists {
        /// The file that would have been replaced.
        path: PathBuf,
    },
    /// Reading or writing a file failed, or the file was refused (a FIFO,
    /// device or directory is never read or replaced).
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong: the operating system's description, or why the file
        /// was refused.
        reason: String,
    },
}

/// What a key file may be: every form an integrator meets, written out for messages.
pub(crate) const ACCEPTED_FORMS: &str = "a SEC1 or PKCS#8 private key as PEM, DER or bare base64";

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the key input is empty; expected {ACCEPTED_FORMS}"),
            Self::TooLarge { len, max } => write!(
                f,
                "the key input is {len} bytes, larger than any key file ({max} bytes at most)"
            ),
            Self::NotAPrivateKey { found } => {
                write!(f, "found {found}, but expected {ACCEPTED_FORMS}")
            }
            Self::Encrypted => write!(
                f,
                "the private key is encrypted and no passphrase was given (set ZATCA_KEY_PASSPHRASE, or decrypt it with `openssl pkcs8 -in KEY -out PLAIN.pem`)"
            ),
            Self::WrongPassphrase => write!(
                f,
                "the passphrase does not decrypt the private key (or the encrypted key is damaged)"
            ),
            Self::UnsupportedCurve { oid } => write!(
                f,
                "the key is on the curve with OID {oid}; expected secp256k1 (1.3.132.0.10, ZATCA's curve) or P-256 (1.2.840.10045.3.1.7)"
            ),
            Self::NotEcKey { algorithm } => write!(
                f,
                "the key uses algorithm {algorithm}, not elliptic-curve (1.2.840.10045.2.1); ZATCA requires an ECDSA secp256k1 key"
            ),
            Self::MissingCurve => write!(
                f,
                "the SEC1 key does not name its curve; expected a named curve (secp256k1 for ZATCA)"
            ),
            Self::WrongCurve { found, expected } => {
                write!(f, "the key is on {found}, but {expected} is required")
            }
            Self::Malformed { form, reason } => {
                write!(
                    f,
                    "the input looks like {form} but does not decode: {reason}"
                )
            }
            Self::InvalidScalar => write!(
                f,
                "the private key value is out of range (zero or not below the curve order)"
            ),
            Self::Unrecognized => write!(f, "the input is not {ACCEPTED_FORMS}"),
            Self::Signing => write!(f, "signing failed"),
            Self::MalformedSignature { reason } => write!(f, "malformed signature: {reason}"),
            Self::BadSignature => write!(f, "the signature does not verify under the public key"),
            Self::Rng => write!(f, "the operating system's random number generator failed"),
            Self::FileExists { path } => write!(
                f,
                "{} already exists; refusing to overwrite it (pass --force to replace it)",
                path.display()
            ),
            Self::Io { path, reason } => write!(f, "{}: {reason}", path.display()),
        }
    }
}

impl std::error::Error for KeyError {}

/// A key file that could not be read or written. An existing destination stays
/// [`KeyError::FileExists`] and an oversized file [`KeyError::TooLarge`]; every
/// other file problem (a FIFO or device refused, a missing file, a failed
/// write) becomes [`KeyError::Io`] with the file named.
impl From<zatca_fs::FsError> for KeyError {
    fn from(e: zatca_fs::FsError) -> Self {
        use zatca_fs::FsError as F;
        match e {
            F::Exists { path } => Self::FileExists { path },
            F::TooLarge { len, max, .. } => Self::TooLarge {
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
