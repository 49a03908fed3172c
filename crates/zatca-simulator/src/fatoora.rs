//! The offline Fatoora: ZATCA's four onboarding endpoints, simulated.
//!
//! [`Simulator`] implements [`zatca_fatoora::Fatoora`] with the rules of
//! ZATCA's Fatoora onboarding API and answers shaped like the recorded
//! sandbox responses in `testdata/api/`:
//!
//! - `POST /compliance`: the OTP rule of the environment (development: any
//!   non-empty OTP; simulation and production: six digits, and one of the
//!   configured codes if any are configured, each usable once); the CSR must
//!   verify and carry a SAN; simulation and production refuse a CSR whose
//!   template is not theirs with the policy-module denial ZATCA sends
//!   (`requestID -2`, `NOT_COMPLIANT`); the development portal does not check
//!   the template (ZATCA's own sandbox example submits a production-template
//!   CSR and gets a CSID). Issues a compliance CSID from its CA.
//! - `POST /compliance/invoices`: Basic auth with the compliance CSID; the
//!   document's hash must equal `invoiceHash` and its content; the signature is
//!   checked by the [`DocumentChecker`]; the seller VAT must be the CSID's
//!   (`certificate-permissions`); the step is read from the type code and subtype.
//! - `POST /production/csids`: Basic auth with the compliance CSID, the right
//!   `compliance_request_id`, and every step its TSXY requires passed, else
//!   `Missing-ComplianceSteps` with the list (`1100` needs the three standard
//!   and three simplified documents, `1000` the standard, `0100` the simplified).
//! - `PATCH /production/csids`: Basic auth with the current production CSID and
//!   an OTP; answers HTTP 428 (`NOT_COMPLIANT` + compliance CSID for the new key)
//!   as ZATCA does, or 200 with a production CSID when configured so.
//!
//! Scripted failures ([`Failure`]) make the next matching call fail the way
//! ZATCA fails, for tests.
//!
//! # Credentials
//!
//! Certificate serials and CSID secrets come from the OS random number
//! generator (a secret is base64 of 32 random bytes, the length of ZATCA's), so
//! neither can be predicted from a certificate, a request id or the time. The
//! simulator keeps only the SHA-256 of each secret (a 256-bit random secret
//! needs no slow hash) and compares a presented secret's digest with it in
//! constant time.
//!
//! # State directory
//!
//! With [`SimulatorConfig::state_dir`] the simulated ZATCA is shared between
//! processes: `compliance-ca.key` and `production-ca.key` (the CA keys, SEC1
//! PEM), `state.json` (request ids, used OTPs, issued CSIDs by token with their
//! secrets' digests, scripted failures) and `state.lock`, the lock every read
//! and write of them happens under. Everything the simulator creates there is
//! private: directories 0700, files 0600. Opening the directory removes, under
//! the lock, the temporary files a killed process may have left (`.state.json.tmp-…`
//! and the keys' `.….tmp-…`, written by `zatca_fs::write_atomic`), since
//! they can hold CA keys and state.
//!
//! `state.json` carries `"format": 2`. A state file of an older simulator, which
//! kept CSID secrets in clear (and derived them from the token and request id),
//! is refused with [`SimulatorError::OutdatedState`] naming the file rather than
//! re-hashed: its secrets are computable by anyone holding the certificate, so
//! they must not keep working. Delete the directory to start a fresh simulated
//! ZATCA. Every state error names the file and what was expected.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zatca_types::ZatcaCode;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use zatca_csr::{Csr, CsrForm};
use zatca_fatoora::{
    ComplianceReport, ComplianceStep, Csid, CsidResponse, CsrSubmission, Fatoora, FatooraError,
    InvoiceSubmission, Otp, ProductionCsidRequest, Renewal, ValidationMessage, ValidationResults,
    ZatcaError, ZatcaErrors,
};
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::{Environment, InvoiceTypes, ValidationProfile};
use zeroize::Zeroizing;

use crate::ca::{CaError, CaKind, CsrFacts, SanValues, TestCa};

