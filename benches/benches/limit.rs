//! The per-invoice hot path against the curve's limit, in one run: the whole
//! signing step, the invoice hash and verification of SDK R3.3.3
//! `Simplified_Invoice.xml` and of the same invoice grown to 200 lines, next to
//! one bare libsecp256k1 signature and verification of the same digest with
//! the same key.
//!
//! - `curve/libsecp256k1_sign_bare`, `curve/libsecp256k1_verify_bare`: the C
//!   library's `secp256k1_ecdsa_sign` (RFC 6979 nonces) and
//!   `secp256k1_ecdsa_verify`, called directly through `secp256k1-sys`, with no
//!   Rust wrapper in between (from version 0.32 the safe `secp256k1` API also
//!   re-randomizes its context after every signature, a side-channel defence
//!   that costs more than the signature and is not the curve math);
//! - `curve/zatca_sign`, `curve/zatca_verify`: the same through `zatca-sign`
//!   (what signing and verification use: libsecp256k1 signs and verifies
//!   through its safe binding), the 32 invoice-hash bytes in;
//! - `invoice/*`: [`zatca_ubl::invoice_hash`], [`zatca_ubl::InvoiceSigner::sign`]
//!   and [`zatca_ubl::verify_invoice`] on both documents.
//!
//! - `invoice/hash_signed/*`: the hash of the signed documents that
//!   verification reads (the XML work verification shares with hashing).
//!
//! - `target/*`: the targets' ratios themselves, under [`zatca_benches::Ratio`]
//!   (each iteration times both sides in turn, so the ratio holds on a
//!   machine whose speed drifts between one benchmark and the next):
//!   `sign_sdk_over_bare_signature` (≤ 2.5), `verify_sdk_over_bound` (the
//!   bound: 3 bare verifications and the hash of the signed document; ≤ 1),
//!   `sign_200_lines_over_hash_plus_signature` (≤ 1.1); and the two absolute
//!   targets in units of the bare signature, `hash_sdk_over_bare_signature`
//!   and `hash_200_lines_over_bare_signature` (the issue put the bare
//!   signature at 26–31 µs on this machine: 30 µs is 1.15 of its 26 µs, and
//!   300 MB/s of the 246 KB invoice 31.5 of them).
//!
//! `python3 benches/targets.py` reads the run's medians and checks every target.
//!
//! `ZATCA_INTERLEAVED=300 cargo bench -p zatca-benches --bench limit` times
//! the same operations interleaved, round after round, for ratios that hold on
//! a machine whose speed drifts (see [`interleaved`]).
//!
//! Targets: signing the SDK sample ≤ 2.5× `libsecp256k1_sign_bare`; its hash
//! ≤ 30 µs; verification ≤ 3× `libsecp256k1_verify_bare` plus the XML work;
//! the 200-line hash ≥ 300 MB/s, its signing ≤ 1.1× its hash plus one signature.
// The only unsafe code of the workspace outside dependencies: the FFI calls to
// libsecp256k1 above, in this bench target alone.
#![allow(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use secp256k1::ffi;
use zatca_benches::{Ratio, interleaved_ratio};
use zatca_keys::PrivateKey;

/// A libsecp256k1 context for signing and verifying, made once.
struct Libsecp {
    ctx: std::ptr::NonNull<ffi::Context>,
    secret: [u8; 32],
    public: ffi::PublicKey,
}

impl Libsecp {
    fn new(secret: [u8; 32]) -> Self {
        // SAFETY: creating a context has no preconditions; the flags are the
        // library's own constants.
        let ctx = unsafe {
            ffi::secp256k1_context_create(ffi::SECP256K1_START_SIGN | ffi::SECP256K1_START_VERIFY)
        };
        // SAFETY: `public` is only written (an out-pointer); `secret` is a
        // valid 32-byte scalar (checked by the return value).
        let public = unsafe {
            let mut public = ffi::PublicKey::new();
            let ok = ffi::secp256k1_ec_pubkey_create(ctx.as_ptr(), &mut public, secret.as_ptr());
            assert_eq!(ok, 1, "secret key");
            public
        };
        Self {
            ctx,
            secret,
            public,
        }
    }

    fn sign(&self, digest: &[u8; 32]) -> ffi::Signature {
        // SAFETY: `signature` is an out-pointer; the context, digest and key
        // pointers are valid for the call; the nonce function is the
        // library's RFC 6979 one with no extra data.
        unsafe {
            let mut signature = ffi::Signature::new();
            let ok = ffi::secp256k1_ecdsa_sign(
                self.ctx.as_ptr(),
                &mut signature,
                digest.as_ptr(),
                self.secret.as_ptr(),
                ffi::secp256k1_nonce_function_rfc6979,
                std::ptr::null(),
            );
            assert_eq!(ok, 1);
            signature
        }
    }

