//! Who keeps a device's key (`InvoiceFormat`): the synchronous registration
//! hands an `Xml`/`Pdf` caller the key and secret once, a `Model` caller
//! never, and the store signs only for devices whose chain it manages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{FakeDocuments, now, onboarding, otp, simulator};
use zatca_onboarding::{CsidKind, DeviceAnswer, DeviceStore as _, OnboardingError};
use zatca_profile::{Environment, InvoiceFormat, RequestInput};

const ENV: Environment = Environment::Simulation;

/// The other provider's request for serial `1-TST|2-TST|3-<serial>`, format `format`.
fn request(serial: &str, format: &str) -> RequestInput {
    let json = format!(
        r#"{{"Device":{{"EgsSerialNumber":"1-TST|2-TST|3-{serial}","Location":"Riyadh","Industry":"Retail","InvoiceType":"Standard"}},
            "Organization":{{"Vat":"399999999900003","OrganizationName":"Tech Innovations","OrganizationUnitName":"Riyadh Branch","CountryCode":"SA"}},
            "Environment":"Simulation","InvoiceFormat":"{format}"}}"#
    );
    RequestInput::from_bytes(json.as_bytes()).unwrap()
}

#[test]
fn xml_and_pdf_callers_get_the_key_and_secret_once_and_model_callers_never() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    for (n, format) in ["Xml", "Pdf", "Model"].iter().enumerate() {
        let input = request(&n.to_string(), format);
        let onboarded = ob
            .onboard_device(&input, Some(ENV), &otp(&format!("20000{n}")), now())
            .unwrap();
        assert!(!onboarded.existing);
        let record = ob.store().load_device(&onboarded.device_id).unwrap();
        assert_eq!(
            record.invoice_format,
            Some(format.parse::<InvoiceFormat>().unwrap())
        );
        let csid = ob
            .store()
            .read_csid(&record, CsidKind::Production, 1)
            .unwrap();
        assert_eq!(onboarded.csid, csid.token());
        let handed = onboarded.handed_over.is_some();
        assert_eq!(handed, *format != "Model", "{format}");
        if let Some(h) = &onboarded.handed_over {
            let (key, _) =
                zatca_keys::PrivateKey::from_bytes(h.private_key_pem.as_bytes()).unwrap();
            assert_eq!(key.public_key(), *csid.certificate().public_key());
            assert_eq!(h.secret.as_str(), csid.expose_secret());
            assert!(!format!("{h:?}").contains(csid.expose_secret()));
        }
        let answer = DeviceAnswer::of(onboarded);
        assert_eq!(answer.invoice_type, Some("Standard"));
        assert!(!format!("{answer:?}").contains(csid.expose_secret()));
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(json.get("privateKey").is_some(), handed, "{format}");
        assert_eq!(json["status"], "Success");

        // Again: the same device, nothing handed over, whatever the format.
        let again = ob
            .onboard_device(&input, Some(ENV), &otp(&format!("30000{n}")), now())
            .unwrap();
        assert!(again.existing && again.handed_over.is_none());
        assert_eq!(again.csid, csid.token());
    }
}

#[test]
fn the_store_signs_only_for_devices_whose_chain_it_manages() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulator(ENV);
    let ob = onboarding(dir.path(), &sim, FakeDocuments::default());
    // Refused before the document is read: a signed sample will do.
    let xml = std::fs::read_to_string(common::testdata(
        "invoices/sdk-r3.3.3/Standard/Invoice/Standard_Invoice.xml",
    ))
    .unwrap();
    for (n, format) in ["Xml", "Pdf"].iter().enumerate() {
        let id = ob
            .onboard_device(
                &request(&format!("s{n}"), format),
                Some(ENV),
                &otp(&format!("40000{n}")),
                now(),
            )
            .unwrap()
            .device_id;
        let refused = ob
            .sign_invoice(&id, xml.as_bytes(), None, now())
            .unwrap_err();
        assert!(
            matches!(refused, OnboardingError::CallerManagedChain { .. }),
            "{refused}"
        );
        assert_eq!(refused.code(), "ZO055");
        assert_eq!(ob.chain(&id).unwrap().last_icv, 0);
    }
}
