//! One test per validation rule, pass and fail, plus the shapes and the
//! SDK's own config files (`testdata/csr/`, `testdata/profile/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use zatca_profile::{
    Environment, ErrorCode, ErrorSource, Field, InputShape, RequestInput, ValidateOptions,
    ValidationErrors, ValidationProfile,
};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

/// A ClearTax request valid under both profiles (the SDK's EN example values,
/// with the serial's dashes dropped so `strict` accepts it too).
fn base() -> Value {
    json!({
        "DeviceDetails": {
            "CommonName": "TST-886431145-399999999900003",
            "EgsSerialNumber": "1-TST|2-TST|3-ed22f1d8e6a211189b58d9a8f11e445f",
            "Location": "RRRD2929",
            "Industry": "Supply activities",
            "InvoiceType": "1100"
        },
        "OrganizationDetails": {
            "Vat": "399999999900003",
            "OrganizationName": "Maximum Speed Tech Supply LTD",
            "OrganizationUnitName": "Riyadh Branch",
            "CountryCode": "SA"
        }
    })
}

fn with(path: &str, value: Value) -> Value {
    let mut v = base();
    let (parent, key) = path.split_once('.').unwrap();
    v[parent][key] = value;
    v
}

fn validate(
    v: &Value,
    profile: ValidationProfile,
) -> Result<zatca_profile::EgsProfile, ValidationErrors> {
    RequestInput::from_bytes(v.to_string().as_bytes())
        .unwrap()
        .validate(profile)
}

fn codes(v: &Value, profile: ValidationProfile) -> Vec<ErrorCode> {
    validate(v, profile)
        .err()
        .map(|e| e.codes())
        .unwrap_or_default()
}

/// `value` at `path` passes under both profiles.
fn passes(path: &str, value: &str) {
    for p in [ValidationProfile::Sdk, ValidationProfile::Strict] {
        assert_eq!(
            codes(&with(path, json!(value)), p),
            [],
            "{path}={value:?} under {p:?}"
        );
    }
}

/// `value` at `path` fails with exactly `code`, reported at `path`.
fn fails(path: &str, value: Value, profile: ValidationProfile, code: ErrorCode) {
    let err = validate(&with(path, value.clone()), profile).unwrap_err();
    assert_eq!(
        err.codes(),
        [code],
        "{path}={value} under {profile:?}: {err}"
    );
    assert_eq!(err.errors()[0].path, path);
    assert_eq!(err.errors()[0].source, code.source());
    assert!(!err.errors()[0].message.is_empty());
}

const SDK: ValidationProfile = ValidationProfile::Sdk;
const STRICT: ValidationProfile = ValidationProfile::Strict;

#[test]
fn codes_are_unique_and_stable() {
    let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let mut sorted = all.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), all.len());
    assert_eq!(ErrorCode::VatFormat.as_str(), "ZP010");
    assert_eq!(ErrorCode::SerialStrictChars.source(), ErrorSource::Strict);
    // Every code is in the crate docs' table.
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for code in all {
        assert!(
            lib.contains(&format!("//! | {code} |")),
            "{code} is not documented"
        );
    }
}

#[test]
fn zp001_input_too_large() {
    let big = vec![b' '; zatca_profile::MAX_REQUEST_BYTES + 1];
    let err = RequestInput::from_bytes(&big).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::InputTooLarge]);
    let ok = vec![b'\n'; zatca_profile::MAX_REQUEST_BYTES];
    assert!(RequestInput::from_bytes(&ok).is_ok());
}

#[test]
fn zp002_malformed_json_utf8_and_escapes() {
    for bad in [
        &b"{\"DeviceDetails\": "[..],
        b"csr.common.name=\xff\xfe",
        b"csr.common.name=\\u12G4",
    ] {
        let err = RequestInput::from_bytes(bad).unwrap_err();
        assert_eq!(err.codes(), [ErrorCode::Malformed], "{bad:?}");
    }
    assert!(RequestInput::from_bytes(b"csr.common.name=\\u0041").is_ok());
}

#[test]
fn zp003_unknown_or_mixed_shape() {
    for bad in [
        json!({"Foo": 1}),
        json!({"Device": {}, "DeviceDetails": {}}),
    ] {
        let err = RequestInput::from_bytes(bad.to_string().as_bytes()).unwrap_err();
        assert_eq!(err.codes(), [ErrorCode::UnknownShape]);
    }
    let err = RequestInput::from_bytes(b"  [1, 2]").unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::UnknownShape]);
}

#[test]
fn zp004_missing_field() {
    let mut v = base();
    v["DeviceDetails"]
        .as_object_mut()
        .unwrap()
        .remove("Location");
    let err = validate(&v, SDK).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::Missing]);
    assert_eq!(err.errors()[0].path, "DeviceDetails.Location");
    fails(
        "DeviceDetails.Location",
        Value::Null,
        SDK,
        ErrorCode::Missing,
    );
    passes("DeviceDetails.Location", "RRRD2929");
}

