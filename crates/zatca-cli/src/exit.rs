//! Exit codes and the CLI's error type. The table is documented in the README.

use std::process::ExitCode;

/// The documented exit codes of `zatca`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 1: the input is invalid (validation errors, malformed or unsupported file).
    Invalid = 1,
    // 2 is clap's usage error.
    /// 3: a check failed (signature, certificate, pre-flight check).
    CheckFailed = 3,
    /// 4: a file could not be read or written, or would have been overwritten.
    Io = 4,
    #[allow(dead_code)] // used once the lifecycle commands land
    /// 5: the operation was refused by the device lifecycle or by ZATCA.
    Refused = 5,
}

/// An error on its way to stderr, with the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    /// Exit code.
    pub code: Code,
    /// Human-readable message (never holds secrets).
    pub message: String,
    /// Already printed (e.g. a JSON error document on stdout): only set the exit code.
    pub printed: bool,
}

impl CliError {
    /// A new error with a message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            printed: false,
        }
    }

    /// An error whose report was already printed.
    #[allow(dead_code)]
    pub fn printed(code: Code) -> Self {
        Self {
            code,
            message: String::new(),
            printed: true,
        }
    }

    /// Prints the message to stderr and returns the exit code.
    pub fn report(self) -> ExitCode {
        if !self.printed {
            eprintln!("error: {}", self.message);
        }
        ExitCode::from(self.code as u8)
    }
}

impl From<zatca_keys::KeyError> for CliError {
    fn from(e: zatca_keys::KeyError) -> Self {
        use zatca_keys::KeyError as K;
        let code = match &e {
            K::FileExists { .. } | K::Io { .. } => Code::Io,
            K::BadSignature => Code::CheckFailed,
            _ => Code::Invalid,
        };
        Self::new(code, e.to_string())
    }
}
