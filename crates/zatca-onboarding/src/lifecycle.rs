//! The operations: register, generate CSID and PCSID, activity status, renew,
//! show, list. Each takes the time as an argument (`now`).

use zatca_cert::{Expectations, UnixTime};
use zatca_csr::Csr;
use zatca_fatoora::{
    ComplianceStep, Csid, CsrSubmission, Fatoora, FatooraError, InvoiceSubmission,
    ProductionCsidRequest, Renewal,
};
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::{
    EgsProfile, Environment, Otp, RequestInput, ValidateOptions, ValidationProfile,
};

use crate::device_store::DeviceStore;
use crate::error::{CsidKind, FailedStep, OnboardingError};
use crate::model::{
    Activity, ActivityId, ActivityKind, ActivityStatus, ActivityStep, ChainState, CsidSummary,
    DeviceId, DeviceRecord, DeviceState, DeviceView, Generation, RenewalPlan, SCHEMA_VERSION,
    StepResult,
};
use crate::store::{Listing, Store};

const DAY: u64 = 86_400;

/// What a [`SampleDocuments`] implementation gets to make the compliance documents.
#[derive(Debug)]
pub struct SampleContext<'a> {
    /// The device's profile (VAT, TSXY, names) as its CSR carries it.
    pub profile: &'a EgsProfile,
    /// The compliance CSID the documents must be signed with (its certificate
    /// goes into the signature; the secret is not needed for signing).
    pub csid: &'a Csid,
    /// The key of the compliance CSID.
    pub key: &'a PrivateKey,
    /// The steps a document is needed for, in order.
    pub steps: &'a [ComplianceStep],
    /// The signing time to put in the documents (the lifecycle's `now`).
    pub signing_time: UnixTime,
    /// The ICV of the first document (each next one adds 1).
    pub first_icv: u64,
    /// The PIH of the first document (base64); each next one chains on the previous hash.
    pub first_pih: &'a str,
}

/// Makes the signed sample documents of the compliance checks ([`crate::UblSamples`]
/// makes them with `zatca-ubl`): one `(step, submission)` per step asked
/// for. The error is a message naming what failed.
pub trait SampleDocuments {
    /// The documents for `ctx.steps`.
    fn documents(
        &self,
        ctx: &SampleContext<'_>,
    ) -> Result<Vec<(ComplianceStep, InvoiceSubmission)>, String>;
}

impl<T: SampleDocuments + ?Sized> SampleDocuments for &T {
    fn documents(
        &self,
        ctx: &SampleContext<'_>,
    ) -> Result<Vec<(ComplianceStep, InvoiceSubmission)>, String> {
        (**self).documents(ctx)
    }
}

/// Lifecycle settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How many days before expiry a production CSID is due for renewal.
    pub renewal_window_days: u32,
    /// In development only: accept the shared SDK/sandbox certificate the
    /// developer portal hands out as everyone's production CSID.
    pub allow_shared_sandbox: bool,
    /// The rules the request is validated under.
    pub validation: ValidationProfile,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            renewal_window_days: 30,
            allow_shared_sandbox: false,
            validation: ValidationProfile::Sdk,
        }
    }
}

/// How a renewal gets its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RenewKey {
    /// A fresh key (the default).
    #[default]
    New,
    /// The current key, in a fresh CSR.
    Same,
}

/// What registering did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The device.
    pub device_id: DeviceId,
    /// Whether the device was already registered (nothing was written).
    pub existing: bool,
}

/// What "register device" did: the registration, and with an OTP, the CSID
/// and PCSID activity.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// The device, and whether it existed.
    pub registration: Registration,
    /// The CSID and PCSID activity this call ran, when an OTP was given and
    /// the device had no production CSID yet.
    pub pcsid: Option<Result<Activity, OnboardingError>>,
    /// When the device had its production CSID already (an earlier or a
    /// concurrent registration gave it): the activity that did.
    pub activity_id: Option<ActivityId>,
}

impl Registered {
    /// Whether everything asked for is done: the device exists, and if an OTP
    /// was given, it has its production CSID.
    pub fn succeeded(&self) -> bool {
        !matches!(&self.pcsid, Some(Err(_)))
    }

