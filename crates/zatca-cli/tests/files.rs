//! Acceptance tests of how every command treats the files it is given: special
//! files are never replaced nor waited on, and every error names the flag, the
//! file and what was expected, with the documented exit code (1 invalid input,
//! 4 a file could not be read or written). Special files are made in a
//! temporary directory, never under the real `/dev`.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{arg, char_device, kind, mkfifo, stderr, testdata, zatca, zatca_with_env};

const REQUEST: &str = "requests/sample-device.json";
const KEY: &str = "keys/sdk-r3.3.3-priv-key.b64";
const CERT: &str = "keys/sdk-r3.3.3-cert.b64";
const INVOICE: &str = "invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml";

/// Asserts the run failed with `code` and printed exactly `message` as its error.
fn assert_error(args: &[&str], code: i32, message: &str) {
    assert_error_with_env(args, &[], code, message);
}

/// [`assert_error`] with extra environment variables.
fn assert_error_with_env(args: &[&str], env: &[(&str, &str)], code: i32, message: &str) {
    let out = zatca_with_env(args, env);
    assert_eq!(
        out.status.code(),
        Some(code),
        "zatca {}: {}",
        args.join(" "),
        stderr(&out)
    );
    assert_eq!(
        stderr(&out),
        format!("error: {message}\n"),
        "zatca {}",
        args.join(" ")
    );
}

fn fifo_message(label: &str, what: &str) -> String {
    format!(
        "{label}: is a FIFO (named pipe), not a regular file; the {what} must be a regular file"
    )
}

#[test]
fn keygen_and_csr_never_replace_a_fifo_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("key.pem");
    mkfifo(&fifo);
    let f = arg(&fifo);
    let refused = format!(
        "--out {f}: is a FIFO (named pipe), not a regular file; refusing to replace it, even with --force"
    );
    assert_error(&["keygen", "--out", f, "--force"], 4, &refused);
    assert_error(&["keygen", "--out", f], 4, &refused);
    let request = testdata(REQUEST);
    let key = testdata(KEY);
    assert_error(
        &[
            "csr",
            &request,
            "--env",
            "development",
            "--key",
            &key,
            "--out",
            f,
            "--force",
        ],
        4,
        &refused,
    );
    assert_eq!(kind(&fifo), "fifo");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a temporary file was left"
    );
}

#[test]
fn keygen_never_replaces_a_character_device() {
    let dir = tempfile::tempdir().unwrap();
    let Some(device) = char_device(dir.path()) else {
        return;
    };
    let d = arg(&device);
    assert_error(
        &["keygen", "--out", d, "--force"],
        4,
        &format!(
            "--out {d}: is a character device, not a regular file; refusing to replace it, even with --force"
        ),
    );
    assert_eq!(kind(&device), "char device");
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&device, &link).unwrap();
    let l = arg(&link);
    assert_error(
        &["keygen", "--out", l, "--force"],
        4,
        &format!(
            "--out {l}: is a symbolic link to a character device, not a regular file; refusing to replace it, even with --force"
        ),
    );
    assert_eq!(kind(&device), "char device");
    assert_eq!(kind(&link), "symlink");
}

#[test]
fn keygen_never_replaces_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = arg(dir.path());
    assert_error(
        &["keygen", "--out", d, "--force"],
        4,
        &format!(
            "--out {d}: is a directory, not a regular file; refusing to replace it, even with --force"
        ),
    );
}