/// The issuing CA names of the simulated environments. They follow ZATCA's
/// naming (so the environment can be inferred from the issuer) with a
/// `SIMULATOR` suffix no real ZATCA CA has.
pub const SIMULATION_CA: &str = "PEZEINVOICESCA9-SIMULATOR";
/// See [`SIMULATION_CA`].
pub const PRODUCTION_CA: &str = "PRZEINVOICESCA9-SIMULATOR";

/// A failure to inject into the next matching call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Failure {
    /// The next `POST /compliance` answers `Invalid-OTP`.
    InvalidOtp,
    /// The next `POST /compliance` answers the policy-module template denial.
    TemplateDenied,
    /// The next `POST /compliance/invoices` fails its document with an error.
    DocumentRejected,
    /// The next compliance CSID is issued already expired.
    ExpiredCertificate,
    /// The next renewal answers HTTP 200 with the production CSID directly.
    RenewalIssuesDirectly,
    /// The next call of any kind answers HTTP 500.
    ServerError,
}

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// The environment it simulates.
    pub environment: Environment,
    /// OTPs it accepts (each once). Empty: any OTP allowed by the environment's rule.
    pub otps: Vec<String>,
    /// Where to keep its state (CA keys, issued CSIDs), shared between processes.
    pub state_dir: Option<PathBuf>,
    /// The time certificates start at (seconds since the epoch); the simulator never reads the clock.
    pub now: u64,
}

impl SimulatorConfig {
    /// A simulator of `environment`, any OTP its rule allows, in-memory state, time `now`.
    pub fn for_environment(environment: Environment, now: u64) -> Self {
        Self {
            environment,
            otps: Vec::new(),
            state_dir: None,
            now,
        }
    }
}

/// Checks a submitted document beyond its hash: the signature, QR and
/// certificate it embeds. The UBL signer provides the real one.
pub trait DocumentChecker: Send + Sync {
    /// The problems of `xml` signed under `certificate_der`, as ZATCA would report them.
    fn check(&self, xml: &[u8], certificate_der: &[u8]) -> Vec<ValidationMessage>;
}

/// The version of `state.json`'s layout; 2 is the first to keep only secret digests.
const STATE_FORMAT: u32 = 2;
/// The largest `state.json` read (thousands of CSIDs fit in far less).
const MAX_STATE_BYTES: usize = 64 * 1024 * 1024;
const STATE_FILE: &str = "state.json";
const LOCK_FILE: &str = "state.lock";
const COMPLIANCE_CA_KEY: &str = "compliance-ca.key";
const PRODUCTION_CA_KEY: &str = "production-ca.key";
/// The files written through `zatca_fs::write_atomic`, whose temporary
/// files are `.<name>.tmp-<pid>-<n>` next to them.
const ATOMIC_FILES: [&str; 3] = [STATE_FILE, COMPLIANCE_CA_KEY, PRODUCTION_CA_KEY];

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplianceRecord {
    token: String,
    secret_sha256: String,
    vat: String,
    invoice_types: String,
    passed: BTreeSet<String>,
    production_issued: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductionRecord {
    secret_sha256: String,
    retired: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    format: u32,
    next_request_id: u64,
    used_otps: BTreeSet<String>,
    compliance: BTreeMap<String, ComplianceRecord>,
    production: BTreeMap<String, ProductionRecord>,
    script: VecDeque<Failure>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            format: STATE_FORMAT,
            next_request_id: 0,
            used_otps: BTreeSet::new(),
            compliance: BTreeMap::new(),
            production: BTreeMap::new(),
            script: VecDeque::new(),
        }
    }
}

/// Only the format of a state file, read first so an old file gets a clear error.
#[derive(Deserialize)]
struct StateFormat {
    #[serde(default)]
    format: Option<u32>,
}

/// The offline Fatoora.
pub struct Simulator {
    config: SimulatorConfig,
    compliance_ca: TestCa,
    production_ca: TestCa,
    checker: Option<Box<dyn DocumentChecker>>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("environment", &self.config.environment)
            .finish_non_exhaustive()
    }
}