    fn verify(&self, signature: &ffi::Signature, digest: &[u8; 32]) -> bool {
        // SAFETY: every pointer is valid for the call; the signature and the
        // key were made by this library.
        unsafe {
            ffi::secp256k1_ecdsa_verify(self.ctx.as_ptr(), signature, digest.as_ptr(), &self.public)
                == 1
        }
    }
}

/// One measured operation: its name (`group/function`), the input size for a
/// throughput, and the work.
struct Operation<'a> {
    name: String,
    bytes: Option<u64>,
    run: Box<dyn Fn() + 'a>,
}

/// Everything the operations work on, made once.
struct Inputs {
    key: PrivateKey,
    cert: zatca_cert::Certificate,
    libsecp: Libsecp,
    small: String,
    large: String,
    signed_small: String,
    signed_large: String,
    time: zatca_ubl::SigningTime,
    hash: zatca_ubl::InvoiceHash,
    digest: [u8; 32],
    signature: zatca_sign::InvoiceSignature,
    libsecp_signature: ffi::Signature,
}

impl Inputs {
    fn new() -> Self {
        let (key, cert) = zatca_benches::sdk_key_and_certificate().unwrap();
        let libsecp = Libsecp::new(zatca_benches::secret_scalar(&key).unwrap());
        let small = zatca_benches::sdk_simplified_invoice().unwrap();
        let large = zatca_benches::with_invoice_lines(&small, 200).unwrap();
        let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").unwrap();
        let signer = zatca_ubl::InvoiceSigner::new(&key, &cert).unwrap();
        let signed_small = signer.sign(small.as_bytes(), &time).unwrap().into_xml();
        let signed_large = signer.sign(large.as_bytes(), &time).unwrap().into_xml();
        let hash = zatca_ubl::invoice_hash(small.as_bytes()).unwrap();
        // What ZATCA signs: SHA-256 of the 32 hash bytes.
        let digest = zatca_types::digest::sha256(hash.as_bytes());
        let signature = zatca_sign::sign_invoice_hash(&key, &hash).unwrap();
        let libsecp_signature = libsecp.sign(&digest);
        assert!(libsecp.verify(&libsecp_signature, &digest));
        Self {
            key,
            cert,
            libsecp,
            small,
            large,
            signed_small,
            signed_large,
            time,
            hash,
            digest,
            signature,
            libsecp_signature,
        }
    }

    fn signer(&self) -> zatca_ubl::InvoiceSigner<'_> {
        zatca_ubl::InvoiceSigner::new(&self.key, &self.cert).unwrap()
    }

    /// Every measured operation, in the order they are reported.
    fn operations<'a>(&'a self, signer: &'a zatca_ubl::InvoiceSigner) -> Vec<Operation<'a>> {
        fn op<'a>(name: &str, bytes: Option<usize>, run: impl Fn() + 'a) -> Operation<'a> {
            Operation {
                name: name.to_owned(),
                bytes: bytes.map(|b| b as u64),
                run: Box::new(run),
            }
        }
        let public = self.cert.public_key();
        let mut ops = vec![
            op("curve/libsecp256k1_sign_bare", None, || {
                black_box(self.libsecp.sign(black_box(&self.digest)));
            }),
            op("curve/libsecp256k1_verify_bare", None, || {
                black_box(
                    self.libsecp
                        .verify(black_box(&self.libsecp_signature), black_box(&self.digest)),
                );
            }),
            op("curve/zatca_sign", None, || {
                black_box(
                    zatca_sign::sign_invoice_hash(black_box(&self.key), black_box(&self.hash))
                        .unwrap(),
                );
            }),
            op("curve/zatca_verify", None, || {
                zatca_sign::verify_invoice_signature(
                    black_box(public),
                    black_box(&self.hash),
                    &self.signature,
                )
                .unwrap();
            }),
        ];
        for (name, xml, signed) in [
            ("sdk_simplified_invoice", &self.small, &self.signed_small),
            ("200_lines", &self.large, &self.signed_large),
        ] {
            ops.push(op(
                &format!("invoice/hash/{name}"),
                Some(xml.len()),
                move || {
                    black_box(zatca_ubl::invoice_hash(black_box(xml.as_bytes())).unwrap());
                },
            ));
            ops.push(op(
                &format!("invoice/sign/{name}"),
                Some(xml.len()),
                move || {
                    black_box(signer.sign(black_box(xml.as_bytes()), &self.time).unwrap());
                },
            ));
            ops.push(op(
                &format!("invoice/hash_signed/{name}"),
                Some(signed.len()),
                move || {
                    black_box(zatca_ubl::invoice_hash(black_box(signed.as_bytes())).unwrap());
                },
            ));
            ops.push(op(
                &format!("invoice/verify/{name}"),
                Some(signed.len()),
                move || {
                    black_box(zatca_ubl::verify_invoice(black_box(signed.as_bytes())).unwrap());
                },
            ));
        }
        ops
    }
}

