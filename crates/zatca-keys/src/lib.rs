//! Key management for the ZATCA onboarding toolkit: the bottom of the crate stack.
//!
//! ZATCA requires ECDSA on **secp256k1** (every SDK CSR and certificate carries
//! OID 1.3.132.0.10, and RSA CSRs are reported refused with `Invalid-CSR`).
//! P-256 is supported too, for peers and tests. This crate:
//!
//! - generates keys from the OS random number generator;
//! - reads private keys in every form integrators meet ([`InputForm`]): SEC1 PEM,
//!   PKCS#8 PEM and DER, SEC1 DER, and the official SDK's bare base64 (SEC1 in
//!   `Data/Certificates/ec-secp256k1-priv-key.pem`, PKCS#8 in what SDK R3.4.8
//!   generates), detecting the form itself;
//! - writes SEC1 PEM (default), PKCS#8 PEM, or the SDK's bare base64, through
//!   [`zatca_fs::write_atomic`] with mode 0600 (and reads key files through
//!   [`zatca_fs::read_regular`], so a FIFO or device is refused, not waited on);
//! - signs and verifies with RFC 6979 deterministic nonces and low-S DER output.
//!
//! Secret hygiene: [`PrivateKey`] has no `Clone`, its `Debug` prints only the
//! curve, it zeroizes on drop (the RustCrypto signing keys do), and every
//! serialized form is returned inside [`Zeroizing`].
//!
//! Why each dependency: `zatca-fs` reads and writes the key files safely;
//! `k256`/`p256` are the audited RustCrypto curve implementations (pure Rust,
//! constant time), which make, hold and read every key, and sign on P-256;
//! `secp256k1` (the maintained binding to bitcoin-core's libsecp256k1, constant
//! time) signs and verifies on secp256k1, 1.4 and 2.4 times faster there than
//! k256 (signing is most of the per-invoice cost after the hash, verification
//! most of verifying an invoice); its version, 0.31, is the last whose safe API
//! signs with a context of ours, blinded once from the OS RNG (`getrandom`)
//! instead of re-randomised at every signature; `sec1`/`pkcs8`/`spki`/`der`
//! parse and write the key containers; `base64` reads the SDK's armourless
//! form; `zeroize` wipes secrets; `sha2` is the digest ZATCA signs with.
//!
//! ```
//! use zatca_keys::{Curve, PrivateKey};
//! let key = PrivateKey::generate(Curve::Secp256k1)?;
//! let pem = key.to_sec1_pem()?;
//! let (again, form) = PrivateKey::from_bytes(pem.as_bytes())?;
//! assert_eq!(form, zatca_keys::InputForm::Sec1Pem);
//! assert_eq!(again.public_key(), key.public_key());
//! let sig = key.sign_prehash(&[7u8; 32])?;
//! key.public_key().verify_prehash(&[7u8; 32], &sig)?;
//! # Ok::<(), zatca_keys::KeyError>(())
//! ```
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (key files of any
// form): these are denied outside tests;
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
mod import;

use std::fmt;

use base64::Engine as _;
use der::Decode as _;
use k256::elliptic_curve::Generate as _;
use k256::pkcs8::EncodePrivateKey as _;
use spki::EncodePublicKey as _;
use zeroize::Zeroizing;

pub use error::KeyError;
pub use import::InputForm;

/// The largest key file accepted (a PEM key is a few hundred bytes).
pub const MAX_KEY_FILE_BYTES: usize = 64 * 1024;

/// OID of secp256k1, ZATCA's curve.
pub const SECP256K1_OID: &str = "1.3.132.0.10";
/// OID of NIST P-256 (prime256v1).
pub const P256_OID: &str = "1.2.840.10045.3.1.7";

/// A supported elliptic curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Curve {
    /// secp256k1: the curve ZATCA requires. The default.
    #[default]
    Secp256k1,
    /// NIST P-256 (prime256v1).
    P256,
}

