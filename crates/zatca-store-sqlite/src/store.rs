//! The database file, its connections and its migrations.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::devices::DeviceLocks;
use crate::error::StoreError;
use zatca_store::MasterKey;
use zatca_store::custody::Sealer;

/// The schema scripts, in order: script `n` (1-based) brings the database
/// from `user_version` `n - 1` to `n`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_master_key.sql"),
    include_str!("migrations/0003_invoice_chain.sql"),
];

/// The schema version this release writes (`PRAGMA user_version`): the
/// number of its migrations.
pub const DATABASE_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a statement waits for another process's lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many read-only connections a store keeps.
pub const READERS: usize = 4;

/// The onboarding service's SQLite store (see the crate docs). Cheap to
/// clone: clones share the connections and the device locks.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

// Fields drop in order: the readers close before the writer, so that the
// writer, closing last, checkpoints the WAL into the database file.
struct Inner {
    path: PathBuf,
    readers: Vec<Mutex<Connection>>,
    writer: Mutex<Connection>,
    next_reader: AtomicUsize,
    pub(crate) locks: Arc<DeviceLocks>,
    /// The master key, when the database has one (`None`: secrets in clear).
    sealer: Option<Sealer>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// Creates `path` mode 0600 if it is missing (an existing file is left as it is).
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(|e| StoreError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let meta = file.metadata().map_err(|e| StoreError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if !meta.is_file() {
        return Err(StoreError::Io {
            path: path.to_path_buf(),
            reason: "is not a regular file; the database is one file (pass --db FILE)".to_owned(),
        });
    }
    Ok(())
}

impl SqliteStore {
    /// Opens the database at `path`, creating it (mode 0600) if it is
    /// missing, and applies the migrations it lacks, without a master key:
    /// the secrets are kept in clear. A database that has a master key is
    /// refused ([`StoreError::MasterKeyRequired`]), as is one of a newer
    /// release ([`StoreError::TooNew`]). For tests and tools; the service
    /// opens its database with [`SqliteStore::open_with_master_key`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_keyed(path, None)
    }

    /// Opens the database at `path` as [`SqliteStore::open`] does, with the
    /// secrets sealed under `key`. A database that has another master key
    /// is refused ([`StoreError::WrongMasterKey`]) before anything is
    /// written. A database without one (its secrets in clear) gets `key`:
    /// every secret is sealed and the check value recorded in one
    /// transaction.
    pub fn open_with_master_key(path: &Path, key: &MasterKey) -> Result<Self, StoreError> {
        Self::open_keyed(path, Some(key))
    }

    fn open_keyed(path: &Path, key: Option<&MasterKey>) -> Result<Self, StoreError> {
        create_private(path)?;
        let sql = |context: &str| {
            let context = context.to_owned();
            move |e: rusqlite::Error| StoreError::Sqlite {
                path: path.to_path_buf(),
                context: context.clone(),
                reason: e.to_string(),
            }
        };
        let mut writer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql("opening the database"))?;
        configure(&writer).map_err(sql("setting up the connection"))?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(sql("switching to the WAL journal"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Sqlite {
                path: path.to_path_buf(),
                context: "switching to the WAL journal".to_owned(),
                reason: format!(
                    "SQLite kept journal mode {mode:?} (WAL needs a local file system)"
                ),
            });
        }
        migrate(path, &mut writer)?;
        let sealer = crate::rekey::take_key(path, &mut writer, key)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(sql("opening a reader"))?;
            configure(&reader).map_err(sql("setting up a reader"))?;
            readers.push(Mutex::new(reader));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                readers,
                writer: Mutex::new(writer),
                next_reader: AtomicUsize::new(0),
                locks: Arc::default(),
                sealer,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The database's schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let version: i64 = self
            .reader()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(self.sql("reading the schema version"))?;
        u32::try_from(version).map_err(|_| StoreError::Corrupt {
            path: self.inner.path.clone(),
            reason: format!("user_version {version} is not a schema version"),
        })
    }

    /// Runs SQLite's `PRAGMA integrity_check`: `Ok` only when it answers `ok`.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare("PRAGMA integrity_check")
            .map_err(self.sql("running the integrity check"))?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(self.sql("running the integrity check"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.sql("running the integrity check"))?;
        if rows.len() == 1 && rows.first().is_some_and(|r| r == "ok") {
            return Ok(());
        }
        Err(StoreError::Integrity {
            path: self.inner.path.clone(),
            report: rows.join("\n"),
        })
    }

    /// Maps an SQLite error to [`StoreError::Sqlite`] with `context`.
    pub(crate) fn sql(&self, context: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        let context = context.to_owned();
        move |e| StoreError::Sqlite {
            path: self.inner.path.clone(),
            context: context.clone(),
            reason: e.to_string(),
        }
    }

    /// The writer connection (every write goes through it).
    pub(crate) fn writer(&self) -> MutexGuard<'_, Connection> {
        let conn = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !conn.is_autocommit() {
            // A thread panicked inside a transaction: undo what it left open.
            let _ = conn.execute_batch("ROLLBACK");
        }
        conn
    }

    /// A read-only connection: a free one if any, else the next in turn.
    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        for reader in &self.inner.readers {
            if let Ok(conn) = reader.try_lock() {
                return conn;
            }
        }
        let n = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        match self.inner.readers.get(n % READERS) {
            Some(reader) => reader.lock().unwrap_or_else(PoisonError::into_inner),
            // Unreachable (`READERS` readers are opened), but the writer also reads.
            None => self.writer(),
        }
    }

    /// The master key, `None` when the secrets are kept in clear.
    pub(crate) fn sealer(&self) -> Option<&Sealer> {
        self.inner.sealer.as_ref()
    }

    pub(crate) fn locks(&self) -> &Arc<DeviceLocks> {
        &self.inner.locks
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted content is zeroed where that costs no extra I/O; the two
    // operations that replace secrets in place (sealing a database in clear,
    // rotating the master key) switch it fully on for their transaction, so
    // no old copy is left in free space (`rekey.rs`).
    conn.pragma_update(None, "secure_delete", "FAST")?;
    Ok(())
}

/// Applies the migrations the database lacks, each in one transaction.
fn migrate(path: &Path, conn: &mut Connection) -> Result<(), StoreError> {
    loop {
        let sql = |context: String| {
            move |e: rusqlite::Error| StoreError::Sqlite {
                path: path.to_path_buf(),
                context: context.clone(),
                reason: e.to_string(),
            }
        };
        // IMMEDIATE: another process opening the same file at once waits,
        // then sees the version this one wrote.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("starting a migration".to_owned()))?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(sql("reading the schema version".to_owned()))?;
        let found = u32::try_from(version).map_err(|_| StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("user_version {version} is not a schema version"),
        })?;
        if found > DATABASE_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                supported: DATABASE_VERSION,
            });
        }
        let Some(script) = usize::try_from(found).ok().and_then(|n| MIGRATIONS.get(n)) else {
            return Ok(());
        };
        let next = found + 1;
        tx.execute_batch(script)
            .map_err(sql(format!("applying migration {next}")))?;
        tx.pragma_update(None, "user_version", next)
            .map_err(sql(format!("recording migration {next}")))?;
        tx.commit()
            .map_err(sql(format!("committing migration {next}")))?;
    }
}