/// Why the simulator could not start, or could not read or write its state.
/// Every variant about a file names it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimulatorError {
    /// A file or directory of the state could not be created, read, written or locked.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// A state file does not hold what this simulator writes there.
    DamagedState {
        /// The file.
        path: PathBuf,
        /// What the file should hold.
        expected: &'static str,
        /// What the reader found wrong.
        reason: String,
    },
    /// `state.json` was written by an older simulator that kept CSID secrets in
    /// clear (module docs); it is not migrated.
    OutdatedState {
        /// The file.
        path: PathBuf,
    },
    /// A CA key file does not hold a secp256k1 key, or could not be written.
    CaKey {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The CA could not be set up (a key of the wrong curve, the OS RNG failed).
    Ca(CaError),
}

impl std::fmt::Display for SimulatorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { path, reason } => {
                write!(f, "simulator state {}: {reason}", path.display())
            }
            Self::DamagedState {
                path,
                expected,
                reason,
            } => write!(
                f,
                "simulator state {} is damaged: expected {expected}, but {reason}; delete its directory to start a fresh simulated ZATCA",
                path.display()
            ),
            Self::OutdatedState { path } => write!(
                f,
                "simulator state {} was written by an older simulator that kept CSID secrets in clear (expected \"format\": {STATE_FORMAT}); its CSIDs are not carried over: delete its directory to start a fresh simulated ZATCA",
                path.display()
            ),
            Self::CaKey { path, reason } => {
                write!(f, "simulator CA key {}: {reason}", path.display())
            }
            Self::Ca(e) => write!(f, "simulator CA: {e}"),
        }
    }
}

impl std::error::Error for SimulatorError {}

impl From<SimulatorError> for FatooraError {
    /// A state failure stops the call before any answer is sent.
    fn from(e: SimulatorError) -> Self {
        FatooraError::Connection {
            reason: e.to_string(),
        }
    }
}

impl Simulator {
    /// Starts a simulator; with a `state_dir`, its CA keys and issued CSIDs are
    /// read from there and kept there (module docs), and the temporary files of
    /// a killed process are removed.
    pub fn new(config: SimulatorConfig) -> Result<Self, SimulatorError> {
        let (compliance_key, production_key, state) = match &config.state_dir {
            Some(dir) => {
                let store = StateDir::create(dir)?;
                let _lock = store.lock()?;
                store.remove_stale_temp_files()?;
                let ck = load_or_create_key(&dir.join(COMPLIANCE_CA_KEY))?;
                let pk = load_or_create_key(&dir.join(PRODUCTION_CA_KEY))?;
                (ck, pk, store.read()?.unwrap_or_default())
            }
            None => {
                let generate = || {
                    PrivateKey::generate(Curve::Secp256k1).map_err(|e| {
                        SimulatorError::Ca(CaError::Build {
                            reason: e.to_string(),
                        })
                    })
                };
                (generate()?, generate()?, State::default())
            }
        };
        let production_kind = CaKind::AdCs {
            ca_name: match config.environment {
                Environment::Simulation => SIMULATION_CA.to_owned(),
                _ => PRODUCTION_CA.to_owned(),
            },
        };
        let compliance_kind = match config.environment {
            Environment::Development => CaKind::DeveloperPortal,
            _ => production_kind.clone(),
        };
        Ok(Self {
            compliance_ca: TestCa::with_key(compliance_kind, compliance_key)
                .map_err(SimulatorError::Ca)?,
            production_ca: TestCa::with_key(production_kind, production_key)
                .map_err(SimulatorError::Ca)?,
            config,
            checker: None,
            state: Mutex::new(state),
        })
    }

    /// Adds the signature/QR checker for compliance documents.
    #[must_use]
    pub fn with_document_checker(mut self, checker: Box<dyn DocumentChecker>) -> Self {
        self.checker = Some(checker);
        self
    }

    /// The environment simulated.
    pub fn environment(&self) -> Environment {
        self.config.environment
    }

    /// Makes the next matching call fail as `failure` says.
    pub fn inject(&self, failure: Failure) {
        self.with_state(|s| {
            s.script.push_back(failure);
            Ok(())
        })
        .ok();
    }

