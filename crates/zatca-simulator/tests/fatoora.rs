//! The simulated Fatoora endpoints: OTP rules, template policy, authentication,
//! missing compliance steps, renewal 428.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{NOW, csr_for, otp};
use zatca_fatoora::{
    ComplianceStep, ErrorKind, Fatoora, FatooraError, ProductionCsidRequest, Renewal,
};
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::Environment;
use zatca_simulator::{Failure, Simulator, SimulatorConfig};

#[test]
fn compliance_csid_is_issued_for_our_key_with_our_san() {
    let sim = Simulator::new(SimulatorConfig::for_environment(
        Environment::Simulation,
        NOW,
    ))
    .unwrap();
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let answer = sim
        .compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key))
        .unwrap();
    let cert = answer.csid.certificate();
    cert.check_public_key(&key.public_key()).unwrap();
    cert.check_vat("399999999900003").unwrap();
    cert.check_invoice_types("1100").unwrap();
    assert_eq!(answer.disposition.as_deref(), Some("ISSUED"));
    assert!(answer.csid.request_id().is_some());
    assert_eq!(cert.ca_family().map(|e| e.name()), Some("simulation"));
}

#[test]
fn otp_rules_follow_the_environment() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let dev = Simulator::new(SimulatorConfig::for_environment(
        Environment::Development,
        NOW,
    ))
    .unwrap();
    dev.compliance_csid(&otp("anything"), &csr_for(Environment::Development, &key))
        .unwrap();
    let err = dev
        .compliance_csid(&otp(""), &csr_for(Environment::Development, &key))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingOtp);

    let mut config = SimulatorConfig::for_environment(Environment::Production, NOW);
    config.otps = vec!["654321".into()];
    let prod = Simulator::new(config).unwrap();
    let csr = csr_for(Environment::Production, &key);
    assert_eq!(
        prod.compliance_csid(&otp("12345"), &csr)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidOtp
    );
    assert_eq!(
        prod.compliance_csid(&otp("123456"), &csr)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidOtp
    );
    prod.compliance_csid(&otp("654321"), &csr).unwrap();
    // An OTP serves one CSID.
    assert_eq!(
        prod.compliance_csid(&otp("654321"), &csr)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidOtp
    );
}

#[test]
fn a_csr_for_another_environment_is_denied_by_policy() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let sim = Simulator::new(SimulatorConfig::for_environment(
        Environment::Simulation,
        NOW,
    ))
    .unwrap();
    let err = sim
        .compliance_csid(&otp("123456"), &csr_for(Environment::Production, &key))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateDenied);
    assert!(err.to_string().contains("another environment"), "{err}");
    // The developer portal does not check the template (spec §1.2).
    let dev = Simulator::new(SimulatorConfig::for_environment(
        Environment::Development,
        NOW,
    ))
    .unwrap();
    dev.compliance_csid(&otp("123345"), &csr_for(Environment::Production, &key))
        .unwrap();
}

#[test]
fn production_csid_requires_every_compliance_step() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let sim = Simulator::new(SimulatorConfig::for_environment(
        Environment::Simulation,
        NOW,
    ))
    .unwrap();
    let ccsid = sim
        .compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key))
        .unwrap()
        .csid;
    let request = ProductionCsidRequest {
        compliance_request_id: ccsid.request_id().unwrap().to_owned(),
    };
    let err = sim.production_csid(&ccsid, &request).unwrap_err();
    match err.kind() {
        ErrorKind::MissingComplianceSteps(steps) => {
            let expected: Vec<String> = ComplianceStep::ALL
                .iter()
                .map(|s| s.name().to_owned())
                .collect();
            assert_eq!(steps, expected);
        }
        other => panic!("{other:?}: {err}"),
    }
    let wrong = ProductionCsidRequest {
        compliance_request_id: "42".into(),
    };
    assert!(matches!(
        sim.production_csid(&ccsid, &wrong),
        Err(FatooraError::Rejected { .. })
    ));
}

#[test]
fn unknown_credentials_are_unauthorized() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let a = Simulator::new(SimulatorConfig::for_environment(
        Environment::Simulation,
        NOW,
    ))
    .unwrap();
    let b = Simulator::new(SimulatorConfig::for_environment(
        Environment::Simulation,
        NOW,
    ))
    .unwrap();
    let ccsid = a
        .compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key))
        .unwrap()
        .csid;
    let request = ProductionCsidRequest {
        compliance_request_id: ccsid.request_id().unwrap().to_owned(),
    };
    assert_eq!(
        b.production_csid(&ccsid, &request).unwrap_err(),
        FatooraError::Unauthorized
    );
    assert_eq!(
        a.renew_production_csid(
            &ccsid,
            &otp("123456"),
            &csr_for(Environment::Simulation, &key)
        )
        .unwrap_err(),
        FatooraError::Unauthorized,
        "a compliance CSID must not authorise a renewal (FORUM 524: 401)"
    );
}

#[test]
fn scripted_failures_fire_once() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let sim = Simulator::new(SimulatorConfig::for_environment(
        Environment::Simulation,
        NOW,
    ))
    .unwrap();
    sim.inject(Failure::InvalidOtp);
    let csr = csr_for(Environment::Simulation, &key);
    assert_eq!(
        sim.compliance_csid(&otp("123456"), &csr)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidOtp
    );
    sim.compliance_csid(&otp("123457"), &csr).unwrap();
    sim.inject(Failure::ExpiredCertificate);
    let expired = sim.compliance_csid(&otp("123458"), &csr).unwrap().csid;
    assert!(
        !expired
            .certificate()
            .is_valid_at(zatca_cert::UnixTime::from_secs(NOW))
    );
}

#[test]
fn state_persists_across_instances() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let mut config = SimulatorConfig::for_environment(Environment::Simulation, NOW);
    config.state_dir = Some(dir.path().to_path_buf());
    let ccsid = {
        let sim = Simulator::new(config.clone()).unwrap();
        sim.compliance_csid(&otp("123456"), &csr_for(Environment::Simulation, &key))
            .unwrap()
            .csid
    };
    let again = Simulator::new(config).unwrap();
    let request = ProductionCsidRequest {
        compliance_request_id: ccsid.request_id().unwrap().to_owned(),
    };
    // Authenticated (the record survived), but the steps are missing.
    assert!(matches!(
        again.production_csid(&ccsid, &request).unwrap_err().kind(),
        ErrorKind::MissingComplianceSteps(_)
    ));
    let _ = Renewal::Issued; // the renewal paths are covered end to end by the lifecycle tests
}

#[test]
fn a_refused_csr_does_not_use_up_the_otp() {
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    let sim = Simulator::new(SimulatorConfig::for_environment(
        Environment::Simulation,
        NOW,
    ))
    .unwrap();
    let err = sim
        .compliance_csid(&otp("246810"), &csr_for(Environment::Production, &key))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateDenied);
    sim.compliance_csid(&otp("246810"), &csr_for(Environment::Simulation, &key))
        .unwrap();
}
