//! The one error type of this crate.

use std::fmt;

/// Everything that can go wrong while reading an invoice, canonicalising it,
/// or building and reading the values that go into its signature.
///
/// Messages name the field or input at fault, the expected form and the bad
/// part. Invoices hold no secrets, but long values are cut short in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UblError {
    /// The input was empty.
    Empty,
    /// The input is larger than [`crate::MAX_INVOICE_BYTES`].
    TooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The largest accepted size in bytes.
        max: usize,
    },
    /// The input is not valid UTF-8 (ZATCA invoices are UTF-8).
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The XML declaration names an encoding other than UTF-8.
    UnsupportedEncoding {
        /// The encoding the declaration names.
        declared: String,
    },
    /// The input is not well-formed, namespace-well-formed XML.
    Xml {
        /// Line of the fault (1-based).
        line: u32,
        /// Column of the fault (1-based).
        column: u32,
        /// What the parser reported.
        reason: String,
    },
    /// The document has a document type declaration (`<!DOCTYPE …>`). UBL
    /// invoices never carry a DTD, and refusing it before parsing keeps entity
    /// expansion (XML bombs) and DTD-supplied attribute defaults out.
    Doctype {
        /// Line of the `<!DOCTYPE` (1-based).
        line: u32,
        /// Column of the `<!DOCTYPE` (1-based, in characters).
        column: u32,
    },
    /// The document goes beyond one of the structural limits no real invoice
    /// reaches ([`XmlLimit`]); checked before the document is parsed.
    LimitExceeded {
        /// Which limit.
        limit: XmlLimit,
        /// The value found (for nesting depth and namespaces in scope, the value
        /// at the first element that goes beyond the limit).
        found: usize,
        /// The largest value accepted.
        max: usize,
        /// Line of the element at fault (1-based).
        line: u32,
        /// Column of the element at fault (1-based, in characters).
        column: u32,
    },
    /// The document element is not a UBL `Invoice`.
    NotAnInvoice {
        /// The document element found, as `{namespace}local-name`.
        found: String,
    },
    /// A required element is missing from the invoice.
    MissingElement {
        /// The element's path, e.g. `/Invoice/cbc:UUID`.
        path: &'static str,
    },
    /// A value does not have the expected form.
    InvalidValue {
        /// The field, e.g. `signing time` or `/Invoice/…[cbc:ID='ICV']/cbc:UUID`.
        field: &'static str,
        /// The expected form.
        expected: &'static str,
        /// The bad value (cut to 80 characters).
        found: String,
    },
    /// The signing key is not the key of the signing certificate.
    KeyCertificateMismatch,
    /// A certificate (the signer's, or the document's `ds:X509Certificate`)
    /// cannot be read or used.
    Certificate(zatca_cert::CertError),
    /// A signature, hash or QR value failed in `zatca-sign` (e.g. a QR value
    /// over 255 bytes, a signature that is not base64 DER).
    Sign(zatca_sign::SignError),
    /// The document already carries a signature part (`ext:UBLExtensions`,
    /// `cac:Signature` or the QR reference): its ICV and PIH are fixed by that
    /// signature and are not written again.
    AlreadySigned {
        /// The element found, e.g. `/Invoice/cac:Signature`.
        element: &'static str,
    },
    /// An ICV or PIH `cac:AdditionalDocumentReference` of the document is not
    /// in the form the chain values are written in.
    MalformedChainReference {
        /// `ICV` or `PIH`.
        reference: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Verification: `ds:Reference[@Id='invoiceSignedData']/ds:DigestValue` is
    /// not the invoice hash of the document (the content changed after signing).
    InvoiceDigestMismatch {
        /// The hash of the document as it is (base64).
        computed: String,
        /// The value in the signature.
        stored: String,
    },
    /// Verification: `ds:SignatureValue` does not verify, under the public key
    /// of the embedded certificate, over the signed invoice hash.
    SignatureValueInvalid,
    /// Verification: the `ds:Reference[@URI='#xadesSignedProperties']` digest
    /// is not the digest of the `xades:SignedProperties` block as written.
    SignedPropertiesDigestMismatch {
        /// The digest of the block as written (base64 of hex SHA-256).
        computed: String,
        /// The value in the signature.
        stored: String,
    },
    /// Verification: `xades:CertDigest/ds:DigestValue` is not the certificate
    /// hash of the embedded certificate.
    CertDigestMismatch {
        /// The hash of the embedded certificate.
        computed: String,
        /// The value in the signature.
        stored: String,
    },
    /// Verification: `ds:X509IssuerName` or `ds:X509SerialNumber` is not the
    /// embedded certificate's.
    IssuerSerialMismatch {
        /// The element, `ds:X509IssuerName` or `ds:X509SerialNumber`.
        element: &'static str,
        /// The certificate's value.
        computed: String,
        /// The value in the signature.
        stored: String,
    },
    /// Verification: a QR tag does not hold what the invoice and its signature say.
    QrMismatch {
        /// The QR tag (1–9).
        tag: u8,
        /// What the tag should hold (binary values as base64).
        expected: String,
        /// What it holds (binary values as base64; `(absent)` if missing).
        found: String,
    },
}

