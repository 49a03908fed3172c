//! The test CA issues certificates shaped like ZATCA's, checked by OpenSSL and pyca/cryptography.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use der::{Decode as _, Encode as _, Tagged as _};
use zatca_simulator::ca::{CaKind, TestCa, read_csr};

/// SDK R3.4.8's own CSR (simulation template), base64 of PEM text: testdata/keys/README.
fn sdk_csr_der() -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/keys/sdk-r3.4.8-sim-en.csr");
    let b64: Vec<u8> = std::fs::read(path)
        .unwrap()
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let pem = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    der::pem::decode_vec(&pem).unwrap().1
}

const JAN_2025: u64 = 1_735_689_600;

#[test]
fn reads_and_verifies_the_sdk_csr() {
    let facts = read_csr(&sdk_csr_der()).unwrap();
    assert_eq!(
        facts.template_name.as_deref(),
        Some("PREZATCA-Code-Signing")
    );
    assert_eq!(facts.spki_der.len(), 88);
    let mut tampered = sdk_csr_der();
    let at = tampered
        .windows(13)
        .position(|w| w == b"Riyadh Branch")
        .unwrap();
    tampered[at] = b'J';
    assert_eq!(
        read_csr(&tampered).unwrap_err(),
        zatca_simulator::CaError::BadCsrSignature
    );
}

#[test]
fn ad_cs_certificate_has_zatca_shape_and_a_valid_signature() {
    let ca = TestCa::new(CaKind::AdCs {
        ca_name: "SIMZEINVOICESCA-CA".into(),
    })
    .unwrap();
    let csr = read_csr(&sdk_csr_der()).unwrap();
    let cert = ca.issue(&csr, JAN_2025).unwrap();
    let parsed = x509_cert::Certificate::from_der(cert.der()).unwrap();
    let tbs = parsed.tbs_certificate();
    // Display is RFC 4514 (last RDN first), which is also how ZATCA writes issuers.
    assert_eq!(
        tbs.issuer().to_string(),
        "CN=SIMZEINVOICESCA-CA,DC=extgazt,DC=gov,DC=local"
    );
    let encoded: Vec<String> = tbs.issuer().iter().map(|a| a.oid.to_string()).collect();
    assert_eq!(
        encoded[0], "0.9.2342.19200300.100.1.25",
        "DC=local must be encoded first"
    );
    assert_eq!(tbs.serial_number().as_bytes().len(), 19);
    assert_eq!(tbs.serial_number().as_bytes()[0], 0x11);
    assert_eq!(
        tbs.subject_public_key_info().to_der().unwrap(),
        csr.spki_der
    );
    let san = tbs
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.17")
        .unwrap();
    assert_eq!(
        san, &csr.subject_alt_name,
        "the SAN must be copied verbatim"
    );
    // The CA's signature verifies over the TBS bytes.
    let tbs_der = tbs.to_der().unwrap();
    ca.public_key()
        .verify_sha256(&tbs_der, parsed.signature().raw_bytes())
        .unwrap();
    assert!(cert.binary_security_token().len() > cert.base64().len());
}

#[test]
fn developer_portal_certificate_copies_the_subject() {
    let ca = TestCa::new(CaKind::DeveloperPortal).unwrap();
    let csr = read_csr(&sdk_csr_der()).unwrap();
    let cert = ca.issue(&csr, JAN_2025).unwrap();
    let parsed = x509_cert::Certificate::from_der(cert.der()).unwrap();
    assert_eq!(
        parsed.tbs_certificate().issuer().to_string(),
        "CN=eInvoicing"
    );
    assert_eq!(parsed.tbs_certificate().subject(), &csr.subject);
    assert_eq!(parsed.tbs_certificate().serial_number().as_bytes().len(), 6);
}

#[test]
fn openssl_and_python_read_the_issued_certificate() {
    let ca = TestCa::new(CaKind::AdCs {
        ca_name: "SIMZEINVOICESCA-CA".into(),
    })
    .unwrap();
    let cert = ca
        .issue(&read_csr(&sdk_csr_der()).unwrap(), JAN_2025)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cert.der");
    std::fs::write(&path, cert.der()).unwrap();
    match Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&path)
        .output()
    {
        Ok(out) => {
            assert!(out.status.success());
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("Digital Signature"), "{text}");
            assert!(text.contains("Code Signing"), "{text}");
            assert!(
                text.contains("Not After : Jan  1 00:00:00 2030 GMT"),
                "{text}"
            );
            assert!(text.contains("ASN1 OID: secp256k1"), "{text}");
        }
        Err(_) => eprintln!("skipped the openssl check: openssl is not installed"),
    }
    let script = r#"
