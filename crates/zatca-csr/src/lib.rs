//! The ZATCA CSR, byte for byte as ZATCA's own SDK writes it: built from a
//! validated [`EgsProfile`] and a secp256k1 key, written as PEM, DER or base64 of
//! the PEM text, and parsed, verified and read back into a profile.
//!
//! ```
//! use zatca_csr::Csr;
//! use zatca_keys::{Curve, PrivateKey};
//! use zatca_profile::{Environment, RequestInput, ValidationProfile};
//!
//! let request = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
//!     "/../../testdata/requests/sample-device.json"))?;
//! let profile = RequestInput::from_bytes(&request)?
//!     .validate(ValidationProfile::Sdk)?
//!     .with_environment(Environment::Simulation)?;
//! let key = PrivateKey::generate(Curve::Secp256k1)?;
//! let csr = Csr::build(&profile, &key)?;
//! csr.verify()?;
//! assert!(csr.to_pem()?.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
//! let (again, _form) = Csr::parse(csr.to_base64_pem()?.as_bytes())?;
//! assert_eq!(again.environment()?, Some(Environment::Simulation));
//! assert_eq!(again.to_profile(ValidationProfile::Sdk)?.vat(), profile.vat());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Every byte decision and its source
//!
//! "SDK CSRs" are the three public CSRs produced by ZATCA's SDK, all with the
//! identical structure: one the SDK R3.4.8 wrote for simulation (with its key),
//! one with the production template, and the `/compliance` example of ZATCA's
//! Integration Sandbox Swagger (whose key is the SDK R3.3.3 sample key). Each
//! row is pinned by the known-answer tests in `tests/kat.rs` against them in
//! `testdata/csr/` (their `CertificationRequestInfo` is rebuilt byte for byte).
//!
//! | Decision | Bytes | Source |
//! |---|---|---|
//! | version 0 | `02 01 00` | SDK CSRs (PKCS#10 v1) |
//! | subject: 4 RDNs, one attribute each, DER order **C, OU, O, CN** | | SDK CSRs (all three) |
//! | C is a **PrintableString** | `13 02 "SA"` | SDK CSRs |
//! | OU, O, CN are **UTF8String** | `0C …` | SDK CSRs |
//! | SPKI id-ecPublicKey + secp256k1, uncompressed point | `06 07 2A8648CE3D0201`, `06 05 2B8104000A`, `03 42 00 04 …` | SDK CSRs; secp256k1 is the only curve in any ZATCA CSR or certificate (RSA CSRs are reported refused with `Invalid-CSR` on ZATCA's developer community) |
//! | attributes `[0]`: exactly one, extensionRequest (1.2.840.113549.1.9.14) | `A0 … 06 09 2A864886F70D01090E` | SDK CSRs |
//! | extension 1: certificate template name 1.3.6.1.4.1.311.20.2, no `critical` field | `06 09 2B0601040182371402` | SDK CSRs |
//! | its value: a DER **UTF8String** of the template name | `04 len 0C len "…-Code-Signing"` | SDK CSRs, all `0C` (not PrintableString, not raw, not OCTET STRING, which other tools emit) |
//! | template per environment: `TSTZATCA-` development portal, `PREZATCA-` simulation, `ZATCA-Code-Signing` production | | SDK R3.3.3 readme (`-nonprod`, `-sim` flags), SDK CSRs; a mismatch is refused in simulation and production as "Denied by Policy Module" |
//! | extension 2: subjectAltName, no `critical` field, one **directoryName** `[4]` | `06 03 551D11`, `A4 …` | SDK CSRs |
//! | SAN RDNs, one attribute each, in order SN (**2.5.4.4 surname**, EGS serial), UID (0.9.2342.19200300.100.1.1, VAT), title (2.5.4.12, TSXY), registeredAddress (2.5.4.26, location, a plain string), businessCategory (2.5.4.15, industry) | `55 04 04`, `09 92 26 89 93 F2 2C 64 01 01`, `55 04 0C`, `55 04 1A`, `55 04 0F` | SDK CSRs and every ZATCA certificate (SN is surname, not serialNumber 2.5.4.5) |
//! | all SAN values **UTF8String** (the serial's `\|` cannot be PrintableString) | `0C …` | SDK CSRs |
//! | signatureAlgorithm ecdsa-with-SHA256, **no parameters** | `30 0A 06 08 2A8648CE3D040302` | SDK CSRs |
//! | signature: DER ECDSA-Sig-Value in a BIT STRING, ECDSA-SHA256 over the TBS bytes, RFC 6979, low-S | `03 len 00 30 …` | SDK CSRs; randomised in the SDK, so tests compare the TBS and verify the signature |
//! | transport: base64 of the PEM text, LF, 64-character lines | | ZATCA's `csr` field (Integration Sandbox Swagger; its example is reproduced byte for byte) |
//!
//! The structures are typed ASN.1 built explicitly with `x509-cert`/`der` (never
//! from RFC 4514 strings, whose parser reverses RDN order and reads `SN` as
//! serialNumber; never from a text template).
//!
//! Reading a CSR back verifies its signature over the TBS bytes exactly as
//! received (never a re-encoding), accepts high-S signatures (OpenSSL and Java emit
//! them), and [`Csr::matches_sdk_structure`] rebuilds the TBS from the values read
//! back to tell whether the CSR is byte-for-byte what this crate (and the SDK)
//! would produce.
//!
//! # Dependencies
//!
//! `x509-cert` and `der` are the RustCrypto ASN.1 types (`hazmat` to build a
//! `Name` from typed RDNs); `base64` writes and reads the transport form;
//! `zatca-keys` signs and verifies; `zatca-profile` holds the validated values;
//! `zatca-types` names the OIDs and the subjectAltName layout.
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (files, ZATCA's
// answers): these are denied outside tests;
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

mod error;

use std::ops::Range;

use base64::Engine as _;
use der::asn1::{
    Any, BitString, Ia5StringRef, ObjectIdentifier, OctetString, PrintableStringRef, SetOfVec,
    Utf8StringRef,
};
use der::{Decode as _, Encode as _, Reader as _, Tag, Tagged as _};
use x509_cert::attr::{Attribute, AttributeTypeAndValue};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use zatca_keys::{Curve, PrivateKey, PublicKey};
use zatca_profile::{
    EgsProfile, Environment, Field, InputShape, RequestInput, ValidateOptions, ValidationProfile,
};

pub use error::CsrError;
use error::encode_err;

/// The largest CSR input accepted (a ZATCA CSR is under 1 KiB).
pub const MAX_CSR_BYTES: usize = 64 * 1024;

/// The object identifiers a ZATCA CSR uses.
pub use zatca_types::oid;

/// The form a CSR was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrForm {
    /// `-----BEGIN CERTIFICATE REQUEST-----` text.
    Pem,
    /// Binary DER.
    Der,
    /// Base64 of the PEM text: what the SDK writes and ZATCA's `csr` field takes.
    Base64Pem,
    /// Bare base64 of the DER.
    Base64Der,
}

