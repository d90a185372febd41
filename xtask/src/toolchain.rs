//! Finding (or installing) a compiler for `wasm32-unknown-unknown`.
//!
//! In this order (see `docs/development.md`):
//! 1. the active rustup toolchain already has the target;
//! 2. `rustup target add wasm32-unknown-unknown`, under a 60 s timeout (the download can hang);
//! 3. Debian's `rustc-web` + `rust-web-src` + `lld-22`, building std from source with
//!    `-Zbuild-std` (installed with apt when we are root).
//!
//! `SIGNET_WASM_ROUTE=debian` skips 1–2 (to exercise the fallback); `=rustup` forbids 3.
//! Each route has its own target directory: switching toolchains in one directory would
//! rebuild everything.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};

use crate::{apt, cmd};

const TARGET: &str = "wasm32-unknown-unknown";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_STD_SRC: &str = "/usr/lib/rustlib/src/rust/library";
const DEBIAN_LLD: &str = "/usr/bin/rust-lld";
/// Leptos 0.8 and sqlx 0.9 need at least this.
const MIN_MINOR: u32 = 88;

/// How the wasm build is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// rustup's toolchain with the prebuilt wasm32 std.
    Rustup,
    /// Debian's rustc-web, std rebuilt from source.
    Debian,
}

/// A ready-to-use wasm32 compiler.
#[derive(Debug, Clone)]
pub struct WasmToolchain {
    /// Which route was found.
    pub route: Route,
    /// Where its build output goes.
    pub target_dir: PathBuf,
}

impl WasmToolchain {
    /// Detects a wasm32 toolchain, installing one when allowed. Prints what it chose.
    pub fn detect() -> Result<Self> {
        let forced = std::env::var("SIGNET_WASM_ROUTE").unwrap_or_default();
        let route = match forced.as_str() {
            "debian" => debian()?,
            "rustup" => rustup()?.context(
                "SIGNET_WASM_ROUTE=rustup but the rustup toolchain has no wasm32 target and \
                 `rustup target add wasm32-unknown-unknown` did not work",
            )?,
            "" => match rustup()? {
                Some(route) => route,
                None => debian()?,
            },
            other => bail!("SIGNET_WASM_ROUTE must be `rustup` or `debian`, not `{other}`"),
        };
        let dir = match route {
            Route::Rustup => "wasm-rustup",
            Route::Debian => "wasm-debian",
        };
        // Under `CARGO_TARGET_DIR` when it is set (one per worktree), else `target/`.
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| crate::root().join("target"), PathBuf::from)
            .join(dir);
        eprintln!(
            "wasm32 toolchain: {route:?} route (target dir {})",
            target_dir.display()
        );
        Ok(Self { route, target_dir })
    }

    /// A `cargo SUBCOMMAND --target wasm32-unknown-unknown` command for this toolchain, with
    /// the variables inherited from the outer `cargo run` stripped.
    pub fn cargo(&self, subcommand: &str) -> Command {
        let mut command = match self.route {
            Route::Rustup => {
                Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            }
            Route::Debian => Command::new(DEBIAN_CARGO),
        };
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("CARGO_PKG_")
                || key.starts_with("CARGO_BIN_")
                || matches!(
                    key.as_ref(),
                    "CARGO"
                        | "CARGO_MANIFEST_DIR"
                        | "CARGO_MANIFEST_PATH"
                        | "CARGO_CRATE_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "RUSTC"
                        | "RUSTDOC"
                        | "RUSTC_WRAPPER"
                )
            {
                command.env_remove(key.as_ref());
            }
        }
        command
            .current_dir(crate::root())
            .arg(subcommand)
            .args(["--target", TARGET])
            .arg("--target-dir")
            .arg(&self.target_dir);
        if self.route == Route::Debian {
            command
                .env_remove("RUSTUP_TOOLCHAIN")
                .env("RUSTC", DEBIAN_RUSTC)
                .env("RUSTDOC", "/usr/bin/rustdoc")
                // -Zbuild-std is unstable; Debian's compiler is a stable release.
                .env("RUSTC_BOOTSTRAP", "1")
                .arg("-Zbuild-std=std,panic_abort");
        }
        command
    }
}

/// Route 1 and 2. `Ok(None)` when rustup cannot provide the target.
fn rustup() -> Result<Option<Route>> {
    if rustup_has_target() {
        return Ok(Some(Route::Rustup));
    }
    if !cmd::succeeds(Command::new("rustup").arg("--version")) {
        eprintln!("rustup not found; trying the Debian route");
        return Ok(None);
    }
    crate::step("adding the wasm32 target to the rustup toolchain (60 s limit)");
    let added =
        cmd::succeeds(Command::new("timeout").args(["60", "rustup", "target", "add", TARGET]));
    if added && rustup_has_target() {
        return Ok(Some(Route::Rustup));
    }
    eprintln!("`rustup target add {TARGET}` did not work here; trying the Debian route");
    Ok(None)
}

/// Whether the active rustup toolchain's sysroot holds the wasm32 `libcore`.
fn rustup_has_target() -> bool {
    let Ok(sysroot) = cmd::output(
        Command::new("rustc")
            .current_dir(crate::root())
            .args(["--print", "sysroot"]),
    ) else {
        return false;
    };
    let lib = Path::new(sysroot.trim()).join(format!("lib/rustlib/{TARGET}/lib"));
    std::fs::read_dir(lib)
        .map(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("libcore-") && name.ends_with(".rlib")
            })
        })
        .unwrap_or(false)
}

/// Route 3: Debian's rustc-web with std sources and an LLVM linker.
fn debian() -> Result<Route> {
    let recent = debian_rustc_minor().is_some_and(|minor| minor >= MIN_MINOR);
    // `/usr/bin/rustc` may be Debian's old `rustc` package; rustc-web replaces it.
    let rustc_path = if recent {
        DEBIAN_RUSTC
    } else {
        "/nonexistent/rustc-web"
    };
    apt::ensure(
        &[
            apt::Need {
                path: rustc_path,
                package: "rustc-web",
            },
            apt::Need {
                path: DEBIAN_CARGO,
                package: "cargo-web",
            },
            apt::Need {
                path: DEBIAN_STD_SRC,
                package: "rust-web-src",
            },
            // A dangling link until lld-22 is installed; `exists` follows it.
            apt::Need {
                path: DEBIAN_LLD,
                package: "lld-22",
            },
        ],
        "building the dashboard without rustup's wasm32 target (the Debian route)",
    )?;
    match debian_rustc_minor() {
        Some(minor) if minor >= MIN_MINOR => Ok(Route::Debian),
        Some(minor) => bail!(
            "{DEBIAN_RUSTC} is rustc 1.{minor}, but Signet needs 1.{MIN_MINOR} or newer; \
             install Debian's rustc-web package"
        ),
        None => bail!("{DEBIAN_RUSTC} does not run; install Debian's rustc-web package"),
    }
}

/// The minor version of `/usr/bin/rustc`, if it runs.
fn debian_rustc_minor() -> Option<u32> {
    let version = cmd::output(Command::new(DEBIAN_RUSTC).arg("--version")).ok()?;
    // "rustc 1.96.0 (…)"
    version
        .split_whitespace()
        .nth(1)?
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}
