//! The simulator's certificate authority: CSR in, ZATCA-shaped certificate out.
//!
//! Two kinds of CA, as `shared/spec/zatca-formats.md` §3.2 observes them:
//!
//! | | [`CaKind::DeveloperPortal`] (compliance CSIDs of the sandbox) | [`CaKind::AdCs`] (simulation and production) |
//! |---|---|---|
//! | issuer | `CN=eInvoicing` (UTF8String) | `DC=local, DC=gov, DC=extgazt, CN=<CA>` (DC IA5String, CN PrintableString) |
//! | serial | a millisecond timestamp, 6 bytes | 19 bytes starting `11` |
//! | subject | copied from the CSR | rebuilt C, O, OU, CN (PrintableString where the value allows) |
//! | SAN | the CSR's, copied verbatim | the CSR's, copied verbatim |
//! | other extensions | basicConstraints critical CA:FALSE | SKI, AKI, keyUsage critical digitalSignature, EKU codeSigning + clientAuth |
//!
//! Certificates are valid five years from an injected start time (PCSIDs are
//! valid five years, §2.5); the CA never reads the clock.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetString};
use der::{Decode as _, Encode as _};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::request::CertReq;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zatca_keys::{Curve, PrivateKey, PublicKey};

const OID_EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";
const OID_SAN: &str = "2.5.29.17";
const OID_TEMPLATE_NAME: &str = "1.3.6.1.4.1.311.20.2";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const FIVE_YEARS: Duration = Duration::from_secs(1826 * 24 * 3600);

/// Why the CA refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaError {
    /// The CSR does not decode.
    MalformedCsr {
        /// What the decoder reported.
        reason: String,
    },
    /// The CSR's signature is not ecdsa-with-SHA256 or does not verify.
    BadCsrSignature,
    /// The CSR's key is not a secp256k1 key.
    NotSecp256k1,
    /// The CSR carries no subjectAltName to copy.
    MissingSubjectAltName,
    /// Building or signing the certificate failed.
    Build {
        /// What failed.
        reason: String,
    },
    /// The CA key is not a secp256k1 key.
    CaKey,
}

impl fmt::Display for CaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedCsr { reason } => write!(f, "the CSR does not decode: {reason}"),
            Self::BadCsrSignature => write!(
                f,
                "the CSR's signature is not a valid ecdsa-with-SHA256 signature by its own key"
            ),
            Self::NotSecp256k1 => write!(
                f,
                "the CSR's public key is not on secp256k1, the only curve ZATCA issues for"
            ),
            Self::MissingSubjectAltName => write!(
                f,
                "the CSR has no subjectAltName extension carrying the EGS serial, VAT and invoice types"
            ),
            Self::Build { reason } => write!(f, "could not build the certificate: {reason}"),
            Self::CaKey => write!(f, "the CA key must be a secp256k1 key"),
        }
    }
}

impl std::error::Error for CaError {}

fn build_err(e: impl fmt::Display) -> CaError {
    CaError::Build {
        reason: e.to_string(),
    }
}

/// Which of ZATCA's CAs the test CA imitates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaKind {
    /// The developer portal's `CN=eInvoicing` issuer.
    DeveloperPortal,
    /// A Microsoft AD CS issuing CA under `DC=extgazt, DC=gov, DC=local`.
    AdCs {
        /// The CA's common name.
        ca_name: String,
    },
}

/// What the CA reads from a CSR.
#[derive(Debug, Clone)]
pub struct CsrFacts {
    /// The subject as requested.
    pub subject: Name,
    /// The requested public key.
    pub public_key: PublicKey,
    /// The SPKI DER as requested.
    pub spki_der: Vec<u8>,
    /// The subjectAltName extension, verbatim.
    pub subject_alt_name: Extension,
    /// The certificate template name (1.3.6.1.4.1.311.20.2), if present and a string.
    pub template_name: Option<String>,
}

