//! Newtypes that can only hold valid values.
//!
//! Each `parse` returns a [`ValidationError`] with an empty path; the request
//! validator fills in the path of the field in the shape it came in.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::country;
use crate::error::{ErrorCode, ValidationError};

fn err(code: ErrorCode, message: impl Into<String>) -> ValidationError {
    ValidationError::new(code, "", message)
}

macro_rules! serialize_as_str {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

/// Which validation rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ValidationProfile {
    /// What ZATCA and its SDK enforce (the default).
    #[default]
    Sdk,
    /// The `sdk` rules plus ClearTax's tighter ones: every EGS serial part
    /// `[A-Za-z0-9]+`, and TSXY's reserved X and Y zero.
    Strict,
}

impl ValidationProfile {
    /// `sdk` or `strict`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sdk => "sdk",
            Self::Strict => "strict",
        }
    }
}

impl FromStr for ValidationProfile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sdk" => Ok(Self::Sdk),
            "strict" | "cleartax" => Ok(Self::Strict),
            _ => Err(format!(
                "unknown validation profile {s:?}; expected sdk or strict"
            )),
        }
    }
}

serialize_as_str!(ValidationProfile);

/// A Saudi VAT registration number: 15 ASCII digits, first and last `3`.
///
/// ```
/// use zatca_profile::Vat;
/// let vat: Vat = "399999999900003".parse()?;
/// assert!(!vat.is_group());
/// assert!("399999999910003".parse::<Vat>()?.is_group());
/// assert!("39999999990000".parse::<Vat>().is_err());
/// # Ok::<(), zatca_profile::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vat(String);

