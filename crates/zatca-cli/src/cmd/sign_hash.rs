//! `zatca sign-hash --key KEY --hash BASE64`: ZATCA's invoice signature
//! (ECDSA-SHA256 over the 32 hash bytes, DER, base64), deterministic.

use std::path::PathBuf;

use zatca_keys::{Curve, PrivateKey};

use crate::exit::CliError;
use crate::input::FileArg;

/// Arguments of `zatca sign-hash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The secp256k1 private key (SEC1 or PKCS#8; PEM, DER or the SDK's bare base64;
    /// encrypted PKCS#8 is read with ZATCA_KEY_PASSPHRASE).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The invoice hash: base64 of the 32-byte SHA-256 (44 characters).
    #[arg(long, value_name = "BASE64")]
    hash: String,
}

/// Signs and prints the base64 signature (`ds:SignatureValue`, QR tag 7).
pub fn run(args: Args) -> Result<(), CliError> {
    let key_file = FileArg::flag("--key", &args.key);
    let key: PrivateKey = key_file.private_key()?;
    if key.curve() != Curve::Secp256k1 {
        return Err(key_file.error(zatca_keys::KeyError::WrongCurve {
            found: key.curve(),
            expected: Curve::Secp256k1,
        }));
    }
    println!(
        "{}",
        zatca_sign::sign_invoice_hash_base64(&key, &args.hash)?
    );
    Ok(())
}
