//! Key import in every form, export, interop with OpenSSL, and secret redaction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use zatca_keys::{Curve, InputForm, KeyError, OutputFormat, PrivateKey, PublicKey};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/keys")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn unb64(text: &[u8]) -> Vec<u8> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn openssl_available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: openssl is not installed");
    }
    ok
}

#[test]
fn sdk_r333_sample_key_matches_its_certificate() {
    let (key, form) = PrivateKey::from_bytes(&read("sdk-r3.3.3-priv-key.b64")).unwrap();
    assert_eq!(form, InputForm::Sec1Base64);
    assert_eq!(key.curve(), Curve::Secp256k1);
    let spki = key.public_key().to_spki_der().unwrap();
    assert_eq!(spki.len(), 88);
    // spec §3.3: QR tag 8 of every SDK333 sample starts with this SPKI.
    assert!(hex(&spki).starts_with("3056301006072a8648ce3d020106052b8104000a03420004a160"));
    let cert = unb64(&read("sdk-r3.3.3-cert.b64"));
    assert!(
        contains(&cert, &spki),
        "the certificate does not carry the key's SPKI"
    );
}

#[test]
fn sdk_r327_sample_key_matches_its_certificate() {
    let (key, form) = PrivateKey::from_bytes(&read("sdk-r3.2.7-priv-key.b64")).unwrap();
    assert_eq!(form, InputForm::Sec1Base64);
    let cert = unb64(&read("sdk-r3.2.7-cert.b64"));
    assert!(contains(&cert, &key.public_key().to_spki_der().unwrap()));
}

#[test]
fn sdk_r348_pkcs8_key_matches_its_csr() {
    let (key, form) = PrivateKey::from_bytes(&read("sdk-r3.4.8-sim-en.key")).unwrap();
    assert_eq!(form, InputForm::Pkcs8Base64);
    // The SDK writes its CSR as base64 of the PEM text (CRLF).
    let pem_text = unb64(&read("sdk-r3.4.8-sim-en.csr"));
    let (label, csr_der) = der::pem::decode_vec(&pem_text).unwrap();
    assert_eq!(label, "CERTIFICATE REQUEST");
    assert!(contains(&csr_der, &key.public_key().to_spki_der().unwrap()));
}

