//! CSID responses (ISB examples in `testdata/api/`), error bodies, and the
//! secret's hygiene.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use zatca_cert::CertError;
use zatca_fatoora::{Csid, CsidError, ZatcaError, ZatcaErrors};

fn read(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn compliance_response() {
    let r = Csid::from_response_json(&read("api/isb-compliance-200.json")).unwrap();
    assert_eq!(r.csid.request_id(), Some("1234567890123"));
    assert_eq!(r.disposition.as_deref(), Some("ISSUED"));
    assert!(!r.renewal_wrapper);
    assert_eq!(
        r.csid.expose_secret(),
        "Dehvg1fc8GF6Jwt5bOxXwC6enR93VxeNEo2mlUatfgw="
    );
    assert_eq!(r.csid.certificate().issuer_name(), "CN=eInvoicing");
    assert_eq!(r.csid.certificate().serial_decimal(), "1704892319821");
}

#[test]
fn production_response_is_the_shared_sandbox_certificate() {
    let r = Csid::from_response_json(&read("api/isb-production-csids-200.json")).unwrap();
    assert_eq!(r.csid.request_id(), Some("1642424139872"));
    assert!(r.csid.certificate().is_shared_sandbox_certificate());
    assert_eq!(
        r.csid.certificate().check_not_shared_sandbox(),
        Err(CertError::SharedSandboxCertificate)
    );
}

#[test]
fn renewal_428_wrapper() {
    let r = Csid::from_response_json(&read("api/isb-production-csids-patch-428.json")).unwrap();
    assert!(r.renewal_wrapper);
    assert_eq!(r.disposition.as_deref(), Some("NOT_COMPLIANT"));
    assert_eq!(r.token_type, None);
    assert_eq!(
        r.csid.expose_secret(),
        "goDgeIdM5mkfTThl1unu8rP9XhknKWAc24hafXZS1f4="
    );
    assert_eq!(r.csid.certificate().serial_decimal(), "1705339856601");
}

#[test]
fn renewal_200_with_lenient_inner_layer_keeps_the_token_as_received() {
    let body = read("api/isb-production-csids-patch-200.json");
    let r = Csid::from_response_json(&body).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        r.csid.token(),
        json["binarySecurityToken"].as_str().unwrap()
    );
    assert_ne!(r.csid.token(), r.csid.certificate().binary_security_token());
    assert_eq!(r.csid.request_id(), Some("347"));
    assert!(r.token_type.as_deref().unwrap().ends_with("#X509v3"));
}

#[test]
fn basic_authorization_is_token_colon_secret() {
    for file in [
        "api/isb-compliance-200.json",
        "api/isb-production-csids-200.json",
        "api/isb-production-csids-patch-428.json",
    ] {
        let body = read(file);
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let inner = json.get("value").unwrap_or(&json);
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                inner["binarySecurityToken"].as_str().unwrap(),
                inner["secret"].as_str().unwrap()
            ))
        );
        let r = Csid::from_response_json(&body).unwrap();
        assert_eq!(r.csid.basic_authorization().as_str(), expected, "{file}");
    }
}

#[test]
fn the_secret_is_never_in_debug_or_errors() {
    for file in [
        "api/isb-compliance-200.json",
        "api/isb-production-csids-patch-428.json",
    ] {
        let r = Csid::from_response_json(&read(file)).unwrap();
        let secret = r.csid.expose_secret().to_owned();
        assert!(!format!("{:?}", r.csid).contains(&secret));
        assert!(!format!("{r:?}").contains(&secret));
        assert!(format!("{:?}", r.csid).contains("<redacted>"));
    }
    // A secret of the wrong type, and a broken token next to a secret.
    let bad = br#"{"binarySecurityToken":"!!!","secret":"TOPSECRETVALUE"}"#;
    let e = Csid::from_response_json(bad).unwrap_err();
    assert!(!e.to_string().contains("TOPSECRETVALUE"));
    assert!(!format!("{e:?}").contains("TOPSECRETVALUE"));
    let bad = br#"{"binarySecurityToken":"TUlJ","secret":["TOPSECRETVALUE"]}"#;
    let e = Csid::from_response_json(bad).unwrap_err();
    assert_eq!(
        e,
        CsidError::WrongFieldType {
            field: "secret",
            expected: "a string"
        }
    );
}

