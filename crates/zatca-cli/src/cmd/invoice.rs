//! `zatca invoice …`: commands on UBL invoice documents.
//!
//! - `zatca invoice hash FILE… [--json]`: the ZATCA invoice hash (base64 of the SHA-256 of
//!   the C14N 1.1 form without `ext:UBLExtensions`, `cac:Signature` and the QR
//!   reference), as it goes into the signature, QR tag 6, the API's `invoiceHash`
//!   and the next invoice's PIH.
//! - `zatca invoice sign FILE --key KEY --cert CERT [--time RFC3339] --out FILE [--force] [--json]`,
//!   or `zatca invoice sign FILE… --key KEY --cert CERT --out-dir DIR …`:
//!   embeds the XAdES signature, the QR code and `cac:Signature` (SDK R3.3.3
//!   layout) and writes the signed XML; prints the hash and UUID, or with
//!   `--json` the reporting/clearance request body (`invoiceHash`, `uuid`,
//!   `invoice`). The signing time defaults to now (UTC). With `--out-dir`, each
//!   signed document is written into DIR under its input's file name.
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
//! - `zatca invoice verify FILE… [--json]`: recomputes the hash, the
//!   signature, the SignedProperties digest, the certificate values and the QR
//!   tags; lists every mismatch by element (exit 3).
//!
//! # Many files
//!
//! `hash`, `verify` and `sign --out-dir` take many files and work on them in
//! one process, `--jobs N` at a time (default: the machine's cores): a month-end
//! batch signs with one key, certificate and signing time, each document on
//! its own, so the work divides by document. Every file is handled even if
//! some fail; the results are printed in argument order (one line per file, or
//! with `--json` one array entry per file, `error` and `code` for a failure),
//! errors go to stderr, and the exit code is the first failing file's. The
//! workers are `std::thread::scope` threads taking the next file from a shared
//! counter: the tasks are coarse (one invoice each), so a work-stealing pool
//! such as `rayon` would add a dependency without doing better. At most
//! `--jobs` invoices (each at most 10 MiB) are in memory at once; of a
//! finished one only its hash and UUID are kept. `--device` chains one
//! document at a time and takes one FILE.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use serde_json::json;
use zatca_fs::WriteOptions;
use zatca_onboarding::{DeviceId, OnboardingError};
use zatca_ubl::{Invoice, InvoiceSigner, MAX_INVOICE_BYTES, SigningTime, UblError};

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
    /// Validate with ZATCA's own rules (UBL 2.1 schema, EN 16931, KSA; signature and QR of a signed document).
    Validate(super::validate_invoice::ValidateArgs),
}

/// Arguments of `zatca invoice sign`.
#[derive(Debug, clap::Args)]
struct SignArgs {
    /// The invoice XML (UBL 2.1, UTF-8, at most 10 MiB); a signed one is re-signed.
    /// Several files need --out-dir.
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    files: Vec<PathBuf>,
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
    /// Where to write the signed XML (one FILE).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "out_dir",
        conflicts_with = "out_dir"
    )]
    out: Option<PathBuf>,
    /// Write each signed document into this directory, under its input's file
    /// name (any number of FILEs; not with --device).
    #[arg(long, value_name = "DIR", conflicts_with = "device")]
    out_dir: Option<PathBuf>,
    /// With --out-dir: how many invoices to sign at once (default: the cores).
    #[arg(long, value_name = "N")]
    jobs: Option<NonZeroUsize>,
    /// Replace `--out` (each file in `--out-dir`) if it is a regular file. A symbolic link is replaced, not
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
    /// The signed invoice XML (several files: each is verified).
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// Print JSON (`valid`, `invoice_hash`, `uuid`, `problems`); an array of
    /// them, each with its `file`, for several files.
    #[arg(long)]
    json: bool,
    /// How many invoices to verify at once (default: the cores).
    #[arg(long, value_name = "N")]
    jobs: Option<NonZeroUsize>,
}

