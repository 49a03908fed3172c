//! The lifecycle conformance over the SQLite store: the flows the directory
//! store passes, against the offline simulator, from one thread and many.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{db, now, onboarding, otp, request, simulator};
use zatca_onboarding::{
    ActivityKind, ActivityStatus, AnswerStatus, DeviceId, DeviceState, DeviceStore as _,
    RegisterAnswer, RenewKey,
};
use zatca_profile::Environment;
use zatca_store_sqlite::SqliteStore;

#[test]
fn register_generate_renew_show_list() {
    let (_dir, path) = db();
    let sim = simulator(Environment::Development);
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    let answer = RegisterAnswer::from_result(&ob.register(
        request("1100", "1"),
        Some(Environment::Development),
        Some(otp("123456")),
        now(),
    ));
    assert_eq!(answer.status, AnswerStatus::Generated, "{answer:?}");
    assert!(answer.error_list.is_empty(), "{answer:?}");
    let id = answer.device_id.clone().unwrap();
    let activity = ob
        .activity(&answer.pcsid_generation_activity_id.clone().unwrap())
        .unwrap();
    assert_eq!(activity.status, ActivityStatus::Succeeded);
    assert_eq!(activity.kind, ActivityKind::GeneratePcsid);
    assert_eq!(activity.compliance_results.len(), 6);
    assert!(activity.compliance_results.iter().all(|r| r.passed));
    assert_eq!(
        activity.steps.iter().map(|s| s.name()).collect::<Vec<_>>(),
        ["COMPLIANCE_CSID", "COMPLIANCE_CHECKS", "PRODUCTION_CSID"]
    );
    assert!(ob.store().in_progress_activities().unwrap().is_empty());

    let view = ob.show(&id, now()).unwrap();
    assert_eq!(view.record.state, DeviceState::Production);
    assert_eq!(view.compliance_results.len(), 6);
    assert!(view.production_csid.is_some() && view.compliance_csid.is_some());
    let plan = view.renewal.unwrap();
    assert!(!plan.in_renewal_window && !plan.expired);

    // The stored PCSID works: the renewal authenticates with it.
    let renewed = ob
        .renew_pcsid(&id, &otp("654321"), RenewKey::New, now())
        .unwrap();
    assert_eq!(renewed.status, ActivityStatus::Succeeded);
    assert_eq!(renewed.kind, ActivityKind::RenewPcsid);
    assert_eq!(renewed.compliance_results.len(), 6);
    let view = ob.show(&id, now()).unwrap();
    assert_eq!(view.record.current.number, 2);
    assert_eq!(view.record.state, DeviceState::Production);
    assert_ne!(
        view.production_csid.unwrap().serial,
        ob.store()
            .read_csid(&view.record, zatca_onboarding::CsidKind::Production, 1)
            .unwrap()
            .certificate()
            .serial_decimal()
    );

    let list = ob.list(now()).unwrap();
    assert_eq!(list.devices.len(), 1);
    assert!(list.damaged.is_empty());
    assert_eq!(list.devices[0].record.device_id, id);
    ob.store().integrity_check().unwrap();
}

#[test]
fn generate_twice_is_6002_and_register_again_is_6002() {
    let (_dir, path) = db();
    let sim = simulator(Environment::Simulation);
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    let id = ob
        .register_device(&request("1100", "1"), Some(Environment::Simulation), now())
        .unwrap()
        .device_id;
    let err = ob
        .renew_pcsid(&id, &otp("123456"), RenewKey::New, now())
        .unwrap_err();
    assert_eq!(err.code(), "6003");
    ob.generate_pcsid(&id, &otp("123456"), now()).unwrap();
    let err = ob.generate_pcsid(&id, &otp("123456"), now()).unwrap_err();
    assert_eq!(err.code(), "6002");
    let again = RegisterAnswer::from_result(&ob.register(
        request("1100", "1"),
        Some(Environment::Simulation),
        None,
        now(),
    ));
    assert_eq!(again.device_id, Some(id));
    assert_eq!(again.error_list.len(), 1);
    assert_eq!(again.error_list[0].error_code, "6002");
    // Another environment is another device.
    ob.register_device(&request("1100", "1"), Some(Environment::Development), now())
        .unwrap();
    assert_eq!(ob.list(now()).unwrap().devices.len(), 2);
}

#[test]
fn sixteen_threads_registering_one_device_make_one_device() {
    let (_dir, path) = db();
    let sim = simulator(Environment::Simulation);
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    ob.register_device(&request("1100", "7"), Some(Environment::Simulation), now())
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| !r.existing).count(), 1);
    assert!(results.iter().all(|r| r.device_id == results[0].device_id));
    assert_eq!(ob.list(now()).unwrap().devices.len(), 1);
}

