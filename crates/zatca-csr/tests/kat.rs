//! Known-answer tests against the SDK-produced CSRs in `testdata/csr/`
//! (`expected-csr-values.json` lists every expected value; sources in
//! `testdata/README.md`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use der::{Decode as _, Encode as _};
use serde_json::Value;
use zatca_csr::{Csr, CsrError, CsrForm, certification_request_info_der};
use zatca_keys::{Curve, PrivateKey, PublicKey};
use zatca_profile::{EgsProfile, Environment, RequestInput, ValidateOptions, ValidationProfile};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

/// Paths in `expected-csr-values.json` are relative to the shared sample folder;
/// the copies live in `testdata/csr/`.
fn local(shared_path: &str) -> PathBuf {
    let rel = match shared_path {
        "sdk-r3.3.3/Data/Certificates/ec-secp256k1-priv-key.pem" => {
            "csr/sdk-r3.3.3-ec-secp256k1-priv-key.pem".to_owned()
        }
        "sdk-r3.3.3/Data/Input/csr-config-example-EN.properties" => {
            "csr/sdk-r3.3.3/csr-config-example-EN.properties".to_owned()
        }
        other => other.to_owned(),
    };
    testdata(&rel)
}

fn expected() -> Vec<Value> {
    let text = std::fs::read(testdata("csr/expected-csr-values.json")).unwrap();
    serde_json::from_slice::<Vec<Value>>(&text).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn profile_from(path: &Path, env: Environment) -> EgsProfile {
    let input = RequestInput::from_bytes(&std::fs::read(path).unwrap()).unwrap();
    input
        .validate_with(&ValidateOptions {
            profile: ValidationProfile::Sdk,
            environment: Some(env),
            require_environment: true,
        })
        .unwrap()
}

#[test]
fn there_are_three_reference_csrs_covering_production_and_simulation() {
    let e = expected();
    assert_eq!(e.len(), 3);
    let templates: Vec<&str> = e
        .iter()
        .map(|v| v["template_name"].as_str().unwrap())
        .collect();
    assert!(templates.contains(&"ZATCA-Code-Signing"));
    assert!(templates.contains(&"PREZATCA-Code-Signing"));
}

#[test]
fn our_certification_request_info_is_byte_identical_to_every_reference() {
    for case in expected() {
        let file = case["file"].as_str().unwrap();
        let env = Environment::from_template_name(case["template_name"].as_str().unwrap()).unwrap();
        let profile = profile_from(&local(case["config"].as_str().unwrap()), env);
        let public = PublicKey::from_spki_der(&unhex(case["spki_hex"].as_str().unwrap())).unwrap();
        let ours = certification_request_info_der(&profile, env, &public).unwrap();
        assert_eq!(
            ours.len() as u64,
            case["tbs_len"].as_u64().unwrap(),
            "{file}"
        );
        assert_eq!(hex(&ours), case["tbs_hex"].as_str().unwrap(), "{file}");
        assert_eq!(
            hex(&zatca_types::digest::sha256(&ours)),
            case["tbs_sha256"].as_str().unwrap(),
            "{file}"
        );
    }
}

#[test]
fn every_reference_parses_verifies_and_reads_back_its_values() {
    for case in expected() {
        let file = case["file"].as_str().unwrap();
        let bytes = std::fs::read(local(file)).unwrap();
        let (csr, form) = Csr::parse(&bytes).unwrap();
        let expected_form = if file.ends_with(".der.b64") {
            CsrForm::Base64Der
        } else {
            CsrForm::Base64Pem
        };
        assert_eq!(form, expected_form, "{file}");
        assert_eq!(
            hex(csr.tbs_der()),
            case["tbs_hex"].as_str().unwrap(),
            "{file}"
        );
        csr.verify().unwrap();
        assert!(csr.matches_sdk_structure(), "{file}");

        let subject: Vec<Vec<String>> = csr
            .subject()
            .into_iter()
            .map(|a| vec![a.oid, a.string_type.to_owned(), a.value])
            .collect();
        let want: Vec<Vec<String>> =
            serde_json::from_value(case["subject_rdns_in_der_order"].clone()).unwrap();
        assert_eq!(subject, want, "{file}");
        let san: Vec<Vec<String>> = csr
            .san_directory_name()
            .unwrap()
            .into_iter()
            .map(|a| vec![a.oid, a.string_type.to_owned(), a.value])
            .collect();
        let want: Vec<Vec<String>> =
            serde_json::from_value(case["san_dirname_rdns_in_der_order"].clone()).unwrap();
        assert_eq!(san, want, "{file}");

        let exts = csr.extensions().unwrap();
        let order: Vec<String> = exts.iter().map(|e| e.extn_id.to_string()).collect();
        let want: Vec<String> = serde_json::from_value(case["extension_order"].clone()).unwrap();
        assert_eq!(order, want, "{file}");
        assert!(exts.iter().all(|e| !e.critical));
        assert_eq!(
            hex(exts[0].extn_value.as_bytes()),
            case["template_extension_value_hex"].as_str().unwrap()
        );
        let (template, kind) = csr.template_name().unwrap().unwrap();
        assert_eq!(template, case["template_name"].as_str().unwrap());
        assert_eq!(kind, "UTF8String");
        assert_eq!(
            csr.request().algorithm.oid.to_string(),
            case["signature_algorithm_oid"].as_str().unwrap()
        );
        assert!(csr.request().algorithm.parameters.is_none());
        assert_eq!(
            hex(&csr.public_key().unwrap().to_spki_der().unwrap()),
            case["spki_hex"].as_str().unwrap()
        );

        // Round trip: the CSR's values are the SDK example config's.
        let env = csr.environment().unwrap().unwrap();
        let from_config = profile_from(&local(case["config"].as_str().unwrap()), env);
        let back = csr.to_profile(ValidationProfile::Sdk).unwrap();
        assert_eq!(back.common_name(), from_config.common_name());
        assert_eq!(back.egs_serial(), from_config.egs_serial());
        assert_eq!(back.vat(), from_config.vat());
        assert_eq!(back.organization_unit(), from_config.organization_unit());
        assert_eq!(back.organization_name(), from_config.organization_name());
        assert_eq!(back.country(), from_config.country());
        assert_eq!(back.invoice_types(), from_config.invoice_types());
        assert_eq!(back.location(), from_config.location());
        assert_eq!(back.industry(), from_config.industry());
        assert_eq!(back.environment(), Some(env));
    }
}

#[test]
fn with_the_public_reference_keys_our_whole_csr_equals_the_reference_but_for_the_signature() {
    let mut checked = 0;
    for case in expected() {
        let Some(key_file) = case["private_key_file"].as_str() else {
            continue;
        };
        let file = case["file"].as_str().unwrap();
        let (key, _) = PrivateKey::from_bytes(&std::fs::read(local(key_file)).unwrap()).unwrap();
        let env = Environment::from_template_name(case["template_name"].as_str().unwrap()).unwrap();
        let profile = profile_from(&local(case["config"].as_str().unwrap()), env);
        let ours = Csr::build(&profile, &key).unwrap();
        ours.verify().unwrap();
        let (reference, _) = Csr::parse(&std::fs::read(local(file)).unwrap()).unwrap();
        assert_eq!(ours.tbs_der(), reference.tbs_der(), "{file}");
        assert_eq!(ours.request().info, reference.request().info, "{file}");
        assert_eq!(
            ours.request().algorithm,
            reference.request().algorithm,
            "{file}"
        );
        // Only the signature bytes (and so the outer lengths) may differ.
        let mut swapped = ours.request().clone();
        swapped.signature = reference.request().signature.clone();
        assert_eq!(swapped.to_der().unwrap(), reference.to_der(), "{file}");
        checked += 1;
    }
    assert_eq!(checked, 2, "both references with public keys were checked");
}

#[test]
fn the_isb_transport_form_is_reproduced_byte_for_byte() {
    // ZATCA's sandbox example `csr` value is base64 of LF PEM with 64-character lines.
    let file = std::fs::read(testdata("csr/isb-swagger-prod-en.csr.b64")).unwrap();
    let (csr, form) = Csr::parse(&file).unwrap();
    assert_eq!(form, CsrForm::Base64Pem);
    assert_eq!(csr.to_base64_pem().unwrap().as_bytes(), file.trim_ascii());
    // PEM and DER forms parse back to the same bytes.
    let (pem, f) = Csr::parse(csr.to_pem().unwrap().as_bytes()).unwrap();
    assert_eq!((pem.to_der(), f), (csr.to_der(), CsrForm::Pem));
    let (der, f) = Csr::parse(csr.to_der()).unwrap();
    assert_eq!((der.to_der(), f), (csr.to_der(), CsrForm::Der));
    // The SDK's own file has CRLF inside the base64 PEM text.
    let sdk = std::fs::read(testdata("csr/sdk-r3.4.8-sim-en.csr")).unwrap();
    let inner = base64::engine::general_purpose::STANDARD
        .decode(sdk.trim_ascii())
        .unwrap();
    assert!(inner.windows(2).any(|w| w == b"\r\n"));
    Csr::parse(&sdk).unwrap().0.verify().unwrap();
}

#[test]
fn a_tampered_csr_does_not_verify() {
    let (csr, _) =
        Csr::parse(&std::fs::read(testdata("csr/isb-swagger-prod-en.csr.b64")).unwrap()).unwrap();
    let mut der = csr.to_der().to_vec();
    // Change one letter of "Riyadh Branch" in the subject.
    let at = der.windows(6).position(|w| w == b"Riyadh").unwrap();
    der[at] = b'r';
    let tampered = Csr::from_der(der).unwrap();
    assert_eq!(tampered.verify(), Err(CsrError::BadSignature));
    // Its structure is still the SDK's: only the signature check catches it.
    assert!(tampered.matches_sdk_structure());
}

#[test]
fn each_environment_gets_its_template_and_reads_back() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    for env in Environment::ALL {
        let profile = profile_from(
            &testdata("csr/sdk-r3.3.3/csr-config-example-EN.properties"),
            env,
        );
        let csr = Csr::build(&profile, &key).unwrap();
        csr.verify().unwrap();
        let template = csr.template_name().unwrap().unwrap().0;
        assert_eq!(template, env.template_name());
        assert_eq!(csr.environment().unwrap(), Some(env));
        assert!(csr.matches_sdk_structure());
        // The template extension value is exactly 0C len name.
        let ext = &csr.extensions().unwrap()[0];
        let name = env.template_name().as_bytes();
        let mut want = vec![0x0c, name.len() as u8];
        want.extend_from_slice(name);
        assert_eq!(ext.extn_value.as_bytes(), want.as_slice());
    }
}

