//! The rule corpus (`testdata/rules/`): for every document, the error ids and warning ids
//! of every implemented rule equal the official ones recorded from ZATCA's rule files
//! (`testdata/rules/verdicts.json`, written by `testdata/rules/record.py`), the schema
//! verdict (valid or not) equals the official XSD's, and every message we give is the rule
//! file's text the official validator printed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use zatca_rules::{Coverage, Options, Profile, Stage, validate};
use zatca_types::UnixTime;

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

/// The rule ids not implemented yet (the engine would match their contexts but not evaluate
/// their assertions): none, and a new profile's list starts here.
/// Documents on which an official Schematron stops with a dynamic error in an assertion we
/// do not evaluate yet (so we cannot stop there too; that Schematron's ids are then not
/// compared): none.
const STOPS_IN_NOT_IMPLEMENTED_RULES: &[&str] = &[];

const NOT_IMPLEMENTED: &[&str] = &[];

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ids(v: &Value) -> BTreeMap<String, Vec<String>> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, texts)| {
                    let texts = texts
                        .as_array()
                        .map(|a| a.iter().filter_map(|t| t.as_str().map(normalize)).collect())
                        .unwrap_or_default();
                    (k.clone(), texts)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn coverage_is_the_explicit_list() {
    let coverage = Coverage::of(Profile::R3_3_3);
    let expected: BTreeSet<&str> = NOT_IMPLEMENTED.iter().copied().collect();
    println!(
        "implemented {} of {} rule ids; not implemented yet: {:?}",
        coverage.implemented.len(),
        Profile::R3_3_3.table().rule_ids,
        coverage.not_implemented
    );
    assert_eq!(coverage.not_implemented, expected);
    assert_eq!(
        coverage.implemented.len() + coverage.not_implemented.len(),
        Profile::R3_3_3.table().rule_ids
    );
}

#[test]
fn every_corpus_document_gets_the_official_verdict_for_every_implemented_rule() {
    let text = std::fs::read_to_string(format!("{TESTDATA}/rules/verdicts.json"))
        .unwrap_or_else(|e| panic!("testdata/rules/verdicts.json: {e}"));
    let verdicts: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("verdicts: {e}"));
    let documents = verdicts["documents"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(
        documents.len() >= 150,
        "the corpus has {} documents",
        documents.len()
    );
    let coverage = Coverage::of(Profile::R3_3_3);
    let options = Options::at(UnixTime::from_system_time(std::time::SystemTime::now()));
    let mut differences = Vec::new();
    let mut unimplemented_seen = BTreeSet::new();
    let mut not_run_unexplained = Vec::new();
    for (path, verdict) in &documents {
        let xml =
            std::fs::read(format!("{TESTDATA}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"));
        let report = validate(&xml, &options);
        let official_errors = ids(&verdict["errors"]);
        let official_warnings = ids(&verdict["warnings"]);
        let official_xsd = verdict["xsd"].as_array().is_some_and(|a| !a.is_empty());
        let ours_xsd = report.findings.iter().any(|f| f.stage == Stage::Schema);
        if ours_xsd && !official_xsd {
            differences.push(format!(
                "{path}: schema error the official XSD does not give"
            ));
        }
        if official_xsd && !ours_xsd {
            differences.push(format!(
                "{path}: the official XSD refuses it, our schema stage does not"
            ));
        }
        // A Schematron that stops with a dynamic error gives no report at all.
        let mut skip_stage = BTreeSet::new();
        for (stage, name) in [(Stage::En16931, "EN16931"), (Stage::Ksa, "KSA")] {
            let code = format!("{name}-NOT-RUN");
            let official = official_errors.contains_key(&code);
            let ours = report.error_codes().contains(code.as_str());
            if ours && !official {
                differences.push(format!(
                    "{path}: we stop on {name}, the official rules do not"
                ));
            }
            if official && !ours {
                // The official rules stopped on an assertion we do not evaluate yet.
                not_run_unexplained.push(format!("{path} ({name})"));
                skip_stage.insert(stage);
            }
        }
        let stage_of = |id: &str| {
            if id == "KSA-NOT-RUN"
                || zatca_rules::RuleTable::r3_3_3().rules.iter().any(|r| {
                    r.schematron == zatca_rules::Schematron::Ksa
                        && r.asserts.iter().any(|a| a.id == id)
                })
            {
                Stage::Ksa
            } else {
                Stage::En16931
            }
        };
        let comparable = |id: &str| {
            (coverage.implemented.contains(id) || id.ends_with("-NOT-RUN"))
                && !skip_stage.contains(&stage_of(id))
        };
        for (official, ours, kind) in [
            (&official_errors, report.error_codes(), "error"),
            (&official_warnings, report.warning_codes(), "warning"),
        ] {
            let ours: BTreeSet<&str> = ours
                .into_iter()
                .filter(|id| *id != "XSD_ZATCA_INVALID")
                .collect();
            let theirs: BTreeSet<&str> = official
                .keys()
                .map(String::as_str)
                .filter(|id| comparable(id))
                .collect();
            for id in official.keys().filter(|id| !comparable(id)) {
                if !id.ends_with("-NOT-RUN") {
                    unimplemented_seen.insert(id.clone());
                }
            }
            let ours_cmp: BTreeSet<&str> =
                ours.iter().copied().filter(|id| comparable(id)).collect();
            if ours_cmp != theirs {
                differences.push(format!(
                    "{path}: {kind}s: ours {:?}, official {:?}",
                    ours_cmp, theirs
                ));
            }
        }
        for finding in &report.findings {
            let official = official_errors
                .get(&finding.code)
                .or_else(|| official_warnings.get(&finding.code));
            if let Some(texts) = official.filter(|_| !finding.code.ends_with("-NOT-RUN")) {
                let ours = normalize(&finding.message);
                if !texts
                    .iter()
                    .any(|t| t.starts_with(&ours) || ours.starts_with(t.as_str()))
                {
                    differences.push(format!(
                        "{path}: {} message {:?} is not the official {:?}",
                        finding.code, ours, texts
                    ));
                }
            }
        }
    }
    println!(
        "{} documents; official ids seen but not implemented yet: {:?}",
        documents.len(),
        unimplemented_seen
    );
    println!("official Schematron stopped where we do not (yet): {not_run_unexplained:?}");
    for id in &unimplemented_seen {
        assert!(
            coverage.not_implemented.contains(id.as_str()),
            "{id} fired officially but is neither implemented nor listed"
        );
    }
    assert_eq!(not_run_unexplained, STOPS_IN_NOT_IMPLEMENTED_RULES);
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
