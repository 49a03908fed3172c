//! The HTTP client: [`HttpFatoora`] implements [`Fatoora`] over ZATCA's gateway.

use std::fmt;
use std::time::Duration;

use zatca_fatoora::{
    ComplianceReport, Csid, CsidError, CsidResponse, CsrSubmission, Fatoora, FatooraError,
    InvoiceSubmission, Method, Otp, ProductionCsidRequest, Renewal, Route, ZatcaErrors,
};
use zeroize::Zeroizing;

use crate::redact::{RedactedExchange, redact_header};
use crate::shape::zatca_errors;
use crate::{ACCEPT_VERSION, BaseUrl, HttpError, Language, MAX_BODY_BYTES};

/// Receives a redacted copy of every exchange (one per try).
pub type Observer = Box<dyn Fn(&RedactedExchange) + Send + Sync>;

/// How the client connects and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Where the four paths go.
    pub base_url: BaseUrl,
    /// How long to wait for a connection (and TLS handshake) to start.
    pub connect_timeout: Duration,
    /// How long to wait for the answer once the request is sent.
    pub read_timeout: Duration,
    /// The `Accept-Language` of ZATCA's messages.
    pub language: Language,
    /// How many times a failed call may be repeated where that is safe (module docs).
    pub retries: u32,
    /// The wait before the first repeat; it doubles for each further one (at most 10 s).
    pub backoff: Duration,
}

impl ClientConfig {
    /// Defaults: connect 10 s, read 60 s, English, 2 retries, 500 ms backoff.
    ///
    /// ```
    /// use zatca_http::{ClientConfig, Endpoint};
    /// let config = ClientConfig::new(Endpoint::DeveloperPortal);
    /// assert_eq!(config.read_timeout.as_secs(), 60);
    /// ```
    pub fn new(base_url: impl Into<BaseUrl>) -> Self {
        Self {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            language: Language::En,
            retries: 2,
            backoff: Duration::from_millis(500),
        }
    }

    /// Sets both timeouts.
    #[must_use]
    pub fn timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.connect_timeout = connect;
        self.read_timeout = read;
        self
    }

    /// Sets the retry count and first backoff.
    #[must_use]
    pub fn retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.retries = retries;
        self.backoff = backoff;
        self
    }

    /// Sets the language.
    #[must_use]
    pub fn language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }
}

/// ZATCA's Fatoora onboarding API over HTTPS (crate docs: wire, answers,
/// retries, secrets).
///
/// ```
/// use zatca_http::{ClientConfig, Endpoint, HttpFatoora};
/// let client = HttpFatoora::new(ClientConfig::new(Endpoint::Simulation))?
///     .with_observer(Box::new(|x| eprintln!("{} {} -> {:?}", x.method, x.url, x.status)));
/// assert_eq!(client.base_url().as_str(), "https://gw-fatoora.zatca.gov.sa/e-invoicing/simulation");
/// # Ok::<(), zatca_http::HttpError>(())
/// ```
pub struct HttpFatoora {
    config: ClientConfig,
    agent: ureq::Agent,
    observer: Option<Observer>,
}

impl fmt::Debug for HttpFatoora {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpFatoora")
            .field("config", &self.config)
            .field("observer", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether a call may be repeated after the request went out without a clear answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Only if nothing was sent (it consumes an OTP or issues a certificate).
    IfNothingSent,
    /// Also after a timeout or 5xx: it checks and changes nothing harmful.
    Idempotent,
}

impl Repeat {
    /// The retry policy of each call (crate docs, "Retries").
    const fn of(route: Route) -> Self {
        match route {
            Route::ComplianceInvoice => Self::Idempotent,
            Route::ComplianceCsid | Route::ProductionCsid | Route::Renewal => Self::IfNothingSent,
        }
    }
}

struct Call<'a> {
    route: Route,
    authorization: Option<Zeroizing<String>>,
    otp: Option<&'a Otp>,
    body: Vec<u8>,
}

impl HttpFatoora {
    /// A client for `config`. Plain `http://` is refused unless the host is a
    /// loopback address (the local simulator): credentials travel in the headers.
    pub fn new(config: ClientConfig) -> Result<Self, HttpError> {
        if !config.base_url.is_https() && !config.base_url.is_loopback() {
            return Err(HttpError::InvalidBaseUrl {
                url: config.base_url.to_string(),
                reason: "plain http is only allowed to a loopback address (use https)",
            });
        }
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .user_agent(concat!("zatca-onboarding/", env!("CARGO_PKG_VERSION")))
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            .timeout_send_request(Some(config.read_timeout))
            .timeout_send_body(Some(config.read_timeout))
            .timeout_recv_response(Some(config.read_timeout))
            .timeout_recv_body(Some(config.read_timeout));
        if config.base_url.is_loopback() {
            // A proxy from the environment must not see loopback traffic.
            builder = builder.proxy(None);
        }
        Ok(Self {
            agent: builder.build().into(),
            config,
            observer: None,
        })
    }

