//! ZATCA's Fatoora onboarding API over HTTP: a client that implements
//! [`zatca_fatoora::Fatoora`] ([`HttpFatoora`], feature `client`), bounded
//! HTTP or HTTPS serving of any axum router ([`serve`], [`tls`], feature
//! `server`), and a server
//! on it that serves the same API from any `Fatoora`, such as the offline
//! simulator ([`FatooraServer`], feature `server`).
//!
//! # The wire (as ZATCA's Integration Sandbox Swagger documents it)
//!
//! The methods and paths come from [`zatca_fatoora::Route`], the one table the
//! client and the server both read.
//!
//! | call | method and path | auth | extra header | body |
//! |---|---|---|---|---|
//! | compliance CSID | `POST /compliance` | none | `OTP` | `{"csr": base64 of PEM}` |
//! | compliance check | `POST /compliance/invoices` | Basic compliance CSID | — | `{"invoiceHash","uuid","invoice"}` |
//! | production CSID | `POST /production/csids` | Basic compliance CSID | — | `{"compliance_request_id"}` |
//! | renewal | `PATCH /production/csids` | Basic current production CSID | `OTP` | `{"csr"}` |
//!
//! Every request carries `Accept-Version: V2` (ZATCA answers 406 without it),
//! `Accept-Language: en|ar`, `Content-Type: application/json` and
//! `Accept: application/json`. Basic auth is `base64(token ":" secret)` with
//! the `binarySecurityToken` as received, not the decoded certificate
//! ([`zatca_fatoora::Csid::basic_authorization`]).
//! Base URLs ([`Endpoint`], the Swagger's "Servers"): developer portal
//! `https://gw-fatoora.zatca.gov.sa/e-invoicing/developer-portal`, simulation
//! `…/e-invoicing/simulation`, production `…/e-invoicing/core`.
//!
//! # Answers
//!
//! | status | body (recorded shapes in `testdata/api/`) | result |
//! |---|---|---|
//! | 200 | CSID object (`isb-compliance-200.json`, `isb-production-csids-200.json`, `isb-production-csids-patch-200.json`) | the CSID, or [`Renewal::Issued`](zatca_fatoora::Renewal::Issued) |
//! | 200 | CSID object with a `null` token and errors | [`FatooraError::Rejected`] |
//! | 200, 202, 400 | compliance report (`validationResults`) | the report (passed or not) |
//! | 428 | `{"value":{…}}` (`isb-production-csids-patch-428.json`) | [`Renewal::ComplianceRequired`](zatca_fatoora::Renewal::ComplianceRequired) |
//! | 400, other 4xx | errors in any of ZATCA's shapes (`isb-error-400-missing-otp.json`) | [`FatooraError::Rejected`], classified by [`zatca_fatoora::ErrorKind`] |
//! | 401 | gateway body (`isb-error-401.json`) | [`FatooraError::Unauthorized`] |
//! | 406 | plain text | [`FatooraError::VersionNotSupported`] |
//! | 5xx | `{"category","code","message"}` (`isb-error-500.json`) | [`FatooraError::Server`] |
//! | no answer | — | [`FatooraError::Connection`] (nothing was sent) or [`FatooraError::Timeout`] (sent; outcome unknown) |
//!
//! # Retries
//!
//! A connection that failed before anything was sent is retried for every
//! call. A timeout, a connection lost after sending, or a 5xx is retried only
//! for `POST /compliance/invoices`, which checks a document and changes
//! nothing that a repeat would harm. `POST /compliance` (it consumes the OTP),
//! `POST /production/csids` and the renewal are never repeated after such an
//! ambiguous failure: the caller gets [`FatooraError::Timeout`] or
//! [`FatooraError::Server`] and must look at the device's state (`zatca
//! device show`) before trying again. Retries are bounded ([`ClientConfig::retries`])
//! with a doubling backoff. Redirects are never followed (they could carry the
//! credentials elsewhere), idle connections are not pooled (a stale pooled
//! connection would make a failure ambiguous).
//!
//! # Secrets
//!
//! No OTP, secret or `Authorization` value appears in an error, a `Debug`
//! output or an observer's copy: observers ([`HttpFatoora::with_observer`]) get
//! a [`RedactedExchange`] with those headers and every JSON `"secret"` value
//! replaced by `<redacted>`.
//!
//! # The server
//!
//! [`FatooraServer`] answers the same four calls with ZATCA's status codes and
//! JSON shapes: 200, 400 `{"errors":[…]}`, 401 gateway body, 406 plain text
//! without `Accept-Version: V2`, 428 `{"value":{…}}` for a renewal that needs
//! compliance checks, 5xx `{"category","code","message"}`. It parses Basic auth
//! back into a [`zatca_fatoora::Csid`] and the `OTP` header into an
//! [`zatca_fatoora::Otp`], and listens on loopback addresses only (plain HTTP).
//! Paths may carry one of ZATCA's base paths (`/e-invoicing/core/compliance`).
//! It serves many connections at once within [`serve::Limits`] (header and
//! body read timeouts, header and body sizes, connection count: module
//! [`serve`]), so a stalled or hostile client delays no other; the `Fatoora`
//! calls run on tokio's blocking pool.
//!
//! # Dependencies
//!
//! - `ureq` 3 (blocking, small) with `rustls` and the `ring` provider and
//!   `webpki-roots`: the client; no OpenSSL, no cmake.
//! - `axum` (no default features): the server's routing and middleware; the
//!   maintained standard on hyper, shared with the onboarding service.
//! - `hyper` (`server`, `http1`): the HTTP/1.1 connection, with the header
//!   read timeout and the header size bound that the server relies on.
//! - `hyper-util` (`tokio`, `service`, `server-graceful`, `http1`): hyper's
//!   tokio I/O and timer, the tower-to-hyper service adapter, graceful stop.
//! - `tokio` (`rt`, `net`, `time`, `sync`, `macros`): a single-threaded
//!   runtime owned by the serving thread, its blocking pool for the `Fatoora`
//!   calls, the connection semaphore and the stop signal.
//! - `tokio-rustls` (`ring`, `tls12`; no default features, so no aws-lc-rs
//!   and no cmake): TLS for [`serve::start_tls`] on the same rustls and ring
//!   that the client already compiles; rustls's `pki_types` parses the PEM.
//! - `zatca-fs`: the TLS certificate and key files are read bounded, regular
//!   files only ([`tls::TlsConfig::from_pem_files`]).
//! - `http-body-util`: reads a body under a byte limit (already in axum's tree).
//!   `tower-http` is not used: its body timeout restarts at every frame (a
//!   client trickling a byte at a time never times out) and its limit layer
//!   answers plain text; reading the body once under one deadline and one
//!   limit gives both in ZATCA's error shape.
//! - `zatca-fatoora` the contract: route table, CSIDs and error bodies;
//!   `zatca-profile` the environment; `serde_json` bodies and
//!   redaction; `base64` the Basic credentials on the server side; `zeroize`
//!   the parsed secrets.
#![forbid(unsafe_code)]

#[cfg(doc)]
use zatca_fatoora::FatooraError;

mod endpoint;
mod error;
mod redact;
mod shape;

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "server")]
pub mod serve;
#[cfg(feature = "server")]
mod server;
#[cfg(feature = "server")]
pub mod tls;

pub use endpoint::{BaseUrl, Endpoint, Language};
pub use error::HttpError;
pub use redact::{REDACTED, RedactedExchange, redact_body, redact_header};
pub use shape::{csid_json, errors_json};

#[cfg(feature = "client")]
pub use client::{ClientConfig, HttpFatoora, Observer};
#[cfg(feature = "server")]
pub use serve::{Limits, Stopper};
#[cfg(feature = "server")]
pub use server::{Clock, FatooraServer, RequestLog};

/// The request header that selects the API version; ZATCA answers 406 without it.
pub const ACCEPT_VERSION: &str = "V2";

/// Bodies larger than this are refused (client and server): ZATCA's onboarding
/// answers are a few kilobytes, a signed sample invoice some tens.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