impl CsrForm {
    /// A short human name.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Pem => "PEM",
            Self::Der => "DER",
            Self::Base64Pem => "base64 of PEM (ZATCA's csr field form)",
            Self::Base64Der => "base64 of DER",
        }
    }
}

/// The output formats of [`Csr::encode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// PEM text (LF line ends).
    #[default]
    Pem,
    /// Binary DER.
    Der,
    /// Base64 of the PEM text, one line.
    Base64,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "pem" => Ok(Self::Pem),
            "der" => Ok(Self::Der),
            "base64" | "b64" => Ok(Self::Base64),
            _ => Err(format!(
                "unknown CSR format {s:?}; expected pem, der or base64"
            )),
        }
    }
}

/// One attribute of a name as found in a CSR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAttribute {
    /// The attribute type, dotted.
    pub oid: String,
    /// Its short name (`C`, `CN`, `SN`, `UID`, …) or the OID again.
    pub short_name: String,
    /// The ASN.1 string type: `UTF8String`, `PrintableString`, …
    pub string_type: &'static str,
    /// The value as text (lossy for non-text types).
    pub value: String,
}

/// A PKCS#10 certification request, with its DER kept as received.
#[derive(Debug, Clone)]
pub struct Csr {
    der: Vec<u8>,
    tbs: Range<usize>,
    req: CertReq,
}

