//! The store's typed errors; each names the database (never its password).

use std::fmt;

/// What can go wrong with the database or the accounts in it. Every variant
/// names the database as `postgres://USER@HOST:PORT/DB`; none carries a
/// password, token, key or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PgStoreError {
    /// The URL is not a PostgreSQL connection URL.
    BadUrl {
        /// What was expected.
        reason: String,
    },
    /// The database cannot be reached: no connection within the timeouts,
    /// or the server went away. Nothing was changed; try again once it is back.
    Unavailable {
        /// The database.
        store: String,
        /// What the driver said.
        reason: String,
    },
    /// An SQL statement failed.
    Sql {
        /// The database.
        store: String,
        /// What was being done (table and row).
        context: String,
        /// What PostgreSQL said.
        reason: String,
    },
    /// The database was migrated by a newer release: refused, nothing changed.
    TooNew {
        /// The database.
        store: String,
        /// The database's schema version.
        found: i32,
        /// The newest schema version this release knows.
        supported: i32,
    },
    /// A stored value does not read back as what it should be.
    Corrupt {
        /// The database.
        store: String,
        /// The table and row, and what is wrong.
        reason: String,
    },
    /// An argument does not have the expected form.
    Invalid {
        /// The database.
        store: String,
        /// The argument.
        field: &'static str,
        /// What was expected and what was found.
        reason: String,
    },
    /// A user of this name exists already.
    UserExists {
        /// The database.
        store: String,
        /// The name.
        name: String,
    },
    /// A VAT the service does not serve (add it first with `zatca serve vat add`).
    UnknownVat {
        /// The database.
        store: String,
        /// The VAT.
        vat: String,
    },
    /// The master key given does not open the database's check value: the
    /// database's secrets are sealed under another key. Nothing was changed.
    WrongMasterKey {
        /// The database.
        store: String,
        /// Where the key came from (a file, a variable).
        source: String,
    },
    /// The operating system's random number generator failed.
    Randomness {
        /// The database.
        store: String,
        /// What it said.
        reason: String,
    },
}

impl PgStoreError {
    /// Whether the database could not be reached (answer 503, try again).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

impl fmt::Display for PgStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadUrl { reason } => write!(f, "--db: {reason}"),
            Self::Unavailable { store, reason } => write!(
                f,
                "{store}: the database cannot be reached ({reason}); nothing was changed"
            ),
            Self::Sql {
                store,
                context,
                reason,
            } => write!(f, "{store}: {context}: {reason}"),
            Self::TooNew {
                store,
                found,
                supported,
            } => write!(
                f,
                "{store}: the database's schema is version {found}, written by a newer release (this one knows up to {supported}); nothing was changed"
            ),
            Self::Corrupt { store, reason } => {
                write!(f, "{store}: the database is damaged: {reason}")
            }
            Self::Invalid {
                store,
                field,
                reason,
            } => write!(f, "{store}: {field}: {reason}"),
            Self::UserExists { store, name } => {
                write!(f, "{store}: a user named {name:?} exists already")
            }
            Self::UnknownVat { store, vat } => write!(
                f,
                "{store}: VAT {vat} is not served here; add it first with `zatca serve vat add {vat}`"
            ),
            Self::WrongMasterKey { store, source } => write!(
                f,
                "{store}: the master key from {source} is not the database's (its secrets are sealed under another key); nothing was changed"
            ),
            Self::Randomness { store, reason } => write!(
                f,
                "{store}: the operating system's random number generator failed: {reason}"
            ),
        }
    }
}

impl std::error::Error for PgStoreError {}
