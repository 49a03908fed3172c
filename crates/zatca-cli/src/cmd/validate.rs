//! `zatca validate REQUEST [--profile sdk|strict] [--json]`: checks an EGS
//! request in any of the three shapes and lists every problem.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::json;
use zatca_profile::{EgsProfile, RequestInput, ValidationErrors, ValidationProfile};
use zeroize::Zeroizing;

use crate::exit::{CliError, Code};

/// Arguments of `zatca validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request: ClearTax register-device JSON, the Device/Organization JSON, or the SDK's csr-config.properties.
    #[arg(value_name = "REQUEST")]
    request: PathBuf,
    /// Validation rules: sdk (what ZATCA's SDK enforces) or strict (ClearTax's tighter rules).
    #[arg(long, default_value = "sdk", value_name = "PROFILE")]
    profile: ValidationProfile,
    /// Print JSON ({"Status":"FAILED","ErrorList":[…]} on failure).
    #[arg(long)]
    json: bool,
}

/// Validates the request; exit 0 when valid, 1 with every error listed otherwise.
pub fn run(args: Args) -> Result<(), CliError> {
    let bytes = read_request(&args.request)?;
    let input = match RequestInput::from_bytes(&bytes) {
        Ok(input) => input,
        Err(errors) => return Err(report_invalid(&args.request, &errors, args.json)),
    };
    match input.validate(args.profile) {
        Ok(profile) => {
            if args.json {
                println!("{:#}", success_json(&profile));
            } else {
                println!(
                    "{}: valid ({} shape, {} profile)",
                    args.request.display(),
                    profile.shape(),
                    profile.validation_profile().as_str()
                );
                print_profile(&profile);
            }
            Ok(())
        }
        Err(errors) => Err(report_invalid(&args.request, &errors, args.json)),
    }
}

/// Reads a request file (it may hold an OTP, so the buffer is wiped after use).
/// At most one byte over the limit is read, so the library reports ZP001.
pub fn read_request(path: &Path) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let io_err = |e: std::io::Error| CliError::new(Code::Io, format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut buf = Zeroizing::new(Vec::new());
    file.take(zatca_profile::MAX_REQUEST_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(io_err)?;
    Ok(buf)
}

/// Prints every error (JSON on stdout, or text on stderr) and returns exit code 1.
pub fn report_invalid(path: &Path, errors: &ValidationErrors, as_json: bool) -> CliError {
    if as_json {
        println!("{:#}", errors.to_json());
    } else {
        eprintln!("{}: {errors}", path.display());
    }
    CliError::printed(Code::Invalid)
}

/// The success document: `{"Status":"SUCCESS","Profile":{…}}`.
pub fn success_json(profile: &EgsProfile) -> serde_json::Value {
    json!({ "Status": "SUCCESS", "Profile": profile })
}

/// The profile's values, one per line.
pub fn print_profile(p: &EgsProfile) {
    let derived = if p.common_name_derived() {
        " (derived)"
    } else {
        ""
    };
    println!(
        "  CN  common name:     {}{derived}",
        p.common_name().as_str()
    );
    println!("  O   organization:    {}", p.organization_name().as_str());
    println!("  OU  unit:            {}", p.organization_unit().as_str());
    println!("  C   country:         {}", p.country().as_str());
    println!("  SN  EGS serial:      {}", p.egs_serial().as_str());
    println!(
        "  UID VAT:             {}{}",
        p.vat().as_str(),
        if p.vat().is_group() {
            " (VAT group)"
        } else {
            ""
        }
    );
    let t = p.invoice_types();
    println!(
        "  title invoice types: {} (standard {}, simplified {})",
        t.as_str(),
        yes_no(t.standard()),
        yes_no(t.simplified())
    );
    println!("  registeredAddress:   {}", p.location().as_str());
    println!("  businessCategory:    {}", p.industry().as_str());
    match p.environment() {
        Some(e) => println!(
            "  environment:         {} (template {})",
            e.as_str(),
            e.template_name()
        ),
        None => println!("  environment:         not given (a CSR needs --env or Environment)"),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
