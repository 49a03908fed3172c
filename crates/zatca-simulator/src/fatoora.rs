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
//!   document's hash must equal `invoiceHash` and its content; the
//!   [`DocumentChecker`] judges it ([`crate::UblDocumentChecker`]: ZATCA's own
//!   rules, schema, EN 16931 and KSA, at the simulator's time, then the
//!   signature and QR), its errors refusing it (`status: ERROR`,
//!   `NOT_REPORTED`/`NOT_CLEARED`, the step not passed) and its warnings
//!   reported with a `WARNING` status; the seller VAT must be the CSID's
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
//! PEM), `state.jsonl` (the state log) and `state.lock`, the lock every read
//! and write of them happens under. Everything the simulator creates there is
//! private: directories 0700, files 0600.
//!
//! The state log's first line is the header `{"format":3}`; each later line is
//! one JSON array of the changes one call made: the next request id, an OTP
//! used (its SHA-256, never the OTP), the scripted failures, or the whole new
//! record of one CSID it issued or changed, keyed by the SHA-256 of the CSID's
//! token and holding its secret's digest only. A call costs the same
//! however many CSIDs were issued before it: each process keeps the state it
//! replayed and the log position it reached (with the file's identity), reads
//! only the lines other processes appended since, and appends one line of its
//! own with one `write` (nothing is written when nothing changed, as for a
//! rejected document). A process killed mid-call leaves either its whole line
//! or an unfinished one without a newline, which the next caller cuts off under
//! the lock; the call it belonged to never answered. The log is not fsynced
//! (an fsync per call would cost more than the call): it survives a killed
//! process, since the kernel holds what was written, but a power loss may lose
//! the last calls, acceptable for a test stand-in. A damaged line fails every call
//! with [`SimulatorError::DamagedState`] naming the file and the line.
//! [`issued_csids`](crate::issued_csids) lists what a state directory issued.
//!
//! Opening the directory removes, under the lock, the temporary files a
//! killed process may have left (`.compliance-ca.key.tmp-…` and the like,
//! written by `zatca_fs::write_atomic`, and `.state.json.tmp-…` of older
//! simulators), since they can hold CA keys and state.
//!
//! A `state.json` next to it was written by an older simulator: format 1 kept
//! CSID secrets in clear (derived from the token and request id, computable by
//! anyone holding the certificate, so they must not keep working), format 2
//! kept every CSID in that one file, rewritten whole on every call. Either is
//! refused with [`SimulatorError::OutdatedState`] naming the file rather than
//! migrated. Delete the directory to start a fresh simulated ZATCA. Every state
//! error names the file and what was expected.

use std::collections::BTreeSet;
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
use crate::state::{
    ComplianceRecord, LEGACY_STATE_FILE, ProductionRecord, Replica, STATE_FORMAT, STATE_LOG, State,
    StateDir,
};

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
    /// What ZATCA would report of `xml` signed under `certificate_der`,
    /// judged at `now` (Unix seconds).
    fn check(&self, xml: &[u8], certificate_der: &[u8], now: u64) -> DocumentVerdict;
}

/// A [`DocumentChecker`]'s findings: errors refuse the document, warnings
/// let it pass (ZATCA's `errorMessages` and `warningMessages`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentVerdict {
    /// ZATCA's `errorMessages`.
    pub errors: Vec<ValidationMessage>,
    /// ZATCA's `warningMessages`.
    pub warnings: Vec<ValidationMessage>,
}

const COMPLIANCE_CA_KEY: &str = "compliance-ca.key";
const PRODUCTION_CA_KEY: &str = "production-ca.key";
/// The files written through `zatca_fs::write_atomic` (the legacy state file
/// by older simulators), whose temporary files are `.<name>.tmp-<pid>-<n>` next to them.
const ATOMIC_FILES: [&str; 3] = [LEGACY_STATE_FILE, COMPLIANCE_CA_KEY, PRODUCTION_CA_KEY];

