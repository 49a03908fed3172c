//! Certificates made in the tests: pre-flight checks, serial edge cases,
//! name forms, and inputs that are not certificates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::*;
use zatca_cert::{CaFamily as Environment, CertError, Certificate, Expectations, UnixTime};
use zatca_keys::{Curve, PrivateKey};

fn key(seed: u8) -> PrivateKey {
    PrivateKey::from_scalar(Curve::Secp256k1, &[seed; 32]).unwrap()
}

fn cert(t: &TestCert<'_>, subject: &PrivateKey) -> Certificate {
    Certificate::from_der(&t.issue(subject, &key(200))).unwrap()
}

const MID_2025: UnixTime = UnixTime::from_secs(1_750_000_000);

#[test]
fn preflight_passes_and_each_check_fails_with_its_error() {
    let ours = key(1);
    let c = cert(&TestCert::zatca_like("300000000000003", "1100"), &ours);
    assert_eq!(c.ca_family(), Some(Environment::Simulation));
    assert_eq!(
        c.issuer_name(),
        "CN=PEZEINVOICESCA2-CA, DC=extgazt, DC=gov, DC=local"
    );
    let pk = ours.public_key();
    let ok = Expectations {
        public_key: &pk,
        vat: "300000000000003",
        invoice_types: "1100",
        at: MID_2025,
        allow_shared_sandbox_certificate: false,
    };
    c.preflight(&ok).unwrap();
    // TSXY coverage: asking for less is fine.
    for sub in ["1000", "0100", "0000", "1100"] {
        c.preflight(&Expectations {
            invoice_types: sub,
            ..ok
        })
        .unwrap();
    }
    let other = key(2).public_key();
    assert_eq!(
        c.preflight(&Expectations {
            public_key: &other,
            ..ok
        }),
        Err(CertError::KeyMismatch)
    );
    assert_eq!(
        c.preflight(&Expectations {
            vat: "399999999900003",
            ..ok
        }),
        Err(CertError::VatMismatch {
            expected: "399999999900003".into(),
            found: "300000000000003".into()
        })
    );
    assert_eq!(
        c.preflight(&Expectations {
            invoice_types: "1110",
            ..ok
        }),
        Err(CertError::InvoiceTypesNotCovered {
            expected: "1110".into(),
            found: "1100".into()
        })
    );
    assert!(matches!(
        c.preflight(&Expectations {
            invoice_types: "11",
            ..ok
        }),
        Err(CertError::InvalidExpectation { .. })
    ));
    assert_eq!(
        c.preflight(&Expectations {
            at: UnixTime::from_secs(JAN_2024 - 1),
            ..ok
        }),
        Err(CertError::NotYetValid {
            at: UnixTime::from_secs(JAN_2024 - 1),
            not_before: UnixTime::from_secs(JAN_2024)
        })
    );
    assert_eq!(
        c.preflight(&Expectations {
            at: UnixTime::from_secs(JAN_2029 + 1),
            ..ok
        }),
        Err(CertError::Expired {
            at: UnixTime::from_secs(JAN_2029 + 1),
            not_after: UnixTime::from_secs(JAN_2029)
        })
    );
    // Bounds are inclusive.
    c.check_validity(UnixTime::from_secs(JAN_2024)).unwrap();
    c.check_validity(UnixTime::from_secs(JAN_2029)).unwrap();
}

#[test]
fn simplified_only_certificate_does_not_cover_standard() {
    let ours = key(3);
    let c = cert(&TestCert::zatca_like("300000000000003", "0100"), &ours);
    assert!(matches!(
        c.check_invoice_types("1000"),
        Err(CertError::InvoiceTypesNotCovered { .. })
    ));
    c.check_invoice_types("0100").unwrap();
}

