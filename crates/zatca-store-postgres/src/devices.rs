//! The lifecycle's [`DeviceStore`] over the database, for several instances.

use std::time::Duration;

use postgres::types::ToSql;
use zatca_csr::Csr;
use zatca_fatoora::Csid;
use zatca_keys::PrivateKey;
use zatca_onboarding::{
    Activity, ActivityId, CsidKind, DeviceId, DeviceRecord, DeviceStore, InvoiceRecord, Listing,
    OnboardingError, StepResult,
};
use zatca_profile::Environment;
use zatca_store::custody::RowId;
use zatca_store::rows::{csid_row, key_row, row_name as row, status_name};
use zeroize::Zeroizing;

use crate::{Conn, PgStoreError, PostgresStore, classify};

/// The lock of one device, on every instance ([`DeviceStore::lock_device`]):
/// a transaction holding its `device_locks` row `FOR UPDATE`; rolled back
/// (releasing it) on drop.
pub struct DeviceLock {
    conn: Option<Conn>,
}

impl std::fmt::Debug for DeviceLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceLock").finish_non_exhaustive()
    }
}

impl Drop for DeviceLock {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            // A connection whose rollback fails is broken; the pool drops it
            // (and the server ends its transaction with it).
            let _ = conn.batch_execute("ROLLBACK");
        }
    }
}

