//! Signing a UBL invoice the way ZATCA's SDK R3.3.3 does.
//!
//! [`InvoiceSigner::sign`] reads the invoice once (the streaming pass, or the
//! tree for documents it declines) and
//!
//! 1. computes the invoice hash (C14N 1.1, SHA-256) of the document without its
//!    `ext:UBLExtensions`, `cac:Signature` and QR reference;
//! 2. signs the 32 hash bytes with ECDSA-SHA256 ([`zatca_sign::sign_invoice_hash`]);
//! 3. builds the `xades:SignedProperties` block for the signing time and the
//!    certificate, and its digest ([`SignedProperties`]);
//! 4. builds the phase-2 QR: tags 1–5 from the invoice, 6 the hash,
//!    7 the signature, 8 the certificate's public key, 9 the certificate's
//!    signature for simplified documents only;
//! 5. writes the SDK R3.3.3 layout (byte for byte as in its 26 samples):
//!    `ext:UBLExtensions` as the first child of `Invoice` with `ds:Signature
//!    Id="signature"` and its two references and transforms; the QR
//!    `cac:AdditionalDocumentReference`; `cac:Signature`.
//!
//! Elements already there (a document signed before) are replaced where they
//! stand; missing ones are inserted without surrounding whitespace — the
//! `ext:UBLExtensions` right after the `Invoice` start tag, the QR reference
//! right after the last other `cac:AdditionalDocumentReference` (the PIH),
//! `cac:Signature` right before `cac:AccountingSupplierParty`, as in the SDK's
//! output. Since the hash leaves exactly those elements out and no whitespace
//! is added around them, the hash of step 1 is the hash of the output.
//! Re-signing an SDK R3.3.3 sample with its key, certificate and signing time
//! gives the sample back byte for byte except for the signature value and QR
//! tag 7 (the SDK's ECDSA nonces are random, ours RFC 6979).

use base64::Engine as _;
use roxmltree::Node;
use zatca_cert::Certificate;
use zatca_keys::PrivateKey;
use zatca_sign::qr::Qr;
use zatca_sign::{InvoiceHash, InvoiceSignature};

use sha2::{Digest as _, Sha256};

use crate::stream::{self, Outline, TopChild, TopKind, field};
use crate::{Invoice, NS_CAC, NS_CBC, NS_EXT, SignedProperties, SigningTime, UblError, has_id};

const PIH_PATH: &str = "/Invoice/cac:AdditionalDocumentReference[cbc:ID='PIH']";

/// Signs invoices with one key and its certificate.
///
/// The certificate's ZATCA-form values (hash, issuer, serial, public key,
/// signature) are computed once when the [`Certificate`] is parsed; signing
/// an invoice reads them.
///
/// ```
/// use zatca_cert::Certificate;
/// use zatca_keys::PrivateKey;
/// use zatca_ubl::{InvoiceSigner, SigningTime};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");
/// let (key, _) = PrivateKey::read_file(format!("{dir}/keys/sdk-r3.3.3-priv-key.b64").as_ref())?;
/// let (cert, _) = Certificate::read_file(format!("{dir}/keys/sdk-r3.3.3-cert.b64").as_ref())?;
/// let xml = std::fs::read(format!("{dir}/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"))?;
///
/// let signer = InvoiceSigner::new(&key, &cert)?;
/// let signed = signer.sign(&xml, &SigningTime::parse("2024-01-14T10:26:49")?)?;
/// assert_eq!(signed.hash().to_base64(), "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=");
/// assert_eq!(signed.uuid(), "8e6000cf-1a98-4174-b3e7-b5d5954bc10d");
/// zatca_ubl::verify_invoice(signed.xml().as_bytes())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct InvoiceSigner<'k> {
    key: &'k PrivateKey,
    certificate: &'k Certificate,
}

impl<'k> InvoiceSigner<'k> {
    /// A signer; the key must be the certificate's
    /// ([`UblError::KeyCertificateMismatch`] otherwise).
    pub fn new(key: &'k PrivateKey, certificate: &'k Certificate) -> Result<Self, UblError> {
        certificate
            .check_public_key(&key.public_key())
            .map_err(|_| UblError::KeyCertificateMismatch)?;
        Ok(Self { key, certificate })
    }

