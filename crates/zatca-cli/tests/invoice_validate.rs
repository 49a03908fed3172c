//! `zatca invoice validate`: ZATCA's own rules on every document of the rule
//! corpus (`testdata/rules/`) in one process, agreeing with the official
//! verdicts recorded there and with the simulator's judgement of the same
//! document; its lines, its JSON and its exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::{testdata, text, zatca};
use serde_json::Value;
use zatca_simulator::{DocumentChecker as _, UblDocumentChecker};

/// 2026-12-01T00:00:00Z: the corpus's "now" (its dates are before it, or far after).
const NOW: &str = "2026-12-01T00:00:00Z";
const NOW_SECS: u64 = 1_796_083_200;

/// Codes of one kind of messages, without the signature stage's (`invalid-…`)
/// and the schema verdict, which are compared apart.
fn rule_codes(messages: &Value) -> BTreeSet<String> {
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .filter(|c| !c.starts_with("invalid-") && c != "XSD_ZATCA_INVALID")
        .collect()
}

#[test]
fn every_corpus_document_gets_the_official_verdict_and_the_simulators() {
    let verdicts: Value =
        serde_json::from_slice(&std::fs::read(testdata("rules/verdicts.json")).unwrap()).unwrap();
    let documents = verdicts["documents"].as_object().unwrap();
    assert!(documents.len() > 250, "{}", documents.len());
    let files: Vec<String> = documents.keys().map(|rel| testdata(rel)).collect();
    let mut args = vec!["invoice", "validate", "--json", "--time", NOW];
    args.extend(files.iter().map(String::as_str));
    let out = zatca(&args);
    let answers: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), documents.len());
    let mut failing = 0;
    for ((rel, official), answer) in documents.iter().zip(answers) {
        let results = &answer["validationResults"];
        let errors = rule_codes(&results["errorMessages"]);
        let warnings = rule_codes(&results["warningMessages"]);
        let official_errors: BTreeSet<String> = official["errors"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let official_warnings: BTreeSet<String> = official["warnings"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(errors, official_errors, "{rel}: errors");
        assert_eq!(warnings, official_warnings, "{rel}: warnings");
        let schema_failed = results["errorMessages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["code"] == "XSD_ZATCA_INVALID");
        assert_eq!(
            schema_failed,
            !official["xsd"].as_array().unwrap().is_empty(),
            "{rel}: schema verdict"
        );
        if results["status"] == "ERROR" {
            failing += 1;
        }

        // The simulator judges the same document the same way (its
        // signature stage aside: the mutations' signatures no longer match).
        let xml = std::fs::read(testdata(rel)).unwrap();
        let verdict = UblDocumentChecker.check(&xml, b"", NOW_SECS);
        let codes = |messages: &[zatca_fatoora::ValidationMessage]| -> BTreeSet<String> {
            messages
                .iter()
                .filter_map(|m| m.code.clone())
                .filter(|c| !c.starts_with("invalid-") && c != "XSD_ZATCA_INVALID")
                .collect()
        };
        assert_eq!(codes(&verdict.errors), errors, "{rel}: simulator errors");
        assert_eq!(
            codes(&verdict.warnings),
            warnings,
            "{rel}: simulator warnings"
        );
    }
    assert!(failing > 100, "{failing} failing documents");
    assert_eq!(
        out.status.code(),
        Some(3),
        "a corpus with failing documents exits 3"
    );
}

#[test]
fn lines_json_and_exit_codes() {
    let sample = testdata("invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml");
    let warned = testdata("rules/mutations/BR-06-no-seller-name.xml");
    let failed = testdata("rules/mutations/BR-CL-04-currency-xyz.xml");

    let pass = zatca(&["invoice", "validate", "--time", NOW, &sample]);
    assert_eq!(pass.status.code(), Some(0), "{}", text(&pass));
    assert_eq!(
        String::from_utf8_lossy(&pass.stdout).trim(),
        format!("PASS {sample}")
    );

    // A warning only (the signature of the mutated sample fails, so use the
    // unsigned rules alone: the document is re-read without its signature).
    let unsigned = tempfile::tempdir().unwrap();
    let warned_unsigned = unsigned.path().join("warned.xml");
    let xml = std::fs::read_to_string(&warned).unwrap();
    std::fs::write(&warned_unsigned, common::without_signature_parts(&xml)).unwrap();
    let warn = zatca(&[
        "invoice",
        "validate",
        "--time",
        NOW,
        warned_unsigned.to_str().unwrap(),
    ]);
    assert_eq!(warn.status.code(), Some(0), "{}", text(&warn));
    assert!(
        String::from_utf8_lossy(&warn.stdout).starts_with("WARN "),
        "{}",
        text(&warn)
    );
    assert!(String::from_utf8_lossy(&warn.stdout).contains("BR-06"));

    let fail = zatca(&["invoice", "validate", "--time", NOW, &sample, &failed]);
    assert_eq!(fail.status.code(), Some(3), "{}", text(&fail));
    let lines: Vec<String> = String::from_utf8_lossy(&fail.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].starts_with("FAIL ") && lines[1].contains("BR-CL-04"),
        "{lines:?}"
    );

    // ZATCA's validationResults shape for one file.
    let json = zatca(&["invoice", "validate", "--json", "--time", NOW, &failed]);
    let results: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(results["status"], "ERROR");
    for key in ["infoMessages", "warningMessages", "errorMessages"] {
        assert!(results[key].is_array(), "{key}: {results}");
    }
    let first = &results["errorMessages"][0];
    for key in ["type", "code", "category", "message", "status"] {
        assert!(first[key].is_string(), "{key}: {first}");
    }

    // A signed document's signature is judged too: the sample's holds (the
    // PASS above); one changed after signing fails, whatever its prefixes.
    let tampered_dir = tempfile::tempdir().unwrap();
    let sample_xml = std::fs::read_to_string(&sample).unwrap();
    for (name, xml) in [
        (
            "tampered.xml",
            sample_xml.replacen("<ds:SignatureValue>M", "<ds:SignatureValue>N", 1),
        ),
        (
            "tampered-prefix.xml",
            sample_xml
                .replace("ds:", "dsig:")
                .replace("xmlns:ds=", "xmlns:dsig=")
                .replacen("<dsig:SignatureValue>M", "<dsig:SignatureValue>N", 1),
        ),
    ] {
        assert_ne!(xml, sample_xml, "{name}");
        let path = tampered_dir.path().join(name);
        std::fs::write(&path, xml).unwrap();
        let out = zatca(&[
            "invoice",
            "validate",
            "--json",
            "--time",
            NOW,
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(3), "{name}: {}", text(&out));
        let results: Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: Vec<&str> = results["errorMessages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["code"].as_str().unwrap())
            .collect();
        assert!(
            codes.iter().any(|c| c.starts_with("invalid-")),
            "{name}: {codes:?}"
        );
    }

    // The PIH: the sample's own passes, another is an error.
    let pih =
        "NWZlY2ViNjZmZmM4NmYzOGQ5NTI3ODZjNmQ2OTZjNzljMmRiYzIzOWRkNGU5MWI0NjcyOWQ3M2EyN2ZiNTdlOQ==";
    let other = zatca(&["invoice", "validate", "--time", NOW, "--pih", pih, &sample]);
    let own_pih = zatca_ubl::Invoice::parse(&std::fs::read(&sample).unwrap())
        .unwrap()
        .pih()
        .unwrap()
        .to_owned();
    let expected = if own_pih == pih { 0 } else { 3 };
    assert_eq!(other.status.code(), Some(expected), "{}", text(&other));
    let own = zatca(&[
        "invoice", "validate", "--time", NOW, "--pih", &own_pih, &sample,
    ]);
    assert_eq!(own.status.code(), Some(0), "{}", text(&own));
    let wrong = zatca(&[
        "invoice", "validate", "--time", NOW, "--pih", "AAAA", &sample,
    ]);
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    assert!(String::from_utf8_lossy(&wrong.stdout).contains("invalid-pih"));

    // Refusals of the command itself.
    let rules = zatca(&["invoice", "validate", "--rules", "r9.9.9", &sample]);
    assert_eq!(rules.status.code(), Some(1), "{}", text(&rules));
    let missing = zatca(&["invoice", "validate", "/nonexistent/invoice.xml"]);
    assert_ne!(missing.status.code(), Some(0), "{}", text(&missing));
}
