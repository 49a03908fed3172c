//! The simulator's credentials and its state directory: random serials and
//! secrets, secrets kept only as digests, private files, stale temporary files
//! removed, and state errors that name the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use common::{NOW, csr_for, otp};
use zatca_fatoora::{Csid, Fatoora, FatooraError, ProductionCsidRequest};
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::Environment;
use zatca_simulator::{Simulator, SimulatorConfig, SimulatorError};

fn simulator_on(env: Environment, dir: &Path) -> Simulator {
    let mut config = SimulatorConfig::for_environment(env, NOW);
    config.state_dir = Some(dir.to_path_buf());
    Simulator::new(config).unwrap()
}

fn serial_hex(csid: &Csid) -> String {
    csid.certificate()
        .serial_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Set in the child processes of [`serials_differ_between_processes`]: the
/// state directory the child issues one compliance CSID from.
const CHILD_STATE: &str = "ZATCA_SIMULATOR_TEST_CHILD_STATE";

/// Two processes sharing nothing (separate state directories, same clock)
/// issue different serials: no counter or clock is behind them. The test runs
/// its own test binary twice as the two processes.
#[test]
fn serials_differ_between_processes() {
    if let Some(dir) = std::env::var_os(CHILD_STATE) {
        let sim = simulator_on(Environment::Development, Path::new(&dir));
        let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
        let answer = sim
            .compliance_csid(&otp("123456"), &csr_for(Environment::Development, &key))
            .unwrap();
        println!("serial={}", serial_hex(&answer.csid));
        return;
    }
    let parent = tempfile::tempdir().unwrap();
    let serials: Vec<String> = ["a", "b"]
        .iter()
        .map(|name| {
            let out = Command::new(std::env::current_exe().unwrap())
                .args([
                    "serials_differ_between_processes",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_STATE, parent.path().join(name))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout)
                .lines()
                // libtest may print `test NAME ... ` on the same line first.
                .find_map(|l| l.split_once("serial=").map(|(_, rest)| rest.to_owned()))
                .and_then(|rest| rest.split_whitespace().next().map(str::to_owned))
                .expect("the child printed its serial")
        })
        .collect();
    assert_eq!(serials[0].len(), 12, "the developer portal's 6-byte serial");
    assert_ne!(serials[0], serials[1], "two processes issued one serial");
}

/// Many certificates of one simulator, all at one time, have distinct serials.
#[test]
fn serials_of_one_simulator_are_distinct() {
    for env in [Environment::Development, Environment::Simulation] {
        let sim = Simulator::new(SimulatorConfig::for_environment(env, NOW)).unwrap();
        let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
        let csr = csr_for(env, &key);
        let mut seen = BTreeSet::new();
        for i in 0..40 {
            let csid = sim
                .compliance_csid(&otp(&format!("{:06}", 100_000 + i)), &csr)
                .unwrap()
                .csid;
            assert!(seen.insert(serial_hex(&csid)), "{env:?}: a serial repeated");
        }
    }
}

/// The secret ZATCA-shaped simulators used to hand out:
/// base64(sha256(binarySecurityToken ‖ requestID)).
fn derived_secret(csid: &Csid) -> String {
    let input = format!("{}{}", csid.token(), csid.request_id().unwrap());
    base64::engine::general_purpose::STANDARD.encode(zatca_types::digest::sha256(input.as_bytes()))
}

fn with_secret(csid: &Csid, secret: String) -> Csid {
    Csid::new(
        csid.token(),
        zeroize::Zeroizing::new(secret),
        csid.request_id().map(str::to_owned),
    )
    .unwrap()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn secrets_are_random_and_the_state_keeps_only_their_digests() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator_on(Environment::Simulation, dir.path());
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let csr = csr_for(Environment::Simulation, &key);
    let first = sim.compliance_csid(&otp("111111"), &csr).unwrap().csid;
    let second = sim.compliance_csid(&otp("222222"), &csr).unwrap().csid;
    assert_ne!(first.expose_secret(), second.expose_secret());
    let raw = base64::engine::general_purpose::STANDARD
        .decode(first.expose_secret())
        .unwrap();
    assert_eq!(raw.len(), 32, "base64 of 32 random bytes");
    assert_ne!(first.expose_secret(), derived_secret(&first));

    for path in files_under(dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for csid in [&first, &second] {
            assert!(
                !text.contains(csid.expose_secret()),
                "{} holds a CSID secret",
                path.display()
            );
        }
    }
}

#[test]
fn the_derived_secret_no_longer_authenticates() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator_on(Environment::Simulation, dir.path());
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let issued = sim
        .compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key))
        .unwrap()
        .csid;
    let request = ProductionCsidRequest {
        compliance_request_id: issued.request_id().unwrap().to_owned(),
    };
    let forged = with_secret(&issued, derived_secret(&issued));
    assert_eq!(
        sim.production_csid(&forged, &request).unwrap_err(),
        FatooraError::Unauthorized
    );
    let wrong = with_secret(&issued, format!("{}x", issued.expose_secret()));
    assert_eq!(
        sim.production_csid(&wrong, &request).unwrap_err(),
        FatooraError::Unauthorized
    );
    // The issued secret itself still authenticates (then fails on the missing steps).
    assert_ne!(
        sim.production_csid(&issued, &request).unwrap_err(),
        FatooraError::Unauthorized
    );
}

