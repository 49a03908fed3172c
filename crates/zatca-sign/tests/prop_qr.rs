//! Properties of the QR TLV (issue 5): every value of 1 to 255 bytes in every
//! tag round-trips through TLV and base64 to the same fields and the same
//! bytes; a 256-byte value is refused, never wrapped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use zatca_sign::SignError;
use zatca_sign::qr::Qr;

/// UTF-8 text of 1 to `max` bytes (multi-byte characters included).
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 1..=max).prop_map(move |chars| {
        let mut s = String::new();
        for c in chars {
            if s.len() + c.len_utf8() > max {
                break;
            }
            s.push(c);
        }
        if s.is_empty() {
            s.push('a');
        }
        s
    })
}

/// A text of exactly `len` bytes.
fn text_of_len(len: usize) -> impl Strategy<Value = String> {
    text(len).prop_map(move |mut s| {
        while s.len() < len {
            s.push('z');
        }
        s
    })
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..=255)
}

fn qr() -> impl Strategy<Value = Qr> {
    (
        (text(255), text(255), text(255), text(255), text(255)),
        prop::sample::select(vec![5usize, 8, 9]),
        (text(255), text(255), bytes(), bytes()),
    )
        .prop_map(|((a, b, c, d, e), count, (h, s, k, cs))| Qr {
            seller_name: a,
            vat_number: b,
            timestamp: c,
            total_with_vat: d,
            vat_total: e,
            invoice_hash: (count >= 8).then_some(h),
            signature: (count >= 8).then_some(s),
            public_key: (count >= 8).then_some(k),
            certificate_signature: (count == 9).then_some(cs),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_qr_round_trips_through_tlv_and_base64(qr in qr()) {
        let tlv = qr.to_tlv().unwrap();
        let back = Qr::from_tlv(&tlv).unwrap();
        prop_assert_eq!(&back, &qr);
        prop_assert_eq!(back.to_tlv().unwrap(), tlv);
        let text = qr.to_base64().unwrap();
        prop_assert_eq!(Qr::from_base64(&text).unwrap(), qr);
    }

    #[test]
    fn every_length_up_to_255_round_trips_and_256_is_refused(len in 1usize..=256, tag in 1u8..=9, fill in text_of_len(256)) {
        let mut value = fill;
        while value.len() > len {
            value.pop();
        }
        while value.len() < len {
            value.push('q');
        }
        let mut qr = Qr {
            seller_name: "s".into(),
            vat_number: "v".into(),
            timestamp: "t".into(),
            total_with_vat: "1".into(),
            vat_total: "2".into(),
            invoice_hash: Some("h".into()),
            signature: Some("g".into()),
            public_key: Some(vec![1]),
            certificate_signature: Some(vec![2]),
        };
        match tag {
            1 => qr.seller_name = value.clone(),
            2 => qr.vat_number = value.clone(),
            3 => qr.timestamp = value.clone(),
            4 => qr.total_with_vat = value.clone(),
            5 => qr.vat_total = value.clone(),
            6 => qr.invoice_hash = Some(value.clone()),
            7 => qr.signature = Some(value.clone()),
            8 => qr.public_key = Some(value.clone().into_bytes()),
            _ => qr.certificate_signature = Some(value.clone().into_bytes()),
        }
        if len <= 255 {
            let tlv = qr.to_tlv().unwrap();
            prop_assert_eq!(Qr::from_tlv(&tlv).unwrap(), qr.clone());
            prop_assert_eq!(Qr::from_base64(&qr.to_base64().unwrap()).unwrap(), qr);
        } else {
            prop_assert_eq!(qr.to_tlv().unwrap_err(), SignError::QrValueTooLong { tag, len: 256 });
        }
    }
}

/// Every length, exhaustively: 1–255 round-trip in every tag, 256 is refused.
#[test]
fn each_length_in_each_tag_exhaustively() {
    for tag in 1u8..=9 {
        for len in 1usize..=256 {
            let value = "\u{0628}".repeat(len / 2) + &"a".repeat(len % 2);
            assert_eq!(value.len(), len);
            let mut qr = Qr {
                seller_name: "s".into(),
                vat_number: "v".into(),
                timestamp: "t".into(),
                total_with_vat: "1".into(),
                vat_total: "2".into(),
                invoice_hash: Some("h".into()),
                signature: Some("g".into()),
                public_key: Some(vec![1]),
                certificate_signature: Some(vec![2]),
            };
            match tag {
                1 => qr.seller_name = value.clone(),
                2 => qr.vat_number = value.clone(),
                3 => qr.timestamp = value.clone(),
                4 => qr.total_with_vat = value.clone(),
                5 => qr.vat_total = value.clone(),
                6 => qr.invoice_hash = Some(value.clone()),
                7 => qr.signature = Some(value.clone()),
                8 => qr.public_key = Some(value.clone().into_bytes()),
                _ => qr.certificate_signature = Some(value.clone().into_bytes()),
            }
            if len <= 255 {
                let tlv = qr.to_tlv().unwrap();
                assert_eq!(Qr::from_tlv(&tlv).unwrap(), qr, "tag {tag} len {len}");
                assert_eq!(Qr::from_tlv(&tlv).unwrap().to_tlv().unwrap(), tlv);
            } else {
                assert_eq!(
                    qr.to_tlv().unwrap_err(),
                    SignError::QrValueTooLong { tag, len: 256 },
                    "tag {tag}"
                );
            }
        }
    }
}