impl Curve {
    /// The curve's name as OpenSSL and this toolkit's CLI spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Secp256k1 => "secp256k1",
            Self::P256 => "p256",
        }
    }

    /// The curve's OID in dotted form.
    pub const fn oid(self) -> &'static str {
        match self {
            Self::Secp256k1 => SECP256K1_OID,
            Self::P256 => P256_OID,
        }
    }

    pub(crate) fn from_oid(oid: &str) -> Result<Self, KeyError> {
        match oid {
            SECP256K1_OID => Ok(Self::Secp256k1),
            P256_OID => Ok(Self::P256),
            other => Err(KeyError::UnsupportedCurve {
                oid: other.to_owned(),
            }),
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Curve {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "secp256k1" | "k256" => Ok(Self::Secp256k1),
            "p256" | "p-256" | "prime256v1" | "secp256r1" => Ok(Self::P256),
            _ => Err(format!("unknown curve {s:?}; expected secp256k1 or p256")),
        }
    }
}

/// The form a private key is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// `-----BEGIN EC PRIVATE KEY-----` (RFC 5915): what the SDK and most peers use.
    #[default]
    Sec1Pem,
    /// `-----BEGIN PRIVATE KEY-----` (RFC 5208).
    Pkcs8Pem,
    /// The official SDK's form: bare base64 of the SEC1 DER, one line, no armour.
    SdkBase64,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sec1" | "sec1-pem" => Ok(Self::Sec1Pem),
            "pkcs8" | "pkcs8-pem" => Ok(Self::Pkcs8Pem),
            "sdk" | "sdk-base64" => Ok(Self::SdkBase64),
            _ => Err(format!(
                "unknown key format {s:?}; expected sec1, pkcs8 or sdk"
            )),
        }
    }
}

