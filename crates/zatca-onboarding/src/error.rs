//! The one error type of the lifecycle, and its answer form
//! `{ErrorCode, ErrorMessage, ErrorSource, Path?}` (code table in the crate docs).

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use zatca_cert::CertError;
use zatca_fatoora::FatooraError;
use zatca_profile::{Environment, ValidationErrors};
use zatca_types::{ActivityId, ComplianceStep, DeviceId, IdError, SeedCode, ZatcaCode};

/// Who raised an error: this toolkit (`LOCAL`: validation or lifecycle
/// state) or the authority (`ZATCA`: what Fatoora answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ErrorSource {
    /// Raised here, before or instead of calling ZATCA.
    Local,
    /// ZATCA's answer.
    Zatca,
}

/// One entry of an answer's `ErrorList`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorEntry {
    /// A stable code: `6002`, `6003`, `ZO…`, `ZP…` (request validation), or
    /// ZATCA's own code string (`Invalid-OTP`, …).
    pub error_code: String,
    /// What went wrong and what to do; never holds a secret or an OTP.
    pub error_message: String,
    /// `LOCAL` or `ZATCA`.
    pub error_source: ErrorSource,
    /// The field or compliance step concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What to do about it, beyond the seed's `ErrorMessage` (which stays the
    /// seed's exact text for the seed codes). Clients may ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ErrorEntry {
    /// A new entry without a path.
    pub fn new(code: impl Into<String>, message: impl Into<String>, source: ErrorSource) -> Self {
        Self {
            error_code: code.into(),
            error_message: message.into(),
            error_source: source,
            path: None,
            hint: None,
        }
    }

    /// The seed API's entry for `code`, with its exact text.
    pub fn seed(code: SeedCode) -> Self {
        Self::new(code.code(), code.message(), ErrorSource::Local)
    }

    /// The same entry with a hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same entry at `path`.
    #[must_use]
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// Which CSID a pre-flight failure concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsidKind {
    /// The compliance CSID (`POST /compliance`, or a renewal's 428 answer).
    Compliance,
    /// The production CSID.
    Production,
}

impl CsidKind {
    /// `compliance` or `production`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Compliance => "compliance",
            Self::Production => "production",
        }
    }
}

/// One compliance document that did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedStep {
    /// ZATCA's step name, e.g. `standard-compliant`.
    pub step: ComplianceStep,
    /// ZATCA's messages for it, `(code, message)`.
    pub errors: Vec<(String, String)>,
}

