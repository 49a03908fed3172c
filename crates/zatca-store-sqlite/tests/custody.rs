//! Secrets at rest: keys and CSID secrets sealed under the master key, the
//! database alone revealing none, wrong keys refused without a change,
//! rotation, and sealed values bound to their rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{db, now, onboarding, otp, request, simulator};
use rusqlite::types::ValueRef;
use zatca_onboarding::{
    ActivityStatus, AnswerStatus, CsidKind, DeviceId, DeviceRecord, DeviceStore as _,
    RegisterAnswer, RenewKey,
};
use zatca_profile::Environment;
use zatca_simulator::Simulator;
use zatca_store_sqlite::{MasterKey, SqliteStore, StoreError};

const ENV: Environment = Environment::Development;

fn key(hex_digit: char) -> MasterKey {
    MasterKey::from_hex(
        &hex_digit.to_string().repeat(64),
        format!("key-{hex_digit}"),
    )
    .unwrap()
}

/// Registers and onboards a device (serial part 3 `serial`); its id.
fn onboard(store: &SqliteStore, sim: &Simulator, serial: &str) -> DeviceId {
    let ob = onboarding(store.clone(), sim);
    let answer = RegisterAnswer::from_result(&ob.register(
        request("1100", serial),
        Some(ENV),
        Some(otp("123456")),
        now(),
    ));
    assert_eq!(answer.status, AnswerStatus::Generated, "{answer:?}");
    answer.device_id.unwrap()
}

fn record(store: &SqliteStore, id: &DeviceId) -> DeviceRecord {
    store.load_device_in(ENV, id).unwrap().unwrap()
}

/// What must not appear anywhere in the file: the key's DER, its private
/// scalar, the lines of its PEM forms, and the CSID secrets.
fn secrets_of(store: &SqliteStore, id: &DeviceId) -> Vec<Vec<u8>> {
    let record = record(store, id);
    let generation = record.current.number;
    let key = store.read_key(&record, generation).unwrap();
    let der = key.to_pkcs8_der().unwrap().to_vec();
    let marker = [0x02, 0x01, 0x01, 0x04, 0x20];
    let at = der
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("the private scalar in the PKCS#8 DER")
        + marker.len();
    let mut needles = vec![der.clone(), der[at..at + 32].to_vec()];
    for pem in [key.to_pkcs8_pem().unwrap(), key.to_sec1_pem().unwrap()] {
        needles.extend(
            pem.lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 32)
                .map(|l| l.as_bytes().to_vec()),
        );
    }
    for kind in [CsidKind::Compliance, CsidKind::Production] {
        let csid = store.read_csid(&record, kind, generation).unwrap();
        needles.push(csid.expose_secret().as_bytes().to_vec());
    }
    needles
}

/// Every value of every column of every table, as bytes.
fn every_value(path: &Path) -> Vec<Vec<u8>> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tables.iter().any(|t| t == "device_keys"), "{tables:?}");
    let mut values = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                values.push(match row.get_ref(i).unwrap() {
                    ValueRef::Null => Vec::new(),
                    ValueRef::Integer(n) => n.to_string().into_bytes(),
                    ValueRef::Real(x) => x.to_string().into_bytes(),
                    ValueRef::Text(b) | ValueRef::Blob(b) => b.to_vec(),
                });
            }
        }
    }
    values
}

/// The database file and its `-wal` and `-shm` files, those that exist.
fn raw_files(path: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", path.display())))
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_reveals_nothing(path: &Path, needles: &[Vec<u8>]) {
    let values = every_value(path);
    for needle in needles {
        for value in &values {
            assert!(!contains(value, needle), "a column holds a secret");
        }
        for (file, bytes) in raw_files(path) {
            assert!(
                !contains(&bytes, needle),
                "{} holds a secret",
                file.display()
            );
        }
    }
}

#[test]
fn the_database_alone_reveals_no_key_and_no_csid_secret() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
    let id = onboard(&store, &sim, "1");
    let needles = secrets_of(&store, &id);
    // While the service runs (the writes still in the WAL) and after it stops.
    assert_reveals_nothing(&path, &needles);
    drop(store);
    assert_reveals_nothing(&path, &needles);

    // The same device in a database without a master key does hold them:
    // the search finds what it looks for.
    let (_clear_dir, clear_path) = db();
    let clear = SqliteStore::open(&clear_path).unwrap();
    let clear_id = onboard(&clear, &sim, "1");
    let clear_needles = secrets_of(&clear, &clear_id);
    let values = every_value(&clear_path);
    let stored_in_clear = [
        &clear_needles[0],
        &clear_needles[1],
        &clear_needles[clear_needles.len() - 2],
        &clear_needles[clear_needles.len() - 1],
    ];
    for needle in stored_in_clear {
        assert!(values.iter().any(|v| contains(v, needle)));
    }
}