fn utf8_atv(oid: ObjectIdentifier, value: &str) -> Result<AttributeTypeAndValue, CsrError> {
    let s = Utf8StringRef::new(value).map_err(encode_err)?;
    Ok(AttributeTypeAndValue {
        oid,
        value: Any::encode_from(&s).map_err(encode_err)?,
    })
}

fn printable_atv(oid: ObjectIdentifier, value: &str) -> Result<AttributeTypeAndValue, CsrError> {
    let s = PrintableStringRef::new(value).map_err(encode_err)?;
    Ok(AttributeTypeAndValue {
        oid,
        value: Any::encode_from(&s).map_err(encode_err)?,
    })
}

/// A name of single-attribute RDNs, in the given order.
fn name_of(atvs: Vec<AttributeTypeAndValue>) -> Result<Name, CsrError> {
    let rdns = atvs
        .into_iter()
        .map(|atv| RelativeDistinguishedName::try_from(vec![atv]).map_err(encode_err))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Name::hazmat_from_rdn_sequence(RdnSequence::from(rdns)))
}

/// The `CertificationRequestInfo` ZATCA expects for `profile`, `environment` and
/// `public_key`, in the SDK's exact structure (see the crate docs), as a typed structure.
pub fn certification_request_info(
    profile: &EgsProfile,
    environment: Environment,
    public_key: &PublicKey,
) -> Result<CertReqInfo, CsrError> {
    if public_key.curve() != Curve::Secp256k1 {
        return Err(CsrError::UnsupportedCurve {
            found: public_key.curve(),
        });
    }
    let subject = name_of(vec![
        printable_atv(oid::COUNTRY, profile.country().as_str())?,
        utf8_atv(
            oid::ORGANIZATIONAL_UNIT,
            profile.organization_unit().as_str(),
        )?,
        utf8_atv(oid::ORGANIZATION, profile.organization_name().as_str())?,
        utf8_atv(oid::COMMON_NAME, profile.common_name().as_str())?,
    ])?;
    let spki =
        SubjectPublicKeyInfoOwned::from_der(&public_key.to_spki_der()?).map_err(encode_err)?;

    let template = Utf8StringRef::new(environment.template_name())
        .and_then(|s| s.to_der())
        .and_then(OctetString::new)
        .map_err(encode_err)?;
    let template_ext = Extension {
        extn_id: oid::CERTIFICATE_TEMPLATE_NAME,
        critical: false,
        extn_value: template,
    };
    let directory = name_of(
        oid::SAN_LAYOUT
            .iter()
            .map(|&field| utf8_atv(field.oid(), san_value(profile, field)))
            .collect::<Result<Vec<_>, _>>()?,
    )?;
    let san = SubjectAltName(vec![GeneralName::DirectoryName(directory)])
        .to_der()
        .and_then(OctetString::new)
        .map_err(encode_err)?;
    let san_ext = Extension {
        extn_id: oid::SUBJECT_ALT_NAME,
        critical: false,
        extn_value: san,
    };
    let request =
        Attribute::try_from(ExtensionReq(vec![template_ext, san_ext])).map_err(encode_err)?;
    let attributes = SetOfVec::try_from(vec![request]).map_err(encode_err)?;
    Ok(CertReqInfo {
        version: Version::V1,
        subject,
        public_key: spki,
        attributes,
    })
}

/// The DER of [`certification_request_info`]: the bytes the signature covers.
pub fn certification_request_info_der(
    profile: &EgsProfile,
    environment: Environment,
    public_key: &PublicKey,
) -> Result<Vec<u8>, CsrError> {
    certification_request_info(profile, environment, public_key)?
        .to_der()
        .map_err(encode_err)
}

