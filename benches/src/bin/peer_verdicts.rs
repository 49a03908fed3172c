//! Agreement with ZATCA's own rule files on the rule corpus, for our engine and for the peer
//! `fatoora-core` 0.5 (a comparison baseline only, behind the `peer` feature, which CI does
//! not build).
//!
//! The corpus (`testdata/rules/verdicts.json`) records, per document, what the SDK R3.3.3
//! rule files give: the XSD messages and the failed EN 16931 and KSA rule ids, errors and
//! warnings apart. For each engine this counts the documents whose error-id set and whose
//! warning-id set equal the official ones exactly. An error set holds the Schematron rule
//! ids flagged error (`EN16931-NOT-RUN` / `KSA-NOT-RUN` where a Schematron stops with a
//! dynamic error) and `XSD` when the schema stage refuses the document. Signature, QR and
//! previous-invoice-hash findings are left out: the corpus records no such stage.
//!
//! The peer's rule profile is SDK R3.4.8 (it adds ids such as BR-KSA-98, the 24-hour
//! warning for simplified invoices, and drops BR-10 and BR-KSA-86) and it stops after a
//! schema refusal, so its counts are printed twice: on every id, and on the ids R3.3.3
//! defines and the schema-valid documents only.
//!
//! ```sh
//! cargo run --release -p zatca-benches --features peer --bin peer_verdicts
//! ```
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;

use fatoora_core::config::Config;
use fatoora_core::invoice::validation::{
    Severity, ZatcaFailureKind, ZatcaStage, ZatcaValidationOptions, ZatcaValidationReport,
    validate_zatca_invoice_from_str,
};
use serde_json::Value;
use zatca_rules::{Flag, Options, RuleTable, Stage, validate};
use zatca_types::UnixTime;

/// 2026-12-01T00:00:00Z: the time of validation (the corpus keeps its dates in the past,
/// or in 2098–2099 where it breaks BR-KSA-04).
const NOW: u64 = 1_796_083_200;
const NOW_RFC3339: &str = "2026-12-01T00:00:00+00:00";

/// The marker of a schema refusal in an error set.
const XSD: &str = "XSD";

/// One document's verdict as ids.
#[derive(Debug, Default, PartialEq, Eq)]
struct Ids {
    errors: BTreeSet<String>,
    warnings: BTreeSet<String>,
}

impl Ids {
    /// The same verdict reduced to the ids in `known` (and `XSD`).
    fn restricted_to(&self, known: &BTreeSet<String>) -> Self {
        let keep = |ids: &BTreeSet<String>| {
            ids.iter()
                .filter(|id| *id == XSD || known.contains(*id))
                .cloned()
                .collect()
        };
        Self {
            errors: keep(&self.errors),
            warnings: keep(&self.warnings),
        }
    }
}

fn official(verdict: &Value) -> Ids {
    let keys = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut ids = Ids {
        errors: keys(&verdict["errors"]),
        warnings: keys(&verdict["warnings"]),
    };
    if verdict["xsd"].as_array().is_some_and(|a| !a.is_empty()) {
        ids.errors.insert(XSD.to_owned());
    }
    ids
}

fn ours(xml: &[u8], options: &Options) -> Ids {
    let mut ids = Ids::default();
    for finding in validate(xml, options).findings {
        let code = match finding.stage {
            Stage::Schema => XSD.to_owned(),
            Stage::En16931 | Stage::Ksa => finding.code,
            _ => continue,
        };
        match finding.flag {
            Flag::Warning => ids.warnings.insert(code),
            _ => ids.errors.insert(code),
        };
    }
    ids
}

fn peer_ids(report: &ZatcaValidationReport, ids: &mut Ids) {
    for stage in &report.stages {
        for finding in &stage.findings {
            let code = match stage.stage {
                ZatcaStage::Xsd => XSD.to_owned(),
                ZatcaStage::Cen | ZatcaStage::Ksa => finding.finding.code.clone(),
                _ => continue,
            };
            match finding.finding.severity {
                Severity::Warning if stage.stage != ZatcaStage::Xsd => ids.warnings.insert(code),
                Severity::Warning => false,
                Severity::Error => ids.errors.insert(code),
            };
        }
    }
}

