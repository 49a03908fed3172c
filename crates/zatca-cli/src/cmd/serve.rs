//! `zatca serve`: the onboarding service (ClearTax's seed APIs over HTTP,
//! `zatca-service`) and its offline administration against the same `--db`:
//! `zatca serve vat add|list`, `zatca serve user add|list|revoke`, and its
//! master key: `zatca serve init`, `zatca serve rotate-master-key`.
//!
//! The first stdout line is `listening on http://HOST:PORT` (port 0 picks a
//! free port). Logs go to stderr, one structured line per request and per
//! finished activity (`--log-format text|json`); they never hold a token, a
//! key, a secret or an OTP. SIGINT or SIGTERM stops accepting, lets the
//! requests in hand finish, gives the running activities a bounded time and
//! leaves the others `IN_PROGRESS` for the next start to resume.
//!
//! `--db` is an SQLite file (created on first start) or a PostgreSQL
//! database, `postgres://USER@HOST:PORT/DB` or `postgresql://…`, the
//! password in the URL or in `PGPASSWORD` (never logged), that several
//! instances share (`zatca-store-postgres`): every admin command works
//! against either. On PostgreSQL, activities are leased for
//! `--lease-seconds` (default 30) and renewed while they run; an instance
//! takes over the activities whose lease expired (another instance died),
//! checking every half lease. `--db-pool N` bounds its connections.
//!
//! `POST /devices` (the other provider's synchronous register call) completes
//! a plain `egsSerialNumber` (one not already `1-…|2-…|3-…`) as
//! `1-<solution>|2-<model>|3-<serial>`: `--egs-solution NAME` (default
//! `zatca`) and `--egs-model MODEL` (default this release's version).
//!
//! `--tls-cert CHAIN.pem --tls-key KEY.pem` (both or neither) serves HTTPS
//! (TLS 1.3 and 1.2, rustls): the first line is then `listening on
//! https://HOST:PORT`, and the files are checked before anything else starts
//! (a missing file, one without a certificate or key, a key of another
//! certificate or of an unsupported type is refused naming the file).
//! Listening on a non-loopback address needs `--allow-remote`, TLS or not;
//! without TLS a warning says that a reverse proxy must terminate TLS in
//! front of the service.
//!
//! The devices' private keys and CSID secrets are sealed in the database
//! under a master key (`zatca-store-sqlite`, "Secrets at rest"), mandatory
//! for `zatca serve` and every command on its `--db`: `--master-key-file
//! FILE` (64 hex characters and a newline, readable by its owner only), else
//! the `ZATCA_MASTER_KEY` variable (the same 64 hex characters); the flag
//! wins when both are given. `zatca serve init --master-key-file FILE`
//! creates the file (mode 0600) and never overwrites one. A missing key, an
//! unreadable or group-readable file, or a key other than the database's is
//! refused naming the file or the variable, before anything is changed. The
//! first start with a key seals a database whose secrets are still in clear.
//! `zatca serve rotate-master-key --new-master-key-file NEW` (else
//! `ZATCA_NEW_MASTER_KEY`) re-seals every secret under the new key in one
//! transaction; stop the service first, and keep the old file until the new
//! one is backed up.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zatca_store_postgres::{PoolConfig, PostgresStore};
use zatca_store_sqlite::SqliteStore;

use zatca_onboarding::{DeviceStore, Options};
use zatca_profile::{Environment, Vat};
use zatca_service::{Config, Service, SharedFatoora};
use zatca_simulator::{Simulator, SimulatorConfig, UblDocumentChecker};
use zatca_store::{Accounts, MasterKey, MasterKeyError, Role};

use super::device;
use super::fatoora::FatooraChoice;
use crate::exit::{CliError, Code};

/// How long a stop waits for the running activities.
const ACTIVITY_GRACE: Duration = Duration::from_secs(10);

/// Arguments of `zatca serve`.
#[derive(Debug, clap::Args)]
#[command(subcommand_negates_reqs = true)]
pub struct Args {
    /// The service's database (created on first start).
    #[arg(long, value_name = "PATH", global = true)]
    db: Option<PathBuf>,
    /// The master key the database's keys and CSID secrets are sealed under: a file of 64 hex characters, mode 0600 (default: the ZATCA_MASTER_KEY variable).
    #[arg(long, value_name = "FILE", global = true)]
    master_key_file: Option<PathBuf>,
    #[command(flatten)]
    server: ServerArgs,
    #[command(subcommand)]
    command: Option<AdminCommand>,
}

