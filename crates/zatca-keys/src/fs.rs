//! Crash-safe file writes: temporary file in the same directory, fsync, then rename.
//!
//! Every key, CSR and credential this toolkit writes goes through [`write_atomic`],
//! so a crash or a failing write leaves either the old file or the new one, never
//! a half-written one, and an existing file is never replaced unless asked.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::KeyError;

/// How [`write_atomic`] treats the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Unix permission bits of the new file (`0o600` for secrets).
    pub mode: u32,
    /// Replace an existing file. When `false`, an existing file is an error
    /// and is left untouched.
    pub overwrite: bool,
}

impl WriteOptions {
    /// A secret: mode 0600, no overwrite.
    pub const SECRET: Self = Self {
        mode: 0o600,
        overwrite: false,
    };
    /// A public artefact (CSR, certificate): mode 0644, no overwrite.
    pub const PUBLIC: Self = Self {
        mode: 0o644,
        overwrite: false,
    };

    /// The same options, with overwriting allowed or not.
    #[must_use]
    pub const fn overwrite(self, overwrite: bool) -> Self {
        Self { overwrite, ..self }
    }
}

/// Writes `contents` to `path` atomically. See [`write_atomic_with`].
///
/// ```
/// use zatca_keys::fs::{write_atomic, WriteOptions};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("note.txt");
/// write_atomic(&path, b"hello", WriteOptions::PUBLIC)?;
/// assert!(write_atomic(&path, b"again", WriteOptions::PUBLIC).is_err());
/// assert_eq!(std::fs::read(&path)?, b"hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_atomic(path: &Path, contents: &[u8], options: WriteOptions) -> Result<(), KeyError> {
    write_atomic_with(path, options, |file| file.write_all(contents))
}

/// Writes a file atomically, letting `fill` produce its contents.
///
/// The temporary file is created next to `path` (same file system, so the final
/// rename is atomic) with `options.mode` from the start, so a secret is never
/// readable by others, not even briefly. If `fill` or any later step fails, the
/// temporary file is removed and the destination is untouched.
pub fn write_atomic_with<F>(path: &Path, options: WriteOptions, fill: F) -> Result<(), KeyError>
where
    F: FnOnce(&mut File) -> io::Result<()>,
{
    let io_err = |e: io::Error| KeyError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    if !options.overwrite && path.symlink_metadata().is_ok() {
        return Err(KeyError::FileExists {
            path: path.to_path_buf(),
        });
    }
    let dir = parent_dir(path);
    let tmp = temp_path(&dir, path);
    let result = (|| {
        let mut file = create_new(&tmp, options.mode)?;
        fill(&mut file)?;
        file.sync_all()?;
        drop(file);
        if options.overwrite {
            fs::rename(&tmp, path)
        } else {
            // link() fails if the destination appeared meanwhile: no-clobber without a race.
            fs::hard_link(&tmp, path).and_then(|()| fs::remove_file(&tmp))
        }
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        if e.kind() == io::ErrorKind::AlreadyExists {
            return Err(KeyError::FileExists {
                path: path.to_path_buf(),
            });
        }
        return Err(io_err(e));
    }
    // Make the rename itself durable.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn temp_path(dir: &Path, path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

#[cfg(unix)]
fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
}

#[cfg(not(unix))]
fn create_new(path: &Path, _mode: u32) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Reads a file of at most `max` bytes, refusing larger ones before reading them whole.
pub fn read_limited(path: &Path, max: usize) -> Result<Vec<u8>, KeyError> {
    use std::io::Read;
    let io_err = |e: io::Error| KeyError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let file = File::open(path).map_err(io_err)?;
    let mut buf = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(io_err)?;
    if buf.len() > max {
        return Err(KeyError::TooLarge {
            len: buf.len(),
            max,
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_writer_leaves_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        fs::write(&path, b"old").unwrap();
        let err = write_atomic_with(&path, WriteOptions::SECRET.overwrite(true), |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(matches!(err, KeyError::Io { .. }), "{err:?}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "a temporary file was left behind");
    }

    #[test]
    fn refuses_to_overwrite_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        fs::write(&path, b"old").unwrap();
        let err = write_atomic(&path, b"new", WriteOptions::SECRET).unwrap_err();
        assert_eq!(err, KeyError::FileExists { path: path.clone() });
        assert_eq!(fs::read(&path).unwrap(), b"old");
        write_atomic(&path, b"new", WriteOptions::SECRET.overwrite(true)).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn secret_mode_is_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        write_atomic(&path, b"x", WriteOptions::SECRET).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Overwriting keeps the secret mode too.
        write_atomic(&path, b"y", WriteOptions::SECRET.overwrite(true)).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn read_limited_refuses_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        fs::write(&path, vec![b'a'; 11]).unwrap();
        assert_eq!(
            read_limited(&path, 10).unwrap_err(),
            KeyError::TooLarge { len: 11, max: 10 }
        );
        assert_eq!(read_limited(&path, 11).unwrap().len(), 11);
    }
}
