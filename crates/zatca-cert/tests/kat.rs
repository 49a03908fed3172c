//! Known-answer tests: every ZATCA-form value of every certificate in
//! `testdata/certs/expected-cert-values.json` (SDK R3.3.3, R3.2.7, R3.1.8 and
//! the ISB CCSID / PCSID / renewal certificates), in every input form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::Engine as _;
use support::{hex, read};
use zatca_cert::{CaFamily as Environment, Certificate, CertificateForm, UnixTime};

fn expected() -> Vec<serde_json::Value> {
    serde_json::from_slice(&read("certs/expected-cert-values.json")).unwrap()
}

fn s(v: &serde_json::Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key}"))
        .to_owned()
}

fn time(v: &serde_json::Value, key: &str) -> UnixTime {
    // "2024-01-11T09:19:30+00:00"
    let text = s(v, key).replace("+00:00", "Z");
    UnixTime::parse_rfc3339(&text).unwrap()
}

/// The subject in ZATCA form, from the JSON's RDNs in DER order.
fn zatca_subject(v: &serde_json::Value) -> String {
    let short = |oid: &str| match oid {
        "2.5.4.6" => "C",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.3" => "CN",
        other => panic!("unexpected subject OID {other}"),
    };
    let mut parts: Vec<String> = v["subject_rdns_in_der_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}={}",
                short(r[0].as_str().unwrap()),
                r[2].as_str().unwrap()
            )
        })
        .collect();
    parts.reverse();
    parts.join(", ")
}

