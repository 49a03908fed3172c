#![no_main]
//! ZATCA's rules on arbitrary bytes (seeded with rule-corpus documents), through its oracle
//! in `zatca-fuzz-oracles`: validation never panics, stays fast, and reports consistently.
//! `testdata/rules/differential.py fuzz/corpus/rules` then compares a sample of what it
//! found with the official rule files.
use std::time::{Duration, Instant};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    zatca_fuzz_oracles::rules(data);
    // Linear in the input: even 10 MiB documents take well under this.
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?} for {} bytes",
        start.elapsed(),
        data.len()
    );
});