#[test]
fn an_omitted_invoice_type_defaults_to_1100_in_every_request_shape() {
    // ClearTax: absent, or null.
    let mut v = base();
    v["DeviceDetails"]
        .as_object_mut()
        .unwrap()
        .remove("InvoiceType");
    for request in [v, with("DeviceDetails.InvoiceType", Value::Null)] {
        for profile in [SDK, STRICT] {
            let p = validate(&request, profile).unwrap();
            assert_eq!(p.invoice_types().as_str(), "1100");
            assert!(p.invoice_types_defaulted());
        }
    }
    // The other provider's shape.
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(testdata("profile/provider-sim.json")).unwrap())
            .unwrap();
    v["Device"].as_object_mut().unwrap().remove("InvoiceType");
    let p = validate(&v, SDK).unwrap();
    assert_eq!(p.invoice_types(), zatca_profile::InvoiceTypes::DEFAULT);
    assert!(p.invoice_types_defaulted());
    // The SDK's properties.
    let props =
        std::fs::read_to_string(testdata("csr/sdk-r3.3.3/csr-config-example-EN.properties"))
            .unwrap();
    let without: String = props
        .lines()
        .filter(|l| !l.starts_with("csr.invoice.type"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without.len(), props.len());
    let p = RequestInput::from_bytes(without.as_bytes())
        .unwrap()
        .validate(SDK)
        .unwrap();
    assert_eq!(p.invoice_types().as_str(), "1100");
    assert!(p.invoice_types_defaulted());
    // A value that is given is not defaulted, and must be valid.
    assert!(!validate(&base(), SDK).unwrap().invoice_types_defaulted());
    fails(
        "DeviceDetails.InvoiceType",
        json!(""),
        SDK,
        ErrorCode::Empty,
    );
    fails(
        "DeviceDetails.InvoiceType",
        json!("0000"),
        SDK,
        ErrorCode::InvoiceTypeNone,
    );
    fails(
        "DeviceDetails.InvoiceType",
        json!("12"),
        SDK,
        ErrorCode::InvoiceTypeFormat,
    );
    fails(
        "DeviceDetails.InvoiceType",
        json!(1100),
        SDK,
        ErrorCode::WrongType,
    );
    let text = without.replace("csr.country.name", "csr.invoice.type=\ncsr.country.name");
    let err = RequestInput::from_bytes(text.as_bytes())
        .unwrap()
        .validate(SDK)
        .unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::Empty]);
    assert_eq!(err.errors()[0].path, "csr.invoice.type");
}

#[test]
fn values_read_back_from_a_csr_get_no_default_invoice_type() {
    let input = RequestInput::new(InputShape::Csr)
        .with(Field::CommonName, "TST-886431145-399999999900003")
        .with(Field::EgsSerial, "1-TST|2-TST|3-ed22f1d8")
        .with(Field::Location, "RRRD2929")
        .with(Field::Industry, "Supply activities")
        .with(Field::Vat, "399999999900003")
        .with(Field::OrganizationName, "Maximum Speed Tech Supply LTD")
        .with(Field::OrganizationUnit, "Riyadh Branch")
        .with(Field::Country, "SA");
    let err = input.validate(SDK).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::Missing]);
    assert_eq!(err.errors()[0].path, "subjectAltName.title");
    let p = input
        .with(Field::InvoiceType, "0100")
        .validate(SDK)
        .unwrap();
    assert_eq!(p.invoice_types().as_str(), "0100");
}

#[test]
fn zp005_empty_field() {
    for path in [
        "DeviceDetails.CommonName",
        "DeviceDetails.Location",
        "DeviceDetails.Industry",
        "OrganizationDetails.OrganizationName",
        "OrganizationDetails.Vat",
    ] {
        fails(path, json!(""), SDK, ErrorCode::Empty);
        fails(path, json!("   "), SDK, ErrorCode::Empty);
    }
}

#[test]
fn zp006_wrong_json_type() {
    fails(
        "DeviceDetails.InvoiceType",
        json!(100),
        SDK,
        ErrorCode::WrongType,
    );
    let err = validate(&with("DeviceDetails.InvoiceType", json!(100)), SDK).unwrap_err();
    assert!(err.errors()[0].message.contains("leading zeros"), "{err}");
    fails(
        "OrganizationDetails.Vat",
        json!(399999999900003u64),
        SDK,
        ErrorCode::WrongType,
    );
    let mut v = base();
    v["DeviceDetails"] = json!("oops");
    let err = validate(&v, SDK).unwrap_err();
    assert_eq!(err.errors()[0].code, ErrorCode::WrongType);
    assert_eq!(err.errors()[0].path, "DeviceDetails");
    passes("DeviceDetails.InvoiceType", "0100");
}

#[test]
fn zp007_duplicate_keys_ignoring_case() {
    let text = r#"{"DeviceDetails":{"CommonName":"a","commonname":"b","EgsSerialNumber":"1-a|2-b|3-c",
        "Location":"l","Industry":"i","InvoiceType":"1100"},
        "OrganizationDetails":{"Vat":"399999999900003","OrganizationName":"o",
        "OrganizationUnitName":"u","CountryCode":"SA"}}"#;
    let err = RequestInput::from_bytes(text.as_bytes())
        .unwrap()
        .validate(SDK)
        .unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::Duplicate]);
    assert_eq!(err.errors()[0].path, "DeviceDetails.CommonName");
    let props = b"csr.common.name=a\nCSR.COMMON.NAME=b\n";
    let input = RequestInput::from_bytes(props).unwrap();
    let err = input.validate(SDK).unwrap_err();
    assert_eq!(err.errors()[0].code, ErrorCode::Duplicate);
}

#[test]
fn zp010_vat_fifteen_digits() {
    for bad in [
        "39999999990000",
        "3999999999000033",
        "39999999990000A",
        "٣٩٩٩٩٩٩٩٩٩٠٠٠٠٣",
    ] {
        fails(
            "OrganizationDetails.Vat",
            json!(bad),
            SDK,
            ErrorCode::VatFormat,
        );
    }
    passes("OrganizationDetails.Vat", "399999999900003");
}

