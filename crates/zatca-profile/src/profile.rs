//! The validated profile and the whole-request validator.

use serde::Serialize;

use crate::error::{ErrorCode, ValidationError, ValidationErrors};
use crate::input::{Field, InputShape, RequestInput};
use crate::values::{
    CommonName, CountryCode, EgsSerial, Environment, Industry, InvoiceFormat, InvoiceTypes,
    Location, OrganizationName, OrganizationUnit, ValidationProfile, Vat,
    refuse_control_characters,
};

/// How to validate a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ValidateOptions {
    /// `sdk` (default) or `strict`.
    pub profile: ValidationProfile,
    /// The environment the caller chose (`--env`), if any. It must agree with
    /// the request's own `Environment` when both are given.
    pub environment: Option<Environment>,
    /// Fail with ZP061 when neither the request nor the caller names an
    /// environment (set when building a CSR: the environment is never defaulted).
    pub require_environment: bool,
}

/// Everything a ZATCA CSR needs, each value valid by construction.
///
/// The OTP is deliberately not part of it (see [`RequestInput::take_otp`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EgsProfile {
    common_name: CommonName,
    egs_serial: EgsSerial,
    vat: Vat,
    organization_unit: OrganizationUnit,
    organization_name: OrganizationName,
    country: CountryCode,
    invoice_types: InvoiceTypes,
    location: Location,
    industry: Industry,
    environment: Option<Environment>,
    invoice_format: Option<InvoiceFormat>,
    #[serde(serialize_with = "serialize_shape")]
    shape: InputShape,
    validation_profile: ValidationProfile,
    common_name_derived: bool,
    invoice_types_defaulted: bool,
}

fn serialize_shape<S: serde::Serializer>(shape: &InputShape, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(shape.name())
}

impl EgsProfile {
    /// Subject CN.
    pub fn common_name(&self) -> &CommonName {
        &self.common_name
    }
    /// EGS serial (SAN SN).
    pub fn egs_serial(&self) -> &EgsSerial {
        &self.egs_serial
    }
    /// VAT number (SAN UID).
    pub fn vat(&self) -> &Vat {
        &self.vat
    }
    /// Subject OU.
    pub fn organization_unit(&self) -> &OrganizationUnit {
        &self.organization_unit
    }
    /// Subject O.
    pub fn organization_name(&self) -> &OrganizationName {
        &self.organization_name
    }
    /// Subject C.
    pub fn country(&self) -> CountryCode {
        self.country
    }
    /// TSXY (SAN title).
    pub fn invoice_types(&self) -> InvoiceTypes {
        self.invoice_types
    }
    /// Location (SAN registeredAddress).
    pub fn location(&self) -> &Location {
        &self.location
    }
    /// Industry (SAN businessCategory).
    pub fn industry(&self) -> &Industry {
        &self.industry
    }
    /// The environment, when the request or the caller named one.
    pub fn environment(&self) -> Option<Environment> {
        self.environment
    }
    /// The second provider's `InvoiceFormat`, if given.
    pub fn invoice_format(&self) -> Option<InvoiceFormat> {
        self.invoice_format
    }
    /// The shape the values came in.
    pub fn shape(&self) -> InputShape {
        self.shape
    }
    /// The rules the values passed.
    pub fn validation_profile(&self) -> ValidationProfile {
        self.validation_profile
    }
    /// Whether the common name was derived (second provider's shape, no `CommonName`).
    pub fn common_name_derived(&self) -> bool {
        self.common_name_derived
    }

    /// Whether the request omitted its invoice type, so it is [`InvoiceTypes::DEFAULT`].
    pub fn invoice_types_defaulted(&self) -> bool {
        self.invoice_types_defaulted
    }

    /// The same profile for `environment`. Refuses (ZP062) to change an
    /// environment the profile already has to a different one.
    pub fn with_environment(mut self, environment: Environment) -> Result<Self, ValidationError> {
        match self.environment {
            Some(e) if e != environment => Err(conflict(self.shape, e, environment)),
            _ => {
                self.environment = Some(environment);
                Ok(self)
            }
        }
    }
}

fn conflict(shape: InputShape, request: Environment, caller: Environment) -> ValidationError {
    ValidationError::new(
        ErrorCode::EnvironmentConflict,
        shape.path(Field::Environment),
        format!(
            "the request says {} but {} was asked for; a CSR for the wrong environment is refused by ZATCA (template {} vs {}), so make them agree",
            request.as_str(),
            caller.as_str(),
            request.template_name(),
            caller.template_name()
        ),
    )
}

/// The common name derived for the second provider's shape, which has none:
/// `<model>-<serial>-<VAT>` from the EGS serial's parts 2 and 3 and the VAT
/// number, after the pattern of the SDK's example (`TST-886431145-399999999900003`).
pub fn derive_common_name(serial: &EgsSerial, vat: &Vat) -> String {
    format!("{}-{}-{}", serial.model(), serial.serial(), vat.as_str())
}