#[derive(Debug, clap::Args)]
struct ServerArgs {
    /// The address to listen on (port 0 picks a free port, printed first).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The environment devices are registered in (default: the one --fatoora fixes, else development).
    #[arg(long, value_name = "ENV")]
    env: Option<Environment>,
    /// Where the Fatoora calls go: sim (the offline simulator, in-process), developer-portal, simulation, production or a URL.
    #[arg(long, value_name = "WHERE", default_value = "sim")]
    fatoora: FatooraChoice,
    /// The path the routes are served under, e.g. /middle-east/ksa/einvoicing (default: none).
    #[arg(long, value_name = "PATH", default_value = "")]
    base_path: String,
    /// Allow listening on a non-loopback address (with --tls-cert/--tls-key, or behind a reverse proxy that terminates TLS).
    #[arg(long)]
    allow_remote: bool,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM, unencrypted: ECDSA P-256/P-384, Ed25519 or RSA).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The log format on stderr.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// Part 1 of the EGS serial `POST /devices` completes a plain `egsSerialNumber` with: 1-<solution>|2-<model>|3-<serial>.
    #[arg(long, value_name = "NAME", default_value = zatca_service::DEFAULT_EGS_SOLUTION)]
    egs_solution: String,
    /// Part 2 of that EGS serial (default: this product's version).
    #[arg(long, value_name = "MODEL", default_value = zatca_service::DEFAULT_EGS_MODEL)]
    egs_model: String,
    /// Where the in-process simulator (--fatoora sim) keeps its state, one folder per environment (default: beside an SQLite --db; in memory for PostgreSQL; instances given the same folder share one simulated ZATCA). Several instances share one ZATCA: run `zatca simulator serve` and pass its URL to --fatoora.
    #[arg(long, value_name = "DIR")]
    simulator_state: Option<PathBuf>,
    /// PostgreSQL: the most connections this instance opens for statements (another as many for device locks, four times this).
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
    db_pool: u32,
    /// PostgreSQL: how long an activity's lease lasts; an instance that dies has its activities taken over by another this long after its last renewal.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(3..=3600))]
    lease_seconds: u64,
    /// Worker threads running the background activities.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,
}

