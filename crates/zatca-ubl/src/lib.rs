//! UBL invoice handling for the ZATCA onboarding toolkit: the invoice hash, the
//! XAdES `SignedProperties` digest, and the values the API asks for.
//!
//! # The invoice hash
//!
//! The hash ZATCA puts in the `ds:Reference Id="invoiceSignedData"` digest, in QR
//! tag 6, in the API's `invoiceHash` and in the next invoice's PIH
//! (reproduced on every SDK R3.3.3 and R3.2.7
//! sample in `testdata/invoices/`):
//!
//! 1. parse the invoice XML;
//! 2. remove the elements `/Invoice/ext:UBLExtensions`, `/Invoice/cac:Signature` and
//!    `/Invoice/cac:AdditionalDocumentReference[cbc:ID='QR']`, and only the elements:
//!    the whitespace around them stays;
//! 3. canonicalise with C14N 1.1 without comments ([`c14n`]);
//! 4. SHA-256, then base64 of the 32 raw bytes (44 characters, no hex step).
//!
//! ```
//! let xml = std::fs::read(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
//! ))?;
//! let hash = zatca_ubl::invoice_hash(&xml)?;
//! assert_eq!(hash.to_base64(), "Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The SDK performs step 2 with an XSLT (`invoice.xsl`) whose match patterns are
//! looser than the paths above: it matches `UBLExtensions` at any depth and
//! `Signature` by local name only, and compares the QR `cbc:ID` after
//! `normalize-space`. They select the same elements in every schema-valid UBL
//! invoice; on documents that differ there, ZATCA's own validation fails anyway.
//!
//! # SignedProperties
//!
//! [`SignedProperties`] builds the `xades:SignedProperties` block exactly as the
//! SDK lays it out and computes its digest (base64 of the lowercase hex SHA-256
//! of the block's text, with dom4j's namespace declarations, not canonicalised).
//!
//! # Signing and verifying
//!
//! [`InvoiceSigner`] / [`sign_invoice`] embed the XAdES signature, the QR code
//! and the `cac:Signature` reference in the SDK R3.3.3 layout and return the
//! signed XML with the values the reporting/clearance APIs want
//! ([`SignedInvoice`]); see the `sign` module docs for the steps.
//! [`verify_invoice`] / [`check_invoice`] recompute every value of a signed
//! document and name each element that does not match ([`UblError`] variants
//! `InvoiceDigestMismatch`, `SignatureValueInvalid`,
//! `SignedPropertiesDigestMismatch`, `CertDigestMismatch`,
//! `IssuerSerialMismatch`, `QrMismatch`).
//!
//! # What XML is read, and the limits
//!
//! Every XML document this crate reads (to hash, canonicalise, sign or verify)
//! is refused, before any tree is built, if it has:
//!
//! - any document type declaration (`<!DOCTYPE …>`, with or without an internal
//!   subset or entities), as [`UblError::Doctype`]. A UBL 2.1 invoice is defined
//!   by its XML Schema and never carries a DTD (none of the ZATCA SDK samples in
//!   `testdata/invoices/` has one), and XML-DSig processors commonly refuse DTDs
//!   too: refusing it keeps entity expansion (a 160 KB document can ask for
//!   gigabytes) and DTD-supplied attribute defaults (which would change the
//!   canonical form) out entirely;
//! - any element beyond these limits, as [`UblError::LimitExceeded`] naming the
//!   [`XmlLimit`], the value found and the element's position:
//!
//! | limit | value | largest in the samples of `testdata/invoices/` |
//! |---|---:|---:|
//! | input size ([`MAX_INVOICE_BYTES`], checked first, as [`UblError::TooLarge`]) | 10 MiB | 23 KB (a 200-line invoice is about 246 KB) |
//! | nesting depth, the document element at 1 ([`MAX_DEPTH`]) | 128 | 15 (inside the XAdES block) |
//! | attributes per element, declarations not counted ([`MAX_ATTRIBUTES_PER_ELEMENT`]) | 32 | 2 |
//! | namespace declarations per element ([`MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT`]) | 32 | 13 |
//! | distinct namespace prefixes in scope, the default counted as one ([`MAX_NAMESPACES_IN_SCOPE`]) | 64 | 14 |
//! | distinct namespace declarations (prefix and URI) in the document ([`MAX_DISTINCT_NAMESPACES`]) | 256 | 14 |
//!
//! Two readers share these rules. The streaming canonicaliser reads the text
//! once, canonicalising and hashing as it goes, without a tree: it reads the
//! strict subset of XML invoices are written in (ASCII names, the predefined
//! entities and character references, no processing instructions) and stops
//! at the limits above; [`invoice_hash`], [`c14n::canonicalize`] and
//! [`InvoiceSigner::sign`] use it. Whatever it declines (anything outside that
//! subset, any malformed input, any limit reached) goes to the tree reader,
//! which first makes one linear pass over the markup (refusing the DTD and
//! enforcing the limits with the errors above), then builds the `roxmltree`
//! tree and canonicalises from it; [`Invoice::parse`] uses the tree.
//! Verification ([`check_invoice`]) reads the document with the streaming
//! canonicaliser too and builds a tree of the signature block and the QR
//! reference alone; whatever it declines, and every document with a problem,
//! is verified again from the whole tree, which names the problems. Both
//! canonicalisers write the same bytes, and both verifications establish the
//! same (a differential fuzz target checks both).
//! The tree parser checks each attribute against the element's earlier
//! attributes, each declaration against the prefixes in scope, and keeps the
//! document's distinct declarations in a sorted array; with these bounds that
//! work, and either canonicaliser's (one lookup per namespace in scope), is
//! linear in the input.
//!
//! # The invoice chain
//!
//! [`write_chain_references`] writes a document's ICV (invoice counter value,
//! `cac:AdditionalDocumentReference[cbc:ID='ICV']/cbc:UUID`) and PIH (previous
//! invoice hash, `…[cbc:ID='PIH']/cac:Attachment/cbc:EmbeddedDocumentBinaryObject`)
//! into an unsigned document; both are inside the invoice hash, so they are
//! written before signing, and a signed document is refused.
//!
//! # Compliance sample documents
//!
//! [`ComplianceSamples`] makes the signed sample documents a device's TSXY
//! requires for its compliance checks, chained by ICV and PIH.
//!
//! # Why each dependency
//!
//! `zatca-sign`: the invoice-hash signature, the QR TLV and the [`InvoiceHash`]
//! type; `zatca-keys`: the private key; `zatca-types`: the hex-digest form
//! and seed-derived UUIDs; `zatca-cert`: the certificate and its
//! ZATCA-form values (parsed once); `zatca-profile` and `zatca-fatoora`: the
//! device profile and the compliance steps the sample documents are made for.
//! `roxmltree`: a conformant, strict, dependency-light XML 1.0 + namespaces parser
//! (no `unsafe` in its parsing, no external entity loading, DTDs refused by
//! default) that keeps source positions, so element and attribute names are written
//! with the prefixes the document uses: the tree reader, and the oracle the
//! streaming canonicaliser is fuzzed against. Both canonicalisers are this
//! crate's own ([`c14n`]): the pure-Rust C14N crates found were either pre-release
//! with a large dependency tree (ring, x509-parser, a second `der`) and a newer MSRV,
//! or bindings to libxml2. `memchr`: the fast byte search of the pre-scan and of
//! the streaming canonicaliser (already in the build, through `roxmltree`).
//! `sha2`: the digest; `base64`: the encoding ZATCA uses.
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (invoice XML):
// these are denied outside tests;
// any exception carries an `#[allow]` with its justification.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