#[test]
fn zp011_vat_first_and_last_digit_three() {
    for bad in ["299999999900003", "399999999900002"] {
        fails(
            "OrganizationDetails.Vat",
            json!(bad),
            SDK,
            ErrorCode::VatBounds,
        );
    }
    passes("OrganizationDetails.Vat", "311111111101113");
}

#[test]
fn zp012_group_vat_needs_ten_digit_tin_as_org_unit() {
    let mut v = with("OrganizationDetails.Vat", json!("399999999910003"));
    let err = validate(&v, SDK).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::GroupVatOrgUnit]);
    assert_eq!(
        err.errors()[0].path,
        "OrganizationDetails.OrganizationUnitName"
    );
    v["OrganizationDetails"]["OrganizationUnitName"] = json!("3999999999");
    assert!(validate(&v, SDK).is_ok());
    v["OrganizationDetails"]["OrganizationUnitName"] = json!("39999999990");
    assert_eq!(codes(&v, SDK), [ErrorCode::GroupVatOrgUnit]);
    // Not a group: free text.
    passes("OrganizationDetails.OrganizationUnitName", "فرع الرياض");
}

#[test]
fn zp020_serial_format() {
    for bad in [
        "1-TST|2-TST",
        "1-|2-TST|3-x",
        "1-TST|2-|3-x",
        "1-TST|2-TST|3-",
        "TST|TST|x",
        "2-a|1-b|3-c",
        // Java's `.` stops at every line terminator; LF is refused earlier (ZP052).
        "1-a|2-b|3-c\u{2028}d",
    ] {
        fails(
            "DeviceDetails.EgsSerialNumber",
            json!(bad),
            SDK,
            ErrorCode::SerialFormat,
        );
    }
    // The SDK's own example, and a part holding '|' (the SDK's regex allows it).
    passes(
        "DeviceDetails.EgsSerialNumber",
        "1-TST|2-TST|3-ed22f1d8e6a2",
    );
    assert_eq!(
        codes(
            &with(
                "DeviceDetails.EgsSerialNumber",
                json!("1-TST|2-TST|3-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f")
            ),
            SDK
        ),
        []
    );
    assert_eq!(
        codes(
            &with("DeviceDetails.EgsSerialNumber", json!("1-a|b|2-c|3-d")),
            SDK
        ),
        []
    );
    assert_eq!(
        codes(
            &with("DeviceDetails.EgsSerialNumber", json!("1-é|2-ü|3-ß")),
            SDK
        ),
        []
    );
    let err = validate(&with("DeviceDetails.EgsSerialNumber", json!("x")), STRICT).unwrap_err();
    assert!(err.errors()[0].message.contains("strict profile"));
}

#[test]
fn zp021_serial_without_equals() {
    fails(
        "DeviceDetails.EgsSerialNumber",
        json!("1-a=b|2-c|3-d"),
        SDK,
        ErrorCode::SerialEquals,
    );
    passes("DeviceDetails.EgsSerialNumber", "1-ab|2-c|3-d");
}

#[test]
fn zp022_strict_serial_parts_alphanumeric() {
    let sdk_example = "1-TST|2-TST|3-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f";
    assert_eq!(
        codes(
            &with("DeviceDetails.EgsSerialNumber", json!(sdk_example)),
            SDK
        ),
        []
    );
    fails(
        "DeviceDetails.EgsSerialNumber",
        json!(sdk_example),
        STRICT,
        ErrorCode::SerialStrictChars,
    );
    let err = validate(
        &with("DeviceDetails.EgsSerialNumber", json!(sdk_example)),
        STRICT,
    )
    .unwrap_err();
    assert!(err.errors()[0].message.contains("strict profile"), "{err}");
    assert_eq!(err.errors()[0].source, ErrorSource::Strict);
    passes(
        "DeviceDetails.EgsSerialNumber",
        "1-TST|2-TST|3-ed22f1d8e6a211189b58d9a8f11e445f",
    );
}

#[test]
fn zp030_invoice_type_format_and_names() {
    for bad in ["110", "11000", "1200", "abcd", "both please"] {
        fails(
            "DeviceDetails.InvoiceType",
            json!(bad),
            SDK,
            ErrorCode::InvoiceTypeFormat,
        );
    }
    for (name, tsxy) in [
        ("Standard", "1000"),
        ("simplified", "0100"),
        ("BOTH", "1100"),
        ("0100", "0100"),
    ] {
        let p = validate(&with("DeviceDetails.InvoiceType", json!(name)), STRICT).unwrap();
        assert_eq!(p.invoice_types().as_str(), tsxy);
    }
}

#[test]
fn zp031_invoice_type_not_0000() {
    fails(
        "DeviceDetails.InvoiceType",
        json!("0000"),
        SDK,
        ErrorCode::InvoiceTypeNone,
    );
    passes("DeviceDetails.InvoiceType", "1000");
}

#[test]
fn zp032_strict_reserved_bits_zero() {
    let p = validate(&with("DeviceDetails.InvoiceType", json!("1111")), SDK).unwrap();
    assert_eq!(p.invoice_types().as_str(), "1111");
    fails(
        "DeviceDetails.InvoiceType",
        json!("1111"),
        STRICT,
        ErrorCode::InvoiceTypeReserved,
    );
    fails(
        "DeviceDetails.InvoiceType",
        json!("0101"),
        STRICT,
        ErrorCode::InvoiceTypeReserved,
    );
    passes("DeviceDetails.InvoiceType", "1100");
}