impl Csr {
    /// Builds and signs the CSR for `profile` with `key`.
    ///
    /// The environment comes from the profile ([`EgsProfile::with_environment`]);
    /// without one this fails with [`CsrError::MissingEnvironment`]: it is never
    /// defaulted. `key` must be secp256k1.
    pub fn build(profile: &EgsProfile, key: &PrivateKey) -> Result<Self, CsrError> {
        let environment = profile.environment().ok_or(CsrError::MissingEnvironment)?;
        if key.curve() != Curve::Secp256k1 {
            return Err(CsrError::UnsupportedCurve { found: key.curve() });
        }
        let info = certification_request_info(profile, environment, &key.public_key())?;
        let tbs = info.to_der().map_err(encode_err)?;
        let signature = key.sign_sha256(&tbs)?;
        let req = CertReq {
            info,
            algorithm: AlgorithmIdentifierOwned {
                oid: oid::ECDSA_WITH_SHA256,
                parameters: None,
            },
            signature: BitString::from_bytes(&signature).map_err(encode_err)?,
        };
        let der = req.to_der().map_err(encode_err)?;
        Self::from_der(der)
    }

    /// Reads a CSR in any of its forms, detecting which: PEM, DER, base64 of the
    /// PEM text (LF or CRLF), or bare base64 of the DER.
    ///
    /// Input that is none of these is [`CsrError::Unrecognized`]; input marked as
    /// a CSR (PEM label) that does not decode is [`CsrError::Malformed`].
    pub fn parse(input: &[u8]) -> Result<(Self, CsrForm), CsrError> {
        if input.len() > MAX_CSR_BYTES {
            return Err(CsrError::TooLarge {
                len: input.len(),
                max: MAX_CSR_BYTES,
            });
        }
        let trimmed = input.trim_ascii();
        if trimmed.starts_with(b"-----BEGIN") {
            let der = pem_body(trimmed)?;
            return Self::from_der(der)
                .map(|c| (c, CsrForm::Pem))
                .map_err(|e| malformed("PEM", e));
        }
        // Binary DER is never trimmed: its last bytes may well be ASCII whitespace.
        if input.first() == Some(&0x30)
            && let Ok(csr) = Self::from_der(input.to_vec())
        {
            return Ok((csr, CsrForm::Der));
        }
        let compact: Vec<u8> = trimmed
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .map_err(|_| CsrError::Unrecognized)?;
        let inner = decoded.trim_ascii();
        if inner.starts_with(b"-----BEGIN") {
            let der = pem_body(inner).map_err(|_| CsrError::Unrecognized)?;
            return Self::from_der(der)
                .map(|c| (c, CsrForm::Base64Pem))
                .map_err(|e| malformed("base64-of-PEM", e));
        }
        Self::from_der(decoded)
            .map(|c| (c, CsrForm::Base64Der))
            .map_err(|_| CsrError::Unrecognized)
    }

    /// Reads DER, keeping the bytes as received. The encoding must be canonical
    /// DER: BER leniencies the decoder lets through (an unsorted SET OF, found by
    /// the `csr` fuzz target) would not re-encode to the same bytes, and are
    /// refused as [`CsrError::Malformed`].
    pub fn from_der(der: Vec<u8>) -> Result<Self, CsrError> {
        let req = CertReq::from_der(&der).map_err(|e| CsrError::Malformed {
            form: "DER",
            reason: e.to_string(),
        })?;
        if req.to_der().ok().as_deref() != Some(der.as_slice()) {
            return Err(CsrError::Malformed {
                form: "DER",
                reason: "not canonical DER: the structure re-encodes to different bytes (e.g. a SET OF whose elements are not in DER order)".to_owned(),
            });
        }
        let tbs = tbs_range(&der).map_err(|e| CsrError::Malformed {
            form: "DER",
            reason: e.to_string(),
        })?;
        Ok(Self { der, tbs, req })
    }