    /// Sets the time new certificates start at.
    pub fn set_now(&mut self, now: u64) {
        self.config.now = now;
    }

    /// Runs `f` on the state. With a state directory, the state is re-read and
    /// written back under an exclusive file lock, so separate processes sharing
    /// one simulated ZATCA never lose each other's updates.
    fn with_state<T>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, FatooraError>,
    ) -> Result<T, FatooraError> {
        let mut guard = self.state.lock().map_err(|_| FatooraError::Server {
            status: 500,
            errors: ZatcaErrors::default(),
        })?;
        let Some(dir) = &self.config.state_dir else {
            return f(&mut guard);
        };
        let store = StateDir::create(dir)?;
        let lock = store.lock()?;
        if let Some(state) = store.read()? {
            *guard = state;
        }
        let result = f(&mut guard);
        store.write(&guard)?;
        drop(lock);
        result
    }

    /// Issues a certificate from `ca` and its CSID under a fresh random secret;
    /// returns the answer and the secret's digest, the only form the state keeps.
    fn issue_csid(
        &self,
        ca: &TestCa,
        facts: &CsrFacts,
        request_id: u64,
        not_before: u64,
        disposition: &str,
    ) -> Result<(CsidResponse, String), FatooraError> {
        let cert = ca
            .issue(facts, not_before)
            .map_err(|e| server(&e.to_string()))?;
        let secret = new_secret()?;
        let secret_sha256 = secret_digest(&secret);
        let csid = Csid::new(
            &cert.binary_security_token(),
            secret,
            Some(request_id.to_string()),
        )
        .map_err(|e| server(&e.to_string()))?;
        Ok((CsidResponse::issued(csid, disposition), secret_sha256))
    }

    /// Issues a compliance CSID and records it under a fresh request id, so its
    /// documents can be checked and its production CSID issued.
    fn issue_compliance_csid(
        &self,
        state: &mut State,
        facts: &CsrFacts,
        san: SanValues,
        not_before: u64,
        disposition: &str,
    ) -> Result<CsidResponse, FatooraError> {
        state.next_request_id += 1;
        let request_id = 1_234_567_000 + state.next_request_id;
        let (response, secret_sha256) = self.issue_csid(
            &self.compliance_ca,
            facts,
            request_id,
            not_before,
            disposition,
        )?;
        state.compliance.insert(
            request_id.to_string(),
            ComplianceRecord {
                token: response.csid.token().to_owned(),
                secret_sha256,
                vat: san.vat,
                invoice_types: san.invoice_types,
                passed: BTreeSet::new(),
                production_issued: false,
            },
        );
        Ok(response)
    }

    /// Issues a production CSID and records its credentials for renewals.
    fn issue_production_csid(
        &self,
        state: &mut State,
        facts: &CsrFacts,
    ) -> Result<CsidResponse, FatooraError> {
        state.next_request_id += 1;
        let id = 30_000_000 + state.next_request_id;
        let (response, secret_sha256) =
            self.issue_csid(&self.production_ca, facts, id, self.config.now, "ISSUED")?;
        state.production.insert(
            response.csid.token().to_owned(),
            ProductionRecord {
                secret_sha256,
                retired: false,
            },
        );
        Ok(response)
    }

    fn take_failure(state: &mut State, wanted: &[Failure]) -> Option<Failure> {
        let pos = state
            .script
            .iter()
            .position(|f| wanted.contains(f) || *f == Failure::ServerError)?;
        state.script.remove(pos)
    }

    fn check_otp(&self, state: &State, otp: &Otp) -> Result<(), FatooraError> {
        let value = otp.expose();
        if value.is_empty() {
            return Err(FatooraError::rejected(
                ZatcaCode::MissingOtp.as_str(),
                "OTP is required field",
            ));
        }
        // The environment's form rule is the toolkit's one OTP rule; the portal's
        // own OTPs are single-use and, when configured, a fixed set.
        let environment = self.config.environment;
        let ok = otp.check(Some(environment)).is_ok()
            && (environment == Environment::Development
                || (!state.used_otps.contains(value)
                    && (self.config.otps.is_empty()
                        || self.config.otps.iter().any(|o| o == value))));
        if !ok {
            return Err(FatooraError::rejected(
                ZatcaCode::InvalidOtp.as_str(),
                "OTP is not valid",
            ));
        }
        Ok(())
    }

    /// Marks an OTP used once a CSID was issued with it (simulation and
    /// production OTPs serve one compliance CSID each); a refused CSR leaves it usable.
    fn consume_otp(&self, state: &mut State, otp: &Otp) {
        if self.config.environment != Environment::Development {
            state.used_otps.insert(otp.expose().to_owned());
        }
    }

    /// Reads the `csr` field: base64 of the PEM text, parsed and
    /// checked by `zatca-csr`; anything else is `Invalid-CSR`.
    fn read_submitted_csr(&self, csr: &CsrSubmission) -> Result<(Csr, CsrFacts), FatooraError> {
        let (parsed, form) = Csr::parse(csr.csr.as_bytes()).map_err(|_| invalid_csr())?;
        if form != CsrForm::Base64Pem {
            return Err(invalid_csr());
        }
        let facts = CsrFacts::from_csr(&parsed).map_err(|_| invalid_csr())?;
        Ok((parsed, facts))
    }

    fn check_template(&self, facts: &CsrFacts) -> Result<(), FatooraError> {
        if self.config.environment == Environment::Development {
            return Ok(());
        }
        let expected = self.config.environment.template_name();
        if facts.template_name.as_deref() == Some(expected) {
            return Ok(());
        }
        Err(FatooraError::template_denied(
            facts.template_name.as_deref().unwrap_or(""),
        ))
    }

    /// The compliance record of `csid`: the token must be one issued and the
    /// secret's digest equal, in constant time, to the recorded one.
    fn authenticate<'s>(
        state: &'s mut State,
        csid: &Csid,
    ) -> Result<(&'s String, &'s mut ComplianceRecord), FatooraError> {
        state
            .compliance
            .iter_mut()
            .find(|(_, r)| r.token == csid.token())
            .filter(|(_, r)| secret_matches(&r.secret_sha256, csid.expose_secret()))
            .ok_or(FatooraError::Unauthorized)
    }
}