    /// The signing certificate.
    pub fn certificate(&self) -> &'k Certificate {
        self.certificate
    }

    /// Signs an invoice (UBL 2.1 XML, UTF-8) at `signing_time`.
    ///
    /// The streaming canonicaliser reads the document once, hashing it and
    /// collecting the places and values signing needs, without building a
    /// tree; a document it declines (or one that fails) is parsed into a tree
    /// and signed from that, which also names any error.
    pub fn sign(&self, xml: &[u8], signing_time: &SigningTime) -> Result<SignedInvoice, UblError> {
        let text = crate::c14n::decode(xml)?;
        if let Some(reading) = Reading::streamed(text) {
            return self.finish(&reading, signing_time);
        }
        let invoice = Invoice::parse(xml)?;
        self.sign_parsed(&invoice, signing_time)
    }

    /// [`InvoiceSigner::sign`] by the streaming path alone: `None` where it
    /// declines the document.
    #[doc(hidden)]
    pub fn sign_streaming(
        &self,
        xml: &[u8],
        signing_time: &SigningTime,
    ) -> Option<Result<SignedInvoice, UblError>> {
        let text = crate::c14n::decode(xml).ok()?;
        Reading::streamed(text).map(|reading| self.finish(&reading, signing_time))
    }

    /// [`InvoiceSigner::sign`] from the tree alone: the oracle the streaming
    /// path is fuzzed against.
    #[doc(hidden)]
    pub fn sign_with_tree(
        &self,
        xml: &[u8],
        signing_time: &SigningTime,
    ) -> Result<SignedInvoice, UblError> {
        let invoice = Invoice::parse(xml)?;
        self.sign_parsed(&invoice, signing_time)
    }

    /// Signs an invoice already parsed.
    pub fn sign_parsed(
        &self,
        invoice: &Invoice<'_>,
        signing_time: &SigningTime,
    ) -> Result<SignedInvoice, UblError> {
        let reading = Reading::from_tree(invoice)?;
        self.finish(&reading, signing_time)
    }

    /// Signs what was read of an invoice (steps 2 to 5 of the module docs).
    fn finish(
        &self,
        reading: &Reading<'_>,
        signing_time: &SigningTime,
    ) -> Result<SignedInvoice, UblError> {
        let Reading {
            text,
            places,
            uuid,
            simplified,
            qr_fields,
            hash,
        } = reading;
        let (text, simplified, hash) = (*text, *simplified, *hash);
        let signature = zatca_sign::sign_invoice_hash(self.key, &hash)?;
        let cert = self.certificate;
        let props = SignedProperties::new(
            signing_time,
            cert.certificate_hash(),
            cert.issuer_name(),
            cert.serial_decimal(),
        )?;
        let signature_b64 = signature.to_base64();
        let hash_b64 = hash.to_base64();
        let qr = Qr {
            seller_name: qr_fields.seller_name.clone(),
            vat_number: qr_fields.vat_number.clone(),
            timestamp: qr_fields.timestamp.clone(),
            total_with_vat: qr_fields.total_with_vat.clone(),
            vat_total: qr_fields.vat_total.clone(),
            invoice_hash: Some(hash_b64.clone()),
            signature: Some(signature_b64.clone()),
            public_key: Some(cert.public_key_spki().to_vec()),
            certificate_signature: simplified.then(|| cert.signature().to_vec()),
        }
        .to_base64()?;

        let props_digest = props.digest();
        let extensions = Extensions {
            decl: &places.ext_decl,
            hash: &hash_b64,
            props: &props,
            props_digest: &props_digest,
            signature: &signature_b64,
            certificate: cert.base64(),
        };

        // The three blocks are written straight into the document where they
        // go (an element replaced, or an insertion), the rest copied around them.
        let mut edits: Vec<Edit> = Vec::with_capacity(3 + places.delete.len());
        edits.push(Edit::new(places.extensions.clone(), Block::Extensions));
        edits.push(Edit::new(places.qr.clone(), Block::Qr));
        edits.push(Edit::new(places.signature.clone(), Block::Signature));
        for range in &places.delete {
            edits.push(Edit::new(range.clone(), Block::Nothing));
        }
        edits.sort_by_key(|e| (e.range.start, e.block));
        let qr_block = qr_block(&places.qr_decl, &qr);
        let signature_block = signature_block(&places.sig_decl);
        let extra = extensions.len() + length(&qr_block) + length(&signature_block);
        let mut xml = String::with_capacity(text.len() + extra);
        let mut pos = 0;
        for edit in &edits {
            if edit.range.start < pos {
                // Overlapping edits cannot happen for distinct sibling elements.
                return Err(UblError::invalid(
                    "signature placement",
                    "distinct UBLExtensions, QR and Signature elements",
                    "overlapping elements",
                ));
            }
            xml.push_str(text.get(pos..edit.range.start).unwrap_or_default());
            match edit.block {
                Block::Extensions => extensions.write(&mut xml),
                Block::Qr => write(&mut xml, &qr_block),
                Block::Signature => write(&mut xml, &signature_block),
                Block::Nothing => {}
            }
            pos = edit.range.end;
        }
        xml.push_str(text.get(pos..).unwrap_or_default());

        Ok(SignedInvoice {
            xml,
            hash,
            uuid: uuid.clone(),
            signature,
            signed_properties_digest: props_digest,
            qr,
        })
    }
}

