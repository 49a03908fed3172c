//! Verifying a signed invoice as ZATCA recomputes it
//! (as the SDK R3.3.3 and R3.2.7 samples pin it).
//!
//! The certificate is the document's own `ds:X509Certificate` (read with
//! `zatca-cert`); whether it is the right one for the sender (its CSID) and
//! valid at some time is the caller's check. Every element is recomputed and
//! compared, each mismatch its own [`UblError`]:
//!
//! | element | error |
//! |---|---|
//! | `ds:Reference[@Id='invoiceSignedData']/ds:DigestValue` ≠ invoice hash | [`UblError::InvoiceDigestMismatch`] |
//! | `ds:SignatureValue` does not verify over that `DigestValue` (high-S accepted) | [`UblError::SignatureValueInvalid`] |
//! | `ds:Reference[@URI='#xadesSignedProperties']/ds:DigestValue` ≠ digest of the block as written | [`UblError::SignedPropertiesDigestMismatch`] |
//! | `xades:CertDigest/ds:DigestValue` ≠ certificate hash | [`UblError::CertDigestMismatch`] |
//! | `ds:X509IssuerName`, `ds:X509SerialNumber` ≠ the certificate's | [`UblError::IssuerSerialMismatch`] |
//! | QR tag n ≠ what the invoice, hash, signature and certificate say | [`UblError::QrMismatch`] |
//!
//! The SignedProperties digest is recomputed from the block's text as it
//! stands in the document, with the namespace declarations dom4j adds (no C14N):
//! the element's own namespace right after its name, and on each descendant
//! whose prefix is not declared by an ancestor inside the block. For QR tag 3
//! both forms the SDKs write are accepted (`IssueDateTIssueTime`, R3.2.7 with
//! `Z`); for tag 4 both `PayableAmount` (what SDK R3.3.3 writes) and
//! `TaxInclusiveAmount` (what the specification names). A QR is required on
//! simplified documents (ZATCA adds it to cleared standard ones).

use base64::Engine as _;
use std::borrow::Cow;
use std::collections::HashMap;

use roxmltree::Node;
use zatca_cert::Certificate;
use zatca_sign::qr::Qr;
use zatca_sign::{InvoiceHash, InvoiceSignature};

use sha2::{Digest as _, Sha256};

use crate::sign::QrFields;
use crate::stream::{self, Outline, TopKind, field};
use crate::{Invoice, NS_EXT, UblError};

/// Namespace of XML Signature (`ds:`).
pub const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Namespace of XAdES 1.3.2 (`xades:`).
pub const NS_XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";

const SIGNATURE_PATH: &str = "/Invoice/ext:UBLExtensions/…/ds:Signature";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What a successful verification establishes.
#[derive(Debug, Clone)]
pub struct VerifiedInvoice {
    hash: InvoiceHash,
    uuid: String,
    certificate: Certificate,
    signing_time: String,
}

impl VerifiedInvoice {
    /// The invoice hash (equal to the signed `DigestValue`).
    pub fn hash(&self) -> &InvoiceHash {
        &self.hash
    }

    /// The document's `cbc:UUID`.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The signing certificate, from `ds:X509Certificate`.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// `xades:SigningTime` as written.
    pub fn signing_time(&self) -> &str {
        &self.signing_time
    }
}

/// Verifies a signed invoice; the first problem found is the error.
///
/// ```
/// let xml = std::fs::read(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
/// ))?;
/// let verified = zatca_ubl::verify_invoice(&xml)?;
/// assert_eq!(verified.hash().to_base64(), "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=");
/// assert_eq!(verified.certificate().serial_decimal(), "379112742831380471835263969587287663520528387");
///
/// let tampered = String::from_utf8(xml)?.replace("<cbc:Name>قلم</cbc:Name>", "<cbc:Name>pen</cbc:Name>");
/// assert!(matches!(
///     zatca_ubl::verify_invoice(tampered.as_bytes()),
///     Err(zatca_ubl::UblError::InvoiceDigestMismatch { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_invoice(xml: &[u8]) -> Result<VerifiedInvoice, UblError> {
    check_invoice(xml).map_err(|mut problems| {
        if problems.is_empty() {
            UblError::SignatureValueInvalid
        } else {
            problems.swap_remove(0)
        }
    })
}

