//! The routes: auth, then the lifecycle call on the blocking pool, then the
//! seed-shaped answer.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;
use zatca_onboarding::{
    ActivityStatus, AnswerStatus, CsidAnswer, DeviceAnswer, DeviceId, DeviceRecord, DeviceStore,
    ErrorEntry, ErrorKind, ErrorSource, InvoiceAnswer, OnboardingError, PcsidStatusAnswer,
    RegisterAnswer, Registered, Registration, RenewKey, list_devices, show_device,
};
use zatca_profile::{Otp, Vat};
use zatca_store::{Accounts, Role, User};
use zatca_types::ActivityId;

use crate::openapi::Access;
use crate::request::{self, Rejection as Refusal};
use crate::{Inner, metrics, pool, status_of};

/// The route template a response came from, for the request log.
#[derive(Clone)]
struct RouteLabel(String);

pub(crate) fn router<D, A>(inner: Arc<Inner<D, A>>) -> Router
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    let routes = Router::new()
        .route("/onboarding/register-device", post(register_device::<D, A>))
        .route("/onboarding/generate-csid", post(generate_csid::<D, A>))
        .route("/onboarding/renew-pcsid", post(renew_pcsid::<D, A>))
        .route(
            "/onboarding/{ActivityId}/pcsid-status",
            get(pcsid_status::<D, A>),
        )
        .route("/devices", get(devices::<D, A>).post(create_device::<D, A>))
        .route("/devices/{DeviceId}", get(device::<D, A>))
        .route("/devices/{DeviceId}/invoices", post(sign_invoice::<D, A>))
        .route("/devices/{DeviceId}/invoices/{icv}", get(invoice::<D, A>))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text::<D, A>))
        .route("/openapi.json", get(openapi::<D, A>))
        .route_layer(axum::middleware::from_fn(label_route))
        .with_state(Arc::clone(&inner));
    let base = inner.config.base_path.clone();
    let app = if base.is_empty() {
        routes
    } else {
        Router::new().nest(&base, routes)
    };
    app.fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            inner,
            log_request::<D, A>,
        ))
}

async fn label_route(path: MatchedPath, request: Request, next: Next) -> Response {
    let label = format!("{} {}", request.method(), path.as_str());
    let mut response = next.run(request).await;
    response.extensions_mut().insert(RouteLabel(label));
    response
}

async fn log_request<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    request: Request,
    next: Next,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    let started = Instant::now();
    let method = request.method().clone();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map_or_else(|| "unmatched".to_owned(), |l| l.0.clone());
    let status = response.status().as_u16();
    inner.requests.count(&route, status);
    tracing::info!(
        target: "zatca_service::http",
        method = %method,
        route = %route,
        status,
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

fn json_response(status: u16, value: &impl Serialize) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"ErrorList":[{"ErrorCode":"ZS500","ErrorMessage":"the answer could not be serialized","ErrorSource":"LOCAL"}]}"#,
        )
            .into_response(),
    }
}

/// A refusal with one entry.
fn refusal(status: u16, entry: ErrorEntry) -> Refusal {
    Refusal {
        status,
        entries: vec![entry],
    }
}

fn entry(code: &str, message: impl Into<String>) -> ErrorEntry {
    ErrorEntry::new(code, message, ErrorSource::Local)
}

/// How each route answers a refusal.
#[derive(Clone, Copy)]
enum Shape {
    Register,
    Csid,
    Read,
    /// `POST /devices`: the other provider's `{deviceId, status: Failed, errorList}`.
    Device,
    /// The invoice routes: `{errorList}`, camelCase like their answers.
    Invoice,
}

