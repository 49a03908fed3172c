//! What kind of document an invoice is, and whose: the values a compliance
//! check routes on: the type code (388 invoice, 381 credit note, 383 debit
//! note), the subtype's standard `01…` or simplified `02…`, and the seller VAT.

use roxmltree::Node;

use crate::{Invoice, NS_CAC, NS_CBC, NS_EXT};

impl<'a> Invoice<'a> {
    /// Whether the document carries a signature: an `ext:UBLExtensions`
    /// child of the document element, where the XAdES signature goes (its
    /// contents are for verification to judge).
    ///
    /// ```
    /// let xml = std::fs::read(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
    /// ))?;
    /// assert!(zatca_ubl::Invoice::parse(&xml)?.is_signed());
    /// let draft = String::from_utf8(xml)?;
    /// let start = draft.find("<ext:UBLExtensions>").unwrap();
    /// let end = draft.find("</ext:UBLExtensions>").unwrap() + "</ext:UBLExtensions>".len();
    /// let draft = format!("{}{}", &draft[..start], &draft[end..]);
    /// assert!(!zatca_ubl::Invoice::parse(draft.as_bytes())?.is_signed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_signed(&self) -> bool {
        child(self.root(), NS_EXT, "UBLExtensions").is_some()
    }

    /// `cbc:InvoiceTypeCode` and its `@name` subtype (KSA-2, `NNPNESB`):
    /// `("388", "0211010")` for a simplified invoice. `None` if either is missing.
    ///
    /// ```
    /// let xml = std::fs::read(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
    /// ))?;
    /// let invoice = zatca_ubl::Invoice::parse(&xml)?;
    /// let (code, subtype) = invoice.invoice_type().unwrap();
    /// assert_eq!(code, "388");
    /// assert!(subtype.starts_with("02"));
    /// assert_eq!(invoice.seller_vat(), Some("399999999900003"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn invoice_type(&self) -> Option<(&str, &str)> {
        let node = child(self.root(), NS_CBC, "InvoiceTypeCode")?;
        let code = node.text()?.trim();
        let subtype = node.attribute("name")?.trim();
        Some((code, subtype))
    }

    /// The seller's VAT number:
    /// `cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID` (QR tag 2).
    pub fn seller_vat(&self) -> Option<&str> {
        let party = child(
            child(self.root(), NS_CAC, "AccountingSupplierParty")?,
            NS_CAC,
            "Party",
        )?;
        let scheme = child(party, NS_CAC, "PartyTaxScheme")?;
        Some(child(scheme, NS_CBC, "CompanyID")?.text()?.trim())
    }
}

fn child<'a, 'input>(node: Node<'a, 'input>, ns: &str, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|c| c.has_tag_name((ns, name)))
}
