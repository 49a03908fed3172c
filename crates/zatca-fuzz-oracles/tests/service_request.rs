//! The `service_request` oracle's corpus: every seed is accepted by the part
//! it names, and the edge cases are refused with the codes the routes answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use zatca_onboarding::Options;
use zatca_profile::Environment;
use zatca_service::request::{self, HeaderMap, HeaderValue};

fn corpus(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus/service_request")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The input after its first line (the part's name).
fn body(name: &str) -> Vec<u8> {
    let data = corpus(name);
    let n = data.iter().position(|&b| b == b'\n').unwrap();
    data[n + 1..].to_vec()
}

#[test]
fn every_seed_is_accepted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/service_request");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with("seed-") {
            assert!(
                zatca_fuzz_oracles::service_request(&corpus(&name)),
                "{name} is refused"
            );
        }
    }
}

#[test]
fn register_bodies_of_both_shapes_read_and_validate() {
    let options = Options::default();
    for name in ["seed-register-cleartax.json", "seed-register-provider.json"] {
        let read = request::register_body(&body(name), Environment::Development, &options)
            .unwrap_or_else(|r| panic!("{name}: {r:?}"));
        assert_eq!(read.otp.unwrap().expose(), "123345", "{name}");
    }
    let other = request::register_body(
        &body("edge-register-other-environment.json"),
        Environment::Development,
        &options,
    )
    .unwrap_err();
    assert_eq!(
        (other.status, other.entries[0].error_code.as_str()),
        (400, "ZS011")
    );
    let seed_sample = request::register_body(
        &body("edge-register-seed-002-sample.json"),
        Environment::Development,
        &options,
    )
    .unwrap_err();
    assert_eq!(seed_sample.status, 400);
    assert!(seed_sample.entries.len() >= 2, "{seed_sample:?}");
}

#[test]
fn csid_bodies_name_a_device_and_maybe_an_otp() {
    let read = request::csid_body(&body("seed-csid.json")).unwrap();
    assert_eq!(read.otp.unwrap().expose(), "123345");
    let no_otp = request::csid_body(&body("edge-csid-no-otp.json")).unwrap();
    assert_eq!(no_otp.device_id, read.device_id, "trimmed, any case");
    assert!(no_otp.otp.is_none());
    for name in ["edge-csid-number.json", "edge-csid-array.json"] {
        let refused = request::csid_body(&body(name)).unwrap_err();
        assert_eq!(
            (refused.status, refused.entries[0].error_code.as_str()),
            (400, "ZS010")
        );
    }
}

#[test]
fn auth_headers_and_path_ids() {
    let mut headers = HeaderMap::new();
    assert_eq!(request::require_token(&headers).unwrap_err().status, 401);
    assert_eq!(
        request::vat_header(&headers).unwrap_err().entries[0].error_code,
        "ZS003"
    );
    headers.insert("authorization", HeaderValue::from_static("BEARER  t0k  "));
    headers.insert("vat", HeaderValue::from_static("12345"));
    assert_eq!(request::auth_token(&headers), Some("t0k"));
    let bad_vat = request::vat_header(&headers).unwrap_err();
    assert_eq!(
        (bad_vat.status, bad_vat.entries[0].error_code.as_str()),
        (400, "ZS004")
    );
    headers.insert("x-cleartax-auth-token", HeaderValue::from_static("first"));
    assert_eq!(
        request::auth_token(&headers),
        Some("first"),
        "the seed header wins"
    );
    headers.insert(
        "authorization",
        HeaderValue::from_static("Basic dXNlcjpwYXNz"),
    );
    headers.remove("x-cleartax-auth-token");
    assert_eq!(
        request::auth_token(&headers),
        None,
        "only the Bearer scheme"
    );

    let path = String::from_utf8(body("edge-path-traversal.txt")).unwrap();
    for refused in [
        request::activity_id(&path).unwrap_err(),
        request::device_id(&path).unwrap_err(),
    ] {
        assert_eq!(
            (refused.status, refused.entries[0].error_code.as_str()),
            (400, "ZO005")
        );
    }
    let activity = String::from_utf8(body("seed-path-activity.txt")).unwrap();
    assert_eq!(request::activity_id(&activity).unwrap().as_str(), activity);
}
