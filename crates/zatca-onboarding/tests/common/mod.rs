//! Shared test helpers: a minimal sample-document maker and a lifecycle over the simulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use zatca_fatoora::{ComplianceStep, InvoiceSubmission};
use zatca_onboarding::{
    Onboarding, Options, SampleContext, SampleDocuments, Store, UblSamples, UnixTime,
};
use zatca_profile::{EgsProfile, Environment, RequestInput, ValidateOptions, ValidationProfile};
use zatca_simulator::{Simulator, SimulatorConfig, UblDocumentChecker};

/// 2026-01-01T00:00:00Z.
pub const NOW: u64 = 1_767_225_600;

pub fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

/// The real sample documents ([`UblSamples`]), with knobs that make them fail
/// the way a buggy integrator's documents would.
#[derive(Debug, Default, Clone, Copy)]
pub struct FakeDocuments {
    /// Type every document as a standard invoice (ZATCA then misses the other steps).
    pub all_standard_invoices: bool,
    /// Make the documents for another VAT number than the device's.
    pub wrong_vat: bool,
    /// Fail to make documents.
    pub broken: bool,
}

impl SampleDocuments for FakeDocuments {
    fn documents(
        &self,
        ctx: &SampleContext<'_>,
    ) -> Result<Vec<(ComplianceStep, InvoiceSubmission)>, String> {
        if self.broken {
            return Err("the test generator was told to fail".to_owned());
        }
        let steps: Vec<ComplianceStep> = if self.all_standard_invoices {
            vec![ComplianceStep::StandardInvoice; ctx.steps.len()]
        } else {
            ctx.steps.to_vec()
        };
        let foreign;
        let profile = if self.wrong_vat {
            foreign = foreign_vat_profile(ctx.profile);
            &foreign
        } else {
            ctx.profile
        };
        let made = UblSamples.documents(&SampleContext {
            profile,
            csid: ctx.csid,
            key: ctx.key,
            steps: &steps,
            signing_time: ctx.signing_time,
            first_icv: ctx.first_icv,
            first_pih: ctx.first_pih,
        })?;
        // Report each document under the step the lifecycle asked for.
        Ok(ctx
            .steps
            .iter()
            .zip(made)
            .map(|(step, (_, doc))| (*step, doc))
            .collect())
    }
}

/// The same device details under another (valid) VAT number.
fn foreign_vat_profile(profile: &EgsProfile) -> EgsProfile {
    let json = format!(
        r#"{{"DeviceDetails":{{"CommonName":"{cn}","EgsSerialNumber":"{serial}","Location":"{loc}","Industry":"{ind}","InvoiceType":"{tsxy}"}},
            "OrganizationDetails":{{"Vat":"300000000000003","OrganizationName":"{org}","OrganizationUnitName":"{ou}","CountryCode":"SA"}}}}"#,
        cn = profile.common_name().as_str(),
        serial = profile.egs_serial().as_str(),
        loc = profile.location().as_str(),
        ind = profile.industry().as_str(),
        tsxy = profile.invoice_types().as_str(),
        org = profile.organization_name().as_str(),
        ou = profile.organization_unit().as_str(),
    );
    RequestInput::from_bytes(json.as_bytes())
        .unwrap()
        .validate_with(&ValidateOptions {
            profile: ValidationProfile::Sdk,
            environment: profile.environment(),
            require_environment: false,
        })
        .unwrap()
}

pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

/// A request of the ClearTax shape with this TSXY and serial part 3, no OTP.
pub fn request(tsxy: &str, serial: &str) -> RequestInput {
    let json = format!(
        r#"{{
  "DeviceDetails": {{
    "CommonName": "TST-886431145-399999999900003",
    "EgsSerialNumber": "1-TST|2-TST|3-{serial}",
    "Location": "RRRD2929",
    "Industry": "Supply activities",
    "InvoiceType": "{tsxy}"
  }},
  "OrganizationDetails": {{
    "Vat": "399999999900003",
    "OrganizationName": "Maximum Speed Tech Supply LTD",
    "OrganizationUnitName": "Riyadh Branch",
    "CountryCode": "SA"
  }}
}}"#
    );
    RequestInput::from_bytes(json.as_bytes()).unwrap()
}

/// The simulator of `env`, checking each document's signature, digests and QR.
pub fn simulator(env: Environment) -> Simulator {
    Simulator::new(SimulatorConfig::for_environment(env, NOW))
        .unwrap()
        .with_document_checker(Box::new(UblDocumentChecker))
}

pub fn onboarding<'s>(
    dir: &Path,
    sim: &'s Simulator,
    docs: FakeDocuments,
) -> Onboarding<&'s Simulator, FakeDocuments> {
    Onboarding::new(Store::open(dir).unwrap(), sim, docs, Options::default())
}

pub fn otp(s: &str) -> zatca_profile::Otp {
    zatca_profile::Otp::new(s.to_owned())
}

/// Every file under `dir` whose name marks it as a temporary file.
pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy().contains(".tmp-") {
                out.push(p);
            }
        }
    }
    out
}

/// "Register device" as the seed answers it.
pub fn register<F: zatca_fatoora::Fatoora, D: zatca_onboarding::SampleDocuments>(
    ob: &zatca_onboarding::Onboarding<F, D>,
    input: zatca_profile::RequestInput,
    env: Option<Environment>,
    otp: Option<zatca_profile::Otp>,
    now: zatca_onboarding::UnixTime,
) -> zatca_onboarding::RegisterAnswer {
    zatca_onboarding::RegisterAnswer::from_result(&ob.register(input, env, otp, now))
}
