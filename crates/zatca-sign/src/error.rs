//! The one error type of this crate.

use std::fmt;

/// Everything that can go wrong on the per-invoice path.
///
/// Signing failures stay opaque ([`SignError::Key`] carries the key crate's
/// opaque error); messages never contain key material.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// An invoice hash is not base64 of exactly 32 bytes.
    InvalidHash {
        /// What is wrong, e.g. `decodes to 31 bytes, expected 32`.
        reason: String,
    },
    /// A signature value is not base64 of a DER ECDSA signature.
    InvalidSignature {
        /// What is wrong.
        reason: String,
    },
    /// The key crate failed (signing is opaque; verification says why).
    Key(zatca_keys::KeyError),
    /// A QR value is longer than a one-byte TLV length can say.
    QrValueTooLong {
        /// The tag (1–9).
        tag: u8,
        /// The value's length in bytes.
        len: usize,
    },
    /// A QR value is empty.
    QrEmptyValue {
        /// The tag (1–9).
        tag: u8,
    },
    /// The QR text is not base64.
    QrBase64 {
        /// What the decoder reported.
        reason: String,
    },
    /// The TLV data ends inside a tag/length header or a value.
    QrTruncated {
        /// Byte offset of the incomplete TLV.
        offset: usize,
        /// How many bytes it needs.
        needed: usize,
        /// How many bytes remain.
        remaining: usize,
    },
    /// A tag other than the next expected one (tags are 1, 2, … in order).
    QrUnexpectedTag {
        /// Byte offset of the TLV.
        offset: usize,
        /// The tag found.
        found: u8,
        /// The tag expected there.
        expected: u8,
    },
    /// Bytes follow the last tag (9).
    QrTrailingBytes {
        /// Byte offset where the trailing bytes start.
        offset: usize,
        /// How many there are.
        len: usize,
    },
    /// The QR stops after a tag where it cannot: phase 1 has tags 1–5,
    /// phase 2 tags 1–8 (standard) or 1–9 (simplified).
    QrIncomplete {
        /// The last tag present (0 if none).
        last_tag: u8,
    },
    /// A QR to encode sets a later phase-2 tag but not this earlier one.
    QrMissingTag {
        /// The tag that is missing.
        tag: u8,
    },
    /// A text tag (1–7) is not UTF-8.
    QrNotUtf8 {
        /// The tag.
        tag: u8,
    },
    /// A chain slot was committed that is not the chain's next one.
    StaleChainSlot {
        /// The ICV the chain expected.
        expected: u64,
        /// The ICV of the slot given.
        found: u64,
    },
    /// The invoice counter cannot advance further.
    CounterOverflow,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidHash { reason } => write!(
                f,
                "invalid invoice hash: {reason}; expected base64 of the 32-byte SHA-256 (44 characters)"
            ),
            Self::InvalidSignature { reason } => write!(
                f,
                "invalid signature value: {reason}; expected base64 of a DER ECDSA signature"
            ),
            Self::Key(e) => write!(f, "{e}"),
            Self::QrValueTooLong { tag, len } => write!(
                f,
                "QR tag {tag} ({}) is {len} bytes; a QR TLV value holds at most 255 bytes",
                tag_name(*tag)
            ),
            Self::QrEmptyValue { tag } => {
                write!(f, "QR tag {tag} ({}) is empty", tag_name(*tag))
            }
            Self::QrBase64 { reason } => write!(f, "the QR code is not base64: {reason}"),
            Self::QrTruncated {
                offset,
                needed,
                remaining,
            } => write!(
                f,
                "the QR TLV data is truncated at byte {offset}: {needed} bytes needed, {remaining} left"
            ),
            Self::QrUnexpectedTag {
                offset,
                found,
                expected,
            } => write!(
                f,
                "QR tag {found} at byte {offset}; expected tag {expected} ({}) there (tags run 1, 2, … in order)",
                tag_name(*expected)
            ),
            Self::QrTrailingBytes { offset, len } => write!(
                f,
                "{len} bytes follow the last QR tag (9), from byte {offset}"
            ),
            Self::QrIncomplete { last_tag } => write!(
                f,
                "the QR code ends after tag {last_tag}; expected tags 1–5 (phase 1), 1–8 (standard) or 1–9 (simplified)"
            ),
            Self::QrMissingTag { tag } => write!(
                f,
                "QR tag {tag} ({}) is missing while a later tag is set",
                tag_name(*tag)
            ),
            Self::QrNotUtf8 { tag } => {
                write!(f, "QR tag {tag} ({}) is not UTF-8 text", tag_name(*tag))
            }
            Self::StaleChainSlot { expected, found } => write!(
                f,
                "the invoice chain slot has ICV {found}, but the chain's next ICV is {expected}"
            ),
            Self::CounterOverflow => write!(f, "the invoice counter (ICV) cannot advance further"),
        }
    }
}

impl std::error::Error for SignError {}

impl From<zatca_keys::KeyError> for SignError {
    fn from(e: zatca_keys::KeyError) -> Self {
        Self::Key(e)
    }
}

/// The name of a QR tag, for messages: `6` is `"invoice hash"`.
pub const fn tag_name(tag: u8) -> &'static str {
    match tag {
        1 => "seller name",
        2 => "VAT number",
        3 => "timestamp",
        4 => "total with VAT",
        5 => "VAT total",
        6 => "invoice hash",
        7 => "signature",
        8 => "public key",
        9 => "certificate signature",
        _ => "unknown",
    }
}
