//! Typed failures of a Fatoora call, with ZATCA's codes classified, and of
//! reading one of ZATCA's answer bodies.

use std::fmt;

use zatca_cert::CertError;
use zatca_types::ZatcaCode;
use zatca_types::codes::TEMPLATE_DENIED_TEXT;

use crate::{ComplianceStep, ZatcaError, ZatcaErrors};

/// What can be wrong with a CSID answer or an error body of ZATCA's
/// (`POST /compliance`, `POST /production/csids`, `PATCH /production/csids`,
/// and the error bodies of every call).
///
/// Messages name the field and the expected form. None of them ever contains
/// a CSID secret: a response with a bad secret is described by the field
/// name only, and a bad token by its certificate's error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsidError {
    /// The body was empty or only whitespace.
    Empty,
    /// The body is larger than any CSID answer could be.
    TooLarge {
        /// Size of the body in bytes.
        len: usize,
        /// The largest accepted size in bytes.
        max: usize,
    },
    /// The body is not JSON.
    MalformedJson {
        /// What the JSON parser reported (position and kind).
        reason: String,
    },
    /// The JSON is neither a CSID answer nor an error body in any of ZATCA's shapes.
    NotAnAnswer,
    /// A field a CSID answer needs is missing or `null`.
    MissingField {
        /// The JSON field, e.g. `binarySecurityToken`.
        field: &'static str,
    },
    /// A field of the CSID answer has the wrong type.
    WrongFieldType {
        /// The JSON field.
        field: &'static str,
        /// The type expected, e.g. `a string`.
        expected: &'static str,
    },
    /// ZATCA answered with errors instead of a CSID (an error body, or an
    /// answer whose `binarySecurityToken` is `null`).
    Rejected {
        /// `dispositionMessage`, when the answer has one (e.g. `NOT_COMPLIANT`).
        disposition: Option<String>,
        /// The errors ZATCA listed.
        errors: ZatcaErrors,
    },
    /// The `binarySecurityToken` holds no usable certificate.
    Certificate(CertError),
}

impl fmt::Display for CsidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const EXPECTED: &str = "a CSID answer or a ZATCA error body (JSON)";
        match self {
            Self::Empty => write!(f, "the answer is empty; expected {EXPECTED}"),
            Self::TooLarge { len, max } => write!(
                f,
                "the answer is {len} bytes, larger than any CSID answer or error body ({max} bytes at most)"
            ),
            Self::MalformedJson { reason } => {
                write!(
                    f,
                    "the answer is not valid JSON ({reason}); expected {EXPECTED}"
                )
            }
            Self::NotAnAnswer => write!(
                f,
                "the JSON is neither a CSID answer (`binarySecurityToken`, `secret`) nor a ZATCA error body (`errors`, `errorCode`, `code` and `message`, or `status` and `error`)"
            ),
            Self::MissingField { field } => write!(
                f,
                "the CSID response has no `{field}` (missing or null); expected a string"
            ),
            Self::WrongFieldType { field, expected } => {
                write!(f, "the CSID response's `{field}` is not {expected}")
            }
            Self::Rejected {
                disposition,
                errors,
            } => {
                write!(f, "ZATCA returned no certificate")?;
                if let Some(d) = disposition {
                    write!(f, " ({d})")?;
                }
                if errors.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {errors}")
                }
            }
            Self::Certificate(e) => {
                write!(
                    f,
                    "the CSID's `binarySecurityToken` holds no usable certificate: {e}"
                )
            }
        }
    }
}

// The certificate's error is part of the message, so it is not also a `source`.
impl std::error::Error for CsidError {}

impl From<CertError> for CsidError {
    fn from(e: CertError) -> Self {
        Self::Certificate(e)
    }
}