/// Everything that can go wrong in the device lifecycle.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OnboardingError {
    /// The request failed validation (each error keeps its `ZP…` code and path).
    Invalid(ValidationErrors),
    /// `6002`: the device already has a production CSID; renew it instead.
    PcsidAlreadyGenerated {
        /// The device.
        device_id: DeviceId,
    },
    /// `6003`: a renewal was asked for a device that has no production CSID.
    PcsidNotGenerated {
        /// The device.
        device_id: DeviceId,
    },
    /// `ZO001`: simulation and production need the 6-digit OTP of their portal.
    OtpFormat {
        /// The device's environment.
        environment: Environment,
    },
    /// `ZO002`: no OTP was given where one is needed.
    OtpMissing,
    /// `ZO003`: no device with this id in the store.
    UnknownDevice {
        /// The id asked for.
        device_id: DeviceId,
    },
    /// `ZO004`: no activity with this id in the store.
    UnknownActivity {
        /// The id asked for.
        activity_id: ActivityId,
    },
    /// `ZO005`: an id is not of its form (a device id is a UUID, an activity id 24 hex characters).
    MalformedId(IdError),
    /// `ZO007`: an activity was interrupted (the process stopped) where it
    /// cannot go on by itself; it is recorded as `FAILED`.
    Interrupted {
        /// The step it could not go on with.
        step: crate::model::ActivityStep,
        /// Why, and what to do.
        reason: &'static str,
    },
    /// `ZO006`: the operation does not fit the device's state.
    WrongState {
        /// The device.
        device_id: DeviceId,
        /// What the operation needs.
        expected: &'static str,
        /// The state it is in.
        found: &'static str,
    },
    /// `ZO010`: a CSID ZATCA returned failed the pre-flight check and was not stored.
    Preflight {
        /// Which CSID.
        kind: CsidKind,
        /// What failed.
        error: CertError,
    },
    /// `ZO011`: a CSID's certificate was issued for another environment.
    EnvironmentMismatch {
        /// Which CSID.
        kind: CsidKind,
        /// The device's environment.
        expected: Environment,
        /// What the issuer says (`developer-portal`, `simulation`, `production`, …, or `unknown`).
        found: String,
    },
    /// `ZO020`: building the key or CSR failed.
    Csr {
        /// What failed.
        reason: String,
    },
    /// `ZO030`: the sample-document generator failed or left a required step out.
    SampleDocuments {
        /// What failed.
        reason: String,
    },
    /// `ZO031`: compliance documents did not pass (one entry per ZATCA message).
    ComplianceFailed {
        /// The steps that failed and ZATCA's reasons.
        failed: Vec<FailedStep>,
    },
    /// ZATCA refused or failed; the code is ZATCA's own (see [`OnboardingError::code`]).
    Zatca(FatooraError),
    /// `ZO040`: a store file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// `ZO044`: the store's database cannot be reached (no connection within
    /// its timeout, the server gone); nothing was written by this call.
    StoreUnavailable {
        /// The database, without any password.
        store: String,
        /// What the driver said.
        reason: String,
    },
    /// `ZO041`: a store file exists but does not hold what it should.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `ZO042`: a device key is encrypted and the store's passphrase is missing or wrong.
    KeyLocked {
        /// The key file.
        path: PathBuf,
        /// Missing or wrong passphrase.
        reason: String,
    },
    /// `ZO043`: the passphrase given does not fit the store: missing or wrong for a store whose
    /// keys are encrypted, or given for a store whose keys are not. Nothing was written or sent.
    PassphraseMismatch {
        /// The store's key-protection file.
        path: PathBuf,
        /// What does not fit, and what to do.
        reason: String,
    },
    /// `ZO050`: the document to sign cannot be chained or signed (not an
    /// unsigned UBL invoice, credit or debit note, or missing what the
    /// signature and QR need); nothing was committed.
    Invoice(zatca_ubl::UblError),
    /// `ZO051`: the device has no production CSID to sign with.
    NoProductionCsid {
        /// The device.
        device_id: DeviceId,
    },
    /// `ZO052`: the idempotency key was used for another document of this device.
    IdempotencyKeyReused {
        /// The device.
        device_id: DeviceId,
        /// The ICV of the document signed under that key.
        icv: u64,
    },
    /// `ZO053`: the device has no committed document with this ICV.
    UnknownInvoice {
        /// The device.
        device_id: DeviceId,
        /// The ICV asked for.
        icv: u64,
    },
    /// `ZO054`: an idempotency key is not 1 to 255 visible ASCII characters.
    BadIdempotencyKey,
    /// `ZO055`: the device was registered with invoice format `Xml` or
    /// `Pdf`: its caller keeps the key and manages the ICV and PIH, so the
    /// service does not sign for it (two counters would fork the chain).
    CallerManagedChain {
        /// The device.
        device_id: DeviceId,
        /// Its invoice format.
        format: zatca_profile::InvoiceFormat,
    },
    /// A step of an activity failed; the activity is recorded as `FAILED`.
    ActivityFailed {
        /// The activity's id (for `device status`).
        activity_id: ActivityId,
        /// Why it failed.
        cause: Box<OnboardingError>,
    },
}

impl OnboardingError {
    /// The error without an [`OnboardingError::ActivityFailed`] wrapper.
    pub fn root(&self) -> &Self {
        match self {
            Self::ActivityFailed { cause, .. } => cause.root(),
            other => other,
        }
    }

    /// The activity whose failure this is, if any.
    pub fn activity_id(&self) -> Option<&ActivityId> {
        match self {
            Self::ActivityFailed { activity_id, .. } => Some(activity_id),
            _ => None,
        }
    }