#[test]
fn force_replaces_a_symlink_to_a_regular_file_and_leaves_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.txt");
    std::fs::write(&target, b"not a key").unwrap();
    let link = dir.path().join("device.key");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let l = arg(&link);
    assert_error(
        &["keygen", "--out", l],
        4,
        &format!("--out {l} already exists; refusing to overwrite it (pass --force to replace it)"),
    );
    let out = zatca(&["keygen", "--out", l, "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(kind(&link), "file");
    assert_eq!(std::fs::read(&target).unwrap(), b"not a key");
    assert!(
        std::fs::read_to_string(&link)
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----")
    );
}

#[test]
fn no_command_blocks_on_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let f = arg(&fifo);
    let out = dir.path().join("out");
    let o = arg(&out);
    let store = dir.path().join("store");
    let s = arg(&store);
    let (request, key, cert, invoice) = (
        testdata(REQUEST),
        testdata(KEY),
        testdata(CERT),
        testdata(INVOICE),
    );
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["inspect", f], fifo_message(f, "file to inspect")),
        (vec!["validate", f], fifo_message(f, "EGS request")),
        (
            vec!["csr", f, "--env", "development", "--key", &key, "--out", o],
            fifo_message(f, "EGS request"),
        ),
        (
            vec![
                "csr",
                &request,
                "--env",
                "development",
                "--key",
                f,
                "--out",
                o,
            ],
            fifo_message(&format!("--key {f}"), "private key"),
        ),
        (
            vec!["sign-hash", "--key", f, "--hash", "AAAA"],
            fifo_message(&format!("--key {f}"), "private key"),
        ),
        (vec!["invoice", "hash", f], fifo_message(f, "invoice XML")),
        (vec!["invoice", "verify", f], fifo_message(f, "invoice XML")),
        (
            vec![
                "invoice", "sign", f, "--key", &key, "--cert", &cert, "--out", o,
            ],
            fifo_message(f, "invoice XML"),
        ),
        (
            vec![
                "invoice", "sign", &invoice, "--key", f, "--cert", &cert, "--out", o,
            ],
            fifo_message(&format!("--key {f}"), "private key"),
        ),
        (
            vec![
                "invoice", "sign", &invoice, "--key", &key, "--cert", f, "--out", o,
            ],
            fifo_message(&format!("--cert {f}"), "certificate"),
        ),
        (
            vec![
                "compliance-docs",
                "--request",
                f,
                "--key",
                &key,
                "--cert",
                &cert,
                "--out",
                o,
            ],
            fifo_message(&format!("--request {f}"), "EGS request"),
        ),
        (
            vec![
                "compliance-docs",
                "--request",
                &request,
                "--key",
                f,
                "--cert",
                &cert,
                "--out",
                o,
            ],
            fifo_message(&format!("--key {f}"), "private key"),
        ),
        (
            vec![
                "compliance-docs",
                "--request",
                &request,
                "--key",
                &key,
                "--cert",
                f,
                "--out",
                o,
            ],
            fifo_message(&format!("--cert {f}"), "certificate"),
        ),
        (
            vec![
                "device",
                "register",
                f,
                "--env",
                "development",
                "--store",
                s,
            ],
            fifo_message(f, "EGS request"),
        ),
        (
            vec!["onboard", f, "--env", "development", "--store", s],
            fifo_message(f, "EGS request"),
        ),
    ];
    for (args, message) in cases {
        assert_error(&args, 4, &message);
    }
    assert!(
        !out.exists(),
        "a command wrote its output after a refused input"
    );
}

/// A 100 MB file that takes no disk space: the size is all the commands may look at.
fn sparse_file(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    path
}

#[test]
fn oversized_files_are_named_with_what_they_should_hold() {
    let dir = tempfile::tempdir().unwrap();
    let big = sparse_file(dir.path(), "big");
    let b = arg(&big);
    let store = dir.path().join("store");
    let out = dir.path().join("out");
    let request = testdata(REQUEST);
    assert_error(
        &["inspect", b],
        1,
        &format!(
            "{b}: the file to inspect is 104857600 bytes, larger than the 1048576 bytes accepted"
        ),
    );
    assert_error(
        &["validate", b],
        1,
        &format!("{b}: the EGS request is 104857600 bytes, larger than the 1048576 bytes accepted"),
    );
    assert_error(
        &[
            "device",
            "register",
            b,
            "--env",
            "development",
            "--store",
            arg(&store),
        ],
        1,
        &format!("{b}: the EGS request is 104857600 bytes, larger than the 1048576 bytes accepted"),
    );
    assert_error(
        &[
            "csr",
            &request,
            "--env",
            "development",
            "--key",
            b,
            "--out",
            arg(&out),
        ],
        1,
        &format!(
            "--key {b}: the private key is 104857600 bytes, larger than the 65536 bytes accepted"
        ),
    );
    assert_error(
        &[
            "invoice",
            "sign",
            &testdata(INVOICE),
            "--key",
            &testdata(KEY),
            "--cert",
            b,
            "--out",
            arg(&out),
        ],
        1,
        &format!(
            "--cert {b}: the certificate is 104857600 bytes, larger than the 1048576 bytes accepted"
        ),
    );
    assert!(!out.exists());
}