#[test]
fn a_wrong_or_missing_master_key_is_refused_naming_it_and_changes_nothing() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
    onboard(&store, &sim, "1");
    drop(store);
    let before = raw_files(&path);

    let err = SqliteStore::open_with_master_key(&path, &key('b')).unwrap_err();
    assert!(
        matches!(&err, StoreError::WrongMasterKey { key, .. } if key == "key-b"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("key-b") && text.contains(&path.display().to_string()),
        "{text}"
    );
    assert_eq!(raw_files(&path), before, "a wrong key changed the database");

    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::MasterKeyRequired { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(&path.display().to_string()));
    assert_eq!(
        raw_files(&path),
        before,
        "a missing key changed the database"
    );

    // The right key still opens it.
    SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
}

#[test]
fn a_database_with_secrets_in_clear_is_sealed_on_the_first_open_with_a_key() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open(&path).unwrap();
    let id = onboard(&store, &sim, "1");
    let needles = secrets_of(&store, &id);
    drop(store);
    // Make it exactly a database of schema version 1, written before
    // secrets were sealed.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "ALTER TABLE device_keys DROP COLUMN key_version;
             ALTER TABLE device_csids DROP COLUMN secret_version;
             DROP TABLE master_key;
             DROP TABLE invoices;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        zatca_store_sqlite::DATABASE_VERSION
    );
    assert_eq!(
        secrets_of(&store, &id),
        needles,
        "the secrets read back the same"
    );
    assert_reveals_nothing(&path, &needles);
    drop(store);
    // Closed (the WAL checkpointed into the file): the values overwritten in
    // place left nothing of themselves behind (`secure_delete`).
    assert_reveals_nothing(&path, &needles);
    assert!(matches!(
        SqliteStore::open(&path).unwrap_err(),
        StoreError::MasterKeyRequired { .. }
    ));
}

#[test]
fn rotation_reseals_every_secret_under_the_new_key() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
    let first = onboard(&store, &sim, "1");
    let second = onboard(&store, &sim, "2");
    let needles = secrets_of(&store, &first);
    drop(store);

    let count = SqliteStore::rotate_master_key(&path, &key('a'), &key('b')).unwrap();
    // Two devices: a key and two CSIDs each.
    assert_eq!(count, 6);
    let err = SqliteStore::open_with_master_key(&path, &key('a')).unwrap_err();
    assert!(matches!(err, StoreError::WrongMasterKey { .. }), "{err:?}");

    let store = SqliteStore::open_with_master_key(&path, &key('b')).unwrap();
    assert_eq!(secrets_of(&store, &first), needles);
    assert_reveals_nothing(&path, &needles);
    // The devices still work: the renewal authenticates with the PCSID and
    // signs with the key read back under the new master key.
    let ob = onboarding(store.clone(), &sim);
    for id in [&first, &second] {
        let renewed = ob
            .renew_pcsid(id, &otp("654321"), RenewKey::Same, now())
            .unwrap();
        assert_eq!(renewed.status, ActivityStatus::Succeeded);
    }
}

#[test]
fn a_failed_rotation_leaves_every_secret_under_the_old_key() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
    let id = onboard(&store, &sim, "1");
    drop(store);
    // One damaged value: the rotation stops there, after others were resealed.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE device_csids SET secret = zeroblob(40) WHERE kind = 'production'",
            [],
        )
        .unwrap();
    }
    let err = SqliteStore::rotate_master_key(&path, &key('a'), &key('b')).unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { reason, .. } if reason.contains("device_csids")),
        "{err:?}"
    );
    assert!(matches!(
        SqliteStore::open_with_master_key(&path, &key('b')).unwrap_err(),
        StoreError::WrongMasterKey { .. }
    ));
    let store = SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
    let record = record(&store, &id);
    store.read_key(&record, 1).unwrap();
    store.read_csid(&record, CsidKind::Compliance, 1).unwrap();
}