/// A generation as the database's `INTEGER`.
fn int(generation: u32) -> i32 {
    i32::try_from(generation).unwrap_or(i32::MAX)
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl From<PgStoreError> for OnboardingError {
    fn from(e: PgStoreError) -> Self {
        match e {
            PgStoreError::Unavailable { store, reason } => {
                OnboardingError::StoreUnavailable { store, reason }
            }
            PgStoreError::Corrupt { store, reason } => OnboardingError::Corrupt {
                path: store.into(),
                reason,
            },
            other => OnboardingError::Io {
                path: std::path::PathBuf::from(store_of(&other)),
                reason: other.to_string(),
            },
        }
    }
}

fn store_of(e: &PgStoreError) -> String {
    match e {
        PgStoreError::Unavailable { store, .. }
        | PgStoreError::Sql { store, .. }
        | PgStoreError::TooNew { store, .. }
        | PgStoreError::Corrupt { store, .. }
        | PgStoreError::Invalid { store, .. }
        | PgStoreError::UserExists { store, .. }
        | PgStoreError::UnknownVat { store, .. }
        | PgStoreError::WrongMasterKey { store, .. }
        | PgStoreError::Randomness { store, .. } => store.clone(),
        PgStoreError::BadUrl { .. } => String::new(),
    }
}

impl PostgresStore {
    /// A driver error in the lifecycle's terms.
    fn io(&self, context: &str) -> impl Fn(postgres::Error) -> OnboardingError + '_ {
        let context = context.to_owned();
        move |e| OnboardingError::from(classify(self.label(), &context, &e))
    }

    fn corrupt(&self, context: &str, what: impl std::fmt::Display) -> OnboardingError {
        OnboardingError::Corrupt {
            path: self.label().into(),
            reason: format!("{context}: {what}"),
        }
    }

    fn work(&self) -> Result<Conn, OnboardingError> {
        Ok(self.conn()?)
    }

    /// One statement that changes rows.
    fn exec(
        &self,
        context: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, OnboardingError> {
        self.work()?.execute(sql, params).map_err(self.io(context))
    }

    /// The first column of the row a query finds, if any.
    fn text_of(
        &self,
        context: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<String>, OnboardingError> {
        Ok(self
            .work()?
            .query_opt(sql, params)
            .map_err(self.io(context))?
            .map(|r| r.get(0)))
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

    fn seal(
        &self,
        context: &str,
        row: &RowId<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, OnboardingError> {
        self.sealer()
            .seal(row, plaintext)
            .map_err(|e| OnboardingError::Io {
                path: self.label().into(),
                reason: format!("{context}: {e}"),
            })
    }

    fn unseal(
        &self,
        context: &str,
        row: &RowId<'_>,
        sealed: &[u8],
        version: i32,
    ) -> Result<Zeroizing<Vec<u8>>, OnboardingError> {
        let current = self.sealer().version;
        if u32::try_from(version).ok() != Some(current) {
            return Err(self.corrupt(
                context,
                format!("sealed under master key version {version}, the database's is {current}"),
            ));
        }
        self.sealer()
            .open(row, sealed)
            .map_err(|e| self.corrupt(context, e))
    }

    /// Writes `value` into `column` of (device, `generation`) in `table`.
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
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (environment, device_id, generation) DO UPDATE SET
               {column} = excluded.{column}"
        );
        self.exec(
            &row(table, record, generation),
            &sql,
            &[
                &record.environment.as_str(),
                &record.device_id.as_str(),
                &int(generation),
                &value,
            ],
        )
        .map(drop)
    }

    fn text(
        &self,
        table: &'static str,
        column: &'static str,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<Option<String>, OnboardingError> {
        let sql = format!(
            "SELECT {column} FROM {table}
             WHERE environment = $1 AND device_id = $2 AND generation = $3"
        );
        self.text_of(
            &row(table, record, generation),
            &sql,
            &[
                &record.environment.as_str(),
                &record.device_id.as_str(),
                &int(generation),
            ],
        )
    }
}

const UPSERT_DEVICE: &str =
    "INSERT INTO devices (environment, device_id, vat, egs_serial, state, record)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (environment, device_id) DO UPDATE SET
       vat = excluded.vat, egs_serial = excluded.egs_serial,
       state = excluded.state, record = excluded.record";

/// Inserts or updates a device's record (its commit point), through
/// `execute` (a connection's or a transaction's).
fn upsert_device(
    execute: impl FnOnce(&str, &[&(dyn ToSql + Sync)]) -> Result<u64, postgres::Error>,
    record: &DeviceRecord,
    json: &str,
) -> Result<u64, postgres::Error> {
    let (environment, id, vat, serial, state) = (
        record.environment.as_str(),
        record.device_id.as_str(),
        record.vat.as_str(),
        record.egs_serial.as_str(),
        record.state.name(),
    );
    execute(
        UPSERT_DEVICE,
        &[&environment, &id, &vat, &serial, &state, &json],
    )
}

impl DeviceStore for PostgresStore {
    /// A row lock of the device, across instances.
    type Lock = DeviceLock;

    fn lock_device(&self, id: &DeviceId) -> Result<DeviceLock, OnboardingError> {
        let context = format!("table device_locks, row {id}");
        let conn = self
            .lock_pool()
            .get()
            .map_err(|e| OnboardingError::StoreUnavailable {
                store: self.label().to_owned(),
                reason: format!("no connection for the lock of device {id}: {e}"),
            })?;
        // A Device ID is lower-case hex and dashes (checked again here), so
        // it is written into the text: the whole lock is one round trip.
        let text = id.as_str();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(self.corrupt(&context, "not a Device ID"));
        }
        let sql = format!(
            "INSERT INTO device_locks (device_id) VALUES ('{text}') ON CONFLICT DO NOTHING;
             BEGIN;
             SET LOCAL lock_timeout = {timeout};
             SELECT device_id FROM device_locks WHERE device_id = '{text}' FOR UPDATE;",
            timeout = self.config().lock_timeout.as_millis()
        );
        // From here on, dropping the lock rolls the transaction back.
        let mut lock = DeviceLock { conn: Some(conn) };
        if let Some(conn) = lock.conn.as_mut() {
            conn.batch_execute(&sql).map_err(self.io(&context))?;
        }
        Ok(lock)
    }

    fn load_device_in(
        &self,
        environment: Environment,
        id: &DeviceId,
    ) -> Result<Option<DeviceRecord>, OnboardingError> {
        let context = format!("table devices, row ({}, {id})", environment.as_str());
        let json = self.text_of(
            &context,
            "SELECT record FROM devices WHERE environment = $1 AND device_id = $2",
            &[&environment.as_str(), &id.as_str()],
        )?;
        json.map(|j| self.parse_device(&context, environment.as_str(), id.as_str(), &j))
            .transpose()
    }

    fn list_devices(&self) -> Result<Listing, OnboardingError> {
        let rows = self
            .work()?
            .query(
                "SELECT environment, device_id, record FROM devices ORDER BY environment, device_id",
                &[],
            )
            .map_err(self.io("table devices"))?;
        let mut out = Listing::default();
        for r in rows {
            let (environment, id, json): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            let context = format!("table devices, row ({environment}, {id})");
            match self.parse_device(&context, &environment, &id, &json) {
                Ok(record) => out.devices.push(record),
                Err(e) => out.damaged.push(e),
            }
        }
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
        let json = serde_json::to_string(record).map_err(|e| self.corrupt(&context, e))?;
        let mut conn = self.work()?;
        upsert_device(|sql, params| conn.execute(sql, params), record, &json)
            .map(drop)
            .map_err(self.io(&context))
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
        let device_json = serde_json::to_string(record).map_err(|e| self.corrupt(&context, e))?;
        let invoice_json = serde_json::to_string(invoice).map_err(|e| self.corrupt(&context, e))?;
        let icv = i64::try_from(invoice.icv)
            .map_err(|_| self.corrupt(&context, "the ICV is beyond PostgreSQL's BIGINT"))?;
        let mut conn = self.work()?;
        // The document and the chain head that covers it: one transaction.
        let mut tx = conn.transaction().map_err(self.io(&context))?;
        // A row left by an attempt whose head was never committed is replaced.
        tx.execute(
            "INSERT INTO invoices
               (environment, device_id, icv, uuid, invoice_hash, idempotency_key, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (environment, device_id, icv) DO UPDATE SET
               uuid = excluded.uuid, invoice_hash = excluded.invoice_hash,
               idempotency_key = excluded.idempotency_key, record = excluded.record",
            &[
                &record.environment.as_str(),
                &record.device_id.as_str(),
                &icv,
                &invoice.uuid,
                &invoice.invoice_hash,
                &invoice.idempotency_key,
                &invoice_json,
            ],
        )
        .map_err(self.io(&context))?;
        upsert_device(|sql, params| tx.execute(sql, params), record, &device_json)
            .map_err(self.io(&context))?;
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
        let json = self.text_of(
            &context,
            "SELECT record FROM invoices WHERE environment = $1 AND device_id = $2 AND icv = $3",
            &[
                &record.environment.as_str(),
                &record.device_id.as_str(),
                &icv,
            ],
        )?;
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
        let json = self.text_of(
            &context,
            "SELECT record FROM invoices
             WHERE environment = $1 AND device_id = $2 AND idempotency_key = $3",
            &[
                &record.environment.as_str(),
                &record.device_id.as_str(),
                &key,
            ],
        )?;
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
        let sealed = self.seal(&context, &key_row(record, generation), &der)?;
        let version = int(self.sealer().version);
        self.exec(
            &context,
            "INSERT INTO device_keys (environment, device_id, generation, key_sealed, key_version)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (environment, device_id, generation) DO UPDATE SET
               key_sealed = excluded.key_sealed, key_version = excluded.key_version",
            &[
                &record.environment.as_str(),
                &record.device_id.as_str(),
                &int(generation),
                &sealed,
                &version,
            ],
        )
        .map(drop)
    }

    fn read_key(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<PrivateKey, OnboardingError> {
        let context = row("device_keys", record, generation);
        let found = self
            .work()?
            .query_opt(
                "SELECT key_sealed, key_version FROM device_keys
                 WHERE environment = $1 AND device_id = $2 AND generation = $3",
                &[
                    &record.environment.as_str(),
                    &record.device_id.as_str(),
                    &int(generation),
                ],
            )
            .map_err(self.io(&context))?
            .ok_or_else(|| self.corrupt(&context, "the row is missing"))?;
        let sealed = Zeroizing::new(found.get::<_, Vec<u8>>(0));
        let der = self.unseal(
            &context,
            &key_row(record, generation),
            &sealed,
            found.get(1),
        )?;
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
            .ok_or_else(|| self.corrupt(&context, "the row is missing"))?;
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
        let sealed = self.seal(
            &context,
            &csid_row(record, kind, generation),
            csid.expose_secret().as_bytes(),
        )?;
        let version = int(self.sealer().version);
        self.exec(
            &context,
            "INSERT INTO device_csids
               (environment, device_id, kind, generation, token, secret_sealed, secret_version,
                request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (environment, device_id, kind, generation) DO UPDATE SET
               token = excluded.token, secret_sealed = excluded.secret_sealed,
               secret_version = excluded.secret_version, request_id = excluded.request_id",
            &[
                &record.environment.as_str(),
                &record.device_id.as_str(),
                &kind.name(),
                &int(generation),
                &csid.token(),
                &sealed,
                &version,
                &csid.request_id(),
            ],
        )
        .map(drop)
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
        let found = self
            .work()?
            .query_opt(
                "SELECT token, secret_sealed, secret_version, request_id FROM device_csids
                 WHERE environment = $1 AND device_id = $2 AND kind = $3 AND generation = $4",
                &[
                    &record.environment.as_str(),
                    &record.device_id.as_str(),
                    &kind.name(),
                    &int(generation),
                ],
            )
            .map_err(self.io(&context))?
            .ok_or_else(|| self.corrupt(&context, "the row is missing"))?;
        let token: String = found.get(0);
        let sealed = Zeroizing::new(found.get::<_, Vec<u8>>(1));
        let plain = self.unseal(
            &context,
            &csid_row(record, kind, generation),
            &sealed,
            found.get(2),
        )?;
        let secret = std::str::from_utf8(&plain)
            .map(|s| Zeroizing::new(s.to_owned()))
            .map_err(|_| self.corrupt(&context, "the secret is not UTF-8"))?;
        Csid::new(&token, secret, found.get(3)).map_err(|e| self.corrupt(&context, e))
    }

    fn write_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
        results: &[StepResult],
    ) -> Result<(), OnboardingError> {
        let context = row("compliance_results", record, generation);
        let json = serde_json::to_string(results).map_err(|e| self.corrupt(&context, e))?;
        self.put_text("compliance_results", "results", record, generation, &json)
    }

    fn read_results(
        &self,
        record: &DeviceRecord,
        generation: u32,
    ) -> Result<Vec<StepResult>, OnboardingError> {
        let context = row("compliance_results", record, generation);
        match self.text("compliance_results", "results", record, generation)? {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_str(&json).map_err(|e| self.corrupt(&context, e)),
        }
    }

    fn save_activity(&self, activity: &Activity) -> Result<(), OnboardingError> {
        let context = format!("table activities, row {}", activity.activity_id);
        let json = serde_json::to_string(activity).map_err(|e| self.corrupt(&context, e))?;
        let status = status_name(activity.status);
        let reservation = seconds(self.config().start_reservation);
        // A new activity is reserved ('') for the instance that started it;
        // its lease goes once it has ended.
        self.exec(
            &context,
            "INSERT INTO activities (activity_id, device_id, status, record, lease_owner, lease_until)
             VALUES ($1, $2, $3, $4,
                     CASE WHEN $3 = 'IN_PROGRESS' THEN '' END,
                     CASE WHEN $3 = 'IN_PROGRESS' THEN now() + make_interval(secs => $5) END)
             ON CONFLICT (activity_id) DO UPDATE SET
               device_id = excluded.device_id, status = excluded.status, record = excluded.record,
               lease_owner = CASE WHEN excluded.status = 'IN_PROGRESS' THEN activities.lease_owner END,
               lease_until = CASE WHEN excluded.status = 'IN_PROGRESS' THEN activities.lease_until END",
            &[
                &activity.activity_id.as_str(),
                &activity.device_id.as_str(),
                &status,
                &json,
                &reservation,
            ],
        )
        .map(drop)
    }

    fn load_activity(&self, id: &ActivityId) -> Result<Activity, OnboardingError> {
        let context = format!("table activities, row {id}");
        let json = self
            .text_of(
                &context,
                "SELECT record FROM activities WHERE activity_id = $1",
                &[&id.as_str()],
            )?
            .ok_or_else(|| OnboardingError::UnknownActivity {
                activity_id: id.clone(),
            })?;
        let activity: Activity =
            serde_json::from_str(&json).map_err(|e| self.corrupt(&context, e))?;
        if activity.activity_id != *id {
            return Err(self.corrupt(&context, "the record is of another activity"));
        }
        Ok(activity)
    }

    fn in_progress_activities(&self) -> Result<Vec<ActivityId>, OnboardingError> {
        self.activity_ids(
            "SELECT activity_id FROM activities WHERE status = 'IN_PROGRESS' ORDER BY activity_id",
        )
    }

    /// Every instance on the database shares its activities.
    fn shares_activities(&self) -> bool {
        true
    }

    fn lease_activity(
        &self,
        id: &ActivityId,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, OnboardingError> {
        let changed = self.exec(
            &format!("table activities, lease of {id}"),
            "UPDATE activities SET lease_owner = $2, lease_until = now() + make_interval(secs => $3)
             WHERE activity_id = $1 AND status = 'IN_PROGRESS'
               AND (lease_owner IS NULL OR lease_owner = '' OR lease_owner = $2
                    OR lease_until < now())",
            &[&id.as_str(), &owner, &seconds(ttl)],
        )?;
        Ok(changed == 1)
    }

    fn release_activity(&self, id: &ActivityId, owner: &str) -> Result<(), OnboardingError> {
        self.exec(
            &format!("table activities, lease of {id}"),
            "UPDATE activities SET lease_owner = NULL, lease_until = NULL
             WHERE activity_id = $1 AND lease_owner = $2",
            &[&id.as_str(), &owner],
        )
        .map(drop)
    }

    fn claimable_activities(&self) -> Result<Vec<ActivityId>, OnboardingError> {
        self.activity_ids(
            "SELECT activity_id FROM activities
             WHERE status = 'IN_PROGRESS' AND (lease_until IS NULL OR lease_until < now())
             ORDER BY activity_id",
        )
    }
}

impl PostgresStore {
    fn activity_ids(&self, sql: &str) -> Result<Vec<ActivityId>, OnboardingError> {
        let rows = self
            .work()?
            .query(sql, &[])
            .map_err(self.io("table activities"))?;
        rows.iter()
            .map(|r| {
                let id: String = r.get(0);
                ActivityId::from_stored(&id)
                    .map_err(|e| self.corrupt(&format!("table activities, row {id:?}"), e))
            })
            .collect()
    }
}
