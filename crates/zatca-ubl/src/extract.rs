//! The values the ZATCA API and the hash chain read from an invoice
//! (ICV, PIH and the QR; the reporting and clearance
//! requests carry `uuid` and `invoiceHash`).

use roxmltree::Node;

use crate::{Invoice, NS_CAC, NS_CBC, UblError, has_id};

const UUID_PATH: &str = "/Invoice/cbc:UUID";
const ICV_PATH: &str = "/Invoice/cac:AdditionalDocumentReference[cbc:ID='ICV']/cbc:UUID";
const PIH_PATH: &str = "/Invoice/cac:AdditionalDocumentReference[cbc:ID='PIH']/cac:Attachment/cbc:EmbeddedDocumentBinaryObject";
const QR_PATH: &str = "/Invoice/cac:AdditionalDocumentReference[cbc:ID='QR']/cac:Attachment/cbc:EmbeddedDocumentBinaryObject";

impl<'a> Invoice<'a> {
    /// `/Invoice/cbc:UUID`, the document's UUID (the API's `uuid`), trimmed.
    ///
    /// ```
    /// let xml = std::fs::read(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
    /// ))?;
    /// let invoice = zatca_ubl::Invoice::parse(&xml)?;
    /// assert_eq!(invoice.uuid()?, "8e6000cf-1a98-4174-b3e7-b5d5954bc10d");
    /// assert_eq!(invoice.icv()?, 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn uuid(&self) -> Result<&str, UblError> {
        let node = child(self.root(), NS_CBC, "UUID")
            .ok_or(UblError::MissingElement { path: UUID_PATH })?;
        let value = text_of(node).trim();
        if value.is_empty() {
            return Err(UblError::invalid(UUID_PATH, "a UUID", value));
        }
        Ok(value)
    }

    /// The invoice counter value (ICV): `cac:AdditionalDocumentReference[cbc:ID='ICV']/cbc:UUID`,
    /// a non-negative integer.
    pub fn icv(&self) -> Result<u64, UblError> {
        let node = reference(self.root(), "ICV")
            .and_then(|r| child(r, NS_CBC, "UUID"))
            .ok_or(UblError::MissingElement { path: ICV_PATH })?;
        let value = text_of(node).trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UblError::invalid(ICV_PATH, "a decimal integer", value));
        }
        value
            .parse()
            .map_err(|_| UblError::invalid(ICV_PATH, "an integer below 2^64", value))
    }

    /// The previous invoice hash (PIH) as written, trimmed: base64 of the previous
    /// invoice's 32-byte hash, or for the first document ZATCA's constant (base64 of
    /// the hex SHA-256 of `"0"`, 88 characters).
    pub fn pih(&self) -> Result<&str, UblError> {
        let value =
            attachment(self.root(), "PIH").ok_or(UblError::MissingElement { path: PIH_PATH })?;
        if value.is_empty() {
            return Err(UblError::invalid(PIH_PATH, "a base64 hash", value));
        }
        Ok(value)
    }

    /// The QR code's base64 text, trimmed, if the invoice has one (signed
    /// simplified invoices do).
    pub fn qr(&self) -> Option<&str> {
        attachment(self.root(), "QR").filter(|v| !v.is_empty())
    }

    /// Like [`Invoice::qr`], but a missing QR is an error.
    pub fn require_qr(&self) -> Result<&str, UblError> {
        self.qr().ok_or(UblError::MissingElement { path: QR_PATH })
    }
}

fn child<'a, 'input>(node: Node<'a, 'input>, ns: &str, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|c| c.has_tag_name((ns, name)))
}

/// `cac:AdditionalDocumentReference[cbc:ID='id']` under the document element.
fn reference<'a, 'input>(root: Node<'a, 'input>, id: &str) -> Option<Node<'a, 'input>> {
    root.children()
        .find(|c| c.has_tag_name((NS_CAC, "AdditionalDocumentReference")) && has_id(*c, id))
}

/// The trimmed text of `…[cbc:ID='id']/cac:Attachment/cbc:EmbeddedDocumentBinaryObject`.
fn attachment<'a>(root: Node<'a, '_>, id: &str) -> Option<&'a str> {
    let object = reference(root, id)
        .and_then(|r| child(r, NS_CAC, "Attachment"))
        .and_then(|a| child(a, NS_CBC, "EmbeddedDocumentBinaryObject"))?;
    Some(text_of(object).trim())
}

/// The element's first text child (UBL value elements have exactly one).
fn text_of<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or_default()
}
