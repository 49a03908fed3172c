//! What the lifecycle needs of a store: the directory [`crate::Store`] of the
//! CLI, or a database behind a service. Every write is committed when the call
//! returns (the lifecycle commits each step before the next starts), and
//! [`DeviceStore::lock_device`] serializes the operations on one device.

use zatca_csr::Csr;
use zatca_fatoora::Csid;
use zatca_keys::PrivateKey;
use zatca_profile::Environment;

use crate::error::{CsidKind, OnboardingError};
use crate::invoices::InvoiceRecord;
use crate::model::{Activity, ActivityId, DeviceId, DeviceRecord, StepResult};
use crate::store::Listing;

/// A device store. Implementations keep secrets (keys, CSID secrets) private
/// at rest and never return them in errors.
pub trait DeviceStore {
    /// Held while one device's operation runs; released on drop.
    type Lock;

    /// Takes the exclusive lock of device `id` (waiting for another holder),
    /// so two callers (threads, processes or instances) never run an
    /// operation on one device at once. A store may lock more than the device.
    fn lock_device(&self, id: &DeviceId) -> Result<Self::Lock, OnboardingError>;

    /// Removes what a writer killed while working on device `id` left
    /// behind; called under its lock. The default does nothing.
    fn sweep(&self, _environment: Environment, _id: &DeviceId) {}

    /// The device `(environment, id)`, if registered.
    fn load_device_in(
        &self,
        environment: Environment,
        id: &DeviceId,
    ) -> Result<Option<DeviceRecord>, OnboardingError>;

    /// The device with this id, in whichever environment it is (`ZO003` if none).
    fn load_device(&self, id: &DeviceId) -> Result<DeviceRecord, OnboardingError> {
        for env in Environment::ALL {
            if let Some(record) = self.load_device_in(env, id)? {
                return Ok(record);
            }
        }
        Err(OnboardingError::UnknownDevice {
            device_id: id.clone(),
        })
    }

    /// Every device, and the records that could not be read.
    fn list_devices(&self) -> Result<Listing, OnboardingError>;

    /// Commits a device's record (the commit point of every step).
    fn save_device(&self, record: &DeviceRecord) -> Result<(), OnboardingError>;

    /// Proves that the store can protect a key it is about to write as it
    /// protects the others (a passphrase that fits, for instance); refused
    /// before anything is written or sent. The default accepts.
    fn check_key_access(&self) -> Result<(), OnboardingError> {
        Ok(())
    }

    /// Stores a generation's private key.
    fn write_key(
        &self,
        record: &DeviceRecord,
        generation: u32,
        key: &PrivateKey,
    ) -> Result<(), OnboardingError>;

    /// Reads a generation's private key.
    fn read_key(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<PrivateKey, OnboardingError>;

    /// Stores a generation's CSR.
    fn write_csr(
        &self,
        record: &DeviceRecord,
        generation: u32,
        csr: &Csr,
    ) -> Result<(), OnboardingError>;

    /// Reads a generation's CSR.
    fn read_csr(&self, record: &DeviceRecord, generation: u32) -> Result<Csr, OnboardingError>;

    /// Stores a CSID (its secret kept private).
    fn write_csid(
        &self,
        record: &DeviceRecord,
        kind: CsidKind,
        generation: u32,
        csid: &Csid,
    ) -> Result<(), OnboardingError>;

    /// Reads a stored CSID.
    fn read_csid(
        &self,
        record: &DeviceRecord,
        kind: CsidKind,
        generation: u32,
    ) -> Result<Csid, OnboardingError>;

    /// Stores a generation's compliance results.
    fn write_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
        results: &[StepResult],
    ) -> Result<(), OnboardingError>;

    /// A generation's compliance results (empty if none were recorded).
    fn read_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<Vec<StepResult>, OnboardingError>;

    /// Commits an activity.
    fn save_activity(&self, activity: &Activity) -> Result<(), OnboardingError>;

    /// Reads an activity (`ZO004` if none).
    fn load_activity(&self, id: &ActivityId) -> Result<Activity, OnboardingError>;

    /// The activities still `IN_PROGRESS` (interrupted ones, after a restart).
    fn in_progress_activities(&self) -> Result<Vec<ActivityId>, OnboardingError>;

    /// Commits a signed document and the chain head that follows it, together:
    /// `record` is the device's record with `chain` moved to `invoice`
    /// (`last_icv` its ICV, `pih` its hash). When this returns, both are
    /// committed; after a failure or a crash, either both or neither are,
    /// and a stored invoice whose ICV is past the committed head is never
    /// read ([`crate::load_invoice`]) and is overwritten by the next one.
    fn commit_invoice(
        &self,
        record: &DeviceRecord,
        invoice: &InvoiceRecord,
    ) -> Result<(), OnboardingError>;

    /// The stored document `icv` of the device, if any (the caller checks it
    /// against the committed chain head).
    fn load_invoice(
        &self,
        record: &DeviceRecord,
        icv: u64,
    ) -> Result<Option<InvoiceRecord>, OnboardingError>;

    /// The stored document signed under idempotency key `key`, if any (the
    /// caller checks it against the committed chain head and the key).
    fn find_invoice_by_idempotency_key(
        &self,
        record: &DeviceRecord,
        key: &str,
    ) -> Result<Option<InvoiceRecord>, OnboardingError>;

    /// Removes what writers killed while saving activities left behind;
    /// called under a device lock. The default does nothing.
    fn sweep_activities(&self) {}

    /// Takes, or renews, the lease of an `IN_PROGRESS` activity for
    /// `owner` (one running instance of a service) for `ttl` from now, by
    /// the store's clock: `true` when `owner` holds it now (it was free,
    /// expired, or `owner`'s already). A store several instances share runs
    /// each activity on one instance at a time this way, and an instance
    /// that dies has its activities taken over once their leases expire.
    /// The default (a store one process owns) always grants it.
    fn lease_activity(
        &self,
        _id: &ActivityId,
        _owner: &str,
        _ttl: std::time::Duration,
    ) -> Result<bool, OnboardingError> {
        Ok(true)
    }

    /// Whether several processes share this store's activities, so that a
    /// lease must be renewed while its activity runs (another instance takes
    /// it over once it expires). The default (a store one process owns) does
    /// not: its leases are always granted and never expire.
    fn shares_activities(&self) -> bool {
        false
    }

    /// Gives up `owner`'s lease of the activity (it finished, or the
    /// instance stops). The default does nothing.
    fn release_activity(&self, _id: &ActivityId, _owner: &str) -> Result<(), OnboardingError> {
        Ok(())
    }

    /// The `IN_PROGRESS` activities no instance holds a live lease of: what
    /// a running instance may take over. The default is every
    /// `IN_PROGRESS` activity.
    fn claimable_activities(&self) -> Result<Vec<ActivityId>, OnboardingError> {
        self.in_progress_activities()
    }
}