/// What kind of refusal ZATCA's answer means, so callers can act on it
/// (the error bodies of ZATCA's Integration Sandbox Swagger, and the onboarding
/// refusals reported on ZATCA's developer community).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `Invalid-OTP`: the OTP is wrong, used or expired; get a new one from the portal.
    InvalidOtp,
    /// `Missing-OTP`: the `OTP` header was not sent.
    MissingOtp,
    /// `Invalid-CSR`: the CSR was refused.
    InvalidCsr,
    /// `Missing-ComplianceSteps`: these compliance documents have not passed.
    MissingComplianceSteps(Vec<String>),
    /// `Invalid-CurrentCCSID` / `Invalid-Request-ID`: the compliance CSID or request id is not the one issued.
    InvalidComplianceCsid,
    /// "Denied by Policy Module": the CSR's certificate template is not this environment's.
    TemplateDenied,
    /// `certificate-permissions`: the document's VAT is not the CSID's.
    CertificatePermissions,
    /// The production CSID already exists for this compliance request.
    AlreadyIssued,
    /// Anything else ZATCA refused.
    Other,
}

/// A failed Fatoora call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FatooraError {
    /// ZATCA refused the request (HTTP 400, or 200 with `NOT_COMPLIANT`/errors).
    Rejected {
        /// HTTP status.
        status: u16,
        /// What ZATCA said.
        errors: ZatcaErrors,
    },
    /// HTTP 401: the credentials (token:secret) were not accepted.
    Unauthorized,
    /// HTTP 406: `Accept-Version` missing or unsupported.
    VersionNotSupported,
    /// HTTP 5xx: ZATCA failed; safe to retry only for idempotent calls.
    Server {
        /// HTTP status.
        status: u16,
        /// What ZATCA said, if anything.
        errors: ZatcaErrors,
    },
    /// No answer in time: whether ZATCA acted is unknown.
    Timeout,
    /// The connection failed before a request was sent.
    Connection {
        /// What failed (never holds credentials).
        reason: String,
    },
    /// The answer could not be read.
    MalformedAnswer {
        /// What was wrong.
        reason: String,
    },
    /// An HTTP status this contract does not expect.
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
    },
}

impl FatooraError {
    /// ZATCA's HTTP 400 refusal with one error of `code` and `message`: the
    /// `{"errors":[{"code","message"}]}` body, e.g. `Invalid-OTP`.
    ///
    /// ```
    /// use zatca_fatoora::{ErrorKind, FatooraError};
    /// let refused = FatooraError::rejected("Invalid-OTP", "OTP is not valid");
    /// assert_eq!(refused.kind(), ErrorKind::InvalidOtp);
    /// ```
    pub fn rejected(code: &str, message: &str) -> Self {
        Self::Rejected {
            status: 400,
            errors: ZatcaErrors::from(vec![ZatcaError {
                category: None,
                code: Some(code.to_owned()),
                message: message.to_owned(),
            }]),
        }
    }

    /// ZATCA's `Missing-ComplianceSteps` refusal listing the steps not passed
    /// yet, in its message form `[step, step]`, which [`Self::kind`]
    /// reads back.
    ///
    /// ```
    /// use zatca_fatoora::{ComplianceStep, ErrorKind, FatooraError};
    /// let refused = FatooraError::missing_compliance_steps(&[ComplianceStep::SimplifiedInvoice]);
    /// assert_eq!(
    ///     refused.kind(),
    ///     ErrorKind::MissingComplianceSteps(vec!["simplified-compliant".to_owned()])
    /// );
    /// ```
    pub fn missing_compliance_steps(missing: &[ComplianceStep]) -> Self {
        let names: Vec<&str> = missing.iter().map(|s| s.name()).collect();
        Self::rejected(
            ZatcaCode::MissingComplianceSteps.as_str(),
            &format!("Compliance steps missing: [{}]", names.join(", ")),
        )
    }

    /// The AD CS policy module's denial of a CSR whose certificate template is
    /// not this environment's (`requestID -2`, `NOT_COMPLIANT`), with ZATCA's message,
    /// which [`Self::kind`] reads as [`ErrorKind::TemplateDenied`].
    ///
    /// ```
    /// use zatca_fatoora::{ErrorKind, FatooraError};
    /// let refused = FatooraError::template_denied("TSTZATCA-Code-Signing");
    /// assert_eq!(refused.kind(), ErrorKind::TemplateDenied);
    /// ```
    pub fn template_denied(template: &str) -> Self {
        Self::Rejected {
            status: 400,
            errors: ZatcaErrors::from(vec![ZatcaError {
                category: None,
                code: None,
                message: format!(
                    "unable to submit and sign the csr in zatca side, caused : Denied by Policy Module 0x80094800, The request was for a certificate template that is not supported by the Active Directory Certificate Services policy: {template}."
                ),
            }]),
        }
    }

