//! `zatca invoice …`: commands on UBL invoice documents.
//!
//! - `zatca invoice hash FILE [--json]`: the ZATCA invoice hash (base64 of the SHA-256 of
//!   the C14N 1.1 form without `ext:UBLExtensions`, `cac:Signature` and the QR
//!   reference), as it goes into the signature, QR tag 6, the API's `invoiceHash`
//!   and the next invoice's PIH.
//! - `zatca invoice sign FILE --key KEY --cert CERT [--time RFC3339] --out FILE [--force] [--json]`:
//!   embeds the XAdES signature, the QR code and `cac:Signature` (SDK R3.3.3
//!   layout) and writes the signed XML; prints the hash and UUID, or with
//!   `--json` the reporting/clearance request body (`invoiceHash`, `uuid`,
//!   `invoice`). The signing time defaults to now (UTC).
//! - `zatca invoice verify FILE [--json]`: recomputes the hash, the
//!   signature, the SignedProperties digest, the certificate values and the QR
//!   tags; lists every mismatch by element (exit 3).

use std::path::{Path, PathBuf};

use serde_json::json;
use zatca_fs::WriteOptions;
use zatca_ubl::{Invoice, MAX_INVOICE_BYTES, SigningTime, UblError};

use crate::exit::{CliError, Code};
use crate::input::FileArg;

/// Arguments of `zatca invoice`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: InvoiceCommand,
}

#[derive(Debug, clap::Subcommand)]
enum InvoiceCommand {
    /// Print the invoice hash (base64), as ZATCA computes it.
    Hash(HashArgs),
    /// Sign an invoice (XAdES, QR, cac:Signature) with a key and its certificate.
    Sign(SignArgs),
    /// Verify a signed invoice: hash, signature, SignedProperties, certificate values, QR.
    Verify(VerifyArgs),
}

/// Arguments of `zatca invoice sign`.
#[derive(Debug, clap::Args)]
struct SignArgs {
    /// The invoice XML (UBL 2.1, UTF-8, at most 10 MiB); a signed one is re-signed.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The secp256k1 private key of the certificate (SEC1 or PKCS#8; PEM, DER or bare
    /// base64; encrypted PKCS#8 is read with ZATCA_KEY_PASSPHRASE).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The certificate (PEM, DER, base64, binarySecurityToken or CSID response JSON).
    #[arg(long, value_name = "CERT")]
    cert: PathBuf,
    /// The signing time, UTC: `YYYY-MM-DDTHH:MM:SSZ` (or without `Z`). Default: now.
    #[arg(long, value_name = "RFC3339")]
    time: Option<String>,
    /// Where to write the signed XML.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace `--out` if it is a regular file. A symbolic link is replaced, not
    /// written through; a device, FIFO, socket or directory is never replaced.
    #[arg(long)]
    force: bool,
    /// Print the API request body (`invoiceHash`, `uuid`, `invoice`) as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `zatca invoice verify`.
#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The signed invoice XML.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print JSON (`valid`, `invoice_hash`, `uuid`, `problems`).
    #[arg(long)]
    json: bool,
}

/// Arguments of `zatca invoice hash`.
#[derive(Debug, clap::Args)]
struct HashArgs {
    /// The invoice XML (UBL 2.1, UTF-8, at most 10 MiB).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print JSON (`invoice_hash`, `uuid`, `icv`) instead of the bare hash.
    #[arg(long)]
    json: bool,
}

/// Runs an `invoice` subcommand.
pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        InvoiceCommand::Hash(args) => hash(&args),
        InvoiceCommand::Sign(args) => sign(&args),
        InvoiceCommand::Verify(args) => verify(&args),
    }
}

/// The signing time: `--time`, or now.
pub fn signing_time(arg: Option<&str>) -> Result<SigningTime, CliError> {
    match arg {
        Some(text) => Ok(SigningTime::parse(text)?),
        None => Ok(SigningTime::at(super::device::now())),
    }
}

fn sign(args: &SignArgs) -> Result<(), CliError> {
    let bytes = read_invoice(&args.file)?;
    let key = FileArg::flag("--key", &args.key).private_key()?;
    let cert = FileArg::flag("--cert", &args.cert).certificate()?;
    let time = signing_time(args.time.as_deref())?;
    let signed =
        zatca_ubl::sign_invoice(&bytes, &key, &cert, &time).map_err(|e| in_file(&args.file, e))?;
    FileArg::flag("--out", &args.out).write(
        signed.xml().as_bytes(),
        WriteOptions::PUBLIC.overwrite(args.force),
    )?;
    if args.json {
        let doc = json!({
            "invoiceHash": signed.hash().to_base64(),
            "uuid": signed.uuid(),
            "invoice": signed.invoice_base64(),
        });
        println!("{doc:#}");
    } else {
        println!("invoice_hash: {}", signed.hash());
        println!("uuid: {}", signed.uuid());
        println!("written: {}", args.out.display());
    }
    Ok(())
}

fn verify(args: &VerifyArgs) -> Result<(), CliError> {
    let bytes = read_invoice(&args.file)?;
    match zatca_ubl::check_invoice(&bytes) {
        Ok(verified) => {
            if args.json {
                let doc = json!({
                    "valid": true,
                    "invoice_hash": verified.hash().to_base64(),
                    "uuid": verified.uuid(),
                    "signing_time": verified.signing_time(),
                    "certificate_serial": verified.certificate().serial_decimal(),
                    "problems": [],
                });
                println!("{doc:#}");
            } else {
                println!("valid: {}", args.file.display());
                println!("invoice_hash: {}", verified.hash());
                println!("uuid: {}", verified.uuid());
            }
            Ok(())
        }
        Err(problems) => {
            let code = problems
                .first()
                .cloned()
                .map_or(Code::CheckFailed, |p| CliError::from(p).code);
            if args.json {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                println!("{:#}", json!({ "valid": false, "problems": list }));
            } else {
                for p in &problems {
                    eprintln!("error: {}: {p}", args.file.display());
                }
            }
            Err(CliError::printed(code))
        }
    }
}

fn hash(args: &HashArgs) -> Result<(), CliError> {
    let bytes = read_invoice(&args.file)?;
    let invoice = Invoice::parse(&bytes).map_err(|e| in_file(&args.file, e))?;
    let hash = invoice.hash();
    if args.json {
        let doc = json!({
            "invoice_hash": hash.to_base64(),
            "uuid": invoice.uuid().ok(),
            "icv": invoice.icv().ok(),
        });
        println!("{doc:#}");
    } else {
        println!("{hash}");
    }
    Ok(())
}

/// Reads an invoice file: a regular file of at most [`MAX_INVOICE_BYTES`].
pub fn read_invoice(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, CliError> {
    FileArg::positional(path).read(MAX_INVOICE_BYTES, "invoice XML")
}

/// An invoice error, its message prefixed with the file name.
pub fn in_file(path: &Path, e: UblError) -> CliError {
    FileArg::positional(path).error(e)
}
