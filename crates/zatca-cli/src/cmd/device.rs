//! `zatca device register|csid|status|renew|show|list|chain`: the device lifecycle
//! over the embedded store. `register`, `csid` and `renew` talk to the Fatoora
//! chosen with `--fatoora` ([`super::fatoora`]): the offline simulator by
//! default, a ZATCA gateway, or any URL such as `zatca simulator serve`.
//!
//! The in-process simulator's state (its CA keys and what it issued) lives in
//! `<store>/simulator/<env>/`, so separate invocations share one simulated ZATCA.

use std::path::{Path, PathBuf};

use serde::Serialize;
use zatca_onboarding::{
    Activity, ActivityId, AnswerStatus, CsidAnswer, DeviceId, DeviceStore as _, DeviceView,
    ErrorEntry, KEY_PASSPHRASE_VAR, KeyProtection, Onboarding, OnboardingError, Options,
    PcsidStatusAnswer, RegisterAnswer, Registered, RenewKey, Store, UblSamples, UnixTime,
};
use zatca_profile::{Environment, Otp, RequestInput};
use zeroize::Zeroizing;

use super::fatoora::{FatooraChoice, Transport};
use crate::exit::{CliError, Code};
use crate::term;

/// Arguments of `zatca device`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DeviceCommand,
    #[command(flatten)]
    store: StoreArgs,
}

/// Options every device command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// The store directory (default: $ZATCA_STORE, else $XDG_DATA_HOME/zatca, else ~/.local/share/zatca).
    #[arg(long, value_name = "DIR", global = true)]
    pub store: Option<PathBuf>,
    /// Print the answer as JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Which Fatoora a command talks to.
#[derive(Debug, Clone, clap::Args)]
pub struct FatooraArgs {
    /// sim (the offline simulator), developer-portal, simulation, production
    /// (ZATCA's gateways: the device's environment must match), or an
    /// http(s):// base URL such as a `zatca simulator serve`.
    #[arg(long, value_name = "TARGET", default_value = "sim")]
    pub fatoora: FatooraChoice,
}

#[derive(Debug, clap::Subcommand)]
enum DeviceCommand {
    /// Register a device from a request (ClearTax, other provider or SDK .properties shape).
    Register {
        /// The request file.
        #[arg(value_name = "REQUEST")]
        request: PathBuf,
        /// development, simulation or production (if the request does not say).
        #[arg(long, value_name = "ENV")]
        env: Option<Environment>,
        /// With an OTP, go on to the CSID and PCSID (as ClearTax's register does).
        #[arg(long, value_name = "OTP")]
        otp: Option<String>,
        #[command(flatten)]
        fatoora: FatooraArgs,
    },
    /// Get the compliance CSID, pass the compliance checks, get the production CSID.
    Csid {
        /// The device id.
        #[arg(value_name = "DEVICE_ID")]
        device_id: String,
        /// The OTP from the environment's Fatoora portal.
        #[arg(long, value_name = "OTP")]
        otp: String,
        #[command(flatten)]
        fatoora: FatooraArgs,
    },
    /// The status of a CSID/PCSID activity.
    Status {
        /// The activity id.
        #[arg(value_name = "ACTIVITY_ID")]
        activity_id: String,
    },
    /// Renew the production CSID (new key unless --same-key).
    Renew {
        /// The device id.
        #[arg(value_name = "DEVICE_ID")]
        device_id: String,
        /// The renewal OTP from the environment's Fatoora portal.
        #[arg(long, value_name = "OTP")]
        otp: String,
        /// Keep the current key (a fresh CSR is built either way).
        #[arg(long)]
        same_key: bool,
        #[command(flatten)]
        fatoora: FatooraArgs,
    },
    /// Show a device: state, CSIDs, compliance results, renewal window (no secrets).
    Show {
        /// The device id.
        #[arg(value_name = "DEVICE_ID")]
        device_id: String,
    },
    /// List the devices in the store (a damaged device is reported, the others still listed).
    List,
    /// Show a device's invoice chain head: the last ICV, the ICV and PIH of the
    /// next document, how many documents the chain holds.
    Chain {
        /// The device id.
        #[arg(value_name = "DEVICE_ID")]
        device_id: String,
    },
    /// Re-encrypt every key of the store: with the passphrase in
    /// ZATCA_NEW_KEY_PASSPHRASE, or unencrypted with --remove-passphrase.
    /// The current passphrase (ZATCA_KEY_PASSPHRASE, if the keys are encrypted) must open them.
    Rekey {
        /// Store the keys unencrypted (mode 0600) instead of with a new passphrase.
        #[arg(long)]
        remove_passphrase: bool,
    },
}

