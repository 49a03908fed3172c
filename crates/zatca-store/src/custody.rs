//! The master key and the sealing of the secrets a service store keeps
//! (see the crate docs, "Secrets at rest").

use std::fmt::{self, Write as _};
use std::io::Read as _;
use std::io::Write as _;
use std::path::Path;

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

/// The length of a master key, in bytes (AES-256).
pub const MASTER_KEY_BYTES: usize = 32;

/// How much of a key file is read (a key file is 65 bytes).
const MAX_KEY_FILE_BYTES: usize = 256;

/// The length of a sealed value's random nonce (AES-GCM's 96 bits).
const NONCE_BYTES: usize = 12;

// These two texts are part of every sealed value and check value written
// since the first release (by the SQLite store, whose name they carry):
// changing them would make every existing database unreadable.

/// What the check value of `master_key` seals: opening it proves the key.
const CHECK_PLAINTEXT: &[u8] = b"zatca-store-sqlite master key check";

/// Every associated data starts with this, so a value sealed by another
/// program under the same key never opens here.
const AAD_DOMAIN: &[u8] = b"zatca-store-sqlite/sealed-v1";

/// The 256-bit key the database's secrets are sealed under. Wiped from
/// memory on drop; never shown (its `Debug` names only where it came from).
pub struct MasterKey {
    bytes: Zeroizing<[u8; MASTER_KEY_BYTES]>,
    source: String,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// A master key that cannot be read, created or parsed. It names where the
/// key was looked for (a file or an environment variable), never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterKeyError {
    /// The key file, or the environment variable, named as given.
    pub source: String,
    /// What is wrong and what was expected.
    pub reason: String,
}

impl fmt::Display for MasterKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.reason)
    }
}

impl std::error::Error for MasterKeyError {}

fn key_error(source: &str, reason: impl Into<String>) -> MasterKeyError {
    MasterKeyError {
        source: source.to_owned(),
        reason: reason.into(),
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl MasterKey {
    /// Parses 64 hex characters (surrounding white space, such as a final
    /// newline, is ignored). `source` names where the text came from, for
    /// errors and [`MasterKey::source`].
    pub fn from_hex(text: &str, source: impl Into<String>) -> Result<Self, MasterKeyError> {
        let source = source.into();
        let text = text.trim().as_bytes();
        let expected = || {
            key_error(
                &source,
                format!(
                    "expected {} hex characters (a {}-bit key), found {} characters",
                    MASTER_KEY_BYTES * 2,
                    MASTER_KEY_BYTES * 8,
                    text.len()
                ),
            )
        };
        if text.len() != MASTER_KEY_BYTES * 2 {
            return Err(expected());
        }
        let mut bytes = Zeroizing::new([0u8; MASTER_KEY_BYTES]);
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            let (Some(&hi), Some(&lo)) = (pair.first(), pair.get(1)) else {
                return Err(expected());
            };
            let (Some(hi), Some(lo)) = (hex_value(hi), hex_value(lo)) else {
                return Err(key_error(
                    &source,
                    "expected hex characters only (0-9, a-f)",
                ));
            };
            *byte = (hi << 4) | lo;
        }
        Ok(Self { bytes, source })
    }

    /// Reads a key file: 64 hex characters (and an optional newline), the
    /// file readable by its owner only (mode 0600 or 0400; any permission
    /// for the group or others is refused).
    pub fn from_file(path: &Path) -> Result<Self, MasterKeyError> {
        let source = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                " (create it with `zatca serve init --master-key-file FILE`)"
            } else {
                ""
            };
            key_error(
                &source,
                format!("cannot read the master key file: {e}{hint}"),
            )
        })?;
        if !meta.is_file() {
            return Err(key_error(
                &source,
                "the master key file is not a regular file",
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(key_error(
                    &source,
                    format!(
                        "the master key file has mode {mode:04o}: it must be readable by its owner only (chmod 600)"
                    ),
                ));
            }
        }
        // A key file is 65 bytes: reading a bounded prefix is enough to
        // tell a wrong file apart, whatever its size.
        let mut text = Zeroizing::new(Vec::with_capacity(MAX_KEY_FILE_BYTES));
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_KEY_FILE_BYTES as u64).read_to_end(&mut text))
            .map_err(|e| key_error(&source, format!("cannot read the master key file: {e}")))?;
        let text = std::str::from_utf8(&text)
            .map_err(|_| key_error(&source, "expected 64 hex characters, found binary data"))?;
        Self::from_hex(text, source.clone())
    }

    /// Creates the key file `path` with a fresh random key (64 hex
    /// characters and a newline, mode 0600). An existing file is never
    /// overwritten: it is refused.
    pub fn create_file(path: &Path) -> Result<Self, MasterKeyError> {
        let source = path.display().to_string();
        let mut bytes = Zeroizing::new([0u8; MASTER_KEY_BYTES]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|e| {
            key_error(
                &source,
                format!("the operating system's random number generator failed: {e}"),
            )
        })?;
        let mut text = Zeroizing::new(String::with_capacity(MASTER_KEY_BYTES * 2 + 1));
        for b in bytes.iter() {
            let _ = write!(text, "{b:02x}");
        }
        text.push('\n');
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| {
            let reason = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "exists already: a master key file is never overwritten (the secrets sealed under it would be lost)".to_owned()
            } else {
                format!("cannot create the master key file: {e}")
            };
            key_error(&source, reason)
        })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| key_error(&source, format!("cannot write the master key file: {e}")))?;
        Ok(Self { bytes, source })
    }

    /// Where the key came from: the key file's path or the environment
    /// variable's name (never the key).
    pub fn source(&self) -> &str {
        &self.source
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&(*self.bytes).into())
    }
}

