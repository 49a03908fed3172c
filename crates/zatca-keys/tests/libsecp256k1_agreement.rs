//! Properties: on secp256k1, libsecp256k1 (which signs and verifies) agrees
//! with k256 (the pure-Rust implementation it replaced there). Signing gives
//! the same DER bytes (both use RFC 6979 nonces and low S); verification
//! accepts exactly what k256's accepts: genuine signatures in low-S and high-S
//! form, and nothing over another digest, under another key, or made up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use k256::ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};
use proptest::prelude::*;
use zatca_keys::{Curve, PrivateKey, PublicKey};

/// k256's own verdict (S normalised first, as the crate does).
fn k256_accepts(key: &PublicKey, digest: &[u8; 32], der: &[u8]) -> bool {
    let PublicKey::K256(key) = key else {
        panic!("a secp256k1 key")
    };
    k256::ecdsa::Signature::from_der(der)
        .is_ok_and(|sig| key.verify_prehash(digest, &sig.normalize_s()).is_ok())
}

/// The same signature with S replaced by n − S.
fn high_s(der: &[u8]) -> Vec<u8> {
    let sig = k256::ecdsa::Signature::from_der(der).unwrap();
    let (r, s) = sig.split_scalars();
    let flipped = k256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
    flipped.to_der().as_bytes().to_vec()
}

/// A name, the key, the digest and the DER signature checked, and whether
/// the signature is genuine.
type Case = (&'static str, PublicKey, [u8; 32], Vec<u8>, bool);

/// k256's own signature: RFC 6979, S normalised, DER.
fn k256_signature(scalar: &[u8; 32], digest: &[u8; 32]) -> Vec<u8> {
    let key = k256::ecdsa::SigningKey::from_slice(scalar).unwrap();
    let sig: k256::ecdsa::Signature = key.sign_prehash(digest).unwrap();
    sig.normalize_s().to_der().as_bytes().to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn libsecp256k1_signs_exactly_as_k256(
        scalar in any::<[u8; 32]>(),
        digest in any::<[u8; 32]>(),
    ) {
        let Ok(key) = PrivateKey::from_scalar(Curve::Secp256k1, &scalar) else {
            return Err(TestCaseError::reject("scalar out of range"));
        };
        let ours = key.sign_prehash(&digest).unwrap();
        prop_assert_eq!(&ours, &k256_signature(&scalar, &digest));
        // The same again: deterministic, and the shared context is unchanged by use.
        prop_assert_eq!(&key.sign_prehash(&digest).unwrap(), &ours);
    }

    #[test]
    fn libsecp256k1_verifies_exactly_as_k256(
        scalar in any::<[u8; 32]>(),
        other_scalar in any::<[u8; 32]>(),
        digest in any::<[u8; 32]>(),
        bit in 0usize..256,
        made_up in any::<([u8; 32], [u8; 32])>(),
    ) {
        let (Ok(key), Ok(other)) = (
            PrivateKey::from_scalar(Curve::Secp256k1, &scalar),
            PrivateKey::from_scalar(Curve::Secp256k1, &other_scalar),
        ) else {
            return Err(TestCaseError::reject("scalar out of range"));
        };
        prop_assume!(key.public_key() != other.public_key());
        let public = key.public_key();
        let der = key.sign_prehash(&digest).unwrap();
        let mut flipped = digest;
        flipped[bit / 8] ^= 1 << (bit % 8);
        let mut cases: Vec<Case> = vec![
            ("genuine", public, digest, der.clone(), true),
            ("genuine, high S", public, digest, high_s(&der), true),
            ("another digest", public, flipped, der.clone(), false),
            ("another key", other.public_key(), digest, der.clone(), false),
        ];
        if let Ok(sig) = k256::ecdsa::Signature::from_scalars(made_up.0, made_up.1) {
            cases.push(("made up", public, digest, sig.to_der().as_bytes().to_vec(), false));
        }
        for (case, key, digest, der, valid) in cases {
            let ours = key.verify_prehash(&digest, &der).is_ok();
            prop_assert_eq!(ours, k256_accepts(&key, &digest, &der), "{}", case);
            prop_assert_eq!(ours, valid, "{}", case);
        }
    }
}

/// The edges random inputs never reach: digests at and above the group order n
/// (RFC 6979 reduces them before deriving the nonce), the zero digest, and the
/// smallest and largest keys.
#[test]
fn libsecp256k1_signs_as_k256_at_the_edges() {
    let n = hex32("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    let n_minus_1 = hex32("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140");
    let mut one = [0u8; 32];
    one[31] = 1;
    for scalar in [one, n_minus_1, [0x5a; 32]] {
        let key = PrivateKey::from_scalar(Curve::Secp256k1, &scalar).unwrap();
        for digest in [[0u8; 32], [0xff; 32], n, n_minus_1, one] {
            let ours = key.sign_prehash(&digest).unwrap();
            assert_eq!(
                ours,
                k256_signature(&scalar, &digest),
                "{scalar:02x?} {digest:02x?}"
            );
            key.public_key().verify_prehash(&digest, &ours).unwrap();
        }
    }
}

fn hex32(text: &str) -> [u8; 32] {
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect();
    bytes.try_into().unwrap()
}
