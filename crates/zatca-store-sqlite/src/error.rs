//! The store's typed errors; each names the database file.

use std::fmt;
use std::path::PathBuf;

/// What can go wrong with the database or the accounts in it. Every variant
/// names the database file; none carries a token, key or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file could not be created or opened.
    Io {
        /// The database file.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// An SQL statement failed.
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What was being done (table and row).
        context: String,
        /// What SQLite said.
        reason: String,
    },
    /// The database was written by a newer release (its `user_version` is
    /// beyond this release's migrations): refused, nothing was changed.
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The database's schema version.
        found: u32,
        /// The newest schema version this release knows.
        supported: u32,
    },
    /// A stored value does not read back as what it should be.
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// The table and row, and what is wrong.
        reason: String,
    },
    /// `PRAGMA integrity_check` found problems.
    Integrity {
        /// The database file.
        path: PathBuf,
        /// SQLite's report, one problem a line.
        report: String,
    },
    /// An argument does not have the expected form.
    Invalid {
        /// The database file.
        path: PathBuf,
        /// The argument.
        field: &'static str,
        /// What was expected and what was found.
        reason: String,
    },
    /// A user of this name exists already.
    UserExists {
        /// The database file.
        path: PathBuf,
        /// The name.
        name: String,
    },
    /// A VAT the service does not serve (add it first with `zatca serve vat add`).
    UnknownVat {
        /// The database file.
        path: PathBuf,
        /// The VAT.
        vat: String,
    },
    /// The database's secrets are sealed under a master key and none was
    /// given: refused, nothing was changed.
    MasterKeyRequired {
        /// The database file.
        path: PathBuf,
    },
    /// The master key given does not open the database's check value (it
    /// is not the key the secrets are sealed under): refused, nothing was
    /// changed.
    WrongMasterKey {
        /// The database file.
        path: PathBuf,
        /// Where the key came from: its file, or the environment variable.
        key: String,
    },
    /// The operating system's random number generator failed.
    Randomness {
        /// The database file.
        path: PathBuf,
        /// What it said.
        reason: String,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, reason } => write!(f, "{}: {reason}", path.display()),
            Self::Sqlite {
                path,
                context,
                reason,
            } => write!(f, "{}: {context}: {reason}", path.display()),
            Self::TooNew {
                path,
                found,
                supported,
            } => write!(
                f,
                "{}: the database has schema version {found}, newer than this release knows ({supported}): use the release that wrote it",
                path.display()
            ),
            Self::Corrupt { path, reason } => {
                write!(f, "{}: damaged database: {reason}", path.display())
            }
            Self::Integrity { path, report } => write!(
                f,
                "{}: SQLite's integrity check failed: {report}",
                path.display()
            ),
            Self::Invalid {
                path,
                field,
                reason,
            } => write!(f, "{}: {field}: {reason}", path.display()),
            Self::UserExists { path, name } => {
                write!(
                    f,
                    "{}: a user named {name:?} exists already",
                    path.display()
                )
            }
            Self::UnknownVat { path, vat } => write!(
                f,
                "{}: VAT {vat:?} is not served: add it first with `zatca serve vat add {vat}`",
                path.display()
            ),
            Self::MasterKeyRequired { path } => write!(
                f,
                "{}: the database's keys and CSID secrets are sealed under a master key, and none was given; nothing was changed",
                path.display()
            ),
            Self::WrongMasterKey { path, key } => write!(
                f,
                "{}: the master key from {key} is not the one the database's secrets are sealed under; nothing was changed",
                path.display()
            ),
            Self::Randomness { path, reason } => write!(
                f,
                "{}: the operating system's random number generator failed: {reason}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StoreError {}