/// The row a sealed value belongs to: its associated data, so a value
/// copied to another row does not open there.
#[derive(Debug, Clone, Copy)]
pub struct RowId<'a> {
    /// The table.
    pub table: &'a str,
    /// The device's environment (`development`, …).
    pub environment: &'a str,
    /// The device's id.
    pub device_id: &'a str,
    /// The key generation.
    pub generation: u32,
    /// `key`, or the CSID's `compliance` / `production`.
    pub kind: &'a str,
}

impl RowId<'_> {
    /// The row of the check value.
    pub const CHECK: RowId<'static> = RowId {
        table: "master_key",
        environment: "",
        device_id: "",
        generation: 0,
        kind: "check",
    };

    /// Each field length-prefixed, so no two rows give the same bytes.
    fn aad(&self) -> Vec<u8> {
        let generation = self.generation.to_string();
        let mut aad = AAD_DOMAIN.to_vec();
        for field in [
            self.table,
            self.environment,
            self.device_id,
            &generation,
            self.kind,
        ] {
            aad.extend_from_slice(&(field.len() as u64).to_be_bytes());
            aad.extend_from_slice(field.as_bytes());
        }
        aad
    }
}

/// The database's current master key: the cipher and the version written
/// beside every value sealed under it.
pub struct Sealer {
    cipher: Aes256Gcm,
    /// The master key's version (incremented by each rotation).
    pub version: u32,
}

/// Why a value could not be sealed or opened.
#[derive(Debug)]
pub enum SealError {
    /// The random number generator failed.
    Randomness(String),
    /// The value is not of the form nonce + ciphertext + tag, or does not
    /// open under this key for this row.
    DoesNotOpen,
}

impl std::error::Error for SealError {}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Randomness(e) => write!(
                f,
                "the operating system's random number generator failed: {e}"
            ),
            Self::DoesNotOpen => f.write_str(
                "the sealed value does not open under the master key for this row (damaged, or copied from another row)",
            ),
        }
    }
}

impl Sealer {
    /// The sealer of `key`, recorded as version `version`.
    pub fn new(key: &MasterKey, version: u32) -> Self {
        Self {
            cipher: key.cipher(),
            version,
        }
    }

    /// `nonce || ciphertext || tag`, the nonce fresh from the operating system.
    pub fn seal(&self, row: &RowId<'_>, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| SealError::Randomness(e.to_string()))?;
        let aad = row.aad();
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::DoesNotOpen)?;
        let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The plaintext of a value sealed for `row` (wiped on drop).
    pub fn open(&self, row: &RowId<'_>, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let (Some(nonce), Some(ciphertext)) =
            (sealed.get(..NONCE_BYTES), sealed.get(NONCE_BYTES..))
        else {
            return Err(SealError::DoesNotOpen);
        };
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| SealError::DoesNotOpen)?;
        let aad = row.aad();
        self.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SealError::DoesNotOpen)
    }

    /// The check value recorded in `master_key`.
    pub fn check_value(&self) -> Result<Vec<u8>, SealError> {
        self.seal(&RowId::CHECK, CHECK_PLAINTEXT)
    }

    /// Whether `check` is this key's check value.
    pub fn opens_check(&self, check: &[u8]) -> bool {
        self.open(&RowId::CHECK, check)
            .is_ok_and(|p| p.as_slice() == CHECK_PLAINTEXT)
    }
}
