//! Secret sweep (issue 5): the OTP a request carries never shows in `Debug`
//! of the request, the OTP or the profile, in the profile's `Serialize`, or in
//! any validation error (text, `Debug` or JSON) — valid or malformed OTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zatca_profile::{Otp, RequestInput, ValidationProfile};

const OTPS: [&str; 5] = [
    "918273",
    "9182x3",
    "91827364519",
    "  918273  ",
    "9182\u{1b}73",
];

fn requests(otp: &str) -> Vec<Vec<u8>> {
    let otp_json = serde_json::to_string(otp).unwrap();
    vec![
        // ClearTax shape, valid.
        format!(
            r#"{{"DeviceDetails":{{"EgsSerialNumber":"1-TST|2-TST|3-1","CommonName":"TST-1-399999999900003"}},"OrganizationDetails":{{"VatNumber":"399999999900003","OrganizationName":"Org","OrganizationUnitName":"Unit","CountryCode":"SA","InvoiceType":"1100","Location":"Riyadh","Industry":"Retail"}},"Otp":{otp_json}}}"#
        )
        .into_bytes(),
        // The same with faults everywhere.
        format!(
            r#"{{"DeviceDetails":{{"EgsSerialNumber":"x","CommonName":""}},"OrganizationDetails":{{"VatNumber":"1","CountryCode":"ZZ","InvoiceType":"0000"}},"Otp":{otp_json}}}"#
        )
        .into_bytes(),
        // The provider shape.
        format!(
            r#"{{"Device":{{"SerialNumber":"1-a|2-b|3-c"}},"Organization":{{"VatNumber":"399999999900003"}},"Environment":"Simulation","OTP":{otp_json}}}"#
        )
        .into_bytes(),
        // Not JSON at all, with the OTP inside.
        format!("{{\"Otp\": {otp_json}, broken").into_bytes(),
        // Wrong type for the OTP field.
        format!("{{\"Otp\": [{otp_json}]}}").into_bytes(),
    ]
}

fn assert_clean(what: &str, text: &str, otp: &str) {
    let needle = otp.trim();
    assert!(
        !text.contains(needle),
        "{what} shows the OTP {needle:?}: {text}"
    );
}

#[test]
fn the_otp_never_shows() {
    for otp in OTPS {
        let wrapped = Otp::new(otp.to_owned());
        assert_clean("Otp Debug", &format!("{wrapped:?} {wrapped:#?}"), otp);
        for body in requests(otp) {
            match RequestInput::from_bytes(&body) {
                Ok(mut input) => {
                    assert_clean("RequestInput Debug", &format!("{input:?} {input:#?}"), otp);
                    for profile in [ValidationProfile::Sdk, ValidationProfile::Strict] {
                        match input.validate(profile) {
                            Ok(valid) => {
                                assert_clean("EgsProfile Debug", &format!("{valid:?}"), otp);
                                assert_clean(
                                    "EgsProfile Serialize",
                                    &serde_json::to_string(&valid).unwrap(),
                                    otp,
                                );
                            }
                            Err(errors) => {
                                assert_clean("errors Display", &errors.to_string(), otp);
                                assert_clean("errors Debug", &format!("{errors:?}"), otp);
                                assert_clean("errors JSON", &errors.to_json().to_string(), otp);
                            }
                        }
                    }
                    if let Some(taken) = input.take_otp() {
                        assert_clean("taken Otp Debug", &format!("{taken:?}"), otp);
                    }
                }
                Err(errors) => {
                    assert_clean("read errors Display", &errors.to_string(), otp);
                    assert_clean("read errors Debug", &format!("{errors:?}"), otp);
                    assert_clean("read errors JSON", &errors.to_json().to_string(), otp);
                }
            }
        }
    }
}
