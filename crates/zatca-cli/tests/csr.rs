//! Acceptance tests of `zatca validate`, `zatca csr` and `zatca inspect` on CSRs:
//! the binary, run as a user would, on the request and CSR fixtures in `testdata/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use base64::Engine as _;
use common::{testdata, text, zatca};
use serde_json::Value;

fn keygen(dir: &Path) -> String {
    let key = dir.join("device.key");
    let k = key.to_str().unwrap().to_owned();
    let out = zatca(&["keygen", "--out", &k]);
    assert!(out.status.success(), "{}", text(&out));
    k
}

#[test]
fn validate_accepts_each_shape() {
    for rel in [
        "requests/sample-device.json",
        "profile/provider-sim.json",
        "profile/cleartax-ar.json",
        "profile/provider-group-vat.json",
        "profile/escapes-crlf.properties",
        "csr/sdk-r3.3.3/csr-config-example-EN.properties",
    ] {
        let out = zatca(&["validate", &testdata(rel)]);
        assert!(out.status.success(), "{rel}: {}", text(&out));
        let out = zatca(&["validate", &testdata(rel), "--json"]);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["Status"], "SUCCESS", "{rel}");
    }
}

#[test]
fn validate_lists_all_five_faults_and_exits_1() {
    let path = testdata("profile/cleartax-five-faults.json");
    let out = zatca(&["validate", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for code in ["ZP020", "ZP050", "ZP031", "ZP010", "ZP040"] {
        assert!(err.contains(code), "{code} missing: {err}");
    }
    let out = zatca(&["validate", &path, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Status"], "FAILED");
    assert_eq!(doc["ErrorList"].as_array().unwrap().len(), 5);
    assert_eq!(doc["ErrorList"][3]["Path"], "OrganizationDetails.Vat");
}

#[test]
fn validate_strict_profile_names_itself() {
    let path = testdata("requests/sample-device.json");
    let out = zatca(&["validate", &path, "--profile", "strict", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ErrorList"][0]["ErrorCode"], "ZP022");
    assert_eq!(doc["ErrorList"][0]["ErrorSource"], "STRICT");
    assert!(
        doc["ErrorList"][0]["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("strict profile")
    );
    let out = zatca(&["validate", &path, "--profile", "lenient"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validate_missing_file_is_an_io_error() {
    let out = zatca(&["validate", "/nonexistent/request.json"]);
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn csr_writes_every_format_and_inspect_reads_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path());
    for (format, env) in [
        ("pem", "simulation"),
        ("der", "production"),
        ("base64", "developer-portal"),
    ] {
        let out_path = dir.path().join(format!("device.{format}"));
        let o = out_path.to_str().unwrap();
        let out = zatca(&[
            "csr",
            &testdata("requests/sample-device.json"),
            "--key",
            &key,
            "--env",
            env,
            "--out",
            o,
            "--format",
            format,
            "--json",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let bytes = std::fs::read(&out_path).unwrap();
        match format {
            "pem" => assert!(bytes.starts_with(b"-----BEGIN CERTIFICATE REQUEST-----\n")),
            "der" => assert_eq!(bytes[0], 0x30),
            _ => assert!(bytes.starts_with(b"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K")),
        }
        let out = zatca(&["inspect", o, "--json"]);
        assert!(out.status.success(), "{}", text(&out));
        let info: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(info["kind"], "csr");
        assert_eq!(info["signature_valid"], true);
        assert_eq!(info["sdk_structure"], true);
        assert_eq!(info["curve"], "secp256k1");
        assert_eq!(info["template_name"], doc["Template"]);
        assert_eq!(info["environment"], doc["Environment"]);
        assert_eq!(info["subject"][0]["type"], "PrintableString");
        assert_eq!(info["zatca_fields"][1]["value"], "399999999900003");
    }
}

#[test]
fn csr_without_environment_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path());
    let out_path = dir.path().join("device.csr");
    let out = zatca(&[
        "csr",
        &testdata("requests/sample-device.json"),
        "--key",
        &key,
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("ZP061"), "{}", text(&out));
    assert!(!out_path.exists());
}

#[test]
fn csr_with_an_invalid_request_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path());
    let out_path = dir.path().join("device.csr");
    let out = zatca(&[
        "csr",
        &testdata("profile/cleartax-five-faults.json"),
        "--key",
        &key,
        "--env",
        "simulation",
        "--out",
        out_path.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ErrorList"].as_array().unwrap().len(), 5);
    assert!(!out_path.exists());
}

#[test]
fn csr_environment_conflict_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path());
    let out_path = dir.path().join("device.csr");
    let out = zatca(&[
        "csr",
        &testdata("profile/provider-sim.json"),
        "--key",
        &key,
        "--env",
        "production",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("ZP062"));
    assert!(!out_path.exists());
    // The request's own Environment is enough.
    let out = zatca(&[
        "csr",
        &testdata("profile/provider-sim.json"),
        "--key",
        &key,
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("PREZATCA-Code-Signing"));
}

#[test]
fn csr_refuses_p256_keys_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("p256.key");
    let k = key.to_str().unwrap();
    assert!(
        zatca(&["keygen", "--out", k, "--curve", "p256"])
            .status
            .success()
    );
    let out_path = dir.path().join("device.csr");
    let o = out_path.to_str().unwrap();
    let request = testdata("requests/sample-device.json");
    let args = [
        "csr",
        &request,
        "--key",
        k,
        "--env",
        "simulation",
        "--out",
        o,
    ];
    let out = zatca(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("secp256k1"), "{}", text(&out));
    assert!(!out_path.exists());

    let good = keygen(dir.path());
    let args = [
        "csr",
        &request,
        "--key",
        &good,
        "--env",
        "simulation",
        "--out",
        o,
    ];
    assert!(zatca(&args).status.success());
    let out = zatca(&args);
    assert_eq!(out.status.code(), Some(4));
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(zatca(&forced).status.success());
}

#[test]
fn inspect_reads_every_sdk_csr_form() {
    for (rel, env, form) in [
        ("csr/sdk-r3.4.8-sim-en.csr", "simulation", "base64 of PEM"),
        (
            "csr/isb-swagger-prod-en.csr.b64",
            "production",
            "base64 of PEM",
        ),
        ("csr/sdk-prod-en.csr.der.b64", "production", "base64 of DER"),
    ] {
        let out = zatca(&["inspect", &testdata(rel), "--json"]);
        assert!(out.status.success(), "{rel}: {}", text(&out));
        let info: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(info["environment"], env, "{rel}");
        assert!(info["form"].as_str().unwrap().starts_with(form), "{rel}");
        assert_eq!(info["signature_valid"], true);
        assert_eq!(info["sdk_structure"], true);
        assert_eq!(info["zatca_fields"][0]["name"], "SN");
        assert_eq!(
            info["zatca_fields"][0]["value"],
            "1-TST|2-TST|3-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f"
        );
    }
    // Text output names the fields too.
    let out = zatca(&["inspect", &testdata("csr/sdk-r3.4.8-sim-en.csr")]);
    let t = text(&out);
    assert!(
        t.contains("PREZATCA-Code-Signing") && t.contains("verifies"),
        "{t}"
    );
}

#[test]
fn inspect_a_tampered_csr_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    // Re-create the DER from the transport form (base64 of PEM) and flip a subject letter.
    let b64 = std::fs::read(testdata("csr/isb-swagger-prod-en.csr.b64")).unwrap();
    let pem = base64::engine::general_purpose::STANDARD
        .decode(b64.trim_ascii())
        .unwrap();
    let pem = String::from_utf8(pem).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let at = der.windows(6).position(|w| w == b"Riyadh").unwrap();
    der[at] = b'r';
    let path = dir.path().join("tampered.der");
    std::fs::write(&path, &der).unwrap();
    let out = zatca(&["inspect", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("DOES NOT VERIFY"));
}
