//! `zatca_rules::validate` (schema, EN 16931 and KSA rules of SDK R3.3.3; no signature
//! stage) on SDK R3.3.3's `Simplified_Invoice.xml`, and on the same invoice with its line
//! repeated to 200 lines (to see that the cost grows linearly with the size).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use zatca_rules::{Options, validate};
use zatca_types::UnixTime;

/// 2026-12-01T00:00:00Z.
const NOW: u64 = 1_796_083_200;

fn sample() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
    );
    std::fs::read_to_string(path).expect("sample invoice")
}

/// The sample with its first `cac:InvoiceLine` repeated until there are `lines` lines.
fn with_lines(xml: &str, lines: usize) -> String {
    let start = xml.find("<cac:InvoiceLine>").expect("a line");
    let end = xml.find("</cac:InvoiceLine>").expect("a line") + "</cac:InvoiceLine>".len();
    let line = &xml[start..end];
    let mut out = String::with_capacity(xml.len() + line.len() * lines);
    out.push_str(&xml[..start]);
    for i in 1..=lines {
        out.push_str(&line.replacen("<cbc:ID>1</cbc:ID>", &format!("<cbc:ID>{i}</cbc:ID>"), 1));
        out.push_str("\n    ");
    }
    let rest = &xml[end..];
    let after_lines = rest
        .rfind("</cac:InvoiceLine>")
        .map_or(0, |i| i + "</cac:InvoiceLine>".len());
    out.push_str(&rest[after_lines..]);
    out
}

fn bench(c: &mut Criterion) {
    let options = Options::at(UnixTime::from_secs(NOW));
    let small = sample();
    let large = with_lines(&small, 200);
    assert_eq!(large.matches("<cac:InvoiceLine>").count(), 200);
    // Built once (rule table and plans), as a long-running process does.
    validate(small.as_bytes(), &options);
    c.bench_function("rules/validate SDK simplified invoice", |b| {
        b.iter(|| validate(black_box(small.as_bytes()), &options))
    });
    c.bench_function("rules/validate 200-line invoice", |b| {
        b.iter(|| validate(black_box(large.as_bytes()), &options))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
