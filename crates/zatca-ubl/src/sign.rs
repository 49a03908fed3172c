//! Signing a UBL invoice the way ZATCA's SDK R3.3.3 does.
//!
//! [`InvoiceSigner::sign`] parses the invoice once and
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
    pub fn sign(&self, xml: &[u8], signing_time: &SigningTime) -> Result<SignedInvoice, UblError> {
        let invoice = Invoice::parse(xml)?;
        self.sign_parsed(&invoice, signing_time)
    }

    /// Signs an invoice already parsed.
    pub fn sign_parsed(
        &self,
        invoice: &Invoice<'_>,
        signing_time: &SigningTime,
    ) -> Result<SignedInvoice, UblError> {
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

        let hash = invoice.hash();
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
            seller_name: qr_fields.seller_name,
            vat_number: qr_fields.vat_number,
            timestamp: qr_fields.timestamp,
            total_with_vat: qr_fields.total_with_vat,
            vat_total: qr_fields.vat_total,
            invoice_hash: Some(hash_b64.clone()),
            signature: Some(signature_b64.clone()),
            public_key: Some(cert.public_key_spki().to_vec()),
            certificate_signature: simplified.then(|| cert.signature().to_vec()),
        }
        .to_base64()?;

        let props_digest = props.digest();
        let extensions = extensions_block(
            &places.ext_decl,
            &hash_b64,
            &props,
            &props_digest,
            &signature_b64,
            cert.base64(),
        );
        let qr_block = qr_block(&places.qr_decl, &qr);
        let signature_block = signature_block(&places.sig_decl);

        let text = invoice.doc.input_text();
        let mut edits: Vec<Edit<'_>> = Vec::with_capacity(6);
        edits.push(Edit::new(places.extensions.clone(), 0, &extensions));
        edits.push(Edit::new(places.qr.clone(), 1, &qr_block));
        edits.push(Edit::new(places.signature.clone(), 2, &signature_block));
        for range in &places.delete {
            edits.push(Edit::new(range.clone(), 3, ""));
        }
        edits.sort_by_key(|e| (e.range.start, e.order));
        let extra: usize = edits.iter().map(|e| e.text.len()).sum();
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
            xml.push_str(edit.text);
            pos = edit.range.end;
        }
        xml.push_str(text.get(pos..).unwrap_or_default());

        Ok(SignedInvoice {
            xml,
            hash,
            uuid,
            signature,
            signed_properties_digest: props_digest,
            qr,
        })
    }
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

struct Edit<'t> {
    range: std::ops::Range<usize>,
    order: u8,
    text: &'t str,
}

impl<'t> Edit<'t> {
    fn new(range: std::ops::Range<usize>, order: u8, text: &'t str) -> Self {
        Self { range, order, text }
    }
}

/// Where the three signature parts go, and what to delete.
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
    fn find(invoice: &Invoice<'_>) -> Result<Self, UblError> {
        let root = invoice.root();
        let mut extensions = None;
        let mut qr = None;
        let mut signature = None;
        let mut delete = Vec::new();
        let mut last_reference: Option<Node<'_, '_>> = None;
        let mut supplier = None;
        let mut pih = false;
        for child in root.children().filter(Node::is_element) {
            let slot = if child.has_tag_name((NS_EXT, "UBLExtensions")) {
                &mut extensions
            } else if child.has_tag_name((NS_CAC, "Signature")) {
                &mut signature
            } else if child.has_tag_name((NS_CAC, "AdditionalDocumentReference")) {
                if has_id(child, "QR") {
                    &mut qr
                } else {
                    pih |= has_id(child, "PIH");
                    last_reference = Some(child);
                    continue;
                }
            } else {
                if supplier.is_none() && child.has_tag_name((NS_CAC, "AccountingSupplierParty")) {
                    supplier = Some(child);
                }
                continue;
            };
            if slot.is_none() {
                *slot = Some(child.range());
            } else {
                delete.push(child.range());
            }
        }
        if !pih {
            return Err(UblError::MissingElement { path: PIH_PATH });
        }
        let at = |pos: usize| pos..pos;
        let extensions = match extensions {
            Some(r) => r,
            None => {
                let first = root.first_child().ok_or(UblError::MissingElement {
                    path: "/Invoice/cac:AccountingSupplierParty",
                })?;
                at(first.range().start)
            }
        };
        let qr = match qr {
            Some(r) => r,
            None => at(last_reference.map(|n| n.range().end).unwrap_or_default()),
        };
        let signature = match signature {
            Some(r) => r,
            None => {
                let supplier = supplier.ok_or(UblError::MissingElement {
                    path: "/Invoice/cac:AccountingSupplierParty",
                })?;
                at(supplier.range().start)
            }
        };
        let missing = |prefix: &str, uri: &str| {
            if root.lookup_namespace_uri(Some(prefix)) == Some(uri) {
                String::new()
            } else {
                format!(" xmlns:{prefix}=\"{uri}\"")
            }
        };
        let (ext, cac, cbc) = (
            missing("ext", NS_EXT),
            missing("cac", NS_CAC),
            missing("cbc", NS_CBC),
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
}

/// The QR tags 1–5, read from the invoice.
struct QrFields {
    seller_name: String,
    vat_number: String,
    timestamp: String,
    total_with_vat: String,
    vat_total: String,
}

impl QrFields {
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

/// The `ext:UBLExtensions` element exactly as SDK R3.3.3 writes it.
fn extensions_block(
    decl: &str,
    hash: &str,
    props: &SignedProperties,
    props_digest: &str,
    signature: &str,
    certificate: &str,
) -> String {
    let mut out = String::with_capacity(
        EXT_1.len()
            + EXT_2.len()
            + EXT_3.len()
            + EXT_4.len()
            + EXT_5.len()
            + 1500
            + certificate.len(),
    );
    out.push_str("<ext:UBLExtensions");
    out.push_str(decl);
    out.push_str(EXT_1);
    out.push_str(hash);
    out.push_str(EXT_2);
    out.push_str(props_digest);
    out.push_str(EXT_3);
    out.push_str(signature);
    out.push_str(EXT_4);
    out.push_str(certificate);
    out.push_str(EXT_5);
    out.push_str(props.xml());
    out.push_str(EXT_6);
    out
}

/// The QR `cac:AdditionalDocumentReference` as SDK R3.3.3 writes it.
fn qr_block(decl: &str, qr: &str) -> String {
    format!(
        "<cac:AdditionalDocumentReference{decl}>\n        <cbc:ID>QR</cbc:ID>\n        <cac:Attachment>\n            <cbc:EmbeddedDocumentBinaryObject mimeCode=\"text/plain\">{qr}</cbc:EmbeddedDocumentBinaryObject>\n        </cac:Attachment>\n</cac:AdditionalDocumentReference>"
    )
}

/// `cac:Signature` as SDK R3.3.3 writes it.
fn signature_block(decl: &str) -> String {
    format!(
        "<cac:Signature{decl}>\n      <cbc:ID>urn:oasis:names:specification:ubl:signature:Invoice</cbc:ID>\n      <cbc:SignatureMethod>urn:oasis:names:specification:ubl:dsig:enveloped:xades</cbc:SignatureMethod>\n</cac:Signature>"
    )
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
