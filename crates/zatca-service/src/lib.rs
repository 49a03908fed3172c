//! The onboarding service: ClearTax's KSA onboarding APIs (the "seed" APIs)
//! served over HTTP, self-hosted, so an ERP or POS back end written against
//! them points its base URL here and works unchanged.
//!
//! # Routes (under the base path, empty by default)
//!
//! | route | who | answers |
//! |---|---|---|
//! | `POST /onboarding/register-device` | admin | [`RegisterAnswer`] `{Status, DeviceId, PcsidGenerationActivityId?, ErrorList}`: 200 `GENERATED` (an existing device: the same `DeviceId`, warning `6002` "A Device ID already exist with same VAT and EGS serial number"); 400 `FAILED`, `DeviceId: null`, the full `ErrorList` |
//! | `POST /onboarding/generate-csid` | admin | [`CsidAnswer`]: 200 `GENERATED` + `PcsidGenerationActivityId` (the activity runs in the background); 400 `FAILED` (`6002` "Production CSID already generated for device") |
//! | `POST /onboarding/renew-pcsid` | admin | [`CsidAnswer`]: 200 `GENERATED` once the new PCSID is in use (synchronous); 400 `FAILED` (`6003` "First time generation of PCSID was not completed", ZATCA's refusals); 502 when ZATCA did not answer usably |
//! | `GET /onboarding/{ActivityId}/pcsid-status` | any role | [`PcsidStatusAnswer`]: 200 `IN_PROGRESS` / `SUCCEEDED`, 500 `FAILED`, 400 for an unknown or unrelated `ActivityId` |
//! | `POST /devices` | admin | [`DeviceAnswer`] (the other provider's register call, synchronous, camelCase): 200 `status: Success` with `deviceId`, `csid` (the production CSID's `binarySecurityToken`), `CSR` (base64 of its PEM), `invoiceType` (`Simplified`/`Standard`/`Both`), and for `InvoiceFormat` `Xml`/`Pdf` the `privateKey` (SEC 1 PEM) and `secret`, in this answer only; a device onboarded before answers the same with warning `6002` and never a key or secret; 400 `status: Failed` with every validation error at once (a missing or ill-formed `OTP` included), ZATCA's refusal or failed compliance checks; 502 when ZATCA did not answer usably |
//! | `POST /devices/{DeviceId}/invoices` | admin | [`InvoiceAnswer`] `{icv, pih, invoiceHash, uuid, qr, signedInvoice}`: the unsigned document (XML body, or JSON `{"invoice": base64}`) signed as the device's next one, ICV and PIH assigned and committed before the answer; an `Idempotency-Key` retry answers the committed document again (header `Idempotent-Replayed: true`); 400 not a signable document (`ZS012`, `ZO050`) or a bad key (`ZO054`); 404 unknown device; 409 no PCSID (`ZO051`), an `Xml`/`Pdf` device (`ZO055`: its caller manages the chain), a key reused for another document (`ZO052`) |
//! | `GET /devices/{DeviceId}/invoices/{icv}` | any role | [`InvoiceAnswer`] of a committed document; 404 (`ZO053`) for an ICV the chain does not hold |
//! | `GET /devices`, `GET /devices/{DeviceId}` | any role | `{"Devices":[…]}` / one device: state, environment, CSID serials and expiry, renewal window (never a key, secret or OTP); 404 for a device not visible |
//! | `GET /healthz`, `GET /metrics`, `GET /openapi.json` | anyone | `{"Status":"UP"}`, Prometheus text ([`metrics`]), the OpenAPI 3.1 document of [`openapi::ROUTES`] |
//!
//! The seed pages define the body fields, their casing, the enums and the
//! seed error texts; the bodies are the `zatca-onboarding` answer types, so
//! the CLI's `--json` and the service serve the same shapes. A register-device
//! body may come in ClearTax's shape (`DeviceDetails`, `OrganizationDetails`,
//! `Otp`) or the other provider's (`Device`, `Organization`, `OTP`,
//! `Environment`); an `Environment` other than the service's is refused.
//!
//! # Auth (as the seed pages describe it)
//!
//! Every route but the three public ones needs the headers
//! `x-cleartax-auth-token` (or `Authorization: Bearer TOKEN`) and `vat`. The
//! checks run in this order:
//!
//! | check | status | code |
//! |---|---|---|
//! | no token | 401 | `ZS001` |
//! | a token no user has (or a revoked one) | 401 | `ZS002` |
//! | no `vat` header | 403 | `ZS003` |
//! | a `vat` the service does not serve (not added with `zatca serve vat add`) | 400 | `ZS004` |
//! | the user has no role for that VAT | 403 | `ZS005` |
//! | a viewer registers, generates or renews | 403 | `ZS006` |
//! | the body's VAT is neither the `vat` header's nor a member of that group VAT (a VAT whose 11th digit is 1) | 403 | `ZS007` |
//!
//! The invoice routes and `POST /devices` answer their refusals as
//! `{"errorList": […]}` (camelCase, like their answers; `POST /devices` in
//! the full [`DeviceAnswer`] with `status: Failed`), the entries in the
//! Error Details shape.
//!
//! A device, an activity or a CSID of a VAT the header does not cover is
//! invisible: it is answered as unknown (`ZO003` → 400 on the POSTs and 404
//! on `GET /devices/{DeviceId}`; `ZO004` → 400 on pcsid-status), never
//! leaked. The header covers its own VAT and, for a group VAT, the VATs added
//! as its members (`zatca serve vat add VAT --group GROUPVAT`).
//!
//! # Other codes of the service
//!
//! | code | status | meaning |
//! |---|---|---|
//! | `ZS010` | 400 | the body is not a JSON object, or `DeviceId` is missing or not a string |
//! | `ZS011` | 400 | the request's `Environment` is not the service's |
//! | `ZS012` | 400 | a sign request's body is neither XML nor `{"invoice": base64}` |
//! | `ZS020` | 400 | generate-csid while the device's activity is still `IN_PROGRESS` (its id is in the answer) |
//! | `ZS404` | 404 | no such route |
//! | `ZS500` | 500 | the accounts store failed |
//! | `ZS503` | 503 | the service is stopping, or its database cannot be reached (the lifecycle says `ZO044`) |
//!
//! The lifecycle's own errors keep their codes (`ZP…` validation, `ZO…`,
//! ZATCA's) and map to statuses by [`ErrorKind`]: invalid, not found, state
//! conflicts and ZATCA's refusals → 400; a CSID that failed its pre-flight
//! checks or a ZATCA that did not answer usably → 502; a database that
//! cannot be reached (`ZO044`) → 503, at once (the pool's acquire timeout),
//! and the service recovers by itself when it is back; store and internal
//! failures → 500.
//!
//! # Activities
//!
//! register-device with an `Otp` and generate-csid commit an `IN_PROGRESS`
//! activity and answer at once; a bounded pool of worker threads runs the
//! compliance CSID, the compliance checks and the production CSID, each step
//! committed before the next ([`Service::new`], module `pool`). Concurrent
//! register-device calls for one VAT and EGS serial yield one device (the
//! store's device lock) and one activity (a start lock: a call that finds an
//! activity in progress answers with its id). At start,
//! [`Service::resume_interrupted`] queues every activity a previous process
//! left `IN_PROGRESS`; it goes on from its last committed step without an
//! OTP (never kept), so one interrupted before its compliance CSID, or after
//! its production CSID request was sent, ends `FAILED` with `ZO007` and
//! never sends that request twice. [`Service::shutdown`] takes no new
//! activity and waits a bounded time for the workers; what is left stays
//! resumable.
//!
//! Several instances on one shared store (PostgreSQL): a worker leases an
//! activity before running it ([`zatca_onboarding::DeviceStore::lease_activity`],
//! for [`Config::lease_ttl`], as [`Config::instance_id`]) and renews the
//! lease every third of it while it runs; an activity another instance
//! holds is left to it. With [`Config::takeover_interval`] set
//! ([`Service::start_takeover`]), the instance looks for `IN_PROGRESS`
//! activities whose lease expired (their instance died) and resumes them as
//! a restart would. The device lock of the store serializes the rest, so an
//! activity never runs twice at once.
//!
//! # The other provider's register call and the invoice chain
//!
//! `POST /devices` runs the whole onboarding in the request (on a thread of
//! the blocking pool, outside the admission slots: it waits on ZATCA, not on
//! the cores); a device whose register-device activity is still running is
//! answered `ZS020`. A plain `egsSerialNumber` (not already `1-…|2-…|3-…`) is
//! completed as `1-<solution>|2-<model>|3-<serial>` from
//! [`Config::egs_solution`] and [`Config::egs_model`] (defaults
//! [`DEFAULT_EGS_SOLUTION`] and [`DEFAULT_EGS_MODEL`]). The invoice format is
//! stored with the device and shown by `GET /devices/{DeviceId}`
//! (`InvoiceFormat`); who keeps the key is `zatca_onboarding::custody`'s
//! rule. A sign request runs `zatca_onboarding::sign_invoice` under the
//! device's lock: concurrent requests for one device get consecutive ICVs,
//! each PIH the hash of the previous document, and a crash never reuses a
//! committed ICV.
//!
//! # Request parsing
//!
//! What a route reads from the request before it looks anything up (the
//! auth headers, the bodies, the path parameters) is the pure functions of
//! [`request`], each refusal a [`request::Rejection`] (status and
//! ErrorList); the fuzz target `service_request` drives them.
//!
//! # Logs
//!
//! One `tracing` event per request (target `zatca_service::http`: method,
//! route template, status, milliseconds) and per finished activity (target
//! `zatca_service::activity`: activity id, status, error codes). Never a
//! header value, a body, a token, a key, a secret or an OTP.
//!
//! # Dependencies
//!
//! - `axum` (`matched-path`): routing and extractors; the route template
//!   labels the logs and metrics. Served by `zatca-http`'s bounded stack.
//! - `tokio` (`rt`): `spawn_blocking` for the synchronous lifecycle and store calls.
//! - `tracing`: the structured request and activity logs (the subscriber is the caller's).
//! - `base64`: the `{"invoice": base64}` sign bodies.
//! - `serde`/`serde_json`: bodies; `zatca-onboarding` the lifecycle and
//!   answers; `zatca-store` the [`Accounts`] contract (in `zatca serve`,
//!   the SQLite or PostgreSQL store is behind both); `zatca-profile`/`zatca-types`/`zatca-fatoora` the vocabulary.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod handlers;
pub mod metrics;
pub mod openapi;
mod pool;
pub mod request;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use zatca_fatoora::Fatoora;
use zatca_onboarding::{
    Activity, ActivityId, DeviceStore, ErrorKind, Onboarding, OnboardingError, Options, UblSamples,
    UnixTime,
};
use zatca_profile::{Environment, Otp};
use zatca_store::Accounts;