#[derive(Debug, clap::Subcommand)]
enum AdminCommand {
    /// Create the master key file (--master-key-file, mode 0600); an existing file is never overwritten.
    Init,
    /// Re-seal every key and CSID secret of --db under a new master key, in one transaction (stop the service first).
    RotateMasterKey {
        /// The new master key file (made with `zatca serve init`; default: the ZATCA_NEW_MASTER_KEY variable).
        #[arg(long, value_name = "FILE")]
        new_master_key_file: Option<PathBuf>,
    },
    /// The VATs the service serves.
    Vat {
        #[command(subcommand)]
        command: VatCommand,
    },
    /// The service's users and their tokens.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, clap::Subcommand)]
enum VatCommand {
    /// Add a VAT (again: update its name and group).
    Add {
        /// The VAT (15 digits, starting and ending with 3).
        vat: String,
        /// A display name.
        #[arg(long)]
        name: Option<String>,
        /// The group VAT it is a member of (added first).
        #[arg(long, value_name = "GROUPVAT")]
        group: Option<String>,
    },
    /// List the VATs.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
enum UserCommand {
    /// Add a user and print its token, once.
    Add {
        /// The user's name.
        name: String,
        /// A VAT the user acts for (repeatable).
        #[arg(long = "vat", value_name = "VAT", required = true)]
        vats: Vec<String>,
        /// admin (register, generate, renew, read) or viewer (read).
        #[arg(long, value_parser = ["admin", "viewer"])]
        role: String,
        /// JSON output: {"User":…, "Token":…}.
        #[arg(long)]
        json: bool,
    },
    /// List the users (never their tokens).
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a user's token.
    Revoke {
        /// The user's name.
        name: String,
    },
}

/// The database behind `--db`: an SQLite file, or a PostgreSQL database
/// (`postgres://…`, `postgresql://…`) several instances may share. Each is
/// both the device store and the accounts.
enum Db {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// The variable holding the PostgreSQL password when the URL has none.
pub const PASSWORD_VAR: &str = "PGPASSWORD";

/// The variable holding the master key when `--master-key-file` is not given.
pub const MASTER_KEY_VAR: &str = "ZATCA_MASTER_KEY";

/// The variable holding the new master key of `rotate-master-key`.
pub const NEW_MASTER_KEY_VAR: &str = "ZATCA_NEW_MASTER_KEY";

fn key_error(e: &MasterKeyError) -> CliError {
    CliError::new(Code::Invalid, format!("master key {e}"))
}

/// The master key from `file`, else from the variable `var`; `flag` names
/// both in the error when neither is given.
fn master_key(file: Option<&Path>, var: &str, flag: &str) -> Result<MasterKey, CliError> {
    if let Some(file) = file {
        return MasterKey::from_file(file).map_err(|e| key_error(&e));
    }
    match std::env::var(var).map(zeroize::Zeroizing::new) {
        Ok(text) if !text.is_empty() => MasterKey::from_hex(&text, var).map_err(|e| key_error(&e)),
        _ => Err(CliError::new(
            Code::Invalid,
            format!(
                "a master key is required: pass {flag} FILE (create one with `zatca serve init --master-key-file FILE`) or set {var} to its 64 hex characters"
            ),
        )),
    }
}

fn store_error(e: &zatca_store_sqlite::StoreError) -> CliError {
    let code = match e {
        zatca_store_sqlite::StoreError::Io { .. } => Code::Io,
        _ => Code::Invalid,
    };
    CliError::new(code, format!("--db: {e}"))
}

/// Opens `--db`: an SQLite file (created on first start, 0600, migrated)
/// or a PostgreSQL database (migrated), its secrets sealed under the master key.
fn open_db(db: &Path, key_file: Option<&Path>, pool: &PoolConfig) -> Result<Db, CliError> {
    let key = master_key(key_file, MASTER_KEY_VAR, "--master-key-file")?;
    match postgres_url(db) {
        Some(url) => {
            let password = std::env::var(PASSWORD_VAR)
                .ok()
                .map(zeroize::Zeroizing::new);
            PostgresStore::open(url, password.as_deref().map(String::as_str), &key, pool)
                .map(Db::Postgres)
                .map_err(|e| pg_error(&e))
        }
        None => SqliteStore::open_with_master_key(db, &key)
            .map(Db::Sqlite)
            .map_err(|e| store_error(&e)),
    }
}

/// `--db` as a PostgreSQL URL, if it is one.
fn postgres_url(db: &Path) -> Option<&str> {
    db.to_str()
        .filter(|text| zatca_store_postgres::is_postgres_url(text))
}

fn pg_error(e: &zatca_store_postgres::PgStoreError) -> CliError {
    let code = if e.is_unavailable() {
        Code::Io
    } else {
        Code::Invalid
    };
    CliError::new(code, format!("--db {e}"))
}

/// Where the in-process simulator keeps its CA keys and what it issued: beside the database.
fn simulator_dir(db: &Path, environment: Environment) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".simulator");
    db.with_file_name(name).join(environment.as_str())
}

/// The pools of a PostgreSQL `--db` for the admin commands: small.
fn admin_pool() -> PoolConfig {
    PoolConfig {
        max_connections: 2,
        max_lock_connections: 2,
        ..PoolConfig::default()
    }
}

fn accounts_error(e: impl std::fmt::Display) -> CliError {
    CliError::new(Code::Invalid, e.to_string())
}

fn parse_vat(text: &str, what: &str) -> Result<Vat, CliError> {
    Vat::parse(text).map_err(|e| CliError::new(Code::Invalid, format!("{what}: {}", e.message)))
}

/// Runs `zatca serve …`.
pub fn run(args: Args) -> Result<(), CliError> {
    let key_file = args.master_key_file.as_deref();
    if let Some(AdminCommand::Init) = args.command {
        return init(key_file);
    }
    let Some(db) = args.db.as_deref() else {
        return Err(CliError::new(
            Code::Invalid,
            "--db PATH is required: the service's database",
        ));
    };
    match args.command {
        Some(AdminCommand::Init) => init(key_file),
        Some(AdminCommand::RotateMasterKey {
            new_master_key_file,
        }) => rotate(db, key_file, new_master_key_file.as_deref()),
        Some(AdminCommand::Vat { command }) => vat(db, key_file, command),
        Some(AdminCommand::User { command }) => user(db, key_file, command),
        None => serve(db, key_file, args.server),
    }
}

fn init(key_file: Option<&Path>) -> Result<(), CliError> {
    let Some(file) = key_file else {
        return Err(CliError::new(
            Code::Invalid,
            "--master-key-file FILE is required: where to create the master key",
        ));
    };
    MasterKey::create_file(file)
        .map_err(|e| CliError::new(Code::Io, format!("--master-key-file {e}")))?;
    println!("created master key file {}", file.display());
    eprintln!(
        "keep a copy of it apart from the database: without it the keys and CSID secrets in the database cannot be read"
    );
    Ok(())
}

fn rotate(db: &Path, old_file: Option<&Path>, new_file: Option<&Path>) -> Result<(), CliError> {
    let old = master_key(old_file, MASTER_KEY_VAR, "--master-key-file")?;
    let new = master_key(new_file, NEW_MASTER_KEY_VAR, "--new-master-key-file")?;
    let count = match postgres_url(db) {
        Some(url) => {
            let password = std::env::var(PASSWORD_VAR)
                .ok()
                .map(zeroize::Zeroizing::new);
            PostgresStore::open(
                url,
                password.as_deref().map(String::as_str),
                &old,
                &admin_pool(),
            )
            .and_then(|store| store.rotate_master_key(&new))
            .map_err(|e| pg_error(&e))?
        }
        None => SqliteStore::rotate_master_key(db, &old, &new).map_err(|e| store_error(&e))?,
    };
    println!(
        "re-sealed {count} secrets of {} under the master key from {}",
        db.display(),
        new.source()
    );
    Ok(())
}

fn vat(db: &Path, key_file: Option<&Path>, command: VatCommand) -> Result<(), CliError> {
    match open_db(db, key_file, &admin_pool())? {
        Db::Sqlite(store) => vat_with(&store, command),
        Db::Postgres(store) => vat_with(&store, command),
    }
}

fn vat_with<A: Accounts>(accounts: &A, command: VatCommand) -> Result<(), CliError> {
    match command {
        VatCommand::Add { vat, name, group } => {
            let vat = parse_vat(&vat, "VAT")?;
            let group = group.map(|g| parse_vat(&g, "--group")).transpose()?;
            accounts
                .add_vat(&vat, name.as_deref(), group.as_ref())
                .map_err(accounts_error)?;
            println!("added VAT {}", vat.as_str());
        }
        VatCommand::List { json } => {
            let vats = accounts.list_vats().map_err(accounts_error)?;
            if json {
                let rows: Vec<_> = vats
                    .iter()
                    .map(|v| {
                        serde_json::json!({
                            "Vat": v.vat.as_str(),
                            "Name": v.name,
                            "Group": v.group.as_ref().map(Vat::as_str),
                        })
                    })
                    .collect();
                println!("{}", serde_json::json!({ "Vats": rows }));
            } else {
                for v in &vats {
                    let group = v
                        .group
                        .as_ref()
                        .map(|g| format!(" (member of {})", g.as_str()))
                        .unwrap_or_default();
                    println!(
                        "{} {}{group}",
                        v.vat.as_str(),
                        v.name.as_deref().unwrap_or("-")
                    );
                }
            }
        }
    }
    Ok(())
}

fn user_json(user: &zatca_store::User) -> serde_json::Value {
    serde_json::json!({
        "Name": user.name,
        "Role": user.role.as_str(),
        "Vats": user.vats.iter().map(Vat::as_str).collect::<Vec<_>>(),
        "Revoked": user.revoked,
    })
}

fn user(db: &Path, key_file: Option<&Path>, command: UserCommand) -> Result<(), CliError> {
    match open_db(db, key_file, &admin_pool())? {
        Db::Sqlite(store) => user_with(&store, command),
        Db::Postgres(store) => user_with(&store, command),
    }
}

fn user_with<A: Accounts>(accounts: &A, command: UserCommand) -> Result<(), CliError> {
    match command {
        UserCommand::Add {
            name,
            vats,
            role,
            json,
        } => {
            let role = if role == "admin" {
                Role::Admin
            } else {
                Role::Viewer
            };
            let vats = vats
                .iter()
                .map(|v| parse_vat(v, "--vat"))
                .collect::<Result<Vec<_>, _>>()?;
            let token = accounts
                .add_user(&name, role, &vats)
                .map_err(accounts_error)?;
            let user = zatca_store::User {
                name,
                role,
                vats,
                revoked: false,
            };
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "User": user_json(&user), "Token": token.expose() })
                );
            } else {
                println!("added user {} ({})", user.name, user.role);
                println!("token: {}", token.expose());
                eprintln!("the token is shown only now: keep it");
            }
        }
        UserCommand::List { json } => {
            let users = accounts.list_users().map_err(accounts_error)?;
            if json {
                let rows: Vec<_> = users.iter().map(user_json).collect();
                println!("{}", serde_json::json!({ "Users": rows }));
            } else {
                for u in &users {
                    let vats: Vec<&str> = u.vats.iter().map(Vat::as_str).collect();
                    let revoked = if u.revoked { " (revoked)" } else { "" };
                    println!("{} {} {}{revoked}", u.name, u.role, vats.join(","));
                }
            }
        }
        UserCommand::Revoke { name } => {
            if accounts.revoke_user(&name).map_err(accounts_error)? {
                println!("revoked {name}");
            } else {
                return Err(CliError::new(
                    Code::Invalid,
                    format!("no user named {name:?}"),
                ));
            }
        }
    }
    Ok(())
}

