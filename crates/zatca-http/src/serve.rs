//! Serving any axum [`Router`] over HTTP/1.1, plain or over TLS, with bounded
//! resources, for every server of the toolkit (the served Fatoora, the
//! onboarding service).
//!
//! [`start`] (plain HTTP) and [`start_tls`] (HTTPS, with a
//! [`TlsConfig`]) take a bound listener, a router and [`Limits`], and serve on
//! a thread of their own that owns a single-threaded tokio runtime, so
//! synchronous callers need no runtime. What each limit guards against:
//!
//! - connections are served concurrently, one task each; a task ends when its
//!   connection closes, and at most [`Limits::max_connections`] are open at
//!   once, TLS handshakes included (further clients wait in the listen
//!   backlog until one closes);
//! - the TLS handshake (if any), the request line and the headers must all
//!   arrive within [`Limits::header_read_timeout`] of the connection opening
//!   (a client that connects and sends nothing is closed then), and the
//!   headers may take
//!   at most [`Limits::max_header_bytes`] (more is answered 431 and closed:
//!   hyper stops reading at that size);
//! - the whole body must arrive within [`Limits::body_read_timeout`] (else 408
//!   and the connection is closed) and hold at most [`Limits::max_body_bytes`]
//!   (else 413; a `Content-Length` above it is refused before reading);
//! - each connection carries one request: keep-alive is off, so no connection
//!   idles between requests outside the header timeout (hyper's header timer
//!   covers the first request only);
//! - blocking work belongs in `tokio::task::spawn_blocking`; that pool has at
//!   most one thread per connection;
//! - [`Running::stop`] (or any [`Stopper`]) stops accepting, lets the requests
//!   in hand finish for up to [`Limits::shutdown_grace`], then drops the rest.
//!
//! Refusals by the limits carry ZATCA's error-list body,
//! `{"errors":[{"code":"Invalid-Request","message":"…"}]}`.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::tls::TlsConfig;
use crate::{HttpError, MAX_BODY_BYTES, errors_json, shape::zatca_errors};

/// hyper refuses a read buffer smaller than this; [`Limits::max_header_bytes`] is raised to it.
const HYPER_MIN_BUF_BYTES: usize = 8 * 1024;

/// Longer timeouts are cut to this, so that no deadline overflows the clock.
const LONGEST_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// The resource limits of a server. [`Limits::default`] suits both of the
/// toolkit's servers; tests shorten the timeouts. Timeouts above a day are
/// cut to a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has, from connecting, to send the request line and
    /// headers, and to finish the TLS handshake before them when serving
    /// TLS. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a client has, once the headers are in, to send the whole
    /// body. Default 10 s (a 2 MiB body needs well under a second on any link
    /// that onboarding runs over).
    pub body_read_timeout: Duration,
    /// The most bytes the request line and headers may take (at least 8 KiB,
    /// hyper's floor). Default 32 KiB: ZATCA's largest header, the Basic
    /// credentials of a CSID, is about 4 KiB.
    pub max_header_bytes: usize,
    /// The largest body accepted. Default [`MAX_BODY_BYTES`] (2 MiB).
    pub max_body_bytes: usize,
    /// The most connections served at once (at least 1). Default 64: far more
    /// than the devices one operator onboards at once, few enough that their
    /// buffers stay within a few megabytes.
    pub max_connections: usize,
    /// How long a stop waits for the requests in hand. Default 5 s.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_header_bytes: 32 * 1024,
            max_body_bytes: MAX_BODY_BYTES,
            max_connections: 64,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// What a server and its stoppers share.
#[derive(Debug)]
struct Shared {
    stopped: watch::Sender<bool>,
    live_connections: AtomicUsize,
}

/// Stops a server from any thread; clones stop the same server. A stop
/// before the server starts makes it stop as soon as it starts.
#[derive(Clone)]
pub struct Stopper {
    shared: Arc<Shared>,
}

impl fmt::Debug for Stopper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stopper")
            .field("stopped", &self.is_stopped())
            .finish_non_exhaustive()
    }
}

impl Default for Stopper {
    fn default() -> Self {
        Self::new()
    }
}