/// Verifies a signed invoice and reports every problem, in document order
/// of the checks (digest, signature, SignedProperties, certificate values, QR).
///
/// A document the streaming canonicaliser reads (every invoice written the
/// way invoices are) is verified without a tree of the whole document: the
/// one pass that hashes it also reads the invoice's values, and only the
/// signature block and the QR reference (if any) are parsed, inside the document
/// element's start tag as written (so with the same namespaces). When that
/// finds any problem, or declines the document, the whole document is read
/// into a tree and checked again, so the problems reported are always the
/// tree's.
pub fn check_invoice(xml: &[u8]) -> Result<VerifiedInvoice, Vec<UblError>> {
    if let Some(verified) = verify_streamed(xml) {
        return Ok(verified);
    }
    check_with_tree(xml)
}

fn check_with_tree(xml: &[u8]) -> Result<VerifiedInvoice, Vec<UblError>> {
    let invoice = Invoice::parse(xml).map_err(|e| vec![e])?;
    let facts = Facts::from_tree(&invoice);
    let mut problems = Vec::new();
    match check_parsed(&invoice, &facts, &mut problems) {
        Some(verified) if problems.is_empty() => Ok(verified),
        _ => Err(problems),
    }
}

/// What [`check_invoice`] establishes by the streaming pass alone (`None`
/// where it hands the document to the tree), written out for comparison with
/// [`verification_with_tree`] by the differential fuzz target.
#[doc(hidden)]
pub fn verification_streaming(xml: &[u8]) -> Option<String> {
    verify_streamed(xml).map(|verified| format!("{verified:?}"))
}

/// What [`check_invoice`] establishes from the tree of the whole document.
#[doc(hidden)]
pub fn verification_with_tree(xml: &[u8]) -> Result<String, Vec<UblError>> {
    check_with_tree(xml).map(|verified| format!("{verified:?}"))
}

/// Verification by the streaming pass; `None` where it declines the document,
/// anything it reads is absent or empty, or any check fails.
fn verify_streamed(xml: &[u8]) -> Option<VerifiedInvoice> {
    let text = crate::c14n::decode(xml).ok()?;
    let mut hash_input = Vec::with_capacity(text.len());
    let mut outline = Outline::default();
    stream::canonicalize_outlined(text, &mut hash_input, &mut outline).ok()?;
    if outline.complex {
        return None;
    }
    let first = |kind: TopKind, qr: bool| {
        outline
            .children
            .iter()
            .find(|c| c.kind == kind && c.is_qr == qr)
            .and_then(|c| text.get(c.range.clone()))
    };
    // A standard invoice before clearance has no QR reference.
    let (extensions, qr_reference) = (
        first(TopKind::Extensions, false)?,
        first(TopKind::Reference, true).unwrap_or_default(),
    );
    // The document element as written, around the two children: its start
    // tag declares the namespaces in scope there.
    let start_tag = text.get(..outline.content_start?)?;
    let mut skeleton = String::with_capacity(
        start_tag.len() + extensions.len() + qr_reference.len() + outline.root_qname.len() + 3,
    );
    for part in [
        start_tag,
        extensions,
        qr_reference,
        "</",
        outline.root_qname,
        ">",
    ] {
        skeleton.push_str(part);
    }
    let parts = Invoice::parse_streamed_subset(&skeleton).ok()?;
    let qr_fields = QrFields::from_outline(&outline)?;
    let facts = Facts {
        hash: InvoiceHash::from_bytes(Sha256::digest(&hash_input).into()),
        uuid: Ok(outline.value(field::UUID)?),
        simplified: Some(outline.simplified()?),
        // The same first QR reference as the whole document's.
        qr: parts.qr(),
        seller_name: Some(&qr_fields.seller_name),
        seller_vat: Some(&qr_fields.vat_number),
        timestamp: Some(qr_fields.timestamp.clone()),
        payable_amount: Some(&qr_fields.total_with_vat),
        tax_inclusive_amount: outline.value(field::TAX_INCLUSIVE_AMOUNT),
        vat_total: Some(&qr_fields.vat_total),
    };
    let mut problems = Vec::new();
    let verified = check_parsed(&parts, &facts, &mut problems)?;
    problems.is_empty().then_some(verified)
}

