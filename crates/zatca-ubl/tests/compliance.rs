//! The compliance sample documents for TSXY 1100, 1000 and 0100: they verify,
//! chain, add up, and their hashes agree with an independent computation
//! (`xmllint --c14n11` of the text with the signature parts cut out, then SHA-256).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{without_signature_parts, xmllint_available, xmllint_c14n11};
use sha2::{Digest as _, Sha256};
use zatca_cert::Certificate;
use zatca_fatoora::ComplianceStep;
use zatca_keys::PrivateKey;
use zatca_profile::{EgsProfile, RequestInput, ValidationProfile};
use zatca_ubl::{ComplianceSamples, Invoice, SampleDocument, SigningTime, verify_invoice};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn profile(tsxy: &str) -> EgsProfile {
    let request = std::fs::read_to_string(testdata().join("requests/sample-device.json")).unwrap();
    let request = request.replace(
        "\"InvoiceType\": \"1100\"",
        &format!("\"InvoiceType\": \"{tsxy}\""),
    );
    RequestInput::from_bytes(request.as_bytes())
        .unwrap()
        .validate(ValidationProfile::Sdk)
        .unwrap()
}

fn generate(tsxy: &str) -> Vec<SampleDocument> {
    let profile = profile(tsxy);
    let (key, _) = PrivateKey::read_file(&testdata().join("keys/sdk-r3.3.3-priv-key.b64")).unwrap();
    let (cert, _) = Certificate::read_file(&testdata().join("keys/sdk-r3.3.3-cert.b64")).unwrap();
    let steps = ComplianceStep::required_for(profile.invoice_types());
    let time = SigningTime::parse("2025-03-01T09:30:00").unwrap();
    ComplianceSamples::new(&profile, &key, &cert)
        .unwrap()
        .generate(&steps, &time, 1, zatca_sign::FIRST_PIH)
        .unwrap()
}

/// SHA-256 (base64) of `xmllint --c14n11` of the document with its
/// `UBLExtensions`, `Signature` and QR reference cut out of the text.
fn independent_hash(xml: &str) -> String {
    let (cut, parts) = without_signature_parts(xml);
    assert_eq!(parts, 3);
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(xmllint_c14n11(cut.as_bytes())))
}

fn amount(doc: &roxmltree::Document<'_>, path: &[&str]) -> i64 {
    let mut node = doc.root_element();
    for name in path {
        node = node
            .children()
            .find(|c| c.tag_name().name() == *name)
            .unwrap_or_else(|| panic!("no {name}"));
    }
    halalas(node.text().unwrap())
}

