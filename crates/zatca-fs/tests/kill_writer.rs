//! A writer killed mid-way (SIGKILL, no chance to clean up) leaves the file it
//! was replacing intact and never a partial file under the real name.
//!
//! The test re-runs its own binary as the writer: the child writes half of the
//! new contents into the temporary file, says so on stdout and waits; the
//! parent kills it at that moment, without any timing assumption.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};

use zatca_fs::{WriteOptions, write_atomic_with};

const CHILD_ENV: &str = "ZATCA_KILL_WRITER_TARGET";

#[test]
fn killed_writer_leaves_the_old_file_intact() {
    if let Some(target) = std::env::var_os(CHILD_ENV) {
        // The child: write half, report, then hang until killed.
        let _ = write_atomic_with(
            std::path::Path::new(&target),
            WriteOptions::SECRET.overwrite(true),
            |file| {
                file.write_all(b"-----BEGIN EC PRIVATE KEY-----\nNEW HALF")?;
                file.flush()?;
                println!("HALF-WRITTEN");
                std::io::stdout().flush()?;
                loop {
                    std::thread::park();
                }
            },
        );
        panic!("the child writer was not killed");
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    std::fs::write(&path, b"OLD KEY").unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "killed_writer_leaves_the_old_file_intact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut half_written = false;
    for line in BufReader::new(stdout).lines() {
        if line.unwrap().contains("HALF-WRITTEN") {
            half_written = true;
            break;
        }
    }
    assert!(
        half_written,
        "the child never reached the middle of its write"
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());

    // The old file is intact; the only other file is the hidden temporary one
    // (stores sweep those), never a partial file under the real name.
    assert_eq!(std::fs::read(&path).unwrap(), b"OLD KEY");
    let mut others = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "key.pem" {
            others.push(name);
        }
    }
    assert!(
        others
            .iter()
            .all(|n| n.starts_with('.') && n.contains(".tmp-")),
        "unexpected files after the kill: {others:?}"
    );
    assert_eq!(
        others.len(),
        1,
        "the half-written temporary file: {others:?}"
    );
}
