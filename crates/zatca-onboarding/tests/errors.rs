//! ZATCA's recorded error bodies (testdata/api, ISB Swagger) mapped to answer entries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use zatca_fatoora::{FatooraError, ZatcaErrors};
use zatca_onboarding::{ErrorSource, OnboardingError};

fn rejected(status: u16, body: &[u8]) -> OnboardingError {
    OnboardingError::Zatca(FatooraError::Rejected {
        status,
        errors: ZatcaErrors::from_json(body).unwrap(),
    })
}

#[test]
fn recorded_missing_otp() {
    let body = std::fs::read(common::testdata("api/isb-error-400-missing-otp.json")).unwrap();
    let e = rejected(400, &body);
    assert_eq!(e.code(), "Missing-OTP");
    let entries = e.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].error_source, ErrorSource::Zatca);
    assert!(entries[0].error_message.contains("OTP is required field"));
}

#[test]
fn recorded_server_error_and_unauthorized() {
    let body = std::fs::read(common::testdata("api/isb-error-500.json")).unwrap();
    let e = OnboardingError::Zatca(FatooraError::Server {
        status: 500,
        errors: ZatcaErrors::from_json(&body).unwrap(),
    });
    assert_eq!(e.code(), "500");
    assert!(e.to_string().contains("try again later"));
    assert_eq!(
        OnboardingError::Zatca(FatooraError::Unauthorized).code(),
        "HTTP-401"
    );
}

#[test]
fn each_zatca_refusal_keeps_its_code() {
    let cases: [(&[u8], &str); 6] = [
        (br#"{"errors":[{"code":"Invalid-OTP","message":"OTP is not valid"}]}"#, "Invalid-OTP"),
        (br#"{"errorCode":"400","errorCategory":"Invalid-CSR","errorMessage":"The provided Certificate Signing Request (CSR) is invalid."}"#, "Invalid-CSR"),
        (br#"{"errors":[{"code":"Missing-ComplianceSteps","message":"[standard-compliant, simplified-compliant]"}]}"#, "Missing-ComplianceSteps"),
        (br#"{"errors":[{"code":"Invalid-CurrentCCSID","message":"The current CCSID is not valid"}]}"#, "Invalid-CurrentCCSID"),
        (br#"{"requestID":-2,"dispositionMessage":"NOT_COMPLIANT","binarySecurityToken":null,"secret":null,"errors":["unable to submit and sign the csr in zatca side, caused : Denied by Policy Module 0x80094800"]}"#, "Denied-by-Policy-Module"),
        (br#"{"errors":[{"code":"certificate-permissions","message":"User only allowed to use the vat number that exists in the authentication certificate"}]}"#, "certificate-permissions"),
    ];
    for (body, code) in cases {
        let e = rejected(400, body);
        assert_eq!(e.code(), code);
        assert_eq!(e.error_source(), ErrorSource::Zatca);
        let json = serde_json::to_value(e.entries()).unwrap();
        assert_eq!(json[0]["ErrorCode"], code);
        assert_eq!(json[0]["ErrorSource"], "ZATCA");
    }
}

#[test]
fn local_codes_are_stable() {
    let id: zatca_onboarding::DeviceId = "00000000-0000-8000-8000-000000000000".parse().unwrap();
    let activity: zatca_onboarding::ActivityId = "62972e815bc1fa6cd2835c41".parse().unwrap();
    let cases = [
        (
            OnboardingError::PcsidAlreadyGenerated {
                device_id: id.clone(),
            },
            "6002",
        ),
        (
            OnboardingError::PcsidNotGenerated {
                device_id: id.clone(),
            },
            "6003",
        ),
        (
            OnboardingError::OtpFormat {
                environment: zatca_profile::Environment::Production,
            },
            "ZO001",
        ),
        (OnboardingError::OtpMissing, "ZO002"),
        (
            OnboardingError::UnknownDevice {
                device_id: id.clone(),
            },
            "ZO003",
        ),
        (
            OnboardingError::UnknownActivity {
                activity_id: activity.clone(),
            },
            "ZO004",
        ),
    ];
    for (e, code) in cases {
        assert_eq!(e.code(), code);
        assert_eq!(e.error_source(), ErrorSource::Local);
        let wrapped = OnboardingError::ActivityFailed {
            activity_id: activity.clone(),
            cause: Box::new(e.clone()),
        };
        assert_eq!(wrapped.code(), code);
        assert_eq!(wrapped.entries(), e.entries());
    }
}