fn halalas(text: &str) -> i64 {
    let (units, cents) = text.split_once('.').unwrap();
    assert_eq!(cents.len(), 2, "{text}");
    units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

fn check_set(tsxy: &str, expected_steps: usize) {
    let docs = generate(tsxy);
    assert_eq!(docs.len(), expected_steps);
    let xmllint = xmllint_available();
    let mut pih = zatca_sign::FIRST_PIH.to_owned();
    for (i, doc) in docs.iter().enumerate() {
        let xml = doc.signed().xml();
        let step = doc.step();
        let verified = verify_invoice(xml.as_bytes()).unwrap_or_else(|e| panic!("{step}: {e}"));
        assert_eq!(verified.hash(), doc.signed().hash());
        if xmllint {
            assert_eq!(
                independent_hash(xml),
                doc.signed().hash().to_base64(),
                "{step}"
            );
        }

        // Chain: ICV 1..n, PIH from the genesis value on.
        let invoice = Invoice::parse(xml.as_bytes()).unwrap();
        assert_eq!(invoice.icv().unwrap(), i as u64 + 1);
        assert_eq!(invoice.pih().unwrap(), pih);
        pih = doc.signed().hash().to_base64();

        // Type code and subtype route to the step.
        let (code, subtype) = invoice.invoice_type().unwrap();
        assert_eq!(ComplianceStep::of_document(code, subtype), Some(step));
        assert_eq!(invoice.seller_vat(), Some("399999999900003"));
        assert_eq!(invoice.seller_name(), Some("Maximum Speed Tech Supply LTD"));
        assert_eq!(invoice.uuid().unwrap(), doc.submission().uuid);

        // Totals add up to the halala.
        let parsed = roxmltree::Document::parse(xml).unwrap();
        let lines: Vec<_> = parsed
            .root_element()
            .children()
            .filter(|c| c.tag_name().name() == "InvoiceLine")
            .collect();
        assert!(!lines.is_empty() && lines.len() <= 2);
        let line_sum: i64 = lines
            .iter()
            .map(|l| {
                halalas(
                    l.children()
                        .find(|c| c.tag_name().name() == "LineExtensionAmount")
                        .unwrap()
                        .text()
                        .unwrap(),
                )
            })
            .sum();
        let net = amount(&parsed, &["LegalMonetaryTotal", "LineExtensionAmount"]);
        let vat = amount(&parsed, &["TaxTotal", "TaxAmount"]);
        let gross = amount(&parsed, &["LegalMonetaryTotal", "TaxInclusiveAmount"]);
        assert_eq!(line_sum, net);
        assert_eq!(amount(&parsed, &["TaxTotal", "TaxAmount"]), vat);
        assert_eq!(net + vat, gross);
        assert_eq!(
            amount(&parsed, &["LegalMonetaryTotal", "PayableAmount"]),
            gross
        );
        // Line VAT is rounded per line: at most half a halala each.
        assert!((net * 15 - vat * 100).abs() <= 50 * lines.len() as i64);

        // Notes refer to the invoice of their kind and give a reason.
        if code != "388" {
            assert!(xml.contains("<cbc:InstructionNote>"), "{step}");
            let invoice_doc = docs
                .iter()
                .find(|d| {
                    d.step().type_code() == "388" && d.step().simplified() == step.simplified()
                })
                .unwrap();
            assert!(
                xml.contains(&format!(
                    "<cac:InvoiceDocumentReference>\n            <cbc:ID>{}</cbc:ID>",
                    invoice_doc.id()
                )),
                "{step}"
            );
        }
    }
}

#[test]
fn tsxy_1100_six_documents() {
    check_set("1100", 6);
}

#[test]
fn tsxy_1000_standard_documents() {
    check_set("1000", 3);
    assert!(generate("1000").iter().all(|d| !d.step().simplified()));
}

#[test]
fn tsxy_0100_simplified_documents() {
    check_set("0100", 3);
    assert!(generate("0100").iter().all(|d| d.step().simplified()));
}

#[test]
fn generation_is_deterministic_and_uuids_differ() {
    let (a, b) = (generate("1100"), generate("1100"));
    assert_eq!(a, b);
    let mut uuids: Vec<_> = a.iter().map(|d| d.signed().uuid().to_owned()).collect();
    uuids.sort();
    uuids.dedup();
    assert_eq!(uuids.len(), 6);
    assert!(
        uuids
            .iter()
            .all(|u| u.len() == 36 && u.as_bytes()[14] == b'8')
    );
}

#[test]
fn chain_continues_from_the_given_position() {
    let profile = profile("0100");
    let (key, _) = PrivateKey::read_file(&testdata().join("keys/sdk-r3.3.3-priv-key.b64")).unwrap();
    let (cert, _) = Certificate::read_file(&testdata().join("keys/sdk-r3.3.3-cert.b64")).unwrap();
    let samples = ComplianceSamples::new(&profile, &key, &cert).unwrap();
    let time = SigningTime::parse("2025-03-01T09:30:00").unwrap();
    let prev = "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=";
    let docs = samples
        .generate(&[ComplianceStep::SimplifiedInvoice], &time, 41, prev)
        .unwrap();
    assert_eq!((docs[0].icv(), docs[0].pih()), (41, prev));
    assert!(
        samples
            .generate(&[ComplianceStep::SimplifiedInvoice], &time, 1, "MA==")
            .is_err()
    );
}

/// The documents' bytes are pinned: each hash covers its document and, through
/// the PIH, every earlier one; signing is deterministic (RFC 6979, fixed time).
#[test]
fn generated_documents_are_byte_stable() {
    let docs = generate("1100");
    let last = docs.last().unwrap().signed().hash().to_base64();
    let xml_digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(
        docs.iter()
            .map(|d| d.signed().xml())
            .collect::<String>()
            .as_bytes(),
    ));
    assert_eq!(
        (last.as_str(), xml_digest.as_str()),
        (
            "CQalUYTssmNaE5eJAJekHnhxFgbs1ZndeO8MtX0XFi0=",
            "etMw+OzgZtioe3xH98sDlAkDtbHU0O0RoAL00UUhKJ4="
        )
    );
}
