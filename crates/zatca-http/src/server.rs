//! An HTTP server that answers ZATCA's onboarding API from any [`Fatoora`],
//! on the bounded serving of [`crate::serve`].

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use base64::Engine as _;
use zatca_fatoora::{Csid, Fatoora, FatooraError, Method, Otp, Renewal, Route, ZatcaErrors};
use zeroize::Zeroizing;

use crate::serve::{self, Limits, Stopper};
use crate::shape::zatca_errors as errors;
use crate::{ACCEPT_VERSION, BaseUrl, HttpError, csid_json, errors_json};

/// ZATCA's base paths, accepted in front of the four API paths.
const BASE_PATHS: [&str; 3] = [
    "/e-invoicing/developer-portal",
    "/e-invoicing/simulation",
    "/e-invoicing/core",
];

/// The clock of the 401 body's `timestamp`: milliseconds since the epoch.
pub type Clock = Box<dyn Fn() -> u64 + Send + Sync>;
/// A request log: method, path, answer status.
pub type RequestLog = Box<dyn Fn(&str, &str, u16) + Send + Sync>;

/// Serves ZATCA's four onboarding calls over plain HTTP on a loopback address,
/// answering from `F` (crate docs, "The server"), many clients at once within
/// [`Limits`].
///
/// ```
/// use zatca_http::FatooraServer;
/// use zatca_simulator::{Simulator, SimulatorConfig};
/// use zatca_profile::Environment;
///
/// let simulator = Simulator::new(SimulatorConfig::for_environment(Environment::Development, 1_767_225_600))?;
/// let server = FatooraServer::bind("127.0.0.1:0".parse()?, simulator)?;
/// let stopper = server.stopper();
/// std::thread::scope(|s| {
///     s.spawn(|| server.serve(None));
///     println!("listening on {}", server.base_url());
///     stopper.stop();
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FatooraServer<F> {
    listener: std::net::TcpListener,
    addr: SocketAddr,
    fatoora: Arc<F>,
    clock: Arc<Clock>,
    log: Option<Arc<RequestLog>>,
    limits: Limits,
    stopper: Stopper,
}

impl<F> fmt::Debug for FatooraServer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FatooraServer")
            .field("addr", &self.addr)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// An answer: status, content type, body (it may hold a secret).
struct Answer {
    status: u16,
    json: bool,
    body: Zeroizing<String>,
}

impl Answer {
    fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            json: true,
            body: Zeroizing::new(body.into()),
        }
    }

    fn into_response(mut self) -> Response {
        let content_type = if self.json {
            "application/json"
        } else {
            "text/plain"
        };
        // Moved, not copied: no second copy of a secret is left behind.
        let mut response = Response::new(Body::from(std::mem::take(&mut *self.body)));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    }
}

/// The headers the server reads.
#[derive(Default)]
struct Headers {
    accept_version: Option<String>,
    authorization: Option<Zeroizing<String>>,
    otp: Option<Zeroizing<String>>,
}

impl Headers {
    /// A header that is not visible ASCII counts as absent.
    fn read(map: &HeaderMap) -> Self {
        let text = |name: &str| {
            map.get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            accept_version: text("accept-version"),
            authorization: text("authorization").map(Zeroizing::new),
            otp: text("otp").map(Zeroizing::new),
        }
    }
}

/// What one [`FatooraServer::serve`] shares with its request tasks.
struct Api<F> {
    fatoora: Arc<F>,
    clock: Arc<Clock>,
    log: Option<Arc<RequestLog>>,
    max_requests: Option<u64>,
    tickets: AtomicU64,
    stopper: Stopper,
}

impl<F: Fatoora> FatooraServer<F> {
    /// Listens on `addr` (a loopback address; port 0 picks a free port).
    pub fn bind(addr: SocketAddr, fatoora: F) -> Result<Self, HttpError> {
        if !addr.ip().is_loopback() {
            return Err(HttpError::NotLoopback { addr });
        }
        let bind_failed = |e: std::io::Error| HttpError::Bind {
            addr,
            reason: e.to_string(),
        };
        let listener = std::net::TcpListener::bind(addr).map_err(bind_failed)?;
        let bound = listener.local_addr().map_err(bind_failed)?;
        Ok(Self {
            listener,
            addr: bound,
            fatoora: Arc::new(fatoora),
            clock: Arc::new(Box::new(|| 0)),
            log: None,
            limits: Limits::default(),
            stopper: Stopper::new(),
        })
    }

    /// Sets the clock (milliseconds since the epoch) of the 401 body's
    /// `timestamp`; without one it is 0 (the server never reads the clock itself).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Adds a log of each request: method, path and answer status (nothing else).
    #[must_use]
    pub fn with_log(mut self, log: RequestLog) -> Self {
        self.log = Some(Arc::new(log));
        self
    }

