//! A blocking HTTP server that answers ZATCA's onboarding API from any [`Fatoora`].

use std::fmt;
use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use zatca_cert::{Csid, ZatcaErrors};
use zatca_fatoora::{Fatoora, FatooraError, Otp, Renewal};
use zeroize::Zeroizing;

use crate::{ACCEPT_VERSION, BaseUrl, HttpError, MAX_BODY_BYTES, csid_json, errors_json};

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
/// answering from `F` (crate docs, "The server"), one request at a time.
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
    server: Arc<tiny_http::Server>,
    stopped: Arc<AtomicBool>,
    addr: SocketAddr,
    fatoora: F,
    clock: Clock,
    log: Option<RequestLog>,
}

impl<F> fmt::Debug for FatooraServer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FatooraServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Stops a [`FatooraServer`]'s [`serve`](FatooraServer::serve) loop from another thread.
#[derive(Clone)]
pub struct Stopper {
    server: Arc<tiny_http::Server>,
    stopped: Arc<AtomicBool>,
}

impl fmt::Debug for Stopper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stopper").finish_non_exhaustive()
    }
}

impl Stopper {
    /// Makes `serve` return once the request in hand (if any) is answered.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.server.unblock();
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
}

/// The headers the server reads.
#[derive(Default)]
struct Headers {
    accept_version: Option<String>,
    authorization: Option<Zeroizing<String>>,
    otp: Option<Zeroizing<String>>,
}

impl<F: Fatoora> FatooraServer<F> {
    /// Listens on `addr` (a loopback address; port 0 picks a free port).
    pub fn bind(addr: SocketAddr, fatoora: F) -> Result<Self, HttpError> {
        if !addr.ip().is_loopback() {
            return Err(HttpError::NotLoopback { addr });
        }
        let server = tiny_http::Server::http(addr).map_err(|e| HttpError::Bind {
            addr,
            reason: e.to_string(),
        })?;
        let bound = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| HttpError::Bind {
                addr,
                reason: "not an IP listener".to_owned(),
            })?;
        Ok(Self {
            server: Arc::new(server),
            stopped: Arc::new(AtomicBool::new(false)),
            addr: bound,
            fatoora,
            clock: Box::new(|| 0),
            log: None,
        })
    }

    /// Sets the clock (milliseconds since the epoch) of the 401 body's
    /// `timestamp`; without one it is 0 (the server never reads the clock itself).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Adds a log of each request: method, path and answer status (nothing else).
    #[must_use]
    pub fn with_log(mut self, log: RequestLog) -> Self {
        self.log = Some(log);
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

    /// A handle that stops [`Self::serve`].
    pub fn stopper(&self) -> Stopper {
        Stopper {
            server: Arc::clone(&self.server),
            stopped: Arc::clone(&self.stopped),
        }
    }

    /// The `Fatoora` served.
    pub fn fatoora(&self) -> &F {
        &self.fatoora
    }

    /// Answers requests one at a time until stopped, or until `max_requests`
    /// were answered; returns how many were.
    pub fn serve(&self, max_requests: Option<u64>) -> u64 {
        let mut served = 0;
        while max_requests.is_none_or(|max| served < max) {
            if self.stopped.load(Ordering::SeqCst) {
                break;
            }
            match self.server.recv() {
                Ok(request) => {
                    self.handle(request);
                    served += 1;
                }
                Err(_) if self.stopped.load(Ordering::SeqCst) => break,
                // An accept failure: keep serving, without spinning.
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        }
        served
    }

    fn handle(&self, mut request: tiny_http::Request) {
        let method = request.method().as_str().to_owned();
        let path = request.url().split('?').next().unwrap_or("").to_owned();
        let mut headers = Headers::default();
        for h in request.headers() {
            let value = h.value.as_str();
            if h.field.equiv("Accept-Version") {
                headers.accept_version = Some(value.to_owned());
            } else if h.field.equiv("Authorization") {
                headers.authorization = Some(Zeroizing::new(value.to_owned()));
            } else if h.field.equiv("OTP") {
                headers.otp = Some(Zeroizing::new(value.to_owned()));
            }
        }
        let mut body = Zeroizing::new(Vec::new());
        let read = request
            .as_reader()
            .take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut body);
        let answer = match read {
            Ok(n) if n > MAX_BODY_BYTES => Answer::json(
                413,
                errors_json(&errors(&[(
                    "Invalid-Request",
                    "the request body is too large",
                )])),
            ),
            Ok(_) => self.answer(&method, &path, &headers, &body),
            Err(_) => Answer::json(
                400,
                errors_json(&errors(&[(
                    "Invalid-Request",
                    "the request body could not be read",
                )])),
            ),
        };
        if let Some(log) = &self.log {
            log(&method, &path, answer.status);
        }
        let content_type = if answer.json {
            "application/json"
        } else {
            "text/plain"
        };
        let mut response =
            tiny_http::Response::from_data(answer.body.as_bytes()).with_status_code(answer.status);
        if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", content_type) {
            response = response.with_header(h);
        }
        // The client may have gone; nothing to do about it.
        let _ = request.respond(response);
    }

    fn answer(&self, method: &str, path: &str, headers: &Headers, body: &[u8]) -> Answer {
        let path = BASE_PATHS
            .iter()
            .find_map(|base| path.strip_prefix(base))
            .unwrap_or(path);
        let route = match (method, path) {
            ("POST", "/compliance") => Route::ComplianceCsid,
            ("POST", "/compliance/invoices") => Route::ComplianceInvoice,
            ("POST", "/production/csids") => Route::ProductionCsid,
            ("PATCH", "/production/csids") => Route::Renewal,
            (_, "/compliance" | "/compliance/invoices" | "/production/csids") => {
                return Answer::json(
                    405,
                    errors_json(&errors(&[(
                        "Method-Not-Allowed",
                        "this path takes POST (and PATCH for /production/csids)",
                    )])),
                );
            }
            _ => {
                return Answer::json(
                    404,
                    errors_json(&errors(&[("Not-Found", "no such onboarding API path")])),
                );
            }
        };
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
        let server_body = |errors: &ZatcaErrors, status: u16| -> String {
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
        };
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

#[derive(Debug, Clone, Copy)]
enum Route {
    ComplianceCsid,
    ComplianceInvoice,
    ProductionCsid,
    Renewal,
}

fn errors(list: &[(&str, &str)]) -> ZatcaErrors {
    let body = serde_json::json!({
        "errors": list.iter().map(|(code, message)| serde_json::json!({"code": code, "message": message})).collect::<Vec<_>>()
    });
    ZatcaErrors::from_json(body.to_string().as_bytes()).unwrap_or_default()
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
