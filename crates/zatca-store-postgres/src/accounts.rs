//! The service's accounts over the database: VATs, users, tokens. Read on
//! every call (no cache), so every instance sees a change at once.

use zatca_profile::Vat;
use zatca_store::{Accounts, Role, Token, User, VatEntry, hashes_match, token_hash};

use crate::{PgStoreError, PostgresStore, classify};

impl PostgresStore {
    fn sql(&self, context: &str) -> impl Fn(postgres::Error) -> PgStoreError + '_ {
        let context = context.to_owned();
        move |e| classify(self.label(), &context, &e)
    }

    fn invalid(&self, field: &'static str, reason: String) -> PgStoreError {
        PgStoreError::Invalid {
            store: self.label().to_owned(),
            field,
            reason,
        }
    }

    fn stored_vat(&self, context: &str, text: &str) -> Result<Vat, PgStoreError> {
        Vat::parse(text).map_err(|e| PgStoreError::Corrupt {
            store: self.label().to_owned(),
            reason: format!("{context}: {e}"),
        })
    }

    fn entry_of(
        &self,
        vat: &str,
        name: Option<String>,
        group: Option<String>,
    ) -> Result<VatEntry, PgStoreError> {
        let context = format!("table vats, row {vat:?}");
        Ok(VatEntry {
            vat: self.stored_vat(&context, vat)?,
            name,
            group: group.map(|g| self.stored_vat(&context, &g)).transpose()?,
        })
    }

    /// The user of a row `(name, role, revoked, vats)` of [`USERS`].
    fn user_of(&self, row: &postgres::Row) -> Result<User, PgStoreError> {
        let name: String = row.get(0);
        let role: String = row.get(1);
        let context = format!("table user_vats, user {name:?}");
        let role = Role::parse(&role).ok_or_else(|| PgStoreError::Corrupt {
            store: self.label().to_owned(),
            reason: format!("table users, row {name:?}: role {role:?} is neither admin nor viewer"),
        })?;
        let texts: Vec<String> = row.get(3);
        let vats = texts
            .iter()
            .map(|t| self.stored_vat(&context, t))
            .collect::<Result<_, _>>()?;
        Ok(User {
            name,
            role,
            vats,
            revoked: row.get(2),
        })
    }
}

/// Users with their VATs, one row each: `(name, role, revoked, vats, token_sha256)`.
const USERS: &str = "SELECT u.name, u.role, u.revoked,
        coalesce(array_agg(v.vat ORDER BY v.vat) FILTER (WHERE v.vat IS NOT NULL), '{}'),
        u.token_sha256
     FROM users u LEFT JOIN user_vats v ON v.user_id = u.user_id";

impl Accounts for PostgresStore {
    type Error = PgStoreError;

    fn add_vat(
        &self,
        vat: &Vat,
        name: Option<&str>,
        group: Option<&Vat>,
    ) -> Result<(), PgStoreError> {
        if let Some(name) = name {
            zatca_store::check_vat_name(name).map_err(|r| self.invalid("VAT name", r))?;
        }
        if let Some(group) = group {
            zatca_store::check_group(vat, group).map_err(|r| self.invalid("group VAT", r))?;
        }
        let context = format!("table vats, row {:?}", vat.as_str());
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(self.sql(&context))?;
        if let Some(group) = group {
            tx.execute(
                "INSERT INTO vats (vat) VALUES ($1) ON CONFLICT (vat) DO NOTHING",
                &[&group.as_str()],
            )
            .map_err(self.sql(&format!("table vats, row {:?}", group.as_str())))?;
        }
        tx.execute(
            "INSERT INTO vats (vat, name, group_vat) VALUES ($1, $2, $3)
             ON CONFLICT (vat) DO UPDATE SET
               name = coalesce(excluded.name, vats.name),
               group_vat = coalesce(excluded.group_vat, vats.group_vat)",
            &[&vat.as_str(), &name, &group.map(Vat::as_str)],
        )
        .map_err(self.sql(&context))?;
        tx.commit().map_err(self.sql(&context))
    }

