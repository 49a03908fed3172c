//! Criterion benchmarks live in `benches/`; this library holds the inputs
//! several of them share.
#![forbid(unsafe_code)]

use std::path::PathBuf;

/// A file under the workspace's `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata")).join(rel)
}

/// SDK R3.3.3 `Simplified_Invoice.xml` (16 KB, 2 invoice lines, signed).
pub fn sdk_simplified_invoice() -> std::io::Result<String> {
    std::fs::read_to_string(testdata(
        "invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml",
    ))
}

/// The invoice with its invoice lines replaced by `lines` copies of the first
/// one, numbered 1 to `lines` (the 200-line invoice is ≈ 290 KB); `None` if it
/// has no invoice line.
pub fn with_invoice_lines(invoice: &str, lines: usize) -> Option<String> {
    let start = invoice.find("    <cac:InvoiceLine>")?;
    let close = "</cac:InvoiceLine>\n";
    let end = invoice.rfind(close)? + close.len();
    let first_end = invoice.get(start..)?.find(close)? + start + close.len();
    let line = invoice.get(start..first_end)?;
    let mut out = String::with_capacity(invoice.len() + lines * line.len());
    out.push_str(invoice.get(..start)?);
    for i in 1..=lines {
        out.push_str(&line.replacen("<cbc:ID>1</cbc:ID>", &format!("<cbc:ID>{i}</cbc:ID>"), 1));
    }
    out.push_str(invoice.get(end..)?);
    Some(out)
}

/// The rounds asked for by `ZATCA_INTERLEAVED=ROUNDS`, which switches a bench
/// that has an interleaved mode (`limit`, `batch`) from criterion to timing
/// its operations in turn, round after round; `None` when unset or not a
/// number.
///
/// ```
/// // Unset in doc tests: the benches run under criterion.
/// assert_eq!(zatca_benches::interleaved_rounds(), None);
/// ```
pub fn interleaved_rounds() -> Option<usize> {
    std::env::var("ZATCA_INTERLEAVED").ok()?.parse().ok()
}