impl Vat {
    /// Validates a VAT number.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        if s.len() != 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(
                ErrorCode::VatFormat,
                format!(
                    "the VAT number must be exactly 15 digits (0-9), e.g. 399999999900003; got {s:?} ({} characters)",
                    s.chars().count()
                ),
            ));
        }
        if !(s.starts_with('3') && s.ends_with('3')) {
            return Err(err(
                ErrorCode::VatBounds,
                format!("the VAT number must start and end with 3; got {s:?}"),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The 15 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A VAT group number: the 11th digit is `1` (the SDK's rule; its OU must
    /// then be the member's 10-digit TIN).
    pub fn is_group(&self) -> bool {
        self.0.as_bytes().get(10) == Some(&b'1')
    }
}

impl FromStr for Vat {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// An EGS serial number `1-<manufacturer>|2-<model>|3-<serial>`.
///
/// Under [`ValidationProfile::Sdk`] the rule is the SDK's: it matches
/// `1-(.+)\|2-(.+)\|3-(.+)` and holds no `=`. Under
/// [`ValidationProfile::Strict`] every part is also `[A-Za-z0-9]+`.
///
/// ```
/// use zatca_profile::{EgsSerial, ValidationProfile};
/// let s = EgsSerial::parse("1-TST|2-TST|3-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f", ValidationProfile::Sdk)?;
/// assert_eq!(s.model(), "TST");
/// assert!(EgsSerial::parse(s.as_str(), ValidationProfile::Strict).is_err());
/// # Ok::<(), zatca_profile::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EgsSerial {
    text: String,
    /// Byte offsets of `|2-` and `|3-`.
    split: (usize, usize),
}

impl EgsSerial {
    /// Upper bound in characters (X.520 `ub-name` 32768: the SAN SN is surname, 2.5.4.4).
    pub const MAX_CHARS: usize = 32768;

    /// Validates an EGS serial under `profile`.
    pub fn parse(s: &str, profile: ValidationProfile) -> Result<Self, ValidationError> {
        refuse_control_characters("the EGS serial number", s)?;
        let format_err = || {
            err(
                ErrorCode::SerialFormat,
                format!(
                    "the EGS serial number must be 1-<manufacturer>|2-<model>|3-<serial number> with no part empty, e.g. 1-TST|2-TST|3-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f; got {s:?} ({} profile)",
                    profile.as_str()
                ),
            )
        };
        let split = Self::split_sdk(s).ok_or_else(format_err)?;
        let chars = s.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(err(
                ErrorCode::TooLong,
                format!(
                    "the EGS serial number is {chars} characters, over the X.520 name limit of {} characters",
                    Self::MAX_CHARS
                ),
            ));
        }
        if s.contains('=') {
            return Err(err(
                ErrorCode::SerialEquals,
                format!(
                    "the EGS serial number must not contain '='; got {s:?} ({} profile)",
                    profile.as_str()
                ),
            ));
        }
        let serial = Self {
            text: s.to_owned(),
            split,
        };
        if profile == ValidationProfile::Strict {
            for (n, part) in [
                (1, serial.manufacturer()),
                (2, serial.model()),
                (3, serial.serial()),
            ] {
                if !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(err(
                        ErrorCode::SerialStrictChars,
                        format!(
                            "part {n} of the EGS serial number, {part:?}, may hold only letters A-Z, a-z and digits 0-9 (strict profile; the sdk profile accepts it)"
                        ),
                    ));
                }
            }
        }
        Ok(serial)
    }

    /// ZATCA's form of a plain serial: `1-<solution>|2-<model>|3-<serial>`.
    /// The other provider's register request documents its `egsSerialNumber`
    /// only as "a unique string identifier assigned to each device", while
    /// ZATCA's CSR needs the three parts, so a service completes it with its
    /// own solution name and model (version). `None` when `serial` needs no
    /// completion: it is blank, starts with `1-` or holds a `|` (it is meant
    /// to be in ZATCA's form already, right or wrong).
    ///
    /// ```
    /// use zatca_profile::EgsSerial;
    /// assert_eq!(EgsSerial::complete("SN123456789", "zatca", "0.1.0").as_deref(), Some("1-zatca|2-0.1.0|3-SN123456789"));
    /// assert_eq!(EgsSerial::complete("1-TST|2-TST|3-1", "zatca", "0.1.0"), None);
    /// assert_eq!(EgsSerial::complete("  ", "zatca", "0.1.0"), None);
    /// ```
    pub fn complete(serial: &str, solution: &str, model: &str) -> Option<String> {
        let serial = serial.trim();
        (!serial.is_empty() && !serial.starts_with("1-") && !serial.contains('|'))
            .then(|| format!("1-{solution}|2-{model}|3-{serial}"))
    }

    /// Finds a split matching the SDK's `1-(.+)\|2-(.+)\|3-(.+)` (Java `.`
    /// excludes line terminators). The first `|2-` and the last `|3-` give a
    /// match whenever any split does.
    fn split_sdk(s: &str) -> Option<(usize, usize)> {
        const LINE_TERMINATORS: [char; 5] = ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];
        if !s.starts_with("1-") || s.contains(LINE_TERMINATORS) {
            return None;
        }
        let (two, _) = s.match_indices("|2-").find(|(i, _)| *i >= 3)?;
        let three = s.rfind("|3-")?;
        (three >= two + 4 && three + 3 < s.len()).then_some((two, three))
    }

    /// The whole serial.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Part 1, the manufacturer (or solution name).
    pub fn manufacturer(&self) -> &str {
        self.text.get(2..self.split.0).unwrap_or_default()
    }

    /// Part 2, the model (or version).
    pub fn model(&self) -> &str {
        self.text
            .get(self.split.0 + 3..self.split.1)
            .unwrap_or_default()
    }

    /// Part 3, the device serial number.
    pub fn serial(&self) -> &str {
        self.text.get(self.split.1 + 3..).unwrap_or_default()
    }
}

/// The document types a device may issue: ZATCA's TSXY flags
/// (T standard tax invoices, S simplified, X and Y reserved).
///
/// Always a four-character string: `0100` keeps its leading zero.
///
/// ```
/// use zatca_profile::{InvoiceTypes, ValidationProfile};
/// let both = InvoiceTypes::parse("Both", ValidationProfile::Sdk)?;
/// assert_eq!(both.as_str(), "1100");
/// let simplified = InvoiceTypes::parse("0100", ValidationProfile::Sdk)?;
/// assert!(simplified.simplified() && !simplified.standard());
/// assert!(both.covers(&simplified) && !simplified.covers(&both));
/// # Ok::<(), zatca_profile::ValidationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvoiceTypes(u8);