#[test]
fn empty_and_unreadable_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let e = arg(&empty);
    let missing = dir.path().join("missing.pem");
    let m = arg(&missing);
    let out = dir.path().join("out");
    let request = testdata(REQUEST);
    assert_error(
        &["inspect", e],
        1,
        &format!(
            "{e}: the file is empty; expected a private key, CSR, certificate, binarySecurityToken or CSID response"
        ),
    );
    assert_error(
        &["inspect", m],
        4,
        &format!("{m}: cannot read the file to inspect: No such file or directory (os error 2)"),
    );
    assert_error(
        &[
            "csr",
            &request,
            "--env",
            "development",
            "--key",
            e,
            "--out",
            arg(&out),
        ],
        1,
        &format!(
            "--key {e}: the file is empty; expected a private key (SEC1 or PKCS#8, as PEM, DER or bare base64)"
        ),
    );
    assert_error(
        &[
            "csr",
            &request,
            "--env",
            "development",
            "--key",
            m,
            "--out",
            arg(&out),
        ],
        4,
        &format!("--key {m}: cannot read the private key: No such file or directory (os error 2)"),
    );
    assert!(!out.exists());
}

#[test]
fn key_and_certificate_errors_name_the_flag_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signed.xml");
    let o = arg(&out);
    let invoice = testdata(INVOICE);
    let (key, cert) = (testdata(KEY), testdata(CERT));
    let public = testdata("keys/openssl-public-secp256k1.pem");
    let p256 = testdata("keys/openssl-sec1-p256.pem");
    let encrypted = testdata("keys/openssl-encrypted-pkcs8.pem");
    // A key where the certificate should be, and the other way round.
    let out_sign = zatca(&[
        "invoice", "sign", &invoice, "--key", &cert, "--cert", &cert, "--out", o,
    ]);
    assert_eq!(out_sign.status.code(), Some(1));
    assert!(
        stderr(&out_sign).starts_with(&format!("error: --key {cert}: ")),
        "{}",
        stderr(&out_sign)
    );
    let out_sign = zatca(&[
        "invoice", "sign", &invoice, "--key", &key, "--cert", &public, "--out", o,
    ]);
    assert_eq!(out_sign.status.code(), Some(1));
    assert!(
        stderr(&out_sign).starts_with(&format!("error: --cert {public}: ")),
        "{}",
        stderr(&out_sign)
    );
    // A key on the wrong curve, for a CSR and for sign-hash.
    let out_csr = zatca(&[
        "csr",
        &testdata(REQUEST),
        "--env",
        "development",
        "--key",
        &p256,
        "--out",
        o,
    ]);
    assert_eq!(out_csr.status.code(), Some(1));
    assert!(
        stderr(&out_csr).starts_with(&format!("error: --key {p256}: ")),
        "{}",
        stderr(&out_csr)
    );
    assert_error(
        &["sign-hash", "--key", &p256, "--hash", "AAAA"],
        1,
        &format!("--key {p256}: the key is on p256, but secp256k1 is required"),
    );
    // An encrypted key, without a passphrase: `inspect` and `--key` both name it.
    let out_inspect = zatca(&["inspect", &encrypted]);
    assert_eq!(out_inspect.status.code(), Some(1));
    assert!(
        stderr(&out_inspect)
            .starts_with(&format!("error: {encrypted}: the private key is encrypted")),
        "{}",
        stderr(&out_inspect)
    );
    let out_sign = zatca(&[
        "invoice", "sign", &invoice, "--key", &encrypted, "--cert", &cert, "--out", o,
    ]);
    assert_eq!(out_sign.status.code(), Some(1));
    assert!(
        stderr(&out_sign).starts_with(&format!(
            "error: --key {encrypted}: the private key is encrypted"
        )),
        "{}",
        stderr(&out_sign)
    );
    assert!(!out.exists());
}

#[test]
fn an_encrypted_key_file_is_read_with_the_passphrase_the_message_names() {
    let encrypted = testdata("keys/openssl-encrypted-pkcs8.pem");
    let hash = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let plain = zatca(&[
        "sign-hash",
        "--key",
        &testdata("keys/openssl-pkcs8-secp256k1.pem"),
        "--hash",
        hash,
    ]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    let out = zatca_with_env(
        &["sign-hash", "--key", &encrypted, "--hash", hash],
        &[("ZATCA_KEY_PASSPHRASE", "fixture")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // RFC 6979: the same key and hash give the same signature.
    assert_eq!(out.stdout, plain.stdout);
    let out = zatca_with_env(
        &["inspect", &encrypted],
        &[("ZATCA_KEY_PASSPHRASE", "fixture")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_error_with_env(
        &["sign-hash", "--key", &encrypted, "--hash", hash],
        &[("ZATCA_KEY_PASSPHRASE", "wrong")],
        1,
        &format!(
            "--key {encrypted}: the passphrase does not decrypt the private key (or the encrypted key is damaged)"
        ),
    );
}
