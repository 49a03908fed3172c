//! The files the ZATCA onboarding toolkit reads from users and writes for them, safely.
//!
//! Every key, CSR, certificate, credential and invoice the toolkit handles is a
//! file a user named. Two functions stand between those names and the disk:
//!
//! - [`read_regular`] reads a file of bounded size. It refuses anything but a
//!   regular file (a FIFO, socket, device or directory) without blocking: the
//!   path is looked at before it is opened, it is opened non-blocking
//!   (`O_NONBLOCK`, `O_NOCTTY`), and the open handle is looked at again
//!   (`fstat`), so a FIFO with no writer cannot hang the caller and a file
//!   swapped in between is still judged by what was opened. At most
//!   `max_bytes + 1` bytes are ever read, whatever the file claims its size is.
//! - [`write_atomic`] / [`write_atomic_with`] write through a temporary file in
//!   the same directory, fsync it and then rename (or, without overwrite,
//!   hard-link) it into place, then fsync the directory: a crash or a failing
//!   write leaves the old file or the new one, never a half-written one. A
//!   secret is created with mode 0600 from the start, so it is never readable
//!   by others, not even briefly.
//!
//! What an existing destination may be:
//!
//! | destination | without overwrite | with overwrite |
//! |---|---|---|
//! | nothing | created | created |
//! | a regular file | [`FsError::Exists`] | replaced |
//! | a symbolic link to a regular file, or a dangling one | [`FsError::Exists`] | the **link** is replaced by the new regular file; its target is left untouched |
//! | a directory, FIFO, socket, character or block device, or a link to one | [`FsError::NotReplaceable`] | [`FsError::NotReplaceable`] |
//!
//! A link is replaced rather than written through so that a write never lands
//! anywhere but at the name the user gave (a link planted at that name cannot
//! redirect a secret into another file), the way `mv` treats a link. The kind
//! of the destination is checked just before the rename: a process that can
//! race that check can already change the directory entry itself.
//!
//! Every error names the file, and a read error also names what the file was
//! expected to be (the caller's `what`, such as `"private key"`).
//!
//! ```
//! use zatca_fs::{FsError, WriteOptions, read_regular, write_atomic};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("note.txt");
//! write_atomic(&path, b"hello", WriteOptions::PUBLIC)?;
//! assert!(matches!(
//!     write_atomic(&path, b"again", WriteOptions::PUBLIC),
//!     Err(FsError::Exists { .. })
//! ));
//! assert_eq!(read_regular(&path, 1024, "note")?, b"hello");
//! assert!(matches!(
//!     read_regular(&path, 4, "note"),
//!     Err(FsError::TooLarge { len: 5, max: 4, .. })
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Dependencies: `libc` (Unix only) supplies the platform's values of the
//! `O_NONBLOCK` and `O_NOCTTY` open flags; no unsafe code is used.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod error;
mod read;
mod write;

pub use error::{FileKind, FsError};
pub use read::read_regular;
pub use write::{WriteOptions, is_temp_file, sweep_temp_files, write_atomic, write_atomic_with};
