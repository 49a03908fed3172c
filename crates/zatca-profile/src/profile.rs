//! The validated profile and the whole-request validator.

use serde::Serialize;

use crate::error::{ErrorCode, ValidationError, ValidationErrors};
use crate::input::{Field, InputShape, RequestInput};
use crate::values::{
    CommonName, CountryCode, EgsSerial, Environment, Industry, InvoiceFormat, InvoiceTypes,
    Location, OrganizationName, OrganizationUnit, ValidationProfile, Vat,
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
        let shape = self.shape();
        let profile = options.profile;
        let mut errors = ValidationErrors::new();
        for (field, e) in self.problems() {
            if field.is_none() {
                errors.push(e.clone());
            }
        }
        let has_problem = |f: Field| self.problems().iter().any(|(pf, _)| *pf == Some(f));

        // Each field: its reading problems first, else missing, else its own rules.
        let check = |field: Field, errors: &mut ValidationErrors, required: bool| {
            let path = shape.path(field);
            if has_problem(field) {
                for (pf, e) in self.problems() {
                    if *pf == Some(field) {
                        errors.push(e.clone());
                    }
                }
                return None;
            }
            match self.get(field) {
                Some(v) if v.trim().is_empty() => {
                    errors.push(ValidationError::new(
                        ErrorCode::Empty,
                        path,
                        format!("{path} must not be empty"),
                    ));
                    None
                }
                Some(v) => Some(v),
                None => {
                    if required {
                        errors.push(ValidationError::new(
                            ErrorCode::Missing,
                            path,
                            format!("{path} is required"),
                        ));
                    }
                    None
                }
            }
        };
        fn ok<T>(
            r: Result<T, ValidationError>,
            path: &str,
            errors: &mut ValidationErrors,
        ) -> Option<T> {
            r.map_err(|e| errors.push(e.at(path))).ok()
        }
        let p = |f: Field| shape.path(f);

        // The second provider's shape has no CommonName: derived below unless given.
        let cn_optional = shape == InputShape::Provider;
        let cn_raw = check(Field::CommonName, &mut errors, !cn_optional);
        let cn_given = cn_raw.map(|v| ok(CommonName::parse(v), p(Field::CommonName), &mut errors));
        let serial = check(Field::EgsSerial, &mut errors, true).and_then(|v| {
            ok(
                EgsSerial::parse(v, profile),
                p(Field::EgsSerial),
                &mut errors,
            )
        });
        let location = check(Field::Location, &mut errors, true)
            .and_then(|v| ok(Location::parse(v), p(Field::Location), &mut errors));
        let industry = check(Field::Industry, &mut errors, true)
            .and_then(|v| ok(Industry::parse(v), p(Field::Industry), &mut errors));
        let invoice_types = check(Field::InvoiceType, &mut errors, true).and_then(|v| {
            ok(
                InvoiceTypes::parse(v, profile),
                p(Field::InvoiceType),
                &mut errors,
            )
        });
        let vat = check(Field::Vat, &mut errors, true)
            .and_then(|v| ok(Vat::parse(v), p(Field::Vat), &mut errors));
        let org_name = check(Field::OrganizationName, &mut errors, true).and_then(|v| {
            ok(
                OrganizationName::parse(v),
                p(Field::OrganizationName),
                &mut errors,
            )
        });
        let org_unit = check(Field::OrganizationUnit, &mut errors, true).and_then(|v| {
            let unit = ok(OrganizationUnit::parse(v), p(Field::OrganizationUnit), &mut errors)?;
            match &vat {
                Some(vat)
                    if vat.is_group()
                        && !(v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit())) =>
                {
                    errors.push(ValidationError::new(
                        ErrorCode::GroupVatOrgUnit,
                        p(Field::OrganizationUnit),
                        format!(
                            "{} is a VAT group number (11th digit 1), so the organization unit must be the group member's 10-digit TIN, e.g. 3999999999; got {v:?}",
                            vat.as_str()
                        ),
                    ));
                    None
                }
                _ => Some(unit),
            }
        });
        let country = check(Field::Country, &mut errors, true)
            .and_then(|v| ok(CountryCode::parse(v), p(Field::Country), &mut errors));

        let mut cn_derived = false;
        let common_name = match cn_given {
            Some(cn) => cn,
            None if cn_optional && !has_problem(Field::CommonName) => match (&serial, &vat) {
                (Some(serial), Some(vat)) => {
                    cn_derived = true;
                    let derived = derive_common_name(serial, vat);
                    CommonName::parse(&derived)
                        .map_err(|e| {
                            errors.push(ValidationError::new(
                                e.code,
                                p(Field::CommonName),
                                format!(
                                    "this shape has no CommonName, and the one derived from the EGS serial's model and serial number and the VAT number ({derived:?}) is not valid: {}; add Device.CommonName",
                                    e.message
                                ),
                            ));
                        })
                        .ok()
                }
                _ => None,
            },
            None => None,
        };

        let request_env = check(Field::Environment, &mut errors, false).and_then(|v| {
            v.parse::<Environment>()
                .map_err(|m| {
                    errors.push(ValidationError::new(
                        ErrorCode::EnvironmentUnknown,
                        p(Field::Environment),
                        m,
                    ));
                })
                .ok()
        });
        let env_failed = has_problem(Field::Environment)
            || (self.get(Field::Environment).is_some() && request_env.is_none());
        let environment = match (request_env, options.environment) {
            (Some(r), Some(c)) if r != c => {
                errors.push(conflict(shape, r, c));
                None
            }
            (Some(e), _) | (None, Some(e)) => Some(e),
            (None, None) => {
                if options.require_environment && !env_failed {
                    errors.push(ValidationError::new(
                        ErrorCode::EnvironmentMissing,
                        p(Field::Environment),
                        "no environment given: name it in the request (Environment) or choose development, simulation or production (--env); it selects the certificate template and is never defaulted",
                    ));
                }
                None
            }
        };
        let invoice_format = check(Field::InvoiceFormat, &mut errors, false).and_then(|v| {
            ok(
                v.parse::<InvoiceFormat>(),
                p(Field::InvoiceFormat),
                &mut errors,
            )
        });
        if has_problem(Field::Otp) {
            check(Field::Otp, &mut errors, false);
        } else if let Some(otp) = self.otp()
            && !otp.is_well_formed()
        {
            errors.push(ValidationError::new(
                ErrorCode::OtpFormat,
                p(Field::Otp),
                format!(
                    "{} must be the 6-digit one-time password from the Fatoora portal (value not shown)",
                    p(Field::Otp)
                ),
            ));
        }

        match (
            common_name,
            serial,
            vat,
            org_unit,
            org_name,
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
                validation_profile: profile,
                common_name_derived: cn_derived,
            }),
            _ => Err(errors),
        }
    }
}
