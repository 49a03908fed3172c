//! Crash-safe writes: temporary file in the same directory, fsync, then rename.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{FileKind, FsError};

/// How [`write_atomic`] treats the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Unix permission bits of the new file (`0o600` for secrets).
    pub mode: u32,
    /// Replace an existing regular file (or a link to one: the link is replaced).
    /// When `false`, an existing file is an error and is left untouched. Anything
    /// but a regular file is never replaced.
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
pub fn write_atomic(path: &Path, contents: &[u8], options: WriteOptions) -> Result<(), FsError> {
    write_atomic_with(path, options, |file| file.write_all(contents))
}

/// Writes a file atomically, letting `fill` produce its contents.
///
/// The temporary file is created next to `path` (same file system, so the final
/// rename is atomic) with `options.mode` from the start. If `fill` or any later
/// step fails, the temporary file is removed and the destination is untouched.
/// What an existing destination may be is tabled in the crate docs.
pub fn write_atomic_with<F>(path: &Path, options: WriteOptions, fill: F) -> Result<(), FsError>
where
    F: FnOnce(&mut File) -> io::Result<()>,
{
    let unwritable = |e: io::Error| FsError::Unwritable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let existing = destination(path).map_err(unwritable)?;
    match existing {
        Destination::Absent => {}
        Destination::Replaceable if options.overwrite => {}
        Destination::Replaceable => {
            return Err(FsError::Exists {
                path: path.to_path_buf(),
            });
        }
        Destination::Special {
            kind,
            through_symlink,
        } => {
            return Err(FsError::NotReplaceable {
                path: path.to_path_buf(),
                kind,
                through_symlink,
            });
        }
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
            return Err(FsError::Exists {
                path: path.to_path_buf(),
            });
        }
        return Err(unwritable(e));
    }
    // Make the rename itself durable.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// What is at a destination path now.
enum Destination {
    Absent,
    /// A regular file, a link to one, or a dangling link.
    Replaceable,
    Special {
        kind: FileKind,
        through_symlink: bool,
    },
}

fn destination(path: &Path) -> io::Result<Destination> {
    let own = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Destination::Absent),
        Err(e) => return Err(e),
    };
    let (kind, through_symlink) = match FileKind::of(&own) {
        FileKind::Symlink => match fs::metadata(path) {
            Ok(target) => (FileKind::of(&target), true),
            // A dangling link: replacing it writes nothing anywhere else.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Destination::Replaceable),
            Err(e) => return Err(e),
        },
        kind => (kind, false),
    };
    Ok(match kind {
        FileKind::RegularFile => Destination::Replaceable,
        kind => Destination::Special {
            kind,
            through_symlink,
        },
    })
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The prefix of the temporary files [`write_atomic`] makes for `file_name`
/// (`.NAME.tmp-<pid>-<n>`, hidden, next to it).
fn temp_prefix(file_name: &str) -> String {
    format!(".{file_name}.tmp-")
}

/// Whether `name` is a temporary file of [`write_atomic`]: of `file_name`
/// when given, else of any file. Only such files are left behind by a writer
/// killed between creating and renaming them.
///
/// ```
/// use zatca_fs::is_temp_file;
/// assert!(is_temp_file(".state.json.tmp-123-0", Some("state.json")));
/// assert!(is_temp_file(".key-1.pem.tmp-9-4", None));
/// assert!(!is_temp_file("state.json", None));
/// ```
pub fn is_temp_file(name: &str, file_name: Option<&str>) -> bool {
    match file_name {
        Some(file) => name.starts_with(&temp_prefix(file)),
        None => name.starts_with('.') && name.contains(".tmp-"),
    }
}

/// Removes the temporary files a killed writer left in `dir` (see
/// [`is_temp_file`]; `only` limits it to those of these file names). Call it
/// only where no other writer can be at work (under the folder's lock).
/// Returns how many were removed; a folder that cannot be read removes none.
pub fn sweep_temp_files(dir: &Path, only: Option<&[&str]>) -> io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = match only {
            Some(files) => files.iter().any(|f| is_temp_file(&name, Some(f))),
            None => is_temp_file(&name, None),
        };
        if stale {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn temp_path(dir: &Path, path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    dir.join(format!("{}{}-{n}", temp_prefix(&name), std::process::id()))
}

#[cfg(unix)]
fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
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
        assert!(matches!(err, FsError::Unwritable { .. }), "{err:?}");
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
        assert_eq!(err, FsError::Exists { path: path.clone() });
        assert_eq!(fs::read(&path).unwrap(), b"old");
        write_atomic(&path, b"new", WriteOptions::SECRET.overwrite(true)).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn a_directory_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        fs::create_dir(&target).unwrap();
        for overwrite in [false, true] {
            let err =
                write_atomic(&target, b"x", WriteOptions::PUBLIC.overwrite(overwrite)).unwrap_err();
            assert_eq!(
                err,
                FsError::NotReplaceable {
                    path: target.clone(),
                    kind: FileKind::Directory,
                    through_symlink: false
                }
            );
        }
        assert!(target.is_dir());
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
}
