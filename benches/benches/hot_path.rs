//! The per-invoice signing hot path and onboarding crypto, with fixed inputs:
//!
//! - `sign_hash/*`: ZATCA's invoice signature (ECDSA-SHA256 over the 32 hash
//!   bytes, RFC 6979, DER, base64) with the SDK R3.3.3 sample key, on the hash of
//!   SDK R3.3.3 `Simplified_Invoice.xml`;
//! - `qr/*`: the phase-2 QR TLV of that sample (tags 1–9), encode and decode;
//! - `cert/*`: the certificate-derived values (issuer string, decimal serial,
//!   certificate hash, SPKI, signature): parsed and computed once per
//!   certificate (`parse_once`), then read per invoice (`read_cached`) — the
//!   second must cost nanoseconds, showing nothing is recomputed per invoice;
//! - `invoice/sign_and_qr`: what one invoice costs in total on this path;
//! - `onboarding/*`: key generation, and CSR build + sign + PEM.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use zatca_cert::Certificate;
use zatca_keys::{Curve, PrivateKey};
use zatca_sign::qr::Qr;
use zatca_sign::{InvoiceHash, sign_invoice_hash, sign_invoice_hash_base64};

fn testdata(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../testdata/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// SDK R3.3.3 `Simplified_Invoice.xml`'s invoice hash (its `ds:DigestValue`).
const HASH: &str = "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=";

fn sdk_key() -> PrivateKey {
    PrivateKey::from_bytes(&testdata("keys/sdk-r3.3.3-priv-key.b64"))
        .unwrap()
        .0
}

fn sample_qr(cert: &Certificate, signature: String) -> Qr {
    Qr {
        seller_name: "شركة توريد التكنولوجيا بأقصى سرعة المحدودة | Maximum Speed Tech Supply LTD"
            .into(),
        vat_number: "399999999900003".into(),
        timestamp: "2022-08-17T17:41:08".into(),
        total_with_vat: "231.15".into(),
        vat_total: "30.15".into(),
        invoice_hash: Some(HASH.into()),
        signature: Some(signature),
        public_key: Some(cert.public_key_spki().to_vec()),
        certificate_signature: Some(cert.signature().to_vec()),
    }
}

fn bench_sign(c: &mut Criterion) {
    let key = sdk_key();
    let hash = InvoiceHash::from_base64(HASH).unwrap();
    let mut g = c.benchmark_group("sign_hash");
    g.bench_function("base64_in_base64_out", |b| {
        b.iter(|| sign_invoice_hash_base64(black_box(&key), black_box(HASH)).unwrap())
    });
    g.bench_function("bytes_in_der_out", |b| {
        b.iter(|| sign_invoice_hash(black_box(&key), black_box(&hash)).unwrap())
    });
    g.finish();
}

fn bench_qr(c: &mut Criterion) {
    let cert_text = testdata("keys/sdk-r3.3.3-cert.b64");
    let (cert, _) = Certificate::from_bytes(&cert_text).unwrap();
    let qr = sample_qr(&cert, sign_invoice_hash_base64(&sdk_key(), HASH).unwrap());
    let text = qr.to_base64().unwrap();
    let mut g = c.benchmark_group("qr");
    g.bench_function("encode_tags_1_to_9", |b| {
        b.iter(|| black_box(&qr).to_base64().unwrap())
    });
    g.bench_function("decode_tags_1_to_9", |b| {
        b.iter(|| Qr::from_base64(black_box(&text)).unwrap())
    });
    g.finish();
}

fn bench_cert(c: &mut Criterion) {
    let cert_text = testdata("keys/sdk-r3.3.3-cert.b64");
    let (cert, _) = Certificate::from_bytes(&cert_text).unwrap();
    let mut g = c.benchmark_group("cert");
    g.bench_function("parse_once", |b| {
        b.iter(|| Certificate::from_bytes(black_box(&cert_text)).unwrap())
    });
    g.bench_function("read_cached", |b| {
        b.iter(|| {
            let cert = black_box(&cert);
            cert.issuer_name().len()
                + cert.serial_decimal().len()
                + cert.certificate_hash().len()
                + cert.public_key_spki().len()
                + cert.signature().len()
                + cert.base64().len()
        })
    });
    g.finish();
}

fn bench_invoice(c: &mut Criterion) {
    let key = sdk_key();
    let (cert, _) = Certificate::from_bytes(&testdata("keys/sdk-r3.3.3-cert.b64")).unwrap();
    c.bench_function("invoice/sign_and_qr", |b| {
        b.iter(|| {
            let signature = sign_invoice_hash_base64(black_box(&key), black_box(HASH)).unwrap();
            sample_qr(black_box(&cert), signature).to_base64().unwrap()
        })
    });
}

fn bench_onboarding(c: &mut Criterion) {
    let mut g = c.benchmark_group("onboarding");
    g.bench_function("keygen_secp256k1", |b| {
        b.iter(|| PrivateKey::generate(black_box(Curve::Secp256k1)).unwrap())
    });
    let request = testdata("requests/sample-device.json");
    let profile = zatca_profile::RequestInput::from_bytes(&request)
        .unwrap()
        .validate(zatca_profile::ValidationProfile::Sdk)
        .unwrap()
        .with_environment(zatca_profile::Environment::Simulation)
        .unwrap();
    let key = sdk_key();
    g.bench_function("csr_build_sign_pem", |b| {
        b.iter(|| {
            zatca_csr::Csr::build(black_box(&profile), black_box(&key))
                .unwrap()
                .to_pem()
                .unwrap()
        })
    });
    g.bench_function("keygen_csr_build_sign_pem", |b| {
        b.iter(|| {
            let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
            zatca_csr::Csr::build(black_box(&profile), &key)
                .unwrap()
                .to_pem()
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_sign,
    bench_qr,
    bench_cert,
    bench_invoice,
    bench_onboarding
);
criterion_main!(benches);
