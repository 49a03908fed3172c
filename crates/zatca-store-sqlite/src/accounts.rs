//! The service's accounts over the database: VATs, users, tokens.

use rusqlite::{OptionalExtension as _, TransactionBehavior, params};
use zatca_profile::Vat;
use zatca_store::{hashes_match, token_hash};

use crate::error::StoreError;
use crate::store::SqliteStore;
use crate::{Accounts, Role, Token, User, VatEntry};

impl SqliteStore {
    fn invalid(&self, field: &'static str, reason: String) -> StoreError {
        StoreError::Invalid {
            path: self.path().to_path_buf(),
            field,
            reason,
        }
    }

    fn stored_vat(&self, context: &str, text: &str) -> Result<Vat, StoreError> {
        Vat::parse(text).map_err(|e| StoreError::Corrupt {
            path: self.path().to_path_buf(),
            reason: format!("{context}: {e}"),
        })
    }

    fn check_user_name(&self, name: &str) -> Result<(), StoreError> {
        zatca_store::check_user_name(name).map_err(|reason| self.invalid("user name", reason))
    }

    fn check_vat_name(&self, name: &str) -> Result<(), StoreError> {
        zatca_store::check_vat_name(name).map_err(|reason| self.invalid("VAT name", reason))
    }

    /// The user in a row `(user_id, name, role, revoked)`, with its VATs.
    fn user_of(
        &self,
        conn: &rusqlite::Connection,
        user_id: i64,
        name: String,
        role: &str,
        revoked: bool,
    ) -> Result<User, StoreError> {
        let context = format!("table users, row {name:?}");
        let role = Role::parse(role).ok_or_else(|| StoreError::Corrupt {
            path: self.path().to_path_buf(),
            reason: format!("{context}: role {role:?} is neither admin nor viewer"),
        })?;
        let texts: Vec<String> = conn
            .prepare_cached("SELECT vat FROM user_vats WHERE user_id = ?1 ORDER BY vat")
            .and_then(|mut s| s.query_map([user_id], |r| r.get(0))?.collect())
            .map_err(self.sql(&format!("table user_vats, user {name:?}")))?;
        let vats = texts
            .iter()
            .map(|t| self.stored_vat(&format!("table user_vats, user {name:?}"), t))
            .collect::<Result<_, _>>()?;
        Ok(User {
            name,
            role,
            vats,
            revoked,
        })
    }

    fn entry_of(
        &self,
        vat: &str,
        name: Option<String>,
        group: Option<String>,
    ) -> Result<VatEntry, StoreError> {
        let context = format!("table vats, row {vat:?}");
        Ok(VatEntry {
            vat: self.stored_vat(&context, vat)?,
            name,
            group: group.map(|g| self.stored_vat(&context, &g)).transpose()?,
        })
    }
}

impl Accounts for SqliteStore {
    type Error = StoreError;