#[cfg(doc)]
use zatca_onboarding::{
    CsidAnswer, DeviceAnswer, InvoiceAnswer, PcsidStatusAnswer, RegisterAnswer,
};

/// The Fatoora the service talks to, shared by the request handlers and the workers.
pub type SharedFatoora = Box<dyn Fatoora + Send + Sync>;

/// The service's clock.
pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| UnixTime::from_system_time(std::time::SystemTime::now()))
}

/// The service's settings.
#[derive(Clone)]
pub struct Config {
    /// The environment every device of this service is registered in.
    pub environment: Environment,
    /// The path the routes are served under: empty, or `/segment…` without a trailing `/`.
    pub base_path: String,
    /// Worker threads running activities (at least 1).
    pub workers: usize,
    /// Activities that may wait for a worker before starting one more waits.
    pub queue_capacity: usize,
    /// The lifecycle's settings.
    pub options: Options,
    /// The time.
    pub clock: Clock,
    /// Part 1 (solution) of a plain EGS serial completed by `POST /devices`.
    pub egs_solution: String,
    /// Part 2 (model) of a plain EGS serial completed by `POST /devices`.
    pub egs_model: String,
    /// This instance's name in activity leases (default: random, per start).
    pub instance_id: String,
    /// How long an activity's lease lasts unless renewed; the instance
    /// running it renews it every third of that (default 30 s).
    pub lease_ttl: Duration,
    /// How often to look for activities another instance left (its lease
    /// expired) and take them over; `None` (the default) for a store one
    /// process owns, where [`Service::resume_interrupted`] at start is enough.
    pub takeover_interval: Option<Duration>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("environment", &self.environment)
            .field("base_path", &self.base_path)
            .field("workers", &self.workers)
            .field("queue_capacity", &self.queue_capacity)
            .field("egs_solution", &self.egs_solution)
            .field("egs_model", &self.egs_model)
            .field("instance_id", &self.instance_id)
            .field("lease_ttl", &self.lease_ttl)
            .field("takeover_interval", &self.takeover_interval)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// 4 workers, room for 256 queued activities, no base path, the system
    /// clock, plain EGS serials completed as [`DEFAULT_EGS_SOLUTION`] and
    /// [`DEFAULT_EGS_MODEL`].
    pub fn new(environment: Environment) -> Self {
        Self {
            environment,
            base_path: String::new(),
            workers: 4,
            queue_capacity: 256,
            options: Options::default(),
            clock: system_clock(),
            egs_solution: DEFAULT_EGS_SOLUTION.to_owned(),
            egs_model: DEFAULT_EGS_MODEL.to_owned(),
            instance_id: random_instance_id(),
            lease_ttl: Duration::from_secs(30),
            takeover_interval: None,
        }
    }
}