/// Arguments of `zatca invoice hash`.
#[derive(Debug, clap::Args)]
struct HashArgs {
    /// The invoice XML (UBL 2.1, UTF-8, at most 10 MiB); for several files one
    /// line each, `HASH  FILE`.
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// Print JSON (`invoice_hash`, `uuid`, `icv`) instead of the bare hash; an
    /// array of them, each with its `file`, for several files.
    #[arg(long)]
    json: bool,
    /// How many invoices to hash at once (default: the cores).
    #[arg(long, value_name = "N")]
    jobs: Option<NonZeroUsize>,
}

/// Runs an `invoice` subcommand.
pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        InvoiceCommand::Hash(args) => hash(&args),
        InvoiceCommand::Sign(args) => sign(&args),
        InvoiceCommand::Verify(args) => verify(&args),
        InvoiceCommand::Validate(args) => super::validate_invoice::run(&args),
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
    let (file, out) = match (args.files.as_slice(), &args.out, &args.out_dir) {
        (_, None, Some(dir)) => return sign_batch(args, dir),
        ([file], Some(out), None) => (file, out),
        (_, _, _) => {
            return Err(CliError::new(
                Code::Invalid,
                "several FILEs are signed with --out-dir DIR, not --out",
            ));
        }
    };
    let bytes = read_invoice(file)?;
    let (key_path, cert_path) = match (&args.device, &args.key, &args.cert) {
        (Some(device), _, _) => return sign_for_device(args, device, file, out, &bytes),
        (None, Some(key), Some(cert)) => (key, cert),
        _ => return Err(key_or_device()),
    };
    let key = FileArg::flag("--key", key_path).private_key()?;
    let cert = FileArg::flag("--cert", cert_path).certificate()?;
    let time = signing_time(args.time.as_deref())?;
    let signed =
        zatca_ubl::sign_invoice(&bytes, &key, &cert, &time).map_err(|e| in_file(file, e))?;
    FileArg::flag("--out", out).write(
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
        println!("written: {}", out.display());
    }
    Ok(())
}

fn key_or_device() -> CliError {
    CliError::new(
        Code::Invalid,
        "pass --key KEY --cert CERT, or --device DEVICE_ID",
    )
}

/// What is printed of one signed document of a batch.
struct SignedSummary {
    hash: String,
    uuid: String,
    written: PathBuf,
}

/// `invoice sign FILE… --out-dir DIR`: one key, certificate and signing time
/// for every document, signed `--jobs` at a time.
fn sign_batch(args: &SignArgs, dir: &Path) -> Result<(), CliError> {
    let (Some(key_path), Some(cert_path)) = (&args.key, &args.cert) else {
        return Err(key_or_device());
    };
    if !dir.is_dir() {
        return Err(FileArg::flag("--out-dir", dir).error_with(Code::Io, "is not a directory"));
    }
    // Each output is named after its input: two inputs of the same name would
    // overwrite each other.
    let mut targets = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let name = file.file_name().ok_or_else(|| {
            FileArg::positional(file).error_with(Code::Invalid, "has no file name")
        })?;
        let target = dir.join(name);
        if targets.contains(&target) {
            return Err(FileArg::positional(file).error_with(
                Code::Invalid,
                "has the file name of an earlier FILE; with --out-dir every FILE needs its own",
            ));
        }
        targets.push(target);
    }
    let key = FileArg::flag("--key", key_path).private_key()?;
    let cert = FileArg::flag("--cert", cert_path).certificate()?;
    let signer = InvoiceSigner::new(&key, &cert)?;
    let time = signing_time(args.time.as_deref())?;
    let jobs: Vec<(&PathBuf, &PathBuf)> = args.files.iter().zip(&targets).collect();
    let results = in_parallel(&jobs, job_count(args.jobs), |&(file, target)| {
        let bytes = read_invoice(file)?;
        let signed = signer.sign(&bytes, &time).map_err(|e| in_file(file, e))?;
        FileArg::flag("--out-dir", target).write(
            signed.xml().as_bytes(),
            WriteOptions::PUBLIC.overwrite(args.force),
        )?;
        Ok(SignedSummary {
            hash: signed.hash().to_base64(),
            uuid: signed.uuid().to_owned(),
            written: target.clone(),
        })
    });
    report_batch(&args.files, results, args.json, |file, s| {
        if args.json {
            BatchLine::Json(json!({
                "file": file.display().to_string(),
                "invoiceHash": s.hash,
                "uuid": s.uuid,
                "written": s.written.display().to_string(),
            }))
        } else {
            BatchLine::Text(format!(
                "{}  {}  {}",
                s.hash,
                term::escape(&s.uuid),
                term::escape(&s.written.display().to_string())
            ))
        }
    })
}