    /// Adds an observer that receives a redacted copy of every exchange.
    #[must_use]
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.config.base_url
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends `call`, repeating it where that is safe; the status and body of the answer.
    fn exchange(&self, call: &Call<'_>) -> Result<(u16, Vec<u8>), FatooraError> {
        let mut attempt = 1;
        loop {
            let result = self.send_once(attempt, call);
            let may_repeat = attempt <= self.config.retries;
            let repeat = match &result {
                Err(FatooraError::Connection { .. }) => true,
                Err(FatooraError::Timeout) => Repeat::of(call.route) == Repeat::Idempotent,
                Ok((status, _)) => *status >= 500 && Repeat::of(call.route) == Repeat::Idempotent,
                Err(_) => false,
            };
            if !(repeat && may_repeat) {
                return result;
            }
            let factor = 1u32 << (attempt - 1).min(5);
            std::thread::sleep(
                self.config
                    .backoff
                    .saturating_mul(factor)
                    .min(Duration::from_secs(10)),
            );
            attempt += 1;
        }
    }

    fn send_once(&self, attempt: u32, call: &Call<'_>) -> Result<(u16, Vec<u8>), FatooraError> {
        let url = self.config.base_url.join(call.route.path());
        let method = call.route.method();
        let mut headers: Vec<(&str, &str)> = vec![
            ("Accept-Version", ACCEPT_VERSION),
            ("Accept-Language", self.config.language.as_str()),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ];
        if let Some(auth) = &call.authorization {
            headers.push(("Authorization", auth.as_str()));
        }
        if let Some(otp) = call.otp.filter(|o| !o.expose().is_empty()) {
            headers.push(("OTP", otp.expose()));
        }
        let mut record = self.observer.as_ref().map(|_| {
            RedactedExchange::request(attempt, method.as_str(), &url, &headers, &call.body)
        });
        let mut request = match method {
            Method::Patch => self.agent.patch(&url),
            Method::Post => self.agent.post(&url),
        };
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let result = request
            .send(&call.body[..])
            .map_err(classify)
            .and_then(|mut response| {
                let status = response.status().as_u16();
                if let Some(r) = record.as_mut() {
                    r.status = Some(status);
                    r.response_headers = response
                        .headers()
                        .iter()
                        .map(|(k, v)| {
                            let value = String::from_utf8_lossy(v.as_bytes());
                            (k.as_str().to_owned(), redact_header(k.as_str(), &value))
                        })
                        .collect();
                }
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY_BYTES as u64)
                    .read_to_vec()
                    .map_err(classify)?;
                Ok((status, body))
            });
        if let (Some(observer), Some(mut r)) = (&self.observer, record) {
            match &result {
                Ok((_, body)) => r.response_body = Some(crate::redact_body(body)),
                Err(e) => r.error = Some(e.to_string()),
            }
            observer(&r);
        }
        result
    }
}

/// Maps a transport failure to the contract: [`FatooraError::Connection`] only
/// when nothing can have reached the server, else [`FatooraError::Timeout`]
/// (sent, outcome unknown) or [`FatooraError::MalformedAnswer`].
fn classify(e: ureq::Error) -> FatooraError {
    use std::io::ErrorKind as Io;
    use ureq::{Error as E, Timeout as T};
    let nothing_sent = |reason: String| FatooraError::Connection { reason };
    match e {
        E::Timeout(T::Resolve | T::Connect) => nothing_sent("the connection timed out".into()),
        E::Timeout(_) => FatooraError::Timeout,
        E::HostNotFound => nothing_sent("host not found".into()),
        E::ConnectionFailed => nothing_sent("connection failed".into()),
        E::Io(io)
            if matches!(
                io.kind(),
                Io::ConnectionRefused
                    | Io::AddrNotAvailable
                    | Io::NotFound
                    | Io::PermissionDenied
                    | Io::HostUnreachable
                    | Io::NetworkUnreachable
            ) =>
        {
            nothing_sent(format!("io: {io}"))
        }
        // Reset, broken pipe, early end of stream: the request may have arrived.
        E::Io(io) if io.kind() == Io::TimedOut => FatooraError::Timeout,
        E::Io(_) => FatooraError::Timeout,
        E::Tls(_) | E::Rustls(_) | E::Pem(_) | E::TlsRequired => {
            nothing_sent(format!("TLS handshake failed: {e}"))
        }
        E::BadUri(_)
        | E::Http(_)
        | E::RequireHttpsOnly(_)
        | E::InvalidProxyUrl
        | E::ConnectProxyFailed(_) => nothing_sent(e.to_string()),
        E::BodyExceedsLimit(_) | E::LargeResponseHeader(..) => FatooraError::MalformedAnswer {
            reason: format!("the answer is too large: {e}"),
        },
        other => FatooraError::MalformedAnswer {
            reason: other.to_string(),
        },
    }
}

