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
use serde_json::{Value, json};
use zatca_onboarding::{
    ActivityStatus, AnswerStatus, CsidAnswer, DeviceId, DeviceRecord, DeviceStore, ErrorEntry,
    ErrorSource, OnboardingError, PcsidStatusAnswer, RegisterAnswer, Registered, Registration,
    RenewKey, list_devices, show_device, validate_registration,
};
use zatca_profile::{Environment, Field, Otp, RequestInput, Vat};
use zatca_store_sqlite::{Accounts, Role, User};
use zatca_types::ActivityId;

use crate::openapi::Access;
use crate::{Inner, metrics, pool, status_of};

/// The header carrying the user's token.
pub(crate) const TOKEN_HEADER: &str = "x-cleartax-auth-token";
/// The header naming the VAT (or group VAT) acted for.
pub(crate) const VAT_HEADER: &str = "vat";

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
        .route("/devices", get(devices::<D, A>))
        .route("/devices/{DeviceId}", get(device::<D, A>))
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

fn entry(code: &str, message: impl Into<String>) -> ErrorEntry {
    ErrorEntry::new(code, message, ErrorSource::Local)
}

/// A refusal before or instead of the lifecycle call.
struct Refusal {
    status: u16,
    entries: Vec<ErrorEntry>,
}

impl Refusal {
    fn new(status: u16, entry: ErrorEntry) -> Self {
        Self {
            status,
            entries: vec![entry],
        }
    }

    fn of(e: &OnboardingError) -> Self {
        Self {
            status: status_of(e.kind()),
            entries: e.entries(),
        }
    }
}

/// How each route answers a refusal.
#[derive(Clone, Copy)]
enum Shape {
    Register,
    Csid,
    Read,
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
    }
}

async fn blocking<D, A>(
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
            Refusal::new(500, entry("ZS500", "the request could not be completed")),
        ),
    }
}

/// Who is calling, for which VAT.
struct Caller {
    user: User,
    vat: Vat,
}

fn token_of(headers: &HeaderMap) -> Option<&str> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    text(TOKEN_HEADER).or_else(|| {
        let value = text(header::AUTHORIZATION.as_str())?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    })
}

fn accounts_failed(e: &impl std::error::Error) -> Refusal {
    tracing::error!(target: "zatca_service::http", error = %e, "the accounts store failed");
    Refusal::new(
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
        let Some(token) = token_of(headers) else {
            return Err(Refusal::new(
                401,
                entry(
                    "ZS001",
                    "the x-cleartax-auth-token header is missing: send the user's auth token (or Authorization: Bearer TOKEN)",
                ),
            ));
        };
        let user = self
            .accounts
            .authenticate(token)
            .map_err(|e| accounts_failed(&e))?
            .ok_or_else(|| {
                Refusal::new(
                    401,
                    entry("ZS002", "the auth token is not valid (unknown or revoked)"),
                )
            })?;
        let vat_text = headers
            .get(VAT_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Refusal::new(
                    403,
                    entry(
                        "ZS003",
                        "the vat header is missing: send the VAT or group VAT acted for",
                    ),
                )
            })?;
        let not_served = || {
            Refusal::new(
                400,
                entry(
                    "ZS004",
                    "the VAT of the vat header is not served here: an administrator adds it with `zatca serve vat add VAT`",
                )
                .at(VAT_HEADER),
            )
        };
        let vat = Vat::parse(vat_text).map_err(|_| not_served())?;
        if self
            .accounts
            .vat(vat.as_str())
            .map_err(|e| accounts_failed(&e))?
            .is_none()
        {
            return Err(not_served());
        }
        if !user.vats.contains(&vat) {
            return Err(Refusal::new(
                403,
                entry(
                    "ZS005",
                    "the user has no role for the VAT of the vat header",
                ),
            ));
        }
        if access == Access::Admin && user.role != Role::Admin {
            return Err(Refusal::new(
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
            .map_err(|e| accounts_failed(&e))?
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
        let mut input = match RequestInput::from_bytes(body) {
            Ok(input) => input,
            Err(errors) => {
                return refused(shape, None, Refusal::of(&OnboardingError::Invalid(errors)));
            }
        };
        let environment = self.config.environment;
        if let Some(asked) = input.get(Field::Environment)
            && asked.parse::<Environment>().is_ok_and(|e| e != environment)
        {
            return refused(
                shape,
                None,
                Refusal::new(
                    400,
                    entry(
                        "ZS011",
                        format!(
                            "this service registers {} devices; the request asks for another environment",
                            environment.as_str()
                        ),
                    )
                    .at("Environment"),
                ),
            );
        }
        let otp = input.take_otp();
        let options = *self.engine.onboarding.options();
        let profile = match validate_registration(&input, Some(environment), &options) {
            Ok((profile, _)) => profile,
            Err(e) => return refused(shape, None, Refusal::of(&e)),
        };
        match self.covers(&caller.vat, profile.vat()) {
            Ok(true) => {}
            Ok(false) => {
                return refused(
                    shape,
                    None,
                    Refusal::new(
                        403,
                        entry(
                            "ZS007",
                            "the request's VAT is neither the vat header's VAT nor a member of that group VAT",
                        )
                        .at("OrganizationDetails.Vat"),
                    ),
                );
            }
            Err(refusal) => return refused(shape, None, refusal),
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
        let malformed =
            |message: &str, path: &str| (None, Refusal::new(400, entry("ZS010", message).at(path)));
        let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else {
            return Err(malformed(
                "the body must be a JSON object {\"DeviceId\": \"…\", \"Otp\": \"…\"}",
                "",
            ));
        };
        let id = match fields.get("DeviceId") {
            Some(Value::String(text)) if !text.trim().is_empty() => text.trim().to_owned(),
            _ => {
                return Err(malformed(
                    "DeviceId is missing: give the Device ID register-device answered",
                    "DeviceId",
                ));
            }
        };
        let id: DeviceId = id
            .parse()
            .map_err(|e| (None, Refusal::of(&OnboardingError::MalformedId(e))))?;
        let record = self
            .visible_device(caller, &id)
            .map_err(|refusal| (Some(id.clone()), refusal))?;
        let otp = match fields.remove("Otp") {
            Some(Value::String(otp)) if !otp.trim().is_empty() => Otp::new(otp),
            _ => return Err((Some(id), Refusal::of(&OnboardingError::OtpMissing))),
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
        let id: ActivityId = match activity_id.parse() {
            Ok(id) => id,
            Err(e) => return refused(shape, None, Refusal::of(&OnboardingError::MalformedId(e))),
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
        let id: DeviceId = match device_id.parse() {
            Ok(id) => id,
            Err(e) => {
                return refused(
                    shape,
                    None,
                    not_found(Refusal::of(&OnboardingError::MalformedId(e))),
                );
            }
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

async fn register_device<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.register(&headers, &body)).await
}

async fn generate_csid<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.generate(&headers, &body)).await
}

async fn renew_pcsid<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.renew(&headers, &body)).await
}

async fn pcsid_status<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    Path(activity_id): Path<String>,
    headers: HeaderMap,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.status(&headers, &activity_id)).await
}

async fn devices<D, A>(State(inner): State<Arc<Inner<D, A>>>, headers: HeaderMap) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.list(&headers)).await
}

async fn device<D, A>(
    State(inner): State<Arc<Inner<D, A>>>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
) -> Response
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    blocking(&inner, move |inner| inner.show(&headers, &device_id)).await
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
        Refusal::new(404, entry("ZS404", "no such route: see GET /openapi.json")),
    )
}
