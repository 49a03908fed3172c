//! Acceptance tests of `zatca invoice sign`, `zatca invoice verify` and
//! `zatca compliance-docs` on the SDK R3.3.3 sample key, certificate and invoices.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{stderr, testdata, zatca};

const KEY: &str = "keys/sdk-r3.3.3-priv-key.b64";
const CERT: &str = "keys/sdk-r3.3.3-cert.b64";
const SAMPLE: &str = "invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml";

#[test]
fn sign_then_verify() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signed.xml");
    let o = zatca(&[
        "invoice",
        "sign",
        &testdata(SAMPLE),
        "--key",
        &testdata(KEY),
        "--cert",
        &testdata(CERT),
        "--time",
        "2024-01-14T10:26:49",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let body: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        body["invoiceHash"],
        "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA="
    );
    assert_eq!(body["uuid"], "8e6000cf-1a98-4174-b3e7-b5d5954bc10d");

    let o = zatca(&["invoice", "verify", out.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["invoice_hash"], body["invoiceHash"]);

    // No overwrite without --force.
    let o = zatca(&[
        "invoice",
        "sign",
        &testdata(SAMPLE),
        "--key",
        &testdata(KEY),
        "--cert",
        &testdata(CERT),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
}

#[test]
fn verify_names_each_tampered_element() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tampered.xml");
    let xml = std::fs::read_to_string(testdata(SAMPLE)).unwrap();
    std::fs::write(
        &path,
        xml.replacen("2024-01-14T10:26:49", "2024-01-14T10:26:50", 1),
    )
    .unwrap();
    let o = zatca(&["invoice", "verify", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("xadesSignedProperties"),
        "{}",
        stderr(&o)
    );

    let o = zatca(&["invoice", "verify", &testdata(SAMPLE)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stale = testdata("invoices/sdk-r3.2.7/Simplified/Invoice/Simplified_Invoice_Error.xml");
    let o = zatca(&["invoice", "verify", &stale]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    assert!(stderr(&o).contains("ds:DigestValue of invoiceSignedData"));
}

#[test]
fn sign_refuses_another_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signed.xml");
    let o = zatca(&[
        "invoice",
        "sign",
        &testdata(SAMPLE),
        "--key",
        &testdata("keys/sdk-r3.2.7-priv-key.b64"),
        "--cert",
        &testdata(CERT),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(!out.exists());
    let o = zatca(&[
        "invoice",
        "sign",
        &testdata(SAMPLE),
        "--key",
        &testdata(KEY),
        "--cert",
        &testdata(CERT),
        "--time",
        "yesterday",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("signing time"));
}

#[test]
fn compliance_docs_for_a_1100_device() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("docs");
    let o = zatca(&[
        "compliance-docs",
        "--request",
        &testdata("requests/sample-device.json"),
        "--key",
        &testdata(KEY),
        "--cert",
        &testdata(CERT),
        "--out",
        out.to_str().unwrap(),
        "--time",
        "2025-03-01T09:30:00Z",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bodies: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(out.join("submissions.json")).unwrap()).unwrap();
    assert_eq!(bodies.len(), 6);
    for (i, body) in bodies.iter().enumerate() {
        let file = out.join(body["file"].as_str().unwrap());
        let o = zatca(&["invoice", "verify", file.to_str().unwrap(), "--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["invoice_hash"], body["invoiceHash"]);
        assert_eq!(body["icv"], i as u64 + 1);
    }
    assert_eq!(bodies[0]["step"], "standard-compliant");
    assert_eq!(bodies[5]["step"], "simplified-debit-note-compliant");
}
