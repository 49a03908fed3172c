//! `zatca compliance-docs --request REQUEST --key KEY --cert CERT --out DIR`:
//! the signed sample documents of a device's compliance checks, one per step
//! its TSXY requires (`zatca_ubl::ComplianceSamples`), chained from ICV
//! `--first-icv` (default 1) and PIH `--first-pih` (default the genesis value).
//!
//! Writes `DIR/NN-<step>.xml` (the signed documents) and `DIR/submissions.json`
//! (the `POST /compliance/invoices` bodies, with their step). The directory is
//! created if missing; existing files are not replaced without `--force`.

use std::path::PathBuf;

use serde_json::json;
use zatca_fatoora::ComplianceStep;
use zatca_fs::WriteOptions;
use zatca_profile::{RequestInput, ValidationProfile};
use zatca_ubl::ComplianceSamples;

use crate::exit::{CliError, Code};
use crate::input::FileArg;

/// Arguments of `zatca compliance-docs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The device's EGS request (ClearTax JSON, Device/Organization JSON or SDK .properties).
    #[arg(long, value_name = "REQUEST")]
    request: PathBuf,
    /// The private key of the compliance CSID (encrypted PKCS#8 is read with
    /// ZATCA_KEY_PASSPHRASE).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The compliance CSID's certificate (any form `inspect` reads, or the CSID response JSON).
    #[arg(long, value_name = "CERT")]
    cert: PathBuf,
    /// The directory to write the documents to.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The signing and issue time, UTC: `YYYY-MM-DDTHH:MM:SSZ`. Default: now.
    #[arg(long, value_name = "RFC3339")]
    time: Option<String>,
    /// The ICV of the first document.
    #[arg(long, value_name = "N", default_value_t = 1)]
    first_icv: u64,
    /// The PIH of the first document (base64). Default: the genesis value.
    #[arg(long, value_name = "BASE64")]
    first_pih: Option<String>,
    /// Replace existing regular files in `--out` (never a device, FIFO or directory).
    #[arg(long)]
    force: bool,
}

/// Generates, signs and writes the documents.
pub fn run(args: Args) -> Result<(), CliError> {
    let request_file = FileArg::flag("--request", &args.request);
    let request = request_file.read(zatca_profile::MAX_REQUEST_BYTES, "EGS request")?;
    let profile = RequestInput::from_bytes(&request)
        .and_then(|input| input.validate(ValidationProfile::Sdk))
        .map_err(|e| request_file.error_with(Code::Invalid, crate::term::escape(&e.to_string())))?;
    let key = FileArg::flag("--key", &args.key).private_key()?;
    let cert = FileArg::flag("--cert", &args.cert).certificate()?;
    let time = super::invoice::signing_time(args.time.as_deref())?;
    let steps = ComplianceStep::required_for(profile.invoice_types());
    let first_pih = args.first_pih.as_deref().unwrap_or(zatca_sign::FIRST_PIH);
    let docs = ComplianceSamples::new(&profile, &key, &cert)?.generate(
        &steps,
        &time,
        args.first_icv,
        first_pih,
    )?;
    std::fs::create_dir_all(&args.out).map_err(|e| {
        CliError::new(
            Code::Io,
            format!("{}: cannot create directory: {e}", args.out.display()),
        )
    })?;
    let options = WriteOptions::PUBLIC.overwrite(args.force);
    let mut bodies = Vec::with_capacity(docs.len());
    for (i, doc) in docs.iter().enumerate() {
        let name = format!("{:02}-{}.xml", i + 1, doc.step().name());
        FileArg::flag("--out", &args.out.join(&name))
            .write(doc.signed().xml().as_bytes(), options)?;
        let body = doc.submission();
        bodies.push(json!({
            "step": doc.step().name(),
            "file": name,
            "icv": doc.icv(),
            "invoiceHash": body.invoice_hash,
            "uuid": body.uuid,
            "invoice": body.invoice,
        }));
        println!("{name}: {} {}", doc.signed().hash(), doc.signed().uuid());
    }
    let json = format!("{:#}\n", serde_json::Value::Array(bodies));
    FileArg::flag("--out", &args.out.join("submissions.json")).write(json.as_bytes(), options)?;
    Ok(())
}
