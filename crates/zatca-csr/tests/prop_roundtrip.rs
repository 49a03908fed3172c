//! Property: any valid profile — Arabic text, any Unicode the rules allow,
//! fields at their maximum length — builds a CSR that verifies and parses back
//! to the same values (issue 5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use zatca_csr::Csr;
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::{
    Environment, Field, InputShape, RequestInput, ValidateOptions, ValidationProfile,
};
use zatca_profile::{FORBIDDEN_CHARACTERS, is_control_character};

/// One character a text field may hold: mostly ASCII and Arabic, sometimes any
/// Unicode scalar value (the rules forbid only nine characters and the control characters).
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        2 => prop::char::range('0', '9'),
        1 => Just(' '),
        4 => prop::char::range('\u{0621}', '\u{064A}'),
        1 => any::<char>(),
    ]
    .prop_filter("forbidden character", |c| {
        !FORBIDDEN_CHARACTERS.contains(c) && !is_control_character(*c)
    })
}

/// A text of at most `max` characters (X.520 counts characters, not bytes),
/// starting with a letter; `fill` pads it to exactly `max` with `pad`, an
/// ASCII or a two-byte Arabic letter.
fn text(max: usize) -> impl Strategy<Value = String> {
    (
        prop::collection::vec(text_char(), 0..40),
        any::<bool>(),
        prop::sample::select(vec!['y', 'ي']),
    )
        .prop_map(move |(chars, fill, pad)| {
            let mut s = String::from("x");
            s.extend(chars.into_iter().take(max - 1));
            if fill {
                let missing = max.saturating_sub(s.chars().count());
                s.extend(std::iter::repeat_n(pad, missing));
            }
            s
        })
}

fn serial_part() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9 .-]{0,20}"
}

fn vat() -> impl Strategy<Value = String> {
    // Not a group number (11th digit 1): that needs a TIN as the OU, tested below.
    ("[0-9]{9}", "[02-9]", "[0-9]{3}").prop_map(|(a, b, c)| format!("3{a}{b}{c}3"))
}

#[derive(Debug, Clone)]
struct Values {
    shape: InputShape,
    common_name: String,
    serial: String,
    vat: String,
    unit: String,
    organization: String,
    country: &'static str,
    invoice_type: String,
    location: String,
    industry: String,
    environment: Environment,
}

fn values() -> impl Strategy<Value = Values> {
    let countries = zatca_profile::country_codes();
    (
        prop::sample::select(vec![
            InputShape::ClearTax,
            InputShape::Provider,
            InputShape::SdkProperties,
        ]),
        text(64),
        (serial_part(), serial_part(), serial_part()),
        (vat(), any::<bool>(), "3[0-9]{9}"),
        (text(64), text(64), prop::sample::select(countries)),
        prop::sample::select(vec!["1000", "0100", "1100", "1111", "Standard", "Both"]),
        (text(180), text(128)),
        prop::sample::select(Environment::ALL.to_vec()),
    )
        .prop_map(
            |(
                shape,
                cn,
                (m, md, sn),
                (vat, group, tin),
                (unit, org, country),
                t,
                (loc, ind),
                env,
            )| {
                // A VAT group number (11th digit 1) takes the member's TIN as its OU.
                let (vat, unit) = if group {
                    (format!("{}1{}", &vat[..10], &vat[11..]), tin)
                } else {
                    (vat, unit)
                };
                Values {
                    shape,
                    common_name: cn,
                    serial: format!("1-{m}|2-{md}|3-{sn}"),
                    vat,
                    unit,
                    organization: org,
                    country,
                    invoice_type: t.to_owned(),
                    location: loc,
                    industry: ind,
                    environment: env,
                }
            },
        )
}

fn key() -> &'static PrivateKey {
    static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(Curve::Secp256k1).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_valid_profile_builds_a_csr_that_reads_back_to_itself(v in values()) {
        let mut input = RequestInput::new(v.shape)
            .with(Field::EgsSerial, v.serial.clone())
            .with(Field::Vat, v.vat.clone())
            .with(Field::OrganizationUnit, v.unit.clone())
            .with(Field::OrganizationName, v.organization.clone())
            .with(Field::Country, v.country)
            .with(Field::InvoiceType, v.invoice_type.clone())
            .with(Field::Location, v.location.clone())
            .with(Field::Industry, v.industry.clone());
        if v.shape != InputShape::Provider {
            input = input.with(Field::CommonName, v.common_name.clone());
        }
        let profile = input
            .validate_with(&ValidateOptions {
                profile: ValidationProfile::Sdk,
                environment: Some(v.environment),
                require_environment: true,
            })
            .unwrap_or_else(|e| panic!("generated values did not validate: {:?}\n{v:?}", e.codes()));

        let csr = Csr::build(&profile, key()).unwrap();
        csr.verify().unwrap();
        prop_assert!(csr.matches_sdk_structure());
        for form in [zatca_csr::OutputFormat::Pem, zatca_csr::OutputFormat::Der, zatca_csr::OutputFormat::Base64] {
            let (again, _) = Csr::parse(&csr.encode(form).unwrap()).unwrap();
            prop_assert_eq!(again.to_der(), csr.to_der());
            again.verify().unwrap();
            let back = again.to_profile(ValidationProfile::Sdk).unwrap();
            prop_assert_eq!(back.common_name(), profile.common_name());
            prop_assert_eq!(back.egs_serial(), profile.egs_serial());
            prop_assert_eq!(back.vat(), profile.vat());
            prop_assert_eq!(back.organization_unit(), profile.organization_unit());
            prop_assert_eq!(back.organization_name(), profile.organization_name());
            prop_assert_eq!(back.country(), profile.country());
            prop_assert_eq!(back.invoice_types(), profile.invoice_types());
            prop_assert_eq!(back.location(), profile.location());
            prop_assert_eq!(back.industry(), profile.industry());
            prop_assert_eq!(back.environment(), Some(v.environment));
        }
    }
}
