//! The lifecycle's [`DeviceStore`] over the database.

use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use rusqlite::{OptionalExtension as _, TransactionBehavior, params};
use zatca_csr::Csr;
use zatca_fatoora::Csid;
use zatca_keys::PrivateKey;
use zatca_onboarding::{
    Activity, ActivityId, CsidKind, DeviceId, DeviceRecord, DeviceStore, InvoiceRecord, Listing,
    OnboardingError, StepResult,
};
use zatca_profile::Environment;
use zeroize::Zeroizing;

use crate::rekey::{stored_bytes, unseal};
use crate::store::SqliteStore;
use zatca_store::custody::RowId;
use zatca_store::rows::{csid_row, key_row, row_name as row, status_name};

/// The devices some thread of this process is working on.
#[derive(Debug, Default)]
pub(crate) struct DeviceLocks {
    held: Mutex<HashSet<DeviceId>>,
    released: Condvar,
}

/// The lock of one device ([`DeviceStore::lock_device`]); released on drop.
#[derive(Debug)]
pub struct DeviceLock {
    locks: Arc<DeviceLocks>,
    id: DeviceId,
}

impl Drop for DeviceLock {
    fn drop(&mut self) {
        let mut held = self
            .locks
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        held.remove(&self.id);
        drop(held);
        self.locks.released.notify_all();
    }
}

impl DeviceLocks {
    fn lock(self: &Arc<Self>, id: &DeviceId) -> DeviceLock {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        while held.contains(id) {
            held = self
                .released
                .wait(held)
                .unwrap_or_else(PoisonError::into_inner);
        }
        held.insert(id.clone());
        DeviceLock {
            locks: Arc::clone(self),
            id: id.clone(),
        }
    }
}

impl SqliteStore {
    fn io(&self, context: &str) -> impl Fn(rusqlite::Error) -> OnboardingError + '_ {
        let context = context.to_owned();
        move |e| OnboardingError::Io {
            path: self.path().to_path_buf(),
            reason: format!("{context}: {e}"),
        }
    }

    fn corrupt(&self, context: &str, what: impl std::fmt::Display) -> OnboardingError {
        OnboardingError::Corrupt {
            path: self.path().to_path_buf(),
            reason: format!("{context}: {what}"),
        }
    }

    /// A secret as it is stored: sealed with the master key's version, or
    /// in clear with no version when the database has no master key.
    fn seal_secret(
        &self,
        context: &str,
        row: &RowId<'_>,
        plaintext: &[u8],
    ) -> Result<(Zeroizing<Vec<u8>>, Option<u32>), OnboardingError> {
        match self.sealer() {
            None => Ok((Zeroizing::new(plaintext.to_vec()), None)),
            Some(sealer) => sealer
                .seal(row, plaintext)
                .map(|sealed| (Zeroizing::new(sealed), Some(sealer.version)))
                .map_err(|e| OnboardingError::Io {
                    path: self.path().to_path_buf(),
                    reason: format!("{context}: {e}"),
                }),
        }
    }

    /// Writes `value` into `column` of the row of (device, `generation`) in
    /// `table`, replacing it. Table and column are this crate's constants.
    fn put_text(
        &self,
        table: &'static str,
        column: &'static str,
        record: &DeviceRecord,
        generation: u32,
        value: &str,
    ) -> Result<(), OnboardingError> {
        let sql = format!(
            "INSERT INTO {table} (environment, device_id, generation, {column})
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (environment, device_id, generation) DO UPDATE SET
               {column} = excluded.{column}"
        );
        self.writer()
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.execute(params![
                    record.environment.as_str(),
                    record.device_id.as_str(),
                    generation,
                    value
                ])
            })
            .map(drop)
            .map_err(self.io(&row(table, record, generation)))
    }

    /// `column` of the row of (device, `generation`) in `table`, if there is one.
    fn text(
        &self,
        table: &'static str,
        column: &'static str,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<Option<String>, OnboardingError> {
        let sql = format!(
            "SELECT {column} FROM {table}
             WHERE environment = ?1 AND device_id = ?2 AND generation = ?3"
        );
        self.reader()
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(
                    params![
                        record.environment.as_str(),
                        record.device_id.as_str(),
                        generation
                    ],
                    |r| r.get(0),
                )
                .optional()
            })
            .map_err(self.io(&row(table, record, generation)))
    }

    fn missing(&self, context: &str) -> OnboardingError {
        self.corrupt(context, "the row is missing")
    }

    fn parse_device(
        &self,
        context: &str,
        environment: &str,
        id: &str,
        json: &str,
    ) -> Result<DeviceRecord, OnboardingError> {
        zatca_store::rows::read_device(environment, id, json).map_err(|e| self.corrupt(context, e))
    }

    fn parse_invoice(
        &self,
        context: &str,
        device: &DeviceRecord,
        json: &str,
    ) -> Result<InvoiceRecord, OnboardingError> {
        zatca_store::rows::read_invoice(device, json).map_err(|e| self.corrupt(context, e))
    }
}

