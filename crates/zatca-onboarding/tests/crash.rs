//! Crash injection: the store's N-th write fails half-way (and every later
//! write too, as if the process was killed there). After each, the device
//! loads, its previous state is intact, no temporary file is left, and the
//! operation can be run again to completion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{FakeDocuments, now, onboarding, otp, request, simulator, temp_files};
use zatca_onboarding::DeviceStore as _;
use zatca_onboarding::{DeviceState, RenewKey};
use zatca_profile::Environment;

const ENV: Environment = Environment::Simulation;

#[test]
fn registration_killed_at_every_write() {
    for n in 1.. {
        let dir = tempfile::tempdir().unwrap();
        let sim = simulator(ENV);
        let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
        ob.store().kill_at_write(Some(n));
        let result = ob.register_device(&request("1100", "1"), Some(ENV), now());
        let attempted = ob.store().writes_attempted();
        ob.store().kill_at_write(None);
        assert!(temp_files(dir.path()).is_empty(), "write {n}");
        if result.is_ok() {
            assert!(attempted < n, "write {n} was injected but did not fail");
            assert!(n > 1);
            break;
        }
        // Nothing committed: no device, and registering again works.
        assert!(ob.list(now()).unwrap().devices.is_empty(), "write {n}");
        let r = ob
            .register_device(&request("1100", "1"), Some(ENV), now())
            .unwrap();
        assert!(!r.existing);
        assert_eq!(
            ob.show(&r.device_id, now()).unwrap().record.state,
            DeviceState::Registered
        );
    }
}

#[test]
fn csid_generation_killed_at_every_write() {
    let mut crashes = 0;
    for n in 1.. {
        let dir = tempfile::tempdir().unwrap();
        let sim = simulator(ENV);
        let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
        let id = ob
            .register_device(&request("1100", "1"), Some(ENV), now())
            .unwrap()
            .device_id;
        ob.store().kill_at_write(Some(n));
        let result = ob.generate_pcsid(&id, &otp("100000"), now());
        ob.store().kill_at_write(None);
        assert!(temp_files(dir.path()).is_empty(), "write {n}");
        if result.is_ok() {
            break;
        }
        crashes += 1;
        // The device loads in a consistent state; every file it points to reads.
        let view = ob.show(&id, now()).unwrap();
        if view.record.state == DeviceState::Production {
            // Killed after the commit point (recording the activity): the PCSID is in place.
            assert!(view.production_csid.is_some());
            assert_eq!(
                ob.generate_pcsid(&id, &otp("200000"), now())
                    .unwrap_err()
                    .code(),
                "6002"
            );
            continue;
        }
        assert!(
            matches!(
                view.record.state,
                DeviceState::Registered
                    | DeviceState::ComplianceCsid
                    | DeviceState::ComplianceChecked
            ),
            "write {n}: {:?}",
            view.record.state
        );
        assert!(view.production_csid.is_none());
        // Running it again (a new OTP) completes.
        let activity = ob.generate_pcsid(&id, &otp("200000"), now()).unwrap();
        assert_eq!(activity.compliance_results.len(), 6);
        assert_eq!(
            ob.show(&id, now()).unwrap().record.state,
            DeviceState::Production
        );
    }
    assert!(crashes >= 5, "only {crashes} crash points");
}

#[test]
fn renewal_killed_at_every_write_keeps_the_working_pcsid() {
    let mut crashes = 0;
    for n in 1.. {
        let dir = tempfile::tempdir().unwrap();
        let sim = simulator(ENV);
        let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
        let id = ob
            .register_device(&request("1000", "1"), Some(ENV), now())
            .unwrap()
            .device_id;
        ob.generate_pcsid(&id, &otp("100000"), now()).unwrap();
        let before = ob.show(&id, now()).unwrap();
        ob.store().kill_at_write(Some(n));
        let result = ob.renew_pcsid(&id, &otp("300000"), RenewKey::New, now());
        ob.store().kill_at_write(None);
        assert!(temp_files(dir.path()).is_empty(), "write {n}");
        if result.is_ok() {
            break;
        }
        crashes += 1;
        let after = ob.show(&id, now()).unwrap();
        if after.record.current.number == 2 {
            // Killed after the commit point: the new PCSID is complete and in use.
            assert_eq!(after.record.state, DeviceState::Production);
            assert!(after.record.current.production_csid);
            assert_ne!(after.production_csid, before.production_csid);
            continue;
        }
        assert_eq!(after.record.current, before.record.current, "write {n}");
        assert_eq!(after.production_csid, before.production_csid, "write {n}");
        assert!(matches!(
            after.record.state,
            DeviceState::Production | DeviceState::Renewing
        ));
        // The working PCSID still authenticates: renewing again completes.
        ob.renew_pcsid(&id, &otp("400000"), RenewKey::New, now())
            .unwrap();
        let done = ob.show(&id, now()).unwrap();
        assert_eq!(done.record.current.number, 2);
        assert_eq!(done.record.state, DeviceState::Production);
        assert_ne!(done.production_csid, before.production_csid);
    }
    assert!(crashes >= 5, "only {crashes} crash points");
}