#[test]
fn error_bodies_are_typed() {
    let e = |file: &str| match Csid::from_response_json(&read(file)).unwrap_err() {
        CsidError::Rejected { errors, .. } => errors,
        other => panic!("{file}: {other:?}"),
    };
    let missing_otp = e("api/isb-error-400-missing-otp.json");
    assert_eq!(
        missing_otp.iter().collect::<Vec<_>>(),
        vec![&ZatcaError {
            category: None,
            code: Some("Missing-OTP".into()),
            message: "OTP is required field".into()
        }]
    );
    let unauthorized = e("api/isb-error-401.json");
    assert_eq!(
        unauthorized.iter().next().unwrap().code.as_deref(),
        Some("401")
    );
    assert_eq!(
        unauthorized.iter().next().unwrap().category.as_deref(),
        Some("Unauthorized")
    );
    let internal = e("api/isb-error-500.json");
    assert_eq!(
        internal.to_string(),
        "[HTTP-Errors] 500: Something went wrong and caused an Internal Server Error."
    );
    // The same bodies through ZatcaErrors::from_json.
    assert_eq!(
        ZatcaErrors::from_json(&read("api/isb-error-500.json")).unwrap(),
        internal
    );
}

#[test]
fn newer_error_shape_and_not_compliant_refusal() {
    let body = br#"{"errorCode":"400","errorCategory":"Invalid-CSR","errorMessage":"The provided Certificate Signing Request (CSR) is invalid."}"#;
    let errors = ZatcaErrors::from_json(body).unwrap();
    assert_eq!(
        errors.to_string(),
        "[Invalid-CSR] 400: The provided Certificate Signing Request (CSR) is invalid."
    );
    // spec §1.2: a template mismatch comes back with a null token.
    let refused = br#"{"requestID":-2,"dispositionMessage":"NOT_COMPLIANT","binarySecurityToken":null,"errors":["unable to submit and sign the csr in zatca side, caused : Denied by Policy Module 0x80094800.\r\n"]}"#;
    match Csid::from_response_json(refused).unwrap_err() {
        CsidError::Rejected {
            disposition,
            errors,
        } => {
            assert_eq!(disposition.as_deref(), Some("NOT_COMPLIANT"));
            assert_eq!(errors.len(), 1);
            assert!(errors.to_string().ends_with("0x80094800."));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_responses() {
    assert!(matches!(
        Csid::from_response_json(b"{not json").unwrap_err(),
        CsidError::MalformedJson { .. }
    ));
    assert_eq!(
        Csid::from_response_json(b"  ").unwrap_err(),
        CsidError::Empty
    );
    assert_eq!(
        Csid::from_response_json(br#"{"requestID":1}"#).unwrap_err(),
        CsidError::MissingField {
            field: "binarySecurityToken"
        }
    );
    let body = read("api/isb-compliance-200.json");
    let mut json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    json.as_object_mut().unwrap().remove("secret");
    assert_eq!(
        Csid::from_response_json(json.to_string().as_bytes()).unwrap_err(),
        CsidError::MissingField { field: "secret" }
    );
    json["secret"] = serde_json::json!("x");
    json["requestID"] = serde_json::json!([1]);
    assert!(matches!(
        Csid::from_response_json(json.to_string().as_bytes()).unwrap_err(),
        CsidError::WrongFieldType {
            field: "requestID",
            ..
        }
    ));
    let big = vec![b' '; zatca_cert::MAX_INPUT_BYTES + 1];
    assert!(matches!(
        Csid::from_response_json(&big).unwrap_err(),
        CsidError::TooLarge { .. }
    ));
}

#[test]
fn a_token_with_a_bad_certificate_reports_the_certificate_error_inside() {
    let e = Csid::from_response_json(br#"{"binarySecurityToken":"!!!","secret":"s"}"#).unwrap_err();
    assert!(
        matches!(
            &e,
            CsidError::Certificate(CertError::Malformed {
                form: "binarySecurityToken",
                ..
            })
        ),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(
        message.contains("`binarySecurityToken` holds no usable certificate"),
        "{message}"
    );
    assert!(
        message.contains("binarySecurityToken but does not decode"),
        "{message}"
    );
    assert!(matches!(
        Csid::new("not a token", String::from("s").into(), None).unwrap_err(),
        CsidError::Certificate(_)
    ));
}

#[test]
fn json_that_is_no_answer_names_what_was_expected() {
    let e = ZatcaErrors::from_json(br#"{"hello":1}"#).unwrap_err();
    assert_eq!(e, CsidError::NotAnAnswer);
    let message = e.to_string();
    assert!(message.contains("neither a CSID answer"), "{message}");
    assert!(message.contains("`binarySecurityToken`"), "{message}");
    assert!(message.contains("`errors`"), "{message}");
    let e = ZatcaErrors::from_json(b"{not json").unwrap_err();
    assert!(matches!(e, CsidError::MalformedJson { .. }));
    assert!(
        e.to_string()
            .contains("expected a CSID answer or a ZATCA error body")
    );
}
