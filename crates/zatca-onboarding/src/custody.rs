//! Who keeps a device's cryptographic material: the other provider's
//! synchronous registration (`InvoiceFormat`).
//!
//! - `Xml`, `Pdf`: the caller keeps the CSID, the private key and the secret
//!   and manages the invoice counter and hash itself. The answer that
//!   produced the production CSID hands them over ([`HandedOver`]); no later
//!   call gives them again, and the store never signs for the device
//!   (`ZO055`, [`crate::sign_invoice`]).
//! - `Model`: the store keeps them and manages the chain
//!   ([`crate::sign_invoice`]); no answer carries the key or the secret.
//!
//! A repeat for a device that has its production CSID is answered with the
//! device, its CSID and CSR and the warning `6002`, never with a key or
//! secret, whatever the format: only the call that produced the PCSID hands
//! anything over.

use std::fmt;

use zatca_fatoora::Fatoora;
use zatca_profile::{Environment, InvoiceFormat, InvoiceTypes, Otp, RequestInput};
use zatca_types::UnixTime;
use zeroize::Zeroizing;

use crate::device_store::DeviceStore;
use crate::error::{CsidKind, OnboardingError};
use crate::lifecycle::{Onboarding, SampleDocuments};
use crate::model::{DeviceId, DeviceRecord};

/// What the caller of an `Xml`/`Pdf` device must keep: the device's private
/// key and its production CSID's secret. Zeroized on drop; never in `Debug`.
pub struct HandedOver {
    /// The private key, SEC 1 PEM (`-----BEGIN EC PRIVATE KEY-----`), the
    /// form `openssl ecparam -genkey` writes and ZATCA's guides use.
    pub private_key_pem: Zeroizing<String>,
    /// The production CSID's secret (the password of its Basic auth).
    pub secret: Zeroizing<String>,
}

impl fmt::Debug for HandedOver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandedOver(<redacted>)")
    }
}

/// A device onboarded by one synchronous call: registered, with its
/// compliance CSID, compliance checks and production CSID.
#[derive(Debug)]
pub struct Onboarded {
    /// The device.
    pub device_id: DeviceId,
    /// `true` when the device had its production CSID before this call
    /// (the answer carries the warning `6002` and nothing secret).
    pub existing: bool,
    /// Its TSXY.
    pub invoice_types: InvoiceTypes,
    /// Its invoice format, as registered.
    pub invoice_format: Option<InvoiceFormat>,
    /// The production CSID: ZATCA's `binarySecurityToken`.
    pub csid: String,
    /// The CSR the CSIDs were issued for: base64 of its PEM, the form ZATCA's
    /// compliance API received it in.
    pub csr_base64: String,
    /// The key and secret, for an `Xml`/`Pdf` device, in the call that
    /// produced its production CSID only.
    pub handed_over: Option<HandedOver>,
}

impl<F: Fatoora, D: SampleDocuments, S: DeviceStore> Onboarding<F, D, S> {
    /// The other provider's register call, synchronous: registers the device
    /// (or finds it), runs the CSID and PCSID activity with `otp` unless the
    /// device has its PCSID, and returns the device with what its invoice
    /// format lets the caller have (see the module docs). The activity's
    /// failure is [`OnboardingError::ActivityFailed`]; the device stays
    /// registered, and the same call with a new OTP tries again.
    pub fn onboard_device(
        &self,
        input: &RequestInput,
        environment: Option<Environment>,
        otp: &Otp,
        now: UnixTime,
    ) -> Result<Onboarded, OnboardingError> {
        let registration = self.register_device(input, environment, now)?;
        let id = registration.device_id;
        let produced = match self.generate_pcsid(&id, otp, now) {
            Ok(_) => true,
            Err(OnboardingError::PcsidAlreadyGenerated { .. }) => false,
            Err(e) => return Err(e),
        };
        let _lock = self.store().lock_device(&id)?;
        let record = self.store().load_device(&id)?;
        self.onboarded(&record, produced)
    }

    /// What the device's answer carries; under its lock.
    fn onboarded(
        &self,
        record: &DeviceRecord,
        produced: bool,
    ) -> Result<Onboarded, OnboardingError> {
        let store = self.store();
        let generation = record.current.number;
        let csid = store.read_csid(record, CsidKind::Production, generation)?;
        let csr_base64 = store.read_csr(record, generation)?.to_base64_pem()?;
        let caller_keeps = matches!(
            record.invoice_format,
            Some(InvoiceFormat::Xml | InvoiceFormat::Pdf)
        );
        let handed_over = if produced && caller_keeps {
            let key = store.read_key(record, generation)?;
            Some(HandedOver {
                private_key_pem: key.to_sec1_pem()?,
                secret: Zeroizing::new(csid.expose_secret().to_owned()),
            })
        } else {
            None
        };
        Ok(Onboarded {
            device_id: record.device_id.clone(),
            existing: !produced,
            invoice_types: record.invoice_types,
            invoice_format: record.invoice_format,
            csid: csid.token().to_owned(),
            csr_base64,
            handed_over,
        })
    }
}
