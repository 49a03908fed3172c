//! A throwaway PostgreSQL server for tests (feature `test-cluster`).
//!
//! [`server`] gives the server `ZATCA_TEST_POSTGRES_URL` names
//! (`postgres://USER@127.0.0.1:PORT/postgres`, a cluster the CI script
//! started), else starts one: `initdb` in a temporary folder and `postgres`
//! on a free loopback port, as the `postgres` system user when the tests run
//! as root (PostgreSQL refuses root). A watchdog stops it and removes the
//! folder when the test process ends. `None`, with the reason printed, when
//! there are no PostgreSQL binaries (the caller skips; with
//! `ZATCA_REQUIRE_POSTGRES` set, as in CI, that fails instead); any other
//! failure to start one fails the test.
//! [`TestServer::fresh_database`] creates a database of its own for each
//! test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The variable naming a running server to use instead of starting one.
pub const SERVER_VAR: &str = "ZATCA_TEST_POSTGRES_URL";

/// A PostgreSQL server the tests may create databases in.
#[derive(Debug)]
pub struct TestServer {
    /// `postgres://USER@HOST:PORT` (no database).
    base: String,
    /// The maintenance database's URL.
    admin_url: String,
}

static SERVER: OnceLock<Option<TestServer>> = OnceLock::new();
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(0);

/// The variable that makes missing PostgreSQL binaries a failure, not a skip (CI sets it).
pub const REQUIRE_VAR: &str = "ZATCA_REQUIRE_POSTGRES";

/// The tests' server, started on first use (see the module docs). `None`
/// (the caller skips, the reason printed) only when there are no
/// PostgreSQL binaries and [`REQUIRE_VAR`] is unset; any other failure to
/// start one panics.
pub fn server() -> Option<&'static TestServer> {
    SERVER
        .get_or_init(|| match start() {
            Ok(Some(server)) => Some(server),
            Ok(None) if std::env::var_os(REQUIRE_VAR).is_none() => {
                eprintln!(
                    "skipped: this test needs PostgreSQL: no initdb and postgres binaries (Debian: postgresql), and {SERVER_VAR} is unset"
                );
                None
            }
            Ok(None) => panic!("{REQUIRE_VAR} is set, but there are no PostgreSQL binaries"),
            Err(reason) => panic!("PostgreSQL for the tests: {reason}"),
        })
        .as_ref()
}

impl TestServer {
    /// A new, empty database on the server; its URL.
    pub fn fresh_database(&self) -> String {
        let name = format!(
            "zatca_test_{}_{}",
            std::process::id(),
            NEXT_DATABASE.fetch_add(1, Ordering::SeqCst)
        );
        let mut client = postgres::Client::connect(&self.admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{}: {e}", self.admin_url));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        format!("{}/{name}", self.base)
    }
}

fn start() -> Result<Option<TestServer>, String> {
    if let Ok(url) = std::env::var(SERVER_VAR) {
        let base = url
            .rsplit_once('/')
            .map(|(base, _)| base.to_owned())
            .filter(|b| b.contains("://") && b.len() > "postgres://".len())
            .ok_or_else(|| format!("{SERVER_VAR}={url:?} is not postgres://USER@HOST:PORT/DB"))?;
        return Ok(Some(TestServer {
            admin_url: url,
            base,
        }));
    }
    let Some(bin) = binaries() else {
        return Ok(None);
    };
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let dir = std::env::temp_dir().join(format!("zatca-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if as_root {
        let chowned = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .map_err(|e| e.to_string())?;
        if !chowned.success() {
            return Err("no postgres system user to run the server as".to_owned());
        }
    }
    let data = dir.join("data");
    let run = |program: &Path, args: &[&str]| -> Command {
        if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program).args(args);
            c
        } else {
            let mut c = Command::new(program);
            c.args(args);
            c
        }
    };
    let data_arg = data.to_str().ok_or("temporary folder is not UTF-8")?;
    let initdb = run(
        &bin.join("initdb"),
        &[
            "-D", data_arg, "-A", "trust", "-U", "postgres", "-E", "UTF8",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .output()
    .map_err(|e| format!("initdb: {e}"))?;
    if !initdb.status.success() {
        return Err(format!(
            "initdb: {}",
            String::from_utf8_lossy(&initdb.stderr)
        ));
    }
    let port = free_port()?;
    let port_text = port.to_string();
    // The server, and a watchdog that stops it (and removes the folder) once
    // this test process is gone (looked up in /proc: `kill -0` is refused
    // across users when the server runs as `postgres`).
    let script = format!(
        "{postgres} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400 >{dir}/log 2>&1 &\n\
         pg=$!\n\
         while [ -d /proc/{parent} ] && kill -0 $pg 2>/dev/null; do sleep 1; done\n\
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf {dir}\n",
        postgres = bin.join("postgres").display(),
        data = data_arg,
        port = port_text,
        dir = dir.display(),
        parent = std::process::id(),
    );
    run(Path::new("/bin/sh"), &["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("postgres: {e}"))?;
    let base = format!("postgres://postgres@127.0.0.1:{port}");
    let admin_url = format!("{base}/postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if postgres::Client::connect(&admin_url, postgres::NoTls).is_ok() {
            return Ok(Some(TestServer { base, admin_url }));
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            return Err(format!("the server did not start within 30 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The folder of `initdb` and `postgres`: `pg_config --bindir`, else the
/// newest `/usr/lib/postgresql/*/bin`.
fn binaries() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .collect();
    candidates.sort();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        candidates.push(PathBuf::from(
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        ));
    }
    candidates
        .into_iter()
        .rev()
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
