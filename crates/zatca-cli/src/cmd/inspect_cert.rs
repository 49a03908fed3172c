//! The certificate branch of `zatca inspect`: certificates in every form,
//! binarySecurityTokens, CSID responses and ZATCA error bodies. Never prints
//! the CSID secret.

use base64::Engine as _;
use serde_json::{Value, json};
use zatca_cert::{CertError, Certificate, CertificateForm};
use zatca_fatoora::{Csid, CsidError, CsidResponse, ZatcaErrors};

use crate::exit::CliError;
use crate::term::escape;

/// Describes `bytes` if it is a certificate, token, CSID response or ZATCA
/// error body; `None` if it is something else (for the other branches).
pub fn inspect(bytes: &[u8], as_json: bool) -> Option<Result<(), CliError>> {
    if bytes.trim_ascii_start().starts_with(b"{") {
        match Csid::from_response_json(bytes) {
            Ok(response) => return Some(print_response(&response, as_json)),
            Err(CsidError::Rejected {
                disposition,
                errors,
            }) => return Some(print_errors(disposition.as_deref(), &errors, as_json)),
            // A saved response without its secret still holds a certificate.
            Err(CsidError::MissingField { field: "secret" }) => {}
            Err(CsidError::NotAnAnswer)
            | Err(CsidError::MissingField { .. })
            | Err(CsidError::MalformedJson { .. }) => return None,
            Err(e) => return Some(Err(e.into())),
        }
    }
    match Certificate::from_bytes(bytes) {
        Ok((cert, form)) => Some(print_certificate(&cert, form, as_json)),
        Err(
            e @ (CertError::Malformed {
                form:
                    "X.509 certificate DER"
                    | "certificate PEM"
                    | "binarySecurityToken"
                    | "binarySecurityToken (inner layer)",
                ..
            }
            | CertError::UnsupportedKey { .. }),
        ) => Some(Err(e.into())),
        Err(_) => None,
    }
}

fn now() -> zatca_cert::UnixTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    zatca_cert::UnixTime::from_secs(secs)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn certificate_json(cert: &Certificate) -> Value {
    let san = cert.san();
    json!({
        "serial": cert.serial_decimal(),
        "issuer": cert.issuer_name(),
        "subject": cert.subject_name(),
        "certificate_hash": cert.certificate_hash(),
        "public_key": b64(cert.public_key_spki()),
        "signature": b64(cert.signature()),
        "not_before": cert.not_before().to_string(),
        "not_after": cert.not_after().to_string(),
        "valid_now": cert.is_valid_at(now()),
        "vat": san.vat,
        "egs_serial": san.egs_serial,
        "invoice_type": san.invoice_types,
        "location": san.location,
        "industry": san.industry,
        "environment": cert.ca_family().map(|e| e.name()),
        "shared_sandbox_certificate": cert.is_shared_sandbox_certificate(),
        "fingerprint_sha256": cert.fingerprint_sha256().iter().map(|b| format!("{b:02x}")).collect::<String>(),
    })
}

fn print_certificate_text(cert: &Certificate, indent: &str) {
    let san = cert.san();
    // Names and SAN values are the certificate's own text: made safe for the terminal.
    fn or_none(v: &Option<String>) -> std::borrow::Cow<'_, str> {
        v.as_deref().map_or("(none)".into(), escape)
    }
    println!("{indent}issuer:           {}", escape(cert.issuer_name()));
    println!("{indent}serial:           {}", cert.serial_decimal());
    println!("{indent}subject:          {}", escape(cert.subject_name()));
    println!(
        "{indent}validity:         {} → {}{}",
        cert.not_before(),
        cert.not_after(),
        if cert.is_valid_at(now()) {
            ""
        } else {
            " (NOT valid now)"
        }
    );
    println!("{indent}VAT (SAN UID):    {}", or_none(&san.vat));
    println!("{indent}EGS serial (SN):  {}", or_none(&san.egs_serial));
    println!("{indent}invoice types:    {}", or_none(&san.invoice_types));
    println!("{indent}location:         {}", or_none(&san.location));
    println!("{indent}industry:         {}", or_none(&san.industry));
    println!(
        "{indent}environment:      {}",
        cert.ca_family().map_or("unknown issuer", |e| e.name())
    );
    println!("{indent}certificate hash: {}", cert.certificate_hash());
    println!("{indent}public key:       {}", b64(cert.public_key_spki()));
    println!("{indent}signature:        {}", b64(cert.signature()));
    if cert.is_shared_sandbox_certificate() {
        println!(
            "{indent}warning: this is the public SDK / developer-portal sandbox certificate, shared by everyone"
        );
    }
}

fn print_certificate(
    cert: &Certificate,
    form: CertificateForm,
    as_json: bool,
) -> Result<(), CliError> {
    if as_json {
        let mut doc = certificate_json(cert);
        if let Value::Object(map) = &mut doc {
            map.insert("kind".into(), json!("certificate"));
            map.insert("form".into(), json!(form.description()));
        }
        println!("{doc:#}");
    } else {
        println!("certificate ({form})");
        print_certificate_text(cert, "  ");
    }
    Ok(())
}

fn print_response(response: &CsidResponse, as_json: bool) -> Result<(), CliError> {
    let csid = &response.csid;
    if as_json {
        let doc = json!({
            "kind": "csid_response",
            "request_id": csid.request_id(),
            "disposition": response.disposition,
            "token_type": response.token_type,
            "renewal_wrapper": response.renewal_wrapper,
            "secret": "present (not shown)",
            "warnings": errors_json(&response.warnings),
            "certificate": certificate_json(csid.certificate()),
        });
        println!("{doc:#}");
    } else {
        println!(
            "CSID response{}",
            if response.renewal_wrapper {
                " (renewal 428 {\"value\":…} wrapper)"
            } else {
                ""
            }
        );
        println!(
            "  request id:  {}",
            escape(csid.request_id().unwrap_or("(none)"))
        );
        println!(
            "  disposition: {}",
            escape(response.disposition.as_deref().unwrap_or("(none)"))
        );
        println!("  secret:      present (not shown)");
        if !response.warnings.is_empty() {
            println!("  errors:      {}", escape(&response.warnings.to_string()));
        }
        println!("  certificate:");
        print_certificate_text(csid.certificate(), "    ");
    }
    Ok(())
}

fn errors_json(errors: &ZatcaErrors) -> Value {
    Value::Array(
        errors
            .iter()
            .map(|e| json!({"category": e.category, "code": e.code, "message": e.message}))
            .collect(),
    )
}

fn print_errors(
    disposition: Option<&str>,
    errors: &ZatcaErrors,
    as_json: bool,
) -> Result<(), CliError> {
    if as_json {
        let doc = json!({
            "kind": "zatca_errors",
            "disposition": disposition,
            "errors": errors_json(errors),
        });
        println!("{doc:#}");
    } else {
        println!(
            "ZATCA error response{}",
            disposition
                .map(|d| format!(" ({})", escape(d)))
                .unwrap_or_default()
        );
        for e in errors.iter() {
            println!("  {}", escape(&e.to_string()));
        }
    }
    Ok(())
}
