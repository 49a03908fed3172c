//! The embedded store: one directory, one folder per device, every update atomic.
//!
//! ```text
//! <root>/.lock                                   exclusive file lock (one writer at a time, 0600)
//! <root>/store.json                              how the keys are protected (no secret)
//! <root>/devices/<env>/<device-id>/device.json   state, no secrets; the commit point
//! <root>/devices/<env>/<device-id>/key-<n>.pem   private key of generation n (0600)
//! <root>/devices/<env>/<device-id>/csr-<n>.pem   CSR of generation n
//! <root>/devices/<env>/<device-id>/csid/compliance-<n>.json   compliance CSID (0600)
//! <root>/devices/<env>/<device-id>/csid/production-<n>.json   production CSID (0600)
//! <root>/devices/<env>/<device-id>/compliance-<n>.json        compliance results
//! <root>/devices/<env>/<device-id>/invoices/<icv>.json     a signed document of the chain
//! <root>/devices/<env>/<device-id>/invoices/keys/<sha256>.json   the ICV an idempotency key got
//! <root>/activities/<activity-id>.json
//! ```
//!
//! Every file is written through [`zatca_fs::write_atomic`] (temporary
//! file, fsync, rename): a crash leaves the old file or the new one, never a
//! half-written one. `device.json` is written last in every operation and is
//! the only file that says which generation is current, so files of a
//! generation that was never committed are simply not used (and are
//! overwritten by the next attempt). Temporary files left by a killed process
//! are removed the next time the device is loaded under the lock (and those in
//! `activities/` when an activity starts).
//!
//! # The invoice chain
//!
//! [`DeviceStore::commit_invoice`] writes, under the store lock, the
//! document's file `invoices/<icv>.json`, then (with an idempotency key) the
//! key's file, then `device.json` with the new chain head: `device.json` is
//! the commit point. A kill before it leaves the head at ICV n − 1 and an
//! `invoices/<n>.json` nobody was given (the call had not returned): it is
//! past the head, so it is never read ([`crate::load_invoice`] and the key
//! lookup check the head), and the next document takes ICV n with the
//! committed PIH and overwrites it. A kill after it leaves both committed.
//! So a committed ICV is never given twice, and each PIH is the hash of the
//! committed document before it: the chain cannot fork.
//!
//! Commands that only read never create or change anything: the store's
//! folders are made (0700, only those that are missing, never chmod-ing an
//! existing folder) by the first write. Every file is private (0600).
//!
//! # Key protection
//!
//! `store.json` records whether the store's keys are plaintext or encrypted
//! with a passphrase (with a check value: a throwaway key encrypted with it).
//! Every operation that writes a key first proves that the passphrase given
//! fits: missing or wrong for an encrypted store, or given for a plaintext one,
//! is refused (`ZO043`) before anything is written or sent.
//! [`Store::rekey`] changes, adds or removes the passphrase of every key.
//!
//! CSID files have the shape of ZATCA's CSID response
//! (`{"requestID","dispositionMessage","binarySecurityToken","secret","errors"}`),
//! so [`zatca_fatoora::Csid::from_response_json`] reads them back.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zatca_fatoora::Csid;
use zatca_fs::{WriteOptions, write_atomic_with};
use zatca_keys::PrivateKey;
use zatca_profile::Environment;
use zeroize::Zeroizing;

use crate::device_store::DeviceStore;
use crate::error::{CsidKind, OnboardingError};
use crate::invoices::InvoiceRecord;
use crate::model::{Activity, ActivityId, DeviceId, DeviceRecord, SCHEMA_VERSION, StepResult};

/// `store.json`: how the store's keys are protected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StoreFile {
    #[serde(default)]
    schema_version: u32,
    keys: KeyProtection,
    /// In `Passphrase` mode: a throwaway key encrypted with the passphrase,
    /// so a passphrase can be checked without any device's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    passphrase_check: Option<String>,
    /// A [`Store::rekey`] started and has not finished.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    rekey_pending: bool,
}

