//! The Fatoora onboarding API as a Rust contract: the thin, replaceable layer
//! between the device lifecycle and ZATCA. This crate is the one home of that
//! contract: the trait, the request and answer bodies, the CSID, ZATCA's error
//! bodies, the typed errors and the route table.
//!
//! [`Fatoora`] has one method per onboarding endpoint of ZATCA's Fatoora API
//! (as its Integration Sandbox Swagger documents them):
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
//! The answers: [`Csid`] holds token, certificate, request id and a zeroized
//! secret, and builds the Basic `Authorization` header (the username is the
//! `binarySecurityToken` string as received, not the decoded certificate);
//! [`Csid::from_response_json`] reads the CSID answers into a
//! [`CsidResponse`]; [`ZatcaErrors`] reads ZATCA's error bodies. Their shapes
//! (ZATCA's Integration Sandbox Swagger and its examples in `testdata/api/`):
//!
//! - `POST /compliance` and `POST /production/csids` answer `{"requestID",
//!   "dispositionMessage", "binarySecurityToken", "secret", "errors"}`
//!   (sometimes with `tokenType`); the renewal `PATCH /production/csids`
//!   answers HTTP 428 with the same object wrapped in `{"value":{…}}`. A
//!   refused request keeps that shape with a `null` token and a list of error
//!   strings.
//! - Error bodies come in four shapes:
//!   `{"errors":[{"category"?,"code","message"}]}`, `{"category","code","message"}`,
//!   `{"errorCode","errorCategory","errorMessage"}` and the gateway's
//!   `{"timestamp","status","error","message"}`.
//!
//! A body that cannot be read is a [`CsidError`] naming the field and what was
//! expected; a token holding a bad certificate reports the certificate's own
//! error inside ([`CsidError::Certificate`]).
//!
//! Errors of a call ([`FatooraError`]) keep what ZATCA said ([`ZatcaErrors`]) and
//! classify it ([`ErrorKind`]) so the lifecycle can give actionable messages:
//! an invalid OTP is not reported for a 400 that is really a bad CSR.
//!
//! The methods and paths live in one table, [`Route`], which the HTTP client
//! and server both read. The trait is object-safe: `Box<dyn Fatoora>` and
//! `&dyn Fatoora` are `Fatoora`s too, so a caller can pick an implementation
//! at run time.
//!
//! Why each dependency: `zatca-cert` parses the certificate inside a CSID's
//! token and bounds the size of an answer; `zatca-profile` holds the OTP type;
//! `zatca-types` the compliance steps and ZATCA's error codes;
//! `serde`/`serde_json` write and read the bodies; `base64` writes the Basic
//! `Authorization` header; `zeroize` wipes the CSID secret.
#![forbid(unsafe_code)]
// No panic reachable from outside input: these are denied outside tests;
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

mod csid;
mod error;
mod routes;
mod wire;

pub use csid::{Csid, CsidResponse, ZatcaError, ZatcaErrors};
pub use error::{CsidError, ErrorKind, FatooraError};
pub use routes::{Method, Route};
pub use wire::{
    ComplianceReport, CsrSubmission, InvoiceSubmission, ProductionCsidRequest, ValidationMessage,
    ValidationResults,
};
pub use zatca_profile::Otp;
pub use zatca_types::ComplianceStep;

/// What a renewal (`PATCH /production/csids`) answered.
#[derive(Debug)]
pub enum Renewal {
    /// HTTP 200: the new production CSID.
    Issued(CsidResponse),
    /// HTTP 428 (`NOT_COMPLIANT`): a compliance-grade CSID for the new key; the
    /// compliance checks must be passed with it before `POST /production/csids`
    /// issues the production CSID.
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

/// Forwards each call to the `Fatoora` behind a pointer.
macro_rules! forward_through_pointer {
    ($pointer:ty) => {
        impl<T: Fatoora + ?Sized> Fatoora for $pointer {
            fn compliance_csid(
                &self,
                otp: &Otp,
                csr: &CsrSubmission,
            ) -> Result<CsidResponse, FatooraError> {
                (**self).compliance_csid(otp, csr)
            }
            fn compliance_invoice(
                &self,
                compliance_csid: &Csid,
                document: &InvoiceSubmission,
            ) -> Result<ComplianceReport, FatooraError> {
                (**self).compliance_invoice(compliance_csid, document)
            }
            fn production_csid(
                &self,
                compliance_csid: &Csid,
                request: &ProductionCsidRequest,
            ) -> Result<CsidResponse, FatooraError> {
                (**self).production_csid(compliance_csid, request)
            }
            fn renew_production_csid(
                &self,
                production_csid: &Csid,
                otp: &Otp,
                csr: &CsrSubmission,
            ) -> Result<Renewal, FatooraError> {
                (**self).renew_production_csid(production_csid, otp, csr)
            }
        }
    };
}

forward_through_pointer!(&T);
forward_through_pointer!(Box<T>);
forward_through_pointer!(std::sync::Arc<T>);

#[cfg(test)]
mod tests {
    use super::*;

    /// Refuses everything with the call's own route in the message.
    struct Refuses;

    fn refused(route: Route) -> FatooraError {
        FatooraError::Connection {
            reason: route.to_string(),
        }
    }

    impl Fatoora for Refuses {
        fn compliance_csid(
            &self,
            _: &Otp,
            _: &CsrSubmission,
        ) -> Result<CsidResponse, FatooraError> {
            Err(refused(Route::ComplianceCsid))
        }
        fn compliance_invoice(
            &self,
            _: &Csid,
            _: &InvoiceSubmission,
        ) -> Result<ComplianceReport, FatooraError> {
            Err(refused(Route::ComplianceInvoice))
        }
        fn production_csid(
            &self,
            _: &Csid,
            _: &ProductionCsidRequest,
        ) -> Result<CsidResponse, FatooraError> {
            Err(refused(Route::ProductionCsid))
        }
        fn renew_production_csid(
            &self,
            _: &Csid,
            _: &Otp,
            _: &CsrSubmission,
        ) -> Result<Renewal, FatooraError> {
            Err(refused(Route::Renewal))
        }
    }

    fn first_call<F: Fatoora>(fatoora: F) -> FatooraError {
        let csr = CsrSubmission { csr: String::new() };
        match fatoora.compliance_csid(&Otp::new("1".to_owned()), &csr) {
            Ok(_) => FatooraError::Timeout,
            Err(e) => e,
        }
    }

    #[test]
    fn boxed_and_shared_trait_objects_forward_every_call() {
        let boxed: Box<dyn Fatoora> = Box::new(Refuses);
        assert_eq!(first_call(&*boxed), refused(Route::ComplianceCsid));
        assert_eq!(first_call(boxed), refused(Route::ComplianceCsid));
        let shared: std::sync::Arc<dyn Fatoora + Send + Sync> = std::sync::Arc::new(Refuses);
        assert_eq!(first_call(shared), refused(Route::ComplianceCsid));
    }
}