#[test]
fn every_expected_value_of_every_certificate() {
    let all = expected();
    assert_eq!(all.len(), 6);
    for v in &all {
        let source = s(v, "source");
        let (cert, form) = Certificate::from_bytes(s(v, "binary_security_token_form").as_bytes())
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(form, CertificateForm::BinarySecurityToken, "{source}");
        assert_eq!(
            cert.issuer_name(),
            s(v, "x509_issuer_name_zatca_form"),
            "{source}"
        );
        assert_eq!(cert.serial_decimal(), s(v, "serial_decimal"), "{source}");
        assert_eq!(
            hex(cert.serial_bytes())
                .trim_start_matches('0')
                .to_uppercase(),
            s(v, "serial_hex").trim_start_matches('0'),
            "{source}"
        );
        assert_eq!(
            cert.certificate_hash(),
            s(v, "cert_hash_for_xades_certdigest"),
            "{source}"
        );
        assert_eq!(
            hex(cert.public_key_spki()),
            s(v, "spki_der_hex_qr_tag8"),
            "{source}"
        );
        assert_eq!(cert.public_key_spki().len(), 88, "{source}");
        assert_eq!(
            hex(cert.signature()),
            s(v, "certificate_signature_hex_qr_tag9"),
            "{source}"
        );
        assert_eq!(cert.not_before(), time(v, "not_before_utc"), "{source}");
        assert_eq!(cert.not_after(), time(v, "not_after_utc"), "{source}");
        assert_eq!(cert.subject_name(), zatca_subject(v), "{source}");
        assert_eq!(
            cert.binary_security_token(),
            s(v, "binary_security_token_form"),
            "{source}"
        );
        let san: Vec<(String, String)> = v["san_dirname"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap().to_owned(),
                    r[2].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let get = |oid: &str| san.iter().find(|(o, _)| o == oid).map(|(_, v)| v.clone());
        let ours = cert.san();
        assert_eq!(ours.egs_serial, get("2.5.4.4"), "{source}");
        assert_eq!(ours.vat, get("0.9.2342.19200300.100.1.1"), "{source}");
        assert_eq!(ours.invoice_types, get("2.5.4.12"), "{source}");
        assert_eq!(ours.location, get("2.5.4.26"), "{source}");
        assert_eq!(ours.industry, get("2.5.4.15"), "{source}");
        assert!(
            ours.vat.is_some() && ours.invoice_types.is_some(),
            "{source}"
        );
    }
}

#[test]
fn environments_inferred_from_the_issuer() {
    let env_of = |token: &str| {
        Certificate::from_bytes(token.as_bytes())
            .unwrap()
            .0
            .ca_family()
    };
    let all = expected();
    let by_source = |src: &str| {
        all.iter()
            .find(|v| s(v, "source") == src)
            .map(|v| s(v, "binary_security_token_form"))
            .unwrap()
    };
    assert_eq!(
        env_of(&by_source("sdk-r3.3.3/Data/Certificates/cert.pem")),
        Some(Environment::Production)
    );
    assert_eq!(
        env_of(&by_source("sdk-r3.2.7/Data/Certificates/cert.pem")),
        Some(Environment::LegacyTest)
    );
    assert_eq!(
        env_of(&by_source(
            "api/isb-compliance-200.json#binarySecurityToken"
        )),
        Some(Environment::DeveloperPortal)
    );
}

#[test]
fn sdk_r3_3_3_certificate_in_every_form() {
    let bare = read("keys/sdk-r3.3.3-cert.b64");
    let (reference, form) = Certificate::from_bytes(&bare).unwrap();
    assert_eq!(form, CertificateForm::Base64);
    assert_eq!(
        reference.base64(),
        std::str::from_utf8(bare.trim_ascii()).unwrap()
    );
    assert!(reference.is_shared_sandbox_certificate());
    assert_eq!(reference.ca_family(), Some(Environment::Production));

    let der = base64::engine::general_purpose::STANDARD
        .decode(bare.trim_ascii())
        .unwrap();
    let pem = reference.to_pem();
    let pem_crlf = pem.replace('\n', "\r\n");
    let b64_pem = base64::engine::general_purpose::STANDARD.encode(&pem);
    let token = read("certs/przeinvoicesca4-binarySecurityToken.txt");
    let csid = read("api/isb-production-csids-200.json");
    let wrapped_bare = bare
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let cases: Vec<(Vec<u8>, CertificateForm)> = vec![
        (der.clone(), CertificateForm::Der),
        (pem.clone().into_bytes(), CertificateForm::Pem),
        (pem_crlf.into_bytes(), CertificateForm::Pem),
        (format!("  \n{pem}\n").into_bytes(), CertificateForm::Pem),
        (wrapped_bare.into_bytes(), CertificateForm::Base64),
        (b64_pem.into_bytes(), CertificateForm::Base64Pem),
        (token.clone(), CertificateForm::BinarySecurityToken),
        (csid, CertificateForm::CsidResponse),
        (
            read("api/isb-production-csids-patch-428.json"),
            CertificateForm::CsidResponse,
        ),
    ];
    for (i, (input, want_form)) in cases.into_iter().enumerate() {
        let (cert, form) =
            Certificate::from_bytes(&input).unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(form, want_form, "case {i}");
        if i < 8 {
            assert_eq!(cert, reference, "case {i}");
            assert_eq!(cert.der(), der.as_slice());
        }
    }
    assert_eq!(
        reference.binary_security_token().as_bytes(),
        token.trim_ascii()
    );
}

#[test]
fn renewal_token_with_crlf_and_no_padding_is_read() {
    // ISB PATCH-200: the inner base64 ends in CRLF and lacks its `=` padding (spec §3.1).
    let (cert, form) =
        Certificate::from_bytes(&read("api/isb-production-csids-patch-200.json")).unwrap();
    assert_eq!(form, CertificateForm::CsidResponse);
    assert_eq!(cert.der().len(), 997);
    assert_eq!(
        cert.issuer_name(),
        "CN=PRZEINVOICESCA1-CA, DC=extgazt, DC=gov, DC=local"
    );
    assert_eq!(cert.ca_family(), Some(Environment::Production));
    assert!(!cert.is_shared_sandbox_certificate());
}

#[test]
fn sdk_keys_match_their_certificates() {
    for (key, cert) in [
        ("keys/sdk-r3.3.3-priv-key.b64", "keys/sdk-r3.3.3-cert.b64"),
        ("keys/sdk-r3.2.7-priv-key.b64", "keys/sdk-r3.2.7-cert.b64"),
    ] {
        let (key, _) = zatca_keys::PrivateKey::from_bytes(&read(key)).unwrap();
        let (cert, _) = Certificate::from_bytes(&read(cert)).unwrap();
        cert.check_public_key(&key.public_key()).unwrap();
        assert_eq!(
            cert.public_key_spki(),
            key.public_key().to_spki_der().unwrap()
        );
    }
}

#[test]
fn the_shared_sandbox_fingerprint_is_the_sdk_certificate_sha256() {
    let (cert, _) = Certificate::from_bytes(&read("keys/sdk-r3.3.3-cert.b64")).unwrap();
    assert_eq!(
        cert.fingerprint_sha256(),
        &zatca_types::digest::sha256(cert.der())
    );
    assert_eq!(
        cert.fingerprint_sha256(),
        &zatca_cert::SHARED_SANDBOX_CERT_SHA256
    );
    let (old, _) = Certificate::from_bytes(&read("keys/sdk-r3.2.7-cert.b64")).unwrap();
    assert!(!old.is_shared_sandbox_certificate());
}

#[test]
fn values_agree_with_openssl() {
    if !support::tool_available("openssl", &["version"]) {
        eprintln!("skipped: openssl is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for file in ["keys/sdk-r3.3.3-cert.b64", "keys/sdk-r3.2.7-cert.b64"] {
        let (cert, _) = Certificate::from_bytes(&read(file)).unwrap();
        let path = dir.path().join("c.der");
        std::fs::write(&path, cert.der()).unwrap();
        let out = std::process::Command::new("openssl")
            .args([
                "x509", "-inform", "DER", "-noout", "-serial", "-pubkey", "-in",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let serial_hex = text.lines().next().unwrap().trim_start_matches("serial=");
        assert_eq!(
            hex(cert.serial_bytes())
                .trim_start_matches("00")
                .to_uppercase(),
            serial_hex
        );
        let pem_body: String = text
            .lines()
            .skip_while(|l| !l.starts_with("-----BEGIN PUBLIC KEY"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(cert.public_key_spki()),
            pem_body
        );
    }
}
