//! The simulated ZATCA's state and its directory: an append-only log that each
//! call adds one line to and each process replays only the new lines of.
//!
//! See the [`crate::fatoora`] module docs ("State directory") for the layout
//! and its guarantees; this module is their one implementation.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs::File;
use std::io::{BufRead as _, BufReader, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::fatoora::{Failure, SimulatorError};

/// The version of the state layout; 2 was the first to keep only secret
/// digests, 3 the first to keep them in the append-only `state.jsonl`.
pub(crate) const STATE_FORMAT: u32 = 3;
/// The state log: a header line, then one line of changes per call.
pub(crate) const STATE_LOG: &str = "state.jsonl";
/// Where simulators of formats 1 and 2 kept their whole state.
pub(crate) const LEGACY_STATE_FILE: &str = "state.json";
const LOCK_FILE: &str = "state.lock";
/// The largest legacy `state.json` read, only to name its format.
const MAX_LEGACY_STATE_BYTES: usize = 64 * 1024 * 1024;
/// The longest log line read (a call's changes take well under 4 KiB).
const MAX_LINE_BYTES: u64 = 1024 * 1024;
/// The largest state log read (about a million onboardings).
const MAX_LOG_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// A compliance CSID as the simulated ZATCA remembers it, keyed by its token's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComplianceRecord {
    pub(crate) request_id: String,
    pub(crate) secret_sha256: String,
    pub(crate) vat: String,
    pub(crate) invoice_types: String,
    pub(crate) passed: BTreeSet<String>,
    pub(crate) production_issued: bool,
}

/// A production CSID, keyed by its token's digest; the token is kept so the
/// issued certificates can be listed ([`issued_csids`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductionRecord {
    pub(crate) token: String,
    pub(crate) secret_sha256: String,
    pub(crate) retired: bool,
}

/// The simulated ZATCA's state, in memory.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) next_request_id: u64,
    /// Digests of the OTPs used.
    pub(crate) used_otps: BTreeSet<String>,
    pub(crate) compliance: BTreeMap<String, ComplianceRecord>,
    pub(crate) production: BTreeMap<String, ProductionRecord>,
    pub(crate) script: VecDeque<Failure>,
    /// What the running call changed besides the request id and the script.
    changed: Vec<Changed>,
}

#[derive(Debug)]
enum Changed {
    Otp(String),
    Compliance(String),
    Production(String),
}

/// One change, as a log line holds them.
#[derive(Debug, Serialize, Deserialize)]
enum Change {
    NextRequestId(u64),
    OtpUsed(String),
    Script(VecDeque<Failure>),
    Compliance {
        key: String,
        record: ComplianceRecord,
    },
    Production {
        key: String,
        record: ProductionRecord,
    },
}

/// The small parts of the state, taken before a call to see what it changed.
pub(crate) struct Snapshot {
    next_request_id: u64,
    script: VecDeque<Failure>,
}

impl State {
    /// Records an OTP (by digest) as used.
    pub(crate) fn use_otp(&mut self, digest: String) {
        if self.used_otps.insert(digest.clone()) {
            self.changed.push(Changed::Otp(digest));
        }
    }

    /// Records a new or changed compliance CSID.
    pub(crate) fn put_compliance(&mut self, key: String, record: ComplianceRecord) {
        self.compliance.insert(key.clone(), record);
        self.changed.push(Changed::Compliance(key));
    }

    /// Marks the compliance CSID of `key` as changed in place.
    pub(crate) fn compliance_changed(&mut self, key: &str) {
        self.changed.push(Changed::Compliance(key.to_owned()));
    }

    /// Records a new or changed production CSID.
    pub(crate) fn put_production(&mut self, key: String, record: ProductionRecord) {
        self.production.insert(key.clone(), record);
        self.changed.push(Changed::Production(key));
    }

    /// Marks the production CSID of `key` as changed in place.
    pub(crate) fn production_changed(&mut self, key: &str) {
        self.changed.push(Changed::Production(key.to_owned()));
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            next_request_id: self.next_request_id,
            script: self.script.clone(),
        }
    }

    /// What changed since `before`, as log changes; forgets the marks.
    fn take_changes(&mut self, before: &Snapshot) -> Vec<Change> {
        let mut changes = Vec::new();
        if self.next_request_id != before.next_request_id {
            changes.push(Change::NextRequestId(self.next_request_id));
        }
        if self.script != before.script {
            changes.push(Change::Script(self.script.clone()));
        }
        let mut seen = BTreeSet::new();
        for changed in std::mem::take(&mut self.changed) {
            let change = match changed {
                Changed::Otp(digest) => Some(Change::OtpUsed(digest)),
                Changed::Compliance(key) if seen.insert(("c", key.clone())) => {
                    self.compliance.get(&key).map(|r| Change::Compliance {
                        key,
                        record: r.clone(),
                    })
                }
                Changed::Production(key) if seen.insert(("p", key.clone())) => {
                    self.production.get(&key).map(|r| Change::Production {
                        key,
                        record: r.clone(),
                    })
                }
                _ => None,
            };
            changes.extend(change);
        }
        changes
    }

    /// Forgets the marks of a call without a state directory.
    pub(crate) fn forget_changes(&mut self) {
        self.changed.clear();
    }

    fn apply(&mut self, change: Change) {
        match change {
            Change::NextRequestId(n) => self.next_request_id = n,
            Change::OtpUsed(digest) => {
                self.used_otps.insert(digest);
            }
            Change::Script(script) => self.script = script,
            Change::Compliance { key, record } => {
                self.compliance.insert(key, record);
            }
            Change::Production { key, record } => {
                self.production.insert(key, record);
            }
        }
    }
}