#[test]
fn zp040_country_iso_3166() {
    for bad in ["XX", "sa", "SAU", "S", "EU", "UK"] {
        fails(
            "OrganizationDetails.CountryCode",
            json!(bad),
            SDK,
            ErrorCode::Country,
        );
    }
    for good in ["SA", "AE", "GB", "US", "PS"] {
        passes("OrganizationDetails.CountryCode", good);
    }
}

#[test]
fn country_list_matches_debian_iso_codes() {
    let path = Path::new("/usr/share/iso-codes/json/iso_3166-1.json");
    let Ok(text) = std::fs::read(path) else {
        eprintln!(
            "skipped: {} is not installed (Debian package iso-codes)",
            path.display()
        );
        return;
    };
    let v: Value = serde_json::from_slice(&text).unwrap();
    let mut theirs: Vec<String> = v["3166-1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["alpha_2"].as_str().unwrap().to_owned())
        .collect();
    theirs.sort();
    let ours: Vec<String> = zatca_profile::country_codes()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn zp050_sdk_forbidden_characters() {
    for path in [
        "DeviceDetails.CommonName",
        "DeviceDetails.Location",
        "DeviceDetails.Industry",
        "OrganizationDetails.OrganizationName",
        "OrganizationDetails.OrganizationUnitName",
    ] {
        for c in zatca_profile::FORBIDDEN_CHARACTERS {
            fails(
                path,
                json!(format!("a{c}b")),
                SDK,
                ErrorCode::ForbiddenCharacter,
            );
        }
        passes(path, "A-b.c (d), e/f");
    }
}

#[test]
fn zp051_x520_bounds_in_characters() {
    fails(
        "DeviceDetails.CommonName",
        json!("a".repeat(65)),
        SDK,
        ErrorCode::TooLong,
    );
    passes("DeviceDetails.CommonName", &"a".repeat(64));
    // X.520 counts characters: 64 Arabic letters (128 bytes) pass, 65 fail; so do
    // 64 three-byte and four-byte characters.
    for letter in ["ب", "€", "𠀀"] {
        passes("OrganizationDetails.OrganizationName", &letter.repeat(64));
        passes(
            "OrganizationDetails.OrganizationUnitName",
            &letter.repeat(64),
        );
        passes("DeviceDetails.CommonName", &letter.repeat(64));
        fails(
            "OrganizationDetails.OrganizationName",
            json!(letter.repeat(65)),
            SDK,
            ErrorCode::TooLong,
        );
    }
    let err = validate(
        &with(
            "OrganizationDetails.OrganizationName",
            json!("ب".repeat(65)),
        ),
        SDK,
    )
    .unwrap_err();
    assert!(
        err.errors()[0]
            .message
            .contains("is 65 characters, over its X.520 limit of 64 characters"),
        "{err}"
    );
    fails(
        "DeviceDetails.Industry",
        json!("a".repeat(129)),
        SDK,
        ErrorCode::TooLong,
    );
    passes("DeviceDetails.Industry", &"a".repeat(128));
    passes("DeviceDetails.Industry", &"ت".repeat(128));
    fails(
        "DeviceDetails.Industry",
        json!("ت".repeat(129)),
        SDK,
        ErrorCode::TooLong,
    );
    fails(
        "DeviceDetails.Location",
        json!("a".repeat(181)),
        SDK,
        ErrorCode::TooLong,
    );
    passes("DeviceDetails.Location", &"a".repeat(180));
    passes("DeviceDetails.Location", &"ر".repeat(180));
    fails(
        "DeviceDetails.Location",
        json!("ر".repeat(181)),
        SDK,
        ErrorCode::TooLong,
    );
    fails(
        "OrganizationDetails.OrganizationUnitName",
        json!("a".repeat(65)),
        SDK,
        ErrorCode::TooLong,
    );
    // The EGS serial: X.520 ub-name, 32768 characters (here 65526 bytes).
    let serial = |n: usize| format!("1-a|2-b|3-{}", "س".repeat(n - 10));
    assert_eq!(
        codes(
            &with("DeviceDetails.EgsSerialNumber", json!(serial(32768))),
            SDK
        ),
        []
    );
    fails(
        "DeviceDetails.EgsSerialNumber",
        json!(serial(32769)),
        SDK,
        ErrorCode::TooLong,
    );
}

#[test]
fn the_sdk_arabic_examples_are_accepted() {
    // SDK R3.3.3's Arabic organization name: 42 characters, 79 bytes, within
    // X.520's 64 characters (it used to be refused as over 64 bytes).
    for rel in [
        "csr/sdk-r3.3.3/csr-config-example-AR.properties",
        "csr/sdk-r3.3.3/csr-config-example-AR-VAT-Group.properties",
        "csr/sdk-r3.2.7/csr-config-example-AR.properties",
        "csr/sdk-r3.2.7/csr-config-example-AR-VAT-Group.properties",
    ] {
        let input = RequestInput::from_bytes(&std::fs::read(testdata(rel)).unwrap()).unwrap();
        let p = input.validate(SDK).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(p.shape(), InputShape::SdkProperties);
    }
    let input = RequestInput::from_bytes(
        &std::fs::read(testdata("csr/sdk-r3.3.3/csr-config-example-AR.properties")).unwrap(),
    )
    .unwrap();
    let p = input.validate(SDK).unwrap();
    let name = p.organization_name().as_str();
    assert_eq!(name, "شركة توريد التكنولوجيا بأقصى سرعة المحدودة");
    assert_eq!((name.chars().count(), name.len()), (42, 79));
    assert_eq!(p.organization_unit().as_str(), "فرع الرياض");
    assert_eq!(p.industry().as_str(), "أنشطة توريدات");
    assert_eq!(p.invoice_types().as_str(), "1100");
    let group = RequestInput::from_bytes(
        &std::fs::read(testdata(
            "csr/sdk-r3.3.3/csr-config-example-AR-VAT-Group.properties",
        ))
        .unwrap(),
    )
    .unwrap()
    .validate(SDK)
    .unwrap();
    assert!(group.vat().is_group());
    assert_eq!(group.organization_name(), p.organization_name());
}

/// The fields of the ClearTax shape, each with a valid value to spoil.
const CLEARTAX_FIELDS: [(&str, &str); 9] = [
    ("DeviceDetails.CommonName", "TST-886431145-399999999900003"),
    (
        "DeviceDetails.EgsSerialNumber",
        "1-TST|2-TST|3-ed22f1d8e6a211189b58d9a8f11e445f",
    ),
    ("DeviceDetails.Location", "RRRD2929"),
    ("DeviceDetails.Industry", "Supply activities"),
    ("DeviceDetails.InvoiceType", "1100"),
    ("OrganizationDetails.Vat", "399999999900003"),
    (
        "OrganizationDetails.OrganizationName",
        "Maximum Speed Tech Supply LTD",
    ),
    ("OrganizationDetails.OrganizationUnitName", "فرع الرياض"),
    ("OrganizationDetails.CountryCode", "SA"),
];

/// `value` with `c` put after its second character.
fn spoiled(value: &str, c: char) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    chars.insert(2, c);
    chars.into_iter().collect()
}

#[test]
fn zp052_control_characters_refused_in_every_field() {
    let controls = [
        ('\u{0}', "U+0000"),
        ('\t', "U+0009"),
        ('\n', "U+000A"),
        ('\u{1b}', "U+001B"),
        ('\u{7f}', "U+007F"),
        ('\u{85}', "U+0085"),
        ('\u{9b}', "U+009B"),
        ('\u{202e}', "U+202E"),
        ('\u{2066}', "U+2066"),
        ('\u{2069}', "U+2069"),
    ];
    for (path, good) in CLEARTAX_FIELDS {
        for (c, escape) in controls {
            let value = spoiled(good, c);
            fails(path, json!(value), SDK, ErrorCode::ControlCharacter);
            let err = validate(&with(path, json!(value)), STRICT).unwrap_err();
            assert_eq!(
                err.codes(),
                [ErrorCode::ControlCharacter],
                "{path} {escape}"
            );
            let message = &err.errors()[0].message;
            assert!(message.contains(path), "{message}");
            assert!(
                message.contains(&format!("{escape} at character 3")),
                "{message}"
            );
            // Neither the character nor the value is echoed raw.
            assert!(!message.contains(c), "{path} {escape}");
            assert!(!err.to_json().to_string().contains(c), "{path} {escape}");
        }
    }
    // The top-level fields too.
    for key in ["Environment", "InvoiceFormat"] {
        let mut v = base();
        v[key] = json!("Sim\u{1b}[2Julation");
        let err = validate(&v, SDK).unwrap_err();
        assert_eq!(err.codes(), [ErrorCode::ControlCharacter], "{key}");
        assert_eq!(err.errors()[0].path, key);
    }
}

#[test]
fn zp052_is_reported_with_every_other_fault() {
    let mut v = with("DeviceDetails.CommonName", json!("EGS\u{0}1"));
    v["DeviceDetails"]["EgsSerialNumber"] = json!("1-a|2-b|3-c\nd");
    v["OrganizationDetails"]["Vat"] = json!("123");
    v["OrganizationDetails"]["OrganizationName"] = json!("\u{202e}DTL ylppuS");
    v["OrganizationDetails"]["CountryCode"] = json!("XX");
    let err = validate(&v, SDK).unwrap_err();
    assert_eq!(
        err.codes(),
        [
            ErrorCode::ControlCharacter,
            ErrorCode::ControlCharacter,
            ErrorCode::VatFormat,
            ErrorCode::ControlCharacter,
            ErrorCode::Country
        ]
    );
    let paths: Vec<&str> = err.errors().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "DeviceDetails.CommonName",
            "DeviceDetails.EgsSerialNumber",
            "OrganizationDetails.Vat",
            "OrganizationDetails.OrganizationName",
            "OrganizationDetails.CountryCode"
        ]
    );
    assert!(err.errors()[0].message.contains("U+0000 at character 4"));
    assert!(err.errors()[1].message.contains("U+000A at character 12"));
    assert!(err.errors()[3].message.contains("U+202E at character 1"));
}

