//! Load benchmark of `zatca serve` on loopback (not a timed test: it prints
//! figures and fails only when the server misbehaves).
//!
//! It starts the release `zatca` binary as a process (`zatca serve
//! --listen 127.0.0.1:0 --fatoora sim`) on a fresh database in a temporary
//! directory, adds one VAT and one admin user with `zatca serve vat add` and
//! `zatca serve user add`, then measures, at each client count, two
//! operations, each client a thread with its own keep-alive connection:
//!
//! - `register`: `POST /onboarding/register-device` without `Otp` (a new EGS
//!   serial each time): the Device ID, key and CSR; done at its 200 answer.
//! - `onboard`: `POST /onboarding/register-device` with `Otp` (answered at
//!   once with `GENERATED` and a `PcsidGenerationActivityId`), then
//!   `GET /onboarding/{ActivityId}/pcsid-status` every `--poll-ms` until it
//!   answers `SUCCEEDED`: the compliance CSID, the compliance checks and the
//!   production CSID against the in-process simulator.
//!
//! With `--postgres`, the database is a fresh one on a throwaway PostgreSQL
//! server (`zatca_store_postgres::testing`: the server
//! `ZATCA_TEST_POSTGRES_URL` names, else one started for the run), and
//! `--instances N` starts N servers on it, the clients spread over them in
//! turn (each instance its own in-process simulator).
//!
//! Each point stops after `--ops` operations or `--seconds`, whichever comes
//! first; it reports throughput (operations done per second of wall time)
//! and p50/p99 latency. Any answer other than the expected one is counted
//! as an error and makes the run exit non-zero.
//!
//! ```sh
//! cargo build --release -p zatca-cli
//! cargo run --release -p zatca-benches --bin service_load -- --zatca target/release/zatca
//! ```
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The VAT the benchmark registers devices for (a valid test VAT: 15 digits, 3…3).
const VAT: &str = "399999999900003";
/// The simulator accepts any six-digit OTP.
const OTP: &str = "123456";

type Outcome<T> = Result<T, String>;

struct Settings {
    zatca: PathBuf,
    clients: Vec<usize>,
    register_ops: usize,
    onboard_ops: usize,
    seconds: f64,
    poll: Duration,
    workers: Option<String>,
    postgres: bool,
    instances: usize,
}

