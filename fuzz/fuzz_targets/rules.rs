#![no_main]
//! ZATCA's rules on arbitrary bytes (seeded with rule-corpus documents): validation never
//! panics and stays fast. `testdata/rules/differential.py fuzz/corpus/rules` then compares a
//! sample of what it found with the official rule files.
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use zatca_rules::{Options, validate};
use zatca_types::UnixTime;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static OPTIONS: OnceLock<Options> = OnceLock::new();
    let options = OPTIONS.get_or_init(|| Options::at(UnixTime::from_secs(1_796_083_200)));
    let start = Instant::now();
    let report = validate(data, options);
    // Linear in the input: even 10 MiB documents take well under this.
    assert!(start.elapsed() < Duration::from_secs(2), "{:?} for {} bytes", start.elapsed(), data.len());
    let _ = report.to_validation_results();
});
