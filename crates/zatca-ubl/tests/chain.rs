//! Writing ICV and PIH into the SDK samples (unsigned first), read back with
//! the crate's extraction, hashed independently with xmllint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{without_signature_parts, xmllint_available, xmllint_c14n11};
use sha2::{Digest as _, Sha256};
use zatca_ubl::{Invoice, UblError, invoice_hash, write_chain_references};

const PIH: &str = "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=";

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/invoices")
}

/// The SDK R3.3.3 invoices, credit and debit notes (not the `_Error` ones), unsigned.
fn unsigned_samples() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for kind in ["Simplified", "Standard"] {
        for doc in ["Invoice", "Credit", "Debit"] {
            let dir = testdata().join("sdk-r3.3.3").join(kind).join(doc);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.ends_with(".xml") && !name.contains("_Error") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.push((path, without_signature_parts(&text).0));
                }
            }
        }
    }
    assert!(out.len() >= 20, "{} samples", out.len());
    out
}

/// Cuts the ICV and PIH references out of the text (whitespace before each too).
fn without_chain_references(xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let mut ranges: Vec<_> = doc
        .root_element()
        .children()
        .filter(|c| {
            c.tag_name().name() == "AdditionalDocumentReference"
                && c.children()
                    .any(|i| i.text() == Some("ICV") || i.text() == Some("PIH"))
        })
        .map(|c| {
            let r = c.range();
            let ws = xml[..r.start].len() - xml[..r.start].trim_end().len();
            r.start - ws..r.end
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::new();
    let mut pos = 0;
    for r in ranges {
        out.push_str(&xml[pos..r.start]);
        pos = r.end;
    }
    out.push_str(&xml[pos..]);
    out
}

fn without_comments(xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let mut out = String::new();
    let mut pos = 0;
    for c in doc.descendants().filter(|n| n.is_comment()) {
        out.push_str(&xml[pos..c.range().start]);
        pos = c.range().end;
    }
    out.push_str(&xml[pos..]);
    out
}

#[test]
fn values_are_replaced_in_every_sample_and_read_back() {
    for (path, xml) in unsigned_samples() {
        let chained = write_chain_references(xml.as_bytes(), 4242, PIH).unwrap();
        let invoice = Invoice::parse(chained.as_bytes()).unwrap();
        assert_eq!(invoice.icv().unwrap(), 4242, "{}", path.display());
        assert_eq!(invoice.pih().unwrap(), PIH, "{}", path.display());
        // Byte-stable: writing the same values again changes nothing, and
        // writing the sample's own values back gives the sample.
        assert_eq!(
            write_chain_references(chained.as_bytes(), 4242, PIH).unwrap(),
            chained
        );
        let original = Invoice::parse(xml.as_bytes()).unwrap();
        let back = write_chain_references(
            chained.as_bytes(),
            original.icv().unwrap(),
            original.pih().unwrap(),
        )
        .unwrap();
        assert_eq!(back, xml, "{}", path.display());
    }
}

#[test]
fn missing_references_are_inserted_in_every_sample() {
    for (path, xml) in unsigned_samples() {
        let bare = without_chain_references(&xml);
        assert!(Invoice::parse(bare.as_bytes()).unwrap().icv().is_err());
        let chained = write_chain_references(bare.as_bytes(), 1, zatca_sign::FIRST_PIH).unwrap();
        let invoice = Invoice::parse(chained.as_bytes()).unwrap();
        assert_eq!(invoice.icv().unwrap(), 1, "{}", path.display());
        assert_eq!(invoice.pih().unwrap(), zatca_sign::FIRST_PIH);
        // Only the two references (each with the whitespace before it) were added.
        assert_eq!(
            without_chain_references(&chained),
            bare,
            "{}",
            path.display()
        );
    }
}

#[test]
fn only_one_missing_reference_is_inserted_beside_the_other() {
    let (_, xml) = unsigned_samples().remove(0);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let pih = doc
        .root_element()
        .children()
        .find(|c| c.children().any(|i| i.text() == Some("PIH")))
        .unwrap()
        .range();
    let without_pih = format!("{}{}", &xml[..pih.start], &xml[pih.end..]);
    let chained = write_chain_references(without_pih.as_bytes(), 9, PIH).unwrap();
    let invoice = Invoice::parse(chained.as_bytes()).unwrap();
    assert_eq!((invoice.icv().unwrap(), invoice.pih().unwrap()), (9, PIH));
    assert!(chained.find("<cbc:ID>ICV</cbc:ID>") < chained.find("<cbc:ID>PIH</cbc:ID>"));
}

#[test]
fn hash_of_the_result_agrees_with_xmllint() {
    if !xmllint_available() {
        return;
    }
    for (path, xml) in unsigned_samples().into_iter().take(6) {
        // xmllint keeps comments; the invoice hash does not.
        let xml = without_comments(&xml);
        let chained = write_chain_references(xml.as_bytes(), 77, PIH).unwrap();
        let theirs = Sha256::digest(xmllint_c14n11(chained.as_bytes()));
        let ours = invoice_hash(chained.as_bytes()).unwrap();
        assert_eq!(
            ours.to_base64(),
            base64::engine::general_purpose::STANDARD.encode(theirs),
            "{}",
            path.display()
        );
    }
}

#[test]
fn signed_documents_are_refused() {
    let path = testdata().join("sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml");
    let signed = std::fs::read(path).unwrap();
    assert_eq!(
        write_chain_references(&signed, 1, PIH),
        Err(UblError::AlreadySigned {
            element: "/Invoice/ext:UBLExtensions"
        })
    );
    let (_, xml) = unsigned_samples().remove(0);
    let with_signature = xml.replacen(
        "<cac:AccountingSupplierParty>",
        "<cac:Signature><cbc:ID>x</cbc:ID></cac:Signature><cac:AccountingSupplierParty>",
        1,
    );
    assert!(matches!(
        write_chain_references(with_signature.as_bytes(), 1, PIH),
        Err(UblError::AlreadySigned { .. })
    ));
}

#[test]
fn malformed_references_are_refused() {
    let (_, xml) = unsigned_samples().remove(0);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let icv = doc
        .root_element()
        .children()
        .find(|c| c.children().any(|i| i.text() == Some("ICV")))
        .unwrap()
        .range();
    let icv_text = &xml[icv.clone()];
    let cases = [
        (
            format!("{}{icv_text}{}", &xml[..icv.end], &xml[icv.end..]),
            "ICV",
        ),
        (
            xml.replacen(
                icv_text,
                "<cac:AdditionalDocumentReference><cbc:ID>ICV</cbc:ID></cac:AdditionalDocumentReference>",
                1,
            ),
            "ICV",
        ),
        (
            xml.replacen(
                icv_text,
                "<cac:AdditionalDocumentReference><cbc:ID>ICV</cbc:ID><cbc:UUID><b/>1</cbc:UUID></cac:AdditionalDocumentReference>",
                1,
            ),
            "ICV",
        ),
        (
            xml.replacen(
                icv_text,
                "<cac:AdditionalDocumentReference><cbc:ID> ICV</cbc:ID><cbc:UUID>1</cbc:UUID></cac:AdditionalDocumentReference>",
                1,
            ),
            "ICV",
        ),
        (
            xml.replacen("<cac:Attachment>", "<cac:Attachmen>", 1)
                .replacen("</cac:Attachment>", "</cac:Attachmen>", 1),
            "PIH",
        ),
    ];
    for (doc, expected) in cases {
        match write_chain_references(doc.as_bytes(), 1, PIH) {
            Err(UblError::MalformedChainReference { reference, problem }) => {
                assert_eq!(reference, expected, "{problem}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn empty_value_elements_are_filled() {
    let (_, xml) = unsigned_samples().remove(0);
    let original = Invoice::parse(xml.as_bytes()).unwrap();
    let icv = original.icv().unwrap().to_string();
    let pih = original.pih().unwrap().to_owned();
    for (from, to) in [
        (format!("<cbc:UUID>{icv}</cbc:UUID>"), "<cbc:UUID/>"),
        (
            format!("<cbc:UUID>{icv}</cbc:UUID>"),
            "<cbc:UUID></cbc:UUID>",
        ),
    ] {
        let blank = xml.replacen(&from, to, 1).replacen(&pih, "", 1);
        let chained = write_chain_references(blank.as_bytes(), 5, PIH).unwrap();
        let invoice = Invoice::parse(chained.as_bytes()).unwrap();
        assert_eq!((invoice.icv().unwrap(), invoice.pih().unwrap()), (5, PIH));
    }
}

#[test]
fn a_pih_with_markup_is_refused() {
    let (_, xml) = unsigned_samples().remove(0);
    assert!(matches!(
        write_chain_references(xml.as_bytes(), 1, "</cbc:EmbeddedDocumentBinaryObject>"),
        Err(UblError::InvalidValue { field: "PIH", .. })
    ));
    assert!(write_chain_references(xml.as_bytes(), 1, "").is_err());
}