#[test]
fn stale_temporary_files_of_a_killed_process_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let id = ob
        .register_device(&request("1100", "1"), Some(ENV), now())
        .unwrap()
        .device_id;
    let device_dir = ob.store().device_dir(ENV, &id);
    // What `kill -9` between temp file and rename leaves behind.
    std::fs::write(device_dir.join(".device.json.tmp-99999-0"), b"{\"half").unwrap();
    assert_eq!(
        ob.show(&id, now()).unwrap().record.state,
        DeviceState::Registered
    );
    ob.generate_pcsid(&id, &otp("100000"), now()).unwrap();
    assert!(temp_files(dir.path()).is_empty());
}

/// A kill at any write of a CSID and PCSID activity, then a restart that
/// resumes every `IN_PROGRESS` activity: each ends `SUCCEEDED` or `FAILED`
/// with a reason, and the production CSID request is never sent twice.
#[test]
fn interrupted_activities_resume_or_fail_with_a_reason() {
    let mut resumed = 0;
    let mut failed = 0;
    for n in 1.. {
        let dir = tempfile::tempdir().unwrap();
        let sim = simulator(ENV);
        let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
        let id = ob
            .register_device(&request("1100", "1"), Some(ENV), now())
            .unwrap()
            .device_id;
        let started = ob.start_generate(&id, &otp("100000"), now()).unwrap();
        assert_eq!(started.status, zatca_onboarding::ActivityStatus::InProgress);
        ob.store().kill_at_write(Some(n));
        let run = ob.continue_activity(&started.activity_id, Some(&otp("100000")), now());
        ob.store().kill_at_write(None);
        if run.is_ok() {
            break;
        }
        // The restart: no OTP survives it.
        let outcomes = ob.resume_interrupted(now()).unwrap();
        for outcome in &outcomes {
            match outcome {
                Ok(a) => {
                    assert_eq!(
                        a.status,
                        zatca_onboarding::ActivityStatus::Succeeded,
                        "write {n}"
                    );
                    resumed += 1;
                }
                Err(e) => {
                    let stored = ob.activity(&started.activity_id).unwrap();
                    assert_eq!(
                        stored.status,
                        zatca_onboarding::ActivityStatus::Failed,
                        "write {n}"
                    );
                    assert!(!stored.error_list.is_empty(), "write {n}: no reason");
                    assert!(
                        matches!(e.code().as_str(), "ZO007" | "ZO040" | "ZO041"),
                        "write {n}: {e}"
                    );
                    failed += 1;
                }
            }
        }
        assert!(
            ob.store().in_progress_activities().unwrap().is_empty(),
            "write {n}"
        );
        let view = ob.show(&id, now()).unwrap();
        if view.record.state == DeviceState::Production {
            assert!(view.production_csid.is_some(), "write {n}");
        }
        // Whatever happened, a new OTP onboards the device (or it has its PCSID already).
        match ob.generate_pcsid(&id, &otp("200000"), now()) {
            Ok(_) => {}
            Err(e) => assert_eq!(e.code(), "6002", "write {n}: {e}"),
        }
        assert_eq!(
            ob.show(&id, now()).unwrap().record.state,
            DeviceState::Production
        );
    }
    assert!(
        resumed >= 3 && failed >= 2,
        "resumed {resumed}, failed {failed}"
    );
}
