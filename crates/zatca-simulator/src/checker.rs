//! The simulator's signature and QR checks of compliance documents: the
//! [`DocumentChecker`] on top of `zatca_ubl::check_invoice`.
//!
//! Each problem the verifier names becomes one ZATCA-shaped message
//! (`type`/`status` `ERROR`); and the certificate in the document must be the
//! CSID's the request was authenticated with.

use zatca_fatoora::ValidationMessage;
use zatca_ubl::UblError;

use crate::fatoora::DocumentChecker;

/// Checks a compliance document's signature, SignedProperties, certificate
/// values and QR code with `zatca-ubl`'s verifier.
#[derive(Debug, Clone, Copy, Default)]
pub struct UblDocumentChecker;

impl DocumentChecker for UblDocumentChecker {
    fn check(&self, xml: &[u8], certificate_der: &[u8]) -> Vec<ValidationMessage> {
        match zatca_ubl::check_invoice(xml) {
            Ok(verified) => {
                if verified.certificate().der() == certificate_der {
                    Vec::new()
                } else {
                    vec![error(
                        "invalid-signing-certificate",
                        "SIGNATURE_ERRORS",
                        "The certificate in ds:X509Certificate is not the CSID's certificate"
                            .into(),
                    )]
                }
            }
            Err(problems) => problems.iter().map(to_message).collect(),
        }
    }
}

fn to_message(problem: &UblError) -> ValidationMessage {
    let (code, category) = match problem {
        UblError::InvoiceDigestMismatch { .. } => {
            ("invalid-invoice-hash", "INVOICE_HASHING_ERRORS")
        }
        UblError::SignatureValueInvalid => ("invalid-signature", "SIGNATURE_ERRORS"),
        UblError::SignedPropertiesDigestMismatch { .. } => {
            ("invalid-signed-properties-hashing", "SIGNATURE_ERRORS")
        }
        UblError::CertDigestMismatch { .. } | UblError::IssuerSerialMismatch { .. } => {
            ("invalid-signing-certificate", "SIGNATURE_ERRORS")
        }
        UblError::QrMismatch { .. } => ("invalid-qr-code", "QRCODE_ERRORS"),
        UblError::Sign(_) => ("invalid-signature-or-qr", "SIGNATURE_ERRORS"),
        UblError::Certificate(_) => ("invalid-signing-certificate", "SIGNATURE_ERRORS"),
        _ => ("invalid-invoice", "XSD_SCHEMA_ERROR"),
    };
    error(code, category, problem.to_string())
}

fn error(code: &str, category: &str, text: String) -> ValidationMessage {
    ValidationMessage {
        kind: Some("ERROR".into()),
        code: Some(code.into()),
        category: Some(category.into()),
        message: Some(text),
        status: Some("ERROR".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
        ))
        .unwrap_or_default()
    }

    #[test]
    fn sdk_sample_passes_under_its_certificate_only() {
        let xml = sample();
        let verified = zatca_ubl::verify_invoice(&xml).unwrap();
        let der = verified.certificate().der();
        assert!(UblDocumentChecker.check(&xml, der).is_empty());
        let other = UblDocumentChecker.check(&xml, b"another certificate");
        assert_eq!(other.len(), 1);
        assert_eq!(
            other[0].code.as_deref(),
            Some("invalid-signing-certificate")
        );
    }

    #[test]
    fn each_problem_is_a_message() {
        let xml = String::from_utf8(sample()).unwrap();
        let tampered = xml.replacen("2024-01-14T10:26:49", "2024-01-14T10:26:50", 1);
        let messages = UblDocumentChecker.check(tampered.as_bytes(), b"");
        assert_eq!(messages.len(), 1);
        assert_eq!(
            messages[0].code.as_deref(),
            Some("invalid-signed-properties-hashing")
        );
        assert!(
            messages[0]
                .message
                .as_deref()
                .unwrap_or_default()
                .contains("xadesSignedProperties")
        );
    }
}