impl RequestInput {
    /// Validates under `profile`; the environment is optional here.
    ///
    /// ```
    /// use zatca_profile::{ErrorCode, RequestInput, ValidationProfile};
    /// let bad = br#"{"DeviceDetails":{"CommonName":"c","EgsSerialNumber":"1-a|2-b|3-c",
    ///   "Location":"l","Industry":"i","InvoiceType":"0000"},
    ///   "OrganizationDetails":{"Vat":"123","OrganizationName":"o",
    ///   "OrganizationUnitName":"u","CountryCode":"SA"}}"#;
    /// let errors = RequestInput::from_bytes(bad)?.validate(ValidationProfile::Sdk).unwrap_err();
    /// assert_eq!(errors.codes(), [ErrorCode::InvoiceTypeNone, ErrorCode::VatFormat]);
    /// assert_eq!(errors.errors()[1].path, "OrganizationDetails.Vat");
    /// # Ok::<(), zatca_profile::ValidationErrors>(())
    /// ```
    pub fn validate(&self, profile: ValidationProfile) -> Result<EgsProfile, ValidationErrors> {
        self.validate_with(&ValidateOptions {
            profile,
            ..ValidateOptions::default()
        })
    }

    /// Validates with every option; reports all problems at once, in field order.
    pub fn validate_with(&self, options: &ValidateOptions) -> Result<EgsProfile, ValidationErrors> {
        let mut run = Validation::new(self);
        // The second provider's shape has no CommonName: derived below unless given.
        let common_name_optional = run.shape == InputShape::Provider;
        let common_name_given = run
            .value(Field::CommonName, !common_name_optional)
            .map(|v| run.parsed(Field::CommonName, CommonName::parse(v)));
        let serial = run.parse_field(Field::EgsSerial, |v| EgsSerial::parse(v, options.profile));
        let location = run.parse_field(Field::Location, Location::parse);
        let industry = run.parse_field(Field::Industry, Industry::parse);
        let (invoice_types, invoice_types_defaulted) = run.invoice_types(options.profile);
        let vat = run.parse_field(Field::Vat, Vat::parse);
        let organization_name = run.parse_field(Field::OrganizationName, OrganizationName::parse);
        let organization_unit = run.organization_unit(vat.as_ref());
        let country = run.parse_field(Field::Country, CountryCode::parse);
        let (common_name, common_name_derived) = match common_name_given {
            Some(given) => (given, false),
            None if common_name_optional => run.derived_common_name(serial.as_ref(), vat.as_ref()),
            None => (None, false),
        };
        let environment = run.environment(options);
        let invoice_format = run.invoice_format();
        run.otp(environment);

        let Validation { shape, errors, .. } = run;
        match (
            common_name,
            serial,
            vat,
            organization_unit,
            organization_name,
            country,
            invoice_types,
            location,
            industry,
        ) {
            (
                Some(common_name),
                Some(egs_serial),
                Some(vat),
                Some(organization_unit),
                Some(organization_name),
                Some(country),
                Some(invoice_types),
                Some(location),
                Some(industry),
            ) if errors.is_empty() => Ok(EgsProfile {
                common_name,
                egs_serial,
                vat,
                organization_unit,
                organization_name,
                country,
                invoice_types,
                location,
                industry,
                environment,
                invoice_format,
                shape,
                validation_profile: options.profile,
                common_name_derived,
                invoice_types_defaulted,
            }),
            _ => Err(errors),
        }
    }
}

/// One validation of one request: the errors found so far, in field order.
struct Validation<'a> {
    input: &'a RequestInput,
    shape: InputShape,
    errors: ValidationErrors,
}

impl<'a> Validation<'a> {
    /// Starts with the reading problems that concern no single field.
    fn new(input: &'a RequestInput) -> Self {
        let mut errors = ValidationErrors::new();
        for (field, e) in input.problems() {
            if field.is_none() {
                errors.push(e.clone());
            }
        }
        Self {
            input,
            shape: input.shape(),
            errors,
        }
    }