    /// Classifies ZATCA's refusal.
    pub fn kind(&self) -> ErrorKind {
        let errors = match self {
            Self::Rejected { errors, .. } | Self::Server { errors, .. } => errors,
            _ => return ErrorKind::Other,
        };
        for e in errors.iter() {
            let message = e.message.as_str();
            let code = [e.code.as_deref(), e.category.as_deref()]
                .into_iter()
                .flatten()
                .find_map(ZatcaCode::from_code);
            let kind = match code {
                Some(ZatcaCode::InvalidOtp) => ErrorKind::InvalidOtp,
                Some(ZatcaCode::MissingOtp) => ErrorKind::MissingOtp,
                Some(ZatcaCode::InvalidCsr) => ErrorKind::InvalidCsr,
                Some(ZatcaCode::MissingComplianceSteps) => {
                    ErrorKind::MissingComplianceSteps(compliance_steps(message))
                }
                Some(ZatcaCode::InvalidCurrentCcsid | ZatcaCode::InvalidRequestId) => {
                    ErrorKind::InvalidComplianceCsid
                }
                Some(ZatcaCode::CertificatePermissions) => ErrorKind::CertificatePermissions,
                Some(ZatcaCode::AlreadyIssued) => ErrorKind::AlreadyIssued,
                _ if message.contains(TEMPLATE_DENIED_TEXT) => ErrorKind::TemplateDenied,
                _ => continue,
            };
            return kind;
        }
        ErrorKind::Other
    }

    /// Whether ZATCA certainly did not act, so repeating the call is safe.
    /// A timeout is ambiguous: check state before repeating a non-idempotent call.
    pub fn nothing_happened(&self) -> bool {
        matches!(
            self,
            Self::Connection { .. } | Self::VersionNotSupported | Self::Unauthorized
        )
    }
}

/// The step names in a `Missing-ComplianceSteps` message, e.g.
/// `"[standard-compliant, simplified-compliant]"`.
fn compliance_steps(message: &str) -> Vec<String> {
    let inner = match (message.find('['), message.rfind(']')) {
        (Some(a), Some(b)) if a < b => message.get(a + 1..b).unwrap_or(""),
        _ => message,
    };
    inner
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| s.ends_with("-compliant"))
        .map(str::to_owned)
        .collect()
}

impl fmt::Display for FatooraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected { status, errors } => match self.kind() {
                ErrorKind::InvalidOtp => write!(
                    f,
                    "ZATCA refused the OTP (HTTP {status}): it is wrong, already used or expired; generate a new one on the portal of this environment ({errors})"
                ),
                ErrorKind::TemplateDenied => write!(
                    f,
                    "ZATCA refused the CSR's certificate template (HTTP {status}): the CSR was made for another environment than this endpoint; rebuild it with the right --env ({errors})"
                ),
                ErrorKind::MissingComplianceSteps(steps) => write!(
                    f,
                    "ZATCA has not seen these compliance documents pass: {} (HTTP {status})",
                    steps.join(", ")
                ),
                _ => write!(f, "ZATCA refused the request (HTTP {status}): {errors}"),
            },
            Self::Unauthorized => write!(
                f,
                "ZATCA did not accept the credentials (HTTP 401): check that the CSID's token and secret are the current ones for this environment"
            ),
            Self::VersionNotSupported => write!(
                f,
                "ZATCA refused the API version (HTTP 406): the Accept-Version: V2 header is required"
            ),
            Self::Server { status, errors } if errors.is_empty() => {
                write!(f, "ZATCA failed (HTTP {status}); try again later")
            }
            Self::Server { status, errors } => {
                write!(f, "ZATCA failed (HTTP {status}): {errors}; try again later")
            }
            Self::Timeout => write!(
                f,
                "ZATCA did not answer in time; whether the request took effect is unknown"
            ),
            Self::Connection { reason } => write!(f, "could not reach ZATCA: {reason}"),
            Self::MalformedAnswer { reason } => {
                write!(f, "ZATCA's answer could not be read: {reason}")
            }
            Self::UnexpectedStatus { status } => {
                write!(f, "ZATCA answered with unexpected HTTP status {status}")
            }
        }
    }
}

impl std::error::Error for FatooraError {}
