//! The onboarding service's shared store: one PostgreSQL database behind any
//! number of `zatca serve` instances, with the guarantees of the single
//! instance enforced by the database, not by process memory. It holds what
//! the embedded SQLite store holds (the lifecycle's devices and activities,
//! [`zatca_onboarding::DeviceStore`]; the VATs and users,
//! [`zatca_store::Accounts`]) in the same rows, with the same secrets sealed
//! the same way ([`zatca_store::custody`]).
//!
//! ```no_run
//! use zatca_store::{Accounts as _, MasterKey, Role};
//! use zatca_store_postgres::{PoolConfig, PostgresStore};
//! let key = MasterKey::from_file("/etc/zatca/master.key".as_ref())?;
//! let store = PostgresStore::open("postgres://zatca@db.internal:5432/zatca", None, &key, &PoolConfig::default())?;
//! let vat: zatca_profile::Vat = "399999999900003".parse()?;
//! store.add_vat(&vat, Some("Maximum Speed Tech Supply LTD"), None)?;
//! let token = store.add_user("erp", Role::Admin, &[vat])?;
//! assert!(store.authenticate(token.expose())?.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Connecting
//!
//! [`PostgresStore::open`] takes `postgres://USER@HOST:PORT/DB` or
//! `postgresql://…` (the password in the URL, or given apart: `zatca serve`
//! reads `PGPASSWORD`). The password never appears in an error, a log or
//! [`PostgresStore::label`]. Connections are plain TCP: keep the database on
//! loopback or a trusted network (the secrets in it are sealed under the
//! master key either way).
//!
//! Two bounded [`r2d2`] pools ([`PoolConfig`]): one for the statements,
//! one for the device locks (each held for a whole operation). Taking a
//! connection waits at most [`PoolConfig::acquire_timeout`]; connecting at
//! most [`PoolConfig::connect_timeout`]; every statement at most
//! [`PoolConfig::statement_timeout`]. A database that goes away makes calls
//! fail fast with [`PgStoreError::Unavailable`] (the lifecycle's `ZO044`, a
//! 503 from the service) and nothing half-written: each call is one
//! statement or one transaction. The pools reconnect by themselves once it
//! is back.
//!
//! # Migrations
//!
//! The schema is a list of SQL scripts in this crate (`src/migrations/`),
//! numbered from 1, recorded in `schema_migrations`. Opening applies the
//! missing ones in one transaction under a transaction-scoped advisory lock,
//! so instances started together migrate once; a database migrated by a
//! newer release is refused ([`PgStoreError::TooNew`]). The rows are the
//! SQLite store's, typed for PostgreSQL (`BYTEA`, `BIGINT`, `TIMESTAMPTZ`).
//!
//! # Several instances
//!
//! - One device per environment, VAT and EGS serial: the device id is
//!   derived from them and `devices` has that unique constraint; concurrent
//!   registrations are serialized by the device lock, so the loser finds the
//!   winner's device (the seed's warning `6002`).
//! - The device lock ([`DeviceStore::lock_device`](zatca_onboarding::DeviceStore::lock_device))
//!   is a row lock: `SELECT … FOR UPDATE` on the device's row of
//!   `device_locks`, in a transaction held open on a connection of the lock
//!   pool until the lock is dropped. Every operation on a device, on every
//!   instance, runs under it, so two instances signing for one device
//!   produce consecutive ICVs and one PIH chain; an instance that dies
//!   releases it with its connection. Waiting for it is bounded by
//!   [`PoolConfig::lock_timeout`].
//! - Activity leases ([`DeviceStore::lease_activity`](zatca_onboarding::DeviceStore::lease_activity)):
//!   `activities.lease_owner` and `lease_until`, by the database's clock. An
//!   activity is reserved for the instance that starts it for
//!   [`PoolConfig::start_reservation`]; a worker leases it before running a
//!   step and renews the lease while it works; an `IN_PROGRESS` activity
//!   whose lease expired is claimable by any instance, which resumes it from
//!   its last committed step.
//! - Accounts are read from the database on every request: a token, VAT or
//!   user changed through one instance is seen by the others at once.
//!
//! # Secrets at rest
//!
//! A master key is mandatory. Keys and CSID secrets are sealed with
//! [`zatca_store::custody::Sealer`] (AES-256-GCM, bound to their row), the
//! version of the key beside each; `master_key` holds the current version
//! and a check value, so a wrong key is refused at open
//! ([`PgStoreError::WrongMasterKey`]) before anything is written.
//! [`PostgresStore::rotate_master_key`] re-seals everything in one
//! transaction.
//!
//! # Dependencies
//!
//! `postgres` (the synchronous client built on `tokio-postgres`: the
//! lifecycle and the service's handlers call the store from blocking
//! threads) and `r2d2` (the maintained bounded pool; its connection manager
//! is this crate's, so that each connection keeps its prepared statements
//! and a statement costs one round trip);
//! the toolkit crates for what is stored; `serde_json` for the records
//! stored as JSON; `zeroize` for the keys and secrets read back.
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

