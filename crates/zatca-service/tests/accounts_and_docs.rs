//! The service's pieces that need no server: base paths, the OpenAPI
//! document, and the JSON accounts (tokens hashed, revocation, VAT rules).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zatca_profile::Vat;
use zatca_service::{JsonAccounts, normalize_base_path, openapi};
use zatca_store_sqlite::{Accounts, Role};

#[test]
fn base_paths_are_checked() {
    assert_eq!(normalize_base_path("").unwrap(), "");
    assert_eq!(normalize_base_path("/").unwrap(), "");
    assert_eq!(
        normalize_base_path("/middle-east/ksa/einvoicing/").unwrap(),
        "/middle-east/ksa/einvoicing"
    );
    for bad in ["x", "/a//b", "/a b", "/{x}", "/a?b"] {
        assert!(normalize_base_path(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_document_lists_every_route_once_with_its_statuses() {
    let doc = openapi::document("/base");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/base");
    let mut operations = 0;
    for route in openapi::ROUTES {
        let op = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
        assert_eq!(op["operationId"], route.operation);
        for (status, _) in route.responses {
            assert!(op["responses"][status.to_string()].is_object());
        }
        if route.access != openapi::Access::Public {
            assert!(op["responses"]["401"].is_object() && op["responses"]["403"].is_object());
        }
        operations += 1;
    }
    assert_eq!(operations, 9);
    assert_eq!(
        doc["paths"]["/onboarding/{ActivityId}/pcsid-status"]["get"]["responses"]["500"]["description"],
        "FAILED: ErrorList says why."
    );
}

#[test]
fn tokens_are_stored_hashed_and_revocable() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = JsonAccounts::open(dir.path().join("accounts.json"));
    let vat = Vat::parse("399999999900003").unwrap();
    assert!(
        accounts
            .add_user("alice", Role::Admin, std::slice::from_ref(&vat))
            .is_err(),
        "a user of a VAT not added"
    );
    accounts.add_vat(&vat, Some("Org"), None).unwrap();
    let token = accounts
        .add_user("alice", Role::Admin, std::slice::from_ref(&vat))
        .unwrap();
    assert_eq!(token.expose().len(), 64);
    assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    let file = std::fs::read_to_string(accounts.path()).unwrap();
    assert!(
        !file.contains(token.expose()),
        "the token is stored in clear"
    );
    assert!(
        accounts
            .add_user("alice", Role::Viewer, std::slice::from_ref(&vat))
            .is_err()
    );
    let user = accounts.authenticate(token.expose()).unwrap().unwrap();
    assert_eq!((user.name.as_str(), user.role), ("alice", Role::Admin));
    assert!(
        accounts
            .authenticate("0".repeat(64).as_str())
            .unwrap()
            .is_none()
    );
    assert!(accounts.revoke_user("alice").unwrap());
    assert!(!accounts.revoke_user("bob").unwrap());
    assert!(accounts.authenticate(token.expose()).unwrap().is_none());
    assert!(accounts.list_users().unwrap()[0].revoked);
}

#[test]
fn a_group_member_needs_its_group_added_first() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = JsonAccounts::open(dir.path().join("accounts.json"));
    let group = Vat::parse("399999999910003").unwrap();
    let member = Vat::parse("311111111100003").unwrap();
    assert!(accounts.add_vat(&member, None, Some(&group)).is_err());
    assert!(
        accounts.add_vat(&group, None, Some(&member)).is_err(),
        "not a group VAT"
    );
    accounts.add_vat(&group, None, None).unwrap();
    accounts.add_vat(&member, None, Some(&group)).unwrap();
    assert_eq!(
        accounts.vat(member.as_str()).unwrap().unwrap().group,
        Some(group)
    );
    assert_eq!(accounts.list_vats().unwrap().len(), 2);
}
