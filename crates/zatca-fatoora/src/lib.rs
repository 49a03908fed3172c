//! The Fatoora onboarding API as a Rust contract: the thin, replaceable layer
//! between the device lifecycle and ZATCA.
//!
//! [`Fatoora`] has one method per onboarding endpoint of
//! `shared/spec/zatca-formats.md` §2.2:
//!
//! | method | endpoint | auth | body |
//! |---|---|---|---|
//! | [`Fatoora::compliance_csid`] | `POST /compliance` | none, `OTP` header | `{"csr": base64 of PEM}` |
//! | [`Fatoora::compliance_invoice`] | `POST /compliance/invoices` | Basic compliance CSID | `{"invoiceHash","uuid","invoice"}` |
//! | [`Fatoora::production_csid`] | `POST /production/csids` | Basic compliance CSID | `{"compliance_request_id"}` |
//! | [`Fatoora::renew_production_csid`] | `PATCH /production/csids` | Basic current production CSID, `OTP` header | `{"csr"}` |
//!
//! Implementations: the offline simulator (`zatca-simulator`) and the HTTP
//! client. The wire bodies ([`CsrSubmission`], [`InvoiceSubmission`],
//! [`ComplianceReport`], [`ProductionCsidRequest`]) serialize to exactly the JSON
//! field names ZATCA uses, including its misspelt `qrSellertStatus`.
//!
//! Errors ([`FatooraError`]) keep what ZATCA said ([`zatca_cert::ZatcaErrors`]) and
//! classify it ([`ErrorKind`]) so the lifecycle can give actionable messages:
//! an invalid OTP is not reported for a 400 that is really a bad CSR.
//!
//! Why each dependency: `zatca-cert` parses CSID answers and error bodies;
//! `zatca-profile` holds the OTP type; `zatca-types` the compliance steps and ZATCA's error codes; `serde`/`serde_json` write and read the bodies.
#![forbid(unsafe_code)]
// No panic reachable from outside input (issue 5): these are denied outside tests;
// any exception carries an `#[allow]` with its justification.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod error;
mod wire;

pub use error::{ErrorKind, FatooraError};
pub use zatca_types::ComplianceStep;
pub use wire::{
    ComplianceReport, CsrSubmission, InvoiceSubmission, ProductionCsidRequest, ValidationMessage,
    ValidationResults,
};
pub use zatca_cert::{Csid, CsidResponse, ZatcaError, ZatcaErrors};
pub use zatca_profile::Otp;

/// What a renewal (`PATCH /production/csids`) answered.
#[derive(Debug)]
pub enum Renewal {
    /// HTTP 200: the new production CSID.
    Issued(CsidResponse),
    /// HTTP 428 (`NOT_COMPLIANT`): a compliance-grade CSID for the new key; the
    /// compliance checks must be passed with it before `POST /production/csids`
    /// issues the production CSID (§2.5).
    ComplianceRequired(CsidResponse),
}

/// The four onboarding calls of ZATCA's Fatoora API.
///
/// Methods take `&self` so one client serves many devices; implementations
/// must never log or echo an OTP or a secret.
pub trait Fatoora {
    /// `POST /compliance`: a compliance CSID for a CSR, authorised by an OTP.
    fn compliance_csid(&self, otp: &Otp, csr: &CsrSubmission)
    -> Result<CsidResponse, FatooraError>;

    /// `POST /compliance/invoices`: checks one signed sample document.
    fn compliance_invoice(
        &self,
        compliance_csid: &Csid,
        document: &InvoiceSubmission,
    ) -> Result<ComplianceReport, FatooraError>;

    /// `POST /production/csids`: the production CSID, once every required
    /// compliance document has passed.
    fn production_csid(
        &self,
        compliance_csid: &Csid,
        request: &ProductionCsidRequest,
    ) -> Result<CsidResponse, FatooraError>;

    /// `PATCH /production/csids`: renews a production CSID for a new CSR.
    fn renew_production_csid(
        &self,
        production_csid: &Csid,
        otp: &Otp,
        csr: &CsrSubmission,
    ) -> Result<Renewal, FatooraError>;
}

impl<T: Fatoora + ?Sized> Fatoora for &T {
    fn compliance_csid(
        &self,
        otp: &Otp,
        csr: &CsrSubmission,
    ) -> Result<CsidResponse, FatooraError> {
        (**self).compliance_csid(otp, csr)
    }
    fn compliance_invoice(
        &self,
        c: &Csid,
        d: &InvoiceSubmission,
    ) -> Result<ComplianceReport, FatooraError> {
        (**self).compliance_invoice(c, d)
    }
    fn production_csid(
        &self,
        c: &Csid,
        r: &ProductionCsidRequest,
    ) -> Result<CsidResponse, FatooraError> {
        (**self).production_csid(c, r)
    }
    fn renew_production_csid(
        &self,
        p: &Csid,
        otp: &Otp,
        csr: &CsrSubmission,
    ) -> Result<Renewal, FatooraError> {
        (**self).renew_production_csid(p, otp, csr)
    }
}
