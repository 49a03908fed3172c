//! The parsed certificate and the values ZATCA needs from it, computed once.

use std::fmt;

use base64::Engine as _;
use der::Decode as _;
use der::Encode as _;
use zatca_keys::PublicKey;

use crate::decode::{self, CertificateForm};
use crate::{CertError, name, serial};
use zatca_types::oid::{self, SanField};
pub use zatca_types::{CaFamily, UnixTime};

/// The ZATCA fields of the certificate's subjectAltName `directoryName`,
/// copied by ZATCA's CA verbatim from the CSR, where the SDK puts them as five
/// one-attribute UTF8String RDNs. Each is
/// `None` when absent. Read these, never the subject, which the CA rebuilds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZatcaSan {
    /// EGS serial `1-…|2-…|3-…` (surname, 2.5.4.4).
    pub egs_serial: Option<String>,
    /// VAT number (UID, 0.9.2342.19200300.100.1.1).
    pub vat: Option<String>,
    /// Invoice types TSXY, e.g. `1100` (title, 2.5.4.12).
    pub invoice_types: Option<String>,
    /// Branch location (registeredAddress, 2.5.4.26).
    pub location: Option<String>,
    /// Industry (businessCategory, 2.5.4.15).
    pub industry: Option<String>,
}

/// The SHA-256 fingerprint of the DER of the SDK R3.3.3 sample certificate,
/// which the developer-portal sandbox returns to everyone as its fixed
/// production CSID (Integration Sandbox Swagger; `testdata/keys/sdk-r3.3.3-cert.b64`).
pub const SHARED_SANDBOX_CERT_SHA256: [u8; 32] = [
    0xa2, 0x86, 0xd2, 0x87, 0xb2, 0x4f, 0xff, 0xc0, 0x52, 0xbb, 0xe2, 0x00, 0xb1, 0x0c, 0xb3, 0xb3,
    0xee, 0xe4, 0xe5, 0x8d, 0x21, 0xc9, 0xd4, 0x7f, 0xe4, 0x0b, 0x94, 0x64, 0x4c, 0x75, 0x70, 0x69,
];

/// A certificate (CSID), parsed once, with every value ZATCA needs from it
/// computed at parse time, so reading them per invoice costs nothing.
///
/// ```
/// use zatca_cert::Certificate;
/// let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/keys/sdk-r3.3.3-cert.b64"))?;
/// let (cert, _form) = Certificate::from_bytes(&text)?;
/// assert_eq!(cert.issuer_name(), "CN=PRZEINVOICESCA4-CA, DC=extgazt, DC=gov, DC=local");
/// assert_eq!(cert.serial_decimal(), "379112742831380471835263969587287663520528387");
/// assert_eq!(cert.san().vat.as_deref(), Some("399999999900003"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    base64: String,
    fingerprint: [u8; 32],
    certificate_hash: String,
    issuer_name: String,
    issuer_cn: Option<String>,
    subject_name: String,
    serial_decimal: String,
    serial_bytes: Vec<u8>,
    not_before: UnixTime,
    not_after: UnixTime,
    spki_der: Vec<u8>,
    public_key: PublicKey,
    signature: Vec<u8>,
    san: ZatcaSan,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("issuer", &self.issuer_name)
            .field("serial", &self.serial_decimal)
            .field("subject", &self.subject_name)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("san", &self.san)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for Certificate {}

impl Certificate {
    /// Reads a certificate in any accepted form, detecting which: PEM, DER,
    /// bare base64 of the DER, base64 of PEM, a `binarySecurityToken`, or a
    /// whole CSID response JSON (its token; the secret is not kept — the
    /// whole answer is `zatca_fatoora::Csid::from_response_json`'s). Inputs over
    /// [`crate::MAX_INPUT_BYTES`] are refused.
    pub fn from_bytes(input: &[u8]) -> Result<(Self, CertificateForm), CertError> {
        let (der, form) = decode::to_der(input)?;
        Ok((Self::from_der(&der)?, form))
    }

    /// Reads a certificate file in any accepted form.
    pub fn read_file(path: &std::path::Path) -> Result<(Self, CertificateForm), CertError> {
        let bytes = zatca_fs::read_regular(path, decode::MAX_INPUT_BYTES, "certificate")?;
        Self::from_bytes(&bytes)
    }

    /// Reads a `binarySecurityToken` (base64 of the base64 text of the DER).
    pub fn from_binary_security_token(token: &str) -> Result<Self, CertError> {
        Self::from_der(&decode::token_to_der(token)?)
    }

