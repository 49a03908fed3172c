//! Byte agreement with an independent C14N 1.1 implementation: libxml2's
//! `xmllint --c14n11` (Debian package `libxml2-utils`).
//!
//! `xmllint` only writes the with-comments form, so comments are cut out of its
//! input first (by their byte ranges); without comments in the input, both forms
//! are the same. Compared: every edge-case document in `testdata/c14n/`, every SDK
//! sample as a whole, and every SDK sample with the three elements the invoice hash
//! leaves out cut away (whose SHA-256 must also be the expected invoice hash).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::ops::Range;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{xmllint_available, xmllint_c14n11};
use sha2::{Digest as _, Sha256};
use zatca_ubl::{Invoice, NS_CAC, NS_CBC, NS_EXT};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The document text without the given byte ranges (nested or overlapping ones merged).
fn cut(text: &str, mut ranges: Vec<Range<usize>>) -> String {
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for r in ranges {
        if r.start >= pos {
            out.push_str(&text[pos..r.start]);
        }
        pos = pos.max(r.end);
    }
    out.push_str(&text[pos..]);
    out
}

fn comment_ranges(doc: &roxmltree::Document<'_>) -> Vec<Range<usize>> {
    doc.descendants()
        .filter(|n| n.is_comment())
        .map(|n| n.range())
        .collect()
}

fn parse(text: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options).unwrap()
}

/// The document without its comments, as bytes for xmllint.
fn without_comments(xml: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(xml).unwrap();
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let doc = parse(text);
    let ranges = comment_ranges(&doc);
    if ranges.is_empty() {
        return xml.to_vec();
    }
    cut(text, ranges).into_bytes()
}

fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            xml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
    out.sort();
}

fn samples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    xml_files(&testdata().join("invoices"), &mut files);
    files
}

#[test]
fn edge_cases_agree_with_xmllint() {
    if !xmllint_available() {
        return;
    }
    let mut files = Vec::new();
    xml_files(&testdata().join("c14n"), &mut files);
    assert!(files.len() >= 12, "edge-case files missing: {files:?}");
    for file in files {
        let xml = std::fs::read(&file).unwrap();
        if xml.windows(9).any(|w| w == b"<!DOCTYPE") {
            // libxml2 would expand the entities; this crate refuses any DTD.
            let err = zatca_ubl::c14n::canonicalize(&xml).unwrap_err();
            assert!(
                matches!(err, zatca_ubl::UblError::Doctype { .. }),
                "{}: {err:?}",
                file.display()
            );
            continue;
        }
        let ours = zatca_ubl::c14n::canonicalize(&xml)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let theirs = xmllint_c14n11(&without_comments(&xml));
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "{}",
            file.display()
        );
    }
}

#[test]
fn whole_samples_agree_with_xmllint() {
    if !xmllint_available() {
        return;
    }
    let files = samples();
    assert_eq!(files.len(), 45);
    for file in files {
        let xml = std::fs::read(&file).unwrap();
        let ours = zatca_ubl::c14n::canonicalize(&xml).unwrap();
        let theirs = xmllint_c14n11(&without_comments(&xml));
        assert!(ours == theirs, "{}", file.display());
    }
}

/// The SDK samples with `ext:UBLExtensions`, `cac:Signature` and the QR reference cut
/// out of the text (selected here independently of the crate), and comments too.
#[test]
fn hash_inputs_agree_with_xmllint() {
    if !xmllint_available() {
        return;
    }
    let expected: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(testdata().join("invoices/derived/expected-sample-values.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    for file in samples() {
        let xml = std::fs::read(&file).unwrap();
        let text = std::str::from_utf8(&xml).unwrap();
        let doc = parse(text);
        let mut ranges = comment_ranges(&doc);
        for child in doc.root_element().children().filter(|n| n.is_element()) {
            let name = child.tag_name();
            let removed = match (name.namespace(), name.name()) {
                (Some(NS_EXT), "UBLExtensions") | (Some(NS_CAC), "Signature") => true,
                (Some(NS_CAC), "AdditionalDocumentReference") => child.children().any(|c| {
                    c.tag_name().namespace() == Some(NS_CBC)
                        && c.tag_name().name() == "ID"
                        && c.text() == Some("QR")
                }),
                _ => false,
            };
            if removed {
                ranges.push(child.range());
            }
        }
        assert!(ranges.len() >= 3, "{}: nothing to remove", file.display());
        let stripped = cut(text, ranges);
        let theirs = xmllint_c14n11(stripped.as_bytes());
        let ours = Invoice::parse(&xml).unwrap().hash_input();
        assert!(ours == theirs, "{}", file.display());
        // And the canonical form of the cut text is the same through our c14n.
        assert!(
            zatca_ubl::c14n::canonicalize(stripped.as_bytes()).unwrap() == ours,
            "{}",
            file.display()
        );

        let rel = file
            .strip_prefix(testdata().join("invoices"))
            .unwrap()
            .to_string_lossy()
            .replacen('/', "/Data/Samples/", 1);
        let entry = expected.iter().find(|e| e["file"] == rel.as_str()).unwrap();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&theirs));
        assert_eq!(hash, entry["invoice_hash_recomputed"].as_str().unwrap());
        compared += 1;
    }
    assert_eq!(compared, 45);
}
