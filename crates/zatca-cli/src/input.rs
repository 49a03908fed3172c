//! The files a user names on the command line, and errors that name them.
//!
//! Every file a command reads goes through [`FileArg::read`] (that is,
//! [`zatca_fs::read_regular`]): a FIFO, device or directory is refused at once
//! instead of blocking, and at most one byte over the limit is read. Every error
//! about a file, whether reading it, parsing it or writing it, starts with the
//! flag that named it (if any) and the file: `--key dev.pem: …`.

use std::path::Path;

use zatca_cert::Certificate;
use zatca_fs::FsError;
use zatca_keys::{InputForm, KeyError, PrivateKey};
use zeroize::Zeroizing;

use crate::exit::{CliError, Code};
use crate::term;

/// Reads a private key in any form `zatca_keys` reads; an encrypted PKCS#8 key is
/// decrypted with `ZATCA_KEY_PASSPHRASE` when that is set (and not empty), as
/// the device store's keys are.
pub fn decode_private_key(bytes: &[u8]) -> Result<(PrivateKey, InputForm), KeyError> {
    match std::env::var_os(zatca_onboarding::KEY_PASSPHRASE_VAR) {
        Some(p) if !p.is_empty() => {
            let passphrase = Zeroizing::new(p.into_encoded_bytes());
            PrivateKey::from_bytes_with_passphrase(bytes, &passphrase)
        }
        _ => PrivateKey::from_bytes(bytes),
    }
}

/// A file named on the command line: by a flag (`--key FILE`) or by position.
#[derive(Debug, Clone, Copy)]
pub struct FileArg<'a> {
    flag: Option<&'static str>,
    path: &'a Path,
}

impl<'a> FileArg<'a> {
    /// A file given as a positional argument.
    pub const fn positional(path: &'a Path) -> Self {
        Self { flag: None, path }
    }

    /// A file given with `flag` (such as `"--key"`).
    pub const fn flag(flag: &'static str, path: &'a Path) -> Self {
        Self {
            flag: Some(flag),
            path,
        }
    }

    /// `--flag PATH` or `PATH`, safe to print.
    fn label(&self) -> String {
        let path = self.path.display().to_string();
        let path = term::escape(&path);
        match self.flag {
            Some(flag) => format!("{flag} {path}"),
            None => path.into_owned(),
        }
    }

    /// Reads the file: a regular file of at most `max_bytes` bytes holding `what`
    /// (`"private key"`). The buffer is wiped when dropped: key files and
    /// requests (which may carry an OTP) pass through here.
    pub fn read(
        &self,
        max_bytes: usize,
        what: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, CliError> {
        zatca_fs::read_regular(self.path, max_bytes, what)
            .map(Zeroizing::new)
            .map_err(|e| self.fs_error(&e))
    }

    /// Reads the file as a private key, in any form [`decode_private_key`] reads.
    pub fn private_key(&self) -> Result<PrivateKey, CliError> {
        let bytes = self.read(zatca_keys::MAX_KEY_FILE_BYTES, "private key")?;
        match decode_private_key(&bytes) {
            Ok((key, _)) => Ok(key),
            Err(KeyError::Empty) => Err(self.error_with(
                Code::Invalid,
                "the file is empty; expected a private key (SEC1 or PKCS#8, as PEM, DER or bare base64)",
            )),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Reads the file as a certificate, in any form `zatca_cert` reads.
    pub fn certificate(&self) -> Result<Certificate, CliError> {
        let bytes = self.read(zatca_cert::MAX_INPUT_BYTES, "certificate")?;
        Certificate::from_bytes(&bytes)
            .map(|(cert, _)| cert)
            .map_err(|e| self.error(e))
    }

    /// Writes `contents` to the file atomically (see [`zatca_fs::write_atomic`]).
    pub fn write(&self, contents: &[u8], options: zatca_fs::WriteOptions) -> Result<(), CliError> {
        zatca_fs::write_atomic(self.path, contents, options).map_err(|e| self.fs_error(&e))
    }

    /// `e` about this file: its message prefixed with the flag and the file
    /// (an error already printed is left alone).
    pub fn error(&self, e: impl Into<CliError>) -> CliError {
        let mut err = e.into();
        if !err.printed {
            err.message = format!("{}: {}", self.label(), err.message);
        }
        err
    }

    /// A file error, with the flag named; the code is that of [`CliError::from`].
    pub fn fs_error(&self, e: &FsError) -> CliError {
        let code = CliError::from(e.clone()).code;
        let message = match e {
            FsError::Exists { .. } => format!("{} {}", self.label(), e.problem()),
            _ => format!("{}: {}", self.label(), e.problem()),
        };
        CliError::new(code, message)
    }

    /// A new error with exit code `code` about this file.
    pub fn error_with(&self, code: Code, message: impl std::fmt::Display) -> CliError {
        CliError::new(code, format!("{}: {message}", self.label()))
    }
}
