//! `cargo xtask` — Signet's build tasks.
//!
//! - `cargo xtask run [signet serve flags]` — build the dashboard, then run the server.
//! - `cargo xtask dist` — build only the dashboard into `dist/`.
//! - `cargo xtask test` — fmt, clippy, native tests, wasm32 build checks, dashboard build and
//!   the browser tests, installing what they need (apt, as root) on a fresh machine.
//! - `cargo xtask fuzz [--seconds N]` — every parser's fuzz target for N seconds: cargo-fuzz
//!   on nightly when installed, else a stable smoke fuzzer on the same entry points.
//!
//! Everything a fresh Debian machine lacks is detected and installed here, so the two
//! commands in the README are all a newcomer (or CI) runs. See `docs/development.md`.

mod apt;
mod cmd;
mod dist;
mod fuzz;
mod run;
mod test;
mod toolchain;

use std::path::{Path, PathBuf};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  run [FLAGS]   build the dashboard and start `signet serve` (FLAGS go to signet serve,
                e.g. --bind 127.0.0.1:9000; default http://127.0.0.1:8080)
  dist          build the dashboard into dist/
  test          every check and test, browser tests included (what CI runs)
  bench         medians of key generation, keystore, CSR, profile and KDF operations,
                with `openssl genrsa 2048` measured in the same run as the reference
  fuzz [--seconds N] [--smoke] [TARGET...]
                every parser's fuzz target for N seconds (default 30): cargo-fuzz when it
                and a nightly toolchain are installed, else (or with --smoke) the stable
                smoke fuzzer (fixtures + seeded mutations) on the same entry points
";

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    let result = match task.as_deref() {
        Some("run") => run::run(&rest),
        Some("dist") => dist::dist().map(|_| ()),
        Some("test") => test::test(&rest),
        Some("bench") => bench(),
        Some("fuzz") => fuzz::fuzz(&rest),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(anyhow::anyhow!("unknown task `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nxtask: error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `cargo xtask bench`: timing goals are measured here, never asserted in tests.
fn bench() -> anyhow::Result<()> {
    step("signet-bench (formats and KDF, natively)");
    cmd::run(cmd::cargo().args(["run", "--package", "signet-tests", "--bin", "signet-bench"]))
}

/// The workspace root (the parent of `xtask/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Prints a step header, so a long log says where it is.
fn step(what: &str) {
    eprintln!("\n==> {what}");
}
