//! The device store under attack: passphrase lock-out, read-only commands that
//! must not touch a folder, concurrent onboardings, leftovers of kills, a
//! damaged device file, permissions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{
    files_below, finish, json, sample, spawn_zatca, text, walk, zatca, zatca_with_passphrases,
};

/// Every file of the store with its bytes, to prove nothing changed.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = files_below(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn onboard(passphrase: Option<&str>, store: &str) -> String {
    let out = zatca_with_passphrases(
        passphrase,
        None,
        &[
            "onboard",
            &sample(),
            "--env",
            "development",
            "--store",
            store,
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    json(&out)["DeviceId"].as_str().unwrap().to_owned()
}

#[test]
fn a_wrong_missing_or_needless_passphrase_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let id = onboard(Some("right"), s);
    let before = snapshot(&store);
    for passphrase in [None, Some("typo")] {
        let out = zatca_with_passphrases(
            passphrase,
            None,
            &[
                "device", "renew", &id, "--otp", "123345", "--store", s, "--json",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{passphrase:?}: {}", text(&out));
        assert_eq!(
            json(&out)["ErrorList"][0]["ErrorCode"],
            "ZO043",
            "{passphrase:?}"
        );
        assert!(!text(&out).contains("typo"));
        assert_eq!(
            snapshot(&store),
            before,
            "{passphrase:?}: the store changed"
        );
    }
    // With the right passphrase the renewal works and the new key is encrypted.
    let out = zatca_with_passphrases(
        Some("right"),
        None,
        &["device", "renew", &id, "--otp", "123345", "--store", s],
    );
    assert!(out.status.success(), "{}", text(&out));
    for key in walk(&store)
        .iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("key-"))
    {
        assert!(
            std::fs::read_to_string(key)
                .unwrap()
                .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        );
    }

    // A plaintext store refuses a passphrase it was not written with.
    let plain = dir.path().join("plain");
    let p = plain.to_str().unwrap();
    let id = onboard(None, p);
    let before = snapshot(&plain);
    let out = zatca_with_passphrases(
        Some("right"),
        None,
        &["device", "renew", &id, "--otp", "123345", "--store", p],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("ZO043"), "{}", text(&out));
    assert_eq!(snapshot(&plain), before);
}

#[test]
fn rekey_changes_adds_and_removes_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let id = onboard(None, s);
    // Without a new passphrase nor --remove-passphrase: refused.
    let out = zatca(&["device", "rekey", "--store", s]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // Add one.
    let out = zatca_with_passphrases(None, Some("first"), &["device", "rekey", "--store", s]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("first"));
    let out = zatca_with_passphrases(
        Some("first"),
        None,
        &["device", "renew", &id, "--otp", "1", "--store", s],
    );
    assert!(out.status.success(), "{}", text(&out));
    // Change it: the old one no longer opens the keys.
    let out = zatca_with_passphrases(
        Some("first"),
        Some("second"),
        &["device", "rekey", "--store", s],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = zatca_with_passphrases(
        Some("first"),
        None,
        &["device", "renew", &id, "--otp", "1", "--store", s],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = zatca_with_passphrases(
        Some("second"),
        None,
        &["device", "renew", &id, "--otp", "1", "--store", s],
    );
    assert!(out.status.success(), "{}", text(&out));
    // A wrong current passphrase changes nothing.
    let before = snapshot(&store);
    let out = zatca_with_passphrases(
        Some("nope"),
        Some("third"),
        &["device", "rekey", "--store", s],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(snapshot(&store), before);
    // Remove it.
    let out = zatca_with_passphrases(
        Some("second"),
        None,
        &["device", "rekey", "--remove-passphrase", "--store", s],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = zatca(&["device", "renew", &id, "--otp", "1", "--store", s]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn read_only_commands_leave_the_folder_alone() {
    let dir = tempfile::tempdir().unwrap();
    let perm = dir.path().join("perm");
    std::fs::create_dir(&perm).unwrap();
    std::fs::set_permissions(&perm, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let p = perm.to_str().unwrap();
    for args in [
        vec!["device", "list", "--store", p],
        vec!["device", "list", "--store", p, "--json"],
        vec![
            "device",
            "show",
            "4f190640-9b36-42e9-88d1-0c31a961898d",
            "--store",
            p,
        ],
        vec!["device", "status", "62972e815bc1fa6cd2835c41", "--store", p],
    ] {
        let _ = zatca(&args);
        let mode = std::fs::metadata(&perm).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o1777, "{args:?} changed the folder's mode");
        assert!(walk(&perm).is_empty(), "{args:?} created {:?}", walk(&perm));
    }
    // A missing store is not created by a read either.
    let missing = dir.path().join("missing");
    let out = zatca(&["device", "list", "--store", missing.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!missing.exists());
    // A file given as the store is named as such.
    let file = dir.path().join("k1.pem");
    std::fs::write(&file, "x").unwrap();
    let out = zatca(&["device", "list", "--store", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("k1.pem") && text(&out).contains("not a folder"),
        "{}",
        text(&out)
    );
}

#[test]
fn everything_the_store_creates_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    onboard(None, store.to_str().unwrap());
    for path in walk(&store) {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, expected, "{}", path.display());
    }
}

#[test]
fn concurrent_onboardings_of_one_device_all_succeed() {
    for trial in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let sample = sample();
        let args = [
            "onboard",
            &sample,
            "--env",
            "development",
            "--json",
            "--store",
            store.to_str().unwrap(),
        ];
        let children: Vec<_> = (0..8).map(|_| spawn_zatca(&args, &[])).collect();
        let outs: Vec<Output> = children.into_iter().map(|c| finish(c, &args)).collect();
        let ids: std::collections::HashSet<String> = outs
            .iter()
            .map(|o| {
                assert!(o.status.success(), "trial {trial}: {}", text(o));
                let answer = json(o);
                assert_eq!(answer["Status"], "GENERATED", "trial {trial}: {answer}");
                answer["DeviceId"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 1, "trial {trial}");
        let warned = outs
            .iter()
            .filter(|o| json(o)["ErrorList"].as_array().unwrap().len() == 1)
            .count();
        assert_eq!(warned, 7, "trial {trial}: every duplicate answers 6002");
    }
}

#[test]
fn leftovers_of_a_kill_are_swept_and_a_damaged_device_does_not_hide_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let id = onboard(None, s);
    let stale = store.join("activities").join(".x.json.tmp-123-0");
    std::fs::write(&stale, "half").unwrap();
    let out = zatca(&["device", "renew", &id, "--otp", "1", "--store", s]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !stale.exists(),
        "a temp file of a killed writer was left in activities/"
    );

    // A second device, then damage the first one's record.
    let other = dir.path().join("other.json");
    let body = std::fs::read_to_string(sample())
        .unwrap()
        .replace("3-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f", "3-second");
    assert_ne!(
        body,
        std::fs::read_to_string(sample()).unwrap(),
        "the sample's serial changed"
    );
    std::fs::write(&other, body).unwrap();
    let out = zatca(&[
        "onboard",
        other.to_str().unwrap(),
        "--env",
        "development",
        "--store",
        s,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let second = json(&out)["DeviceId"].as_str().unwrap().to_owned();
    let record = walk(&store)
        .into_iter()
        .find(|p| p.ends_with(Path::new(&id).join("device.json")))
        .unwrap();
    std::fs::write(&record, "{ damaged").unwrap();
    let out = zatca(&["device", "list", "--store", s, "--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let listed = json(&out);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["DeviceId"], second.as_str());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("device.json"),
        "{}",
        text(&out)
    );
}