/// `invoices/keys/<sha256>.json`: the ICV an idempotency key was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IdempotencyFile {
    icv: u64,
}

/// Whether a store's keys are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KeyProtection {
    /// SEC1 PEM, mode 0600.
    Plaintext,
    /// Encrypted PKCS#8 (PBES2: scrypt, AES-256-CBC), mode 0600.
    Passphrase,
}

/// What [`Store::rekey`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RekeyReport {
    /// How many key files were rewritten.
    pub keys: usize,
    /// How the keys are protected now.
    pub protection: KeyProtection,
}

/// The largest store file read (a device record or CSID response is a few KiB).
const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The largest invoice file read: a signed document of at most
/// [`zatca_ubl::MAX_INVOICE_BYTES`], JSON-escaped (at most 6 bytes a byte), and its values.
const MAX_INVOICE_FILE_BYTES: usize = 6 * zatca_ubl::MAX_INVOICE_BYTES + MAX_FILE_BYTES;

/// The environment variable holding the passphrase that encrypts device keys at rest.
pub const KEY_PASSPHRASE_VAR: &str = "ZATCA_KEY_PASSPHRASE";

/// The environment variable naming the store directory.
pub const STORE_ENV: &str = "ZATCA_STORE";

/// The store directory when none is given: `$ZATCA_STORE`, else
/// `$XDG_DATA_HOME/zatca`, else `$HOME/.local/share/zatca`. `lookup` reads an
/// environment variable (pass `std::env::var_os`); empty values count as unset.
///
/// ```
/// use std::path::PathBuf;
/// let lookup = |k: &str| (k == "HOME").then(|| "/home/a".into());
/// assert_eq!(zatca_onboarding::default_store_dir(lookup), Some(PathBuf::from("/home/a/.local/share/zatca")));
/// ```
pub fn default_store_dir(lookup: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let get = |k: &str| lookup(k).filter(|v| !v.is_empty());
    if let Some(dir) = get(STORE_ENV) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = get("XDG_DATA_HOME") {
        return Some(PathBuf::from(dir).join("zatca"));
    }
    get("HOME").map(|h| PathBuf::from(h).join(".local/share/zatca"))
}

/// The store directory of the lifecycle.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    /// Encrypts keys at rest (encrypted PKCS#8) when set.
    key_passphrase: Option<Zeroizing<Vec<u8>>>,
    writes: AtomicU64,
    /// Writes numbered `>= kill_at` fail (0: none): a simulated kill.
    kill_at: AtomicU64,
}

/// The devices of a store, and the device files that could not be read.
#[derive(Debug, Default)]
pub struct Listing {
    /// The devices, by environment then id.
    pub devices: Vec<DeviceRecord>,
    /// One error per damaged or unreadable device file (each names its file).
    pub damaged: Vec<OnboardingError>,
}

/// The store's exclusive lock; released on drop.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> OnboardingError + '_ {
    move |e| OnboardingError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Creates the folders of `path` that are missing, each mode 0700; folders
/// that exist are left as they are.
fn mkdir(path: &Path) -> Result<(), OnboardingError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(path).map_err(io_err(path))
}

/// Removes the temporary files a killed writer left in `dir`; best effort (a
/// leftover that cannot be removed is harmless: it is never read).
fn sweep_dir(dir: &Path) {
    let _ = zatca_fs::sweep_temp_files(dir, None);
}

fn is_encrypted_pem(bytes: &[u8]) -> bool {
    bytes
        .windows(b"BEGIN ENCRYPTED PRIVATE KEY".len())
        .any(|w| w == b"BEGIN ENCRYPTED PRIVATE KEY")
}