/// What verification reads from the invoice itself, as the tree's accessors
/// give it (`None`: absent).
struct Facts<'a> {
    hash: InvoiceHash,
    uuid: Result<&'a str, UblError>,
    simplified: Option<bool>,
    qr: Option<&'a str>,
    seller_name: Option<&'a str>,
    seller_vat: Option<&'a str>,
    timestamp: Option<String>,
    payable_amount: Option<&'a str>,
    tax_inclusive_amount: Option<&'a str>,
    vat_total: Option<&'a str>,
}

impl<'a> Facts<'a> {
    fn from_tree(invoice: &'a Invoice<'_>) -> Self {
        Self {
            hash: invoice.hash(),
            uuid: invoice.uuid(),
            simplified: invoice.is_simplified(),
            qr: invoice.qr(),
            seller_name: invoice.seller_name(),
            seller_vat: invoice.seller_vat(),
            timestamp: invoice.issue_timestamp(),
            payable_amount: invoice.payable_amount(),
            tax_inclusive_amount: invoice.tax_inclusive_amount(),
            vat_total: invoice.vat_total(),
        }
    }
}

/// The parts of the signature, as written.
struct Parts<'a, 'input> {
    invoice_digest: Node<'a, 'input>,
    props_digest: Node<'a, 'input>,
    signature_value: Node<'a, 'input>,
    certificate: Node<'a, 'input>,
    signed_properties: Node<'a, 'input>,
}

/// The checks, on the tree that holds the signature block (the whole
/// document's, or the streaming path's) and the invoice's values.
fn check_parsed(
    invoice: &Invoice<'_>,
    facts: &Facts<'_>,
    problems: &mut Vec<UblError>,
) -> Option<VerifiedInvoice> {
    let hash = facts.hash;
    let uuid = match &facts.uuid {
        Ok(u) => (*u).to_owned(),
        Err(e) => {
            problems.push(e.clone());
            String::new()
        }
    };
    let parts = match find_parts(invoice) {
        Ok(p) => p,
        Err(e) => {
            problems.push(e);
            return None;
        }
    };
    let certificate = match read_certificate(parts.certificate) {
        Ok(c) => c,
        Err(e) => {
            problems.push(e);
            return None;
        }
    };

    // 1. The invoice digest.
    let stored_digest = text(parts.invoice_digest);
    if stored_digest != hash.to_base64() {
        problems.push(UblError::InvoiceDigestMismatch {
            computed: hash.to_base64(),
            stored: stored_digest.to_owned(),
        });
    }

    // 2. The signature, over the digest that was signed.
    let signature_text = text(parts.signature_value);
    match (
        InvoiceHash::from_base64(stored_digest),
        InvoiceSignature::from_base64(signature_text),
    ) {
        (Ok(signed), Ok(signature)) => {
            if zatca_sign::verify_invoice_signature(certificate.public_key(), &signed, &signature)
                .is_err()
            {
                problems.push(UblError::SignatureValueInvalid);
            }
        }
        (Err(e), _) | (_, Err(e)) => problems.push(UblError::Sign(e)),
    }

    // 3. The SignedProperties digest, from the block as written.
    let source = invoice.doc.input_text();
    let computed = signed_properties_digest(source, parts.signed_properties);
    let stored = text(parts.props_digest);
    if computed != stored {
        problems.push(UblError::SignedPropertiesDigestMismatch {
            computed,
            stored: stored.to_owned(),
        });
    }

    // 4. The certificate values inside SignedProperties.
    let props = parts.signed_properties;
    let signing_time = find(props, NS_XADES, "SigningTime")
        .map(text)
        .unwrap_or_default();
    let cert_digest = find(props, NS_XADES, "CertDigest")
        .and_then(|d| find(d, NS_DS, "DigestValue"))
        .map(text);
    match cert_digest {
        Some(stored) if stored == certificate.certificate_hash() => {}
        stored => problems.push(UblError::CertDigestMismatch {
            computed: certificate.certificate_hash().to_owned(),
            stored: stored.unwrap_or("(absent)").to_owned(),
        }),
    }
    for (element, computed) in [
        ("X509IssuerName", certificate.issuer_name()),
        ("X509SerialNumber", certificate.serial_decimal()),
    ] {
        let stored = find(props, NS_DS, element).map(text);
        if stored != Some(computed) {
            problems.push(UblError::IssuerSerialMismatch {
                element: if element == "X509IssuerName" {
                    "ds:X509IssuerName"
                } else {
                    "ds:X509SerialNumber"
                },
                computed: computed.to_owned(),
                stored: stored.unwrap_or("(absent)").to_owned(),
            });
        }
    }

    // 5. The QR code.
    check_qr(facts, signature_text, &certificate, problems);

    Some(VerifiedInvoice {
        hash,
        uuid,
        certificate,
        signing_time: signing_time.to_owned(),
    })
}