/// Reads and verifies a DER CSR: signature over the TBS bytes as received
/// (stack notes trap 6), secp256k1 key, a subjectAltName to copy.
pub fn read_csr(csr_der: &[u8]) -> Result<CsrFacts, CaError> {
    #[derive(der::Sequence)]
    struct Signed<'a> {
        tbs: AnyRef<'a>,
        algorithm: spki::AlgorithmIdentifierRef<'a>,
        signature: BitStringRef<'a>,
    }
    let malformed = |e: der::Error| CaError::MalformedCsr {
        reason: e.to_string(),
    };
    let signed = Signed::from_der(csr_der).map_err(malformed)?;
    let tbs = signed.tbs.to_der().map_err(malformed)?;
    let req = CertReq::from_der(csr_der).map_err(malformed)?;
    let spki_der = req.info.public_key.to_der().map_err(malformed)?;
    let public_key = PublicKey::from_spki_der(&spki_der).map_err(|_| CaError::NotSecp256k1)?;
    if public_key.curve() != Curve::Secp256k1 {
        return Err(CaError::NotSecp256k1);
    }
    if signed.algorithm.oid.to_string() != OID_ECDSA_SHA256 {
        return Err(CaError::BadCsrSignature);
    }
    // A signature BIT STRING with unused bits is malformed, whatever its bytes say.
    let signature = signed
        .signature
        .as_bytes()
        .ok_or(CaError::BadCsrSignature)?;
    public_key
        .verify_sha256(&tbs, signature)
        .map_err(|_| CaError::BadCsrSignature)?;

    let mut san = None;
    let mut template_name = None;
    for attr in req.info.attributes.iter() {
        if attr.oid.to_string() != OID_EXTENSION_REQUEST {
            continue;
        }
        for value in attr.values.iter() {
            let exts: Vec<Extension> = value.decode_as().map_err(malformed)?;
            for ext in exts {
                match ext.extn_id.to_string().as_str() {
                    OID_SAN => san = Some(ext),
                    OID_TEMPLATE_NAME => {
                        template_name =
                            der::asn1::Utf8StringRef::from_der(ext.extn_value.as_bytes())
                                .ok()
                                .map(|s| s.as_str().to_owned());
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(CsrFacts {
        subject: req.info.subject,
        public_key,
        spki_der,
        subject_alt_name: san.ok_or(CaError::MissingSubjectAltName)?,
        template_name,
    })
}

/// A certificate the test CA issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    der: Vec<u8>,
}

impl IssuedCertificate {
    /// The certificate DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Single-line base64 of the DER: the `ds:X509Certificate` / SDK `cert.pem` form.
    pub fn base64(&self) -> String {
        use base64_engine::Engine as _;
        base64_engine::STANDARD.encode(&self.der)
    }

    /// The `binarySecurityToken` form: base64 of the base64 text (§3.1).
    pub fn binary_security_token(&self) -> String {
        use base64_engine::Engine as _;
        base64_engine::STANDARD.encode(self.base64())
    }
}

mod base64_engine {
    pub use base64::Engine;
    pub use base64::engine::general_purpose::STANDARD;
}

/// A local secp256k1 CA issuing certificates the way ZATCA's CAs do.
pub struct TestCa {
    key: PrivateKey,
    kind: CaKind,
    issuer: Name,
    issued: AtomicU64,
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl TestCa {
    /// A CA of `kind` with a freshly generated secp256k1 key.
    pub fn new(kind: CaKind) -> Result<Self, CaError> {
        let key = PrivateKey::generate(Curve::Secp256k1).map_err(build_err)?;
        Self::with_key(kind, key)
    }

    /// A CA of `kind` signing with `key` (secp256k1).
    pub fn with_key(kind: CaKind, key: PrivateKey) -> Result<Self, CaError> {
        if key.curve() != Curve::Secp256k1 {
            return Err(CaError::CaKey);
        }
        let issuer = match &kind {
            CaKind::DeveloperPortal => name(&[(OID_CN, Str::Utf8("eInvoicing"))])?,
            CaKind::AdCs { ca_name } => name(&[
                (OID_DC, Str::Ia5("local")),
                (OID_DC, Str::Ia5("gov")),
                (OID_DC, Str::Ia5("extgazt")),
                (OID_CN, Str::Best(ca_name)),
            ])?,
        };
        Ok(Self {
            key,
            kind,
            issuer,
            issued: AtomicU64::new(0),
        })
    }

    /// The CA's public key (what its certificates' signatures verify under).
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// The kind of CA.
    pub fn kind(&self) -> &CaKind {
        &self.kind
    }

    /// Issues a certificate for a verified CSR, valid five years from
    /// `not_before_unix` (seconds since the epoch).
    pub fn issue(
        &self,
        csr: &CsrFacts,
        not_before_unix: u64,
    ) -> Result<IssuedCertificate, CaError> {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let (serial, subject, extensions) = match &self.kind {
            CaKind::DeveloperPortal => {
                let millis = not_before_unix.saturating_mul(1000).saturating_add(n);
                let bytes = millis.to_be_bytes();
                let serial =
                    SerialNumber::new(bytes.get(2..).unwrap_or(&bytes)).map_err(build_err)?;
                let basic_constraints = Extension {
                    extn_id: oid("2.5.29.19")?,
                    critical: true,
                    // SEQUENCE {} : cA defaults to FALSE.
                    extn_value: OctetString::new(vec![0x30, 0x00]).map_err(build_err)?,
                };
                (
                    serial,
                    csr.subject.clone(),
                    vec![basic_constraints, csr.subject_alt_name.clone()],
                )
            }
            CaKind::AdCs { .. } => {
                // The CA's own key is in the seed: two CAs (compliance and production)
                // issuing for one key at one time must not repeat a serial.
                let mut seed = csr.spki_der.clone();
                seed.extend_from_slice(&self.key.public_key().to_uncompressed_point());
                seed.extend_from_slice(&n.to_be_bytes());
                seed.extend_from_slice(&not_before_unix.to_be_bytes());
                let digest = zatca_keys::sha256(&seed);
                let mut serial_bytes = vec![0x11];
                serial_bytes.extend_from_slice(digest.get(..18).unwrap_or(&digest));
                let serial = SerialNumber::new(&serial_bytes).map_err(build_err)?;
                (
                    serial,
                    rebuilt_subject(&csr.subject)?,
                    self.ad_cs_extensions(csr)?,
                )
            }
        };
        let start = Duration::from_secs(not_before_unix);
        let validity = Validity::new(time(start)?, time(start + FIVE_YEARS)?);
        let spki = spki::SubjectPublicKeyInfoOwned::from_der(&csr.spki_der).map_err(build_err)?;
        let profile = Issuance {
            issuer: self.issuer.clone(),
            subject,
            extensions,
        };
        let builder =
            CertificateBuilder::new(profile, serial, validity, spki).map_err(build_err)?;
        let signer = self.key.as_k256().ok_or(CaError::CaKey)?;
        let cert = builder
            .build::<_, k256::ecdsa::DerSignature>(signer)
            .map_err(build_err)?;
        Ok(IssuedCertificate {
            der: cert.to_der().map_err(build_err)?,
        })
    }

    fn ad_cs_extensions(&self, csr: &CsrFacts) -> Result<Vec<Extension>, CaError> {
        let key_id = |spki: &[u8]| {
            zatca_keys::sha256(spki)
                .get(..20)
                .map(<[u8]>::to_vec)
                .unwrap_or_default()
        };
        let ca_spki = self.key.public_key().to_spki_der().map_err(build_err)?;
        let ski = tlv(0x04, &key_id(&csr.spki_der));
        let aki = tlv(0x30, &tlv(0x80, &key_id(&ca_spki)));
        // BIT STRING, 7 unused bits, digitalSignature (bit 0).
        let key_usage = vec![0x03, 0x02, 0x07, 0x80];
        let code_signing = oid("1.3.6.1.5.5.7.3.3")?.to_der().map_err(build_err)?;
        let client_auth = oid("1.3.6.1.5.5.7.3.2")?.to_der().map_err(build_err)?;
        let eku = tlv(0x30, &[code_signing, client_auth].concat());
        let ext = |id: &str, critical: bool, value: Vec<u8>| -> Result<Extension, CaError> {
            Ok(Extension {
                extn_id: oid(id)?,
                critical,
                extn_value: OctetString::new(value).map_err(build_err)?,
            })
        };
        Ok(vec![
            ext("2.5.29.14", false, ski)?,
            ext("2.5.29.35", false, aki)?,
            ext("2.5.29.15", true, key_usage)?,
            ext("2.5.29.37", false, eku)?,
            csr.subject_alt_name.clone(),
        ])
    }
}

struct Issuance {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Issuance {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &x509_cert::certificate::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

const OID_C: &str = "2.5.4.6";
const OID_O: &str = "2.5.4.10";
const OID_OU: &str = "2.5.4.11";
const OID_CN: &str = "2.5.4.3";
const OID_DC: &str = "0.9.2342.19200300.100.1.25";

/// The AD CS subject: C, O, OU, CN, each from the CSR, PrintableString where possible.
fn rebuilt_subject(requested: &Name) -> Result<Name, CaError> {
    let mut values: Vec<(&str, String)> = Vec::new();
    for wanted in [OID_C, OID_O, OID_OU, OID_CN] {
        for atv in requested.iter() {
            if atv.oid.to_string() == wanted {
                let text = String::from_utf8_lossy(atv.value.value()).into_owned();
                values.push((wanted, text));
            }
        }
    }
    let parts: Vec<(&str, Str<'_>)> = values.iter().map(|(o, v)| (*o, Str::Best(v))).collect();
    name(&parts)
}

enum Str<'a> {
    Utf8(&'a str),
    Ia5(&'a str),
    /// PrintableString if every character allows it, else UTF8String.
    Best(&'a str),
}

fn is_printable(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c))
}

/// Encodes a Name with one attribute per RDN, in the order given.
fn name(parts: &[(&str, Str<'_>)]) -> Result<Name, CaError> {
    let mut rdns = Vec::new();
    for (id, value) in parts {
        let (tag, text) = match value {
            Str::Utf8(s) => (0x0c, *s),
            Str::Ia5(s) => (0x16, *s),
            Str::Best(s) if is_printable(s) => (0x13, *s),
            Str::Best(s) => (0x0c, *s),
        };
        let atv = [
            oid(id)?.to_der().map_err(build_err)?,
            tlv(tag, text.as_bytes()),
        ]
        .concat();
        rdns.extend(tlv(0x31, &tlv(0x30, &atv)));
    }
    Name::from_der(&tlv(0x30, &rdns)).map_err(build_err)
}

fn oid(dotted: &str) -> Result<ObjectIdentifier, CaError> {
    ObjectIdentifier::new(dotted).map_err(build_err)
}

fn time(since_epoch: Duration) -> Result<Time, CaError> {
    let dt = der::DateTime::from_unix_duration(since_epoch).map_err(build_err)?;
    Ok(Time::from(dt))
}

/// DER tag-length-value with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// The ZATCA values a SAN carries that the simulator needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanValues {
    /// UID (0.9.2342.19200300.100.1.1): the VAT number.
    pub vat: String,
    /// title (2.5.4.12): the TSXY invoice types.
    pub invoice_types: String,
}

/// Reads the VAT and TSXY from the directoryName of a subjectAltName.
pub fn san_values(facts: &CsrFacts) -> Result<SanValues, CaError> {
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::ext::pkix::name::GeneralName;
    let malformed = |reason: &str| CaError::MalformedCsr {
        reason: reason.to_owned(),
    };
    let san = SubjectAltName::from_der(facts.subject_alt_name.extn_value.as_bytes())
        .map_err(|e| malformed(&e.to_string()))?;
    let mut vat = None;
    let mut types = None;
    for name in san.0.iter() {
        if let GeneralName::DirectoryName(dn) = name {
            for atv in dn.iter() {
                let text = std::str::from_utf8(atv.value.value())
                    .map(str::to_owned)
                    .ok();
                match atv.oid.to_string().as_str() {
                    "0.9.2342.19200300.100.1.1" => vat = text,
                    "2.5.4.12" => types = text,
                    _ => {}
                }
            }
        }
    }
    Ok(SanValues {
        vat: vat.ok_or_else(|| malformed("the SAN has no UID (VAT number)"))?,
        invoice_types: types.ok_or_else(|| malformed("the SAN has no title (invoice types)"))?,
    })
}

/// The issuance inputs of an existing certificate (its subject, key and SAN), so
/// the production CSID can be issued for the key and SAN of the compliance CSID.
pub fn facts_from_certificate(der: &[u8]) -> Result<CsrFacts, CaError> {
    let malformed = |e: der::Error| CaError::MalformedCsr {
        reason: e.to_string(),
    };
    let cert = x509_cert::Certificate::from_der(der).map_err(malformed)?;
    let tbs = cert.tbs_certificate();
    let spki_der = tbs.subject_public_key_info().to_der().map_err(malformed)?;
    let public_key = PublicKey::from_spki_der(&spki_der).map_err(|_| CaError::NotSecp256k1)?;
    let san = tbs
        .extensions()
        .and_then(|exts| exts.iter().find(|e| e.extn_id.to_string() == OID_SAN))
        .cloned()
        .ok_or(CaError::MissingSubjectAltName)?;
    Ok(CsrFacts {
        subject: tbs.subject().clone(),
        public_key,
        spki_der,
        subject_alt_name: san,
        template_name: None,
    })
}
