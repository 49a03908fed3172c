//! `zatca device register|csid|status|renew|show|list`: the device lifecycle
//! over the embedded store. `register`, `csid` and `renew` talk to the Fatoora
//! chosen with `--fatoora` ([`super::fatoora`]): the offline simulator by
//! default, a ZATCA gateway, or any URL such as `zatca simulator serve`.
//!
//! The in-process simulator's state (its CA keys and what it issued) lives in
//! `<store>/simulator/<env>/`, so separate invocations share one simulated ZATCA.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use zatca_onboarding::{
    ActivityAnswer, ActivityId, AnswerStatus, DeviceId, DeviceView, ErrorEntry, Onboarding,
    OnboardingError, Options, RenewKey, Store, UblSamples, UnixTime,
};
use zatca_profile::{Environment, Otp, RequestInput};

use super::fatoora::{FatooraChoice, Transport};
use crate::exit::{CliError, Code};

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
    /// List the devices in the store.
    List,
}

/// The clock: the CLI reads it, the library never does.
pub fn now() -> UnixTime {
    UnixTime::from_secs(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
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

/// The exit code for an answer's first error code (table in the onboarding crate docs).
pub fn exit_code(entries: &[ErrorEntry]) -> Code {
    let Some(first) = entries.first() else {
        return Code::Refused;
    };
    let c = first.error_code.as_str();
    if c.starts_with("ZP") || matches!(c, "ZO001" | "ZO002" | "ZO003" | "ZO004" | "ZO005" | "ZO042")
    {
        Code::Invalid
    } else if matches!(c, "ZO010" | "ZO011") {
        Code::CheckFailed
    } else if matches!(c, "ZO040" | "ZO041") {
        Code::Io
    } else {
        Code::Refused
    }
}

/// The environment variable holding the passphrase that encrypts device keys at rest.
pub const KEY_PASSPHRASE_VAR: &str = "ZATCA_KEY_PASSPHRASE";

/// Opens the store at `dir`; with `ZATCA_KEY_PASSPHRASE` set (and not empty),
/// device keys are written as encrypted PKCS#8 and read with it.
pub fn open_store(dir: &Path) -> Result<Store, CliError> {
    let store = Store::open(dir)?;
    Ok(match std::env::var_os(KEY_PASSPHRASE_VAR) {
        Some(p) if !p.is_empty() => {
            store.with_key_passphrase(zeroize::Zeroizing::new(p.into_encoded_bytes()))
        }
        _ => store,
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

fn print_errors(entries: &[ErrorEntry]) {
    for e in entries {
        let source = match e.error_source {
            zatca_onboarding::ErrorSource::Local => "LOCAL",
            zatca_onboarding::ErrorSource::Zatca => "ZATCA",
        };
        match &e.path {
            Some(p) => eprintln!("  {} [{source}] {p}: {}", e.error_code, e.error_message),
            None => eprintln!("  {} [{source}] {}", e.error_code, e.error_message),
        }
    }
}

/// Reads and parses a request file (at most the profile crate's limit).
pub fn read_request(path: &Path) -> Result<RequestInput, CliError> {
    let bytes = zatca_fs::read_regular(path, zatca_profile::MAX_REQUEST_BYTES, "EGS request")?;
    RequestInput::from_bytes(&bytes).map_err(|e| {
        CliError::new(
            Code::Invalid,
            format!("{}: {}", path.display(), OnboardingError::Invalid(e)),
        )
    })
}

/// The environment of a request: `--env`, else the request's own.
fn request_environment(input: &RequestInput, env: Option<Environment>) -> Option<Environment> {
    env.or_else(|| {
        input
            .get(zatca_profile::Field::Environment)
            .and_then(|e| e.parse().ok())
    })
}

/// Registers (and with an OTP, onboards) a device; prints the answer.
pub fn register(
    dir: &Path,
    input: RequestInput,
    env: Option<Environment>,
    otp: Option<Otp>,
    json: bool,
    fatoora: &FatooraChoice,
) -> Result<Option<DeviceId>, CliError> {
    let now = now();
    // A named gateway fixes the environment when neither --env nor the request does.
    let env = match (env, request_environment(&input, None)) {
        (None, None) => fatoora.environment(),
        _ => env,
    };
    // Without any environment the lifecycle's validation reports ZP061; the
    // simulator needs one to start, so use development only to reach that report.
    let sim_env = request_environment(&input, env).unwrap_or(Environment::Development);
    let ob = lifecycle(dir, sim_env, now, fatoora)?;
    let answer = ob.register(input, env, otp, now);
    if json {
        print_json(&answer)?;
    } else {
        let existed = answer.error_list.iter().any(|e| e.error_code == "6002");
        match (&answer.status, &answer.device_id) {
            (AnswerStatus::Generated, Some(id)) if existed => {
                println!("device {id} was registered already (warning 6002 below)")
            }
            (AnswerStatus::Generated, Some(id)) => println!("device {id} registered"),
            (_, Some(id)) => println!("device {id} registered; CSID generation FAILED"),
            _ => println!("registration FAILED"),
        }
        if let Some(a) = &answer.pcsid_generation_activity_id {
            println!("activity {a}");
        }
        print_errors(&answer.error_list);
    }
    if answer.status == AnswerStatus::Failed {
        return Err(CliError::printed(exit_code(&answer.error_list)));
    }
    Ok(answer.device_id)
}

fn parse_device(id: &str) -> Result<DeviceId, CliError> {
    Ok(id.parse::<DeviceId>()?)
}

fn print_activity_answer(answer: &ActivityAnswer, json: bool, what: &str) -> Result<(), CliError> {
    if json {
        print_json(answer)?;
    } else {
        let id = answer
            .pcsid_generation_activity_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(|| "-".to_owned());
        println!("{what}: {:?} (activity {id})", answer.status);
        print_errors(&answer.error_list);
        print_ambiguity_hint(&answer.error_list, answer.device_id.as_ref());
    }
    if answer.status == zatca_onboarding::ActivityStatus::Succeeded {
        Ok(())
    } else {
        Err(CliError::printed(exit_code(&answer.error_list)))
    }
}

/// After a failure where ZATCA may have acted (no answer in time, 5xx), says to
/// look at the device before repeating: the client never repeats such a call.
fn print_ambiguity_hint(entries: &[ErrorEntry], device: Option<&DeviceId>) {
    let ambiguous = entries.iter().any(|e| {
        let code = e.error_code.as_str();
        let status = code.strip_prefix("HTTP-").unwrap_or(code);
        code == "Timeout"
            || (status.len() == 3
                && status.starts_with('5')
                && status.bytes().all(|b| b.is_ascii_digit()))
    });
    if ambiguous {
        let device = device.map_or_else(|| "DEVICE_ID".to_owned(), ToString::to_string);
        eprintln!(
            "  hint: ZATCA may or may not have acted on the last request; run `zatca device show {device}` before trying again"
        );
    }
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
    print_activity_answer(
        &ActivityAnswer::from_result(id, &result),
        json,
        "CSID and PCSID",
    )
}

/// Prints a device's view.
pub fn print_view(view: &DeviceView, json: bool) -> Result<(), CliError> {
    if json {
        return print_json(view);
    }
    let r = &view.record;
    println!("device {}", r.device_id);
    println!("  environment:   {}", r.environment.as_str());
    println!("  state:         {}", r.state.name());
    println!("  VAT:           {}", r.vat);
    println!("  EGS serial:    {}", r.egs_serial);
    println!("  common name:   {}", r.common_name);
    println!("  invoice types: {}", r.invoice_types);
    println!("  generation:    {}", r.current.number);
    for (name, csid) in [
        ("compliance CSID", &view.compliance_csid),
        ("production CSID", &view.production_csid),
    ] {
        if let Some(c) = csid {
            println!(
                "  {name}: serial {} issued by {}, valid {} to {}",
                c.serial, c.issuer, c.not_before, c.not_after
            );
        }
    }
    for s in &view.compliance_results {
        println!(
            "  compliance {}: {}{}",
            s.step,
            s.status,
            if s.messages.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.messages.join("; "))
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

/// Runs `zatca device …`.
pub fn run(args: Args) -> Result<(), CliError> {
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
        DeviceCommand::Status { activity_id } => {
            let id = activity_id.parse::<ActivityId>()?;
            let activity = open_store(&dir)?.load_activity(&id)?;
            if json {
                print_json(&activity)?;
            } else {
                println!(
                    "activity {} ({:?}) of device {}: {:?}",
                    activity.activity_id, activity.kind, activity.device_id, activity.status
                );
                println!("  steps: {}", activity.steps.join(", "));
                if let Some(step) = &activity.failed_step {
                    println!("  failed step: {step}");
                }
                for s in activity.compliance_results.iter().filter(|s| !s.passed) {
                    println!("  {} failed: {}", s.step, s.messages.join("; "));
                }
                print_errors(&activity.error_list);
            }
            Ok(())
        }
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
            print_activity_answer(&ActivityAnswer::from_result(&id, &result), json, "renewal")
        }
        DeviceCommand::Show { device_id } => {
            let id = parse_device(&device_id)?;
            let store = open_store(&dir)?;
            let view = zatca_onboarding::show_device(
                &store,
                &id,
                now(),
                Options::default().renewal_window_days,
            )?;
            print_view(&view, json)
        }
        DeviceCommand::List => {
            let store = open_store(&dir)?;
            let views = zatca_onboarding::list_devices(
                &store,
                now(),
                Options::default().renewal_window_days,
            )?;
            if json {
                return print_json(&views);
            }
            if views.is_empty() {
                println!("no devices in {}", dir.display());
            }
            for v in &views {
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
            Ok(())
        }
    }
}
