//! The seed APIs' answers, made from the lifecycle's domain results: one
//! module that every edge (the CLI's `--json`, the HTTP service) renders, so
//! both serve the same bytes.
//!
//! | seed call | answer | `Status` |
//! |---|---|---|
//! | register-device | [`RegisterAnswer`] `{Status, DeviceId, PcsidGenerationActivityId?, ErrorList}` | `GENERATED` (also for the idempotent repeat, with warning `6002`) or `FAILED` with `DeviceId: null` |
//! | generate-csid | [`CsidAnswer`] `{Status, DeviceId, PcsidGenerationActivityId?, ErrorList}` | `GENERATED` or `FAILED` |
//! | renew-pcsid | [`CsidAnswer`] | `GENERATED` or `FAILED` |
//! | pcsid-status | [`PcsidStatusAnswer`] `{ActivityType, Status, CreatedAt, UpdatedAt, CompletedAt, RequestMetaInfo, ResponseInfo, ErrorList}` | `IN_PROGRESS`, `SUCCEEDED` or `FAILED` |
//!
//! `SUCCEEDED` belongs to the activity only: the POSTs never answer it.
//!
//! The other provider's synchronous register call answers [`DeviceAnswer`],
//! camelCase as its page has it: `{deviceId, csid, CSR, privateKey?,
//! secret?, invoiceType, status, errorList}`, `status` `Success` or `Failed`
//! (see [`crate::custody`] for when the key and secret appear). The invoice
//! routes answer [`InvoiceAnswer`] `{icv, pih, invoiceHash, uuid, qr,
//! signedInvoice}`.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::custody::Onboarded;
use crate::error::{ErrorEntry, OnboardingError};
use crate::invoices::InvoiceRecord;
use crate::lifecycle::Registered;
use crate::model::{Activity, ActivityId, ActivityStatus, ActivityStep, DeviceId};
use zatca_types::{SeedCode, UnixTime};

/// `GENERATED` or `FAILED`: the status of the three POST calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AnswerStatus {
    /// The device (and, if asked, its CSIDs) exist.
    Generated,
    /// Nothing usable was produced; `ErrorList` says why.
    Failed,
}

/// The answer of register-device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterAnswer {
    /// `GENERATED` or `FAILED`.
    pub status: AnswerStatus,
    /// The device's id; `null` when the registration itself failed.
    pub device_id: Option<DeviceId>,
    /// The CSID/PCSID activity, when an OTP was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcsid_generation_activity_id: Option<ActivityId>,
    /// Errors, and warnings such as `6002` for an existing device.
    pub error_list: Vec<ErrorEntry>,
}

impl RegisterAnswer {
    /// The answer for a register call's result.
    pub fn from_result(result: &Result<Registered, OnboardingError>) -> Self {
        match result {
            Err(e) => Self {
                status: AnswerStatus::Failed,
                device_id: None,
                pcsid_generation_activity_id: e.activity_id().cloned(),
                error_list: e.entries(),
            },
            Ok(r) => {
                let mut error_list = Vec::new();
                if r.registration.existing {
                    error_list.push(ErrorEntry::seed(SeedCode::DeviceExists));
                }
                // The idempotent repeat answers as the seed's sample does: no
                // activity id when this call started none.
                let (status, activity_id) = match &r.pcsid {
                    None => (AnswerStatus::Generated, None),
                    Some(Ok(activity)) => {
                        (AnswerStatus::Generated, Some(activity.activity_id.clone()))
                    }
                    Some(Err(e)) => {
                        error_list.extend(e.entries());
                        (AnswerStatus::Failed, e.activity_id().cloned())
                    }
                };
                Self {
                    status,
                    device_id: Some(r.registration.device_id.clone()),
                    pcsid_generation_activity_id: activity_id,
                    error_list,
                }
            }
        }
    }
}

/// The answer of generate-csid and renew-pcsid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CsidAnswer {
    /// `GENERATED` or `FAILED`.
    pub status: AnswerStatus,
    /// The device asked for.
    pub device_id: Option<DeviceId>,
    /// The activity, once it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcsid_generation_activity_id: Option<ActivityId>,
    /// Errors; empty on success.
    pub error_list: Vec<ErrorEntry>,
}