fn bench(c: &mut Criterion) {
    let inputs = Inputs::new();
    let signer = inputs.signer();
    let ops = inputs.operations(&signer);
    for group in ["curve", "invoice"] {
        let mut g = c.benchmark_group(group);
        for op in ops.iter().filter(|o| o.name.starts_with(group)) {
            if let Some(bytes) = op.bytes {
                g.throughput(Throughput::Bytes(bytes));
            }
            let function = op.name.trim_start_matches(group).trim_start_matches('/');
            g.bench_function(function, |b| b.iter(|| (op.run)()));
        }
        g.finish();
    }
}

/// The targets' ratios, each side timed in turn within every iteration.
fn bench_targets(c: &mut Criterion<Ratio>) {
    let inputs = Inputs::new();
    let signer = inputs.signer();
    let ops = inputs.operations(&signer);
    let run = |name: &str| {
        let op = ops.iter().find(|o| o.name == name).expect(name);
        move || (op.run)()
    };
    const BARE_SIGN: &str = "curve/libsecp256k1_sign_bare";
    const BARE_VERIFY: &str = "curve/libsecp256k1_verify_bare";
    // (benchmark, numerator, the operations the denominator runs in turn)
    let targets: [(&str, &str, &[&str]); 5] = [
        (
            "sign_sdk_over_bare_signature",
            "invoice/sign/sdk_simplified_invoice",
            &[BARE_SIGN],
        ),
        (
            "hash_sdk_over_bare_signature",
            "invoice/hash/sdk_simplified_invoice",
            &[BARE_SIGN],
        ),
        (
            "hash_200_lines_over_bare_signature",
            "invoice/hash/200_lines",
            &[BARE_SIGN],
        ),
        (
            "verify_sdk_over_bound",
            "invoice/verify/sdk_simplified_invoice",
            &[
                BARE_VERIFY,
                BARE_VERIFY,
                BARE_VERIFY,
                "invoice/hash_signed/sdk_simplified_invoice",
            ],
        ),
        (
            "sign_200_lines_over_hash_plus_signature",
            "invoice/sign/200_lines",
            &["invoice/hash/200_lines", BARE_SIGN],
        ),
    ];
    let mut g = c.benchmark_group("target");
    for (name, numerator, denominator) in targets {
        let numerator = run(numerator);
        let denominator: Vec<_> = denominator.iter().map(|name| run(name)).collect();
        let denominator = || denominator.iter().for_each(|run| run());
        g.bench_function(name, |b| {
            b.iter_custom(|iters| interleaved_ratio(iters, &numerator, denominator))
        });
    }
    g.finish();
}

/// `ZATCA_INTERLEAVED=ROUNDS`: every operation timed in turn, round after
/// round, instead of one after another. On a machine whose speed drifts
/// (a shared virtual machine), each round sees every operation at about the
/// same speed, so the ratios between them hold even when the absolute times
/// move; the median and the minimum over the rounds are printed.
fn interleaved(rounds: usize) {
    let inputs = Inputs::new();
    let signer = inputs.signer();
    let ops = inputs.operations(&signer);
    // Each sample about 1 ms: how many runs that takes, from a first timing.
    let batch: Vec<u32> = ops
        .iter()
        .map(|op| {
            let start = std::time::Instant::now();
            for _ in 0..10 {
                (op.run)();
            }
            let each = start.elapsed().as_secs_f64() / 10.0;
            ((1e-3 / each) as u32).clamp(1, 1000)
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); ops.len()];
    for _ in 0..rounds {
        for ((op, &n), times) in ops.iter().zip(&batch).zip(&mut samples) {
            let start = std::time::Instant::now();
            for _ in 0..n {
                (op.run)();
            }
            times.push(start.elapsed().as_secs_f64() / f64::from(n));
        }
    }
    println!("{rounds} interleaved rounds, about 1 ms of each operation per round");
    println!(
        "{:<44} {:>12} {:>12}",
        "operation", "median µs", "minimum µs"
    );
    for (op, times) in ops.iter().zip(&mut samples) {
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2] * 1e6;
        let minimum = times[0] * 1e6;
        let rate = op.bytes.map_or(String::new(), |b| {
            format!("  {:.0} MB/s at the median", b as f64 / median)
        });
        println!("{:<44} {median:>12.2} {minimum:>12.2}{rate}", op.name);
    }
}

criterion_group!(benches, bench);
criterion_group! {
    name = targets;
    config = Criterion::default().with_measurement(Ratio);
    targets = bench_targets
}

fn main() {
    zatca_benches::bench_main(interleaved, &[benches, targets]);
}