enum SecretInner {
    K256(k256::ecdsa::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// An ECDSA private key on a supported curve.
///
/// Not `Clone`; `Debug` shows the curve only; zeroized on drop (the wrapped
/// RustCrypto signing key zeroizes its scalar in its own `Drop`).
pub struct PrivateKey {
    inner: SecretInner,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("curve", &self.curve())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a fresh key on `curve` from the operating system's RNG.
    pub fn generate(curve: Curve) -> Result<Self, KeyError> {
        let inner = match curve {
            Curve::Secp256k1 => SecretInner::K256(
                k256::ecdsa::SigningKey::try_generate().map_err(|_| KeyError::Rng)?,
            ),
            Curve::P256 => SecretInner::P256(
                p256::ecdsa::SigningKey::try_generate().map_err(|_| KeyError::Rng)?,
            ),
        };
        Ok(Self { inner })
    }

    /// Builds a key from its raw 32-byte big-endian scalar.
    pub fn from_scalar(curve: Curve, scalar: &[u8]) -> Result<Self, KeyError> {
        let inner = match curve {
            Curve::Secp256k1 => SecretInner::K256(
                k256::ecdsa::SigningKey::from_slice(scalar).map_err(|_| KeyError::InvalidScalar)?,
            ),
            Curve::P256 => SecretInner::P256(
                p256::ecdsa::SigningKey::from_slice(scalar).map_err(|_| KeyError::InvalidScalar)?,
            ),
        };
        Ok(Self { inner })
    }

    /// Reads a private key in any accepted form, detecting which.
    ///
    /// Accepted: SEC1 or PKCS#8, as PEM, DER, or bare base64 (possibly wrapped
    /// over several lines, as the SDK ships it). A public key, certificate, CSR,
    /// encrypted key, wrong curve or garbage gets a [`KeyError`] that says what
    /// was found.
    pub fn from_bytes(input: &[u8]) -> Result<(Self, InputForm), KeyError> {
        import::decode(input, None)
    }

    /// Like [`PrivateKey::from_bytes`], and also reads an encrypted PKCS#8 PEM key
    /// (`-----BEGIN ENCRYPTED PRIVATE KEY-----`) with `passphrase`. An
    /// unencrypted key is read as it is.
    pub fn from_bytes_with_passphrase(
        input: &[u8],
        passphrase: &[u8],
    ) -> Result<(Self, InputForm), KeyError> {
        import::decode(input, Some(passphrase))
    }

    /// Reads a private key and requires it to be on `curve`.
    pub fn from_bytes_on(input: &[u8], curve: Curve) -> Result<(Self, InputForm), KeyError> {
        let (key, form) = Self::from_bytes(input)?;
        if key.curve() != curve {
            return Err(KeyError::WrongCurve {
                found: key.curve(),
                expected: curve,
            });
        }
        Ok((key, form))
    }

    /// Reads a private key file (at most [`MAX_KEY_FILE_BYTES`], a regular file).
    pub fn read_file(path: &std::path::Path) -> Result<(Self, InputForm), KeyError> {
        let bytes = Zeroizing::new(zatca_fs::read_regular(
            path,
            MAX_KEY_FILE_BYTES,
            "private key",
        )?);
        Self::from_bytes(&bytes)
    }

    /// The key's curve.
    pub fn curve(&self) -> Curve {
        match &self.inner {
            SecretInner::K256(_) => Curve::Secp256k1,
            SecretInner::P256(_) => Curve::P256,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match &self.inner {
            SecretInner::K256(k) => PublicKey::K256(*k.verifying_key()),
            SecretInner::P256(k) => PublicKey::P256(*k.verifying_key()),
        }
    }

    /// The secp256k1 signing key, for builders that need the RustCrypto type
    /// (the CSR builder). `None` for other curves.
    pub fn as_k256(&self) -> Option<&k256::ecdsa::SigningKey> {
        match &self.inner {
            SecretInner::K256(k) => Some(k),
            SecretInner::P256(_) => None,
        }
    }

    /// The P-256 signing key, if this is one.
    pub fn as_p256(&self) -> Option<&p256::ecdsa::SigningKey> {
        match &self.inner {
            SecretInner::P256(k) => Some(k),
            SecretInner::K256(_) => None,
        }
    }

    /// SEC1 `ECPrivateKey` DER (with curve parameters and public key, as OpenSSL writes it).
    pub fn to_sec1_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let scalar = self.scalar_bytes();
        let public = self.public_key().to_uncompressed_point();
        let curve_oid = der::asn1::ObjectIdentifier::new(self.curve().oid())
            .map_err(|e| malformed_out("curve OID", e))?;
        let key = sec1::EcPrivateKey {
            private_key: &scalar,
            parameters: Some(sec1::EcParameters::NamedCurve(curve_oid)),
            public_key: Some(&public),
        };
        use der::Encode as _;
        key.to_der()
            .map(Zeroizing::new)
            .map_err(|e| malformed_out("SEC1 DER", e))
    }

    /// SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`, LF line ends).
    pub fn to_sec1_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_sec1_der()?;
        der::pem::encode_string("EC PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map(Zeroizing::new)
            .map_err(|e| malformed_out("SEC1 PEM", e))
    }

    /// PKCS#8 `PrivateKeyInfo` DER.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let doc = match &self.inner {
            SecretInner::K256(k) => k.to_pkcs8_der(),
            SecretInner::P256(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| KeyError::Malformed {
            form: "PKCS#8 DER",
            reason: e.to_string(),
        })?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, LF line ends).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_pkcs8_der()?;
        der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map(Zeroizing::new)
            .map_err(|e| malformed_out("PKCS#8 PEM", e))
    }