/// The clock: the CLI reads it, the library never does.
pub fn now() -> UnixTime {
    UnixTime::from_system_time(std::time::SystemTime::now())
}

/// The store directory from `--store` or the environment.
pub fn store_dir(explicit: Option<&Path>) -> Result<PathBuf, CliError> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| zatca_onboarding::default_store_dir(|k| std::env::var_os(k)))
        .ok_or_else(|| {
            CliError::new(
                Code::Io,
                "no store directory: pass --store DIR or set ZATCA_STORE or HOME",
            )
        })
}

/// The passphrase in `var`, if set and not empty.
fn passphrase_from(var: &str) -> Option<Zeroizing<Vec<u8>>> {
    match std::env::var_os(var) {
        Some(p) if !p.is_empty() => Some(Zeroizing::new(p.into_encoded_bytes())),
        _ => None,
    }
}

/// Opens the store at `dir`; with `ZATCA_KEY_PASSPHRASE` set (and not empty),
/// device keys are written as encrypted PKCS#8 and read with it.
pub fn open_store(dir: &Path) -> Result<Store, CliError> {
    let store = Store::open(dir)?;
    Ok(match passphrase_from(KEY_PASSPHRASE_VAR) {
        Some(p) => store.with_key_passphrase(p),
        None => store,
    })
}

/// The lifecycle for `environment` over the store at `dir`, against `fatoora`
/// (refused before any request when a named gateway serves another environment).
pub fn lifecycle(
    dir: &Path,
    environment: Environment,
    now: UnixTime,
    fatoora: &FatooraChoice,
) -> Result<Onboarding<Transport, UblSamples>, CliError> {
    let store = open_store(dir)?;
    let transport = fatoora.open(dir, environment, now, &store)?;
    Ok(Onboarding::new(
        store,
        transport,
        UblSamples,
        Options::default(),
    ))
}

