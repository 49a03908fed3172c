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
//! - `zatca invoice sign FILE --device DEVICE_ID [--store DIR] [--idempotency-key KEY] --out FILE [--force] [--json]`:
//!   signs the document as the device's next one in its invoice chain: the
//!   store gives the key, the production CSID, the ICV (the last + 1) and the
//!   PIH (the previous document's hash), written into the document before it
//!   is signed; the document and the new chain head are committed under the
//!   store lock before `--out` is written (a kill never reuses a committed ICV
//!   nor forks the chain). If `--out` could not be written, the same command
//!   with the same `--idempotency-key` writes the committed document again.
//!   Prints the ICV, PIH, hash and UUID, or with `--json` also the QR and the
//!   signed document (base64).
//! - `zatca invoice verify FILE [--json]`: recomputes the hash, the
//!   signature, the SignedProperties digest, the certificate values and the QR
//!   tags; lists every mismatch by element (exit 3).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::json;
use zatca_fs::WriteOptions;
use zatca_onboarding::{DeviceId, OnboardingError};
use zatca_ubl::{Invoice, MAX_INVOICE_BYTES, SigningTime, UblError};

use crate::exit::{CliError, Code};
use crate::input::FileArg;
use crate::term;

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
    #[arg(
        long,
        value_name = "KEY",
        required_unless_present = "device",
        requires = "cert"
    )]
    key: Option<PathBuf>,
    /// The certificate (PEM, DER, base64, binarySecurityToken or CSID response JSON).
    #[arg(
        long,
        value_name = "CERT",
        required_unless_present = "device",
        requires = "key"
    )]
    cert: Option<PathBuf>,
    /// The signing time, UTC: `YYYY-MM-DDTHH:MM:SSZ` (or without `Z`). Default: now.
    #[arg(long, value_name = "RFC3339", conflicts_with = "device")]
    time: Option<String>,
    /// Sign as this device's next document of its chain (key, production CSID,
    /// ICV and PIH from the store) instead of with --key and --cert.
    #[arg(long, value_name = "DEVICE_ID", conflicts_with_all = ["key", "cert"])]
    device: Option<String>,
    /// The store directory of --device (default: $ZATCA_STORE, else
    /// $XDG_DATA_HOME/zatca, else ~/.local/share/zatca).
    #[arg(long, value_name = "DIR", requires = "device")]
    store: Option<PathBuf>,
    /// With --device: a retry with the same key and document answers the
    /// document committed the first time instead of taking a new ICV.
    #[arg(long, value_name = "KEY", requires = "device")]
    idempotency_key: Option<String>,
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
    let (key_path, cert_path) = match (&args.device, &args.key, &args.cert) {
        (Some(device), _, _) => return sign_for_device(args, device, &bytes),
        (None, Some(key), Some(cert)) => (key, cert),
        _ => {
            return Err(CliError::new(
                Code::Invalid,
                "pass --key KEY --cert CERT, or --device DEVICE_ID",
            ));
        }
    };
    let key = FileArg::flag("--key", key_path).private_key()?;
    let cert = FileArg::flag("--cert", cert_path).certificate()?;
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

/// `invoice sign --device`: the device's next document, committed in the
/// store before `--out` is written.
fn sign_for_device(args: &SignArgs, device: &str, bytes: &[u8]) -> Result<(), CliError> {
    let id: DeviceId = device
        .parse()
        .map_err(|e| CliError::from(OnboardingError::from(e)))?;
    // Refused before an ICV is taken: the document would otherwise be
    // committed with nowhere to go.
    check_out_writable(&args.out, args.force)?;
    let dir = super::device::store_dir(args.store.as_deref())?;
    let store = super::device::open_store(&dir)?;
    let signed = zatca_onboarding::sign_invoice(
        &store,
        &id,
        bytes,
        args.idempotency_key.as_deref(),
        super::device::now(),
    )
    .map_err(|e| match e {
        OnboardingError::Invoice(e) => in_file(&args.file, e),
        other => other.into(),
    })?;
    let invoice = &signed.invoice;
    FileArg::flag("--out", &args.out).write(
        invoice.signed_invoice.as_bytes(),
        WriteOptions::PUBLIC.overwrite(true),
    )?;
    if args.json {
        let doc = json!({
            "deviceId": id.as_str(),
            "icv": invoice.icv,
            "pih": invoice.pih,
            "invoiceHash": invoice.invoice_hash,
            "uuid": invoice.uuid,
            "qr": invoice.qr,
            "signedInvoice": base64::engine::general_purpose::STANDARD
                .encode(invoice.signed_invoice.as_bytes()),
            "replayed": signed.replayed,
        });
        println!("{doc:#}");
    } else {
        let e = |s: &str| term::escape(s).into_owned();
        println!("icv: {}", invoice.icv);
        println!("pih: {}", e(&invoice.pih));
        println!("invoice_hash: {}", e(&invoice.invoice_hash));
        println!("uuid: {}", e(&invoice.uuid));
        if signed.replayed {
            println!("replayed: the document committed under this idempotency key");
        }
        println!("written: {}", e(&args.out.display().to_string()));
    }
    Ok(())
}

/// `--out` can be written: absent, or (with `--force`) a regular file or a link.
fn check_out_writable(out: &Path, force: bool) -> Result<(), CliError> {
    let out_arg = FileArg::flag("--out", out);
    match std::fs::symlink_metadata(out) {
        Err(_) => Ok(()),
        Ok(_) if !force => Err(out_arg.fs_error(&zatca_fs::FsError::Exists {
            path: out.to_path_buf(),
        })),
        Ok(m) if m.is_file() || m.file_type().is_symlink() => Ok(()),
        Ok(_) => Err(out_arg.error_with(
            Code::Io,
            "is not a regular file; only a regular file or a link is replaced",
        )),
    }
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
