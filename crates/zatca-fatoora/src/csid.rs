//! CSIDs (token + secret + certificate) and ZATCA's CSID and error answers,
//! in the shapes listed in the crate docs.

use std::fmt;

use base64::Engine as _;
use serde_json::Value;
use zeroize::Zeroizing;

use zatca_cert::{Certificate, MAX_INPUT_BYTES};

use crate::CsidError;

/// One error ZATCA reported.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ZatcaError {
    /// The category (`errorCategory`, `category`, or the gateway's `error`), if given.
    pub category: Option<String>,
    /// The code (`code`, `errorCode`, or the gateway's `status`), if given.
    pub code: Option<String>,
    /// The message; may be empty (the gateway's 401 sends `""`).
    pub message: String,
}

impl fmt::Display for ZatcaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(category) = &self.category {
            write!(f, "[{category}] ")?;
        }
        match (&self.code, self.message.is_empty()) {
            (Some(code), true) => write!(f, "{code}"),
            (Some(code), false) => write!(f, "{code}: {}", self.message),
            (None, _) => write!(f, "{}", self.message),
        }
    }
}

/// The errors of one ZATCA response, in the order given.
///
/// ```
/// use zatca_fatoora::ZatcaErrors;
/// let body = br#"{"errors":[{"code":"Missing-OTP","message":"OTP is required field"}]}"#;
/// let errors = ZatcaErrors::from_json(body)?;
/// assert_eq!(errors.to_string(), "Missing-OTP: OTP is required field");
/// # Ok::<(), zatca_fatoora::CsidError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ZatcaErrors(Vec<ZatcaError>);

impl ZatcaErrors {
    /// Parses an error body in any of ZATCA's shapes (crate docs).
    pub fn from_json(input: &[u8]) -> Result<Self, CsidError> {
        let value = parse_json(input)?;
        errors_of(response_body(&value)).ok_or(CsidError::NotAnAnswer)
    }

