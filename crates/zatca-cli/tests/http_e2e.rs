//! The whole lifecycle over real HTTP on loopback: `zatca simulator serve`
//! in one process, the CLI onboarding (compliance CSID, six signed compliance
//! checks, PCSID) and renewing (428, checks again, new PCSID) against it with
//! `--fatoora http://127.0.0.1:PORT`, for each environment's rules. Bounded:
//! the server stops after a fixed number of requests, every wait has a
//! timeout, and the server is killed when a test ends, however it ends.
#![cfg(feature = "http")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{json, sample_without_otp, text, zatca_with_env};

/// A served simulator, killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(env: &str, otps: &[&str]) -> Self {
        let mut args = vec![
            "simulator",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--env",
            env,
            "--max-requests",
            "100",
        ];
        for otp in otps {
            args.extend(["--otp", otp]);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_zatca"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut served = Self {
            child,
            url: String::new(),
        };
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server printed no address within 60 s");
        served.url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {line:?}"))
            .to_owned();
        assert!(
            served.url.starts_with("http://127.0.0.1:"),
            "{}",
            served.url
        );
        served
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `zatca ARGS` as [`common::zatca`] runs it; were anything to go past
/// loopback, it would meet a dead proxy on loopback.
fn zatca(args: &[&str]) -> Output {
    const DEAD_PROXY: &str = "http://127.0.0.1:9";
    zatca_with_env(
        args,
        &[("HTTPS_PROXY", DEAD_PROXY), ("ALL_PROXY", DEAD_PROXY)],
    )
}

/// The sample request without its OTP (each test passes its own).
fn request(dir: &Path) -> PathBuf {
    let path = dir.join("request.json");
    std::fs::write(&path, sample_without_otp()).unwrap();
    path
}

/// Onboards and renews a device of `env` against a served simulator of `env`.
fn onboard_and_renew_over_http(env: &str, first_otp: &str, renewal_otp: &str) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let request = request(dir.path());
    let served = Served::start(env, &[first_otp, renewal_otp]);
    let url = served.url.as_str();

    let out = zatca(&[
        "onboard",
        request.to_str().unwrap(),
        "--env",
        env,
        "--otp",
        first_otp,
        "--fatoora",
        url,
        "--store",
        s,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("Fatoora at {url}")), "{stdout}");
    assert!(stdout.contains("state:         PRODUCTION"), "{stdout}");
    assert_eq!(stdout.matches(": PASS").count(), 6, "{stdout}");

    let list = json(&zatca(&["device", "list", "--store", s, "--json"]));
    let id = list[0]["DeviceId"].as_str().unwrap().to_owned();
    let before = json(&zatca(&["device", "show", &id, "--store", s, "--json"]));

    let out = zatca(&[
        "device",
        "renew",
        &id,
        "--otp",
        renewal_otp,
        "--fatoora",
        url,
        "--store",
        s,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let after = json(&zatca(&["device", "show", &id, "--store", s, "--json"]));
    assert_eq!(after["State"], "PRODUCTION");
    assert_eq!(after["Current"]["Number"], 2);
    assert_ne!(
        after["ProductionCsid"]["Serial"],
        before["ProductionCsid"]["Serial"]
    );
    assert_eq!(
        after["Environment"], env,
        "the device keeps its environment"
    );

    // The OTP rule of the environment, over HTTP: a used OTP is refused in
    // simulation and production (exit 5, ZATCA's Invalid-OTP), accepted in development.
    let out = zatca(&[
        "device",
        "renew",
        &id,
        "--otp",
        renewal_otp,
        "--fatoora",
        url,
        "--store",
        s,
    ]);
    if env == "development" {
        assert!(out.status.success(), "{}", text(&out));
    } else {
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(text(&out).contains("Invalid-OTP"), "{}", text(&out));
    }
}

#[test]
fn lifecycle_over_http_in_development() {
    onboard_and_renew_over_http("development", "123345", "123345");
}

#[test]
fn lifecycle_over_http_in_simulation() {
    onboard_and_renew_over_http("simulation", "111111", "222222");
}

#[test]
fn lifecycle_over_http_in_production() {
    onboard_and_renew_over_http("production", "333333", "444444");
}

#[test]
fn a_served_simulator_refuses_a_device_of_another_environment() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let request = request(dir.path());
    let served = Served::start("production", &[]);
    let out = zatca(&[
        "onboard",
        request.to_str().unwrap(),
        "--env",
        "simulation",
        "--otp",
        "123456",
        "--fatoora",
        &served.url,
        "--store",
        store.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains("Denied-by-Policy-Module"),
        "{}",
        text(&out)
    );
}

#[test]
fn named_gateways_of_another_environment_are_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let request = request(dir.path());
    let r = request.to_str().unwrap();
    let out = zatca(&[
        "onboard",
        r,
        "--env",
        "development",
        "--fatoora",
        "production",
        "--store",
        s,
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(text(&out).contains("nothing was sent"), "{}", text(&out));
    assert!(!store.exists(), "nothing was written either");
    // A device registered offline, then sent to the wrong gateway.
    let out = zatca(&["device", "register", r, "--env", "simulation", "--store", s]);
    assert!(out.status.success(), "{}", text(&out));
    let list = json(&zatca(&["device", "list", "--store", s, "--json"]));
    let id = list[0]["DeviceId"].as_str().unwrap().to_owned();
    for target in ["developer-portal", "production"] {
        let out = zatca(&[
            "device",
            "csid",
            &id,
            "--otp",
            "123456",
            "--fatoora",
            target,
            "--store",
            s,
        ]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(
            text(&out).contains("use --fatoora simulation"),
            "{}",
            text(&out)
        );
    }
    let out = zatca(&[
        "device",
        "csid",
        &id,
        "--otp",
        "1",
        "--fatoora",
        "ftp://x",
        "--store",
        s,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn a_stalled_client_does_not_hold_up_an_onboarding() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let request = request(dir.path());
    let served = Served::start("development", &[]);
    let addr = served.url.strip_prefix("http://").unwrap();
    // Headers that promise 5000 body bytes, one byte, then silence.
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(
            format!(
                "POST /compliance HTTP/1.1\r\nHost: {addr}\r\nAccept-Version: V2\r\nContent-Length: 5000\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .unwrap();
    let out = zatca(&[
        "onboard",
        request.to_str().unwrap(),
        "--env",
        "development",
        "--otp",
        "123345",
        "--fatoora",
        &served.url,
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("state:         PRODUCTION"),
        "{}",
        text(&out)
    );
    // The stalled client is answered 408 once the body timeout passes.
    stalled
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut answer = String::new();
    stalled.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[test]
fn a_listen_address_off_loopback_is_a_usage_error() {
    for addr in ["0.0.0.0:0", "192.0.2.1:8080", "[::]:0"] {
        let out = zatca(&[
            "simulator",
            "serve",
            "--listen",
            addr,
            "--max-requests",
            "1",
        ]);
        assert_eq!(out.status.code(), Some(2), "{addr}: {}", text(&out));
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(message.contains("must be loopback"), "{addr}: {message}");
        assert!(out.stdout.is_empty(), "nothing was served: {}", text(&out));
    }
}
