//! `zatca serve` and its master key: `init` makes the key file, the service
//! runs the seed flow with its secrets sealed, a wrong or missing key is
//! refused naming it without changing the database, and `rotate-master-key`
//! re-seals so that the onboarded devices still renew.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::serve::{Server, register_body, try_call};
use serde_json::{Value, json};
use zatca_onboarding::{CsidKind, DeviceId, DeviceStore as _};
use zatca_profile::Environment;
use zatca_store_sqlite::{MasterKey, SqliteStore};

const VAT: &str = "399999999900003";
const OTP: &str = "724513";

/// `zatca serve ARGS` without `ZATCA_MASTER_KEY` (whatever the caller's
/// environment holds).
fn serve_cmd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zatca"))
        .arg("serve")
        .args(args)
        .env_remove("ZATCA_MASTER_KEY")
        .env_remove("ZATCA_NEW_MASTER_KEY")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn init(file: &Path) {
    ok(&serve_cmd(&[
        "init",
        "--master-key-file",
        file.to_str().unwrap(),
    ]));
}

/// `zatca serve --db DB --master-key-file KEY ARGS`, which must succeed.
fn admin(db: &Path, key: &Path, args: &[&str]) -> String {
    let mut all = vec![
        "--db",
        db.to_str().unwrap(),
        "--master-key-file",
        key.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    ok(&serve_cmd(&all))
}

fn add_admin(db: &Path, key: &Path) -> String {
    admin(db, key, &["vat", "add", VAT, "--name", "Org"]);
    let out: Value = serde_json::from_str(&admin(
        db,
        key,
        &[
            "user", "add", "admin", "--vat", VAT, "--role", "admin", "--json",
        ],
    ))
    .unwrap();
    out["Token"].as_str().unwrap().to_owned()
}

/// Starts the service with `key` passed by flag (the harness's variable is
/// overridden: the flag wins).
fn start(db: &Path, key: &Path, log: &Path) -> Server {
    Server::start(db, log, &["--master-key-file", key.to_str().unwrap()])
}

fn poll(base: &str, token: &str, activity: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let url = format!("{base}/onboarding/{activity}/pcsid-status");
        let (status, answer) = try_call("GET", &url, Some(token), Some(VAT), None).unwrap();
        assert_eq!(status, 200, "{answer}");
        if answer["Status"] != "IN_PROGRESS" {
            return answer;
        }
        assert!(Instant::now() < deadline, "the activity did not end");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Registers a device with its OTP and waits for SUCCEEDED; its id.
fn onboard(base: &str, token: &str, serial: &str) -> String {
    let (status, answer) = try_call(
        "POST",
        &format!("{base}/onboarding/register-device"),
        Some(token),
        Some(VAT),
        Some(&register_body(VAT, serial, Some(OTP))),
    )
    .unwrap();
    assert_eq!(status, 200, "{answer}");
    let activity = answer["PcsidGenerationActivityId"].as_str().unwrap();
    assert_eq!(poll(base, token, activity)["Status"], "SUCCEEDED");
    answer["DeviceId"].as_str().unwrap().to_owned()
}

fn raw_files(db: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn init_creates_a_0600_key_file_and_never_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("master.key");
    init(&file);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read(&file).unwrap();
    let out = serve_cmd(&["init", "--master-key-file", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(file.to_str().unwrap()) && err.contains("never overwritten"),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), text);
    assert!(
        !serve_cmd(&["init"]).status.success(),
        "init without a file"
    );
}

#[test]
fn the_service_onboards_with_a_master_key_and_its_database_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key, log) = (
        dir.path().join("service.db"),
        dir.path().join("master.key"),
        dir.path().join("log"),
    );
    init(&key);
    let token = add_admin(&db, &key);
    let server = start(&db, &key, &log);
    let device = onboard(&server.base, &token, "1");
    assert!(server.terminate().success());

    let store =
        SqliteStore::open_with_master_key(&db, &MasterKey::from_file(&key).unwrap()).unwrap();
    let id = device.parse::<DeviceId>().unwrap();
    let record = store
        .load_device_in(Environment::Development, &id)
        .unwrap()
        .unwrap();
    let der = store
        .read_key(&record, 1)
        .unwrap()
        .to_pkcs8_der()
        .unwrap()
        .to_vec();
    let mut needles = vec![der];
    for kind in [CsidKind::Compliance, CsidKind::Production] {
        let csid = store.read_csid(&record, kind, 1).unwrap();
        needles.push(csid.expose_secret().as_bytes().to_vec());
    }
    drop(store);
    let key_text = std::fs::read_to_string(&key).unwrap();
    needles.push(key_text.trim().as_bytes().to_vec());
    for (file, bytes) in raw_files(&db) {
        for needle in &needles {
            assert!(
                !contains(&bytes, needle),
                "{} holds a secret",
                file.display()
            );
        }
    }
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        !log.contains(key_text.trim()),
        "the log holds the master key"
    );
}

