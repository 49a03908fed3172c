//! Shared test helpers: a store in a temporary folder, the offline simulator, requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use zatca_onboarding::{Onboarding, Options, UblSamples, UnixTime};
use zatca_profile::{Environment, RequestInput};
use zatca_simulator::{Simulator, SimulatorConfig, UblDocumentChecker};
use zatca_store_sqlite::SqliteStore;

/// 2026-01-01T00:00:00Z.
pub const NOW: u64 = 1_767_225_600;

pub fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

/// A temporary folder and the database file inside it (not created yet).
pub fn db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("service.db");
    (dir, path)
}

/// The simulator of `env`, checking each document's signature, digests and QR.
pub fn simulator(env: Environment) -> Simulator {
    Simulator::new(SimulatorConfig::for_environment(env, NOW))
        .unwrap()
        .with_document_checker(Box::new(UblDocumentChecker))
}

/// The lifecycle over `store`, the simulator and the real sample documents.
pub fn onboarding(
    store: SqliteStore,
    sim: &Simulator,
) -> Onboarding<&Simulator, UblSamples, SqliteStore> {
    Onboarding::new(store, sim, UblSamples, Options::default())
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

pub fn otp(s: &str) -> zatca_profile::Otp {
    zatca_profile::Otp::new(s.to_owned())
}
