//! The device's invoice chain on the directory store: consecutive ICVs, each
//! PIH the previous document's hash (checked with xmllint + SHA-256), the
//! signed documents verify, refusals commit nothing, a kill at any write
//! neither repeats an ICV nor forks the chain, and a renewal switches the
//! signing certificate with no gap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use base64::Engine as _;
use common::{FakeDocuments, now, onboarding, otp, request, simulator, temp_files, testdata};
use zatca_onboarding::{
    CsidKind, DeviceId, DeviceState, DeviceStore as _, Onboarding, RenewKey, Store,
};
use zatca_profile::Environment;
use zatca_simulator::Simulator;

const ENV: Environment = Environment::Simulation;

type Ob<'s> = Onboarding<&'s Simulator, FakeDocuments>;

/// Cuts `<open…</close>` out of `xml`, the element that contains `marker`
/// (or the first one when `marker` is empty).
fn cut_element(xml: &str, open: &str, close: &str, marker: &str) -> String {
    let at = if marker.is_empty() {
        xml.find(open)
    } else {
        xml.find(marker).and_then(|m| xml[..m].rfind(open))
    };
    let Some(start) = at else {
        return xml.to_owned();
    };
    let end = start + xml[start..].find(close).unwrap() + close.len();
    format!("{}{}", &xml[..start], &xml[end..])
}

/// The document without `ext:UBLExtensions`, `cac:Signature` and the QR reference.
fn unsigned(xml: &str) -> String {
    let xml = cut_element(xml, "<ext:UBLExtensions", "</ext:UBLExtensions>", "");
    let xml = cut_element(&xml, "<cac:Signature>", "</cac:Signature>", "");
    cut_element(
        &xml,
        "<cac:AdditionalDocumentReference>",
        "</cac:AdditionalDocumentReference>",
        "<cbc:ID>QR</cbc:ID>",
    )
}

fn sample(rel: &str) -> String {
    let text =
        std::fs::read_to_string(testdata(&format!("invoices/sdk-r3.3.3/{rel}.xml"))).unwrap();
    // Comments are not in the invoice hash, but xmllint keeps them.
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("-->").unwrap() + start + 3;
        rest = &rest[end..];
    }
    out.push_str(rest);
    unsigned(&out)
}

const SAMPLES: [&str; 4] = [
    "Simplified/Invoice/Simplified_Invoice",
    "Standard/Invoice/Standard_Invoice",
    "Simplified/Credit/Simplified_Credit_Note",
    "Standard/Debit/Standard_Debit_Note",
];

/// The invoice hash computed without the crate: xmllint's C14N 1.1 of the
/// document without its signature parts, SHA-256, base64. `None` without xmllint.
fn independent_hash(signed: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.xml");
    std::fs::write(&path, unsigned(signed)).unwrap();
    let out = Command::new("xmllint")
        .arg("--c14n11")
        .arg(&path)
        .output()
        .ok()?;
    assert!(out.status.success());
    Some(base64::engine::general_purpose::STANDARD.encode(zatca_types::digest::sha256(&out.stdout)))
}

fn production_device<'s>(dir: &std::path::Path, sim: &'s Simulator) -> (Ob<'s>, DeviceId) {
    let ob = onboarding(dir, sim, FakeDocuments::default());
    let id = ob
        .register_device(&request("1100", "1"), Some(ENV), now())
        .unwrap()
        .device_id;
    ob.generate_pcsid(&id, &otp("100000"), now()).unwrap();
    (ob, id)
}

/// Every committed document from 1 to the head: consecutive, each PIH the
/// previous hash, the head's PIH the last hash, every document verifying.
fn assert_linked(store: &Store, id: &DeviceId) -> u64 {
    let head = zatca_onboarding::chain_view(store, id).unwrap();
    let mut pih = zatca_sign::FIRST_PIH.to_owned();
    for icv in 1..=head.last_icv {
        let invoice = zatca_onboarding::load_invoice(store, id, icv).unwrap();
        assert_eq!(invoice.icv, icv);
        assert_eq!(invoice.pih, pih, "ICV {icv}");
        let doc = zatca_ubl::Invoice::parse(invoice.signed_invoice.as_bytes()).unwrap();
        assert_eq!(
            (doc.icv().unwrap(), doc.pih().unwrap()),
            (icv, pih.as_str())
        );
        zatca_ubl::verify_invoice(invoice.signed_invoice.as_bytes()).unwrap();
        pih = invoice.invoice_hash;
    }
    assert_eq!(head.next_pih, pih);
    assert_eq!(head.next_icv, head.last_icv + 1);
    head.last_icv
}

