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
    /// The `ErrorList` entries of a lifecycle error, for `--json` answers.
    pub entries: Vec<zatca_onboarding::ErrorEntry>,
}

impl Code {
    /// The code of a lifecycle error's kind (the README's table).
    pub fn of_kind(kind: zatca_onboarding::ErrorKind) -> Self {
        use zatca_onboarding::ErrorKind as K;
        match kind {
            K::Invalid | K::NotFound | K::Locked => Self::Invalid,
            K::CheckFailed => Self::CheckFailed,
            K::Io | K::Corrupt | K::StoreUnavailable => Self::Io,
            _ => Self::Refused,
        }
    }
}

impl CliError {
    /// A new error with a message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            printed: false,
            entries: Vec::new(),
        }
    }

    /// The `ErrorList` entries for a `--json` answer: the lifecycle's own, or
    /// one entry `ZC<exit code>` with the message.
    pub fn answer_entries(&self) -> Vec<zatca_onboarding::ErrorEntry> {
        if !self.entries.is_empty() {
            return self.entries.clone();
        }
        vec![zatca_onboarding::ErrorEntry::new(
            format!("ZC{:03}", self.code as u8),
            self.message.clone(),
            zatca_onboarding::ErrorSource::Local,
        )]
    }

    /// An error whose report was already printed.
    #[allow(dead_code)]
    pub fn printed(code: Code) -> Self {
        Self {
            code,
            message: String::new(),
            printed: true,
            entries: Vec::new(),
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

/// A file that could not be read or written: exit 4, except a file too large
/// to be what it should be, which is invalid input (exit 1).
impl From<zatca_fs::FsError> for CliError {
    fn from(e: zatca_fs::FsError) -> Self {
        let code = match &e {
            zatca_fs::FsError::TooLarge { .. } => Code::Invalid,
            _ => Code::Io,
        };
        Self::new(code, e.to_string())
    }
}

impl From<zatca_ubl::UblError> for CliError {
    fn from(e: zatca_ubl::UblError) -> Self {
        use zatca_ubl::UblError as U;
        match e {
            // A signature, digest or certificate value that does not match.
            U::KeyCertificateMismatch
            | U::InvoiceDigestMismatch { .. }
            | U::SignatureValueInvalid
            | U::SignedPropertiesDigestMismatch { .. }
            | U::CertDigestMismatch { .. }
            | U::IssuerSerialMismatch { .. }
            | U::QrMismatch { .. } => Self::new(Code::CheckFailed, e.to_string()),
            U::Certificate(c) => c.into(),
            U::Sign(s) => s.into(),
            // Every other invoice error is a problem with the input document.
            other => Self::new(Code::Invalid, other.to_string()),
        }
    }
}

impl From<zatca_csr::CsrError> for CliError {
    fn from(e: zatca_csr::CsrError) -> Self {
        use zatca_csr::CsrError as C;
        let code = match &e {
            C::BadSignature => Code::CheckFailed,
            C::Key(k) => return k.clone().into(),
            _ => Code::Invalid,
        };
        Self::new(code, e.to_string())
    }
}

impl From<zatca_cert::CertError> for CliError {
    fn from(e: zatca_cert::CertError) -> Self {
        use zatca_cert::CertError as C;
        let code = match &e {
            C::Io { .. } => Code::Io,
            C::KeyMismatch
            | C::MissingSanField { .. }
            | C::VatMismatch { .. }
            | C::InvoiceTypesNotCovered { .. }
            | C::NotYetValid { .. }
            | C::Expired { .. }
            | C::SharedSandboxCertificate => Code::CheckFailed,
            _ => Code::Invalid,
        };
        Self::new(code, e.to_string())
    }
}

impl From<zatca_fatoora::CsidError> for CliError {
    fn from(e: zatca_fatoora::CsidError) -> Self {
        use zatca_fatoora::CsidError as C;
        let code = match &e {
            C::Rejected { .. } => Code::Refused,
            // A bad token is a bad certificate: its code is the certificate's.
            C::Certificate(cert) => Self::from(cert.clone()).code,
            _ => Code::Invalid,
        };
        Self::new(code, e.to_string())
    }
}

impl From<zatca_sign::SignError> for CliError {
    fn from(e: zatca_sign::SignError) -> Self {
        match e {
            zatca_sign::SignError::Key(k) => k.into(),
            other => Self::new(Code::Invalid, other.to_string()),
        }
    }
}

/// Exit code when stdout is closed early (`zatca … | head`), as a shell reports SIGPIPE.
pub const BROKEN_PIPE: i32 = 141;

/// Makes a closed stdout end the process quietly with [`BROKEN_PIPE`] instead of a
/// panic report: `println!` panics on a broken pipe, and Rust ignores SIGPIPE.
pub fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE);
        }
        default(info);
    }));
}

impl From<zatca_onboarding::OnboardingError> for CliError {
    fn from(e: zatca_onboarding::OnboardingError) -> Self {
        let mut error = Self::new(Code::of_kind(e.kind()), e.to_string());
        error.entries = e.entries();
        error
    }
}

#[cfg(feature = "http")]
impl From<zatca_http::HttpError> for CliError {
    fn from(e: zatca_http::HttpError) -> Self {
        use zatca_http::HttpError as H;
        let code = match &e {
            // The CLI refuses a non-loopback address while parsing (exit 2);
            // any other caller's is a bad input, not a refusal by ZATCA.
            H::Bind { .. } => Code::Io,
            _ => Code::Invalid,
        };
        Self::new(code, e.to_string())
    }
}
