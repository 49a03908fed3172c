//! `zatca`: the command-line face of the ZATCA onboarding toolkit.
//!
//! Every command is a thin layer over the library crates: it parses flags,
//! calls one library function, prints the result (human text, or JSON with
//! `--json`) and maps errors to the documented exit codes ([`exit`]).
//! Errors go to stderr; no command ever prints a private key, OTP or secret.
#![forbid(unsafe_code)]

mod cmd;
mod exit;

use clap::{Parser, Subcommand};

use crate::exit::CliError;

/// Offline cryptographic onboarding toolkit for ZATCA e-invoicing (Fatoora) devices.
#[derive(Debug, Parser)]
#[command(name = "zatca", version, about, long_about = None, propagate_version = true)]
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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result: Result<(), CliError> = match cli.command {
        Command::Keygen(args) => cmd::keygen::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}
