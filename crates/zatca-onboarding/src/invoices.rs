//! The device's invoice chain, kept by the store: every document a device
//! signs here gets the next ICV (invoice counter value: the last one + 1, the
//! first 1) and the PIH (the previous document's invoice hash; for the first,
//! [`zatca_sign::FIRST_PIH`]), written into its
//! `cac:AdditionalDocumentReference`s before it is signed with the device's
//! production CSID (XAdES signature and QR, [`zatca_ubl::InvoiceSigner`]).
//!
//! [`sign_invoice`] runs under the device lock and commits the invoice
//! record and the new chain head together ([`DeviceStore::commit_invoice`])
//! before it returns: a document is handed out only once its ICV is
//! committed, so a crash never reuses a committed ICV nor forks the chain,
//! and an ICV whose answer was lost stays recorded ([`load_invoice`] gives it
//! again; a retry with the same idempotency key gets the same answer).
//!
//! During a renewal the device signs with its current production CSID: the
//! lifecycle switches generations in one commit, after the new PCSID passed
//! pre-flight, and signing reads the generation under the same lock.

use serde::{Deserialize, Serialize};
use zatca_cert::UnixTime;
use zatca_profile::InvoiceFormat;
use zatca_ubl::{InvoiceSigner, SigningTime, write_chain_references};

use crate::device_store::DeviceStore;
use crate::error::{CsidKind, OnboardingError};
use crate::model::{DeviceId, DeviceRecord, DeviceState, SCHEMA_VERSION};

/// The longest idempotency key accepted (the HTTP `Idempotency-Key` header).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// One signed document of a device's chain, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvoiceRecord {
    /// The layout version of this record ([`SCHEMA_VERSION`]).
    #[serde(default, rename = "SchemaVersion")]
    pub schema_version: u32,
    /// The device that signed it.
    pub device_id: DeviceId,
    /// Its invoice counter value.
    pub icv: u64,
    /// The previous invoice hash it carries (base64).
    pub pih: String,
    /// Its invoice hash (base64): the next document's PIH.
    pub invoice_hash: String,
    /// Its `cbc:UUID`.
    pub uuid: String,
    /// Its QR code (base64 of the TLV).
    pub qr: String,
    /// The signed document (UTF-8 XML).
    pub signed_invoice: String,
    /// When it was signed (Unix seconds).
    pub signed_at: u64,
    /// The caller's idempotency key, if it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// SHA-256 (hex) of the unsigned document as it was given: a retry with
    /// the same key must send the same document.
    pub request_sha256: String,
}

/// What [`sign_invoice`] answers: the committed record, and whether it was
/// signed by this call or an earlier one with the same idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedInvoice {
    /// The committed invoice (ICV, PIH, hash, UUID, QR, signed XML).
    pub invoice: InvoiceRecord,
    /// `true` when an earlier call with the same idempotency key signed it.
    pub replayed: bool,
}

/// A device's chain head, as `device chain` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainView {
    /// The device.
    pub device_id: DeviceId,
    /// The ICV of the last document signed (0: none yet).
    pub last_icv: u64,
    /// The ICV the next document gets.
    pub next_icv: u64,
    /// The PIH the next document gets (base64).
    pub next_pih: String,
    /// How many documents the chain holds (ICVs are consecutive from 1).
    pub invoices: u64,
}

/// A device's chain head.
pub fn chain_view(store: &impl DeviceStore, id: &DeviceId) -> Result<ChainView, OnboardingError> {
    let record = store.load_device(id)?;
    Ok(ChainView {
        device_id: record.device_id.clone(),
        last_icv: record.chain.last_icv,
        next_icv: record.chain.last_icv.saturating_add(1),
        next_pih: record.chain.pih.clone(),
        invoices: record.chain.last_icv,
    })
}

/// The committed document with this ICV (`ZO053` if the device has none).
pub fn load_invoice(
    store: &impl DeviceStore,
    id: &DeviceId,
    icv: u64,
) -> Result<InvoiceRecord, OnboardingError> {
    let record = store.load_device(id)?;
    committed(store, &record, icv)?.ok_or_else(|| OnboardingError::UnknownInvoice {
        device_id: id.clone(),
        icv,
    })
}

/// The invoice `icv` if the chain head covers it (a record past the head was
/// never committed: a crash left it, and the ICV is free again).
fn committed(
    store: &impl DeviceStore,
    record: &DeviceRecord,
    icv: u64,
) -> Result<Option<InvoiceRecord>, OnboardingError> {
    if icv == 0 || icv > record.chain.last_icv {
        return Ok(None);
    }
    store.load_invoice(record, icv)
}

