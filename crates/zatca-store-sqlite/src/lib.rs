//! The onboarding service's embedded store: one SQLite file holding the
//! devices and activities of the lifecycle ([`zatca_onboarding::DeviceStore`])
//! and the service's accounts: the VATs it serves and its users ([`Accounts`]).
//!
//! ```no_run
//! use zatca_store_sqlite::{Accounts as _, Role, SqliteStore};
//! let key = zatca_store_sqlite::MasterKey::from_file("/etc/zatca/master.key".as_ref())?;
//! let store = SqliteStore::open_with_master_key("/var/lib/zatca/service.db".as_ref(), &key)?;
//! let vat: zatca_profile::Vat = "399999999900003".parse()?;
//! store.add_vat(&vat, Some("Maximum Speed Tech Supply LTD"), None)?;
//! let token = store.add_user("erp", Role::Admin, &[vat])?;
//! assert!(store.authenticate(token.expose())?.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The file
//!
//! [`SqliteStore::open`] creates the file if it is missing, mode 0600 (made
//! by this crate before SQLite opens it, so it is never readable by others,
//! and SQLite gives its `-wal` and `-shm` files the same mode); an existing
//! file's mode is left as it is. Every connection runs with
//! `journal_mode=WAL`, `synchronous=NORMAL`, `foreign_keys=ON` and a busy
//! timeout of [`BUSY_TIMEOUT`] (another process, such as `zatca serve user
//! add`, may be writing).
//!
//! WAL with `synchronous=NORMAL`: a commit is complete once its frames are
//! in the WAL file (the operating system's cache); the WAL is fsynced at
//! checkpoints. A killed process (`kill -9`, a crash) loses nothing that was
//! committed, because the operating system still writes the cache out; only
//! an operating-system crash or power loss may roll back the last commits
//! (never corrupting the file). That is the failure the service is built to
//! survive (its activities resume from the last committed step after a
//! restart), at a fraction of `FULL`'s cost of one fsync per commit.
//!
//! # Connections
//!
//! One writer connection behind a mutex, and [`READERS`] read-only
//! connections, each behind its own mutex. Every write goes through the
//! writer, so writes are serialized in the process and a write never fails
//! with `SQLITE_BUSY` against another of this process's writes; reads run on
//! the readers in parallel with the writer (WAL readers never block on a
//! writer) and see every write committed before they start. Each call is
//! committed when it returns. [`SqliteStore`] is an [`Arc`](std::sync::Arc) around these: a
//! clone is cheap and shares them.
//!
//! # Migrations
//!
//! The schema is a list of SQL scripts in this crate (`src/migrations/`),
//! numbered from 1; `PRAGMA user_version` records how many were applied.
//! Opening applies the missing ones in order, each in one
//! `IMMEDIATE` transaction with its `user_version` (a kill leaves the
//! database before or after a script, never inside it). A database whose
//! `user_version` is beyond [`DATABASE_VERSION`] was written by a newer
//! release and is refused ([`StoreError::TooNew`]).
//!
//! # Devices
//!
//! The [`zatca_onboarding::DeviceStore`] implementation has the semantics of
//! the directory store: a device's record (JSON, no secret) is its commit
//! point and names its current generation; a generation's key, CSR, CSIDs
//! and compliance results are rows keyed by (environment, device id,
//! generation), written before the record that commits them, and rows of a
//! generation never committed are overwritten by the next attempt. Each
//! write is one statement (atomic and committed when it returns), so a
//! killed process leaves nothing half-written to sweep.
//!
//! A device's invoice chain: each signed document is a row of `invoices`
//! (environment, device id, ICV), inserted in the same transaction as the
//! device record whose chain head moves to it
//! ([`DeviceStore::commit_invoice`](zatca_onboarding::DeviceStore::commit_invoice)):
//! both are committed or neither, so a committed ICV is never given again
//! and each PIH is the hash of the committed document before it. An
//! idempotency key is unique per device (a partial unique index).
//!
//! [`DeviceStore::lock_device`](zatca_onboarding::DeviceStore::lock_device)
//! serializes the operations on one device among the threads of this
//! process (an in-process table of the devices being worked on), while other
//! devices proceed in parallel. It does not lock across processes: one
//! service process owns the database's devices. (Administration commands
//! from another process only touch the accounts tables.)
//!
//! # Secrets at rest
//!
//! A device's private keys (PKCS#8 DER) and its CSID secrets (the password
//! of ZATCA's Basic authentication, beside the `binarySecurityToken`) are
//! sealed under a 256-bit [`MasterKey`] kept outside the database, so the
//! file alone (a backup, a copied disk) reveals neither.
//! [`SqliteStore::open_with_master_key`] is how the service opens its
//! database; [`SqliteStore::open`] keeps the secrets in clear, for tests and
//! for tools, and refuses a database that has a master key
//! ([`StoreError::MasterKeyRequired`]).
//!
//! - Each value is sealed with AES-256-GCM under a fresh random 96-bit
//!   nonce, stored as `nonce || ciphertext || tag` in the column that held
//!   it in clear. The associated data is the row: table, environment, device
//!   id, generation and kind (`key`, or the CSID's `compliance` /
//!   `production`), so a value copied to another row does not open there
//!   ([`zatca_onboarding::OnboardingError::Corrupt`] naming the row).
//! - Beside each value, the version of the master key it is sealed under
//!   (`key_version`, `secret_version`; NULL: in clear). The table
//!   `master_key` records the current version and a check value (a known
//!   text sealed under the key): a wrong key is refused at open
//!   ([`StoreError::WrongMasterKey`], naming where the key came from) before
//!   anything is written.
//! - A database whose secrets are in clear (created before schema version
//!   2, or by [`SqliteStore::open`]) is sealed by its first open with a
//!   master key: every secret and the check value in one transaction, then a
//!   WAL checkpoint, and `secure_delete` on every connection so the values
//!   overwritten leave no copy in the file's free space.
//! - [`SqliteStore::rotate_master_key`] re-seals every secret under a new
//!   key with the next version, in one transaction with the new check value:
//!   a crash or an error leaves everything under the old key.
//! - A key file ([`MasterKey::from_file`], [`MasterKey::create_file`]) holds
//!   64 hex characters and a newline, the same text as the
//!   `ZATCA_MASTER_KEY` variable ([`MasterKey::from_hex`]); it is created
//!   mode 0600, never overwritten, and refused when its group or others
//!   have any permission. A [`MasterKey`] is wiped from memory on drop and
//!   never shown: its `Debug`, and every error, name only its source.
//!
//! AES-256-GCM rather than ChaCha20-Poly1305: the toolkit already builds
//! `aes-gcm` (for encrypted PKCS#8 keys), so it adds no crate, and it runs
//! in constant time with the processor's AES instructions. Random 96-bit
//! nonces are safe for far more values than a database holds (the bound is
//! 2^32 seals per key; a rotation starts a new key).
//!
//! # Accounts
//!
//! A token is 32 bytes from the operating system's random number generator,
//! shown as 64 lower-case hex characters. Only its SHA-256 is stored; a
//! token is found by its hash and the hashes compared again in constant
//! time. A user name is 1 to 64 characters of `A-Z a-z 0-9 . _ @ -`; a VAT's
//! display name at most 200 characters, none a control character.
//!
//! A group VAT (11th digit `1`, [`zatca_profile::Vat::is_group`]) has
//! members: [`Accounts::add_vat`] with a group adds the group too if it is
//! not served yet. A group cannot be a member of another group.
//!
//! # Dependencies
//!
//! `rusqlite` (feature `bundled`: SQLite compiled in, so there is nothing to
//! install and every build runs the same SQLite): the maintained, thin
//! binding to SQLite, with SQL kept in this crate and no ORM. The toolkit
//! crates for what is stored (`zatca-onboarding` records, `zatca-keys` keys,
//! `zatca-csr` CSRs, `zatca-fatoora` CSIDs, `zatca-profile` VATs, `zatca-types`
//! SHA-256); `serde_json` for the records stored as JSON; `getrandom` for
//! tokens and nonces; `subtle` for their constant-time comparison; `zeroize`
//! for the token text, the master key and the keys read back; `aes-gcm`
//! (RustCrypto, features `aes`, `alloc`, `zeroize`) for the sealing of the
//! secrets (see above).
#![forbid(unsafe_code)]
// No panic reachable from outside input (requests, the database file): these
// are denied outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod accounts;
mod custody;
mod devices;
mod error;
mod rekey;
mod store;