    /// Encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`): PBES2 with
    /// scrypt and AES-256-CBC, a fresh salt and IV from the OS RNG. OpenSSL 3
    /// reads it (`openssl pkey -in KEY -passin pass:…`).
    ///
    /// ```
    /// use zatca_keys::{Curve, InputForm, PrivateKey};
    /// let key = PrivateKey::generate(Curve::Secp256k1)?;
    /// let pem = key.to_encrypted_pkcs8_pem(b"correct horse")?;
    /// assert!(PrivateKey::from_bytes(pem.as_bytes()).is_err());
    /// let (again, form) = PrivateKey::from_bytes_with_passphrase(pem.as_bytes(), b"correct horse")?;
    /// assert_eq!((again.public_key(), form), (key.public_key(), InputForm::EncryptedPkcs8Pem));
    /// # Ok::<(), zatca_keys::KeyError>(())
    /// ```
    pub fn to_encrypted_pkcs8_pem(&self, passphrase: &[u8]) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_pkcs8_der()?;
        let info =
            pkcs8::PrivateKeyInfoRef::from_der(&der).map_err(|e| malformed_out("PKCS#8 DER", e))?;
        let encrypted = info
            .encrypt(passphrase)
            .map_err(|e| malformed_out("encrypted PKCS#8", e))?;
        der::pem::encode_string(
            "ENCRYPTED PRIVATE KEY",
            der::pem::LineEnding::LF,
            encrypted.as_bytes(),
        )
        .map(Zeroizing::new)
        .map_err(|e| malformed_out("encrypted PKCS#8 PEM", e))
    }

    /// The SDK's form: one line of base64 of the SEC1 DER, no armour.
    pub fn to_sdk_base64(&self) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_sec1_der()?;
        Ok(Zeroizing::new(
            base64::engine::general_purpose::STANDARD.encode(der.as_slice()),
        ))
    }

    /// The key serialized in `format` (PEM ends with a newline).
    pub fn encode(&self, format: OutputFormat) -> Result<Zeroizing<String>, KeyError> {
        match format {
            OutputFormat::Sec1Pem => self.to_sec1_pem(),
            OutputFormat::Pkcs8Pem => self.to_pkcs8_pem(),
            OutputFormat::SdkBase64 => {
                let mut s = self.to_sdk_base64()?;
                s.push('\n');
                Ok(s)
            }
        }
    }

    /// Writes the key to `path` in `format`, atomically, mode 0600, never
    /// replacing an existing file unless `overwrite`, and never anything but a
    /// regular file (see [`zatca_fs`] for what happens to a symbolic link).
    pub fn write_file(
        &self,
        path: &std::path::Path,
        format: OutputFormat,
        overwrite: bool,
    ) -> Result<(), KeyError> {
        let text = self.encode(format)?;
        zatca_fs::write_atomic(
            path,
            text.as_bytes(),
            zatca_fs::WriteOptions::SECRET.overwrite(overwrite),
        )
        .map_err(KeyError::from)
    }

    /// Signs a 32-byte digest as given (no further hashing), with an RFC 6979
    /// deterministic nonce. Returns the DER `ECDSA-Sig-Value`, low-S.
    ///
    /// On secp256k1 the signature is libsecp256k1's, made with one context
    /// for the process, blinded from the OS RNG when first made;
    /// [`KeyError::Rng`] while that RNG fails (nothing is signed unblinded).
    pub fn sign_prehash(&self, digest: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
        use ecdsa_signer::PrehashSigner as _;
        match &self.inner {
            SecretInner::K256(k) => sign_secp256k1(k, digest),
            SecretInner::P256(k) => {
                let sig: p256::ecdsa::Signature =
                    k.sign_prehash(digest).map_err(|_| KeyError::Signing)?;
                Ok(sig.normalize_s().to_der().as_bytes().to_vec())
            }
        }
    }

    /// Signs `message` with ECDSA-SHA256 (the message is hashed once inside),
    /// RFC 6979 nonce, low-S DER. This is both the CSR signature and ZATCA's
    /// invoice signature, whose message is the 32 raw invoice-hash bytes
    /// (as every SDK R3.3.3 sample signature shows; ZATCA does not sign the
    /// SignedInfo).
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.sign_prehash(&sha256(message))
    }

    fn scalar_bytes(&self) -> Zeroizing<Vec<u8>> {
        match &self.inner {
            SecretInner::K256(k) => Zeroizing::new(k.to_bytes().to_vec()),
            SecretInner::P256(k) => Zeroizing::new(k.to_bytes().to_vec()),
        }
    }
}

fn malformed_out(form: &'static str, e: impl fmt::Display) -> KeyError {
    KeyError::Malformed {
        form,
        reason: e.to_string(),
    }
}

/// SHA-256 of `data` (the message digest of ECDSA-SHA256).
fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).into()
}

mod ecdsa_signer {
    pub use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
}

/// An ECDSA public key on a supported curve.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PublicKey {
    /// A secp256k1 key.
    K256(k256::ecdsa::VerifyingKey),
    /// A P-256 key.
    P256(p256::ecdsa::VerifyingKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b64 = base64::engine::general_purpose::STANDARD.encode(self.to_uncompressed_point());
        f.debug_struct("PublicKey")
            .field("curve", &self.curve())
            .field("point", &b64)
            .finish()
    }
}