    /// The stable code (crate docs); for a ZATCA refusal, ZATCA's own code.
    pub fn code(&self) -> String {
        match self.root() {
            Self::Invalid(errors) => errors
                .errors()
                .first()
                .map_or_else(|| "ZP000".to_owned(), |e| e.code.to_string()),
            Self::PcsidAlreadyGenerated { .. } => "6002".to_owned(),
            Self::PcsidNotGenerated { .. } => "6003".to_owned(),
            Self::OtpFormat { .. } => "ZO001".to_owned(),
            Self::OtpMissing => "ZO002".to_owned(),
            Self::UnknownDevice { .. } => "ZO003".to_owned(),
            Self::UnknownActivity { .. } => "ZO004".to_owned(),
            Self::MalformedId { .. } => "ZO005".to_owned(),
            Self::WrongState { .. } => "ZO006".to_owned(),
            Self::Interrupted { .. } => "ZO007".to_owned(),
            Self::Preflight { .. } => "ZO010".to_owned(),
            Self::EnvironmentMismatch { .. } => "ZO011".to_owned(),
            Self::Csr { .. } => "ZO020".to_owned(),
            Self::SampleDocuments { .. } => "ZO030".to_owned(),
            Self::ComplianceFailed { .. } => "ZO031".to_owned(),
            Self::Zatca(e) => zatca_code(e),
            Self::Io { .. } => "ZO040".to_owned(),
            Self::Corrupt { .. } => "ZO041".to_owned(),
            Self::StoreUnavailable { .. } => "ZO044".to_owned(),
            Self::KeyLocked { .. } => "ZO042".to_owned(),
            Self::PassphraseMismatch { .. } => "ZO043".to_owned(),
            Self::Invoice(_) => "ZO050".to_owned(),
            Self::NoProductionCsid { .. } => "ZO051".to_owned(),
            Self::IdempotencyKeyReused { .. } => "ZO052".to_owned(),
            Self::UnknownInvoice { .. } => "ZO053".to_owned(),
            Self::BadIdempotencyKey => "ZO054".to_owned(),
            Self::CallerManagedChain { .. } => "ZO055".to_owned(),
            Self::ActivityFailed { .. } => "ZO000".to_owned(),
        }
    }

    /// What kind of failure this is: the edges map it to an exit code or an
    /// HTTP status, never by comparing codes.
    pub fn kind(&self) -> ErrorKind {
        match self.root() {
            Self::Invalid(_)
            | Self::OtpFormat { .. }
            | Self::OtpMissing
            | Self::MalformedId(_)
            | Self::Invoice(_)
            | Self::BadIdempotencyKey => ErrorKind::Invalid,
            Self::UnknownDevice { .. }
            | Self::UnknownActivity { .. }
            | Self::UnknownInvoice { .. } => ErrorKind::NotFound,
            Self::NoProductionCsid { .. }
            | Self::IdempotencyKeyReused { .. }
            | Self::CallerManagedChain { .. } => ErrorKind::Conflict,
            Self::PcsidAlreadyGenerated { .. }
            | Self::PcsidNotGenerated { .. }
            | Self::WrongState { .. }
            | Self::Interrupted { .. } => ErrorKind::Conflict,
            Self::KeyLocked { .. } | Self::PassphraseMismatch { .. } => ErrorKind::Locked,
            Self::Preflight { .. } | Self::EnvironmentMismatch { .. } => ErrorKind::CheckFailed,
            Self::ComplianceFailed { .. } => ErrorKind::Refused,
            Self::Zatca(e)
                if e.nothing_happened() || matches!(e, FatooraError::Rejected { .. }) =>
            {
                ErrorKind::Refused
            }
            Self::Zatca(_) => ErrorKind::Unavailable,
            Self::Io { .. } => ErrorKind::Io,
            Self::StoreUnavailable { .. } => ErrorKind::StoreUnavailable,
            Self::Corrupt { .. } => ErrorKind::Corrupt,
            Self::Csr { .. } | Self::SampleDocuments { .. } | Self::ActivityFailed { .. } => {
                ErrorKind::Internal
            }
        }
    }

