//! `zatca simulator serve`: the offline simulator behind ZATCA's HTTP API, so
//! `zatca device … --fatoora http://127.0.0.1:PORT`, or any other client in any
//! language, onboards against it.
//!
//! The first line on stdout is `listening on http://ADDR` (with the port
//! chosen when `--listen` asks for port 0); then one line per request on
//! stderr: method, path, status (never a header or a body). Plain HTTP, on
//! loopback addresses only: any other `--listen` is a usage error (exit 2).
//! Clients are served concurrently within `zatca_http::Limits`' defaults, so
//! a client that stalls delays no other. The simulator checks the compliance documents'
//! signatures as the in-process one does, and refuses a CSR made for another
//! environment's template (`Denied-by-Policy-Module`).

use std::net::SocketAddr;
use std::path::PathBuf;

use zatca_profile::Environment;
use zatca_simulator::{Simulator, SimulatorConfig, UblDocumentChecker};

use super::device;
use crate::exit::{CliError, Code};

/// Arguments of `zatca simulator`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: SimulatorCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SimulatorCommand {
    /// Serve the simulator over ZATCA's onboarding HTTP API (plain HTTP, loopback only).
    Serve {
        /// The address to listen on (loopback; port 0 picks a free port, printed first).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080", value_parser = loopback_address)]
        listen: SocketAddr,
        /// The environment simulated: development, simulation or production.
        #[arg(long, value_name = "ENV", default_value = "development")]
        env: Environment,
        /// An OTP to accept, once each (repeatable). Without any: development
        /// accepts any OTP, simulation and production any 6 digits, once.
        #[arg(long = "otp", value_name = "CODE")]
        otps: Vec<String>,
        /// Keep the simulator's CA keys and what it issued in DIR (default: in memory).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// Stop after answering N requests (default: run until killed).
        #[arg(long, value_name = "N")]
        max_requests: Option<u64>,
    },
}

/// `--listen`: a socket address on loopback. Anything else is a usage error
/// (exit 2): the server speaks plain HTTP, and credentials travel in its headers.
fn loopback_address(text: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = text
        .parse()
        .map_err(|_| format!("{text:?} is not IP:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)"))?;
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err(zatca_http::HttpError::NotLoopback { addr }.to_string())
    }
}

/// Runs `zatca simulator …`.
pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        SimulatorCommand::Serve {
            listen,
            env,
            otps,
            state,
            max_requests,
        } => {
            let config = SimulatorConfig {
                otps,
                state_dir: state,
                ..SimulatorConfig::for_environment(env, device::now().as_secs())
            };
            let simulator = Simulator::new(config)
                .map_err(|e| CliError::new(Code::Io, e.to_string()))?
                .with_document_checker(Box::new(UblDocumentChecker));
            let server = zatca_http::FatooraServer::bind(listen, simulator)?
                .with_clock(Box::new(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                        .unwrap_or(0)
                }))
                .with_log(Box::new(|method, path, status| {
                    eprintln!("{method} {path} -> {status}");
                }));
            println!("listening on {}", server.base_url());
            eprintln!(
                "simulating the {} environment; stop with Ctrl-C",
                env.as_str()
            );
            server.serve(max_requests)?;
            Ok(())
        }
    }
}
