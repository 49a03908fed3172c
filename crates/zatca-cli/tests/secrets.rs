//! Secret sweep of the CLI (issue 5): runs `zatca` commands over keys, requests
//! with an OTP and a store holding CSIDs — on success and on failure paths — and
//! proves that no stdout or stderr contains the private key scalar (hex or
//! base64), the key file's body, the OTP or a CSID secret.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{files_below, sample, text};

const OTP: &str = "918273";

/// All that `zatca ARGS` printed, stdout then stderr.
fn zatca(args: &[&str]) -> String {
    text(&common::zatca(args))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The forms in which a private key could leak: its scalar in hex (both cases)
/// and base64, its DER in base64, and every PEM body line of the key file.
fn key_needles(path: &Path) -> Vec<String> {
    let (key, _) = zatca_keys::PrivateKey::read_file(path).unwrap();
    let der = key.to_sec1_der().unwrap();
    let scalar: Vec<u8> = match (key.as_k256(), key.as_p256()) {
        (Some(k), _) => k.to_bytes().to_vec(),
        (_, Some(k)) => k.to_bytes().to_vec(),
        _ => unreachable!(),
    };
    let mut needles = vec![
        hex(&scalar),
        hex(&scalar).to_uppercase(),
        b64(&scalar),
        b64(&der),
        // Any 16-character window of the scalar's hex is enough to count as a leak.
        hex(&scalar)[8..24].to_owned(),
    ];
    // Every line of the key file that carries part of the scalar (a SEC1 key's
    // PEM also holds the public key, which may be shown).
    let file = std::fs::read_to_string(path).unwrap();
    for line in file.lines().filter(|l| !l.starts_with("-----")) {
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(line.trim()) else {
            continue;
        };
        if scalar.windows(8).any(|w| bytes.windows(8).any(|x| x == w)) {
            needles.push(line.trim().to_owned());
        }
    }
    needles
}

fn assert_clean(what: &str, output: &str, needles: &[String]) {
    for needle in needles {
        assert!(
            !output.contains(needle.as_str()),
            "{what}: the output contains secret material {needle:?}:\n{output}"
        );
    }
}

fn request(dir: &Path, otp: &str) -> PathBuf {
    let body = std::fs::read_to_string(sample())
        .unwrap()
        .replace("\"123345\"", &format!("\"{otp}\""));
    assert!(body.contains(otp));
    // The file name must not hold the OTP: paths are printed.
    let path = dir.join(format!(
        "request-{}.json",
        otp.len() + otp.bytes().filter(u8::is_ascii_digit).count()
    ));
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn no_command_prints_a_key_an_otp_or_a_csid_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let mut needles = vec![OTP.to_owned()];

    // Keys in every format and on both curves: keygen, inspect, sign-hash, csr.
    let mut outputs = Vec::new();
    for (curve, format) in [
        ("secp256k1", "sec1"),
        ("secp256k1", "pkcs8"),
        ("secp256k1", "sdk"),
        ("p256", "sec1"),
    ] {
        let key = d(&format!("{curve}-{format}.key"));
        outputs.push((
            "keygen",
            zatca(&[
                "keygen", "--out", &key, "--curve", curve, "--format", format,
            ]),
        ));
        needles.extend(key_needles(Path::new(&key)));
        outputs.push(("inspect key", zatca(&["inspect", &key])));
        outputs.push(("inspect key --json", zatca(&["inspect", &key, "--json"])));
        outputs.push((
            "sign-hash",
            zatca(&[
                "sign-hash",
                "--key",
                &key,
                "--hash",
                "X+zrZv/IbzjZUnhsbWlsecLbwjndTpG0ZynXOif7V+k=",
            ]),
        ));
        outputs.push((
            "sign-hash, bad hash",
            zatca(&["sign-hash", "--key", &key, "--hash", "not base64"]),
        ));
        let req = request(dir.path(), OTP);
        let req = req.to_str().unwrap();
        outputs.push((
            "csr",
            zatca(&[
                "csr",
                req,
                "--key",
                &key,
                "--env",
                "simulation",
                "--out",
                &d(&format!("{curve}-{format}.csr")),
                "--json",
            ]),
        ));
        outputs.push((
            "keygen over an existing key",
            zatca(&["keygen", "--out", &key]),
        ));
    }
    // A damaged key: the error must not echo what it read.
    let damaged = d("damaged.key");
    let good = std::fs::read_to_string(d("secp256k1-sec1.key")).unwrap();
    std::fs::write(&damaged, good.replace("-----END", "x-----END")).unwrap();
    outputs.push(("inspect a damaged key", zatca(&["inspect", &damaged])));
    let truncated = d("truncated.key");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    outputs.push(("inspect a truncated key", zatca(&["inspect", &truncated])));

    // Requests carrying an OTP, valid and not.
    let req = request(dir.path(), OTP);
    let req = req.to_str().unwrap();
    outputs.push(("validate", zatca(&["validate", req])));
    outputs.push(("validate --json", zatca(&["validate", req, "--json"])));
    let bad = request(dir.path(), "9182x3");
    needles.push("9182x3".to_owned());
    outputs.push((
        "validate, malformed OTP",
        zatca(&["validate", bad.to_str().unwrap(), "--json"]),
    ));

    // The lifecycle over a store: CSIDs are issued, then every view of them printed.
    let store = d("store");
    outputs.push((
        "onboard",
        zatca(&["onboard", req, "--env", "simulation", "--store", &store]),
    ));
    outputs.push((
        "device register --otp",
        zatca(&[
            "device",
            "register",
            req,
            "--env",
            "development",
            "--otp",
            OTP,
            "--store",
            &store,
            "--json",
        ]),
    ));
    outputs.push((
        "device register, bad OTP",
        zatca(&[
            "device",
            "register",
            req,
            "--env",
            "production",
            "--otp",
            "9182x3",
            "--store",
            &store,
        ]),
    ));
    let list = zatca(&["device", "list", "--store", &store, "--json"]);
    let ids: Vec<String> = serde_json::from_str::<serde_json::Value>(
        list.lines()
            .skip_while(|l| !l.starts_with(['[', '{']))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    )
    .map(|v| {
        let items = v
            .as_array()
            .cloned()
            .or_else(|| v["Devices"].as_array().cloned());
        items
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d["DeviceId"].as_str().map(str::to_owned))
            .collect()
    })
    .unwrap_or_default();
    outputs.push(("device list --json", list));
    outputs.push(("device list", zatca(&["device", "list", "--store", &store])));
    assert!(!ids.is_empty(), "no device ids in `device list --json`");
    for id in &ids {
        outputs.push((
            "device show",
            zatca(&["device", "show", id, "--store", &store]),
        ));
        outputs.push((
            "device show --json",
            zatca(&["device", "show", id, "--store", &store, "--json"]),
        ));
        outputs.push((
            "device csid, again",
            zatca(&[
                "device", "csid", id, "--otp", OTP, "--store", &store, "--json",
            ]),
        ));
    }

    // Every secret the store holds: device keys and CSID secrets.
    let files = files_below(Path::new(&store));
    let mut csids = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        if name.starts_with("key-") {
            needles.extend(key_needles(file));
            outputs.push((
                "inspect a device key",
                zatca(&["inspect", file.to_str().unwrap()]),
            ));
        }
        if file.parent().unwrap().ends_with("csid") {
            let body: serde_json::Value =
                serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
            let secret = body["secret"].as_str().unwrap().to_owned();
            assert!(
                secret.len() >= 16,
                "a CSID secret this short proves nothing"
            );
            needles.push(secret);
            csids += 1;
            outputs.push((
                "inspect a CSID",
                zatca(&["inspect", file.to_str().unwrap()]),
            ));
            outputs.push((
                "inspect a CSID --json",
                zatca(&["inspect", file.to_str().unwrap(), "--json"]),
            ));
        }
    }
    assert!(csids >= 2, "the store holds no CSIDs to check: {files:?}");

    for (what, output) in &outputs {
        assert_clean(what, output, &needles);
    }
    eprintln!(
        "{} outputs checked against {} secret needles",
        outputs.len(),
        needles.len()
    );
}