/// A name for this instance in activity leases: the host's process id and
/// 48 random bits (a restarted instance is another owner).
fn random_instance_id() -> String {
    let mut bytes = [0u8; 6];
    let random = getrandom::fill(&mut bytes).is_ok();
    let tail: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if random {
        format!("{}-{tail}", std::process::id())
    } else {
        format!("{}-{}", std::process::id(), system_clock()().as_secs())
    }
}

/// The solution name a plain EGS serial is completed with: this product's name.
pub const DEFAULT_EGS_SOLUTION: &str = "zatca";
/// The model a plain EGS serial is completed with: this product's version.
pub const DEFAULT_EGS_MODEL: &str = env!("CARGO_PKG_VERSION");

/// Checks a solution name or model for the EGS serial completion: what
/// ZATCA's `1-…|2-…|3-…` form can hold (non-empty, no `|`, no `=`, no
/// control character), as the EGS serial's own rule checks it.
pub fn check_egs_part(what: &str, text: &str) -> Result<(), String> {
    let fits = !text.is_empty()
        && !text.contains('|')
        && zatca_profile::EgsSerial::parse(
            &format!("1-{text}|2-{text}|3-x"),
            zatca_profile::ValidationProfile::Sdk,
        )
        .is_ok();
    if fits {
        Ok(())
    } else {
        Err(format!(
            "{what} {text:?} cannot be part of an EGS serial 1-<solution>|2-<model>|3-<serial>: it must be non-empty, without '|', '=' or control characters"
        ))
    }
}