#[test]
fn sixteen_threads_registering_one_device_with_otp_run_one_activity() {
    let (_dir, path) = db();
    let sim = simulator(Environment::Development);
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    let answers: Vec<RegisterAnswer> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    RegisterAnswer::from_result(&ob.register(
                        request("1100", "8"),
                        Some(Environment::Development),
                        Some(otp("123456")),
                        now(),
                    ))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|a| a.status == AnswerStatus::Generated));
    assert!(answers.iter().all(|a| a.device_id == answers[0].device_id));
    let listing = ob.list(now()).unwrap();
    assert_eq!(listing.devices.len(), 1);
    assert_eq!(listing.devices[0].record.state, DeviceState::Production);
    assert_eq!(listing.devices[0].record.activities, 1);
}

#[test]
fn sixteen_devices_onboard_in_parallel() {
    let (_dir, path) = db();
    let sim = simulator(Environment::Development);
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    let answers: Vec<RegisterAnswer> = std::thread::scope(|s| {
        let ob = &ob;
        let handles: Vec<_> = (0..16)
            .map(|n| {
                s.spawn(move || {
                    RegisterAnswer::from_result(&ob.register(
                        request("1100", &format!("p{n}")),
                        Some(Environment::Development),
                        Some(otp("123456")),
                        now(),
                    ))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for answer in &answers {
        assert_eq!(answer.status, AnswerStatus::Generated, "{answer:?}");
        let activity = ob
            .activity(answer.pcsid_generation_activity_id.as_ref().unwrap())
            .unwrap();
        assert_eq!(activity.status, ActivityStatus::Succeeded, "{activity:?}");
        assert_eq!(activity.compliance_results.len(), 6);
    }
    let listing = ob.list(now()).unwrap();
    assert_eq!(listing.devices.len(), 16);
    assert!(
        listing
            .devices
            .iter()
            .all(|d| d.record.state == DeviceState::Production)
    );
    ob.store().integrity_check().unwrap();
}

#[test]
fn reopening_keeps_every_device_key_and_activity() {
    let (_dir, path) = db();
    let sim = simulator(Environment::Development);
    let (id, activity_id) = {
        let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
        let answer = RegisterAnswer::from_result(&ob.register(
            request("1100", "1"),
            Some(Environment::Development),
            Some(otp("123456")),
            now(),
        ));
        (
            answer.device_id.unwrap(),
            answer.pcsid_generation_activity_id.unwrap(),
        )
    };
    let ob = onboarding(SqliteStore::open(&path).unwrap(), &sim);
    assert_eq!(
        ob.activity(&activity_id).unwrap().status,
        ActivityStatus::Succeeded
    );
    let view = ob.show(&id, now()).unwrap();
    assert_eq!(view.record.state, DeviceState::Production);
    assert_eq!(view.compliance_results.len(), 6);
    // The key and the PCSID read back: a renewal signs and authenticates with them.
    let renewed = ob
        .renew_pcsid(&id, &otp("654321"), RenewKey::Same, now())
        .unwrap();
    assert_eq!(renewed.status, ActivityStatus::Succeeded);
}

#[test]
fn unknown_device_and_activity_are_zo003_and_zo004() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    let id = DeviceId::derive(Environment::Simulation, "399999999900003", "1-a|2-b|3-c");
    assert_eq!(store.load_device(&id).unwrap_err().code(), "ZO003");
    let activity = zatca_onboarding::ActivityId::generate().unwrap();
    assert_eq!(store.load_activity(&activity).unwrap_err().code(), "ZO004");
}

#[test]
fn device_lock_serializes_one_device_and_not_the_others() {
    let (_dir, path) = db();
    let store = SqliteStore::open(&path).unwrap();
    let one = DeviceId::derive(Environment::Simulation, "399999999900003", "1-a|2-b|3-one");
    let two = DeviceId::derive(Environment::Simulation, "399999999900003", "1-a|2-b|3-two");
    let held = store.lock_device(&one).unwrap();
    let store = &store;
    std::thread::scope(|s| {
        // Another device locks while `one` is held.
        s.spawn(|| drop(store.lock_device(&two).unwrap()))
            .join()
            .unwrap();
        // `one` again waits for the holder.
        let (tx, rx) = mpsc::channel();
        let waiter = s.spawn(move || {
            let _lock = store.lock_device(&one).unwrap();
            tx.send(()).unwrap();
        });
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        drop(held);
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();
    });
}
