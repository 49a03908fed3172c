//! `zatca keygen --out FILE [--curve secp256k1|p256] [--format sec1|pkcs8|sdk] [--force]`

use std::path::PathBuf;

use zatca_keys::{Curve, OutputFormat, PrivateKey};

use crate::exit::CliError;

/// Arguments of `zatca keygen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the private key (mode 0600; never overwritten without --force).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The curve: secp256k1 (ZATCA's) or p256.
    #[arg(long, default_value = "secp256k1", value_name = "CURVE")]
    curve: Curve,
    /// The file format: sec1 (PEM "EC PRIVATE KEY"), pkcs8 (PEM "PRIVATE KEY"), or sdk (bare base64 SEC1).
    #[arg(long, default_value = "sec1", value_name = "FORMAT")]
    format: OutputFormat,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

/// Generates and writes the key, then prints where and which public key.
pub fn run(args: Args) -> Result<(), CliError> {
    let key = PrivateKey::generate(args.curve)?;
    key.write_file(&args.out, args.format, args.force)?;
    println!(
        "wrote a {} private key to {} (mode 0600)",
        key.curve(),
        args.out.display()
    );
    Ok(())
}
