//! The one-time password a device is onboarded with, and the one rule it must pass.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::ErrorCode;
use crate::values::{Environment, is_control_character};

/// A one-time password from a request: zeroized on drop, not `Clone`, and its
/// `Debug` prints nothing of it.
pub struct Otp(Zeroizing<String>);

impl Otp {
    /// Wraps an OTP.
    pub fn new(otp: String) -> Self {
        Self(Zeroizing::new(otp))
    }

    /// The OTP itself, for the `OTP` header of the compliance call.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Six ASCII digits, the form the simulation and production portals issue.
    pub fn is_well_formed(&self) -> bool {
        self.0.len() == 6 && self.0.bytes().all(|b| b.is_ascii_digit())
    }

    /// The OTP rule of `environment`: development (the developer-portal
    /// sandbox) accepts any non-empty OTP; simulation and production need the
    /// 6 ASCII digits their Fatoora portal issues. With no environment known
    /// yet (`None`), the OTP must pass every environment's rule, i.e. be 6
    /// digits. In every environment it must not be blank (an HTTP header is
    /// trimmed, so a blank one arrives empty) nor hold a control character
    /// ([`crate::is_control_character`]).
    ///
    /// ```
    /// use zatca_profile::{Environment, Otp, OtpError};
    /// let sandbox = Otp::new("any-string".to_owned());
    /// assert_eq!(sandbox.check(Some(Environment::Development)), Ok(()));
    /// let environment = Some(Environment::Simulation);
    /// assert_eq!(sandbox.check(environment), Err(OtpError::NotSixDigits { environment }));
    /// assert_eq!(Otp::new("123456".to_owned()).check(None), Ok(()));
    /// assert_eq!(Otp::new(" ".to_owned()).check(Some(Environment::Development)), Err(OtpError::Empty));
    /// ```
    pub fn check(&self, environment: Option<Environment>) -> Result<(), OtpError> {
        if self.0.trim().is_empty() {
            return Err(OtpError::Empty);
        }
        if self.0.chars().any(is_control_character) {
            return Err(OtpError::ControlCharacter);
        }
        match environment {
            Some(Environment::Development) => Ok(()),
            _ if self.is_well_formed() => Ok(()),
            _ => Err(OtpError::NotSixDigits { environment }),
        }
    }
}

impl fmt::Debug for Otp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Otp(<redacted>)")
    }
}

/// Why an OTP fails [`Otp::check`]. Neither this nor its message holds any
/// part of the OTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtpError {
    /// Empty or blank: no environment accepts it.
    Empty,
    /// It holds a control character: no environment accepts it.
    ControlCharacter,
    /// Not 6 ASCII digits, in simulation or production, or (`None`) with no
    /// environment known to say that any OTP will do.
    NotSixDigits {
        /// The environment whose rule it fails.
        environment: Option<Environment>,
    },
}

impl OtpError {
    /// The validation code it is reported with: ZP005, ZP052 or ZP080.
    pub const fn code(self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::Empty,
            Self::ControlCharacter => ErrorCode::ControlCharacter,
            Self::NotSixDigits { .. } => ErrorCode::OtpFormat,
        }
    }
}

impl fmt::Display for OtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str(
                "the OTP is empty; every environment needs one (development takes any text, simulation and production the 6-digit OTP of their Fatoora portal)",
            ),
            Self::ControlCharacter => f.write_str(
                "the OTP holds a control character (which one is not shown: the OTP is secret); no environment accepts one",
            ),
            Self::NotSixDigits {
                environment: Some(e),
            } => write!(
                f,
                "{} needs the 6-digit one-time password from its Fatoora portal (value not shown)",
                e.as_str()
            ),
            Self::NotSixDigits { environment: None } => f.write_str(
                "the OTP must be the 6-digit one-time password from the Fatoora portal (value not shown); only development takes any other, and no environment is named",
            ),
        }
    }
}

impl std::error::Error for OtpError {}
