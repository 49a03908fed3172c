//! Serving over TLS on loopback: a client that trusts the certificate is
//! served, plain HTTP to the TLS port is not, a client that connects and
//! sends nothing holds a connection slot only until the header timeout and
//! delays no other client, and bad certificate or key files are refused with
//! errors naming them. The certificates come from `openssl` (each test says
//! so and passes when it is missing). Bounded: a handful of connections,
//! timeouts of a second or two, every server stops when its test ends.
#![cfg(all(feature = "client", feature = "server"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use zatca_http::serve::{self, Limits, Running, Stopper};
use zatca_http::tls::{TlsConfig, TlsError};

/// A self-signed P-256 certificate for 127.0.0.1 and its key, made by `openssl`.
struct Pki {
    dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
}

/// Runs `openssl` with `args` in `dir`; `None` when openssl is not installed.
fn openssl(dir: &Path, args: &[&str]) -> Option<()> {
    let out = match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(out) => out,
        Err(e) if e.kind() == ErrorKind::NotFound => return None,
        Err(e) => panic!("openssl: {e}"),
    };
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(())
}

/// Makes a self-signed P-256 certificate and key named `name`.pem and
/// `name`.key in `dir`.
fn self_signed(dir: &Path, name: &str) -> Option<(PathBuf, PathBuf)> {
    let cert = format!("{name}.pem");
    let key = format!("{name}.key");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &cert,
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ],
    )?;
    Some((dir.join(cert), dir.join(key)))
}

fn pki() -> Option<Pki> {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = self_signed(dir.path(), "server") else {
        eprintln!("skipped: openssl is not installed, no test certificate can be made");
        return None;
    };
    Some(Pki { dir, cert, key })
}

fn router() -> Router {
    Router::new().route("/healthz", get(|| async { "ok" }))
}

fn start(pki: &Pki, limits: Limits) -> Running {
    let tls = TlsConfig::from_pem_files(&pki.cert, &pki.key).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    serve::start_tls(listener, router(), limits, Stopper::new(), &tls).unwrap()
}

/// An HTTPS client that trusts only `cert`.
fn client(cert: &Path) -> ureq::Agent {
    let pem = std::fs::read(cert).unwrap();
    let root = ureq::tls::Certificate::from_pem(&pem).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent()
}

fn healthz(agent: &ureq::Agent, addr: SocketAddr) -> Result<String, ureq::Error> {
    agent
        .get(format!("https://{addr}/healthz"))
        .call()?
        .body_mut()
        .read_to_string()
}

/// Polls `condition` every 20 ms for up to 10 s; whether it came true.
fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// Reads until the server closes `stream`; whether it did within 10 s.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

fn short_limits() -> Limits {
    Limits {
        header_read_timeout: Duration::from_millis(700),
        ..Limits::default()
    }
}

#[test]
fn a_client_trusting_the_certificate_is_served_over_tls() {
    let Some(pki) = pki() else { return };
    let running = start(&pki, Limits::default());
    let agent = client(&pki.cert);
    assert_eq!(healthz(&agent, running.local_addr()).unwrap(), "ok");
    // Twice: each connection carries one request, the second handshakes anew.
    assert_eq!(healthz(&agent, running.local_addr()).unwrap(), "ok");
    running.stop();
}

#[test]
fn a_client_not_trusting_the_certificate_is_refused_by_its_own_check() {
    let Some(pki) = pki() else { return };
    let running = start(&pki, Limits::default());
    let (other, _) = self_signed(pki.dir.path(), "other").unwrap();
    let err = healthz(&client(&other), running.local_addr()).unwrap_err();
    // The server presents its own certificate, which this client does not trust.
    assert!(format!("{err:?}").contains("InvalidCertificate"), "{err:?}");
    running.stop();
}

#[test]
fn plain_http_to_the_tls_port_gets_no_http_answer() {
    let Some(pki) = pki() else { return };
    let running = start(&pki, short_limits());
    let mut stream = TcpStream::connect(running.local_addr()).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(
        !answer.starts_with(b"HTTP/"),
        "answered in plain HTTP: {:?}",
        String::from_utf8_lossy(&answer)
    );
    let err = ureq::get(format!("http://{}/healthz", running.local_addr()))
        .config()
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .call()
        .unwrap_err();
    assert!(!matches!(err, ureq::Error::StatusCode(_)), "{err:?}");
    assert!(eventually(|| running.live_connections() == 0));
    running.stop();
}