    /// The errors.
    pub fn iter(&self) -> impl Iterator<Item = &ZatcaError> {
        self.0.iter()
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<ZatcaError>> for ZatcaErrors {
    /// The errors of a response that an implementation of ZATCA's API (the
    /// simulator) sends, in order.
    fn from(list: Vec<ZatcaError>) -> Self {
        Self(list)
    }
}

impl FromIterator<ZatcaError> for ZatcaErrors {
    fn from_iter<I: IntoIterator<Item = ZatcaError>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl fmt::Display for ZatcaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A CSID: the `binarySecurityToken` as received, its certificate, the
/// request id and the secret.
///
/// The secret is zeroized on drop, never shown by `Debug` and never part of
/// an error; it is only reachable through [`Csid::expose_secret`] and
/// [`Csid::basic_authorization`]. Not `Clone`.
pub struct Csid {
    token: String,
    certificate: Certificate,
    request_id: Option<String>,
    secret: Zeroizing<String>,
}

impl fmt::Debug for Csid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Csid")
            .field("request_id", &self.request_id)
            .field("certificate", &self.certificate)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Csid {
    /// A CSID from its parts; the token is decoded twice, leniently
    /// (whitespace stripped, missing `=` padding tolerated). A token that holds
    /// no usable certificate is [`CsidError::Certificate`], with the
    /// certificate's own error inside.
    pub fn new(
        token: &str,
        secret: Zeroizing<String>,
        request_id: Option<String>,
    ) -> Result<Self, CsidError> {
        let token = token.trim();
        Ok(Self {
            certificate: Certificate::from_binary_security_token(token)?,
            token: token.to_owned(),
            request_id,
            secret,
        })
    }

    /// Parses a CSID response body from `/compliance` or `/production/csids`
    /// (plain, or in the renewal 428 `{"value":{…}}` wrapper). A body without
    /// a token — a refusal or an error body — is [`CsidError::Rejected`].
    ///
    /// ```
    /// use zatca_fatoora::Csid;
    /// let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/api/isb-compliance-200.json"))?;
    /// let response = Csid::from_response_json(&body)?;
    /// assert_eq!(response.csid.request_id(), Some("1234567890123"));
    /// assert!(!format!("{:?}", response.csid).contains(response.csid.expose_secret()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_response_json(input: &[u8]) -> Result<CsidResponse, CsidError> {
        let mut value = parse_json(input)?;
        let wrapped = is_wrapped(&value);
        let mut body = if wrapped {
            value.get_mut("value").map(Value::take).unwrap_or_default()
        } else {
            value
        };
        // Move the secret out first, so that it is wiped on every path below.
        let secret = match body.get_mut("secret").map(Value::take) {
            Some(Value::String(s)) => Some(Zeroizing::new(s)),
            Some(Value::Null) | None => None,
            Some(mut other) => {
                zeroize_value(&mut other);
                return Err(CsidError::WrongFieldType {
                    field: "secret",
                    expected: "a string",
                });
            }
        };
        if let Some(rejected) = rejection(&body) {
            return Err(rejected);
        }
        let token = match body.get("binarySecurityToken") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => {
                return Err(CsidError::MissingField {
                    field: "binarySecurityToken",
                });
            }
            Some(_) => {
                return Err(CsidError::WrongFieldType {
                    field: "binarySecurityToken",
                    expected: "a string",
                });
            }
        };
        let secret = secret.ok_or(CsidError::MissingField { field: "secret" })?;
        let request_id = match body.get("requestID") {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(_) => {
                return Err(CsidError::WrongFieldType {
                    field: "requestID",
                    expected: "a number or a string",
                });
            }
        };
        let text = |field: &str| body.get(field).and_then(Value::as_str).map(str::to_owned);
        let disposition = text("dispositionMessage");
        let token_type = text("tokenType");
        let warnings = errors_of(&body).unwrap_or_default();
        Ok(CsidResponse {
            csid: Self::new(&token, secret, request_id)?,
            disposition,
            token_type,
            warnings,
            renewal_wrapper: wrapped,
        })
    }

    /// The `binarySecurityToken` exactly as received (trimmed): the Basic
    /// user name.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The certificate inside the token.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The `requestID` (the `compliance_request_id` of the PCSID request), as text.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The secret, in clear. Named so that every use stands out in review.
    pub fn expose_secret(&self) -> &str {
        &self.secret
    }

    /// The `Authorization` header value ZATCA expects:
    /// `Basic base64(<token as received> ":" <secret>)`: the username is the
    /// token string itself, not the decoded certificate (Integration Sandbox
    /// Swagger).
    ///
    /// ```
    /// # use zatca_fatoora::Csid;
    /// # let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/api/isb-production-csids-200.json"))?;
    /// let csid = Csid::from_response_json(&body)?.csid;
    /// assert!(csid.basic_authorization().starts_with("Basic VFVsSlJETnFRME5C"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn basic_authorization(&self) -> Zeroizing<String> {
        let mut credentials = Zeroizing::new(String::with_capacity(
            self.token.len() + 1 + self.secret.len(),
        ));
        credentials.push_str(&self.token);
        credentials.push(':');
        credentials.push_str(&self.secret);
        let mut header =
            Zeroizing::new(String::with_capacity(6 + credentials.len().div_ceil(3) * 4));
        header.push_str("Basic ");
        base64::engine::general_purpose::STANDARD
            .encode_string(credentials.as_bytes(), &mut header);
        header
    }
}

/// A parsed CSID response: the CSID and the response's other fields.
#[derive(Debug)]
#[non_exhaustive]
pub struct CsidResponse {
    /// The CSID.
    pub csid: Csid,
    /// `dispositionMessage`, e.g. `ISSUED`, or `NOT_COMPLIANT` for a renewal's
    /// compliance-grade CSID.
    pub disposition: Option<String>,
    /// `tokenType`, when given.
    pub token_type: Option<String>,
    /// Any `errors` listed next to an issued token.
    pub warnings: ZatcaErrors,
    /// Whether the body was wrapped in `{"value":{…}}` (the renewal 428 answer).
    pub renewal_wrapper: bool,
}

