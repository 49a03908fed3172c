//! The vocabulary several ZATCA crates share, defined once.
//!
//! On the model of rustls's `pki-types`: small value types with no behaviour
//! beyond their own invariants, so the key, CSR, certificate, API, simulator
//! and lifecycle crates speak one language.
//!
//! | module | what |
//! |---|---|
//! | [`time`] | [`UnixTime`], the one time type (the library never reads the clock) |
//! | [`environment`] | [`Environment`] (the CSR template a device is onboarded with) and [`CaFamily`] (the CA a certificate came from): two meanings, two types |
//! | [`ids`] | [`DeviceId`] (UUID form, derived from the device's identity) and [`ActivityId`] (24 lower-case hex, random) |
//! | [`steps`] | [`ComplianceStep`], the six compliance documents and their names |
//! | [`oid`] | the object identifiers of ZATCA's CSR and certificates, and the order of the subjectAltName fields |
//! | [`codes`] | ZATCA's error codes ([`ZatcaCode`]) and the seed APIs' codes and texts ([`SeedCode`]) |
//! | [`digest`] | ZATCA's hex-digest form and seed-derived UUIDs |
//!
//! # ZATCA facts relied on
//!
//! - Templates (extension 1.3.6.1.4.1.311.20.2): `TSTZATCA-Code-Signing` for the developer
//!   portal, `PREZATCA-Code-Signing` for simulation, `ZATCA-Code-Signing` for production.
//! - Issuer CNs: the developer portal's CA is `CN=eInvoicing`; the AD CS CAs are named
//!   `PEZEINVOICESCA…` (simulation), `PRZEINVOICESCA…` (production) and `TSZEINVOICE…` (the
//!   retired test CA of SDK R3.1.8 / R3.2.7).
//! - Compliance step names, as ZATCA writes them in `Missing-ComplianceSteps`:
//!   `standard-compliant`, `standard-credit-note-compliant`, `standard-debit-note-compliant`,
//!   `simplified-compliant`, `simplified-credit-note-compliant`,
//!   `simplified-debit-note-compliant`; type codes 388 (invoice), 381 (credit note), 383 (debit
//!   note); KSA-2 subtype `01…` standard, `02…` simplified.
//! - The hex-digest form (certificate hash, SignedProperties digest, the first PIH): base64 of
//!   the lower-case hex text of SHA-256.
//! - ClearTax's seed codes: `6002` "A Device ID already exist with same VAT and EGS serial
//!   number" (register, a warning), `6002` "Production CSID already generated for device"
//!   (generate-csid), `6003` "First time generation of PCSID was not completed" (renew-pcsid);
//!   activity ids are 24 lower-case hex characters (`PcsidGenerationActivityId`, MaxLength 24).
//!
//! # Dependencies
//!
//! `der` (its `DateTime` is the calendar: no calendar code here), `const-oid` (typed OIDs),
//! `serde` (ids and environments are JSON strings), `sha2` + `base64` (the digest forms),
//! `uuid` (UUID layout and text form), `getrandom` (random activity ids from the OS RNG).
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

pub mod codes;
pub mod digest;
pub mod environment;
pub mod ids;
pub mod oid;
pub mod steps;
pub mod time;

pub use codes::{SeedCode, ZatcaCode};
pub use environment::{CaFamily, Environment};
pub use ids::{ActivityId, DeviceId, IdError};
pub use steps::{ComplianceStep, DocumentKinds};
pub use time::UnixTime;
