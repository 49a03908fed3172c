//! Acceptance tests of `zatca invoice hash`: the binary on the SDK sample invoices.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::{stderr, stdout, testdata, zatca};

fn invoices() -> PathBuf {
    PathBuf::from(testdata("invoices"))
}

#[test]
fn hash_of_every_sample_matches_expected_values() {
    let expected: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(invoices().join("derived/expected-sample-values.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(expected.len(), 45);
    for entry in &expected {
        let rel = entry["file"]
            .as_str()
            .unwrap()
            .replacen("/Data/Samples/", "/", 1);
        let path = invoices().join(&rel);
        let out = zatca(&["invoice", "hash", path.to_str().unwrap()]);
        assert!(out.status.success(), "{rel}: {}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!("{}\n", entry["invoice_hash_recomputed"].as_str().unwrap()),
            "{rel}"
        );
    }
}

#[test]
fn hash_json() {
    let path = invoices().join("sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml");
    let out = zatca(&["invoice", "hash", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["invoice_hash"],
        "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA="
    );
    assert_eq!(doc["uuid"], "8e6000cf-1a98-4174-b3e7-b5d5954bc10d");
    assert_eq!(doc["icv"], 10);
}

#[test]
fn not_an_invoice_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("note.xml");
    std::fs::write(&path, "<note/>").unwrap();
    let out = zatca(&["invoice", "hash", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("note.xml: the document element is {}note"),
        "{err}"
    );
}

#[test]
fn malformed_xml_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.xml");
    std::fs::write(&path, "<Invoice>\n<a></b></Invoice>").unwrap();
    let out = zatca(&["invoice", "hash", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("malformed XML at line 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_file_is_io_error() {
    let out = zatca(&["invoice", "hash", "/nonexistent/invoice.xml"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("/nonexistent/invoice.xml"));
}

#[test]
fn oversized_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xml");
    std::fs::write(&path, vec![b' '; 10 * 1024 * 1024 + 1]).unwrap();
    let out = zatca(&["invoice", "hash", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("larger than the 10485760 bytes accepted"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_argument_is_usage_error() {
    let out = zatca(&["invoice", "hash"]);
    assert_eq!(out.status.code(), Some(2));
    let out = zatca(&["invoice"]);
    assert_eq!(out.status.code(), Some(2));
}
