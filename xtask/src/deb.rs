//! The Debian package: `signet_VERSION_ARCH.deb`, built with Debian's own `dpkg-deb` from
//! `packaging/debian/` and a `signet` binary that carries the dashboard.
//!
//! Contents: `/usr/bin/signet` (debug info stripped), the hardened systemd unit,
//! `/etc/signet/signet.toml` (a conffile: upgrades keep the operator's edits), the
//! maintainer scripts (service user, data directory, enable/restart) and the docs. `Depends`
//! is computed from the binary's shared libraries and the newest glibc symbol it uses, so
//! the package refuses to install where the binary could not run.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};

use crate::{cmd, step};

/// How hard `dpkg-deb` compresses: `Fast` for the test suite's throwaway packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// xz, what a release ships.
    Release,
    /// gzip -1.
    Fast,
}

/// Builds the package for `binary` as version `version` into `out_dir`; returns its path.
pub fn build(
    binary: &Path,
    version: &str,
    out_dir: &Path,
    compression: Compression,
) -> Result<PathBuf> {
    step(&format!("Debian package signet {version}"));
    let root = crate::root();
    let src = root.join("packaging/debian");
    let arch = cmd::output(Command::new("dpkg").arg("--print-architecture"))
        .context("dpkg is needed to build the Debian package")?
        .trim()
        .to_owned();
    let stage = root.join("target/deb-staging").join(version);
    if stage.exists() {
        fs::remove_dir_all(&stage).with_context(|| format!("cannot clean {}", stage.display()))?;
    }
    let put = |from: &Path, to: &str, mode: u32| -> Result<()> {
        let dest = stage.join(to);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(from, &dest)
            .with_context(|| format!("cannot copy {} to {}", from.display(), dest.display()))?;
        set_mode(&dest, mode)
    };
    put(binary, "usr/bin/signet", 0o755)?;
    // Debug info is for developers; the package carries the code only.
    cmd::run(
        Command::new("objcopy")
            .arg("--strip-debug")
            .arg(stage.join("usr/bin/signet")),
    )?;
    put(
        &src.join("signet.service"),
        "lib/systemd/system/signet.service",
        0o644,
    )?;
    put(&src.join("signet.toml"), "etc/signet/signet.toml", 0o640)?;
    put(
        &src.join("README.Debian"),
        "usr/share/doc/signet/README.Debian",
        0o644,
    )?;
    put(
        &src.join("copyright"),
        "usr/share/doc/signet/copyright",
        0o644,
    )?;
    for script in ["postinst", "prerm", "postrm"] {
        put(&src.join(script), &format!("DEBIAN/{script}"), 0o755)?;
    }
    fs::write(stage.join("DEBIAN/conffiles"), "/etc/signet/signet.toml\n")?;
    let depends = depends(&stage.join("usr/bin/signet"))?;
    let installed_kb = du_bytes(&stage)?.div_ceil(1024);
    let control = format!(
        "Package: signet\n\
         Version: {version}\n\
         Architecture: {arch}\n\
         Maintainer: Signet developers <signet@example.invalid>\n\
         Installed-Size: {installed_kb}\n\
         Depends: {depends}, adduser\n\
         Section: admin\n\
         Priority: optional\n\
         Homepage: https://example.invalid/signet\n\
         Description: end-to-end encrypted signing credentials for mobile apps\n \
         Signet stores Android upload keystores, iOS certificates and provisioning profiles,\n \
         push and API keys for a team, encrypted in the browser or the CLI: the server holds\n \
         only ciphertext and public metadata. This package runs the server and its dashboard\n \
         as a hardened systemd service.\n"
    );
    fs::write(stage.join("DEBIAN/control"), control)?;
    fs::create_dir_all(out_dir)?;
    let deb = out_dir.join(format!("signet_{version}_{arch}.deb"));
    let mut build = Command::new("dpkg-deb");
    build.arg("--root-owner-group");
    match compression {
        Compression::Release => build.args(["-Zxz", "-z6"]),
        Compression::Fast => build.args(["-Zgzip", "-z1"]),
    };
    build.arg("--build").arg(&stage).arg(&deb);
    cmd::run(&mut build)?;
    println!(
        "  {} ({:.1} MB)",
        deb.display(),
        fs::metadata(&deb)?.len() as f64 / 1e6
    );
    Ok(deb)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot chmod {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

/// `libc6 (>= 2.NN)[, libgcc-s1]` from the binary's `NEEDED` libraries and glibc symbols.
fn depends(binary: &Path) -> Result<String> {
    let dynamic = cmd::output(Command::new("objdump").arg("-p").arg(binary))?;
    let mut packages = vec![];
    for lib in dynamic
        .lines()
        .filter_map(|l| l.trim().strip_prefix("NEEDED"))
        .map(str::trim)
    {
        let package = match lib {
            "libc.so.6"
            | "libm.so.6"
            | "libpthread.so.0"
            | "libdl.so.2"
            | "librt.so.1"
            | "ld-linux-x86-64.so.2"
            | "ld-linux-aarch64.so.1" => "libc6",
            "libgcc_s.so.1" => "libgcc-s1",
            other => bail!(
                "the signet binary needs {other}, which packaging/debian does not know: add its \
                 Debian package to xtask/src/deb.rs"
            ),
        };
        if !packages.contains(&package) {
            packages.push(package);
        }
    }
    let symbols = cmd::output(Command::new("objdump").arg("-T").arg(binary))?;
    let glibc = glibc_floor(&symbols);
    Ok(packages
        .iter()
        .map(|p| match (p, glibc) {
            (&"libc6", Some((major, minor))) => format!("libc6 (>= {major}.{minor})"),
            (p, _) => (*p).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", "))
}

/// The newest `GLIBC_x.y` version `objdump -T` lists (`(GLIBC_2.34) __libc_start_main`).
fn glibc_floor(symbols: &str) -> Option<(u32, u32)> {
    symbols
        .split_whitespace()
        .filter_map(|w| {
            w.trim_matches(|c| c == '(' || c == ')')
                .strip_prefix("GLIBC_")
        })
        .filter_map(|v| {
            let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .max()
}

/// The staged files' size in bytes (for `Installed-Size`).
fn du_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            du_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glibc_floor_is_the_newest_version_objdump_lists() {
        let symbols = "0000000000000000  w   DF *UND*\t0000000000000000 (GLIBC_2.2.5) __cxa_finalize\n\
                       0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.34) __libc_start_main\n\
                       0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.4) memcpy\n";
        assert_eq!(glibc_floor(symbols), Some((2, 34)));
        assert_eq!(glibc_floor("nothing here"), None);
    }
}
