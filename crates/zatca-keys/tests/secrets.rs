//! Secret sweep (issue 5): no `Debug` of a key and no error message from any
//! key input — good, damaged, wrong curve, encrypted, too large — shows the
//! private scalar (hex, either case, or base64) or the key's DER.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use zatca_keys::{Curve, OutputFormat, PrivateKey};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn needles(scalar: &[u8], der: &[u8]) -> Vec<String> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    vec![
        hex(scalar),
        hex(scalar).to_uppercase(),
        hex(&scalar[..8]),
        b64(scalar),
        b64(der),
        format!("{scalar:?}"),
        format!("{:?}", &scalar[..8]),
    ]
}

fn assert_clean(what: &str, text: &str, needles: &[String]) {
    for n in needles {
        assert!(
            !text.contains(n.as_str()),
            "{what} shows secret material: {text}"
        );
    }
}

#[test]
fn debug_and_every_error_hide_the_key() {
    for curve in [Curve::Secp256k1, Curve::P256] {
        let scalar: Vec<u8> = (1..=32).map(|i| i * 7 + 3).collect();
        let key = PrivateKey::from_scalar(curve, &scalar).unwrap();
        let der = key.to_sec1_der().unwrap();
        let needles = needles(&scalar, &der);
        assert_clean("Debug", &format!("{key:?} {key:#?}"), &needles);
        assert_clean(
            "PublicKey Debug",
            &format!("{:?}", key.public_key()),
            &needles,
        );

        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for format in [
            OutputFormat::Sec1Pem,
            OutputFormat::Pkcs8Pem,
            OutputFormat::SdkBase64,
        ] {
            let text = key.encode(format).unwrap().as_bytes().to_vec();
            // Damaged: truncated, a flipped byte, a wrong label, trailing junk.
            inputs.push(text[..text.len() / 2].to_vec());
            let mut flipped = text.clone();
            flipped[text.len() / 2] ^= 0x01;
            inputs.push(flipped);
            inputs.push(
                String::from_utf8(text.clone())
                    .unwrap()
                    .replace("PRIVATE KEY", "PRIVATE KEX")
                    .into_bytes(),
            );
            let mut junk = text.clone();
            junk.extend_from_slice(b"junk after the key");
            inputs.push(junk);
        }
        let der_bytes = der.to_vec();
        inputs.push(der_bytes[..der_bytes.len() - 3].to_vec());
        let mut big = der_bytes.clone();
        big.resize(zatca_keys::MAX_KEY_FILE_BYTES + 1, b'A');
        inputs.push(big);
        inputs.push(scalar.clone());
        inputs.push(hex(&scalar).into_bytes());
        for input in &inputs {
            for result in [
                PrivateKey::from_bytes(input).map(|_| ()),
                PrivateKey::from_bytes_on(input, Curve::Secp256k1).map(|_| ()),
                PrivateKey::from_bytes_on(input, Curve::P256).map(|_| ()),
            ] {
                if let Err(e) = result {
                    assert_clean("an error", &format!("{e} {e:?}"), &needles);
                }
            }
        }
        // The right key read on the wrong curve.
        let other = if curve == Curve::P256 {
            Curve::Secp256k1
        } else {
            Curve::P256
        };
        if let Err(e) =
            PrivateKey::from_bytes_on(key.encode(OutputFormat::Sec1Pem).unwrap().as_bytes(), other)
        {
            assert_clean("a wrong-curve error", &format!("{e} {e:?}"), &needles);
        }
    }
}
