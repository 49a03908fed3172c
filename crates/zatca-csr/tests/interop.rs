//! Our CSRs checked by independent implementations: `openssl req -verify` and
//! Python's `cryptography` (OIDs, order, string types, signature), English and
//! Arabic, every environment. Each test skips with a printed reason only when
//! the tool is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use zatca_csr::Csr;
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::{EgsProfile, Environment, RequestInput, ValidateOptions, ValidationProfile};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

fn profile(rel: &str, env: Environment) -> EgsProfile {
    RequestInput::from_bytes(&std::fs::read(testdata(rel)).unwrap())
        .unwrap()
        .validate_with(&ValidateOptions {
            profile: ValidationProfile::Sdk,
            environment: Some(env),
            require_environment: true,
        })
        .unwrap()
}

fn cases() -> Vec<(EgsProfile, Environment)> {
    vec![
        (
            profile("requests/sample-device.json", Environment::Production),
            Environment::Production,
        ),
        (
            profile("profile/cleartax-ar.json", Environment::Development),
            Environment::Development,
        ),
        (
            profile("profile/provider-sim.json", Environment::Simulation),
            Environment::Simulation,
        ),
        // The SDK's Arabic example: an O of 42 characters, 79 bytes.
        (
            profile(
                "csr/sdk-r3.3.3/csr-config-example-AR.properties",
                Environment::Simulation,
            ),
            Environment::Simulation,
        ),
    ]
}

fn tool_available(program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: `{program}` is not available ({program} {args:?} failed)");
    }
    ok
}

#[test]
fn openssl_verifies_our_csrs() {
    if !tool_available("openssl", &["version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    for (i, (profile, env)) in cases().into_iter().enumerate() {
        let csr = Csr::build(&profile, &key).unwrap();
        let path = dir.path().join(format!("{i}.csr"));
        std::fs::write(&path, csr.to_pem().unwrap()).unwrap();
        let out = Command::new("openssl")
            .args(["req", "-verify", "-noout", "-in"])
            .arg(&path)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{env:?}: {all}");
        assert!(
            all.contains("verify OK")
                || all.contains("Certificate request self-signature verify OK"),
            "{all}"
        );
        // And the DER form reads too.
        let der_path = dir.path().join(format!("{i}.der"));
        std::fs::write(&der_path, csr.to_der()).unwrap();
        let out = Command::new("openssl")
            .args(["req", "-verify", "-noout", "-inform", "DER", "-in"])
            .arg(&der_path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{env:?} DER");
    }
}

const PY_CHECK: &str = r#"
import json, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtensionOID
from cryptography.x509.name import _ASN1Type

csr = x509.load_pem_x509_csr(open(sys.argv[1], "rb").read())
want = json.loads(sys.argv[2])
assert csr.is_signature_valid, "signature"
assert csr.signature_algorithm_oid.dotted_string == "1.2.840.10045.4.3.2"
assert csr.public_key().curve.name == "secp256k1", csr.public_key().curve.name

def rdns(name):
    out = []
    for rdn in name.rdns:
        attrs = list(rdn)
        assert len(attrs) == 1, "one attribute per RDN"
        a = attrs[0]
        out.append([a.oid.dotted_string, a._type.name, a.value])
    return out

got = rdns(csr.subject)
assert got == want["subject"], (got, want["subject"])

exts = list(csr.extensions)
assert [e.oid.dotted_string for e in exts] == ["1.3.6.1.4.1.311.20.2", "2.5.29.17"], exts
assert all(not e.critical for e in exts)
assert exts[0].value.value == bytes([0x0C, len(want["template"])]) + want["template"].encode(), exts[0].value.value
san = csr.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
assert len(list(san)) == 1
dirs = san.get_values_for_type(x509.DirectoryName)
assert len(dirs) == 1
got = rdns(dirs[0])
assert got == want["san"], (got, want["san"])
print("ok")
"#;

#[test]
fn python_cryptography_reads_the_right_oids_order_and_string_types() {
    if !tool_available("python3", &["-c", "import cryptography.x509"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    for (i, (p, env)) in cases().into_iter().enumerate() {
        let csr = Csr::build(&p, &key).unwrap();
        let path = dir.path().join(format!("{i}.csr"));
        std::fs::write(&path, csr.to_pem().unwrap()).unwrap();
        let want = serde_json::json!({
            "template": env.template_name(),
            "subject": [
                ["2.5.4.6", "PrintableString", p.country().as_str()],
                ["2.5.4.11", "UTF8String", p.organization_unit().as_str()],
                ["2.5.4.10", "UTF8String", p.organization_name().as_str()],
                ["2.5.4.3", "UTF8String", p.common_name().as_str()],
            ],
            "san": [
                ["2.5.4.4", "UTF8String", p.egs_serial().as_str()],
                ["0.9.2342.19200300.100.1.1", "UTF8String", p.vat().as_str()],
                ["2.5.4.12", "UTF8String", p.invoice_types().as_str()],
                ["2.5.4.26", "UTF8String", p.location().as_str()],
                ["2.5.4.15", "UTF8String", p.industry().as_str()],
            ],
        });
        let out = Command::new("python3")
            .args(["-c", PY_CHECK])
            .arg(&path)
            .arg(want.to_string())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{env:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    }
}
