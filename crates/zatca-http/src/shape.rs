//! ZATCA's JSON answers, written back from typed values (the server's side).

use serde_json::{Map, Value, json};
use zatca_fatoora::{CsidResponse, ZatcaErrors};
use zeroize::Zeroizing;

/// A CSID answer as ZATCA sends it (Integration Sandbox Swagger):
/// `{"requestID","tokenType","dispositionMessage","binarySecurityToken","secret","errors"}`,
/// with `requestID` a number when it is one. It holds the secret, hence `Zeroizing`.
///
/// ```
/// use zatca_fatoora::Csid;
/// let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/api/isb-compliance-200.json"))?;
/// let parsed = Csid::from_response_json(&body)?;
/// let again = Csid::from_response_json(zatca_http::csid_json(&parsed).as_bytes())?;
/// assert_eq!(again.csid.token(), parsed.csid.token());
/// assert_eq!(again.csid.expose_secret(), parsed.csid.expose_secret());
/// assert_eq!(again.csid.request_id(), Some("1234567890123"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn csid_json(response: &CsidResponse) -> Zeroizing<String> {
    let csid = &response.csid;
    let mut out = Zeroizing::new(String::with_capacity(
        csid.token().len() + csid.expose_secret().len() + 256,
    ));
    out.push_str("{\"requestID\":");
    match csid.request_id() {
        Some(id) if id.parse::<u64>().is_ok() => out.push_str(id),
        Some(id) => push_json_str(&mut out, id),
        None => out.push_str("null"),
    }
    out.push_str(",\"tokenType\":");
    push_opt(&mut out, response.token_type.as_deref());
    out.push_str(",\"dispositionMessage\":");
    push_opt(&mut out, response.disposition.as_deref());
    out.push_str(",\"binarySecurityToken\":");
    push_json_str(&mut out, csid.token());
    out.push_str(",\"secret\":");
    push_json_str(&mut out, csid.expose_secret());
    out.push_str(",\"errors\":");
    if response.warnings.is_empty() {
        out.push_str("null");
    } else {
        out.push_str(&error_list(&response.warnings).to_string());
    }
    out.push('}');
    out
}

/// `{"errors":[{"category"?,"code"?,"message"}]}`, ZATCA's 400 shape.
///
/// ```
/// use zatca_fatoora::ZatcaErrors;
/// let errors = ZatcaErrors::from_json(br#"{"errors":[{"code":"Missing-OTP","message":"OTP is required field"}]}"#)?;
/// assert_eq!(
///     zatca_http::errors_json(&errors),
///     r#"{"errors":[{"code":"Missing-OTP","message":"OTP is required field"}]}"#
/// );
/// # Ok::<(), zatca_fatoora::CsidError>(())
/// ```
pub fn errors_json(errors: &ZatcaErrors) -> String {
    json!({ "errors": error_list(errors) }).to_string()
}

/// A list of `(code, message)` errors, as ZATCA's answers carry them.
#[cfg_attr(not(any(feature = "client", feature = "server")), allow(dead_code))]
pub(crate) fn zatca_errors(list: &[(&str, &str)]) -> ZatcaErrors {
    list.iter()
        .map(|(code, message)| zatca_fatoora::ZatcaError {
            category: None,
            code: Some((*code).to_owned()),
            message: (*message).to_owned(),
        })
        .collect()
}

fn error_list(errors: &ZatcaErrors) -> Value {
    Value::Array(
        errors
            .iter()
            .map(|e| {
                let mut m = Map::new();
                if let Some(c) = &e.category {
                    m.insert("category".into(), Value::String(c.clone()));
                }
                if let Some(c) = &e.code {
                    m.insert("code".into(), Value::String(c.clone()));
                }
                m.insert("message".into(), Value::String(e.message.clone()));
                Value::Object(m)
            })
            .collect(),
    )
}

fn push_opt(out: &mut String, value: Option<&str>) {
    match value {
        Some(v) => push_json_str(out, v),
        None => out.push_str("null"),
    }
}

/// Appends `s` as a JSON string, escaping in place (no temporary copy of a secret).
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut out = String::new();
        push_json_str(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(
            serde_json::from_str::<String>(&out).unwrap(),
            "a\"b\\c\n\u{1}é"
        );
    }
}