#[test]
fn zp052_in_sdk_properties_and_in_the_newtypes() {
    // A `\uXXXX` escape and a `\t` escape in a properties file are read, then refused.
    let mut props =
        std::fs::read_to_string(testdata("csr/sdk-r3.3.3/csr-config-example-EN.properties"))
            .unwrap();
    props = props.replace("csr.common.name=TST-", "csr.common.name=TST\\u001b[31m-");
    props = props.replace("csr.location.address=RRRD", "csr.location.address=RR\\tRD");
    let err = RequestInput::from_bytes(props.as_bytes())
        .unwrap()
        .validate(SDK)
        .unwrap_err();
    assert_eq!(
        err.codes(),
        [ErrorCode::ControlCharacter, ErrorCode::ControlCharacter]
    );
    assert_eq!(err.errors()[0].path, "csr.common.name");
    assert!(err.errors()[0].message.contains("U+001B at character 4"));
    assert_eq!(err.errors()[1].path, "csr.location.address");
    assert!(err.errors()[1].message.contains("U+0009"));
    // The newtypes refuse them on their own, whoever builds them.
    use zatca_profile::{
        CommonName, EgsSerial, Industry, Location, OrganizationName, OrganizationUnit,
    };
    for e in [
        CommonName::parse("a\u{1b}b").unwrap_err(),
        OrganizationName::parse("a\u{85}").unwrap_err(),
        OrganizationUnit::parse("\u{2067}a").unwrap_err(),
        Location::parse("a\rb").unwrap_err(),
        Industry::parse("a\u{7f}").unwrap_err(),
        EgsSerial::parse("1-a|2-b|3-\u{0}", SDK).unwrap_err(),
    ] {
        assert_eq!(e.code, ErrorCode::ControlCharacter, "{e}");
    }
    // Many are named up to five, then "and more".
    let e = CommonName::parse(&"a\u{1}".repeat(7)).unwrap_err();
    assert!(
        e.message.contains("U+0001 at character 10, and more"),
        "{e}"
    );
    assert!(!e.message.contains("character 12"), "{e}");
}

