//! `zatca inspect FILE [--json]`: says what a file is and what it holds, never a secret.

use std::path::PathBuf;

use base64::Engine as _;
use serde_json::json;
use zatca_keys::PrivateKey;

use crate::exit::{CliError, Code};
use crate::input::FileArg;

/// The largest file `inspect` reads.
const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Arguments of `zatca inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A private key, CSR, certificate, binarySecurityToken or CSID response.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// What `inspect` reads, for messages.
const EXPECTED: &str =
    "expected a private key, CSR, certificate, binarySecurityToken or CSID response";

/// Detects the kind of file and describes it. Every error names the file.
pub fn run(args: Args) -> Result<(), CliError> {
    let file = FileArg::positional(&args.file);
    let bytes = file.read(MAX_INPUT_BYTES, "file to inspect")?;
    if bytes.trim_ascii().is_empty() {
        return Err(file.error_with(Code::Invalid, format_args!("the file is empty; {EXPECTED}")));
    }
    describe(&bytes, args.json).map_err(|e| file.error(e))
}

fn describe(bytes: &[u8], as_json: bool) -> Result<(), CliError> {
    if let Some(result) = super::inspect_cert::inspect(bytes, as_json) {
        return result;
    }
    if let Some(result) = super::csr::inspect(bytes, as_json) {
        return result;
    }
    match crate::input::decode_private_key(bytes) {
        Ok((key, form)) => return print_key(&key, form, as_json),
        Err(zatca_keys::KeyError::NotAPrivateKey { .. })
        | Err(zatca_keys::KeyError::Unrecognized) => {}
        Err(e) if !looks_like_other_artifact(bytes) => return Err(e.into()),
        Err(_) => {}
    }
    Err(CliError::new(
        Code::Invalid,
        format!("not a recognised file; {EXPECTED}"),
    ))
}

fn looks_like_other_artifact(bytes: &[u8]) -> bool {
    let t = bytes.trim_ascii_start();
    t.starts_with(b"{") || t.starts_with(b"-----BEGIN CERTIFICATE")
}

fn print_key(key: &PrivateKey, form: zatca_keys::InputForm, as_json: bool) -> Result<(), CliError> {
    let public = key.public_key();
    let spki = public.to_spki_der()?;
    let spki_b64 = base64::engine::general_purpose::STANDARD.encode(&spki);
    if as_json {
        let doc = json!({
            "kind": "private_key",
            "curve": key.curve().name(),
            "curve_oid": key.curve().oid(),
            "form": format!("{form:?}"),
            "public_key": spki_b64,
        });
        println!("{doc:#}");
    } else {
        println!("private key ({form})");
        println!("  curve:      {} ({})", key.curve(), key.curve().oid());
        println!("  public key: {spki_b64}");
        println!("              (base64 of the SubjectPublicKeyInfo DER, ZATCA QR tag 8)");
    }
    Ok(())
}