impl CsidAnswer {
    /// The answer for a generate or renew call's result.
    pub fn from_result(device_id: &DeviceId, result: &Result<Activity, OnboardingError>) -> Self {
        match result {
            Ok(activity) => Self {
                status: match activity.status {
                    ActivityStatus::Failed => AnswerStatus::Failed,
                    ActivityStatus::InProgress | ActivityStatus::Succeeded => {
                        AnswerStatus::Generated
                    }
                },
                device_id: Some(device_id.clone()),
                pcsid_generation_activity_id: Some(activity.activity_id.clone()),
                error_list: activity.error_list.clone(),
            },
            Err(e) => Self::failed(Some(device_id), e),
        }
    }

    /// A `FAILED` answer for an error that came before any activity could
    /// start (or the activity's failure), for `device_id` when known.
    pub fn failed(device_id: Option<&DeviceId>, e: &OnboardingError) -> Self {
        Self {
            status: AnswerStatus::Failed,
            device_id: device_id.cloned(),
            pcsid_generation_activity_id: e.activity_id().cloned(),
            error_list: e.entries(),
        }
    }
}

/// The counts of an activity's compliance checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestMetaInfo {
    /// How many compliance checks the activity runs (6 for TSXY `1100`).
    pub total_count: u32,
    /// How many passed (filled when the activity completes).
    pub success_count: u32,
    /// How many failed (filled when the activity completes).
    pub failure_count: u32,
}

/// The answer of pcsid-status ("Get PCSID Generation Status").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PcsidStatusAnswer {
    /// Always `ZATCA_COMPLIANCE_INVOICE`.
    pub activity_type: String,
    /// `IN_PROGRESS`, `SUCCEEDED` or `FAILED`.
    pub status: ActivityStatus,
    /// When the activity started (RFC 3339 UTC).
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When it completed; `null` while in progress.
    pub completed_at: Option<String>,
    /// The compliance-check counts.
    pub request_meta_info: RequestMetaInfo,
    /// The device and the steps done (an object, as the seed has it).
    pub response_info: ResponseInfo,
    /// The failure's errors; empty otherwise.
    pub error_list: Vec<ErrorEntry>,
}

/// What `ResponseInfo` of a pcsid-status answer holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseInfo {
    /// The device.
    pub device_id: DeviceId,
    /// The steps done so far.
    pub steps: Vec<ActivityStep>,
    /// The step that failed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<ActivityStep>,
}

/// The activity type of every PCSID activity.
pub const ACTIVITY_TYPE: &str = "ZATCA_COMPLIANCE_INVOICE";

impl PcsidStatusAnswer {
    /// The status answer of `activity`.
    pub fn of(activity: &Activity) -> Self {
        let time = |secs: u64| UnixTime::from_secs(secs).to_string();
        let done = activity.status != ActivityStatus::InProgress;
        let passed = activity
            .compliance_results
            .iter()
            .filter(|r| r.passed)
            .count();
        let failed = activity.compliance_results.len() - passed;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            activity_type: ACTIVITY_TYPE.to_owned(),
            status: activity.status,
            created_at: time(activity.started_at),
            updated_at: time(activity.updated_at),
            completed_at: done.then(|| time(activity.completed_at.unwrap_or(activity.updated_at))),
            request_meta_info: RequestMetaInfo {
                total_count: activity.total_checks,
                success_count: if done { count(passed) } else { 0 },
                failure_count: if done { count(failed) } else { 0 },
            },
            response_info: ResponseInfo {
                device_id: activity.device_id.clone(),
                steps: activity.steps.clone(),
                failed_step: activity.failed_step,
            },
            error_list: activity.error_list.clone(),
        }
    }
}

/// `Success` or `Failed`: the status of the other provider's register call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceAnswerStatus {
    /// The device has its production CSID; the answer carries it.
    Success,
    /// No production CSID was produced; `errorList` says why.
    Failed,
}

