//! Validation errors: a stable code, an actionable message, the rule set that
//! raised it and the path of the field in the shape it came in.

use std::fmt;

use serde::Serialize;

/// The stable code of a validation error. The table is in the crate docs.
///
/// Codes never change meaning; new rules get new codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorCode {
    /// ZP001: the request is larger than [`crate::MAX_REQUEST_BYTES`].
    InputTooLarge,
    /// ZP002: the request is not UTF-8, not JSON, or a malformed `.properties` file.
    Malformed,
    /// ZP003: JSON that is none of the known request shapes.
    UnknownShape,
    /// ZP004: a required field is absent (or JSON `null`).
    Missing,
    /// ZP005: a required field is present but empty or blank.
    Empty,
    /// ZP006: a JSON value has the wrong type (a number where a string is needed, …).
    WrongType,
    /// ZP007: the same field is given twice (keys are compared ignoring case).
    Duplicate,
    /// ZP010: the VAT number is not 15 ASCII digits.
    VatFormat,
    /// ZP011: the VAT number does not start and end with `3`.
    VatBounds,
    /// ZP012: a VAT group number (11th digit `1`) needs the member's 10-digit TIN as org unit.
    GroupVatOrgUnit,
    /// ZP020: the EGS serial is not `1-…|2-…|3-…` with non-empty parts.
    SerialFormat,
    /// ZP021: the EGS serial contains `=`.
    SerialEquals,
    /// ZP022: under `strict`, a serial part is not `[A-Za-z0-9]+`.
    SerialStrictChars,
    /// ZP030: the invoice type is not four characters of `0`/`1` nor a known name.
    InvoiceTypeFormat,
    /// ZP031: the invoice type is `0000` (covers no document type).
    InvoiceTypeNone,
    /// ZP032: under `strict`, the reserved X or Y position of TSXY is `1`.
    InvoiceTypeReserved,
    /// ZP040: the country is not an assigned ISO 3166-1 alpha-2 code.
    Country,
    /// ZP050: a text field contains one of the SDK's forbidden characters.
    ForbiddenCharacter,
    /// ZP051: a text field is longer than its X.520 upper bound (counted in characters).
    TooLong,
    /// ZP052: a field holds a control character (see [`crate::is_control_character`]).
    ControlCharacter,
    /// ZP060: the environment is not development, simulation or production.
    EnvironmentUnknown,
    /// ZP061: no environment was given by the request or the caller, and one is needed.
    EnvironmentMissing,
    /// ZP062: the request's environment and the caller's disagree.
    EnvironmentConflict,
    /// ZP070: the invoice format is not Xml, Pdf or Model.
    InvoiceFormatUnknown,
    /// ZP080: the OTP is not 6 ASCII digits.
    OtpFormat,
}

impl ErrorCode {
    /// Every code, in table order.
    pub const ALL: [Self; 25] = [
        Self::InputTooLarge,
        Self::Malformed,
        Self::UnknownShape,
        Self::Missing,
        Self::Empty,
        Self::WrongType,
        Self::Duplicate,
        Self::VatFormat,
        Self::VatBounds,
        Self::GroupVatOrgUnit,
        Self::SerialFormat,
        Self::SerialEquals,
        Self::SerialStrictChars,
        Self::InvoiceTypeFormat,
        Self::InvoiceTypeNone,
        Self::InvoiceTypeReserved,
        Self::Country,
        Self::ForbiddenCharacter,
        Self::TooLong,
        Self::ControlCharacter,
        Self::EnvironmentUnknown,
        Self::EnvironmentMissing,
        Self::EnvironmentConflict,
        Self::InvoiceFormatUnknown,
        Self::OtpFormat,
    ];