#[test]
fn a_client_that_sends_nothing_delays_no_other_and_is_closed_after_the_header_timeout() {
    let Some(pki) = pki() else { return };
    let running = start(&pki, short_limits());
    let mut stalled = TcpStream::connect(running.local_addr()).unwrap();
    assert!(eventually(|| running.live_connections() == 1));
    // While it stalls in its handshake, others are served.
    let agent = client(&pki.cert);
    assert_eq!(healthz(&agent, running.local_addr()).unwrap(), "ok");
    let started = Instant::now();
    assert!(
        closed_by_server(&mut stalled),
        "the stalled client stays open"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(eventually(|| running.live_connections() == 0));
    running.stop();
}

#[test]
fn a_handshaking_connection_holds_a_connection_slot() {
    let Some(pki) = pki() else { return };
    let running = start(
        &pki,
        Limits {
            max_connections: 1,
            ..short_limits()
        },
    );
    let mut stalled = TcpStream::connect(running.local_addr()).unwrap();
    assert!(eventually(|| running.live_connections() == 1));
    // The one slot is taken: a second client waits in the backlog, and is
    // served once the stalled one is closed by the header timeout.
    let addr = running.local_addr();
    let agent = client(&pki.cert);
    let waiting = std::thread::spawn(move || healthz(&agent, addr));
    assert!(closed_by_server(&mut stalled));
    assert_eq!(waiting.join().unwrap().unwrap(), "ok");
    running.stop();
}

#[test]
fn a_stop_ends_a_stalled_handshake() {
    let Some(pki) = pki() else { return };
    let running = start(&pki, Limits::default());
    let mut stalled = TcpStream::connect(running.local_addr()).unwrap();
    assert!(eventually(|| running.live_connections() == 1));
    let started = Instant::now();
    running.stop();
    // Well before the 10 s header timeout.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(closed_by_server(&mut stalled));
}

#[test]
fn a_missing_certificate_file_is_refused_naming_it() {
    let Some(pki) = pki() else { return };
    let missing = pki.dir.path().join("missing.pem");
    let err = TlsConfig::from_pem_files(&missing, &pki.key).unwrap_err();
    assert!(matches!(err, TlsError::File(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("missing.pem"), "{text}");
    assert!(text.contains("TLS certificate chain"), "{text}");
}

#[test]
fn a_certificate_file_without_a_certificate_is_refused_naming_it() {
    let Some(pki) = pki() else { return };
    let garbage = pki.dir.path().join("garbage.pem");
    std::fs::write(&garbage, "this is not PEM\n").unwrap();
    for cert in [&garbage, &pki.key] {
        let err = TlsConfig::from_pem_files(cert, &pki.key).unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(&*cert.to_string_lossy()), "{text}");
        assert!(text.contains("BEGIN CERTIFICATE"), "{text}");
    }
}

#[test]
fn a_key_file_without_a_key_is_refused_naming_it() {
    let Some(pki) = pki() else { return };
    let err = TlsConfig::from_pem_files(&pki.cert, &pki.cert).unwrap_err();
    assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err:?}");
    assert!(err.to_string().contains("server.pem"), "{err}");
    // An encrypted key is not one the server can use unattended.
    let encrypted = pki.dir.path().join("encrypted.key");
    openssl(
        pki.dir.path(),
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "server.key",
            "-out",
            "encrypted.key",
            "-passout",
            "pass:secret",
        ],
    )
    .unwrap();
    let err = TlsConfig::from_pem_files(&pki.cert, &encrypted).unwrap_err();
    assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err:?}");
    assert!(err.to_string().contains("encrypted.key"), "{err}");
}

#[test]
fn a_key_of_another_certificate_is_refused_naming_both() {
    let Some(pki) = pki() else { return };
    let (_, other_key) = self_signed(pki.dir.path(), "other").unwrap();
    let err = TlsConfig::from_pem_files(&pki.cert, &other_key).unwrap_err();
    assert!(matches!(err, TlsError::KeyMismatch { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("other.key") && text.contains("server.pem"),
        "{text}"
    );
    // No key material in the message.
    let key_pem = std::fs::read_to_string(&other_key).unwrap();
    for line in key_pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!text.contains(line), "{text}");
    }
}

#[test]
fn a_secp256k1_key_is_refused_as_unsupported() {
    let Some(pki) = pki() else { return };
    openssl(
        pki.dir.path(),
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:secp256k1",
            "-out",
            "k1.key",
        ],
    )
    .unwrap();
    let err = TlsConfig::from_pem_files(&pki.cert, &pki.dir.path().join("k1.key")).unwrap_err();
    assert!(matches!(err, TlsError::UnsupportedKey { .. }), "{err:?}");
    assert!(err.to_string().contains("k1.key"), "{err}");
}

#[test]
fn a_directory_given_as_the_key_is_refused_unread() {
    let Some(pki) = pki() else { return };
    let err = TlsConfig::from_pem_files(&pki.cert, pki.dir.path()).unwrap_err();
    assert!(matches!(err, TlsError::File(_)), "{err:?}");
    assert!(err.to_string().contains("TLS private key"), "{err}");
}

#[test]
fn the_debug_form_shows_no_key() {
    let Some(pki) = pki() else { return };
    let tls = TlsConfig::from_pem_files(&pki.cert, &pki.key).unwrap();
    assert_eq!(format!("{tls:?}"), "TlsConfig { .. }");
}