/// The state as one process knows it, and how far into the log that is.
#[derive(Debug, Default)]
pub(crate) struct Replica {
    pub(crate) state: State,
    cursor: Option<Cursor>,
}

/// How much of which log file a [`Replica`] has applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    file: (u64, u64),
    offset: u64,
    lines: u64,
}

/// Only the format of a state file, read first so an old file gets a clear error.
#[derive(Deserialize)]
struct StateFormat {
    #[serde(default)]
    format: Option<u32>,
}

#[derive(Serialize)]
struct LogHeader {
    format: u32,
}

/// The state directory: where the state lives and how it is locked, read and written.
pub(crate) struct StateDir<'a> {
    dir: &'a Path,
}

impl<'a> StateDir<'a> {
    /// The directory, created (0700, with any missing parents) if missing.
    pub(crate) fn create(dir: &'a Path) -> Result<Self, SimulatorError> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| SimulatorError::Io {
            path: dir.to_path_buf(),
            reason: format!("could not create the state directory: {e}"),
        })?;
        Ok(Self { dir })
    }

    /// Takes the exclusive lock on `state.lock` (created 0600); it is released
    /// when the returned file is dropped.
    pub(crate) fn lock(&self) -> Result<File, SimulatorError> {
        let path = self.dir.join(LOCK_FILE);
        let io = |e: std::io::Error| SimulatorError::Io {
            path: path.clone(),
            reason: format!("could not lock the state: {e}"),
        };
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(io)?;
        file.lock().map_err(io)?;
        Ok(file)
    }

    /// Removes what a process killed while writing left behind: the temporary
    /// files of `names` (written by `zatca_fs::write_atomic`). Only under the
    /// lock, so no live write is hit.
    pub(crate) fn remove_stale_temp_files(&self, names: &[&str]) -> Result<(), SimulatorError> {
        zatca_fs::sweep_temp_files(self.dir, Some(names))
            .map(|_| ())
            .map_err(|e| SimulatorError::Io {
                path: self.dir.to_path_buf(),
                reason: format!("could not remove a stale temporary file: {e}"),
            })
    }

    /// Refuses a `state.json` of an older simulator, by name.
    pub(crate) fn refuse_legacy_state(&self) -> Result<(), SimulatorError> {
        let path = self.dir.join(LEGACY_STATE_FILE);
        if path.symlink_metadata().is_err() {
            return Ok(());
        }
        let bytes = zatca_fs::read_regular(&path, MAX_LEGACY_STATE_BYTES, "the simulator state")
            .map_err(|e| SimulatorError::Io {
                path: path.clone(),
                reason: format!("could not read the state: {e}"),
            })?;
        let damaged = |reason: String| SimulatorError::DamagedState {
            path: path.clone(),
            expected: "the JSON object this simulator writes",
            reason,
        };
        let format: StateFormat =
            serde_json::from_slice(&bytes).map_err(|e| damaged(format!("it is not: {e}")))?;
        match format.format {
            None | Some(2) => Err(SimulatorError::OutdatedState { path }),
            Some(other) => Err(damaged(format!(
                "it has \"format\": {other}, and this simulator keeps \"format\": {STATE_FORMAT} in {STATE_LOG}"
            ))),
        }
    }

    /// Brings `replica` up to date with the log (created with its header if
    /// missing), reading only what was appended since its last call, and
    /// returns the log open for appending. A line left unfinished by a killed
    /// process is cut off (under the lock no live writer is at work).
    pub(crate) fn catch_up(&self, replica: &mut Replica) -> Result<File, SimulatorError> {
        let path = self.dir.join(STATE_LOG);
        let io = |what: &str, e: std::io::Error| SimulatorError::Io {
            path: path.clone(),
            reason: format!("could not {what} the state: {e}"),
        };
        let damaged = |line: u64, reason: String| SimulatorError::DamagedState {
            path: path.clone(),
            expected: "a state log this simulator writes (a format header, then one JSON array of changes a line)",
            reason: format!("line {line}: {reason}"),
        };
        let mut options = std::fs::OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // Opening read-write never blocks, even on a FIFO; what was opened is judged next.
        let mut file = options.open(&path).map_err(|e| io("open", e))?;
        let meta = file.metadata().map_err(|e| io("read", e))?;
        if !meta.is_file() {
            return Err(damaged(0, "it is not a regular file".to_owned()));
        }
        let len = meta.len();
        if len > MAX_LOG_BYTES {
            return Err(damaged(
                0,
                format!("it has {len} bytes, more than {MAX_LOG_BYTES}"),
            ));
        }
        let id = file_id(&meta);
        let mut cursor = match replica.cursor {
            Some(c) if c.file == id && c.offset <= len => c,
            _ => {
                // A new log, or one replaced or cut: replay it whole.
                replica.state = State::default();
                replica.cursor = None;
                Cursor {
                    file: id,
                    offset: 0,
                    lines: 0,
                }
            }
        };
        if cursor.offset < len {
            file.seek(SeekFrom::Start(cursor.offset))
                .map_err(|e| io("read", e))?;
            let mut reader = BufReader::new((&file).take(len - cursor.offset));
            let mut line = Vec::new();
            loop {
                line.clear();
                let read = (&mut reader)
                    .take(MAX_LINE_BYTES + 1)
                    .read_until(b'\n', &mut line)
                    .map_err(|e| io("read", e))?;
                if read == 0 {
                    break;
                }
                let number = cursor.lines + 1;
                if line.last() != Some(&b'\n') {
                    if u64::try_from(line.len()).unwrap_or(u64::MAX) > MAX_LINE_BYTES {
                        return Err(damaged(
                            number,
                            format!("it is longer than {MAX_LINE_BYTES} bytes"),
                        ));
                    }
                    // Unfinished: its writer was killed before answering.
                    drop(reader);
                    file.set_len(cursor.offset)
                        .map_err(|e| io("cut an unfinished line of", e))?;
                    break;
                }
                if cursor.lines == 0 {
                    let header: StateFormat = serde_json::from_slice(&line)
                        .map_err(|e| damaged(number, format!("the header is not JSON: {e}")))?;
                    if header.format != Some(STATE_FORMAT) {
                        return Err(damaged(
                            number,
                            format!(
                                "the header has \"format\": {:?} where this simulator reads {STATE_FORMAT}",
                                header.format
                            ),
                        ));
                    }
                } else {
                    let changes: Vec<Change> = serde_json::from_slice(&line)
                        .map_err(|e| damaged(number, format!("it is not: {e}")))?;
                    for change in changes {
                        replica.state.apply(change);
                    }
                }
                cursor.offset += u64::try_from(line.len()).unwrap_or(u64::MAX);
                cursor.lines = number;
                // Every line applied so far is kept, so a damaged one later
                // fails every call (the cursor never moves past it).
                replica.cursor = Some(cursor);
            }
        }
        if cursor.lines == 0 {
            // A new log, or one whose header its writer never finished.
            let mut header = serde_json::to_vec(&LogHeader {
                format: STATE_FORMAT,
            })
            .map_err(|e| io("encode", std::io::Error::other(e)))?;
            header.push(b'\n');
            file.write_all(&header).map_err(|e| io("write", e))?;
            cursor.offset = u64::try_from(header.len()).unwrap_or(u64::MAX);
            cursor.lines = 1;
        }
        replica.cursor = Some(cursor);
        Ok(file)
    }

    /// Appends what the call changed since `before` as one line (one write,
    /// so a killed process leaves the line whole or unfinished, never mixed).
    pub(crate) fn append(
        &self,
        log: &mut File,
        replica: &mut Replica,
        before: &Snapshot,
    ) -> Result<(), SimulatorError> {
        let changes = replica.state.take_changes(before);
        if changes.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(STATE_LOG);
        let io = |e: std::io::Error| SimulatorError::Io {
            path: path.clone(),
            reason: format!("could not write the state: {e}"),
        };
        let mut line = serde_json::to_vec(&changes).map_err(|e| io(std::io::Error::other(e)))?;
        line.push(b'\n');
        if let Err(e) = log.write_all(&line) {
            // Replay from the start next time: the line may be partly written.
            replica.cursor = None;
            return Err(io(e));
        }
        if let Some(cursor) = &mut replica.cursor {
            cursor.offset += u64::try_from(line.len()).unwrap_or(u64::MAX);
            cursor.lines += 1;
        }
        Ok(())
    }
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The CSIDs a simulated ZATCA has issued, as its state directory records them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedCsids {
    /// How many compliance CSIDs were issued (renewals' included).
    pub compliance: usize,
    /// How many of them a production CSID was issued for.
    pub compliance_with_production: usize,
    /// The `binarySecurityToken` of every production CSID issued, retired ones included.
    pub production: Vec<String>,
}

/// The CSIDs issued by the simulators sharing `state_dir`, read under the
/// state's lock (so never half a call's changes).
pub fn issued_csids(state_dir: &Path) -> Result<IssuedCsids, SimulatorError> {
    if !state_dir.is_dir() {
        return Err(SimulatorError::Io {
            path: state_dir.to_path_buf(),
            reason: "there is no simulator state directory here".to_owned(),
        });
    }
    let store = StateDir::create(state_dir)?;
    let _lock = store.lock()?;
    store.refuse_legacy_state()?;
    let mut replica = Replica::default();
    store.catch_up(&mut replica)?;
    let state = replica.state;
    Ok(IssuedCsids {
        compliance: state.compliance.len(),
        compliance_with_production: state
            .compliance
            .values()
            .filter(|r| r.production_issued)
            .count(),
        production: state.production.into_values().map(|r| r.token).collect(),
    })
}
