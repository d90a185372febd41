//! `signet` — Signet's command line.
//!
//! `signet serve` runs the server (dashboard + API); `signet backup` copies its database
//! while it runs. The offline credential commands (`keystore generate`, `csr generate`, `p12`,
//! `inspect`, `doctor`) use `signet-core` directly; every command lives in its own module
//! under [`commands`].
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
    /// Copy the embedded SQLite database to a file, while the server keeps running.
    Backup(commands::backup::BackupArgs),
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
    /// Check an EAS credentials.json before a build: files, passwords, alias, profile ↔
    /// certificate, bundle id, expiry. Exit code 0 when nothing failed (warnings allowed).
    Doctor(commands::doctor::DoctorArgs),
}

#[derive(Debug, Subcommand)]
enum CsrCommand {
    /// Generate an RSA-2048 key and a certificate signing request for Apple.
    Generate(commands::csr::CsrArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // `Ok(false)`: the command ran and reported a failure itself (`signet doctor`).
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args).map(|()| true),
        Command::Backup(args) => commands::backup::run(args).map(|()| true),
        Command::Keystore(command) => commands::keystore::run(command).map(|()| true),
        Command::Csr(CsrCommand::Generate(args)) => commands::csr::generate(args).map(|()| true),
        Command::P12(args) => commands::csr::p12(args).map(|()| true),
        Command::Inspect(args) => commands::inspect::run(args).map(|()| true),
        Command::Doctor(args) => commands::doctor::run(args),
    };
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