/// Inserts or updates a device's record (its commit point).
fn upsert_device(
    conn: &rusqlite::Connection,
    record: &DeviceRecord,
    json: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO devices (environment, device_id, vat, egs_serial, state, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (environment, device_id) DO UPDATE SET
           vat = excluded.vat, egs_serial = excluded.egs_serial,
           state = excluded.state, record = excluded.record",
    )
    .and_then(|mut s| {
        s.execute(params![
            record.environment.as_str(),
            record.device_id.as_str(),
            record.vat.as_str(),
            record.egs_serial.as_str(),
            record.state.name(),
            json
        ])
    })
    .map(drop)
}

impl DeviceStore for SqliteStore {
    /// One device's lock, among the threads of this process.
    type Lock = DeviceLock;

    fn lock_device(&self, id: &DeviceId) -> Result<DeviceLock, OnboardingError> {
        Ok(self.locks().lock(id))
    }

    fn load_device_in(
        &self,
        environment: Environment,
        id: &DeviceId,
    ) -> Result<Option<DeviceRecord>, OnboardingError> {
        let context = format!("table devices, row ({}, {id})", environment.as_str());
        let json: Option<String> = self
            .reader()
            .prepare_cached("SELECT record FROM devices WHERE environment = ?1 AND device_id = ?2")
            .and_then(|mut s| {
                s.query_row(params![environment.as_str(), id.as_str()], |r| r.get(0))
                    .optional()
            })
            .map_err(self.io(&context))?;
        json.map(|j| self.parse_device(&context, environment.as_str(), id.as_str(), &j))
            .transpose()
    }

    fn list_devices(&self) -> Result<Listing, OnboardingError> {
        let rows: Vec<(String, String, String)> = self
            .reader()
            .prepare_cached("SELECT environment, device_id, record FROM devices")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(self.io("table devices"))?;
        let mut out = Listing::default();
        for (environment, id, json) in rows {
            let context = format!("table devices, row ({environment}, {id})");
            match self.parse_device(&context, &environment, &id, &json) {
                Ok(record) => out.devices.push(record),
                Err(e) => out.damaged.push(e),
            }
        }
        // As the directory store lists them: by environment, then id.
        out.devices
            .sort_by(|a, b| (a.environment, &a.device_id).cmp(&(b.environment, &b.device_id)));
        Ok(out)
    }

    fn save_device(&self, record: &DeviceRecord) -> Result<(), OnboardingError> {
        let context = format!(
            "table devices, row ({}, {})",
            record.environment.as_str(),
            record.device_id
        );
        let json = serde_json::to_string(record).map_err(|e| OnboardingError::Io {
            path: self.path().to_path_buf(),
            reason: format!("{context}: {e}"),
        })?;
        upsert_device(&self.writer(), record, &json).map_err(self.io(&context))
    }