fn open_fatoora(
    choice: &FatooraChoice,
    state_dir: Option<PathBuf>,
    environment: Environment,
) -> Result<SharedFatoora, CliError> {
    choice.check_environment(environment)?;
    let url = match choice {
        FatooraChoice::Sim => {
            let config = SimulatorConfig {
                state_dir,
                ..SimulatorConfig::for_environment(environment, device::now().as_secs())
            };
            let simulator = Simulator::new(config)
                .map_err(|e| CliError::new(Code::Io, e.to_string()))?
                .with_document_checker(Box::new(UblDocumentChecker));
            return Ok(Box::new(simulator));
        }
        FatooraChoice::Endpoint(e) => zatca_http::BaseUrl::from(*e),
        FatooraChoice::Url(u) => u.clone(),
    };
    let client = zatca_http::HttpFatoora::new(zatca_http::ClientConfig::new(url))
        .map_err(|e| CliError::new(Code::Invalid, e.to_string()))?;
    Ok(Box::new(client))
}

fn init_logs(format: &str) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(true);
    // A second subscriber cannot be set; the first one stays.
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Reads and checks `--tls-cert` and `--tls-key` (clap makes them come together).
fn load_tls(args: &ServerArgs) -> Result<Option<zatca_http::tls::TlsConfig>, CliError> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else {
        return Ok(None);
    };
    zatca_http::tls::TlsConfig::from_pem_files(cert, key)
        .map(Some)
        .map_err(|e| {
            use zatca_http::tls::TlsError as T;
            let flag = match &e {
                // It names the file and what it should hold.
                T::File(e) => return CliError::from(e.clone()),
                T::NoCertificate { .. } | T::BadCertificate { .. } => "--tls-cert",
                T::NoPrivateKey { .. } | T::UnsupportedKey { .. } | T::KeyMismatch { .. } => {
                    "--tls-key"
                }
                _ => "--tls-cert/--tls-key",
            };
            CliError::new(Code::Invalid, format!("{flag} {e}"))
        })
}