/// What signing reads from an invoice (places, UUID, subtype, QR values,
/// hash), as the streaming path reads it: `None` where it declines. Compared
/// with [`signing_reading_with_tree`] by the differential fuzz target, which
/// so checks signing without the cost of the signatures.
#[doc(hidden)]
pub fn signing_reading_streaming(xml: &[u8]) -> Option<String> {
    let text = crate::c14n::decode(xml).ok()?;
    Reading::streamed(text).map(|reading| format!("{reading:?}"))
}

/// What signing reads from an invoice, from the tree.
#[doc(hidden)]
pub fn signing_reading_with_tree(xml: &[u8]) -> Result<String, UblError> {
    let invoice = Invoice::parse(xml)?;
    Reading::from_tree(&invoice).map(|reading| format!("{reading:?}"))
}

/// Signs one invoice: [`InvoiceSigner::new`] then [`InvoiceSigner::sign`].
pub fn sign_invoice(
    xml: &[u8],
    key: &PrivateKey,
    certificate: &Certificate,
    signing_time: &SigningTime,
) -> Result<SignedInvoice, UblError> {
    InvoiceSigner::new(key, certificate)?.sign(xml, signing_time)
}

/// A signed invoice and the values the reporting, clearance and compliance
/// APIs ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInvoice {
    xml: String,
    hash: InvoiceHash,
    uuid: String,
    signature: InvoiceSignature,
    signed_properties_digest: String,
    qr: String,
}

impl SignedInvoice {
    /// The signed XML document.
    pub fn xml(&self) -> &str {
        &self.xml
    }

    /// The signed XML document, owned.
    pub fn into_xml(self) -> String {
        self.xml
    }

    /// The invoice hash (the API's `invoiceHash`, the next invoice's PIH).
    pub fn hash(&self) -> &InvoiceHash {
        &self.hash
    }

    /// The document's `cbc:UUID` (the API's `uuid`).
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The invoice signature (`ds:SignatureValue`, QR tag 7).
    pub fn signature(&self) -> &InvoiceSignature {
        &self.signature
    }

    /// The `xadesSignedProperties` reference digest.
    pub fn signed_properties_digest(&self) -> &str {
        &self.signed_properties_digest
    }

    /// The QR code text (base64 of the TLV).
    pub fn qr(&self) -> &str {
        &self.qr
    }

    /// Base64 of the signed XML bytes (the API's `invoice`).
    pub fn invoice_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.xml.as_bytes())
    }

    /// The body of a reporting, clearance or compliance request.
    pub fn submission(&self) -> zatca_fatoora::InvoiceSubmission {
        zatca_fatoora::InvoiceSubmission {
            invoice_hash: self.hash.to_base64(),
            uuid: self.uuid.clone(),
            invoice: self.invoice_base64(),
        }
    }
}

/// What signing writes at a place of the document: a block, or nothing (a
/// deletion). Ordered as the blocks go where two share a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Block {
    Extensions,
    Qr,
    Signature,
    Nothing,
}

struct Edit {
    range: std::ops::Range<usize>,
    block: Block,
}

impl Edit {
    fn new(range: std::ops::Range<usize>, block: Block) -> Self {
        Self { range, block }
    }
}