/// `--jobs`, or the machine's cores.
pub(crate) fn job_count(jobs: Option<NonZeroUsize>) -> usize {
    jobs.or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get)
}

/// Runs `work` on every item, at most `jobs` at a time, and returns the results
/// in item order. A panic in `work` is passed on.
pub(crate) fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let jobs = jobs.clamp(1, items.len().max(1));
    if jobs == 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return done;
                        };
                        done.push((i, work(item)));
                    }
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(done) => {
                    for (i, result) in done {
                        if let Some(slot) = results.get_mut(i) {
                            *slot = Some(result);
                        }
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    results.into_iter().flatten().collect()
}

/// One file's line of a batch's output.
enum BatchLine {
    Text(String),
    Json(serde_json::Value),
}

/// Prints a batch's results in argument order (failures to stderr, or as
/// `error` entries with `--json`); the first failure's exit code.
fn report_batch<S>(
    files: &[PathBuf],
    results: Vec<Result<S, CliError>>,
    json: bool,
    line: impl Fn(&Path, &S) -> BatchLine,
) -> Result<(), CliError> {
    let mut first_failure = None;
    let mut entries = Vec::new();
    for (file, result) in files.iter().zip(results) {
        match result {
            Ok(summary) => match line(file, &summary) {
                BatchLine::Text(text) => println!("{text}"),
                BatchLine::Json(value) => entries.push(value),
            },
            Err(e) => {
                first_failure.get_or_insert(e.code);
                if json {
                    entries.push(json!({
                        "file": file.display().to_string(),
                        "error": e.message,
                        "code": e.code as u8,
                    }));
                }
                if !e.printed {
                    // One `error:` line per problem of a failed verification.
                    for message in e.message.lines() {
                        eprintln!("error: {message}");
                    }
                }
            }
        }
    }
    if json {
        println!("{:#}", serde_json::Value::Array(entries));
    }
    match first_failure {
        Some(code) => Err(CliError::printed(code)),
        None => Ok(()),
    }
}

/// `invoice sign --device`: the device's next document, committed in the
/// store before `--out` is written.
fn sign_for_device(
    args: &SignArgs,
    device: &str,
    file: &Path,
    out: &Path,
    bytes: &[u8],
) -> Result<(), CliError> {
    let id: DeviceId = device
        .parse()
        .map_err(|e| CliError::from(OnboardingError::from(e)))?;
    // Refused before an ICV is taken: the document would otherwise be
    // committed with nowhere to go.
    check_out_writable(out, args.force)?;
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
        OnboardingError::Invoice(e) => in_file(file, e),
        other => other.into(),
    })?;
    let invoice = &signed.invoice;
    FileArg::flag("--out", out).write(
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
        println!("written: {}", e(&out.display().to_string()));
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
    let [file] = args.files.as_slice() else {
        return verify_batch(args);
    };
    let bytes = read_invoice(file)?;
    match zatca_ubl::check_invoice(&bytes) {
        Ok(verified) => {
            if args.json {
                println!("{:#}", verified_json(&verified));
            } else {
                println!("valid: {}", file.display());
                println!("invoice_hash: {}", verified.hash());
                println!("uuid: {}", verified.uuid());
            }
            Ok(())
        }
        Err(problems) => {
            let code = problems_code(&problems);
            if args.json {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                println!("{:#}", json!({ "valid": false, "problems": list }));
            } else {
                for p in &problems {
                    eprintln!("error: {}: {p}", file.display());
                }
            }
            Err(CliError::printed(code))
        }
    }
}