    /// The DER, as built or received.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The `CertificationRequestInfo` bytes as received: what the signature covers.
    pub fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }

    /// PEM text, LF line ends, 64-character lines.
    pub fn to_pem(&self) -> Result<String, CsrError> {
        der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &self.der)
            .map_err(encode_err)
    }

    /// Base64 of the PEM text: the value of ZATCA's `csr` field (a raw PEM is
    /// refused as an invalid request).
    pub fn to_base64_pem(&self) -> Result<String, CsrError> {
        Ok(base64::engine::general_purpose::STANDARD.encode(self.to_pem()?))
    }

    /// The bytes of `format` (text formats end with a newline, except base64, which is one line with one).
    pub fn encode(&self, format: OutputFormat) -> Result<Vec<u8>, CsrError> {
        Ok(match format {
            OutputFormat::Pem => self.to_pem()?.into_bytes(),
            OutputFormat::Der => self.der.clone(),
            OutputFormat::Base64 => {
                let mut s = self.to_base64_pem()?;
                s.push('\n');
                s.into_bytes()
            }
        })
    }

    /// The parsed structure.
    pub fn request(&self) -> &CertReq {
        &self.req
    }

    /// The subject public key (secp256k1 or P-256).
    pub fn public_key(&self) -> Result<PublicKey, CsrError> {
        let spki = self.req.info.public_key.to_der().map_err(encode_err)?;
        Ok(PublicKey::from_spki_der(&spki)?)
    }

    /// Verifies the signature: ecdsa-with-SHA256 over the TBS bytes as received,
    /// high-S accepted.
    pub fn verify(&self) -> Result<(), CsrError> {
        if self.req.algorithm.oid != oid::ECDSA_WITH_SHA256 {
            return Err(CsrError::UnsupportedAlgorithm {
                oid: self.req.algorithm.oid.to_string(),
            });
        }
        let signature = self
            .req
            .signature
            .as_bytes()
            .ok_or(CsrError::BadSignature)?;
        self.public_key()?
            .verify_sha256(self.tbs_der(), signature)
            .map_err(CsrError::from)
    }

    /// The subject's attributes in DER order.
    pub fn subject(&self) -> Vec<NameAttribute> {
        name_attributes(&self.req.info.subject)
    }

    /// The extensions of the extensionRequest attribute, in order.
    pub fn extensions(&self) -> Result<Vec<Extension>, CsrError> {
        let mut out = Vec::new();
        for attr in self.req.info.attributes.iter() {
            if attr.oid == oid::EXTENSION_REQUEST {
                for value in attr.values.iter() {
                    let exts: Vec<Extension> =
                        value
                            .decode_as()
                            .map_err(|e: der::Error| CsrError::Malformed {
                                form: "extensionRequest",
                                reason: e.to_string(),
                            })?;
                    out.extend(exts);
                }
            }
        }
        Ok(out)
    }

    /// The certificate template name (extension 1.3.6.1.4.1.311.20.2), with its
    /// string type, if present.
    pub fn template_name(&self) -> Result<Option<(String, &'static str)>, CsrError> {
        let exts = self.extensions()?;
        let Some(ext) = exts
            .iter()
            .find(|e| e.extn_id == oid::CERTIFICATE_TEMPLATE_NAME)
        else {
            return Ok(None);
        };
        let bytes = ext.extn_value.as_bytes();
        Ok(Some(match Any::from_der(bytes) {
            Ok(any) => {
                let (kind, text) = any_text(&any);
                (text, kind)
            }
            Err(_) => (String::from_utf8_lossy(bytes).into_owned(), "raw bytes"),
        }))
    }

    /// The environment named by the template, if it is one of ZATCA's three.
    pub fn environment(&self) -> Result<Option<Environment>, CsrError> {
        Ok(self
            .template_name()?
            .and_then(|(name, _)| Environment::from_template_name(&name)))
    }

    /// The attributes of the subjectAltName's first directoryName, in DER order.
    pub fn san_directory_name(&self) -> Result<Vec<NameAttribute>, CsrError> {
        let exts = self.extensions()?;
        let Some(ext) = exts.iter().find(|e| e.extn_id == oid::SUBJECT_ALT_NAME) else {
            return Ok(Vec::new());
        };
        let san = SubjectAltName::from_der(ext.extn_value.as_bytes()).map_err(|e| {
            CsrError::Malformed {
                form: "subjectAltName",
                reason: e.to_string(),
            }
        })?;
        Ok(san
            .0
            .iter()
            .find_map(|g| match g {
                GeneralName::DirectoryName(name) => Some(name_attributes(name)),
                _ => None,
            })
            .unwrap_or_default())
    }

    /// Reads the ZATCA values back and validates them under `profile`, with the
    /// environment taken from the template name. Paths in errors are CSR paths
    /// (`subject.CN`, `subjectAltName.UID`, …).
    pub fn to_profile(&self, profile: ValidationProfile) -> Result<EgsProfile, CsrError> {
        let mut input = RequestInput::new(InputShape::Csr);
        let subject = self.subject();
        let san = self.san_directory_name()?;
        let first = |attrs: &[NameAttribute], o: ObjectIdentifier| {
            let o = o.to_string();
            attrs.iter().find(|a| a.oid == o).map(|a| a.value.clone())
        };
        let fields = [
            (Field::Country, first(&subject, oid::COUNTRY)),
            (
                Field::OrganizationUnit,
                first(&subject, oid::ORGANIZATIONAL_UNIT),
            ),
            (Field::OrganizationName, first(&subject, oid::ORGANIZATION)),
            (Field::CommonName, first(&subject, oid::COMMON_NAME)),
        ]
        .into_iter()
        .chain(
            oid::SAN_LAYOUT
                .iter()
                .map(|&f| (san_field(f), first(&san, f.oid()))),
        );
        for (field, value) in fields {
            if let Some(v) = value {
                input = input.with(field, v);
            }
        }
        if let Some((name, _)) = self.template_name()? {
            input = input.with(Field::Environment, environment_word(&name));
        }
        Ok(input.validate_with(&ValidateOptions {
            profile,
            environment: None,
            require_environment: false,
        })?)
    }

    /// Whether this CSR's TBS is byte for byte what [`certification_request_info_der`]
    /// builds from the values it carries: the SDK's exact structure (see the
    /// crate docs).
    /// `false` when the values are invalid or the template is not ZATCA's.
    pub fn matches_sdk_structure(&self) -> bool {
        let rebuilt = (|| {
            let profile = self.to_profile(ValidationProfile::Sdk).ok()?;
            let env = profile.environment()?;
            let key = self.public_key().ok()?;
            certification_request_info_der(&profile, env, &key).ok()
        })();
        rebuilt.as_deref() == Some(self.tbs_der())
    }
}

