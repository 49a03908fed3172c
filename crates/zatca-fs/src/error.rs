//! The one error type of this crate, and the kinds of file it names.

use std::fmt;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

/// What a path turned out to be, when it is not what was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A regular file.
    RegularFile,
    /// A directory.
    Directory,
    /// A symbolic link (seen without following it).
    Symlink,
    /// A named pipe.
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// A character device, such as `/dev/null` or a terminal.
    CharDevice,
    /// A block device, such as a disk.
    BlockDevice,
    /// Anything else the operating system reports.
    Other,
}

impl FileKind {
    /// The kind of file `metadata` describes.
    pub fn of(metadata: &Metadata) -> Self {
        let t = metadata.file_type();
        if t.is_file() {
            return Self::RegularFile;
        }
        if t.is_dir() {
            return Self::Directory;
        }
        if t.is_symlink() {
            return Self::Symlink;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt as _;
            if t.is_fifo() {
                return Self::Fifo;
            }
            if t.is_socket() {
                return Self::Socket;
            }
            if t.is_char_device() {
                return Self::CharDevice;
            }
            if t.is_block_device() {
                return Self::BlockDevice;
            }
        }
        Self::Other
    }

    /// The kind in words, with its article: `"a FIFO (named pipe)"`.
    pub const fn description(self) -> &'static str {
        match self {
            Self::RegularFile => "a regular file",
            Self::Directory => "a directory",
            Self::Symlink => "a symbolic link",
            Self::Fifo => "a FIFO (named pipe)",
            Self::Socket => "a socket",
            Self::CharDevice => "a character device",
            Self::BlockDevice => "a block device",
            Self::Other => "a special file",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// Everything that can go wrong reading or writing a file. Every variant names
/// the file; the read errors also say what it was expected to be (`what`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FsError {
    /// The file could not be opened or read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the file was expected to hold, e.g. `"private key"`.
        what: &'static str,
        /// The operating system's description of the failure.
        reason: String,
    },
    /// The path is not a regular file (a FIFO, socket, device or directory), so it
    /// was not read.
    NotRegular {
        /// The file.
        path: PathBuf,
        /// What the file was expected to hold.
        what: &'static str,
        /// What the path is.
        kind: FileKind,
    },
    /// The file is larger than any file of its kind may be; at most one byte more
    /// than the limit was read.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What the file was expected to hold.
        what: &'static str,
        /// Its size in bytes (as reported when opened, or as far as it was read).
        len: u64,
        /// The largest accepted size in bytes.
        max: usize,
    },
    /// The destination exists and overwriting was not requested; it is untouched.
    Exists {
        /// The file that would have been replaced.
        path: PathBuf,
    },
    /// The destination is not a regular file (or a link to one), so it is never
    /// replaced, not even when overwriting was requested.
    NotReplaceable {
        /// The destination.
        path: PathBuf,
        /// What it is.
        kind: FileKind,
        /// `kind` is that of a symbolic link's target.
        through_symlink: bool,
    },
    /// Writing the file failed; the destination is untouched.
    Unwritable {
        /// The destination.
        path: PathBuf,
        /// The operating system's description of the failure.
        reason: String,
    },
}

impl FsError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Unreadable { path, .. }
            | Self::NotRegular { path, .. }
            | Self::TooLarge { path, .. }
            | Self::Exists { path }
            | Self::NotReplaceable { path, .. }
            | Self::Unwritable { path, .. } => path,
        }
    }

    /// The message without the leading file name, for error types that print the
    /// path themselves.
    pub fn problem(&self) -> String {
        match self {
            Self::Unreadable { what, reason, .. } => format!("cannot read the {what}: {reason}"),
            Self::NotRegular { what, kind, .. } => {
                format!("is {kind}, not a regular file; the {what} must be a regular file")
            }
            Self::TooLarge { what, len, max, .. } => {
                format!("the {what} is {len} bytes, larger than the {max} bytes accepted")
            }
            Self::Exists { .. } => {
                "already exists; refusing to overwrite it (pass --force to replace it)".to_owned()
            }
            Self::NotReplaceable {
                kind,
                through_symlink,
                ..
            } => format!(
                "is {}{kind}, not a regular file; refusing to replace it, even with --force",
                if *through_symlink {
                    "a symbolic link to "
                } else {
                    ""
                }
            ),
            Self::Unwritable { reason, .. } => format!("cannot write it: {reason}"),
        }
    }
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // "<path> already exists" reads better without a colon.
            Self::Exists { path } => write!(f, "{} {}", path.display(), self.problem()),
            other => write!(f, "{}: {}", other.path().display(), other.problem()),
        }
    }
}

impl std::error::Error for FsError {}