impl Store {
    /// Opens the store at `root`. Nothing is created until the first write;
    /// `root` must be a folder if it exists.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, OnboardingError> {
        let root = root.into();
        match fs::metadata(&root) {
            Ok(m) if !m.is_dir() => {
                return Err(OnboardingError::Io {
                    path: root,
                    reason: "is not a folder; the store is a folder (pass --store DIR)".to_owned(),
                });
            }
            _ => {}
        }
        Ok(Self {
            root,
            key_passphrase: None,
            writes: AtomicU64::new(0),
            kill_at: AtomicU64::new(0),
        })
    }

    /// Keys written from now on are encrypted with `passphrase` (encrypted
    /// PKCS#8: PBES2, scrypt, AES-256-CBC), and encrypted keys are read with it.
    /// The CLI takes it from the `ZATCA_KEY_PASSPHRASE` environment variable.
    #[must_use]
    pub fn with_key_passphrase(mut self, passphrase: Zeroizing<Vec<u8>>) -> Self {
        self.key_passphrase = Some(passphrase);
        self
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Crash injection for tests: the `n`-th write from now (1-based) fails
    /// half-way through its temporary file, and so does every write after it,
    /// as if the process had been killed there. `None` turns it off.
    #[cfg(feature = "test-hooks")]
    pub fn kill_at_write(&self, n: Option<u64>) {
        self.writes.store(0, Ordering::SeqCst);
        self.kill_at.store(n.unwrap_or(0), Ordering::SeqCst);
    }

    /// How many writes were attempted since the last `kill_at_write`.
    #[cfg(feature = "test-hooks")]
    pub fn writes_attempted(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// Takes the store's exclusive lock, waiting for another process to
    /// release it. Creates the store's folder (0700) if it is missing.
    pub fn lock(&self) -> Result<StoreLock, OnboardingError> {
        mkdir(&self.root)?;
        let path = self.root.join(".lock");
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(io_err(&path))?;
        file.lock().map_err(io_err(&path))?;
        Ok(StoreLock { _file: file })
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), OnboardingError> {
        if let Some(dir) = path.parent() {
            mkdir(dir)?;
        }
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        let kill_at = self.kill_at.load(Ordering::SeqCst);
        let killed = kill_at != 0 && n >= kill_at;
        // Everything the store holds is private, secret or not: 0600.
        let options = WriteOptions::SECRET.overwrite(true);
        write_atomic_with(path, options, |file| {
            if killed {
                let half = bytes.get(..bytes.len() / 2).unwrap_or_default();
                file.write_all(half)?;
                return Err(std::io::Error::other("injected failure"));
            }
            file.write_all(bytes)
        })
        .map_err(OnboardingError::from)
    }

    fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<(), OnboardingError> {
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| OnboardingError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        bytes.push(b'\n');
        self.write(path, &bytes)
    }

    fn read(&self, path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, OnboardingError> {
        self.read_limited(path, MAX_FILE_BYTES)
    }

    fn read_limited(
        &self,
        path: &Path,
        max: usize,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, OnboardingError> {
        match zatca_fs::read_regular(path, max, "store file") {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(zatca_fs::FsError::Unreadable { .. }) if !path.exists() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn read_json<T: DeserializeOwned>(&self, path: &Path) -> Result<Option<T>, OnboardingError> {
        self.read_json_limited(path, MAX_FILE_BYTES)
    }

    fn read_json_limited<T: DeserializeOwned>(
        &self,
        path: &Path,
        max: usize,
    ) -> Result<Option<T>, OnboardingError> {
        let Some(bytes) = self.read_limited(path, max)? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| OnboardingError::Corrupt {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
    }

    fn require<T>(path: &Path, value: Option<T>) -> Result<T, OnboardingError> {
        value.ok_or_else(|| OnboardingError::Corrupt {
            path: path.to_path_buf(),
            reason: "the file is missing".to_owned(),
        })
    }

    /// The folder of a device.
    pub fn device_dir(&self, environment: Environment, id: &DeviceId) -> PathBuf {
        self.root
            .join("devices")
            .join(environment.as_str())
            .join(id.as_str())
    }

    fn record_dir(&self, record: &DeviceRecord) -> PathBuf {
        self.device_dir(record.environment, &record.device_id)
    }

    fn key_path(&self, record: &DeviceRecord, generation: u32) -> PathBuf {
        self.record_dir(record)
            .join(format!("key-{generation}.pem"))
    }

    fn csr_path(&self, record: &DeviceRecord, generation: u32) -> PathBuf {
        self.record_dir(record)
            .join(format!("csr-{generation}.pem"))
    }

    fn csid_path(&self, record: &DeviceRecord, kind: CsidKind, generation: u32) -> PathBuf {
        self.record_dir(record)
            .join("csid")
            .join(format!("{}-{generation}.json", kind.name()))
    }

    fn results_path(&self, record: &DeviceRecord, generation: u32) -> PathBuf {
        self.record_dir(record)
            .join(format!("compliance-{generation}.json"))
    }

    fn invoice_path(&self, record: &DeviceRecord, icv: u64) -> PathBuf {
        self.record_dir(record)
            .join("invoices")
            .join(format!("{icv}.json"))
    }

    /// The key's file is named by its SHA-256, so any key makes a safe name.
    fn idempotency_path(&self, record: &DeviceRecord, key: &str) -> PathBuf {
        let digest = zatca_types::digest::sha256(key.as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.record_dir(record)
            .join("invoices")
            .join("keys")
            .join(format!("{name}.json"))
    }

    fn activity_path(&self, id: &ActivityId) -> PathBuf {
        self.root
            .join("activities")
            .join(format!("{}.json", id.as_str()))
    }

    fn store_file_path(&self) -> PathBuf {
        self.root.join("store.json")
    }

    fn read_store_file(&self) -> Result<Option<StoreFile>, OnboardingError> {
        self.read_json(&self.store_file_path())
    }

    fn write_store_file(&self, file: &StoreFile) -> Result<(), OnboardingError> {
        self.write_json(&self.store_file_path(), file)
    }

    /// Every key file of the store, with whether it is encrypted.
    fn key_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for env in Environment::ALL {
            let Ok(devices) = fs::read_dir(self.root.join("devices").join(env.as_str())) else {
                continue;
            };
            for device in devices.flatten() {
                let Ok(files) = fs::read_dir(device.path()) else {
                    continue;
                };
                for file in files.flatten() {
                    let name = file.file_name();
                    let name = name.to_string_lossy();
                    if name.starts_with("key-") && name.ends_with(".pem") {
                        out.push(file.path());
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// How the store's keys are protected: as `store.json` records it, else
    /// as the key files show (stores of earlier releases), else `None` for a
    /// store without keys.
    pub fn key_protection(&self) -> Result<Option<KeyProtection>, OnboardingError> {
        if let Some(file) = self.read_store_file()? {
            return Ok(Some(file.keys));
        }
        let mut found = None;
        for path in self.key_files() {
            let Some(bytes) = self.read(&path)? else {
                continue;
            };
            if is_encrypted_pem(&bytes) {
                return Ok(Some(KeyProtection::Passphrase));
            }
            found = Some(KeyProtection::Plaintext);
        }
        Ok(found)
    }

    fn mismatch(&self, reason: &str) -> OnboardingError {
        OnboardingError::PassphraseMismatch {
            path: self.store_file_path(),
            reason: reason.to_owned(),
        }
    }

    /// Whether `passphrase` opens the check value, or else the first key of
    /// the store; `None` when there is nothing to check against.
    fn passphrase_opens(
        &self,
        file: Option<&StoreFile>,
        passphrase: &[u8],
    ) -> Result<Option<bool>, OnboardingError> {
        let check = file.and_then(|f| f.passphrase_check.clone());
        let sample = match check {
            Some(pem) => Some(Zeroizing::new(pem.into_bytes())),
            None => match self.key_files().first() {
                Some(path) => self.read(path)?,
                None => None,
            },
        };
        Ok(sample.map(|bytes| PrivateKey::from_bytes_with_passphrase(&bytes, passphrase).is_ok()))
    }

    fn store_file_for(&self, passphrase: Option<&[u8]>) -> Result<StoreFile, OnboardingError> {
        Ok(match passphrase {
            None => StoreFile {
                schema_version: SCHEMA_VERSION,
                keys: KeyProtection::Plaintext,
                passphrase_check: None,
                rekey_pending: false,
            },
            Some(passphrase) => {
                let check = PrivateKey::generate(zatca_keys::Curve::Secp256k1)?
                    .to_encrypted_pkcs8_pem(passphrase)?;
                StoreFile {
                    schema_version: SCHEMA_VERSION,
                    keys: KeyProtection::Passphrase,
                    passphrase_check: Some(check.to_string()),
                    rekey_pending: false,
                }
            }
        })
    }

    /// Rewrites every key of the store with `new` protection: encrypted with
    /// `new`'s passphrase, or plaintext for `None`. The store's current
    /// passphrase (the one it was opened with) must open them. Under the
    /// lock; a kill part-way leaves `store.json` marked, every other
    /// operation refuses, and running the same rekey again finishes it (each
    /// key opens with the old or the new passphrase).
    pub fn rekey(&self, new: Option<&[u8]>) -> Result<RekeyReport, OnboardingError> {
        let _lock = self.lock()?;
        let mut file = match self.read_store_file()? {
            Some(f) => f,
            None => {
                let protection = self.key_protection()?;
                let mut f = self.store_file_for(None)?;
                f.keys = protection.unwrap_or(KeyProtection::Plaintext);
                f
            }
        };
        if !file.rekey_pending {
            match (file.keys, &self.key_passphrase) {
                (KeyProtection::Passphrase, None) => {
                    return Err(self.mismatch(&format!(
                        "the store's keys are encrypted: set {KEY_PASSPHRASE_VAR} to their current passphrase"
                    )));
                }
                (KeyProtection::Plaintext, Some(_)) => {
                    return Err(self.mismatch(&format!(
                        "the store's keys are not encrypted: unset {KEY_PASSPHRASE_VAR} (the new passphrase is given separately)"
                    )));
                }
                (KeyProtection::Passphrase, Some(p)) => {
                    if self.passphrase_opens(Some(&file), p)? == Some(false) {
                        return Err(self.mismatch(&format!(
                            "{KEY_PASSPHRASE_VAR} does not open the store's keys: nothing was changed"
                        )));
                    }
                }
                (KeyProtection::Plaintext, None) => {}
            }
            file.rekey_pending = true;
            self.write_store_file(&file)?;
        }
        let old = self.key_passphrase.as_ref().map(|p| p.as_slice());
        let mut keys = 0;
        for path in self.key_files() {
            let Some(bytes) = self.read(&path)? else {
                continue;
            };
            let opened = [old, new]
                .into_iter()
                .find_map(|p| match p {
                    Some(p) => PrivateKey::from_bytes_with_passphrase(&bytes, p).ok(),
                    None => PrivateKey::from_bytes(&bytes).ok(),
                })
                .ok_or_else(|| OnboardingError::KeyLocked {
                    path: path.clone(),
                    reason: "neither the current nor the new passphrase opens this key".to_owned(),
                })?;
            let (key, _) = opened;
            let pem = match new {
                Some(p) => key.to_encrypted_pkcs8_pem(p)?,
                None => key.to_sec1_pem()?,
            };
            self.write(&path, pem.as_bytes())?;
            keys += 1;
        }
        let done = self.store_file_for(new)?;
        self.write_store_file(&done)?;
        Ok(RekeyReport {
            keys,
            protection: done.keys,
        })
    }
}

impl DeviceStore for Store {
    /// The store's one lock: the directory store serializes every writer.
    type Lock = StoreLock;

    fn in_progress_activities(&self) -> Result<Vec<ActivityId>, OnboardingError> {
        let dir = self.root.join("activities");
        let Ok(entries) = fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(id) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| ActivityId::from_stored(n).ok())
            else {
                continue;
            };
            if self.load_activity(&id)?.status == crate::model::ActivityStatus::InProgress {
                out.push(id);
            }
        }
        out.sort();
        Ok(out)
    }

    fn lock_device(&self, _id: &DeviceId) -> Result<StoreLock, OnboardingError> {
        self.lock()
    }

    fn sweep(&self, environment: Environment, id: &DeviceId) {
        let dir = self.device_dir(environment, id);
        sweep_dir(&dir);
        sweep_dir(&dir.join("csid"));
        sweep_dir(&dir.join("invoices"));
        sweep_dir(&dir.join("invoices").join("keys"));
    }

    fn sweep_activities(&self) {
        sweep_dir(&self.root.join("activities"));
        sweep_dir(&self.root);
    }

    fn load_device_in(
        &self,
        environment: Environment,
        id: &DeviceId,
    ) -> Result<Option<DeviceRecord>, OnboardingError> {
        self.read_json(&self.device_dir(environment, id).join("device.json"))
    }

    fn list_devices(&self) -> Result<Listing, OnboardingError> {
        let mut out = Listing::default();
        for env in Environment::ALL {
            let dir = self.root.join("devices").join(env.as_str());
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            let mut ids: Vec<DeviceId> = entries
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect();
            ids.sort();
            for id in ids {
                match self.load_device_in(env, &id) {
                    Ok(Some(record)) => out.devices.push(record),
                    Ok(None) => {}
                    Err(e) => out.damaged.push(e),
                }
            }
        }
        Ok(out)
    }

    fn save_device(&self, record: &DeviceRecord) -> Result<(), OnboardingError> {
        self.write_json(&self.record_dir(record).join("device.json"), record)
    }

    fn write_key(
        &self,
        record: &DeviceRecord,
        generation: u32,
        key: &PrivateKey,
    ) -> Result<(), OnboardingError> {
        let pem = match &self.key_passphrase {
            Some(passphrase) => key.to_encrypted_pkcs8_pem(passphrase)?,
            None => key.to_sec1_pem()?,
        };
        self.write(&self.key_path(record, generation), pem.as_bytes())
    }

    fn read_key(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<PrivateKey, OnboardingError> {
        let path = self.key_path(record, generation);
        let bytes = Zeroizing::new(Self::require(&path, self.read(&path)?)?);
        let read = match &self.key_passphrase {
            Some(passphrase) => PrivateKey::from_bytes_with_passphrase(&bytes, passphrase),
            None => PrivateKey::from_bytes(&bytes),
        };
        read.map(|(k, _)| k).map_err(|e| match e {
            zatca_keys::KeyError::Encrypted | zatca_keys::KeyError::WrongPassphrase => {
                OnboardingError::KeyLocked {
                    path: path.clone(),
                    reason: e.to_string(),
                }
            }
            other => OnboardingError::Corrupt {
                path,
                reason: other.to_string(),
            },
        })
    }

    fn write_csr(
        &self,
        record: &DeviceRecord,
        generation: u32,
        csr: &zatca_csr::Csr,
    ) -> Result<(), OnboardingError> {
        let pem = csr.to_pem()?;
        self.write(&self.csr_path(record, generation), pem.as_bytes())
    }

    fn read_csr(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<zatca_csr::Csr, OnboardingError> {
        let path = self.csr_path(record, generation);
        let bytes = Self::require(&path, self.read(&path)?)?;
        zatca_csr::Csr::parse(&bytes)
            .map(|(c, _)| c)
            .map_err(|e| OnboardingError::Corrupt {
                path,
                reason: e.to_string(),
            })
    }

    fn write_csid(
        &self,
        record: &DeviceRecord,
        kind: CsidKind,
        generation: u32,
        csid: &Csid,
    ) -> Result<(), OnboardingError> {
        let body = serde_json::json!({
            "requestID": csid.request_id(),
            "dispositionMessage": "ISSUED",
            "binarySecurityToken": csid.token(),
            "secret": csid.expose_secret(),
            "errors": null,
        });
        let mut text = Zeroizing::new(body.to_string());
        // The `Value` holds a copy of the secret: wipe what we can.
        drop(body);
        text.push('\n');
        self.write(&self.csid_path(record, kind, generation), text.as_bytes())
    }

    fn read_csid(
        &self,
        record: &DeviceRecord,
        kind: CsidKind,
        generation: u32,
    ) -> Result<Csid, OnboardingError> {
        let path = self.csid_path(record, kind, generation);
        let bytes = Self::require(&path, self.read(&path)?)?;
        Csid::from_response_json(&bytes)
            .map(|r| r.csid)
            .map_err(|e| OnboardingError::Corrupt {
                path,
                reason: e.to_string(),
            })
    }

    fn write_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
        results: &[StepResult],
    ) -> Result<(), OnboardingError> {
        self.write_json(&self.results_path(record, generation), &results)
    }

    fn read_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<Vec<StepResult>, OnboardingError> {
        Ok(self
            .read_json(&self.results_path(record, generation))?
            .unwrap_or_default())
    }

    fn commit_invoice(
        &self,
        record: &DeviceRecord,
        invoice: &InvoiceRecord,
    ) -> Result<(), OnboardingError> {
        // Order matters: device.json, the commit point, last (module docs).
        self.write_json(&self.invoice_path(record, invoice.icv), invoice)?;
        if let Some(key) = &invoice.idempotency_key {
            self.write_json(
                &self.idempotency_path(record, key),
                &IdempotencyFile { icv: invoice.icv },
            )?;
        }
        self.save_device(record)
    }

    fn load_invoice(
        &self,
        record: &DeviceRecord,
        icv: u64,
    ) -> Result<Option<InvoiceRecord>, OnboardingError> {
        let path = self.invoice_path(record, icv);
        let found: Option<InvoiceRecord> = self.read_json_limited(&path, MAX_INVOICE_FILE_BYTES)?;
        match found {
            Some(invoice) if invoice.icv != icv || invoice.device_id != record.device_id => {
                Err(OnboardingError::Corrupt {
                    path,
                    reason: "the file holds another document".to_owned(),
                })
            }
            other => Ok(other),
        }
    }

    fn find_invoice_by_idempotency_key(
        &self,
        record: &DeviceRecord,
        key: &str,
    ) -> Result<Option<InvoiceRecord>, OnboardingError> {
        let found: Option<IdempotencyFile> = self.read_json(&self.idempotency_path(record, key))?;
        match found {
            Some(file) => self.load_invoice(record, file.icv),
            None => Ok(None),
        }
    }

    fn save_activity(&self, activity: &Activity) -> Result<(), OnboardingError> {
        self.write_json(&self.activity_path(&activity.activity_id), activity)
    }

    fn load_activity(&self, id: &ActivityId) -> Result<Activity, OnboardingError> {
        self.read_json(&self.activity_path(id))?
            .ok_or_else(|| OnboardingError::UnknownActivity {
                activity_id: id.clone(),
            })
    }

    fn check_key_access(&self) -> Result<(), OnboardingError> {
        let file = self.read_store_file()?;
        if file.as_ref().is_some_and(|f| f.rekey_pending) {
            return Err(self.mismatch(
                "a `zatca device rekey` was interrupted: run it again with the same passphrases before anything else",
            ));
        }
        let protection = self.key_protection()?;
        match (protection, &self.key_passphrase) {
            (Some(KeyProtection::Plaintext), Some(_)) => {
                return Err(self.mismatch(&format!(
                    "the store's keys are not encrypted, but {KEY_PASSPHRASE_VAR} is set: unset it, or encrypt the keys with `zatca device rekey`"
                )));
            }
            (Some(KeyProtection::Passphrase), None) => {
                return Err(self.mismatch(&format!(
                    "the store's keys are encrypted: set {KEY_PASSPHRASE_VAR} to their passphrase"
                )));
            }
            (Some(KeyProtection::Passphrase), Some(passphrase)) => {
                if self.passphrase_opens(file.as_ref(), passphrase)? == Some(false) {
                    return Err(self.mismatch(&format!(
                        "{KEY_PASSPHRASE_VAR} does not open the store's keys: nothing was written"
                    )));
                }
            }
            (Some(KeyProtection::Plaintext), None) | (None, _) => {}
        }
        if file.is_none() {
            self.write_store_file(
                &self.store_file_for(self.key_passphrase.as_ref().map(|p| p.as_slice()))?,
            )?;
        }
        Ok(())
    }
}
