//! The invoice QR code: tag-length-value, then base64.
//!
//! Format (checked on every SDK R3.3.3
//! and R3.2.7 sample): one tag byte, **one length byte**, the value; tags
//! 1–5 are phase 1 (seller name, VAT number, timestamp, total with VAT, VAT
//! total, all UTF-8 text as written in the invoice), phase 2 adds 6 (invoice
//! hash, base64 text), 7 (signature, base64 text), 8 (public key, raw DER
//! SPKI) and, for simplified documents only, 9 (the CA's signature over the
//! certificate, raw DER). The SDK's encoder writes `(byte) len`, so a value
//! over 255 bytes cannot be represented: it is an error here, never a
//! silent wrap. Lengths 128–255 are one raw byte (not BER long form).
//!
//! Decoding is strict: tags must run 1, 2, 3, … in order and stop after 5,
//! 8 or 9; truncated TLVs, trailing bytes, empty values and non-UTF-8 text
//! are rejected, each with its own [`SignError`].

use base64::Engine as _;

use crate::SignError;

/// The largest value one TLV can hold.
pub const MAX_VALUE_LEN: usize = 255;

/// The longest QR text read: base64 of nine TLVs of 255-byte values
/// (9 × 257 = 2313 bytes, 3084 characters), with room for surrounding whitespace.
pub const MAX_TEXT_LEN: usize = 4096;

/// The fields of an invoice QR code.
///
/// ```
/// use zatca_sign::qr::Qr;
/// let qr = Qr::from_base64("AQxCb2JzIFJlY29yZHMCDzMxMDEyMjM5MzUwMDAwMwMUMjAyMi0wNC0yNVQxNTozMDowMFoEBzEwMDAuMDAFBjE1MC4wMA==")?;
/// assert_eq!(qr.seller_name, "Bobs Records");
/// assert_eq!(qr.vat_total, "150.00");
/// assert!(qr.invoice_hash.is_none());
/// assert_eq!(qr.to_base64()?, "AQxCb2JzIFJlY29yZHMCDzMxMDEyMjM5MzUwMDAwMwMUMjAyMi0wNC0yNVQxNTozMDowMFoEBzEwMDAuMDAFBjE1MC4wMA==");
/// # Ok::<(), zatca_sign::SignError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Qr {
    /// Tag 1: seller name (`cac:PartyLegalEntity/cbc:RegistrationName`).
    pub seller_name: String,
    /// Tag 2: seller VAT number (`cac:PartyTaxScheme/cbc:CompanyID`).
    pub vat_number: String,
    /// Tag 3: timestamp, `IssueDate` + `T` + `IssueTime` as written.
    pub timestamp: String,
    /// Tag 4: total with VAT (`cbc:TaxInclusiveAmount` text, verbatim).
    pub total_with_vat: String,
    /// Tag 5: VAT total (first `cac:TaxTotal/cbc:TaxAmount` text, verbatim).
    pub vat_total: String,
    /// Tag 6: the invoice hash, base64 text.
    pub invoice_hash: Option<String>,
    /// Tag 7: the invoice signature (`ds:SignatureValue`), base64 text.
    pub signature: Option<String>,
    /// Tag 8: the certificate's public key, DER `SubjectPublicKeyInfo` bytes.
    pub public_key: Option<Vec<u8>>,
    /// Tag 9: the certificate's signature bytes (simplified documents only).
    pub certificate_signature: Option<Vec<u8>>,
}