const TSXY: [&str; 16] = [
    "0000", "0001", "0010", "0011", "0100", "0101", "0110", "0111", "1000", "1001", "1010", "1011",
    "1100", "1101", "1110", "1111",
];

impl InvoiceTypes {
    /// Standard (B2B) tax invoices only: `1000`.
    pub const STANDARD: Self = Self(0b1000);
    /// Simplified (B2C) invoices only: `0100`.
    pub const SIMPLIFIED: Self = Self(0b0100);
    /// Both: `1100`.
    pub const BOTH: Self = Self(0b1100);
    /// What a request that omits its invoice type gets: `1100`, both. ClearTax's
    /// register-device documents `InvoiceType` as optional with "Default: 1100";
    /// the other provider's documents it as optional with the same TSXY pattern;
    /// and the SDK's example configs carry `1100` since R3.3.3 (`1111` before).
    pub const DEFAULT: Self = Self::BOTH;

    /// Reads TSXY (`1100`) or a name (`Standard`, `Simplified`, `Both`, any case).
    pub fn parse(s: &str, profile: ValidationProfile) -> Result<Self, ValidationError> {
        let named = match s.to_ascii_lowercase().as_str() {
            "standard" => Some(Self::STANDARD),
            "simplified" => Some(Self::SIMPLIFIED),
            "both" => Some(Self::BOTH),
            _ => None,
        };
        if let Some(t) = named {
            return Ok(t);
        }
        if s.len() != 4 || !s.bytes().all(|b| b == b'0' || b == b'1') {
            return Err(err(
                ErrorCode::InvoiceTypeFormat,
                format!(
                    "the invoice type must be four characters of 0 or 1 (TSXY: T standard, S simplified, X and Y reserved), e.g. \"1100\", or one of Standard, Simplified, Both; got {s:?}"
                ),
            ));
        }
        let bits = s
            .bytes()
            .fold(0u8, |acc, b| (acc << 1) | u8::from(b == b'1'));
        if bits == 0 {
            return Err(err(
                ErrorCode::InvoiceTypeNone,
                "the invoice type 0000 allows no document type; use 1000 (standard), 0100 (simplified) or 1100 (both)",
            ));
        }
        if profile == ValidationProfile::Strict && bits & 0b0011 != 0 {
            return Err(err(
                ErrorCode::InvoiceTypeReserved,
                format!(
                    "the invoice type's X and Y positions are reserved and must be 0 (strict profile; the sdk profile accepts it); got {s:?}"
                ),
            ));
        }
        Ok(Self(bits))
    }

    /// The name the other provider's register response gives the types
    /// (`invoiceType`): `Standard` (T only), `Simplified` (S only) or `Both`
    /// (T and S; the reserved X and Y do not change the name); `None` for
    /// types with neither T nor S (`0010`), which that enum cannot name. Its response
    /// table swaps the descriptions of `Simplified` and `Standard`; the names
    /// follow the request side's meaning, as [`Self::parse`] reads them.
    ///
    /// ```
    /// use zatca_profile::{InvoiceTypes, ValidationProfile};
    /// let name = |tsxy| InvoiceTypes::parse(tsxy, ValidationProfile::Sdk).map(|t| t.name());
    /// assert_eq!(name("1000")?, Some("Standard"));
    /// assert_eq!(name("0100")?, Some("Simplified"));
    /// assert_eq!(name("1101")?, Some("Both"));
    /// assert_eq!(name("0010")?, None);
    /// # Ok::<(), zatca_profile::ValidationError>(())
    /// ```
    pub const fn name(&self) -> Option<&'static str> {
        match (self.standard(), self.simplified()) {
            (true, false) => Some("Standard"),
            (false, true) => Some("Simplified"),
            (true, true) => Some("Both"),
            (false, false) => None,
        }
    }

    /// The four characters, e.g. `1100`.
    pub fn as_str(&self) -> &'static str {
        TSXY.get(usize::from(self.0 & 0x0f))
            .copied()
            .unwrap_or("0000")
    }

    /// T: standard (B2B) tax invoices.
    pub const fn standard(&self) -> bool {
        self.0 & 0b1000 != 0
    }

    /// S: simplified (B2C) invoices.
    pub const fn simplified(&self) -> bool {
        self.0 & 0b0100 != 0
    }

    /// Every type `other` allows, this allows too.
    pub const fn covers(&self, other: &Self) -> bool {
        self.0 & other.0 == other.0
    }
}

