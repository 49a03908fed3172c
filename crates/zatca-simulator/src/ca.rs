//! The simulator's certificate authority: CSR in, ZATCA-shaped certificate out.
//!
//! Two kinds of CA, as the Integration Sandbox examples and the SDK sample
//! certificates show them:
//!
//! | | [`CaKind::DeveloperPortal`] (compliance CSIDs of the sandbox) | [`CaKind::AdCs`] (simulation and production) |
//! |---|---|---|
//! | issuer | `CN=eInvoicing` (UTF8String) | `DC=local, DC=gov, DC=extgazt, CN=<CA>` (DC IA5String, CN PrintableString) |
//! | serial | 6 bytes (ZATCA's are a millisecond timestamp) | 19 bytes starting `11` |
//! | subject | copied from the CSR | rebuilt C, O, OU, CN (PrintableString where the value allows) |
//! | SAN | the CSR's, copied verbatim | the CSR's, copied verbatim |
//! | other extensions | basicConstraints critical CA:FALSE | SKI, AKI, keyUsage critical digitalSignature, EKU codeSigning + clientAuth |
//!
//! Serials keep those lengths but are drawn from the OS random number generator
//! (positive, DER-minimal, at most 20 octets as RFC 5280 section 4.1.2.2 allows), never
//! from a clock or counter: certificates issued by separate processes sharing
//! nothing must not repeat a serial. The 6-byte serial has 46 random bits (the
//! first byte is `0x40..=0x7f`), the 19-byte one 144.
//!
//! CSRs are read by `zatca-csr` ([`Csr`], the workspace's one CSR parser) and
//! certificates built from x509-cert's typed extensions; no DER is written by hand.
//!
//! Certificates are valid five years from an injected start time (PCSIDs are
//! valid five years from issue); the CA never reads the clock.

use std::fmt;
use std::time::Duration;

use der::asn1::{
    Any, Ia5StringRef, ObjectIdentifier, OctetString, PrintableStringRef, Utf8StringRef,
};
use der::{Decode as _, Encode as _};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension as _};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zatca_csr::{Csr, oid};
use zatca_keys::{Curve, PrivateKey, PublicKey};

/// domainComponent (DC), the AD CS issuer's first three RDNs.
const DOMAIN_COMPONENT: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.25");
/// id-kp-codeSigning, the first EKU of ZATCA's AD CS certificates.
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// id-kp-clientAuth, the second.
const CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
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
    /// The certificate template name (1.3.6.1.4.1.311.20.2), if present as the
    /// UTF8String the SDK's CSRs carry.
    pub template_name: Option<String>,
}

impl CsrFacts {
    /// Reads what the CA needs from a CSR parsed by `zatca-csr`, after checking
    /// it: a secp256k1 key, an ecdsa-with-SHA256 signature that verifies over the
    /// TBS bytes as received, and a subjectAltName to copy.
    pub fn from_csr(csr: &Csr) -> Result<Self, CaError> {
        let public_key = csr.public_key().map_err(|_| CaError::NotSecp256k1)?;
        if public_key.curve() != Curve::Secp256k1 {
            return Err(CaError::NotSecp256k1);
        }
        csr.verify().map_err(|_| CaError::BadCsrSignature)?;
        let spki_der = csr.request().info.public_key.to_der().map_err(malformed)?;
        let subject_alt_name = csr
            .extensions()
            .map_err(malformed)?
            .into_iter()
            .find(|e| e.extn_id == oid::SUBJECT_ALT_NAME)
            .ok_or(CaError::MissingSubjectAltName)?;
        let template_name = csr
            .template_name()
            .map_err(malformed)?
            .filter(|(_, string_type)| *string_type == "UTF8String")
            .map(|(name, _)| name);
        Ok(Self {
            subject: csr.request().info.subject.clone(),
            public_key,
            spki_der,
            subject_alt_name,
            template_name,
        })
    }
}

fn malformed(e: impl fmt::Display) -> CaError {
    CaError::MalformedCsr {
        reason: e.to_string(),
    }
}

