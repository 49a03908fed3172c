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
        // A declaration whose first whitespace is not a space: the tree parser
        // reads a processing instruction named `xml` there, and refuses it
        // (found by the differential fuzz target).
        "<?xml\tversion=\"1.0\"?><a/>",
        "<?xml\r\nversion='1.0'?><a/>",
        // A CR next to a reference (the tree keeps it as CR; found by the
        // differential fuzz target).
        "<a>x\r&amp;</a>",
        "<a>&amp;\r</a>",
        "<a>&amp;\r&amp;</a>",
        // Found by the differential fuzz target too: CDATA before the
        // document element, an attribute named `p:xmlns`.
        "<![CDATA[x]]><a/>",
        "<a xmlns:b='urn:b' b:xmlns='urn:d'/>",
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

fn signer_parts() -> (zatca_keys::PrivateKey, zatca_cert::Certificate) {
    let keys = testdata().join("keys");
    let (key, _) =
        zatca_keys::PrivateKey::read_file(&keys.join("sdk-r3.3.3-priv-key.b64")).unwrap();
    let (cert, _) = zatca_cert::Certificate::read_file(&keys.join("sdk-r3.3.3-cert.b64")).unwrap();
    (key, cert)
}

#[test]
fn every_sdk_sample_is_signed_by_the_streaming_path_as_by_the_tree() {
    let (key, cert) = signer_parts();
    let signer = zatca_ubl::InvoiceSigner::new(&key, &cert).unwrap();
    let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").unwrap();
    let mut signed_count = 0;
    for path in invoices() {
        let xml = std::fs::read(&path).unwrap();
        let tree = signer.sign_with_tree(&xml, &time);
        match signer.sign_streaming(&xml, &time) {
            Some(streamed) => {
                assert_eq!(streamed, tree, "{}", path.display());
                signed_count += 1;
                // And unsigned again: the document as it was before its signature parts.
                let signed = streamed.unwrap();
                let again = signer
                    .sign_streaming(signed.xml().as_bytes(), &time)
                    .unwrap();
                assert_eq!(again, signer.sign_with_tree(signed.xml().as_bytes(), &time));
            }
            // Declined: only documents signing refuses anyway.
            None => assert!(tree.is_err(), "declined {}", path.display()),
        }
        assert_eq!(signer.sign(&xml, &time), tree, "{}", path.display());
    }
    assert!(signed_count >= 40, "{signed_count}");
}

#[test]
fn signing_places_match_the_tree_on_unusual_layouts() {
    let (key, cert) = signer_parts();
    let signer = zatca_ubl::InvoiceSigner::new(&key, &cert).unwrap();
    let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").unwrap();
    let sample = std::fs::read_to_string(
        testdata().join("invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"),
    )
    .unwrap();
    let variants = [
        // Escaped and CR LF text in the QR fields, a subtype with a reference.
        sample.replace("<cbc:IssueTime>", "<cbc:IssueTime>\r\n"),
        sample.replace("name=\"0200000\"", "name=\"&#48;200000\""),
        sample.replace("<cbc:RegistrationName>", "<cbc:RegistrationName>A &amp; B "),
        // A comment inside a field (the tree reads only the text before it).
        sample.replace("<cbc:PayableAmount currencyID=\"SAR\">", "<cbc:PayableAmount currencyID=\"SAR\"><!-- c -->"),
        // Two supplier parties, two QR references, a signature moved first.
        {
            let start = sample.find("<cac:AccountingSupplierParty>").unwrap();
            let end = sample.find("</cac:AccountingSupplierParty>").unwrap()
                + "</cac:AccountingSupplierParty>".len();
            let first = sample[start..end].replace("<cbc:RegistrationName>", "<cbc:RegistrationName>First ");
            let mut s = sample.clone();
            s.insert_str(start, &first);
            s
        },
        sample.replace("<cac:Signature>", "<cac:AdditionalDocumentReference><cbc:ID>QR</cbc:ID></cac:AdditionalDocumentReference><cac:Signature>"),
        // No UBLExtensions, no QR, no Signature: everything inserted.
        {
            let start = sample.find("<ext:UBLExtensions>").unwrap();
            let end = sample.find("</ext:UBLExtensions>").unwrap() + "</ext:UBLExtensions>".len();
            let mut s = sample.clone();
            s.replace_range(start..end, "");
            let start = s.find("<cac:Signature>").unwrap();
            let end = s.find("</cac:Signature>").unwrap() + "</cac:Signature>".len();
            s.replace_range(start..end, "");
            s
        },
        // Missing PIH: refused by both.
        sample.replace("<cbc:ID>PIH</cbc:ID>", "<cbc:ID>PIX</cbc:ID>"),
    ];
    // Which the streaming path signs itself (the others go to the tree).
    let streams = [true, true, true, false, true, true, true, false];
    for (i, (xml, streams)) in variants.iter().zip(streams).enumerate() {
        assert_ne!(xml, &sample, "variant {i} changed nothing");
        let tree = signer.sign_with_tree(xml.as_bytes(), &time);
        match signer.sign_streaming(xml.as_bytes(), &time) {
            Some(streamed) => {
                assert!(streams, "variant {i} streamed");
                assert_eq!(streamed, tree, "variant {i}");
            }
            None => assert!(!streams, "variant {i} declined"),
        }
        assert_eq!(signer.sign(xml.as_bytes(), &time), tree, "variant {i}");
    }
}