/// Where the three signature parts go, and what to delete.
#[derive(Debug, PartialEq, Eq)]
struct Places {
    extensions: std::ops::Range<usize>,
    qr: std::ops::Range<usize>,
    signature: std::ops::Range<usize>,
    delete: Vec<std::ops::Range<usize>>,
    /// Namespace declarations the inserted elements need because the
    /// `Invoice` element does not bind `ext`/`cac`/`cbc` as UBL does.
    ext_decl: String,
    qr_decl: String,
    sig_decl: String,
}

impl Places {
    /// From the document element's children (those of [`TopKind`]), where its
    /// content starts (`None` if it has none) and the namespaces its `ext`,
    /// `cac` and `cbc` prefixes are bound to.
    fn from_children(
        children: impl IntoIterator<Item = TopChild>,
        content_start: Option<usize>,
        [ext_uri, cac_uri, cbc_uri]: [Option<&str>; 3],
    ) -> Result<Self, UblError> {
        let supplier_path = "/Invoice/cac:AccountingSupplierParty";
        let mut extensions = None;
        let mut qr = None;
        let mut signature = None;
        let mut delete = Vec::new();
        let mut last_reference: Option<std::ops::Range<usize>> = None;
        let mut supplier = None;
        let mut pih = false;
        for child in children {
            let slot = match child.kind {
                TopKind::Extensions => &mut extensions,
                TopKind::Signature => &mut signature,
                TopKind::Reference if child.is_qr => &mut qr,
                TopKind::Reference => {
                    pih |= child.is_pih;
                    last_reference = Some(child.range);
                    continue;
                }
                TopKind::Supplier => {
                    supplier.get_or_insert(child.range);
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(child.range);
            } else {
                delete.push(child.range);
            }
        }
        if !pih {
            return Err(UblError::MissingElement { path: PIH_PATH });
        }
        let at = |pos: usize| pos..pos;
        let extensions = match extensions {
            Some(r) => r,
            None => at(content_start.ok_or(UblError::MissingElement {
                path: supplier_path,
            })?),
        };
        let qr = match qr {
            Some(r) => r,
            None => at(last_reference.map(|r| r.end).unwrap_or_default()),
        };
        let signature = match signature {
            Some(r) => r,
            None => {
                let supplier = supplier.ok_or(UblError::MissingElement {
                    path: supplier_path,
                })?;
                at(supplier.start)
            }
        };
        let missing = |prefix: &str, bound: Option<&str>, uri: &str| {
            if bound == Some(uri) {
                String::new()
            } else {
                format!(" xmlns:{prefix}=\"{uri}\"")
            }
        };
        let (ext, cac, cbc) = (
            missing("ext", ext_uri, NS_EXT),
            missing("cac", cac_uri, NS_CAC),
            missing("cbc", cbc_uri, NS_CBC),
        );
        Ok(Self {
            extensions,
            qr,
            signature,
            delete,
            ext_decl: format!("{ext}{cbc}"),
            qr_decl: format!("{cac}{cbc}"),
            sig_decl: format!("{cac}{cbc}"),
        })
    }

    /// From the tree.
    fn find(invoice: &Invoice<'_>) -> Result<Self, UblError> {
        let root = invoice.root();
        let children = root
            .children()
            .filter(Node::is_element)
            .filter_map(|child| {
                let kind = if child.has_tag_name((NS_EXT, "UBLExtensions")) {
                    TopKind::Extensions
                } else if child.has_tag_name((NS_CAC, "Signature")) {
                    TopKind::Signature
                } else if child.has_tag_name((NS_CAC, "AdditionalDocumentReference")) {
                    TopKind::Reference
                } else if child.has_tag_name((NS_CAC, "AccountingSupplierParty")) {
                    TopKind::Supplier
                } else {
                    return None;
                };
                let reference = kind == TopKind::Reference;
                Some(TopChild {
                    kind,
                    range: child.range(),
                    is_qr: reference && has_id(child, "QR"),
                    is_pih: reference && has_id(child, "PIH"),
                })
            });
        Self::from_children(
            children,
            root.first_child().map(|n| n.range().start),
            ["ext", "cac", "cbc"].map(|p| root.lookup_namespace_uri(Some(p))),
        )
    }
}

/// What signing reads from an invoice: where the signature parts go, the
/// UUID, whether it is simplified, the QR tags 1–5 and the invoice hash.
#[derive(Debug, PartialEq, Eq)]
struct Reading<'t> {
    /// The document text.
    text: &'t str,
    places: Places,
    uuid: String,
    simplified: bool,
    qr_fields: QrFields,
    hash: InvoiceHash,
}

