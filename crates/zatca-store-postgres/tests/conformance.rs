//! The back ends' conformance suite on PostgreSQL (a throwaway server: the
//! one CI started, or one started here), and what only this store does:
//! its URL handling, the master key check, a database that goes away.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zatca_store::MasterKey;
use zatca_store_postgres::{PgStoreError, PoolConfig, PostgresStore, testing};

fn key(byte: &str) -> MasterKey {
    MasterKey::from_hex(&byte.repeat(32), "test key").unwrap()
}

fn open(url: &str) -> PostgresStore {
    PostgresStore::open(url, None, &key("5e"), &PoolConfig::default()).unwrap()
}

#[test]
fn postgres_passes_the_conformance_suite() {
    let Some(server) = testing::server() else {
        return;
    };
    zatca_store::conformance::run(&|| open(&server.fresh_database()), true);
}

#[test]
fn a_wrong_master_key_is_refused_and_a_rotation_reseals_everything() {
    let Some(server) = testing::server() else {
        return;
    };
    let url = server.fresh_database();
    let store = open(&url);
    zatca_store::conformance::lifecycle(&store);
    let wrong = PostgresStore::open(&url, None, &key("aa"), &PoolConfig::default()).unwrap_err();
    assert!(
        matches!(wrong, PgStoreError::WrongMasterKey { .. }),
        "{wrong}"
    );
    assert!(wrong.to_string().contains("test key"));
    let count = store.rotate_master_key(&key("77")).unwrap();
    assert!(count >= 4, "{count} values re-sealed");
    drop(store);
    assert!(PostgresStore::open(&url, None, &key("5e"), &PoolConfig::default()).is_err());
    let rotated = PostgresStore::open(&url, None, &key("77"), &PoolConfig::default()).unwrap();
    zatca_store::conformance::invoice_chain(&rotated);
    assert_eq!(
        rotated.schema_version().unwrap(),
        zatca_store_postgres::DATABASE_VERSION
    );
}

#[test]
fn urls_are_checked_and_a_missing_server_is_unavailable_without_the_password() {
    for bad in [
        "/var/db.sqlite",
        "postgres://user@host:5432",
        "mysql://x@y/z",
    ] {
        let e = PostgresStore::open(bad, None, &key("5e"), &PoolConfig::default()).unwrap_err();
        assert!(matches!(e, PgStoreError::BadUrl { .. }), "{bad}: {e}");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://zatca:hunter2-secret@127.0.0.1:{port}/zatca");
    let e = PostgresStore::open(&url, None, &key("5e"), &PoolConfig::default()).unwrap_err();
    assert!(e.is_unavailable(), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(
        e.to_string()
            .contains(&format!("postgres://zatca@127.0.0.1:{port}/zatca")),
        "{e}"
    );
}

#[test]
fn the_database_alone_reveals_no_key_and_no_csid_secret() {
    use zatca_onboarding::{CsidKind, DeviceStore as _};
    let Some(server) = testing::server() else {
        return;
    };
    let url = server.fresh_database();
    let store = open(&url);
    zatca_store::conformance::lifecycle(&store);
    let listing = store.list_devices().unwrap();
    let mut secrets = Vec::new();
    for record in &listing.devices {
        if !record.current.production_csid {
            continue;
        }
        let key = store.read_key(record, 1).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        secrets.push(der.iter().map(|b| format!("{b:02x}")).collect::<String>());
        for kind in [CsidKind::Compliance, CsidKind::Production] {
            let csid = store.read_csid(record, kind, 1).unwrap();
            secrets.push(csid.expose_secret().to_owned());
            let hex: String = csid
                .expose_secret()
                .bytes()
                .map(|b| format!("{b:02x}"))
                .collect();
            secrets.push(hex);
        }
    }
    assert!(
        secrets.len() >= 3,
        "the lifecycle made no device with its CSIDs"
    );
    // Every column of every table, as text (BYTEA as hex).
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let columns = client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public'",
            &[],
        )
        .unwrap();
    assert!(columns.len() > 30);
    let mut everything = String::new();
    for column in columns {
        let (table, name): (String, String) = (column.get(0), column.get(1));
        for row in client
            .query(&format!("SELECT \"{name}\"::text FROM \"{table}\""), &[])
            .unwrap()
        {
            let value: Option<String> = row.get(0);
            everything.push_str(&value.unwrap_or_default());
            everything.push('\n');
        }
    }
    for secret in &secrets {
        assert!(
            !everything.contains(secret.as_str()),
            "a secret is readable in the database"
        );
    }
}