    /// Parses DER and computes every ZATCA-form value once.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let cert = x509_cert::Certificate::from_der(der).map_err(|e| {
            match decode::classify_non_certificate(der) {
                Some(found) => CertError::NotACertificate { found },
                None => CertError::Malformed {
                    form: "X.509 certificate DER",
                    reason: e.to_string(),
                },
            }
        })?;
        let tbs = cert.tbs_certificate();
        let spki_der = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| malformed("SubjectPublicKeyInfo", e))?;
        let public_key = PublicKey::from_spki_der(&spki_der)?;
        let base64 = base64::engine::general_purpose::STANDARD.encode(der);
        let issuer_cn = tbs.issuer().iter().find_map(|atv| {
            (atv.oid == oid::COMMON_NAME)
                .then(|| name::attribute_text((&atv.value).into()))
                .flatten()
        });
        let validity = tbs.validity();
        Ok(Self {
            fingerprint: zatca_types::digest::sha256(der),
            certificate_hash: certificate_hash(&base64),
            issuer_name: name::zatca_form(tbs.issuer()),
            issuer_cn,
            subject_name: name::zatca_form(tbs.subject()),
            serial_decimal: serial::decimal(tbs.serial_number().as_bytes()),
            serial_bytes: tbs.serial_number().as_bytes().to_vec(),
            not_before: UnixTime::from_secs(validity.not_before.to_unix_duration().as_secs()),
            not_after: UnixTime::from_secs(validity.not_after.to_unix_duration().as_secs()),
            spki_der,
            public_key,
            signature: cert
                .signature()
                .as_bytes()
                .ok_or_else(|| CertError::Malformed {
                    form: "X.509 certificate DER",
                    reason: "the signature BIT STRING has unused bits".to_owned(),
                })?
                .to_vec(),
            san: read_san(tbs)?,
            der: der.to_vec(),
            base64,
        })
    }

    /// The DER bytes as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Single-line base64 of the DER: `ds:X509Certificate`, the SDK's
    /// `cert.pem`, and the `binarySecurityToken` decoded once.
    pub fn base64(&self) -> &str {
        &self.base64
    }

    /// The `binarySecurityToken` form: base64 of [`Self::base64`], as ZATCA
    /// sends it.
    pub fn binary_security_token(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.base64.as_bytes())
    }

    /// PEM text (`-----BEGIN CERTIFICATE-----`, 64-column lines, LF).
    pub fn to_pem(&self) -> String {
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in self.base64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }

    /// SHA-256 of the DER.
    pub fn fingerprint_sha256(&self) -> &[u8; 32] {
        &self.fingerprint
    }

    /// ZATCA's certificate hash (`xades:CertDigest/ds:DigestValue`):
    /// base64 of the lowercase hex SHA-256 of the base64 certificate text
    /// (as the SDK computes it and every SDK sample carries it; hashing the DER
    /// instead gives a wrong value).
    pub fn certificate_hash(&self) -> &str {
        &self.certificate_hash
    }

    /// The issuer as ZATCA writes it (`ds:X509IssuerName`), e.g.
    /// `CN=PRZEINVOICESCA4-CA, DC=extgazt, DC=gov, DC=local`: RDNs in reverse
    /// DER order, joined with `", "`, as in the SDK R3.3.3 samples.
    pub fn issuer_name(&self) -> &str {
        &self.issuer_name
    }

    /// The subject in the same form as [`Self::issuer_name`].
    pub fn subject_name(&self) -> &str {
        &self.subject_name
    }

    /// The serial number as an unsigned decimal integer (`ds:X509SerialNumber`,
    /// as in the SDK samples).
    pub fn serial_decimal(&self) -> &str {
        &self.serial_decimal
    }

    /// The serial number's DER content bytes (two's complement, big-endian).
    pub fn serial_bytes(&self) -> &[u8] {
        &self.serial_bytes
    }

    /// Start of validity.
    pub fn not_before(&self) -> UnixTime {
        self.not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> UnixTime {
        self.not_after
    }

    /// DER `SubjectPublicKeyInfo`: QR tag 8, as raw bytes (88 for secp256k1).
    pub fn public_key_spki(&self) -> &[u8] {
        &self.spki_der
    }

    /// The certificate's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The CA's signature over the certificate: the DER `ECDSA-Sig-Value`
    /// inside `signatureValue`, without the BIT STRING's unused-bits byte.
    /// QR tag 9, which only simplified documents carry (SDK R3.3.3 samples).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The ZATCA fields of the subjectAltName.
    pub fn san(&self) -> &ZatcaSan {
        &self.san
    }

    /// The family of ZATCA CA that issued this certificate, inferred from the
    /// issuer CN, where it is known.
    pub fn ca_family(&self) -> Option<CaFamily> {
        self.issuer_cn.as_deref().and_then(CaFamily::from_issuer_cn)
    }

    /// Whether this is the SDK R3.3.3 sample certificate that the developer
    /// portal returns to everyone as its production CSID,
    /// compared by DER fingerprint.
    pub fn is_shared_sandbox_certificate(&self) -> bool {
        self.fingerprint == SHARED_SANDBOX_CERT_SHA256
    }

    /// Whether `at` lies within `[not_before, not_after]`.
    pub fn is_valid_at(&self, at: UnixTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }
}

/// `base64( lowercase-hex( SHA-256( base64 text ) ) )`.
fn certificate_hash(base64_text: &str) -> String {
    zatca_types::digest::hex_digest_base64(base64_text.as_bytes())
}

fn malformed(form: &'static str, e: impl fmt::Display) -> CertError {
    CertError::Malformed {
        form,
        reason: e.to_string(),
    }
}

fn read_san(tbs: &x509_cert::TbsCertificate) -> Result<ZatcaSan, CertError> {
    let mut san = ZatcaSan::default();
    let Some(extensions) = tbs.extensions() else {
        return Ok(san);
    };
    for ext in extensions.iter() {
        if ext.extn_id != oid::SUBJECT_ALT_NAME {
            continue;
        }
        let names = x509_cert::ext::pkix::SubjectAltName::from_der(ext.extn_value.as_bytes())
            .map_err(|e| malformed("subjectAltName extension", e))?;
        for general in names.0 {
            let x509_cert::ext::pkix::name::GeneralName::DirectoryName(dir) = general else {
                continue;
            };
            for atv in dir.iter() {
                let Some(field) = oid::SAN_LAYOUT.into_iter().find(|f| f.oid() == atv.oid) else {
                    continue;
                };
                let slot = match field {
                    SanField::EgsSerial => &mut san.egs_serial,
                    SanField::Vat => &mut san.vat,
                    SanField::InvoiceTypes => &mut san.invoice_types,
                    SanField::Location => &mut san.location,
                    SanField::Industry => &mut san.industry,
                };
                if slot.is_none() {
                    *slot = name::attribute_text((&atv.value).into());
                }
            }
        }
    }
    Ok(san)
}
