//! The records the store keeps and the answers the operations give, with the
//! PascalCase JSON keys of ClearTax's seed APIs (`Status`, `DeviceId`,
//! `PcsidGenerationActivityId`, `ErrorList`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zatca_profile::Environment;

use crate::error::{ErrorEntry, OnboardingError};

/// A UUID-formatted id (`xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx`, lower-case hex)
/// derived from SHA-256 of its inputs: the same inputs always give the same id,
/// so two processes registering one device agree on it. Version nibble 8
/// (RFC 9562 "custom") and the RFC variant bits are set.
fn derived_uuid(domain: &str, parts: &[&str]) -> String {
    let mut input = Vec::new();
    input.extend_from_slice(domain.as_bytes());
    for p in parts {
        input.push(0);
        input.extend_from_slice(p.as_bytes());
    }
    zatca_keys::uuid_from_seed(&input)
}

fn is_uuid_form(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = OnboardingError;
            /// Parses an id; upper-case hex is accepted and lowered.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let lower = s.trim().to_ascii_lowercase();
                if is_uuid_form(&lower) {
                    Ok(Self(lower))
                } else {
                    Err(OnboardingError::MalformedId {
                        what: $what,
                        found: s.chars().take(64).collect(),
                    })
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A device's id: derived from (environment, VAT, EGS serial), which is the
/// device's identity.
///
/// ```
/// use zatca_onboarding::DeviceId;
/// use zatca_profile::Environment;
/// let a = DeviceId::derive(Environment::Simulation, "399999999900003", "1-TST|2-TST|3-1");
/// let b = DeviceId::derive(Environment::Simulation, "399999999900003", "1-TST|2-TST|3-1");
/// let c = DeviceId::derive(Environment::Production, "399999999900003", "1-TST|2-TST|3-1");
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// assert_eq!(a.as_str().parse::<DeviceId>()?, a);
/// # Ok::<(), zatca_onboarding::OnboardingError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(String);

impl DeviceId {
    /// The id of the device (environment, VAT, EGS serial):
    /// SHA-256 of `"zatca-device" 0 env 0 vat 0 serial` in UUID form.
    pub fn derive(environment: Environment, vat: &str, egs_serial: &str) -> Self {
        Self(derived_uuid(
            "zatca-device",
            &[environment.as_str(), vat, egs_serial],
        ))
    }
}

id_type!(DeviceId, "device");

/// An activity's id: derived from the device id and the activity's sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActivityId(String);

impl ActivityId {
    /// The id of the `sequence`-th activity of `device`.
    pub fn derive(device: &DeviceId, sequence: u64) -> Self {
        Self(derived_uuid(
            "zatca-activity",
            &[device.as_str(), &sequence.to_string()],
        ))
    }
}

id_type!(ActivityId, "activity");

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

pub(crate) mod env_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use zatca_profile::Environment;

    pub(crate) fn serialize<S: Serializer>(e: &Environment, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(e.as_str())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Environment, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
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
    /// ZATCA's step name.
    pub step: String,
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
    /// The device's id.
    pub device_id: DeviceId,
    /// The environment (part of the identity; credentials never cross it).
    #[serde(with = "env_serde")]
    pub environment: Environment,
    /// VAT number.
    pub vat: String,
    /// EGS serial.
    pub egs_serial: String,
    /// Subject CN.
    pub common_name: String,
    /// TSXY.
    pub invoice_types: String,
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
    /// How many activities the device has had (activity ids derive from it).
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
    pub steps: Vec<String>,
    /// The step that failed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<String>,
    /// The compliance documents' results.
    #[serde(default)]
    pub compliance_results: Vec<StepResult>,
    /// Errors of the failed step.
    #[serde(default)]
    pub error_list: Vec<ErrorEntry>,
    /// When it started.
    pub started_at: u64,
    /// When it last changed.
    pub updated_at: u64,
}

/// `GENERATED` or `FAILED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AnswerStatus {
    /// The device (and, if asked, its CSIDs) exist.
    Generated,
    /// Nothing usable was produced; `ErrorList` says why.
    Failed,
}

/// The answer of "register device":
/// `{Status, DeviceId, PcsidGenerationActivityId?, ErrorList}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterAnswer {
    /// `GENERATED` or `FAILED`.
    pub status: AnswerStatus,
    /// The device's id (also when the CSID generation that followed failed).
    #[serde(default)]
    pub device_id: Option<DeviceId>,
    /// The CSID/PCSID activity, when an OTP was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcsid_generation_activity_id: Option<ActivityId>,
    /// Errors, and warnings such as `6002` for an existing device.
    pub error_list: Vec<ErrorEntry>,
}

/// The answer of "generate CSID and PCSID" and "renew PCSID":
/// `{Status, DeviceId, PcsidGenerationActivityId?, ErrorList}` with the
/// activity's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActivityAnswer {
    /// The activity's status, or `FAILED` when it could not start.
    pub status: ActivityStatus,
    /// The device.
    #[serde(default)]
    pub device_id: Option<DeviceId>,
    /// The activity, when it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcsid_generation_activity_id: Option<ActivityId>,
    /// Errors.
    pub error_list: Vec<ErrorEntry>,
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
