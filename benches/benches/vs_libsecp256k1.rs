//! Our secp256k1 signing side by side with libsecp256k1 (the C library, via
//! the `secp256k1` crate) and k256 (pure Rust), in one run, same key, same
//! input.
//!
//! - `sign_digest/*`: sign one 32-byte digest, DER out. `zatca_keys` is what
//!   every invoice signature goes through (libsecp256k1 with a context blinded
//!   once); `libsecp256k1` calls the crate directly; `k256` is the pure-Rust
//!   signer zatca-keys used before; `libsecp256k1_rerandomize_only` is the
//!   context re-randomisation that the `secp256k1` crate adds to every
//!   signature from version 0.32 (why zatca-keys stays on 0.31).
//! - `sign_invoice_hash/*`: the whole ZATCA operation (base64 hash in,
//!   SHA-256 of the 32 bytes, sign, DER, base64 out) with each library.
//!
//! Target: our `sign_invoice_hash` within 1.5× of libsecp256k1's.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use k256::ecdsa::signature::hazmat::PrehashSigner as _;
use zatca_keys::PrivateKey;

const HASH: &str = "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The SDK R3.3.3 sample key, for each library.
fn keys() -> (PrivateKey, secp256k1::SecretKey, k256::ecdsa::SigningKey) {
    let (ours, _) = zatca_benches::sdk_key_and_certificate().unwrap();
    let scalar = zatca_benches::secret_scalar(&ours).unwrap();
    let libsecp = secp256k1::SecretKey::from_byte_array(scalar).unwrap();
    let k256 = k256::ecdsa::SigningKey::from_slice(&scalar).unwrap();
    (ours, libsecp, k256)
}

fn libsecp_sign_invoice_hash(
    context: &secp256k1::Secp256k1<secp256k1::SignOnly>,
    sk: &secp256k1::SecretKey,
    hash_b64: &str,
) -> String {
    let bytes = B64.decode(hash_b64).unwrap();
    let digest = zatca_types::digest::sha256(&bytes);
    let sig = context.sign_ecdsa(secp256k1::Message::from_digest(digest), sk);
    B64.encode(&*sig.serialize_der())
}

/// k256's signature of `digest`: RFC 6979, S normalised, DER.
fn k256_sign(key: &k256::ecdsa::SigningKey, digest: &[u8; 32]) -> k256::ecdsa::DerSignature {
    let sig: k256::ecdsa::Signature = key.sign_prehash(digest).unwrap();
    sig.normalize_s().to_der()
}

fn bench(c: &mut Criterion) {
    let (ours, libsecp, k256) = keys();
    let mut context = secp256k1::Secp256k1::signing_only();
    context.seeded_randomize(&[7; 32]);
    // Same key, same RFC 6979 nonce: the libraries must agree byte for byte.
    assert_eq!(
        zatca_sign::sign_invoice_hash_base64(&ours, HASH).unwrap(),
        libsecp_sign_invoice_hash(&context, &libsecp, HASH)
    );
    let digest = zatca_types::digest::sha256(&B64.decode(HASH).unwrap());
    assert_eq!(
        ours.sign_prehash(&digest).unwrap(),
        k256_sign(&k256, &digest).as_bytes()
    );

    let mut g = c.benchmark_group("sign_digest");
    g.bench_function("zatca_keys", |b| {
        b.iter(|| black_box(&ours).sign_prehash(black_box(&digest)).unwrap())
    });
    g.bench_function("libsecp256k1", |b| {
        b.iter(|| {
            context
                .sign_ecdsa(
                    secp256k1::Message::from_digest(*black_box(&digest)),
                    black_box(&libsecp),
                )
                .serialize_der()
        })
    });
    g.bench_function("k256", |b| {
        b.iter(|| k256_sign(black_box(&k256), black_box(&digest)))
    });
    let mut rerandomized = secp256k1::Secp256k1::signing_only();
    g.bench_function("libsecp256k1_rerandomize_only", |b| {
        b.iter(|| rerandomized.seeded_randomize(black_box(&digest)))
    });
    g.finish();

    let mut g = c.benchmark_group("sign_invoice_hash");
    g.bench_function("zatca_sign", |b| {
        b.iter(|| zatca_sign::sign_invoice_hash_base64(black_box(&ours), black_box(HASH)).unwrap())
    });
    g.bench_function("libsecp256k1", |b| {
        b.iter(|| libsecp_sign_invoice_hash(&context, black_box(&libsecp), black_box(HASH)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