    /// The failure of the CSID and PCSID activity, if it failed.
    pub fn error(&self) -> Option<&OnboardingError> {
        match &self.pcsid {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }
}

/// The OTP the developer portal documents for its sandbox, which accepts any OTP.
pub const DEVELOPER_PORTAL_OTP: &str = "123345";

/// The environment a registration is for: the caller's, else the request's
/// own `Environment`, else the one a named ZATCA gateway fixes. `None` when
/// nothing says (validation then reports it: the environment is never defaulted).
pub fn registration_environment(
    input: &RequestInput,
    explicit: Option<Environment>,
    fixed_by_gateway: Option<Environment>,
) -> Option<Environment> {
    explicit
        .or_else(|| {
            input
                .get(zatca_profile::Field::Environment)
                .and_then(|e| e.parse().ok())
        })
        .or(fixed_by_gateway)
}

/// The OTP of a one-go onboarding: the caller's, else the request's own,
/// else, in development only, [`DEVELOPER_PORTAL_OTP`]. Simulation and
/// production need the portal's OTP: `ZO002` without one.
pub fn onboarding_otp(
    environment: Environment,
    explicit: Option<Otp>,
    input: &mut RequestInput,
) -> Result<Otp, OnboardingError> {
    explicit
        .or_else(|| input.take_otp())
        .or_else(|| {
            (environment == Environment::Development)
                .then(|| Otp::new(DEVELOPER_PORTAL_OTP.to_owned()))
        })
        .ok_or(OnboardingError::OtpMissing)
}

/// Validates a registration request as [`Onboarding::register`] will, without
/// a Fatoora: the edges call it to learn the environment (and so the
/// Fatoora) a request is for before they open one.
pub fn validate_registration(
    input: &RequestInput,
    environment: Option<Environment>,
    options: &Options,
) -> Result<(EgsProfile, Environment), OnboardingError> {
    let profile = input.validate_with(&ValidateOptions {
        profile: options.validation,
        environment,
        require_environment: true,
    })?;
    // `require_environment` makes validation report a missing one (ZP061).
    let environment = profile.environment().ok_or_else(|| OnboardingError::Csr {
        reason: "no environment".to_owned(),
    })?;
    Ok((profile, environment))
}

/// The device lifecycle over a store, a Fatoora implementation and a sample-document maker.
pub struct Onboarding<F: Fatoora, D: SampleDocuments, S: DeviceStore = Store> {
    store: S,
    fatoora: F,
    documents: D,
    options: Options,
}

/// The OTP rule ([`Otp::check`], the one the request validation applies):
/// development takes any OTP that is not blank; simulation and production
/// the 6-digit OTP of their portal. Blank is `ZO002`, any other misfit `ZO001`.
pub fn check_otp(environment: Environment, otp: &Otp) -> Result<(), OnboardingError> {
    otp.check(Some(environment)).map_err(|e| match e {
        zatca_profile::OtpError::Empty => OnboardingError::OtpMissing,
        _ => OnboardingError::OtpFormat { environment },
    })
}

/// Renewal planning for a certificate expiring at `not_after`.
pub fn renewal_plan(not_after: UnixTime, now: UnixTime, window_days: u32) -> RenewalPlan {
    let left = i128::from(not_after.as_secs()) - i128::from(now.as_secs());
    let days_left = i64::try_from(left.div_euclid(i128::from(DAY))).unwrap_or(i64::MIN);
    let expired = now > not_after;
    RenewalPlan {
        expires_at: not_after.to_string(),
        days_left,
        in_renewal_window: !expired && left <= i128::from(window_days) * i128::from(DAY),
        expired,
        window_days,
    }
}

fn summary(csid: &Csid) -> CsidSummary {
    let cert = csid.certificate();
    CsidSummary {
        request_id: csid.request_id().map(str::to_owned),
        issuer: cert.issuer_name().to_owned(),
        serial: cert.serial_decimal().to_owned(),
        not_before: cert.not_before().to_string(),
        not_after: cert.not_after().to_string(),
    }
}

impl<F: Fatoora, D: SampleDocuments, S: DeviceStore> Onboarding<F, D, S> {
    /// A lifecycle over `store`, calling `fatoora`, with `documents` for the compliance checks.
    pub fn new(store: S, fatoora: F, documents: D, options: Options) -> Self {
        Self {
            store,
            fatoora,
            documents,
            options,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The Fatoora implementation.
    pub fn fatoora(&self) -> &F {
        &self.fatoora
    }

    /// The settings.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Registers a device: validates the request, and unless the device
    /// (environment, VAT, EGS serial) exists, makes its key and CSR.
    /// Runs under the store lock, so two processes get one device.
    pub fn register_device(
        &self,
        input: &RequestInput,
        environment: Option<Environment>,
        now: UnixTime,
    ) -> Result<Registration, OnboardingError> {
        let (profile, environment) = validate_registration(input, environment, &self.options)?;
        let id = DeviceId::derive(
            environment,
            profile.vat().as_str(),
            profile.egs_serial().as_str(),
        );
        let _lock = self.store.lock_device(&id)?;
        self.store.sweep(environment, &id);
        if self.store.load_device_in(environment, &id)?.is_some() {
            return Ok(Registration {
                device_id: id,
                existing: true,
            });
        }
        self.store.check_key_access()?;
        let key = PrivateKey::generate(Curve::Secp256k1)?;
        let csr = Csr::build(&profile, &key)?;
        let record = DeviceRecord {
            schema_version: SCHEMA_VERSION,
            device_id: id.clone(),
            environment,
            vat: profile.vat().clone(),
            egs_serial: profile.egs_serial().clone(),
            common_name: profile.common_name().to_string(),
            invoice_types: profile.invoice_types(),
            invoice_format: profile.invoice_format(),
            state: DeviceState::Registered,
            current: Generation {
                number: 1,
                compliance_csid: false,
                production_csid: false,
            },
            pending: None,
            chain: ChainState::default(),
            activities: 0,
            last_activity_id: None,
            registered_at: now.as_secs(),
        };
        self.store.write_key(&record, 1, &key)?;
        self.store.write_csr(&record, 1, &csr)?;
        self.store.save_device(&record)?;
        Ok(Registration {
            device_id: id,
            existing: false,
        })
    }

    /// "Register device" as one call: registers, and with an OTP (given here
    /// or in the request) goes on to the CSID and PCSID unless the device
    /// already has a PCSID. Whether the device has its PCSID is decided under
    /// the store lock, so concurrent registrations of one device all succeed:
    /// one runs the activity, the others find its result.
    pub fn register(
        &self,
        mut input: RequestInput,
        environment: Option<Environment>,
        otp: Option<Otp>,
        now: UnixTime,
    ) -> Result<Registered, OnboardingError> {
        let otp = otp.or_else(|| input.take_otp());
        let registration = self.register_device(&input, environment, now)?;
        let mut registered = Registered {
            registration,
            pcsid: None,
            activity_id: None,
        };
        if let Some(otp) = otp {
            match self.generate_unless_done(&registered.registration.device_id, &otp, now) {
                Ok(Ok(activity)) => registered.pcsid = Some(Ok(activity)),
                Ok(Err(done_by)) => registered.activity_id = done_by,
                Err(e) => registered.pcsid = Some(Err(e)),
            }
        }
        Ok(registered)
    }

    /// Runs the CSID and PCSID activity, unless the device has its PCSID
    /// already: then `Err(the activity that gave it)`.
    fn generate_unless_done(
        &self,
        id: &DeviceId,
        otp: &Otp,
        now: UnixTime,
    ) -> Result<Result<Activity, Option<ActivityId>>, OnboardingError> {
        let _lock = self.store.lock_device(id)?;
        let record = self.load_locked(id)?;
        if record.current.production_csid {
            return Ok(Err(record.last_activity_id));
        }
        self.generate_locked(record, otp, now).map(Ok)
    }

    fn start_activity(
        &self,
        record: &mut DeviceRecord,
        kind: ActivityKind,
        now: UnixTime,
    ) -> Result<Activity, OnboardingError> {
        self.store.sweep_activities();
        let id = ActivityId::generate()?;
        record.activities += 1;
        record.last_activity_id = Some(id.clone());
        let total_checks = ComplianceStep::required_for(record.invoice_types).len();
        let activity = Activity {
            schema_version: SCHEMA_VERSION,
            activity_id: id,
            device_id: record.device_id.clone(),
            kind,
            status: ActivityStatus::InProgress,
            steps: Vec::new(),
            failed_step: None,
            done: Vec::new(),
            production_requested: false,
            compliance_results: Vec::new(),
            error_list: Vec::new(),
            total_checks: u32::try_from(total_checks).unwrap_or(u32::MAX),
            started_at: now.as_secs(),
            updated_at: now.as_secs(),
            completed_at: None,
        };
        self.store.save_activity(&activity)?;
        self.store.save_device(record)?;
        Ok(activity)
    }

    fn finish_activity(
        &self,
        mut activity: Activity,
        result: Result<(), OnboardingError>,
        now: UnixTime,
    ) -> Result<Activity, OnboardingError> {
        activity.updated_at = now.as_secs();
        activity.completed_at = Some(now.as_secs());
        match result {
            Ok(()) => {
                activity.status = ActivityStatus::Succeeded;
                self.store.save_activity(&activity)?;
                Ok(activity)
            }
            Err(e) => {
                activity.status = ActivityStatus::Failed;
                activity.failed_step = activity.steps.last().cloned();
                activity.error_list = e.entries();
                // Best effort: the error is what matters, even if it cannot be recorded.
                let _ = self.store.save_activity(&activity);
                Err(OnboardingError::ActivityFailed {
                    activity_id: activity.activity_id.clone(),
                    cause: Box::new(e),
                })
            }
        }
    }

    /// Pre-flight checks of a CSID before it is stored: key, VAT, TSXY,
    /// validity at `now`, environment. Returns nothing or the failure.
    fn check_csid(
        &self,
        kind: CsidKind,
        csid: &Csid,
        key: &PrivateKey,
        record: &DeviceRecord,
        now: UnixTime,
    ) -> Result<(), OnboardingError> {
        let cert = csid.certificate();
        if kind == CsidKind::Production
            && record.environment == Environment::Development
            && self.options.allow_shared_sandbox
            && cert.is_shared_sandbox_certificate()
        {
            return cert
                .check_validity(now)
                .map_err(|error| OnboardingError::Preflight { kind, error });
        }
        let public_key = key.public_key();
        cert.preflight(&Expectations {
            public_key: &public_key,
            vat: record.vat.as_str(),
            invoice_types: record.invoice_types.as_str(),
            at: now,
            allow_shared_sandbox_certificate: false,
        })
        .map_err(|error| OnboardingError::Preflight { kind, error })?;
        if !record.environment.accepts_ca(cert.ca_family()) {
            return Err(OnboardingError::EnvironmentMismatch {
                kind,
                expected: record.environment,
                found: cert
                    .ca_family()
                    .map_or_else(|| "unknown".to_owned(), |e| e.name().to_owned()),
            });
        }
        Ok(())
    }

    /// Runs the compliance checks of every required step; records the results
    /// (also when some fail) in `compliance-<generation>.json` and `activity`.
    #[allow(clippy::too_many_arguments)]
    fn compliance_checks(
        &self,
        record: &DeviceRecord,
        generation: u32,
        profile: &EgsProfile,
        csid: &Csid,
        key: &PrivateKey,
        activity: &mut Activity,
        now: UnixTime,
    ) -> Result<(), OnboardingError> {
        let steps = ComplianceStep::required_for(profile.invoice_types());
        let ctx = SampleContext {
            profile,
            csid,
            key,
            steps: &steps,
            signing_time: now,
            first_icv: record.chain.last_icv + 1,
            first_pih: &record.chain.pih,
        };
        let documents = self
            .documents
            .documents(&ctx)
            .map_err(|reason| OnboardingError::SampleDocuments { reason })?;
        let mut results = Vec::new();
        let mut failed = Vec::new();
        for step in &steps {
            let Some((_, document)) = documents.iter().find(|(s, _)| s == step) else {
                return Err(OnboardingError::SampleDocuments {
                    reason: format!("no document was made for step {step}"),
                });
            };
            let report = match self.fatoora.compliance_invoice(csid, document) {
                Ok(report) => report,
                Err(e) => {
                    activity.compliance_results = results.clone();
                    let _ = self.store.write_results(record, generation, &results);
                    return Err(e.into());
                }
            };
            let v = &report.validation_results;
            let describe = |m: &zatca_fatoora::ValidationMessage| {
                (
                    m.code.clone().unwrap_or_else(|| "ERROR".to_owned()),
                    m.message.clone().unwrap_or_default(),
                )
            };
            let errors: Vec<(String, String)> = v.error_messages.iter().map(describe).collect();
            let messages = v
                .error_messages
                .iter()
                .chain(&v.warning_messages)
                .map(|m| {
                    let (c, t) = describe(m);
                    format!("{c}: {t}")
                })
                .collect();
            let passed = report.passed();
            results.push(StepResult {
                step: *step,
                uuid: document.uuid.clone(),
                status: v.status.clone(),
                passed,
                messages,
            });
            if !passed {
                failed.push(FailedStep {
                    step: *step,
                    errors,
                });
            }
        }
        activity.compliance_results = results.clone();
        self.store.write_results(record, generation, &results)?;
        if failed.is_empty() {
            Ok(())
        } else {
            Err(OnboardingError::ComplianceFailed { failed })
        }
    }

    fn production_csid(
        &self,
        record: &DeviceRecord,
        compliance: &Csid,
        key: &PrivateKey,
        now: UnixTime,
    ) -> Result<Csid, OnboardingError> {
        let request_id = compliance.request_id().ok_or_else(|| {
            OnboardingError::Zatca(FatooraError::MalformedAnswer {
                reason: "the compliance CSID answer had no requestID".to_owned(),
            })
        })?;
        let response = self.fatoora.production_csid(
            compliance,
            &ProductionCsidRequest {
                compliance_request_id: request_id.to_owned(),
            },
        )?;
        self.check_csid(CsidKind::Production, &response.csid, key, record, now)?;
        Ok(response.csid)
    }

    fn load_locked(&self, id: &DeviceId) -> Result<DeviceRecord, OnboardingError> {
        let record = self.store.load_device(id)?;
        self.store.sweep(record.environment, id);
        Ok(record)
    }

    /// "Generate CSID and PCSID": compliance CSID with the OTP, the
    /// compliance checks, the production CSID, as one activity. Fails with
    /// `6002` once the device has a PCSID.
    pub fn generate_pcsid(
        &self,
        id: &DeviceId,
        otp: &Otp,
        now: UnixTime,
    ) -> Result<Activity, OnboardingError> {
        let _lock = self.store.lock_device(id)?;
        let record = self.load_without_pcsid(id)?;
        self.generate_locked(record, otp, now)
    }

    /// The device, under its lock, unless it has its PCSID already (`6002`).
    fn load_without_pcsid(&self, id: &DeviceId) -> Result<DeviceRecord, OnboardingError> {
        let record = self.load_locked(id)?;
        if record.current.production_csid {
            return Err(OnboardingError::PcsidAlreadyGenerated {
                device_id: id.clone(),
            });
        }
        Ok(record)
    }

    /// The CSID and PCSID activity of a device without a PCSID; under the lock.
    fn generate_locked(
        &self,
        mut record: DeviceRecord,
        otp: &Otp,
        now: UnixTime,
    ) -> Result<Activity, OnboardingError> {
        let mut activity = self.begin_generate(&mut record, otp, now)?;
        let result = self.generate_steps(&mut record, Some(otp), &mut activity, now);
        self.finish_activity(activity, result, now)
    }

    /// Checks and commits a new CSID and PCSID activity (`IN_PROGRESS`); under the lock.
    fn begin_generate(
        &self,
        record: &mut DeviceRecord,
        otp: &Otp,
        now: UnixTime,
    ) -> Result<Activity, OnboardingError> {
        check_otp(record.environment, otp)?;
        self.store.check_key_access()?;
        self.start_activity(record, ActivityKind::GeneratePcsid, now)
    }

    /// Starts "Generate CSID and PCSID" and returns at once with the
    /// committed `IN_PROGRESS` activity: [`Self::continue_activity`] with the
    /// same OTP runs its steps (a service does that in the background). Fails
    /// with `6002` once the device has a PCSID.
    pub fn start_generate(
        &self,
        id: &DeviceId,
        otp: &Otp,
        now: UnixTime,
    ) -> Result<Activity, OnboardingError> {
        let _lock = self.store.lock_device(id)?;
        let mut record = self.load_without_pcsid(id)?;
        self.begin_generate(&mut record, otp, now)
    }

    /// Runs what is left of an `IN_PROGRESS` activity, from its last
    /// committed step, and returns it `SUCCEEDED` or `FAILED` (an activity
    /// already done is returned as it is). `otp` is the one it was started
    /// with; after a restart there is none (OTPs are never kept), so an
    /// activity interrupted before its compliance CSID fails with `ZO007`, and
    /// one interrupted after its production CSID request was sent fails too:
    /// that request is never sent twice. An interrupted renewal fails and
    /// leaves the working PCSID in place.
    pub fn continue_activity(
        &self,
        activity_id: &ActivityId,
        otp: Option<&Otp>,
        now: UnixTime,
    ) -> Result<Activity, OnboardingError> {
        let device_id = self.store.load_activity(activity_id)?.device_id;
        let _lock = self.store.lock_device(&device_id)?;
        let mut activity = self.store.load_activity(activity_id)?;
        if activity.status != ActivityStatus::InProgress {
            return Ok(activity);
        }
        let mut record = self.load_locked(&device_id)?;
        let result = match activity.kind {
            ActivityKind::GeneratePcsid => {
                self.generate_steps(&mut record, otp, &mut activity, now)
            }
            ActivityKind::RenewPcsid => {
                record.state = DeviceState::Production;
                record.pending = None;
                self.store.save_device(&record).and(Err(OnboardingError::Interrupted {
                    step: activity.steps.last().copied().unwrap_or(ActivityStep::RenewalCsr),
                    reason: "a renewal does not resume; the working PCSID is unchanged: renew again with a new OTP",
                }))
            }
        };
        self.finish_activity(activity, result, now)
    }

    /// Runs [`Self::continue_activity`] (without an OTP) on every activity
    /// the store has `IN_PROGRESS`: what a restarted service does first.
    pub fn resume_interrupted(
        &self,
        now: UnixTime,
    ) -> Result<Vec<Result<Activity, OnboardingError>>, OnboardingError> {
        Ok(self
            .store
            .in_progress_activities()?
            .iter()
            .map(|id| self.continue_activity(id, None, now))
            .collect())
    }

    /// Marks `step` started (once) in the activity.
    fn step_started(activity: &mut Activity, step: ActivityStep) {
        if !activity.steps.contains(&step) {
            activity.steps.push(step);
        }
    }

    /// Commits `step` as done in the activity.
    fn step_done(
        &self,
        activity: &mut Activity,
        step: ActivityStep,
    ) -> Result<(), OnboardingError> {
        activity.done.push(step);
        self.store.save_activity(activity)
    }

    fn generate_steps(
        &self,
        record: &mut DeviceRecord,
        otp: Option<&Otp>,
        activity: &mut Activity,
        now: UnixTime,
    ) -> Result<(), OnboardingError> {
        let generation = record.current.number;
        let key = self.store.read_key(record, generation)?;
        let csr = self.store.read_csr(record, generation)?;
        let profile = csr.to_profile(ValidationProfile::Sdk)?;

        let compliance = if activity.done.contains(&ActivityStep::ComplianceCsid) {
            self.store
                .read_csid(record, CsidKind::Compliance, generation)?
        } else {
            Self::step_started(activity, ActivityStep::ComplianceCsid);
            let otp = otp.ok_or(OnboardingError::Interrupted {
                step: ActivityStep::ComplianceCsid,
                reason: "the compliance CSID was not stored before the interruption, and the OTP is never kept: generate again with a new OTP",
            })?;
            let submission = CsrSubmission {
                csr: csr.to_base64_pem()?,
            };
            let response = self.fatoora.compliance_csid(otp, &submission)?;
            let compliance = response.csid;
            self.check_csid(CsidKind::Compliance, &compliance, &key, record, now)?;
            self.store
                .write_csid(record, CsidKind::Compliance, generation, &compliance)?;
            record.current.compliance_csid = true;
            record.state = DeviceState::ComplianceCsid;
            self.store.save_device(record)?;
            self.step_done(activity, ActivityStep::ComplianceCsid)?;
            compliance
        };

        if !activity.done.contains(&ActivityStep::ComplianceChecks) {
            Self::step_started(activity, ActivityStep::ComplianceChecks);
            self.compliance_checks(
                record,
                generation,
                &profile,
                &compliance,
                &key,
                activity,
                now,
            )?;
            record.state = DeviceState::ComplianceChecked;
            self.store.save_device(record)?;
            self.step_done(activity, ActivityStep::ComplianceChecks)?;
        }

        Self::step_started(activity, ActivityStep::ProductionCsid);
        if activity.production_requested {
            return Err(OnboardingError::Interrupted {
                step: ActivityStep::ProductionCsid,
                reason: "the production CSID request was sent before the interruption and its answer was never stored; ZATCA issues one per compliance request, so it is not sent again: generate again with a new OTP",
            });
        }
        activity.production_requested = true;
        self.store.save_activity(activity)?;
        let production = self.production_csid(record, &compliance, &key, now)?;
        self.store
            .write_csid(record, CsidKind::Production, generation, &production)?;
        record.current.production_csid = true;
        record.state = DeviceState::Production;
        self.store.save_device(record)?;
        self.step_done(activity, ActivityStep::ProductionCsid)
    }

    /// "Renew PCSID": a fresh CSR (new key unless [`RenewKey::Same`]), the
    /// renewal call, the compliance checks again if ZATCA answers 428, and
    /// the new PCSID, checked; only then does the device switch to it. A
    /// failure at any point leaves the working PCSID in place. Fails with
    /// `6003` when the device has no PCSID.
    pub fn renew_pcsid(
        &self,
        id: &DeviceId,
        otp: &Otp,
        key_choice: RenewKey,
        now: UnixTime,
    ) -> Result<Activity, OnboardingError> {
        let _lock = self.store.lock_device(id)?;
        let mut record = self.load_locked(id)?;
        if !record.current.production_csid {
            return Err(OnboardingError::PcsidNotGenerated {
                device_id: id.clone(),
            });
        }
        check_otp(record.environment, otp)?;
        self.store.check_key_access()?;
        let mut activity = self.start_activity(&mut record, ActivityKind::RenewPcsid, now)?;
        let result = self.renew_steps(&mut record, otp, key_choice, &mut activity, now);
        if result.is_err() {
            // The current generation is untouched; say so in the state file (best effort).
            record.state = DeviceState::Production;
            record.pending = None;
            let _ = self.store.save_device(&record);
        }
        self.finish_activity(activity, result, now)
    }

    fn renew_steps(
        &self,
        record: &mut DeviceRecord,
        otp: &Otp,
        key_choice: RenewKey,
        activity: &mut Activity,
        now: UnixTime,
    ) -> Result<(), OnboardingError> {
        let current = record.current.number;
        let next = current + 1;
        Self::step_started(activity, ActivityStep::RenewalCsr);
        let profile = self
            .store
            .read_csr(record, current)?
            .to_profile(ValidationProfile::Sdk)?;
        let key = match key_choice {
            RenewKey::New => PrivateKey::generate(Curve::Secp256k1)?,
            RenewKey::Same => self.store.read_key(record, current)?,
        };
        let csr = Csr::build(&profile, &key)?;
        self.store.write_key(record, next, &key)?;
        self.store.write_csr(record, next, &csr)?;
        let mut pending = Generation {
            number: next,
            compliance_csid: false,
            production_csid: false,
        };
        record.pending = Some(pending.clone());
        record.state = DeviceState::Renewing;
        self.store.save_device(record)?;

        Self::step_started(activity, ActivityStep::RenewPcsid);
        let working = self
            .store
            .read_csid(record, CsidKind::Production, current)?;
        let submission = CsrSubmission {
            csr: csr.to_base64_pem()?,
        };
        let production = match self
            .fatoora
            .renew_production_csid(&working, otp, &submission)?
        {
            Renewal::Issued(response) => {
                self.check_csid(CsidKind::Production, &response.csid, &key, record, now)?;
                response.csid
            }
            Renewal::ComplianceRequired(response) => {
                let compliance = response.csid;
                self.check_csid(CsidKind::Compliance, &compliance, &key, record, now)?;
                self.store
                    .write_csid(record, CsidKind::Compliance, next, &compliance)?;
                pending.compliance_csid = true;
                record.pending = Some(pending.clone());
                self.store.save_device(record)?;
                Self::step_started(activity, ActivityStep::ComplianceChecks);
                self.compliance_checks(record, next, &profile, &compliance, &key, activity, now)?;
                Self::step_started(activity, ActivityStep::ProductionCsid);
                self.production_csid(record, &compliance, &key, now)?
            }
        };
        self.store
            .write_csid(record, CsidKind::Production, next, &production)?;
        pending.production_csid = true;
        record.current = pending;
        record.pending = None;
        record.state = DeviceState::Production;
        self.store.save_device(record)
    }

    /// "PCSID activity status".
    pub fn activity(&self, id: &ActivityId) -> Result<Activity, OnboardingError> {
        self.store.load_activity(id)
    }

    /// A device's state, CSIDs (no secrets), compliance results and renewal plan at `now`.
    pub fn show(&self, id: &DeviceId, now: UnixTime) -> Result<DeviceView, OnboardingError> {
        show_device(&self.store, id, now, &self.options)
    }

    /// Every device, as [`Self::show`] gives it, and the damaged device files.
    pub fn list(&self, now: UnixTime) -> Result<DeviceList, OnboardingError> {
        list_devices(&self.store, now, &self.options)
    }

    /// Signs `unsigned_xml` as the device's next document of its chain
    /// ([`crate::sign_invoice`]): next ICV, PIH, production CSID signature,
    /// committed with the new chain head before it returns.
    pub fn sign_invoice(
        &self,
        id: &DeviceId,
        unsigned_xml: &[u8],
        idempotency_key: Option<&str>,
        now: UnixTime,
    ) -> Result<crate::ChainedInvoice, OnboardingError> {
        crate::sign_invoice(&self.store, id, unsigned_xml, idempotency_key, now)
    }

    /// A committed document of the device's chain, by ICV ([`crate::load_invoice`]).
    pub fn invoice(
        &self,
        id: &DeviceId,
        icv: u64,
    ) -> Result<crate::InvoiceRecord, OnboardingError> {
        crate::load_invoice(&self.store, id, icv)
    }

    /// The device's chain head ([`crate::chain_view`]).
    pub fn chain(&self, id: &DeviceId) -> Result<crate::ChainView, OnboardingError> {
        crate::chain_view(&self.store, id)
    }
}

/// Every device of a store as [`Onboarding::show`] gives it, and one error
/// per device that could not be read (the others are listed all the same).
#[derive(Debug, Default)]
pub struct DeviceList {
    /// The devices.
    pub devices: Vec<DeviceView>,
    /// The devices that could not be read, each error naming its file.
    pub damaged: Vec<OnboardingError>,
}

/// [`Onboarding::show`] without a Fatoora: reads the store only.
pub fn show_device(
    store: &impl DeviceStore,
    id: &DeviceId,
    now: UnixTime,
    options: &Options,
) -> Result<DeviceView, OnboardingError> {
    view(
        store,
        store.load_device(id)?,
        now,
        options.renewal_window_days,
    )
}

/// [`Onboarding::list`] without a Fatoora: reads the store only.
pub fn list_devices(
    store: &impl DeviceStore,
    now: UnixTime,
    options: &Options,
) -> Result<DeviceList, OnboardingError> {
    let Listing { devices, damaged } = store.list_devices()?;
    let mut out = DeviceList {
        devices: Vec::new(),
        damaged,
    };
    for record in devices {
        match view(store, record, now, options.renewal_window_days) {
            Ok(v) => out.devices.push(v),
            Err(e) => out.damaged.push(e),
        }
    }
    Ok(out)
}

fn view(
    store: &impl DeviceStore,
    record: DeviceRecord,
    now: UnixTime,
    window_days: u32,
) -> Result<DeviceView, OnboardingError> {
    let generation = record.current.number;
    let read = |present: bool, kind: CsidKind| -> Result<Option<Csid>, OnboardingError> {
        if present {
            store.read_csid(&record, kind, generation).map(Some)
        } else {
            Ok(None)
        }
    };
    let compliance = read(record.current.compliance_csid, CsidKind::Compliance)?;
    let production = read(record.current.production_csid, CsidKind::Production)?;
    let renewal = production
        .as_ref()
        .map(|p| renewal_plan(p.certificate().not_after(), now, window_days));
    Ok(DeviceView {
        compliance_results: store.read_results(&record, generation)?,
        compliance_csid: compliance.as_ref().map(summary),
        production_csid: production.as_ref().map(summary),
        renewal,
        record,
    })
}
