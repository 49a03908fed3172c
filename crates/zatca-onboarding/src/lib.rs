//! The device onboarding lifecycle and its crash-safe store.
//!
//! A device goes registered (Device ID, key, CSR) → compliance CSID →
//! compliance checks (the documents [`zatca_fatoora::ComplianceStep::required_for`]
//! its TSXY, each result recorded) → production CSID, and later renewing →
//! production CSID, in the order ZATCA's Fatoora API imposes (a renewal answers
//! with a compliance-grade CSID that must pass the checks again). Every CSID is
//! parsed and pre-flight checked on arrival (key, VAT, TSXY, validity at the
//! injected time, issuing environment) before it is stored.
//!
//! The operations follow ClearTax's seed APIs and answer with their JSON keys:
//!
//! | operation | method | answer |
//! |---|---|---|
//! | register device (+ OTP: straight on to CSID and PCSID) | [`Onboarding::register`] | [`RegisterAnswer`] `{Status: GENERATED\|FAILED, DeviceId, PcsidGenerationActivityId?, ErrorList}` |
//! | generate CSID and PCSID | [`Onboarding::generate_pcsid`] | [`Activity`] |
//! | PCSID activity status | [`Onboarding::activity`] | [`Activity`] `{Status: IN_PROGRESS\|SUCCEEDED\|FAILED, ErrorList, ComplianceResults, …}` |
//! | renew PCSID | [`Onboarding::renew_pcsid`] | [`Activity`] |
//! | the other provider's register call: register, CSID and PCSID in one synchronous call, with what the invoice format lets the caller keep ([`custody`]) | [`Onboarding::onboard_device`] | [`Onboarded`] → [`DeviceAnswer`] `{deviceId, csid, CSR, privateKey?, secret?, invoiceType, status: Success\|Failed, errorList}` |
//! | show / list (no secrets, renewal plan) | [`Onboarding::show`], [`Onboarding::list`] | [`DeviceView`] |
//! | sign a document as the device's next in its chain (`Model`) | [`Onboarding::sign_invoice`] ([`sign_invoice`]) | [`ChainedInvoice`] |
//! | a signed document again, by ICV | [`Onboarding::invoice`] ([`load_invoice`]) | [`InvoiceRecord`] (→ [`InvoiceAnswer`] `{icv, pih, invoiceHash, uuid, qr, signedInvoice}`) |
//! | the chain head | [`Onboarding::chain`] ([`chain_view`]) | [`ChainView`] |
//!
//! Device identity is (environment, VAT, EGS serial); its id is derived from
//! them ([`DeviceId::derive`]), so registering twice, or from two processes at
//! once (the store lock serializes them), yields one device. Credentials are
//! kept per environment and never cross it.
//!
//! OTP rules: development accepts any OTP; simulation and production need 6
//! digits (the portal's). An OTP is passed through to [`zatca_fatoora::Fatoora`]
//! and never stored, logged or echoed.
//!
//! The compliance sample documents come from a [`SampleDocuments`]
//! implementation ([`UblSamples`] builds and signs them with `zatca-ubl`); the
//! time is always an argument.
//!
//! # Error codes
//!
//! Every error becomes `ErrorList` entries `{ErrorCode, ErrorMessage,
//! ErrorSource: LOCAL|ZATCA, Path?}` ([`OnboardingError::entries`]):
//!
//! | code | source | meaning |
//! |---|---|---|
//! | `6002` | LOCAL | register: "A Device ID already exist with same VAT and EGS serial number" (a warning; Status stays GENERATED) |
//! | `6002` | LOCAL | generate: "Production CSID already generated for device" |
//! | `6003` | LOCAL | renew: "First time generation of PCSID was not completed" |
//! | `ZP0xx` | LOCAL | request validation (codes of `zatca-profile`), one entry per problem, with `Path` |
//! | `ZO001` | LOCAL | OTP not 6 digits in simulation/production |
//! | `ZO002` | LOCAL | OTP missing |
//! | `ZO003` | LOCAL | unknown device |
//! | `ZO004` | LOCAL | unknown activity |
//! | `ZO005` | LOCAL | malformed device or activity id |
//! | `ZO006` | LOCAL | operation does not fit the device's state |
//! | `ZO010` | LOCAL | a returned CSID failed pre-flight (key, VAT, TSXY, validity); not stored |
//! | `ZO011` | LOCAL | a returned CSID was issued by another environment's CA |
//! | `ZO020` | LOCAL | key or CSR could not be built |
//! | `ZO030` | LOCAL | sample documents could not be made |
//! | `ZO031` | ZATCA | a compliance document failed without a message (otherwise ZATCA's own rule code, `Path` = step name) |
//! | `ZO050` | LOCAL | sign: the document is signed already or cannot be chained or signed |
//! | `ZO051` | LOCAL | sign: the device has no production CSID |
//! | `ZO052` | LOCAL | sign: the idempotency key was used for another document |
//! | `ZO053` | LOCAL | no signed document with this ICV |
//! | `ZO054` | LOCAL | malformed idempotency key |
//! | `ZO055` | LOCAL | sign: the device's invoice format is `Xml` or `Pdf` (its caller manages the chain) |
//! | `ZO040` / `ZO041` | LOCAL | a store file could not be read or written / is damaged |
//! | `ZO042` | LOCAL | a device key is encrypted and `ZATCA_KEY_PASSPHRASE` is missing or wrong |
//! | `Invalid-OTP`, `Missing-OTP`, `Invalid-CSR`, `Missing-ComplianceSteps`, `Invalid-CurrentCCSID`, `Denied-by-Policy-Module` (template of another environment), `certificate-permissions`, `Already-Issued` | ZATCA | ZATCA's refusals, classified by [`zatca_fatoora::ErrorKind`]; other refusals keep ZATCA's code, or `HTTP-<status>` |
//!
//! # Store
//!
//! See [`store`]: one folder per device, every write atomic (temporary file,
//! fsync, rename), `device.json` written last as the commit point, a file lock
//! across processes. A renewal writes generation n+1 beside generation n and
//! switches only after the new PCSID passed pre-flight.
//!
//! # The invoice chain
//!
//! ZATCA requires every document of an EGS to carry its ICV (a counter, +1
//! per document) and its PIH (the previous document's invoice hash; for the
//! first, base64 of the hex SHA-256 of `"0"`), both inside the signed hash:
//! a gap, a repeat or a fork is an error. See [`sign_invoice`]: the ICV and
//! PIH come from the device's record, and the signed document and the new
//! chain head are committed together ([`DeviceStore::commit_invoice`]).
//!
//! Not done yet: encrypting the key at rest (encrypted PKCS#8).
//!
//! # Dependencies
//!
//! The toolkit crates (`zatca-fs` atomic writes and bounded reads; `zatca-keys` keys and hashing;
//! `zatca-profile` requests; `zatca-csr` CSRs; `zatca-cert` the
//! certificate pre-flight; `zatca-fatoora` the API contract and CSIDs; `zatca-sign` the first PIH;
//! `zatca-ubl` the compliance sample documents and the chained documents' ICV, PIH and signature);
//! `serde`/`serde_json` for the store files and answers; `zeroize` for the
//! serialized CSID secrets and the handed-over keys; `base64` for the signed
//! documents of the invoice answers.
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (files, requests,
// ZATCA's answers): these are denied outside tests;
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

mod answer;
pub mod custody;
mod device_store;
mod error;
mod invoices;
mod lifecycle;
mod model;
mod samples;
pub mod store;

pub use answer::{
    ACTIVITY_TYPE, AnswerStatus, CsidAnswer, DeviceAnswer, DeviceAnswerStatus, InvoiceAnswer,
    PcsidStatusAnswer, RegisterAnswer, RequestMetaInfo, ResponseInfo,
};
pub use custody::{HandedOver, Onboarded};
pub use device_store::DeviceStore;
pub use error::{
    AMBIGUITY_HINT, CsidKind, ErrorEntry, ErrorKind, ErrorSource, FailedStep, OnboardingError,
};
pub use invoices::{
    ChainView, ChainedInvoice, InvoiceRecord, MAX_IDEMPOTENCY_KEY_LEN, chain_view,
    check_idempotency_key, load_invoice, sign_invoice,
};
pub use lifecycle::{
    DEVELOPER_PORTAL_OTP, DeviceList, Onboarding, Options, Registered, Registration, RenewKey,
    SampleContext, SampleDocuments, check_otp, list_devices, onboarding_otp,
    registration_environment, renewal_plan, show_device, validate_registration,
};
pub use model::{
    Activity, ActivityId, ActivityKind, ActivityStatus, ActivityStep, ChainState, CsidSummary,
    DeviceId, DeviceRecord, DeviceState, DeviceView, Generation, RenewalPlan, SCHEMA_VERSION,
    StepResult,
};
pub use samples::UblSamples;
pub use store::{
    KEY_PASSPHRASE_VAR, KeyProtection, Listing, RekeyReport, Store, default_store_dir,
};
pub use zatca_types::UnixTime;