fn print_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::new(Code::Io, format!("could not write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// The `--json` answer of a command that failed before it had one of its own.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct FailedAnswer<'a> {
    status: AnswerStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_id: Option<&'a DeviceId>,
    error_list: Vec<ErrorEntry>,
}

/// With `--json`, prints the FAILED document of `error` on stdout (once):
/// every `--json` command answers in JSON whatever the failure.
pub fn json_failure(json: bool, device_id: Option<&DeviceId>, error: CliError) -> CliError {
    if !json || error.printed {
        return error;
    }
    let answer = FailedAnswer {
        status: AnswerStatus::Failed,
        device_id,
        error_list: error.answer_entries(),
    };
    match print_json(&answer) {
        Ok(()) => CliError::printed(error.code),
        Err(e) => e,
    }
}

fn print_errors(entries: &[ErrorEntry]) {
    for e in entries {
        let source = match e.error_source {
            zatca_onboarding::ErrorSource::Local => "LOCAL",
            zatca_onboarding::ErrorSource::Zatca => "ZATCA",
        };
        let message = term::escape(&e.error_message);
        match &e.path {
            Some(p) => eprintln!(
                "  {} [{source}] {}: {message}",
                e.error_code,
                term::escape(p)
            ),
            None => eprintln!("  {} [{source}] {message}", e.error_code),
        }
        if let Some(hint) = &e.hint {
            eprintln!("  hint: {}", term::escape(hint));
        }
    }
}

/// Reads and parses a request file (at most the profile crate's limit).
pub fn read_request(path: &Path) -> Result<RequestInput, CliError> {
    let bytes = zatca_fs::read_regular(path, zatca_profile::MAX_REQUEST_BYTES, "EGS request")?;
    RequestInput::from_bytes(&bytes).map_err(|e| {
        let mut error = CliError::new(
            Code::Invalid,
            format!(
                "{}: {}",
                path.display(),
                OnboardingError::Invalid(e.clone())
            ),
        );
        error.entries = OnboardingError::Invalid(e).entries();
        error
    })
}

/// The exit status of a lifecycle result: success, or the error's kind's code.
fn outcome(error: Option<&OnboardingError>) -> Result<(), CliError> {
    match error {
        None => Ok(()),
        Some(e) => Err(CliError::printed(Code::of_kind(e.kind()))),
    }
}

/// Registers (and with an OTP, onboards) a device; prints the answer.
pub fn register(
    dir: &Path,
    mut input: RequestInput,
    env: Option<Environment>,
    otp: Option<Otp>,
    json: bool,
    fatoora: &FatooraChoice,
) -> Result<Registered, CliError> {
    let now = now();
    let options = Options::default();
    let env = zatca_onboarding::registration_environment(&input, env, fatoora.environment());
    let otp = otp.or_else(|| input.take_otp());
    // Validate first: the transport is chosen by the environment the request resolves to.
    let result = match zatca_onboarding::validate_registration(&input, env, &options) {
        Err(e) => Err(e),
        Ok((_, environment)) => {
            lifecycle(dir, environment, now, fatoora)?.register(input, env, otp, now)
        }
    };
    let answer = RegisterAnswer::from_result(&result);
    if json {
        print_json(&answer)?;
    } else {
        match &result {
            Ok(r) if r.registration.existing => println!(
                "device {} was registered already (warning 6002 below)",
                r.registration.device_id
            ),
            Ok(r) if r.succeeded() => println!("device {} registered", r.registration.device_id),
            Ok(r) => println!(
                "device {} registered; CSID generation FAILED",
                r.registration.device_id
            ),
            Err(_) => println!("registration FAILED"),
        }
        if let Some(a) = &answer.pcsid_generation_activity_id {
            println!("activity {a}");
        }
        print_errors(&answer.error_list);
    }
    match result {
        Ok(r) => outcome(r.error()).map(|()| r),
        Err(e) => Err(CliError::printed(Code::of_kind(e.kind()))),
    }
}

fn parse_device(id: &str) -> Result<DeviceId, CliError> {
    id.parse::<DeviceId>()
        .map_err(|e| OnboardingError::from(e).into())
}

fn print_csid_answer(
    id: &DeviceId,
    result: &Result<Activity, OnboardingError>,
    json: bool,
    what: &str,
) -> Result<(), CliError> {
    let answer = CsidAnswer::from_result(id, result);
    if json {
        print_json(&answer)?;
    } else {
        let activity = answer
            .pcsid_generation_activity_id
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string);
        let status = match answer.status {
            AnswerStatus::Generated => "GENERATED",
            AnswerStatus::Failed => "FAILED",
        };
        println!("{what}: {status} (activity {activity})");
        print_errors(&answer.error_list);
    }
    outcome(result.as_ref().err())
}

fn device_environment(dir: &Path, id: &DeviceId) -> Result<Environment, CliError> {
    Ok(open_store(dir)?.load_device(id)?.environment)
}

/// Generates the CSID and PCSID of a device; prints the answer.
pub fn csid(
    dir: &Path,
    id: &DeviceId,
    otp: &Otp,
    json: bool,
    fatoora: &FatooraChoice,
) -> Result<(), CliError> {
    let now = now();
    let ob = lifecycle(dir, device_environment(dir, id)?, now, fatoora)?;
    let result = ob.generate_pcsid(id, otp, now);
    print_csid_answer(id, &result, json, "CSID and PCSID")
}

