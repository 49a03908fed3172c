//! Criterion benchmarks live in `benches/`; this library holds the inputs
//! several of them share, and [`Ratio`], the measurement their targets are
//! reported in.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};

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

/// The `main` of a bench with an interleaved mode (`limit`, `batch`): with
/// `ZATCA_INTERLEAVED=ROUNDS` ([`interleaved_rounds`]) it runs `interleaved`
/// alone; otherwise each criterion group (made by `criterion_group!`), then
/// criterion's summary.
///
/// ```
/// fn interleaved(rounds: usize) {
///     println!("{rounds} rounds");
/// }
/// fn groups() {}
/// // Unset in doc tests: the groups run.
/// zatca_benches::bench_main(interleaved, &[groups]);
/// ```
pub fn bench_main(interleaved: fn(usize), criterion_groups: &[fn()]) {
    if let Some(rounds) = interleaved_rounds() {
        interleaved(rounds);
        return;
    }
    for group in criterion_groups {
        group();
    }
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

/// A criterion measurement whose values are ratios of two operations timed in
/// turn (see [`interleaved_ratio`]), not times.
///
/// On a shared virtual machine whose speed drifts by up to 2× from one minute
/// to the next, the ratio of two benchmarks criterion times one after the
/// other mixes two speeds. Timing both within every iteration, in turn, sees
/// them at the same speed, so criterion's statistics (median, confidence
/// interval) are of the ratio itself. Benchmarks under this measurement time
/// themselves: they use `iter_custom` with [`interleaved_ratio`]
/// (`Bencher::iter` would record nothing: [`Measurement::end`] is 0).
///
/// ```
/// use criterion::Criterion;
/// use zatca_benches::{Ratio, interleaved_ratio};
///
/// let mut c = Criterion::default()
///     .with_measurement(Ratio)
///     .sample_size(10)
///     .warm_up_time(std::time::Duration::from_millis(10))
///     .measurement_time(std::time::Duration::from_millis(50))
///     .output_directory(&std::env::temp_dir().join("zatca-benches-ratio-example"))
///     .without_plots();
/// let spin = |n: u32| (0..n).fold(0u64, |a, b| std::hint::black_box(a ^ u64::from(b)));
/// c.bench_function("twice_over_once", |b| {
///     b.iter_custom(|iters| interleaved_ratio(iters, || { spin(2000); }, || { spin(1000); }))
/// });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Ratio;

impl Measurement for Ratio {
    type Intermediate = ();
    type Value = f64;

    fn start(&self) -> Self::Intermediate {}

    fn end(&self, (): Self::Intermediate) -> Self::Value {
        0.0
    }

    fn add(&self, v1: &Self::Value, v2: &Self::Value) -> Self::Value {
        v1 + v2
    }

    fn zero(&self) -> Self::Value {
        0.0
    }

    fn to_f64(&self, value: &Self::Value) -> f64 {
        *value
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &RatioFormatter
    }
}

/// Ratios are printed as they are, with `×`.
struct RatioFormatter;

impl ValueFormatter for RatioFormatter {
    fn scale_values(&self, _typical_value: f64, _values: &mut [f64]) -> &'static str {
        "×"
    }

    fn scale_throughputs(
        &self,
        _typical_value: f64,
        _throughput: &Throughput,
        _values: &mut [f64],
    ) -> &'static str {
        "×"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ratio"
    }
}

/// For `iter_custom` under [`Ratio`]: runs `numerator` and `denominator` in
/// turn `iters` times (which one goes first alternates, so neither always
/// finds the caches as the other left them) and answers `iters` × (the time
/// of the numerators ÷ the time of the denominators): criterion divides by
/// `iters`, so each sample is the ratio of the two.
///
/// ```
/// let spin = |n: u32| (0..n).fold(0u64, |a, b| std::hint::black_box(a ^ u64::from(b)));
/// let ratio = zatca_benches::interleaved_ratio(200, || { spin(4000); }, || { spin(1000); });
/// assert!(ratio > 200.0, "{ratio}"); // about 4 × 200
/// ```
pub fn interleaved_ratio(
    iters: u64,
    mut numerator: impl FnMut(),
    mut denominator: impl FnMut(),
) -> f64 {
    let timed = |run: &mut dyn FnMut()| {
        let start = Instant::now();
        run();
        start.elapsed()
    };
    let (mut top, mut bottom) = (Duration::ZERO, Duration::ZERO);
    for i in 0..iters {
        if i % 2 == 0 {
            top += timed(&mut numerator);
            bottom += timed(&mut denominator);
        } else {
            bottom += timed(&mut denominator);
            top += timed(&mut numerator);
        }
    }
    let bottom = bottom.as_secs_f64().max(f64::MIN_POSITIVE);
    iters as f64 * top.as_secs_f64() / bottom
}