#[test]
fn a_wrong_or_missing_master_key_is_refused_naming_it_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key, other) = (
        dir.path().join("service.db"),
        dir.path().join("master.key"),
        dir.path().join("other.key"),
    );
    init(&key);
    init(&other);
    add_admin(&db, &key);
    let before = raw_files(&db);
    let db_arg = db.to_str().unwrap();

    let out = serve_cmd(&[
        "--db",
        db_arg,
        "--master-key-file",
        other.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(other.to_str().unwrap()), "{err}");
    assert!(err.contains("not the one"), "{err}");

    let out = serve_cmd(&["--db", db_arg, "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--master-key-file") && err.contains("ZATCA_MASTER_KEY"),
        "{err}"
    );

    let out = serve_cmd(&[
        "--db",
        db_arg,
        "--master-key-file",
        dir.path().join("absent.key").to_str().unwrap(),
        "user",
        "list",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.key"));

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = serve_cmd(&[
        "--db",
        db_arg,
        "--master-key-file",
        key.to_str().unwrap(),
        "user",
        "list",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(key.to_str().unwrap()) && err.contains("0640"),
        "{err}"
    );

    // The variable, wrong: refused naming it.
    let out = Command::new(env!("CARGO_BIN_EXE_zatca"))
        .args(["serve", "--db", db_arg, "user", "list"])
        .env("ZATCA_MASTER_KEY", "ab".repeat(32))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ZATCA_MASTER_KEY"));

    assert_eq!(
        raw_files(&db),
        before,
        "a refused start changed the database"
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    admin(&db, &key, &["user", "list"]);
}

#[test]
fn rotation_reseals_and_the_devices_still_renew_over_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let (db, old, new, log) = (
        dir.path().join("service.db"),
        dir.path().join("old.key"),
        dir.path().join("new.key"),
        dir.path().join("log"),
    );
    init(&old);
    init(&new);
    let token = add_admin(&db, &old);
    let server = start(&db, &old, &log);
    let device = onboard(&server.base, &token, "1");
    assert!(server.terminate().success());

    let out = admin(
        &db,
        &old,
        &[
            "rotate-master-key",
            "--new-master-key-file",
            new.to_str().unwrap(),
        ],
    );
    assert!(out.contains("re-sealed 3 secrets"), "{out}");
    let refused = serve_cmd(&[
        "--db",
        db.to_str().unwrap(),
        "--master-key-file",
        old.to_str().unwrap(),
        "user",
        "list",
    ]);
    assert!(!refused.status.success(), "the old key still opens");

    let server = start(&db, &new, &log);
    let (status, answer) = try_call(
        "POST",
        &format!("{}/onboarding/renew-pcsid", server.base),
        Some(&token),
        Some(VAT),
        Some(&json!({"DeviceId": device, "Otp": OTP})),
    )
    .unwrap();
    assert_eq!(status, 200, "{answer}");
    // Synchronous: GENERATED once the new PCSID, obtained with the current
    // one and a CSR signed by the stored key, is in use.
    assert_eq!(answer["Status"], "GENERATED");
    assert!(server.terminate().success());
}