/// Signs `unsigned_xml` (an unsigned UBL invoice, credit or debit note) as the
/// device's next document: see the module docs. With `idempotency_key`, a
/// repeated call with the same key and document answers the committed
/// document again (`replayed`), and the same key with another document is
/// refused (`ZO052`).
///
/// Refused before anything is written: an unknown device (`ZO003`), one
/// whose caller manages its chain (invoice format `Xml`/`Pdf`, `ZO055`), one
/// without a production CSID (`ZO051`) or in a state that does not sign
/// (`ZO006`), a document that is signed already or cannot be signed
/// (`ZO050`).
pub fn sign_invoice(
    store: &impl DeviceStore,
    id: &DeviceId,
    unsigned_xml: &[u8],
    idempotency_key: Option<&str>,
    now: UnixTime,
) -> Result<ChainedInvoice, OnboardingError> {
    if let Some(key) = idempotency_key {
        check_idempotency_key(key)?;
    }
    let request_sha256 = hex(&zatca_types::digest::sha256(unsigned_xml));
    let _lock = store.lock_device(id)?;
    let mut record = store.load_device(id)?;
    store.sweep(record.environment, id);

    if let Some(key) = idempotency_key
        && let Some(found) = store.find_invoice_by_idempotency_key(&record, key)?
        && found.icv <= record.chain.last_icv
        && found.idempotency_key.as_deref() == Some(key)
    {
        if found.request_sha256 != request_sha256 {
            return Err(OnboardingError::IdempotencyKeyReused {
                device_id: id.clone(),
                icv: found.icv,
            });
        }
        return Ok(ChainedInvoice {
            invoice: found,
            replayed: true,
        });
    }

    if let Some(format @ (InvoiceFormat::Xml | InvoiceFormat::Pdf)) = record.invoice_format {
        return Err(OnboardingError::CallerManagedChain {
            device_id: id.clone(),
            format,
        });
    }
    if !record.current.production_csid {
        return Err(OnboardingError::NoProductionCsid {
            device_id: id.clone(),
        });
    }
    if !matches!(
        record.state,
        DeviceState::Production | DeviceState::Renewing
    ) {
        return Err(OnboardingError::WrongState {
            device_id: id.clone(),
            expected: "PRODUCTION or RENEWING",
            found: record.state.name(),
        });
    }
    let generation = record.current.number;
    let key = store.read_key(&record, generation)?;
    let csid = store.read_csid(&record, CsidKind::Production, generation)?;
    let icv = record
        .chain
        .last_icv
        .checked_add(1)
        .ok_or(OnboardingError::Invoice(zatca_ubl::UblError::Sign(
            zatca_sign::SignError::CounterOverflow,
        )))?;
    let pih = record.chain.pih.clone();

    let chained = write_chain_references(unsigned_xml, icv, &pih)?;
    let signer = InvoiceSigner::new(&key, csid.certificate())?;
    let signed = signer.sign(chained.as_bytes(), &SigningTime::at(now))?;
    let invoice_hash = signed.hash().to_base64();
    let invoice = InvoiceRecord {
        schema_version: SCHEMA_VERSION,
        device_id: id.clone(),
        icv,
        pih,
        invoice_hash: invoice_hash.clone(),
        uuid: signed.uuid().to_owned(),
        qr: signed.qr().to_owned(),
        signed_at: now.as_secs(),
        idempotency_key: idempotency_key.map(str::to_owned),
        request_sha256,
        signed_invoice: signed.into_xml(),
    };
    record.chain.last_icv = icv;
    record.chain.pih = invoice_hash;
    store.commit_invoice(&record, &invoice)?;
    Ok(ChainedInvoice {
        invoice,
        replayed: false,
    })
}

/// An idempotency key is 1 to [`MAX_IDEMPOTENCY_KEY_LEN`] visible ASCII characters.
/// Checks an idempotency key: 1 to [`MAX_IDEMPOTENCY_KEY_LEN`] visible
/// ASCII characters (`ZO054` otherwise).
///
/// ```
/// use zatca_onboarding::check_idempotency_key;
/// assert!(check_idempotency_key("till-7/2026-12-01/0042").is_ok());
/// assert!(check_idempotency_key("two words").is_err());
/// ```
pub fn check_idempotency_key(key: &str) -> Result<(), OnboardingError> {
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY_LEN
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(OnboardingError::BadIdempotencyKey);
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