    /// Replaces the default [`Limits`] (timeouts, sizes, connection count).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The address listened on (with the chosen port).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the base URL clients use.
    pub fn base_url(&self) -> BaseUrl {
        BaseUrl::http_at(self.addr)
    }

    /// A handle that stops [`Self::serve`] (a stop before `serve` makes it
    /// return at once).
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// How many connections are open (each has one live task); 0 once closed.
    pub fn live_connections(&self) -> usize {
        self.stopper.live_connections()
    }

    /// The `Fatoora` served.
    pub fn fatoora(&self) -> &F {
        &self.fatoora
    }
}

impl<F: Fatoora + Send + Sync + 'static> FatooraServer<F> {
    /// Answers requests, many connections at once, until stopped or until
    /// `max_requests` were answered (requests past that are answered 503
    /// while the server stops); returns how many were answered.
    pub fn serve(&self, max_requests: Option<u64>) -> Result<u64, HttpError> {
        let listener = self.listener.try_clone().map_err(|e| HttpError::Bind {
            addr: self.addr,
            reason: e.to_string(),
        })?;
        let api = Arc::new(Api {
            fatoora: Arc::clone(&self.fatoora),
            clock: Arc::clone(&self.clock),
            log: self.log.clone(),
            max_requests,
            tickets: AtomicU64::new(0),
            stopper: self.stopper.clone(),
        });
        if max_requests == Some(0) {
            self.stopper.stop();
        }
        serve::start(
            listener,
            router(Arc::clone(&api)),
            self.limits.clone(),
            self.stopper.clone(),
        )?
        .wait();
        let tickets = api.tickets.load(Ordering::SeqCst);
        Ok(max_requests.map_or(tickets, |max| tickets.min(max)))
    }
}

/// The four routes under each base path, with ZATCA-shaped 404 and 405.
fn router<F: Fatoora + Send + Sync + 'static>(api: Arc<Api<F>>) -> Router {
    let mut by_path: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for base in std::iter::once("").chain(BASE_PATHS) {
        for route in Route::ALL {
            let filter = match route.method() {
                Method::Post => MethodFilter::POST,
                Method::Patch => MethodFilter::PATCH,
            };
            let api = Arc::clone(&api);
            let handler =
                move |headers: HeaderMap, body: Bytes| answer_in_pool(api, route, headers, body);
            let path = format!("{base}{}", route.path());
            let methods = by_path.remove(&path).unwrap_or_default();
            by_path.insert(path, methods.on(filter, handler));
        }
    }
    let mut router = Router::new();
    for (path, methods) in by_path {
        router = router.route(
            &path,
            methods.fallback(|| async {
                Answer::json(
                    405,
                    errors_json(&errors(&[(
                        "Method-Not-Allowed",
                        "this path takes POST (and PATCH for /production/csids)",
                    )])),
                )
                .into_response()
            }),
        );
    }
    router
        .fallback(|| async {
            Answer::json(
                404,
                errors_json(&errors(&[("Not-Found", "no such onboarding API path")])),
            )
            .into_response()
        })
        .layer(axum::middleware::from_fn_with_state(api, count_and_log))
}

/// Counts requests against `max_requests` and logs each answer.
async fn count_and_log<F>(
    State(api): State<Arc<Api<F>>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let ticket = api.tickets.fetch_add(1, Ordering::SeqCst);
    let response = if api.max_requests.is_some_and(|max| ticket >= max) {
        Answer::json(
            503,
            server_body(&errors(&[("503", "the server is stopping")]), 503),
        )
        .into_response()
    } else {
        next.run(request).await
    };
    if let Some(log) = &api.log {
        log(&method, &path, response.status().as_u16());
    }
    if api.max_requests.is_some_and(|max| ticket + 1 >= max) {
        api.stopper.stop();
    }
    response
}

/// Runs the (blocking) `Fatoora` call on the blocking pool.
async fn answer_in_pool<F: Fatoora + Send + Sync + 'static>(
    api: Arc<Api<F>>,
    route: Route,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answered = tokio::task::spawn_blocking(move || {
        let headers = Headers::read(&headers);
        api.answer(route, &headers, &body)
    })
    .await;
    answered
        .unwrap_or_else(|_| {
            Answer::json(
                500,
                server_body(&errors(&[("500", "the Fatoora failed")]), 500),
            )
        })
        .into_response()
}

