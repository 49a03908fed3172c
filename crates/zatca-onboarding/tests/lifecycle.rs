//! End-to-end lifecycle tests against the offline simulator: register, CSID
//! and PCSID, status, renewal, every seed error code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{FakeDocuments, NOW, now, onboarding, otp, register, request, simulator};
use zatca_fatoora::Fatoora;
use zatca_onboarding::DeviceStore as _;
use zatca_onboarding::{
    ActivityKind, ActivityStatus, AnswerStatus, CsidAnswer, DeviceId, DeviceState, ErrorSource,
    OnboardingError, RenewKey, UnixTime,
};
use zatca_profile::Environment;
use zatca_simulator::Failure;

fn whole_lifecycle(env: Environment, tsxy: &str, steps: usize) {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(env);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let answer = register(
        &ob,
        request(tsxy, "1"),
        Some(env),
        Some(otp("123456")),
        now(),
    );
    assert_eq!(answer.status, AnswerStatus::Generated, "{answer:?}");
    assert!(answer.error_list.is_empty(), "{answer:?}");
    let id = answer.device_id.clone().unwrap();
    let activity_id = answer.pcsid_generation_activity_id.clone().unwrap();
    let activity = ob.activity(&activity_id).unwrap();
    assert_eq!(activity.status, ActivityStatus::Succeeded);
    assert_eq!(activity.kind, ActivityKind::GeneratePcsid);
    assert_eq!(activity.compliance_results.len(), steps);
    assert!(activity.compliance_results.iter().all(|r| r.passed));
    assert_eq!(
        activity.steps.iter().map(|s| s.name()).collect::<Vec<_>>(),
        ["COMPLIANCE_CSID", "COMPLIANCE_CHECKS", "PRODUCTION_CSID"]
    );

    let view = ob.show(&id, now()).unwrap();
    assert_eq!(view.record.state, DeviceState::Production);
    assert_eq!(view.record.environment, env);
    assert_eq!(view.record.invoice_types.as_str(), tsxy);
    assert_eq!(view.compliance_results.len(), steps);
    let plan = view.renewal.unwrap();
    assert!(!plan.in_renewal_window && !plan.expired);
    assert!(plan.days_left > 4 * 365, "{plan:?}");
    assert!(view.production_csid.is_some() && view.compliance_csid.is_some());

    // The PCSID works: a renewal authenticates with it.
    let renewed = ob
        .renew_pcsid(&id, &otp("654321"), RenewKey::New, now())
        .unwrap();
    assert_eq!(renewed.status, ActivityStatus::Succeeded);
    assert_eq!(renewed.compliance_results.len(), steps);
    let view = ob.show(&id, now()).unwrap();
    assert_eq!(view.record.current.number, 2);
    assert_eq!(view.record.state, DeviceState::Production);
}

#[test]
fn lifecycle_1100_development() {
    whole_lifecycle(Environment::Development, "1100", 6);
}

#[test]
fn lifecycle_1000_simulation() {
    whole_lifecycle(Environment::Simulation, "1000", 3);
}

#[test]
fn lifecycle_0100_production() {
    whole_lifecycle(Environment::Production, "0100", 3);
}

#[test]
fn register_is_idempotent_with_warning_6002() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Simulation);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let first = register(
        &ob,
        request("1100", "1"),
        Some(Environment::Simulation),
        None,
        now(),
    );
    assert_eq!(first.status, AnswerStatus::Generated);
    assert!(first.error_list.is_empty());
    assert!(first.pcsid_generation_activity_id.is_none());
    let second = register(
        &ob,
        request("1100", "1"),
        Some(Environment::Simulation),
        None,
        now(),
    );
    assert_eq!(second.status, AnswerStatus::Generated);
    assert_eq!(second.device_id, first.device_id);
    assert_eq!(second.error_list.len(), 1);
    assert_eq!(second.error_list[0].error_code, "6002");
    assert_eq!(
        second.error_list[0].error_message,
        "A Device ID already exist with same VAT and EGS serial number"
    );
    assert_eq!(ob.list(now()).unwrap().devices.len(), 1);
    // The answer has ClearTax's keys.
    let json = serde_json::to_value(&second).unwrap();
    assert_eq!(json["Status"], "GENERATED");
    assert_eq!(json["ErrorList"][0]["ErrorCode"], "6002");
    assert_eq!(json["ErrorList"][0]["ErrorSource"], "LOCAL");
    assert!(json["DeviceId"].is_string());
    // Another environment is another device, with its own credentials.
    let dev = register(
        &ob,
        request("1100", "1"),
        Some(Environment::Development),
        None,
        now(),
    );
    assert_ne!(dev.device_id, first.device_id);
    assert_eq!(ob.list(now()).unwrap().devices.len(), 2);
}