/// The offline Fatoora.
pub struct Simulator {
    config: SimulatorConfig,
    compliance_ca: TestCa,
    production_ca: TestCa,
    checker: Option<Box<dyn DocumentChecker>>,
    state: Mutex<Replica>,
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
    /// `state.json` was written by an older simulator (module docs): one that
    /// kept CSID secrets in clear, or every CSID in that one file; it is not migrated.
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
                "simulator state {} was written by an older simulator (this one keeps \"format\": {STATE_FORMAT} in {STATE_LOG}); its CSIDs are not carried over: delete its directory to start a fresh simulated ZATCA",
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
                store.remove_stale_temp_files(&ATOMIC_FILES)?;
                store.refuse_legacy_state()?;
                let ck = load_or_create_key(&dir.join(COMPLIANCE_CA_KEY))?;
                let pk = load_or_create_key(&dir.join(PRODUCTION_CA_KEY))?;
                let mut replica = Replica::default();
                store.catch_up(&mut replica)?;
                (ck, pk, replica)
            }
            None => {
                let generate = || {
                    PrivateKey::generate(Curve::Secp256k1).map_err(|e| {
                        SimulatorError::Ca(CaError::Build {
                            reason: e.to_string(),
                        })
                    })
                };
                (generate()?, generate()?, Replica::default())
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

    /// Runs `f` on the state. With a state directory, the state log's new
    /// lines (other processes' calls) are applied first and `f`'s changes
    /// appended as one line, under an exclusive file lock, so separate
    /// processes sharing one simulated ZATCA never lose each other's updates.
    fn with_state<T>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, FatooraError>,
    ) -> Result<T, FatooraError> {
        let mut guard = self.state.lock().map_err(|_| FatooraError::Server {
            status: 500,
            errors: ZatcaErrors::default(),
        })?;
        let replica = &mut *guard;
        let Some(dir) = &self.config.state_dir else {
            let result = f(&mut replica.state);
            replica.state.forget_changes();
            return result;
        };
        let store = StateDir::create(dir)?;
        let lock = store.lock()?;
        let mut log = store.catch_up(replica)?;
        let before = replica.state.snapshot();
        let result = f(&mut replica.state);
        store.append(&mut log, replica, &before)?;
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
        let secret_sha256 = sha256_base64(&secret);
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
        state.put_compliance(
            token_key(response.csid.token()),
            ComplianceRecord {
                request_id: request_id.to_string(),
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
        state.put_production(
            token_key(response.csid.token()),
            ProductionRecord {
                token: response.csid.token().to_owned(),
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
                || (!state.used_otps.contains(&sha256_base64(value))
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
            state.use_otp(sha256_base64(otp.expose()));
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
    /// Returns the record's key.
    fn authenticate(state: &State, csid: &Csid) -> Result<String, FatooraError> {
        let key = token_key(csid.token());
        match state.compliance.get(&key) {
            Some(r) if secret_matches(&r.secret_sha256, csid.expose_secret()) => Ok(key),
            _ => Err(FatooraError::Unauthorized),
        }
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

/// The form a secret (or OTP, or token) is kept in: base64 of its SHA-256.
fn sha256_base64(secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(zatca_types::digest::sha256(secret.as_bytes()))
}

/// The key a CSID's records are kept under: base64 of its token's SHA-256.
fn token_key(token: &str) -> String {
    sha256_base64(token)
}

/// Whether `presented` is the secret of `recorded_digest`, compared in constant time.
fn secret_matches(recorded_digest: &str, presented: &str) -> bool {
    sha256_base64(presented)
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
            let key = Self::authenticate(state, compliance_csid)?;
            let vat = state
                .compliance
                .get(&key)
                .map(|r| r.vat.clone())
                .ok_or(FatooraError::Unauthorized)?;
            let mut problems = Vec::new();
            let mut warnings = Vec::new();
            if scripted == Some(Failure::DocumentRejected) {
                problems.push(message(
                    "scripted-rejection",
                    "TEST",
                    "the simulator was told to reject this document",
                ));
            }
            let step =
                match base64::engine::general_purpose::STANDARD.decode(document.invoice.trim()) {
                    Err(_) => {
                        problems.push(message(
                            "invalid-invoice",
                            "XSD_SCHEMA_ERROR",
                            "the invoice is not base64",
                        ));
                        None
                    }
                    Ok(xml) => self.check_document(
                        &xml,
                        document,
                        compliance_csid,
                        &vat,
                        &mut problems,
                        &mut warnings,
                    ),
                };
            let passed = problems.is_empty();
            if let (true, Some(step)) = (passed, step) {
                let newly = state
                    .compliance
                    .get_mut(&key)
                    .is_some_and(|r| r.passed.insert(step.name().to_owned()));
                if newly {
                    state.compliance_changed(&key);
                }
            }
            let simplified = step.is_some_and(ComplianceStep::simplified);
            let schema_failed = problems
                .iter()
                .any(|p| p.code.as_deref() == Some("XSD_ZATCA_INVALID"));
            let status = if !passed {
                "ERROR"
            } else if warnings.is_empty() {
                "PASS"
            } else {
                "WARNING"
            };
            Ok(ComplianceReport {
                validation_results: ValidationResults {
                    info_messages: if schema_failed {
                        Vec::new()
                    } else {
                        vec![ValidationMessage {
                            kind: Some("INFO".into()),
                            code: Some("XSD_ZATCA_VALID".into()),
                            category: Some("XSD validation".into()),
                            message: Some(
                                "Complied with UBL 2.1 standards in line with ZATCA specifications"
                                    .into(),
                            ),
                            status: Some("PASS".into()),
                        }]
                    },
                    warning_messages: warnings,
                    status: status.into(),
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
            let key = Self::authenticate(state, compliance_csid)?;
            let record = state
                .compliance
                .get_mut(&key)
                .ok_or(FatooraError::Unauthorized)?;
            if record.request_id != request.compliance_request_id {
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
            state.compliance_changed(&key);
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
            let key = token_key(production_csid.token());
            match state.production.get(&key) {
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
                if let Some(old) = state.production.get_mut(&key) {
                    old.retired = true;
                    state.production_changed(&key);
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
        warnings: &mut Vec<ValidationMessage>,
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
            let verdict = checker.check(xml, csid.certificate().der(), self.config.now);
            problems.extend(verdict.errors);
            warnings.extend(verdict.warnings);
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