impl<F: Fatoora> Api<F> {
    fn answer(&self, route: Route, headers: &Headers, body: &[u8]) -> Answer {
        if !headers
            .accept_version
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(ACCEPT_VERSION))
        {
            return Answer {
                status: 406,
                json: false,
                body: Zeroizing::new("Version not supported".to_owned()),
            };
        }
        let result = match route {
            Route::ComplianceCsid => parse(body, "{\"csr\": base64 of the CSR PEM}")
                .and_then(|csr| self.fatoora.compliance_csid(&otp(headers), &csr))
                .map(|r| Answer::json(200, csid_json(&r).as_str())),
            Route::ComplianceInvoice => basic(headers)
                .and_then(|csid| {
                    let doc = parse(body, "{\"invoiceHash\", \"uuid\", \"invoice\"}")?;
                    self.fatoora.compliance_invoice(&csid, &doc)
                })
                .and_then(|report| {
                    serde_json::to_string(&report)
                        .map(|s| Answer::json(200, s))
                        .map_err(|e| FatooraError::MalformedAnswer {
                            reason: e.to_string(),
                        })
                }),
            Route::ProductionCsid => basic(headers)
                .and_then(|csid| {
                    let request = parse(body, "{\"compliance_request_id\": \"…\"}")?;
                    self.fatoora.production_csid(&csid, &request)
                })
                .map(|r| Answer::json(200, csid_json(&r).as_str())),
            Route::Renewal => basic(headers)
                .and_then(|csid| {
                    let csr = parse(body, "{\"csr\": base64 of the CSR PEM}")?;
                    self.fatoora
                        .renew_production_csid(&csid, &otp(headers), &csr)
                })
                .map(|renewal| match renewal {
                    Renewal::Issued(r) => Answer::json(200, csid_json(&r).as_str()),
                    Renewal::ComplianceRequired(r) => {
                        Answer::json(428, format!("{{\"value\":{}}}", csid_json(&r).as_str()))
                    }
                }),
        };
        result.unwrap_or_else(|e| self.error_answer(&e))
    }

    fn error_answer(&self, e: &FatooraError) -> Answer {
        match e {
            FatooraError::Rejected { status, errors } => {
                let status = if (400..500).contains(status) {
                    *status
                } else {
                    400
                };
                Answer::json(status, errors_json(errors))
            }
            FatooraError::Unauthorized => Answer::json(
                401,
                serde_json::json!({
                    "timestamp": (self.clock)(),
                    "status": 401,
                    "error": "Unauthorized",
                    "message": "",
                })
                .to_string(),
            ),
            FatooraError::VersionNotSupported => Answer {
                status: 406,
                json: false,
                body: Zeroizing::new("Version not supported".to_owned()),
            },
            FatooraError::Server { status, errors } => {
                let status = if (500..600).contains(status) {
                    *status
                } else {
                    500
                };
                Answer::json(status, server_body(errors, status))
            }
            FatooraError::Timeout => Answer::json(504, server_body(&ZatcaErrors::default(), 504)),
            FatooraError::Connection { reason } => {
                Answer::json(503, server_body(&errors(&[("503", reason.as_str())]), 503))
            }
            FatooraError::UnexpectedStatus { status } if (400..600).contains(status) => {
                Answer::json(*status, server_body(&ZatcaErrors::default(), *status))
            }
            other => Answer::json(
                500,
                server_body(&errors(&[("500", other.to_string().as_str())]), 500),
            ),
        }
    }
}

/// A 5xx body in ZATCA's shape: `{"category","code","message"}` for one error.
fn server_body(errors: &ZatcaErrors, status: u16) -> String {
    let mut list = errors.iter();
    match (list.next(), list.next()) {
        (Some(one), None) => serde_json::json!({
            "category": one.category.clone().unwrap_or_else(|| "HTTP-Errors".into()),
            "code": one.code.clone().unwrap_or_else(|| status.to_string()),
            "message": one.message,
        })
        .to_string(),
        (None, _) => serde_json::json!({
            "category": "HTTP-Errors",
            "code": status.to_string(),
            "message": "Something went wrong and caused an Internal Server Error.",
        })
        .to_string(),
        _ => errors_json(errors),
    }
}

/// A request body; never echoes it in the error.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8], expected: &str) -> Result<T, FatooraError> {
    serde_json::from_slice(body).map_err(|_| FatooraError::Rejected {
        status: 400,
        errors: errors(&[(
            "Invalid-Request",
            &format!("the request body is not {expected}"),
        )]),
    })
}

/// The `OTP` header (empty when missing: the `Fatoora` answers `Missing-OTP`).
fn otp(headers: &Headers) -> Otp {
    Otp::new(
        headers
            .otp
            .as_deref()
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
    )
}

/// `Authorization: Basic base64(token:secret)` back into a CSID; 401 otherwise.
fn basic(headers: &Headers) -> Result<Csid, FatooraError> {
    let value = headers
        .authorization
        .as_deref()
        .ok_or(FatooraError::Unauthorized)?;
    let (scheme, encoded) = value
        .trim()
        .split_once(' ')
        .ok_or(FatooraError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err(FatooraError::Unauthorized);
    }
    let decoded = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| FatooraError::Unauthorized)?,
    );
    let text = std::str::from_utf8(&decoded).map_err(|_| FatooraError::Unauthorized)?;
    let (token, secret) = text.split_once(':').ok_or(FatooraError::Unauthorized)?;
    Csid::new(token, Zeroizing::new(secret.to_owned()), None)
        .map_err(|_| FatooraError::Unauthorized)
}