#[test]
fn every_signed_sample_is_verified_by_the_streaming_path_as_by_the_tree() {
    let (key, cert) = signer_parts();
    let signer = zatca_ubl::InvoiceSigner::new(&key, &cert).unwrap();
    let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").unwrap();
    let mut verified = 0;
    for path in invoices() {
        let xml = std::fs::read(&path).unwrap();
        // As the SDK signed it, and as we sign it.
        let ours = signer
            .sign(&xml, &time)
            .ok()
            .map(|s| s.into_xml().into_bytes());
        for (form, xml) in [("as published", Some(xml)), ("signed by us", ours)] {
            let Some(xml) = xml else { continue };
            let tree = zatca_ubl::verification_with_tree(&xml);
            match zatca_ubl::verification_streaming(&xml) {
                Some(streamed) => {
                    assert_eq!(Ok(&streamed), tree.as_ref(), "{} {form}", path.display());
                    verified += 1;
                }
                None => assert!(
                    tree.is_err(),
                    "{} {form}: the tree verifies it",
                    path.display()
                ),
            }
            let checked = zatca_ubl::check_invoice(&xml).map(|v| format!("{v:?}"));
            assert_eq!(checked, tree, "{} {form}", path.display());
        }
    }
    // Every document we sign, and the SDK's own signed samples.
    assert!(verified >= 60, "{verified}");
}

#[test]
fn streaming_verification_leaves_every_problem_to_the_tree() {
    let (key, cert) = signer_parts();
    let signer = zatca_ubl::InvoiceSigner::new(&key, &cert).unwrap();
    let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").unwrap();
    let sample = std::fs::read(
        testdata().join("invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"),
    )
    .unwrap();
    let signed = signer.sign(&sample, &time).unwrap().into_xml();
    let qr_reference = signed.find("<cbc:ID>QR</cbc:ID>").unwrap();
    let object = "mimeCode=\"text/plain\">";
    let qr_start = qr_reference + signed[qr_reference..].find(object).unwrap() + object.len();
    let qr_end = qr_start + signed[qr_start..].find('<').unwrap();
    let qr = zatca_sign::qr::Qr::from_base64(&signed[qr_start..qr_end]).unwrap();
    // The seller's VAT number emptied, and the QR's tag 2 made to read what the
    // tree's checks print for an absent value (the digest fails as well).
    let absent_vat = {
        let mut qr = qr.clone();
        qr.vat_number = "(absent)".to_owned();
        let vat = "<cbc:CompanyID>399999999900003</cbc:CompanyID>";
        assert!(signed.contains(vat));
        let mut s = signed.replace(vat, "<cbc:CompanyID></cbc:CompanyID>");
        s.replace_range(qr_start..qr_end, &qr.to_base64().unwrap());
        s
    };
    let variants = [
        // Tampered: a value inside the hash, the signature value, SignedProperties.
        signed.replace("<cbc:Name>قلم</cbc:Name>", "<cbc:Name>pen</cbc:Name>"),
        signed.replacen("<ds:SignatureValue>M", "<ds:SignatureValue>N", 1),
        signed.replace(
            "<xades:SigningTime>2024-01-14T10:26:49",
            "<xades:SigningTime>2024-01-14T10:26:50",
        ),
        absent_vat,
        // No QR at all on a simplified invoice.
        signed.replacen("<cbc:ID>QR</cbc:ID>", "<cbc:ID>QX</cbc:ID>", 1),
    ];
    for (i, xml) in variants.iter().enumerate() {
        assert_ne!(xml, &signed, "variant {i} changed nothing");
        assert_eq!(
            zatca_ubl::verification_streaming(xml.as_bytes()),
            None,
            "variant {i}"
        );
        let tree = zatca_ubl::verification_with_tree(xml.as_bytes());
        let problems = tree.expect_err(&format!("variant {i} verifies"));
        let checked = zatca_ubl::check_invoice(xml.as_bytes()).unwrap_err();
        assert_eq!(checked, problems, "variant {i}");
    }
    // A standard invoice without its QR reference (before clearance): verified
    // by the streaming path as by the tree.
    let standard =
        std::fs::read(testdata().join("invoices/sdk-r3.3.3/Standard/Invoice/Standard_Invoice.xml"))
            .unwrap();
    let signed_standard = signer.sign(&standard, &time).unwrap().into_xml();
    let qr_start = signed_standard[..signed_standard.find("<cbc:ID>QR</cbc:ID>").unwrap()]
        .rfind("<cac:AdditionalDocumentReference")
        .unwrap();
    let qr_end = qr_start
        + signed_standard[qr_start..]
            .find("</cac:AdditionalDocumentReference>")
            .unwrap()
        + "</cac:AdditionalDocumentReference>".len();
    let mut without_qr = signed_standard.clone();
    without_qr.replace_range(qr_start..qr_end, "");
    assert!(!without_qr.contains("<cbc:ID>QR</cbc:ID>"));
    let tree = zatca_ubl::verification_with_tree(without_qr.as_bytes());
    assert!(tree.is_ok(), "{tree:?}");
    assert_eq!(
        zatca_ubl::verification_streaming(without_qr.as_bytes()).as_ref(),
        tree.as_ref().ok()
    );

    // Read in the document element's own namespace context: the signature's
    // prefixes declared on the document element instead of inside the block.
    let ds = " xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"";
    let moved = signed
        .replacen(ds, "", 1)
        .replacen("<Invoice ", &format!("<Invoice{ds} "), 1);
    assert_ne!(moved, signed);
    let tree = zatca_ubl::verification_with_tree(moved.as_bytes());
    assert_eq!(
        zatca_ubl::verification_streaming(moved.as_bytes()).as_ref(),
        tree.as_ref().ok()
    );
}
