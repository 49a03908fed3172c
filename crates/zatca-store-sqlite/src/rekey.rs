//! Giving a database its master key, checking it at open, rotating it.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::store::SqliteStore;
use zatca_store::MasterKey;
use zatca_store::custody::{RowId, Sealer};

fn sql_error(path: &Path, context: &str) -> impl Fn(rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    let context = context.to_owned();
    move |e| StoreError::Sqlite {
        path: path.clone(),
        context: context.clone(),
        reason: e.to_string(),
    }
}

fn corrupt(path: &Path, reason: String) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        reason,
    }
}

/// The master key recorded in the database: its version and check value.
fn recorded(path: &Path, conn: &Connection) -> Result<Option<(u32, Vec<u8>)>, StoreError> {
    conn.query_row(
        "SELECT version, check_value FROM master_key WHERE singleton = 1",
        [],
        |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?)),
    )
    .optional()
    .map_err(sql_error(path, "table master_key"))
}

/// A [`Sealer`] for `key` if it opens the recorded check value.
fn verified(
    path: &Path,
    key: &MasterKey,
    version: u32,
    check: &[u8],
) -> Result<Sealer, StoreError> {
    let sealer = Sealer::new(key, version);
    if sealer.opens_check(check) {
        Ok(sealer)
    } else {
        Err(StoreError::WrongMasterKey {
            path: path.to_path_buf(),
            key: key.source().to_owned(),
        })
    }
}

/// At open, after the migrations: the sealer of the database's secrets.
/// Without a recorded key and without `key`, `None` (secrets in clear);
/// given a key for a database without one, seals every secret and records
/// the check value in one transaction.
pub(crate) fn take_key(
    path: &Path,
    conn: &mut Connection,
    key: Option<&MasterKey>,
) -> Result<Option<Sealer>, StoreError> {
    match (recorded(path, conn)?, key) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(StoreError::MasterKeyRequired {
            path: path.to_path_buf(),
        }),
        (Some((version, check)), Some(key)) => verified(path, key, version, &check).map(Some),
        (None, Some(key)) => {
            conn.pragma_update(None, "secure_delete", "ON")
                .map_err(sql_error(path, "sealing the secrets"))?;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql_error(path, "sealing the secrets"))?;
            // Another process may have given the database its key meanwhile.
            if let Some((version, check)) = recorded(path, &tx)? {
                return verified(path, key, version, &check).map(Some);
            }
            let sealer = Sealer::new(key, 1);
            reseal(path, &tx, None, &sealer)?;
            let check = sealer
                .check_value()
                .map_err(|e| corrupt(path, format!("table master_key: {e}")))?;
            tx.execute(
                "INSERT INTO master_key (singleton, version, check_value) VALUES (1, ?1, ?2)",
                params![sealer.version, check],
            )
            .map_err(sql_error(path, "table master_key"))?;
            tx.commit()
                .map_err(sql_error(path, "committing the sealed secrets"))?;
            // The pages holding the secrets in clear stay in the database
            // file until a checkpoint overwrites them with the WAL's sealed
            // ones: do it now rather than at the next automatic checkpoint.
            // Best effort: another process reading the file may hold it off,
            // and then the next checkpoint does it.
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            Ok(Some(sealer))
        }
    }
}

/// A stored secret's bytes, whether SQLite holds them as a BLOB or as TEXT.
pub(crate) fn stored_bytes(value: ValueRef<'_>) -> Option<Vec<u8>> {
    match value {
        ValueRef::Blob(b) | ValueRef::Text(b) => Some(b.to_vec()),
        _ => None,
    }
}

/// The plaintext of a stored secret: in clear when `version` is NULL and the
/// database has no master key, else sealed under `sealer`'s version.
pub(crate) fn unseal(
    sealer: Option<&Sealer>,
    row: &RowId<'_>,
    stored: Zeroizing<Vec<u8>>,
    version: Option<u32>,
) -> Result<Zeroizing<Vec<u8>>, String> {
    match (sealer, version) {
        (None, None) => Ok(stored),
        (Some(sealer), Some(v)) if v == sealer.version => {
            sealer.open(row, &stored).map_err(|e| e.to_string())
        }
        (Some(sealer), Some(v)) => Err(format!(
            "sealed under master key version {v}, the database's is {}",
            sealer.version
        )),
        (Some(_), None) => {
            Err("in clear, in a database whose secrets are sealed under a master key".to_owned())
        }
        (None, Some(v)) => Err(format!(
            "sealed under master key version {v}, but the database has no master key"
        )),
    }
}

type KeyRow = (String, String, u32, Zeroizing<Vec<u8>>, Option<u32>);
type CsidRow = (String, String, String, u32, Zeroizing<Vec<u8>>, Option<u32>);

