//! QR TLV: round trips at every length, and one test per malformed-input class.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use zatca_sign::SignError;
use zatca_sign::qr::{MAX_VALUE_LEN, Qr};

fn phase1() -> Qr {
    Qr {
        seller_name: "Bobs Records".into(),
        vat_number: "310122393500003".into(),
        timestamp: "2022-04-25T15:30:00Z".into(),
        total_with_vat: "1000.00".into(),
        vat_total: "150.00".into(),
        ..Qr::default()
    }
}

fn simplified() -> Qr {
    Qr {
        invoice_hash: Some("Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=".into()),
        signature: Some("MEUCIQC1Pb5UazWH03Y3DMPpf8G0QqWN7ydtmavh0HliT7qRjgIgXJtKWsdcwc0MCq/W94vvw+ylY7yatNBsqQF71WNYPjQ=".into()),
        public_key: Some(vec![0x30; 88]),
        certificate_signature: Some(vec![0x30; 71]),
        ..phase1()
    }
}

#[test]
fn round_trips_at_every_value_length_up_to_255() {
    for len in 1..=MAX_VALUE_LEN {
        let mut qr = simplified();
        qr.seller_name = "é".repeat(len / 2) + &"x".repeat(len % 2);
        qr.public_key = Some((0..len).map(|i| i as u8).collect());
        assert_eq!(qr.seller_name.len(), len);
        let tlv = qr.to_tlv().unwrap();
        // One raw length byte, even for 128–255 (no BER long form).
        assert_eq!(tlv[0..2], [1, len as u8]);
        assert_eq!(Qr::from_tlv(&tlv).unwrap(), qr, "{len}");
    }
    let standard = Qr {
        certificate_signature: None,
        ..simplified()
    };
    assert_eq!(
        Qr::from_base64(&standard.to_base64().unwrap()).unwrap(),
        standard
    );
}

#[test]
fn over_255_bytes_is_an_error_not_a_wrap() {
    let mut qr = phase1();
    qr.seller_name = "x".repeat(256);
    assert_eq!(
        qr.to_tlv(),
        Err(SignError::QrValueTooLong { tag: 1, len: 256 })
    );
    let mut qr = simplified();
    qr.public_key = Some(vec![1; 300]);
    assert_eq!(
        qr.to_tlv(),
        Err(SignError::QrValueTooLong { tag: 8, len: 300 })
    );
}

#[test]
fn encode_refuses_gaps_partial_phase2_and_empty_values() {
    let mut qr = simplified();
    qr.signature = None;
    assert_eq!(qr.to_tlv(), Err(SignError::QrMissingTag { tag: 7 }));
    let mut qr = phase1();
    qr.invoice_hash = Some("x".into());
    assert_eq!(qr.to_tlv(), Err(SignError::QrIncomplete { last_tag: 6 }));
    let mut qr = phase1();
    qr.vat_total = String::new();
    assert_eq!(qr.to_tlv(), Err(SignError::QrEmptyValue { tag: 5 }));
}

#[test]
fn not_base64() {
    assert!(matches!(
        Qr::from_base64("AQ*="),
        Err(SignError::QrBase64 { .. })
    ));
    assert!(matches!(
        Qr::from_base64("AQxC"),
        Err(SignError::QrTruncated { .. })
    ));
}

#[test]
fn truncated_header_and_truncated_value() {
    let tlv = simplified().to_tlv().unwrap();
    // Every proper prefix that does not end on a TLV boundary after tag 5, 8 or 9 fails.
    let phase1_end = phase1().to_tlv().unwrap().len();
    let standard_end = Qr {
        certificate_signature: None,
        ..simplified()
    }
    .to_tlv()
    .unwrap()
    .len();
    for cut in 0..tlv.len() {
        let result = Qr::from_tlv(&tlv[..cut]);
        if cut == phase1_end || cut == standard_end {
            result.unwrap();
        } else {
            assert!(result.is_err(), "prefix of {cut} bytes was accepted");
        }
    }
    let one = [1u8];
    assert_eq!(
        Qr::from_tlv(&one),
        Err(SignError::QrTruncated {
            offset: 0,
            needed: 2,
            remaining: 1
        })
    );
    assert_eq!(
        Qr::from_tlv(&[1, 5, b'a', b'b']),
        Err(SignError::QrTruncated {
            offset: 0,
            needed: 7,
            remaining: 4
        })
    );
}