/// A fresh CSID secret: base64 of 32 bytes from the OS RNG.
fn new_secret() -> Result<Zeroizing<String>, FatooraError> {
    let raw = Zeroizing::new(
        crate::random::bytes::<32>()
            .ok_or_else(|| server("the operating system's random number generator failed"))?,
    );
    Ok(Zeroizing::new(
        base64::engine::general_purpose::STANDARD.encode(raw.as_slice()),
    ))
}

/// The form a secret is kept in: base64 of its SHA-256.
fn secret_digest(secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(zatca_types::digest::sha256(secret.as_bytes()))
}

/// Whether `presented` is the secret of `recorded_digest`, compared in constant time.
fn secret_matches(recorded_digest: &str, presented: &str) -> bool {
    secret_digest(presented)
        .as_bytes()
        .ct_eq(recorded_digest.as_bytes())
        .into()
}

/// A CA key from `path`, or a fresh one written there (0600). Called under the state lock.
fn load_or_create_key(path: &Path) -> Result<PrivateKey, SimulatorError> {
    let key_err = |e: zatca_keys::KeyError| SimulatorError::CaKey {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    if path.symlink_metadata().is_ok() {
        return PrivateKey::read_file(path).map(|(k, _)| k).map_err(key_err);
    }
    let key = PrivateKey::generate(Curve::Secp256k1).map_err(key_err)?;
    key.write_file(path, zatca_keys::OutputFormat::Sec1Pem, false)
        .map_err(key_err)?;
    Ok(key)
}

/// The state directory: where the state lives and how it is locked, read and written.
struct StateDir<'a> {
    dir: &'a Path,
}

