//! The service's accounts: VATs, users, tokens (never stored in clear).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::db;
use zatca_profile::Vat;
use zatca_store_sqlite::{Accounts as _, Role, SqliteStore, StoreError};

fn vat(s: &str) -> Vat {
    s.parse().unwrap()
}

const VAT: &str = "399999999900003";
const OTHER: &str = "300000000000003";
const GROUP: &str = "399999999910003";

#[test]
fn vats_are_added_listed_and_updated() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    assert!(store.list_vats().unwrap().is_empty());
    store
        .add_vat(&vat(VAT), Some("Maximum Speed"), None)
        .unwrap();
    store.add_vat(&vat(OTHER), None, None).unwrap();
    let vats = store.list_vats().unwrap();
    assert_eq!(
        vats.iter().map(|v| v.vat.as_str()).collect::<Vec<_>>(),
        [OTHER, VAT]
    );
    assert_eq!(vats[1].name.as_deref(), Some("Maximum Speed"));
    // Adding again updates the name; without one keeps it.
    store.add_vat(&vat(VAT), Some("Renamed"), None).unwrap();
    store.add_vat(&vat(VAT), None, None).unwrap();
    assert_eq!(
        store.vat(VAT).unwrap().unwrap().name.as_deref(),
        Some("Renamed")
    );
    assert!(store.vat("399999999800003").unwrap().is_none());
    assert!(store.vat("not a vat").unwrap().is_none());
}

#[test]
fn a_member_of_a_group_adds_the_group() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    store
        .add_vat(&vat(VAT), Some("Member"), Some(&vat(GROUP)))
        .unwrap();
    let member = store.vat(VAT).unwrap().unwrap();
    assert_eq!(member.group, Some(vat(GROUP)));
    let group = store.vat(GROUP).unwrap().unwrap();
    assert_eq!((group.name, group.group), (None, None));
    // A group must be a group VAT (11th digit 1), and a group is no member.
    let err = store
        .add_vat(&vat(VAT), None, Some(&vat(OTHER)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "group VAT",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("11th digit"), "{err}");
    let err = store
        .add_vat(&vat(GROUP), None, Some(&vat(GROUP)))
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    let err = store
        .add_vat(&vat(VAT), Some("bad\nname"), None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "VAT name",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn users_are_added_listed_and_authenticated() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    store.add_vat(&vat(VAT), None, None).unwrap();
    store.add_vat(&vat(OTHER), None, None).unwrap();
    let admin = store
        .add_user("erp", Role::Admin, &[vat(VAT), vat(OTHER)])
        .unwrap();
    let viewer = store
        .add_user("auditor", Role::Viewer, &[vat(VAT)])
        .unwrap();
    for token in [&admin, &viewer] {
        assert_eq!(token.expose().len(), 64);
        assert!(token.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!format!("{token:?}").contains(token.expose()));
    }
    assert_ne!(admin.expose(), viewer.expose());

    let users = store.list_users().unwrap();
    assert_eq!(
        users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["auditor", "erp"]
    );
    assert_eq!(users[1].role, Role::Admin);
    assert_eq!(users[1].vats, [vat(OTHER), vat(VAT)]);
    assert!(!users[1].revoked);

    let user = store.authenticate(admin.expose()).unwrap().unwrap();
    assert_eq!(user, users[1]);
    let user = store.authenticate(viewer.expose()).unwrap().unwrap();
    assert_eq!((user.name.as_str(), user.role), ("auditor", Role::Viewer));
}

#[test]
fn revoked_unknown_and_malformed_tokens_do_not_authenticate() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    store.add_vat(&vat(VAT), None, None).unwrap();
    let token = store.add_user("erp", Role::Admin, &[vat(VAT)]).unwrap();
    let mut other = token.expose().to_owned();
    let last = if other.ends_with('0') { "1" } else { "0" };
    other.replace_range(63.., last);
    for bad in [
        other.as_str(),
        "",
        "x",
        &token.expose().to_uppercase(),
        &"0".repeat(64),
    ] {
        assert!(store.authenticate(bad).unwrap().is_none(), "{bad}");
    }
    assert!(store.revoke_user("erp").unwrap());
    assert!(!store.revoke_user("nobody").unwrap());
    assert!(store.authenticate(token.expose()).unwrap().is_none());
    assert!(store.list_users().unwrap()[0].revoked);
}

#[test]
fn users_need_a_fitting_name_a_new_name_and_served_vats() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    store.add_vat(&vat(VAT), None, None).unwrap();
    store.add_user("erp", Role::Admin, &[vat(VAT)]).unwrap();
    let err = store
        .add_user("erp", Role::Viewer, &[vat(VAT)])
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UserExists { ref name, .. } if name == "erp"),
        "{err}"
    );
    let err = store
        .add_user("pos", Role::Admin, &[vat(OTHER)])
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownVat { ref vat, .. } if vat == OTHER),
        "{err}"
    );
    assert!(err.to_string().contains("zatca serve vat add"), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    for bad in ["", "has space", "tab\t", &"a".repeat(65)] {
        let err = store.add_user(bad, Role::Admin, &[vat(VAT)]).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    field: "user name",
                    ..
                }
            ),
            "{err}"
        );
    }
    let err = store.add_user("pos", Role::Admin, &[]).unwrap_err();
    assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    // Nothing of the refused users was written.
    assert_eq!(store.list_users().unwrap().len(), 1);
}

/// Every value of every column of every table, as text (blobs also in hex).
fn every_value(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tables.iter().any(|t| t == "users"));
    let mut out = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                use rusqlite::types::ValueRef;
                match row.get_ref(i).unwrap() {
                    ValueRef::Text(t) => out.push(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => {
                        out.push(String::from_utf8_lossy(b).into_owned());
                        out.push(b.iter().map(|x| format!("{x:02x}")).collect());
                    }
                    ValueRef::Integer(n) => out.push(n.to_string()),
                    ValueRef::Real(x) => out.push(x.to_string()),
                    ValueRef::Null => {}
                }
            }
        }
    }
    out
}

#[test]
fn the_database_holds_no_token() {
    let (dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    store.add_vat(&vat(VAT), None, None).unwrap();
    let tokens: Vec<String> = ["erp", "pos", "auditor"]
        .iter()
        .map(|name| {
            store
                .add_user(name, Role::Admin, &[vat(VAT)])
                .unwrap()
                .expose()
                .to_owned()
        })
        .collect();
    let values = every_value(&path);
    assert!(
        values.iter().any(|v| v == "erp"),
        "the scan reads the users"
    );
    for token in &tokens {
        let upper = token.to_uppercase();
        assert!(
            !values
                .iter()
                .any(|v| v.contains(token.as_str()) || v.contains(&upper)),
            "a column holds a token"
        );
        // Nor do the raw files (the database, its WAL).
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(!bytes.windows(64).any(|w| w == token.as_bytes()));
        }
    }
    // What is stored is the token's SHA-256.
    let hash: String = zatca_types::digest::sha256(tokens[0].as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(values.contains(&hash));
}

#[test]
fn accounts_survive_reopening() {
    let (_dir, path) = db();
    let token = {
        let store = SqliteStore::open(&path).unwrap();
        store.add_vat(&vat(VAT), Some("Name"), None).unwrap();
        store.add_user("erp", Role::Viewer, &[vat(VAT)]).unwrap()
    };
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.list_vats().unwrap().len(), 1);
    let user = store.authenticate(token.expose()).unwrap().unwrap();
    assert_eq!((user.name.as_str(), user.role), ("erp", Role::Viewer));
}
