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
    for (name, data) in inputs("csr") {
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
}

/// A CSR whose signature BIT STRING declared 2 unused bits: the simulator CA
/// verified the bytes anyway, while the CSR crate (rightly) did not. A signature
/// with unused bits is malformed, and every reader now refuses it.
#[test]
fn a_signature_bit_string_with_unused_bits_is_refused() {
    for (name, data) in inputs("sim_read_csr") {
        assert_eq!(
            zatca_simulator::ca::read_csr(&data).unwrap_err(),
            zatca_simulator::CaError::BadCsrSignature,
            "{name}"
        );
        assert!(
            zatca_csr::Csr::from_der(data.clone())
                .and_then(|c| c.verify())
                .is_err(),
            "{name}"
        );
    }
}
