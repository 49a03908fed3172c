//! The conformance suite every back end of the service passes (feature
//! `conformance`): the same calls, the same answers, whatever the database.
//! A back end's tests call [`run`] with a function that opens a fresh,
//! empty store; each check opens its own.
//!
//! What it checks: the accounts rules (VATs, groups, users, tokens,
//! revocation); the lifecycle over the store against the simulator
//! (registration, one device per VAT and serial, the CSID and PCSID
//! activity, keys, CSRs and CSIDs read back, the listing); the invoice chain
//! (consecutive ICVs, linked PIHs, idempotent retries, concurrent signers);
//! the device lock's exclusion; and activity leases (exclusive between
//! owners when the store is shared by several instances).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use zatca_onboarding::{
    ActivityStatus, CsidKind, DeviceStore, Onboarding, Options, UblSamples, UnixTime,
};
use zatca_profile::{Environment, Otp, RequestInput, Vat};
use zatca_simulator::{Simulator, SimulatorConfig};

use crate::{Accounts, Role};

/// 2026-01-01T00:00:00Z: the time of every check.
const NOW: u64 = 1_767_225_600;

/// What a back end must be to run the suite.
pub trait Backend: DeviceStore + Accounts + Clone + Send + Sync + 'static {}

impl<T: DeviceStore + Accounts + Clone + Send + Sync + 'static> Backend for T {}

/// Runs every check on fresh stores from `fresh`. `shared`: the store is
/// meant for several instances, so activity leases must exclude each other.
pub fn run<S: Backend>(fresh: &dyn Fn() -> S, shared: bool) {
    accounts(&fresh());
    lifecycle(&fresh());
    invoice_chain(&fresh());
    device_lock_excludes(&fresh());
    leases(&fresh(), shared);
}

fn vat(text: &str) -> Vat {
    Vat::parse(text).unwrap()
}

/// The accounts rules.
pub fn accounts<S: Backend>(store: &S) {
    let member = vat("399999999900003");
    let group = vat("399999999910003");
    store
        .add_vat(&member, Some("Member"), Some(&group))
        .unwrap();
    let entry = store.vat(member.as_str()).unwrap().unwrap();
    assert_eq!(
        (entry.name.as_deref(), entry.group.as_ref()),
        (Some("Member"), Some(&group))
    );
    assert!(
        store.vat(group.as_str()).unwrap().is_some(),
        "the group is served too"
    );
    store.add_vat(&member, None, None).unwrap();
    assert_eq!(
        store.vat(member.as_str()).unwrap().unwrap().name.as_deref(),
        Some("Member")
    );
    assert!(
        store.add_vat(&group, None, Some(&group)).is_err(),
        "a group in a group"
    );
    assert!(store.add_vat(&member, Some("bad\u{7}"), None).is_err());
    assert_eq!(store.list_vats().unwrap().len(), 2);
    assert!(store.vat("300000000000003").unwrap().is_none());

    let token = store
        .add_user("erp", Role::Admin, std::slice::from_ref(&member))
        .unwrap();
    assert_eq!(token.expose().len(), 64);
    assert!(
        store
            .add_user("erp", Role::Viewer, std::slice::from_ref(&member))
            .is_err()
    );
    assert!(
        store
            .add_user("two words", Role::Viewer, std::slice::from_ref(&member))
            .is_err()
    );
    assert!(store.add_user("nobody", Role::Viewer, &[]).is_err());
    assert!(
        store
            .add_user("x", Role::Viewer, &[vat("300000000000003")])
            .is_err()
    );
    let user = store.authenticate(token.expose()).unwrap().unwrap();
    assert_eq!(
        (user.name.as_str(), user.role, user.vats.as_slice()),
        ("erp", Role::Admin, std::slice::from_ref(&member))
    );
    assert!(store.authenticate(&"0".repeat(64)).unwrap().is_none());
    assert!(store.authenticate("short").unwrap().is_none());
    let viewer = store
        .add_user("audit", Role::Viewer, &[member.clone(), group.clone()])
        .unwrap();
    let names: Vec<String> = store
        .list_users()
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["audit", "erp"]);
    assert!(store.revoke_user("audit").unwrap());
    assert!(!store.revoke_user("ghost").unwrap());
    assert!(store.authenticate(viewer.expose()).unwrap().is_none());
    assert!(
        store
            .list_users()
            .unwrap()
            .iter()
            .any(|u| u.name == "audit" && u.revoked)
    );
}

