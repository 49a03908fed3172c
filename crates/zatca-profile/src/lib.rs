//! The validated EGS (e-invoice generation solution) profile: everything a ZATCA
//! CSR carries, read from the request shapes integrators already have, and
//! checked so that a bad value is caught here rather than as an opaque
//! `Invalid-CSR` or `Invalid-OTP` from ZATCA (an 18-digit VAT, for one, has been
//! reported coming back as `Invalid-OTP`).
//!
//! ```
//! use zatca_profile::{Environment, RequestInput, ValidateOptions, ValidationProfile};
//! let request = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
//!     "/../../testdata/csr/sdk-r3.3.3/csr-config-example-EN.properties"))?;
//! let input = RequestInput::from_bytes(&request)?;
//! let profile = input.validate_with(&ValidateOptions {
//!     profile: ValidationProfile::Sdk,
//!     environment: Some(Environment::Simulation),
//!     require_environment: true,
//! })?;
//! assert_eq!(profile.vat().as_str(), "399999999900003");
//! assert_eq!(profile.invoice_types().as_str(), "1100");
//! assert_eq!(profile.environment().map(Environment::template_name), Some("PREZATCA-Code-Signing"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Request shapes
//!
//! [`RequestInput::from_bytes`] takes JSON (first non-blank byte `{` or `[`) or an SDK
//! `.properties` file, at most [`MAX_REQUEST_BYTES`]. JSON keys are matched
//! ignoring case (`Vat`, `vat`, `VAT`); a key given twice is an error (ZP007).
//!
//! | Field | 1. ClearTax register-device | 2. Other provider | 3. SDK `csr-config.properties` | CSR |
//! |---|---|---|---|---|
//! | CN | `DeviceDetails.CommonName` | derived (below), or `Device.CommonName` | `csr.common.name` | subject CN |
//! | EGS serial | `DeviceDetails.EgsSerialNumber` | `Device.EgsSerialNumber` | `csr.serial.number` | SAN SN (2.5.4.4) |
//! | location | `DeviceDetails.Location` | `Device.Location` | `csr.location.address` | SAN registeredAddress |
//! | industry | `DeviceDetails.Industry` | `Device.Industry` | `csr.industry.business.category` | SAN businessCategory |
//! | TSXY (optional, default `1100`) | `DeviceDetails.InvoiceType` | `Device.InvoiceType` | `csr.invoice.type` | SAN title |
//! | VAT | `OrganizationDetails.Vat` | `Organization.Vat` | `csr.organization.identifier` | SAN UID |
//! | O | `OrganizationDetails.OrganizationName` | `Organization.OrganizationName` | `csr.organization.name` | subject O |
//! | OU | `OrganizationDetails.OrganizationUnitName` | `Organization.OrganizationUnitName` | `csr.organization.unit.name` | subject OU |
//! | C | `OrganizationDetails.CountryCode` | `Organization.CountryCode` | `csr.country.name` | subject C |
//! | environment | `Environment` (optional) | `Environment` | caller only | template name |
//! | OTP | `Otp` | `OTP` | – | – |
//! | invoice format | – | `InvoiceFormat` (`Xml`/`Pdf`/`Model`) | – | – |
//!
//! The SDK keys are those of SDK R3.3.3 `Data/Input/csr-config-template.properties`
//! (R3.2.7 and R3.1.8 use the same keys). Properties files are read as Java's
//! `Properties.load(Reader)` does (`#`/`!` comments, `=`/`:`/blank separators,
//! backslash continuations, `\uXXXX` escapes), from UTF-8: the SDK's Arabic example is UTF-8
//! (`testdata/csr/sdk-r3.3.3/csr-config-example-AR.properties`), so Java's
//! ISO-8859-1 default is not used; non-UTF-8 input is refused (ZP002).
//!
//! **Derived common name.** The second provider's shape has no common name. Unless
//! `Device.CommonName` is given, it is `<model>-<serial>-<VAT>`: parts 2 and 3 of
//! the EGS serial and the VAT number, after the pattern of the SDK example
//! `TST-886431145-399999999900003` ([`derive_common_name`]). For the SDK's example
//! serial this gives `TST-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f-399999999900003`
//! (56 characters). If the derived name breaks a rule (more than 64 characters, a forbidden
//! character), the error is reported at `Device.CommonName` and asks for one.
//!
//! **Default invoice type.** A request that omits TSXY (or gives JSON `null`), in
//! any of the three shapes, gets `1100`, standard and simplified
//! ([`InvoiceTypes::DEFAULT`], [`EgsProfile::invoice_types_defaulted`]):
//! ClearTax's register-device documents `InvoiceType` as optional, "Default:
//! 1100"; the other provider's documents it as optional with the same TSXY
//! pattern; the SDK's examples carry `1100` since R3.3.3 (`1111` before). A value that
//! is given is validated as ever (empty is ZP005, `0000` ZP031). Values read back
//! from a CSR get no default: a CSR without its SAN title is reported (ZP004).
//!
//! **OTP.** An OTP in a request is held in [`Otp`] (zeroized, not `Clone`, redacted
//! `Debug`), never in [`EgsProfile`], and never echoed in a message. Its one rule
//! is [`Otp::check`], which validation applies with the environment the request
//! or the caller names: the developer portal (development) accepts any
//! non-empty OTP, as the other provider documents ("any string will be
//! accepted"); simulation and production need the 6-digit OTP their Fatoora
//! portal issues; with no environment named, the OTP must be one every
//! environment accepts. A blank OTP is ZP005, one holding a control character
//! ZP052 (the character is not named: the OTP is secret).
//!
//! # Rules and error codes
//!
//! A request with several faults reports all of them ([`ValidationErrors`]), each
//! with a stable code, a message a taxpayer can act on, its source and the path
//! of the field in the shape it came in. [`ValidationErrors::to_json`] gives the
//! form ClearTax users know:
//! `{"Status":"FAILED","ErrorList":[{"ErrorCode":"ZP010","ErrorMessage":"…","ErrorSource":"SDK","Path":"OrganizationDetails.Vat"}]}`.
//!
//! Sources: `SDK` = enforced by ZATCA's SDK (always applied; rules as
//! `Saleh7/php-zatca-xml` documents them from SDK R3.4.8); `STRICT` = `--profile
//! strict` only (ClearTax's rules: serial parts `[a-zA-Z0-9]+`, TSXY
//! `^(?!0{4})[01]{2}00$`);
//! `STANDARD` = ISO 3166-1 / X.520; `REQUEST` = reading the request; `TOOLKIT` = this
//! toolkit's guards.
//!
//! | Code | Source | Rule |
//! |---|---|---|
//! | ZP001 | REQUEST | the request is over 1 MiB |
//! | ZP002 | REQUEST | not UTF-8, not valid JSON, or a malformed `\uXXXX` escape |
//! | ZP003 | REQUEST | JSON that is not an object of one known shape |
//! | ZP004 | REQUEST | a required field is absent or `null`: every CSR field but the invoice type, which a request may omit (it defaults to `1100`) |
//! | ZP005 | SDK | a field is present but empty or blank |
//! | ZP006 | REQUEST | a JSON value is not a string (e.g. `"InvoiceType": 100` loses its zero), or a parent is not an object |
//! | ZP007 | REQUEST | a key is given twice (ignoring case) |
//! | ZP010 | SDK | VAT is not exactly 15 ASCII digits |
//! | ZP011 | SDK | VAT does not start and end with `3` |
//! | ZP012 | SDK | VAT group number (11th digit `1`) but the OU is not the member's 10-digit TIN |
//! | ZP020 | SDK | EGS serial does not match `1-(.+)\|2-(.+)\|3-(.+)` |
//! | ZP021 | SDK | EGS serial contains `=` |
//! | ZP022 | STRICT | an EGS serial part is not `[A-Za-z0-9]+` |
//! | ZP030 | SDK | invoice type is not 4 characters of `0`/`1` nor `Standard`/`Simplified`/`Both` |
//! | ZP031 | TOOLKIT | invoice type `0000` (no document type; ClearTax rejects it too) |
//! | ZP032 | STRICT | TSXY's reserved X or Y is `1` |
//! | ZP040 | STANDARD | country is not an assigned ISO 3166-1 alpha-2 code in capitals (the SDK only checks 2–3 characters) |
//! | ZP050 | SDK | CN, O, OU, location or industry contains one of `! @ # $ % & * _ <` |
//! | ZP051 | STANDARD | over the X.520 upper bound, counted in characters (not bytes): CN, O, OU 64; industry 128; location 180; EGS serial 32768 |
//! | ZP052 | TOOLKIT | any field holds a control character: C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), or a bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069); each is named as `U+XXXX` with its position |
//! | ZP060 | REQUEST | environment is not development/developer-portal/sandbox, simulation, production/core |
//! | ZP061 | TOOLKIT | a CSR is asked for but neither the request nor the caller names the environment |
//! | ZP062 | TOOLKIT | the request's environment differs from the caller's |
//! | ZP070 | REQUEST | `InvoiceFormat` is not `Xml`, `Pdf` or `Model` |
//! | ZP080 | TOOLKIT | the OTP is not 6 ASCII digits, in simulation or production or with no environment named (development takes any non-empty OTP; [`Otp::check`]; the value is never shown) |
//!
//! Length bounds count characters (Unicode scalar values), as X.520 states
//! them: its upper bounds are `SIZE` constraints on a DirectoryString, which
//! count characters whatever the encoding. The SDK's own Arabic example
//! (`csr-config-example-AR.properties`) has an organization name of 42
//! characters, 79 bytes in UTF-8, and the SDK builds its CSR from it. No byte
//! ceiling is applied: neither the SDK's rules nor the request
//! documentation of ClearTax or the other provider sets one. (Some libraries
//! count bytes when they build a name, e.g. pyca/cryptography since 43 for the
//! CN; this toolkit builds its DER itself.) The X.520 bounds are
//! `ub-common-name`, `ub-organization-name`, `ub-organizational-unit-name` (64),
//! `ub-business-category` (128), PostalAddress `ub-postal-line` × `ub-postal-string`
//! (6 × 30) for registeredAddress, and `ub-name` (32768) for the surname attribute
//! that carries the EGS serial.
//!
//! **Control characters** ([`is_control_character`]) are refused in every field,
//! free text or not (ZP052), before the field's own rules: C0 and C1 controls and
//! DEL (a NUL, ESC or line feed in a common name would otherwise reach a
//! production certificate unseen, and print raw to the terminal of whoever
//! inspects it), and the bidirectional embedding, override and isolate controls,
//! which make a name display in another order than the one signed. The SDK does
//! not check for them; X.520's DirectoryString admits any character, so this is
//! the toolkit's own rule. The bidi marks U+200E, U+200F and U+061C stay allowed:
//! Arabic text uses them. Error messages never echo a control character raw.
//!
//! # Environment
//!
//! [`Environment`] picks the certificate template (SDK R3.3.3 readme and the SDK's
//! CSRs): development portal
//! `TSTZATCA-Code-Signing`, simulation `PREZATCA-Code-Signing`, production
//! `ZATCA-Code-Signing`. A template that does not match the endpoint is refused by
//! ZATCA in simulation and production (`NOT_COMPLIANT`, "Denied by Policy
//! Module"), so it is never defaulted: it comes
//! from the request's `Environment` or from the caller ([`ValidateOptions`]), and
//! with `require_environment` and neither, validation fails with ZP061.
//!
//! # Dependencies
//!
//! `serde`/`serde_json` read the JSON shapes (with a visitor that keeps duplicate
//! keys, so they can be reported) and write the ClearTax-shaped error document;
//! `zeroize` wipes the OTP; `zatca-types` defines [`Environment`], shared with the
//! certificate and lifecycle crates.
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (request files):
// these are denied outside tests;
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

mod country;
mod error;
mod input;
mod otp;
mod profile;
mod values;

pub use country::all as country_codes;
pub use error::{ErrorCode, ErrorSource, ValidationError, ValidationErrors};
pub use input::{Field, InputShape, MAX_REQUEST_BYTES, RequestInput};
pub use otp::{Otp, OtpError};
pub use profile::{EgsProfile, ValidateOptions, derive_common_name};
pub use values::{
    CommonName, CountryCode, EgsSerial, Environment, FORBIDDEN_CHARACTERS, Industry, InvoiceFormat,
    InvoiceTypes, Location, OrganizationName, OrganizationUnit, ValidationProfile, Vat,
    is_control_character,
};