mod accounts;
mod connection;
mod devices;
mod error;
#[cfg(feature = "test-cluster")]
pub mod testing;

pub use devices::DeviceLock;
pub use error::PgStoreError;

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use zatca_store::MasterKey;
use zatca_store::custody::{RowId, Sealer};

/// The schema scripts, in order: script `n` (1-based) is schema version `n`.
const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_initial.sql")];

/// The schema version this release writes: the number of its migrations.
pub const DATABASE_VERSION: i32 = MIGRATIONS.len() as i32;

/// The advisory lock key migrations run under (any fixed 64-bit number).
const MIGRATION_LOCK: i64 = 0x7a61_7463_615f_6462;

type Pool = r2d2::Pool<connection::Manager>;
pub(crate) type Conn = r2d2::PooledConnection<connection::Manager>;

/// The pools' bounds and the timeouts.
#[derive(Debug, Clone, Copy)]
pub struct PoolConfig {
    /// Connections for statements (default 16).
    pub max_connections: u32,
    /// Connections holding device locks (default 64: one per operation in hand).
    pub max_lock_connections: u32,
    /// How long taking a pooled connection may wait (default 2 s).
    pub acquire_timeout: Duration,
    /// How long connecting may take (default 3 s).
    pub connect_timeout: Duration,
    /// How long one statement may run (default 30 s).
    pub statement_timeout: Duration,
    /// How long waiting for a device lock another holder keeps may take
    /// (default 25 s: under the statement timeout, which would cut it first).
    pub lock_timeout: Duration,
    /// How long a just-started activity stays reserved for its instance
    /// before another may take it over (default 30 s).
    pub start_reservation: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_connections: 16,
            max_lock_connections: 64,
            acquire_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(30),
            lock_timeout: Duration::from_secs(25),
            start_reservation: Duration::from_secs(30),
        }
    }
}

/// The onboarding service's PostgreSQL store (see the crate docs). Cheap to
/// clone: clones share the pools.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    label: String,
    work: Pool,
    locks: Pool,
    sealer: Sealer,
    config: PoolConfig,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("database", &self.inner.label)
            .finish_non_exhaustive()
    }
}

/// Whether `text` names a PostgreSQL database (`postgres://` or `postgresql://`).
///
/// ```
/// assert!(zatca_store_postgres::is_postgres_url("postgresql://zatca@127.0.0.1:5432/zatca"));
/// assert!(!zatca_store_postgres::is_postgres_url("/var/lib/zatca/service.db"));
/// ```
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// `postgres://USER@HOST:PORT/DB` of a connection configuration (no password).
fn label_of(config: &postgres::Config) -> String {
    let user = config.get_user().unwrap_or("");
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}@{host}:{port}/{db}")
}

