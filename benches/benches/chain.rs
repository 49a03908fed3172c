//! The service-managed invoice chain's signing step (`zatca_onboarding::sign_invoice`
//! on the SQLite store: take the device lock, read the next ICV and PIH, write
//! them into the document, read the sealed key and CSID, sign, commit the
//! document and the new chain head in one transaction), next to the bare
//! signing of the same document with the same key (`zatca_ubl::InvoiceSigner`).
//!
//! Input: SDK R3.3.3's `Simplified_Invoice.xml` without its signature parts.
//! The device is onboarded first against the in-process simulator
//! (development), its secrets sealed under a master key as `zatca serve`
//! keeps them. The database grows by one document per iteration, as a
//! till's does.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use zatca_onboarding::{CsidKind, DeviceStore as _, Onboarding, Options, UblSamples, UnixTime};
use zatca_profile::{Environment, Otp, RequestInput};
use zatca_simulator::{Simulator, SimulatorConfig};
use zatca_store_sqlite::{MasterKey, SqliteStore};
use zatca_ubl::{InvoiceSigner, SigningTime};

/// 2026-01-01T00:00:00Z.
const NOW: u64 = 1_767_225_600;

/// The SDK's simplified invoice without its signature parts: what a till
/// sends to be signed (`testdata/unsigned-invoices/`).
fn unsigned_sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/unsigned-invoices/simplified-invoice.xml"
    ))
    .expect("unsigned sample")
}

fn bench_chain(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = MasterKey::from_hex(&"5e".repeat(32), "bench master key").expect("master key");
    let store =
        SqliteStore::open_with_master_key(&dir.path().join("service.db"), &key).expect("store");
    let simulator = Simulator::new(SimulatorConfig::for_environment(
        Environment::Development,
        NOW,
    ))
    .expect("simulator");
    let onboarding = Onboarding::new(store, &simulator, UblSamples, Options::default());
    let request = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/requests/sample-device.json"
    ))
    .expect("sample request");
    let mut input = RequestInput::from_bytes(&request).expect("request");
    input.take_otp();
    let now = UnixTime::from_secs(NOW);
    let otp = Otp::new("123345".to_owned());
    let onboarded = onboarding
        .onboard_device(&input, Some(Environment::Development), &otp, now)
        .expect("onboarded");
    let id = onboarded.device_id;

    let xml = unsigned_sample();
    let first = onboarding
        .sign_invoice(&id, xml.as_bytes(), None, now)
        .expect("chained signing");
    assert_eq!(first.invoice.icv, 1);

    // The same key and certificate, outside the store.
    let store = onboarding.store();
    let record = store.load_device(&id).expect("device");
    let device_key = store.read_key(&record, 1).expect("key");
    let csid = store
        .read_csid(&record, CsidKind::Production, 1)
        .expect("production CSID");
    let signer = InvoiceSigner::new(&device_key, csid.certificate()).expect("signer");
    let chained = zatca_ubl::write_chain_references(xml.as_bytes(), 1, zatca_sign::FIRST_PIH)
        .expect("chain references");
    let time = SigningTime::at(now);

    let mut group = c.benchmark_group("chained_signing");
    group.bench_function("bare_sign_sdk_simplified_invoice", |b| {
        b.iter(|| {
            signer
                .sign(black_box(chained.as_bytes()), &time)
                .expect("signed")
        })
    });
    group.bench_function("sqlite_assign_sign_commit_sdk_simplified_invoice", |b| {
        b.iter(|| {
            onboarding
                .sign_invoice(&id, black_box(xml.as_bytes()), None, now)
                .expect("chained signing")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_chain);
criterion_main!(benches);