/// A CSID answer (200, or the renewal's 428).
fn csid_answer(status: u16, body: &[u8]) -> Result<CsidResponse, FatooraError> {
    Csid::from_response_json(body).map_err(|e| match e {
        CsidError::Rejected {
            disposition,
            errors,
        } => FatooraError::Rejected {
            status,
            errors: if errors.is_empty() {
                zatca_errors(&[(
                    "dispositionMessage",
                    disposition.as_deref().unwrap_or("no token issued"),
                )])
            } else {
                errors
            },
        },
        other => FatooraError::MalformedAnswer {
            reason: format!("CSID answer (HTTP {status}): {other}"),
        },
    })
}

/// Any answer that is not the call's success.
fn error_answer(status: u16, body: &[u8]) -> FatooraError {
    let parsed = ZatcaErrors::from_json(body);
    match status {
        401 => FatooraError::Unauthorized,
        406 => FatooraError::VersionNotSupported,
        500..=599 => FatooraError::Server {
            status,
            errors: parsed.unwrap_or_default(),
        },
        400 => FatooraError::Rejected {
            status,
            errors: parsed.unwrap_or_default(),
        },
        402..=499 => match parsed {
            Ok(errors) => FatooraError::Rejected { status, errors },
            Err(_) => FatooraError::UnexpectedStatus { status },
        },
        _ => FatooraError::UnexpectedStatus { status },
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, FatooraError> {
    serde_json::to_vec(value).map_err(|e| FatooraError::Connection {
        reason: format!("could not write the request body: {e}"),
    })
}

impl Fatoora for HttpFatoora {
    fn compliance_csid(
        &self,
        otp: &Otp,
        csr: &CsrSubmission,
    ) -> Result<CsidResponse, FatooraError> {
        let (status, body) = self.exchange(&Call {
            route: Route::ComplianceCsid,
            authorization: None,
            otp: Some(otp),
            body: to_json(csr)?,
        })?;
        match status {
            200 => csid_answer(status, &body),
            _ => Err(error_answer(status, &body)),
        }
    }

    fn compliance_invoice(
        &self,
        compliance_csid: &Csid,
        document: &InvoiceSubmission,
    ) -> Result<ComplianceReport, FatooraError> {
        let (status, body) = self.exchange(&Call {
            route: Route::ComplianceInvoice,
            authorization: Some(compliance_csid.basic_authorization()),
            otp: None,
            body: to_json(document)?,
        })?;
        let is_report = serde_json::from_slice::<serde_json::Value>(&body)
            .is_ok_and(|v| v.get("validationResults").is_some());
        match status {
            // A report, passed (200, 202 with warnings) or not (400).
            200 | 202 | 400 if is_report => ComplianceReport::from_json(&body),
            _ => Err(error_answer(status, &body)),
        }
    }

    fn production_csid(
        &self,
        compliance_csid: &Csid,
        request: &ProductionCsidRequest,
    ) -> Result<CsidResponse, FatooraError> {
        let (status, body) = self.exchange(&Call {
            route: Route::ProductionCsid,
            authorization: Some(compliance_csid.basic_authorization()),
            otp: None,
            body: to_json(request)?,
        })?;
        match status {
            200 => csid_answer(status, &body),
            _ => Err(error_answer(status, &body)),
        }
    }

    fn renew_production_csid(
        &self,
        production_csid: &Csid,
        otp: &Otp,
        csr: &CsrSubmission,
    ) -> Result<Renewal, FatooraError> {
        let (status, body) = self.exchange(&Call {
            route: Route::Renewal,
            authorization: Some(production_csid.basic_authorization()),
            otp: Some(otp),
            body: to_json(csr)?,
        })?;
        match status {
            200 => csid_answer(status, &body).map(Renewal::Issued),
            428 => csid_answer(status, &body).map(Renewal::ComplianceRequired),
            _ => Err(error_answer(status, &body)),
        }
    }
}
