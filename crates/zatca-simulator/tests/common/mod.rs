//! What the simulator's integration tests share: a CSR of the sample device.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use zatca_csr::Csr;
use zatca_fatoora::{CsrSubmission, Otp};
use zatca_keys::PrivateKey;
use zatca_profile::{Environment, RequestInput, ValidateOptions, ValidationProfile};

/// 2026-01-01T00:00:00Z.
pub const NOW: u64 = 1_767_225_600;

/// The `POST /compliance` body for the sample device of `env`, for `key`.
pub fn csr_for(env: Environment, key: &PrivateKey) -> CsrSubmission {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/requests/sample-device.json");
    let input = RequestInput::from_bytes(&std::fs::read(path).unwrap()).unwrap();
    let profile = input
        .validate_with(&ValidateOptions {
            profile: ValidationProfile::Sdk,
            environment: Some(env),
            require_environment: true,
        })
        .unwrap();
    let csr = Csr::build(&profile, key).unwrap();
    CsrSubmission {
        csr: csr.to_base64_pem().unwrap(),
    }
}

pub fn otp(s: &str) -> Otp {
    Otp::new(s.to_owned())
}