/// The structural limits the XML reader enforces before parsing (see the crate
/// docs, "Limits", for the values and why they are safe for invoices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum XmlLimit {
    /// Element nesting depth ([`crate::MAX_DEPTH`]).
    Depth,
    /// Attributes on one element, namespace declarations not counted
    /// ([`crate::MAX_ATTRIBUTES_PER_ELEMENT`]).
    AttributesPerElement,
    /// Namespace declarations (`xmlns`, `xmlns:p`) on one element
    /// ([`crate::MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT`]).
    NamespaceDeclarationsPerElement,
    /// Distinct namespace prefixes (the default namespace counted as one) in
    /// scope on one element ([`crate::MAX_NAMESPACES_IN_SCOPE`]).
    NamespacesInScope,
    /// Distinct namespace declarations (prefix and URI as written) in the whole
    /// document ([`crate::MAX_DISTINCT_NAMESPACES`]).
    DistinctNamespaces,
}

impl XmlLimit {
    /// The largest value accepted.
    pub const fn max(self) -> usize {
        match self {
            Self::Depth => crate::MAX_DEPTH,
            Self::AttributesPerElement => crate::MAX_ATTRIBUTES_PER_ELEMENT,
            Self::NamespaceDeclarationsPerElement => crate::MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT,
            Self::NamespacesInScope => crate::MAX_NAMESPACES_IN_SCOPE,
            Self::DistinctNamespaces => crate::MAX_DISTINCT_NAMESPACES,
        }
    }
}

impl fmt::Display for XmlLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Depth => "nesting depth",
            Self::AttributesPerElement => "attributes per element",
            Self::NamespaceDeclarationsPerElement => "namespace declarations per element",
            Self::NamespacesInScope => "namespace prefixes in scope",
            Self::DistinctNamespaces => "distinct namespace declarations in the document",
        })
    }
}

impl UblError {
    /// An [`UblError::InvalidValue`] with the found value cut to a readable length.
    pub(crate) fn invalid(field: &'static str, expected: &'static str, found: &str) -> Self {
        const MAX: usize = 80;
        let found = match found.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}…", found.get(..cut).unwrap_or_default()),
            None => found.to_owned(),
        };
        Self::InvalidValue {
            field,
            expected,
            found,
        }
    }
}

