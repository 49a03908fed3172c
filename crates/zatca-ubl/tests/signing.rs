//! Signing and verification known-answer tests on the SDK samples
//! (`testdata/invoices/`, expected values in `derived/expected-sample-values.json`),
//! with independent checks of our signatures by `openssl`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use common::without_signature_parts;
use serde_json::Value;
use zatca_cert::Certificate;
use zatca_keys::PrivateKey;
use zatca_sign::qr::Qr;
use zatca_ubl::{
    Invoice, InvoiceSigner, SigningTime, UblError, check_invoice, sign_invoice, verify_invoice,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn key(name: &str) -> PrivateKey {
    PrivateKey::read_file(&testdata().join("keys").join(name))
        .unwrap()
        .0
}

fn cert(name: &str) -> Certificate {
    Certificate::read_file(&testdata().join("keys").join(name))
        .unwrap()
        .0
}

struct Sample {
    rel: String,
    text: String,
    expected: Value,
}

fn samples() -> Vec<Sample> {
    let json =
        std::fs::read(testdata().join("invoices/derived/expected-sample-values.json")).unwrap();
    let entries: Vec<Value> = serde_json::from_slice(&json).unwrap();
    entries
        .into_iter()
        .map(|expected| {
            let rel = expected["file"]
                .as_str()
                .unwrap()
                .replacen("/Data/Samples/", "/", 1);
            let text = std::fs::read_to_string(testdata().join("invoices").join(&rel)).unwrap();
            Sample {
                rel,
                text,
                expected,
            }
        })
        .collect()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("missing {key}"))
}

/// The text of the first element named `name` (by local name).
fn element_text(xml: &str, name: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .find(|n| n.tag_name().name() == name)
        .and_then(|n| n.text())
        .unwrap_or_else(|| panic!("no {name}"))
        .to_owned()
}

fn props_digest(xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .find(|n| n.attribute("URI") == Some("#xadesSignedProperties"))
        .and_then(|r| r.children().find(|c| c.tag_name().name() == "DigestValue"))
        .and_then(|n| n.text())
        .unwrap()
        .to_owned()
}

fn qr_of(xml: &str) -> Qr {
    let invoice = Invoice::parse(xml.as_bytes()).unwrap();
    Qr::from_base64(invoice.require_qr().unwrap()).unwrap()
}

fn openssl_available() -> bool {
    match Command::new("openssl").arg("version").output() {
        Ok(out) => out.status.success(),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            eprintln!("skipped: openssl not found (apt-get install openssl)");
            false
        }
        Err(e) => panic!("openssl: {e}"),
    }
}

/// `openssl dgst -sha256 -verify` of a DER signature over the 32 hash bytes,
/// with the public key taken from the certificate by openssl itself.
fn openssl_verifies(cert: &Certificate, hash: &[u8; 32], der_sig: &[u8]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.to_pem()).unwrap();
    let out = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(dir.path().join("cert.pem"))
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(dir.path().join("pub.pem"), &out.stdout).unwrap();
    std::fs::write(dir.path().join("sig.der"), der_sig).unwrap();
    std::fs::write(dir.path().join("hash.bin"), hash).unwrap();
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(dir.path().join("pub.pem"))
        .arg("-signature")
        .arg(dir.path().join("sig.der"))
        .arg(dir.path().join("hash.bin"))
        .output()
        .unwrap();
    out.status.success()
}

