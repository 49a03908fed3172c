//! What every database behind the onboarding service shares, whatever the
//! back end (the embedded `zatca-store-sqlite`, the shared
//! `zatca-store-postgres`): the accounts contract ([`Accounts`]: the VATs
//! served, the users, their roles and tokens, with the rules a name or a
//! group must follow), and the master key the devices' secrets are sealed
//! under ([`MasterKey`], [`custody::Sealer`]), and how the lifecycle's
//! records sit in rows ([`rows`]).
//!
//! ```
//! use zatca_store::{MasterKey, custody::{RowId, Sealer}};
//! let key = MasterKey::from_hex(&"5e".repeat(32), "example")?;
//! let sealer = Sealer::new(&key, 1);
//! let row = RowId { table: "device_keys", environment: "development", device_id: "d", generation: 1, kind: "key" };
//! let sealed = sealer.seal(&row, b"secret")?;
//! assert_eq!(sealer.open(&row, &sealed)?.as_slice(), b"secret");
//! let other = RowId { generation: 2, ..row };
//! assert!(sealer.open(&other, &sealed).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Accounts
//!
//! A token is 32 bytes from the operating system's random number generator,
//! shown as 64 lower-case hex characters ([`new_token`]). Only its SHA-256
//! is stored ([`token_hash`]); a token is found by its hash and the hashes
//! compared again in constant time ([`hashes_match`]). A user name is 1 to
//! 64 characters of `A-Z a-z 0-9 . _ @ -` ([`check_user_name`]); a VAT's
//! display name at most 200 characters, none a control character
//! ([`check_vat_name`]).
//!
//! A group VAT (11th digit `1`, [`zatca_profile::Vat::is_group`]) has
//! members: [`Accounts::add_vat`] with a group adds the group too if it is
//! not served yet. A group cannot be a member of another group
//! ([`check_group`]).
//!
//! # Secrets at rest
//!
//! Each secret is sealed with AES-256-GCM under a fresh random 96-bit
//! nonce, stored as `nonce || ciphertext || tag`; the associated data is the
//! row it belongs to ([`custody::RowId`]: table, environment, device id,
//! generation and kind), so a value copied to another row does not open
//! there. A check value (a known text sealed under the key) lets a store
//! refuse a wrong key before it writes anything. A key file
//! ([`MasterKey::from_file`], [`MasterKey::create_file`]) holds 64 hex
//! characters and a newline, the same text as the `ZATCA_MASTER_KEY`
//! variable ([`MasterKey::from_hex`]); it is created mode 0600, never
//! overwritten, and refused when its group or others have any permission.
//! A [`MasterKey`] is wiped from memory on drop and never shown.
//!
//! AES-256-GCM rather than ChaCha20-Poly1305: the toolkit already builds
//! `aes-gcm` (for encrypted PKCS#8 keys), so it adds no crate, and it runs
//! in constant time with the processor's AES instructions. Random 96-bit
//! nonces are safe for far more values than a database holds (the bound is
//! 2^32 seals per key; a rotation starts a new key).
//!
//! # Dependencies
//!
//! `aes-gcm` (RustCrypto, features `aes`, `alloc`, `zeroize`) for the
//! sealing; `zatca-onboarding` for the records and `serde_json` for their
//! JSON; `getrandom` for tokens and nonces; `subtle` for the
//! constant-time comparison of token hashes; `zeroize` for the key and the
//! token text; `zatca-profile` for VATs; `zatca-types` for SHA-256. With
//! the feature `conformance` (tests only): `zatca-simulator` and
//! `zatca-sign` for the suite every back end runs
//! ([`conformance`]).
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

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod custody;
pub mod rows;

pub use custody::{MASTER_KEY_BYTES, MasterKey, MasterKeyError};

use std::fmt::{self, Write as _};

use subtle::ConstantTimeEq as _;
use zatca_profile::Vat;
use zeroize::Zeroizing;

/// What a user may do for its VATs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Register devices, generate and renew CSIDs, sign, and read.
    Admin,
    /// Read only: devices, activity status, signed documents.
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

    /// The role named `admin` or `viewer`.
    ///
    /// ```
    /// assert_eq!(zatca_store::Role::parse("viewer"), Some(zatca_store::Role::Viewer));
    /// assert_eq!(zatca_store::Role::parse("root"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Admin, Self::Viewer]
            .into_iter()
            .find(|r| r.as_str() == s)
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

    /// Whether `error` means the database cannot be reached right now (a
    /// service answers 503 and recovers when it is back) rather than a
    /// failure of the request. The default: never.
    fn is_unavailable(_error: &Self::Error) -> bool {
        false
    }
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

/// The random bytes of a token (256 bits).
pub const TOKEN_BYTES: usize = 32;

/// The longest user name.
pub const MAX_USER_NAME: usize = 64;

/// The longest VAT display name, in characters.
pub const MAX_VAT_NAME: usize = 200;

/// A fresh token: [`TOKEN_BYTES`] from the operating system, in hex.
pub fn new_token() -> Result<Token, getrandom::Error> {
    let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
    getrandom::fill(bytes.as_mut_slice())?;
    let mut text = Zeroizing::new(String::with_capacity(TOKEN_BYTES * 2));
    for b in bytes.iter() {
        let _ = write!(text, "{b:02x}");
    }
    Ok(Token(text))
}

/// What a store keeps of a token: its SHA-256.
pub fn token_hash(token: &str) -> [u8; 32] {
    zatca_types::digest::sha256(token.as_bytes())
}

/// Whether a token could be one this toolkit issued (its length is no
/// secret): others are refused without hashing.
pub fn may_be_token(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2
}

/// The stored hash and the presented token's, compared in constant time
/// (the index that found the row compared them early-exit).
pub fn hashes_match(stored: &[u8], presented: &[u8; 32]) -> bool {
    bool::from(stored.ct_eq(presented.as_slice()))
}

/// A user name: 1 to [`MAX_USER_NAME`] characters of `A-Z a-z 0-9 . _ @ -`;
/// the error says what was expected.
///
/// ```
/// assert!(zatca_store::check_user_name("erp@riyadh").is_ok());
/// assert!(zatca_store::check_user_name("two words").is_err());
/// ```
pub fn check_user_name(name: &str) -> Result<(), String> {
    let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
    if name.is_empty() || name.len() > MAX_USER_NAME || !name.chars().all(fits) {
        return Err(format!(
            "expected 1 to {MAX_USER_NAME} characters of A-Z a-z 0-9 . _ @ -; got {name:?}"
        ));
    }
    Ok(())
}

/// A VAT's display name: 1 to [`MAX_VAT_NAME`] characters, no control character.
pub fn check_vat_name(name: &str) -> Result<(), String> {
    let count = name.chars().count();
    if count == 0 || count > MAX_VAT_NAME || name.chars().any(char::is_control) {
        return Err(format!(
            "expected 1 to {MAX_VAT_NAME} characters and no control character; got {count} characters"
        ));
    }
    Ok(())
}

/// `vat` may be a member of `group`: `group` is a group VAT, and `vat` is not.
pub fn check_group(vat: &Vat, group: &Vat) -> Result<(), String> {
    if !group.is_group() {
        return Err(format!(
            "{} is not a group VAT (its 11th digit must be 1)",
            group.as_str()
        ));
    }
    if group == vat || vat.is_group() {
        return Err(format!(
            "{} is a group VAT itself: a group cannot be a member of a group",
            vat.as_str()
        ));
    }
    Ok(())
}
