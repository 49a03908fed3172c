//! `zatca qr decode BASE64 [--json]`: reads an invoice QR code (TLV tags 1–9).

use base64::Engine as _;
use serde_json::json;
use zatca_sign::qr::Qr;

use crate::exit::CliError;
use crate::term::escape;

/// Arguments of `zatca qr`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: QrCommand,
}

#[derive(Debug, clap::Subcommand)]
enum QrCommand {
    /// Decode a QR code's base64 text and print its tags.
    Decode {
        /// The QR text (base64 of the TLV bytes).
        #[arg(value_name = "BASE64")]
        qr: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `zatca qr …`.
pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        QrCommand::Decode { qr, json } => decode(&qr, json),
    }
}

fn decode(text: &str, as_json: bool) -> Result<(), CliError> {
    let qr = Qr::from_base64(text)?;
    let b64 = |v: &Option<Vec<u8>>| {
        v.as_ref()
            .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
    };
    let tags = if qr.certificate_signature.is_some() {
        9
    } else if qr.public_key.is_some() {
        8
    } else {
        5
    };
    if as_json {
        let doc = json!({
            "tags": tags,
            "seller_name": qr.seller_name,
            "vat_number": qr.vat_number,
            "timestamp": qr.timestamp,
            "total_with_vat": qr.total_with_vat,
            "vat_total": qr.vat_total,
            "invoice_hash": qr.invoice_hash,
            "signature": qr.signature,
            "public_key": b64(&qr.public_key),
            "certificate_signature": b64(&qr.certificate_signature),
        });
        println!("{doc:#}");
    } else {
        println!("QR code, tags 1–{tags}");
        // Every value is the QR's own text: made safe for the terminal.
        println!("  1 seller name:           {}", escape(&qr.seller_name));
        println!("  2 VAT number:            {}", escape(&qr.vat_number));
        println!("  3 timestamp:             {}", escape(&qr.timestamp));
        println!("  4 total with VAT:        {}", escape(&qr.total_with_vat));
        println!("  5 VAT total:             {}", escape(&qr.vat_total));
        let lines = [
            ("6 invoice hash:          ", qr.invoice_hash.clone()),
            ("7 signature:             ", qr.signature.clone()),
            ("8 public key (SPKI):     ", b64(&qr.public_key)),
            ("9 certificate signature: ", b64(&qr.certificate_signature)),
        ];
        for (label, value) in lines {
            if let Some(v) = value {
                println!("  {label}{}", escape(&v));
            }
        }
    }
    Ok(())
}