#[test]
fn concurrent_registrations_yield_one_device() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let results: Vec<_> = (0..4)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || {
                let sim = simulator(Environment::Simulation);
                let ob = onboarding(&root, &sim, FakeDocuments::default());
                ob.register_device(&request("1100", "7"), Some(Environment::Simulation), now())
                    .unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(results.iter().filter(|r| !r.existing).count(), 1);
    assert!(results.iter().all(|r| r.device_id == results[0].device_id));
}

#[test]
fn generate_twice_is_6002_and_renew_first_is_6003() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Development);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let id = ob
        .register_device(&request("1000", "1"), Some(Environment::Development), now())
        .unwrap()
        .device_id;
    let err = ob
        .renew_pcsid(&id, &otp("1"), RenewKey::New, now())
        .unwrap_err();
    assert_eq!(err.code(), "6003");
    assert!(
        err.to_string()
            .contains("First time generation of PCSID was not completed")
    );
    ob.generate_pcsid(&id, &otp("anything"), now()).unwrap();
    let err = ob.generate_pcsid(&id, &otp("1"), now()).unwrap_err();
    assert_eq!(err.code(), "6002");
    assert!(
        err.to_string()
            .contains("Production CSID already generated for device")
    );
    let answer = CsidAnswer::from_result(&id, &Err(err));
    assert_eq!(answer.error_list[0].error_code, "6002");
    // Registering again with an OTP does not generate again.
    let again = register(
        &ob,
        request("1000", "1"),
        Some(Environment::Development),
        Some(otp("1")),
        now(),
    );
    assert_eq!(again.status, AnswerStatus::Generated);
    assert_eq!(again.error_list.len(), 1);
    assert!(again.pcsid_generation_activity_id.is_none());
}

#[test]
fn otp_rules_per_environment() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Simulation);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let id = ob
        .register_device(&request("1100", "1"), Some(Environment::Simulation), now())
        .unwrap()
        .device_id;
    for bad in ["12345", "1234567", "12345a", "", " "] {
        let err = ob.generate_pcsid(&id, &otp(bad), now()).unwrap_err();
        let expected = if bad.trim().is_empty() {
            "ZO002"
        } else {
            "ZO001"
        };
        assert_eq!(err.code(), expected, "{bad:?}");
        assert_eq!(err.error_source(), ErrorSource::Local);
        assert!(
            err.activity_id().is_none(),
            "no activity for a local refusal"
        );
        if !bad.trim().is_empty() {
            assert!(!err.to_string().contains(bad), "the OTP is never echoed");
        }
    }
    assert!(zatca_onboarding::check_otp(Environment::Development, &otp("x")).is_ok());
    assert!(zatca_onboarding::check_otp(Environment::Production, &otp("123456")).is_ok());
}

/// Runs generate with a scripted failure and returns the error and the activity.
fn generate_failing(
    env: Environment,
    docs: FakeDocuments,
    failure: Option<Failure>,
) -> (OnboardingError, zatca_onboarding::Activity, DeviceState) {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(env);
    if let Some(f) = failure {
        sim.inject(f);
    }
    let ob = onboarding(dir.path(), &sim, docs);
    let id = ob
        .register_device(&request("1100", "1"), Some(env), now())
        .unwrap()
        .device_id;
    let err = ob.generate_pcsid(&id, &otp("123456"), now()).unwrap_err();
    let activity_id = err.activity_id().unwrap().clone();
    let activity = ob.activity(&activity_id).unwrap();
    assert_eq!(activity.status, ActivityStatus::Failed);
    let state = ob.show(&id, now()).unwrap().record.state;
    (err, activity, state)
}

#[test]
fn invalid_otp_from_zatca() {
    let (err, activity, state) = generate_failing(
        Environment::Simulation,
        FakeDocuments::default(),
        Some(Failure::InvalidOtp),
    );
    assert_eq!(err.code(), "Invalid-OTP");
    assert_eq!(err.error_source(), ErrorSource::Zatca);
    assert!(err.to_string().contains("generate a new one"), "{err}");
    assert_eq!(
        activity.failed_step.map(|s| s.name()),
        Some("COMPLIANCE_CSID")
    );
    assert_eq!(activity.error_list[0].error_code, "Invalid-OTP");
    assert_eq!(state, DeviceState::Registered);
}