fn serve(db: &Path, key_file: Option<&Path>, args: ServerArgs) -> Result<(), CliError> {
    let tls = load_tls(&args)?;
    if !args.listen.ip().is_loopback() {
        if !args.allow_remote {
            let how = if tls.is_some() {
                "add --allow-remote to serve HTTPS to other hosts"
            } else {
                "the service would speak plain HTTP and tokens travel in its headers: add --allow-remote, with --tls-cert/--tls-key or behind a reverse proxy that terminates TLS"
            };
            return Err(CliError::new(
                Code::Invalid,
                format!("--listen {}: not a loopback address; {how}", args.listen),
            ));
        }
        if tls.is_none() {
            eprintln!(
                "warning: listening on {} over plain HTTP: a reverse proxy must terminate TLS in front of it, or tokens and OTPs cross the network in clear",
                args.listen
            );
        }
    }
    let base_path = zatca_service::normalize_base_path(&args.base_path)
        .map_err(|e| CliError::new(Code::Invalid, format!("--base-path: {e}")))?;
    for (flag, value) in [
        ("--egs-solution", &args.egs_solution),
        ("--egs-model", &args.egs_model),
    ] {
        zatca_service::check_egs_part(flag, value).map_err(|e| CliError::new(Code::Invalid, e))?;
    }
    let environment = args
        .env
        .or_else(|| args.fatoora.environment())
        .unwrap_or(Environment::Development);
    init_logs(&args.log_format);
    let workers = usize::from(args.workers);
    let lease_ttl = Duration::from_secs(args.lease_seconds);
    let pool = PoolConfig {
        max_connections: args.db_pool,
        max_lock_connections: args.db_pool.saturating_mul(4),
        start_reservation: lease_ttl,
        ..PoolConfig::default()
    };
    let opened = open_db(db, key_file, &pool)?;
    let shared = matches!(opened, Db::Postgres(_));
    // One folder per environment, as beside an SQLite --db.
    let state_dir = args
        .simulator_state
        .as_ref()
        .map(|dir| dir.join(environment.as_str()))
        .or_else(|| (!shared).then(|| simulator_dir(db, environment)));
    let fatoora = open_fatoora(&args.fatoora, state_dir, environment)?;
    let config = Config {
        base_path,
        workers,
        options: Options::default(),
        egs_solution: args.egs_solution.clone(),
        egs_model: args.egs_model.clone(),
        lease_ttl,
        // Another instance's activities are taken over once their lease expired.
        takeover_interval: shared.then(|| lease_ttl / 2),
        ..Config::new(environment)
    };
    match opened {
        Db::Sqlite(store) => {
            run_service(store.clone(), store, fatoora, config, &args, tls.as_ref())
        }
        Db::Postgres(store) => {
            run_service(store.clone(), store, fatoora, config, &args, tls.as_ref())
        }
    }
}

