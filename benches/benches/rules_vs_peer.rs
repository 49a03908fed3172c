//! Our rule engine against a peer, side by side in one Criterion run: `zatca_rules::validate`
//! and `fatoora-core` 0.5's `validate_zatca_invoice_from_str` (the other Rust validator of
//! ZATCA's UBL schema, EN 16931 and KSA rules), on the inputs of the `rules` bench: SDK
//! R3.3.3's `Simplified_Invoice.xml` and the same invoice grown to 200 lines.
//!
//! The peer is a comparison baseline only, never a dependency of the toolkit: it sits behind
//! this crate's `peer` feature, which CI does not build. Run it with
//! `cargo bench -p zatca-benches --features peer --bench rules_vs_peer`.
//!
//! Both sides run the same stages. On a simplified invoice the peer always checks the
//! signature and the QR code after the rules (and skips the previous-invoice-hash stage when
//! it is given no hash), so ours runs with `check_signature` on. The grown invoice no longer
//! matches its signature: both sides report that, which is part of the work timed.
//! `ours_without_signature` is the `rules` bench's setting (schema and both Schematrons),
//! timed in the same run for reference.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fatoora_core::config::Config;
use fatoora_core::invoice::validation::{
    ZatcaValidationOptions, ZatcaValidationReport, validate_zatca_invoice_from_str,
};
use zatca_rules::{Options, Status, validate};
use zatca_types::UnixTime;

/// 2026-12-01T00:00:00Z, the `rules` bench's time of validation.
const NOW: u64 = 1_796_083_200;
const NOW_RFC3339: &str = "2026-12-01T00:00:00+00:00";

fn ours_options() -> Options {
    Options {
        check_signature: true,
        ..Options::at(UnixTime::from_secs(NOW))
    }
}

fn peer_options() -> ZatcaValidationOptions {
    ZatcaValidationOptions {
        evaluated_at: Some(NOW_RFC3339.parse().expect("the time of validation")),
        previous_invoice_hash: None,
    }
}

/// The peer's verdict in one line: validity, then each stage's status and finding codes.
fn peer_verdict(report: &ZatcaValidationReport) -> String {
    let stages: Vec<String> = report
        .stages
        .iter()
        .map(|stage| {
            // A per-line rule repeats its code once per line: count them instead.
            let mut counts = std::collections::BTreeMap::<String, usize>::new();
            for f in &stage.findings {
                *counts
                    .entry(format!("{} ({:?})", f.finding.code, f.finding.severity))
                    .or_default() += 1;
            }
            let codes: Vec<String> = counts
                .into_iter()
                .map(|(code, n)| if n == 1 { code } else { format!("{code} x{n}") })
                .collect();
            format!("{:?} {:?} {codes:?}", stage.stage, stage.status)
        })
        .collect();
    format!(
        "valid {}, errors {}; {}",
        report.is_valid(),
        report.has_errors(),
        stages.join("; ")
    )
}

fn bench(c: &mut Criterion) {
    let ours = ours_options();
    let ours_without_signature = Options::at(UnixTime::from_secs(NOW));
    let peer = peer_options();
    let config = Config::default();
    let small = zatca_benches::sdk_simplified_invoice().expect("sample invoice");
    let large = zatca_benches::with_invoice_lines(&small, 200).expect("an invoice line");
    assert_eq!(large.matches("<cac:InvoiceLine>").count(), 200);

    // Each side really judges each input (and builds its tables once, as a long-running
    // process does), before anything is timed.
    for (name, xml) in [("sdk_simplified_invoice", &small), ("200_lines", &large)] {
        let report = validate(xml.as_bytes(), &ours);
        println!(
            "ours on {name}: {} errors {:?} warnings {:?}",
            report.status().as_str(),
            report.error_codes(),
            report.warning_codes()
        );
        let report = validate_zatca_invoice_from_str(xml, &config, &peer)
            .map_err(|e| format!("{name}: {e} ({:?})", e.kind))
            .expect("fatoora-core judges the input");
        println!("fatoora-core on {name}: {}", peer_verdict(&report));
    }
    assert_eq!(validate(small.as_bytes(), &ours).status(), Status::Pass);

    let mut group = c.benchmark_group("rules_vs_peer");
    for (name, xml) in [("sdk_simplified_invoice", &small), ("200_lines", &large)] {
        group.bench_function(format!("ours/{name}"), |b| {
            b.iter(|| validate(black_box(xml.as_bytes()), &ours))
        });
        group.bench_function(format!("fatoora_core/{name}"), |b| {
            b.iter(|| validate_zatca_invoice_from_str(black_box(xml), &config, &peer))
        });
        group.bench_function(format!("ours_without_signature/{name}"), |b| {
            b.iter(|| validate(black_box(xml.as_bytes()), &ours_without_signature))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