/// The peer's verdict; a run it stops is read as the official validator's equivalent where
/// there is one (a Schematron that stops, a document that is not XML), and counted apart.
fn peer(
    xml: &[u8],
    config: &Config,
    options: &ZatcaValidationOptions,
    failures: &mut BTreeMap<String, usize>,
) -> Ids {
    let mut ids = Ids::default();
    let Ok(text) = std::str::from_utf8(xml) else {
        *failures.entry("not UTF-8".to_owned()).or_default() += 1;
        ids.errors.insert(XSD.to_owned());
        return ids;
    };
    match validate_zatca_invoice_from_str(text, config, options) {
        Ok(report) => peer_ids(&report, &mut ids),
        Err(failure) => {
            *failures
                .entry(format!("{:?} in {:?}", failure.kind, failure.stage))
                .or_default() += 1;
            peer_ids(&failure.report, &mut ids);
            let stopped = match (failure.kind, failure.stage) {
                (_, Some(ZatcaStage::Cen)) => "EN16931-NOT-RUN",
                (_, Some(ZatcaStage::Ksa)) => "KSA-NOT-RUN",
                (ZatcaFailureKind::InvalidXml | ZatcaFailureKind::Schema, _) => XSD,
                _ => "PEER-STOPPED",
            };
            ids.errors.insert(stopped.to_owned());
        }
    }
    ids
}

/// Agreement counts of one engine.
#[derive(Default)]
struct Tally {
    errors_equal: usize,
    warnings_equal: usize,
    both_equal: usize,
    /// Per id, how often it was missing (official only) and extra (engine only).
    differing: BTreeMap<String, (usize, usize)>,
}

impl Tally {
    fn add(&mut self, engine: &Ids, official: &Ids) {
        let errors = engine.errors == official.errors;
        let warnings = engine.warnings == official.warnings;
        self.errors_equal += usize::from(errors);
        self.warnings_equal += usize::from(warnings);
        self.both_equal += usize::from(errors && warnings);
        for (mine, theirs) in [
            (&engine.errors, &official.errors),
            (&engine.warnings, &official.warnings),
        ] {
            for id in theirs.difference(mine) {
                self.differing.entry(id.clone()).or_default().0 += 1;
            }
            for id in mine.difference(theirs) {
                self.differing.entry(id.clone()).or_default().1 += 1;
            }
        }
    }

    fn print(&self, label: &str, documents: usize) {
        println!(
            "{label}: error ids equal {}/{documents}, warning ids equal {}/{documents}, both {}/{documents}",
            self.errors_equal, self.warnings_equal, self.both_equal
        );
        let mut differing: Vec<_> = self.differing.iter().collect();
        differing.sort_by_key(|(id, (missing, extra))| (std::cmp::Reverse(missing + extra), *id));
        let top: Vec<String> = differing
            .iter()
            .take(12)
            .map(|(id, (missing, extra))| format!("{id} (missing {missing}, extra {extra})"))
            .collect();
        if !top.is_empty() {
            println!("  most differing ids: {}", top.join(", "));
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let testdata = zatca_benches::testdata("");
    let path = testdata.join("rules/verdicts.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let verdicts: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let documents = verdicts["documents"]
        .as_object()
        .ok_or_else(|| format!("{}: no \"documents\" object", path.display()))?;
    let r3_3_3: BTreeSet<String> = RuleTable::r3_3_3()
        .rules
        .iter()
        .flat_map(|rule| rule.asserts.iter().map(|a| a.id.clone()))
        .chain(["EN16931-NOT-RUN".to_owned(), "KSA-NOT-RUN".to_owned()])
        .collect();

    let ours_options = Options::at(UnixTime::from_secs(NOW));
    let peer_options = ZatcaValidationOptions {
        evaluated_at: Some(NOW_RFC3339.parse()?),
        previous_invoice_hash: None,
    };
    let config = Config::default();
    let (mut ours_all, mut peer_all) = (Tally::default(), Tally::default());
    let (mut ours_valid, mut peer_valid) = (Tally::default(), Tally::default());
    let mut schema_valid = 0;
    let mut peer_failures = BTreeMap::new();
    for (doc, verdict) in documents {
        let file = testdata.join(doc);
        let xml = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let official = official(verdict);
        let ours = ours(&xml, &ours_options);
        let peer = peer(&xml, &config, &peer_options, &mut peer_failures);
        ours_all.add(&ours, &official);
        peer_all.add(&peer, &official);
        if !official.errors.contains(XSD) {
            schema_valid += 1;
            let official = official.restricted_to(&r3_3_3);
            ours_valid.add(&ours.restricted_to(&r3_3_3), &official);
            peer_valid.add(&peer.restricted_to(&r3_3_3), &official);
        }
    }
    let n = documents.len();
    println!("{n} corpus documents, official verdicts of the SDK R3.3.3 rule files");
    ours_all.print("zatca-rules, every id", n);
    peer_all.print("fatoora-core, every id", n);
    println!("{schema_valid} documents the official XSD accepts, R3.3.3 ids only:");
    ours_valid.print("zatca-rules", schema_valid);
    peer_valid.print("fatoora-core", schema_valid);
    println!("fatoora-core stopped (returned an error) on: {peer_failures:?}");
    Ok(())
}