impl CsidResponse {
    /// The `tokenType` ZATCA sends with a CSID: the WS-Security X.509 v3 token
    /// profile's URI (Integration Sandbox Swagger examples in `testdata/api/`).
    pub const X509_V3_TOKEN_TYPE: &'static str =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";

    /// A CSID answer as ZATCA issues it: `csid` with `disposition` (`ISSUED`, or
    /// `NOT_COMPLIANT` for a renewal's compliance-grade CSID), the X.509 v3
    /// token type, no errors, and not wrapped.
    pub fn issued(csid: Csid, disposition: &str) -> Self {
        Self {
            csid,
            disposition: Some(disposition.to_owned()),
            token_type: Some(Self::X509_V3_TOKEN_TYPE.to_owned()),
            warnings: ZatcaErrors::default(),
            renewal_wrapper: false,
        }
    }
}

fn parse_json(input: &[u8]) -> Result<Value, CsidError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(CsidError::TooLarge {
            len: input.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return Err(CsidError::Empty);
    }
    serde_json::from_slice(trimmed).map_err(|e| CsidError::MalformedJson {
        reason: e.to_string(),
    })
}

fn is_wrapped(value: &Value) -> bool {
    value.get("binarySecurityToken").is_none() && value.get("value").is_some_and(Value::is_object)
}

/// The CSID object: the top level, or inside the 428 `{"value":{…}}` wrapper.
fn response_body(value: &Value) -> &Value {
    if is_wrapped(value) {
        value.get("value").unwrap_or(value)
    } else {
        value
    }
}

/// A [`CsidError::Rejected`] when the body carries no token but says why
/// (a `null` token with a disposition or errors, or an error body).
fn rejection(value: &Value) -> Option<CsidError> {
    let body = response_body(value);
    if body
        .get("binarySecurityToken")
        .is_some_and(Value::is_string)
    {
        return None;
    }
    let disposition = body
        .get("dispositionMessage")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let errors = errors_of(body);
    if disposition.is_none() && errors.is_none() {
        return None;
    }
    Some(CsidError::Rejected {
        disposition,
        errors: errors.unwrap_or_default(),
    })
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The errors in any of the shapes in the crate docs; `None` if none apply.
fn errors_of(body: &Value) -> Option<ZatcaErrors> {
    let obj = body.as_object()?;
    if let Some(Value::Array(items)) = obj.get("errors") {
        let list = items
            .iter()
            .map(|item| match item {
                Value::String(s) => ZatcaError {
                    message: s.trim_end().to_owned(),
                    ..ZatcaError::default()
                },
                Value::Object(_) => ZatcaError {
                    category: text_of(item.get("category")),
                    code: text_of(item.get("code")),
                    message: text_of(item.get("message")).unwrap_or_default(),
                },
                other => ZatcaError {
                    message: other.to_string(),
                    ..ZatcaError::default()
                },
            })
            .collect();
        return Some(ZatcaErrors(list));
    }
    if obj.contains_key("errorCode") || obj.contains_key("errorMessage") {
        return Some(ZatcaErrors(vec![ZatcaError {
            category: text_of(obj.get("errorCategory")),
            code: text_of(obj.get("errorCode")),
            message: text_of(obj.get("errorMessage")).unwrap_or_default(),
        }]));
    }
    if obj.contains_key("code") && obj.contains_key("message") {
        return Some(ZatcaErrors(vec![ZatcaError {
            category: text_of(obj.get("category")),
            code: text_of(obj.get("code")),
            message: text_of(obj.get("message")).unwrap_or_default(),
        }]));
    }
    if obj.contains_key("status") && obj.contains_key("error") {
        return Some(ZatcaErrors(vec![ZatcaError {
            category: text_of(obj.get("error")),
            code: text_of(obj.get("status")),
            message: text_of(obj.get("message")).unwrap_or_default(),
        }]));
    }
    None
}

/// Best-effort wipe of a JSON value that sat in the `secret` field.
fn zeroize_value(value: &mut Value) {
    use zeroize::Zeroize as _;
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(zeroize_value),
        Value::Object(map) => map.values_mut().for_each(zeroize_value),
        _ => {}
    }
}
