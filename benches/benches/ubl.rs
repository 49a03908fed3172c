//! Invoice hashing (parse + C14N 1.1 without the signature parts + SHA-256): the
//! per-invoice hot path before signing.
//!
//! Inputs: SDK R3.3.3's `Simplified_Invoice.xml` (16 KB, 2 lines, signed), and the
//! same invoice grown to 200 invoice lines here (≈ 290 KB).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn sample() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
    );
    std::fs::read_to_string(path).expect("sample invoice")
}

/// The sample with its invoice lines replaced by `lines` copies of the first one.
fn with_lines(sample: &str, lines: usize) -> String {
    let start = sample
        .find("    <cac:InvoiceLine>")
        .expect("an invoice line");
    let last_close = "</cac:InvoiceLine>\n";
    let end = sample.rfind(last_close).expect("closing tag") + last_close.len();
    let first_end =
        sample[start..].find(last_close).expect("closing tag") + start + last_close.len();
    let line = &sample[start..first_end];
    let mut out = String::with_capacity(sample.len() + lines * line.len());
    out.push_str(&sample[..start]);
    for i in 1..=lines {
        out.push_str(&line.replacen("<cbc:ID>1</cbc:ID>", &format!("<cbc:ID>{i}</cbc:ID>"), 1));
    }
    out.push_str(&sample[end..]);
    out
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

criterion_group!(benches, bench_hash);
criterion_main!(benches);