    /// The stable code, e.g. `ZP010`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InputTooLarge => "ZP001",
            Self::Malformed => "ZP002",
            Self::UnknownShape => "ZP003",
            Self::Missing => "ZP004",
            Self::Empty => "ZP005",
            Self::WrongType => "ZP006",
            Self::Duplicate => "ZP007",
            Self::VatFormat => "ZP010",
            Self::VatBounds => "ZP011",
            Self::GroupVatOrgUnit => "ZP012",
            Self::SerialFormat => "ZP020",
            Self::SerialEquals => "ZP021",
            Self::SerialStrictChars => "ZP022",
            Self::InvoiceTypeFormat => "ZP030",
            Self::InvoiceTypeNone => "ZP031",
            Self::InvoiceTypeReserved => "ZP032",
            Self::Country => "ZP040",
            Self::ForbiddenCharacter => "ZP050",
            Self::TooLong => "ZP051",
            Self::ControlCharacter => "ZP052",
            Self::EnvironmentUnknown => "ZP060",
            Self::EnvironmentMissing => "ZP061",
            Self::EnvironmentConflict => "ZP062",
            Self::InvoiceFormatUnknown => "ZP070",
            Self::OtpFormat => "ZP080",
        }
    }

    /// The rule set a code belongs to.
    pub const fn source(self) -> ErrorSource {
        match self {
            Self::InputTooLarge
            | Self::Malformed
            | Self::UnknownShape
            | Self::Missing
            | Self::WrongType
            | Self::Duplicate
            | Self::EnvironmentUnknown
            | Self::InvoiceFormatUnknown => ErrorSource::Request,
            Self::Empty
            | Self::VatFormat
            | Self::VatBounds
            | Self::GroupVatOrgUnit
            | Self::SerialFormat
            | Self::SerialEquals
            | Self::InvoiceTypeFormat
            | Self::ForbiddenCharacter => ErrorSource::Sdk,
            Self::SerialStrictChars | Self::InvoiceTypeReserved => ErrorSource::Strict,
            Self::Country | Self::TooLong => ErrorSource::Standard,
            Self::InvoiceTypeNone
            | Self::ControlCharacter
            | Self::EnvironmentMissing
            | Self::EnvironmentConflict
            | Self::OtpFormat => ErrorSource::Toolkit,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Which rule set raised an error (the `ErrorSource` of the JSON form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorSource {
    /// `REQUEST`: the request could not be read as one of the shapes.
    Request,
    /// `SDK`: a rule ZATCA's SDK enforces (the `sdk` profile, always applied).
    Sdk,
    /// `STRICT`: a rule of the `strict` profile only (ClearTax's tighter rules).
    Strict,
    /// `STANDARD`: ISO 3166-1 or an X.520 upper bound.
    Standard,
    /// `TOOLKIT`: this toolkit's own guard (environment, OTP form, TSXY `0000`, control characters).
    Toolkit,
}

impl ErrorSource {
    /// The upper-case name used in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Sdk => "SDK",
            Self::Strict => "STRICT",
            Self::Standard => "STANDARD",
            Self::Toolkit => "TOOLKIT",
        }
    }
}

impl Serialize for ErrorSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One validation failure.
///
/// The message names the field, the expected form and the bad part; it never
/// contains the OTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationError {
    /// Stable code (`ZP…`).
    #[serde(rename = "ErrorCode")]
    pub code: ErrorCode,
    /// What is wrong and what to do about it.
    #[serde(rename = "ErrorMessage")]
    pub message: String,
    /// The rule set that raised it.
    #[serde(rename = "ErrorSource")]
    pub source: ErrorSource,
    /// The field's path in the shape it came in (`OrganizationDetails.Vat`,
    /// `csr.organization.identifier`, …); empty for whole-request errors.
    #[serde(rename = "Path")]
    pub path: String,
}

impl ValidationError {
    /// A new error; its source is the code's.
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            source: code.source(),
            path: path.into(),
        }
    }

    /// The same error at another path.
    #[must_use]
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} {}", self.code, self.message)
        } else {
            write!(f, "{} {}: {}", self.code, self.path, self.message)
        }
    }
}

impl std::error::Error for ValidationError {}

/// Every problem of one request, in field order. Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(Vec<ValidationError>);

impl ValidationErrors {
    /// An empty list.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Adds an error.
    pub fn push(&mut self, error: ValidationError) {
        self.0.push(error);
    }

    /// The errors.
    pub fn errors(&self) -> &[ValidationError] {
        &self.0
    }

    /// Number of errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The codes, in order (handy in tests).
    pub fn codes(&self) -> Vec<ErrorCode> {
        self.0.iter().map(|e| e.code).collect()
    }

    /// The ClearTax-shaped document:
    /// `{"Status":"FAILED","ErrorList":[{"ErrorCode":…,"ErrorMessage":…,"ErrorSource":…,"Path":…}]}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "Status": "FAILED", "ErrorList": self.0 })
    }
}

impl From<ValidationError> for ValidationErrors {
    fn from(e: ValidationError) -> Self {
        Self(vec![e])
    }
}

impl IntoIterator for ValidationErrors {
    type Item = ValidationError;
    type IntoIter = std::vec::IntoIter<ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} validation error{}", if n == 1 { "" } else { "s" })?;
        for e in &self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}
