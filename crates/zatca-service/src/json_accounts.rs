//! [`JsonAccounts`]: the service's accounts in one JSON file, for a service
//! over the directory store (`zatca_onboarding::Store`) and for tests. The
//! SQLite store keeps them in its database instead; both implement
//! [`Accounts`] alike.
//!
//! Tokens are 256 random bits (64 hex characters); the file keeps only their
//! SHA-256, and [`Accounts::authenticate`] compares hashes in constant time.
//! Every change rewrites the file atomically (temporary file, fsync, rename),
//! so a reader in another process sees the old or the new file, never half.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zatca_profile::Vat;
use zatca_store_sqlite::{Accounts, Role, Token, User, VatEntry};

/// The largest accounts file read.
const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The accounts of a service, in a JSON file.
#[derive(Debug)]
pub struct JsonAccounts {
    path: PathBuf,
    /// Serializes this process's read-modify-write cycles.
    writing: Mutex<()>,
}

/// A failure of [`JsonAccounts`], naming the file and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsError(String);

impl fmt::Display for AccountsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AccountsError {}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountsFile {
    vats: Vec<VatRow>,
    users: Vec<UserRow>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VatRow {
    vat: String,
    name: Option<String>,
    group: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserRow {
    name: String,
    role: String,
    vats: Vec<String>,
    token_sha256: String,
    revoked: bool,
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_role(text: &str) -> Option<Role> {
    match text {
        "admin" => Some(Role::Admin),
        "viewer" => Some(Role::Viewer),
        _ => None,
    }
}

impl JsonAccounts {
    /// The accounts in the file at `path` (created by the first change).
    pub fn open(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            writing: Mutex::new(()),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, what: &str, reason: impl fmt::Display) -> AccountsError {
        AccountsError(format!(
            "the accounts file {}: {what}: {reason}",
            self.path.display()
        ))
    }

    fn read(&self) -> Result<AccountsFile, AccountsError> {
        match zatca_fs::read_regular(&self.path, MAX_FILE_BYTES, "accounts file") {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| self.error("is damaged (not the accounts JSON)", e)),
            Err(e) if !self.path.exists() => {
                let _ = e;
                Ok(AccountsFile::default())
            }
            Err(e) => Err(self.error("could not be read", e)),
        }
    }

    fn change<T>(
        &self,
        f: impl FnOnce(&mut AccountsFile) -> Result<T, AccountsError>,
    ) -> Result<T, AccountsError> {
        let _guard = self
            .writing
            .lock()
            .map_err(|_| self.error("is locked", "a writer panicked"))?;
        let mut file = self.read()?;
        let out = f(&mut file)?;
        let bytes = serde_json::to_vec_pretty(&file)
            .map_err(|e| self.error("could not be serialized", e))?;
        zatca_fs::write_atomic(
            &self.path,
            &bytes,
            zatca_fs::WriteOptions::SECRET.overwrite(true),
        )
        .map_err(|e| self.error("could not be written", e))?;
        Ok(out)
    }

    fn entry(row: &VatRow) -> Option<VatEntry> {
        Some(VatEntry {
            vat: Vat::parse(&row.vat).ok()?,
            name: row.name.clone(),
            group: row.group.as_deref().and_then(|g| Vat::parse(g).ok()),
        })
    }

    fn user(row: &UserRow) -> Option<User> {
        Some(User {
            name: row.name.clone(),
            role: parse_role(&row.role)?,
            vats: row.vats.iter().filter_map(|v| Vat::parse(v).ok()).collect(),
            revoked: row.revoked,
        })
    }
}

impl Accounts for JsonAccounts {
    type Error = AccountsError;

    fn add_vat(
        &self,
        vat: &Vat,
        name: Option<&str>,
        group: Option<&Vat>,
    ) -> Result<(), Self::Error> {
        self.change(|file| {
            if let Some(group) = group {
                if !group.is_group() {
                    return Err(AccountsError(format!(
                        "{} is not a group VAT (its 11th digit is not 1)",
                        group.as_str()
                    )));
                }
                if !file.vats.iter().any(|v| v.vat == group.as_str()) {
                    return Err(AccountsError(format!(
                        "the group VAT {} is not added yet: add it first",
                        group.as_str()
                    )));
                }
            }
            let row = VatRow {
                vat: vat.as_str().to_owned(),
                name: name.map(str::to_owned),
                group: group.map(|g| g.as_str().to_owned()),
            };
            match file.vats.iter_mut().find(|v| v.vat == vat.as_str()) {
                Some(existing) => *existing = row,
                None => file.vats.push(row),
            }
            file.vats.sort_by(|a, b| a.vat.cmp(&b.vat));
            Ok(())
        })
    }

    fn vat(&self, vat: &str) -> Result<Option<VatEntry>, Self::Error> {
        Ok(self
            .read()?
            .vats
            .iter()
            .find(|v| v.vat == vat)
            .and_then(Self::entry))
    }

    fn list_vats(&self) -> Result<Vec<VatEntry>, Self::Error> {
        Ok(self.read()?.vats.iter().filter_map(Self::entry).collect())
    }

    fn add_user(&self, name: &str, role: Role, vats: &[Vat]) -> Result<Token, Self::Error> {
        if name.trim().is_empty() || name.len() > 128 {
            return Err(AccountsError(
                "a user name must be 1 to 128 characters".to_owned(),
            ));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| AccountsError(format!("no randomness for a token: {e}")))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let hash = sha256_hex(&token);
        self.change(|file| {
            if file.users.iter().any(|u| u.name == name) {
                return Err(AccountsError(format!(
                    "a user named {name:?} exists already"
                )));
            }
            for vat in vats {
                if !file.vats.iter().any(|v| v.vat == vat.as_str()) {
                    return Err(AccountsError(format!(
                        "VAT {} is not added: add it with `zatca serve vat add {}` first",
                        vat.as_str(),
                        vat.as_str()
                    )));
                }
            }
            file.users.push(UserRow {
                name: name.to_owned(),
                role: role.as_str().to_owned(),
                vats: vats.iter().map(|v| v.as_str().to_owned()).collect(),
                token_sha256: hash,
                revoked: false,
            });
            file.users.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(())
        })?;
        Ok(Token::new(token))
    }

    fn list_users(&self) -> Result<Vec<User>, Self::Error> {
        Ok(self.read()?.users.iter().filter_map(Self::user).collect())
    }

    fn revoke_user(&self, name: &str) -> Result<bool, Self::Error> {
        self.change(|file| {
            Ok(match file.users.iter_mut().find(|u| u.name == name) {
                Some(user) => {
                    user.revoked = true;
                    true
                }
                None => false,
            })
        })
    }

    fn authenticate(&self, token: &str) -> Result<Option<User>, Self::Error> {
        let hash = sha256_hex(token);
        let file = self.read()?;
        // Every row is compared, so the time does not tell which one matched.
        let mut found = None;
        for row in &file.users {
            if bool::from(row.token_sha256.as_bytes().ct_eq(hash.as_bytes())) {
                found = Some(row);
            }
        }
        Ok(found.filter(|row| !row.revoked).and_then(Self::user))
    }
}
