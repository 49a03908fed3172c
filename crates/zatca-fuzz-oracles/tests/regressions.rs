//! The crashes the fuzz targets found, and how each parser now answers them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect()
}

/// One committed crash input of `target`.
fn input(target: &str, file: &str) -> (String, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target)
        .join(file);
    (path.display().to_string(), std::fs::read(&path).unwrap())
}

/// `<?xml%version="1.0"?>` was read as a processing instruction named `xml`,
/// and canonicalized into a malformed XML declaration.
#[test]
fn c14n_refuses_a_processing_instruction_named_xml() {
    for (name, data) in inputs("c14n") {
        match zatca_ubl::c14n::canonicalize(&data) {
            Err(zatca_ubl::UblError::Xml { reason, .. }) => {
                assert!(
                    reason.contains("processing instruction"),
                    "{name}: {reason}"
                )
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(zatca_ubl::c14n::canonicalize(b"<r><?XmL x?></r>").is_err());
    assert!(zatca_ubl::c14n::canonicalize(b"<r><?xml-stylesheet x?></r>").is_ok());
}

/// A CSR whose extension-request SET OF was not in DER order parsed, but its
/// structure re-encoded to different bytes.
#[test]
fn csr_refuses_non_canonical_der() {
    let (name, data) = input("csr", "crash-17622bd35e7e30705a7e4e13e84a39ab0b83d385");
    let err = zatca_csr::Csr::parse(&data).unwrap_err();
    assert!(
        matches!(
            err,
            zatca_csr::CsrError::Unrecognized | zatca_csr::CsrError::Malformed { .. }
        ),
        "{name}: {err:?}"
    );
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        data.trim_ascii(),
    )
    .unwrap();
    match zatca_csr::Csr::from_der(der) {
        Err(zatca_csr::CsrError::Malformed { reason, .. }) => {
            assert!(reason.contains("not canonical DER"), "{name}: {reason}")
        }
        other => panic!("{name}: {other:?}"),
    }
}

/// A CSR whose signature BIT STRING declared 2 unused bits (found by a fuzz
/// target of the simulator CA's former CSR reader, which verified the bytes
/// anyway). A signature with unused bits is malformed: the CSR crate refuses to
/// verify it, and so does the simulator, which reads CSRs with it.
#[test]
fn a_signature_bit_string_with_unused_bits_is_refused() {
    use zatca_fatoora::{CsrSubmission, ErrorKind, Fatoora as _, Otp};
    let (name, data) = input("csr", "crash-d9d863c5ce2c2632a274333c7b347643248c661c");
    assert!(
        zatca_csr::Csr::from_der(data.clone())
            .and_then(|c| c.verify())
            .is_err(),
        "{name}"
    );
    assert_eq!(
        zatca_simulator::ca::read_csr(&data).unwrap_err(),
        zatca_simulator::CaError::BadCsrSignature,
        "{name}"
    );
    let pem =
        der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &data).unwrap();
    let submission = CsrSubmission {
        csr: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pem),
    };
    let simulator =
        zatca_simulator::Simulator::new(zatca_simulator::SimulatorConfig::for_environment(
            zatca_profile::Environment::Development,
            1_767_225_600,
        ))
        .unwrap();
    let refused = simulator
        .compliance_csid(&Otp::new("123456".to_owned()), &submission)
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidCsr, "{name}");
}
