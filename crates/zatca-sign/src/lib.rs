//! The per-invoice hot path: the invoice-hash signature, the phase-2 QR code,
//! and the ICV/PIH chain.
//!
//! - [`sign_invoice_hash`]: ZATCA's `ds:SignatureValue` (and QR tag 7) is
//!   ECDSA-secp256k1 with SHA-256 over the **32 raw invoice-hash bytes** as
//!   the message (so the scalar signed is SHA-256 of the hash), DER, base64
//!   (checked on every SDK R3.3.3 and R3.2.7 sample; the
//!   "prehash" reading fails on all of them). Nonces are RFC 6979, so the
//!   output is deterministic and pinned by known-answer tests; signatures are
//!   low-S.
//! - [`verify_invoice_signature`] accepts high-S signatures (normalized first):
//!   the SDK's Java signer emits them about half the time (13 of the 26 SDK
//!   R3.3.3 samples).
//! - [`qr::Qr`]: the phase-1/phase-2 QR TLV (one tag byte, one length byte, the value).
//! - [`InvoiceChain`], [`FIRST_PIH`]: the ICV counter and PIH chain (each document
//!   carries the previous one's invoice hash).
//!
//! ```
//! use zatca_keys::{Curve, PrivateKey};
//! use zatca_sign::{InvoiceHash, sign_invoice_hash, verify_invoice_signature};
//! let key = PrivateKey::generate(Curve::Secp256k1)?;
//! let hash = InvoiceHash::from_base64("Hss2gNFjBY4pt27XOhTKD0ZR4kFNqNcZGYrkq61D5Nc=")?;
//! let signature = sign_invoice_hash(&key, &hash)?;
//! verify_invoice_signature(&key.public_key(), &hash, &signature)?;
//! assert_eq!(sign_invoice_hash(&key, &hash)?, signature); // RFC 6979: deterministic
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Why each dependency: `zatca-keys` holds the key types and the ECDSA
//! (libsecp256k1 on secp256k1); `zatca-types` the SHA-256 of the invoice hash; `base64` writes and reads the text forms.
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (hashes, signatures
// and QR codes from documents): these are denied outside tests;
// any exception carries an `#[allow]` with its justification.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod chain;
mod error;
pub mod qr;

use std::fmt;

use base64::Engine as _;
use zatca_keys::{PrivateKey, PublicKey};

pub use chain::{ChainSlot, FIRST_PIH, InvoiceChain};
pub use error::{SignError, tag_name as qr_tag_name};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The longest hash or signature text read (a DER ECDSA signature is at most
/// 72 bytes, 96 base64 characters): longer input is refused before decoding.
pub const MAX_BASE64_TEXT_LEN: usize = 1024;

/// An invoice hash: the 32-byte SHA-256 of the C14N 1.1 canonical invoice,
/// written as base64 (44 characters) in the XML, the QR and the API.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvoiceHash([u8; 32]);

impl fmt::Debug for InvoiceHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvoiceHash({})", self.to_base64())
    }
}

impl fmt::Display for InvoiceHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl InvoiceHash {
    /// The hash from its raw bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Reads the base64 form (canonical padding; surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, SignError> {
        if text.len() > MAX_BASE64_TEXT_LEN {
            return Err(SignError::InvalidHash {
                reason: format!("{} bytes of text, refused before decoding", text.len()),
            });
        }
        let bytes = B64
            .decode(text.trim())
            .map_err(|e| SignError::InvalidHash {
                reason: format!("not base64 ({e})"),
            })?;
        let len = bytes.len();
        let array: [u8; 32] = bytes.try_into().map_err(|_| SignError::InvalidHash {
            reason: format!("decodes to {len} bytes, expected 32"),
        })?;
        Ok(Self(array))
    }

    /// SHA-256 of `canonical_invoice` (the C14N 1.1 bytes of the invoice
    /// without its UBL extensions, signature and QR).
    pub fn of_canonical_invoice(canonical_invoice: &[u8]) -> Self {
        Self(zatca_types::digest::sha256(canonical_invoice))
    }

    /// The raw 32 bytes: the ECDSA message.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The base64 form (44 characters).
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }
}

/// An invoice signature: DER `ECDSA-Sig-Value`, written as base64.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InvoiceSignature {
    der: Vec<u8>,
}

impl fmt::Display for InvoiceSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl InvoiceSignature {
    /// Reads the base64 form (`ds:SignatureValue`, QR tag 7). The DER is
    /// checked when verifying.
    pub fn from_base64(text: &str) -> Result<Self, SignError> {
        if text.len() > MAX_BASE64_TEXT_LEN {
            return Err(SignError::InvalidSignature {
                reason: format!("{} bytes of text, refused before decoding", text.len()),
            });
        }
        let der = B64
            .decode(text.trim())
            .map_err(|e| SignError::InvalidSignature {
                reason: format!("not base64 ({e})"),
            })?;
        if der.first() != Some(&0x30) {
            return Err(SignError::InvalidSignature {
                reason: "does not start with a DER SEQUENCE".to_owned(),
            });
        }
        Ok(Self { der })
    }

    /// The DER bytes.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }

    /// The base64 form: `ds:SignatureValue` and QR tag 7.
    pub fn to_base64(&self) -> String {
        B64.encode(&self.der)
    }
}

/// Signs an invoice hash as ZATCA verifies it: ECDSA-SHA256 over the 32 hash
/// bytes as the message (as the SDK R3.3.3 samples show), RFC 6979 nonce, low-S DER.
pub fn sign_invoice_hash(
    key: &PrivateKey,
    hash: &InvoiceHash,
) -> Result<InvoiceSignature, SignError> {
    Ok(InvoiceSignature {
        der: key.sign_sha256(hash.as_bytes())?,
    })
}

/// [`sign_invoice_hash`] from and to base64 text: what `zatca sign-hash` does.
pub fn sign_invoice_hash_base64(key: &PrivateKey, hash_base64: &str) -> Result<String, SignError> {
    Ok(sign_invoice_hash(key, &InvoiceHash::from_base64(hash_base64)?)?.to_base64())
}

/// Verifies an invoice signature; high-S signatures are accepted.
pub fn verify_invoice_signature(
    key: &PublicKey,
    hash: &InvoiceHash,
    signature: &InvoiceSignature,
) -> Result<(), SignError> {
    key.verify_sha256(hash.as_bytes(), signature.as_der())?;
    Ok(())
}
