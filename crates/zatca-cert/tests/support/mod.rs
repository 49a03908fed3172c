//! Issues small test certificates with exact control over every field
//! (serial bytes, name string types, validity, SAN), DER written by hand.
#![allow(dead_code)]

use der::Encode as _;
use zatca_keys::PrivateKey;

pub const UTF8: u8 = 0x0c;
pub const PRINTABLE: u8 = 0x13;
pub const IA5: u8 = 0x16;

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub fn oid(dotted: &str) -> Vec<u8> {
    der::asn1::ObjectIdentifier::new(dotted)
        .unwrap()
        .to_der()
        .unwrap()
}

/// A Name with one attribute per RDN, in the given (DER) order.
pub fn name(attrs: &[(&str, u8, &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attrs
        .iter()
        .map(|(o, tag, value)| tlv(0x31, &seq(&[&oid(o), &tlv(*tag, value.as_bytes())])))
        .collect();
    tlv(0x30, &rdns.concat())
}

fn utc_time(secs: u64) -> Vec<u8> {
    let t = x509_cert::time::Time::UtcTime(
        der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(secs)).unwrap(),
    );
    t.to_der().unwrap()
}

pub struct TestCert<'a> {
    pub serial: Vec<u8>,
    pub issuer: Vec<(&'a str, u8, &'a str)>,
    pub subject: Vec<(&'a str, u8, &'a str)>,
    pub not_before: u64,
    pub not_after: u64,
    pub san: Option<Vec<(&'a str, &'a str)>>,
}

pub const SN: &str = "2.5.4.4";
pub const UID: &str = "0.9.2342.19200300.100.1.1";
pub const TITLE: &str = "2.5.4.12";
pub const REGISTERED_ADDRESS: &str = "2.5.4.26";
pub const BUSINESS_CATEGORY: &str = "2.5.4.15";
pub const CN: &str = "2.5.4.3";
pub const DC: &str = "0.9.2342.19200300.100.1.25";
pub const C: &str = "2.5.4.6";
pub const O: &str = "2.5.4.10";
pub const OU: &str = "2.5.4.11";

/// 2024-01-01T00:00:00Z and 2029-01-01T00:00:00Z.
pub const JAN_2024: u64 = 1_704_067_200;
pub const JAN_2029: u64 = 1_861_920_000;

impl<'a> TestCert<'a> {
    /// A ZATCA-like certificate: AD CS issuer, SAN as in the SDK sample.
    pub fn zatca_like(vat: &'a str, tsxy: &'a str) -> Self {
        Self {
            serial: vec![0x11, 0x00, 0x00, 0x38, 0x03],
            issuer: vec![
                (DC, IA5, "local"),
                (DC, IA5, "gov"),
                (DC, IA5, "extgazt"),
                (CN, PRINTABLE, "PEZEINVOICESCA2-CA"),
            ],
            subject: vec![
                (C, PRINTABLE, "SA"),
                (O, PRINTABLE, "Test Org"),
                (OU, PRINTABLE, "Riyadh Branch"),
                (CN, PRINTABLE, "TST-886431145-399999999900003"),
            ],
            not_before: JAN_2024,
            not_after: JAN_2029,
            san: Some(vec![
                (SN, "1-TST|2-TST|3-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f"),
                (UID, vat),
                (TITLE, tsxy),
                (REGISTERED_ADDRESS, "RRRD2929"),
                (BUSINESS_CATEGORY, "Supply activities"),
            ]),
        }
    }

    /// The DER, for `subject_key`'s public key, signed by `issuer_key`.
    pub fn issue(&self, subject_key: &PrivateKey, issuer_key: &PrivateKey) -> Vec<u8> {
        let alg = seq(&[&oid("1.2.840.10045.4.3.2")]);
        let spki = subject_key.public_key().to_spki_der().unwrap();
        let mut extensions = Vec::new();
        if let Some(san) = &self.san {
            let attrs: Vec<(&str, u8, &str)> = san.iter().map(|(o, v)| (*o, UTF8, *v)).collect();
            let general_names = seq(&[&tlv(0xa4, &name(&attrs))]);
            extensions.push(seq(&[&oid("2.5.29.17"), &tlv(0x04, &general_names)]));
        }
        let mut parts: Vec<Vec<u8>> = vec![
            tlv(0xa0, &tlv(0x02, &[2])),
            tlv(0x02, &self.serial),
            alg.clone(),
            name(&self.issuer),
            seq(&[&utc_time(self.not_before), &utc_time(self.not_after)]),
            name(&self.subject),
            spki,
        ];
        if !extensions.is_empty() {
            parts.push(tlv(0xa3, &tlv(0x30, &extensions.concat())));
        }
        let tbs = tlv(0x30, &parts.concat());
        let sig = issuer_key.sign_sha256(&tbs).unwrap();
        let mut bits = vec![0u8];
        bits.extend_from_slice(&sig);
        seq(&[&tbs, &alg, &tlv(0x03, &bits)])
    }
}

pub fn testdata(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn tool_available(cmd: &str, args: &[&str]) -> bool {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}
