//! `zatca validate REQUEST [--profile sdk|strict] [--json]`: checks an EGS
//! request in any of the three shapes and lists every problem.

use std::path::{Path, PathBuf};

use serde_json::json;
use zatca_profile::{EgsProfile, RequestInput, ValidationErrors, ValidationProfile};
use zeroize::Zeroizing;

use crate::exit::{CliError, Code};
use crate::input::FileArg;
use crate::term::escape;

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
                    escape(&args.request.display().to_string()),
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

/// Reads a request file (it may hold an OTP, so the buffer is wiped after use):
/// a regular file of at most [`zatca_profile::MAX_REQUEST_BYTES`].
pub fn read_request(path: &Path) -> Result<Zeroizing<Vec<u8>>, CliError> {
    FileArg::positional(path).read(zatca_profile::MAX_REQUEST_BYTES, "EGS request")
}

/// Prints every error (JSON on stdout, or text on stderr, one line each with the
/// request's values made safe for a terminal) and returns exit code 1.
pub fn report_invalid(path: &Path, errors: &ValidationErrors, as_json: bool) -> CliError {
    if as_json {
        println!("{:#}", errors.to_json());
    } else {
        let list: Vec<_> = errors.clone().into_iter().collect();
        eprintln!(
            "{}: {} validation error{}",
            escape(&path.display().to_string()),
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        );
        for e in list {
            eprintln!("  {}", escape(&e.to_string()));
        }
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
        escape(p.common_name().as_str())
    );
    println!(
        "  O   organization:    {}",
        escape(p.organization_name().as_str())
    );
    println!(
        "  OU  unit:            {}",
        escape(p.organization_unit().as_str())
    );
    println!("  C   country:         {}", escape(p.country().as_str()));
    println!("  SN  EGS serial:      {}", escape(p.egs_serial().as_str()));
    println!(
        "  UID VAT:             {}{}",
        escape(p.vat().as_str()),
        if p.vat().is_group() {
            " (VAT group)"
        } else {
            ""
        }
    );
    let t = p.invoice_types();
    println!(
        "  title invoice types: {} (standard {}, simplified {})",
        escape(t.as_str()),
        yes_no(t.standard()),
        yes_no(t.simplified())
    );
    println!("  registeredAddress:   {}", escape(p.location().as_str()));
    println!("  businessCategory:    {}", escape(p.industry().as_str()));
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
