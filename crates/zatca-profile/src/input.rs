//! Reading a request in one of the three shapes into raw fields.
//!
//! Nothing is validated here except what reading needs; [`RequestInput::validate`]
//! does the rest and reports every problem at once.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{ErrorCode, ValidationError, ValidationErrors};
use crate::otp::Otp;
use crate::values::EgsSerial;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The largest request accepted, checked before parsing (1 MiB).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// The shape a request came in; it decides the field paths in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputShape {
    /// ClearTax's register-device JSON (`DeviceDetails`, `OrganizationDetails`, `Otp`).
    ClearTax,
    /// The other provider's JSON (`Device`, `Organization`, `Environment`, `OTP`,
    /// `InvoiceFormat`); it has no common name (see the crate docs for the derivation).
    Provider,
    /// The official SDK's `csr-config.properties` (`csr.common.name`, …).
    SdkProperties,
    /// Values read back from a CSR.
    Csr,
}

impl InputShape {
    /// A short name: `cleartax`, `provider`, `sdk-properties` or `csr`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ClearTax => "cleartax",
            Self::Provider => "provider",
            Self::SdkProperties => "sdk-properties",
            Self::Csr => "csr",
        }
    }

    /// The path of `field` in this shape, as errors report it.
    pub const fn path(self, field: Field) -> &'static str {
        use Field as F;
        match self {
            Self::ClearTax => match field {
                F::CommonName => "DeviceDetails.CommonName",
                F::EgsSerial => "DeviceDetails.EgsSerialNumber",
                F::Location => "DeviceDetails.Location",
                F::Industry => "DeviceDetails.Industry",
                F::InvoiceType => "DeviceDetails.InvoiceType",
                F::Vat => "OrganizationDetails.Vat",
                F::OrganizationName => "OrganizationDetails.OrganizationName",
                F::OrganizationUnit => "OrganizationDetails.OrganizationUnitName",
                F::Country => "OrganizationDetails.CountryCode",
                F::Environment => "Environment",
                F::InvoiceFormat => "InvoiceFormat",
                F::Otp => "Otp",
            },
            Self::Provider => match field {
                F::CommonName => "Device.CommonName",
                F::EgsSerial => "Device.EgsSerialNumber",
                F::Location => "Device.Location",
                F::Industry => "Device.Industry",
                F::InvoiceType => "Device.InvoiceType",
                F::Vat => "Organization.Vat",
                F::OrganizationName => "Organization.OrganizationName",
                F::OrganizationUnit => "Organization.OrganizationUnitName",
                F::Country => "Organization.CountryCode",
                F::Environment => "Environment",
                F::InvoiceFormat => "InvoiceFormat",
                F::Otp => "OTP",
            },
            Self::SdkProperties => match field {
                F::CommonName => "csr.common.name",
                F::EgsSerial => "csr.serial.number",
                F::Location => "csr.location.address",
                F::Industry => "csr.industry.business.category",
                F::InvoiceType => "csr.invoice.type",
                F::Vat => "csr.organization.identifier",
                F::OrganizationName => "csr.organization.name",
                F::OrganizationUnit => "csr.organization.unit.name",
                F::Country => "csr.country.name",
                F::Environment => "environment",
                F::InvoiceFormat => "invoiceFormat",
                F::Otp => "otp",
            },
            Self::Csr => match field {
                F::CommonName => "subject.CN",
                F::EgsSerial => "subjectAltName.SN",
                F::Location => "subjectAltName.registeredAddress",
                F::Industry => "subjectAltName.businessCategory",
                F::InvoiceType => "subjectAltName.title",
                F::Vat => "subjectAltName.UID",
                F::OrganizationName => "subject.O",
                F::OrganizationUnit => "subject.OU",
                F::Country => "subject.C",
                F::Environment => "extensionRequest.certificateTemplateName",
                F::InvoiceFormat => "invoiceFormat",
                F::Otp => "otp",
            },
        }
    }

    /// Where `field` sits in a JSON shape: (parent object, key). `None` for
    /// fields the shape does not carry.
    const fn json_location(self, field: Field) -> Option<(Option<&'static str>, &'static str)> {
        use Field as F;
        let (device, org, otp) = match self {
            Self::ClearTax => ("DeviceDetails", "OrganizationDetails", "Otp"),
            Self::Provider => ("Device", "Organization", "OTP"),
            Self::SdkProperties | Self::Csr => return None,
        };
        Some(match field {
            F::CommonName => (Some(device), "CommonName"),
            F::EgsSerial => (Some(device), "EgsSerialNumber"),
            F::Location => (Some(device), "Location"),
            F::Industry => (Some(device), "Industry"),
            F::InvoiceType => (Some(device), "InvoiceType"),
            F::Vat => (Some(org), "Vat"),
            F::OrganizationName => (Some(org), "OrganizationName"),
            F::OrganizationUnit => (Some(org), "OrganizationUnitName"),
            F::Country => (Some(org), "CountryCode"),
            F::Environment => (None, "Environment"),
            F::InvoiceFormat => (None, "InvoiceFormat"),
            F::Otp => (None, otp),
        })
    }
}

