//! `signet` — Signet's command line.
//!
//! `signet serve` runs the server (dashboard + API). The credential commands (`pull`, `push`,
//! `inspect`, `doctor`, …) live in [`commands`] next to it.
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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