impl Qr {
    /// The TLV bytes (before base64).
    pub fn to_tlv(&self) -> Result<Vec<u8>, SignError> {
        let values: [Option<&[u8]>; 9] = [
            Some(self.seller_name.as_bytes()),
            Some(self.vat_number.as_bytes()),
            Some(self.timestamp.as_bytes()),
            Some(self.total_with_vat.as_bytes()),
            Some(self.vat_total.as_bytes()),
            self.invoice_hash.as_deref().map(str::as_bytes),
            self.signature.as_deref().map(str::as_bytes),
            self.public_key.as_deref(),
            self.certificate_signature.as_deref(),
        ];
        let count = values.iter().take_while(|v| v.is_some()).count();
        if values.iter().skip(count).any(Option::is_some) {
            return Err(SignError::QrMissingTag {
                tag: tag_number(count + 1),
            });
        }
        if !matches!(count, 5 | 8 | 9) {
            return Err(SignError::QrIncomplete {
                last_tag: tag_number(count),
            });
        }
        let total: usize = values.iter().flatten().map(|v| 2 + v.len()).sum();
        let mut out = Vec::with_capacity(total);
        for (i, value) in values.iter().flatten().enumerate() {
            let tag = tag_number(i + 1);
            let len = u8::try_from(value.len()).map_err(|_| SignError::QrValueTooLong {
                tag,
                len: value.len(),
            })?;
            if len == 0 {
                return Err(SignError::QrEmptyValue { tag });
            }
            out.push(tag);
            out.push(len);
            out.extend_from_slice(value);
        }
        Ok(out)
    }

    /// The QR text: base64 of [`Self::to_tlv`].
    pub fn to_base64(&self) -> Result<String, SignError> {
        Ok(base64::engine::general_purpose::STANDARD.encode(self.to_tlv()?))
    }

    /// Reads TLV bytes (strict; see the module docs).
    pub fn from_tlv(bytes: &[u8]) -> Result<Self, SignError> {
        let mut values: Vec<&[u8]> = Vec::with_capacity(9);
        let mut offset = 0;
        while let Some(rest) = bytes.get(offset..).filter(|r| !r.is_empty()) {
            if values.len() == 9 {
                return Err(SignError::QrTrailingBytes {
                    offset,
                    len: rest.len(),
                });
            }
            let (tag, len) = match rest {
                [tag, len, ..] => (*tag, usize::from(*len)),
                _ => {
                    return Err(SignError::QrTruncated {
                        offset,
                        needed: 2,
                        remaining: rest.len(),
                    });
                }
            };
            let expected = tag_number(values.len() + 1);
            if tag != expected {
                return Err(SignError::QrUnexpectedTag {
                    offset,
                    found: tag,
                    expected,
                });
            }
            let value = rest.get(2..2 + len).ok_or(SignError::QrTruncated {
                offset,
                needed: 2 + len,
                remaining: rest.len(),
            })?;
            if value.is_empty() {
                return Err(SignError::QrEmptyValue { tag });
            }
            values.push(value);
            offset += 2 + len;
        }
        if !matches!(values.len(), 5 | 8 | 9) {
            return Err(SignError::QrIncomplete {
                last_tag: tag_number(values.len()),
            });
        }
        let text = |i: usize| -> Result<String, SignError> {
            let tag = tag_number(i + 1);
            let raw = values.get(i).ok_or(SignError::QrIncomplete {
                last_tag: tag_number(values.len()),
            })?;
            std::str::from_utf8(raw)
                .map(str::to_owned)
                .map_err(|_| SignError::QrNotUtf8 { tag })
        };
        let opt_text = |i: usize| values.get(i).map(|_| text(i)).transpose();
        Ok(Self {
            seller_name: text(0)?,
            vat_number: text(1)?,
            timestamp: text(2)?,
            total_with_vat: text(3)?,
            vat_total: text(4)?,
            invoice_hash: opt_text(5)?,
            signature: opt_text(6)?,
            public_key: values.get(7).map(|v| v.to_vec()),
            certificate_signature: values.get(8).map(|v| v.to_vec()),
        })
    }

    /// Reads the QR text (base64, surrounding whitespace ignored). Text longer
    /// than [`MAX_TEXT_LEN`] is refused before decoding.
    pub fn from_base64(text: &str) -> Result<Self, SignError> {
        if text.len() > MAX_TEXT_LEN {
            return Err(SignError::QrBase64 {
                reason: format!(
                    "the text is {} bytes; a QR code of nine full TLVs is at most {MAX_TEXT_LEN}",
                    text.len()
                ),
            });
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| SignError::QrBase64 {
                reason: e.to_string(),
            })?;
        Self::from_tlv(&bytes)
    }
}

/// `n` as a tag byte (callers only pass 0–10).
fn tag_number(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}
