//! Device keys encrypted at rest with ZATCA_KEY_PASSPHRASE.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn zatca(store: &Path, passphrase: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zatca"));
    cmd.args(args)
        .arg("--store")
        .arg(store)
        .env_remove("ZATCA_KEY_PASSPHRASE");
    if let Some(p) = passphrase {
        cmd.env("ZATCA_KEY_PASSPHRASE", p);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn keys_are_encrypted_at_rest_and_need_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let request =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/requests/sample-device.json");
    let out = zatca(
        &store,
        Some("long passphrase 1"),
        &[
            "onboard",
            request.to_str().unwrap(),
            "--env",
            "development",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));

    let keys: Vec<_> = walk(&store)
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

    let list = zatca(&store, None, &["device", "list", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = doc
        .as_array()
        .and_then(|a| a.first())
        .and_then(|d| d["DeviceId"].as_str().or(d["device_id"].as_str()))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no device id in {doc}"));

    // Renewal reads the key: without the passphrase it is refused, with a wrong one too.
    for passphrase in [None, Some("wrong")] {
        let out = zatca(
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
    let out = zatca(
        &store,
        Some("long passphrase 1"),
        &["device", "renew", &id, "--otp", "123345", "--same-key"],
    );
    assert!(out.status.success(), "{}", text(&out));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