pub mod c14n;
mod chain;
mod document_type;
mod error;
mod extract;
mod fields;
mod prescan;
mod samples;
mod sign;
mod signed_properties;
mod stream;
mod verify;

use std::fmt;

use roxmltree::{Document, Node, NodeId};
use sha2::{Digest as _, Sha256};

pub use chain::write_chain_references;
pub use error::{UblError, XmlLimit};
pub use samples::{ComplianceSamples, SampleDocument};
pub use sign::{InvoiceSigner, SignedInvoice, sign_invoice};
#[doc(hidden)]
pub use sign::{signing_reading_streaming, signing_reading_with_tree};
pub use signed_properties::{SignedProperties, SigningTime};
pub use verify::{NS_DS, NS_XADES, VerifiedInvoice, check_invoice, verify_invoice};
#[doc(hidden)]
pub use verify::{verification_streaming, verification_with_tree};
/// The invoice hash type is `zatca-sign`'s (one type across the toolkit).
pub use zatca_sign::InvoiceHash;

/// The largest invoice accepted, in bytes (10 MiB).
pub const MAX_INVOICE_BYTES: usize = 10 * 1024 * 1024;
/// The deepest element nesting accepted (the document element is at depth 1).
pub const MAX_DEPTH: usize = 128;
/// The most attributes one element may have, namespace declarations not counted.
pub const MAX_ATTRIBUTES_PER_ELEMENT: usize = 32;
/// The most namespace declarations (`xmlns`, `xmlns:p`) one element may have.
pub const MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT: usize = 32;
/// The most distinct namespace prefixes (the default namespace counted as one)
/// that may be in scope on one element.
pub const MAX_NAMESPACES_IN_SCOPE: usize = 64;
/// The most distinct namespace declarations (prefix and URI as written) one
/// document may make; the same declaration repeated counts once.
pub const MAX_DISTINCT_NAMESPACES: usize = 256;

/// Namespace of the UBL 2.1 `Invoice` document element (ZATCA credit and debit
/// notes are `Invoice` documents too).
pub const NS_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
/// Namespace of UBL aggregate components (`cac:`).
pub const NS_CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
/// Namespace of UBL basic components (`cbc:`).
pub const NS_CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
/// Namespace of UBL extension components (`ext:`).
pub const NS_EXT: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2";