impl fmt::Display for UblError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(
                f,
                "the invoice input is empty; expected a UBL invoice XML document"
            ),
            Self::TooLarge { len, max } => write!(
                f,
                "the invoice input is {len} bytes, larger than the {max} bytes accepted"
            ),
            Self::NotUtf8 { offset } => write!(
                f,
                "the invoice is not valid UTF-8 (first bad byte at offset {offset}); ZATCA invoices are UTF-8"
            ),
            Self::UnsupportedEncoding { declared } => write!(
                f,
                "the XML declaration names encoding \"{declared}\"; expected UTF-8"
            ),
            Self::Xml {
                line,
                column,
                reason,
            } => write!(f, "malformed XML at line {line}, column {column}: {reason}"),
            Self::Doctype { line, column } => write!(
                f,
                "the document has a DOCTYPE declaration at line {line}, column {column}; UBL invoices must not carry a DTD"
            ),
            Self::LimitExceeded {
                limit,
                found,
                max,
                line,
                column,
            } => write!(
                f,
                "the element at line {line}, column {column} goes beyond the XML limit on {limit}: {found} found, at most {max} accepted"
            ),
            Self::NotAnInvoice { found } => write!(
                f,
                "the document element is {found}; expected {{{}}}Invoice",
                crate::NS_INVOICE
            ),
            Self::MissingElement { path } => write!(f, "the invoice has no {path} element"),
            Self::InvalidValue {
                field,
                expected,
                found,
            } => write!(f, "{field}: expected {expected}, found \"{found}\""),
            Self::KeyCertificateMismatch => write!(
                f,
                "the signing key is not the key of the certificate; expected the private key the certificate was issued for"
            ),
            Self::AlreadySigned { element } => write!(
                f,
                "the invoice already has {element}: expected an unsigned document (its ICV and PIH are sealed by the signature)"
            ),
            Self::MalformedChainReference { reference, problem } => write!(
                f,
                "/Invoice/cac:AdditionalDocumentReference[cbc:ID='{reference}']: {problem}"
            ),
            Self::Certificate(e) => write!(f, "certificate: {e}"),
            Self::Sign(e) => write!(f, "{e}"),
            Self::InvoiceDigestMismatch { computed, stored } => write!(
                f,
                "ds:DigestValue of invoiceSignedData is {stored}, but the invoice hashes to {computed}: the document changed after signing"
            ),
            Self::SignatureValueInvalid => write!(
                f,
                "ds:SignatureValue does not verify over the invoice hash under the key of ds:X509Certificate"
            ),
            Self::SignedPropertiesDigestMismatch { computed, stored } => write!(
                f,
                "ds:DigestValue of xadesSignedProperties is {stored}, but the xades:SignedProperties block as written digests to {computed}"
            ),
            Self::CertDigestMismatch { computed, stored } => write!(
                f,
                "xades:CertDigest/ds:DigestValue is {stored}, but the certificate in ds:X509Certificate hashes to {computed}"
            ),
            Self::IssuerSerialMismatch {
                element,
                computed,
                stored,
            } => write!(
                f,
                "{element} is \"{stored}\", but the certificate in ds:X509Certificate has \"{computed}\""
            ),
            Self::QrMismatch {
                tag,
                expected,
                found,
            } => write!(
                f,
                "QR tag {tag} ({}) is \"{}\"; expected \"{}\"",
                zatca_sign::qr_tag_name(*tag),
                cut(found),
                cut(expected)
            ),
        }
    }
}

impl std::error::Error for UblError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Certificate(e) => Some(e),
            Self::Sign(e) => Some(e),
            _ => None,
        }
    }
}

impl From<zatca_sign::SignError> for UblError {
    fn from(e: zatca_sign::SignError) -> Self {
        Self::Sign(e)
    }
}

impl From<zatca_cert::CertError> for UblError {
    fn from(e: zatca_cert::CertError) -> Self {
        Self::Certificate(e)
    }
}

/// A value cut to a readable length for a message.
fn cut(s: &str) -> String {
    const MAX: usize = 100;
    match s.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", s.get(..at).unwrap_or_default()),
        None => s.to_owned(),
    }
}

impl UblError {
    /// Converts a parser error, keeping its position.
    pub(crate) fn from_xml(e: &roxmltree::Error) -> Self {
        let pos = e.pos();
        let reason = e.to_string();
        // roxmltree appends " at LINE:COL"; the position is kept separately.
        let suffix = format!(" at {}:{}", pos.row, pos.col);
        let reason = reason.strip_suffix(&suffix).unwrap_or(&reason).to_owned();
        Self::Xml {
            line: pos.row,
            column: pos.col,
            reason,
        }
    }
}