#[test]
fn template_denied_means_environment_mismatch() {
    // A simulation device sent to the production endpoint: the real path.
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Production);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let id = ob
        .register_device(&request("1100", "1"), Some(Environment::Simulation), now())
        .unwrap()
        .device_id;
    let err = ob.generate_pcsid(&id, &otp("123456"), now()).unwrap_err();
    assert_eq!(err.code(), "Denied-by-Policy-Module");
    assert!(err.to_string().contains("another environment"), "{err}");
    // The scripted form too.
    let (err, ..) = generate_failing(
        Environment::Simulation,
        FakeDocuments::default(),
        Some(Failure::TemplateDenied),
    );
    assert_eq!(err.code(), "Denied-by-Policy-Module");
}

#[test]
fn failed_compliance_document_is_reported_per_step() {
    let (err, activity, state) = generate_failing(
        Environment::Development,
        FakeDocuments::default(),
        Some(Failure::DocumentRejected),
    );
    assert_eq!(err.code(), "ZO031");
    assert_eq!(err.error_source(), ErrorSource::Zatca);
    let entries = err.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].error_code, "scripted-rejection");
    assert_eq!(entries[0].path.as_deref(), Some("standard-compliant"));
    assert_eq!(
        activity.failed_step.map(|s| s.name()),
        Some("COMPLIANCE_CHECKS")
    );
    assert_eq!(activity.compliance_results.len(), 6);
    assert_eq!(
        activity
            .compliance_results
            .iter()
            .filter(|r| !r.passed)
            .count(),
        1
    );
    assert_eq!(state, DeviceState::ComplianceCsid);
}

#[test]
fn certificate_permissions_for_a_foreign_vat() {
    let docs = FakeDocuments {
        wrong_vat: true,
        ..FakeDocuments::default()
    };
    let (err, activity, _) = generate_failing(Environment::Development, docs, None);
    let entries = err.entries();
    assert_eq!(entries.len(), 6);
    assert!(
        entries
            .iter()
            .all(|e| e.error_code == "certificate-permissions")
    );
    assert!(activity.compliance_results.iter().all(|r| !r.passed));
}

#[test]
fn missing_compliance_steps_lists_them() {
    let docs = FakeDocuments {
        all_standard_invoices: true,
        ..FakeDocuments::default()
    };
    let (err, activity, state) = generate_failing(Environment::Development, docs, None);
    assert_eq!(err.code(), "Missing-ComplianceSteps");
    match err.root() {
        OnboardingError::Zatca(e) => match e.kind() {
            zatca_fatoora::ErrorKind::MissingComplianceSteps(steps) => {
                assert_eq!(steps.len(), 5, "{steps:?}");
                assert!(steps.contains(&"simplified-debit-note-compliant".to_owned()));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert_eq!(
        activity.failed_step.map(|s| s.name()),
        Some("PRODUCTION_CSID")
    );
    assert_eq!(state, DeviceState::ComplianceChecked);
}

#[test]
fn expired_certificate_fails_preflight_and_is_not_stored() {
    let (err, activity, state) = generate_failing(
        Environment::Development,
        FakeDocuments::default(),
        Some(Failure::ExpiredCertificate),
    );
    assert_eq!(err.code(), "ZO010");
    assert!(matches!(
        err.root(),
        OnboardingError::Preflight {
            error: zatca_cert::CertError::Expired { .. },
            ..
        }
    ));
    assert_eq!(
        activity.failed_step.map(|s| s.name()),
        Some("COMPLIANCE_CSID")
    );
    assert_eq!(state, DeviceState::Registered);
}

#[test]
fn server_error_keeps_zatca_code() {
    let (err, ..) = generate_failing(
        Environment::Development,
        FakeDocuments::default(),
        Some(Failure::ServerError),
    );
    assert_eq!(err.code(), "500");
    assert_eq!(err.error_source(), ErrorSource::Zatca);
}

#[test]
fn sample_document_failure_is_local() {
    let docs = FakeDocuments {
        broken: true,
        ..FakeDocuments::default()
    };
    let (err, ..) = generate_failing(Environment::Development, docs, None);
    assert_eq!(err.code(), "ZO030");
    assert_eq!(err.error_source(), ErrorSource::Local);
}

/// Wraps the simulator and changes the compliance request id: ZATCA then
/// answers `Invalid-Request-ID` (classified with `Invalid-CurrentCCSID`).
struct WrongRequestId<'a>(&'a zatca_simulator::Simulator);

impl Fatoora for WrongRequestId<'_> {
    fn compliance_csid(
        &self,
        otp: &zatca_fatoora::Otp,
        csr: &zatca_fatoora::CsrSubmission,
    ) -> Result<zatca_fatoora::CsidResponse, zatca_fatoora::FatooraError> {
        self.0.compliance_csid(otp, csr)
    }
    fn compliance_invoice(
        &self,
        c: &zatca_fatoora::Csid,
        d: &zatca_fatoora::InvoiceSubmission,
    ) -> Result<zatca_fatoora::ComplianceReport, zatca_fatoora::FatooraError> {
        self.0.compliance_invoice(c, d)
    }
    fn production_csid(
        &self,
        c: &zatca_fatoora::Csid,
        _r: &zatca_fatoora::ProductionCsidRequest,
    ) -> Result<zatca_fatoora::CsidResponse, zatca_fatoora::FatooraError> {
        let wrong = zatca_fatoora::ProductionCsidRequest {
            compliance_request_id: "1".to_owned(),
        };
        self.0.production_csid(c, &wrong)
    }
    fn renew_production_csid(
        &self,
        p: &zatca_fatoora::Csid,
        otp: &zatca_fatoora::Otp,
        csr: &zatca_fatoora::CsrSubmission,
    ) -> Result<zatca_fatoora::Renewal, zatca_fatoora::FatooraError> {
        self.0.renew_production_csid(p, otp, csr)
    }
}

#[test]
fn invalid_compliance_csid_request() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Development);
    let ob = zatca_onboarding::Onboarding::new(
        zatca_onboarding::Store::open(dir.path()).unwrap(),
        WrongRequestId(&sim),
        FakeDocuments::default(),
        zatca_onboarding::Options::default(),
    );
    let id = ob
        .register_device(&request("0100", "1"), Some(Environment::Development), now())
        .unwrap()
        .device_id;
    let err = ob.generate_pcsid(&id, &otp("1"), now()).unwrap_err();
    assert_eq!(err.code(), "Invalid-CurrentCCSID");
}

