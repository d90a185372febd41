//! `cargo xtask fuzz [--seconds N] [--smoke] [TARGET…]`: every fuzz target of `signet-core`
//! for N seconds (default 30) each.
//!
//! With `cargo fuzz` and a nightly toolchain installed it runs the libFuzzer targets of
//! `wasm-core/fuzz/` (coverage-guided, the fixtures as seed corpus). Otherwise — the usual
//! case: no nightly on the build machines — it runs the stable smoke fuzzer
//! (`wasm-core/examples/fuzz_smoke.rs`): fixtures plus seeded random mutations. Both call
//! the same entry points, `signet_core::fuzzing::*`, so they exercise identical code.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cmd, root, step};

/// The fixture directories every libFuzzer target gets as extra seed corpus.
const FIXTURE_DIRS: &[&str] = &[
    "tests/fixtures/android",
    "tests/fixtures/apple",
    "tests/fixtures/google",
    "tests/fixtures/eas",
];

/// Runs `cargo xtask fuzz`.
pub fn fuzz(args: &[String]) -> Result<()> {
    let mut seconds: u64 = 30;
    let mut force_smoke = false;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|&s| s > 0)
                    .context("--seconds takes a whole number of seconds, at least 1")?;
            }
            "--smoke" => force_smoke = true,
            flag if flag.starts_with('-') => {
                bail!("unknown flag {flag}: cargo xtask fuzz [--seconds N] [--smoke] [TARGET...]")
            }
            target => targets.push(target.to_owned()),
        }
    }
    if !force_smoke && cargo_fuzz_available() {
        libfuzzer(seconds, &targets)
    } else {
        if !force_smoke {
            eprintln!(
                "cargo-fuzz with a nightly toolchain is not installed (`rustup toolchain install \
                 nightly && cargo install cargo-fuzz` adds them): running the stable smoke \
                 fuzzer on the same targets instead"
            );
        }
        smoke(seconds, &targets)
    }
}

/// The stable smoke fuzzer for `seconds` per target (all targets when `targets` is empty).
pub fn smoke(seconds: u64, targets: &[String]) -> Result<()> {
    step(&format!(
        "fuzz smoke (stable): fixtures + seeded mutations, {seconds} s per target"
    ));
    cmd::run(
        cmd::cargo()
            .args([
                "run",
                "--package",
                "signet-core",
                "--features",
                "fuzzing",
                "--example",
                "fuzz_smoke",
                "--",
                "--seconds",
                &seconds.to_string(),
            ])
            .args(targets),
    )
}

/// `cargo fuzz` through rustup's nightly: both must be there.
fn nightly_cargo() -> Command {
    let mut command = Command::new("rustup");
    command.args(["run", "nightly", "cargo"]);
    command.current_dir(root().join("wasm-core"));
    command
}

fn cargo_fuzz_available() -> bool {
    cmd::succeeds(nightly_cargo().args(["fuzz", "--version"]))
}

/// Every libFuzzer target for `seconds` (all when `targets` is empty), one after another,
/// with its runs counted from libFuzzer's closing line.
fn libfuzzer(seconds: u64, targets: &[String]) -> Result<()> {
    let listed = cmd::output(nightly_cargo().args(["fuzz", "list"]))?;
    let all: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let chosen: Vec<&str> = if targets.is_empty() {
        all.clone()
    } else {
        for target in targets {
            if !all.contains(&target.as_str()) {
                bail!("unknown fuzz target {target} (targets: {})", all.join(", "));
            }
        }
        targets.iter().map(String::as_str).collect()
    };
    let mut summary = Vec::new();
    for target in chosen {
        step(&format!("cargo fuzz run {target} ({seconds} s, libFuzzer)"));
        // cargo-fuzz's own corpus directory first (libFuzzer adds what it finds there), the
        // fixtures after it as read-only seeds.
        let corpus = format!("fuzz/corpus/{target}");
        std::fs::create_dir_all(root().join("wasm-core").join(&corpus))?;
        let mut command = nightly_cargo();
        command
            .args(["fuzz", "run", target, &corpus])
            .args(FIXTURE_DIRS)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"));
        let shown = cmd::show(&command);
        let out = command
            .stdin(std::process::Stdio::null())
            .output()
            .with_context(|| format!("cannot start `{shown}`"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
            bail!(
                "`{shown}` failed ({}); the crashing input is under wasm-core/fuzz/artifacts/{target}/",
                out.status
            );
        }
        // libFuzzer ends with "Done 123456 runs in 30 second(s)".
        let runs = log
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("Done ")?.split_whitespace().next())
            .unwrap_or("?")
            .to_owned();
        eprintln!("{target}: {runs} runs in {seconds} s, no crash");
        summary.push(format!("  {target:<18} {runs:>10} runs"));
    }
    eprintln!(
        "\nfuzz (libFuzzer), {seconds} s per target:\n{}",
        summary.join("\n")
    );
    Ok(())
}