/// The answer of the other provider's register call (`POST /devices`).
/// The key and the secret are zeroized on drop and never in `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAnswer {
    /// The device; `null` when the registration itself failed.
    pub device_id: Option<DeviceId>,
    /// The production CSID (ZATCA's `binarySecurityToken`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csid: Option<String>,
    /// The CSR (base64 of its PEM).
    #[serde(rename = "CSR", skip_serializing_if = "Option::is_none")]
    pub csr: Option<String>,
    /// The private key (SEC 1 PEM): `Xml`/`Pdf` devices, once.
    #[serde(serialize_with = "expose", skip_serializing_if = "Option::is_none")]
    pub private_key: Option<Zeroizing<String>>,
    /// The production CSID's secret: `Xml`/`Pdf` devices, once.
    #[serde(serialize_with = "expose", skip_serializing_if = "Option::is_none")]
    pub secret: Option<Zeroizing<String>>,
    /// `Simplified`, `Standard` or `Both` (`InvoiceTypes::name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_type: Option<&'static str>,
    /// `Success` or `Failed`.
    pub status: DeviceAnswerStatus,
    /// Errors, and the warning `6002` for a device onboarded before.
    pub error_list: Vec<ErrorEntry>,
}

/// Writes a secret the contract requires in the answer.
fn expose<S: Serializer>(value: &Option<Zeroizing<String>>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(secret) => s.serialize_str(secret),
        None => s.serialize_none(),
    }
}

impl fmt::Debug for DeviceAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAnswer")
            .field("device_id", &self.device_id)
            .field("status", &self.status)
            .field("invoice_type", &self.invoice_type)
            .field("error_list", &self.error_list)
            .finish_non_exhaustive()
    }
}

impl DeviceAnswer {
    /// The answer for an onboarded device.
    pub fn of(onboarded: Onboarded) -> Self {
        let (private_key, secret) = match onboarded.handed_over {
            Some(h) => (Some(h.private_key_pem), Some(h.secret)),
            None => (None, None),
        };
        let error_list = if onboarded.existing {
            vec![ErrorEntry::seed(SeedCode::DeviceExists)]
        } else {
            Vec::new()
        };
        Self {
            device_id: Some(onboarded.device_id),
            csid: Some(onboarded.csid),
            csr: Some(onboarded.csr_base64),
            private_key,
            secret,
            invoice_type: onboarded.invoice_types.name(),
            status: DeviceAnswerStatus::Success,
            error_list,
        }
    }

    /// A `Failed` answer with `entries`, for `device_id` when it is known.
    pub fn failed(device_id: Option<&DeviceId>, entries: Vec<ErrorEntry>) -> Self {
        Self {
            device_id: device_id.cloned(),
            csid: None,
            csr: None,
            private_key: None,
            secret: None,
            invoice_type: None,
            status: DeviceAnswerStatus::Failed,
            error_list: entries,
        }
    }
}

/// A signed document of a device's chain, as the invoice routes answer it:
/// `{icv, pih, invoiceHash, uuid, qr, signedInvoice}`, the signed XML in
/// base64 (standard base64 with padding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceAnswer {
    /// Its invoice counter value.
    pub icv: u64,
    /// The previous invoice hash it carries (base64).
    pub pih: String,
    /// Its invoice hash (base64): the next document's PIH.
    pub invoice_hash: String,
    /// Its `cbc:UUID`.
    pub uuid: String,
    /// Its QR code (base64 of the TLV).
    pub qr: String,
    /// The signed document, base64 of its UTF-8 XML.
    pub signed_invoice: String,
}

impl InvoiceAnswer {
    /// The answer for a committed document.
    pub fn of(invoice: &InvoiceRecord) -> Self {
        use base64::Engine as _;
        Self {
            icv: invoice.icv,
            pih: invoice.pih.clone(),
            invoice_hash: invoice.invoice_hash.clone(),
            uuid: invoice.uuid.clone(),
            qr: invoice.qr.clone(),
            signed_invoice: base64::engine::general_purpose::STANDARD
                .encode(invoice.signed_invoice.as_bytes()),
        }
    }
}