/// Prints a device's view; every value from outside input is escaped for the terminal.
pub fn print_view(view: &DeviceView, json: bool) -> Result<(), CliError> {
    if json {
        return print_json(view);
    }
    let r = &view.record;
    let e = |s: &str| term::escape(s).into_owned();
    println!("device {}", r.device_id);
    println!("  environment:   {}", r.environment.as_str());
    println!("  state:         {}", r.state.name());
    println!("  VAT:           {}", r.vat);
    println!("  EGS serial:    {}", r.egs_serial);
    println!("  common name:   {}", e(&r.common_name));
    println!("  invoice types: {}", r.invoice_types);
    println!("  generation:    {}", r.current.number);
    for (name, csid) in [
        ("compliance CSID", &view.compliance_csid),
        ("production CSID", &view.production_csid),
    ] {
        if let Some(c) = csid {
            println!(
                "  {name}: serial {} issued by {}, valid {} to {}",
                e(&c.serial),
                e(&c.issuer),
                c.not_before,
                c.not_after
            );
        }
    }
    for s in &view.compliance_results {
        println!(
            "  compliance {}: {}{}",
            s.step,
            e(&s.status),
            if s.messages.is_empty() {
                String::new()
            } else {
                format!(" ({})", e(&s.messages.join("; ")))
            }
        );
    }
    if let Some(plan) = &view.renewal {
        println!(
            "  renewal: expires {} ({} days left){}",
            plan.expires_at,
            plan.days_left,
            if plan.expired {
                ", EXPIRED"
            } else if plan.in_renewal_window {
                ", inside the renewal window: renew now"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// `device status --json`: the seed's pcsid-status answer, with the activity's own record beside it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct StatusJson<'a> {
    #[serde(flatten)]
    answer: PcsidStatusAnswer,
    activity_id: &'a ActivityId,
    device_id: &'a DeviceId,
    kind: zatca_onboarding::ActivityKind,
    compliance_results: &'a [zatca_onboarding::StepResult],
}

fn status(dir: &Path, activity_id: &str, json: bool) -> Result<(), CliError> {
    let id = activity_id
        .parse::<ActivityId>()
        .map_err(|e| CliError::from(OnboardingError::from(e)))?;
    let activity = open_store(dir)?.load_activity(&id)?;
    if json {
        return print_json(&StatusJson {
            answer: PcsidStatusAnswer::of(&activity),
            activity_id: &activity.activity_id,
            device_id: &activity.device_id,
            kind: activity.kind,
            compliance_results: &activity.compliance_results,
        });
    }
    println!(
        "activity {} ({:?}) of device {}: {:?}",
        activity.activity_id, activity.kind, activity.device_id, activity.status
    );
    let steps: Vec<&str> = activity.steps.iter().map(|s| s.name()).collect();
    println!("  steps: {}", steps.join(", "));
    if let Some(step) = &activity.failed_step {
        println!("  failed step: {step}");
    }
    for s in activity.compliance_results.iter().filter(|s| !s.passed) {
        println!(
            "  {} failed: {}",
            s.step,
            term::escape(&s.messages.join("; "))
        );
    }
    print_errors(&activity.error_list);
    Ok(())
}

fn list(dir: &Path, json: bool) -> Result<(), CliError> {
    let store = open_store(dir)?;
    let listing = zatca_onboarding::list_devices(&store, now(), &Options::default())?;
    if json {
        // The readable devices, as always; damaged ones are reported on stderr and in the exit code.
        print_json(&listing.devices)?;
    } else {
        if listing.devices.is_empty() && listing.damaged.is_empty() {
            println!("no devices in {}", dir.display());
        }
        for v in &listing.devices {
            let r = &v.record;
            println!(
                "{}  {:<11}  {:<18}  {}  {}",
                r.device_id,
                r.environment.as_str(),
                r.state.name(),
                r.vat,
                r.egs_serial
            );
        }
    }
    for damaged in &listing.damaged {
        eprintln!("error: {}", term::escape(&damaged.to_string()));
    }
    match listing.damaged.first() {
        None => Ok(()),
        Some(e) => Err(CliError::printed(Code::of_kind(e.kind()))),
    }
}

/// The environment variable holding the new passphrase of `device rekey`.
pub const NEW_KEY_PASSPHRASE_VAR: &str = "ZATCA_NEW_KEY_PASSPHRASE";

fn rekey(dir: &Path, remove: bool, json: bool) -> Result<(), CliError> {
    let new = passphrase_from(NEW_KEY_PASSPHRASE_VAR);
    let new = match (new, remove) {
        (Some(_), true) => {
            return Err(CliError::new(
                Code::Invalid,
                format!(
                    "--remove-passphrase and {NEW_KEY_PASSPHRASE_VAR} contradict each other: give one"
                ),
            ));
        }
        (None, false) => {
            return Err(CliError::new(
                Code::Invalid,
                format!(
                    "set {NEW_KEY_PASSPHRASE_VAR} to the new passphrase (or pass --remove-passphrase to store the keys unencrypted)"
                ),
            ));
        }
        (new, _) => new,
    };
    let report = open_store(dir)?.rekey(new.as_ref().map(|p| p.as_slice()))?;
    let protection = match report.protection {
        KeyProtection::Plaintext => "PLAINTEXT",
        KeyProtection::Passphrase => "PASSPHRASE",
    };
    if json {
        print_json(&serde_json::json!({
            "Status": "SUCCEEDED",
            "Keys": report.keys,
            "KeyProtection": protection,
            "ErrorList": [],
        }))
    } else {
        println!(
            "{} key file(s) rewritten; the store's keys are now {}",
            report.keys,
            match report.protection {
                KeyProtection::Plaintext => "unencrypted",
                KeyProtection::Passphrase => "encrypted with the new passphrase",
            }
        );
        Ok(())
    }
}

/// Runs `zatca device …`.
pub fn run(args: Args) -> Result<(), CliError> {
    let json = args.store.json;
    let device = match &args.command {
        DeviceCommand::Csid { device_id, .. }
        | DeviceCommand::Renew { device_id, .. }
        | DeviceCommand::Show { device_id }
        | DeviceCommand::Chain { device_id } => device_id.parse::<DeviceId>().ok(),
        _ => None,
    };
    run_command(args).map_err(|e| json_failure(json, device.as_ref(), e))
}

fn run_command(args: Args) -> Result<(), CliError> {
    let dir = store_dir(args.store.store.as_deref())?;
    let json = args.store.json;
    match args.command {
        DeviceCommand::Register {
            request,
            env,
            otp,
            fatoora,
        } => {
            let input = read_request(&request)?;
            register(&dir, input, env, otp.map(Otp::new), json, &fatoora.fatoora).map(|_| ())
        }
        DeviceCommand::Csid {
            device_id,
            otp,
            fatoora,
        } => csid(
            &dir,
            &parse_device(&device_id)?,
            &Otp::new(otp),
            json,
            &fatoora.fatoora,
        ),
        DeviceCommand::Status { activity_id } => status(&dir, &activity_id, json),
        DeviceCommand::Renew {
            device_id,
            otp,
            same_key,
            fatoora,
        } => {
            let id = parse_device(&device_id)?;
            let now = now();
            let ob = lifecycle(&dir, device_environment(&dir, &id)?, now, &fatoora.fatoora)?;
            let key = if same_key {
                RenewKey::Same
            } else {
                RenewKey::New
            };
            let result = ob.renew_pcsid(&id, &Otp::new(otp), key, now);
            print_csid_answer(&id, &result, json, "renewal")
        }
        DeviceCommand::Show { device_id } => {
            let id = parse_device(&device_id)?;
            let store = open_store(&dir)?;
            let view = zatca_onboarding::show_device(&store, &id, now(), &Options::default())?;
            print_view(&view, json)
        }
        DeviceCommand::List => list(&dir, json),
        DeviceCommand::Chain { device_id } => {
            let id = parse_device(&device_id)?;
            let store = open_store(&dir)?;
            let view = zatca_onboarding::chain_view(&store, &id)?;
            if json {
                return print_json(&view);
            }
            println!("device {}", view.device_id);
            println!("  last ICV:  {}", view.last_icv);
            println!("  next ICV:  {}", view.next_icv);
            println!("  next PIH:  {}", term::escape(&view.next_pih));
            println!("  documents: {}", view.invoices);
            Ok(())
        }
        DeviceCommand::Rekey { remove_passphrase } => rekey(&dir, remove_passphrase, json),
    }
}