#[test]
fn sequential_documents_get_consecutive_icvs_and_linked_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let (ob, id) = production_device(dir.path(), &sim);
    let mut previous = zatca_sign::FIRST_PIH.to_owned();
    for (n, rel) in SAMPLES.iter().enumerate() {
        let signed = ob
            .sign_invoice(&id, sample(rel).as_bytes(), None, now())
            .unwrap();
        assert!(!signed.replayed);
        let invoice = &signed.invoice;
        assert_eq!(invoice.icv, n as u64 + 1, "{rel}");
        assert_eq!(invoice.pih, previous, "{rel}");
        zatca_ubl::verify_invoice(invoice.signed_invoice.as_bytes()).unwrap();
        if let Some(hash) = independent_hash(&invoice.signed_invoice) {
            assert_eq!(hash, invoice.invoice_hash, "{rel}");
        }
        let doc = zatca_ubl::Invoice::parse(invoice.signed_invoice.as_bytes()).unwrap();
        assert_eq!(doc.uuid().unwrap(), invoice.uuid);
        assert_eq!(doc.qr(), Some(invoice.qr.as_str()));
        previous = invoice.invoice_hash.clone();
    }
    assert_eq!(assert_linked(ob.store(), &id), SAMPLES.len() as u64);
    let head = ob.chain(&id).unwrap();
    assert_eq!((head.last_icv, head.invoices), (4, 4));
    assert_eq!(ob.invoice(&id, 5).unwrap_err().code(), "ZO053");
    assert_eq!(ob.invoice(&id, 0).unwrap_err().code(), "ZO053");
}

#[test]
fn the_signing_certificate_is_the_current_production_csid() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let (ob, id) = production_device(dir.path(), &sim);
    let signed = ob
        .sign_invoice(&id, sample(SAMPLES[0]).as_bytes(), None, now())
        .unwrap();
    let record = ob.store().load_device(&id).unwrap();
    let csid = ob
        .store()
        .read_csid(&record, CsidKind::Production, record.current.number)
        .unwrap();
    assert!(
        signed
            .invoice
            .signed_invoice
            .contains(csid.certificate().base64())
    );
}

#[test]
fn an_idempotency_key_answers_the_same_document_again() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let (ob, id) = production_device(dir.path(), &sim);
    let doc = sample(SAMPLES[0]);
    let first = ob
        .sign_invoice(&id, doc.as_bytes(), Some("till-7-0001"), now())
        .unwrap();
    let again = ob
        .sign_invoice(&id, doc.as_bytes(), Some("till-7-0001"), now())
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.invoice, first.invoice);
    assert_eq!(ob.chain(&id).unwrap().last_icv, 1);
    let other = sample(SAMPLES[1]);
    assert_eq!(
        ob.sign_invoice(&id, other.as_bytes(), Some("till-7-0001"), now())
            .unwrap_err()
            .code(),
        "ZO052"
    );
    assert_eq!(
        ob.sign_invoice(&id, other.as_bytes(), Some("bad key"), now())
            .unwrap_err()
            .code(),
        "ZO054"
    );
    let next = ob
        .sign_invoice(&id, other.as_bytes(), Some("till-7-0002"), now())
        .unwrap();
    assert_eq!(next.invoice.icv, 2);
    assert_eq!(next.invoice.pih, first.invoice.invoice_hash);
}

#[test]
fn refusals_commit_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let id = ob
        .register_device(&request("1100", "1"), Some(ENV), now())
        .unwrap()
        .device_id;
    let doc = sample(SAMPLES[0]);
    let e = ob
        .sign_invoice(&id, doc.as_bytes(), None, now())
        .unwrap_err();
    assert_eq!(e.code(), "ZO051", "{e}");

    ob.generate_pcsid(&id, &otp("100000"), now()).unwrap();
    let signed_sample = std::fs::read(testdata(
        "invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml",
    ))
    .unwrap();
    let e = ob
        .sign_invoice(&id, &signed_sample, None, now())
        .unwrap_err();
    assert_eq!(e.code(), "ZO050", "{e}");
    assert!(e.to_string().contains("UBLExtensions"), "{e}");
    let e = ob
        .sign_invoice(&id, b"<not-an-invoice/>", None, now())
        .unwrap_err();
    assert_eq!(e.code(), "ZO050", "{e}");
    assert_eq!(ob.chain(&id).unwrap().last_icv, 0);

    let unknown = DeviceId::derive(ENV, "399999999900003", "1-TST|2-TST|3-none");
    assert_eq!(
        ob.sign_invoice(&unknown, doc.as_bytes(), None, now())
            .unwrap_err()
            .code(),
        "ZO003"
    );
}