/// An ISO 3166-1 alpha-2 country code (an assigned one, in capitals).
///
/// ```
/// use zatca_profile::CountryCode;
/// assert_eq!("SA".parse::<CountryCode>()?.as_str(), "SA");
/// assert!("XX".parse::<CountryCode>().is_err());
/// assert!("SAU".parse::<CountryCode>().is_err());
/// # Ok::<(), zatca_profile::ValidationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode(&'static str);

impl CountryCode {
    /// Validates a country code against the ISO 3166-1 list.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        if let Some(code) = country::lookup(s) {
            return Ok(Self(code));
        }
        let hint = if country::lookup(&s.to_ascii_uppercase()).is_some() {
            " (write it in capitals)"
        } else {
            ""
        };
        Err(err(
            ErrorCode::Country,
            format!("the country must be an ISO 3166-1 alpha-2 code such as SA; got {s:?}{hint}"),
        ))
    }

    /// The two letters.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }
}

impl FromStr for CountryCode {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

pub use zatca_types::Environment;

serialize_as_str!(CountryCode, InvoiceTypes, Vat, EgsSerial);

/// Reads a value back from a file this toolkit wrote (SDK rules, as it was validated).
macro_rules! deserialize_by_parse {
    ($($t:ty => $parse:expr),* $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                let parse: fn(&str) -> Result<$t, ValidationError> = $parse;
                parse(&text).map_err(|e| serde::de::Error::custom(e.message))
            }
        }
    )*};
}

deserialize_by_parse!(
    Vat => Vat::parse,
    EgsSerial => |s| EgsSerial::parse(s, ValidationProfile::Sdk),
    InvoiceTypes => |s| InvoiceTypes::parse(s, ValidationProfile::Sdk),
    InvoiceFormat => str::parse,
);

impl zatca_types::DocumentKinds for InvoiceTypes {
    fn standard(&self) -> bool {
        InvoiceTypes::standard(self)
    }
    fn simplified(&self) -> bool {
        InvoiceTypes::simplified(self)
    }
}

/// The invoice format of the second provider's shape (`InvoiceFormat`).
/// It does not enter the CSR; it is validated and kept for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvoiceFormat {
    /// `Xml`.
    Xml,
    /// `Pdf`.
    Pdf,
    /// `Model`.
    Model,
}

impl InvoiceFormat {
    /// `Xml`, `Pdf` or `Model`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Xml => "Xml",
            Self::Pdf => "Pdf",
            Self::Model => "Model",
        }
    }
}

impl FromStr for InvoiceFormat {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "xml" => Ok(Self::Xml),
            "pdf" => Ok(Self::Pdf),
            "model" => Ok(Self::Model),
            _ => Err(err(
                ErrorCode::InvoiceFormatUnknown,
                format!("the invoice format must be Xml, Pdf or Model; got {s:?}"),
            )),
        }
    }
}

serialize_as_str!(InvoiceFormat);

/// Characters the SDK forbids in CN, O, OU, location and industry (its rules as
/// `Saleh7/php-zatca-xml` documents them from SDK R3.4.8).
pub const FORBIDDEN_CHARACTERS: [char; 9] = ['!', '@', '#', '$', '%', '&', '*', '_', '<'];