fn find_parts<'a, 'input>(invoice: &'a Invoice<'input>) -> Result<Parts<'a, 'input>, UblError> {
    let missing = |path| UblError::MissingElement { path };
    let extensions = invoice
        .root()
        .children()
        .find(|c| c.has_tag_name((NS_EXT, "UBLExtensions")))
        .ok_or(missing("/Invoice/ext:UBLExtensions"))?;
    let signature = extensions
        .descendants()
        .find(|n| n.has_tag_name((NS_DS, "Signature")))
        .ok_or(missing(SIGNATURE_PATH))?;
    let signed_info = find(signature, NS_DS, "SignedInfo").ok_or(missing("ds:SignedInfo"))?;
    let references: Vec<Node<'a, 'input>> = signed_info
        .children()
        .filter(|n| n.has_tag_name((NS_DS, "Reference")))
        .collect();
    let digest_of = |reference: Node<'a, 'input>| find(reference, NS_DS, "DigestValue");
    let invoice_digest = references
        .iter()
        .find(|r| r.attribute("Id") == Some("invoiceSignedData") || r.attribute("URI") == Some(""))
        .and_then(|r| digest_of(*r))
        .ok_or(missing(
            "ds:SignedInfo/ds:Reference[@Id='invoiceSignedData']/ds:DigestValue",
        ))?;
    let props_digest = references
        .iter()
        .find(|r| r.attribute("URI") == Some("#xadesSignedProperties"))
        .and_then(|r| digest_of(*r))
        .ok_or(missing(
            "ds:SignedInfo/ds:Reference[@URI='#xadesSignedProperties']/ds:DigestValue",
        ))?;
    let signature_value = find(signature, NS_DS, "SignatureValue")
        .ok_or(missing("ds:Signature/ds:SignatureValue"))?;
    let certificate = find(signature, NS_DS, "KeyInfo")
        .and_then(|k| find(k, NS_DS, "X509Data"))
        .and_then(|d| find(d, NS_DS, "X509Certificate"))
        .ok_or(missing("ds:KeyInfo/ds:X509Data/ds:X509Certificate"))?;
    let signed_properties = signature
        .descendants()
        .find(|n| n.has_tag_name((NS_XADES, "SignedProperties")))
        .ok_or(missing(
            "ds:Object/xades:QualifyingProperties/xades:SignedProperties",
        ))?;
    Ok(Parts {
        invoice_digest,
        props_digest,
        signature_value,
        certificate,
        signed_properties,
    })
}

fn read_certificate(node: Node<'_, '_>) -> Result<Certificate, UblError> {
    // Written on one line, as signers write it, it is decoded where it stands.
    let b64: Cow<'_, str> = match (node.first_child(), node.text()) {
        (Some(only), Some(text))
            if only.next_sibling().is_none() && !text.bytes().any(|b| b.is_ascii_whitespace()) =>
        {
            Cow::Borrowed(text)
        }
        _ => Cow::Owned(
            node.descendants()
                .filter(Node::is_text)
                .flat_map(|t| t.text().unwrap_or_default().chars())
                .filter(|c| !c.is_ascii_whitespace())
                .collect(),
        ),
    };
    let der = B64.decode(b64.as_bytes()).map_err(|_| {
        UblError::invalid(
            "ds:X509Certificate",
            "base64 of a DER X.509 certificate",
            &b64,
        )
    })?;
    parsed_certificate(der)
}

thread_local! {
    /// The certificate this thread read last, with its DER: a device's
    /// invoices all carry its one certificate, so verifying them one after
    /// another reads it once (parsing and its ZATCA-form values cost about
    /// as much as the hash of a small invoice). One entry, public data.
    static LAST_CERTIFICATE: std::cell::RefCell<Option<Certificate>> =
        const { std::cell::RefCell::new(None) };
}

