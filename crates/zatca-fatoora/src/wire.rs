//! Request and response bodies, with ZATCA's exact JSON field names, which are
//! case-sensitive (ZATCA's Integration Sandbox Swagger).

use serde::{Deserialize, Serialize};

use crate::FatooraError;

/// `{"csr": "<base64 of the PEM text>"}` (not the raw PEM): the body of `POST /compliance`
/// and `PATCH /production/csids`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsrSubmission {
    /// Base64 of the CSR's PEM text.
    pub csr: String,
}

/// `{"compliance_request_id": "…"}`: the body of `POST /production/csids`
/// (snake_case, unlike every other field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionCsidRequest {
    /// The `requestID` of the compliance CSID.
    pub compliance_request_id: String,
}

/// `{"invoiceHash", "uuid", "invoice"}`: one signed document for
/// `POST /compliance/invoices` (and the reporting/clearance calls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceSubmission {
    /// Base64 of the raw 32-byte SHA-256 invoice hash.
    pub invoice_hash: String,
    /// The document's `cbc:UUID`.
    pub uuid: String,
    /// Base64 of the signed XML bytes.
    pub invoice: String,
}

/// One message of a compliance check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ValidationMessage {
    /// `INFO`, `WARNING` or `ERROR`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// ZATCA's rule code, e.g. `invalid-invoice-hash`, `BR-KSA-01`.
    #[serde(default)]
    pub code: Option<String>,
    /// The category, e.g. `SIGNATURE_ERRORS`.
    #[serde(default)]
    pub category: Option<String>,
    /// The message text.
    #[serde(default)]
    pub message: Option<String>,
    /// `PASS`, `WARNING` or `ERROR`.
    #[serde(default)]
    pub status: Option<String>,
}

/// The `validationResults` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ValidationResults {
    /// Informational messages.
    #[serde(default)]
    pub info_messages: Vec<ValidationMessage>,
    /// Warnings: the document passes with them.
    #[serde(default)]
    pub warning_messages: Vec<ValidationMessage>,
    /// Errors: the document failed.
    #[serde(default)]
    pub error_messages: Vec<ValidationMessage>,
    /// `PASS`, `WARNING` or `ERROR`.
    pub status: String,
}

/// The answer of `POST /compliance/invoices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceReport {
    /// The validation results.
    #[serde(rename = "validationResults")]
    pub validation_results: ValidationResults,
    /// `REPORTED` for a simplified document that passed, else `null`.
    #[serde(rename = "reportingStatus")]
    pub reporting_status: Option<String>,
    /// `CLEARED` for a standard document that passed, else `null`.
    #[serde(rename = "clearanceStatus")]
    pub clearance_status: Option<String>,
    /// ZATCA's own (misspelt) key, kept as sent.
    #[serde(rename = "qrSellertStatus", default)]
    pub qr_seller_status: Option<String>,
    /// ZATCA's own (misspelt) key, kept as sent.
    #[serde(rename = "qrBuyertStatus", default)]
    pub qr_buyer_status: Option<String>,
}

impl ComplianceReport {
    /// Whether the document passed (`PASS`, or `WARNING` with no error).
    pub fn passed(&self) -> bool {
        self.validation_results.error_messages.is_empty()
            && matches!(self.validation_results.status.as_str(), "PASS" | "WARNING")
    }

    /// Reads a report from a response body.
    pub fn from_json(body: &[u8]) -> Result<Self, FatooraError> {
        serde_json::from_slice(body).map_err(|e| FatooraError::MalformedAnswer {
            reason: format!("compliance report: {e}"),
        })
    }
}