fn onboarded(
    dir: &std::path::Path,
    sim: &zatca_simulator::Simulator,
    env: Environment,
) -> DeviceId {
    let ob = onboarding(dir, sim, FakeDocuments::default());
    let answer = register(
        &ob,
        request("1100", "1"),
        Some(env),
        Some(otp("123456")),
        now(),
    );
    assert_eq!(answer.status, AnswerStatus::Generated, "{answer:?}");
    answer.device_id.unwrap()
}

#[test]
fn renewal_issued_directly_and_with_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Simulation);
    let id = onboarded(dir.path(), &sim, Environment::Simulation);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let before = ob.show(&id, now()).unwrap().production_csid.unwrap();
    sim.inject(Failure::RenewalIssuesDirectly);
    let activity = ob
        .renew_pcsid(&id, &otp("222222"), RenewKey::Same, now())
        .unwrap();
    assert_eq!(
        activity.steps.iter().map(|s| s.name()).collect::<Vec<_>>(),
        ["RENEWAL_CSR", "RENEW_PCSID"]
    );
    let view = ob.show(&id, now()).unwrap();
    assert_eq!(view.record.current.number, 2);
    assert!(!view.record.current.compliance_csid);
    assert_ne!(view.production_csid.unwrap().serial, before.serial);
    let store = ob.store();
    let k1 = store.read_key(&view.record, 1).unwrap().public_key();
    let k2 = store.read_key(&view.record, 2).unwrap().public_key();
    assert_eq!(k1, k2, "same key on request");
    // A new key by default.
    ob.renew_pcsid(&id, &otp("333333"), RenewKey::New, now())
        .unwrap();
    let record = ob.show(&id, now()).unwrap().record;
    assert_eq!(record.current.number, 3);
    assert_ne!(store.read_key(&record, 3).unwrap().public_key(), k2);
}

#[test]
fn failed_renewal_keeps_the_working_pcsid() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Simulation);
    let id = onboarded(dir.path(), &sim, Environment::Simulation);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let before = ob.show(&id, now()).unwrap();
    for failure in [
        Failure::InvalidOtp,
        Failure::DocumentRejected,
        Failure::ServerError,
    ] {
        sim.inject(failure);
        let err = ob
            .renew_pcsid(&id, &otp("444444"), RenewKey::New, now())
            .unwrap_err();
        let activity = ob.activity(&err.activity_id().unwrap().clone()).unwrap();
        assert_eq!(activity.status, ActivityStatus::Failed, "{failure:?}");
        assert_eq!(activity.kind, ActivityKind::RenewPcsid);
        let after = ob.show(&id, now()).unwrap();
        assert_eq!(after.record.current, before.record.current, "{failure:?}");
        assert_eq!(after.record.state, DeviceState::Production);
        assert_eq!(after.production_csid, before.production_csid);
    }
    // Failed compliance documents during a 428 renewal also leave the old one.
    let wrong_device = onboarding(
        dir.path(),
        &sim,
        FakeDocuments {
            wrong_vat: true,
            ..FakeDocuments::default()
        },
    );
    let err = wrong_device
        .renew_pcsid(&id, &otp("555555"), RenewKey::New, now())
        .unwrap_err();
    assert_eq!(err.code(), "ZO031");
    // The working PCSID still authenticates: the next renewal succeeds.
    ob.renew_pcsid(&id, &otp("666666"), RenewKey::New, now())
        .unwrap();
    assert_eq!(ob.show(&id, now()).unwrap().record.current.number, 2);
}