/// What the simulator wrote before secrets were random and hashed.
const OUTDATED_STATE: &str = r#"{
  "next_request_id": 1,
  "used_otps": ["123456"],
  "compliance": {
    "1234567001": {
      "token": "TUlJ",
      "secret": "computable",
      "vat": "399999999900003",
      "invoice_types": "1100",
      "passed": [],
      "production_issued": false
    }
  },
  "production": {},
  "script": []
}"#;

#[test]
fn an_outdated_state_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, OUTDATED_STATE).unwrap();
    let mut config = SimulatorConfig::for_environment(Environment::Simulation, NOW);
    config.state_dir = Some(dir.path().to_path_buf());
    let err = Simulator::new(config).unwrap_err();
    assert_eq!(
        err,
        SimulatorError::OutdatedState {
            path: state.clone()
        }
    );
    let message = err.to_string();
    assert!(message.contains(&state.display().to_string()), "{message}");
    assert!(message.contains("\"format\": 3"), "{message}");
}

/// A format-2 `state.json` (every CSID in one file) is refused by name too.
#[test]
fn a_format_2_state_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        r#"{"format": 2, "next_request_id": 0, "used_otps": [], "compliance": {}, "production": {}, "script": []}"#,
    )
    .unwrap();
    let mut config = SimulatorConfig::for_environment(Environment::Simulation, NOW);
    config.state_dir = Some(dir.path().to_path_buf());
    assert_eq!(
        Simulator::new(config).unwrap_err(),
        SimulatorError::OutdatedState { path: state }
    );
}

#[test]
fn damaged_state_names_the_file_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut config = SimulatorConfig::for_environment(Environment::Simulation, NOW);
    config.state_dir = Some(dir.path().to_path_buf());

    std::fs::write(&state, "{\"format\": 2, ").unwrap();
    let message = Simulator::new(config.clone()).unwrap_err().to_string();
    assert!(message.contains(&state.display().to_string()), "{message}");
    assert!(message.contains("expected the JSON object"), "{message}");
    assert!(message.contains("EOF while parsing"), "{message}");

    std::fs::write(&state, "{\"format\": 7}").unwrap();
    let message = Simulator::new(config.clone()).unwrap_err().to_string();
    assert!(message.contains("\"format\": 7"), "{message}");

    // Damaged while a simulator is running: the call fails, naming the file and line.
    std::fs::remove_file(&state).unwrap();
    let sim = Simulator::new(config).unwrap();
    let log = dir.path().join("state.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("[{\"NoSuchChange\": 1}]\n");
    std::fs::write(&log, text).unwrap();
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    for _ in 0..2 {
        match sim.compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key)) {
            Err(FatooraError::Connection { reason }) => {
                assert!(reason.contains(&log.display().to_string()), "{reason}");
                assert!(reason.contains("expected"), "{reason}");
                assert!(reason.contains("line 2"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }
    std::fs::remove_file(&log).unwrap();

    let key_file = dir.path().join("compliance-ca.key");
    std::fs::write(&key_file, "not a key").unwrap();
    let mut config = SimulatorConfig::for_environment(Environment::Simulation, NOW);
    config.state_dir = Some(dir.path().to_path_buf());
    let message = Simulator::new(config).unwrap_err().to_string();
    assert!(
        message.contains(&key_file.display().to_string()),
        "{message}"
    );
}

#[test]
fn temporary_files_of_a_killed_process_are_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator_on(Environment::Simulation, dir.path());
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    sim.compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key))
        .unwrap();
    drop(sim);
    // What zatca_fs::write_atomic leaves when killed between create and rename.
    let stale = [
        ".state.json.tmp-4242-0",
        ".compliance-ca.key.tmp-4242-1",
        ".production-ca.key.tmp-4243-0",
    ];
    for name in stale {
        std::fs::write(dir.path().join(name), "a secret").unwrap();
    }
    let unrelated = dir.path().join("notes.tmp-1");
    std::fs::write(&unrelated, "mine").unwrap();
    let sim = simulator_on(Environment::Simulation, dir.path());
    for name in stale {
        assert!(!dir.path().join(name).exists(), "{name} was left behind");
    }
    assert!(
        unrelated.exists(),
        "a file the simulator did not write was removed"
    );
    // The state survived the clean-up.
    assert!(
        sim.compliance_csid(&otp("123457"), &csr_for(Environment::Simulation, &key))
            .is_ok()
    );
}

#[cfg(unix)]
#[test]
fn everything_the_simulator_creates_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent
        .path()
        .join("store")
        .join("simulator")
        .join("simulation");
    let sim = simulator_on(Environment::Simulation, &dir);
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    sim.compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key))
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for created in [
        parent.path().join("store"),
        parent.path().join("store").join("simulator"),
        dir.clone(),
    ] {
        assert_eq!(mode(&created), 0o700, "{}", created.display());
    }
    let files = files_under(&dir);
    let names: BTreeSet<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "compliance-ca.key",
            "production-ca.key",
            "state.jsonl",
            "state.lock"
        ]
        .map(str::to_owned)
        .into()
    );
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}