/// Computes the ZATCA invoice hash of an invoice document.
///
/// Shorthand for [`Invoice::parse`] then [`Invoice::hash`].
pub fn invoice_hash(xml: &[u8]) -> Result<InvoiceHash, UblError> {
    let text = c14n::decode(xml)?;
    let mut out = Vec::with_capacity(text.len());
    if stream::canonicalize(text, stream::Output::InvoiceHashInput, &mut out).is_ok() {
        return Ok(InvoiceHash::from_bytes(Sha256::digest(&out).into()));
    }
    let invoice = Invoice::parse(xml)?;
    out.clear();
    invoice.write_hash_input(&mut out);
    Ok(InvoiceHash::from_bytes(Sha256::digest(&out).into()))
}

/// A parsed UBL invoice: well-formed XML whose document element is a UBL `Invoice`.
pub struct Invoice<'a> {
    doc: Document<'a>,
}

impl fmt::Debug for Invoice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invoice")
            .field("bytes", &self.doc.input_text().len())
            .finish_non_exhaustive()
    }
}

impl<'a> Invoice<'a> {
    /// Parses an invoice: at most [`MAX_INVOICE_BYTES`] of UTF-8 XML, without a
    /// DTD and within the structural limits (crate docs, "What XML is read, and
    /// the limits"), whose document element is
    /// `{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice`.
    pub fn parse(xml: &'a [u8]) -> Result<Self, UblError> {
        let text = c14n::decode(xml)?;
        Self::of_document(c14n::parse(text)?)
    }

    /// The document, if its element is a UBL `Invoice`.
    fn of_document(doc: Document<'a>) -> Result<Self, UblError> {
        let root = doc.root_element();
        if !root.has_tag_name((NS_INVOICE, "Invoice")) {
            let name = root.tag_name();
            return Err(UblError::NotAnInvoice {
                found: format!(
                    "{{{}}}{}",
                    name.namespace().unwrap_or_default(),
                    name.name()
                ),
            });
        }
        Ok(Self { doc })
    }

    /// A document made of parts of one the streaming canonicaliser read
    /// whole: it held that one to the pre-scan's rules (no DTD, the limits) and
    /// to a subset without processing instructions already, so only the tree
    /// is built.
    pub(crate) fn parse_streamed_subset(text: &'a str) -> Result<Self, UblError> {
        Self::of_document(c14n::parse_without_prescan(text)?)
    }

    /// The bytes that are hashed: the canonical form (C14N 1.1, no comments) of the
    /// invoice without its `ext:UBLExtensions`, `cac:Signature` and QR
    /// `cac:AdditionalDocumentReference` elements.
    pub fn hash_input(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.doc.input_text().len());
        self.write_hash_input(&mut out);
        out
    }

    /// The tree is there already: walking it is faster than reading the text
    /// again with the streaming canonicaliser.
    fn write_hash_input(&self, out: &mut Vec<u8>) {
        let skip = self.removed_for_hash();
        c14n::write_document(&self.doc, &skip, out);
    }

    /// The children of the document element that the hash leaves out (step 2 of
    /// the crate docs' recipe),
    /// sorted for [`c14n::write_document`]'s lookups.
    fn removed_for_hash(&self) -> Vec<NodeId> {
        let mut removed: Vec<NodeId> = self
            .doc
            .root_element()
            .children()
            .filter(|n| {
                n.has_tag_name((NS_EXT, "UBLExtensions"))
                    || n.has_tag_name((NS_CAC, "Signature"))
                    || (n.has_tag_name((NS_CAC, "AdditionalDocumentReference")) && has_id(*n, "QR"))
            })
            .map(|n| n.id())
            .collect();
        removed.sort_unstable_by_key(|n| n.get());
        removed
    }

    /// The ZATCA invoice hash (see the crate docs).
    pub fn hash(&self) -> InvoiceHash {
        let mut out = Vec::with_capacity(self.doc.input_text().len());
        self.write_hash_input(&mut out);
        InvoiceHash::from_bytes(Sha256::digest(&out).into())
    }

    /// The document element.
    pub(crate) fn root(&self) -> Node<'_, 'a> {
        self.doc.root_element()
    }
}

/// Whether `node` has a `cbc:ID` child whose string value is exactly `id`
/// (the XPath predicate `[cbc:ID='…']`).
pub(crate) fn has_id(node: Node<'_, '_>, id: &str) -> bool {
    node.children()
        .filter(|c| c.has_tag_name((NS_CBC, "ID")))
        .any(|c| string_value_is(c, id))
}

/// Whether the XPath string value of `node` (its descendant text) equals `expected`.
pub(crate) fn string_value_is(node: Node<'_, '_>, expected: &str) -> bool {
    let mut rest = expected;
    for text in node.descendants().filter(Node::is_text) {
        match rest.strip_prefix(text.text().unwrap_or_default()) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}