#[test]
fn a_sealed_value_moved_to_another_row_does_not_open() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
    let first = onboard(&store, &sim, "1");
    let second = onboard(&store, &sim, "2");
    let conn = rusqlite::Connection::open(&path).unwrap();
    // The first device's key into the second device's row.
    conn.execute(
        "UPDATE device_keys SET key_pkcs8 =
           (SELECT key_pkcs8 FROM device_keys WHERE device_id = ?1)
         WHERE device_id = ?2",
        [first.as_str(), second.as_str()],
    )
    .unwrap();
    // The first device's compliance secret into its production row.
    conn.execute(
        "UPDATE device_csids SET secret =
           (SELECT secret FROM device_csids WHERE device_id = ?1 AND kind = 'compliance')
         WHERE device_id = ?1 AND kind = 'production'",
        [first.as_str()],
    )
    .unwrap();
    let err = store.read_key(&record(&store, &second), 1).unwrap_err();
    assert!(err.to_string().contains("device_keys"), "{err}");
    assert!(err.to_string().contains("copied from another row"), "{err}");
    let err = store
        .read_csid(&record(&store, &first), CsidKind::Production, 1)
        .unwrap_err();
    assert!(err.to_string().contains("device_csids"), "{err}");
    // The rows left alone still open.
    store.read_key(&record(&store, &first), 1).unwrap();
    store
        .read_csid(&record(&store, &first), CsidKind::Compliance, 1)
        .unwrap();
}

#[test]
fn a_key_file_is_created_0600_never_overwritten_and_refused_when_others_can_read_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("master.key");
    let created = MasterKey::create_file(&file).unwrap();
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.len(), 65);
    assert!(text.trim_end().bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(text.ends_with('\n'));

    let err = MasterKey::create_file(&file).unwrap_err();
    assert!(err.to_string().contains("never overwritten"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    // The key read back is the key created: it opens what that one sealed.
    let (_db_dir, path) = db();
    drop(SqliteStore::open_with_master_key(&path, &created).unwrap());
    let read = MasterKey::from_file(&file).unwrap();
    SqliteStore::open_with_master_key(&path, &read).unwrap();

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = MasterKey::from_file(&file).unwrap_err();
    assert!(err.to_string().contains("0644"), "{err}");
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );

    let missing = dir.path().join("absent.key");
    let err = MasterKey::from_file(&missing).unwrap_err();
    assert!(err.to_string().contains("zatca serve init"), "{err}");

    for bad in ["abc", &"g".repeat(64), &"a".repeat(66)] {
        let err = MasterKey::from_hex(bad, "ZATCA_MASTER_KEY").unwrap_err();
        assert!(err.to_string().starts_with("ZATCA_MASTER_KEY: "), "{err}");
        assert!(!err.to_string().contains(bad), "{err}");
    }
}

#[test]
fn a_master_key_never_shows_in_debug() {
    let hex = "0123456789abcdef".repeat(4);
    let key = MasterKey::from_hex(&hex, "ZATCA_MASTER_KEY").unwrap();
    let shown = format!("{key:?}");
    assert!(!shown.contains(&hex) && !shown.contains("0123"), "{shown}");
    assert!(shown.contains("ZATCA_MASTER_KEY"));
}

#[test]
fn a_key_put_in_clear_into_a_sealed_database_is_refused() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open_with_master_key(&path, &key('a')).unwrap();
    let id = onboard(&store, &sim, "1");
    let record = record(&store, &id);
    let der = store
        .read_key(&record, 1)
        .unwrap()
        .to_pkcs8_der()
        .unwrap()
        .to_vec();
    // Someone with write access to the file swaps in a key of their own, in clear.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE device_keys SET key_pkcs8 = ?1, key_version = NULL WHERE device_id = ?2",
            rusqlite::params![der, id.as_str()],
        )
        .unwrap();
    let err = store.read_key(&record, 1).unwrap_err();
    assert!(err.to_string().contains("in clear"), "{err}");
}