impl<'a> StateDir<'a> {
    /// The directory, created (0700, with any missing parents) if missing.
    fn create(dir: &'a Path) -> Result<Self, SimulatorError> {
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
    fn lock(&self) -> Result<File, SimulatorError> {
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
    /// files of [`ATOMIC_FILES`]. Only under the lock, so no live write is hit.
    fn remove_stale_temp_files(&self) -> Result<(), SimulatorError> {
        let io = |path: &Path, e: std::io::Error| SimulatorError::Io {
            path: path.to_path_buf(),
            reason: format!("could not remove a stale temporary file: {e}"),
        };
        zatca_fs::sweep_temp_files(self.dir, Some(&ATOMIC_FILES))
            .map(|_| ())
            .map_err(|e| io(self.dir, e))
    }

    /// The state, or `None` when there is no state file yet.
    fn read(&self) -> Result<Option<State>, SimulatorError> {
        let path = self.dir.join(STATE_FILE);
        if path.symlink_metadata().is_err() {
            return Ok(None);
        }
        let bytes =
            zatca_fs::read_regular(&path, MAX_STATE_BYTES, "the simulator state").map_err(|e| {
                SimulatorError::Io {
                    path: path.clone(),
                    reason: format!("could not read the state: {e}"),
                }
            })?;
        let damaged = |reason: String| SimulatorError::DamagedState {
            path: path.clone(),
            expected: "the JSON object this simulator writes",
            reason,
        };
        let format: StateFormat =
            serde_json::from_slice(&bytes).map_err(|e| damaged(format!("it is not: {e}")))?;
        match format.format {
            None => return Err(SimulatorError::OutdatedState { path }),
            Some(STATE_FORMAT) => {}
            Some(other) => {
                return Err(damaged(format!(
                    "it has \"format\": {other} where this simulator reads {STATE_FORMAT}"
                )));
            }
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| damaged(format!("it is not: {e}")))
    }

    /// Writes the state atomically (temporary file, fsync, rename), 0600.
    fn write(&self, state: &State) -> Result<(), SimulatorError> {
        let path = self.dir.join(STATE_FILE);
        let io = |reason: String| SimulatorError::Io {
            path: path.clone(),
            reason,
        };
        let json = serde_json::to_vec_pretty(state)
            .map_err(|e| io(format!("could not encode the state: {e}")))?;
        zatca_fs::write_atomic(&path, &json, zatca_fs::WriteOptions::SECRET.overwrite(true))
            .map_err(|e| io(format!("could not write the state: {e}")))
    }
}

fn server(reason: &str) -> FatooraError {
    FatooraError::Server {
        status: 500,
        errors: ZatcaErrors::from(vec![ZatcaError {
            category: Some("HTTP-Errors".into()),
            code: Some("500".into()),
            message: reason.to_owned(),
        }]),
    }
}

fn invalid_csr() -> FatooraError {
    rejected_category(
        ZatcaCode::InvalidCsr.as_str(),
        "The provided Certificate Signing Request (CSR) is invalid.",
    )
}

fn rejected_category(category: &str, message: &str) -> FatooraError {
    FatooraError::Rejected {
        status: 400,
        errors: ZatcaErrors::from(vec![ZatcaError {
            category: Some(category.to_owned()),
            code: Some("400".to_owned()),
            message: message.to_owned(),
        }]),
    }
}

fn message(code: &str, category: &str, text: &str) -> ValidationMessage {
    ValidationMessage {
        kind: Some("ERROR".into()),
        code: Some(code.into()),
        category: Some(category.into()),
        message: Some(text.into()),
        status: Some("ERROR".into()),
    }
}

impl Fatoora for Simulator {
    fn compliance_csid(
        &self,
        otp: &Otp,
        csr: &CsrSubmission,
    ) -> Result<CsidResponse, FatooraError> {
        self.with_state(|state| {
            match Self::take_failure(state, &[Failure::InvalidOtp, Failure::TemplateDenied]) {
                Some(Failure::InvalidOtp) => {
                    return Err(FatooraError::rejected(
                        ZatcaCode::InvalidOtp.as_str(),
                        "OTP is not valid",
                    ));
                }
                Some(Failure::TemplateDenied) => {
                    return Err(FatooraError::template_denied("scripted"));
                }
                Some(_) => return Err(server("scripted server error")),
                None => {}
            }
            self.check_otp(state, otp)?;
            let (parsed, facts) = self.read_submitted_csr(csr)?;
            self.check_template(&facts)?;
            let san = submitted_san(&parsed)?;
            self.consume_otp(state, otp);
            let mut not_before = self.config.now;
            if state.script.front() == Some(&Failure::ExpiredCertificate) {
                state.script.pop_front();
                not_before = not_before.saturating_sub(6 * 366 * 24 * 3600);
            }
            self.issue_compliance_csid(state, &facts, san, not_before, "ISSUED")
        })
    }

    fn compliance_invoice(
        &self,
        compliance_csid: &Csid,
        document: &InvoiceSubmission,
    ) -> Result<ComplianceReport, FatooraError> {
        self.with_state(|state| {
            let scripted = Self::take_failure(state, &[Failure::DocumentRejected]);
            if scripted == Some(Failure::ServerError) {
                return Err(server("scripted server error"));
            }
            let (_, record) = Self::authenticate(state, compliance_csid)?;
            let mut problems = Vec::new();
            if scripted == Some(Failure::DocumentRejected) {
                problems.push(message(
                    "scripted-rejection",
                    "TEST",
                    "the simulator was told to reject this document",
                ));
            }
            let step = match base64::engine::general_purpose::STANDARD
                .decode(document.invoice.trim())
            {
                Err(_) => {
                    problems.push(message(
                        "invalid-invoice",
                        "XSD_SCHEMA_ERROR",
                        "the invoice is not base64",
                    ));
                    None
                }
                Ok(xml) => {
                    self.check_document(&xml, document, compliance_csid, &record.vat, &mut problems)
                }
            };
            let passed = problems.is_empty();
            if let (true, Some(step)) = (passed, step) {
                record.passed.insert(step.name().to_owned());
            }
            let simplified = step.is_some_and(ComplianceStep::simplified);
            Ok(ComplianceReport {
                validation_results: ValidationResults {
                    info_messages: vec![ValidationMessage {
                        kind: Some("INFO".into()),
                        code: Some("XSD_ZATCA_VALID".into()),
                        category: Some("XSD validation".into()),
                        message: Some(
                            "Complied with UBL 2.1 standards in line with ZATCA specifications"
                                .into(),
                        ),
                        status: Some("PASS".into()),
                    }],
                    warning_messages: Vec::new(),
                    status: if passed {
                        "PASS".into()
                    } else {
                        "ERROR".into()
                    },
                    error_messages: problems,
                },
                reporting_status: (simplified && passed)
                    .then(|| "REPORTED".into())
                    .or(simplified.then(|| "NOT_REPORTED".into())),
                clearance_status: (!simplified && passed)
                    .then(|| "CLEARED".into())
                    .or((!simplified).then(|| "NOT_CLEARED".into())),
                qr_seller_status: None,
                qr_buyer_status: None,
            })
        })
    }

    fn production_csid(
        &self,
        compliance_csid: &Csid,
        request: &ProductionCsidRequest,
    ) -> Result<CsidResponse, FatooraError> {
        self.with_state(|state| {
            if Self::take_failure(state, &[]).is_some() {
                return Err(server("scripted server error"));
            }
            let (request_id, record) = Self::authenticate(state, compliance_csid)?;
            if request_id != &request.compliance_request_id {
                return Err(FatooraError::rejected(
                    ZatcaCode::InvalidRequestId.as_str(),
                    "The compliance request ID is not the one issued with this compliance CSID",
                ));
            }
            if record.production_issued {
                return Err(FatooraError::rejected(
                    ZatcaCode::AlreadyIssued.as_str(),
                    "A production CSID was already issued for this compliance request",
                ));
            }
            let types = InvoiceTypes::parse(&record.invoice_types, ValidationProfile::Sdk)
                .map_err(|e| server(&e.to_string()))?;
            let missing: Vec<ComplianceStep> = ComplianceStep::required_for(types)
                .into_iter()
                .filter(|s| !record.passed.contains(s.name()))
                .collect();
            if !missing.is_empty() {
                return Err(FatooraError::missing_compliance_steps(&missing));
            }
            record.production_issued = true;
            let certificate = compliance_csid.certificate().der().to_vec();
            let facts = facts_from_certificate(&certificate)?;
            self.issue_production_csid(state, &facts)
        })
    }

    fn renew_production_csid(
        &self,
        production_csid: &Csid,
        otp: &Otp,
        csr: &CsrSubmission,
    ) -> Result<Renewal, FatooraError> {
        self.with_state(|state| {
            let scripted = Self::take_failure(
                state,
                &[Failure::InvalidOtp, Failure::RenewalIssuesDirectly],
            );
            match state.production.get(production_csid.token()) {
                Some(r)
                    if !r.retired
                        && secret_matches(&r.secret_sha256, production_csid.expose_secret()) => {}
                _ => return Err(FatooraError::Unauthorized),
            }
            match scripted {
                Some(Failure::InvalidOtp) => {
                    return Err(FatooraError::rejected(
                        ZatcaCode::InvalidOtp.as_str(),
                        "OTP is not valid",
                    ));
                }
                Some(Failure::ServerError) => return Err(server("scripted server error")),
                _ => {}
            }
            self.check_otp(state, otp)?;
            let (parsed, facts) = self.read_submitted_csr(csr)?;
            self.check_template(&facts)?;
            let san = submitted_san(&parsed)?;
            self.consume_otp(state, otp);
            if scripted == Some(Failure::RenewalIssuesDirectly) {
                let response = self.issue_production_csid(state, &facts)?;
                if let Some(old) = state.production.get_mut(production_csid.token()) {
                    old.retired = true;
                }
                return Ok(Renewal::Issued(response));
            }
            let response =
                self.issue_compliance_csid(state, &facts, san, self.config.now, "NOT_COMPLIANT")?;
            Ok(Renewal::ComplianceRequired(response))
        })
    }
}

impl Simulator {
    fn check_document(
        &self,
        xml: &[u8],
        document: &InvoiceSubmission,
        csid: &Csid,
        vat: &str,
        problems: &mut Vec<ValidationMessage>,
    ) -> Option<ComplianceStep> {
        let invoice = match zatca_ubl::Invoice::parse(xml) {
            Ok(i) => i,
            Err(e) => {
                problems.push(message(
                    "invalid-invoice",
                    "XSD_SCHEMA_ERROR",
                    &e.to_string(),
                ));
                return None;
            }
        };
        if invoice.hash().to_base64() != document.invoice_hash {
            problems.push(message(
                "invalid-invoice-hash",
                "INVOICE_HASHING_ERRORS",
                "The invoice hash API body does not match the (calculated) Hash of the XML",
            ));
        }
        match invoice.uuid() {
            Ok(uuid) if uuid == document.uuid => {}
            _ => problems.push(message(
                "invalid-uuid",
                "KSA",
                "The uuid in the request body does not match the invoice's cbc:UUID",
            )),
        }
        match invoice.seller_vat() {
            Some(seller) if seller == vat => {}
            _ => problems.push(message(
                ZatcaCode::CertificatePermissions.as_str(),
                "AUTHORIZATION",
                "User only allowed to use the vat number that exists in the authentication certificate",
            )),
        }
        if let Some(checker) = &self.checker {
            problems.extend(checker.check(xml, csid.certificate().der()));
        }
        let step = invoice
            .invoice_type()
            .and_then(|(code, subtype)| ComplianceStep::of_document(code, subtype));
        if step.is_none() {
            problems.push(message(
                "BR-KSA-06",
                "KSA",
                "The invoice type code must be 388, 381 or 383 with a subtype starting 01 (standard) or 02 (simplified)",
            ));
        }
        step
    }
}

/// The VAT and TSXY of a submitted CSR; a CSR without them is `Invalid-CSR`.
fn submitted_san(csr: &Csr) -> Result<SanValues, FatooraError> {
    SanValues::from_csr(csr).map_err(|_| invalid_csr())
}

fn facts_from_certificate(der: &[u8]) -> Result<CsrFacts, FatooraError> {
    crate::ca::facts_from_certificate(der).map_err(|e| server(&e.to_string()))
}
