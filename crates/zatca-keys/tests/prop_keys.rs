//! Property: any key, written in every format and read back (from memory and
//! from a file), is the same key and signs byte for byte the same way, since
//! nonces are deterministic (RFC 6979) (issue 5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use zatca_keys::{Curve, OutputFormat, PrivateKey};

fn curve() -> impl Strategy<Value = Curve> {
    prop::sample::select(vec![Curve::Secp256k1, Curve::P256])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_written_form_reads_back_and_signs_the_same(
        curve in curve(),
        scalar in any::<[u8; 32]>(),
        message in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        // A zero scalar or one at or above the group order is not a key.
        let key = match PrivateKey::from_scalar(curve, &scalar) {
            Ok(key) => key,
            Err(_) => return Err(TestCaseError::reject("scalar out of range")),
        };
        let reference = key.sign_sha256(&message).unwrap();
        let digest = zatca_types::digest::sha256(&message);
        let reference_prehash = key.sign_prehash(&digest).unwrap();
        prop_assert_eq!(key.sign_sha256(&message).unwrap(), reference.clone(), "signing is deterministic");

        let dir = tempfile::tempdir().unwrap();
        let mut forms: Vec<(String, Vec<u8>)> = vec![
            ("SEC1 DER".into(), key.to_sec1_der().unwrap().to_vec()),
            ("PKCS#8 DER".into(), key.to_pkcs8_der().unwrap().to_vec()),
        ];
        for format in [OutputFormat::Sec1Pem, OutputFormat::Pkcs8Pem, OutputFormat::SdkBase64] {
            forms.push((format!("{format:?}"), key.encode(format).unwrap().as_bytes().to_vec()));
            let path = dir.path().join(format!("{format:?}.key"));
            key.write_file(&path, format, false).unwrap();
            forms.push((format!("{format:?} file"), std::fs::read(&path).unwrap()));
            let (from_file, _) = PrivateKey::read_file(&path).unwrap();
            prop_assert_eq!(from_file.sign_sha256(&message).unwrap(), reference.clone());
        }
        for (name, bytes) in forms {
            // The SDK's bare base64 does not say which curve: read it on the key's curve.
            let (again, _) = PrivateKey::from_bytes_on(&bytes, curve)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            prop_assert_eq!(again.curve(), curve);
            prop_assert_eq!(again.public_key(), key.public_key(), "{}", name);
            prop_assert_eq!(again.sign_sha256(&message).unwrap(), reference.clone(), "{}", name);
            prop_assert_eq!(again.sign_prehash(&digest).unwrap(), reference_prehash.clone(), "{}", name);
            key.public_key().verify_sha256(&message, &reference).unwrap();
        }
    }
}
