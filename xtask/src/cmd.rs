//! Running child processes with clear failures.

use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// Runs `command`, inheriting stdio; fails naming the command when it exits non-zero.
pub fn run(command: &mut Command) -> Result<()> {
    let shown = show(command);
    let status = command
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs `command` and returns its stdout (stderr is inherited).
pub fn output(command: &mut Command) -> Result<String> {
    let shown = show(command);
    let out = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start `{shown}`"))?;
    if !out.status.success() {
        bail!("`{shown}` failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `command` quietly and says whether it succeeded (false when it cannot start).
pub fn succeeds(command: &mut Command) -> bool {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `program arg arg …` for messages.
pub fn show(command: &Command) -> String {
    let mut s = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// A `cargo` command for the native build, with the variables an outer `cargo run` sets for
/// the xtask itself removed so they cannot leak into nested builds.
pub fn cargo() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.current_dir(crate::root());
    command
}

/// Builds the `signet` binary (`target/debug/signet`), which `run` starts and the tests drive.
pub fn build_signet(dist: &std::path::Path) -> Result<()> {
    crate::step("building the signet binary (the dashboard in dist/ embedded)");
    run(cargo().args(EMBEDDED_SIGNET).env("SIGNET_EMBED_DIST", dist))
}

/// `cargo build` arguments for the debug `signet` binary with the dashboard embedded (what
/// the Debian package test installs); the test run uses the same features so nothing is
/// built twice.
pub const EMBEDDED_SIGNET: [&str; 7] = [
    "build",
    "--package",
    "signet-cli",
    "--bin",
    "signet",
    "--features",
    "embed-dashboard",
];
