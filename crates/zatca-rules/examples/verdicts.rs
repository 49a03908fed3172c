//! `cargo run -p zatca-rules --example verdicts -- FILE...`: this crate's verdict on each
//! file as one JSON object (`{"implemented": [...], "documents": {FILE: {"errors": [...],
//! "warnings": [...]}}}`), for `testdata/rules/differential.py` to compare with the
//! official rule files.

use std::collections::BTreeMap;

use serde_json::json;
use zatca_rules::{Coverage, Options, Profile, validate};
use zatca_types::UnixTime;

fn main() {
    let options = Options::at(UnixTime::from_system_time(std::time::SystemTime::now()));
    let mut documents = BTreeMap::new();
    for file in std::env::args().skip(1) {
        let verdict = match std::fs::read(&file) {
            Ok(xml) => {
                let report = validate(&xml, &options);
                json!({"errors": report.error_codes(), "warnings": report.warning_codes()})
            }
            Err(e) => json!({"unreadable": e.to_string()}),
        };
        documents.insert(file, verdict);
    }
    let coverage = Coverage::of(Profile::R3_3_3);
    println!(
        "{}",
        json!({"implemented": coverage.implemented, "documents": documents})
    );
}
