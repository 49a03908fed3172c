//! The offline Fatoora: ZATCA's four onboarding endpoints, simulated.
//!
//! [`Simulator`] implements [`zatca_fatoora::Fatoora`] with the rules of
//! `shared/spec/zatca-formats.md` §2 and answers shaped like the recorded
//! sandbox responses in `testdata/api/`:
//!
//! - `POST /compliance`: the OTP rule of the environment (development: any
//!   non-empty OTP; simulation and production: six digits, and one of the
//!   configured codes if any are configured, each usable once); the CSR must
//!   verify and carry a SAN; simulation and production refuse a CSR whose
//!   template is not theirs with the policy-module denial ZATCA sends
//!   (`requestID -2`, `NOT_COMPLIANT`); the development portal does not check
//!   the template (§1.2). Issues a compliance CSID from its CA.
//! - `POST /compliance/invoices`: Basic auth with the compliance CSID; the
//!   document's hash must equal `invoiceHash` and its content; the signature is
//!   checked by the [`DocumentChecker`]; the seller VAT must be the CSID's
//!   (`certificate-permissions`); the step is read from the type code and subtype.
//! - `POST /production/csids`: Basic auth with the compliance CSID, the right
//!   `compliance_request_id`, and every step its TSXY requires passed, else
//!   `Missing-ComplianceSteps` with the list (§2.4).
//! - `PATCH /production/csids`: Basic auth with the current production CSID and
//!   an OTP; answers HTTP 428 (`NOT_COMPLIANT` + compliance CSID for the new key)
//!   as ZATCA does (§2.5), or 200 with a production CSID when configured so.
//!
//! Scripted failures ([`Failure`]) make the next matching call fail the way
//! ZATCA fails, for tests. State can persist in a directory so separate CLI
//! processes share one simulated ZATCA.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zatca_fatoora::{
    ComplianceReport, ComplianceStep, CsidResponse, CsrSubmission, Fatoora, FatooraError,
    InvoiceSubmission, Otp, ProductionCsidRequest, Renewal, ValidationMessage, ValidationResults,
    ZatcaError, ZatcaErrors,
};
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::{Environment, InvoiceTypes, ValidationProfile};

use crate::ca::{CaKind, CsrFacts, TestCa, read_csr};

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

#[derive(Debug, Default, Serialize, Deserialize)]
struct ComplianceRecord {
    token: String,
    secret: String,
    vat: String,
    invoice_types: String,
    passed: BTreeSet<String>,
    production_issued: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ProductionRecord {
    secret: String,
    retired: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    next_request_id: u64,
    used_otps: BTreeSet<String>,
    compliance: BTreeMap<String, ComplianceRecord>,
    production: BTreeMap<String, ProductionRecord>,
    script: VecDeque<Failure>,
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

/// Why the simulator could not start.
#[derive(Debug)]
pub struct SimulatorError(String);

impl std::fmt::Display for SimulatorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "simulator: {}", self.0)
    }
}

impl std::error::Error for SimulatorError {}

