//! TLS for [`serve`](crate::serve): a certificate chain and its private key,
//! read from PEM files, checked against each other, ready for
//! [`serve::start_tls`](crate::serve::start_tls).
//!
//! The server speaks TLS 1.3 and 1.2 (rustls with the ring provider, its
//! default cipher suites) and offers HTTP/1.1 by ALPN. The key may be ECDSA
//! P-256 or P-384, Ed25519 or RSA, as PKCS#8 (`PRIVATE KEY`), SEC1 (`EC
//! PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`), unencrypted. A device key of
//! ZATCA's (secp256k1) cannot serve TLS: no TLS client accepts that curve.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::pem::{self, PemObject as _};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use zatca_fs::{FsError, read_regular};
use zeroize::Zeroizing;

/// The largest certificate-chain file read: a chain of a few certificates
/// takes a few kilobytes.
pub const MAX_CERT_CHAIN_BYTES: usize = 256 * 1024;

/// The largest private-key file read: an RSA-4096 key in PEM is about 3 KiB.
pub const MAX_KEY_BYTES: usize = 64 * 1024;

/// Why a certificate chain and key cannot serve TLS. Every variant names the
/// file; none holds any of the key's content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsError {
    /// A file is missing, unreadable, not a regular file or too large.
    File(FsError),
    /// The file is not PEM, or holds no `CERTIFICATE` block.
    NoCertificate {
        /// The certificate file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The first certificate cannot be parsed as X.509.
    BadCertificate {
        /// The certificate file.
        path: PathBuf,
        /// The parser's description.
        reason: String,
    },
    /// The file is not PEM, or holds no unencrypted private key.
    NoPrivateKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key is of a type or curve that TLS with the ring provider cannot use.
    UnsupportedKey {
        /// The key file.
        path: PathBuf,
    },
    /// The key is not the one the (first) certificate certifies.
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// rustls refused the configuration for another reason.
    Config {
        /// rustls's description.
        reason: String,
    },
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(e) => write!(f, "{}: {}", e.path().display(), e.problem()),
            Self::NoCertificate { path, reason } => write!(
                f,
                "{}: not a TLS certificate chain: {reason} (expected PEM `-----BEGIN CERTIFICATE-----` blocks, the server's certificate first)",
                path.display()
            ),
            Self::BadCertificate { path, reason } => write!(
                f,
                "{}: the first certificate is not valid X.509: {reason}",
                path.display()
            ),
            Self::NoPrivateKey { path, reason } => write!(
                f,
                "{}: not a TLS private key: {reason} (expected an unencrypted PEM `PRIVATE KEY`, `EC PRIVATE KEY` or `RSA PRIVATE KEY`)",
                path.display()
            ),
            Self::UnsupportedKey { path } => write!(
                f,
                "{}: unsupported private key type: TLS keys must be ECDSA P-256 or P-384, Ed25519 or RSA",
                path.display()
            ),
            Self::KeyMismatch { cert, key } => write!(
                f,
                "{}: the private key does not match the certificate {}",
                key.display(),
                cert.display()
            ),
            Self::Config { reason } => write!(f, "TLS configuration refused: {reason}"),
        }
    }
}

impl std::error::Error for TlsError {}

impl From<FsError> for TlsError {
    fn from(e: FsError) -> Self {
        Self::File(e)
    }
}

/// A checked TLS server configuration. `Debug` shows no key material.
#[derive(Clone)]
pub struct TlsConfig {
    server: Arc<ServerConfig>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig").finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// Reads the certificate chain (`cert`: PEM certificates, the server's
    /// first) and its private key (`key`: PEM) and checks that they belong
    /// together. Both are read as bounded regular files.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let cert_pem = read_regular(cert, MAX_CERT_CHAIN_BYTES, "TLS certificate chain")?;
        let key_pem = Zeroizing::new(read_regular(key, MAX_KEY_BYTES, "TLS private key")?);
        Self::from_pem(&cert_pem, cert, &key_pem, key)
    }

    /// Like [`Self::from_pem_files`], from PEM already read; the paths name
    /// the sources in errors.
    pub fn from_pem(
        cert_pem: &[u8],
        cert_path: &Path,
        key_pem: &[u8],
        key_path: &Path,
    ) -> Result<Self, TlsError> {
        let chain = parse_chain(cert_pem, cert_path)?;
        let key = parse_key(key_pem, key_path)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| TlsError::Config {
                reason: e.to_string(),
            })?
            .with_no_client_auth();
        let mut server = builder.with_single_cert(chain, key).map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => TlsError::KeyMismatch {
                cert: cert_path.to_path_buf(),
                key: key_path.to_path_buf(),
            },
            rustls::Error::InvalidCertificate(reason) => TlsError::BadCertificate {
                path: cert_path.to_path_buf(),
                reason: format!("{reason:?}"),
            },
            // The ring key provider answers a key it cannot load with a
            // general error; its text names no key material.
            rustls::Error::General(_) => TlsError::UnsupportedKey {
                path: key_path.to_path_buf(),
            },
            other => TlsError::Config {
                reason: other.to_string(),
            },
        })?;
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            server: Arc::new(server),
        })
    }

    /// The acceptor for the serving runtime.
    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.server))
    }
}

fn parse_chain(pem_text: &[u8], path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let no_certificate = |reason: String| TlsError::NoCertificate {
        path: path.to_path_buf(),
        reason,
    };
    let chain = CertificateDer::pem_slice_iter(pem_text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| no_certificate(pem_problem(&e)))?;
    if chain.is_empty() {
        return Err(no_certificate("no certificate in it".to_owned()));
    }
    Ok(chain)
}

fn parse_key(pem_text: &[u8], path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem_text).map_err(|e| TlsError::NoPrivateKey {
        path: path.to_path_buf(),
        reason: match e {
            pem::Error::NoItemsFound => "no private key in it".to_owned(),
            other => pem_problem(&other),
        },
    })
}

/// What is wrong with a PEM text, without quoting any of it (a key file's
/// lines are secret).
fn pem_problem(e: &pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { .. } => "a PEM block has no END line",
        pem::Error::IllegalSectionStart { .. } => "a PEM BEGIN line is malformed",
        pem::Error::Base64Decode(_) => "a PEM block is not valid base64",
        pem::Error::NoItemsFound => "no PEM block in it",
        _ => "not valid PEM",
    }
    .to_owned()
}
