//! `cargo xtask` — Signet's build tasks.
//!
//! - `cargo xtask run [signet serve flags]` — build the dashboard, then run the server.
//! - `cargo xtask dist` — build only the dashboard into `dist/`.
//! - `cargo xtask release [--deb]` — an optimised `signet` with the dashboard embedded, and
//!   the Debian package.
//! - `cargo xtask test` — fmt, clippy, native tests, wasm32 build checks, dashboard build and
//!   the browser tests, installing what they need (apt, as root) on a fresh machine; the
//!   tests also run against a throwaway PostgreSQL.
//! - `cargo xtask postgres [CMD]` — that throwaway PostgreSQL, for a developer: until Ctrl-C,
//!   or around one command.
//! - `cargo xtask fuzz [--seconds N]` — every parser's fuzz target for N seconds: cargo-fuzz
//!   on nightly when installed, else a stable smoke fuzzer on the same entry points.
//! - `cargo xtask soak [ROUNDS]` — the crash-safety test with 1,000 (or ROUNDS) SIGKILLs.
//!
//! Everything a fresh Debian machine lacks is detected and installed here, so the two
//! commands in the README are all a newcomer (or CI) runs. See `docs/development.md`.

mod apt;
mod cmd;
mod deb;
mod dist;
mod fuzz;
mod postgres;
mod release;
mod run;
mod soak;
mod test;
mod toolchain;

use std::path::{Path, PathBuf};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  run [FLAGS]   build the dashboard and start `signet serve` (FLAGS go to signet serve,
                e.g. --bind 127.0.0.1:9000; default http://127.0.0.1:8080)
  dist          build the dashboard into dist/
  deb [--version V]
                a quick Debian package of the debug binary (target/deb-test/), for trying
                the packaging; `release --deb` makes the real one
  release [--deb]
                the operator's build: an optimised target/release/signet with the dashboard
                embedded (no dist/ needed beside it); --deb also makes target/deb/signet_*.deb
  test          every check and test, browser tests included (what CI runs)
  postgres [CMD]
                start a throwaway PostgreSQL (like `test` does) and print its URL; Ctrl-C
                stops it and deletes its data. With CMD: run CMD with
                SIGNET_TEST_POSTGRES_URL set, then stop it
  soak [ROUNDS] the crash-safety test (SIGKILL signet serve during writes, then check that
                no acknowledged write is lost) with ROUNDS rounds, default 1000
  bench         medians of key generation, keystore, CSR, profile and KDF operations,
                with `openssl genrsa 2048` measured in the same run as the reference;
                the server under loopback load; `signet pull` with its breakdown
                (KDF, network, decrypt); the dashboard in headless Chromium (first-load
                transfer and time to interactive, keystore generation against WebCrypto,
                Argon2id unlock)
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
        Some("release") => release::release(&rest),
        Some("deb") => release::debug_deb(&rest),
        Some("test") => test::test(&rest),
        Some("bench") => bench(),
        Some("postgres") => postgres::foreground(&rest),
        Some(postgres::SUPERVISOR_TASK) => postgres::supervise(&rest),
        Some("fuzz") => fuzz::fuzz(&rest),
        Some("soak") => soak::soak(&rest),
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
    cmd::run(cmd::cargo().args(["run", "--package", "signet-tests", "--bin", "signet-bench"]))?;
    // The server is measured as deployed: an optimised `signet` binary, and an optimised load
    // generator so the client is not the bottleneck.
    let dist = dist::dist()?;
    step("building signet and the load generator (release)");
    cmd::run(cmd::cargo().args([
        "build",
        "--release",
        "--package",
        "signet-cli",
        "--package",
        "signet-tests",
        "--bin",
        "signet",
        "--bin",
        "signet-server-bench",
        "--bin",
        "signet-pull-bench",
        "--bin",
        "signet-dashboard-bench",
        "--bin",
        "signet-growth-bench",
    ]))?;
    step("signet-server-bench (loopback load against signet serve)");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    // A durable throwaway PostgreSQL (fsync on), so both backends pay for durability.
    let postgres = match postgres::Postgres::start_with(true) {
        Ok(pg) => Some(pg),
        Err(e) => {
            eprintln!("xtask: PostgreSQL unavailable, measuring SQLite only: {e:#}");
            None
        }
    };
    let mut bench = std::process::Command::new(target.join("release/signet-server-bench"));
    bench
        .env("SIGNET_BIN", target.join("release/signet"))
        .env("SIGNET_TEST_DIST", &dist);
    if let Some(pg) = &postgres {
        bench.env("SIGNET_BENCH_POSTGRES_URL", &pg.url);
    }
    let result = cmd::run(&mut bench);
    if let Some(pg) = postgres {
        pg.stop()?;
    }
    result?;
    step("signet-pull-bench (signet pull from a loopback server, with its breakdown)");
    let mut pull = std::process::Command::new(target.join("release/signet-pull-bench"));
    pull.env("SIGNET_BIN", target.join("release/signet"))
        .env("SIGNET_TEST_DIST", &dist);
    cmd::run(&mut pull)?;
    step("signet-growth-bench (a team growing to 10,000 credentials and 1,000 members)");
    let mut growth = std::process::Command::new(target.join("release/signet-growth-bench"));
    growth
        .env("SIGNET_BIN", target.join("release/signet"))
        .env("SIGNET_TEST_DIST", &dist);
    cmd::run(&mut growth)?;
    step("signet-dashboard-bench (first load, keystore generation, Argon2id in headless Chromium)");
    apt::ensure(test::TEST_TOOLS, "the dashboard benchmark")?;
    let mut dashboard = std::process::Command::new(target.join("release/signet-dashboard-bench"));
    dashboard
        .env("SIGNET_BIN", target.join("release/signet"))
        .env("SIGNET_TEST_DIST", &dist);
    cmd::run(&mut dashboard)
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
