//! Where the CLI's secrets and answers come from: environment variables for scripts, the
//! terminal for people, never a command-line flag (flags end up in shell history and `ps`).
//!
//! Non-interactive mode — `CI` set to anything but `false`/`0`, or no terminal on stdin —
//! never prompts: a missing input is an error that names the environment variable or flag
//! to set.

use std::io::IsTerminal;

use anyhow::{Result, bail};
use zeroize::Zeroizing;

/// The account password for scripts and CI.
pub const PASSWORD_VAR: &str = "SIGNET_PASSWORD";

/// Whether the CLI may ask questions on the terminal.
pub fn interactive() -> bool {
    let ci = std::env::var("CI")
        .map(|v| !v.is_empty() && v != "false" && v != "0")
        .unwrap_or(false);
    !ci && std::io::stdin().is_terminal()
}

/// The account password: `SIGNET_PASSWORD`, or a prompt (no echo) on the terminal.
pub fn password(email: &str) -> Result<Zeroizing<String>> {
    if let Some(p) = from_env(PASSWORD_VAR) {
        return Ok(p);
    }
    if !interactive() {
        bail!(
            "this command needs the password of {email} to unlock your keys, and there is no \
             terminal to ask on: set {PASSWORD_VAR}"
        );
    }
    let p = prompt(&format!("Password for {email}: "))?;
    if p.is_empty() {
        bail!("no password given");
    }
    Ok(p)
}

/// A new password, typed twice (or `SIGNET_PASSWORD`).
pub fn new_password(email: &str) -> Result<Zeroizing<String>> {
    if let Some(p) = from_env(PASSWORD_VAR) {
        return Ok(p);
    }
    if !interactive() {
        bail!("no terminal to ask for the new account's password on: set {PASSWORD_VAR}");
    }
    let first = prompt(&format!("Choose a password for {email}: "))?;
    if first.chars().count() < 8 {
        bail!("choose a password of at least 8 characters");
    }
    let again = prompt("Type it again: ")?;
    if *first != *again {
        bail!("the two passwords differ; nothing was created");
    }
    Ok(first)
}

/// An environment variable holding a secret, if set and not empty.
pub fn from_env(name: &str) -> Option<Zeroizing<String>> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Zeroizing::new)
}

/// Asks for a secret on the terminal (not echoed).
pub fn secret(question: &str) -> Result<Zeroizing<String>> {
    prompt(question)
}

fn prompt(text: &str) -> Result<Zeroizing<String>> {
    let answer = rpassword::prompt_password(text)
        .map_err(|e| anyhow::anyhow!("cannot read the password from the terminal: {e}"))?;
    Ok(Zeroizing::new(answer))
}

/// A required value that came neither as a flag nor from the environment: in interactive
/// mode, asked for on the terminal (echoed); otherwise an error naming the flag.
pub fn required(value: Option<String>, flag: &str, question: &str) -> Result<String> {
    if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
        return Ok(v.trim().to_owned());
    }
    if !interactive() {
        bail!("missing {flag} (no terminal to ask on)");
    }
    eprint!("{question}: ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        bail!("missing {flag}");
    }
    Ok(line)
}

/// Asks a yes/no question on the terminal (interactive mode only); an empty answer is
/// `default`.
pub fn confirm(question: &str, default: bool) -> Result<bool> {
    if !interactive() {
        bail!("cannot ask \"{question}\": there is no terminal");
    }
    eprint!("{question} {} ", if default { "[Y/n]" } else { "[y/N]" });
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(match line.trim().to_ascii_lowercase().as_str() {
        "" => default,
        "y" | "yes" => true,
        _ => false,
    })
}