#[test]
fn signing_killed_at_every_write_never_repeats_an_icv_nor_forks() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let (ob, id) = production_device(dir.path(), &sim);
    let doc = sample(SAMPLES[0]);
    ob.sign_invoice(&id, doc.as_bytes(), None, now()).unwrap();
    let mut given = vec![1];
    let mut crashes = 0;
    for n in 1.. {
        let before = ob.chain(&id).unwrap();
        ob.store().kill_at_write(Some(n));
        let result = ob.sign_invoice(&id, doc.as_bytes(), Some(&format!("k{n}")), now());
        ob.store().kill_at_write(None);
        let after = ob.chain(&id).unwrap();
        match result {
            Ok(signed) => {
                assert_eq!(signed.invoice.icv, before.last_icv + 1);
                given.push(signed.invoice.icv);
                break;
            }
            Err(_) => {
                crashes += 1;
                // Killed before the commit point: nothing moved.
                assert_eq!(after, before, "write {n}");
            }
        }
        // After the kill (and the sweep the next call makes), the next one works.
        let next = ob.sign_invoice(&id, doc.as_bytes(), None, now()).unwrap();
        assert_eq!(next.invoice.icv, before.last_icv + 1, "write {n}");
        assert_eq!(next.invoice.pih, before.next_pih, "write {n}");
        // The key of the killed call was never committed: it signs anew.
        let retried = ob
            .sign_invoice(&id, doc.as_bytes(), Some(&format!("k{n}")), now())
            .unwrap();
        assert!(!retried.replayed);
        given.push(next.invoice.icv);
        given.push(retried.invoice.icv);
        assert!(temp_files(dir.path()).is_empty(), "write {n}");
    }
    assert!(crashes >= 2, "{crashes} crashes");
    let mut sorted = given.clone();
    sorted.dedup();
    assert_eq!(sorted, given, "an ICV was given twice: {given:?}");
    assert_eq!(assert_linked(ob.store(), &id), *given.last().unwrap());
}

#[test]
fn a_renewal_switches_the_signing_certificate_without_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let (ob, id) = production_device(dir.path(), &sim);
    let doc = sample(SAMPLES[0]);
    let cert_of = |ob: &Ob<'_>| {
        let record = ob.store().load_device(&id).unwrap();
        ob.store()
            .read_csid(&record, CsidKind::Production, record.current.number)
            .unwrap()
            .certificate()
            .base64()
            .to_owned()
    };
    let old_cert = cert_of(&ob);
    ob.sign_invoice(&id, doc.as_bytes(), None, now()).unwrap();

    // A renewal stopped half-way (its new key and CSR written, the device
    // RENEWING): the device keeps signing with the current PCSID.
    let mut left_renewing = false;
    for n in 1..40 {
        ob.store().kill_at_write(Some(n));
        let result = ob.renew_pcsid(&id, &otp("300000"), RenewKey::New, now());
        ob.store().kill_at_write(None);
        assert!(result.is_err());
        let record = ob.store().load_device(&id).unwrap();
        if record.state == DeviceState::Renewing {
            left_renewing = true;
            let signed = ob.sign_invoice(&id, doc.as_bytes(), None, now()).unwrap();
            assert!(signed.invoice.signed_invoice.contains(&old_cert));
            assert_eq!(record.current.number, 1);
            break;
        }
    }
    assert!(left_renewing);
    ob.renew_pcsid(&id, &otp("400000"), RenewKey::New, now())
        .unwrap();
    let new_cert = cert_of(&ob);
    assert_ne!(new_cert, old_cert);
    let before = ob.chain(&id).unwrap();
    let signed = ob.sign_invoice(&id, doc.as_bytes(), None, now()).unwrap();
    assert!(signed.invoice.signed_invoice.contains(&new_cert));
    assert_eq!(signed.invoice.icv, before.next_icv);
    assert_eq!(signed.invoice.pih, before.next_pih);
    assert_eq!(assert_linked(ob.store(), &id), 3);
}