impl Simulator {
    /// Starts a simulator; with a `state_dir`, its CA keys and issued CSIDs are
    /// read from there and kept there.
    pub fn new(config: SimulatorConfig) -> Result<Self, SimulatorError> {
        let err = |e: &dyn std::fmt::Display| SimulatorError(e.to_string());
        let (compliance_key, production_key, state) = match &config.state_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
                let ck = load_or_create_key(&dir.join("compliance-ca.key")).map_err(|e| err(&e))?;
                let pk = load_or_create_key(&dir.join("production-ca.key")).map_err(|e| err(&e))?;
                let state = match std::fs::read(dir.join("state.json")) {
                    Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| err(&e))?,
                    Err(_) => State::default(),
                };
                (ck, pk, state)
            }
            None => (
                PrivateKey::generate(Curve::Secp256k1).map_err(|e| err(&e))?,
                PrivateKey::generate(Curve::Secp256k1).map_err(|e| err(&e))?,
                State::default(),
            ),
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
                .map_err(|e| err(&e))?,
            production_ca: TestCa::with_key(production_kind, production_key)
                .map_err(|e| err(&e))?,
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
        let io = |e: &dyn std::fmt::Display| FatooraError::Connection {
            reason: format!("simulator state: {e}"),
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("state.lock"))
            .map_err(|e| io(&e))?;
        lock.lock().map_err(|e| io(&e))?;
        if let Ok(bytes) = std::fs::read(dir.join("state.json")) {
            *guard = serde_json::from_slice(&bytes).map_err(|e| io(&e))?;
        }
        let result = f(&mut guard);
        let json = serde_json::to_vec_pretty(&*guard).map_err(|e| io(&e))?;
        zatca_fs::write_atomic(
            &dir.join("state.json"),
            &json,
            zatca_fs::WriteOptions::SECRET.overwrite(true),
        )
        .map_err(|e| io(&e))?;
        drop(lock);
        result
    }

    fn issue_csid(
        &self,
        ca: &TestCa,
        facts: &CsrFacts,
        request_id: u64,
        not_before: u64,
        disposition: &str,
    ) -> Result<(CsidResponse, String, String), FatooraError> {
        let cert = ca
            .issue(facts, not_before)
            .map_err(|e| server(&e.to_string()))?;
        let token = cert.binary_security_token();
        let secret = base64::engine::general_purpose::STANDARD.encode(zatca_keys::sha256(
            format!("{token}{request_id}").as_bytes(),
        ));
        let body = serde_json::json!({
            "requestID": request_id,
            "tokenType": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3",
            "dispositionMessage": disposition,
            "binarySecurityToken": token,
            "secret": secret,
            "errors": null,
        });
        let response = zatca_fatoora::Csid::from_response_json(body.to_string().as_bytes())
            .map_err(|e| server(&e.to_string()))?;
        Ok((response, token, secret))
    }

    /// Issues a compliance CSID and records it under a fresh request id, so its
    /// documents can be checked and its production CSID issued.
    fn issue_compliance_csid(
        &self,
        state: &mut State,
        facts: &CsrFacts,
        san: crate::ca::SanValues,
        not_before: u64,
        disposition: &str,
    ) -> Result<CsidResponse, FatooraError> {
        state.next_request_id += 1;
        let request_id = 1_234_567_000 + state.next_request_id;
        let (response, token, secret) = self.issue_csid(
            &self.compliance_ca,
            facts,
            request_id,
            not_before,
            disposition,
        )?;
        state.compliance.insert(
            request_id.to_string(),
            ComplianceRecord {
                token,
                secret,
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
        let (response, token, secret) =
            self.issue_csid(&self.production_ca, facts, id, self.config.now, "ISSUED")?;
        state.production.insert(
            token,
            ProductionRecord {
                secret,
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
            return Err(rejected("Missing-OTP", "OTP is required field"));
        }
        let ok = match self.config.environment {
            Environment::Development => true,
            _ => {
                otp.is_well_formed()
                    && !state.used_otps.contains(value)
                    && (self.config.otps.is_empty() || self.config.otps.iter().any(|o| o == value))
            }
        };
        if !ok {
            return Err(rejected("Invalid-OTP", "OTP is not valid"));
        }
        Ok(())
    }

    /// Marks an OTP used once a CSID was issued with it (simulation and
    /// production OTPs serve one CSID each, §2.3); a refused CSR leaves it usable.
    fn consume_otp(&self, state: &mut State, otp: &Otp) {
        if self.config.environment != Environment::Development {
            state.used_otps.insert(otp.expose().to_owned());
        }
    }

    fn read_submitted_csr(&self, csr: &CsrSubmission) -> Result<CsrFacts, FatooraError> {
        let invalid = || {
            rejected_category(
                "Invalid-CSR",
                "The provided Certificate Signing Request (CSR) is invalid.",
            )
        };
        let pem = base64::engine::general_purpose::STANDARD
            .decode(csr.csr.trim())
            .map_err(|_| invalid())?;
        let (_, der) = der::pem::decode_vec(&pem).map_err(|_| invalid())?;
        read_csr(&der).map_err(|_| invalid())
    }

    fn check_template(&self, facts: &CsrFacts) -> Result<(), FatooraError> {
        if self.config.environment == Environment::Development {
            return Ok(());
        }
        let expected = self.config.environment.template_name();
        if facts.template_name.as_deref() == Some(expected) {
            return Ok(());
        }
        Err(template_denied(
            facts.template_name.as_deref().unwrap_or(""),
        ))
    }

    fn authenticate<'s>(
        state: &'s mut State,
        csid: &zatca_fatoora::Csid,
    ) -> Result<(&'s String, &'s mut ComplianceRecord), FatooraError> {
        state
            .compliance
            .iter_mut()
            .find(|(_, r)| r.token == csid.token() && r.secret == csid.expose_secret())
            .ok_or(FatooraError::Unauthorized)
    }
}

fn load_or_create_key(path: &Path) -> Result<PrivateKey, zatca_keys::KeyError> {
    if path.exists() {
        return PrivateKey::read_file(path).map(|(k, _)| k);
    }
    let key = PrivateKey::generate(Curve::Secp256k1)?;
    match key.write_file(path, zatca_keys::OutputFormat::Sec1Pem, false) {
        Ok(()) => Ok(key),
        // Another process created it first: use theirs, so both sign with one CA key.
        Err(zatca_keys::KeyError::FileExists { .. }) => PrivateKey::read_file(path).map(|(k, _)| k),
        Err(e) => Err(e),
    }
}

fn server(reason: &str) -> FatooraError {
    FatooraError::Server {
        status: 500,
        errors: errors(vec![ZatcaError {
            category: Some("HTTP-Errors".into()),
            code: Some("500".into()),
            message: reason.to_owned(),
        }]),
    }
}

fn errors(list: Vec<ZatcaError>) -> ZatcaErrors {
    let body = serde_json::json!({
        "errors": list.iter().map(|e| serde_json::json!({
            "category": e.category, "code": e.code, "message": e.message,
        })).collect::<Vec<_>>()
    });
    ZatcaErrors::from_json(body.to_string().as_bytes()).unwrap_or_default()
}

fn rejected(code: &str, message: &str) -> FatooraError {
    FatooraError::Rejected {
        status: 400,
        errors: errors(vec![ZatcaError {
            category: None,
            code: Some(code.to_owned()),
            message: message.to_owned(),
        }]),
    }
}

fn rejected_category(category: &str, message: &str) -> FatooraError {
    FatooraError::Rejected {
        status: 400,
        errors: errors(vec![ZatcaError {
            category: Some(category.to_owned()),
            code: Some("400".to_owned()),
            message: message.to_owned(),
        }]),
    }
}

fn template_denied(template: &str) -> FatooraError {
    FatooraError::Rejected {
        status: 400,
        errors: errors(vec![ZatcaError {
            category: None,
            code: None,
            message: format!(
                "unable to submit and sign the csr in zatca side, caused : Denied by Policy Module 0x80094800, The request was for a certificate template that is not supported by the Active Directory Certificate Services policy: {template}."
            ),
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
                    return Err(rejected("Invalid-OTP", "OTP is not valid"));
                }
                Some(Failure::TemplateDenied) => return Err(template_denied("scripted")),
                Some(_) => return Err(server("scripted server error")),
                None => {}
            }
            self.check_otp(state, otp)?;
            let facts = self.read_submitted_csr(csr)?;
            self.check_template(&facts)?;
            let san = submitted_san(&facts)?;
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
        compliance_csid: &zatca_fatoora::Csid,
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
        compliance_csid: &zatca_fatoora::Csid,
        request: &ProductionCsidRequest,
    ) -> Result<CsidResponse, FatooraError> {
        self.with_state(|state| {
            if Self::take_failure(state, &[]).is_some() {
                return Err(server("scripted server error"));
            }
            let (request_id, record) = Self::authenticate(state, compliance_csid)?;
            if request_id != &request.compliance_request_id {
                return Err(rejected(
                    "Invalid-Request-ID",
                    "The compliance request ID is not the one issued with this compliance CSID",
                ));
            }
            if record.production_issued {
                return Err(rejected(
                    "Already-Issued",
                    "A production CSID was already issued for this compliance request",
                ));
            }
            let types = InvoiceTypes::parse(&record.invoice_types, ValidationProfile::Sdk)
                .map_err(|e| server(&e.to_string()))?;
            let missing: Vec<&str> = ComplianceStep::required_for(types)
                .into_iter()
                .map(ComplianceStep::name)
                .filter(|s| !record.passed.contains(*s))
                .collect();
            if !missing.is_empty() {
                return Err(rejected(
                    "Missing-ComplianceSteps",
                    &format!("Compliance steps missing: [{}]", missing.join(", ")),
                ));
            }
            record.production_issued = true;
            let certificate = compliance_csid.certificate().der().to_vec();
            let facts = facts_from_certificate(&certificate)?;
            self.issue_production_csid(state, &facts)
        })
    }

    fn renew_production_csid(
        &self,
        production_csid: &zatca_fatoora::Csid,
        otp: &Otp,
        csr: &CsrSubmission,
    ) -> Result<Renewal, FatooraError> {
        self.with_state(|state| {
            let scripted = Self::take_failure(
                state,
                &[Failure::InvalidOtp, Failure::RenewalIssuesDirectly],
            );
            match state.production.get(production_csid.token()) {
                Some(r) if r.secret == production_csid.expose_secret() && !r.retired => {}
                _ => return Err(FatooraError::Unauthorized),
            }
            match scripted {
                Some(Failure::InvalidOtp) => {
                    return Err(rejected("Invalid-OTP", "OTP is not valid"));
                }
                Some(Failure::ServerError) => return Err(server("scripted server error")),
                _ => {}
            }
            self.check_otp(state, otp)?;
            let facts = self.read_submitted_csr(csr)?;
            self.check_template(&facts)?;
            let san = submitted_san(&facts)?;
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
        csid: &zatca_fatoora::Csid,
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
                "certificate-permissions",
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
fn submitted_san(facts: &CsrFacts) -> Result<crate::ca::SanValues, FatooraError> {
    crate::ca::san_values(facts).map_err(|_| {
        rejected_category(
            "Invalid-CSR",
            "The provided Certificate Signing Request (CSR) is invalid.",
        )
    })
}

fn facts_from_certificate(der: &[u8]) -> Result<CsrFacts, FatooraError> {
    crate::ca::facts_from_certificate(der).map_err(|e| server(&e.to_string()))
}