    fn path(&self, field: Field) -> &'static str {
        self.shape.path(field)
    }

    fn has_problem(&self, field: Field) -> bool {
        self.input.problems().iter().any(|(f, _)| *f == Some(field))
    }

    fn push(&mut self, code: ErrorCode, field: Field, message: impl Into<String>) {
        self.errors
            .push(ValidationError::new(code, self.path(field), message));
    }

    /// The raw value of `field`, or `None` after reporting why there is none:
    /// its reading problems first, else empty, else a control character (any
    /// field: a value holding one is not what was meant, and the field's own
    /// rules would only echo it), else (when `required`) missing.
    fn value(&mut self, field: Field, required: bool) -> Option<&'a str> {
        let path = self.path(field);
        if self.has_problem(field) {
            for (f, e) in self.input.problems() {
                if *f == Some(field) {
                    self.errors.push(e.clone());
                }
            }
            return None;
        }
        match self.input.get(field) {
            Some(v) if v.trim().is_empty() => {
                self.push(ErrorCode::Empty, field, format!("{path} must not be empty"));
                None
            }
            Some(v) => match refuse_control_characters(path, v) {
                Ok(()) => Some(v),
                Err(e) => {
                    self.errors.push(e.at(path));
                    None
                }
            },
            None => {
                if required {
                    self.push(ErrorCode::Missing, field, format!("{path} is required"));
                }
                None
            }
        }
    }

    /// The value of a parse, or `None` after reporting its error at `field`.
    fn parsed<T>(&mut self, field: Field, result: Result<T, ValidationError>) -> Option<T> {
        let path = self.path(field);
        result.map_err(|e| self.errors.push(e.at(path))).ok()
    }

    /// A required field, read and parsed.
    fn parse_field<T>(
        &mut self,
        field: Field,
        parse: impl FnOnce(&str) -> Result<T, ValidationError>,
    ) -> Option<T> {
        let value = self.value(field, true)?;
        self.parsed(field, parse(value))
    }

    /// TSXY, and whether it was defaulted: a request (any of the three shapes)
    /// that omits it, or gives JSON `null`, gets [`InvoiceTypes::DEFAULT`]; a
    /// value that is given must be valid. Values read back from a CSR are not
    /// defaulted: a CSR without its SAN title is reported, not repaired.
    fn invoice_types(&mut self, profile: ValidationProfile) -> (Option<InvoiceTypes>, bool) {
        let field = Field::InvoiceType;
        let omitted = !self.has_problem(field) && self.input.get(field).is_none();
        if omitted && self.shape != InputShape::Csr {
            return (Some(InvoiceTypes::DEFAULT), true);
        }
        let parsed = self.parse_field(field, |v| InvoiceTypes::parse(v, profile));
        (parsed, false)
    }

    /// The OU, with the SDK's VAT-group rule: a group number (11th digit `1`)
    /// takes the member's 10-digit TIN.
    fn organization_unit(&mut self, vat: Option<&Vat>) -> Option<OrganizationUnit> {
        let field = Field::OrganizationUnit;
        let v = self.value(field, true)?;
        let unit = self.parsed(field, OrganizationUnit::parse(v))?;
        match vat {
            Some(vat) if vat.is_group() && !is_tin(v) => {
                self.push(
                    ErrorCode::GroupVatOrgUnit,
                    field,
                    format!(
                        "{} is a VAT group number (11th digit 1), so the organization unit must be the group member's 10-digit TIN, e.g. 3999999999; got {v:?}",
                        vat.as_str()
                    ),
                );
                None
            }
            _ => Some(unit),
        }
    }

    /// The common name of a shape that has none (see [`derive_common_name`]),
    /// and whether it was derived. Needs a valid serial and VAT number.
    fn derived_common_name(
        &mut self,
        serial: Option<&EgsSerial>,
        vat: Option<&Vat>,
    ) -> (Option<CommonName>, bool) {
        if self.has_problem(Field::CommonName) {
            return (None, false);
        }
        let (Some(serial), Some(vat)) = (serial, vat) else {
            return (None, false);
        };
        let derived = derive_common_name(serial, vat);
        match CommonName::parse(&derived) {
            Ok(cn) => (Some(cn), true),
            Err(e) => {
                self.push(
                    e.code,
                    Field::CommonName,
                    format!(
                        "this shape has no CommonName, and the one derived from the EGS serial's model and serial number and the VAT number ({derived:?}) is not valid: {}; add Device.CommonName",
                        e.message
                    ),
                );
                (None, false)
            }
        }
    }

    /// The environment: the request's and the caller's, which must agree;
    /// never defaulted (ZP061 when `require_environment` and neither names one).
    fn environment(&mut self, options: &ValidateOptions) -> Option<Environment> {
        let field = Field::Environment;
        let request = self.value(field, false).and_then(|v| {
            v.parse::<Environment>()
                .map_err(|m| self.push(ErrorCode::EnvironmentUnknown, field, m))
                .ok()
        });
        let request_failed =
            self.has_problem(field) || (self.input.get(field).is_some() && request.is_none());
        match (request, options.environment) {
            (Some(r), Some(c)) if r != c => {
                self.errors.push(conflict(self.shape, r, c));
                None
            }
            (Some(e), _) | (None, Some(e)) => Some(e),
            (None, None) => {
                if options.require_environment && !request_failed {
                    self.push(
                        ErrorCode::EnvironmentMissing,
                        field,
                        "no environment given: name it in the request (Environment) or choose development, simulation or production (--env); it selects the certificate template and is never defaulted",
                    );
                }
                None
            }
        }
    }

    /// The second provider's optional `InvoiceFormat`.
    fn invoice_format(&mut self) -> Option<InvoiceFormat> {
        let value = self.value(Field::InvoiceFormat, false)?;
        self.parsed(Field::InvoiceFormat, value.parse::<InvoiceFormat>())
    }

    /// The OTP, under the rule of `environment` ([`crate::Otp::check`]); its
    /// value is never shown.
    fn otp(&mut self, environment: Option<Environment>) {
        let field = Field::Otp;
        if self.has_problem(field) {
            self.value(field, false);
        } else if let Some(otp) = self.input.otp()
            && let Err(e) = otp.check(environment)
        {
            self.push(e.code(), field, e.to_string());
        }
    }
}

/// Ten ASCII digits: a TIN, as a VAT group member's OU.
fn is_tin(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit())
}
