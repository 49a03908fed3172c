//! Invoice hashing (parse + C14N 1.1 without the signature parts + SHA-256): the
//! per-invoice hot path before signing; then the whole signing path (`sign_invoice/*`:
//! parse once, hash, ECDSA sign, SignedProperties, QR, embed the XAdES block) and
//! verification (`verify_invoice/*`: parse, hash, certificate parse, signature,
//! SignedProperties digest, QR), with the SDK R3.3.3 key and certificate.
//!
//! Inputs: SDK R3.3.3's `Simplified_Invoice.xml` (16 KB, 2 lines, signed), and the
//! same invoice grown to 200 invoice lines here (≈ 246 KB).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn sample() -> String {
    zatca_benches::sdk_simplified_invoice().expect("sample invoice")
}

fn with_lines(sample: &str, lines: usize) -> String {
    zatca_benches::with_invoice_lines(sample, lines).expect("an invoice line")
}

fn bench_hash(c: &mut Criterion) {
    let small = sample();
    let large = with_lines(&small, 200);
    assert_eq!(large.matches("<cac:InvoiceLine>").count(), 200);
    zatca_ubl::invoice_hash(large.as_bytes()).expect("generated invoice hashes");

    let mut group = c.benchmark_group("invoice_hash");
    for (name, xml) in [("sdk_simplified_invoice", &small), ("200_lines", &large)] {
        group.throughput(Throughput::Bytes(xml.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| zatca_ubl::invoice_hash(black_box(xml.as_bytes())).expect("hash"))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("c14n_only");
    let invoice = zatca_ubl::Invoice::parse(small.as_bytes()).expect("parse");
    group.bench_function("sdk_simplified_invoice_hash_input", |b| {
        b.iter(|| black_box(&invoice).hash_input())
    });
    group.finish();
}

fn bench_sign_verify(c: &mut Criterion) {
    let (key, cert) = zatca_benches::sdk_key_and_certificate().expect("key and certificate");
    let signer = zatca_ubl::InvoiceSigner::new(&key, &cert).expect("signer");
    let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").expect("time");
    let small = sample();
    let large = with_lines(&small, 200);
    let signed_small = signer
        .sign(small.as_bytes(), &time)
        .expect("sign")
        .into_xml();
    let signed_large = signer
        .sign(large.as_bytes(), &time)
        .expect("sign")
        .into_xml();

    let mut group = c.benchmark_group("sign_invoice");
    for (name, xml) in [("sdk_simplified_invoice", &small), ("200_lines", &large)] {
        group.bench_function(name, |b| {
            b.iter(|| signer.sign(black_box(xml.as_bytes()), &time).expect("sign"))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("verify_invoice");
    for (name, xml) in [
        ("sdk_simplified_invoice", &signed_small),
        ("200_lines", &signed_large),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| zatca_ubl::verify_invoice(black_box(xml.as_bytes())).expect("verify"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_hash, bench_sign_verify);
criterion_main!(benches);
