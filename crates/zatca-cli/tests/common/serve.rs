//! `zatca serve` as a process for the tests that drive it over HTTP: the
//! offline administration, the service started on 127.0.0.1:0 with its logs
//! in a file (a pipe nobody reads would block a busy server), killed with
//! SIGKILL or stopped with SIGTERM, and a client whose calls either panic or,
//! where the server may be gone, return the transport error.

use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The master key every `zatca serve` of the tests runs with (`ZATCA_MASTER_KEY`).
pub const TEST_MASTER_KEY: &str =
    "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

/// Opens the database of a `zatca serve` of the tests, with [`TEST_MASTER_KEY`].
pub fn open_store(
    db: &Path,
) -> Result<zatca_store_sqlite::SqliteStore, zatca_store_sqlite::StoreError> {
    let key = zatca_store_sqlite::MasterKey::from_hex(TEST_MASTER_KEY, "TEST_MASTER_KEY").unwrap();
    zatca_store_sqlite::SqliteStore::open_with_master_key(db, &key)
}

/// How long a stopped server may take to exit.
const EXIT_WITHIN: Duration = Duration::from_secs(30);

/// Runs `zatca serve --db DB ARGS` as [`super::zatca`] runs the binary.
fn serve_command(db: &Path, args: &[&str]) -> Output {
    let db = db.to_str().unwrap();
    let mut all = vec!["serve", "--db", db];
    all.extend_from_slice(args);
    super::zatca_with_env(&all, &[("ZATCA_MASTER_KEY", TEST_MASTER_KEY)])
}