impl Stopper {
    /// A stopper for a server yet to [`start`].
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                stopped: watch::channel(false).0,
                live_connections: AtomicUsize::new(0),
            }),
        }
    }

    /// Stops accepting; the requests in hand are answered (within
    /// [`Limits::shutdown_grace`]) before the server ends.
    pub fn stop(&self) {
        self.shared.stopped.send_replace(true);
    }

    /// Whether [`Self::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.shared.stopped.borrow()
    }

    /// How many connections the server it stops has open (their tasks are live).
    pub fn live_connections(&self) -> usize {
        self.shared.live_connections.load(Ordering::SeqCst)
    }
}

/// A server started by [`start`]. Dropping it stops the server and waits for it.
pub struct Running {
    addr: SocketAddr,
    stopper: Stopper,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl fmt::Debug for Running {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Running")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Running {
    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that stops this server.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// How many connections are open (each has one live task).
    pub fn live_connections(&self) -> usize {
        self.stopper.live_connections()
    }

    /// Waits until a [`Stopper`] stops the server and it has ended.
    pub fn wait(mut self) {
        self.join();
    }

    /// Stops the server and waits for it to end.
    pub fn stop(mut self) {
        self.stopper.stop();
        self.join();
    }

    fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            // The serving thread ends by itself once stopped; a panic in it
            // (a bug) has already been reported by the panic hook.
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopper.stop();
        self.join();
    }
}

/// Serves `router` on `listener` with `limits` until `stopper` (or the
/// returned handle) stops it.
///
/// ```
/// use axum::{Router, routing::get};
/// use zatca_http::serve::{self, Limits, Stopper};
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let router = Router::new().route("/health", get(|| async { "ok" }));
/// let running = serve::start(listener, router, Limits::default(), Stopper::new())?;
/// println!("listening on {}", running.local_addr());
/// running.stop();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn start(
    listener: std::net::TcpListener,
    router: Router,
    limits: Limits,
    stopper: Stopper,
) -> Result<Running, HttpError> {
    start_serving(listener, router, limits, stopper, None)
}

/// Like [`start`], over TLS: every connection starts with a TLS handshake
/// with `tls`'s certificate, which must end within
/// [`Limits::header_read_timeout`] of the connection opening (the request
/// line and headers then get what is left of that time). A handshaking
/// connection holds one of the [`Limits::max_connections`] slots. A client
/// speaking plain HTTP fails the handshake and is closed.
///
/// ```no_run
/// use std::path::Path;
/// use axum::{Router, routing::get};
/// use zatca_http::serve::{self, Limits, Stopper};
/// use zatca_http::tls::TlsConfig;
///
/// let tls = TlsConfig::from_pem_files(Path::new("cert.pem"), Path::new("key.pem"))?;
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let router = Router::new().route("/health", get(|| async { "ok" }));
/// let running = serve::start_tls(listener, router, Limits::default(), Stopper::new(), &tls)?;
/// println!("listening on https://{}", running.local_addr());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn start_tls(
    listener: std::net::TcpListener,
    router: Router,
    limits: Limits,
    stopper: Stopper,
    tls: &TlsConfig,
) -> Result<Running, HttpError> {
    start_serving(listener, router, limits, stopper, Some(tls.acceptor()))
}