    fn vat(&self, vat: &str) -> Result<Option<VatEntry>, PgStoreError> {
        let context = format!("table vats, row {vat:?}");
        let row = self
            .conn()?
            .query_opt(
                "SELECT vat, name, group_vat FROM vats WHERE vat = $1",
                &[&vat],
            )
            .map_err(self.sql(&context))?;
        row.map(|r| self.entry_of(r.get(0), r.get(1), r.get(2)))
            .transpose()
    }

    fn list_vats(&self) -> Result<Vec<VatEntry>, PgStoreError> {
        let rows = self
            .conn()?
            .query("SELECT vat, name, group_vat FROM vats ORDER BY vat", &[])
            .map_err(self.sql("table vats"))?;
        rows.iter()
            .map(|r| self.entry_of(r.get(0), r.get(1), r.get(2)))
            .collect()
    }

    fn add_user(&self, name: &str, role: Role, vats: &[Vat]) -> Result<Token, PgStoreError> {
        zatca_store::check_user_name(name).map_err(|r| self.invalid("user name", r))?;
        if vats.is_empty() {
            return Err(self.invalid("VATs", "a user needs at least one VAT".to_owned()));
        }
        let token = zatca_store::new_token().map_err(|e| PgStoreError::Randomness {
            store: self.label().to_owned(),
            reason: e.to_string(),
        })?;
        let context = format!("table users, row {name:?}");
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(self.sql(&context))?;
        for vat in vats {
            let served = tx
                .query_opt("SELECT 1 FROM vats WHERE vat = $1", &[&vat.as_str()])
                .map_err(self.sql(&format!("table vats, row {:?}", vat.as_str())))?;
            if served.is_none() {
                return Err(PgStoreError::UnknownVat {
                    store: self.label().to_owned(),
                    vat: vat.as_str().to_owned(),
                });
            }
        }
        let hash = token_hash(token.expose());
        let inserted = tx
            .query_opt(
                "INSERT INTO users (name, role, token_sha256) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO NOTHING RETURNING user_id",
                &[&name, &role.as_str(), &hash.as_slice()],
            )
            .map_err(self.sql(&context))?;
        let Some(inserted) = inserted else {
            return Err(PgStoreError::UserExists {
                store: self.label().to_owned(),
                name: name.to_owned(),
            });
        };
        let user_id: i64 = inserted.get(0);
        for vat in vats {
            tx.execute(
                "INSERT INTO user_vats (user_id, vat) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&user_id, &vat.as_str()],
            )
            .map_err(self.sql(&format!("table user_vats, user {name:?}")))?;
        }
        tx.commit().map_err(self.sql(&context))?;
        Ok(token)
    }

    fn list_users(&self) -> Result<Vec<User>, PgStoreError> {
        let sql = format!("{USERS} GROUP BY u.user_id ORDER BY u.name");
        let rows = self
            .conn()?
            .query(&sql, &[])
            .map_err(self.sql("table users"))?;
        rows.iter().map(|r| self.user_of(r)).collect()
    }

    fn revoke_user(&self, name: &str) -> Result<bool, PgStoreError> {
        let changed = self
            .conn()?
            .execute("UPDATE users SET revoked = TRUE WHERE name = $1", &[&name])
            .map_err(self.sql(&format!("table users, row {name:?}")))?;
        Ok(changed > 0)
    }

    fn authenticate(&self, token: &str) -> Result<Option<User>, PgStoreError> {
        if !zatca_store::may_be_token(token) {
            return Ok(None);
        }
        let hash = token_hash(token);
        let sql = format!("{USERS} WHERE u.token_sha256 = $1 GROUP BY u.user_id");
        let row = self
            .conn()?
            .query_opt(&sql, &[&hash.as_slice()])
            .map_err(self.sql("table users"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        // The index found the row; the hashes are compared again in constant time.
        let stored: Vec<u8> = row.get(4);
        let user = self.user_of(&row)?;
        if !hashes_match(&stored, &hash) || user.revoked {
            return Ok(None);
        }
        Ok(Some(user))
    }

    fn is_unavailable(error: &PgStoreError) -> bool {
        error.is_unavailable()
    }
}
