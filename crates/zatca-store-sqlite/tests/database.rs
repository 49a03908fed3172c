//! The database file: its mode, migrations, integrity and damaged rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{db, now, onboarding, request, simulator};
use zatca_onboarding::{
    Activity, ActivityId, ActivityKind, ActivityStatus, DeviceStore as _, OnboardingError,
    SCHEMA_VERSION,
};
use zatca_profile::Environment;
use zatca_store_sqlite::{DATABASE_VERSION, SqliteStore, StoreError};

#[cfg(unix)]
#[test]
fn the_database_and_its_wal_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, path) = db();
    let sim = simulator(Environment::Simulation);
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    ob.register_device(&request("1100", "1"), Some(Environment::Simulation), now())
        .unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", entry.path().display());
        seen += 1;
    }
    assert!(seen >= 2, "the database and its WAL");
}

#[test]
fn a_fresh_database_has_the_current_schema_in_wal_mode() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), DATABASE_VERSION);
    const { assert!(DATABASE_VERSION >= 1) };
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, DATABASE_VERSION);
    drop(store);
    // Opening again applies nothing and keeps the version.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), DATABASE_VERSION);
}

#[test]
fn a_database_of_a_newer_release_is_refused() {
    let (_dir, path) = db();
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", DATABASE_VERSION + 1)
        .unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(
        err,
        StoreError::TooNew {
            path: path.clone(),
            found: DATABASE_VERSION + 1,
            supported: DATABASE_VERSION,
        }
    );
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("newer than this release"), "{text}");
}

#[test]
fn integrity_check_passes_on_a_used_database() {
    let (_dir, path) = db();
    let sim = simulator(Environment::Development);
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    ob.register_device(&request("1100", "1"), Some(Environment::Development), now())
        .unwrap();
    ob.store().integrity_check().unwrap();
}

#[test]
fn a_folder_is_not_a_database() {
    let (dir, _) = db();
    let err = SqliteStore::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::Io { ref path, .. } if path == dir.path()),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused() {
    let (_dir, path) = db();
    std::fs::write(&path, vec![b'x'; 8192]).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

fn activity(id: &ActivityId, status: ActivityStatus) -> Activity {
    Activity {
        schema_version: SCHEMA_VERSION,
        activity_id: id.clone(),
        device_id: zatca_onboarding::DeviceId::derive(
            Environment::Simulation,
            "399999999900003",
            "1-a|2-b|3-c",
        ),
        kind: ActivityKind::GeneratePcsid,
        status,
        steps: Vec::new(),
        failed_step: None,
        done: Vec::new(),
        production_requested: false,
        compliance_results: Vec::new(),
        error_list: Vec::new(),
        total_checks: 6,
        started_at: common::NOW,
        updated_at: common::NOW,
        completed_at: None,
    }
}

#[test]
fn in_progress_activities_are_listed_from_their_index() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    let mut ids: Vec<ActivityId> = (0..3).map(|_| ActivityId::generate().unwrap()).collect();
    ids.sort();
    for id in &ids {
        store
            .save_activity(&activity(id, ActivityStatus::InProgress))
            .unwrap();
    }
    assert_eq!(store.in_progress_activities().unwrap(), ids);
    store
        .save_activity(&activity(&ids[1], ActivityStatus::Succeeded))
        .unwrap();
    assert_eq!(
        store.in_progress_activities().unwrap(),
        [ids[0].clone(), ids[2].clone()]
    );
    assert_eq!(
        store.load_activity(&ids[1]).unwrap().status,
        ActivityStatus::Succeeded
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let plan: Vec<String> = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT activity_id FROM activities \
             WHERE status = 'IN_PROGRESS' ORDER BY activity_id",
        )
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter().any(|p| p.contains("activities_in_progress")),
        "{plan:?}"
    );
}

#[test]
fn a_damaged_row_is_corrupt_naming_the_database_and_the_row() {
    let (_dir, path) = db();
    let sim = simulator(Environment::Simulation);
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    let id = ob
        .register_device(&request("1100", "1"), Some(Environment::Simulation), now())
        .unwrap()
        .device_id;
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE devices SET record = '{\"not\": 1}'", [])
        .unwrap();
    let err = ob
        .store()
        .load_device_in(Environment::Simulation, &id)
        .unwrap_err();
    let OnboardingError::Corrupt { path: at, reason } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(at, &path);
    assert!(
        reason.contains("table devices") && reason.contains(id.as_str()),
        "{reason}"
    );
    assert_eq!(err.code(), "ZO041");
    let listing = ob.store().list_devices().unwrap();
    assert!(listing.devices.is_empty());
    assert_eq!(listing.damaged.len(), 1);
}

#[test]
fn integrity_check_reports_a_damaged_file() {
    let (_dir, path) = db();
    // The pages of the schema (sqlite_master and every table's root page)
    // are the ones a fresh database has: garbage after them hits only data.
    drop(SqliteStore::open(&path).unwrap());
    let schema_pages = std::fs::metadata(&path).unwrap().len() as usize;
    {
        let store = SqliteStore::open(&path).unwrap();
        use zatca_store_sqlite::Accounts as _;
        for n in 0..200u32 {
            let vat: zatca_profile::Vat = format!("3{n:013}3").parse().unwrap();
            store.add_vat(&vat, Some(&"x".repeat(100)), None).unwrap();
        }
    }
    // Closing the store checkpointed the WAL into the file (the writer
    // closes last): overwrite the pages after the schema with garbage.
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > schema_pages + 4 * 4096, "{}", bytes.len());
    for b in &mut bytes[schema_pages..] {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let err = store.integrity_check().unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Integrity { .. } | StoreError::Sqlite { .. }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}
