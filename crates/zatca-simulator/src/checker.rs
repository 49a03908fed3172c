//! The simulator's judgement of compliance documents, as ZATCA's compliance
//! endpoint judges them: ZATCA's own invoice rules (`zatca-rules`: the UBL 2.1
//! schema, the EN 16931 and KSA rules of SDK R3.3.3, at the simulator's time),
//! then the signature, SignedProperties, certificate values and QR
//! (`zatca_ubl::check_invoice`), and the certificate in the document must be
//! the CSID's the request was authenticated with. Errors and warnings come with
//! ZATCA's codes, categories and the rule files' messages.

use zatca_rules::{Finding, Flag, Options, Profile, Stage};
use zatca_types::UnixTime;

use crate::fatoora::{DocumentChecker, DocumentVerdict};

/// Checks a compliance document with ZATCA's rules and `zatca-ubl`'s verifier.
#[derive(Debug, Clone, Copy, Default)]
pub struct UblDocumentChecker;

impl DocumentChecker for UblDocumentChecker {
    fn check(&self, xml: &[u8], certificate_der: &[u8], now: u64) -> DocumentVerdict {
        let options = Options {
            profile: Profile::R3_3_3,
            now: UnixTime::from_secs(now),
            check_signature: false,
        };
        let mut report = zatca_rules::validate(xml, &options);
        match zatca_ubl::check_invoice(xml) {
            Ok(verified) if verified.certificate().der() != certificate_der => {
                report.findings.push(Finding {
                    stage: Stage::Signature,
                    code: "invalid-signing-certificate".into(),
                    flag: Flag::Error,
                    category: "SIGNATURE_ERRORS".into(),
                    message: "The certificate in ds:X509Certificate is not the CSID's certificate"
                        .into(),
                });
            }
            Ok(_) => {}
            Err(problems) => report
                .findings
                .extend(problems.iter().map(Finding::of_signature_problem)),
        }
        let results = report.to_validation_results();
        DocumentVerdict {
            errors: results.error_messages,
            warnings: results.warning_messages,
        }
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
        // 2026-12-01: after the sample's issue date.
        let now = 1_796_083_200;
        assert!(UblDocumentChecker.check(&xml, der, now).errors.is_empty());
        let other = UblDocumentChecker
            .check(&xml, b"another certificate", now)
            .errors;
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
        let verified = zatca_ubl::verify_invoice(&sample()).unwrap();
        let der = verified.certificate().der().to_vec();
        let messages = UblDocumentChecker
            .check(tampered.as_bytes(), &der, 1_796_083_200)
            .errors;
        assert_eq!(messages.len(), 1, "{messages:?}");
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
