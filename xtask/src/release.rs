//! `cargo xtask release [--deb]`: the operator's build. The dashboard (release wasm), then an
//! optimised `target/release/signet` with the dashboard embedded, so `signet serve` needs no
//! file beside it; with `--deb`, also the Debian package in `target/deb/`.

use anyhow::{Result, bail};

use crate::{cmd, deb, dist, step};

/// Runs `cargo xtask release`.
pub fn release(args: &[String]) -> Result<()> {
    let mut with_deb = false;
    for arg in args {
        match arg.as_str() {
            "--deb" => with_deb = true,
            other => bail!("unknown flag {other}: cargo xtask release [--deb]"),
        }
    }
    let dist = dist::dist()?;
    step("building target/release/signet (optimised, dashboard embedded)");
    cmd::run(
        cmd::cargo()
            .args([
                "build",
                "--release",
                "--package",
                "signet-cli",
                "--bin",
                "signet",
                "--features",
                "embed-dashboard",
            ])
            .env("SIGNET_EMBED_DIST", &dist),
    )?;
    let binary = crate::root().join("target/release/signet");
    let size = std::fs::metadata(&binary)?.len();
    println!("  {} ({:.1} MB)", binary.display(), size as f64 / 1e6);
    if with_deb {
        deb::build(
            &binary,
            env!("CARGO_PKG_VERSION"),
            &crate::root().join("target/deb"),
            deb::Compression::Release,
        )?;
    }
    Ok(())
}

/// `cargo xtask deb`: the debug binary (dashboard embedded) as a quickly compressed package in
/// `target/deb-test/`, to try the packaging without an optimised build.
pub fn debug_deb(args: &[String]) -> Result<()> {
    let version = match args {
        [] => env!("CARGO_PKG_VERSION").to_owned(),
        [flag, v] if flag == "--version" => v.clone(),
        _ => bail!("usage: cargo xtask deb [--version VERSION]"),
    };
    let dist = dist::dist()?;
    cmd::build_signet(&dist)?;
    deb::build(
        &crate::root().join("target/debug/signet"),
        &version,
        &crate::root().join("target/deb-test"),
        deb::Compression::Fast,
    )?;
    Ok(())
}
