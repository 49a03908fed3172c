//! Oversized input is refused before decoding, with an error that says so (issue 5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zatca_sign::qr::{MAX_TEXT_LEN, Qr};
use zatca_sign::{InvoiceHash, InvoiceSignature, MAX_BASE64_TEXT_LEN, SignError};

#[test]
fn oversized_texts_are_refused() {
    let qr = "A".repeat(MAX_TEXT_LEN + 4);
    match Qr::from_base64(&qr) {
        Err(SignError::QrBase64 { reason }) => assert!(reason.contains("4100 bytes"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let big = "A".repeat(MAX_BASE64_TEXT_LEN + 4);
    assert!(matches!(
        InvoiceHash::from_base64(&big),
        Err(SignError::InvalidHash { .. })
    ));
    let err = InvoiceSignature::from_base64(&big).unwrap_err();
    assert!(err.to_string().contains("1028 bytes of text"), "{err}");
}

#[test]
fn the_largest_qr_fits_the_text_limit() {
    let full = Qr {
        seller_name: "a".repeat(255),
        vat_number: "b".repeat(255),
        timestamp: "c".repeat(255),
        total_with_vat: "d".repeat(255),
        vat_total: "e".repeat(255),
        invoice_hash: Some("f".repeat(255)),
        signature: Some("g".repeat(255)),
        public_key: Some(vec![1; 255]),
        certificate_signature: Some(vec![2; 255]),
    };
    let text = full.to_base64().unwrap();
    assert_eq!(text.len(), 3084);
    assert_eq!(Qr::from_base64(&format!("  {text}\n")).unwrap(), full);
}