pub use custody::{MASTER_KEY_BYTES, MasterKey, MasterKeyError};
pub use devices::DeviceLock;
pub use error::StoreError;
pub use store::{BUSY_TIMEOUT, DATABASE_VERSION, READERS, SqliteStore};

use std::fmt;

use zatca_profile::Vat;
use zeroize::Zeroizing;

/// What a user may do for its VATs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Register devices, generate and renew CSIDs, and read.
    Admin,
    /// Read only: devices and activity status.
    Viewer,
}

impl Role {
    /// `admin` or `viewer`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A VAT the service serves (added with `zatca serve vat add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatEntry {
    /// The VAT (or group VAT) number.
    pub vat: Vat,
    /// A display name.
    pub name: Option<String>,
    /// The group VAT this VAT is a member of, if any.
    pub group: Option<Vat>,
}

/// A user of the service (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's name (unique).
    pub name: String,
    /// Its role, the same for every VAT it is given.
    pub role: Role,
    /// The VATs it may act for.
    pub vats: Vec<Vat>,
    /// Whether its token was revoked.
    pub revoked: bool,
}

/// The service's accounts: VATs and users with their tokens.
pub trait Accounts {
    /// The error of the store.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Adds a VAT (a member of `group` when given); adding it again updates its name.
    fn add_vat(
        &self,
        vat: &Vat,
        name: Option<&str>,
        group: Option<&Vat>,
    ) -> Result<(), Self::Error>;

    /// The VAT, if the service serves it.
    fn vat(&self, vat: &str) -> Result<Option<VatEntry>, Self::Error>;

    /// Every VAT, by number.
    fn list_vats(&self) -> Result<Vec<VatEntry>, Self::Error>;

    /// Adds a user and returns its new token (256 random bits, hex): shown once,
    /// stored only as a hash.
    fn add_user(&self, name: &str, role: Role, vats: &[Vat]) -> Result<Token, Self::Error>;

    /// Every user, by name (never a token).
    fn list_users(&self) -> Result<Vec<User>, Self::Error>;

    /// Revokes a user's token; `false` when there is no such user.
    fn revoke_user(&self, name: &str) -> Result<bool, Self::Error>;

    /// The user whose token this is (compared in constant time, by hash), if
    /// any and not revoked.
    fn authenticate(&self, token: &str) -> Result<Option<User>, Self::Error>;
}

/// A user's token: a secret, shown once (wiped from memory on drop).
pub struct Token(Zeroizing<String>);

impl Token {
    /// Wraps a token's text.
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// The token's text, to show the user once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}
