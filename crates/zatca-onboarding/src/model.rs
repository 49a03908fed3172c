//! The records the store keeps and the answers the operations give, with the
//! PascalCase JSON keys of ClearTax's seed APIs (`Status`, `DeviceId`,
//! `PcsidGenerationActivityId`, `ErrorList`).

use serde::{Deserialize, Serialize};
use zatca_profile::{EgsSerial, Environment, InvoiceFormat, InvoiceTypes, Vat};
use zatca_types::ComplianceStep;

use crate::error::ErrorEntry;

pub use zatca_types::{ActivityId, DeviceId};

/// The version of the store files' layout this release writes (`SchemaVersion`).
/// Files without it were written by releases before versioning (version 0) and load as they are.
pub const SCHEMA_VERSION: u32 = 1;

/// Where a device is in its lifecycle:
/// registered → compliance CSID → compliance checked → production (→ renewing → production).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceState {
    /// Device ID, key and CSR exist.
    Registered,
    /// A compliance CSID was issued and passed pre-flight.
    ComplianceCsid,
    /// Every required compliance document passed.
    ComplianceChecked,
    /// A production CSID was issued and passed pre-flight.
    Production,
    /// A renewal is under way; the current production CSID is still the working one.
    Renewing,
}

impl DeviceState {
    /// The state's JSON name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Registered => "REGISTERED",
            Self::ComplianceCsid => "COMPLIANCE_CSID",
            Self::ComplianceChecked => "COMPLIANCE_CHECKED",
            Self::Production => "PRODUCTION",
            Self::Renewing => "RENEWING",
        }
    }
}

/// The files of one key generation; generation 1 is the registration's,
/// each renewal adds one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Generation {
    /// The generation number.
    pub number: u32,
    /// Whether `compliance-<n>.json` (a compliance CSID) is stored.
    pub compliance_csid: bool,
    /// Whether `production-<n>.json` (a production CSID) is stored.
    pub production_csid: bool,
}

/// The outcome of one compliance document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepResult {
    /// The compliance step (ZATCA's step name).
    pub step: ComplianceStep,
    /// The document's UUID.
    pub uuid: String,
    /// `PASS`, `WARNING` or `ERROR` (ZATCA's `validationResults.status`).
    pub status: String,
    /// Whether it counts as passed.
    pub passed: bool,
    /// ZATCA's error and warning messages, as `code: message`.
    #[serde(default)]
    pub messages: Vec<String>,
}

/// The invoice chain state (ICV of the last invoice, PIH for the next one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainState {
    /// The last invoice counter value used (0: none yet).
    pub last_icv: u64,
    /// The previous invoice hash for the next invoice (base64).
    pub pih: String,
}

impl Default for ChainState {
    fn default() -> Self {
        Self {
            last_icv: 0,
            pih: zatca_sign::FIRST_PIH.to_owned(),
        }
    }
}

/// `device.json`: a device's state. It holds no secret and is written last in
/// every operation (the commit point): it points at the current generation's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceRecord {
    /// The layout version of this file ([`SCHEMA_VERSION`]; 0 when absent).
    #[serde(default, rename = "SchemaVersion")]
    pub schema_version: u32,
    /// The device's id.
    pub device_id: DeviceId,
    /// The environment (part of the identity; credentials never cross it).
    pub environment: Environment,
    /// VAT number.
    pub vat: Vat,
    /// EGS serial.
    pub egs_serial: EgsSerial,
    /// Subject CN (shown, never parsed again).
    pub common_name: String,
    /// TSXY.
    pub invoice_types: InvoiceTypes,
    /// Who keeps the key and manages the invoice chain, when the request said
    /// (`InvoiceFormat`): `Xml`/`Pdf` the caller, `Model` this store. `None`
    /// (a request without it) signs here like `Model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_format: Option<InvoiceFormat>,
    /// Lifecycle state.
    pub state: DeviceState,
    /// The current generation (key, CSR, CSIDs in use).
    pub current: Generation,
    /// A renewal's generation, while one is under way or after one failed.
    #[serde(default)]
    pub pending: Option<Generation>,
    /// Invoice chain state.
    #[serde(default)]
    pub chain: ChainState,
    /// How many activities the device has had.
    #[serde(default)]
    pub activities: u64,
    /// The last activity's id.
    #[serde(default)]
    pub last_activity_id: Option<ActivityId>,
    /// When the device was registered.
    pub registered_at: u64,
}

