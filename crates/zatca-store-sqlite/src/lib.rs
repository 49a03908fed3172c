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
//! - Each value is sealed with AES-256-GCM (`zatca-store`'s
//!   [`zatca_store::custody::Sealer`], shared with the other back ends),
//!   stored as `nonce || ciphertext || tag` in the column that held it in
//!   clear, bound to its row (table, environment, device id, generation,
//!   kind), so a value copied to another row does not open there
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
//! - The key itself ([`MasterKey`]: its file, its variable, its rules) is
//!   `zatca-store`'s.
//!
//! # Accounts
//!
//! [`Accounts`] and its rules (tokens stored as SHA-256 and compared in
//! constant time, user and VAT name rules, groups) are `zatca-store`'s; this
//! crate keeps them in the tables `vats`, `users` and `user_vats`.
//!
//! # Dependencies
//!
//! `rusqlite` (feature `bundled`: SQLite compiled in, so there is nothing to
//! install and every build runs the same SQLite): the maintained, thin
//! binding to SQLite, with SQL kept in this crate and no ORM. The toolkit
//! crates for what is stored (`zatca-onboarding` records, `zatca-keys` keys,
//! `zatca-csr` CSRs, `zatca-fatoora` CSIDs, `zatca-profile` VATs, `zatca-types`
//! SHA-256, `zatca-store` the accounts contract and the sealing);
//! `serde_json` for the records stored as JSON; `zeroize` for the keys read
//! back.
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
mod devices;
mod error;
mod rekey;
mod store;

pub use devices::DeviceLock;
pub use error::StoreError;
pub use store::{BUSY_TIMEOUT, DATABASE_VERSION, READERS, SqliteStore};
pub use zatca_store::{MASTER_KEY_BYTES, MasterKey, MasterKeyError};

/// The accounts contract, shared with the other back ends.
pub use zatca_store::{Accounts, Role, Token, User, VatEntry};