/// Re-signing each SDK R3.3.3 sample with the SDK key, certificate and the
/// sample's own signing time gives the sample back, except the signature value
/// and QR tag 7 (the SDK's ECDSA nonces are random).
#[test]
fn resigning_sdk_r333_samples_reproduces_them() {
    let key = key("sdk-r3.3.3-priv-key.b64");
    let cert = cert("sdk-r3.3.3-cert.b64");
    let signer = InvoiceSigner::new(&key, &cert).unwrap();
    let openssl = openssl_available();
    let mut count = 0;
    for sample in samples()
        .into_iter()
        .filter(|s| s.rel.starts_with("sdk-r3.3.3/"))
    {
        let e = &sample.expected;
        let time = SigningTime::parse(s(e, "signing_time")).unwrap();
        let signed = signer.sign(sample.text.as_bytes(), &time).unwrap();
        let rel = &sample.rel;

        assert_eq!(
            signed.hash().to_base64(),
            s(e, "digest_value_in_xml"),
            "{rel}"
        );
        assert_eq!(
            signed.signed_properties_digest(),
            s(e, "signed_properties_digest_in_xml"),
            "{rel}"
        );
        assert_eq!(
            props_digest(signed.xml()),
            s(e, "signed_properties_digest_in_xml")
        );
        assert_eq!(signed.uuid(), s(e, "uuid"), "{rel}");

        // QR: every tag but 7 equals the sample's.
        let (ours, theirs) = (qr_of(signed.xml()), qr_of(&sample.text));
        assert_eq!(
            ours.signature.as_deref(),
            Some(signed.signature().to_base64().as_str())
        );
        assert_eq!(
            Qr {
                signature: None,
                ..ours.clone()
            },
            Qr {
                signature: None,
                ..theirs.clone()
            },
            "{rel}"
        );

        // The whole document: the sample with its two random values swapped for ours.
        let expected = sample
            .text
            .replacen(s(e, "signature_value"), &signed.signature().to_base64(), 1)
            .replacen(
                Invoice::parse(sample.text.as_bytes())
                    .unwrap()
                    .qr()
                    .unwrap(),
                signed.qr(),
                1,
            );
        assert!(expected == signed.xml(), "{rel}: layout differs");

        // Our signature verifies with our verifier and with openssl.
        let verified = verify_invoice(signed.xml().as_bytes()).unwrap();
        assert_eq!(verified.hash(), signed.hash());
        assert_eq!(verified.signing_time(), s(e, "signing_time"));
        if openssl {
            assert!(
                openssl_verifies(&cert, signed.hash().as_bytes(), signed.signature().as_der()),
                "{rel}: openssl rejects our signature"
            );
        }
        count += 1;
    }
    assert_eq!(count, 26);
}

