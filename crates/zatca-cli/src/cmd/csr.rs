//! `zatca csr REQUEST --key KEY [--env ENV] [--profile sdk|strict] --out FILE
//! [--format pem|der|base64] [--force] [--json]`, and the CSR part of `zatca inspect`.

use std::path::PathBuf;

use serde_json::json;
use zatca_csr::{Csr, CsrError, OutputFormat};
use zatca_fs::WriteOptions;
use zatca_profile::{Environment, RequestInput, ValidateOptions, ValidationProfile};

use crate::cmd::validate::{print_profile, read_request, report_invalid};
use crate::exit::{CliError, Code};
use crate::input::FileArg;
use crate::term::escape;

/// Arguments of `zatca csr`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request (any of the three shapes; see `zatca validate`).
    #[arg(value_name = "REQUEST")]
    request: PathBuf,
    /// The secp256k1 private key (SEC1 or PKCS#8; PEM, DER or the SDK's bare base64;
    /// encrypted PKCS#8 is read with ZATCA_KEY_PASSPHRASE).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// development (developer portal), simulation or production. Required unless the
    /// request names its Environment; must agree with it when both are given.
    #[arg(long, value_name = "ENV")]
    env: Option<Environment>,
    /// Validation rules: sdk or strict.
    #[arg(long, default_value = "sdk", value_name = "PROFILE")]
    profile: ValidationProfile,
    /// Where to write the CSR (never overwritten without --force).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// pem, der, or base64 (base64 of the PEM text: the value of ZATCA's `csr` field).
    #[arg(long, default_value = "pem", value_name = "FORMAT")]
    format: OutputFormat,
    /// Replace FILE if it is a regular file. A symbolic link is replaced, not
    /// written through; a device, FIFO, socket or directory is never replaced.
    #[arg(long)]
    force: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Validates the request, builds and signs the CSR, writes it. Writes nothing
/// when the request, the environment or the key is not right.
pub fn run(args: Args) -> Result<(), CliError> {
    let bytes = read_request(&args.request)?;
    let mut input = match RequestInput::from_bytes(&bytes) {
        Ok(input) => input,
        Err(errors) => return Err(report_invalid(&args.request, &errors, args.json)),
    };
    drop(input.take_otp()); // not needed to build a CSR; wiped now
    let options = ValidateOptions {
        profile: args.profile,
        environment: args.env,
        require_environment: true,
    };
    let profile = match input.validate_with(&options) {
        Ok(p) => p,
        Err(errors) => return Err(report_invalid(&args.request, &errors, args.json)),
    };
    let key_file = FileArg::flag("--key", &args.key);
    let key = key_file.private_key()?;
    let csr = Csr::build(&profile, &key).map_err(|e| match e {
        // The request was valid: a key the CSR cannot use is the key file's fault.
        CsrError::UnsupportedCurve { .. } => key_file.error(e),
        other => other.into(),
    })?;
    let bytes = csr.encode(args.format)?;
    FileArg::flag("--out", &args.out).write(&bytes, WriteOptions::PUBLIC.overwrite(args.force))?;
    let env = profile.environment().ok_or(CsrError::MissingEnvironment)?;
    if args.json {
        let doc = json!({
            "Status": "SUCCESS",
            "Out": args.out.display().to_string(),
            "Format": format!("{:?}", args.format).to_lowercase(),
            "Environment": env.as_str(),
            "Template": env.template_name(),
            "Csr": csr.to_base64_pem()?,
            "Profile": profile,
        });
        println!("{doc:#}");
    } else {
        println!(
            "wrote a {} CSR (template {}) to {} as {}",
            env.as_str(),
            env.template_name(),
            escape(&args.out.display().to_string()),
            format!("{:?}", args.format).to_lowercase()
        );
        print_profile(&profile);
    }
    Ok(())
}

/// The CSR branch of `zatca inspect`: `None` when `bytes` is not a CSR in any
/// form (PEM, DER, base64 of PEM, bare base64 DER), so the caller tries other kinds.
pub fn inspect(bytes: &[u8], as_json: bool) -> Option<Result<(), CliError>> {
    match Csr::parse(bytes) {
        Ok((csr, form)) => Some(describe(&csr, form, as_json)),
        Err(CsrError::Unrecognized | CsrError::TooLarge { .. }) => None,
        Err(e) => Some(Err(e.into())),
    }
}

fn describe(csr: &Csr, form: zatca_csr::CsrForm, as_json: bool) -> Result<(), CliError> {
    let public = csr.public_key()?;
    let verified = csr.verify();
    let template = csr.template_name()?;
    let environment = csr.environment()?;
    let subject = csr.subject();
    let san = csr.san_directory_name()?;
    let profile = csr.to_profile(ValidationProfile::Sdk);
    let sdk_structure = csr.matches_sdk_structure();
    let attrs = |list: &[zatca_csr::NameAttribute]| {
        list.iter()
            .map(|a| {
                json!({"oid": a.oid, "name": a.short_name, "type": a.string_type, "value": a.value})
            })
            .collect::<Vec<_>>()
    };
    if as_json {
        let errors = match &profile {
            Err(CsrError::Invalid(e)) => e.to_json()["ErrorList"].clone(),
            _ => json!([]),
        };
        let doc = json!({
            "kind": "csr",
            "form": form.description(),
            "subject": attrs(&subject),
            "zatca_fields": attrs(&san),
            "template_name": template.as_ref().map(|t| &t.0),
            "template_string_type": template.as_ref().map(|t| t.1),
            "environment": environment.map(Environment::as_str),
            "curve": public.curve().name(),
            "curve_oid": public.curve().oid(),
            "signature_valid": verified.is_ok(),
            "sdk_structure": sdk_structure,
            "profile_errors": errors,
        });
        println!("{doc:#}");
    } else {
        println!("certificate signing request ({})", form.description());
        println!("  subject:");
        for a in &subject {
            println!(
                "    {:<5} {:<16} {}",
                escape(&a.short_name),
                a.string_type,
                escape(&a.value)
            );
        }
        println!("  ZATCA fields (subjectAltName directoryName):");
        for a in &san {
            println!(
                "    {:<18} {:<12} {}",
                escape(&a.short_name),
                a.string_type,
                escape(&a.value)
            );
        }
        match (&template, environment) {
            (Some((name, kind)), Some(env)) => {
                println!(
                    "  template:    {} ({kind}) -> environment {}",
                    escape(name),
                    env.as_str()
                )
            }
            (Some((name, kind)), None) => {
                println!(
                    "  template:    {} ({kind}) -> not one of ZATCA's three templates",
                    escape(name)
                )
            }
            (None, _) => println!("  template:    none (ZATCA needs one)"),
        }
        println!(
            "  curve:       {} ({})",
            public.curve(),
            public.curve().oid()
        );
        println!(
            "  signature:   {}",
            if verified.is_ok() {
                "verifies"
            } else {
                "DOES NOT VERIFY"
            }
        );
        println!(
            "  structure:   {}",
            if sdk_structure {
                "byte-identical to what ZATCA's SDK builds from these values"
            } else {
                "differs from what ZATCA's SDK builds"
            }
        );
        if let Err(CsrError::Invalid(errors)) = &profile {
            println!("  values:      {}", escape(&errors.to_string()));
        }
    }
    match verified {
        Ok(()) => Ok(()),
        Err(e) => Err(CliError::new(Code::CheckFailed, e.to_string())),
    }
}
