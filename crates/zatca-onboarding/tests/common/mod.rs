//! Shared test helpers: a minimal sample-document maker and a lifecycle over the simulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use zatca_fatoora::{ComplianceStep, InvoiceSubmission};
use zatca_onboarding::{Onboarding, Options, SampleContext, SampleDocuments, Store, UnixTime};
use zatca_profile::{Environment, RequestInput};
use zatca_simulator::{Simulator, SimulatorConfig};

/// 2026-01-01T00:00:00Z.
pub const NOW: u64 = 1_767_225_600;

pub fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

/// Test double of the issue-6 generator: the smallest UBL documents the
/// simulator's checks read (UUID, type code + subtype, ICV, PIH, seller VAT),
/// with the right invoice hash but **no signature** (the simulator here runs
/// without a `DocumentChecker`). The real generator replaces it end to end.
#[derive(Debug, Default, Clone, Copy)]
pub struct FakeDocuments {
    /// Type every document as a standard invoice (ZATCA then misses the other steps).
    pub all_standard_invoices: bool,
    /// Put this VAT in the documents instead of the device's.
    pub wrong_vat: bool,
    /// Fail to make documents.
    pub broken: bool,
}

pub fn fake_document(step: ComplianceStep, vat: &str, icv: u64, pih: &str) -> (String, Vec<u8>) {
    let uuid = format!("00000000-0000-4000-8000-{icv:012}");
    let subtype = if step.simplified() {
        "0200000"
    } else {
        "0100000"
    };
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
    <cbc:ProfileID>reporting:1.0</cbc:ProfileID>
    <cbc:ID>TEST-{icv}</cbc:ID>
    <cbc:UUID>{uuid}</cbc:UUID>
    <cbc:IssueDate>2026-01-01</cbc:IssueDate>
    <cbc:InvoiceTypeCode name="{subtype}">{code}</cbc:InvoiceTypeCode>
    <cac:AdditionalDocumentReference>
        <cbc:ID>ICV</cbc:ID>
        <cbc:UUID>{icv}</cbc:UUID>
    </cac:AdditionalDocumentReference>
    <cac:AdditionalDocumentReference>
        <cbc:ID>PIH</cbc:ID>
        <cac:Attachment>
            <cbc:EmbeddedDocumentBinaryObject mimeCode="text/plain">{pih}</cbc:EmbeddedDocumentBinaryObject>
        </cac:Attachment>
    </cac:AdditionalDocumentReference>
    <cac:AccountingSupplierParty>
        <cac:Party>
            <cac:PartyTaxScheme>
                <cbc:CompanyID>{vat}</cbc:CompanyID>
                <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
            </cac:PartyTaxScheme>
        </cac:Party>
    </cac:AccountingSupplierParty>
</Invoice>
"#,
        code = step.type_code(),
    );
    (uuid, xml.into_bytes())
}

impl SampleDocuments for FakeDocuments {
    fn documents(
        &self,
        ctx: &SampleContext<'_>,
    ) -> Result<Vec<(ComplianceStep, InvoiceSubmission)>, String> {
        if self.broken {
            return Err("the test generator was told to fail".to_owned());
        }
        let vat = if self.wrong_vat {
            "311111111111113"
        } else {
            ctx.profile.vat().as_str()
        };
        let mut pih = ctx.first_pih.to_owned();
        let mut out = Vec::new();
        for (i, step) in ctx.steps.iter().enumerate() {
            let typed = if self.all_standard_invoices {
                ComplianceStep::StandardInvoice
            } else {
                *step
            };
            let (uuid, xml) = fake_document(typed, vat, ctx.first_icv + i as u64, &pih);
            let hash = zatca_ubl::invoice_hash(&xml)
                .map_err(|e| e.to_string())?
                .to_base64();
            out.push((
                *step,
                InvoiceSubmission {
                    invoice_hash: hash.clone(),
                    uuid,
                    invoice: base64::engine::general_purpose::STANDARD.encode(&xml),
                },
            ));
            pih = hash;
        }
        Ok(out)
    }
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

pub fn simulator(env: Environment) -> Simulator {
    Simulator::new(SimulatorConfig::for_environment(env, NOW)).unwrap()
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
