//! Redacted copies of exchanges, for observers and logs.

use serde_json::Value;

/// What stands in for a redacted value.
pub const REDACTED: &str = "<redacted>";

/// Headers whose values are always redacted (case-insensitive).
const SECRET_HEADERS: [&str; 5] = [
    "authorization",
    "otp",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// JSON keys whose values are always redacted, at any depth (case-insensitive).
const SECRET_KEYS: [&str; 2] = ["secret", "otp"];

/// One HTTP exchange with every credential taken out: what an observer sees.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedactedExchange {
    /// Which try of the call this was (1 for the first).
    pub attempt: u32,
    /// `POST` or `PATCH`.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// The request headers, `Authorization` and `OTP` replaced by [`REDACTED`].
    pub request_headers: Vec<(String, String)>,
    /// The request body, every `"secret"` value replaced by [`REDACTED`].
    pub request_body: String,
    /// The HTTP status, if an answer came.
    pub status: Option<u16>,
    /// The response headers (cookies redacted).
    pub response_headers: Vec<(String, String)>,
    /// The response body, every `"secret"` value replaced by [`REDACTED`].
    pub response_body: Option<String>,
    /// Why no answer came (never holds credentials).
    pub error: Option<String>,
}

impl RedactedExchange {
    /// A request about to be sent, with its headers and body redacted.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn request(
        attempt: u32,
        method: &'static str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Self {
        Self {
            attempt,
            method,
            url: url.to_owned(),
            request_headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), redact_header(k, v)))
                .collect(),
            request_body: redact_body(body),
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            error: None,
        }
    }
}

/// A header value as it may be shown: credentials replaced by [`REDACTED`].
///
/// ```
/// use zatca_http::redact_header;
/// assert_eq!(redact_header("Authorization", "Basic dG9rOnNlY3JldA=="), "<redacted>");
/// assert_eq!(redact_header("OTP", "123345"), "<redacted>");
/// assert_eq!(redact_header("Accept-Version", "V2"), "V2");
/// ```
pub fn redact_header(name: &str, value: &str) -> String {
    if SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        REDACTED.to_owned()
    } else {
        value.to_owned()
    }
}

/// A body as it may be shown: JSON with every `"secret"` (and `"otp"`) value
/// replaced by [`REDACTED`], at any depth (the renewal's `{"value":{…}}` too);
/// a body that is not JSON is shown as text only if it has no such key,
/// else wholly redacted.
///
/// ```
/// use zatca_http::redact_body;
/// let shown = redact_body(br#"{"value":{"binarySecurityToken":"TUlJ","secret":"s3cr3t"}}"#);
/// assert_eq!(shown, r#"{"value":{"binarySecurityToken":"TUlJ","secret":"<redacted>"}}"#);
/// ```
pub fn redact_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string()
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let lower = text.to_ascii_lowercase();
            if SECRET_KEYS.iter().any(|k| lower.contains(k)) {
                REDACTED.to_owned()
            } else {
                text.into_owned()
            }
        }
    }
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    if !v.is_null() {
                        *v = Value::String(REDACTED.to_owned());
                    }
                } else {
                    redact_value(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_at_any_depth_and_csr_kept() {
        let shown = redact_body(br#"{"csr":"LS0t","secret":"x","a":[{"Secret":"y"}],"otp":null}"#);
        assert_eq!(
            shown,
            r#"{"a":[{"Secret":"<redacted>"}],"csr":"LS0t","otp":null,"secret":"<redacted>"}"#
        );
        assert_eq!(
            redact_body(b"Version not supported"),
            "Version not supported"
        );
        assert_eq!(redact_body(b"secret=abc&x"), REDACTED);
        for h in ["authorization", "OTP", "Set-Cookie"] {
            assert_eq!(redact_header(h, "v"), REDACTED);
        }
    }
}
