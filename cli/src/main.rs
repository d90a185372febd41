//! `signet` — Signet's command line.
//!
//! `signet serve` runs the server (dashboard + API); `signet backup` copies its database
//! while it runs. The offline credential commands (`keystore generate`, `csr generate`, `p12`,
//! `inspect`, `doctor`) use `signet-core` directly. The server-connected ones (`register`,
//! `login`, `pull`, `push`, `token`…) go through `signet-client`, so every key is derived, every
//! payload encrypted and decrypted here: the server sees ciphertext only. Every command lives
//! in its own module under [`commands`].
#![forbid(unsafe_code)]

mod commands;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Signet: end-to-end encrypted signing credentials for mobile apps.
#[derive(Debug, Parser)]
#[command(
    name = "signet",
    version = version(),
    about,
    long_about = None,
    after_help = "Keys are never written to disk: commands that decrypt (pull, push, keystore \
generate --remote, token create, teams create, teams verify) ask for your password each time, \
or read SIGNET_PASSWORD. On CI, set SIGNET_TOKEN (a robot token from `signet token create`) and \
SIGNET_SERVER for pull, credentials and apps. With CI=true or no terminal, nothing is \
ever prompted for."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Signet server: the dashboard and the API. Settings come from flags,
    /// environment variables or a TOML config file (--config).
    #[command(after_help = commands::serve_config::SERVE_AFTER_HELP)]
    Serve(commands::serve::ServeArgs),
    /// `signet serve`'s config file: `signet config check FILE`.
    #[command(subcommand)]
    Config(commands::serve_config::ConfigCommand),
    /// Copy the embedded SQLite database to a file, while the server keeps running.
    Backup(commands::backup::BackupArgs),
    /// Android upload keystores.
    #[command(subcommand)]
    Keystore(commands::keystore::KeystoreCommand),
    /// Google Play's app-signing certificate beside the upload key: both keys' fingerprints,
    /// assetlinks.json, and the upload-key reset.
    #[command(subcommand)]
    Android(commands::android::AndroidCommand),
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
    /// Create an account on a Signet server (keys are derived here) and sign in. Prints the
    /// recovery code once. The password comes from a prompt or SIGNET_PASSWORD, never a flag.
    /// On an invite-only server, pass the invitation link an admin sent with --invite: the
    /// account is created with it and joins that team.
    Register(commands::account::RegisterArgs),
    /// Sign in: stores the server URL and session token (not your keys) in the config dir
    /// (SIGNET_CONFIG_DIR, or $XDG_CONFIG_HOME/signet, or ~/.config/signet), mode 0600.
    Login(commands::account::AccountArgs),
    /// Sign out: revokes the session and forgets its token.
    Logout(commands::remote::ServerArgs),
    /// Who the CLI acts as: the signed-in user and their teams, or the robot token in
    /// SIGNET_TOKEN.
    Whoami(commands::remote::ServerArgs),
    /// List your teams, create one, or verify their membership logs (so `signet credentials`
    /// can check metadata signatures on this machine).
    Teams(commands::teams::TeamsArgs),
    /// List apps, or create one.
    Apps(commands::teams::AppsArgs),
    /// List credentials' metadata (kind, label, fingerprint, expiry, where used; each checked
    /// against its author's signature), or move one to the trash and back.
    Credentials(commands::credentials::CredentialsArgs),
    /// Write an app's credentials as EAS's credentials.json plus its files (0600), decrypted
    /// here. Asks for your password (or reads SIGNET_PASSWORD); with SIGNET_TOKEN, none.
    Pull(commands::pull::PullArgs),
    /// Import an EAS credentials.json bundle into an app: checks everything first, then
    /// encrypts here, uploads, and makes each credential its slot's default.
    Push(commands::push::PushArgs),
    /// Robot tokens for CI.
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// iOS credentials made with Apple through the team's App Store Connect API key:
    /// certificates, provisioning profiles, devices.
    #[command(subcommand)]
    Ios(commands::ios::IosCommand),
}

#[derive(Debug, Subcommand)]
enum CsrCommand {
    /// Generate an RSA-2048 key and a certificate signing request for Apple.
    Generate(commands::csr::CsrArgs),
}

/// `0.1.0 (dashboard c1c5974349b3, embedded)`: the version and what dashboard `serve` serves.
fn version() -> &'static str {
    use signet_server::dashboard::{Source, is_embedded};
    let text = match Source::Embedded.build_id().filter(|_| is_embedded()) {
        Some(id) => format!("{} (dashboard {id}, embedded)", signet_server::VERSION),
        None => format!(
            "{} (no embedded dashboard: serve uses --dist)",
            signet_server::VERSION
        ),
    };
    Box::leak(text.into_boxed_str())
}

fn main() -> std::process::ExitCode {
    // The matches say where each `signet serve` setting came from (flag, environment,
    // default), which decides whether the config file's value applies.
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // `Ok(false)`: the command ran and reported a failure itself (`signet doctor`).
    let result = match cli.command {
        Command::Serve(args) => {
            commands::serve::run(args, matches.subcommand_matches("serve")).map(|()| true)
        }
        Command::Config(command) => commands::serve_config::run(command).map(|()| true),
        Command::Backup(args) => commands::backup::run(args).map(|()| true),
        Command::Keystore(command) => commands::keystore::run(command).map(|()| true),
        Command::Android(command) => commands::android::run(command).map(|()| true),
        Command::Csr(CsrCommand::Generate(args)) => commands::csr::generate(args).map(|()| true),
        Command::P12(args) => commands::csr::p12(args).map(|()| true),
        Command::Inspect(args) => commands::inspect::run(args).map(|()| true),
        Command::Doctor(args) => commands::doctor::run(args),
        Command::Register(args) => commands::account::register(args).map(|()| true),
        Command::Login(args) => commands::account::login(args).map(|()| true),
        Command::Logout(args) => commands::account::logout(args).map(|()| true),
        Command::Whoami(args) => commands::account::whoami(args).map(|()| true),
        Command::Teams(args) => commands::teams::teams(args).map(|()| true),
        Command::Apps(args) => commands::teams::apps(args).map(|()| true),
        Command::Credentials(args) => commands::credentials::run(args),
        Command::Pull(args) => commands::pull::run(args),
        Command::Push(args) => commands::push::run(args).map(|()| true),
        Command::Token(command) => commands::token::run(command).map(|()| true),
        Command::Ios(command) => commands::ios::run(command).map(|()| true),
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
