//! `signet` — Signet's command line.
//!
//! `signet serve` runs the server (dashboard + API). The offline credential commands
//! (`keystore generate`, `csr generate`, `p12`, `inspect`) use `signet-core` directly; every
//! command lives in its own module under [`commands`].
#![forbid(unsafe_code)]

mod commands;

use clap::{Parser, Subcommand};

/// Signet: end-to-end encrypted signing credentials for mobile apps.
#[derive(Debug, Parser)]
#[command(name = "signet", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Signet server: the dashboard and the API.
    Serve(commands::serve::ServeArgs),
    /// Android upload keystores.
    #[command(subcommand)]
    Keystore(commands::keystore::KeystoreCommand),
    /// Certificate signing requests for iOS distribution certificates.
    #[command(subcommand)]
    Csr(CsrCommand),
    /// Join a CSR's private key and Apple's .cer into a .p12.
    P12(commands::csr::P12Args),
    /// Show what a credential file is: fingerprints, subject, expiry, team, bundle id…
    Inspect(commands::inspect::InspectArgs),
}

#[derive(Debug, Subcommand)]
enum CsrCommand {
    /// Generate an RSA-2048 key and a certificate signing request for Apple.
    Generate(commands::csr::CsrArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Keystore(command) => commands::keystore::run(command),
        Command::Csr(CsrCommand::Generate(args)) => commands::csr::generate(args),
        Command::P12(args) => commands::csr::p12(args),
        Command::Inspect(args) => commands::inspect::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