/// Checks a base path: empty, or `/` followed by segments of letters, digits
/// and `-._~`, without a trailing `/` (`/` alone is the empty base path).
pub fn normalize_base_path(text: &str) -> Result<String, String> {
    let trimmed = text.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let fine = trimmed.starts_with('/')
        && trimmed.split('/').skip(1).all(|segment| {
            !segment.is_empty()
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        });
    if fine {
        Ok(trimmed.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a base path: expected /segment/segment (letters, digits, -._~), e.g. /middle-east/ksa/einvoicing"
        ))
    }
}

/// The lifecycle and what the workers share with the handlers.
pub(crate) struct Engine<D: DeviceStore> {
    pub(crate) onboarding: Onboarding<SharedFatoora, UblSamples, D>,
    pub(crate) clock: Clock,
    /// Held while deciding whether a device's activity starts, so that
    /// concurrent calls start one.
    pub(crate) start_lock: Mutex<()>,
    /// The activities queued or running in this instance (a takeover never
    /// queues one of them again).
    pub(crate) mine: Mutex<std::collections::HashSet<ActivityId>>,
    pub(crate) instance_id: String,
    pub(crate) lease_ttl: Duration,
}

impl<D: DeviceStore + Sync> Engine<D> {
    pub(crate) fn now(&self) -> UnixTime {
        (self.clock)()
    }