fn start_serving(
    listener: std::net::TcpListener,
    router: Router,
    limits: Limits,
    stopper: Stopper,
    tls: Option<TlsAcceptor>,
) -> Result<Running, HttpError> {
    let addr = listener.local_addr().map_err(|e| HttpError::Bind {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        reason: e.to_string(),
    })?;
    let failed = |what: &str, e: std::io::Error| HttpError::Bind {
        addr,
        reason: format!("{what}: {e}"),
    };
    // Out-of-range settings are brought into range rather than left to panic
    // inside hyper or tokio.
    let Limits {
        header_read_timeout,
        body_read_timeout,
        max_header_bytes,
        max_body_bytes,
        max_connections,
        shutdown_grace,
    } = limits;
    let limits = Limits {
        header_read_timeout: header_read_timeout.min(LONGEST_TIMEOUT),
        body_read_timeout: body_read_timeout.min(LONGEST_TIMEOUT),
        max_header_bytes: max_header_bytes.max(HYPER_MIN_BUF_BYTES),
        max_body_bytes,
        max_connections: max_connections.clamp(1, Semaphore::MAX_PERMITS),
        shutdown_grace: shutdown_grace.min(LONGEST_TIMEOUT),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(limits.max_connections)
        .build()
        .map_err(|e| failed("could not start the server's runtime", e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| failed("could not make the listener non-blocking", e))?;
    let listener = {
        let _context = runtime.enter();
        tokio::net::TcpListener::from_std(listener)
            .map_err(|e| failed("could not register the listener", e))?
    };
    let router = router.layer(axum::middleware::from_fn_with_state(
        Arc::new(limits.clone()),
        read_body_within_limits,
    ));
    let shared = Arc::clone(&stopper.shared);
    let grace = limits.shutdown_grace;
    let thread = std::thread::Builder::new()
        .name(format!("http {addr}"))
        .spawn(move || {
            runtime.block_on(accept_until_stopped(listener, router, limits, shared, tls));
            // Blocking work still running after the grace period is abandoned.
            runtime.shutdown_timeout(grace);
        })
        .map_err(|e| failed("could not start the server's thread", e))?;
    Ok(Running {
        addr,
        stopper,
        thread: Some(thread),
    })
}

/// Counts a connection's task as live until it is dropped.
struct LiveConnection(Arc<Shared>);

impl LiveConnection {
    fn new(shared: &Arc<Shared>) -> Self {
        shared.live_connections.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(shared))
    }
}

impl Drop for LiveConnection {
    fn drop(&mut self) {
        self.0.live_connections.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn accept_until_stopped(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut stopped = shared.stopped.subscribe();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes)
        .keep_alive(false);
    loop {
        // A slot first: past the limit, clients wait in the backlog unaccepted.
        let slot = tokio::select! {
            _ = stopped.wait_for(|stopped| *stopped) => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            _ = stopped.wait_for(|stopped| *stopped) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it
                // was accepted: try again shortly rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(router.clone());
        let live = LiveConnection::new(&shared);
        // A failed connection (timeout, oversized header, failed handshake,
        // reset) is the client's business; it is closed either way.
        match &tls {
            None => {
                let connection =
                    graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    let _ = connection.await;
                    drop(live);
                    drop(slot);
                });
            }
            Some(acceptor) => {
                let opened = tokio::time::Instant::now();
                let handshake = acceptor.accept(stream);
                let watcher = graceful.watcher();
                let mut http = http.clone();
                let mut stopped = shared.stopped.subscribe();
                let header_read_timeout = limits.header_read_timeout;
                tokio::spawn(async move {
                    let handshaken = tokio::select! {
                        _ = stopped.wait_for(|stopped| *stopped) => None,
                        done = tokio::time::timeout(header_read_timeout, handshake) => {
                            done.ok().and_then(Result::ok)
                        }
                    };
                    if let Some(stream) = handshaken {
                        // One deadline from connecting: the handshake's time
                        // is taken from the headers'.
                        http.header_read_timeout(
                            header_read_timeout.saturating_sub(opened.elapsed()),
                        );
                        let _ = watcher
                            .watch(http.serve_connection(TokioIo::new(stream), service))
                            .await;
                    }
                    drop(live);
                    drop(slot);
                });
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await;
}

/// Reads the whole body within [`Limits::body_read_timeout`] and
/// [`Limits::max_body_bytes`] before the route sees the request.
async fn read_body_within_limits(
    State(limits): State<Arc<Limits>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let max = limits.max_body_bytes;
    let too_large = || {
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is larger than {max} bytes"),
        )
    };
    if declared.is_some_and(|n| n > max as u64) {
        return too_large();
    }
    let read =
        tokio::time::timeout(limits.body_read_timeout, Limited::new(body, max).collect()).await;
    match read {
        Ok(Ok(collected)) => {
            next.run(Request::from_parts(parts, Body::from(collected.to_bytes())))
                .await
        }
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => too_large(),
        Ok(Err(_)) => refusal(
            StatusCode::BAD_REQUEST,
            "the request body could not be read",
        ),
        Err(_) => refusal(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the request body did not arrive within {} ms",
                limits.body_read_timeout.as_millis()
            ),
        ),
    }
}

/// A refusal by the limits: ZATCA's error-list body; the connection closes.
fn refusal(status: StatusCode, message: &str) -> Response {
    let body = errors_json(&zatca_errors(&[("Invalid-Request", message)]));
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