#[test]
fn missing_san_fields_are_typed() {
    let ours = key(4);
    let mut t = TestCert::zatca_like("300000000000003", "1100");
    t.san = None;
    let c = cert(&t, &ours);
    assert!(matches!(
        c.check_vat("300000000000003"),
        Err(CertError::MissingSanField { .. })
    ));
    assert!(matches!(
        c.check_invoice_types("1100"),
        Err(CertError::MissingSanField { .. })
    ));
    // A non-binary TSXY in the certificate covers nothing.
    let c = cert(&TestCert::zatca_like("300000000000003", "11x0"), &ours);
    assert!(matches!(
        c.check_invoice_types("1000"),
        Err(CertError::InvoiceTypesNotCovered { .. })
    ));
}

#[test]
fn shared_sandbox_certificate_is_refused_unless_allowed() {
    let (c, _) = Certificate::from_bytes(&read("keys/sdk-r3.3.3-cert.b64")).unwrap();
    let (sdk_key, _) = PrivateKey::from_bytes(&read("keys/sdk-r3.3.3-priv-key.b64")).unwrap();
    let pk = sdk_key.public_key();
    let e = Expectations {
        public_key: &pk,
        vat: "399999999900003",
        invoice_types: "1100",
        at: MID_2025,
        allow_shared_sandbox_certificate: false,
    };
    assert_eq!(c.preflight(&e), Err(CertError::SharedSandboxCertificate));
    c.preflight(&Expectations {
        allow_shared_sandbox_certificate: true,
        ..e
    })
    .unwrap();
    // The expired SDK R3.2.7 certificate, with an injected clock before and after.
    let (old, _) = Certificate::from_bytes(&read("keys/sdk-r3.2.7-cert.b64")).unwrap();
    old.check_validity(UnixTime::parse_rfc3339("2023-06-01T00:00:00Z").unwrap())
        .unwrap();
    assert!(matches!(
        old.check_validity(UnixTime::parse_rfc3339("2024-11-08T08:07:23Z").unwrap()),
        Err(CertError::Expired { .. })
    ));
}

#[test]
fn serial_sign_byte_and_negative_serials() {
    let ours = key(5);
    for (bytes, decimal) in [
        (vec![0x00, 0x80], "128"),
        (vec![0x01], "1"),
        (
            vec![
                0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
            "1461501637330902918203684832716283019655932542975",
        ),
        (vec![0xff], "-1"),
        (vec![0x80, 0x00], "-32768"),
    ] {
        let mut t = TestCert::zatca_like("300000000000003", "1100");
        t.serial = bytes.clone();
        let c = cert(&t, &ours);
        assert_eq!(c.serial_decimal(), decimal, "{bytes:02x?}");
    }
}

#[test]
fn issuer_names_in_java_form() {
    let ours = key(6);
    let mut t = TestCert::zatca_like("300000000000003", "1100");
    t.issuer = vec![
        (C, PRINTABLE, "SA"),
        (O, UTF8, "Acme, Inc"),
        (CN, UTF8, "eInvoicing"),
    ];
    let c = cert(&t, &ours);
    assert_eq!(c.issuer_name(), "CN=eInvoicing, O=\"Acme, Inc\", C=SA");
    assert_eq!(c.ca_family(), Some(Environment::DeveloperPortal));
    t.issuer = vec![(CN, UTF8, "Some Other CA")];
    assert_eq!(cert(&t, &ours).ca_family(), None);
}

#[test]
fn made_certificates_agree_with_python_cryptography() {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: python3 with `cryptography` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ours = key(7);
    let mut t = TestCert::zatca_like("310122393500003", "1000");
    t.serial = vec![
        0x6f, 0x00, 0x00, 0x81, 0xbb, 0x91, 0x6e, 0x8e, 0x6d, 0xa5, 0x0f, 0x90, 0x8e, 0x00, 0x01,
        0x00, 0x00, 0x81, 0xbb,
    ];
    let c = cert(&t, &ours);
    let path = dir.path().join("c.der");
    std::fs::write(&path, c.der()).unwrap();
    let script = "import sys\nfrom cryptography import x509\nfrom cryptography.hazmat.primitives import serialization as s\nc = x509.load_der_x509_certificate(open(sys.argv[1],'rb').read())\nprint(c.serial_number)\nprint(c.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo).hex())\nprint(c.signature.hex())\nprint(int(c.not_valid_after_utc.timestamp()))";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], c.serial_decimal());
    assert_eq!(lines[0], "2475382889481219846080454947234981286678397371");
    assert_eq!(lines[1], hex(c.public_key_spki()));
    assert_eq!(lines[2], hex(c.signature()));
    assert_eq!(lines[3], c.not_after().as_secs().to_string());
}