fn refused(shape: Shape, device_id: Option<&DeviceId>, refusal: Refusal) -> Response {
    match shape {
        Shape::Register => json_response(
            refusal.status,
            &RegisterAnswer {
                status: AnswerStatus::Failed,
                device_id: None,
                pcsid_generation_activity_id: None,
                error_list: refusal.entries,
            },
        ),
        Shape::Csid => json_response(
            refusal.status,
            &CsidAnswer {
                status: AnswerStatus::Failed,
                device_id: device_id.cloned(),
                pcsid_generation_activity_id: None,
                error_list: refusal.entries,
            },
        ),
        Shape::Read => json_response(refusal.status, &json!({ "ErrorList": refusal.entries })),
        Shape::Device => json_response(
            refusal.status,
            &DeviceAnswer::failed(device_id, refusal.entries),
        ),
        Shape::Invoice => json_response(refusal.status, &json!({ "errorList": refusal.entries })),
    }
}

/// A lifecycle error on the invoice routes: `{errorList}`, with the status
/// of [`status_of`], except that an unknown device or ICV is 404 and a state
/// that refuses the signature (no PCSID, a caller-managed chain, a reused
/// idempotency key) is 409.
fn invoice_refused(e: &OnboardingError) -> Response {
    let status = match e.kind() {
        ErrorKind::NotFound => 404,
        ErrorKind::Conflict => 409,
        kind => status_of(kind),
    };
    json_response(status, &json!({ "errorList": e.entries() }))
}

async fn blocking<D, A>(
    inner: &Arc<Inner<D, A>>,
    f: impl FnOnce(&Inner<D, A>) -> Response + Send + 'static,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    let Ok(_admitted) = inner.admission.acquire().await else {
        return refused(
            Shape::Read,
            None,
            refusal(503, entry("ZS503", "the service is stopping")),
        );
    };
    unadmitted(inner, f).await
}

/// [`blocking`] without waiting for admission: for a call that spends its
/// time waiting for ZATCA (a whole onboarding), which would hold an
/// admission slot away from the quick requests for seconds.
async fn unadmitted<D, A>(
    inner: &Arc<Inner<D, A>>,
    f: impl FnOnce(&Inner<D, A>) -> Response + Send + 'static,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    let inner = Arc::clone(inner);
    match tokio::task::spawn_blocking(move || f(&inner)).await {
        Ok(response) => response,
        Err(_) => refused(
            Shape::Read,
            None,
            refusal(500, entry("ZS500", "the request could not be completed")),
        ),
    }
}

/// Who is calling, for which VAT.
struct Caller {
    user: User,
    vat: Vat,
}

fn accounts_failed<A: Accounts>(e: &A::Error) -> Refusal {
    if A::is_unavailable(e) {
        tracing::warn!(target: "zatca_service::http", error = %e, "the database cannot be reached");
        return refusal(
            503,
            entry(
                "ZS503",
                "the service's database cannot be reached; nothing was changed: try again shortly",
            ),
        );
    }
    tracing::error!(target: "zatca_service::http", error = %e, "the accounts store failed");
    refusal(
        500,
        entry(
            "ZS500",
            "the service's accounts could not be read; see the service's log",
        ),
    )
}

