//! An offline stand-in for ZATCA's Fatoora onboarding endpoints.
//!
//! This first part is the simulator's certificate authority ([`ca`]): a local
//! secp256k1 CA that turns a CSR into a certificate the way ZATCA's CAs do
//! (subject rebuilt or copied, subjectAltName copied verbatim), so the whole
//! toolkit can be exercised end to end without a network, and tests can make certificates for any key.
//!
//! The [`fatoora`] module serves ZATCA's onboarding endpoints on top of it, with
//! random CSID secrets kept only as digests and a private, lockable state
//! directory shared between processes, where each call costs the same however
//! many CSIDs were issued before it.
//!
//! Why each dependency: `x509-cert` (with `builder`) assembles and signs the
//! certificates from its typed extensions (rcgen cannot handle secp256k1);
//! `der`/`spki` type the names and the SPKI; `zatca-csr` is the one CSR parser
//! (parse, verify, read extensions and SAN); `k256` is the CA's signer type the
//! builder needs; `base64` writes the token and secret forms; `zatca-keys` holds
//! the CA keys and hashes; `zatca-fs` writes files atomically; `getrandom` draws serials and
//! secrets from the OS RNG; `subtle` compares secret digests in constant time;
//! `zeroize` wipes secrets; `serde`/`serde_json` keep the state log;
//! `zatca-types` gives ZATCA's error codes and the compliance steps;
//! `zatca-rules` judges compliance documents with ZATCA's own rules and
//! `zatca-ubl` verifies their signature and QR.
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (CSRs, requests,
// the state file): these are denied outside tests;
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

pub mod ca;
pub mod checker;
pub mod fatoora;
mod random;
mod state;

pub use ca::{CaError, CaKind, IssuedCertificate, TestCa};
pub use checker::UblDocumentChecker;
pub use fatoora::{
    DocumentChecker, DocumentVerdict, Failure, Simulator, SimulatorConfig, SimulatorError,
};
pub use state::{IssuedCsids, issued_csids};
