//! `zatca serve` end to end: the service runs as a process on 127.0.0.1:0
//! and a real HTTP client drives every route and status, the seed flows,
//! roles, VAT isolation and group VATs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::serve::{self, Server, add_user, agent, call, error_codes, refused, register_body};
use serde_json::{Value, json};

const VAT: &str = "399999999900003";
const OTHER_VAT: &str = "300000000000003";
const GROUP_VAT: &str = "399999999910003";
const MEMBER_VAT: &str = "311111111100003";
const OTP: &str = "724513";

/// Polls pcsid-status until it is no longer IN_PROGRESS.
fn poll(base: &str, token: &str, vat: &str, activity: &str) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, answer) = call(
            "GET",
            &format!("{base}/onboarding/{activity}/pcsid-status"),
            Some(token),
            Some(vat),
            None,
        );
        if answer["Status"] != "IN_PROGRESS" {
            return (status, answer);
        }
        assert_eq!(status, 200);
        assert!(Instant::now() < deadline, "the activity did not end");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn seed_flows_roles_isolation_and_every_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    for (vat, extra) in [
        (VAT, vec![]),
        (OTHER_VAT, vec![]),
        (GROUP_VAT, vec![]),
        (MEMBER_VAT, vec!["--group", GROUP_VAT]),
    ] {
        let mut args = vec!["vat", "add", vat, "--name", "Org"];
        args.extend(extra);
        serve::admin(&db, &args);
    }
    let admin = add_user(&db, "admin", VAT, "admin");
    let viewer = add_user(&db, "viewer", VAT, "viewer");
    let other = add_user(&db, "other", OTHER_VAT, "admin");
    let group = add_user(&db, "group", GROUP_VAT, "admin");
    let revoked = add_user(&db, "gone", VAT, "admin");
    serve::admin(&db, &["user", "revoke", "gone"]);
    let users = serve::admin(&db, &["user", "list", "--json"]);
    for token in [&admin, &viewer, &other, &group] {
        assert!(!users.contains(token.as_str()), "user list shows a token");
    }

    let server = Server::start(&db, &dir.path().join("server.log"), &[]);
    let base = server.base.clone();
    let url = |p: &str| format!("{base}{p}");

    // Public routes.
    assert_eq!(
        call("GET", &url("/healthz"), None, None, None),
        (200, json!({"Status": "UP"}))
    );
    let (status, openapi) = call("GET", &url("/openapi.json"), None, None, None);
    assert_eq!(status, 200);
    assert_eq!(openapi["openapi"], "3.1.0");

    // Auth: 401, 403, 400 for a VAT the service does not serve.
    let register = url("/onboarding/register-device");
    let body = register_body(VAT, "A1", None);
    let (status, answer) = call("POST", &register, None, Some(VAT), Some(&body));
    assert_eq!(
        (status, error_codes(&answer)),
        (401, vec!["ZS001".to_owned()])
    );
    assert_eq!(answer["Status"], "FAILED");
    let (status, _) = call(
        "POST",
        &register,
        Some("not-a-token"),
        Some(VAT),
        Some(&body),
    );
    assert_eq!(status, 401);
    let (status, _) = call("POST", &register, Some(&revoked), Some(VAT), Some(&body));
    assert_eq!(status, 401, "a revoked token");
    let (status, answer) = call("POST", &register, Some(&admin), None, Some(&body));
    assert_eq!(
        (status, error_codes(&answer)),
        (403, vec!["ZS003".to_owned()])
    );
    let (status, answer) = call(
        "POST",
        &register,
        Some(&admin),
        Some("312345678900003"),
        Some(&body),
    );
    assert_eq!(
        (status, error_codes(&answer)),
        (400, vec!["ZS004".to_owned()])
    );
    let (status, answer) = call("POST", &register, Some(&other), Some(VAT), Some(&body));
    assert_eq!(
        (status, error_codes(&answer)),
        (403, vec!["ZS005".to_owned()])
    );
    let (status, answer) = call("POST", &register, Some(&viewer), Some(VAT), Some(&body));
    assert_eq!(
        (status, error_codes(&answer)),
        (403, vec!["ZS006".to_owned()])
    );
    let (status, answer) = call(
        "POST",
        &register,
        Some(&admin),
        Some(VAT),
        Some(&register_body(OTHER_VAT, "A1", None)),
    );
    assert_eq!(
        (status, error_codes(&answer)),
        (403, vec!["ZS007".to_owned()])
    );

    // Validation: seed 002's own sample breaks its rules → 400, DeviceId null, every error.
    let seed_sample = json!({
        "DeviceDetails": {"CommonName": "116.197.153.161", "EgsSerialNumber": "egs013", "Location": "loc", "Industry": "industry", "InvoiceType": "1100"},
        "OrganizationDetails": {"Vat": "454345233", "OrganizationName": "BMA", "OrganizationUnitName": "Jeddah Branch 1234", "CountryCode": "SA"},
        "Otp": "123345"
    });
    let (status, answer) = call(
        "POST",
        &register,
        Some(&admin),
        Some(VAT),
        Some(&seed_sample),
    );
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["Status"], "FAILED");
    assert_eq!(answer["DeviceId"], Value::Null);
    assert!(
        answer["ErrorList"].as_array().unwrap().len() >= 2,
        "{answer}"
    );
    assert!(
        answer["ErrorList"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["Path"].is_string())
    );

    // register without Otp: device, key, CSR; again: the same device with warning 6002.
    let (status, first) = call("POST", &register, Some(&admin), Some(VAT), Some(&body));
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["Status"], "GENERATED");
    assert!(first.get("PcsidGenerationActivityId").is_none());
    let device = first["DeviceId"].as_str().unwrap().to_owned();
    let (status, again) = call("POST", &register, Some(&admin), Some(VAT), Some(&body));
    assert_eq!(status, 200);
    assert_eq!(again["DeviceId"], device.as_str());
    assert_eq!(again["ErrorList"][0]["ErrorCode"], "6002");
    assert_eq!(
        again["ErrorList"][0]["ErrorMessage"],
        "A Device ID already exist with same VAT and EGS serial number"
    );

    // renew before the PCSID: 6003.
    let renew = url("/onboarding/renew-pcsid");
    let device_otp = json!({"DeviceId": device, "Otp": OTP});
    let (status, answer) = call("POST", &renew, Some(&admin), Some(VAT), Some(&device_otp));
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["Status"], "FAILED");
    assert_eq!(answer["DeviceId"], device.as_str());
    assert_eq!(answer["ErrorList"][0]["ErrorCode"], "6003");
    assert_eq!(
        answer["ErrorList"][0]["ErrorMessage"],
        "First time generation of PCSID was not completed"
    );

    // generate-csid → GENERATED + activity → poll → SUCCEEDED; again → 6002.
    let generate = url("/onboarding/generate-csid");
    let (status, answer) = call(
        "POST",
        &generate,
        Some(&viewer),
        Some(VAT),
        Some(&device_otp),
    );
    assert_eq!(status, 403, "a viewer generates");
    let (status, answer2) = call(
        "POST",
        &generate,
        Some(&other),
        Some(OTHER_VAT),
        Some(&device_otp),
    );
    assert_eq!(status, 400, "another VAT's device is unknown: {answer2}");
    assert_eq!(error_codes(&answer2), vec!["ZO003".to_owned()]);
    let _ = answer;
    let (status, started) = call(
        "POST",
        &generate,
        Some(&admin),
        Some(VAT),
        Some(&device_otp),
    );
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["Status"], "GENERATED");
    assert_eq!(started["DeviceId"], device.as_str());
    let activity = started["PcsidGenerationActivityId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(activity.len(), 24);
    let (status, done) = poll(&base, &viewer, VAT, &activity);
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["Status"], "SUCCEEDED");
    assert_eq!(done["ActivityType"], "ZATCA_COMPLIANCE_INVOICE");
    assert_eq!(
        done["RequestMetaInfo"],
        json!({"TotalCount": 6, "SuccessCount": 6, "FailureCount": 0})
    );
    assert!(done["CompletedAt"].is_string());
    let (status, answer) = call(
        "POST",
        &generate,
        Some(&admin),
        Some(VAT),
        Some(&device_otp),
    );
    assert_eq!(status, 400);
    assert_eq!(answer["Status"], "FAILED");
    assert_eq!(answer["ErrorList"][0]["ErrorCode"], "6002");
    assert_eq!(
        answer["ErrorList"][0]["ErrorMessage"],
        "Production CSID already generated for device"
    );

    // renew → GENERATED.
    let (status, answer) = call("POST", &renew, Some(&admin), Some(VAT), Some(&device_otp));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Status"], "GENERATED");

    // register with Otp: GENERATED + activity at once → SUCCEEDED.
    let (status, answer) = call(
        "POST",
        &register,
        Some(&admin),
        Some(VAT),
        Some(&register_body(VAT, "A2", Some(OTP))),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Status"], "GENERATED");
    let activity2 = answer["PcsidGenerationActivityId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        poll(&base, &admin, VAT, &activity2).1["Status"],
        "SUCCEEDED"
    );

    // Reads: viewer sees devices; no secret in them.
    let (status, list) = call("GET", &url("/devices"), Some(&viewer), Some(VAT), None);
    assert_eq!(status, 200);
    assert_eq!(list["Devices"].as_array().unwrap().len(), 2, "{list}");
    let (status, shown) = call(
        "GET",
        &url(&format!("/devices/{device}")),
        Some(&viewer),
        Some(VAT),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(shown["DeviceId"], device.as_str());
    assert!(shown["ProductionCsid"]["Serial"].is_string(), "{shown}");
    assert!(shown["Renewal"]["ExpiresAt"].is_string(), "{shown}");
    let text = shown.to_string().to_lowercase();
    assert!(
        !text.contains("secret") && !text.contains("private"),
        "{shown}"
    );

    // Cross-VAT: invisible.
    let (status, list) = call("GET", &url("/devices"), Some(&other), Some(OTHER_VAT), None);
    assert_eq!(
        (status, list["Devices"].as_array().unwrap().len()),
        (200, 0)
    );
    let (status, _) = call(
        "GET",
        &url(&format!("/devices/{device}")),
        Some(&other),
        Some(OTHER_VAT),
        None,
    );
    assert_eq!(status, 404);
    let (status, answer) = call(
        "GET",
        &url(&format!("/onboarding/{activity}/pcsid-status")),
        Some(&other),
        Some(OTHER_VAT),
        None,
    );
    assert_eq!(
        (status, error_codes(&answer)),
        (400, vec!["ZO004".to_owned()])
    );
    let (status, _) = call(
        "GET",
        &url("/onboarding/62972e815bc1fa6cd2835c41/pcsid-status"),
        Some(&admin),
        Some(VAT),
        None,
    );
    assert_eq!(status, 400, "an unknown activity");
    let (status, _) = call(
        "GET",
        &url("/onboarding/not-an-id/pcsid-status"),
        Some(&admin),
        Some(VAT),
        None,
    );
    assert_eq!(status, 400);

    // Group VAT: its admin registers for a member, not for an unrelated VAT, and sees the member's devices.
    let (status, answer) = call(
        "POST",
        &register,
        Some(&group),
        Some(GROUP_VAT),
        Some(&register_body(MEMBER_VAT, "G1", None)),
    );
    assert_eq!(status, 200, "{answer}");
    let (status, _) = call(
        "POST",
        &register,
        Some(&group),
        Some(GROUP_VAT),
        Some(&register_body(OTHER_VAT, "G2", None)),
    );
    assert_eq!(status, 403);
    let (_, list) = call("GET", &url("/devices"), Some(&group), Some(GROUP_VAT), None);
    assert_eq!(list["Devices"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["Devices"][0]["Vat"], MEMBER_VAT);

    // 404s.
    let (status, answer) = call("GET", &url("/nowhere"), None, None, None);
    assert_eq!(
        (status, error_codes(&answer)),
        (404, vec!["ZS404".to_owned()])
    );
    let (status, _) = call(
        "GET",
        &url("/devices/4f190640-9b36-42e9-88d1-0c31a961898d"),
        Some(&admin),
        Some(VAT),
        None,
    );
    assert_eq!(status, 404);

    // Every route of the OpenAPI document is served.
    let paths = openapi["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 11);
    for (path, methods) in paths {
        let concrete = path
            .replace("{ActivityId}", &activity)
            .replace("{DeviceId}", &device)
            .replace("{icv}", "1");
        for method in methods.as_object().unwrap().keys() {
            let (status, answer) = call(
                &method.to_uppercase(),
                &url(&concrete),
                Some(&admin),
                Some(VAT),
                Some(&json!({})),
            );
            // The device has signed nothing: its ICV 1 is the route's own 404.
            let no_such_invoice = status == 404 && answer["errorList"][0]["ErrorCode"] == "ZO053";
            assert!(
                (status != 404 || no_such_invoice) && status != 405,
                "{method} {path}: {status} {answer}"
            );
        }
    }

    // Metrics: requests by route and status, activities, expiring PCSIDs.
    let agent = agent();
    let mut response = agent.get(&url("/metrics")).call().unwrap();
    let metrics = response.body_mut().read_to_string().unwrap();
    assert!(
        metrics.contains(
            "zatca_http_requests_total{route=\"POST /onboarding/register-device\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "zatca_http_requests_total{route=\"POST /onboarding/register-device\",status=\"401\"} 3"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("zatca_activities{state=\"SUCCEEDED\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("zatca_pcsids_expiring_within_30_days "),
        "{metrics}"
    );

    // The logs of the whole run hold no token, OTP, key or secret.
    let logs = server.terminate_with_log();
    assert!(
        logs.contains("route=POST /onboarding/register-device"),
        "{logs}"
    );
    for token in [&admin, &viewer, &other, &group, &revoked] {
        assert!(!logs.contains(token.as_str()), "a token in the logs");
    }
    assert!(!logs.contains(OTP), "the OTP in the logs");
    let lower = logs.to_lowercase();
    assert!(
        !lower.contains("private key") && !lower.contains("secret"),
        "{logs}"
    );
}

#[test]
fn a_failed_activity_answers_500_and_json_logs_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    serve::admin(&db, &["vat", "add", VAT]);
    let admin = add_user(&db, "admin", VAT, "admin");
    let server = Server::start(
        &db,
        &dir.path().join("server.log"),
        &["--env", "simulation", "--log-format", "json"],
    );
    let register = format!("{}/onboarding/register-device", server.base);
    // The simulation simulator takes each OTP once: the second use is refused by "ZATCA".
    let (status, first) = call(
        "POST",
        &register,
        Some(&admin),
        Some(VAT),
        Some(&register_body(VAT, "S1", Some(OTP))),
    );
    assert_eq!(status, 200, "{first}");
    let id = first["PcsidGenerationActivityId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        poll(&server.base, &admin, VAT, &id).1["Status"],
        "SUCCEEDED"
    );
    let (status, second) = call(
        "POST",
        &register,
        Some(&admin),
        Some(VAT),
        Some(&register_body(VAT, "S2", Some(OTP))),
    );
    assert_eq!(status, 200, "{second}");
    let id = second["PcsidGenerationActivityId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, failed) = poll(&server.base, &admin, VAT, &id);
    assert_eq!(status, 500, "{failed}");
    assert_eq!(failed["Status"], "FAILED");
    assert!(!failed["ErrorList"].as_array().unwrap().is_empty());
    let logs = server.terminate_with_log();
    for line in logs.lines().filter(|l| l.starts_with('{')) {
        let _: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
    }
    assert!(
        logs.contains("\"route\":\"POST /onboarding/register-device\""),
        "{logs}"
    );
    assert!(!logs.contains(OTP) && !logs.contains(&admin));
}

#[test]
fn sixteen_concurrent_registrations_make_one_device() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    serve::admin(&db, &["vat", "add", VAT]);
    let admin = add_user(&db, "admin", VAT, "admin");
    let server = Server::start(&db, &dir.path().join("server.log"), &[]);
    let register = format!("{}/onboarding/register-device", server.base);
    let body = register_body(VAT, "C1", None);
    let answers: Vec<(u16, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| s.spawn(|| call("POST", &register, Some(&admin), Some(VAT), Some(&body))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first = answers[0].1["DeviceId"].clone();
    assert!(first.is_string());
    for (status, answer) in &answers {
        assert_eq!(*status, 200, "{answer}");
        assert_eq!(answer["DeviceId"], first);
    }
    let fresh = answers
        .iter()
        .filter(|(_, a)| error_codes(a).is_empty())
        .count();
    assert_eq!(fresh, 1, "one call made the device, the others found it");
    let (_, list) = call(
        "GET",
        &format!("{}/devices", server.base),
        Some(&admin),
        Some(VAT),
        None,
    );
    assert_eq!(list["Devices"].as_array().unwrap().len(), 1);
}

#[test]
fn base_path_remote_and_tls_rules() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    let server = Server::start(
        &db,
        &dir.path().join("server.log"),
        &["--base-path", "/middle-east/ksa/einvoicing"],
    );
    let (status, _) = call(
        "GET",
        &format!("{}/middle-east/ksa/einvoicing/healthz", server.base),
        None,
        None,
        None,
    );
    assert_eq!(status, 200);
    let (status, _) = call("GET", &format!("{}/healthz", server.base), None, None, None);
    assert_eq!(status, 404);
    let (_, doc) = call(
        "GET",
        &format!("{}/middle-east/ksa/einvoicing/openapi.json", server.base),
        None,
        None,
        None,
    );
    assert_eq!(doc["servers"][0]["url"], "/middle-east/ksa/einvoicing");
    drop(server);

    let refused_naming = |args: &[&str], says: &str| {
        let err = refused(&db, args);
        assert!(err.contains(says), "{args:?}: {err}");
    };
    refused_naming(&["--listen", "0.0.0.0:0"], "--allow-remote");
    refused_naming(
        &[
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
        ],
        "c.pem",
    );
    refused_naming(&["--base-path", "no-slash"], "--base-path");
}