/// A driver error: the database gone or unreachable, or a statement's failure.
pub(crate) fn classify(store: &str, context: &str, e: &postgres::Error) -> PgStoreError {
    match e.as_db_error() {
        Some(db) if db.code() != &postgres::error::SqlState::ADMIN_SHUTDOWN => PgStoreError::Sql {
            store: store.to_owned(),
            context: context.to_owned(),
            reason: format!("{} ({})", db.message(), db.code().code()),
        },
        _ => PgStoreError::Unavailable {
            store: store.to_owned(),
            reason: e.to_string(),
        },
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (with `password` when the URL has
    /// none), applies the migrations it lacks and checks `key` against the
    /// database's master key, recording it on first use. A database whose
    /// secrets are sealed under another key is refused before anything is
    /// written ([`PgStoreError::WrongMasterKey`]).
    pub fn open(
        url: &str,
        password: Option<&str>,
        key: &MasterKey,
        config: &PoolConfig,
    ) -> Result<Self, PgStoreError> {
        if !is_postgres_url(url) {
            return Err(PgStoreError::BadUrl {
                reason: "expected postgres://USER@HOST:PORT/DB or postgresql://…".to_owned(),
            });
        }
        let mut pg = postgres::Config::from_str(url).map_err(|e| PgStoreError::BadUrl {
            reason: format!("not a PostgreSQL URL: {e}"),
        })?;
        if pg.get_password().is_none()
            && let Some(password) = password
        {
            pg.password(password);
        }
        if pg.get_dbname().is_none() {
            return Err(PgStoreError::BadUrl {
                reason: "the URL names no database: postgres://USER@HOST:PORT/DB".to_owned(),
            });
        }
        pg.connect_timeout(config.connect_timeout);
        pg.options(&format!(
            "-c statement_timeout={}",
            config.statement_timeout.as_millis()
        ));
        pg.application_name("zatca serve");
        let label = label_of(&pg);
        let unavailable = |e: r2d2::Error| PgStoreError::Unavailable {
            store: label.clone(),
            reason: e.to_string(),
        };
        let pool = |max: u32| {
            r2d2::Pool::builder()
                .max_size(max.max(1))
                .min_idle(Some(0))
                .connection_timeout(config.acquire_timeout)
                // A connection the server dropped fails its next statement
                // (the call answers unavailable) and the pool discards it:
                // no round trip on every checkout.
                .test_on_check_out(false)
                .build(connection::Manager { config: pg.clone() })
        };
        let work = pool(config.max_connections).map_err(unavailable)?;
        let locks = pool(config.max_lock_connections).map_err(unavailable)?;
        let mut conn = work.get().map_err(unavailable)?;
        let version = migrate(&mut conn, &label, key)?;
        Ok(Self {
            inner: Arc::new(Inner {
                label,
                work,
                locks,
                sealer: Sealer::new(key, version),
                config: *config,
            }),
        })
    }

    /// `postgres://USER@HOST:PORT/DB`: how errors and logs name the database.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i32, PgStoreError> {
        let mut conn = self.conn()?;
        conn.query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map(|r| r.get(0))
        .map_err(|e| classify(&self.inner.label, "table schema_migrations", &e))
    }

    /// Re-seals every key and CSID secret under `new` with the next version,
    /// in one transaction with the new check value (a failure leaves
    /// everything under the old key). Returns how many values were re-sealed.
    /// Stop every instance first: one still running would hold the old key.
    pub fn rotate_master_key(&self, new: &MasterKey) -> Result<usize, PgStoreError> {
        let label = self.inner.label.clone();
        let sql = |context: &'static str| {
            let label = label.clone();
            move |e: postgres::Error| classify(&label, context, &e)
        };
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(sql("rotating the master key"))?;
        let row = tx
            .query_one(
                "SELECT version FROM master_key WHERE singleton = 1 FOR UPDATE",
                &[],
            )
            .map_err(sql("table master_key"))?;
        let version: i32 = row.get(0);
        if u32::try_from(version).ok() != Some(self.inner.sealer.version) {
            return Err(PgStoreError::Corrupt {
                store: label.clone(),
                reason: "the master key changed since this store was opened".to_owned(),
            });
        }
        let next = version.saturating_add(1);
        let to = Sealer::new(new, u32::try_from(next).unwrap_or(u32::MAX));
        let from = &self.inner.sealer;
        let reseal = |row: &RowId<'_>, sealed: &[u8]| -> Result<Vec<u8>, PgStoreError> {
            let plain = from.open(row, sealed).map_err(|e| PgStoreError::Corrupt {
                store: label.clone(),
                reason: format!(
                    "{} ({}, {}): {e}",
                    row.table, row.environment, row.device_id
                ),
            })?;
            to.seal(row, &plain).map_err(|e| PgStoreError::Randomness {
                store: label.clone(),
                reason: e.to_string(),
            })
        };
        let mut count = 0usize;
        let keys = tx
            .query(
                "SELECT environment, device_id, generation, key_sealed FROM device_keys FOR UPDATE",
                &[],
            )
            .map_err(sql("table device_keys"))?;
        for r in keys {
            let (environment, device_id): (String, String) = (r.get(0), r.get(1));
            let generation: i32 = r.get(2);
            let sealed: Vec<u8> = r.get(3);
            let row = RowId {
                table: "device_keys",
                environment: &environment,
                device_id: &device_id,
                generation: u32::try_from(generation).unwrap_or(0),
                kind: "key",
            };
            let resealed = reseal(&row, &sealed)?;
            tx.execute(
                "UPDATE device_keys SET key_sealed = $4, key_version = $5
                 WHERE environment = $1 AND device_id = $2 AND generation = $3",
                &[&environment, &device_id, &generation, &resealed, &next],
            )
            .map_err(sql("table device_keys"))?;
            count += 1;
        }
        let csids = tx
            .query(
                "SELECT environment, device_id, kind, generation, secret_sealed FROM device_csids FOR UPDATE",
                &[],
            )
            .map_err(sql("table device_csids"))?;
        for r in csids {
            let (environment, device_id, kind): (String, String, String) =
                (r.get(0), r.get(1), r.get(2));
            let generation: i32 = r.get(3);
            let sealed: Vec<u8> = r.get(4);
            let row = RowId {
                table: "device_csids",
                environment: &environment,
                device_id: &device_id,
                generation: u32::try_from(generation).unwrap_or(0),
                kind: &kind,
            };
            let resealed = reseal(&row, &sealed)?;
            tx.execute(
                "UPDATE device_csids SET secret_sealed = $5, secret_version = $6
                 WHERE environment = $1 AND device_id = $2 AND kind = $3 AND generation = $4",
                &[
                    &environment,
                    &device_id,
                    &kind,
                    &generation,
                    &resealed,
                    &next,
                ],
            )
            .map_err(sql("table device_csids"))?;
            count += 1;
        }
        let check = to.check_value().map_err(|e| PgStoreError::Randomness {
            store: label.clone(),
            reason: e.to_string(),
        })?;
        tx.execute(
            "UPDATE master_key SET version = $1, check_value = $2 WHERE singleton = 1",
            &[&next, &check],
        )
        .map_err(sql("table master_key"))?;
        tx.commit().map_err(sql("rotating the master key"))?;
        Ok(count)
    }

    /// A connection for statements.
    pub(crate) fn conn(&self) -> Result<Conn, PgStoreError> {
        self.inner
            .work
            .get()
            .map_err(|e| PgStoreError::Unavailable {
                store: self.inner.label.clone(),
                reason: e.to_string(),
            })
    }

    pub(crate) fn lock_pool(&self) -> &Pool {
        &self.inner.locks
    }

    pub(crate) fn sealer(&self) -> &Sealer {
        &self.inner.sealer
    }

    pub(crate) fn config(&self) -> &PoolConfig {
        &self.inner.config
    }
}

