//! Secret sweep: a CSID's secret never shows in `Debug` of the CSID
//! or of the parsed response, nor in any error from a response body that
//! carries it (bad token, bad JSON, wrong types, error bodies).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zatca_fatoora::{Csid, ZatcaErrors};

const SECRET: &str = "Xq9vS3cr3tV4lu3ThatMustN0tLeak+/=";

fn token() -> String {
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/api/isb-compliance-200.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["binarySecurityToken"].as_str().unwrap().to_owned()
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the secret: {text}");
    assert!(
        !text.contains(&SECRET[..12]),
        "{what} shows part of the secret: {text}"
    );
}

#[test]
fn the_csid_secret_never_shows() {
    let token = token();
    let good = serde_json::json!({
        "requestID": 1234567890123u64, "dispositionMessage": "ISSUED",
        "binarySecurityToken": token, "secret": SECRET, "errors": null,
    });
    let response = Csid::from_response_json(good.to_string().as_bytes()).unwrap();
    assert_eq!(response.csid.expose_secret(), SECRET);
    assert_clean("CsidResponse Debug", &format!("{response:?} {response:#?}"));
    assert_clean("Csid Debug", &format!("{:?}", response.csid));
    assert_clean(
        "certificate Debug",
        &format!("{:?}", response.csid.certificate()),
    );

    let wrapped = serde_json::json!({ "value": good.clone() });
    let response = Csid::from_response_json(wrapped.to_string().as_bytes()).unwrap();
    assert_clean("wrapped CsidResponse Debug", &format!("{response:?}"));

    let bad_bodies = [
        serde_json::json!({"binarySecurityToken": "not a token", "secret": SECRET}).to_string(),
        serde_json::json!({"binarySecurityToken": &token[..100], "secret": SECRET}).to_string(),
        serde_json::json!({"binarySecurityToken": token, "secret": [SECRET]}).to_string(),
        serde_json::json!({"binarySecurityToken": token, "secret": {"v": SECRET}}).to_string(),
        serde_json::json!({"secret": SECRET, "errors": [{"code": "Invalid-OTP", "message": "bad"}]}).to_string(),
        serde_json::json!({"secret": SECRET, "dispositionMessage": "REJECTED"}).to_string(),
        serde_json::json!({"value": {"secret": SECRET}}).to_string(),
        format!("{{\"binarySecurityToken\": \"{token}\", \"secret\": \"{SECRET}\""),
        format!("{{\"secret\": \"{SECRET}\", \"secret\": \"{SECRET}\"}}"),
        format!("\"{SECRET}\""),
    ];
    for body in &bad_bodies {
        match Csid::from_response_json(body.as_bytes()) {
            Ok(r) => assert_clean("a parsed response", &format!("{r:?}")),
            Err(e) => assert_clean("an error", &format!("{e} {e:?}")),
        }
        match ZatcaErrors::from_json(body.as_bytes()) {
            Ok(errors) => assert_clean("ZatcaErrors", &format!("{errors:?}")),
            Err(e) => assert_clean("a ZatcaErrors error", &format!("{e} {e:?}")),
        }
    }
    let bad_token = Csid::new("not a token", SECRET.to_owned().into(), None).unwrap_err();
    assert_clean("Csid::new error", &format!("{bad_token} {bad_token:?}"));
}