/// Every consistent SDK sample verifies (26 R3.3.3 + 11 R3.2.7; 19 of the
/// signatures are high-S); openssl agrees on each signature.
#[test]
fn consistent_sdk_samples_verify() {
    let openssl = openssl_available();
    let mut count = 0;
    for sample in samples() {
        if !sample.expected["fully_consistent"].as_bool().unwrap() {
            continue;
        }
        let verified = verify_invoice(sample.text.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", sample.rel));
        assert_eq!(
            verified.hash().to_base64(),
            s(&sample.expected, "digest_value_in_xml")
        );
        assert_eq!(verified.uuid(), s(&sample.expected, "uuid"));
        if openssl {
            let sig = B64.decode(s(&sample.expected, "signature_value")).unwrap();
            assert!(
                openssl_verifies(verified.certificate(), verified.hash().as_bytes(), &sig),
                "{}",
                sample.rel
            );
        }
        count += 1;
    }
    assert_eq!(count, 37);
}

/// The 8 stale SDK R3.2.7 samples fail, each with the error naming its fault.
#[test]
fn stale_sdk_samples_fail_with_typed_errors() {
    let mut seen = Vec::new();
    for sample in samples() {
        if sample.expected["fully_consistent"].as_bool().unwrap() {
            continue;
        }
        let problems = check_invoice(sample.text.as_bytes()).unwrap_err();
        let first = verify_invoice(sample.text.as_bytes()).unwrap_err();
        assert_eq!(problems.first(), Some(&first));
        let e = &sample.expected;
        if !e["invoice_hash_matches"].as_bool().unwrap() {
            // Content changed after signing: the digest, and QR tag 6 unless
            // the QR was remade for the new content.
            assert!(
                matches!(first, UblError::InvoiceDigestMismatch { .. }),
                "{}: {first}",
                sample.rel
            );
            let qr_stale = e["qr_tags"]["6"] != e["invoice_hash_recomputed"];
            assert_eq!(
                problems
                    .iter()
                    .any(|p| matches!(p, UblError::QrMismatch { tag: 6, .. })),
                qr_stale,
                "{}: {problems:?}",
                sample.rel
            );
        } else {
            // Signed by another (non-ZATCA) certificate than the embedded one.
            assert!(
                matches!(first, UblError::SignatureValueInvalid),
                "{}: {first}",
                sample.rel
            );
            assert!(
                problems
                    .iter()
                    .any(|p| matches!(p, UblError::CertDigestMismatch { .. })),
                "{}",
                sample.rel
            );
        }
        let verifies = e["signature_verifies_over_raw_hash_bytes"]
            .as_bool()
            .unwrap();
        assert_eq!(
            problems.contains(&UblError::SignatureValueInvalid),
            !verifies,
            "{}",
            sample.rel
        );
        seen.push(sample.rel);
    }
    assert_eq!(seen.len(), 8, "{seen:?}");
}

fn signed_sample() -> String {
    std::fs::read_to_string(
        testdata().join("invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"),
    )
    .unwrap()
}

fn problems_of(xml: &str) -> Vec<UblError> {
    check_invoice(xml.as_bytes()).unwrap_err()
}

#[test]
fn each_tampered_element_is_named() {
    let xml = signed_sample();
    verify_invoice(xml.as_bytes()).unwrap();

    // SigningTime inside SignedProperties.
    let t = xml.replacen("2024-01-14T10:26:49", "2024-01-14T10:26:50", 1);
    assert!(matches!(
        problems_of(&t).as_slice(),
        [UblError::SignedPropertiesDigestMismatch { .. }]
    ));

    // The certificate digest (also inside the SignedProperties digest).
    let digest =
        "ZDMwMmI0MTE1NzVjOTU2NTk4YzVlODhhYmI0ODU2NDUyNTU2YTVhYjhhMDFmN2FjYjk1YTA2OWQ0NjY2MjQ4NQ==";
    let other =
        "ZTMwMmI0MTE1NzVjOTU2NTk4YzVlODhhYmI0ODU2NDUyNTU2YTVhYjhhMDFmN2FjYjk1YTA2OWQ0NjY2MjQ4NQ==";
    let problems = problems_of(&xml.replacen(digest, other, 1));
    assert!(problems.contains(&UblError::CertDigestMismatch {
        computed: digest.into(),
        stored: other.into()
    }));
    assert!(matches!(
        problems[0],
        UblError::SignedPropertiesDigestMismatch { .. }
    ));

    // The serial number.
    let serial = "379112742831380471835263969587287663520528387";
    let problems = problems_of(&xml.replacen(serial, "1", 1));
    assert!(problems.iter().any(|p| matches!(
        p,
        UblError::IssuerSerialMismatch {
            element: "ds:X509SerialNumber",
            ..
        }
    )));

    // The SignatureValue: a valid signature, but over another hash.
    let sig = element_text(&xml, "SignatureValue");
    let key = key("sdk-r3.3.3-priv-key.b64");
    let other_sig =
        zatca_sign::sign_invoice_hash(&key, &zatca_ubl::InvoiceHash::from_bytes([7; 32]))
            .unwrap()
            .to_base64();
    let problems = problems_of(&xml.replace(&sig, &other_sig));
    // QR tag 7 still holds the old value.
    assert!(
        matches!(
            problems.as_slice(),
            [
                UblError::SignatureValueInvalid,
                UblError::QrMismatch { tag: 7, .. }
            ]
        ),
        "{problems:?}"
    );

    // The SignedInfo digest.
    let problems = problems_of(&xml.replacen(
        "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=",
        "Iss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=",
        1,
    ));
    assert!(matches!(
        problems[0],
        UblError::InvoiceDigestMismatch { .. }
    ));

    // A QR tag: the total.
    let invoice = Invoice::parse(xml.as_bytes()).unwrap();
    let mut qr = Qr::from_base64(invoice.qr().unwrap()).unwrap();
    qr.total_with_vat = "231.16".into();
    let t = xml.replacen(invoice.qr().unwrap(), &qr.to_base64().unwrap(), 1);
    assert_eq!(
        problems_of(&t),
        [UblError::QrMismatch {
            tag: 4,
            expected: "231.15".into(),
            found: "231.16".into()
        }]
    );
    assert!(
        problems_of(&t)[0]
            .to_string()
            .starts_with("QR tag 4 (total with VAT)")
    );
}

#[test]
fn unsigned_invoice_signs_to_the_same_document() {
    let key = key("sdk-r3.3.3-priv-key.b64");
    let cert = cert("sdk-r3.3.3-cert.b64");
    let xml = signed_sample();
    let time = SigningTime::parse("2024-01-14T10:26:49").unwrap();
    let bare = without_signature_parts(&xml).0;
    assert!(!bare.contains("UBLExtensions"));
    let from_bare = sign_invoice(bare.as_bytes(), &key, &cert, &time).unwrap();
    let from_signed = sign_invoice(xml.as_bytes(), &key, &cert, &time).unwrap();
    // RFC 6979: same hash, same signature, and here the same bytes (the SDK
    // sample has no whitespace around its signature parts either).
    assert_eq!(from_bare.hash(), from_signed.hash());
    assert_eq!(from_bare.signature(), from_signed.signature());
    verify_invoice(from_bare.xml().as_bytes()).unwrap();
    // Re-signing a signed document: one of each part.
    let twice = sign_invoice(from_bare.xml().as_bytes(), &key, &cert, &time).unwrap();
    assert_eq!(twice.xml(), from_bare.xml());
    assert_eq!(twice.xml().matches("<ext:UBLExtensions").count(), 1);
    assert_eq!(twice.xml().matches("<cac:Signature>").count(), 1);
    assert_eq!(twice.xml().matches("<cbc:ID>QR</cbc:ID>").count(), 1);
}

#[test]
fn prefixes_not_bound_on_the_invoice_are_declared_on_the_parts() {
    let key = key("sdk-r3.3.3-priv-key.b64");
    let cert = cert("sdk-r3.3.3-cert.b64");
    let bare = without_signature_parts(&signed_sample()).0.replacen(
        " xmlns:ext=\"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2\"",
        "",
        1,
    );
    let time = SigningTime::parse("2025-01-01T00:00:00Z").unwrap();
    let signed = sign_invoice(bare.as_bytes(), &key, &cert, &time).unwrap();
    assert!(signed.xml().contains(
        "<ext:UBLExtensions xmlns:ext=\"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2\">"
    ));
    let verified = verify_invoice(signed.xml().as_bytes()).unwrap();
    assert_eq!(verified.hash(), signed.hash());
    assert_eq!(verified.signing_time(), "2025-01-01T00:00:00Z");
}

#[test]
fn signer_refuses_a_key_that_is_not_the_certificates() {
    let key = key("sdk-r3.2.7-priv-key.b64");
    let cert = cert("sdk-r3.3.3-cert.b64");
    assert_eq!(
        InvoiceSigner::new(&key, &cert).unwrap_err(),
        UblError::KeyCertificateMismatch
    );
}

#[test]
fn signing_needs_the_chain_and_the_qr_fields() {
    let key = key("sdk-r3.3.3-priv-key.b64");
    let cert = cert("sdk-r3.3.3-cert.b64");
    let time = SigningTime::parse("2025-01-01T00:00:00").unwrap();
    let xml = signed_sample();
    let no_pih = xml.replacen("<cbc:ID>PIH</cbc:ID>", "<cbc:ID>XYZ</cbc:ID>", 1);
    assert!(matches!(
        sign_invoice(no_pih.as_bytes(), &key, &cert, &time),
        Err(UblError::MissingElement { .. })
    ));
    let no_total = xml.replacen("cbc:PayableAmount", "cbc:PayableAmountX", 2);
    assert_eq!(
        sign_invoice(no_total.as_bytes(), &key, &cert, &time),
        Err(UblError::MissingElement {
            path: "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount"
        })
    );
}

/// The standard sample carries QR tags 1–8 only; the simplified one 1–9.
#[test]
fn tag_9_only_on_simplified_documents() {
    let key = key("sdk-r3.3.3-priv-key.b64");
    let cert = cert("sdk-r3.3.3-cert.b64");
    let time = SigningTime::parse("2025-01-01T00:00:00").unwrap();
    let standard =
        std::fs::read(testdata().join("invoices/sdk-r3.3.3/Standard/Invoice/Standard_Invoice.xml"))
            .unwrap();
    let signed = sign_invoice(&standard, &key, &cert, &time).unwrap();
    assert!(qr_of(signed.xml()).certificate_signature.is_none());
    let signed = sign_invoice(signed_sample().as_bytes(), &key, &cert, &time).unwrap();
    assert_eq!(
        qr_of(signed.xml()).certificate_signature.as_deref(),
        Some(cert.signature())
    );
    let submission = signed.submission();
    assert_eq!(
        B64.decode(&submission.invoice).unwrap(),
        signed.xml().as_bytes()
    );
    assert_eq!(submission.invoice_hash, signed.hash().to_base64());
}
