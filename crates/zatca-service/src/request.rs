//! What the service reads from a request before it looks anything up: the
//! auth headers, the JSON bodies and the path parameters. These are the
//! functions the handlers call, pure (no store, no clock), so the fuzz
//! target `service_request` drives exactly what the routes parse.
//!
//! Every refusal is a [`Rejection`]: the HTTP status and the seed-shaped
//! `ErrorList` entries the route answers with (the codes of the crate docs).

use axum::http::header;
/// The header types the functions read (re-exported for callers without `axum`).
pub use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use zatca_onboarding::{
    DeviceId, ErrorEntry, ErrorSource, OnboardingError, Options, validate_registration,
};
use zatca_profile::{EgsProfile, Environment, Field, Otp, RequestInput, Vat};
use zatca_types::ActivityId;

use crate::status_of;

/// The header carrying the user's token.
pub const TOKEN_HEADER: &str = "x-cleartax-auth-token";
/// The header naming the VAT (or group VAT) acted for.
pub const VAT_HEADER: &str = "vat";

/// A request refused: the HTTP status and the `ErrorList` entries to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status (400, 401, 403, 404 or, for the store's failures, 500).
    pub status: u16,
    /// The entries, never empty.
    pub entries: Vec<ErrorEntry>,
}

impl Rejection {
    /// One entry of the service's own (`ErrorSource` `LOCAL`).
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            entries: vec![ErrorEntry::new(code, message, ErrorSource::Local)],
        }
    }

    /// The lifecycle's error, with the status of [`status_of`].
    pub fn of(e: &OnboardingError) -> Self {
        Self {
            status: status_of(e.kind()),
            entries: e.entries(),
        }
    }

    /// Sets the `Path` of every entry (the field or header it is about).
    #[must_use]
    pub fn at(mut self, path: &str) -> Self {
        self.entries = self.entries.into_iter().map(|e| e.at(path)).collect();
        self
    }
}

/// A header's text, trimmed; `None` when absent, empty or not visible ASCII.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The caller's token: `x-cleartax-auth-token`, else `Authorization: Bearer
/// TOKEN` (scheme in any case); `None` when neither carries one.
pub fn auth_token(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, TOKEN_HEADER).or_else(|| {
        let value = header_text(headers, header::AUTHORIZATION.as_str())?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    })
}

/// [`auth_token`], or 401 `ZS001`.
pub fn require_token(headers: &HeaderMap) -> Result<&str, Rejection> {
    auth_token(headers).ok_or_else(|| {
        Rejection::new(
            401,
            "ZS001",
            "the x-cleartax-auth-token header is missing: send the user's auth token (or Authorization: Bearer TOKEN)",
        )
    })
}

/// The `vat` header's VAT: 403 `ZS003` when it is missing; 400 `ZS004` when
/// it is not a VAT (whether the service serves it is the caller's check,
/// answered with [`vat_not_served`]).
pub fn vat_header(headers: &HeaderMap) -> Result<Vat, Rejection> {
    let text = header_text(headers, VAT_HEADER).ok_or_else(|| {
        Rejection::new(
            403,
            "ZS003",
            "the vat header is missing: send the VAT or group VAT acted for",
        )
    })?;
    Vat::parse(text).map_err(|_| vat_not_served())
}

/// 400 `ZS004`: the `vat` header names no VAT the service serves.
pub fn vat_not_served() -> Rejection {
    Rejection::new(
        400,
        "ZS004",
        "the VAT of the vat header is not served here: an administrator adds it with `zatca serve vat add VAT`",
    )
    .at(VAT_HEADER)
}

/// A register-device body, read and validated.
#[derive(Debug)]
pub struct RegisterBody {
    /// The request (without its OTP), for the lifecycle.
    pub input: RequestInput,
    /// The validated profile: the device's CSR values.
    pub profile: EgsProfile,
    /// The OTP, when the body asks for the CSIDs too.
    pub otp: Option<Otp>,
}

/// Reads a register-device body in either seed shape (ClearTax's
/// `DeviceDetails`/`OrganizationDetails`/`Otp`, or `Device`/`Organization`/
/// `OTP`/`Environment`) and validates it for `environment`: 400 with every
/// validation error (`ZP…`), or `ZS011` when the body asks for another
/// environment.
pub fn register_body(
    body: &[u8],
    environment: Environment,
    options: &Options,
) -> Result<RegisterBody, Rejection> {
    let mut input = RequestInput::from_bytes(body)
        .map_err(|errors| Rejection::of(&OnboardingError::Invalid(errors)))?;
    if let Some(asked) = input.get(Field::Environment)
        && asked.parse::<Environment>().is_ok_and(|e| e != environment)
    {
        return Err(Rejection::new(
            400,
            "ZS011",
            format!(
                "this service registers {} devices; the request asks for another environment",
                environment.as_str()
            ),
        )
        .at("Environment"));
    }
    let otp = input.take_otp();
    let (profile, _) =
        validate_registration(&input, Some(environment), options).map_err(|e| Rejection::of(&e))?;
    Ok(RegisterBody {
        input,
        profile,
        otp,
    })
}

/// A generate-csid or renew-pcsid body: `{"DeviceId": "…", "Otp": "…"}`.
#[derive(Debug)]
pub struct CsidBody {
    /// The device.
    pub device_id: DeviceId,
    /// The OTP; `None` when missing or blank (the route answers `ZO002`
    /// once the device is known to be the caller's).
    pub otp: Option<Otp>,
}

/// Reads a generate-csid or renew-pcsid body: 400 `ZS010` when it is not a
/// JSON object or has no string `DeviceId`, 400 `ZO005` when the
/// `DeviceId` is not a Device ID.
pub fn csid_body(body: &[u8]) -> Result<CsidBody, Rejection> {
    let malformed = |message: &str, path: &str| Rejection::new(400, "ZS010", message).at(path);
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(malformed(
            "the body must be a JSON object {\"DeviceId\": \"…\", \"Otp\": \"…\"}",
            "",
        ));
    };
    let device_id = match fields.get("DeviceId") {
        Some(Value::String(text)) if !text.trim().is_empty() => device_id(text.trim())?,
        _ => {
            return Err(malformed(
                "DeviceId is missing: give the Device ID register-device answered",
                "DeviceId",
            ));
        }
    };
    let otp = match fields.remove("Otp") {
        Some(Value::String(otp)) if !otp.trim().is_empty() => Some(Otp::new(otp)),
        _ => None,
    };
    Ok(CsidBody { device_id, otp })
}

/// A Device ID (the `{DeviceId}` path parameter, or the body's field):
/// 400 `ZO005` when it is not one.
pub fn device_id(text: &str) -> Result<DeviceId, Rejection> {
    text.parse()
        .map_err(|e| Rejection::of(&OnboardingError::MalformedId(e)))
}

/// The `{ActivityId}` path parameter: 400 `ZO005` when it is not an activity id.
pub fn activity_id(text: &str) -> Result<ActivityId, Rejection> {
    text.parse()
        .map_err(|e| Rejection::of(&OnboardingError::MalformedId(e)))
}