/// Applies the missing migrations and checks (or records) the master key,
/// in one transaction under the migration lock. Returns the key's version.
fn migrate(conn: &mut Conn, label: &str, key: &MasterKey) -> Result<u32, PgStoreError> {
    let sql = |context: &'static str| move |e: postgres::Error| classify(label, context, &e);
    let mut tx = conn.transaction().map_err(sql("migrating"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(sql("taking the migration lock"))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .map_err(sql("table schema_migrations"))?;
    let found: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(sql("table schema_migrations"))?
        .get(0);
    if found > DATABASE_VERSION {
        return Err(PgStoreError::TooNew {
            store: label.to_owned(),
            found,
            supported: DATABASE_VERSION,
        });
    }
    for (n, script) in MIGRATIONS.iter().enumerate() {
        let version = i32::try_from(n + 1).unwrap_or(i32::MAX);
        if version <= found {
            continue;
        }
        tx.batch_execute(script)
            .map_err(sql("applying a migration"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .map_err(sql("table schema_migrations"))?;
    }
    let row = tx
        .query_opt(
            "SELECT version, check_value FROM master_key WHERE singleton = 1",
            &[],
        )
        .map_err(sql("table master_key"))?;
    let version = match row {
        Some(row) => {
            let version: i32 = row.get(0);
            let check: Vec<u8> = row.get(1);
            let version = u32::try_from(version).map_err(|_| PgStoreError::Corrupt {
                store: label.to_owned(),
                reason: format!("table master_key: version {version}"),
            })?;
            if !Sealer::new(key, version).opens_check(&check) {
                return Err(PgStoreError::WrongMasterKey {
                    store: label.to_owned(),
                    source: key.source().to_owned(),
                });
            }
            version
        }
        None => {
            let check =
                Sealer::new(key, 1)
                    .check_value()
                    .map_err(|e| PgStoreError::Randomness {
                        store: label.to_owned(),
                        reason: e.to_string(),
                    })?;
            tx.execute(
                "INSERT INTO master_key (singleton, version, check_value) VALUES (1, 1, $1)",
                &[&check],
            )
            .map_err(sql("table master_key"))?;
            1
        }
    };
    tx.commit().map_err(sql("migrating"))?;
    Ok(version)
}