impl<'t> Reading<'t> {
    fn from_tree(invoice: &Invoice<'t>) -> Result<Self, UblError> {
        let places = Places::find(invoice)?;
        let uuid = invoice.uuid()?.to_owned();
        let simplified = invoice.is_simplified().ok_or_else(|| {
            let found = invoice
                .invoice_type()
                .map(|(_, s)| s.to_owned())
                .unwrap_or_default();
            UblError::invalid(
                "/Invoice/cbc:InvoiceTypeCode/@name",
                "a KSA-2 subtype starting 01 (standard) or 02 (simplified)",
                &found,
            )
        })?;
        let qr_fields = QrFields::read(invoice)?;
        Ok(Self {
            text: invoice.doc.input_text(),
            places,
            uuid,
            simplified,
            qr_fields,
            hash: invoice.hash(),
        })
    }

    /// By the streaming canonicaliser; `None` where it declines the document
    /// or anything signing needs is missing (the tree then names the error).
    fn streamed(text: &'t str) -> Option<Self> {
        let mut hash_input = Vec::with_capacity(text.len());
        let mut outline = Outline::default();
        stream::canonicalize_outlined(text, &mut hash_input, &mut outline).ok()?;
        if outline.complex {
            return None;
        }
        let simplified = outline.simplified()?;
        let qr_fields = QrFields::from_outline(&outline)?;
        let uuid = outline.value(field::UUID)?.to_owned();
        let places = Places::from_children(
            outline.children,
            outline.content_start,
            outline.root_namespaces,
        )
        .ok()?;
        Some(Self {
            text,
            places,
            uuid,
            simplified,
            qr_fields,
            hash: InvoiceHash::from_bytes(Sha256::digest(&hash_input).into()),
        })
    }
}

/// The QR tags 1–5, read from the invoice.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct QrFields {
    pub(crate) seller_name: String,
    pub(crate) vat_number: String,
    pub(crate) timestamp: String,
    pub(crate) total_with_vat: String,
    pub(crate) vat_total: String,
}

impl QrFields {
    /// From the streaming pass; `None` if any is absent or empty.
    pub(crate) fn from_outline(outline: &Outline<'_>) -> Option<Self> {
        let value = |entry| outline.value(entry).map(str::to_owned);
        Some(Self {
            seller_name: value(field::REGISTRATION_NAME)?,
            vat_number: value(field::COMPANY_ID)?,
            timestamp: format!(
                "{}T{}",
                outline.value(field::ISSUE_DATE)?,
                outline.value(field::ISSUE_TIME)?
            ),
            total_with_vat: value(field::PAYABLE_AMOUNT)?,
            vat_total: value(field::TAX_AMOUNT)?,
        })
    }

    fn read(invoice: &Invoice<'_>) -> Result<Self, UblError> {
        let missing = |path| UblError::MissingElement { path };
        Ok(Self {
            seller_name: invoice
                .seller_name()
                .ok_or(missing(
                    "/Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
                ))?
                .to_owned(),
            vat_number: invoice
                .seller_vat()
                .filter(|v| !v.is_empty())
                .ok_or(missing(
                    "/Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
                ))?
                .to_owned(),
            timestamp: invoice
                .issue_timestamp()
                .ok_or(missing("/Invoice/cbc:IssueDate and /Invoice/cbc:IssueTime"))?,
            total_with_vat: invoice
                .payable_amount()
                .ok_or(missing("/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount"))?
                .to_owned(),
            vat_total: invoice
                .vat_total()
                .ok_or(missing("/Invoice/cac:TaxTotal/cbc:TaxAmount"))?
                .to_owned(),
        })
    }
}

/// The `ext:UBLExtensions` element exactly as SDK R3.3.3 writes it: its values.
struct Extensions<'a> {
    decl: &'a str,
    hash: &'a str,
    props: &'a SignedProperties,
    props_digest: &'a str,
    signature: &'a str,
    certificate: &'a str,
}

impl Extensions<'_> {
    /// The parts of the element, in order.
    fn parts(&self) -> [&str; 13] {
        [
            "<ext:UBLExtensions",
            self.decl,
            EXT_1,
            self.hash,
            EXT_2,
            self.props_digest,
            EXT_3,
            self.signature,
            EXT_4,
            self.certificate,
            EXT_5,
            self.props.xml(),
            EXT_6,
        ]
    }

    fn len(&self) -> usize {
        length(&self.parts())
    }

    fn write(&self, out: &mut String) {
        write(out, &self.parts());
    }
}

