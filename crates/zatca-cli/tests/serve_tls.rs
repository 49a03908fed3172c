//! `zatca serve --tls-cert … --tls-key …` on 127.0.0.1:0: HTTPS to a client
//! that trusts the certificate, no answer to plain HTTP, a client that
//! connects and sends nothing delays no other and is closed after the header
//! timeout, and bad certificate or key files are refused before anything
//! starts, naming the file. The certificates come from `openssl` (each test
//! says so and passes when it is missing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader, ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Makes a self-signed P-256 certificate for 127.0.0.1 and its key,
/// `name`.pem and `name`.key in `dir`; `None` (said on stderr) without openssl.
fn self_signed(dir: &Path, name: &str) -> Option<(PathBuf, PathBuf)> {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:P-256")
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match out {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            eprintln!("skipped: openssl is not installed, no test certificate can be made");
            None
        }
        Err(e) => panic!("openssl: {e}"),
        Ok(out) => {
            assert!(
                out.status.success(),
                "openssl: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some((cert, key))
        }
    }
}

/// A running `zatca serve` over TLS, killed when dropped.
struct Server {
    child: Child,
    first_line: String,
}

impl Server {
    fn start(db: &Path, cert: &Path, key: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zatca"))
            .arg("serve")
            .arg("--db")
            .arg(db)
            .env("ZATCA_MASTER_KEY", common::serve::TEST_MASTER_KEY)
            .args(["--listen", "127.0.0.1:0", "--tls-cert"])
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first_line)
            .unwrap();
        Self { child, first_line }
    }

    /// The `HOST:PORT` of `listening on https://HOST:PORT`.
    fn addr(&self) -> String {
        self.first_line
            .trim()
            .strip_prefix("listening on https://")
            .unwrap_or_else(|| panic!("first line: {:?}", self.first_line))
            .to_owned()
    }

    /// SIGTERM; whether it then exits successfully within 20 s.
    fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTPS client that trusts only `cert`.
fn client(cert: &Path) -> ureq::Agent {
    let root = ureq::tls::Certificate::from_pem(&std::fs::read(cert).unwrap()).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

fn healthz(agent: &ureq::Agent, addr: &str) -> String {
    let mut answer = agent.get(format!("https://{addr}/healthz")).call().unwrap();
    assert_eq!(answer.status(), 200);
    answer.body_mut().read_to_string().unwrap()
}

/// Runs `zatca serve --db DB ARGS`, which must fail; its stderr.
fn refused(db: &Path, args: &[&str]) -> String {
    let mut all = vec!["serve", "--db", db.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = common::zatca(&all);
    assert!(!out.status.success(), "{args:?} was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn serve_over_tls_answers_a_client_trusting_the_certificate_and_not_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = self_signed(dir.path(), "server") else {
        return;
    };
    let server = Server::start(&dir.path().join("service.db"), &cert, &key);
    let addr = server.addr();
    let agent = client(&cert);
    assert!(healthz(&agent, &addr).contains("UP"));

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut plain = TcpStream::connect(&addr).unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !answer.starts_with(b"HTTP/"),
        "answered in plain HTTP: {:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        ureq::get(format!("http://{addr}/healthz"))
            .config()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .call()
            .is_err()
    );
    // Still serving.
    assert!(healthz(&agent, &addr).contains("UP"));
    assert!(server.terminate(), "no clean exit after SIGTERM");
}

#[test]
fn a_client_stalled_before_its_handshake_delays_no_other_and_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = self_signed(dir.path(), "server") else {
        return;
    };
    let server = Server::start(&dir.path().join("service.db"), &cert, &key);
    let addr = server.addr();
    let mut stalled = TcpStream::connect(&addr).unwrap();
    let agent = client(&cert);
    assert!(healthz(&agent, &addr).contains("UP"));
    // Closed by the header timeout (10 s by default), well before this bound.
    stalled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = [0u8; 64];
    let closed = match stalled.read(&mut buf) {
        Ok(n) => n == 0,
        Err(e) => e.kind() == ErrorKind::ConnectionReset,
    };
    assert!(closed, "the stalled client was not closed");
    assert!(healthz(&agent, &addr).contains("UP"));
}

#[test]
fn a_bad_certificate_file_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_, key)) = self_signed(dir.path(), "server") else {
        return;
    };
    let db = dir.path().join("service.db");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let key = key.to_str().unwrap();
    let err = refused(
        &db,
        &["--tls-cert", garbage.to_str().unwrap(), "--tls-key", key],
    );
    assert!(err.contains("garbage.pem"), "{err}");
    assert!(err.contains("not a TLS certificate chain"), "{err}");
    let missing = dir.path().join("missing.pem");
    let err = refused(
        &db,
        &["--tls-cert", missing.to_str().unwrap(), "--tls-key", key],
    );
    assert!(err.contains("missing.pem"), "{err}");
    // Refused before the database was created.
    assert!(!db.exists());
}

#[test]
fn a_key_of_another_certificate_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, _)) = self_signed(dir.path(), "server") else {
        return;
    };
    let (_, other_key) = self_signed(dir.path(), "other").unwrap();
    let err = refused(
        &dir.path().join("service.db"),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            other_key.to_str().unwrap(),
        ],
    );
    assert!(err.contains("other.key"), "{err}");
    assert!(err.contains("does not match the certificate"), "{err}");
}

#[test]
fn tls_needs_both_files_and_remote_listening_still_needs_allow_remote() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = self_signed(dir.path(), "server") else {
        return;
    };
    let db = dir.path().join("service.db");
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let err = refused(&db, &["--tls-cert", cert]);
    assert!(err.contains("--tls-key"), "{err}");
    let err = refused(&db, &["--tls-key", key]);
    assert!(err.contains("--tls-cert"), "{err}");
    let err = refused(
        &db,
        &[
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            cert,
            "--tls-key",
            key,
        ],
    );
    assert!(err.contains("--allow-remote"), "{err}");
}
