//! Error codes: ZATCA's own (what Fatoora answers), and the seed APIs'.
//!
//! One table: the simulator answers with these codes, the client classifies
//! ZATCA's answers by them, and the lifecycle and its edges report them.

use std::fmt;

/// A refusal code of ZATCA's Fatoora API, as it appears in `code` (or
/// `category`) of its error bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ZatcaCode {
    /// `Invalid-OTP`: the OTP is wrong, used or expired.
    InvalidOtp,
    /// `Missing-OTP`: the `OTP` header was not sent.
    MissingOtp,
    /// `Invalid-CSR`: the CSR was refused.
    InvalidCsr,
    /// `Missing-ComplianceSteps`: compliance documents have not passed.
    MissingComplianceSteps,
    /// `Invalid-CurrentCCSID`: the compliance CSID is not the one issued.
    InvalidCurrentCcsid,
    /// `Invalid-Request-ID`: the compliance request id is not the one issued.
    InvalidRequestId,
    /// `certificate-permissions`: the document's VAT is not the CSID's.
    CertificatePermissions,
    /// `Already-Issued`: the production CSID of this compliance request exists.
    AlreadyIssued,
}

impl ZatcaCode {
    /// Every code.
    pub const ALL: [Self; 8] = [
        Self::InvalidOtp,
        Self::MissingOtp,
        Self::InvalidCsr,
        Self::MissingComplianceSteps,
        Self::InvalidCurrentCcsid,
        Self::InvalidRequestId,
        Self::CertificatePermissions,
        Self::AlreadyIssued,
    ];

    /// ZATCA's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidOtp => "Invalid-OTP",
            Self::MissingOtp => "Missing-OTP",
            Self::InvalidCsr => "Invalid-CSR",
            Self::MissingComplianceSteps => "Missing-ComplianceSteps",
            Self::InvalidCurrentCcsid => "Invalid-CurrentCCSID",
            Self::InvalidRequestId => "Invalid-Request-ID",
            Self::CertificatePermissions => "certificate-permissions",
            Self::AlreadyIssued => "Already-Issued",
        }
    }

    /// The code ZATCA's `code` or `category` text names (case-insensitive, as ZATCA varies it).
    ///
    /// ```
    /// use zatca_types::ZatcaCode;
    /// assert_eq!(ZatcaCode::from_code("invalid-otp"), Some(ZatcaCode::InvalidOtp));
    /// assert_eq!(ZatcaCode::from_code("Something-Else"), None);
    /// ```
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(code))
    }
}

impl fmt::Display for ZatcaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What ZATCA's CA answers when a CSR asks for another environment's
/// certificate template (no code of its own; recognised by this text).
pub const TEMPLATE_DENIED_TEXT: &str = "Denied by Policy Module";

/// A code of the seed onboarding APIs (ClearTax's), with its exact text.
/// `ErrorMessage` carries the text to the letter; guidance goes elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SeedCode {
    /// `6002` on register-device: the device exists (a warning; the answer stays `GENERATED`).
    DeviceExists,
    /// `6002` on generate-csid: the device has its production CSID already.
    PcsidAlreadyGenerated,
    /// `6003` on renew-pcsid: the device has no production CSID yet.
    PcsidNotGenerated,
}

impl SeedCode {
    /// The `ErrorCode`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::DeviceExists | Self::PcsidAlreadyGenerated => "6002",
            Self::PcsidNotGenerated => "6003",
        }
    }

    /// The `ErrorMessage`, exactly as the seed pages give it.
    ///
    /// ```
    /// use zatca_types::SeedCode;
    /// assert_eq!(SeedCode::PcsidNotGenerated.message(), "First time generation of PCSID was not completed");
    /// ```
    pub const fn message(self) -> &'static str {
        match self {
            Self::DeviceExists => "A Device ID already exist with same VAT and EGS serial number",
            Self::PcsidAlreadyGenerated => "Production CSID already generated for device",
            Self::PcsidNotGenerated => "First time generation of PCSID was not completed",
        }
    }
}
