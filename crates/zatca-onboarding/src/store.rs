//! The embedded store: one directory, one folder per device, every update atomic.
//!
//! ```text
//! <root>/.lock                                   exclusive file lock (one writer at a time)
//! <root>/devices/<env>/<device-id>/device.json   state, no secrets; the commit point
//! <root>/devices/<env>/<device-id>/key-<n>.pem   private key of generation n (0600)
//! <root>/devices/<env>/<device-id>/csr-<n>.pem   CSR of generation n
//! <root>/devices/<env>/<device-id>/csid/compliance-<n>.json   compliance CSID (0600)
//! <root>/devices/<env>/<device-id>/csid/production-<n>.json   production CSID (0600)
//! <root>/devices/<env>/<device-id>/compliance-<n>.json        compliance results
//! <root>/activities/<activity-id>.json
//! ```
//!
//! Every file is written through [`zatca_fs::write_atomic`] (temporary
//! file, fsync, rename): a crash leaves the old file or the new one, never a
//! half-written one. `device.json` is written last in every operation and is
//! the only file that says which generation is current, so files of a
//! generation that was never committed are simply not used (and are
//! overwritten by the next attempt). Temporary files left by a killed process
//! are removed the next time the device is loaded under the lock.
//!
//! CSID files have the shape of ZATCA's CSID response
//! (`{"requestID","dispositionMessage","binarySecurityToken","secret","errors"}`),
//! so [`zatca_cert::Csid::from_response_json`] reads them back.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;
use zatca_cert::Csid;
use zatca_fs::{WriteOptions, write_atomic_with};
use zatca_keys::PrivateKey;
use zatca_profile::Environment;
use zeroize::Zeroizing;

use crate::error::{CsidKind, OnboardingError};
use crate::model::{Activity, ActivityId, DeviceId, DeviceRecord, StepResult};

/// The largest store file read (a device record or CSID response is a few KiB).
const MAX_FILE_BYTES: usize = 1024 * 1024;

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

