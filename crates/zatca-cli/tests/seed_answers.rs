//! The answers of `zatca device … --json` and `zatca onboard --json` are the
//! seed APIs' to the letter: `Status` values, `ErrorList` entries with the
//! seed's exact `ErrorMessage`, 24-character activity ids, a FAILED document
//! on stdout whatever the failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{json, sample, sample_without_otp, testdata, text, zatca};

fn is_activity_id(v: &serde_json::Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 24
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

#[test]
fn onboarding_answers_generated_with_a_24_hex_activity_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store");
    let s = s.to_str().unwrap();
    let out = zatca(&[
        "onboard",
        &sample(),
        "--env",
        "development",
        "--store",
        s,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let answer = json(&out);
    assert_eq!(answer["Status"], "GENERATED");
    assert_eq!(answer["DeviceId"].as_str().unwrap().len(), 36);
    assert!(
        is_activity_id(&answer["PcsidGenerationActivityId"]),
        "{answer}"
    );
    assert_eq!(answer["ErrorList"], serde_json::json!([]));
    let id = answer["DeviceId"].as_str().unwrap().to_owned();
    let activity = answer["PcsidGenerationActivityId"]
        .as_str()
        .unwrap()
        .to_owned();

    // pcsid-status: the seed's fields.
    let out = zatca(&["device", "status", &activity, "--store", s, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let status = json(&out);
    assert_eq!(status["ActivityType"], "ZATCA_COMPLIANCE_INVOICE");
    assert_eq!(status["Status"], "SUCCEEDED");
    assert_eq!(status["RequestMetaInfo"]["TotalCount"], 6);
    assert_eq!(status["RequestMetaInfo"]["SuccessCount"], 6);
    assert_eq!(status["RequestMetaInfo"]["FailureCount"], 0);
    assert!(status["CompletedAt"].is_string() && status["CreatedAt"].is_string());
    assert!(status["ResponseInfo"].is_object());

    // The idempotent repeat: GENERATED, the same device, warning 6002 with the seed's text.
    let out = zatca(&[
        "onboard",
        &sample(),
        "--env",
        "development",
        "--store",
        s,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let again = json(&out);
    assert_eq!(again["Status"], "GENERATED");
    assert_eq!(again["DeviceId"], id.as_str());
    assert_eq!(again["ErrorList"][0]["ErrorCode"], "6002");
    assert_eq!(
        again["ErrorList"][0]["ErrorMessage"],
        "A Device ID already exist with same VAT and EGS serial number"
    );
    assert!(again.get("PcsidGenerationActivityId").is_none(), "{again}");

    // generate-csid again: FAILED, 6002 with the seed's exact text; guidance in Hint.
    let out = zatca(&[
        "device", "csid", &id, "--otp", "123345", "--store", s, "--json",
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let failed = json(&out);
    assert_eq!(failed["Status"], "FAILED");
    assert_eq!(failed["DeviceId"], id.as_str());
    assert_eq!(failed["ErrorList"][0]["ErrorCode"], "6002");
    assert_eq!(
        failed["ErrorList"][0]["ErrorMessage"],
        "Production CSID already generated for device"
    );
    assert!(
        failed["ErrorList"][0]["Hint"]
            .as_str()
            .unwrap()
            .contains("renew")
    );

    // renew: GENERATED.
    let out = zatca(&[
        "device", "renew", &id, "--otp", "123345", "--store", s, "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let renewed = json(&out);
    assert_eq!(renewed["Status"], "GENERATED");
    assert!(
        is_activity_id(&renewed["PcsidGenerationActivityId"]),
        "{renewed}"
    );
}

#[test]
fn renew_before_the_first_pcsid_is_6003_with_the_seed_text() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store");
    let s = s.to_str().unwrap();
    let request = dir.path().join("r.json");
    std::fs::write(&request, sample_without_otp()).unwrap();
    let out = zatca(&[
        "device",
        "register",
        request.to_str().unwrap(),
        "--env",
        "development",
        "--store",
        s,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let id = json(&out)["DeviceId"].as_str().unwrap().to_owned();
    let out = zatca(&["device", "renew", &id, "--otp", "1", "--store", s, "--json"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let answer = json(&out);
    assert_eq!(answer["Status"], "FAILED");
    assert_eq!(answer["ErrorList"][0]["ErrorCode"], "6003");
    assert_eq!(
        answer["ErrorList"][0]["ErrorMessage"],
        "First time generation of PCSID was not completed"
    );
}

#[test]
fn every_json_failure_prints_a_failed_document_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store");
    let s = s.to_str().unwrap();
    let unknown = "4f190640-9b36-42e9-88d1-0c31a961898d";
    for args in [
        vec!["device", "show", unknown],
        vec!["device", "csid", unknown, "--otp", "123456"],
        vec!["device", "renew", unknown, "--otp", "123456"],
        vec!["device", "status", "62972e815bc1fa6cd2835c41"],
        vec!["device", "status", "not-an-id"],
        vec!["device", "register", "/nonexistent/request.json"],
    ] {
        let mut all = args.clone();
        all.extend(["--store", s, "--json"]);
        let out = zatca(&all);
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        let doc = json(&out);
        assert_eq!(doc["Status"], "FAILED", "{args:?}: {doc}");
        let entries = doc["ErrorList"].as_array().unwrap();
        assert!(!entries.is_empty(), "{args:?}: {doc}");
        assert!(entries[0]["ErrorCode"].is_string() && entries[0]["ErrorMessage"].is_string());
    }
    // A UUID is a device id, not an activity id: refused with the form expected.
    let out = zatca(&["device", "status", unknown, "--store", s, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["ErrorList"][0]["ErrorCode"], "ZO005");
}

#[test]
fn an_omitted_invoice_type_defaults_to_1100() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store");
    let s = s.to_str().unwrap();
    let request = dir.path().join("r.json");
    let body = std::fs::read_to_string(sample())
        .unwrap()
        .replace(",\n    \"InvoiceType\": \"1100\"", "");
    assert!(!body.contains("InvoiceType"), "{body}");
    std::fs::write(&request, body).unwrap();
    let out = zatca(&["validate", request.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = zatca(&[
        "onboard",
        request.to_str().unwrap(),
        "--env",
        "development",
        "--store",
        s,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let id = json(&out)["DeviceId"].as_str().unwrap().to_owned();
    let out = zatca(&["device", "show", &id, "--store", s, "--json"]);
    let view = json(&out);
    assert_eq!(view["InvoiceTypes"], "1100");
    assert_eq!(view["ComplianceResults"].as_array().unwrap().len(), 6);
}

#[test]
fn the_sdk_arabic_examples_validate_and_onboard() {
    for config in [
        "csr/sdk-r3.3.3/csr-config-example-AR.properties",
        "csr/sdk-r3.3.3/csr-config-example-AR-VAT-Group.properties",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path().join("store");
        let path = testdata(config);
        let out = zatca(&["validate", &path, "--json"]);
        assert!(out.status.success(), "{config}: {}", text(&out));
        let out = zatca(&[
            "onboard",
            &path,
            "--env",
            "development",
            "--store",
            s.to_str().unwrap(),
            "--json",
        ]);
        assert!(out.status.success(), "{config}: {}", text(&out));
        assert_eq!(json(&out)["Status"], "GENERATED");
    }
}

#[test]
fn validate_and_register_apply_one_otp_rule() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store");
    let request = dir.path().join("seed-003.json");
    std::fs::write(
        &request,
        r#"{"Device":{"EgsSerialNumber":"1-TST|2-TST|3-ed22f1d8","Location":"Riyadh","Industry":"Retail","InvoiceType":"1100","CommonName":"TST-886431145-399999999900003"},
            "Organization":{"Vat":"399999999900003","OrganizationName":"Maximum Speed Tech Supply LTD","OrganizationUnitName":"Riyadh Branch","CountryCode":"SA"},
            "Environment":"Development","OTP":"any-string","InvoiceFormat":"Xml"}"#,
    )
    .unwrap();
    let out = zatca(&["validate", request.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = zatca(&[
        "device",
        "register",
        request.to_str().unwrap(),
        "--store",
        s.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json(&out)["Status"], "GENERATED");
    // In simulation the same OTP is refused by both, before anything is sent.
    let sim = std::fs::read_to_string(&request)
        .unwrap()
        .replace("Development", "Simulation");
    std::fs::write(&request, sim).unwrap();
    let out = zatca(&["validate", request.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("ZP080"));
}