/// What an activity does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityKind {
    /// Compliance CSID, compliance checks, production CSID.
    GeneratePcsid,
    /// Renewal of the production CSID.
    RenewPcsid,
}

/// One step of an activity, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityStep {
    /// `POST /compliance` with the OTP: the compliance CSID.
    ComplianceCsid,
    /// The compliance documents, one `POST /compliance/invoices` each.
    ComplianceChecks,
    /// `POST /production/csids`: the production CSID.
    ProductionCsid,
    /// A renewal's new key and CSR.
    RenewalCsr,
    /// `PATCH /production/csids` with the renewal OTP.
    RenewPcsid,
}

impl ActivityStep {
    /// The step's name, as it is written in the activity file.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ComplianceCsid => "COMPLIANCE_CSID",
            Self::ComplianceChecks => "COMPLIANCE_CHECKS",
            Self::ProductionCsid => "PRODUCTION_CSID",
            Self::RenewalCsr => "RENEWAL_CSR",
            Self::RenewPcsid => "RENEW_PCSID",
        }
    }
}

impl std::fmt::Display for ActivityStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `IN_PROGRESS`, `SUCCEEDED` or `FAILED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityStatus {
    /// Running, or interrupted (a crash leaves it so; the device state is intact).
    InProgress,
    /// Done.
    Succeeded,
    /// A step failed; `ErrorList` says which and why.
    Failed,
}

/// `activities/<id>.json`: one PCSID generation or renewal, with its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Activity {
    /// The layout version of this file ([`SCHEMA_VERSION`]; 0 when absent).
    #[serde(default, rename = "SchemaVersion")]
    pub schema_version: u32,
    /// The activity's id.
    pub activity_id: ActivityId,
    /// The device.
    pub device_id: DeviceId,
    /// What it does.
    pub kind: ActivityKind,
    /// Where it is.
    pub status: ActivityStatus,
    /// The steps done so far, e.g. `COMPLIANCE_CSID`, `COMPLIANCE_CHECKS`, `PRODUCTION_CSID`.
    #[serde(default)]
    pub steps: Vec<ActivityStep>,
    /// The step that failed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<ActivityStep>,
    /// The steps whose results are committed: an interrupted activity resumes after them.
    #[serde(default)]
    pub done: Vec<ActivityStep>,
    /// The production CSID request was about to be sent: if the activity is
    /// interrupted after this, ZATCA may have issued a CSID whose answer was
    /// lost, and the request is never sent again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub production_requested: bool,
    /// The compliance documents' results.
    #[serde(default)]
    pub compliance_results: Vec<StepResult>,
    /// Errors of the failed step.
    #[serde(default)]
    pub error_list: Vec<ErrorEntry>,
    /// How many compliance checks the activity runs (6 for TSXY `1100`; 0 in files of earlier releases).
    #[serde(default)]
    pub total_checks: u32,
    /// When it started.
    pub started_at: u64,
    /// When it last changed.
    pub updated_at: u64,
    /// When it reached `SUCCEEDED` or `FAILED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<u64>,
}

/// A device's production CSID expiry and renewal window, at a given time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RenewalPlan {
    /// The production certificate's notAfter (RFC 3339 UTC).
    pub expires_at: String,
    /// Whole days from the given time to expiry (negative once expired).
    pub days_left: i64,
    /// Whether the given time is inside the renewal window before expiry.
    pub in_renewal_window: bool,
    /// Whether the certificate has expired.
    pub expired: bool,
    /// The window's length in days.
    pub window_days: u32,
}

/// What `show` prints about one CSID (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CsidSummary {
    /// ZATCA's request id.
    pub request_id: Option<String>,
    /// Issuer (ZATCA form).
    pub issuer: String,
    /// Serial number, decimal.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
}

/// A device as `show` and `list` print it: state, files and dates, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceView {
    /// The device's record.
    #[serde(flatten)]
    pub record: DeviceRecord,
    /// The current compliance CSID, if stored.
    pub compliance_csid: Option<CsidSummary>,
    /// The current production CSID, if stored.
    pub production_csid: Option<CsidSummary>,
    /// Compliance results of the current generation.
    pub compliance_results: Vec<StepResult>,
    /// Renewal planning, once a production CSID exists.
    pub renewal: Option<RenewalPlan>,
}