impl fmt::Display for InputShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field of a request, whatever its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// Subject CN.
    CommonName,
    /// EGS serial number (SAN SN).
    EgsSerial,
    /// Subject OU.
    OrganizationUnit,
    /// Subject O.
    OrganizationName,
    /// VAT number (SAN UID).
    Vat,
    /// Subject C.
    Country,
    /// TSXY (SAN title).
    InvoiceType,
    /// Location (SAN registeredAddress).
    Location,
    /// Industry (SAN businessCategory).
    Industry,
    /// Development, simulation or production.
    Environment,
    /// Xml, Pdf or Model (second provider's shape only).
    InvoiceFormat,
    /// The one-time password (never part of a profile).
    Otp,
}

impl Field {
    /// The nine fields a CSR carries, in reporting order. A request must give
    /// each, except the invoice type, which defaults to [`crate::InvoiceTypes::DEFAULT`].
    pub const CSR: [Self; 9] = [
        Self::CommonName,
        Self::EgsSerial,
        Self::Location,
        Self::Industry,
        Self::InvoiceType,
        Self::Vat,
        Self::OrganizationName,
        Self::OrganizationUnit,
        Self::Country,
    ];

    const SDK_KEYS: [(&'static str, Self); 9] = [
        ("csr.common.name", Self::CommonName),
        ("csr.serial.number", Self::EgsSerial),
        ("csr.organization.identifier", Self::Vat),
        ("csr.organization.unit.name", Self::OrganizationUnit),
        ("csr.organization.name", Self::OrganizationName),
        ("csr.country.name", Self::Country),
        ("csr.invoice.type", Self::InvoiceType),
        ("csr.location.address", Self::Location),
        ("csr.industry.business.category", Self::Industry),
    ];
}

/// A request read into raw fields, not yet validated.
///
/// ```
/// use zatca_profile::{Field, InputShape, RequestInput};
/// let input = RequestInput::from_bytes(b"csr.common.name=TST-1\ncsr.country.name=SA\n")?;
/// assert_eq!(input.shape(), InputShape::SdkProperties);
/// assert_eq!(input.get(Field::Country), Some("SA"));
/// # Ok::<(), zatca_profile::ValidationErrors>(())
/// ```
#[derive(Debug)]
pub struct RequestInput {
    shape: InputShape,
    values: BTreeMap<Field, String>,
    otp: Option<Otp>,
    /// Non-fatal reading problems, with the field they concern.
    problems: Vec<(Option<Field>, ValidationError)>,
}

impl RequestInput {
    /// An empty request of `shape`, to be filled with [`Self::with`].
    pub fn new(shape: InputShape) -> Self {
        Self {
            shape,
            values: BTreeMap::new(),
            otp: None,
            problems: Vec::new(),
        }
    }