#[test]
fn no_environment_is_refused_never_defaulted() {
    let input = RequestInput::from_bytes(
        &std::fs::read(testdata("csr/sdk-r3.3.3/csr-config-example-EN.properties")).unwrap(),
    )
    .unwrap();
    let profile = input.validate(ValidationProfile::Sdk).unwrap();
    assert_eq!(profile.environment(), None);
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    assert_eq!(
        Csr::build(&profile, &key).unwrap_err(),
        CsrError::MissingEnvironment
    );
}

#[test]
fn p256_keys_are_a_typed_error() {
    let profile = profile_from(
        &testdata("csr/sdk-r3.3.3/csr-config-example-EN.properties"),
        Environment::Simulation,
    );
    let key = PrivateKey::generate(Curve::P256).unwrap();
    assert_eq!(
        Csr::build(&profile, &key).unwrap_err(),
        CsrError::UnsupportedCurve { found: Curve::P256 }
    );
}

#[test]
fn arabic_values_are_utf8_in_the_csr_and_read_back() {
    // A request in ClearTax's shape with lower-case keys and Arabic values.
    let profile = profile_from(
        &testdata("profile/cleartax-ar.json"),
        Environment::Development,
    );
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let csr = Csr::build(&profile, &key).unwrap();
    csr.verify().unwrap();
    let subject = csr.subject();
    assert_eq!(subject[1].value, "فرع الرياض");
    assert_eq!(subject[1].string_type, "UTF8String");
    let back = csr.to_profile(ValidationProfile::Sdk).unwrap();
    assert_eq!(back.organization_name().as_str(), "شركة التوريد المحدودة");
    assert_eq!(back.industry().as_str(), "أنشطة توريدات");
    // The raw UTF-8 bytes are in the DER (UTF8String, not BMPString).
    let needle = "فرع الرياض".as_bytes();
    assert!(csr.to_der().windows(needle.len()).any(|w| w == needle));
}

