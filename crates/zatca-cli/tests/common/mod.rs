//! What the CLI acceptance tests share: running the binary (with a generous
//! bound, so a command that blocks fails instead of hanging the suite), the
//! test data, and special files made inside a temporary directory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long one run of the binary may take before it counts as blocked.
const BLOCKED_AFTER: Duration = Duration::from_secs(60);

/// Runs `zatca ARGS` with `ZATCA_KEY_PASSPHRASE` and `ZATCA_STORE` unset; panics if it has not
/// finished within a minute (it was blocked, on a FIFO for instance).
pub fn zatca(args: &[&str]) -> Output {
    zatca_with_env(args, &[])
}

/// Like [`zatca`], with extra environment variables.
pub fn zatca_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zatca"));
    command
        .args(args)
        .env_remove("ZATCA_KEY_PASSPHRASE")
        .env_remove("ZATCA_STORE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let child = command.spawn().unwrap();
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

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A file under the workspace's `testdata/`.
pub fn testdata(rel: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel);
    path.to_str().unwrap().to_owned()
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