/// Reads and checks a DER CSR with `zatca-csr` ([`Csr::from_der`], which
/// insists on canonical DER), then [`CsrFacts::from_csr`].
pub fn read_csr(csr_der: &[u8]) -> Result<CsrFacts, CaError> {
    let csr = Csr::from_der(csr_der.to_vec()).map_err(malformed)?;
    CsrFacts::from_csr(&csr)
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

    /// The `binarySecurityToken` form: base64 of the base64 text, as ZATCA sends it.
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
            CaKind::DeveloperPortal => name(&[(oid::COMMON_NAME, Str::Utf8("eInvoicing"))])?,
            CaKind::AdCs { ca_name } => name(&[
                (DOMAIN_COMPONENT, Str::Ia5("local")),
                (DOMAIN_COMPONENT, Str::Ia5("gov")),
                (DOMAIN_COMPONENT, Str::Ia5("extgazt")),
                (oid::COMMON_NAME, Str::Best(ca_name)),
            ])?,
        };
        Ok(Self { key, kind, issuer })
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
    /// `not_before_unix` (seconds since the epoch), under a fresh random serial.
    pub fn issue(
        &self,
        csr: &CsrFacts,
        not_before_unix: u64,
    ) -> Result<IssuedCertificate, CaError> {
        let (serial, subject, extensions) = match &self.kind {
            CaKind::DeveloperPortal => {
                let basic_constraints = BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                };
                (
                    random_serial::<6>(None)?,
                    csr.subject.clone(),
                    vec![
                        extension(true, &basic_constraints, &csr.subject)?,
                        csr.subject_alt_name.clone(),
                    ],
                )
            }
            CaKind::AdCs { .. } => {
                let subject = rebuilt_subject(&csr.subject)?;
                let extensions = self.ad_cs_extensions(csr, &subject)?;
                (random_serial::<18>(Some(0x11))?, subject, extensions)
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

    /// SKI, AKI, keyUsage (critical, digitalSignature), EKU (codeSigning,
    /// clientAuth) and the SAN copied verbatim, in that order.
    fn ad_cs_extensions(&self, csr: &CsrFacts, subject: &Name) -> Result<Vec<Extension>, CaError> {
        let ca_spki = self.key.public_key().to_spki_der().map_err(build_err)?;
        let ski = SubjectKeyIdentifier(key_id(&csr.spki_der)?);
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(key_id(&ca_spki)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let key_usage = KeyUsage(KeyUsages::DigitalSignature.into());
        let eku = ExtendedKeyUsage(vec![CODE_SIGNING, CLIENT_AUTH]);
        Ok(vec![
            extension(false, &ski, subject)?,
            extension(false, &aki, subject)?,
            extension(true, &key_usage, subject)?,
            extension(false, &eku, subject)?,
            csr.subject_alt_name.clone(),
        ])
    }
}

/// An extension of a typed value, with its criticality as a decision in code
/// rather than the type's default.
fn extension<T>(critical: bool, value: &T, subject: &Name) -> Result<Extension, CaError>
where
    T: der::Encode + der::oid::AssociatedOid,
{
    (critical, value)
        .to_extension(subject, &[])
        .map_err(build_err)
}

/// The key identifier of an SPKI: the first 20 bytes of its SHA-256.
fn key_id(spki_der: &[u8]) -> Result<OctetString, CaError> {
    let digest = zatca_types::digest::sha256(spki_der);
    OctetString::new(digest.get(..20).unwrap_or(&digest)).map_err(build_err)
}

/// A serial of `N` bytes from the OS RNG, after `prefix` if given: positive
/// (the first byte's top bit is clear) and of exactly its length (the first
/// byte is never zero), so ZATCA's serial lengths are kept and no counter or
/// clock is involved.
fn random_serial<const N: usize>(prefix: Option<u8>) -> Result<SerialNumber, CaError> {
    let mut random = crate::random::bytes::<N>().ok_or_else(|| CaError::Build {
        reason: "the operating system's random number generator failed".to_owned(),
    })?;
    let mut bytes = Vec::with_capacity(N + 1);
    match prefix {
        Some(first) => bytes.push(first),
        None => {
            if let Some(first) = random.first_mut() {
                *first = (*first & 0x7f) | 0x40;
            }
        }
    }
    bytes.extend_from_slice(&random);
    SerialNumber::new(&bytes).map_err(build_err)
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

/// The AD CS subject: C, O, OU, CN, each from the CSR, PrintableString where possible.
fn rebuilt_subject(requested: &Name) -> Result<Name, CaError> {
    let mut values: Vec<(ObjectIdentifier, String)> = Vec::new();
    for wanted in [
        oid::COUNTRY,
        oid::ORGANIZATION,
        oid::ORGANIZATIONAL_UNIT,
        oid::COMMON_NAME,
    ] {
        for atv in requested.iter() {
            if atv.oid == wanted {
                let text = String::from_utf8_lossy(atv.value.value()).into_owned();
                values.push((wanted, text));
            }
        }
    }
    let parts: Vec<(ObjectIdentifier, Str<'_>)> =
        values.iter().map(|(o, v)| (*o, Str::Best(v))).collect();
    name(&parts)
}

enum Str<'a> {
    Utf8(&'a str),
    Ia5(&'a str),
    /// PrintableString if every character allows it, else UTF8String.
    Best(&'a str),
}

/// A Name with one attribute per RDN, in the order given.
fn name(parts: &[(ObjectIdentifier, Str<'_>)]) -> Result<Name, CaError> {
    let mut rdns = Vec::with_capacity(parts.len());
    for (id, text) in parts {
        let value = match text {
            Str::Utf8(s) => Any::encode_from(&Utf8StringRef::new(s).map_err(build_err)?),
            Str::Ia5(s) => Any::encode_from(&Ia5StringRef::new(s).map_err(build_err)?),
            Str::Best(s) => match PrintableStringRef::new(s) {
                Ok(printable) => Any::encode_from(&printable),
                Err(_) => Any::encode_from(&Utf8StringRef::new(s).map_err(build_err)?),
            },
        }
        .map_err(build_err)?;
        let atv = AttributeTypeAndValue { oid: *id, value };
        rdns.push(RelativeDistinguishedName::try_from(vec![atv]).map_err(build_err)?);
    }
    Ok(Name::hazmat_from_rdn_sequence(RdnSequence::from(rdns)))
}

fn time(since_epoch: Duration) -> Result<Time, CaError> {
    let dt = der::DateTime::from_unix_duration(since_epoch).map_err(build_err)?;
    Ok(Time::from(dt))
}

/// The ZATCA values a SAN carries that the simulator needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanValues {
    /// UID (0.9.2342.19200300.100.1.1): the VAT number.
    pub vat: String,
    /// title (2.5.4.12): the TSXY invoice types.
    pub invoice_types: String,
}

impl SanValues {
    /// The VAT and TSXY of a CSR's subjectAltName directoryName, as `zatca-csr` reads it.
    pub fn from_csr(csr: &Csr) -> Result<Self, CaError> {
        let attributes = csr.san_directory_name().map_err(malformed)?;
        let value = |wanted: ObjectIdentifier| {
            let wanted = wanted.to_string();
            attributes
                .iter()
                .find(|a| a.oid == wanted)
                .map(|a| a.value.clone())
        };
        Ok(Self {
            vat: value(oid::USER_ID).ok_or_else(|| malformed("the SAN has no UID (VAT number)"))?,
            invoice_types: value(oid::TITLE)
                .ok_or_else(|| malformed("the SAN has no title (invoice types)"))?,
        })
    }
}

/// The issuance inputs of an existing certificate (its subject, key and SAN), so
/// the production CSID can be issued for the key and SAN of the compliance CSID.
pub fn facts_from_certificate(der: &[u8]) -> Result<CsrFacts, CaError> {
    let cert = x509_cert::Certificate::from_der(der).map_err(malformed)?;
    let tbs = cert.tbs_certificate();
    let spki_der = tbs.subject_public_key_info().to_der().map_err(malformed)?;
    let public_key = PublicKey::from_spki_der(&spki_der).map_err(|_| CaError::NotSecp256k1)?;
    let san = tbs
        .extensions()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == oid::SUBJECT_ALT_NAME))
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