impl PublicKey {
    /// The key's curve.
    pub fn curve(&self) -> Curve {
        match self {
            Self::K256(_) => Curve::Secp256k1,
            Self::P256(_) => Curve::P256,
        }
    }

    /// The uncompressed point `04‖X‖Y` (65 bytes).
    pub fn to_uncompressed_point(&self) -> Vec<u8> {
        match self {
            Self::K256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            Self::P256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// DER `SubjectPublicKeyInfo` (uncompressed point): what ZATCA's QR tag 8
    /// carries (88 bytes for secp256k1).
    pub fn to_spki_der(&self) -> Result<Vec<u8>, KeyError> {
        match self {
            Self::K256(k) => k.to_public_key_der(),
            Self::P256(k) => k.to_public_key_der(),
        }
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| malformed_out("SubjectPublicKeyInfo", e))
    }

    /// PEM `-----BEGIN PUBLIC KEY-----` of the SPKI.
    pub fn to_spki_pem(&self) -> Result<String, KeyError> {
        let der = self.to_spki_der()?;
        der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &der)
            .map_err(|e| malformed_out("public key PEM", e))
    }

    /// Reads a DER `SubjectPublicKeyInfo` on a supported curve.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki =
            spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|e| KeyError::Malformed {
                form: "SubjectPublicKeyInfo DER",
                reason: e.to_string(),
            })?;
        let alg = spki.algorithm.oid.to_string();
        if alg != import::EC_PUBLIC_KEY_OID {
            return Err(KeyError::NotEcKey { algorithm: alg });
        }
        let curve_oid = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
            .ok_or(KeyError::MissingCurve)?;
        let point = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| KeyError::Malformed {
                form: "SubjectPublicKeyInfo DER",
                reason: "the public key BIT STRING has unused bits".to_owned(),
            })?;
        Self::from_sec1_point(Curve::from_oid(&curve_oid.to_string())?, point)
    }

    /// Reads an encoded point (compressed or uncompressed) on `curve`.
    pub fn from_sec1_point(curve: Curve, point: &[u8]) -> Result<Self, KeyError> {
        let bad = |_| KeyError::Malformed {
            form: "EC point",
            reason: "not a valid point on the curve".to_owned(),
        };
        Ok(match curve {
            Curve::Secp256k1 => {
                Self::K256(k256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad)?)
            }
            Curve::P256 => {
                Self::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad)?)
            }
        })
    }

    /// Verifies a DER signature over a 32-byte digest. High-S signatures are
    /// accepted (normalized first): OpenSSL, Java and ZATCA's CA emit them.
    pub fn verify_prehash(&self, digest: &[u8; 32], der_sig: &[u8]) -> Result<(), KeyError> {
        use ecdsa_signer::PrehashVerifier as _;
        let malformed = |e: k256::ecdsa::Error| KeyError::MalformedSignature {
            reason: e.to_string(),
        };
        match self {
            Self::K256(k) => {
                let sig = k256::ecdsa::Signature::from_der(der_sig).map_err(malformed)?;
                return verify_secp256k1(k, digest, &sig.normalize_s());
            }
            Self::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(der_sig).map_err(malformed)?;
                k.verify_prehash(digest, &sig.normalize_s())
            }
        }
        .map_err(|_| KeyError::BadSignature)
    }

    /// Verifies a DER ECDSA-SHA256 signature over `message` (high-S accepted).
    pub fn verify_sha256(&self, message: &[u8], der_sig: &[u8]) -> Result<(), KeyError> {
        self.verify_prehash(&sha256(message), der_sig)
    }
}