#[test]
fn bidi_marks_and_arabic_are_not_control_characters() {
    // RLM, LRM and the Arabic letter mark steer neutral characters; Arabic text uses them.
    for name in ["شركة\u{200f} (الرياض)", "ABC\u{200e}-1", "فرع\u{61c}1"] {
        passes("OrganizationDetails.OrganizationName", name);
    }
    assert!(!zatca_profile::is_control_character(' '));
    assert!(zatca_profile::is_control_character('\u{9f}'));
    assert!(!zatca_profile::is_control_character('\u{a0}'));
}

#[test]
fn zp060_unknown_environment() {
    let mut v = base();
    v["Environment"] = json!("staging");
    let err = validate(&v, SDK).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::EnvironmentUnknown]);
    assert_eq!(err.errors()[0].path, "Environment");
    for (word, env) in [
        ("Development", Environment::Development),
        ("developer-portal", Environment::Development),
        ("sandbox", Environment::Development),
        ("Simulation", Environment::Simulation),
        ("Production", Environment::Production),
        ("core", Environment::Production),
    ] {
        v["Environment"] = json!(word);
        assert_eq!(validate(&v, SDK).unwrap().environment(), Some(env));
    }
}

#[test]
fn zp061_environment_required_for_a_csr_never_defaulted() {
    let input = RequestInput::from_bytes(base().to_string().as_bytes()).unwrap();
    let opts = ValidateOptions {
        require_environment: true,
        ..ValidateOptions::default()
    };
    let err = input.validate_with(&opts).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::EnvironmentMissing]);
    // Without the requirement it is simply absent.
    assert_eq!(input.validate(SDK).unwrap().environment(), None);
    // From the caller.
    let p = input
        .validate_with(&ValidateOptions {
            environment: Some(Environment::Production),
            ..opts
        })
        .unwrap();
    assert_eq!(p.environment(), Some(Environment::Production));
}

#[test]
fn zp062_environment_conflict() {
    let input =
        RequestInput::from_bytes(&std::fs::read(testdata("profile/provider-sim.json")).unwrap())
            .unwrap();
    let err = input
        .validate_with(&ValidateOptions {
            environment: Some(Environment::Production),
            require_environment: true,
            ..ValidateOptions::default()
        })
        .unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::EnvironmentConflict]);
    let same = input
        .validate_with(&ValidateOptions {
            environment: Some(Environment::Simulation),
            require_environment: true,
            ..ValidateOptions::default()
        })
        .unwrap();
    assert_eq!(same.environment(), Some(Environment::Simulation));
    assert_eq!(
        same.clone()
            .with_environment(Environment::Production)
            .unwrap_err()
            .code,
        ErrorCode::EnvironmentConflict
    );
}

#[test]
fn zp070_invoice_format() {
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(testdata("profile/provider-sim.json")).unwrap())
            .unwrap();
    v["InvoiceFormat"] = json!("Docx");
    let err = validate(&v, SDK).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::InvoiceFormatUnknown]);
    assert_eq!(err.errors()[0].path, "InvoiceFormat");
    v["InvoiceFormat"] = json!("model");
    assert!(validate(&v, SDK).is_ok());
}

#[test]
fn zp080_otp_six_digits_never_echoed() {
    let mut v = base();
    v["Otp"] = json!("12ab5");
    let err = validate(&v, SDK).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::OtpFormat]);
    assert_eq!(err.errors()[0].path, "Otp");
    assert!(!err.to_string().contains("12ab5"));
    assert!(!err.to_json().to_string().contains("12ab5"));
    v["Otp"] = json!("123345");
    let mut input = RequestInput::from_bytes(v.to_string().as_bytes()).unwrap();
    assert!(input.validate(SDK).is_ok());
    assert_eq!(format!("{:?}", input.otp().unwrap()), "Otp(<redacted>)");
    assert!(!format!("{input:?}").contains("123345"));
    assert_eq!(input.take_otp().unwrap().expose(), "123345");
}