#[test]
fn openssl_written_keys_load_in_every_form() {
    let cases = [
        (
            "openssl-ecparam-secp256k1.pem",
            InputForm::Sec1Pem,
            "openssl-ecparam-secp256k1.spki.b64",
        ),
        (
            "openssl-sec1-secp256k1.der",
            InputForm::Sec1Der,
            "openssl-ecparam-secp256k1.spki.b64",
        ),
        (
            "openssl-pkcs8-secp256k1.pem",
            InputForm::Pkcs8Pem,
            "openssl-pkcs8-secp256k1.spki.b64",
        ),
        (
            "openssl-pkcs8-secp256k1.der",
            InputForm::Pkcs8Der,
            "openssl-pkcs8-secp256k1.spki.b64",
        ),
        (
            "openssl-sec1-p256.pem",
            InputForm::Sec1Pem,
            "openssl-sec1-p256.spki.b64",
        ),
        (
            "openssl-pkcs8-p256.der",
            InputForm::Pkcs8Der,
            "openssl-sec1-p256.spki.b64",
        ),
    ];
    for (file, expected_form, spki_file) in cases {
        let (key, form) =
            PrivateKey::from_bytes(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(form, expected_form, "{file}");
        let expected_spki = unb64(&read(spki_file));
        assert_eq!(
            key.public_key().to_spki_der().unwrap(),
            expected_spki,
            "{file}"
        );
    }
}

#[test]
fn sdk_base64_wrapped_over_lines_loads() {
    let one_line = read("sdk-r3.3.3-priv-key.b64");
    let text = String::from_utf8(one_line.clone()).unwrap();
    let wrapped: String = text
        .trim()
        .as_bytes()
        .chunks(64)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let (a, _) = PrivateKey::from_bytes(&one_line).unwrap();
    let (b, form) = PrivateKey::from_bytes(wrapped.as_bytes()).unwrap();
    assert_eq!(form, InputForm::Sec1Base64);
    assert_eq!(a.public_key(), b.public_key());
}

#[test]
fn every_output_format_reads_back_to_the_same_key() {
    for curve in [Curve::Secp256k1, Curve::P256] {
        let key = PrivateKey::generate(curve).unwrap();
        for (format, form) in [
            (OutputFormat::Sec1Pem, InputForm::Sec1Pem),
            (OutputFormat::Pkcs8Pem, InputForm::Pkcs8Pem),
            (OutputFormat::SdkBase64, InputForm::Sec1Base64),
        ] {
            let text = key.encode(format).unwrap();
            let (again, got) = PrivateKey::from_bytes(text.as_bytes()).unwrap();
            assert_eq!(got, form);
            assert_eq!(again.public_key(), key.public_key());
            let digest = [0x42; 32];
            assert_eq!(
                again.sign_prehash(&digest).unwrap(),
                key.sign_prehash(&digest).unwrap()
            );
        }
        let (from_der, form) = PrivateKey::from_bytes(&key.to_pkcs8_der().unwrap()).unwrap();
        assert_eq!(form, InputForm::Pkcs8Der);
        assert_eq!(from_der.public_key(), key.public_key());
        let (from_der, form) = PrivateKey::from_bytes(&key.to_sec1_der().unwrap()).unwrap();
        assert_eq!(form, InputForm::Sec1Der);
        assert_eq!(from_der.public_key(), key.public_key());
    }
}

#[test]
fn openssl_reads_the_keys_we_write() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for curve in [Curve::Secp256k1, Curve::P256] {
        let key = PrivateKey::generate(curve).unwrap();
        for format in [OutputFormat::Sec1Pem, OutputFormat::Pkcs8Pem] {
            let path = dir.path().join(format!("{curve}-{format:?}.pem"));
            key.write_file(&path, format, false).unwrap();
            let text = Command::new("openssl")
                .args(["ec", "-noout", "-text", "-in"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                text.status.success(),
                "openssl ec rejected {format:?}: {}",
                String::from_utf8_lossy(&text.stderr)
            );
            let asn1_name = match curve {
                Curve::Secp256k1 => "secp256k1",
                Curve::P256 => "prime256v1",
            };
            assert!(String::from_utf8_lossy(&text.stdout).contains(asn1_name));
            let spki = Command::new("openssl")
                .args(["pkey", "-pubout", "-outform", "DER", "-in"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(spki.status.success());
            assert_eq!(
                spki.stdout,
                key.public_key().to_spki_der().unwrap(),
                "{curve} {format:?}"
            );
        }
    }
}

#[test]
fn openssl_verifies_our_signatures() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = PrivateKey::from_bytes(&read("sdk-r3.3.3-priv-key.b64")).unwrap();
    let message = b"the 32 raw invoice-hash bytes go here, any message do";
    let sig = key.sign_sha256(message).unwrap();
    let pub_path = dir.path().join("pub.pem");
    std::fs::write(&pub_path, key.public_key().to_spki_pem().unwrap()).unwrap();
    std::fs::write(dir.path().join("sig.der"), &sig).unwrap();
    std::fs::write(dir.path().join("msg.bin"), message).unwrap();
    let out = Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig.der",
            "msg.bin",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// RFC 6979 appendix A.2.5, P-256 with SHA-256, message "sample":
/// r = EFD48B2A…3716, s = F7CB1C94…CDA8 (high), so our low-S output carries n - s.
#[test]
fn rfc6979_p256_known_answer() {
    let key = PrivateKey::from_scalar(
        Curve::P256,
        &unhex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"),
    )
    .unwrap();
    let der = key.sign_sha256(b"sample").unwrap();
    let sig = p256::ecdsa::Signature::from_der(&der).unwrap();
    let (r, s) = sig.split_bytes();
    assert_eq!(
        hex(&r),
        "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
    );
    let n = unhex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    let s_high = unhex("F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
    assert_eq!(s.to_vec(), sub_be(&n, &s_high));
}

/// secp256k1 known answers. Expected values computed independently with pyca/cryptography 48
/// (`ECDSA(Prehashed(SHA256()), deterministic_signing=True)`, i.e. OpenSSL's RFC 6979),
/// normalized to low-S; key = SHA-256("zatca-toolkit test key 1").
#[test]
fn rfc6979_secp256k1_known_answers() {
    let scalar = unhex("63883effb0c2d71f1023441f22500e7b5d373df8d0ca546d62d461b2f4d7876c");
    let key = PrivateKey::from_scalar(Curve::Secp256k1, &scalar).unwrap();
    let cases = [
        (
            "0000000000000000000000000000000000000000000000000000000000000000",
            "3045022100c00b7591ad678c9f6459e36d1daa27f2c0605dba744de3c1f47e3213a14e02850220475ee4b6f62bd3a2f574a4a645a6790f3679731c3acfb8265e69f78f279c33ee",
        ),
        (
            "52d6e3de4fa0dcc29946695f93940c3e7f26f30e1e39f4b1a49ad98839112786",
            "30440220571f627e3233984c503209259741595a75bd48dbdf593a92f6bf2c59127492c60220774b2f532f2184731772fe643040388e16aea43228c6415bf484125b617da3d6",
        ),
    ];
    for (digest, expected) in cases {
        let digest: [u8; 32] = unhex(digest).try_into().unwrap();
        let sig = key.sign_prehash(&digest).unwrap();
        assert_eq!(hex(&sig), expected);
        key.public_key().verify_prehash(&digest, &sig).unwrap();
    }
}

#[test]
fn verification_accepts_high_s_and_rejects_tampering() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let digest = [9u8; 32];
    let der = key.sign_prehash(&digest).unwrap();
    let sig = k256::ecdsa::Signature::from_der(&der).unwrap();
    let (r, s) = sig.split_scalars();
    let high = k256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
    let high_der = high.to_der().as_bytes().to_vec();
    assert_ne!(high_der, der);
    key.public_key().verify_prehash(&digest, &high_der).unwrap();
    let mut other = digest;
    other[0] ^= 1;
    assert_eq!(
        key.public_key().verify_prehash(&other, &der),
        Err(KeyError::BadSignature)
    );
    assert!(matches!(
        key.public_key().verify_prehash(&digest, b"\x30\x02junk"),
        Err(KeyError::MalformedSignature { .. })
    ));
}

#[test]
fn public_key_spki_round_trip() {
    for curve in [Curve::Secp256k1, Curve::P256] {
        let key = PrivateKey::generate(curve).unwrap();
        let spki = key.public_key().to_spki_der().unwrap();
        assert_eq!(PublicKey::from_spki_der(&spki).unwrap(), key.public_key());
    }
}

#[test]
fn malformed_inputs_get_typed_errors() {
    type Case = (&'static str, Vec<u8>, fn(&KeyError) -> bool);
    let cases: Vec<Case> = vec![
        ("empty", vec![], |e| *e == KeyError::Empty),
        ("whitespace", b" \n\t ".to_vec(), |e| *e == KeyError::Empty),
        ("garbage text", b"hello, world!".to_vec(), |e| {
            *e == KeyError::Unrecognized
        }),
        ("garbage binary", vec![0xff, 0x00, 0x13, 0x37], |e| {
            *e == KeyError::Unrecognized
        }),
        ("garbage base64", b"QUJDRA==".to_vec(), |e| {
            matches!(e, KeyError::Malformed { .. })
        }),
        ("bad base64", b"QUJDRA=x".to_vec(), |e| {
            matches!(e, KeyError::Malformed { .. })
        }),
        (
            "truncated DER",
            read("openssl-sec1-secp256k1.der")[..40].to_vec(),
            |e| matches!(e, KeyError::Malformed { .. }),
        ),
        ("public key", read("openssl-public-secp256k1.pem"), |e| {
            matches!(e, KeyError::NotAPrivateKey { .. })
        }),
        (
            "public key DER",
            unb64(&read("openssl-pkcs8-secp256k1.spki.b64")),
            |e| matches!(e, KeyError::NotAPrivateKey { .. }),
        ),
        (
            "certificate (bare base64)",
            read("sdk-r3.3.3-cert.b64"),
            |e| matches!(e, KeyError::NotAPrivateKey { .. }),
        ),
        ("CSR (base64 of PEM)", read("sdk-r3.4.8-sim-en.csr"), |e| {
            matches!(e, KeyError::NotAPrivateKey { .. })
        }),
        (
            "encrypted PKCS#8",
            read("openssl-encrypted-pkcs8.pem"),
            |e| *e == KeyError::Encrypted,
        ),
        (
            "legacy encrypted SEC1",
            read("openssl-legacy-encrypted-sec1.pem"),
            |e| *e == KeyError::Encrypted,
        ),
        ("RSA", read("openssl-rsa-pkcs8.pem"), |e| {
            *e == KeyError::NotEcKey {
                algorithm: "1.2.840.113549.1.1.1".into(),
            }
        }),
        ("secp384r1", read("openssl-secp384r1.pem"), |e| {
            *e == KeyError::UnsupportedCurve {
                oid: "1.3.132.0.34".into(),
            }
        }),
        (
            "explicit curve parameters",
            read("openssl-explicit-params.pem"),
            |e| matches!(e, KeyError::Malformed { .. } | KeyError::MissingCurve),
        ),
        (
            "PEM without END",
            b"-----BEGIN EC PRIVATE KEY-----\nMHQCAQEE\n".to_vec(),
            |e| matches!(e, KeyError::Malformed { .. }),
        ),
        (
            "too large",
            vec![b'A'; zatca_keys::MAX_KEY_FILE_BYTES + 1],
            |e| matches!(e, KeyError::TooLarge { .. }),
        ),
    ];
    for (name, input, check) in cases {
        match PrivateKey::from_bytes(&input) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => {
                assert!(check(&e), "{name}: unexpected error {e:?}");
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

#[test]
fn wrong_curve_is_refused_when_a_curve_is_required() {
    let err =
        PrivateKey::from_bytes_on(&read("openssl-sec1-p256.pem"), Curve::Secp256k1).unwrap_err();
    assert_eq!(
        err,
        KeyError::WrongCurve {
            found: Curve::P256,
            expected: Curve::Secp256k1
        }
    );
    assert_eq!(
        err.to_string(),
        "the key is on p256, but secp256k1 is required"
    );
}

#[test]
fn mismatched_embedded_public_key_is_refused() {
    let a = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let b = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let mut der = a.to_sec1_der().unwrap().to_vec();
    let pa = a.public_key().to_uncompressed_point();
    let pb = b.public_key().to_uncompressed_point();
    let at = der.windows(65).position(|w| w == pa.as_slice()).unwrap();
    der[at..at + 65].copy_from_slice(&pb);
    let err = PrivateKey::from_bytes(&der).unwrap_err();
    assert!(matches!(err, KeyError::Malformed { .. }), "{err:?}");
    assert_secret_free(&format!("{err} {err:?}"), &a);
}

/// No `Debug`/`Display` of a secret-holding type, and no error, shows key material.
#[test]
fn secrets_never_appear_in_debug_display_or_errors() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    assert_secret_free(&format!("{key:?} {:?}", key.public_key()), &key);
    let sec1 = key.to_sec1_der().unwrap();
    // Corrupt the key in every position-class we can and collect every message.
    let mut messages = Vec::new();
    for cut in [3usize, 10, 20, 40, sec1.len() - 1] {
        for input in [sec1[..cut].to_vec(), b64(&sec1[..cut]).into_bytes()] {
            if let Err(e) = PrivateKey::from_bytes(&input) {
                messages.push(format!("{e} {e:?}"));
            }
        }
    }
    let mut flipped = sec1.to_vec();
    flipped[6] ^= 0xff;
    if let Err(e) = PrivateKey::from_bytes(&flipped) {
        messages.push(format!("{e} {e:?}"));
    }
    assert!(
        messages.len() >= 5,
        "too few failures to be meaningful: {messages:?}"
    );
    for m in &messages {
        assert_secret_free(m, &key);
    }
}

#[cfg(unix)]
#[test]
fn key_files_are_0600_and_never_silently_overwritten() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    let first = PrivateKey::generate(Curve::Secp256k1).unwrap();
    first
        .write_file(&path, OutputFormat::Sec1Pem, false)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let second = PrivateKey::generate(Curve::Secp256k1).unwrap();
    assert_eq!(
        second
            .write_file(&path, OutputFormat::Sec1Pem, false)
            .unwrap_err(),
        KeyError::FileExists { path: path.clone() }
    );
    let (kept, _) = PrivateKey::read_file(&path).unwrap();
    assert_eq!(kept.public_key(), first.public_key());
    second
        .write_file(&path, OutputFormat::Pkcs8Pem, true)
        .unwrap();
    let (replaced, _) = PrivateKey::read_file(&path).unwrap();
    assert_eq!(replaced.public_key(), second.public_key());
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

fn assert_secret_free(text: &str, key: &PrivateKey) {
    let sec1 = key.to_sec1_der().unwrap();
    // The 32-byte scalar sits at offset 7 of SEC1 DER (30 74 02 01 01 04 20 ‖ d).
    let scalar = &sec1[7..39];
    let lower = text.to_lowercase();
    for needle in [hex(scalar), hex(&scalar[..12]), hex(&scalar[20..])] {
        assert!(!lower.contains(&needle), "secret hex in {text:?}");
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for chunk in [b64(scalar), b64(&sec1)] {
        assert!(!compact.contains(&chunk[..16]), "secret base64 in {text:?}");
    }
    let pkcs8 = key.to_pkcs8_der().unwrap();
    assert!(!compact.contains(&b64(&pkcs8)[..24]));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Big-endian a - b for equal-length inputs with a >= b.
fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = a[i] as i16 - b[i] as i16 - borrow;
        borrow = if d < 0 { 1 } else { 0 };
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out
}

#[test]
fn encrypted_pkcs8_round_trip_and_wrong_passphrase() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let pem = key.to_encrypted_pkcs8_pem(b"s3cret passphrase").unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    assert_eq!(
        PrivateKey::from_bytes(pem.as_bytes()).unwrap_err(),
        KeyError::Encrypted
    );
    assert_eq!(
        PrivateKey::from_bytes_with_passphrase(pem.as_bytes(), b"wrong").unwrap_err(),
        KeyError::WrongPassphrase
    );
    let (again, form) =
        PrivateKey::from_bytes_with_passphrase(pem.as_bytes(), b"s3cret passphrase").unwrap();
    assert_eq!(form, InputForm::EncryptedPkcs8Pem);
    assert_eq!(again.public_key(), key.public_key());
    // An unencrypted key reads as it is when a passphrase is given.
    let plain = key.to_sec1_pem().unwrap();
    let (same, form) = PrivateKey::from_bytes_with_passphrase(plain.as_bytes(), b"unused").unwrap();
    assert_eq!(
        (same.public_key(), form),
        (key.public_key(), InputForm::Sec1Pem)
    );
}

#[test]
fn openssl_encrypted_pkcs8_reads_with_its_passphrase() {
    // openssl pkcs8 -topk8 -passout pass:fixture (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC).
    let (key, form) =
        PrivateKey::from_bytes_with_passphrase(&read("openssl-encrypted-pkcs8.pem"), b"fixture")
            .unwrap();
    assert_eq!(form, InputForm::EncryptedPkcs8Pem);
    assert_eq!(
        key.public_key().to_spki_der().unwrap(),
        unb64(&read("openssl-pkcs8-secp256k1.spki.b64"))
    );
}

#[test]
fn openssl_decrypts_our_encrypted_keys() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let path = dir.path().join("enc.pem");
    std::fs::write(
        &path,
        key.to_encrypted_pkcs8_pem(b"fixture").unwrap().as_bytes(),
    )
    .unwrap();
    let out = Command::new("openssl")
        .args([
            "pkey",
            "-passin",
            "pass:fixture",
            "-pubout",
            "-outform",
            "DER",
            "-in",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, key.public_key().to_spki_der().unwrap());
}