/// libsecp256k1's signing context: made once for the process and shared by
/// every thread (the library only reads it while signing), its blinding
/// randomised from the OS RNG (a side-channel defence). Not made, and
/// [`KeyError::Rng`], while the RNG fails: the next call tries again.
fn signing_context() -> Result<&'static secp256k1::Secp256k1<secp256k1::SignOnly>, KeyError> {
    static CONTEXT: std::sync::OnceLock<secp256k1::Secp256k1<secp256k1::SignOnly>> =
        std::sync::OnceLock::new();
    if let Some(context) = CONTEXT.get() {
        return Ok(context);
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|_| KeyError::Rng)?;
    let mut context = secp256k1::Secp256k1::signing_only();
    context.seeded_randomize(&seed);
    // Two threads may both get here: one context is kept, the other dropped.
    Ok(CONTEXT.get_or_init(|| context))
}

/// libsecp256k1's verification context, made once (verification handles
/// public values only: nothing to blind).
fn verification_context() -> &'static secp256k1::Secp256k1<secp256k1::VerifyOnly> {
    static CONTEXT: std::sync::LazyLock<secp256k1::Secp256k1<secp256k1::VerifyOnly>> =
        std::sync::LazyLock::new(secp256k1::Secp256k1::verification_only);
    &CONTEXT
}

/// ECDSA signing on secp256k1 by libsecp256k1: RFC 6979 nonce, low-S DER,
/// the same bytes k256 gives (a test compares them), 1.4 times faster. The
/// context is blinded once, when it is made; the `secp256k1` crate's own
/// per-signature re-randomisation (from 0.32) would cost more than the
/// signature.
fn sign_secp256k1(key: &k256::ecdsa::SigningKey, digest: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
    let context = signing_context()?;
    let scalar = Zeroizing::new(<[u8; 32]>::from(key.to_bytes()));
    // A k256 signing key is a valid libsecp256k1 secret key (non-zero, below n).
    let mut secret =
        secp256k1::SecretKey::from_byte_array(*scalar).map_err(|_| KeyError::Signing)?;
    let signature = context.sign_ecdsa(secp256k1::Message::from_digest(*digest), &secret);
    secret.non_secure_erase();
    Ok(signature.serialize_der().to_vec())
}

/// ECDSA verification on secp256k1 by libsecp256k1, of a signature already
/// read (and its S normalised) by k256: the two agree on every input (a test
/// compares them), and the C library is the faster.
fn verify_secp256k1(
    key: &k256::ecdsa::VerifyingKey,
    digest: &[u8; 32],
    signature: &k256::ecdsa::Signature,
) -> Result<(), KeyError> {
    // A valid k256 key and signature are valid here too; the errors cannot
    // occur, and would be a failed verification if they did.
    let point = key.to_sec1_point(false);
    let public =
        secp256k1::PublicKey::from_slice(point.as_bytes()).map_err(|_| KeyError::BadSignature)?;
    let signature = secp256k1::ecdsa::Signature::from_compact(&signature.to_bytes())
        .map_err(|_| KeyError::BadSignature)?;
    verification_context()
        .verify_ecdsa(
            secp256k1::Message::from_digest(*digest),
            &signature,
            &public,
        )
        .map_err(|_| KeyError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_private_key_shows_only_the_curve() {
        let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
        assert_eq!(format!("{key:?}"), "PrivateKey { curve: Secp256k1, .. }");
    }

    #[test]
    fn p256_signatures_are_low_s() {
        // RFC 6979 A.2.5's P-256 signature of "sample" has a high s; ours must be n - s.
        let key = PrivateKey::from_scalar(
            Curve::P256,
            &hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"),
        )
        .unwrap();
        let der = key.sign_sha256(b"sample").unwrap();
        let sig = p256::ecdsa::Signature::from_der(&der).unwrap();
        assert_eq!(sig.normalize_s(), sig);
    }

    #[test]
    fn key_files_go_through_zatca_fs() {
        let dir = tempfile::tempdir().unwrap();
        let err = PrivateKey::read_file(dir.path()).unwrap_err();
        assert_eq!(
            err,
            KeyError::Io {
                path: dir.path().to_path_buf(),
                reason:
                    "is a directory, not a regular file; the private key must be a regular file"
                        .to_owned()
            }
        );
        let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
        let err = key
            .write_file(dir.path(), OutputFormat::Sec1Pem, true)
            .unwrap_err();
        assert!(matches!(err, KeyError::Io { .. }), "{err:?}");
        assert!(dir.path().is_dir());
    }

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