fn request(serial: &str) -> RequestInput {
    let json = format!(
        r#"{{"DeviceDetails":{{"CommonName":"TST-{serial}","EgsSerialNumber":"1-TST|2-TST|3-{serial}",
            "Location":"Riyadh","Industry":"Retail","InvoiceType":"1100"}},
            "OrganizationDetails":{{"Vat":"399999999900003","OrganizationName":"Maximum Speed Tech",
            "OrganizationUnitName":"Riyadh Branch","CountryCode":"SA"}}}}"#
    );
    RequestInput::from_bytes(json.as_bytes()).unwrap()
}

fn simulator() -> Simulator {
    Simulator::new(SimulatorConfig::for_environment(
        Environment::Development,
        NOW,
    ))
    .unwrap()
}

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

fn otp() -> Otp {
    Otp::new("123345".to_owned())
}

/// The lifecycle over the store.
pub fn lifecycle<S: Backend>(store: &S) {
    let sim = simulator();
    let ob = Onboarding::new(store.clone(), &sim, UblSamples, Options::default());
    let env = Some(Environment::Development);
    let first = ob.register_device(&request("1"), env, now()).unwrap();
    assert!(!first.existing);
    let again = ob.register_device(&request("1"), env, now()).unwrap();
    assert_eq!(
        (again.device_id.clone(), again.existing),
        (first.device_id.clone(), true)
    );
    let activity = ob.generate_pcsid(&first.device_id, &otp(), now()).unwrap();
    assert_eq!(activity.status, ActivityStatus::Succeeded);
    assert_eq!(
        store.load_activity(&activity.activity_id).unwrap(),
        activity
    );
    assert!(store.in_progress_activities().unwrap().is_empty());
    assert!(store.claimable_activities().unwrap().is_empty());

    let record = store.load_device(&first.device_id).unwrap();
    assert!(record.current.production_csid);
    let key = store.read_key(&record, 1).unwrap();
    let csid = store.read_csid(&record, CsidKind::Production, 1).unwrap();
    assert_eq!(key.public_key(), *csid.certificate().public_key());
    assert_eq!(
        store.read_csr(&record, 1).unwrap().public_key().unwrap(),
        key.public_key()
    );
    assert_eq!(store.read_results(&record, 1).unwrap().len(), 6);
    assert!(store.read_results(&record, 9).unwrap().is_empty());
    assert!(
        store.read_key(&record, 9).is_err(),
        "a generation never written"
    );

    ob.register_device(&request("2"), env, now()).unwrap();
    let listing = store.list_devices().unwrap();
    assert_eq!(listing.devices.len(), 2);
    assert!(listing.damaged.is_empty());
    assert!(
        ob.generate_pcsid(&first.device_id, &otp(), now()).is_err(),
        "6002"
    );
}

/// The SDK sample a till sends, unsigned.
fn unsigned_invoice() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/unsigned-invoices/simplified-invoice.xml"
    ))
    .unwrap()
}

