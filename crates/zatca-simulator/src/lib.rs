//! An offline stand-in for ZATCA's Fatoora onboarding endpoints.
//!
//! This first part is the simulator's certificate authority ([`ca`]): a local
//! secp256k1 CA that turns a CSR into a certificate the way ZATCA's CAs do
//! (`shared/spec/zatca-formats.md` §3.2), so the whole toolkit can be exercised
//! end to end without a network, and tests can make certificates for any key.
//!
//! Why each dependency: `x509-cert` (with `builder`) assembles and signs the
//! certificates (rcgen cannot handle secp256k1); `der`/`spki` encode the names and
//! extensions explicitly; `k256` is the CA's signer type the builder needs;
//! `base64` writes the token forms; `zatca-keys` holds the CA key and hashes;
//! `zatca-fs` writes the state file atomically.
#![forbid(unsafe_code)]
// No panic reachable from outside input (issue 5): these are denied outside tests;
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

pub use ca::{CaError, CaKind, IssuedCertificate, TestCa};
pub use checker::UblDocumentChecker;
pub use fatoora::{DocumentChecker, Failure, Simulator, SimulatorConfig, SimulatorError};