fn verified_json(verified: &zatca_ubl::VerifiedInvoice) -> serde_json::Value {
    json!({
        "valid": true,
        "invoice_hash": verified.hash().to_base64(),
        "uuid": verified.uuid(),
        "signing_time": verified.signing_time(),
        "certificate_serial": verified.certificate().serial_decimal(),
        "problems": [],
    })
}

/// The exit code of a failed verification: its first problem's.
fn problems_code(problems: &[UblError]) -> Code {
    problems
        .first()
        .cloned()
        .map_or(Code::CheckFailed, |p| CliError::from(p).code)
}

/// `invoice verify FILE…`: `valid: FILE` per valid file; every problem of the
/// others on stderr, `error: FILE: problem` (with `--json`, an array of the
/// single-file answers, each with its `file`).
fn verify_batch(args: &VerifyArgs) -> Result<(), CliError> {
    let results = in_parallel(&args.files, job_count(args.jobs), |file| {
        let bytes = read_invoice(file)?;
        zatca_ubl::check_invoice(&bytes).map_err(|problems| {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {p}", file.display()))
                .collect();
            CliError::new(problems_code(&problems), lines.join("\n"))
        })
    });
    report_batch(&args.files, results, args.json, |file, verified| {
        if args.json {
            let mut doc = verified_json(verified);
            doc["file"] = json!(file.display().to_string());
            BatchLine::Json(doc)
        } else {
            BatchLine::Text(format!("valid: {}", file.display()))
        }
    })
}

fn hash(args: &HashArgs) -> Result<(), CliError> {
    let [file] = args.files.as_slice() else {
        return hash_batch(args);
    };
    let bytes = read_invoice(file)?;
    if args.json {
        println!("{:#}", hash_json(file, &bytes)?);
    } else {
        let hash = zatca_ubl::invoice_hash(&bytes).map_err(|e| in_file(file, e))?;
        println!("{hash}");
    }
    Ok(())
}

/// `invoice hash --json` of one document.
fn hash_json(file: &Path, bytes: &[u8]) -> Result<serde_json::Value, CliError> {
    let invoice = Invoice::parse(bytes).map_err(|e| in_file(file, e))?;
    Ok(json!({
        "invoice_hash": invoice.hash().to_base64(),
        "uuid": invoice.uuid().ok(),
        "icv": invoice.icv().ok(),
    }))
}

/// `invoice hash FILE…`: `HASH  FILE` per file (with `--json`, an array of
/// the single-file answers, each with its `file`).
fn hash_batch(args: &HashArgs) -> Result<(), CliError> {
    let results = in_parallel(&args.files, job_count(args.jobs), |file| {
        let bytes = read_invoice(file)?;
        if args.json {
            let mut doc = hash_json(file, &bytes)?;
            doc["file"] = json!(file.display().to_string());
            Ok(BatchLine::Json(doc))
        } else {
            let hash = zatca_ubl::invoice_hash(&bytes).map_err(|e| in_file(file, e))?;
            Ok(BatchLine::Text(format!(
                "{hash}  {}",
                term::escape(&file.display().to_string())
            )))
        }
    });
    report_batch(&args.files, results, args.json, |_, line| match line {
        BatchLine::Text(text) => BatchLine::Text(text.clone()),
        BatchLine::Json(value) => BatchLine::Json(value.clone()),
    })
}

/// Reads an invoice file: a regular file of at most [`MAX_INVOICE_BYTES`].
pub fn read_invoice(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, CliError> {
    FileArg::positional(path).read(MAX_INVOICE_BYTES, "invoice XML")
}

/// An invoice error, its message prefixed with the file name.
pub fn in_file(path: &Path, e: UblError) -> CliError {
    FileArg::positional(path).error(e)
}
