//! Device keys encrypted at rest with ZATCA_KEY_PASSPHRASE.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Output;

use common::{arg, files_below, sample, text, zatca_with_passphrases};

/// `zatca ARGS --store STORE`, with `ZATCA_KEY_PASSPHRASE` set to `passphrase` where given.
fn zatca_in(store: &Path, passphrase: Option<&str>, args: &[&str]) -> Output {
    let args = [args, &["--store", arg(store)]].concat();
    zatca_with_passphrases(passphrase, None, &args)
}

#[test]
fn keys_are_encrypted_at_rest_and_need_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let request = sample();
    let out = zatca_in(
        &store,
        Some("long passphrase 1"),
        &["onboard", &request, "--env", "development", "--json"],
    );
    assert!(out.status.success(), "{}", text(&out));

    let keys: Vec<_> = files_below(&store)
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("key-"))
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let pem = std::fs::read_to_string(&keys[0]).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{pem}"
    );
    assert!(!text(&out).contains("long passphrase 1"));

    let list = zatca_in(&store, None, &["device", "list", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = doc
        .as_array()
        .and_then(|a| a.first())
        .and_then(|d| d["DeviceId"].as_str().or(d["device_id"].as_str()))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no device id in {doc}"));

    // Renewal reads the key: without the passphrase it is refused, with a wrong one too.
    for passphrase in [None, Some("wrong")] {
        let out = zatca_in(
            &store,
            passphrase,
            &["device", "renew", &id, "--otp", "123345", "--same-key"],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("ZATCA_KEY_PASSPHRASE"),
            "{}",
            text(&out)
        );
    }
    let out = zatca_in(
        &store,
        Some("long passphrase 1"),
        &["device", "renew", &id, "--otp", "123345", "--same-key"],
    );
    assert!(out.status.success(), "{}", text(&out));
}