    fn run(&self, job: pool::Job) {
        let resumed = job.otp.is_none();
        let store = self.onboarding.store();
        let id = job.activity_id.clone();
        // Another instance may run it (it took a lease first): then not here.
        match store.lease_activity(&id, &self.instance_id, self.lease_ttl) {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(
                    target: "zatca_service::activity",
                    activity_id = %id,
                    "another instance holds the activity's lease"
                );
                self.forget(&id);
                return;
            }
            Err(e) => {
                tracing::warn!(
                    target: "zatca_service::activity",
                    activity_id = %id,
                    error = %e,
                    "the activity's lease could not be taken; it stays for a later try"
                );
                self.forget(&id);
                return;
            }
        }
        let result = if store.shares_activities() {
            self.run_renewing_lease(&id, job.otp.as_ref(), store)
        } else {
            // Nobody else could take it over: no lease to renew.
            self.onboarding
                .continue_activity(&id, job.otp.as_ref(), self.now())
        };
        let _ = store.release_activity(&id, &self.instance_id);
        self.forget(&id);
        match result {
            Ok(activity) => tracing::info!(
                target: "zatca_service::activity",
                activity_id = %activity.activity_id,
                device_id = %activity.device_id,
                status = ?activity.status,
                resumed,
                "activity finished"
            ),
            Err(e) => {
                let codes: Vec<String> = e.entries().into_iter().map(|e| e.error_code).collect();
                tracing::warn!(
                    target: "zatca_service::activity",
                    activity_id = %id,
                    status = "FAILED",
                    codes = %codes.join(","),
                    resumed,
                    "activity failed"
                );
            }
        }
    }

    /// Runs the activity while a thread renews its lease every third of the
    /// lease's time, until it ends.
    fn run_renewing_lease(
        &self,
        id: &ActivityId,
        otp: Option<&Otp>,
        store: &D,
    ) -> Result<Activity, OnboardingError> {
        let (done, renewals) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                // Renew every third of the lease until the activity ends.
                let period = self.lease_ttl / 3;
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    renewals.recv_timeout(period)
                {
                    if !matches!(
                        store.lease_activity(id, &self.instance_id, self.lease_ttl),
                        Ok(true)
                    ) {
                        tracing::warn!(
                            target: "zatca_service::activity",
                            activity_id = %id,
                            "the activity's lease could not be renewed"
                        );
                    }
                }
            });
            let result = self.onboarding.continue_activity(id, otp, self.now());
            drop(done);
            result
        })
    }

    /// Records that `id` is queued here; `false` when it already was.
    pub(crate) fn claim_locally(&self, id: &ActivityId) -> bool {
        self.mine
            .lock()
            .map(|mut mine| mine.insert(id.clone()))
            .unwrap_or(false)
    }

    fn forget(&self, id: &ActivityId) {
        if let Ok(mut mine) = self.mine.lock() {
            mine.remove(id);
        }
    }
}

pub(crate) struct Inner<D: DeviceStore, A: Accounts> {
    pub(crate) engine: Arc<Engine<D>>,
    pub(crate) accounts: A,
    pub(crate) config: Config,
    pub(crate) pool: pool::Pool,
    pub(crate) requests: metrics::RequestCounts,
    /// Admits the synchronous part of requests a few at a time (twice the
    /// cores): the rest wait their turn in order instead of time-slicing the
    /// cores between dozens of threads, which keeps the latency tail short.
    pub(crate) admission: tokio::sync::Semaphore,
    /// Set by [`Service::shutdown`]: the takeover thread ends.
    pub(crate) stopping: std::sync::atomic::AtomicBool,
}

impl<D: DeviceStore + Sync, A: Accounts> Inner<D, A> {
    /// Queues an activity to resume without an OTP, unless it is queued
    /// here already; `false` once the pool is closed.
    fn queue_resumed(&self, activity_id: ActivityId) -> bool {
        if !self.engine.claim_locally(&activity_id) {
            return true;
        }
        let job = pool::Job {
            activity_id,
            otp: None,
        };
        self.pool.submit(job).is_ok()
    }
}

/// The onboarding service over a device store `D` and accounts `A` (one
/// SQLite store may be both).
pub struct Service<D: DeviceStore, A: Accounts> {
    inner: Arc<Inner<D, A>>,
}

