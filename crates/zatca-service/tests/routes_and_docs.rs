//! The service's pieces that need no server: base paths, the OpenAPI
//! document, and the JSON accounts (tokens hashed, revocation, VAT rules).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zatca_service::{normalize_base_path, openapi};

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
    assert_eq!(operations, 12);
    assert_eq!(
        doc["paths"]["/onboarding/{ActivityId}/pcsid-status"]["get"]["responses"]["500"]["description"],
        "FAILED: ErrorList says why."
    );
}