#[test]
fn inputs_that_are_not_certificates() {
    let not_cert = |input: &[u8]| match Certificate::from_bytes(input) {
        Err(CertError::NotACertificate { found }) => found,
        other => panic!("{other:?}"),
    };
    assert!(not_cert(&read("keys/sdk-r3.3.3-priv-key.b64")).contains("private key"));
    assert!(not_cert(&read("keys/openssl-sec1-secp256k1.der")).contains("private key"));
    assert!(not_cert(&read("keys/openssl-pkcs8-secp256k1.pem")).contains("PRIVATE KEY"));
    assert!(not_cert(&read("keys/openssl-public-secp256k1.pem")).contains("PUBLIC KEY"));
    assert!(not_cert(&read("keys/sdk-r3.4.8-sim-en.csr")).contains("CERTIFICATE REQUEST"));
    assert!(not_cert(br#"{"hello":1}"#).contains("JSON"));
    // A refused CSID answer holds no certificate; reading ZATCA's errors out of
    // it is the Fatoora contract's job, not this crate's.
    let refused = br#"{"requestID":-2,"dispositionMessage":"NOT_COMPLIANT","binarySecurityToken":null,"errors":["Denied"]}"#;
    assert!(not_cert(refused).contains("refused CSID answer"));
    assert!(
        not_cert(br#"{"value":{"dispositionMessage":"NOT_COMPLIANT"}}"#)
            .contains("binarySecurityToken")
    );
    assert_eq!(Certificate::from_bytes(b"").unwrap_err(), CertError::Empty);
    assert_eq!(
        Certificate::from_bytes(b"hello, world").unwrap_err(),
        CertError::Unrecognized
    );
    // A truncated certificate is malformed, not "something else".
    let (c, _) = Certificate::from_bytes(&read("keys/sdk-r3.3.3-cert.b64")).unwrap();
    let der = c.der();
    assert!(matches!(
        Certificate::from_bytes(&der[..der.len() - 1]),
        Err(CertError::Malformed { .. })
    ));
    let mut trailing = der.to_vec();
    trailing.push(0);
    assert!(matches!(
        Certificate::from_bytes(&trailing),
        Err(CertError::Malformed { .. })
    ));
    assert!(matches!(
        Certificate::from_bytes(b"-----BEGIN CERTIFICATE-----\nMIIB\n"),
        Err(CertError::Malformed { form: "PEM", .. })
    ));
    assert!(matches!(
        Certificate::from_bytes(br#"{"binarySecurityToken":7}"#),
        Err(CertError::Malformed {
            form: "CSID response JSON",
            ..
        })
    ));
    assert!(matches!(
        Certificate::from_bytes(b"TUlJ!!"),
        Err(CertError::Unrecognized)
    ));
    let big = vec![b'A'; zatca_cert::MAX_INPUT_BYTES + 1];
    assert!(matches!(
        Certificate::from_bytes(&big),
        Err(CertError::TooLarge { .. })
    ));
}

#[test]
fn read_file_and_io_errors() {
    let (c, _) = Certificate::read_file(&testdata("keys/sdk-r3.3.3-cert.b64")).unwrap();
    assert!(c.is_shared_sandbox_certificate());
    assert!(matches!(
        Certificate::read_file(&testdata("does/not/exist")),
        Err(CertError::Io { .. })
    ));
}
