//! One test per error: each input problem gets its own typed error, and no input panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use zatca_ubl::{Invoice, InvoiceHash, MAX_INVOICE_BYTES, UblError};

const MINIMAL: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>1</cbc:ID></Invoice>"#;

fn sample() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
    ))
    .unwrap()
}

#[test]
fn empty() {
    assert_eq!(Invoice::parse(b"").unwrap_err(), UblError::Empty);
    assert_eq!(Invoice::parse(b" \n\t").unwrap_err(), UblError::Empty);
}

#[test]
fn too_large() {
    let big = vec![b' '; MAX_INVOICE_BYTES + 1];
    assert_eq!(
        Invoice::parse(&big).unwrap_err(),
        UblError::TooLarge {
            len: MAX_INVOICE_BYTES + 1,
            max: MAX_INVOICE_BYTES
        }
    );
}

#[test]
fn not_utf8() {
    assert_eq!(
        Invoice::parse(b"<Invoice>\xff</Invoice>").unwrap_err(),
        UblError::NotUtf8 { offset: 9 }
    );
}

#[test]
fn malformed_xml_has_position() {
    let err = Invoice::parse(b"<Invoice>\n  <a></b>\n</Invoice>").unwrap_err();
    let UblError::Xml {
        line,
        column,
        reason,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((*line, *column), (2, 6));
    assert!(reason.contains("expected 'a' tag, not 'b'"), "{reason}");
    assert!(
        err.to_string()
            .starts_with("malformed XML at line 2, column 6: ")
    );
}

#[test]
fn unbound_prefix_is_malformed() {
    assert!(matches!(
        Invoice::parse(b"<Invoice><cbc:ID>1</cbc:ID></Invoice>"),
        Err(UblError::Xml { .. })
    ));
}

#[test]
fn not_an_invoice() {
    let err = Invoice::parse(
        b"<CreditNote xmlns='urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2'/>",
    )
    .unwrap_err();
    assert_eq!(
        err,
        UblError::NotAnInvoice {
            found: "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote".into()
        }
    );
    assert!(matches!(
        Invoice::parse(b"<Invoice/>"),
        Err(UblError::NotAnInvoice { .. })
    ));
}

#[test]
fn missing_elements() {
    let invoice = Invoice::parse(MINIMAL.as_bytes()).unwrap();
    assert_eq!(
        invoice.uuid().unwrap_err(),
        UblError::MissingElement {
            path: "/Invoice/cbc:UUID"
        }
    );
    assert!(matches!(
        invoice.icv(),
        Err(UblError::MissingElement { .. })
    ));
    assert!(matches!(
        invoice.pih(),
        Err(UblError::MissingElement { .. })
    ));
    assert_eq!(invoice.qr(), None);
    assert!(matches!(
        invoice.require_qr(),
        Err(UblError::MissingElement { .. })
    ));
}

#[test]
fn bad_icv() {
    let xml = String::from_utf8(sample())
        .unwrap()
        .replace("<cbc:UUID>10</cbc:UUID>", "<cbc:UUID>ten</cbc:UUID>");
    let err = Invoice::parse(xml.as_bytes()).unwrap().icv().unwrap_err();
    assert!(
        matches!(&err, UblError::InvalidValue { found, .. } if found == "ten"),
        "{err:?}"
    );
}

#[test]
fn bad_invoice_hash_text() {
    for bad in [
        "",
        "MA==",
        "not base64!",
        "NWZlY2ViNjZmZmM4NmYzOGQ5NTI3ODZjNmQ2OTZjNzljMmRiYzIzOWRkNGU5MWI0NjcyOWQ3M2EyN2ZiNTdlOQ==",
    ] {
        assert!(
            matches!(
                InvoiceHash::from_base64(bad),
                Err(zatca_sign::SignError::InvalidHash { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn minimal_invoice_hashes() {
    // Nothing to remove: the hash covers the whole canonical document.
    let invoice = Invoice::parse(MINIMAL.as_bytes()).unwrap();
    assert_eq!(invoice.hash_input(), MINIMAL.as_bytes());
}

#[test]
fn comments_and_whitespace_matter_as_zatca_says() {
    let xml = sample();
    let base = zatca_ubl::invoice_hash(&xml).unwrap();
    let text = String::from_utf8(xml).unwrap();
    // A comment changes nothing (C14N without comments)…
    let commented = text.replacen("<cbc:ProfileID>", "<!-- note --><cbc:ProfileID>", 1);
    assert_eq!(zatca_ubl::invoice_hash(commented.as_bytes()).unwrap(), base);
    // …nor does CRLF (the parser normalises line ends)…
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(zatca_ubl::invoice_hash(crlf.as_bytes()).unwrap(), base);
    // …nor a change inside the removed signature extension…
    let resigned = text.replacen("Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=", "AAAA", 1);
    assert_eq!(zatca_ubl::invoice_hash(resigned.as_bytes()).unwrap(), base);
    // …but indentation does.
    let reindented = text.replacen("\n    <cbc:ProfileID>", "\n  <cbc:ProfileID>", 1);
    assert_ne!(
        zatca_ubl::invoice_hash(reindented.as_bytes()).unwrap(),
        base
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = zatca_ubl::invoice_hash(&bytes);
        let _ = zatca_ubl::c14n::canonicalize(&bytes);
    }

    #[test]
    fn mutated_samples_never_panic(cut in 0usize..16_000, len in 0usize..64, byte in any::<u8>()) {
        let mut xml = sample();
        let at = cut.min(xml.len());
        let end = (at + len).min(xml.len());
        xml.splice(at..end, [byte]);
        if let Ok(invoice) = Invoice::parse(&xml) {
            let _ = invoice.hash();
            let _ = (invoice.uuid(), invoice.icv(), invoice.pih(), invoice.qr());
        }
        let _ = zatca_ubl::c14n::canonicalize(&xml);
    }
}