import sys
from cryptography import x509
c = x509.load_der_x509_certificate(open(sys.argv[1], 'rb').read())
subj = [a.oid.dotted_string for a in c.subject]
assert subj == ['2.5.4.6', '2.5.4.10', '2.5.4.11', '2.5.4.3'], subj
assert [a._type.name for a in c.subject] == ['PrintableString'] * 4
ku = c.extensions.get_extension_for_class(x509.KeyUsage)
assert ku.critical and ku.value.digital_signature
san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
dn = san.get_values_for_type(x509.DirectoryName)[0]
assert [a.oid.dotted_string for a in dn][:3] == ['2.5.4.4', '0.9.2342.19200300.100.1.1', '2.5.4.12']
print("ok")
"#;
    match Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
    {
        Ok(out)
            if String::from_utf8_lossy(&out.stderr).contains("No module named 'cryptography'") =>
        {
            eprintln!("skipped the Python check: cryptography is not installed")
        }
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("skipped the Python check: python3 is not installed"),
    }
}

fn extension<'a>(cert: &'a x509_cert::Certificate, oid: &str) -> &'a x509_cert::ext::Extension {
    cert.tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id.to_string() == oid)
        .unwrap()
}

fn key_id(spki_der: &[u8]) -> Vec<u8> {
    zatca_types::digest::sha256(spki_der)[..20].to_vec()
}

/// The typed extensions and names encode to the bytes ZATCA's CAs write.
#[test]
fn extensions_and_names_keep_their_encoding() {
    let csr = read_csr(&sdk_csr_der()).unwrap();
    let ca = TestCa::new(CaKind::AdCs {
        ca_name: "SIMZEINVOICESCA-CA".into(),
    })
    .unwrap();
    let cert = x509_cert::Certificate::from_der(ca.issue(&csr, JAN_2025).unwrap().der()).unwrap();
    let order: Vec<(String, bool)> = cert
        .tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .map(|e| (e.extn_id.to_string(), e.critical))
        .collect();
    let expected = [
        ("2.5.29.14", false),
        ("2.5.29.35", false),
        ("2.5.29.15", true),
        ("2.5.29.37", false),
        ("2.5.29.17", false),
    ]
    .map(|(o, c)| (o.to_owned(), c));
    assert_eq!(order, expected);
    // keyUsage: BIT STRING, 7 unused bits, digitalSignature.
    assert_eq!(
        extension(&cert, "2.5.29.15").extn_value.as_bytes(),
        [0x03, 0x02, 0x07, 0x80]
    );
    // EKU: codeSigning, clientAuth.
    let mut eku = vec![
        0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03,
    ];
    eku.extend([0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]);
    assert_eq!(extension(&cert, "2.5.29.37").extn_value.as_bytes(), eku);
    let mut ski = vec![0x04, 0x14];
    ski.extend(key_id(&csr.spki_der));
    assert_eq!(extension(&cert, "2.5.29.14").extn_value.as_bytes(), ski);
    let mut aki = vec![0x30, 0x16, 0x80, 0x14];
    aki.extend(key_id(&ca.public_key().to_spki_der().unwrap()));
    assert_eq!(extension(&cert, "2.5.29.35").extn_value.as_bytes(), aki);
    // Issuer: DC as IA5String, CN as PrintableString; subject PrintableString.
    let tags: Vec<der::Tag> = cert
        .tbs_certificate()
        .issuer()
        .iter()
        .map(|a| a.value.tag())
        .collect();
    use der::Tag::{Ia5String, PrintableString};
    assert_eq!(tags, [Ia5String, Ia5String, Ia5String, PrintableString]);

    let portal = TestCa::new(CaKind::DeveloperPortal).unwrap();
    let cert =
        x509_cert::Certificate::from_der(portal.issue(&csr, JAN_2025).unwrap().der()).unwrap();
    let basic = extension(&cert, "2.5.29.19");
    assert!(basic.critical);
    assert_eq!(
        basic.extn_value.as_bytes(),
        [0x30, 0x00],
        "CA:FALSE by default"
    );
    let issuer = cert.tbs_certificate().issuer().to_der().unwrap();
    assert_eq!(
        issuer,
        [
            &[
                0x30, 0x15, 0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0a
            ][..],
            b"eInvoicing"
        ]
        .concat()
    );
}

/// Serials are positive, of ZATCA's lengths, and differ for one CSR at one time.
#[test]
fn serials_are_random_positive_and_of_zatca_lengths() {
    let csr = read_csr(&sdk_csr_der()).unwrap();
    for (kind, len) in [
        (CaKind::DeveloperPortal, 6),
        (
            CaKind::AdCs {
                ca_name: "SIMZEINVOICESCA-CA".into(),
            },
            19,
        ),
    ] {
        let ca = TestCa::new(kind.clone()).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let cert =
                x509_cert::Certificate::from_der(ca.issue(&csr, JAN_2025).unwrap().der()).unwrap();
            let serial = cert.tbs_certificate().serial_number().as_bytes().to_vec();
            assert_eq!(serial.len(), len, "{kind:?}");
            assert!(
                serial[0] != 0 && serial[0] < 0x80,
                "{kind:?}: {serial:02x?}"
            );
            if len == 19 {
                assert_eq!(serial[0], 0x11);
            }
            assert!(seen.insert(serial), "{kind:?}: a serial repeated");
        }
    }
}
