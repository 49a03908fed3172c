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
    DeviceId, ErrorEntry, ErrorSource, OnboardingError, Options, check_otp, validate_registration,
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
    let mut input = request_input(body, environment)?;
    let otp = input.take_otp();
    let (profile, _) =
        validate_registration(&input, Some(environment), options).map_err(|e| Rejection::of(&e))?;
    Ok(RegisterBody {
        input,
        profile,
        otp,
    })
}

/// Reads a register body and refuses (`ZS011`) one that asks for another
/// environment than the service's.
fn request_input(body: &[u8], environment: Environment) -> Result<RequestInput, Rejection> {
    let input = RequestInput::from_bytes(body)
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
    Ok(input)
}

/// The solution and model a plain EGS serial is completed with
/// ([`zatca_profile::EgsSerial::complete`]).
#[derive(Debug, Clone, Copy)]
pub struct EgsCompletion<'a> {
    /// Part 1 of the completed serial.
    pub solution: &'a str,
    /// Part 2 of the completed serial.
    pub model: &'a str,
}

/// A `POST /devices` body (the other provider's register call), read and
/// validated, with its OTP.
#[derive(Debug)]
pub struct DeviceBody {
    /// The request (without its OTP), its EGS serial completed.
    pub input: RequestInput,
    /// The validated profile.
    pub profile: EgsProfile,
    /// The OTP (mandatory in this call).
    pub otp: Otp,
}

/// Reads a `POST /devices` body (`Device`, `Organization`, `Environment`,
/// `OTP`, `InvoiceFormat`; ClearTax's shape is read too): a plain
/// `EgsSerialNumber` is completed with `egs`, then the body is validated as
/// [`register_body`] does; the OTP is mandatory (`ZO002`) and must have the
/// environment's form (`ZO001`, [`check_otp`]), reported with the
/// other errors before anything is registered.
pub fn device_body(
    body: &[u8],
    environment: Environment,
    options: &Options,
    egs: EgsCompletion<'_>,
) -> Result<DeviceBody, Rejection> {
    let mut input = request_input(body, environment)?;
    input.complete_egs_serial(egs.solution, egs.model);
    let otp = input.take_otp();
    let validated = validate_registration(&input, Some(environment), options);
    // The OTP's form is checked with the rest, before anything is registered.
    let otp_checked = match &otp {
        None => Err(OnboardingError::OtpMissing),
        Some(otp) => check_otp(environment, otp),
    };
    let (profile, otp) = match (validated, otp_checked, otp) {
        (Ok((profile, _)), Ok(()), Some(otp)) => (profile, otp),
        (validated, otp_checked, _) => {
            let mut entries = Vec::new();
            let mut status = 400;
            if let Err(e) = validated {
                let refusal = Rejection::of(&e);
                status = refusal.status;
                entries = refusal.entries;
            }
            if let Err(e) = otp_checked {
                entries.extend(Rejection::of(&e).at("OTP").entries);
            }
            return Err(Rejection { status, entries });
        }
    };
    Ok(DeviceBody {
        input,
        profile,
        otp,
    })
}

/// The `Idempotency-Key` header of a sign request.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` header, if any: 400 `ZO054` when it is not 1 to
/// 255 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Rejection> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let refused = || Rejection::of(&OnboardingError::BadIdempotencyKey).at(IDEMPOTENCY_KEY_HEADER);
    let text = value.to_str().map_err(|_| refused())?;
    zatca_onboarding::check_idempotency_key(text).map_err(|_| refused())?;
    Ok(Some(text.to_owned()))
}

/// The unsigned document of a sign request: the body itself when it is XML
/// (a `Content-Type` naming `xml`, or a body whose first non-blank byte is
/// `<`), else a JSON object `{"invoice": "<base64 of the XML>"}`; 400
/// `ZS012` otherwise.
pub fn invoice_body(headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, Rejection> {
    use base64::Engine as _;
    let xml_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().contains("xml"));
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if xml_type || first == Some(&b'<') || body.starts_with(b"\xEF\xBB\xBF") {
        return Ok(body.to_vec());
    }
    let malformed = |message: &str| Rejection::new(400, "ZS012", message).at("invoice");
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(malformed(
            "the body must be the unsigned UBL document (XML) or a JSON object {\"invoice\": \"<base64 of the XML>\"}",
        ));
    };
    let Some(Value::String(text)) = fields.get("invoice") else {
        return Err(malformed(
            "invoice is missing: give the unsigned UBL document as base64 in {\"invoice\": \"…\"}",
        ));
    };
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| {
            malformed(&format!(
                "invoice is not base64 ({e}): give the unsigned UBL document as standard base64"
            ))
        })
}

/// The `{icv}` path parameter: a positive decimal integer; 404 `ZO053`
/// otherwise (no document has that ICV).
pub fn icv(text: &str) -> Result<u64, Rejection> {
    text.parse::<u64>()
        .ok()
        .filter(|icv| *icv > 0 && text.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Rejection::new(
                404,
                "ZO053",
                "no signed document has this ICV: an ICV is a positive decimal integer (1 for a device's first document)",
            )
            .at("icv")
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