/// The environment word for a template name, so the profile validator maps it
/// back (an unknown template stays as it is and is reported as ZP060).
fn environment_word(template: &str) -> String {
    Environment::from_template_name(template)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|| template.to_owned())
}

fn malformed(form: &'static str, e: CsrError) -> CsrError {
    match e {
        CsrError::Malformed { reason, .. } => CsrError::Malformed { form, reason },
        other => other,
    }
}

/// The DER inside a PEM `CERTIFICATE REQUEST` (or legacy `NEW CERTIFICATE
/// REQUEST`) block, read leniently as to line length and line ends.
fn pem_body(text: &[u8]) -> Result<Vec<u8>, CsrError> {
    let text = std::str::from_utf8(text).map_err(|_| CsrError::Unrecognized)?;
    let mut lines = text.lines().map(str::trim);
    let begin = lines.next().unwrap_or_default();
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or(CsrError::Unrecognized)?;
    if label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST" {
        return Err(CsrError::Unrecognized);
    }
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    for line in lines.by_ref() {
        if line == end {
            return base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .map_err(|e| CsrError::Malformed {
                    form: "PEM",
                    reason: e.to_string(),
                });
        }
        body.push_str(line);
    }
    Err(CsrError::Malformed {
        form: "PEM",
        reason: format!("no {end} line"),
    })
}