    /// Adds or updates a VAT: a name or group given replaces the stored one,
    /// one not given keeps it. A group that is not served yet is added too.
    fn add_vat(
        &self,
        vat: &Vat,
        name: Option<&str>,
        group: Option<&Vat>,
    ) -> Result<(), StoreError> {
        if let Some(name) = name {
            self.check_vat_name(name)?;
        }
        if let Some(group) = group {
            zatca_store::check_group(vat, group)
                .map_err(|reason| self.invalid("group VAT", reason))?;
        }
        let context = format!("table vats, row {:?}", vat.as_str());
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.sql(&context))?;
        if let Some(group) = group {
            tx.execute(
                "INSERT INTO vats (vat) VALUES (?1) ON CONFLICT (vat) DO NOTHING",
                [group.as_str()],
            )
            .map_err(self.sql(&format!("table vats, row {:?}", group.as_str())))?;
        }
        tx.execute(
            "INSERT INTO vats (vat, name, group_vat) VALUES (?1, ?2, ?3)
             ON CONFLICT (vat) DO UPDATE SET
               name = coalesce(excluded.name, name),
               group_vat = coalesce(excluded.group_vat, group_vat)",
            params![vat.as_str(), name, group.map(Vat::as_str)],
        )
        .map_err(self.sql(&context))?;
        tx.commit().map_err(self.sql(&context))
    }

    fn vat(&self, vat: &str) -> Result<Option<VatEntry>, StoreError> {
        let context = format!("table vats, row {vat:?}");
        let row: Option<(String, Option<String>, Option<String>)> = self
            .reader()
            .prepare_cached("SELECT vat, name, group_vat FROM vats WHERE vat = ?1")
            .and_then(|mut s| {
                s.query_row([vat], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(self.sql(&context))?;
        row.map(|(v, name, group)| self.entry_of(&v, name, group))
            .transpose()
    }

    fn list_vats(&self) -> Result<Vec<VatEntry>, StoreError> {
        let rows: Vec<(String, Option<String>, Option<String>)> = self
            .reader()
            .prepare_cached("SELECT vat, name, group_vat FROM vats ORDER BY vat")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(self.sql("table vats"))?;
        rows.into_iter()
            .map(|(v, name, group)| self.entry_of(&v, name, group))
            .collect()
    }

    fn add_user(&self, name: &str, role: Role, vats: &[Vat]) -> Result<Token, StoreError> {
        self.check_user_name(name)?;
        if vats.is_empty() {
            return Err(self.invalid("VATs", "a user needs at least one VAT".to_owned()));
        }
        let token = zatca_store::new_token().map_err(|e| StoreError::Randomness {
            path: self.path().to_path_buf(),
            reason: e.to_string(),
        })?;
        let context = format!("table users, row {name:?}");
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.sql(&context))?;
        let exists = tx
            .query_row("SELECT 1 FROM users WHERE name = ?1", [name], |_| Ok(()))
            .optional()
            .map_err(self.sql(&context))?;
        if exists.is_some() {
            return Err(StoreError::UserExists {
                path: self.path().to_path_buf(),
                name: name.to_owned(),
            });
        }
        for vat in vats {
            let served = tx
                .query_row("SELECT 1 FROM vats WHERE vat = ?1", [vat.as_str()], |_| {
                    Ok(())
                })
                .optional()
                .map_err(self.sql(&format!("table vats, row {:?}", vat.as_str())))?;
            if served.is_none() {
                return Err(StoreError::UnknownVat {
                    path: self.path().to_path_buf(),
                    vat: vat.as_str().to_owned(),
                });
            }
        }
        tx.execute(
            "INSERT INTO users (name, role, token_sha256) VALUES (?1, ?2, ?3)",
            params![name, role.as_str(), token_hash(token.expose()).as_slice()],
        )
        .map_err(self.sql(&context))?;
        let user_id = tx.last_insert_rowid();
        for vat in vats {
            tx.execute(
                "INSERT INTO user_vats (user_id, vat) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![user_id, vat.as_str()],
            )
            .map_err(self.sql(&format!("table user_vats, user {name:?}")))?;
        }
        tx.commit().map_err(self.sql(&context))?;
        Ok(token)
    }

    fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let mut conn = self.reader();
        // One read transaction: the users and their VATs as of one moment.
        let tx = conn.transaction().map_err(self.sql("table users"))?;
        let rows: Vec<(i64, String, String, bool)> = tx
            .prepare_cached("SELECT user_id, name, role, revoked FROM users ORDER BY name")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                    .collect()
            })
            .map_err(self.sql("table users"))?;
        let users = rows
            .into_iter()
            .map(|(id, name, role, revoked)| self.user_of(&tx, id, name, &role, revoked))
            .collect::<Result<Vec<_>, _>>()?;
        tx.finish().map_err(self.sql("table users"))?;
        Ok(users)
    }

    fn revoke_user(&self, name: &str) -> Result<bool, StoreError> {
        let changed = self
            .writer()
            .execute("UPDATE users SET revoked = 1 WHERE name = ?1", [name])
            .map_err(self.sql(&format!("table users, row {name:?}")))?;
        Ok(changed > 0)
    }

    fn authenticate(&self, token: &str) -> Result<Option<User>, StoreError> {
        // A token we issued is 64 characters: anything else cannot match
        // (its length is no secret), and is not hashed.
        if !zatca_store::may_be_token(token) {
            return Ok(None);
        }
        let hash = token_hash(token);
        let mut conn = self.reader();
        let tx = conn.transaction().map_err(self.sql("table users"))?;
        let row: Option<(i64, String, String, bool, Vec<u8>)> = tx
            .prepare_cached(
                "SELECT user_id, name, role, revoked, token_sha256 FROM users
                 WHERE token_sha256 = ?1",
            )
            .and_then(|mut s| {
                s.query_row([hash.as_slice()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()
            })
            .map_err(self.sql("table users"))?;
        let Some((id, name, role, revoked, stored)) = row else {
            return Ok(None);
        };
        // The index found the row; the hashes are compared again in constant
        // time so that no comparison of secret-derived bytes is early-exit.
        if !hashes_match(&stored, &hash) || revoked {
            return Ok(None);
        }
        let user = self.user_of(&tx, id, name, &role, revoked)?;
        tx.finish().map_err(self.sql("table users"))?;
        Ok(Some(user))
    }
}