/// Whether `c` is a control character, refused in every field (ZP052): C0
/// (U+0000–U+001F, tab and line feed included), DEL (U+007F), C1
/// (U+0080–U+009F), and the bidirectional embedding, override and isolate
/// controls (U+202A–U+202E, U+2066–U+2069).
///
/// They would be copied into the certificate's subject, where nobody can see
/// them, and print raw to a terminal (an ESC starts an escape sequence); a
/// bidi override makes a name display in an order other than the one signed,
/// the "Trojan Source" spoof. The bidi *marks* (U+200E, U+200F, U+061C) are
/// allowed: they only nudge neutral characters, and Arabic text uses them.
///
/// ```
/// use zatca_profile::is_control_character;
/// assert!(is_control_character('\u{1b}') && is_control_character('\u{202e}'));
/// assert!(!is_control_character('\u{200f}') && !is_control_character('ب'));
/// ```
pub const fn is_control_character(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most this many control characters are named in one message.
const CONTROL_CHARACTERS_SHOWN: usize = 5;

/// Refuses `s` if it holds a control character (ZP052), naming each as an
/// escape (`U+001B`) with its position; `what` names the field.
pub(crate) fn refuse_control_characters(what: &str, s: &str) -> Result<(), ValidationError> {
    let mut found = s
        .chars()
        .enumerate()
        .filter(|(_, c)| is_control_character(*c));
    let Some(first) = found.next() else {
        return Ok(());
    };
    let shown: Vec<String> = std::iter::once(first)
        .chain(found.by_ref().take(CONTROL_CHARACTERS_SHOWN - 1))
        .map(|(i, c)| format!("U+{:04X} at character {}", u32::from(c), i + 1))
        .collect();
    let more = if found.next().is_some() {
        ", and more"
    } else {
        ""
    };
    let plural = if shown.len() == 1 { "" } else { "s" };
    Err(err(
        ErrorCode::ControlCharacter,
        format!(
            "{what} contains the control character{plural} {}{more}; control characters (U+0000-U+001F, U+007F-U+009F, bidirectional overrides and isolates U+202A-U+202E, U+2066-U+2069) are refused in every field: they would reach the certificate unseen and print raw to terminals; remove them",
            shown.join(", ")
        ),
    ))
}

/// The SDK's rules for CN, O, OU, location and industry, and the X.520 upper
/// bound `max_chars`, counted in characters (Unicode scalar values) as X.520
/// counts them, not in UTF-8 bytes.
fn check_text(s: &str, what: &str, max_chars: usize) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(err(
            ErrorCode::Empty,
            format!("the {what} must not be empty"),
        ));
    }
    refuse_control_characters(&format!("the {what}"), s)?;
    let bad: String = s
        .chars()
        .filter(|c| FORBIDDEN_CHARACTERS.contains(c))
        .collect();
    if !bad.is_empty() {
        return Err(err(
            ErrorCode::ForbiddenCharacter,
            format!(
                "the {what} contains {bad:?}; ZATCA's SDK forbids the characters ! @ # $ % & * _ < in it; got {s:?}"
            ),
        ));
    }
    let chars = s.chars().count();
    if chars > max_chars {
        return Err(err(
            ErrorCode::TooLong,
            format!(
                "the {what} is {chars} characters, over its X.520 limit of {max_chars} characters; shorten it"
            ),
        ));
    }
    Ok(())
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Upper bound in characters (Unicode scalar values), X.520's.
            pub const MAX_CHARS: usize = $max;

            /// Validates: non-empty, no control character ([`is_control_character`]), none of [`FORBIDDEN_CHARACTERS`], at most [`Self::MAX_CHARS`] characters.
            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                check_text(s, $what, $max)?;
                Ok(Self(s.to_owned()))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        serialize_as_str!($name);
    };
}

text_newtype!(
    /// The subject CN (X.520 `ub-common-name` 64).
    CommonName,
    "common name",
    64
);
text_newtype!(
    /// The subject O (X.520 `ub-organization-name` 64).
    OrganizationName,
    "organization name",
    64
);
text_newtype!(
    /// The subject OU: a branch name, or for a VAT group the member's 10-digit TIN
    /// (X.520 `ub-organizational-unit-name` 64).
    OrganizationUnit,
    "organization unit name",
    64
);
text_newtype!(
    /// The SAN registeredAddress: the device's location (X.520 PostalAddress,
    /// `ub-postal-line` 6 × `ub-postal-string` 30 = 180).
    Location,
    "location",
    180
);
text_newtype!(
    /// The SAN businessCategory: the industry (X.520 `ub-business-category` 128).
    Industry,
    "industry",
    128
);