/// The certificate of `der`: the last one read on this thread when it is the
/// same bytes, else parsed (and kept in its place).
fn parsed_certificate(der: Vec<u8>) -> Result<Certificate, UblError> {
    let cached = LAST_CERTIFICATE.with_borrow(|last| {
        last.as_ref()
            .filter(|certificate| certificate.der() == der.as_slice())
            .cloned()
    });
    if let Some(certificate) = cached {
        return Ok(certificate);
    }
    let certificate = Certificate::from_der(&der)?;
    LAST_CERTIFICATE.set(Some(certificate.clone()));
    Ok(certificate)
}

/// The `xadesSignedProperties` digest of the block as written:
/// base64 of the lowercase hex SHA-256 of its text with dom4j's namespace
/// declarations added.
fn signed_properties_digest(source: &str, props: Node<'_, '_>) -> String {
    let range = props.range();
    // The declarations to add, in document order.
    let mut inserts: Vec<Insert<'_, '_>> = Vec::new();
    // The open elements inside the block, each with the prefix it declares (as
    // written or inserted), and how many of them declare each prefix: whether an
    // ancestor declared a prefix is one lookup, not a walk over earlier elements.
    let mut open: Vec<(Node<'_, '_>, Option<&str>)> = Vec::new();
    let mut declared: HashMap<&str, usize> = HashMap::new();
    for node in props.descendants().filter(Node::is_element) {
        while let Some(&(last, prefix)) = open.last() {
            if node.parent() == Some(last) {
                break;
            }
            open.pop();
            if let Some(count) = prefix.and_then(|p| declared.get_mut(p)) {
                *count = count.saturating_sub(1);
            }
        }
        let declares = declaration_needed(source, node, &declared, &mut inserts);
        if let Some(prefix) = declares {
            *declared.entry(prefix).or_insert(0) += 1;
        }
        open.push((node, declares));
    }
    let mut text = String::with_capacity(range.len() + inserts.len() * 50);
    let mut pos = range.start;
    for insert in &inserts {
        text.push_str(source.get(pos..insert.at).unwrap_or_default());
        insert.write(&mut text);
        pos = insert.at;
    }
    text.push_str(source.get(pos..range.end).unwrap_or_default());
    zatca_types::digest::hex_digest_base64(text.as_bytes())
}

/// For one element of the `SignedProperties` block: the prefix of its name if it
/// declares it itself, or if no ancestor in the block does (then the declaration
/// dom4j adds is queued in `inserts`); `None` if an ancestor already declared it
/// or the element has no namespace.
fn declaration_needed<'s, 'u>(
    source: &'s str,
    node: Node<'u, '_>,
    declared: &HashMap<&str, usize>,
    inserts: &mut Vec<Insert<'s, 'u>>,
) -> Option<&'s str> {
    let start = node.range().start + 1;
    let qname = qname_at(source, start);
    let (prefix, uri) = match (qname.split_once(':'), node.tag_name().namespace()) {
        (Some((p, _)), Some(uri)) => (p, uri),
        (None, Some(uri)) => ("", uri),
        _ => return None,
    };
    let tag_text = source.get(node.range()).unwrap_or_default();
    let start_tag = tag_text.split('>').next().unwrap_or_default();
    let inherited = declared.get(prefix).is_some_and(|&count| count > 0);
    if writes_declaration(start_tag, prefix) {
        Some(prefix)
    } else if !inherited {
        inserts.push(Insert {
            at: start + qname.len(),
            prefix,
            uri,
        });
        Some(prefix)
    } else {
        None
    }
}

/// A namespace declaration dom4j adds to the `SignedProperties` text.
struct Insert<'s, 'u> {
    /// Byte offset in the source, just after the element name.
    at: usize,
    prefix: &'s str,
    uri: &'u str,
}

impl Insert<'_, '_> {
    fn write(&self, text: &mut String) {
        if self.prefix.is_empty() {
            text.push_str(" xmlns=\"");
        } else {
            text.push_str(" xmlns:");
            text.push_str(self.prefix);
            text.push_str("=\"");
        }
        text.push_str(self.uri);
        text.push('"');
    }
}

/// Whether the start tag's text holds `xmlns:prefix=` (`xmlns=` for the default
/// namespace).
fn writes_declaration(start_tag: &str, prefix: &str) -> bool {
    start_tag.match_indices("xmlns").any(|(at, _)| {
        let after = start_tag.get(at + "xmlns".len()..).unwrap_or_default();
        match prefix {
            "" => after.starts_with('='),
            p => after
                .strip_prefix(':')
                .and_then(|a| a.strip_prefix(p))
                .is_some_and(|a| a.starts_with('=')),
        }
    })
}

