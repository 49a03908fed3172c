//! The onboarding service's embedded store: one SQLite file holding the
//! devices and activities of the lifecycle ([`zatca_onboarding::DeviceStore`])
//! and the service's accounts: the VATs it serves and its users ([`Accounts`]).
#![forbid(unsafe_code)]

use std::fmt;

use zatca_profile::Vat;

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
    fn add_vat(&self, vat: &Vat, name: Option<&str>, group: Option<&Vat>) -> Result<(), Self::Error>;

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

/// A user's token: a secret, shown once.
pub struct Token(String);

impl Token {
    /// Wraps a token's text.
    pub fn new(text: String) -> Self {
        Self(text)
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