    /// Sets a field (an OTP given here is wrapped in [`Otp`]).
    #[must_use]
    pub fn with(mut self, field: Field, value: impl Into<String>) -> Self {
        if field == Field::Otp {
            self.otp = Some(Otp::new(value.into()));
        } else {
            self.values.insert(field, value.into());
        }
        self
    }

    /// Reads a request: JSON (first non-blank byte `{` or `[`) in either JSON shape,
    /// otherwise an SDK `.properties` file (UTF-8, `\uXXXX` escapes, `#`/`!`
    /// comments, line continuations).
    ///
    /// Fails only when nothing can be read (too large, not UTF-8, malformed
    /// JSON, unknown shape); everything else is reported by [`Self::validate`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ValidationErrors> {
        if bytes.len() > MAX_REQUEST_BYTES {
            return Err(ValidationError::new(
                ErrorCode::InputTooLarge,
                "",
                format!(
                    "the request is {} bytes; at most {MAX_REQUEST_BYTES} bytes are accepted",
                    bytes.len()
                ),
            )
            .into());
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            ValidationError::new(
                ErrorCode::Malformed,
                "",
                format!(
                    "the request is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
                    e.valid_up_to()
                ),
            )
        })?;
        if text.trim_start().starts_with(['{', '[']) {
            Self::from_json(text)
        } else {
            Self::from_properties(text)
        }
    }

    /// The shape the request came in.
    pub fn shape(&self) -> InputShape {
        self.shape
    }

    /// A raw field value, if present (never the OTP: see [`Self::otp`]).
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values.get(&field).map(String::as_str)
    }

    /// The OTP, if the request carried one.
    pub fn otp(&self) -> Option<&Otp> {
        self.otp.as_ref()
    }

    /// Takes the OTP out of the request.
    pub fn take_otp(&mut self) -> Option<Otp> {
        self.otp.take()
    }

    /// Completes a plain EGS serial ([`EgsSerial::complete`]) with the
    /// solution and model of the service that registers it; a value already
    /// in ZATCA's `1-…|2-…|3-…` form (or none) is left as it is, and
    /// validation reports what is wrong with it.
    ///
    /// ```
    /// use zatca_profile::{Field, InputShape, RequestInput};
    /// let mut input = RequestInput::new(InputShape::Provider).with(Field::EgsSerial, "SN123456789");
    /// input.complete_egs_serial("zatca", "0.1.0");
    /// assert_eq!(input.get(Field::EgsSerial), Some("1-zatca|2-0.1.0|3-SN123456789"));
    /// ```
    pub fn complete_egs_serial(&mut self, solution: &str, model: &str) {
        if let Some(value) = self.values.get_mut(&Field::EgsSerial)
            && let Some(completed) = EgsSerial::complete(value, solution, model)
        {
            *value = completed;
        }
    }

    pub(crate) fn problems(&self) -> &[(Option<Field>, ValidationError)] {
        &self.problems
    }

    fn problem(&mut self, field: Option<Field>, code: ErrorCode, path: &str, msg: String) {
        self.problems
            .push((field, ValidationError::new(code, path, msg)));
    }

    fn from_json(text: &str) -> Result<Self, ValidationErrors> {
        let root = serde_json::from_str::<Node>(text).map_err(|e| {
            ValidationError::new(
                ErrorCode::Malformed,
                "",
                format!("the request is not valid JSON: {e}"),
            )
        })?;
        let Node::Object(mut top) = root else {
            return Err(unknown_shape("the JSON request is not an object").into());
        };
        let has = |entries: &[(String, Node)], key: &str| {
            entries.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
        };
        let cleartax = has(&top, "DeviceDetails") || has(&top, "OrganizationDetails");
        let provider = has(&top, "Device") || has(&top, "Organization");
        let shape = match (cleartax, provider) {
            (true, false) => InputShape::ClearTax,
            (false, true) => InputShape::Provider,
            (true, true) => {
                return Err(unknown_shape(
                    "the JSON request mixes ClearTax's DeviceDetails/OrganizationDetails with Device/Organization; use one shape",
                )
                .into());
            }
            (false, false) => {
                return Err(unknown_shape(
                    "the JSON request has neither DeviceDetails/OrganizationDetails (ClearTax) nor Device/Organization; see the documented request shapes",
                )
                .into());
            }
        };
        let mut input = Self::new(shape);
        // Parent objects, taken out once each.
        let mut parents: BTreeMap<&'static str, Option<Vec<(String, Node)>>> = BTreeMap::new();
        let fields = [
            Field::CommonName,
            Field::EgsSerial,
            Field::Location,
            Field::Industry,
            Field::InvoiceType,
            Field::Vat,
            Field::OrganizationName,
            Field::OrganizationUnit,
            Field::Country,
            Field::Environment,
            Field::InvoiceFormat,
            Field::Otp,
        ];
        for field in fields {
            let Some((parent, key)) = shape.json_location(field) else {
                continue;
            };
            let path = shape.path(field);
            let node = match parent {
                None => input.take_one(&mut top, key, Some(field), path),
                Some(p) => {
                    if !parents.contains_key(p) {
                        let obj = match input.take_one(&mut top, p, None, p) {
                            Some(Node::Object(o)) => Some(o),
                            Some(Node::Null) | None => None,
                            Some(other) => {
                                input.problem(
                                    None,
                                    ErrorCode::WrongType,
                                    p,
                                    format!("{p} must be a JSON object; got {}", other.kind()),
                                );
                                None
                            }
                        };
                        parents.insert(p, obj);
                    }
                    match parents.get_mut(p) {
                        Some(Some(obj)) => input.take_one(obj, key, Some(field), path),
                        _ => None,
                    }
                }
            };
            match node {
                None | Some(Node::Null) => {}
                Some(Node::Str(s)) => {
                    if field == Field::Otp {
                        input.otp = Some(Otp::new(s));
                    } else {
                        input.values.insert(field, s);
                    }
                }
                Some(other) => {
                    let msg = if field == Field::InvoiceType && matches!(other, Node::Number) {
                        format!(
                            "{path} must be a JSON string such as \"0100\": as a number it loses its leading zeros"
                        )
                    } else {
                        format!("{path} must be a JSON string; got {}", other.kind())
                    };
                    input.problem(Some(field), ErrorCode::WrongType, path, msg);
                }
            }
        }
        Ok(input)
    }

    /// Removes and returns the entry `key` (ignoring case); several → a duplicate problem, last wins.
    fn take_one(
        &mut self,
        entries: &mut Vec<(String, Node)>,
        key: &str,
        field: Option<Field>,
        path: &str,
    ) -> Option<Node> {
        let mut found: Vec<Node> = Vec::new();
        let mut kept = Vec::with_capacity(entries.len());
        for (k, v) in entries.drain(..) {
            if k.eq_ignore_ascii_case(key) {
                found.push(v);
            } else {
                kept.push((k, v));
            }
        }
        *entries = kept;
        if found.len() > 1 {
            self.problem(
                field,
                ErrorCode::Duplicate,
                path,
                format!(
                    "{path} is given {} times (keys are compared ignoring case); keep one",
                    found.len()
                ),
            );
        }
        found.pop()
    }

    fn from_properties(text: &str) -> Result<Self, ValidationErrors> {
        let mut input = Self::new(InputShape::SdkProperties);
        for (line_no, key, value) in properties::parse(text)? {
            let Some((_, field)) = Field::SDK_KEYS
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&key))
            else {
                continue;
            };
            let path = InputShape::SdkProperties.path(*field);
            if input.values.contains_key(field) {
                input.problem(
                    Some(*field),
                    ErrorCode::Duplicate,
                    path,
                    format!(
                        "{path} is given more than once (again on line {line_no}; keys are compared ignoring case); keep one"
                    ),
                );
            }
            input.values.insert(*field, value);
        }
        Ok(input)
    }
}

