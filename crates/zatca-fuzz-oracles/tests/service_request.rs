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

fn codes(rejection: &request::Rejection) -> Vec<&str> {
    rejection
        .entries
        .iter()
        .map(|e| e.error_code.as_str())
        .collect()
}

const EGS: request::EgsCompletion<'static> = request::EgsCompletion {
    solution: "zatca",
    model: "0.1.0",
};

#[test]
fn devices_bodies_complete_a_plain_serial_and_report_every_error_at_once() {
    let read = request::device_body(
        &body("seed-devices.txt"),
        Environment::Simulation,
        &Options::default(),
        EGS,
    )
    .unwrap();
    assert_eq!(
        read.profile.egs_serial().as_str(),
        "1-zatca|2-0.1.0|3-SN123456789"
    );
    assert_eq!(read.profile.invoice_types().as_str(), "1000");
    assert_eq!(
        read.profile.invoice_format(),
        Some(zatca_profile::InvoiceFormat::Xml)
    );

    // A serial in ZATCA's form is kept; a bad OTP form and an unknown
    // format are reported together.
    let refused = request::device_body(
        &body("edge-devices-bad-otp-format.txt"),
        Environment::Simulation,
        &Options::default(),
        EGS,
    )
    .unwrap_err();
    assert_eq!(refused.status, 400);
    assert_eq!(codes(&refused), ["ZP070", "ZO001"], "{refused:?}");
    // Development accepts any OTP.
    let mut development = String::from_utf8(body("edge-devices-bad-otp-format.txt")).unwrap();
    development = development.replace("Csv", "Model");
    let read = request::device_body(
        development.as_bytes(),
        Environment::Development,
        &Options::default(),
        EGS,
    )
    .unwrap();
    assert_eq!(read.profile.egs_serial().as_str(), "1-a|2-b|3-c");
}

#[test]
fn sign_requests_read_xml_or_base64_json_an_idempotency_key_and_an_icv() {
    let xml_type = {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            HeaderValue::from_static("text/xml; charset=utf-8"),
        );
        h
    };
    let doc = b"<Invoice/>".to_vec();
    assert_eq!(
        request::invoice_body(&HeaderMap::new(), b"  <Invoice/>").unwrap(),
        b"  <Invoice/>"
    );
    assert_eq!(request::invoice_body(&xml_type, b"x").unwrap(), b"x");
    assert_eq!(
        request::invoice_body(&HeaderMap::new(), br#"{"invoice": "PEludm9pY2UvPg=="}"#).unwrap(),
        doc
    );
    for bad in [
        &br#"{"invoice": "%%"}"#[..],
        br#"{"other": 1}"#,
        b"[1]",
        b"",
    ] {
        let refused = request::invoice_body(&HeaderMap::new(), bad).unwrap_err();
        assert_eq!((refused.status, codes(&refused)), (400, vec!["ZS012"]));
    }

    let with_key = |key: &'static str| {
        let mut h = HeaderMap::new();
        h.insert("idempotency-key", HeaderValue::from_static(key));
        h
    };
    assert_eq!(request::idempotency_key(&HeaderMap::new()).unwrap(), None);
    assert_eq!(
        request::idempotency_key(&with_key("till-7/42"))
            .unwrap()
            .as_deref(),
        Some("till-7/42")
    );
    let refused = request::idempotency_key(&with_key("two words")).unwrap_err();
    assert_eq!((refused.status, codes(&refused)), (400, vec!["ZO054"]));

    assert_eq!(request::icv("42").unwrap(), 42);
    for bad in ["0", "-1", "+1", "1.0", "", "99999999999999999999", "abc"] {
        let refused = request::icv(bad).unwrap_err();
        assert_eq!(
            (refused.status, codes(&refused)),
            (404, vec!["ZO053"]),
            "{bad}"
        );
    }
}
