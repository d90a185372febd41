//! Installing Debian packages the checks need, when missing — only as root, with a clear
//! message otherwise.

use std::{path::Path, process::Command, sync::OnceLock};

use anyhow::{Result, bail};

use crate::cmd;

/// A program we need and the Debian package that provides it.
#[derive(Debug, Clone, Copy)]
pub struct Need {
    /// Absolute path the package installs (checked for existence).
    pub path: &'static str,
    /// Debian package name.
    pub package: &'static str,
}

/// True when this process runs as root (uid 0), without `unsafe` or libc: `id -u`.
pub fn is_root() -> bool {
    cmd::output(Command::new("id").arg("-u"))
        .map(|s| s.trim() == "0")
        .unwrap_or(false)
}

/// Makes sure every `need` is installed, installing the missing packages with apt-get when we
/// are root. `why` says what they are for, in the error shown to non-root users.
pub fn ensure(needs: &[Need], why: &str) -> Result<()> {
    let missing: Vec<&Need> = needs
        .iter()
        .filter(|n| !Path::new(n.path).exists())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut packages: Vec<&str> = missing.iter().map(|n| n.package).collect();
    packages.dedup();
    install(&packages, why)?;
    for need in missing {
        if !Path::new(need.path).exists() {
            bail!(
                "apt-get installed {} but {} is still missing",
                need.package,
                need.path
            );
        }
    }
    Ok(())
}

/// Installs `packages` with apt-get when we are root; otherwise fails with the command to run.
/// `why` says what they are for.
pub fn install(packages: &[&str], why: &str) -> Result<()> {
    let list = packages.join(" ");
    if !is_root() {
        bail!(
            "{why} needs Debian packages that are not installed: {list}\n\
             install them with:  sudo apt-get install -y --no-install-recommends {list}\n\
             (or run this command as root and it will install them itself)"
        );
    }
    crate::step(&format!("installing {list} ({why})"));
    update_once()?;
    let mut install = Command::new("apt-get");
    install
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(packages);
    cmd::run(&mut install)
}

/// `apt-get update`, at most once per xtask run.
fn update_once() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    if DONE.get().is_some() {
        return Ok(());
    }
    let mut update = Command::new("apt-get");
    update
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["update", "-q"]);
    cmd::run(&mut update)?;
    let _ = DONE.set(true);
    Ok(())
}