#[test]
fn the_sdk_arabic_example_builds_a_csr_that_reads_back() {
    // Its organization name is 42 characters but 79 bytes: X.520's bound of 64
    // counts characters, so it is carried whole, as the SDK carries it.
    let profile = profile_from(
        &testdata("csr/sdk-r3.3.3/csr-config-example-AR.properties"),
        Environment::Simulation,
    );
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let csr = Csr::build(&profile, &key).unwrap();
    csr.verify().unwrap();
    let name = "شركة توريد التكنولوجيا بأقصى سرعة المحدودة";
    assert_eq!(name.len(), 79);
    let back = csr.to_profile(ValidationProfile::Sdk).unwrap();
    assert_eq!(back.organization_name().as_str(), name);
    assert_eq!(back.organization_unit(), profile.organization_unit());
    assert_eq!(back.industry(), profile.industry());
    assert_eq!(back.environment(), Some(Environment::Simulation));
    let needle = name.as_bytes();
    assert!(csr.to_der().windows(needle.len()).any(|w| w == needle));
}

#[test]
fn non_csr_input_is_unrecognized() {
    let key = std::fs::read(testdata("csr/sdk-r3.4.8-sim-en.key")).unwrap();
    assert_eq!(Csr::parse(&key).unwrap_err(), CsrError::Unrecognized);
    assert_eq!(Csr::parse(b"hello").unwrap_err(), CsrError::Unrecognized);
    assert_eq!(
        Csr::parse(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").unwrap_err(),
        CsrError::Unrecognized
    );
    assert!(matches!(
        Csr::parse(
            b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
        )
        .unwrap_err(),
        CsrError::Malformed { .. }
    ));
    assert!(matches!(
        Csr::parse(&vec![b'A'; zatca_csr::MAX_CSR_BYTES + 1]).unwrap_err(),
        CsrError::TooLarge { .. }
    ));
    // A DER structure that is not a CSR.
    let spki = PrivateKey::generate(Curve::Secp256k1)
        .unwrap()
        .public_key()
        .to_spki_der()
        .unwrap();
    assert!(x509_cert::request::CertReq::from_der(&spki).is_err());
    assert_eq!(Csr::parse(&spki).unwrap_err(), CsrError::Unrecognized);
}

#[test]
fn binary_der_ending_in_an_ascii_whitespace_byte_still_parses() {
    // RFC 6979 makes signatures deterministic: find a fixed key whose CSR's last
    // byte is 0x09, 0x0a, 0x0c, 0x0d or 0x20, and read it back as binary DER.
    let profile = profile_from(
        &testdata("csr/sdk-r3.3.3/csr-config-example-EN.properties"),
        Environment::Production,
    );
    let csr = (1u8..=255)
        .map(|i| {
            let key = PrivateKey::from_scalar(Curve::Secp256k1, &[i; 32]).unwrap();
            Csr::build(&profile, &key).unwrap()
        })
        .find(|c| c.to_der().last().unwrap().is_ascii_whitespace())
        .expect("some fixed key gives a trailing whitespace byte");
    let (back, form) = Csr::parse(csr.to_der()).unwrap();
    assert_eq!(form, CsrForm::Der);
    assert_eq!(back.to_der(), csr.to_der());
    back.verify().unwrap();
}
