//! Certificates as ZATCA returns them, the values ZATCA's signer needs from
//! them, and pre-flight checks before a new certificate is used. This crate
//! holds certificates only: the CSID (token, secret, Basic header), the CSID
//! answers and ZATCA's error bodies are part of the Fatoora API contract, in
//! `zatca-fatoora`.
//!
//! - [`Certificate::from_bytes`] reads every form users meet ([`CertificateForm`]):
//!   PEM, DER, bare base64 of the DER (the SDK's `cert.pem`), base64 of PEM,
//!   the `binarySecurityToken` (base64 of that base64 text, decoded leniently)
//!   and a saved CSID answer JSON (its `binarySecurityToken`, plain or inside
//!   the renewal's HTTP 428 `{"value":{…}}` wrapper). Inputs are limited to
//!   [`MAX_INPUT_BYTES`].
//! - A [`Certificate`] is parsed once; its ZATCA-form values are computed at
//!   parse time and read per invoice for free: [`Certificate::issuer_name`]
//!   (reverse RDN order, `", "`), [`Certificate::serial_decimal`],
//!   [`Certificate::certificate_hash`] (base64 of the hex SHA-256 of the base64
//!   text), [`Certificate::public_key_spki`] (QR tag 8),
//!   [`Certificate::signature`] (QR tag 9), validity, subject, the SAN's ZATCA
//!   fields ([`ZatcaSan`]) and the [`CaFamily`] inferred from the issuer.
//! - [`Certificate::preflight`] checks a returned certificate against
//!   [`Expectations`]: our key, our VAT, TSXY coverage, validity at an injected
//!   [`UnixTime`], and not the shared sandbox certificate.
//!
//! Every format fact is stated on the item that relies on it, with its public
//! source (the ZATCA SDK R3.3.3 and R3.2.7 samples and readme, ZATCA's
//! Integration Sandbox Swagger), and pinned by known-answer tests on the SDK sample
//! certificates and the Integration Sandbox examples in `testdata/` (`tests/kat.rs`).
//!
//! ```
//! use zatca_cert::{Certificate, CertificateForm};
//! let token = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/certs/przeinvoicesca4-binarySecurityToken.txt"))?;
//! let (cert, form) = Certificate::from_bytes(&token)?;
//! assert_eq!(form, CertificateForm::BinarySecurityToken);
//! assert_eq!(cert.certificate_hash(), "ZDMwMmI0MTE1NzVjOTU2NTk4YzVlODhhYmI0ODU2NDUyNTU2YTVhYjhhMDFmN2FjYjk1YTA2OWQ0NjY2MjQ4NQ==");
//! assert!(cert.is_shared_sandbox_certificate());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Why each dependency: `x509-cert`/`der` parse the certificate (audited
//! RustCrypto ASN.1); `zatca-keys` gives the public-key type; `zatca-fs` the
//! size-limited, regular-files-only read; `zatca-types` the shared time, CA family,
//! OIDs and digest forms; `base64` reads and writes
//! the token forms; `serde_json` finds the token in a saved CSID answer.
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (files, ZATCA's
// answers): these are denied outside tests;
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

mod certificate;
mod decode;
mod error;
mod name;
mod preflight;
mod serial;

pub use certificate::{CaFamily, Certificate, SHARED_SANDBOX_CERT_SHA256, UnixTime, ZatcaSan};
pub use decode::{CertificateForm, MAX_INPUT_BYTES};
pub use error::CertError;
pub use preflight::Expectations;
