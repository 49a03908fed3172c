//! Acceptance tests of `zatca device …` and `zatca onboard`: the binary, run as
//! a user would, each step in its own process over one store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{finish, json, sample, sample_without_otp, spawn_zatca, text, zatca};

/// A ClearTax-shaped request for TSXY `tsxy`, without OTP or environment.
fn request(dir: &Path, tsxy: &str) -> PathBuf {
    let path = dir.join(format!("request-{tsxy}.json"));
    let body = sample_without_otp().replace("\"1100\"", &format!("\"{tsxy}\""));
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn onboard_sample_in_development() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let sample = sample();
    let out = zatca(&["onboard", &sample, "--env", "development", "--store", s]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for step in [
        "COMPLIANCE_CSID",
        "COMPLIANCE_CHECKS",
        "PRODUCTION_CSID",
        "state:         PRODUCTION",
    ] {
        assert!(stdout.contains(step), "{stdout}");
    }
    assert_eq!(stdout.matches(": PASS").count(), 6, "{stdout}");
    // Again: the same device, with the 6002 warning, still success.
    let out = zatca(&["onboard", &sample, "--env", "development", "--store", s]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("6002"));
    let out = zatca(&["device", "list", "--store", s, "--json"]);
    assert_eq!(json(&out).as_array().unwrap().len(), 1);
}

#[test]
fn lifecycle_step_by_step_in_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let req = request(dir.path(), "1000");
    let r = req.to_str().unwrap();

    let out = zatca(&[
        "device",
        "register",
        r,
        "--env",
        "simulation",
        "--store",
        s,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let answer = json(&out);
    assert_eq!(answer["Status"], "GENERATED");
    assert_eq!(answer["ErrorList"], serde_json::json!([]));
    let id = answer["DeviceId"].as_str().unwrap().to_owned();

    // Renewal before the first PCSID: 6003.
    let out = zatca(&[
        "device", "renew", &id, "--otp", "111111", "--store", s, "--json",
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert_eq!(json(&out)["ErrorList"][0]["ErrorCode"], "6003");

    // A malformed OTP in simulation is refused locally and never echoed.
    let out = zatca(&["device", "csid", &id, "--otp", "98765", "--store", s]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("ZO001") && !text(&out).contains("98765"));

    let out = zatca(&[
        "device", "csid", &id, "--otp", "222222", "--store", s, "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let answer = json(&out);
    // The POST calls answer GENERATED; SUCCEEDED belongs to the activity status only.
    assert_eq!(answer["Status"], "GENERATED");
    let activity = answer["PcsidGenerationActivityId"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = zatca(&["device", "status", &activity, "--store", s, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let status = json(&out);
    assert_eq!(status["Status"], "SUCCEEDED");
    assert_eq!(status["ComplianceResults"].as_array().unwrap().len(), 3);

    // Not idempotent: 6002 the second time.
    let out = zatca(&[
        "device", "csid", &id, "--otp", "333333", "--store", s, "--json",
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(json(&out)["ErrorList"][0]["ErrorCode"], "6002");

    // The simulator refuses a used OTP: ZATCA's Invalid-OTP, the PCSID stays.
    let out = zatca(&[
        "device", "renew", &id, "--otp", "222222", "--store", s, "--json",
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let answer = json(&out);
    assert_eq!(answer["ErrorList"][0]["ErrorCode"], "Invalid-OTP");
    assert_eq!(answer["ErrorList"][0]["ErrorSource"], "ZATCA");
    let failed = answer["PcsidGenerationActivityId"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = zatca(&["device", "status", &failed, "--store", s, "--json"]);
    assert_eq!(json(&out)["Status"], "FAILED");

    let out = zatca(&[
        "device", "renew", &id, "--otp", "444444", "--store", s, "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));

    let out = zatca(&["device", "show", &id, "--store", s, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let view = json(&out);
    assert_eq!(view["State"], "PRODUCTION");
    assert_eq!(view["Current"]["Number"], 2);
    assert_eq!(view["Renewal"]["InRenewalWindow"], false);
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    let pcsid_file = store
        .join("devices/simulation")
        .join(&id)
        .join("csid/production-2.json");
    let pcsid: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pcsid_file).unwrap()).unwrap();
    assert!(
        !shown.contains(pcsid["secret"].as_str().unwrap()),
        "show leaks the secret"
    );
    assert!(!shown.contains("PRIVATE KEY"));
}

#[test]
fn unknown_and_malformed_ids_are_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().to_str().unwrap();
    let out = zatca(&["device", "show", "not-an-id", "--store", s]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("xxxxxxxx-xxxx"));
    let out = zatca(&[
        "device",
        "show",
        "00000000-0000-8000-8000-000000000000",
        "--store",
        s,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = zatca(&[
        "device",
        "status",
        "00000000-0000-8000-8000-000000000000",
        "--store",
        s,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn invalid_request_lists_errors_with_paths() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store");
    let bad = dir.path().join("bad.json");
    let body = std::fs::read_to_string(sample())
        .unwrap()
        .replace("399999999900003\"", "12\"");
    std::fs::write(&bad, body).unwrap();
    let out = zatca(&[
        "device",
        "register",
        bad.to_str().unwrap(),
        "--env",
        "development",
        "--store",
        s.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let answer = json(&out);
    assert_eq!(answer["Status"], "FAILED");
    assert_eq!(answer["ErrorList"][0]["Path"], "OrganizationDetails.Vat");
}

#[test]
fn two_processes_registering_one_device_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let req = request(dir.path(), "0100");
    let args = [
        "device",
        "register",
        req.to_str().unwrap(),
        "--env",
        "production",
        "--store",
        store.to_str().unwrap(),
        "--json",
    ];
    let children: Vec<_> = (0..2).map(|_| spawn_zatca(&args, &[])).collect();
    let answers: Vec<serde_json::Value> = children
        .into_iter()
        .map(|c| json(&finish(c, &args)))
        .collect();
    assert_eq!(answers[0]["DeviceId"], answers[1]["DeviceId"]);
    let warnings = answers
        .iter()
        .filter(|a| a["ErrorList"].as_array().unwrap().len() == 1)
        .count();
    assert_eq!(warnings, 1, "{answers:?}");
    let out = zatca(&[
        "device",
        "list",
        "--store",
        store.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(json(&out).as_array().unwrap().len(), 1);
}
