//! FIFOs, sockets, devices, directories and symbolic links, as read and write
//! targets: never read (and never waited on), never replaced. Every special file
//! is made inside a temporary directory, never under the real `/dev`.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::os::unix::fs::{FileTypeExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use zatca_fs::{FileKind, FsError, WriteOptions, read_regular, write_atomic};

/// Runs `f` on another thread and fails (instead of hanging the suite) if it
/// has not returned in a generous time: the old code blocked forever here.
fn without_hanging<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the call blocked on a special file")
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A character device with /dev/null's numbers (1, 3), made in `dir` when
/// running as root; `None` (with the reason printed) otherwise.
fn char_device(dir: &Path) -> Option<PathBuf> {
    if !is_root() {
        eprintln!("skipping the character-device case: mknod needs root");
        return None;
    }
    let path = dir.join("null");
    let status = Command::new("mknod")
        .arg(&path)
        .args(["c", "1", "3"])
        .status()
        .unwrap();
    if !status.success() {
        eprintln!(
            "skipping the character-device case: mknod failed here (a container without CAP_MKNOD?)"
        );
        return None;
    }
    assert!(
        fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_char_device()
    );
    Some(path)
}

fn assert_refused_write(path: &Path, kind: FileKind, through_symlink: bool) {
    for overwrite in [false, true] {
        let p = path.to_path_buf();
        let err = without_hanging(move || {
            write_atomic(&p, b"SECRET", WriteOptions::SECRET.overwrite(overwrite))
        })
        .unwrap_err();
        assert_eq!(
            err,
            FsError::NotReplaceable {
                path: path.to_path_buf(),
                kind,
                through_symlink
            },
            "overwrite {overwrite}"
        );
        let message = err.to_string();
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(message.contains(kind.description()), "{message}");
    }
}

fn leftover_temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

#[test]
fn a_fifo_without_a_writer_is_refused_at_once_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("key.pem");
    mkfifo(&fifo);
    let p = fifo.clone();
    let err = without_hanging(move || read_regular(&p, 1024, "private key")).unwrap_err();
    assert_eq!(
        err,
        FsError::NotRegular {
            path: fifo.clone(),
            what: "private key",
            kind: FileKind::Fifo
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: is a FIFO (named pipe), not a regular file; the private key must be a regular file",
            fifo.display()
        )
    );
}

#[test]
fn a_symlink_to_a_fifo_is_refused_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let link = dir.path().join("cert.pem");
    symlink(&fifo, &link).unwrap();
    let p = link.clone();
    let err = without_hanging(move || read_regular(&p, 1024, "certificate")).unwrap_err();
    assert!(
        matches!(&err, FsError::NotRegular { path, kind: FileKind::Fifo, .. } if *path == link),
        "{err:?}"
    );
}

#[test]
fn a_symlink_to_a_regular_file_is_read_through() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.pem");
    fs::write(&target, b"contents").unwrap();
    let link = dir.path().join("link.pem");
    symlink(&target, &link).unwrap();
    assert_eq!(
        read_regular(&link, 1024, "private key").unwrap(),
        b"contents"
    );
}

#[test]
fn a_socket_is_refused_when_read_and_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let err = read_regular(&path, 1024, "invoice").unwrap_err();
    assert!(
        matches!(
            err,
            FsError::NotRegular {
                kind: FileKind::Socket,
                ..
            }
        ),
        "{err:?}"
    );
    assert_refused_write(&path, FileKind::Socket, false);
    assert!(fs::symlink_metadata(&path).unwrap().file_type().is_socket());
}

#[test]
fn a_fifo_is_never_replaced_even_with_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("key.pem");
    mkfifo(&fifo);
    assert_refused_write(&fifo, FileKind::Fifo, false);
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(leftover_temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn a_symlink_to_a_fifo_or_directory_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let to_fifo = dir.path().join("to-fifo");
    symlink(&fifo, &to_fifo).unwrap();
    assert_refused_write(&to_fifo, FileKind::Fifo, true);
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let to_dir = dir.path().join("to-dir");
    symlink(&sub, &to_dir).unwrap();
    assert_refused_write(&to_dir, FileKind::Directory, true);
    assert!(
        fs::symlink_metadata(&to_fifo)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::symlink_metadata(&to_dir)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_dir(&sub).unwrap().count(), 0);
}

#[test]
fn a_character_device_is_never_replaced_nor_read() {
    let dir = tempfile::tempdir().unwrap();
    let Some(device) = char_device(dir.path()) else {
        return;
    };
    assert_refused_write(&device, FileKind::CharDevice, false);
    let err = read_regular(&device, 1024, "private key").unwrap_err();
    assert!(
        matches!(
            err,
            FsError::NotRegular {
                kind: FileKind::CharDevice,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        fs::symlink_metadata(&device)
            .unwrap()
            .file_type()
            .is_char_device()
    );
    let link = dir.path().join("to-null");
    symlink(&device, &link).unwrap();
    assert_refused_write(&link, FileKind::CharDevice, true);
}

#[test]
fn overwrite_replaces_a_symlink_to_a_regular_file_not_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.pem");
    fs::write(&target, b"OTHER FILE").unwrap();
    let link = dir.path().join("key.pem");
    symlink(&target, &link).unwrap();
    let err = write_atomic(&link, b"NEW KEY", WriteOptions::SECRET).unwrap_err();
    assert_eq!(err, FsError::Exists { path: link.clone() });
    write_atomic(&link, b"NEW KEY", WriteOptions::SECRET.overwrite(true)).unwrap();
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_file());
    assert_eq!(fs::read(&link).unwrap(), b"NEW KEY");
    assert_eq!(fs::read(&target).unwrap(), b"OTHER FILE");
}

#[test]
fn a_dangling_symlink_counts_as_existing_and_is_replaced_on_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone");
    let link = dir.path().join("key.pem");
    symlink(&missing, &link).unwrap();
    let err = write_atomic(&link, b"NEW", WriteOptions::SECRET).unwrap_err();
    assert_eq!(err, FsError::Exists { path: link.clone() });
    write_atomic(&link, b"NEW", WriteOptions::SECRET.overwrite(true)).unwrap();
    assert_eq!(fs::read(&link).unwrap(), b"NEW");
    assert!(!missing.exists(), "the write went through the link");
}