    /// Whether ZATCA may or may not have acted on the request that failed (no
    /// answer in time, a 5xx, an answer that could not be read): repeating a
    /// call that is not idempotent could then issue a second CSID, so check
    /// the device's state first.
    pub fn is_ambiguous(&self) -> bool {
        match self.root() {
            Self::Zatca(e) => !e.nothing_happened() && !matches!(e, FatooraError::Rejected { .. }),
            _ => false,
        }
    }

    /// `ZATCA` for what the authority answered, `LOCAL` otherwise.
    pub fn error_source(&self) -> ErrorSource {
        match self.root() {
            Self::Zatca(_) | Self::ComplianceFailed { .. } => ErrorSource::Zatca,
            _ => ErrorSource::Local,
        }
    }

    /// The answer's `ErrorList` entries: one per validation error or failed
    /// compliance message, otherwise one.
    pub fn entries(&self) -> Vec<ErrorEntry> {
        match self.root() {
            Self::Invalid(errors) => errors
                .errors()
                .iter()
                .map(|e| {
                    let entry = ErrorEntry::new(e.code.to_string(), &e.message, ErrorSource::Local);
                    if e.path.is_empty() {
                        entry
                    } else {
                        entry.at(&e.path)
                    }
                })
                .collect(),
            Self::ComplianceFailed { failed } => failed
                .iter()
                .flat_map(|f| {
                    let generic = (f.errors.is_empty()).then(|| {
                        ErrorEntry::new(
                            "ZO031",
                            format!(
                                "the {} document did not pass ZATCA's compliance check",
                                f.step
                            ),
                            ErrorSource::Zatca,
                        )
                        .at(f.step.name())
                    });
                    generic
                        .into_iter()
                        .chain(f.errors.iter().map(|(code, message)| {
                            ErrorEntry::new(code, message, ErrorSource::Zatca).at(f.step.name())
                        }))
                })
                .collect(),
            Self::PcsidAlreadyGenerated { device_id } => vec![
                ErrorEntry::seed(SeedCode::PcsidAlreadyGenerated).hint(format!(
                    "device {device_id} has its production CSID; renew it to replace it"
                )),
            ],
            Self::PcsidNotGenerated { device_id } => vec![
                ErrorEntry::seed(SeedCode::PcsidNotGenerated).hint(format!(
                    "device {device_id} has no production CSID yet; generate the CSID and PCSID first"
                )),
            ],
            other => {
                let entry = ErrorEntry::new(other.code(), other.to_string(), other.error_source());
                if other.is_ambiguous() {
                    vec![entry.hint(AMBIGUITY_HINT)]
                } else {
                    vec![entry]
                }
            }
        }
    }
}

/// What to do after a failure where ZATCA may have acted.
pub const AMBIGUITY_HINT: &str = "ZATCA may or may not have acted on the last request: look at the device (`zatca device show`) before trying again";

/// The kinds of failure, for the edges to map to exit codes and HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request or an argument is invalid (validation, OTP form, id form).
    Invalid,
    /// No such device or activity.
    NotFound,
    /// The operation does not fit the device's state (`6002`, `6003`).
    Conflict,
    /// The key passphrase is missing, wrong, or does not fit the store.
    Locked,
    /// A CSID ZATCA returned failed the pre-flight checks.
    CheckFailed,
    /// ZATCA refused (an error list, 401, 406, failed compliance documents).
    Refused,
    /// ZATCA did not answer usably; it may have acted (see [`OnboardingError::is_ambiguous`]).
    Unavailable,
    /// A store file could not be read or written.
    Io,
    /// The store's database cannot be reached; the call changed nothing and
    /// may be repeated once it is back.
    StoreUnavailable,
    /// A store file is damaged.
    Corrupt,
    /// Building a key, CSR or sample document failed.
    Internal,
}