fn unknown_shape(msg: &str) -> ValidationError {
    ValidationError::new(ErrorCode::UnknownShape, "", msg)
}

/// A JSON value, keeping every object entry (duplicates included) and
/// dropping what requests never need.
enum Node {
    Object(Vec<(String, Node)>),
    Str(String),
    Number,
    Bool,
    Array,
    Null,
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Self::Object(_) => "an object",
            Self::Str(_) => "a string",
            Self::Number => "a number",
            Self::Bool => "a boolean",
            Self::Array => "an array",
            Self::Null => "null",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Bool)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Number)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Number)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Number)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Node::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            entries.push((k, v));
        }
        Ok(Node::Object(entries))
    }
}

/// Java `.properties` reading, as `java.util.Properties.load(Reader)` does it.
mod properties {
    use crate::error::{ErrorCode, ValidationError};

    const WS: [char; 3] = [' ', '\t', '\u{c}'];

    /// (line number, key, value) of every entry, in order.
    pub(super) fn parse(text: &str) -> Result<Vec<(usize, String, String)>, ValidationError> {
        // Natural lines end at LF, CRLF or a lone CR.
        let lines: Vec<&str> = text
            .split('\n')
            .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
            .collect();
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(line) = lines.get(i) {
            let start_no = i + 1;
            i += 1;
            let trimmed = line.trim_start_matches(WS);
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
                continue;
            }
            let mut logical = String::new();
            let mut current = trimmed;
            loop {
                if ends_with_odd_backslashes(current) {
                    logical.push_str(current.get(..current.len() - 1).unwrap_or_default());
                    match lines.get(i) {
                        Some(next) => {
                            i += 1;
                            current = next.trim_start_matches(WS);
                        }
                        None => break,
                    }
                } else {
                    logical.push_str(current);
                    break;
                }
            }
            let (key, value) = split_key_value(&logical);
            out.push((
                start_no,
                unescape(key, start_no)?,
                unescape(value, start_no)?,
            ));
        }
        Ok(out)
    }

    fn ends_with_odd_backslashes(s: &str) -> bool {
        s.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
    }

    fn split_key_value(line: &str) -> (&str, &str) {
        let mut escaped = false;
        let mut key_end = line.len();
        for (idx, c) in line.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '=' || c == ':' || WS.contains(&c) {
                key_end = idx;
                break;
            }
        }
        let key = line.get(..key_end).unwrap_or_default();
        let mut rest = line.get(key_end..).unwrap_or_default();
        rest = rest.trim_start_matches(WS);
        if let Some(r) = rest.strip_prefix(['=', ':']) {
            rest = r.trim_start_matches(WS);
        }
        (key, rest)
    }

    fn unescape(s: &str, line_no: usize) -> Result<String, ValidationError> {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars();
        let mut units: Vec<u16> = Vec::new();
        while let Some(c) = chars.next() {
            if c != '\\' {
                flush(&mut units, &mut out);
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let unit = (hex.len() == 4)
                        .then(|| u16::from_str_radix(&hex, 16).ok())
                        .flatten()
                        .ok_or_else(|| {
                            ValidationError::new(
                                ErrorCode::Malformed,
                                "",
                                format!(
                                    "line {line_no}: malformed \\uXXXX escape (\\u{hex}); write four hexadecimal digits, or plain UTF-8"
                                ),
                            )
                        })?;
                    units.push(unit);
                }
                other => {
                    flush(&mut units, &mut out);
                    match other {
                        Some('t') => out.push('\t'),
                        Some('n') => out.push('\n'),
                        Some('r') => out.push('\r'),
                        Some('f') => out.push('\u{c}'),
                        Some(c) => out.push(c),
                        None => {}
                    }
                }
            }
        }
        flush(&mut units, &mut out);
        Ok(out)
    }

    /// `\uXXXX` escapes are UTF-16 code units: surrogate pairs join, lone ones become U+FFFD.
    fn flush(units: &mut Vec<u16>, out: &mut String) {
        out.extend(char::decode_utf16(units.drain(..)).map(|r| r.unwrap_or('\u{FFFD}')));
    }
}
