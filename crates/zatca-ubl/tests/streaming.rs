//! The streaming canonicaliser reads every SDK sample and every edge-case
//! document of `testdata/c14n/` itself (it does not decline them to the tree
//! canonicaliser), and writes the tree canonicaliser's bytes; the documents it
//! declines are still canonicalised, by the tree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use zatca_ubl::c14n::{
    canonicalize, canonicalize_streaming, canonicalize_with_tree, invoice_hash_input_streaming,
    invoice_hash_input_with_tree,
};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn xml_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            xml_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "xml") {
            found.push(path);
        }
    }
}

fn invoices() -> Vec<PathBuf> {
    let mut found = Vec::new();
    xml_files(&testdata().join("invoices"), &mut found);
    assert!(found.len() >= 40, "SDK samples: {}", found.len());
    found
}

#[test]
fn every_sdk_sample_is_read_by_the_streaming_canonicaliser() {
    for path in invoices() {
        let xml = std::fs::read(&path).unwrap();
        let tree = invoice_hash_input_with_tree(&xml).unwrap();
        let streamed = invoice_hash_input_streaming(&xml)
            .unwrap_or_else(|| panic!("declined {}", path.display()));
        assert!(streamed == tree, "hash input differs: {}", path.display());
        let whole =
            canonicalize_streaming(&xml).unwrap_or_else(|| panic!("declined {}", path.display()));
        assert!(
            whole == canonicalize_with_tree(&xml).unwrap(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn edge_cases_agree_with_the_tree() {
    let mut files = Vec::new();
    xml_files(&testdata().join("c14n"), &mut files);
    let mut streamed_count = 0;
    let mut declined = Vec::new();
    for path in &files {
        let xml = std::fs::read(path).unwrap();
        let tree = canonicalize_with_tree(&xml);
        match canonicalize_streaming(&xml) {
            Some(streamed) => {
                streamed_count += 1;
                assert_eq!(Ok(&streamed), tree.as_ref(), "{}", path.display());
            }
            None => declined.push(path.file_name().unwrap().to_string_lossy().into_owned()),
        }
        assert_eq!(canonicalize(&xml), tree, "{}", path.display());
    }
    // Declined: the DTD, the processing instructions and the explicit
    // declaration of the `xml` prefix.
    declined.sort();
    assert_eq!(
        declined,
        ["dtd-entities.xml", "pis.xml", "xml-attributes.xml"]
    );
    assert_eq!(streamed_count + 3, files.len());
}

#[test]
fn declined_documents_fall_back_to_the_tree() {
    for xml in [
        // Processing instructions, non-ASCII names, a DTD, an unbound prefix.
        "<?pi x?><a/>",
        "<é/>",
        "<!DOCTYPE a><a/>",
        "<p:a/>",
        "<a>&unknown;</a>",
        "<a x='1' x='2'/>",
        "<a xmlns:p='u' xmlns:q='u' p:x='1' q:x='2'/>",
        "<a><b></a>",
        "<a>]]></a>",
        "<a>\u{1}</a>",
        "<a/><b/>",
        "<a/>text",
    ] {
        assert_eq!(canonicalize_streaming(xml.as_bytes()), None, "{xml}");
        assert_eq!(
            canonicalize(xml.as_bytes()),
            canonicalize_with_tree(xml.as_bytes()),
            "{xml}"
        );
    }
}

#[test]
fn qr_reference_is_left_out_only_when_its_id_reads_qr() {
    let ns = "xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2' \
              xmlns:cac='urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2' \
              xmlns:cbc='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'";
    for body in [
        "<cac:AdditionalDocumentReference><cbc:ID>QR</cbc:ID></cac:AdditionalDocumentReference>",
        "<cac:AdditionalDocumentReference><cbc:ID>Q<!--c-->R</cbc:ID></cac:AdditionalDocumentReference>",
        "<cac:AdditionalDocumentReference><cbc:ID><![CDATA[QR]]></cbc:ID></cac:AdditionalDocumentReference>",
        "<cac:AdditionalDocumentReference><cbc:ID>QR </cbc:ID></cac:AdditionalDocumentReference>",
        "<cac:AdditionalDocumentReference><cbc:ID>PIH</cbc:ID><cbc:ID>QR</cbc:ID></cac:AdditionalDocumentReference>",
        "<cac:AdditionalDocumentReference><cac:X><cbc:ID>QR</cbc:ID></cac:X></cac:AdditionalDocumentReference>",
        "<cac:Signature><cbc:ID>x</cbc:ID></cac:Signature><cbc:ID>QR</cbc:ID>",
    ] {
        let xml = format!("<Invoice {ns}>\n  {body}\n</Invoice>");
        let streamed = invoice_hash_input_streaming(xml.as_bytes()).expect("streamed");
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(invoice_hash_input_with_tree(xml.as_bytes()).unwrap()).unwrap(),
            "{body}"
        );
    }
}