/// ZATCA's code for a refusal: the canonical code string of its kind, else the
/// first code ZATCA gave, else a description of the transport failure.
fn zatca_code(e: &FatooraError) -> String {
    use zatca_fatoora::ErrorKind as K;
    let known = match e.kind() {
        K::InvalidOtp => Some(ZatcaCode::InvalidOtp.as_str()),
        K::MissingOtp => Some(ZatcaCode::MissingOtp.as_str()),
        K::InvalidCsr => Some(ZatcaCode::InvalidCsr.as_str()),
        K::MissingComplianceSteps(_) => Some(ZatcaCode::MissingComplianceSteps.as_str()),
        K::InvalidComplianceCsid => Some(ZatcaCode::InvalidCurrentCcsid.as_str()),
        K::TemplateDenied => Some("Denied-by-Policy-Module"),
        K::CertificatePermissions => Some(ZatcaCode::CertificatePermissions.as_str()),
        K::AlreadyIssued => Some(ZatcaCode::AlreadyIssued.as_str()),
        _ => None,
    };
    if let Some(code) = known {
        return code.to_owned();
    }
    match e {
        FatooraError::Rejected { status, errors } | FatooraError::Server { status, errors } => {
            errors
                .iter()
                .find_map(|z| z.code.clone().or_else(|| z.category.clone()))
                .unwrap_or_else(|| format!("HTTP-{status}"))
        }
        FatooraError::Unauthorized => "HTTP-401".to_owned(),
        FatooraError::VersionNotSupported => "HTTP-406".to_owned(),
        FatooraError::UnexpectedStatus { status } => format!("HTTP-{status}"),
        FatooraError::Timeout => "Timeout".to_owned(),
        FatooraError::Connection { .. } => "Connection".to_owned(),
        FatooraError::MalformedAnswer { .. } => "Malformed-Answer".to_owned(),
        _ => "ZATCA".to_owned(),
    }
}

