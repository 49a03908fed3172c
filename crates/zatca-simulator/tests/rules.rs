//! The simulator judges compliance documents with ZATCA's own rules: the
//! three mutations of the SDK sample that ZATCA refuses (currency `XYZ`, an
//! issue date in the future, tax category `Q`) are refused here with the rule
//! ids ZATCA's rule files give them (recorded in `testdata/rules/verdicts.json`),
//! signed with the compliance CSID as a real submission would be.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{NOW, csr_for, otp};
use zatca_fatoora::Fatoora as _;
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::Environment;
use zatca_simulator::{Simulator, SimulatorConfig, UblDocumentChecker};
use zatca_ubl::{InvoiceSigner, SigningTime};

fn testdata(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

/// The official error ids recorded for a corpus document.
fn official_errors(rel: &str) -> BTreeSet<String> {
    let verdicts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(testdata("rules/verdicts.json")).unwrap()).unwrap();
    verdicts["documents"][rel]["errors"]
        .as_object()
        .unwrap_or_else(|| panic!("no recorded verdict for {rel}"))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_three_mutations_zatca_refuses_are_refused_with_the_official_rule_ids() {
    // 2026-12-01: after every corpus document's issue date but the future one's.
    let now = 1_796_083_200;
    assert!(now > NOW);
    let sim = Simulator::new(SimulatorConfig::for_environment(
        Environment::Simulation,
        now,
    ))
    .unwrap()
    .with_document_checker(Box::new(UblDocumentChecker));
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let ccsid = sim
        .compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key))
        .unwrap()
        .csid;
    let signer = InvoiceSigner::new(&key, ccsid.certificate()).unwrap();
    let time = SigningTime::at(zatca_types::UnixTime::from_secs(now));

    // The SDK sample itself, re-signed with the CSID: accepted.
    let sample = std::fs::read(testdata("unsigned-invoices/simplified-invoice.xml")).unwrap();
    let report = sim
        .compliance_invoice(&ccsid, &signer.sign(&sample, &time).unwrap().submission())
        .unwrap();
    assert_eq!(report.validation_results.status, "PASS", "{report:?}");

    for (file, named) in [
        ("BR-CL-04-currency-xyz.xml", "BR-CL-04"),
        ("BR-KSA-04-issue-date-future.xml", "BR-KSA-04"),
        ("BR-CL-18-tax-category-q.xml", "BR-CL-18"),
    ] {
        let rel = format!("rules/mutations/{file}");
        let xml = std::fs::read(testdata(&rel)).unwrap();
        let signed = signer.sign(&xml, &time).unwrap();
        let report = sim
            .compliance_invoice(&ccsid, &signed.submission())
            .unwrap();
        let results = &report.validation_results;
        assert_eq!(results.status, "ERROR", "{file}: {results:?}");
        assert_eq!(
            report.reporting_status.as_deref(),
            Some("NOT_REPORTED"),
            "{file}"
        );
        let ours: BTreeSet<String> = results
            .error_messages
            .iter()
            .filter_map(|m| m.code.clone())
            .collect();
        let official = official_errors(&rel);
        assert!(official.contains(named), "{file}: {official:?}");
        assert_eq!(ours, official, "{file}");
        // Each message is the rule file's text.
        for message in &results.error_messages {
            assert!(
                message.message.as_deref().is_some_and(|m| !m.is_empty()),
                "{file}: {message:?}"
            );
        }
    }
}
