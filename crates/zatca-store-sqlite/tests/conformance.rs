//! The back ends' conformance suite on the embedded SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zatca_store_sqlite::{MasterKey, SqliteStore};

#[test]
fn sqlite_passes_the_conformance_suite() {
    let dirs = std::sync::Mutex::new(Vec::new());
    let key = MasterKey::from_hex(&"5e".repeat(32), "test key").unwrap();
    zatca_store::conformance::run(
        &|| {
            let dir = tempfile::tempdir().unwrap();
            let store =
                SqliteStore::open_with_master_key(&dir.path().join("service.db"), &key).unwrap();
            dirs.lock().unwrap().push(dir);
            store
        },
        false,
    );
}
