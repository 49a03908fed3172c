//! The stages around the rules: the three refusals ZATCA's compliance endpoint gives that a
//! signature-only check misses, and the signature stage on top of the rules.

use zatca_rules::{Options, Stage, Status, validate};
use zatca_types::UnixTime;

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

fn now() -> UnixTime {
    UnixTime::parse_rfc3339("2026-12-01T00:00:00Z").unwrap_or_default()
}

fn errors(path: &str) -> Vec<String> {
    let xml = std::fs::read(format!("{TESTDATA}/{path}")).unwrap_or_default();
    let report = validate(&xml, &Options::at(now()));
    assert_eq!(report.status(), Status::Error, "{path}");
    report
        .error_codes()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[test]
fn currency_xyz_future_date_and_category_q_are_refused_with_the_official_ids() {
    let currency = errors("rules/mutations/BR-CL-04-currency-xyz.xml");
    for id in ["BR-CL-04", "BR-KSA-CL-01", "BR-CL-03", "BR-CL-05"] {
        assert!(currency.iter().any(|e| e == id), "{id} in {currency:?}");
    }
    assert_eq!(
        errors("rules/mutations/BR-KSA-04-issue-date-future.xml"),
        ["BR-KSA-04"]
    );
    assert_eq!(
        errors("rules/mutations/BR-CL-18-tax-category-q.xml"),
        ["BR-CL-18", "BR-KSA-18"]
    );
}

#[test]
fn the_issue_date_is_judged_against_the_time_given() {
    let xml = std::fs::read(format!(
        "{TESTDATA}/rules/mutations/BR-KSA-04-issue-date-future.xml"
    ))
    .unwrap_or_default();
    let later = UnixTime::parse_rfc3339("2099-08-17T00:00:00Z").unwrap_or_default();
    assert_eq!(validate(&xml, &Options::at(later)).status(), Status::Pass);
}

#[test]
fn the_signature_stage_reuses_zatca_ubl_verification() {
    let path = format!("{TESTDATA}/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml");
    let xml = std::fs::read(path).unwrap_or_default();
    let options = Options {
        check_signature: true,
        ..Options::at(now())
    };
    assert_eq!(validate(&xml, &options).status(), Status::Pass);
    let tampered = String::from_utf8_lossy(&xml)
        .replace("<cbc:Name>كتاب</cbc:Name>", "<cbc:Name>book</cbc:Name>");
    let report = validate(tampered.as_bytes(), &options);
    assert!(
        report.error_codes().contains("invalid-invoice-hash"),
        "{report:?}"
    );
    assert!(report.findings.iter().all(|f| f.stage == Stage::Signature));
}

#[test]
fn not_xml_is_a_schema_error_not_a_panic() {
    for input in [
        &b""[..],
        b"<",
        b"\xff\xfe",
        b"<Invoice/>",
        b"<!DOCTYPE x><x/>",
    ] {
        let report = validate(input, &Options::at(now()));
        assert_eq!(
            report.error_codes().into_iter().collect::<Vec<_>>(),
            ["XSD_ZATCA_INVALID"]
        );
    }
}
