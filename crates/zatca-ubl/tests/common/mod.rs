//! Helpers shared by the zatca-ubl test files: the independent xmllint check and
//! cutting the signature parts out of a document's text.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::ErrorKind;
use std::process::Command;

/// Whether `xmllint` runs here; prints why the caller skips when it does not.
pub fn xmllint_available() -> bool {
    match Command::new("xmllint").arg("--version").output() {
        Ok(out) => out.status.success(),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            eprintln!("skipped: xmllint not found (apt-get install libxml2-utils)");
            false
        }
        Err(e) => panic!("xmllint: {e}"),
    }
}

/// `xmllint --c14n11` of a document given as bytes.
pub fn xmllint_c14n11(xml: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.xml");
    std::fs::write(&path, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--c14n11")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xmllint failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The document's text with its `UBLExtensions`, `Signature` and QR reference
/// cut out (the whitespace around them stays), and how many were cut.
pub fn without_signature_parts(xml: &str) -> (String, usize) {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let mut ranges: Vec<_> = doc
        .root_element()
        .children()
        .filter(|c| {
            let name = c.tag_name().name();
            name == "UBLExtensions"
                || name == "Signature"
                || (name == "AdditionalDocumentReference"
                    && c.children().any(|i| i.text() == Some("QR")))
        })
        .map(|c| c.range())
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::new();
    let mut pos = 0;
    for r in &ranges {
        out.push_str(&xml[pos..r.start]);
        pos = r.end;
    }
    out.push_str(&xml[pos..]);
    (out, ranges.len())
}