#[test]
fn renewal_window_at_injected_time() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Development);
    let id = onboarded(dir.path(), &sim, Environment::Development);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let view = ob.show(&id, now()).unwrap();
    let expiry = UnixTime::parse_rfc3339(&view.renewal.unwrap().expires_at).unwrap();
    let near = UnixTime::from_secs(expiry.as_secs() - 10 * 86_400);
    let plan = ob.show(&id, near).unwrap().renewal.unwrap();
    assert!(plan.in_renewal_window && !plan.expired);
    assert_eq!(plan.days_left, 10);
    let far = UnixTime::from_secs(expiry.as_secs() - 31 * 86_400);
    assert!(
        !ob.show(&id, far)
            .unwrap()
            .renewal
            .unwrap()
            .in_renewal_window
    );
    let late = UnixTime::from_secs(expiry.as_secs() + 1);
    let plan = ob.show(&id, late).unwrap().renewal.unwrap();
    assert!(plan.expired && !plan.in_renewal_window && plan.days_left < 0);
    assert!(expiry.as_secs() > NOW);
}

#[test]
fn unknown_and_malformed_ids() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Development);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let id = DeviceId::derive(Environment::Development, "399999999900003", "1-a|2-b|3-c");
    assert_eq!(ob.show(&id, now()).unwrap_err().code(), "ZO003");
    assert_eq!(
        ob.generate_pcsid(&id, &otp("1"), now()).unwrap_err().code(),
        "ZO003"
    );
    let activity = zatca_onboarding::ActivityId::generate().unwrap();
    assert_eq!(ob.activity(&activity).unwrap_err().code(), "ZO004");
    let err = OnboardingError::from("../../etc".parse::<DeviceId>().unwrap_err());
    assert_eq!(err.code(), "ZO005");
}

#[test]
fn invalid_request_reports_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Development);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let input = zatca_profile::RequestInput::from_bytes(
        br#"{"DeviceDetails":{"CommonName":"x","EgsSerialNumber":"bad","Location":"l","Industry":"i","InvoiceType":"1100"},
            "OrganizationDetails":{"Vat":"12","OrganizationName":"o","OrganizationUnitName":"u","CountryCode":"SA"}}"#,
    )
    .unwrap();
    let answer = register(&ob, input, Some(Environment::Development), None, now());
    assert_eq!(answer.status, AnswerStatus::Failed);
    assert!(answer.device_id.is_none());
    assert!(answer.error_list.len() >= 2);
    assert!(
        answer
            .error_list
            .iter()
            .all(|e| e.error_source == ErrorSource::Local)
    );
    assert!(
        answer
            .error_list
            .iter()
            .any(|e| e.path.as_deref() == Some("OrganizationDetails.Vat"))
    );
    // No environment at all is refused too: it is never defaulted.
    let answer = register(&ob, request("1100", "1"), None, None, now());
    assert_eq!(answer.status, AnswerStatus::Failed);
    assert_eq!(answer.error_list[0].error_code, "ZP061");
}

#[test]
fn store_holds_no_secret_in_plain_view() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(Environment::Development);
    let id = onboarded(dir.path(), &sim, Environment::Development);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    let view = ob.show(&id, now()).unwrap();
    let shown = serde_json::to_string(&view).unwrap();
    let pcsid = ob
        .store()
        .read_csid(&view.record, zatca_onboarding::CsidKind::Production, 1)
        .unwrap();
    assert!(!shown.contains(pcsid.expose_secret()));
    assert!(!shown.contains("PRIVATE KEY"));
    let device_dir = ob.store().device_dir(Environment::Development, &id);
    let device_json = std::fs::read_to_string(device_dir.join("device.json")).unwrap();
    assert!(!device_json.contains(pcsid.expose_secret()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for f in [
            "key-1.pem",
            "csid/compliance-1.json",
            "csid/production-1.json",
        ] {
            let mode = std::fs::metadata(device_dir.join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
}