/// The other provider's request (seed 003) with `environment` and `otp`.
fn provider_request(environment: &str, otp: &str) -> RequestInput {
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(testdata("profile/provider-sim.json")).unwrap())
            .unwrap();
    v["Environment"] = json!(environment);
    v["OTP"] = json!(otp);
    RequestInput::from_bytes(v.to_string().as_bytes()).unwrap()
}

#[test]
fn zp080_the_otp_rule_follows_the_environment() {
    // The developer portal takes any string, as the other provider documents.
    for otp in ["any-string", "12ab5", "123345", "1234567"] {
        let p = provider_request("Development", otp).validate(SDK).unwrap();
        assert_eq!(p.environment(), Some(Environment::Development));
    }
    // Simulation and production need their portal's 6 digits.
    for env in ["Simulation", "Production"] {
        assert!(provider_request(env, "918273").validate(SDK).is_ok());
        for otp in ["any-string", "12345", "1234567", "١٢٣٤٥٦", "12 345"] {
            let err = provider_request(env, otp).validate(SDK).unwrap_err();
            assert_eq!(err.codes(), [ErrorCode::OtpFormat], "{env} {otp:?}");
            assert_eq!(err.errors()[0].path, "OTP");
            let message = &err.errors()[0].message;
            assert!(message.contains(&env.to_lowercase()), "{message}");
            assert!(!err.to_json().to_string().contains(otp));
        }
    }
    // No environment named: only an OTP every environment accepts; the caller's
    // environment counts as the request's.
    let mut v = base();
    v["Otp"] = json!("any-string");
    let input = RequestInput::from_bytes(v.to_string().as_bytes()).unwrap();
    let err = input.validate(SDK).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::OtpFormat]);
    assert!(err.errors()[0].message.contains("no environment is named"));
    let p = input
        .validate_with(&ValidateOptions {
            environment: Some(Environment::Development),
            ..ValidateOptions::default()
        })
        .unwrap();
    assert_eq!(p.environment(), Some(Environment::Development));
    let err = input
        .validate_with(&ValidateOptions {
            environment: Some(Environment::Production),
            ..ValidateOptions::default()
        })
        .unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::OtpFormat]);
}

#[test]
fn a_blank_otp_or_one_with_a_control_character_fails_everywhere() {
    for env in ["Development", "Simulation", "Production"] {
        for blank in ["", "   "] {
            let err = provider_request(env, blank).validate(SDK).unwrap_err();
            assert_eq!(err.codes(), [ErrorCode::Empty], "{env} {blank:?}");
            assert_eq!(err.errors()[0].path, "OTP");
        }
        for otp in ["123\u{1b}56", "12345\n", "\u{202e}654321"] {
            let err = provider_request(env, otp).validate(SDK).unwrap_err();
            assert_eq!(err.codes(), [ErrorCode::ControlCharacter], "{env} {otp:?}");
            let message = &err.errors()[0].message;
            assert!(
                message.contains("the OTP holds a control character"),
                "{message}"
            );
            assert!(
                !message.contains("U+") && !message.contains("123"),
                "{message}"
            );
        }
    }
}

#[test]
fn otp_check_is_the_one_rule() {
    use zatca_profile::{Otp, OtpError};
    let otp = |s: &str| Otp::new(s.to_owned());
    for env in Environment::ALL {
        let environment = Some(env);
        assert_eq!(otp("123456").check(environment), Ok(()));
        assert_eq!(otp("").check(environment), Err(OtpError::Empty));
        assert_eq!(otp("\t").check(environment), Err(OtpError::Empty));
        assert_eq!(
            otp("12\u{0}456").check(environment),
            Err(OtpError::ControlCharacter)
        );
        let any = otp("sandbox-otp").check(environment);
        if env == Environment::Development {
            assert_eq!(any, Ok(()));
        } else {
            assert_eq!(any, Err(OtpError::NotSixDigits { environment }));
            assert_eq!(any.unwrap_err().code(), ErrorCode::OtpFormat);
        }
    }
    assert_eq!(
        otp("sandbox-otp").check(None),
        Err(OtpError::NotSixDigits { environment: None })
    );
    assert_eq!(OtpError::Empty.code(), ErrorCode::Empty);
    assert_eq!(
        OtpError::ControlCharacter.code(),
        ErrorCode::ControlCharacter
    );
    assert!(
        !OtpError::NotSixDigits { environment: None }
            .to_string()
            .contains("sandbox")
    );
}

#[test]
fn five_faults_are_five_errors_in_the_cleartax_json_form() {
    let input = RequestInput::from_bytes(
        &std::fs::read(testdata("profile/cleartax-five-faults.json")).unwrap(),
    )
    .unwrap();
    let err = input.validate(SDK).unwrap_err();
    assert_eq!(
        err.codes(),
        [
            ErrorCode::SerialFormat,
            ErrorCode::ForbiddenCharacter,
            ErrorCode::InvoiceTypeNone,
            ErrorCode::VatFormat,
            ErrorCode::Country
        ]
    );
    let doc = err.to_json();
    assert_eq!(doc["Status"], "FAILED");
    let list = doc["ErrorList"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    let paths: Vec<&str> = list.iter().map(|e| e["Path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "DeviceDetails.EgsSerialNumber",
            "DeviceDetails.Industry",
            "DeviceDetails.InvoiceType",
            "OrganizationDetails.Vat",
            "OrganizationDetails.CountryCode"
        ]
    );
    for e in list {
        let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4);
        assert!(e["ErrorCode"].as_str().unwrap().starts_with("ZP"));
        assert!(!e["ErrorMessage"].as_str().unwrap().is_empty());
        assert!(e["ErrorSource"].is_string());
    }
}