/// The byte range of the first element (the TBS) inside the outer SEQUENCE.
fn tbs_range(der: &[u8]) -> der::Result<Range<usize>> {
    let mut reader = der::SliceReader::new(der)?;
    let (start, len) = reader.sequence(|r| {
        let start = usize::try_from(r.position())?;
        let tbs = r.tlv_bytes()?;
        r.tlv_bytes()?;
        r.tlv_bytes()?;
        Ok::<_, der::Error>((start, tbs.len()))
    })?;
    reader.finish()?;
    Ok(start..start + len)
}

/// The profile's value for a subjectAltName field.
fn san_value(profile: &EgsProfile, field: oid::SanField) -> &str {
    match field {
        oid::SanField::EgsSerial => profile.egs_serial().as_str(),
        oid::SanField::Vat => profile.vat().as_str(),
        oid::SanField::InvoiceTypes => profile.invoice_types().as_str(),
        oid::SanField::Location => profile.location().as_str(),
        oid::SanField::Industry => profile.industry().as_str(),
    }
}

/// The request field a subjectAltName field reads back into.
fn san_field(field: oid::SanField) -> Field {
    match field {
        oid::SanField::EgsSerial => Field::EgsSerial,
        oid::SanField::Vat => Field::Vat,
        oid::SanField::InvoiceTypes => Field::InvoiceType,
        oid::SanField::Location => Field::Location,
        oid::SanField::Industry => Field::Industry,
    }
}

fn short_name(o: &ObjectIdentifier) -> String {
    let known = [
        (oid::COUNTRY, "C"),
        (oid::ORGANIZATIONAL_UNIT, "OU"),
        (oid::ORGANIZATION, "O"),
        (oid::COMMON_NAME, "CN"),
        (oid::SURNAME, "SN"),
        (oid::USER_ID, "UID"),
        (oid::TITLE, "title"),
        (oid::REGISTERED_ADDRESS, "registeredAddress"),
        (oid::BUSINESS_CATEGORY, "businessCategory"),
        (ObjectIdentifier::new_unwrap("2.5.4.5"), "serialNumber"),
        (
            ObjectIdentifier::new_unwrap("2.5.4.97"),
            "organizationIdentifier",
        ),
    ];
    known
        .iter()
        .find(|(k, _)| k == o)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_else(|| o.to_string())
}

fn any_text(any: &Any) -> (&'static str, String) {
    let kind = match any.tag() {
        Tag::Utf8String => "UTF8String",
        Tag::PrintableString => "PrintableString",
        Tag::Ia5String => "IA5String",
        Tag::TeletexString => "TeletexString",
        Tag::BmpString => "BMPString",
        Tag::OctetString => "OCTET STRING",
        _ => "other",
    };
    let text = match any.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(any)
            .map(|s| s.as_str().to_owned())
            .ok(),
        Tag::PrintableString => PrintableStringRef::try_from(any)
            .map(|s| s.as_str().to_owned())
            .ok(),
        Tag::Ia5String => Ia5StringRef::try_from(any)
            .map(|s| s.as_str().to_owned())
            .ok(),
        Tag::BmpString => {
            let units: Vec<u16> = any
                .value()
                .chunks(2)
                .map(|c| {
                    u16::from_be_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    };
    (
        kind,
        text.unwrap_or_else(|| String::from_utf8_lossy(any.value()).into_owned()),
    )
}

fn name_attributes(name: &Name) -> Vec<NameAttribute> {
    name.iter()
        .map(|atv| {
            let (string_type, value) = any_text(&atv.value);
            NameAttribute {
                oid: atv.oid.to_string(),
                short_name: short_name(&atv.oid),
                string_type,
                value,
            }
        })
        .collect()
}
