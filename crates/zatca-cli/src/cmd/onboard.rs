//! `zatca onboard REQUEST --env ENV [--fatoora TARGET]`: the whole lifecycle in
//! one go (register, compliance CSID, compliance checks, production CSID),
//! printing each step, then the device. Against the offline simulator unless
//! `--fatoora` names a ZATCA gateway or a URL.

use std::path::PathBuf;

use zatca_onboarding::{DeviceStore as _, Options, show_device};
use zatca_profile::{Environment, Otp};

use super::device::{self, FatooraArgs, StoreArgs};
use crate::exit::CliError;

/// Arguments of `zatca onboard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request file (ClearTax, other provider or SDK .properties shape).
    #[arg(value_name = "REQUEST")]
    request: PathBuf,
    /// development, simulation or production (the simulator simulates it).
    #[arg(long, value_name = "ENV")]
    env: Environment,
    /// The OTP (default: the request's own, else 123345, the developer portal's documented OTP, in development).
    #[arg(long, value_name = "OTP")]
    otp: Option<String>,
    #[command(flatten)]
    fatoora: FatooraArgs,
    #[command(flatten)]
    store: StoreArgs,
}

/// Runs `zatca onboard`.
pub fn run(args: Args) -> Result<(), CliError> {
    let json = args.store.json;
    onboard(args).map_err(|e| device::json_failure(json, None, e))
}

fn onboard(args: Args) -> Result<(), CliError> {
    let dir = device::store_dir(args.store.store.as_deref())?;
    let json = args.store.json;
    let fatoora = &args.fatoora.fatoora;
    // A named gateway of another environment: refuse before anything is written or sent.
    fatoora.check_environment(args.env)?;
    let mut input = device::read_request(&args.request)?;
    let otp = zatca_onboarding::onboarding_otp(args.env, args.otp.map(Otp::new), &mut input)?;
    if !json {
        println!("1. register the device (key, CSR) in {}", dir.display());
        println!(
            "2. compliance CSID, compliance checks, production CSID ({})",
            fatoora.describe(args.env)
        );
    }
    let registered = device::register(&dir, input, Some(args.env), Some(otp), json, fatoora)?;
    if json {
        return Ok(());
    }
    let store = device::open_store(&dir)?;
    let id = &registered.registration.device_id;
    let view = show_device(&store, id, device::now(), &Options::default())?;
    if let Some(activity) = &view.record.last_activity_id {
        let a = store.load_activity(activity)?;
        for step in &a.steps {
            println!("   {step}: done");
        }
    }
    println!("3. the device:");
    device::print_view(&view, false)
}
