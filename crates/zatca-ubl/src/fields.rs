//! The invoice values the QR code repeats (as in the SDK R3.3.3 samples):
//! tags 1–5 are copied from these elements, verbatim.

use roxmltree::Node;

use crate::{Invoice, NS_CAC, NS_CBC};

impl Invoice<'_> {
    /// QR tag 1: `cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName`.
    ///
    /// ```
    /// let xml = std::fs::read(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../../testdata/invoices/sdk-r3.3.3/Standard/Invoice/Standard_Invoice.xml"
    /// ))?;
    /// let invoice = zatca_ubl::Invoice::parse(&xml)?;
    /// assert!(invoice.seller_name().unwrap().ends_with("Maximum Speed Tech Supply LTD"));
    /// assert_eq!(invoice.issue_timestamp().as_deref(), Some("2022-09-07T12:21:28"));
    /// assert_eq!(invoice.payable_amount(), Some("4.60"));
    /// assert_eq!(invoice.vat_total(), Some("0.6"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seller_name(&self) -> Option<&str> {
        let party = path(
            self.root(),
            &[(NS_CAC, "AccountingSupplierParty"), (NS_CAC, "Party")],
        )?;
        text(path(
            party,
            &[(NS_CAC, "PartyLegalEntity"), (NS_CBC, "RegistrationName")],
        )?)
    }

    /// `cbc:IssueDate` and `cbc:IssueTime`, trimmed.
    pub fn issue_date_time(&self) -> Option<(&str, &str)> {
        let date = text(path(self.root(), &[(NS_CBC, "IssueDate")])?)?;
        let time = text(path(self.root(), &[(NS_CBC, "IssueTime")])?)?;
        Some((date, time))
    }

    /// QR tag 3 as SDK R3.3.3 writes it: `IssueDate` + `T` + `IssueTime`.
    pub fn issue_timestamp(&self) -> Option<String> {
        self.issue_date_time().map(|(d, t)| format!("{d}T{t}"))
    }

    /// `cac:LegalMonetaryTotal/cbc:PayableAmount`, what SDK R3.3.3 writes in QR
    /// tag 4 (it differs from `TaxInclusiveAmount` in 4 of its 26 samples:
    /// prepaid amounts and rounding).
    pub fn payable_amount(&self) -> Option<&str> {
        text(path(
            self.root(),
            &[(NS_CAC, "LegalMonetaryTotal"), (NS_CBC, "PayableAmount")],
        )?)
    }

    /// `cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount` (QR tag 4 in the
    /// written specification; accepted there by the verifier too).
    pub fn tax_inclusive_amount(&self) -> Option<&str> {
        text(path(
            self.root(),
            &[
                (NS_CAC, "LegalMonetaryTotal"),
                (NS_CBC, "TaxInclusiveAmount"),
            ],
        )?)
    }

    /// QR tag 5: the first `cac:TaxTotal/cbc:TaxAmount`.
    pub fn vat_total(&self) -> Option<&str> {
        text(path(
            self.root(),
            &[(NS_CAC, "TaxTotal"), (NS_CBC, "TaxAmount")],
        )?)
    }

    /// Whether the document is simplified (KSA-2 subtype starting `02`): its
    /// QR carries tag 9.
    pub fn is_simplified(&self) -> Option<bool> {
        let (_, subtype) = self.invoice_type()?;
        subtype_is_simplified(subtype)
    }
}

/// Whether a KSA-2 subtype (`cbc:InvoiceTypeCode/@name`, trimmed) is
/// simplified (`02…`) or standard (`01…`); `None` for anything else.
pub(crate) fn subtype_is_simplified(subtype: &str) -> Option<bool> {
    match subtype.get(..2) {
        Some("01") => Some(false),
        Some("02") => Some(true),
        _ => None,
    }
}

/// Follows child elements by name (the first match at each step).
fn path<'a, 'input>(
    mut node: Node<'a, 'input>,
    steps: &[(&str, &str)],
) -> Option<Node<'a, 'input>> {
    for &(ns, name) in steps {
        node = node.children().find(|c| c.has_tag_name((ns, name)))?;
    }
    Some(node)
}

/// The element's text, trimmed; `None` if empty.
fn text<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.text().map(str::trim).filter(|t| !t.is_empty())
}
