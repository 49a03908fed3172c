//! The invoice chain over the database: parallel signers for one device get
//! exactly the next ICVs, each PIH the hash of the document before it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::{db, now, onboarding, otp, request, simulator};
use zatca_onboarding::{DeviceStore as _, InvoiceRecord, load_invoice};
use zatca_profile::Environment;
use zatca_store_sqlite::SqliteStore;

const ENV: Environment = Environment::Simulation;

/// An SDK sample without its signature parts (the ones a signer adds).
fn unsigned_sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/unsigned-invoices/simplified-invoice.xml"
    ))
    .unwrap()
}

#[test]
fn sixteen_threads_get_icvs_1_to_16_in_one_linked_chain() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open(&path).unwrap();
    let ob = onboarding(store.clone(), &sim);
    let id = ob
        .register_device(&request("1100", "1"), Some(ENV), now())
        .unwrap()
        .device_id;
    ob.generate_pcsid(&id, &otp("100000"), now()).unwrap();
    let doc = unsigned_sample();

    let signed: Vec<InvoiceRecord> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|n| {
                let store = store.clone();
                let (id, doc) = (&id, &doc);
                s.spawn(move || {
                    let key = format!("till-{n}");
                    zatca_onboarding::sign_invoice(&store, id, doc.as_bytes(), Some(&key), now())
                        .unwrap()
                        .invoice
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let by_icv: BTreeMap<u64, InvoiceRecord> = signed.into_iter().map(|i| (i.icv, i)).collect();
    assert_eq!(
        by_icv.keys().copied().collect::<Vec<_>>(),
        (1..=16).collect::<Vec<_>>()
    );
    let mut pih = zatca_sign::FIRST_PIH.to_owned();
    for (icv, invoice) in &by_icv {
        assert_eq!(invoice.pih, pih, "ICV {icv}");
        let recomputed = zatca_ubl::invoice_hash(invoice.signed_invoice.as_bytes()).unwrap();
        assert_eq!(recomputed.to_base64(), invoice.invoice_hash);
        let parsed = zatca_ubl::Invoice::parse(invoice.signed_invoice.as_bytes()).unwrap();
        assert_eq!(
            (parsed.icv().unwrap(), parsed.pih().unwrap()),
            (*icv, pih.as_str())
        );
        zatca_ubl::verify_invoice(invoice.signed_invoice.as_bytes()).unwrap();
        assert_eq!(&load_invoice(&store, &id, *icv).unwrap(), invoice);
        pih = invoice.invoice_hash.clone();
    }
    let head = zatca_onboarding::chain_view(&store, &id).unwrap();
    assert_eq!((head.last_icv, head.next_pih), (16, pih));

    // Committed: a reopened database has the same chain, and each key its document.
    drop(ob);
    let reopened = SqliteStore::open(&path).unwrap();
    let record = reopened.load_device(&id).unwrap();
    assert_eq!(record.chain.last_icv, 16);
    let found = reopened
        .find_invoice_by_idempotency_key(&record, "till-3")
        .unwrap()
        .unwrap();
    assert_eq!(found.idempotency_key.as_deref(), Some("till-3"));
    let again =
        zatca_onboarding::sign_invoice(&reopened, &id, doc.as_bytes(), Some("till-3"), now())
            .unwrap();
    assert!(again.replayed);
    assert_eq!(again.invoice, found);
    assert_eq!(reopened.load_device(&id).unwrap().chain.last_icv, 16);
}

#[test]
fn a_refused_commit_leaves_the_chain_where_it_was() {
    let (_dir, path) = db();
    let sim = simulator(ENV);
    let store = SqliteStore::open(&path).unwrap();
    let ob = onboarding(store.clone(), &sim);
    let id = ob
        .register_device(&request("1100", "1"), Some(ENV), now())
        .unwrap()
        .device_id;
    ob.generate_pcsid(&id, &otp("100000"), now()).unwrap();
    let first = ob
        .sign_invoice(&id, unsigned_sample().as_bytes(), None, now())
        .unwrap()
        .invoice;
    // A second row for a committed ICV is refused, and the device record
    // in the same transaction is not written.
    let mut record = store.load_device(&id).unwrap();
    let before = record.clone();
    record.chain.last_icv = 99;
    assert!(store.commit_invoice(&record, &first).is_err());
    assert_eq!(store.load_device(&id).unwrap(), before);
}

#[test]
fn a_version_1_database_gets_the_invoices_table() {
    let (_dir, path) = db();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../src/migrations/0001_initial.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        zatca_store_sqlite::DATABASE_VERSION
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'invoices'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}
