//! The schema stage: well-formed XML within the workspace's size limit, whose document
//! element is the UBL 2.1 `Invoice` (ZATCA validates every document, credit and debit notes
//! included, with `UBL-Invoice-2.1.xsd`). Content models and data types of the XSD are not
//! checked yet: `Coverage` does not count them, and the corpus records the official schema
//! verdict separately.

use roxmltree::Document;
use zatca_ubl::UblError;

use crate::report::{Finding, Stage};
use crate::table::Flag;
use crate::xpath::NS_UBL;

/// ZATCA's code and message when the schema stage fails.
const XSD_INVALID: (&str, &str) = (
    "XSD_ZATCA_INVALID",
    "Schema validation failed; XML does not comply with UBL 2.1 standards in line with ZATCA specifications",
);

fn invalid(detail: &str) -> Finding {
    Finding {
        stage: Stage::Schema,
        code: XSD_INVALID.0.into(),
        flag: Flag::Error,
        category: "XSD validation".into(),
        message: format!("{} ({detail})", XSD_INVALID.1),
    }
}

/// Parses the document (UTF-8, no DTD, at most `zatca_ubl::MAX_INVOICE_BYTES`).
pub(crate) fn parse(xml: &[u8]) -> Result<Document<'_>, Finding> {
    if xml.len() > zatca_ubl::MAX_INVOICE_BYTES {
        return Err(invalid(&format!(
            "the document has {} bytes, more than the {} accepted",
            xml.len(),
            zatca_ubl::MAX_INVOICE_BYTES
        )));
    }
    let text = std::str::from_utf8(xml).map_err(|e| invalid(&format!("not UTF-8: {e}")))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
        .map_err(|e| invalid(&format!("not well-formed XML: {e}")))
}

/// The schema checks on a parsed document.
pub(crate) fn check(doc: &Document<'_>) -> Vec<Finding> {
    let root = doc.root_element();
    if !root.has_tag_name((NS_UBL, "Invoice")) {
        let name = root.tag_name();
        return vec![invalid(&format!(
            "the document element is {{{}}}{}, not {{{NS_UBL}}}Invoice",
            name.namespace().unwrap_or_default(),
            name.name()
        ))];
    }
    Vec::new()
}

/// A signature-stage problem as ZATCA reports it.
pub(crate) fn signature_finding(problem: &UblError) -> Finding {
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
        UblError::Certificate(_) => ("invalid-signing-certificate", "SIGNATURE_ERRORS"),
        _ => ("invalid-signature-or-qr", "SIGNATURE_ERRORS"),
    };
    Finding {
        stage: Stage::Signature,
        code: code.into(),
        flag: Flag::Error,
        category: category.into(),
        message: problem.to_string(),
    }
}