impl<D: DeviceStore, A: Accounts> Clone for Service<D, A> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<D, A> Service<D, A>
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    /// The service, with its worker pool started.
    pub fn new(
        store: D,
        accounts: A,
        fatoora: SharedFatoora,
        config: Config,
    ) -> Result<Self, std::io::Error> {
        let engine = Arc::new(Engine {
            onboarding: Onboarding::new(store, fatoora, UblSamples, config.options),
            clock: Arc::clone(&config.clock),
            start_lock: Mutex::new(()),
            mine: Mutex::new(std::collections::HashSet::new()),
            instance_id: config.instance_id.clone(),
            lease_ttl: config.lease_ttl.max(Duration::from_secs(1)),
        });
        let worker_engine = Arc::clone(&engine);
        let pool = pool::Pool::start(
            config.workers,
            config.queue_capacity,
            Arc::new(move |job| worker_engine.run(job)),
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                accounts,
                config,
                pool,
                requests: metrics::RequestCounts::default(),
                admission: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
                ),
                stopping: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// Queues every activity the store has `IN_PROGRESS` (a previous process
    /// was stopped or killed while running it) and returns their ids. Call it
    /// before serving: the activities started after it are not among them.
    /// The queueing itself happens on a thread of its own, so a long list
    /// does not delay the start.
    pub fn resume_interrupted(&self) -> Result<Vec<ActivityId>, OnboardingError> {
        let ids = self
            .inner
            .engine
            .onboarding
            .store()
            .claimable_activities()?;
        let inner = Arc::clone(&self.inner);
        let queued = ids.clone();
        let submit_all = move || {
            for activity_id in queued {
                if !inner.queue_resumed(activity_id) {
                    break;
                }
            }
        };
        let submitter = Arc::new(Mutex::new(Some(submit_all)));
        let on_thread = Arc::clone(&submitter);
        let spawned = std::thread::Builder::new()
            .name("resume activities".to_owned())
            .spawn(move || take_and_run(&on_thread));
        if spawned.is_err() {
            // No thread to spare: queue them here (waiting if the queue is full).
            take_and_run(&submitter);
        }
        Ok(ids)
    }

    /// Starts the takeover thread when [`Config::takeover_interval`] is set:
    /// every interval it queues the activities whose lease expired (another
    /// instance died running them), to resume from their last committed
    /// step. It ends with [`Service::shutdown`].
    pub fn start_takeover(&self) -> Result<(), std::io::Error> {
        let Some(interval) = self.inner.config.takeover_interval else {
            return Ok(());
        };
        let inner = Arc::clone(&self.inner);
        std::thread::Builder::new()
            .name("activity takeover".to_owned())
            .spawn(move || {
                while !inner.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                    match inner.engine.onboarding.store().claimable_activities() {
                        Ok(ids) => {
                            for id in ids {
                                if !inner.queue_resumed(id) {
                                    return;
                                }
                            }
                        }
                        Err(e) => tracing::warn!(
                            target: "zatca_service::activity",
                            error = %e,
                            "looking for activities to take over failed; trying again"
                        ),
                    }
                    std::thread::park_timeout(interval);
                }
            })
            .map(drop)
    }

    /// The routes, under the configured base path.
    pub fn router(&self) -> Router {
        handlers::router(Arc::clone(&self.inner))
    }

    /// How many activities wait for or run on a worker.
    pub fn pending_activities(&self) -> usize {
        self.inner.pool.pending()
    }

    /// Takes no new activity; waits up to `grace` for the queued and running
    /// ones. `true` when all ended; the others stay `IN_PROGRESS` in the
    /// store, resumable by the next start.
    pub fn shutdown(&self, grace: Duration) -> bool {
        self.inner
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.pool.close(grace)
    }
}

fn take_and_run<F: FnOnce()>(slot: &Mutex<Option<F>>) {
    let f = slot.lock().ok().and_then(|mut f| f.take());
    if let Some(f) = f {
        f();
    }
}

/// The HTTP status of a lifecycle error (the crate docs' mapping).
pub fn status_of(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::Invalid | ErrorKind::NotFound | ErrorKind::Conflict | ErrorKind::Refused => 400,
        ErrorKind::CheckFailed | ErrorKind::Unavailable => 502,
        ErrorKind::StoreUnavailable => 503,
        _ => 500,
    }
}