impl fmt::Display for OnboardingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(errors) => write!(f, "{errors}"),
            Self::PcsidAlreadyGenerated { device_id } => write!(
                f,
                "{} (device {device_id}); renew it to replace it",
                SeedCode::PcsidAlreadyGenerated.message()
            ),
            Self::PcsidNotGenerated { device_id } => write!(
                f,
                "{} (device {device_id}); generate the CSID and PCSID first",
                SeedCode::PcsidNotGenerated.message()
            ),
            Self::OtpFormat { environment } => write!(
                f,
                "the OTP must be 6 digits in {}: generate one on the Fatoora portal of that environment (the value given is not shown)",
                environment.as_str()
            ),
            Self::OtpMissing => write!(
                f,
                "an OTP is needed: generate one on the Fatoora portal of the device's environment"
            ),
            Self::UnknownDevice { device_id } => {
                write!(
                    f,
                    "no device {device_id} in the store; `device list` shows the devices"
                )
            }
            Self::UnknownActivity { activity_id } => {
                write!(f, "no activity {activity_id} in the store")
            }
            Self::MalformedId(e) => write!(f, "{e}"),
            Self::WrongState {
                device_id,
                expected,
                found,
            } => write!(
                f,
                "device {device_id} is {found}; this needs it to be {expected}"
            ),
            Self::Preflight { kind, error } => write!(
                f,
                "the {} CSID ZATCA returned failed the pre-flight check and was not stored: {error}",
                kind.name()
            ),
            Self::EnvironmentMismatch {
                kind,
                expected,
                found,
            } => write!(
                f,
                "the {} CSID was issued by a {found} CA but the device is onboarded to {}: check the endpoint and the OTP's portal",
                kind.name(),
                expected.as_str()
            ),
            Self::Csr { reason } => write!(f, "could not build the key or CSR: {reason}"),
            Self::SampleDocuments { reason } => {
                write!(
                    f,
                    "could not make the compliance sample documents: {reason}"
                )
            }
            Self::ComplianceFailed { failed } => {
                write!(f, "compliance documents did not pass:")?;
                for step in failed {
                    write!(f, " {}", step.step)?;
                    if !step.errors.is_empty() {
                        let reasons: Vec<String> = step
                            .errors
                            .iter()
                            .map(|(c, m)| format!("{c}: {m}"))
                            .collect();
                        write!(f, " ({})", reasons.join("; "))?;
                    }
                    write!(f, ";")?;
                }
                Ok(())
            }
            Self::Zatca(e) => write!(f, "{e}"),
            Self::Io { path, reason } => write!(f, "{}: {reason}", path.display()),
            Self::StoreUnavailable { store, reason } => write!(
                f,
                "the database {store} cannot be reached ({reason}); nothing was changed: try again once it is back"
            ),
            Self::Corrupt { path, reason } => {
                write!(f, "{}: the store file is damaged: {reason}", path.display())
            }
            Self::KeyLocked { path, reason } => write!(
                f,
                "{}: {reason}; set ZATCA_KEY_PASSPHRASE to the passphrase the store's keys were written with",
                path.display()
            ),
            Self::Interrupted { step, reason } => {
                write!(f, "the activity was interrupted at {step}: {reason}")
            }
            Self::PassphraseMismatch { path, reason } => {
                write!(f, "{}: {reason}", path.display())
            }
            Self::ActivityFailed { activity_id, cause } => {
                write!(f, "activity {activity_id} failed: {cause}")
            }
            Self::Invoice(e) => write!(f, "the document cannot be signed: {e}"),
            Self::NoProductionCsid { device_id } => write!(
                f,
                "device {device_id} has no production CSID to sign with: generate its PCSID first"
            ),
            Self::IdempotencyKeyReused { device_id, icv } => write!(
                f,
                "the idempotency key was used for another document of device {device_id} (ICV {icv}); use a new key for a new document"
            ),
            Self::UnknownInvoice { device_id, icv } => {
                write!(
                    f,
                    "device {device_id} has no signed document with ICV {icv}"
                )
            }
            Self::BadIdempotencyKey => write!(
                f,
                "the idempotency key must be 1 to 255 visible ASCII characters"
            ),
            Self::CallerManagedChain { device_id, format } => write!(
                f,
                "device {device_id} was registered with invoice format {format}: its caller manages the invoice counter and hash and signs its own documents; only devices of format Model sign here"
            ),
        }
    }
}

impl std::error::Error for OnboardingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Zatca(e) => Some(e),
            Self::Preflight { error, .. } => Some(error),
            Self::MalformedId(e) => Some(e),
            Self::Invoice(e) => Some(e),
            Self::ActivityFailed { cause, .. } => Some(cause.as_ref()),
            _ => None,
        }
    }
}

impl From<ValidationErrors> for OnboardingError {
    fn from(e: ValidationErrors) -> Self {
        Self::Invalid(e)
    }
}

impl From<zatca_ubl::UblError> for OnboardingError {
    fn from(e: zatca_ubl::UblError) -> Self {
        Self::Invoice(e)
    }
}

impl From<IdError> for OnboardingError {
    fn from(e: IdError) -> Self {
        Self::MalformedId(e)
    }
}

impl From<FatooraError> for OnboardingError {
    fn from(e: FatooraError) -> Self {
        Self::Zatca(e)
    }
}

impl From<zatca_csr::CsrError> for OnboardingError {
    fn from(e: zatca_csr::CsrError) -> Self {
        Self::Csr {
            reason: e.to_string(),
        }
    }
}

impl From<zatca_fs::FsError> for OnboardingError {
    fn from(e: zatca_fs::FsError) -> Self {
        Self::Io {
            path: e.path().to_path_buf(),
            reason: e.problem(),
        }
    }
}

impl From<zatca_keys::KeyError> for OnboardingError {
    fn from(e: zatca_keys::KeyError) -> Self {
        match e {
            zatca_keys::KeyError::Io { path, reason } => Self::Io { path, reason },
            zatca_keys::KeyError::FileExists { path } => Self::Io {
                path,
                reason: "exists already".to_owned(),
            },
            other => Self::Csr {
                reason: other.to_string(),
            },
        }
    }
}
