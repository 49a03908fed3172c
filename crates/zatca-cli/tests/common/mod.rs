//! What the CLI acceptance tests share: running the binary (with a generous
//! bound, so a command that blocks fails instead of hanging the suite), its
//! output as text or JSON, the test data, the folders a store leaves behind,
//! and special files made inside a temporary directory; `serve`: `zatca serve`
//! as a process that tests drive over HTTP and stop.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod chain;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long one run of the binary may take before it counts as blocked.
const BLOCKED_AFTER: Duration = Duration::from_secs(60);

/// The variables the binary reads that a developer's shell may have set: each
/// run starts without them, so only what a test passes counts.
const AMBIENT_ENV: [&str; 3] = [
    "ZATCA_KEY_PASSPHRASE",
    "ZATCA_NEW_KEY_PASSPHRASE",
    "ZATCA_STORE",
];

/// Runs `zatca ARGS` with `ZATCA_KEY_PASSPHRASE`, `ZATCA_NEW_KEY_PASSPHRASE`
/// and `ZATCA_STORE` unset; panics if it has not finished within a minute (it
/// was blocked, on a FIFO for instance).
pub fn zatca(args: &[&str]) -> Output {
    zatca_with_env(args, &[])
}

/// Like [`zatca`], with extra environment variables.
pub fn zatca_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    finish(spawn_zatca(args, env), args)
}

/// Like [`zatca`], with `ZATCA_KEY_PASSPHRASE` set to `passphrase` and
/// `ZATCA_NEW_KEY_PASSPHRASE` to `new`, each only where given.
pub fn zatca_with_passphrases(
    passphrase: Option<&str>,
    new: Option<&str>,
    args: &[&str],
) -> Output {
    let mut env = Vec::new();
    if let Some(p) = passphrase {
        env.push(("ZATCA_KEY_PASSPHRASE", p));
    }
    if let Some(p) = new {
        env.push(("ZATCA_NEW_KEY_PASSPHRASE", p));
    }
    zatca_with_env(args, &env)
}

/// Starts `zatca ARGS` as [`zatca_with_env`] runs it (stdin empty, stdout and
/// stderr captured) without waiting, for tests that run several at once; wait
/// with [`finish`].
pub fn spawn_zatca(args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zatca"));
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in AMBIENT_ENV {
        command.env_remove(name);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    command.spawn().unwrap()
}

/// Waits for a child started by [`spawn_zatca`] with `args`; kills it and
/// panics if it has not finished within a minute.
pub fn finish(child: Child, args: &[&str]) -> Output {
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(BLOCKED_AFTER) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("`zatca {}` did not finish: it blocked", args.join(" "));
        }
    }
}

/// stdout as text; panics if it is not UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap_or_else(|e| panic!("stdout is not UTF-8: {e}"))
}

/// stderr as text; panics if it is not UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap_or_else(|e| panic!("stderr is not UTF-8: {e}"))
}

/// stdout then stderr, as text (lossy), for messages and searches over both.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// stdout parsed as JSON; panics with both streams if it is not JSON.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// A file under the workspace's `testdata/`.
pub fn testdata(rel: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel);
    path.to_str().unwrap().to_owned()
}

/// An unsigned document a till sends (`testdata/unsigned-invoices/NAME.xml`:
/// an SDK R3.3.3 sample without its signature parts, made by
/// `make-unsigned.py` there).
pub fn unsigned_sample(name: &str) -> String {
    std::fs::read_to_string(testdata(&format!("unsigned-invoices/{name}.xml"))).unwrap()
}

/// `xml` without `ext:UBLExtensions`, `cac:Signature` and the QR
/// `cac:AdditionalDocumentReference` (what the invoice hash leaves out).
pub fn without_signature_parts(xml: &str) -> String {
    let mut xml = xml.to_owned();
    for (open, close, marker) in [
        (
            "<ext:UBLExtensions",
            "</ext:UBLExtensions>",
            "<ext:UBLExtensions",
        ),
        ("<cac:Signature>", "</cac:Signature>", "<cac:Signature>"),
        (
            "<cac:AdditionalDocumentReference>",
            "</cac:AdditionalDocumentReference>",
            "<cbc:ID>QR</cbc:ID>",
        ),
    ] {
        let Some(m) = xml.find(marker) else { continue };
        let start = xml[..m + marker.len()].rfind(open).unwrap();
        let end = start + xml[start..].find(close).unwrap() + close.len();
        xml.replace_range(start..end, "");
    }
    xml
}

/// The invoice hash of a signed document computed without the toolkit:
/// xmllint's C14N 1.1 of [`without_signature_parts`], SHA-256 (openssl),
/// base64. `None` when xmllint or openssl is missing.
pub fn independent_invoice_hash(signed: &str) -> Option<String> {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.xml");
    std::fs::write(&path, without_signature_parts(signed)).unwrap();
    let c14n = Command::new("xmllint")
        .arg("--c14n11")
        .arg(&path)
        .output()
        .ok()?;
    assert!(
        c14n.status.success(),
        "{}",
        String::from_utf8_lossy(&c14n.stderr)
    );
    let canonical = dir.path().join("doc.c14n");
    std::fs::write(&canonical, &c14n.stdout).unwrap();
    let digest = Command::new("openssl")
        .args(["dgst", "-sha256", "-binary"])
        .arg(&canonical)
        .output()
        .ok()?;
    assert!(digest.status.success());
    Some(base64::engine::general_purpose::STANDARD.encode(digest.stdout))
}

/// The sample device request (ClearTax-shaped, TSXY `1100`, OTP `123345`).
pub fn sample() -> String {
    testdata("requests/sample-device.json")
}

/// The text of [`sample`] without its OTP line, for tests that pass the OTP
/// on the command line or not at all.
pub fn sample_without_otp() -> String {
    let body = std::fs::read_to_string(sample())
        .unwrap()
        .replace(",\n  \"Otp\": \"123345\"", "");
    assert!(!body.contains("Otp"), "{body}");
    body
}

/// Every path below `dir`, folders included, depth first; panics if a folder
/// cannot be read.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.push(path.clone());
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The regular files below `dir` (see [`walk`]).
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    walk(dir).into_iter().filter(|p| p.is_file()).collect()
}

/// A path as the `&str` the binary's arguments are.
pub fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Makes a FIFO at `path` (with `mkfifo`, which every Unix has).
pub fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A character device with `/dev/null`'s numbers, made in `dir` (never under the
/// real `/dev`) when running as root; `None`, with the reason printed, otherwise.
pub fn char_device(dir: &Path) -> Option<PathBuf> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root {
        eprintln!("skipping the character-device case: mknod needs root");
        return None;
    }
    let path = dir.join("null");
    let made = Command::new("mknod")
        .arg(&path)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipping the character-device case: mknod failed (no CAP_MKNOD here?)");
        return None;
    }
    Some(path)
}

/// The kind of what is at `path`, without following a link: `"fifo"`,
/// `"char device"`, `"file"`, `"symlink"`, `"dir"` or `"other"`.
pub fn kind(path: &Path) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let t = std::fs::symlink_metadata(path).unwrap().file_type();
    if t.is_fifo() {
        "fifo"
    } else if t.is_char_device() {
        "char device"
    } else if t.is_symlink() {
        "symlink"
    } else if t.is_file() {
        "file"
    } else if t.is_dir() {
        "dir"
    } else {
        "other"
    }
}