/// Serves until SIGINT or SIGTERM, then stops in order.
fn run_service<D, A>(
    store: D,
    accounts: A,
    fatoora: SharedFatoora,
    config: Config,
    args: &ServerArgs,
    tls: Option<&zatca_http::tls::TlsConfig>,
) -> Result<(), CliError>
where
    D: DeviceStore + Send + Sync + 'static,
    A: Accounts + Send + Sync + 'static,
{
    let environment = config.environment;
    let service = Service::new(store, accounts, fatoora, config)
        .map_err(|e| CliError::new(Code::Io, format!("the worker threads could not start: {e}")))?;
    service.start_takeover().map_err(|e| {
        CliError::new(
            Code::Io,
            format!("the takeover thread could not start: {e}"),
        )
    })?;
    let resumed = service.resume_interrupted()?;
    if !resumed.is_empty() {
        tracing::info!(
            target: "zatca_service::activity",
            count = resumed.len(),
            "resuming interrupted activities"
        );
    }
    let listener = std::net::TcpListener::bind(args.listen)
        .map_err(|e| CliError::new(Code::Io, format!("--listen {}: {e}", args.listen)))?;
    let stopper = zatca_http::Stopper::new();
    let limits = zatca_http::Limits::default();
    let (running, scheme) = match tls {
        Some(tls) => (
            zatca_http::serve::start_tls(listener, service.router(), limits, stopper.clone(), tls)?,
            "https",
        ),
        None => (
            zatca_http::serve::start(listener, service.router(), limits, stopper.clone())?,
            "http",
        ),
    };
    println!("listening on {scheme}://{}", running.local_addr());
    eprintln!(
        "serving {} devices ({}); stop with Ctrl-C or SIGTERM",
        environment.as_str(),
        args.fatoora.describe(environment)
    );
    wait_for_signal()?;
    tracing::info!(target: "zatca_service::http", "stopping: no new connections");
    running.stop();
    if !service.shutdown(ACTIVITY_GRACE) {
        tracing::warn!(
            target: "zatca_service::activity",
            "activities still running are left IN_PROGRESS; the next start resumes them"
        );
    }
    Ok(())
}

/// Waits for SIGINT or SIGTERM.
fn wait_for_signal() -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| CliError::new(Code::Io, format!("no signal handling: {e}")))?;
    runtime.block_on(async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| CliError::new(Code::Io, format!("no SIGTERM handling: {e}")))?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        Ok(())
    })
}
