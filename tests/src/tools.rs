//! The real tools that judge what Signet produces.

use std::{path::Path, process::Command};

use anyhow::{Context, Result, bail};

/// Output of a finished tool.
#[derive(Debug)]
pub struct ToolOutput {
    /// Exit status was 0.
    pub success: bool,
    /// stdout and stderr together.
    pub text: String,
}

/// Runs `program args…` and captures everything it prints.
pub fn run(program: &str, args: &[&str]) -> Result<ToolOutput> {
    let out = Command::new(program).args(args).output().with_context(|| {
        format!("cannot run {program}: is it installed? (`cargo xtask test` installs it)")
    })?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(ToolOutput {
        success: out.status.success(),
        text,
    })
}

/// `openssl req -verify` on a PEM request: fails unless OpenSSL accepts its self-signature.
/// Returns the request's text dump (`-text`).
pub fn openssl_verify_csr(pem: &str, dir: &Path) -> Result<String> {
    let file = dir.join("request.csr");
    std::fs::write(&file, pem)?;
    let path = file.to_string_lossy();
    let out = run(
        "openssl",
        &["req", "-in", &path, "-noout", "-verify", "-text"],
    )?;
    if !out.success || !out.text.contains("verify OK") {
        bail!("openssl req -verify rejected the request:\n{}", out.text);
    }
    Ok(out.text)
}