fn bytes_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Zeroizing<Vec<u8>>> {
    let value = r.get_ref(i)?;
    stored_bytes(value).map(Zeroizing::new).ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(i, "secret".to_owned(), value.data_type())
    })
}

/// Seals every secret under `to`: those in clear (`from` `None`) or those
/// sealed under `from`. Inside the caller's transaction. Returns how many.
fn reseal(
    path: &Path,
    tx: &Connection,
    from: Option<&Sealer>,
    to: &Sealer,
) -> Result<usize, StoreError> {
    let keys: Vec<KeyRow> = tx
        .prepare(
            "SELECT environment, device_id, generation, key_pkcs8, key_version FROM device_keys",
        )
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    bytes_column(r, 3)?,
                    r.get(4)?,
                ))
            })?
            .collect()
        })
        .map_err(sql_error(path, "table device_keys"))?;
    let csids: Vec<CsidRow> = tx
        .prepare(
            "SELECT environment, device_id, kind, generation, secret, secret_version
             FROM device_csids",
        )
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    bytes_column(r, 4)?,
                    r.get(5)?,
                ))
            })?
            .collect()
        })
        .map_err(sql_error(path, "table device_csids"))?;
    let count = keys.len() + csids.len();
    for (environment, device_id, generation, stored, version) in keys {
        let row = RowId {
            table: "device_keys",
            environment: &environment,
            device_id: &device_id,
            generation,
            kind: "key",
        };
        let context =
            format!("table device_keys, row ({environment}, {device_id}, generation {generation})");
        let plain = unseal(from, &row, stored, version)
            .map_err(|e| corrupt(path, format!("{context}: {e}")))?;
        let sealed = to
            .seal(&row, &plain)
            .map_err(|e| corrupt(path, format!("{context}: {e}")))?;
        tx.execute(
            "UPDATE device_keys SET key_pkcs8 = ?1, key_version = ?2
             WHERE environment = ?3 AND device_id = ?4 AND generation = ?5",
            params![sealed, to.version, environment, device_id, generation],
        )
        .map_err(sql_error(path, &context))?;
    }
    for (environment, device_id, kind, generation, stored, version) in csids {
        let row = RowId {
            table: "device_csids",
            environment: &environment,
            device_id: &device_id,
            generation,
            kind: &kind,
        };
        let context = format!(
            "table device_csids, row ({environment}, {device_id}, {kind}, generation {generation})"
        );
        let plain = unseal(from, &row, stored, version)
            .map_err(|e| corrupt(path, format!("{context}: {e}")))?;
        let sealed = to
            .seal(&row, &plain)
            .map_err(|e| corrupt(path, format!("{context}: {e}")))?;
        tx.execute(
            "UPDATE device_csids SET secret = ?1, secret_version = ?2
             WHERE environment = ?3 AND device_id = ?4 AND kind = ?5 AND generation = ?6",
            params![sealed, to.version, environment, device_id, kind, generation],
        )
        .map_err(sql_error(path, &context))?;
    }
    Ok(count)
}

impl SqliteStore {
    /// Re-seals every secret of the database at `path` under `new`, in one
    /// transaction with the new check value: a crash or an error leaves
    /// every secret under `old`. `old` must be the database's master key
    /// ([`StoreError::WrongMasterKey`] otherwise). Returns how many secrets
    /// were re-sealed. Stop the service first: a running one keeps sealing
    /// under `old`.
    pub fn rotate_master_key(
        path: &Path,
        old: &MasterKey,
        new: &MasterKey,
    ) -> Result<usize, StoreError> {
        let store = Self::open_with_master_key(path, old)?;
        let mut conn = store.writer();
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(sql_error(path, "rotating the master key"))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error(path, "rotating the master key"))?;
        let Some((version, check)) = recorded(path, &tx)? else {
            return Err(corrupt(
                path,
                "table master_key: the row is missing".to_owned(),
            ));
        };
        // Read again inside the transaction: another process may have rotated.
        let from = verified(path, old, version, &check)?;
        let next = version.checked_add(1).ok_or_else(|| {
            corrupt(
                path,
                format!("table master_key: version {version} cannot be incremented"),
            )
        })?;
        let to = Sealer::new(new, next);
        let count = reseal(path, &tx, Some(&from), &to)?;
        let check = to
            .check_value()
            .map_err(|e| corrupt(path, format!("table master_key: {e}")))?;
        tx.execute(
            "UPDATE master_key SET version = ?1, check_value = ?2 WHERE singleton = 1",
            params![next, check],
        )
        .map_err(sql_error(path, "table master_key"))?;
        tx.commit()
            .map_err(sql_error(path, "committing the rotation"))?;
        Ok(count)
    }
}