/// Runs `zatca serve --db DB ARGS` (the offline administration) and returns
/// its stdout; panics if it fails.
pub fn admin(db: &Path, args: &[&str]) -> String {
    let out = serve_command(db, args);
    assert!(
        out.status.success(),
        "zatca serve {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `zatca serve --db DB ARGS`, which must fail; returns its stderr.
pub fn refused(db: &Path, args: &[&str]) -> String {
    let out = serve_command(db, args);
    assert!(!out.status.success(), "{args:?} was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Adds user `name` with `role` for VAT `vat`; returns the user's token.
pub fn add_user(db: &Path, name: &str, vat: &str, role: &str) -> String {
    let out: Value = serde_json::from_str(&admin(
        db,
        &["user", "add", name, "--vat", vat, "--role", role, "--json"],
    ))
    .unwrap();
    assert_eq!(out["User"]["Name"], name);
    out["Token"].as_str().unwrap().to_owned()
}

/// Adds VAT `vat` and an admin user for it; returns the user's token.
pub fn add_vat_and_admin(db: &Path, vat: &str) -> String {
    admin(db, &["vat", "add", vat, "--name", "Org"]);
    add_user(db, "admin", vat, "admin")
}

/// A running `zatca serve`; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT` (`https://` with `--tls-cert`).
    pub base: String,
    /// The file its stderr is appended to.
    log: PathBuf,
    /// Kept open so the server never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts `zatca serve --db DB --listen 127.0.0.1:0 EXTRA`, its stderr
    /// appended to `log`, and waits for its `listening on` line.
    pub fn start(db: &Path, log: &Path, extra: &[&str]) -> Self {
        let stderr = File::options().create(true).append(true).open(log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_zatca"))
            .arg("serve")
            .arg("--db")
            .arg(db)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env("ZATCA_MASTER_KEY", TEST_MASTER_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(base) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "first line {line:?}; log: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        };
        Self {
            base: base.to_owned(),
            child,
            log: log.to_owned(),
            _stdout: stdout,
        }
    }

    /// The `HOST:PORT` of [`Self::base`].
    pub fn host_port(&self) -> &str {
        self.base
            .split_once("://")
            .map_or_else(|| panic!("base {:?}", self.base), |(_, rest)| rest)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`-KILL`, `-TERM`) to the process.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([signal, &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill {signal} {}", self.pid());
    }

    /// Waits for the process to exit (panics after a generous bound).
    pub fn wait(mut self) -> ExitStatus {
        let deadline = Instant::now() + EXIT_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, then waits for the process to be gone.
    pub fn kill9(self) {
        self.signal("-KILL");
        let _ = self.wait();
    }

    /// SIGTERM, then the exit status (it must stop by itself).
    pub fn terminate(self) -> ExitStatus {
        self.signal("-TERM");
        self.wait()
    }

    /// SIGTERM, checks the process exits successfully, then returns the text
    /// of its log file (everything appended to it so far).
    pub fn terminate_with_log(self) -> String {
        let log = self.log.clone();
        let status = self.terminate();
        assert!(status.success(), "exit after SIGTERM: {status}");
        std::fs::read_to_string(&log).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that reports every status as an answer, bypasses any proxy and
/// gives up after 30 s.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// One request (`GET`, else a JSON `POST` of `body`) with the
/// `x-cleartax-auth-token` and `vat` headers where given: (status, JSON body
/// or Null), or the transport error when the server did not answer.
pub fn try_call(
    method: &str,
    url: &str,
    token: Option<&str>,
    vat: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value), ureq::Error> {
    fn authenticated<B>(
        mut request: ureq::RequestBuilder<B>,
        token: Option<&str>,
        vat: Option<&str>,
    ) -> ureq::RequestBuilder<B> {
        if let Some(token) = token {
            request = request.header("x-cleartax-auth-token", token);
        }
        if let Some(vat) = vat {
            request = request.header("vat", vat);
        }
        request
    }
    let agent = agent();
    let mut response = if method == "GET" {
        authenticated(agent.get(url), token, vat).call()?
    } else {
        let post = agent.post(url).header("content-type", "application/json");
        authenticated(post, token, vat).send(body.map_or_else(String::new, Value::to_string))?
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// [`try_call`] to a server that must answer; panics on a transport error.
pub fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    vat: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    try_call(method, url, token, vat, body).unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// A register-device body (ClearTax's shape) for a non-group `vat`, TSXY
/// `1100`, CN `TST-SERIAL`, EGS serial `1-TST|2-TST|3-SERIAL`.
pub fn register_body(vat: &str, serial: &str, otp: Option<&str>) -> Value {
    let mut body = json!({
        "DeviceDetails": {
            "CommonName": format!("TST-{serial}"),
            "EgsSerialNumber": format!("1-TST|2-TST|3-{serial}"),
            "Location": "Riyadh",
            "Industry": "Retail",
            "InvoiceType": "1100"
        },
        "OrganizationDetails": {
            "Vat": vat,
            "OrganizationName": "Maximum Speed Tech",
            "OrganizationUnitName": "Riyadh Branch",
            "CountryCode": "SA"
        }
    });
    if let Some(otp) = otp {
        body["Otp"] = json!(otp);
    }
    body
}

/// The error codes of an answer's `ErrorList`.
pub fn error_codes(answer: &Value) -> Vec<String> {
    answer["ErrorList"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|e| e["ErrorCode"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Where the in-process simulator of `zatca serve --db DB --env ENV` keeps its state.
pub fn simulator_state(db: &Path, environment: &str) -> PathBuf {
    let mut name = db.file_name().unwrap().to_os_string();
    name.push(".simulator");
    db.with_file_name(name).join(environment)
}

/// An answer with its headers: status, JSON body (or Null), header names
/// (lower case) and values.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body as JSON, Null when it is not JSON.
    pub body: Value,
    /// The response headers.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// A header's value, if the answer has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A `POST` of `body` with `content_type` and extra headers, authenticated
/// like [`try_call`]; the transport error when the server did not answer.
pub fn try_post_raw(
    url: &str,
    token: &str,
    vat: &str,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Result<Answer, ureq::Error> {
    let mut request = agent()
        .post(url)
        .header("content-type", content_type)
        .header("x-cleartax-auth-token", token)
        .header("vat", vat);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let mut response = request.send(body)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let text = response.body_mut().read_to_string()?;
    Ok(Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    })
}

/// [`try_post_raw`] to a server that must answer.
pub fn post_raw(
    url: &str,
    token: &str,
    vat: &str,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    try_post_raw(url, token, vat, content_type, extra, body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// A `POST /devices` body (the other provider's shape) for `vat`, EGS serial
/// `serial` as given, `format` (`Xml`, `Pdf`, `Model`), `environment` and `otp`.
pub fn device_body(vat: &str, serial: &str, format: &str, environment: &str, otp: &str) -> Value {
    json!({
        "Device": {
            "EgsSerialNumber": serial,
            "Location": "Headquarters",
            "Industry": "Retail",
            "InvoiceType": "Both"
        },
        "Organization": {
            "Vat": vat,
            "OrganizationName": "Tech Innovations Inc.",
            "OrganizationUnitName": "Riyadh Branch 2814",
            "CountryCode": "SA"
        },
        "Environment": environment,
        "OTP": otp,
        "InvoiceFormat": format
    })
}