#[test]
fn the_three_shapes_give_the_same_profile() {
    let sdk = RequestInput::from_bytes(
        &std::fs::read(testdata("csr/sdk-r3.3.3/csr-config-example-EN.properties")).unwrap(),
    )
    .unwrap();
    assert_eq!(sdk.shape(), InputShape::SdkProperties);
    let sdk = sdk.validate(SDK).unwrap();
    let cleartax =
        RequestInput::from_bytes(&std::fs::read(testdata("requests/sample-device.json")).unwrap())
            .unwrap();
    assert_eq!(cleartax.shape(), InputShape::ClearTax);
    let cleartax = cleartax.validate(SDK).unwrap();
    assert_eq!(cleartax.environment(), None);
    for field_eq in [
        sdk.common_name() == cleartax.common_name(),
        sdk.egs_serial() == cleartax.egs_serial(),
        sdk.vat() == cleartax.vat(),
        sdk.organization_unit() == cleartax.organization_unit(),
        sdk.organization_name() == cleartax.organization_name(),
        sdk.country() == cleartax.country(),
        sdk.invoice_types() == cleartax.invoice_types(),
        sdk.location() == cleartax.location(),
        sdk.industry() == cleartax.industry(),
    ] {
        assert!(field_eq);
    }
    let provider =
        RequestInput::from_bytes(&std::fs::read(testdata("profile/provider-sim.json")).unwrap())
            .unwrap();
    assert_eq!(provider.shape(), InputShape::Provider);
    assert!(provider.otp().is_some());
    let provider = provider.validate(SDK).unwrap();
    assert_eq!(provider.environment(), Some(Environment::Simulation));
    assert_eq!(provider.invoice_types(), sdk.invoice_types());
    assert!(provider.common_name_derived());
    assert_eq!(
        provider.common_name().as_str(),
        "TST-ed22f1d8-e6a2-1118-9b58-d9a8f11e445f-399999999900003"
    );
}

#[test]
fn provider_shape_derived_common_name_errors_point_at_device_common_name() {
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(testdata("profile/provider-sim.json")).unwrap())
            .unwrap();
    v["Device"]["EgsSerialNumber"] = json!(format!("1-a|2-b|3-{}", "x".repeat(60)));
    let err = validate(&v, SDK).unwrap_err();
    assert_eq!(err.codes(), [ErrorCode::TooLong]);
    assert_eq!(err.errors()[0].path, "Device.CommonName");
    assert!(err.errors()[0].message.contains("add Device.CommonName"));
    v["Device"]["CommonName"] = json!("EGS-1");
    let p = validate(&v, SDK).unwrap();
    assert!(!p.common_name_derived());
}

#[test]
fn keys_are_read_ignoring_case() {
    let input =
        RequestInput::from_bytes(&std::fs::read(testdata("profile/cleartax-ar.json")).unwrap())
            .unwrap();
    assert_eq!(input.shape(), InputShape::ClearTax);
    let p = input.validate(SDK).unwrap();
    assert_eq!(p.organization_unit().as_str(), "فرع الرياض");
    let props = b"CSR.Country.Name=SA\n";
    assert_eq!(
        RequestInput::from_bytes(props).unwrap().get(Field::Country),
        Some("SA")
    );
}

#[test]
fn sdk_properties_every_example_reads() {
    // R3.3.3 and R3.2.7 EN examples and VAT-group examples pass; the template is all empty.
    for rel in [
        "csr/sdk-r3.3.3/csr-config-example-EN.properties",
        "csr/sdk-r3.3.3/csr-config-example-EN-VAT-group.properties",
        "csr/sdk-r3.2.7/csr-config-example-EN.properties",
        "csr/sdk-r3.2.7/csr-config-example-EN-VAT-group.properties",
    ] {
        let input = RequestInput::from_bytes(&std::fs::read(testdata(rel)).unwrap()).unwrap();
        let p = input.validate(SDK).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(p.shape(), InputShape::SdkProperties);
    }
    // The older examples' 1111 is fine for the SDK and refused by strict.
    let old = RequestInput::from_bytes(
        &std::fs::read(testdata("csr/sdk-r3.2.7/csr-config-example-EN.properties")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        old.validate(STRICT).unwrap_err().codes(),
        [ErrorCode::SerialStrictChars, ErrorCode::InvoiceTypeReserved]
    );
    let template = RequestInput::from_bytes(
        &std::fs::read(testdata("csr/sdk-r3.3.3/csr-config-template.properties")).unwrap(),
    )
    .unwrap();
    let err = template.validate(SDK).unwrap_err();
    assert_eq!(err.len(), 9);
    assert!(err.codes().iter().all(|c| *c == ErrorCode::Empty));
    assert!(err.errors().iter().all(|e| e.path.starts_with("csr.")));
}

#[test]
fn properties_escapes_comments_continuations_and_crlf() {
    let input = RequestInput::from_bytes(
        &std::fs::read(testdata("profile/escapes-crlf.properties")).unwrap(),
    )
    .unwrap();
    assert_eq!(input.get(Field::OrganizationUnit), Some("فرع الرياض"));
    assert_eq!(
        input.get(Field::OrganizationName),
        Some("Maximum Speed Tech Supply LTD")
    );
    assert_eq!(
        input.get(Field::CommonName),
        Some("TST-886431145-399999999900003")
    );
    assert_eq!(input.get(Field::Vat), Some("399999999900003"));
    input.validate(SDK).unwrap();
}