/// The invoice chain: sequential, idempotent, then 16 signers at once.
pub fn invoice_chain<S: Backend>(store: &S) {
    let sim = simulator();
    let ob = Onboarding::new(store.clone(), &sim, UblSamples, Options::default());
    let id = ob
        .register_device(&request("chain"), Some(Environment::Development), now())
        .unwrap()
        .device_id;
    ob.generate_pcsid(&id, &otp(), now()).unwrap();
    let xml = unsigned_invoice();
    let first = ob.sign_invoice(&id, &xml, Some("k-1"), now()).unwrap();
    assert_eq!((first.invoice.icv, first.replayed), (1, false));
    assert_eq!(first.invoice.pih, zatca_sign::FIRST_PIH);
    let replay = ob.sign_invoice(&id, &xml, Some("k-1"), now()).unwrap();
    assert_eq!(
        (replay.invoice.clone(), replay.replayed),
        (first.invoice.clone(), true)
    );
    assert!(
        ob.sign_invoice(&id, b"<Invoice/>", Some("k-1"), now())
            .is_err(),
        "key reused"
    );

    let signers = 16;
    let barrier = Arc::new(Barrier::new(signers));
    let handles: Vec<_> = (0..signers)
        .map(|n| {
            let (store, barrier, id, xml) =
                (store.clone(), Arc::clone(&barrier), id.clone(), xml.clone());
            std::thread::spawn(move || {
                let sim = simulator();
                let ob = Onboarding::new(store, &sim, UblSamples, Options::default());
                barrier.wait();
                ob.sign_invoice(&id, &xml, Some(&format!("t-{n}")), now())
                    .unwrap()
                    .invoice
            })
        })
        .collect();
    let mut signed: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    signed.sort_by_key(|i| i.icv);
    let icvs: Vec<u64> = signed.iter().map(|i| i.icv).collect();
    assert_eq!(icvs, (2..=17).collect::<Vec<_>>());
    let mut pih = first.invoice.invoice_hash.clone();
    for invoice in &signed {
        assert_eq!(invoice.pih, pih, "ICV {}", invoice.icv);
        assert_eq!(ob.invoice(&id, invoice.icv).unwrap(), *invoice);
        pih = invoice.invoice_hash.clone();
    }
    let head = ob.chain(&id).unwrap();
    assert_eq!((head.last_icv, head.next_pih), (17, pih));
    assert!(ob.invoice(&id, 18).is_err());
}

/// While one holder has a device's lock, another waits.
pub fn device_lock_excludes<S: Backend>(store: &S) {
    let id =
        zatca_onboarding::DeviceId::derive(Environment::Development, "399999999900003", "lock");
    let held = store.lock_device(&id).unwrap();
    let released = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (store, id, released) = (store.clone(), id.clone(), Arc::clone(&released));
        std::thread::spawn(move || {
            let _lock = store.lock_device(&id).unwrap();
            released.load(Ordering::SeqCst)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    released.store(true, Ordering::SeqCst);
    drop(held);
    assert!(
        waiter.join().unwrap(),
        "the second holder got the lock while the first held it"
    );
    let other =
        zatca_onboarding::DeviceId::derive(Environment::Development, "399999999900003", "other");
    let _a = store.lock_device(&id).unwrap();
    let _b = store.lock_device(&other).unwrap();
}

/// Activity leases: the owner renews its own; in a shared store another
/// owner is refused while the lease lives.
pub fn leases<S: Backend>(store: &S, shared: bool) {
    assert_eq!(
        store.shares_activities(),
        shared,
        "whether the store shares its activities"
    );
    let sim = simulator();
    let ob = Onboarding::new(store.clone(), &sim, UblSamples, Options::default());
    let id = ob
        .register_device(&request("lease"), Some(Environment::Development), now())
        .unwrap()
        .device_id;
    let activity = ob.start_generate(&id, &otp(), now()).unwrap();
    let activity_id = activity.activity_id;
    assert_eq!(
        store.in_progress_activities().unwrap(),
        vec![activity_id.clone()]
    );
    let ttl = Duration::from_secs(30);
    assert!(
        store
            .lease_activity(&activity_id, "instance-a", ttl)
            .unwrap()
    );
    assert!(
        store
            .lease_activity(&activity_id, "instance-a", ttl)
            .unwrap(),
        "renewed"
    );
    if shared {
        assert!(
            !store
                .lease_activity(&activity_id, "instance-b", ttl)
                .unwrap()
        );
        assert!(store.claimable_activities().unwrap().is_empty());
        store
            .lease_activity(&activity_id, "instance-a", Duration::ZERO)
            .unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            store.claimable_activities().unwrap(),
            vec![activity_id.clone()],
            "expired"
        );
        assert!(
            store
                .lease_activity(&activity_id, "instance-b", ttl)
                .unwrap(),
            "taken over"
        );
        store.release_activity(&activity_id, "instance-b").unwrap();
    }
    let done = ob
        .continue_activity(&activity_id, Some(&otp()), now())
        .unwrap();
    assert_eq!(done.status, ActivityStatus::Succeeded);
    assert!(store.claimable_activities().unwrap().is_empty());
    assert!(
        !store
            .lease_activity(&activity_id, "instance-a", ttl)
            .unwrap()
            || !shared,
        "an ended activity has no lease"
    );
}
