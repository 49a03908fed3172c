//! Acceptance tests of `zatca keygen` and `zatca inspect` on keys: the binary, run as a user would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{testdata, text, zatca};

#[test]
fn keygen_then_inspect_json() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("device.key");
    let k = key.to_str().unwrap();
    let out = zatca(&["keygen", "--out", k]);
    assert!(out.status.success(), "{}", text(&out));
    let out = zatca(&["inspect", k, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kind"], "private_key");
    assert_eq!(doc["curve"], "secp256k1");
    assert!(
        doc["public_key"]
            .as_str()
            .unwrap()
            .starts_with("MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE")
    );
    // The file itself must never be echoed.
    let secret = std::fs::read_to_string(&key).unwrap();
    let body: String = secret.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!text(&out).contains(&body[..20]));
}

#[test]
fn keygen_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("device.key");
    let k = key.to_str().unwrap();
    assert!(zatca(&["keygen", "--out", k]).status.success());
    let before = std::fs::read(&key).unwrap();
    let out = zatca(&["keygen", "--out", k, "--curve", "p256"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("already exists"));
    assert_eq!(std::fs::read(&key).unwrap(), before);
    let out = zatca(&[
        "keygen", "--out", k, "--curve", "p256", "--format", "pkcs8", "--force",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let out = zatca(&["inspect", k]);
    assert!(text(&out).contains("p256"), "{}", text(&out));
}

#[test]
fn inspect_sdk_key_prints_the_certificate_public_key() {
    let out = zatca(&[
        "inspect",
        &testdata("keys/sdk-r3.3.3-priv-key.b64"),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The SPKI of the SDK R3.3.3 certificate (QR tag 8 of its samples).
    assert!(
        doc["public_key"]
            .as_str()
            .unwrap()
            .starts_with("MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEoWCKa0Sa9FIErTOv0uAkC1VIKXxU9nPp")
    );
}

#[test]
fn bad_inputs_exit_non_zero_with_a_message() {
    let out = zatca(&["inspect", "/nonexistent/key.pem"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/key.pem"));
    let out = zatca(&["inspect", &testdata("keys/openssl-secp384r1.pem")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1.3.132.0.34"));
    let out = zatca(&["keygen", "--out", "x", "--curve", "ed25519"]);
    assert_eq!(out.status.code(), Some(2));
}
