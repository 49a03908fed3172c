//! The per-invoice hot path against the curve's limit, in one run: the whole
//! signing step, the invoice hash and verification of SDK R3.3.3
//! `Simplified_Invoice.xml` and of the same invoice grown to 200 lines, next to
//! one bare libsecp256k1 signature and verification of the same digest with
//! the same key.
//!
//! - `curve/libsecp256k1_sign_bare`, `curve/libsecp256k1_verify_bare`: the C
//!   library's `secp256k1_ecdsa_sign` (RFC 6979 nonces) and
//!   `secp256k1_ecdsa_verify`, called directly through `secp256k1-sys`: the safe
//!   `secp256k1` API re-randomizes its context after every signature (a
//!   side-channel defence that costs more than the signature), which is not the
//!   curve math this bench compares against;
//! - `curve/zatca_sign`, `curve/zatca_verify`: the same through `zatca-sign`
//!   (what signing and verification use: k256 signs, libsecp256k1 verifies
//!   through its safe binding), the 32 invoice-hash bytes in;
//! - `invoice/*`: [`zatca_ubl::invoice_hash`], [`zatca_ubl::InvoiceSigner::sign`]
//!   and [`zatca_ubl::verify_invoice`] on both documents.
//!
//! Targets: signing the SDK sample ≤ 2.5× `libsecp256k1_sign_bare`; its hash
//! ≤ 30 µs; verification ≤ 3× `libsecp256k1_verify_bare` plus the XML work;
//! the 200-line hash ≥ 300 MB/s, its signing ≤ 1.1× its hash plus one signature.
// The only unsafe code of the workspace outside dependencies: the FFI calls to
// libsecp256k1 above, in this bench target alone.
#![allow(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secp256k1::ffi;
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

fn bench(c: &mut Criterion) {
    let dir = zatca_benches::testdata("keys");
    let (key, _) = PrivateKey::read_file(&dir.join("sdk-r3.3.3-priv-key.b64")).unwrap();
    let (cert, _) = zatca_cert::Certificate::read_file(&dir.join("sdk-r3.3.3-cert.b64")).unwrap();
    // The scalar sits at bytes 7..39 of the SDK's SEC1 DER (`30 74 02 01 01 04 20 ‖ d`).
    let scalar: [u8; 32] = key.to_sec1_der().unwrap()[7..39].try_into().unwrap();
    let libsecp = Libsecp::new(scalar);

    let small = zatca_benches::sdk_simplified_invoice().unwrap();
    let large = zatca_benches::with_invoice_lines(&small, 200).unwrap();
    let signer = zatca_ubl::InvoiceSigner::new(&key, &cert).unwrap();
    let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").unwrap();
    let hash = zatca_ubl::invoice_hash(small.as_bytes()).unwrap();
    // What ZATCA signs: SHA-256 of the 32 hash bytes.
    let digest = zatca_types::digest::sha256(hash.as_bytes());
    let ours = zatca_sign::sign_invoice_hash(&key, &hash).unwrap();
    assert!(libsecp.verify(&libsecp.sign(&digest), &digest));

    let mut g = c.benchmark_group("curve");
    g.bench_function("libsecp256k1_sign_bare", |b| {
        b.iter(|| libsecp.sign(black_box(&digest)))
    });
    let signature = libsecp.sign(&digest);
    g.bench_function("libsecp256k1_verify_bare", |b| {
        b.iter(|| libsecp.verify(black_box(&signature), black_box(&digest)))
    });
    g.bench_function("zatca_sign", |b| {
        b.iter(|| zatca_sign::sign_invoice_hash(black_box(&key), black_box(&hash)).unwrap())
    });
    let public = cert.public_key();
    g.bench_function("zatca_verify", |b| {
        b.iter(|| {
            zatca_sign::verify_invoice_signature(black_box(public), black_box(&hash), &ours)
                .unwrap()
        })
    });
    g.finish();

    let signed_small = signer.sign(small.as_bytes(), &time).unwrap().into_xml();
    let signed_large = signer.sign(large.as_bytes(), &time).unwrap().into_xml();
    let mut g = c.benchmark_group("invoice");
    for (name, xml, signed) in [
        ("sdk_simplified_invoice", &small, &signed_small),
        ("200_lines", &large, &signed_large),
    ] {
        g.throughput(Throughput::Bytes(xml.len() as u64));
        g.bench_function(format!("hash/{name}"), |b| {
            b.iter(|| zatca_ubl::invoice_hash(black_box(xml.as_bytes())).unwrap())
        });
        g.bench_function(format!("sign/{name}"), |b| {
            b.iter(|| signer.sign(black_box(xml.as_bytes()), &time).unwrap())
        });
        g.bench_function(format!("verify/{name}"), |b| {
            b.iter(|| zatca_ubl::verify_invoice(black_box(signed.as_bytes())).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