/// The name written at `start` (just after `<`).
fn qname_at(source: &str, start: usize) -> &str {
    let rest = source.get(start..).unwrap_or_default();
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    rest.get(..end).unwrap_or_default()
}

fn check_qr(
    facts: &Facts<'_>,
    signature_text: &str,
    certificate: &Certificate,
    problems: &mut Vec<UblError>,
) {
    let simplified = facts.simplified == Some(true);
    let Some(qr_text) = facts.qr else {
        if simplified {
            problems.push(UblError::MissingElement {
                path: "/Invoice/cac:AdditionalDocumentReference[cbc:ID='QR']",
            });
        }
        return;
    };
    let qr = match Qr::from_base64(qr_text) {
        Ok(qr) => qr,
        Err(e) => {
            problems.push(UblError::Sign(e));
            return;
        }
    };
    let mut expect = |tag: u8, ok: bool, expected: &str, found: &str| {
        if !ok {
            problems.push(UblError::QrMismatch {
                tag,
                expected: expected.to_owned(),
                found: found.to_owned(),
            });
        }
    };
    let absent = "(absent)";
    let name = facts.seller_name.unwrap_or(absent);
    expect(1, qr.seller_name == name, name, &qr.seller_name);
    let vat = facts.seller_vat.unwrap_or(absent);
    expect(2, qr.vat_number == vat, vat, &qr.vat_number);
    let ts = facts.timestamp.as_deref().unwrap_or(absent);
    let ts_ok = qr.timestamp == ts || qr.timestamp.strip_suffix('Z') == Some(ts);
    expect(3, ts_ok, ts, &qr.timestamp);
    let payable = facts.payable_amount.unwrap_or(absent);
    let inclusive = facts.tax_inclusive_amount;
    let total_ok = qr.total_with_vat == payable || Some(qr.total_with_vat.as_str()) == inclusive;
    expect(4, total_ok, payable, &qr.total_with_vat);
    let vat_total = facts.vat_total.unwrap_or(absent);
    expect(5, qr.vat_total == vat_total, vat_total, &qr.vat_total);
    let hash_b64 = facts.hash.to_base64();
    let tag6 = qr.invoice_hash.as_deref().unwrap_or(absent);
    expect(6, tag6 == hash_b64, &hash_b64, tag6);
    let tag7 = qr.signature.as_deref().unwrap_or(absent);
    expect(7, tag7 == signature_text, signature_text, tag7);
    let spki = certificate.public_key_spki();
    let tag8 = qr.public_key.as_deref().map(|v| B64.encode(v));
    expect(
        8,
        qr.public_key.as_deref() == Some(spki),
        &B64.encode(spki),
        tag8.as_deref().unwrap_or(absent),
    );
    if simplified {
        let sig = certificate.signature();
        let tag9 = qr.certificate_signature.as_deref().map(|v| B64.encode(v));
        expect(
            9,
            qr.certificate_signature.as_deref() == Some(sig),
            &B64.encode(sig),
            tag9.as_deref().unwrap_or(absent),
        );
    }
}

fn find<'a, 'input>(node: Node<'a, 'input>, ns: &str, name: &str) -> Option<Node<'a, 'input>> {
    node.descendants().find(|n| n.has_tag_name((ns, name)))
}

/// An element's text, trimmed.
fn text<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or_default().trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(name: &str) -> Vec<u8> {
        let path = format!("{}/../../testdata/keys/{name}", env!("CARGO_MANIFEST_DIR"));
        let (certificate, _) = Certificate::read_file(std::path::Path::new(&path)).unwrap();
        certificate.der().to_vec()
    }

    #[test]
    fn the_last_certificate_is_reused_only_for_the_same_bytes() {
        let (a, b) = (der("sdk-r3.3.3-cert.b64"), der("sdk-r3.2.7-cert.b64"));
        assert_ne!(a, b);
        for der in [&a, &b, &b, &a, &b] {
            let read = parsed_certificate(der.clone()).unwrap();
            assert_eq!(read, Certificate::from_der(der).unwrap());
        }
        let mut truncated = a.clone();
        truncated.pop();
        assert!(parsed_certificate(truncated).is_err());
        assert_eq!(parsed_certificate(a.clone()).unwrap().der(), a.as_slice());
    }
}
