//! `zatca`: the command-line face of the ZATCA onboarding toolkit.
//!
//! Every command is a thin layer over the library crates: it parses flags,
//! calls one library function, prints the result (human text, or JSON with
//! `--json`) and maps errors to the documented exit codes ([`exit`]).
//! Errors go to stderr; no command ever prints a private key, OTP or secret.
#![forbid(unsafe_code)]

mod cmd;
mod exit;
mod input;
mod term;

use clap::{Parser, Subcommand};

use crate::exit::CliError;

/// Offline cryptographic onboarding toolkit for ZATCA e-invoicing (Fatoora) devices.
#[derive(Debug, Parser)]
#[command(
    name = "zatca",
    version,
    about = "Offline cryptographic onboarding toolkit for ZATCA e-invoicing (Fatoora) devices",
    long_about = None,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a private key (secp256k1 by default), written with mode 0600.
    Keygen(cmd::keygen::Args),
    /// Describe a key, CSR, certificate, token or CSID response; never prints secrets.
    Inspect(cmd::inspect::Args),
    /// Sign an invoice hash (base64) as ZATCA verifies it; prints the base64 signature.
    SignHash(cmd::sign_hash::Args),
    /// Decode an invoice QR code (phase 1 or 2 TLV).
    Qr(cmd::qr::Args),
    /// Check an EGS request (ClearTax JSON, Device/Organization JSON or SDK .properties); lists every error.
    Validate(cmd::validate::Args),
    /// Build the ZATCA CSR for a request and a secp256k1 key (writes nothing if the request is invalid).
    Csr(cmd::csr::Args),
    /// Work with UBL invoices: `hash`, `sign` (XAdES signature + QR) and `verify`.
    Invoice(cmd::invoice::Args),
    /// Generate the signed compliance sample documents a device's TSXY requires.
    ComplianceDocs(cmd::compliance_docs::Args),
    /// The device lifecycle: register, csid, status, renew, show, list (store: --store DIR).
    Device(cmd::device::Args),
    /// Onboard a device end to end (offline simulator unless --fatoora says otherwise), printing each step.
    Onboard(cmd::onboard::Args),
    /// Serve the offline simulator over ZATCA's onboarding HTTP API (`serve`).
    #[cfg(feature = "http")]
    Simulator(cmd::simulator::Args),
    /// Serve the onboarding APIs (register-device, generate-csid, renew-pcsid, pcsid-status) over HTTP; `vat` and `user` administer it, `init` and `rotate-master-key` manage the master key its secrets are sealed under.
    #[cfg(feature = "http")]
    Serve(cmd::serve::Args),
}

fn main() -> std::process::ExitCode {
    exit::quiet_on_broken_pipe();
    let cli = Cli::parse();
    let result: Result<(), CliError> = match cli.command {
        Command::Keygen(args) => cmd::keygen::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::SignHash(args) => cmd::sign_hash::run(args),
        Command::Qr(args) => cmd::qr::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Csr(args) => cmd::csr::run(args),
        Command::Invoice(args) => cmd::invoice::run(args),
        Command::ComplianceDocs(args) => cmd::compliance_docs::run(args),
        Command::Device(args) => cmd::device::run(args),
        Command::Onboard(args) => cmd::onboard::run(args),
        #[cfg(feature = "http")]
        Command::Simulator(args) => cmd::simulator::run(args),
        #[cfg(feature = "http")]
        Command::Serve(args) => cmd::serve::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}
