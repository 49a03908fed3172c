//! `zatca keygen --out FILE [--curve secp256k1|p256] [--format sec1|pkcs8|sdk] [--force]`

use std::path::PathBuf;

use zatca_keys::{Curve, OutputFormat, PrivateKey};

use crate::exit::CliError;
use crate::input::FileArg;

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
    /// Replace FILE if it is a regular file. A symbolic link is replaced, not
    /// written through; a device, FIFO, socket or directory is never replaced.
    #[arg(long)]
    force: bool,
}

/// Generates and writes the key, then prints where and which public key.
pub fn run(args: Args) -> Result<(), CliError> {
    let key = PrivateKey::generate(args.curve)?;
    let text = key.encode(args.format)?;
    FileArg::flag("--out", &args.out).write(
        text.as_bytes(),
        zatca_fs::WriteOptions::SECRET.overwrite(args.force),
    )?;
    println!(
        "wrote a {} private key to {} (mode 0600)",
        key.curve(),
        crate::term::escape(&args.out.display().to_string())
    );
    Ok(())
}
