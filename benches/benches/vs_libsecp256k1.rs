//! Our secp256k1 signing side by side with libsecp256k1 (the C library, via
//! the `secp256k1` crate), in one run, same key, same input.
//!
//! - `sign_digest/*`: sign one 32-byte digest, DER out. The `secp256k1`
//!   crate (0.33) re-randomizes its global context after every signature (a
//!   side-channel defence); `libsecp256k1_rerandomize_only` measures that step
//!   alone, so libsecp256k1's bare signing cost is the difference.
//! - `sign_invoice_hash/*`: the whole ZATCA operation (base64 hash in,
//!   SHA-256 of the 32 bytes, sign, DER, base64 out) with each library.
//!
//! Target: our `sign_invoice_hash` within 1.5× of libsecp256k1's.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use zatca_keys::PrivateKey;

const HASH: &str = "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The SDK R3.3.3 sample key, for both libraries.
fn keys() -> (PrivateKey, secp256k1::SecretKey) {
    let text = std::fs::read(format!(
        "{}/../testdata/keys/sdk-r3.3.3-priv-key.b64",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (ours, _) = PrivateKey::from_bytes(&text).unwrap();
    // The scalar sits at bytes 7..39 of the SDK's SEC1 DER (`30 74 02 01 01 04 20 ‖ d`).
    let der = ours.to_sec1_der().unwrap();
    let scalar: [u8; 32] = der[7..39].try_into().unwrap();
    let theirs = secp256k1::SecretKey::from_secret_bytes(scalar).unwrap();
    (ours, theirs)
}

fn libsecp_sign_invoice_hash(sk: &secp256k1::SecretKey, hash_b64: &str) -> String {
    let bytes = B64.decode(hash_b64).unwrap();
    let digest = zatca_types::digest::sha256(&bytes);
    let sig = secp256k1::ecdsa::sign(secp256k1::Message::from_digest(digest), sk);
    B64.encode(&*sig.serialize_der())
}

fn bench(c: &mut Criterion) {
    let (ours, theirs) = keys();
    // Same key, same RFC 6979 nonce: both libraries must agree byte for byte.
    assert_eq!(
        zatca_sign::sign_invoice_hash_base64(&ours, HASH).unwrap(),
        libsecp_sign_invoice_hash(&theirs, HASH)
    );
    let digest = zatca_types::digest::sha256(&B64.decode(HASH).unwrap());

    let mut g = c.benchmark_group("sign_digest");
    g.bench_function("zatca_keys_k256", |b| {
        b.iter(|| black_box(&ours).sign_prehash(black_box(&digest)).unwrap())
    });
    g.bench_function("libsecp256k1", |b| {
        b.iter(|| {
            secp256k1::ecdsa::sign(
                secp256k1::Message::from_digest(*black_box(&digest)),
                black_box(&theirs),
            )
            .serialize_der()
        })
    });
    g.bench_function("libsecp256k1_rerandomize_only", |b| {
        b.iter(|| secp256k1::rerandomize_global_context(black_box(&digest)))
    });
    g.finish();

    let mut g = c.benchmark_group("sign_invoice_hash");
    g.bench_function("zatca_sign", |b| {
        b.iter(|| zatca_sign::sign_invoice_hash_base64(black_box(&ours), black_box(HASH)).unwrap())
    });
    g.bench_function("libsecp256k1", |b| {
        b.iter(|| libsecp_sign_invoice_hash(black_box(&theirs), black_box(HASH)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
