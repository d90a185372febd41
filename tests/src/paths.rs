//! Where things are: the workspace, the built dashboard, the `signet` binary, screenshots.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The built dashboard: `SIGNET_TEST_DIST` (set by `cargo xtask test`) or `dist/`.
pub fn dist() -> Result<PathBuf> {
    let dist = std::env::var_os("SIGNET_TEST_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("dist"));
    if !dist.join("index.html").is_file() {
        bail!(
            "the dashboard is not built ({} has no index.html): run the tests with `cargo xtask test`, \
             or build it first with `cargo xtask dist`",
            dist.display()
        );
    }
    Ok(dist)
}

/// The `signet` binary built for this test run (`target/debug/signet`), or `SIGNET_BIN`
/// (the benchmarks point it at a release build).
pub fn signet_bin() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("SIGNET_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let bin = target.join("debug/signet");
    if !bin.is_file() {
        bail!(
            "{} is missing: run the tests with `cargo xtask test` (it builds the signet binary \
             with the workspace)",
            bin.display()
        );
    }
    Ok(bin)
}

/// `target/screenshots/NAME.png`, creating the directory.
pub fn screenshot(name: &str) -> Result<PathBuf> {
    let dir = root().join("target/screenshots");
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join(format!("{name}.png")))
}
