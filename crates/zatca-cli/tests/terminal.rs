//! Acceptance tests: values from outside input (a QR code, a certificate or CSR
//! subject, a request field) never reach the terminal raw. An ESC would run a
//! terminal escape sequence and a newline would forge an output line; both are
//! printed as visible escapes (`\u{1b}`, `\u{a}`) in text output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use common::{arg, stderr, stdout, testdata, zatca};

/// The hostile value: clear the screen, then a forged output line.
const HOSTILE: &str = "Evil\u{1b}[2J\nsubject: CN=Trusted";
/// How it must be shown.
const SHOWN: &str = r"Evil\u{1b}[2J\u{a}subject: CN=Trusted";

fn assert_no_raw_controls(text: &str) {
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "a raw control character reached the terminal: {text:?}"
    );
}

fn tlv(tag: u8, value: &str) -> Vec<u8> {
    let mut out = vec![tag, u8::try_from(value.len()).unwrap()];
    out.extend_from_slice(value.as_bytes());
    out
}

#[test]
fn qr_decode_escapes_the_qr_values() {
    let mut bytes = tlv(1, HOSTILE);
    bytes.extend(tlv(2, "399999999900003"));
    bytes.extend(tlv(3, "2022-04-25T15:30:00Z"));
    bytes.extend(tlv(4, "1000.00\u{202e}"));
    bytes.extend(tlv(5, "150.00"));
    let qr = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let out = zatca(&["qr", "decode", &qr]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_no_raw_controls(&text);
    assert!(
        text.contains(&format!("  1 seller name:           {SHOWN}\n")),
        "{text}"
    );
    assert!(text.contains(r"1000.00\u{202e}"), "{text}");
    assert_eq!(text.lines().count(), 6, "a value added a line: {text}");
    // JSON keeps the value itself (the encoder escapes it for JSON).
    let out = zatca(&["qr", "decode", &qr, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["seller_name"], HOSTILE);
}

#[test]
fn validate_escapes_the_request_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("request.json");
    let mut request: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("requests/sample-device.json")).unwrap(),
    )
    .unwrap();
    request["OrganizationDetails"]["OrganizationName"] = HOSTILE.into();
    std::fs::write(&path, request.to_string()).unwrap();
    let out = zatca(&["validate", arg(&path)]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_no_raw_controls(&text);
    // Control characters are refused in every field (ZP052), named as code points.
    assert!(
        !out.status.success() && text.contains("ZP052") && text.contains("U+001B"),
        "{text}"
    );
    if out.status.success() {
        assert!(
            text.contains(&format!("  O   organization:    {SHOWN}\n")),
            "{text}"
        );
    }
}

/// Makes, with Python's `cryptography` (an independent implementation), a
/// self-signed certificate and a CSR whose subject CN is [`HOSTILE`]; `None`,
/// with the reason printed, when it is not installed.
fn hostile_certificate_and_csr(dir: &Path) -> Option<(String, String)> {
    let cert = dir.join("cert.pem");
    let csr = dir.join("csr.pem");
    let script = r#"
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256K1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Evil\x1b[2J\nsubject: CN=Trusted")])
start = datetime.datetime(2025, 1, 1)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256()))
open(sys.argv[1], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
open(sys.argv[2], "wb").write(csr.public_bytes(serialization.Encoding.PEM))
"#;
    let made = Command::new("python3")
        .args(["-c", script, arg(&cert), arg(&csr)])
        .output();
    match made {
        Ok(o) if o.status.success() => Some((arg(&cert).to_owned(), arg(&csr).to_owned())),
        Ok(o) => {
            eprintln!(
                "skipping: Python's cryptography could not make the fixtures: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("skipping: python3 is not available: {e}");
            None
        }
    }
}

#[test]
fn inspect_escapes_certificate_and_csr_subjects() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, csr)) = hostile_certificate_and_csr(dir.path()) else {
        return;
    };
    let out = zatca(&["inspect", &cert]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_no_raw_controls(&text);
    assert!(
        text.contains(&format!("  subject:          CN=\"{SHOWN}\"\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("  issuer:           CN=\"{SHOWN}\"\n")),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("subject: ")), "{text}");

    // Not a ZATCA CSR (no template, no SAN), but its subject is still shown safely.
    let out = zatca(&["inspect", &csr]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_no_raw_controls(&text);
    assert!(text.contains(SHOWN), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("subject: ")), "{text}");
}
