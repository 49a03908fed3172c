//! Signing many invoices in one process, one thread against two: what
//! `zatca invoice sign --out-dir DIR FILE…` does per document (one signer,
//! one signing time, each document read, signed and its XML kept), spread
//! over threads the way the CLI spreads it (scoped threads taking the next
//! document from a shared counter).
//!
//! Input: 64 copies of SDK R3.3.3 `Simplified_Invoice.xml`, each with its own
//! UUID. Target: on 2 cores, 2 threads ≥ 1.8× the throughput of 1.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const DOCUMENTS: usize = 64;

/// Signs every document with `threads` workers; the total signed length.
fn sign_all(
    signer: &zatca_ubl::InvoiceSigner<'_>,
    time: &zatca_ubl::SigningTime,
    docs: &[String],
    threads: usize,
) -> usize {
    let next = AtomicUsize::new(0);
    let total = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(doc) = docs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let signed = signer.sign(doc.as_bytes(), time).unwrap();
                    total.fetch_add(black_box(signed.xml()).len(), Ordering::Relaxed);
                }
            });
        }
    });
    total.into_inner()
}

fn bench(c: &mut Criterion) {
    let dir = zatca_benches::testdata("keys");
    let (key, _) = zatca_keys::PrivateKey::read_file(&dir.join("sdk-r3.3.3-priv-key.b64")).unwrap();
    let (cert, _) = zatca_cert::Certificate::read_file(&dir.join("sdk-r3.3.3-cert.b64")).unwrap();
    let signer = zatca_ubl::InvoiceSigner::new(&key, &cert).unwrap();
    let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").unwrap();
    let sample = zatca_benches::sdk_simplified_invoice().unwrap();
    let uuid = "8e6000cf-1a98-4174-b3e7-b5d5954bc10d";
    assert!(sample.contains(uuid));
    let docs: Vec<String> = (0..DOCUMENTS)
        .map(|i| sample.replace(uuid, &format!("8e6000cf-1a98-4174-b3e7-{i:012}")))
        .collect();
    assert_eq!(
        sign_all(&signer, &time, &docs, 1),
        sign_all(&signer, &time, &docs, 2)
    );

    let mut g = c.benchmark_group("batch_sign");
    g.throughput(Throughput::Elements(DOCUMENTS as u64));
    for threads in [1, 2] {
        g.bench_function(format!("{DOCUMENTS}_documents/{threads}_threads"), |b| {
            b.iter(|| sign_all(&signer, &time, &docs, threads))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