    fn commit_invoice(
        &self,
        record: &DeviceRecord,
        invoice: &InvoiceRecord,
    ) -> Result<(), OnboardingError> {
        let context = format!(
            "table invoices, row ({}, {}, ICV {})",
            record.environment.as_str(),
            record.device_id,
            invoice.icv
        );
        let encode = |e: serde_json::Error| self.corrupt(&context, e);
        let device_json = serde_json::to_string(record).map_err(encode)?;
        let invoice_json = serde_json::to_string(invoice).map_err(encode)?;
        let icv = i64::try_from(invoice.icv)
            .map_err(|_| self.corrupt(&context, "the ICV is beyond SQLite's integers"))?;
        let mut conn = self.writer();
        // The document and the chain head that covers it: one transaction.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.io(&context))?;
        tx.prepare_cached(
            "INSERT INTO invoices
               (environment, device_id, icv, uuid, invoice_hash, idempotency_key, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut s| {
            s.execute(params![
                record.environment.as_str(),
                record.device_id.as_str(),
                icv,
                invoice.uuid,
                invoice.invoice_hash,
                invoice.idempotency_key,
                invoice_json
            ])
        })
        .map_err(self.io(&context))?;
        upsert_device(&tx, record, &device_json).map_err(self.io(&context))?;
        tx.commit().map_err(self.io(&context))
    }

    fn load_invoice(
        &self,
        record: &DeviceRecord,
        icv: u64,
    ) -> Result<Option<InvoiceRecord>, OnboardingError> {
        let context = format!(
            "table invoices, row ({}, {}, ICV {icv})",
            record.environment.as_str(),
            record.device_id
        );
        let Ok(icv) = i64::try_from(icv) else {
            return Ok(None);
        };
        let json: Option<String> = self
            .reader()
            .prepare_cached(
                "SELECT record FROM invoices WHERE environment = ?1 AND device_id = ?2 AND icv = ?3",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![record.environment.as_str(), record.device_id.as_str(), icv],
                    |r| r.get(0),
                )
                .optional()
            })
            .map_err(self.io(&context))?;
        json.map(|j| self.parse_invoice(&context, record, &j))
            .transpose()
    }

    fn find_invoice_by_idempotency_key(
        &self,
        record: &DeviceRecord,
        key: &str,
    ) -> Result<Option<InvoiceRecord>, OnboardingError> {
        let context = format!(
            "table invoices, idempotency key of ({}, {})",
            record.environment.as_str(),
            record.device_id
        );
        let json: Option<String> = self
            .reader()
            .prepare_cached(
                "SELECT record FROM invoices
                 WHERE environment = ?1 AND device_id = ?2 AND idempotency_key = ?3",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![record.environment.as_str(), record.device_id.as_str(), key],
                    |r| r.get(0),
                )
                .optional()
            })
            .map_err(self.io(&context))?;
        json.map(|j| self.parse_invoice(&context, record, &j))
            .transpose()
    }

    fn write_key(
        &self,
        record: &DeviceRecord,
        generation: u32,
        key: &PrivateKey,
    ) -> Result<(), OnboardingError> {
        let context = row("device_keys", record, generation);
        let der = key.to_pkcs8_der()?;
        let (stored, version) = self.seal_secret(&context, &key_row(record, generation), &der)?;
        self.writer()
            .prepare_cached(
                "INSERT INTO device_keys (environment, device_id, generation, key_pkcs8, key_version)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (environment, device_id, generation) DO UPDATE SET
                   key_pkcs8 = excluded.key_pkcs8, key_version = excluded.key_version",
            )
            .and_then(|mut s| {
                s.execute(params![
                    record.environment.as_str(),
                    record.device_id.as_str(),
                    generation,
                    stored.as_slice(),
                    version
                ])
            })
            .map(drop)
            .map_err(self.io(&context))
    }

    fn read_key(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<PrivateKey, OnboardingError> {
        let context = row("device_keys", record, generation);
        let stored: Option<(Zeroizing<Vec<u8>>, Option<u32>)> = self
            .reader()
            .prepare_cached(
                "SELECT key_pkcs8, key_version FROM device_keys
                 WHERE environment = ?1 AND device_id = ?2 AND generation = ?3",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        record.environment.as_str(),
                        record.device_id.as_str(),
                        generation
                    ],
                    |r| Ok((r.get::<_, Vec<u8>>(0).map(Zeroizing::new)?, r.get(1)?)),
                )
                .optional()
            })
            .map_err(self.io(&context))?;
        let (stored, version) = stored.ok_or_else(|| self.missing(&context))?;
        let der = unseal(self.sealer(), &key_row(record, generation), stored, version)
            .map_err(|e| self.corrupt(&context, e))?;
        PrivateKey::from_bytes(&der)
            .map(|(key, _)| key)
            .map_err(|e| self.corrupt(&context, e))
    }

    fn write_csr(
        &self,
        record: &DeviceRecord,
        generation: u32,
        csr: &Csr,
    ) -> Result<(), OnboardingError> {
        let pem = csr.to_pem()?;
        self.put_text("device_csrs", "csr_pem", record, generation, &pem)
    }

    fn read_csr(&self, record: &DeviceRecord, generation: u32) -> Result<Csr, OnboardingError> {
        let context = row("device_csrs", record, generation);
        let pem = self
            .text("device_csrs", "csr_pem", record, generation)?
            .ok_or_else(|| self.missing(&context))?;
        Csr::parse(pem.as_bytes())
            .map(|(csr, _)| csr)
            .map_err(|e| self.corrupt(&context, e))
    }

    fn write_csid(
        &self,
        record: &DeviceRecord,
        kind: CsidKind,
        generation: u32,
        csid: &Csid,
    ) -> Result<(), OnboardingError> {
        let context = format!(
            "table device_csids, row ({}, {}, {}, generation {generation})",
            record.environment.as_str(),
            record.device_id,
            kind.name()
        );
        let clear = csid.expose_secret();
        let (sealed, version) = self.seal_secret(
            &context,
            &csid_row(record, kind, generation),
            clear.as_bytes(),
        )?;
        // Sealed: a BLOB; in clear (no master key): the TEXT it always was.
        let sealed: &[u8] = &sealed;
        let secret: &dyn rusqlite::ToSql = if version.is_some() { &sealed } else { &clear };
        self.writer()
            .prepare_cached(
                "INSERT INTO device_csids
                   (environment, device_id, kind, generation, token, secret, request_id,
                    secret_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (environment, device_id, kind, generation) DO UPDATE SET
                   token = excluded.token, secret = excluded.secret,
                   request_id = excluded.request_id, secret_version = excluded.secret_version",
            )
            .and_then(|mut s| {
                s.execute(params![
                    record.environment.as_str(),
                    record.device_id.as_str(),
                    kind.name(),
                    generation,
                    csid.token(),
                    secret,
                    csid.request_id(),
                    version
                ])
            })
            .map(drop)
            .map_err(self.io(&context))
    }

    fn read_csid(
        &self,
        record: &DeviceRecord,
        kind: CsidKind,
        generation: u32,
    ) -> Result<Csid, OnboardingError> {
        let context = format!(
            "table device_csids, row ({}, {}, {}, generation {generation})",
            record.environment.as_str(),
            record.device_id,
            kind.name()
        );
        type Parts = (String, Zeroizing<Vec<u8>>, Option<String>, Option<u32>);
        let parts: Option<Parts> = self
            .reader()
            .prepare_cached(
                "SELECT token, secret, request_id, secret_version FROM device_csids
                 WHERE environment = ?1 AND device_id = ?2 AND kind = ?3 AND generation = ?4",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        record.environment.as_str(),
                        record.device_id.as_str(),
                        kind.name(),
                        generation
                    ],
                    |r| {
                        let secret = r.get_ref(1)?;
                        let secret = stored_bytes(secret).ok_or_else(|| {
                            rusqlite::Error::InvalidColumnType(
                                1,
                                "secret".to_owned(),
                                secret.data_type(),
                            )
                        })?;
                        Ok((r.get(0)?, Zeroizing::new(secret), r.get(2)?, r.get(3)?))
                    },
                )
                .optional()
            })
            .map_err(self.io(&context))?;
        let (token, stored, request_id, version) = parts.ok_or_else(|| self.missing(&context))?;
        let plain = unseal(
            self.sealer(),
            &csid_row(record, kind, generation),
            stored,
            version,
        )
        .map_err(|e| self.corrupt(&context, e))?;
        let secret = std::str::from_utf8(&plain)
            .map(|s| Zeroizing::new(s.to_owned()))
            .map_err(|_| self.corrupt(&context, "the secret is not UTF-8"))?;
        Csid::new(&token, secret, request_id).map_err(|e| self.corrupt(&context, e))
    }

    fn write_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
        results: &[StepResult],
    ) -> Result<(), OnboardingError> {
        let context = row("compliance_results", record, generation);
        let json = serde_json::to_string(results).map_err(|e| OnboardingError::Io {
            path: self.path().to_path_buf(),
            reason: format!("{context}: {e}"),
        })?;
        self.put_text("compliance_results", "results", record, generation, &json)
    }

    fn read_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<Vec<StepResult>, OnboardingError> {
        let context = row("compliance_results", record, generation);
        let json = self.text("compliance_results", "results", record, generation)?;
        match json {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_str(&json).map_err(|e| self.corrupt(&context, e)),
        }
    }

    fn save_activity(&self, activity: &Activity) -> Result<(), OnboardingError> {
        let context = format!("table activities, row {}", activity.activity_id);
        let encode = |e: serde_json::Error| OnboardingError::Io {
            path: self.path().to_path_buf(),
            reason: format!("{context}: {e}"),
        };
        let json = serde_json::to_string(activity).map_err(encode)?;
        let status = status_name(activity.status);
        self.writer()
            .prepare_cached(
                "INSERT INTO activities (activity_id, device_id, status, record)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (activity_id) DO UPDATE SET
                   device_id = excluded.device_id, status = excluded.status,
                   record = excluded.record",
            )
            .and_then(|mut s| {
                s.execute(params![
                    activity.activity_id.as_str(),
                    activity.device_id.as_str(),
                    status,
                    json
                ])
            })
            .map(drop)
            .map_err(self.io(&context))
    }

    fn load_activity(&self, id: &ActivityId) -> Result<Activity, OnboardingError> {
        let context = format!("table activities, row {id}");
        let json: Option<String> = self
            .reader()
            .prepare_cached("SELECT record FROM activities WHERE activity_id = ?1")
            .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)).optional())
            .map_err(self.io(&context))?;
        let Some(json) = json else {
            return Err(OnboardingError::UnknownActivity {
                activity_id: id.clone(),
            });
        };
        let activity: Activity =
            serde_json::from_str(&json).map_err(|e| self.corrupt(&context, e))?;
        if activity.activity_id != *id {
            return Err(self.corrupt(&context, "the record is of another activity"));
        }
        Ok(activity)
    }

    fn in_progress_activities(&self) -> Result<Vec<ActivityId>, OnboardingError> {
        let ids: Vec<String> = self
            .reader()
            .prepare_cached(IN_PROGRESS_QUERY)
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(self.io("table activities"))?;
        ids.iter()
            .map(|id| {
                ActivityId::from_stored(id)
                    .map_err(|e| self.corrupt(&format!("table activities, row {id:?}"), e))
            })
            .collect()
    }
}

/// The interrupted activities, found through the partial index
/// `activities_in_progress`.
pub(crate) const IN_PROGRESS_QUERY: &str =
    "SELECT activity_id FROM activities WHERE status = 'IN_PROGRESS' ORDER BY activity_id";
