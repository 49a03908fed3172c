//! Bounded reads of regular files that never block on a FIFO or device.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read as _};
use std::path::Path;

use crate::{FileKind, FsError};

/// Reads the regular file at `path`, of at most `max_bytes` bytes.
///
/// `what` says what the file should hold (`"private key"`, `"EGS request"`); every
/// error names the file and `what`. A FIFO, socket, device or directory is
/// refused with [`FsError::NotRegular`] without waiting for a writer; a file
/// larger than `max_bytes` is refused with [`FsError::TooLarge`], and at most
/// `max_bytes + 1` bytes of it are read. Symbolic links are followed: a link
/// to a regular file reads that file.
///
/// The buffer is sized from the file's length up front, so a file that does not
/// grow while it is read is never copied by a reallocation (callers wrap
/// secrets in `Zeroizing` and are left no stray copies).
pub fn read_regular(path: &Path, max_bytes: usize, what: &'static str) -> Result<Vec<u8>, FsError> {
    let unreadable = |e: io::Error| FsError::Unreadable {
        path: path.to_path_buf(),
        what,
        reason: e.to_string(),
    };
    // Judge the path before opening it: opening a device can itself have effects
    // (a tape rewinds, a terminal becomes the controlling one).
    let by_path = fs::metadata(path).map_err(unreadable)?;
    require_regular(path, what, &by_path)?;
    let file = open_without_blocking(path).map_err(unreadable)?;
    // The path may name something else by now: judge what was actually opened.
    let opened = file.metadata().map_err(unreadable)?;
    require_regular(path, what, &opened)?;
    let too_large = |len: u64| FsError::TooLarge {
        path: path.to_path_buf(),
        what,
        len,
        max: max_bytes,
    };
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    if opened.len() > limit {
        return Err(too_large(opened.len()));
    }
    let expected = usize::try_from(opened.len()).unwrap_or(max_bytes);
    let mut buf = Vec::with_capacity(expected.saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(unreadable)?;
    if buf.len() > max_bytes {
        // It grew while being read.
        return Err(too_large(u64::try_from(buf.len()).unwrap_or(u64::MAX)));
    }
    Ok(buf)
}

fn require_regular(path: &Path, what: &'static str, metadata: &Metadata) -> Result<(), FsError> {
    match FileKind::of(metadata) {
        FileKind::RegularFile => Ok(()),
        kind => Err(FsError::NotRegular {
            path: path.to_path_buf(),
            what,
            kind,
        }),
    }
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting
    // (on a regular file it changes nothing). O_NOCTTY: a terminal never becomes
    // the process's controlling terminal.
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_up_to_the_limit_and_refuses_one_byte_more() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        fs::write(&path, vec![b'a'; 11]).unwrap();
        assert_eq!(
            read_regular(&path, 10, "test input").unwrap_err(),
            FsError::TooLarge {
                path: path.clone(),
                what: "test input",
                len: 11,
                max: 10
            }
        );
        assert_eq!(read_regular(&path, 11, "test input").unwrap().len(), 11);
    }

    #[test]
    fn an_empty_file_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty");
        fs::write(&path, b"").unwrap();
        assert_eq!(read_regular(&path, 10, "test input").unwrap(), b"");
    }

    #[test]
    fn a_missing_file_is_unreadable_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.pem");
        let err = read_regular(&path, 10, "private key").unwrap_err();
        assert!(matches!(
            err,
            FsError::Unreadable {
                what: "private key",
                ..
            }
        ));
        let text = err.to_string();
        assert!(text.starts_with(&format!(
            "{}: cannot read the private key: ",
            path.display()
        )));
    }

    #[test]
    fn a_directory_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_regular(dir.path(), 10, "certificate").unwrap_err();
        assert_eq!(
            err,
            FsError::NotRegular {
                path: dir.path().to_path_buf(),
                what: "certificate",
                kind: FileKind::Directory
            }
        );
        assert!(
            err.to_string().ends_with(
                "is a directory, not a regular file; the certificate must be a regular file"
            ),
            "{err}"
        );
    }
}