fn mkdir(path: &Path) -> Result<(), OnboardingError> {
    fs::create_dir_all(path).map_err(io_err(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700)).map_err(io_err(path))?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed, mode 0700) the store at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, OnboardingError> {
        let root = root.into();
        mkdir(&root)?;
        mkdir(&root.join("devices"))?;
        mkdir(&root.join("activities"))?;
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
    #[doc(hidden)]
    pub fn kill_at_write(&self, n: Option<u64>) {
        self.writes.store(0, Ordering::SeqCst);
        self.kill_at.store(n.unwrap_or(0), Ordering::SeqCst);
    }

    /// How many writes were attempted since the last [`Self::kill_at_write`].
    #[doc(hidden)]
    pub fn writes_attempted(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// Takes the store's exclusive lock, waiting for another process to release it.
    pub fn lock(&self) -> Result<StoreLock, OnboardingError> {
        let path = self.root.join(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        file.lock().map_err(io_err(&path))?;
        Ok(StoreLock { _file: file })
    }

    fn write(&self, path: &Path, bytes: &[u8], secret: bool) -> Result<(), OnboardingError> {
        if let Some(dir) = path.parent() {
            mkdir(dir)?;
        }
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        let kill_at = self.kill_at.load(Ordering::SeqCst);
        let killed = kill_at != 0 && n >= kill_at;
        let options = if secret {
            WriteOptions::SECRET
        } else {
            WriteOptions::PUBLIC
        }
        .overwrite(true);
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
        self.write(path, &bytes, false)
    }

    fn read(&self, path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, OnboardingError> {
        match zatca_fs::read_regular(path, MAX_FILE_BYTES, "store file") {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(zatca_fs::FsError::Unreadable { .. }) if !path.exists() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn read_json<T: DeserializeOwned>(&self, path: &Path) -> Result<Option<T>, OnboardingError> {
        let Some(bytes) = self.read(path)? else {
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

    /// Removes temporary files a killed writer left in a device folder.
    /// Call only under the lock.
    pub fn sweep(&self, environment: Environment, id: &DeviceId) {
        let dir = self.device_dir(environment, id);
        for d in [dir.clone(), dir.join("csid")] {
            let Ok(entries) = fs::read_dir(&d) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') && name.contains(".tmp-") {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }

    /// The device `(environment, id)`, if registered.
    pub fn load_device_in(
        &self,
        environment: Environment,
        id: &DeviceId,
    ) -> Result<Option<DeviceRecord>, OnboardingError> {
        self.read_json(&self.device_dir(environment, id).join("device.json"))
    }

    /// The device with this id, in whichever environment it is.
    pub fn load_device(&self, id: &DeviceId) -> Result<DeviceRecord, OnboardingError> {
        for env in Environment::ALL {
            if let Some(record) = self.load_device_in(env, id)? {
                return Ok(record);
            }
        }
        Err(OnboardingError::UnknownDevice {
            device_id: id.to_string(),
        })
    }

    /// Every registered device, by environment then id.
    pub fn list_devices(&self) -> Result<Vec<DeviceRecord>, OnboardingError> {
        let mut out = Vec::new();
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
                if let Some(record) = self.load_device_in(env, &id)? {
                    out.push(record);
                }
            }
        }
        Ok(out)
    }

    /// Writes `device.json` (the commit point).
    pub fn save_device(&self, record: &DeviceRecord) -> Result<(), OnboardingError> {
        self.write_json(&self.record_dir(record).join("device.json"), record)
    }

    fn key_path(&self, record: &DeviceRecord, generation: u32) -> PathBuf {
        self.record_dir(record)
            .join(format!("key-{generation}.pem"))
    }

    /// Writes a generation's key (mode 0600): SEC1 PEM, or encrypted PKCS#8
    /// PEM when the store has a key passphrase.
    pub fn write_key(
        &self,
        record: &DeviceRecord,
        generation: u32,
        key: &PrivateKey,
    ) -> Result<(), OnboardingError> {
        let pem = match &self.key_passphrase {
            Some(passphrase) => key.to_encrypted_pkcs8_pem(passphrase)?,
            None => key.to_sec1_pem()?,
        };
        self.write(&self.key_path(record, generation), pem.as_bytes(), true)
    }

    /// Reads a generation's key.
    pub fn read_key(
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

    fn csr_path(&self, record: &DeviceRecord, generation: u32) -> PathBuf {
        self.record_dir(record)
            .join(format!("csr-{generation}.pem"))
    }

    /// Writes a generation's CSR (PEM).
    pub fn write_csr(
        &self,
        record: &DeviceRecord,
        generation: u32,
        csr: &zatca_csr::Csr,
    ) -> Result<(), OnboardingError> {
        let pem = csr.to_pem()?;
        self.write(&self.csr_path(record, generation), pem.as_bytes(), false)
    }

    /// Reads a generation's CSR.
    pub fn read_csr(
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

    fn csid_path(&self, record: &DeviceRecord, kind: CsidKind, generation: u32) -> PathBuf {
        self.record_dir(record)
            .join("csid")
            .join(format!("{}-{generation}.json", kind.name()))
    }

    /// Writes a CSID in ZATCA's response shape (mode 0600).
    pub fn write_csid(
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
        self.write(
            &self.csid_path(record, kind, generation),
            text.as_bytes(),
            true,
        )
    }

    /// Reads a stored CSID.
    pub fn read_csid(
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

    fn results_path(&self, record: &DeviceRecord, generation: u32) -> PathBuf {
        self.record_dir(record)
            .join(format!("compliance-{generation}.json"))
    }

    /// Writes a generation's compliance results.
    pub fn write_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
        results: &[StepResult],
    ) -> Result<(), OnboardingError> {
        self.write_json(&self.results_path(record, generation), &results)
    }

    /// A generation's compliance results (empty if none were recorded).
    pub fn read_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<Vec<StepResult>, OnboardingError> {
        Ok(self
            .read_json(&self.results_path(record, generation))?
            .unwrap_or_default())
    }

    fn activity_path(&self, id: &ActivityId) -> PathBuf {
        self.root
            .join("activities")
            .join(format!("{}.json", id.as_str()))
    }

    /// Writes an activity.
    pub fn save_activity(&self, activity: &Activity) -> Result<(), OnboardingError> {
        self.write_json(&self.activity_path(&activity.activity_id), activity)
    }

    /// Reads an activity.
    pub fn load_activity(&self, id: &ActivityId) -> Result<Activity, OnboardingError> {
        self.read_json(&self.activity_path(id))?
            .ok_or_else(|| OnboardingError::UnknownActivity {
                activity_id: id.to_string(),
            })
    }
}