#[test]
fn trailing_bytes_after_the_last_tag() {
    let mut tlv = simplified().to_tlv().unwrap();
    let end = tlv.len();
    tlv.extend_from_slice(&[10, 1, b'x']);
    assert_eq!(
        Qr::from_tlv(&tlv),
        Err(SignError::QrTrailingBytes {
            offset: end,
            len: 3
        })
    );
    let mut tlv = simplified().to_tlv().unwrap();
    tlv.push(0);
    assert_eq!(
        Qr::from_tlv(&tlv),
        Err(SignError::QrTrailingBytes {
            offset: end,
            len: 1
        })
    );
    // After phase 1, a stray zero byte is a truncated TLV; a zero pair is an unexpected tag.
    let mut tlv = phase1().to_tlv().unwrap();
    let end = tlv.len();
    tlv.push(0);
    assert_eq!(
        Qr::from_tlv(&tlv),
        Err(SignError::QrTruncated {
            offset: end,
            needed: 2,
            remaining: 1
        })
    );
    tlv.push(0);
    assert_eq!(
        Qr::from_tlv(&tlv),
        Err(SignError::QrUnexpectedTag {
            offset: end,
            found: 0,
            expected: 6
        })
    );
}

#[test]
fn unexpected_duplicate_and_out_of_order_tags() {
    let tlv = phase1().to_tlv().unwrap();
    let mut wrong_first = tlv.clone();
    wrong_first[0] = 2;
    assert_eq!(
        Qr::from_tlv(&wrong_first),
        Err(SignError::QrUnexpectedTag {
            offset: 0,
            found: 2,
            expected: 1
        })
    );
    // Duplicate tag 1.
    let first_len = 2 + tlv[1] as usize;
    let mut dup = tlv[..first_len].to_vec();
    dup.extend_from_slice(&tlv);
    assert_eq!(
        Qr::from_tlv(&dup),
        Err(SignError::QrUnexpectedTag {
            offset: first_len,
            found: 1,
            expected: 2
        })
    );
    // Tags 1 and 2 swapped.
    let second_len = 2 + tlv[first_len + 1] as usize;
    let mut swapped = tlv[first_len..first_len + second_len].to_vec();
    swapped.extend_from_slice(&tlv[..first_len]);
    swapped.extend_from_slice(&tlv[first_len + second_len..]);
    assert!(matches!(
        Qr::from_tlv(&swapped),
        Err(SignError::QrUnexpectedTag {
            offset: 0,
            found: 2,
            expected: 1
        })
    ));
}

#[test]
fn incomplete_tag_sets() {
    assert_eq!(
        Qr::from_tlv(&[]),
        Err(SignError::QrIncomplete { last_tag: 0 })
    );
    let full = simplified().to_tlv().unwrap();
    let mut offsets = vec![0];
    let mut at = 0;
    while at < full.len() {
        at += 2 + full[at + 1] as usize;
        offsets.push(at);
    }
    for (tags, &end) in offsets.iter().enumerate() {
        let result = Qr::from_tlv(&full[..end]);
        if matches!(tags, 5 | 8 | 9) {
            result.unwrap();
        } else {
            assert_eq!(
                result,
                Err(SignError::QrIncomplete {
                    last_tag: tags as u8
                })
            );
        }
    }
}

#[test]
fn empty_value_and_non_utf8_text() {
    assert_eq!(
        Qr::from_tlv(&[1, 0]),
        Err(SignError::QrEmptyValue { tag: 1 })
    );
    let mut tlv = phase1().to_tlv().unwrap();
    tlv[2] = 0xff;
    assert_eq!(Qr::from_tlv(&tlv), Err(SignError::QrNotUtf8 { tag: 1 }));
    // Tags 8 and 9 are bytes: anything goes there.
    let mut qr = simplified();
    qr.public_key = Some(vec![0xff; 3]);
    Qr::from_tlv(&qr.to_tlv().unwrap()).unwrap();
}

#[test]
fn messages_name_the_tag() {
    let e = SignError::QrValueTooLong { tag: 1, len: 300 };
    assert!(e.to_string().contains("seller name"));
    let e = Qr::from_base64(&base64::engine::general_purpose::STANDARD.encode([3u8, 1, b'x']))
        .unwrap_err();
    assert!(e.to_string().contains("seller name"), "{e}");
}
