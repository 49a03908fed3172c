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

/// The SDK R3.3.3 sample key and its certificate (`testdata/keys/sdk-r3.3.3-*.b64`),
/// which signed the SDK's samples.
///
/// ```
/// let (key, cert) = zatca_benches::sdk_key_and_certificate()?;
/// assert!(cert.check_public_key(&key.public_key()).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sdk_key_and_certificate()
-> Result<(zatca_keys::PrivateKey, zatca_cert::Certificate), Box<dyn std::error::Error>> {
    let dir = testdata("keys");
    let (key, _) = zatca_keys::PrivateKey::read_file(&dir.join("sdk-r3.3.3-priv-key.b64"))?;
    let (cert, _) = zatca_cert::Certificate::read_file(&dir.join("sdk-r3.3.3-cert.b64"))?;
    Ok((key, cert))
}

/// The 32-byte secret scalar of a secp256k1 key, for handing the same key to
/// another library: bytes 7..39 of its SEC1 DER (`30 74 02 01 01 04 20 ‖ d`).
///
/// ```
/// let (key, _) = zatca_benches::sdk_key_and_certificate()?;
/// assert_ne!(zatca_benches::secret_scalar(&key), Some([0; 32]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn secret_scalar(key: &zatca_keys::PrivateKey) -> Option<[u8; 32]> {
    key.to_sec1_der().ok()?.get(7..39)?.try_into().ok()
}

/// The invoice with its invoice lines replaced by `lines` copies of the first
/// one, numbered 1 to `lines` (the 200-line invoice is ≈ 246 KB); `None` if it
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
