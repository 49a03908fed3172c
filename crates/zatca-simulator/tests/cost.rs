//! What a call costs with a state directory: it must not grow with the number
//! of CSIDs issued so far.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{NOW, csr_for, otp};
use zatca_fatoora::{Csid, Fatoora, FatooraError, ProductionCsidRequest};
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::Environment;
use zatca_simulator::{Simulator, SimulatorConfig};

fn simulator_on(dir: &Path) -> Simulator {
    let mut config = SimulatorConfig::for_environment(Environment::Development, NOW);
    config.state_dir = Some(dir.to_path_buf());
    Simulator::new(config).unwrap()
}

/// Prints how long 500 compliance CSIDs take with a state directory (a figure, not a check).
#[test]
fn timing_of_500_compliance_csids() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator_on(dir.path());
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let csr = csr_for(Environment::Development, &key);
    let start = Instant::now();
    for i in 0..500 {
        let t = Instant::now();
        sim.compliance_csid(&otp("123456"), &csr).unwrap();
        if i % 100 == 99 {
            println!("call {}: {:?}", i + 1, t.elapsed());
        }
    }
    println!("500 compliance CSIDs: {:?}", start.elapsed());
}

/// For every file of `dir`: its identity and length.
fn files(dir: &Path) -> BTreeMap<PathBuf, (u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::metadata(&path).unwrap();
        if meta.is_dir() {
            out.extend(files(&path));
        } else {
            out.insert(path, (meta.ino(), meta.len()));
        }
    }
    out
}

/// The bytes `call` wrote under `dir`: the whole of every file it created or
/// replaced, and what it appended to the others.
fn bytes_written(dir: &Path, call: impl FnOnce()) -> u64 {
    let before = files(dir);
    call();
    files(dir)
        .into_iter()
        .map(|(path, (ino, len))| match before.get(&path) {
            Some(&(old_ino, old_len)) if old_ino == ino => len.saturating_sub(old_len),
            _ => len,
        })
        .sum()
}

#[cfg(unix)]
#[test]
fn a_call_costs_the_same_however_many_csids_were_issued() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator_on(dir.path());
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let csr = csr_for(Environment::Development, &key);
    let issue = || {
        sim.compliance_csid(&otp("123456"), &csr).unwrap();
    };
    for _ in 0..10 {
        issue();
    }
    let after_10 = bytes_written(dir.path(), issue);
    for _ in 0..1000 {
        issue();
    }
    let after_1000 = bytes_written(dir.path(), issue);
    assert!(after_10 > 0, "the call wrote nothing");
    // The request id gains a digit or two; nothing else may grow.
    assert!(
        after_1000 <= after_10 + 8,
        "a call after 1,000 CSIDs wrote {after_1000} bytes, after 10 {after_10}"
    );
    // A call that changes nothing writes nothing.
    let issued = sim.compliance_csid(&otp("123456"), &csr).unwrap().csid;
    let unknown = Csid::new(
        issued.token(),
        zeroize::Zeroizing::new("not the secret".to_owned()),
        issued.request_id().map(str::to_owned),
    )
    .unwrap();
    let request = ProductionCsidRequest {
        compliance_request_id: issued.request_id().unwrap().to_owned(),
    };
    let refused = bytes_written(dir.path(), || {
        assert_eq!(
            sim.production_csid(&unknown, &request).unwrap_err(),
            FatooraError::Unauthorized
        );
    });
    assert_eq!(refused, 0);
}

/// Two simulators on one directory, both running, see each other's CSIDs.
#[test]
fn simulators_sharing_a_directory_see_each_others_calls() {
    let dir = tempfile::tempdir().unwrap();
    let first = simulator_on(dir.path());
    let second = simulator_on(dir.path());
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let csr = csr_for(Environment::Development, &key);
    let from_first = first.compliance_csid(&otp("123456"), &csr).unwrap().csid;
    let from_second = second.compliance_csid(&otp("123456"), &csr).unwrap().csid;
    assert_ne!(from_first.request_id(), from_second.request_id());
    for (sim, csid) in [(&second, &from_first), (&first, &from_second)] {
        let request = ProductionCsidRequest {
            compliance_request_id: csid.request_id().unwrap().to_owned(),
        };
        // Authenticated (so known to the other simulator), then short of steps.
        assert_ne!(
            sim.production_csid(csid, &request).unwrap_err(),
            FatooraError::Unauthorized
        );
    }
    let issued = zatca_simulator::issued_csids(dir.path()).unwrap();
    assert_eq!(issued.compliance, 2);
    assert_eq!(issued.compliance_with_production, 0);
    assert!(issued.production.is_empty());
}

/// The unfinished line of a process killed while appending is cut off, and
/// the state before it still holds.
#[test]
fn an_unfinished_last_line_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator_on(dir.path());
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let csr = csr_for(Environment::Development, &key);
    let issued = sim.compliance_csid(&otp("123456"), &csr).unwrap().csid;
    drop(sim);
    let log = dir.path().join("state.jsonl");
    let whole = std::fs::read(&log).unwrap();
    let mut torn = whole.clone();
    torn.extend_from_slice(b"[{\"NextRequestId\":");
    std::fs::write(&log, &torn).unwrap();
    let sim = simulator_on(dir.path());
    assert_eq!(std::fs::read(&log).unwrap(), whole);
    let request = ProductionCsidRequest {
        compliance_request_id: issued.request_id().unwrap().to_owned(),
    };
    assert_ne!(
        sim.production_csid(&issued, &request).unwrap_err(),
        FatooraError::Unauthorized
    );
    let next = sim.compliance_csid(&otp("123456"), &csr).unwrap().csid;
    assert_ne!(next.request_id(), issued.request_id());
}

#[test]
fn issued_csids_needs_a_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none");
    let err = zatca_simulator::issued_csids(&missing).unwrap_err();
    assert!(err.to_string().contains(&missing.display().to_string()));
}

/// A header its writer never finished is written again.
#[test]
fn an_unfinished_header_is_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("state.jsonl");
    std::fs::write(&log, "{\"form").unwrap();
    let sim = simulator_on(dir.path());
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    sim.compliance_csid(&otp("123456"), &csr_for(Environment::Development, &key))
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("{\"format\":3}\n"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
}
