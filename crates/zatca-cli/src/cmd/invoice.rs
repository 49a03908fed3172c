//! `zatca invoice …`: commands on UBL invoice documents.
//!
//! - `zatca invoice hash FILE [--json]`: the ZATCA invoice hash (base64 of the SHA-256 of
//!   the C14N 1.1 form without `ext:UBLExtensions`, `cac:Signature` and the QR
//!   reference), as it goes into the signature, QR tag 6, the API's `invoiceHash`
//!   and the next invoice's PIH.

use std::path::{Path, PathBuf};

use serde_json::json;
use zatca_ubl::{Invoice, MAX_INVOICE_BYTES, UblError};

use crate::exit::CliError;

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

/// Reads an invoice file, refusing one larger than [`MAX_INVOICE_BYTES`].
pub fn read_invoice(path: &Path) -> Result<Vec<u8>, CliError> {
    match zatca_keys::fs::read_limited(path, MAX_INVOICE_BYTES) {
        Ok(bytes) => Ok(bytes),
        Err(zatca_keys::KeyError::TooLarge { len, max }) => {
            Err(in_file(path, UblError::TooLarge { len, max }))
        }
        Err(e) => Err(e.into()),
    }
}

/// An invoice error, its message prefixed with the file name.
pub fn in_file(path: &Path, e: UblError) -> CliError {
    let mut err = CliError::from(e);
    err.message = format!("{}: {}", path.display(), err.message);
    err
}
