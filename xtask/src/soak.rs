//! `cargo xtask soak [ROUNDS]`: the crash-safety test with many more SIGKILLs.
//!
//! `cargo xtask test` runs `durability_crash_…` with 50 rounds (start `signet serve`, stream
//! concurrent writes, SIGKILL it at a random moment, check the database and every
//! acknowledged write). This runs the same test with `SIGNET_SOAK_ROUNDS` rounds, 1,000 by
//! default. The seed is printed; `SIGNET_CRASH_SEED=<seed>` replays a run's choices.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::{cmd, dist, step};

/// Rounds when none are given.
const DEFAULT_ROUNDS: u32 = 1000;

/// Runs the crash test with `args[0]` (or [`DEFAULT_ROUNDS`]) rounds.
pub fn soak(args: &[String]) -> Result<()> {
    let rounds: u32 = match args.first() {
        Some(n) => n
            .parse()
            .with_context(|| format!("ROUNDS must be a number of rounds, not `{n}`"))?,
        None => DEFAULT_ROUNDS,
    };
    // The server only needs a built dashboard to start; reuse one when the caller has it.
    let dist = match std::env::var_os("SIGNET_TEST_DIST") {
        Some(dir) => PathBuf::from(dir),
        None => dist::dist()?,
    };
    cmd::build_signet(&dist)?;
    let nextest = cmd::succeeds(cmd::cargo().args(["nextest", "--version"]));
    let mut test = cmd::cargo();
    if nextest {
        test.args([
            "nextest",
            "run",
            "--package",
            "signet-tests",
            "--test",
            "integration",
        ])
        .args(["--no-capture", "durability_crash"]);
    } else {
        test.args(["test", "--package", "signet-tests", "--test", "integration"])
            .args(["durability_crash", "--", "--nocapture"]);
    }
    test.env("SIGNET_SOAK_ROUNDS", rounds.to_string())
        .env("SIGNET_TEST_DIST", &dist);
    step(&format!(
        "crash safety: {rounds} SIGKILLs of signet serve during writes"
    ));
    cmd::run(&mut test)
}