/// The length of a block written in parts.
fn length(parts: &[&str]) -> usize {
    parts.iter().map(|part| part.len()).sum()
}

/// Writes a block's parts in order.
fn write(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
}

const QR_1: &str = "\n        <cbc:ID>QR</cbc:ID>\n        <cac:Attachment>\n            <cbc:EmbeddedDocumentBinaryObject mimeCode=\"text/plain\">";
const QR_2: &str = "</cbc:EmbeddedDocumentBinaryObject>\n        </cac:Attachment>\n</cac:AdditionalDocumentReference>";

/// The QR `cac:AdditionalDocumentReference` as SDK R3.3.3 writes it, in parts.
fn qr_block<'a>(decl: &'a str, qr: &'a str) -> [&'a str; 6] {
    [
        "<cac:AdditionalDocumentReference",
        decl,
        ">",
        QR_1,
        qr,
        QR_2,
    ]
}

const SIGNATURE_END: &str = ">\n      <cbc:ID>urn:oasis:names:specification:ubl:signature:Invoice</cbc:ID>\n      <cbc:SignatureMethod>urn:oasis:names:specification:ubl:dsig:enveloped:xades</cbc:SignatureMethod>\n</cac:Signature>";

/// `cac:Signature` as SDK R3.3.3 writes it, in parts.
fn signature_block(decl: &str) -> [&str; 3] {
    ["<cac:Signature", decl, SIGNATURE_END]
}

// The SDK R3.3.3 layout (identical in its 26 samples), around the values.
// Note the space after `<sac:SignatureInformation>`: the SDK writes it.
const EXT_1: &str = r##">
    <ext:UBLExtension>
        <ext:ExtensionURI>urn:oasis:names:specification:ubl:dsig:enveloped:xades</ext:ExtensionURI>
        <ext:ExtensionContent>
            <sig:UBLDocumentSignatures xmlns:sig="urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2" xmlns:sac="urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2" xmlns:sbc="urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2">
                <sac:SignatureInformation> 
                    <cbc:ID>urn:oasis:names:specification:ubl:signature:1</cbc:ID>
                    <sbc:ReferencedSignatureID>urn:oasis:names:specification:ubl:signature:Invoice</sbc:ReferencedSignatureID>
                    <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="signature">
                        <ds:SignedInfo>
                            <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>
                            <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
                            <ds:Reference Id="invoiceSignedData" URI="">
                                <ds:Transforms>
                                    <ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">
                                        <ds:XPath>not(//ancestor-or-self::ext:UBLExtensions)</ds:XPath>
                                    </ds:Transform>
                                    <ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">
                                        <ds:XPath>not(//ancestor-or-self::cac:Signature)</ds:XPath>
                                    </ds:Transform>
                                    <ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">
                                        <ds:XPath>not(//ancestor-or-self::cac:AdditionalDocumentReference[cbc:ID='QR'])</ds:XPath>
                                    </ds:Transform>
                                    <ds:Transform Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>
                                </ds:Transforms>
                                <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
                                <ds:DigestValue>"##;
const EXT_2: &str = r##"</ds:DigestValue>
                            </ds:Reference>
                            <ds:Reference Type="http://www.w3.org/2000/09/xmldsig#SignatureProperties" URI="#xadesSignedProperties">
                                <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
                                <ds:DigestValue>"##;
const EXT_3: &str = r##"</ds:DigestValue>
                            </ds:Reference>
                        </ds:SignedInfo>
                        <ds:SignatureValue>"##;
const EXT_4: &str = r##"</ds:SignatureValue>
                        <ds:KeyInfo>
                            <ds:X509Data>
                                <ds:X509Certificate>"##;
const EXT_5: &str = r##"</ds:X509Certificate>
                            </ds:X509Data>
                        </ds:KeyInfo>
                        <ds:Object>
                            <xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="signature">
                                "##;
const EXT_6: &str = r##"
                            </xades:QualifyingProperties>
                        </ds:Object>
                    </ds:Signature>
                </sac:SignatureInformation>
            </sig:UBLDocumentSignatures>
        </ext:ExtensionContent>
    </ext:UBLExtension>
</ext:UBLExtensions>"##;