const USAGE: &str = "usage: service_load [--zatca PATH] [--clients 1,8,32] [--register-ops N] [--onboard-ops N] [--seconds S] [--poll-ms MS] [--workers N]
  --zatca PATH      the zatca binary (default: $ZATCA_BIN, else target/release/zatca)
  --clients LIST    concurrent clients per point (default 1,8,32)
  --register-ops N  register-device calls per point (default 3000)
  --onboard-ops N   full onboardings per point (default 600)
  --seconds S       at most S seconds per point (default 10)
  --poll-ms MS      pcsid-status poll interval (default 5)
  --workers N       passed to zatca serve --workers (default: the server's)
  --postgres        a PostgreSQL database on a throwaway server instead of an SQLite file
  --instances N     zatca serve instances on the database, clients spread over them (default 1; more needs --postgres)";

/// The master key of the throwaway database (a load run keeps nothing).
const MASTER_KEY: &str = "4c6f616420746573742d6f6e6c79206d6173746572206b657920212121212121";

fn parse_args() -> Outcome<Settings> {
    let mut settings = Settings {
        zatca: std::env::var_os("ZATCA_BIN")
            .map_or_else(|| PathBuf::from("target/release/zatca"), PathBuf::from),
        clients: vec![1, 8, 32],
        register_ops: 3000,
        onboard_ops: 600,
        seconds: 10.0,
        poll: Duration::from_millis(5),
        workers: None,
        postgres: false,
        instances: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        if flag == "--postgres" {
            settings.postgres = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = |text: &str| {
            text.parse::<usize>()
                .map_err(|_| format!("{flag}: {text:?} is not a whole number"))
        };
        match flag.as_str() {
            "--zatca" => settings.zatca = PathBuf::from(value),
            "--clients" => {
                settings.clients = value.split(',').map(number).collect::<Outcome<_>>()?;
                if settings.clients.contains(&0) {
                    return Err("--clients: a point needs at least one client".to_owned());
                }
            }
            "--register-ops" => settings.register_ops = number(&value)?,
            "--onboard-ops" => settings.onboard_ops = number(&value)?,
            "--seconds" => {
                settings.seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds: {value:?} is not a number"))?;
            }
            "--poll-ms" => settings.poll = Duration::from_millis(number(&value)? as u64),
            "--workers" => settings.workers = Some(number(&value)?.to_string()),
            "--instances" => settings.instances = number(&value)?.max(1),
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    if settings.instances > 1 && !settings.postgres {
        return Err("--instances: an SQLite file is one instance's; add --postgres".to_owned());
    }
    Ok(settings)
}

/// `zatca serve --db DB ARGS…` (an administration command); its stdout.
fn admin(zatca: &Path, db: &Path, args: &[&str]) -> Outcome<String> {
    let out = Command::new(zatca)
        .arg("serve")
        .arg("--db")
        .arg(db)
        .env("ZATCA_MASTER_KEY", MASTER_KEY)
        .args(args)
        .output()
        .map_err(|e| format!("running {}: {e}", zatca.display()))?;
    if !out.status.success() {
        return Err(format!(
            "zatca serve {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("zatca serve {args:?}: {e}"))
}

/// The running server, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(zatca: &Path, db: &Path, log: &Path, workers: Option<&str>) -> Outcome<Self> {
        let log = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut command = Command::new(zatca);
        command.env("ZATCA_MASTER_KEY", MASTER_KEY);
        command.arg("serve").arg("--db").arg(db).args([
            "--listen",
            "127.0.0.1:0",
            "--fatoora",
            "sim",
        ]);
        if let Some(workers) = workers {
            command.args(["--workers", workers]);
        }
        // The request log goes to a file: a pipe nobody reads would stall the server.
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", zatca.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout of zatca serve")?;
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .map_err(|e| format!("reading the server's first line: {e}"))?;
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("the server's first line is {line:?}"))?
            .to_owned();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        Ok(Self { child, base })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One client's connection and headers.
struct Client {
    agent: ureq::Agent,
    base: String,
    token: Arc<str>,
}

impl Client {
    fn new(base: &str, token: &Arc<str>) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self {
            agent,
            base: base.to_owned(),
            token: Arc::clone(token),
        }
    }

    fn answer(response: Outcome<ureq::http::Response<ureq::Body>>) -> Outcome<(u16, Value)> {
        let mut response = response?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("reading an answer: {e}"))?;
        let value = serde_json::from_str(&text).map_err(|e| format!("answer {text:?}: {e}"))?;
        Ok((status, value))
    }

    fn post(&self, path: &str, body: &Value) -> Outcome<(u16, Value)> {
        Self::answer(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .header("x-cleartax-auth-token", &*self.token)
                .header("vat", VAT)
                .send(body.to_string())
                .map_err(|e| format!("POST {path}: {e}")),
        )
    }

    fn get(&self, path: &str) -> Outcome<(u16, Value)> {
        Self::answer(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("x-cleartax-auth-token", &*self.token)
                .header("vat", VAT)
                .call()
                .map_err(|e| format!("GET {path}: {e}")),
        )
    }

    fn register(&self, serial: &str, otp: Option<&str>) -> Outcome<Value> {
        let mut body = json!({
            "DeviceDetails": {
                "CommonName": format!("TST-{serial}"),
                "EgsSerialNumber": format!("1-TST|2-TST|3-{serial}"),
                "Location": "Riyadh",
                "Industry": "Retail",
                "InvoiceType": "1100"
            },
            "OrganizationDetails": {
                "Vat": VAT,
                "OrganizationName": "Maximum Speed Tech",
                "OrganizationUnitName": "Riyadh Branch",
                "CountryCode": "SA"
            }
        });
        if let Some(otp) = otp {
            body["Otp"] = json!(otp);
        }
        let (status, answer) = self.post("/onboarding/register-device", &body)?;
        if status != 200 || answer["Status"] != "GENERATED" {
            return Err(format!("register-device answered {status}: {answer}"));
        }
        Ok(answer)
    }

    fn onboard(&self, serial: &str, poll: Duration, deadline: Instant) -> Outcome<()> {
        let answer = self.register(serial, Some(OTP))?;
        let activity = answer["PcsidGenerationActivityId"]
            .as_str()
            .ok_or_else(|| format!("no PcsidGenerationActivityId in {answer}"))?;
        let path = format!("/onboarding/{activity}/pcsid-status");
        loop {
            let (status, answer) = self.get(&path)?;
            match answer["Status"].as_str() {
                Some("SUCCEEDED") if status == 200 => return Ok(()),
                Some("IN_PROGRESS") if status == 200 => {}
                _ => return Err(format!("pcsid-status answered {status}: {answer}")),
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "activity {activity} still IN_PROGRESS at the deadline"
                ));
            }
            std::thread::sleep(poll);
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Operation {
    Register,
    Onboard,
}

impl Operation {
    const fn name(self) -> &'static str {
        match self {
            Self::Register => "register-device, no OTP",
            Self::Onboard => "full onboarding (OTP → SUCCEEDED)",
        }
    }
}

struct Point {
    done: usize,
    errors: usize,
    first_error: Option<String>,
    wall: Duration,
    latencies: Vec<Duration>,
}

/// The `q` quantile (nearest rank) of sorted latencies, in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted
        .get(rank - 1)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

fn run_point(
    point_number: usize,
    bases: &[String],
    token: &Arc<str>,
    operation: Operation,
    clients: usize,
    settings: &Settings,
) -> Point {
    let ops = match operation {
        Operation::Register => settings.register_ops,
        Operation::Onboard => settings.onboard_ops,
    };
    let tag = match operation {
        Operation::Register => "R",
        Operation::Onboard => "O",
    };
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let stop_at = started + Duration::from_secs_f64(settings.seconds);
    // An activity still running at the end of the point gets this much longer.
    let activity_deadline = stop_at + Duration::from_secs(30);
    let threads: Vec<_> = (0..clients)
        .map(|n| {
            let base = bases.get(n % bases.len()).map_or("", String::as_str);
            let client = Client::new(base, token);
            let next = Arc::clone(&next);
            let poll = settings.poll;
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut errors = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= ops || Instant::now() >= stop_at {
                        break;
                    }
                    let serial = format!("{tag}{point_number}-{i}");
                    let t0 = Instant::now();
                    let result = match operation {
                        Operation::Register => client.register(&serial, None).map(|_| ()),
                        Operation::Onboard => client.onboard(&serial, poll, activity_deadline),
                    };
                    match result {
                        Ok(()) => latencies.push(t0.elapsed()),
                        Err(e) => errors.push(e),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut point = Point {
        done: 0,
        errors: 0,
        first_error: None,
        wall: Duration::ZERO,
        latencies: Vec::new(),
    };
    for thread in threads {
        match thread.join() {
            Ok((latencies, errors)) => {
                point.errors += errors.len();
                if point.first_error.is_none() {
                    point.first_error = errors.into_iter().next();
                }
                point.latencies.extend(latencies);
            }
            Err(_) => {
                point.errors += 1;
                point
                    .first_error
                    .get_or_insert_with(|| "a client thread panicked".to_owned());
            }
        }
    }
    point.wall = started.elapsed();
    point.done = point.latencies.len();
    point.latencies.sort_unstable();
    point
}

fn run() -> Outcome<()> {
    let settings = parse_args()?;
    let dir = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
    let db = if settings.postgres {
        let server = zatca_store_postgres::testing::server()
            .ok_or("--postgres: no PostgreSQL server (install Debian's postgresql)")?;
        PathBuf::from(server.fresh_database())
    } else {
        dir.path().join("service.db")
    };
    let zatca = &settings.zatca;
    admin(zatca, &db, &["vat", "add", VAT, "--name", "Load test"])?;
    let user: Value = serde_json::from_str(&admin(
        zatca,
        &db,
        &[
            "user", "add", "load", "--vat", VAT, "--role", "admin", "--json",
        ],
    )?)
    .map_err(|e| format!("user add --json: {e}"))?;
    let token: Arc<str> = user["Token"]
        .as_str()
        .ok_or("user add --json gave no Token")?
        .into();
    let servers = (0..settings.instances)
        .map(|n| {
            Server::start(
                zatca,
                &db,
                &dir.path().join(format!("serve-{n}.log")),
                settings.workers.as_deref(),
            )
        })
        .collect::<Outcome<Vec<_>>>()?;
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    println!(
        "{} zatca serve instance(s) at {} (db {}), at most {} s per point",
        servers.len(),
        bases.join(", "),
        if settings.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        settings.seconds
    );
    println!("| operation | clients | done | errors | seconds | ops/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut failed = false;
    let mut point_number = 0;
    for operation in [Operation::Register, Operation::Onboard] {
        for &clients in &settings.clients {
            // Each point registers EGS serials of its own: never an existing device.
            point_number += 1;
            let point = run_point(point_number, &bases, &token, operation, clients, &settings);
            let seconds = point.wall.as_secs_f64();
            println!(
                "| {} | {clients} | {} | {} | {seconds:.2} | {:.0} | {:.1} | {:.1} |",
                operation.name(),
                point.done,
                point.errors,
                point.done as f64 / seconds,
                quantile_ms(&point.latencies, 0.50),
                quantile_ms(&point.latencies, 0.99),
            );
            if let Some(error) = point.first_error {
                eprintln!("first error: {error}");
                failed = true;
            }
        }
    }
    drop(servers);
    if failed {
        return Err("some operations failed (see above)".to_owned());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("service_load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