impl<D, A> Inner<D, A>
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    fn authorize(&self, headers: &HeaderMap, access: Access) -> Result<Caller, Refusal> {
        let token = request::require_token(headers)?;
        let user = self
            .accounts
            .authenticate(token)
            .map_err(|e| accounts_failed::<A>(&e))?
            .ok_or_else(|| {
                Refusal::new(
                    401,
                    "ZS002",
                    "the auth token is not valid (unknown or revoked)",
                )
            })?;
        let vat = request::vat_header(headers)?;
        if self
            .accounts
            .vat(vat.as_str())
            .map_err(|e| accounts_failed::<A>(&e))?
            .is_none()
        {
            return Err(request::vat_not_served());
        }
        if !user.vats.contains(&vat) {
            return Err(refusal(
                403,
                entry(
                    "ZS005",
                    "the user has no role for the VAT of the vat header",
                ),
            ));
        }
        if access == Access::Admin && user.role != Role::Admin {
            return Err(refusal(
                403,
                entry(
                    "ZS006",
                    "the user is a viewer of this VAT: registering, generating and renewing need the admin role",
                ),
            ));
        }
        Ok(Caller { user, vat })
    }

    /// Whether the header's VAT covers `vat`: the same VAT, or a member of it (a group VAT).
    fn covers(&self, header: &Vat, vat: &Vat) -> Result<bool, Refusal> {
        if header == vat {
            return Ok(true);
        }
        if !header.is_group() {
            return Ok(false);
        }
        Ok(self
            .accounts
            .vat(vat.as_str())
            .map_err(|e| accounts_failed::<A>(&e))?
            .and_then(|entry| entry.group)
            .is_some_and(|group| &group == header))
    }

    /// The device, when the caller may see it; otherwise the same error as
    /// for an unknown device.
    fn visible_device(&self, caller: &Caller, id: &DeviceId) -> Result<DeviceRecord, Refusal> {
        let unknown = || {
            Refusal::of(&OnboardingError::UnknownDevice {
                device_id: id.clone(),
            })
        };
        let record = self
            .engine
            .onboarding
            .store()
            .load_device(id)
            .map_err(|e| Refusal::of(&e))?;
        if record.environment != self.config.environment
            || !self.covers(&caller.vat, &record.vat)?
        {
            return Err(unknown());
        }
        Ok(record)
    }

    /// Starts the device's CSID and PCSID activity unless one is running:
    /// `Ok(Ok(new))`, `Ok(Err(running))`, or the lifecycle's refusal.
    fn start_activity(
        &self,
        id: &DeviceId,
        otp: Otp,
    ) -> Result<Result<zatca_onboarding::Activity, zatca_onboarding::Activity>, OnboardingError>
    {
        let engine = &self.engine;
        let store = engine.onboarding.store();
        let _start = engine.start_lock.lock().map_err(|_| OnboardingError::Io {
            path: std::path::PathBuf::from("<start lock>"),
            reason: "a thread panicked while starting an activity".to_owned(),
        })?;
        let record = store.load_device(id)?;
        if !record.current.production_csid
            && let Some(last) = &record.last_activity_id
        {
            let activity = store.load_activity(last)?;
            if activity.status == ActivityStatus::InProgress {
                return Ok(Err(activity));
            }
        }
        let activity = engine.onboarding.start_generate(id, &otp, engine.now())?;
        engine.claim_locally(&activity.activity_id);
        let job = pool::Job {
            activity_id: activity.activity_id.clone(),
            otp: Some(otp),
        };
        if self.pool.submit(job).is_err() {
            // Stopping: the activity stays IN_PROGRESS and the next start resumes it.
            tracing::warn!(
                target: "zatca_service::activity",
                activity_id = %activity.activity_id,
                "the service is stopping: the activity waits for the next start"
            );
        }
        Ok(Ok(activity))
    }

    fn register(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let shape = Shape::Register;
        let caller = match self.authorize(headers, Access::Admin) {
            Ok(caller) => caller,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let environment = self.config.environment;
        let request::RegisterBody {
            input,
            profile,
            otp,
        } = match request::register_body(body, environment, self.engine.onboarding.options()) {
            Ok(read) => read,
            Err(refusal) => return refused(shape, None, refusal),
        };
        if let Err(refusal) =
            self.body_vat_covered(&caller, profile.vat(), "OrganizationDetails.Vat")
        {
            return refused(shape, None, refusal);
        }
        let now = self.engine.now();
        let registration: Registration =
            match self
                .engine
                .onboarding
                .register_device(&input, Some(environment), now)
            {
                Ok(r) => r,
                Err(e) => return refused(shape, None, Refusal::of(&e)),
            };
        let mut registered = Registered {
            registration,
            pcsid: None,
            activity_id: None,
        };
        let mut status = 200;
        if let Some(otp) = otp {
            let id = registered.registration.device_id.clone();
            match self.start_activity(&id, otp) {
                Ok(Ok(activity) | Err(activity)) => registered.pcsid = Some(Ok(activity)),
                Err(OnboardingError::PcsidAlreadyGenerated { .. }) => {}
                Err(e) => {
                    status = status_of(e.kind());
                    registered.pcsid = Some(Err(e));
                }
            }
        }
        tracing::info!(
            target: "zatca_service::http",
            user = %caller.user.name,
            device_id = %registered.registration.device_id,
            existing = registered.registration.existing,
            "register-device"
        );
        json_response(status, &RegisterAnswer::from_result(&Ok(registered)))
    }

    /// Reads `{DeviceId, Otp}`: the device (visible to the caller) and the OTP.
    fn device_and_otp(
        &self,
        caller: &Caller,
        body: &[u8],
    ) -> Result<(DeviceRecord, Otp), (Option<DeviceId>, Refusal)> {
        let request::CsidBody { device_id: id, otp } =
            request::csid_body(body).map_err(|refusal| (None, refusal))?;
        let record = self
            .visible_device(caller, &id)
            .map_err(|refusal| (Some(id.clone()), refusal))?;
        let Some(otp) = otp else {
            return Err((Some(id), Refusal::of(&OnboardingError::OtpMissing)));
        };
        Ok((record, otp))
    }

    fn generate(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let shape = Shape::Csid;
        let caller = match self.authorize(headers, Access::Admin) {
            Ok(caller) => caller,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let (record, otp) = match self.device_and_otp(&caller, body) {
            Ok(found) => found,
            Err((id, refusal)) => return refused(shape, id.as_ref(), refusal),
        };
        let id = record.device_id;
        match self.start_activity(&id, otp) {
            Ok(Ok(activity)) => json_response(200, &CsidAnswer::from_result(&id, &Ok(activity))),
            Ok(Err(running)) => json_response(
                400,
                &CsidAnswer {
                    status: AnswerStatus::Failed,
                    device_id: Some(id),
                    pcsid_generation_activity_id: Some(running.activity_id),
                    error_list: vec![entry(
                        "ZS020",
                        "the device's CSID and PCSID activity is still in progress: poll its pcsid-status",
                    )],
                },
            ),
            Err(e) => json_response(status_of(e.kind()), &CsidAnswer::failed(Some(&id), &e)),
        }
    }

    fn renew(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let shape = Shape::Csid;
        let caller = match self.authorize(headers, Access::Admin) {
            Ok(caller) => caller,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let (record, otp) = match self.device_and_otp(&caller, body) {
            Ok(found) => found,
            Err((id, refusal)) => return refused(shape, id.as_ref(), refusal),
        };
        let id = record.device_id;
        let result =
            self.engine
                .onboarding
                .renew_pcsid(&id, &otp, RenewKey::New, self.engine.now());
        let status = match &result {
            Ok(_) => 200,
            Err(e) => status_of(e.kind()),
        };
        let mut answer = CsidAnswer::from_result(&id, &result);
        if result.is_err() {
            answer.pcsid_generation_activity_id =
                result.as_ref().err().and_then(|e| e.activity_id().cloned());
        }
        json_response(status, &answer)
    }

    fn status(&self, headers: &HeaderMap, activity_id: &str) -> Response {
        let shape = Shape::Read;
        let caller = match self.authorize(headers, Access::Read) {
            Ok(caller) => caller,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let id: ActivityId = match request::activity_id(activity_id) {
            Ok(id) => id,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let unknown = || {
            Refusal::of(&OnboardingError::UnknownActivity {
                activity_id: id.clone(),
            })
        };
        let activity = match self.engine.onboarding.activity(&id) {
            Ok(activity) => activity,
            Err(e) => return refused(shape, None, Refusal::of(&e)),
        };
        match self.visible_device(&caller, &activity.device_id) {
            Ok(_) => {}
            Err(refusal) if refusal.status == 400 => return refused(shape, None, unknown()),
            Err(refusal) => return refused(shape, None, refusal),
        }
        let status = if activity.status == ActivityStatus::Failed {
            500
        } else {
            200
        };
        json_response(status, &PcsidStatusAnswer::of(&activity))
    }

    fn list(&self, headers: &HeaderMap) -> Response {
        let shape = Shape::Read;
        let caller = match self.authorize(headers, Access::Read) {
            Ok(caller) => caller,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let now = self.engine.now();
        let list = match list_devices(
            self.engine.onboarding.store(),
            now,
            self.engine.onboarding.options(),
        ) {
            Ok(list) => list,
            Err(e) => return refused(shape, None, Refusal::of(&e)),
        };
        let mut devices = Vec::new();
        for view in list.devices {
            if view.record.environment != self.config.environment {
                continue;
            }
            match self.covers(&caller.vat, &view.record.vat) {
                Ok(true) => devices.push(view),
                Ok(false) => {}
                Err(refusal) => return refused(shape, None, refusal),
            }
        }
        json_response(200, &json!({ "Devices": devices, "ErrorList": [] }))
    }

    fn show(&self, headers: &HeaderMap, device_id: &str) -> Response {
        let shape = Shape::Read;
        let caller = match self.authorize(headers, Access::Read) {
            Ok(caller) => caller,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let not_found = |refusal: Refusal| Refusal {
            status: 404,
            ..refusal
        };
        let id: DeviceId = match request::device_id(device_id) {
            Ok(id) => id,
            Err(refusal) => return refused(shape, None, not_found(refusal)),
        };
        if let Err(refusal) = self.visible_device(&caller, &id) {
            let refusal = if refusal.status == 400 {
                not_found(refusal)
            } else {
                refusal
            };
            return refused(shape, None, refusal);
        }
        match show_device(
            self.engine.onboarding.store(),
            &id,
            self.engine.now(),
            self.engine.onboarding.options(),
        ) {
            Ok(view) => json_response(200, &view),
            Err(e) => refused(shape, None, Refusal::of(&e)),
        }
    }

    /// Refuses `ZS007` unless the header's VAT covers the body's.
    fn body_vat_covered(&self, caller: &Caller, vat: &Vat, path: &str) -> Result<(), Refusal> {
        if self.covers(&caller.vat, vat)? {
            return Ok(());
        }
        Err(refusal(
            403,
            entry(
                "ZS007",
                "the request's VAT is neither the vat header's VAT nor a member of that group VAT",
            )
            .at(path),
        ))
    }

    /// `Err(running)` when the device's CSID and PCSID activity is in progress.
    fn activity_in_progress(&self, id: &DeviceId) -> Result<Option<ActivityId>, OnboardingError> {
        let store = self.engine.onboarding.store();
        let Some(record) = store.load_device_in(self.config.environment, id)? else {
            return Ok(None);
        };
        if record.current.production_csid {
            return Ok(None);
        }
        let Some(last) = &record.last_activity_id else {
            return Ok(None);
        };
        let activity = store.load_activity(last)?;
        Ok((activity.status == ActivityStatus::InProgress).then_some(activity.activity_id))
    }

    /// `POST /devices`: the other provider's register call, synchronous.
    fn onboard(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let shape = Shape::Device;
        let caller = match self.authorize(headers, Access::Admin) {
            Ok(caller) => caller,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let environment = self.config.environment;
        let egs = request::EgsCompletion {
            solution: &self.config.egs_solution,
            model: &self.config.egs_model,
        };
        let request::DeviceBody {
            input,
            profile,
            otp,
        } = match request::device_body(body, environment, self.engine.onboarding.options(), egs) {
            Ok(read) => read,
            Err(refusal) => return refused(shape, None, refusal),
        };
        if let Err(refusal) = self.body_vat_covered(&caller, profile.vat(), "Organization.Vat") {
            return refused(shape, None, refusal);
        }
        let id = DeviceId::derive(
            environment,
            profile.vat().as_str(),
            profile.egs_serial().as_str(),
        );
        // A register-device activity of the same device still running: this
        // call would start a second one.
        match self.activity_in_progress(&id) {
            Ok(None) => {}
            Ok(Some(running)) => {
                let mut answer = DeviceAnswer::failed(
                    Some(&id),
                    vec![entry(
                        "ZS020",
                        format!(
                            "the device's CSID and PCSID activity {running} is still in progress: poll its pcsid-status"
                        ),
                    )],
                );
                answer.device_id = Some(id);
                return json_response(400, &answer);
            }
            Err(e) => return refused(shape, Some(&id), Refusal::of(&e)),
        }
        let now = self.engine.now();
        let result = self
            .engine
            .onboarding
            .onboard_device(&input, Some(environment), &otp, now);
        match result {
            Ok(onboarded) => {
                tracing::info!(
                    target: "zatca_service::http",
                    user = %caller.user.name,
                    device_id = %onboarded.device_id,
                    existing = onboarded.existing,
                    invoice_format = onboarded.invoice_format.map_or("", |f| f.as_str()),
                    "devices"
                );
                json_response(200, &DeviceAnswer::of(onboarded))
            }
            Err(e) => {
                // The device exists once its registration passed, even when
                // its activity failed: the answer names it.
                let known = match &e {
                    OnboardingError::Invalid(_) => None,
                    _ => Some(&id),
                };
                let known = known.filter(|id| {
                    self.engine
                        .onboarding
                        .store()
                        .load_device_in(environment, id)
                        .is_ok_and(|found| found.is_some())
                });
                json_response(
                    status_of(e.kind()),
                    &DeviceAnswer::failed(known, e.entries()),
                )
            }
        }
    }

    /// The device of an invoice route's `{DeviceId}`, for a caller with
    /// `access` who may see it: 404 otherwise.
    fn invoice_device(
        &self,
        headers: &HeaderMap,
        access: Access,
        device_id: &str,
    ) -> Result<DeviceId, Refusal> {
        let caller = self.authorize(headers, access)?;
        let not_found = |refusal: Refusal| Refusal {
            status: if refusal.status == 400 {
                404
            } else {
                refusal.status
            },
            ..refusal
        };
        let id = request::device_id(device_id).map_err(not_found)?;
        self.visible_device(&caller, &id).map_err(not_found)?;
        Ok(id)
    }

    /// `POST /devices/{DeviceId}/invoices`: the next document of the device's chain.
    fn sign(&self, headers: &HeaderMap, device_id: &str, body: &[u8]) -> Response {
        let shape = Shape::Invoice;
        let id = match self.invoice_device(headers, Access::Admin, device_id) {
            Ok(id) => id,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let key = match request::idempotency_key(headers) {
            Ok(key) => key,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let unsigned = match request::invoice_body(headers, body) {
            Ok(xml) => xml,
            Err(refusal) => return refused(shape, None, refusal),
        };
        match self
            .engine
            .onboarding
            .sign_invoice(&id, &unsigned, key.as_deref(), self.engine.now())
        {
            Ok(signed) => {
                let mut response = json_response(200, &InvoiceAnswer::of(&signed.invoice));
                if signed.replayed {
                    response
                        .headers_mut()
                        .insert("idempotent-replayed", HeaderValue::from_static("true"));
                }
                response
            }
            Err(e) => invoice_refused(&e),
        }
    }

    /// `GET /devices/{DeviceId}/invoices/{icv}`: a committed document again.
    fn invoice(&self, headers: &HeaderMap, device_id: &str, icv: &str) -> Response {
        let shape = Shape::Invoice;
        let id = match self.invoice_device(headers, Access::Read, device_id) {
            Ok(id) => id,
            Err(refusal) => return refused(shape, None, refusal),
        };
        let icv = match request::icv(icv) {
            Ok(icv) => icv,
            Err(refusal) => return refused(shape, None, refusal),
        };
        match self.engine.onboarding.invoice(&id, icv) {
            Ok(invoice) => json_response(200, &InvoiceAnswer::of(&invoice)),
            Err(e) => invoice_refused(&e),
        }
    }

    fn metrics(&self) -> Response {
        let store = self.engine.onboarding.store();
        let mut figures = metrics::StoreFigures {
            queued: u64::try_from(self.pool.pending()).unwrap_or(u64::MAX),
            ..metrics::StoreFigures::default()
        };
        if let Ok(ids) = store.in_progress_activities() {
            figures.in_progress = u64::try_from(ids.len()).unwrap_or(u64::MAX);
        }
        let now = self.engine.now();
        if let Ok(list) = list_devices(store, now, self.engine.onboarding.options()) {
            for view in &list.devices {
                if let Some(plan) = &view.renewal
                    && !plan.expired
                    && plan.days_left < 30
                {
                    figures.expiring += 1;
                }
                let last = view
                    .record
                    .last_activity_id
                    .as_ref()
                    .and_then(|id| store.load_activity(id).ok());
                match last.map(|a| a.status) {
                    Some(ActivityStatus::Succeeded) => figures.succeeded += 1,
                    Some(ActivityStatus::Failed) => figures.failed += 1,
                    _ => {}
                }
            }
        }
        let mut response = metrics::render(&self.requests, &figures).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        response
    }
}

/// Axum handlers that run one `Inner` method on the blocking pool, with the
/// request's headers and its body (`body`) or one path parameter (`path`).
macro_rules! blocking_route {
    (body: $name:ident => $method:ident) => {
        async fn $name<D, A>(
            State(inner): State<Arc<Inner<D, A>>>,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response
        where
            D: DeviceStore + Send + Sync + 'static,
            A: Accounts + Send + Sync + 'static,
        {
            blocking(&inner, move |inner| inner.$method(&headers, &body)).await
        }
    };
    (path: $name:ident => $method:ident) => {
        async fn $name<D, A>(
            State(inner): State<Arc<Inner<D, A>>>,
            Path(parameter): Path<String>,
            headers: HeaderMap,
        ) -> Response
        where
            D: DeviceStore + Send + Sync + 'static,
            A: Accounts + Send + Sync + 'static,
        {
            blocking(&inner, move |inner| inner.$method(&headers, &parameter)).await
        }
    };
}

blocking_route!(body: register_device => register);
blocking_route!(body: generate_csid => generate);
blocking_route!(body: renew_pcsid => renew);
blocking_route!(path: pcsid_status => status);
blocking_route!(path: device => show);

async fn create_device<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    unadmitted(&inner, move |inner| inner.onboard(&headers, &body)).await
}

async fn sign_invoice<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.sign(&headers, &device_id, &body)).await
}

async fn invoice<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    Path((device_id, icv)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| {
        inner.invoice(&headers, &device_id, &icv)
    })
    .await
}

async fn devices<D, A>(State(inner): State<Arc<Inner<D, A>>>, headers: HeaderMap) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.list(&headers)).await
}

async fn healthz() -> Response {
    json_response(200, &json!({ "Status": "UP" }))
}

async fn metrics_text<D, A>(State(inner): State<Arc<Inner<D, A>>>) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.metrics()).await
}

async fn openapi<D, A>(State(inner): State<Arc<Inner<D, A>>>) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    json_response(200, &crate::openapi::document(&inner.config.base_path))
}

async fn not_found() -> Response {
    refused(
        Shape::Read,
        None,
        refusal(404, entry("ZS404", "no such route: see GET /openapi.json")),
    )
}
