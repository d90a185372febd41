//! The stable smoke fuzzer behind `cargo xtask fuzz` (when cargo-fuzz or nightly is missing).
//!
//! For each target of [`signet_core::fuzzing::TARGETS`] — the very functions the cargo-fuzz
//! targets in `wasm-core/fuzz/` call — it feeds the committed fixtures, then random mutations
//! of them (bit flips, byte changes, truncations, insertions, deletions, duplicated chunks,
//! splices of two seeds, ASN.1/JSON/plist tokens) for a time budget, from a seeded PRNG so a
//! run is repeatable. It is not coverage-guided like libFuzzer; it proves the parsers survive
//! plausible damage. A panic or an input running longer than the timeout is saved under
//! `wasm-core/fuzz/artifacts/<target>/` (where cargo-fuzz puts its own) and fails the run.
//!
//! ```text
//! cargo run -p signet-core --features fuzzing --example fuzz_smoke -- \
//!     [--seconds N] [--seed S] [--timeout S] [TARGET…]
//! cargo run -p signet-core --features fuzzing --example fuzz_smoke -- TARGET --input FILE
//! ```

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use signet_core::fuzzing::{TARGETS, Target};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const FUZZ_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz");
/// Mutated inputs are cut back to this size; every seed is far smaller.
const MAX_INPUT: usize = 64 * 1024;

const USAGE: &str = "usage: fuzz_smoke [--seconds N] [--seed S] [--timeout S] [TARGET...]
       fuzz_smoke TARGET --input FILE   (replay one input, e.g. a saved artifact)";

/// Which fixtures seed a target: (directory under `tests/fixtures`, file-name endings).
fn seed_files(target: &str) -> &'static [(&'static str, &'static [&'static str])] {
    match target {
        "jks" => &[("android", &[".jks"])],
        "pkcs12" => &[("android", &[".p12"])],
        "keystore" => &[("android", &[".jks", ".p12"])],
        "profile" => &[("apple", &[".mobileprovision", ".plist"])],
        "p8" => &[("apple", &[".p8"])],
        "service_account" => &[("google", &[".json"])],
        "apple_certificate" => &[("apple", &[".cer", ".pem"]), ("android", &[".der", ".pem"])],
        "play_certificate" => &[("android", &[".der", ".pem", ".jks"]), ("apple", &[".cer"])],
        "credentials_json" => &[("eas", &[".json"])],
        "zip" => &[("eas", &[".zip"])],
        _ => &[],
    }
}

struct Options {
    seconds: f64,
    seed: u64,
    timeout: Duration,
    targets: Vec<(&'static str, Target)>,
    input: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(message) => {
            eprintln!("fuzz_smoke: {message}\n{USAGE}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let options = parse_args(std::env::args().skip(1))?;
    if let Some(file) = &options.input {
        let [(name, target)] = options.targets[..] else {
            return Err("--input replays one input: name exactly one target".into());
        };
        let input = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let started = Instant::now();
        return match catch_unwind(AssertUnwindSafe(|| target(&input))) {
            Ok(()) => {
                println!(
                    "{name}: no panic on {} ({:?})",
                    file.display(),
                    started.elapsed()
                );
                Ok(true)
            }
            Err(_) => {
                println!("{name}: PANIC on {}", file.display());
                Ok(false)
            }
        };
    }

    let watchdog = Watchdog::start(options.timeout);
    let budget = Duration::from_secs_f64(options.seconds);
    println!(
        "fuzz smoke: {} targets, {:.0} s each, seed {:#x}",
        options.targets.len(),
        options.seconds,
        options.seed
    );
    let mut total = 0u64;
    let mut failures = Vec::new();
    for &(name, target) in &options.targets {
        let seeds = load_seeds(name)?;
        let mut rng = Rng(options.seed ^ fnv1a(name.as_bytes()));
        let outcome = fuzz(name, target, &seeds, budget, &mut rng, &watchdog);
        total += outcome.runs;
        let secs = outcome.elapsed.as_secs_f64();
        println!(
            "  {name:<18} {:>9} runs in {secs:>5.1} s ({:>7.0}/s) from {} seeds; slowest input {:?}",
            outcome.runs,
            outcome.runs as f64 / secs.max(1e-9),
            seeds.len(),
            outcome.slowest
        );
        if let Some(artifact) = outcome.crash {
            println!("  {name:<18} PANIC: input saved to {}", artifact.display());
            failures.push(name);
        }
    }
    if failures.is_empty() {
        println!("fuzz smoke: {total} runs, no panic");
        Ok(true)
    } else {
        println!(
            "fuzz smoke: {total} runs; panics in {}. Replay one with `cargo run -p signet-core \
             --features fuzzing --example fuzz_smoke -- TARGET --input FILE`",
            failures.join(", ")
        );
        Ok(false)
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        seconds: 30.0,
        seed: 0x5167_6e65_7453_6d6b,
        timeout: Duration::from_secs(30),
        targets: Vec::new(),
        input: None,
    };
    let mut args = args;
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--seconds" => {
                options.seconds = value("--seconds")?
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or("--seconds takes a positive number")?;
            }
            "--seed" => {
                let text = value("--seed")?;
                let parsed = match text.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16),
                    None => text.parse(),
                };
                options.seed = parsed.map_err(|_| format!("--seed {text}: not a number"))?;
            }
            "--timeout" => {
                let secs: u64 = value("--timeout")?
                    .parse()
                    .map_err(|_| "--timeout takes whole seconds")?;
                options.timeout = Duration::from_secs(secs.max(1));
            }
            "--input" => options.input = Some(PathBuf::from(value("--input")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            name => {
                let target = TARGETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
                    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
                    format!("unknown target {name} (targets: {})", names.join(", "))
                })?;
                options.targets.push(*target);
            }
        }
    }
    if options.targets.is_empty() {
        options.targets = TARGETS.to_vec();
    }
    Ok(options)
}

/// The fixtures for `target`, plus cargo-fuzz's corpus for it when one exists (so findings
/// of either fuzzer seed the other).
fn load_seeds(target: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut files: Vec<PathBuf> = Vec::new();
    for (dir, endings) in seed_files(target) {
        files.extend(
            list(&Path::new(FIXTURES).join(dir))?
                .into_iter()
                .filter(|p| {
                    let name = p.to_string_lossy();
                    endings.iter().any(|e| name.ends_with(e))
                }),
        );
    }
    let corpus = Path::new(FUZZ_DIR).join("corpus").join(target);
    if corpus.is_dir() {
        files.extend(list(&corpus)?);
    }
    if files.is_empty() {
        return Err(format!("no seed files for target {target}"));
    }
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read(f).map_err(|e| format!("{}: {e}", f.display())))
        .collect()
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect())
}

struct Outcome {
    runs: u64,
    elapsed: Duration,
    slowest: Duration,
    crash: Option<PathBuf>,
}

fn fuzz(
    name: &'static str,
    target: Target,
    seeds: &[Vec<u8>],
    budget: Duration,
    rng: &mut Rng,
    watchdog: &Watchdog,
) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        runs: 0,
        elapsed: Duration::ZERO,
        slowest: Duration::ZERO,
        crash: None,
    };
    // Every seed as it is, and the empty input, before any mutation.
    let mut plain = seeds.iter().cloned().chain([Vec::new()]);
    let mut mutated = std::iter::from_fn(|| {
        let mut input = seeds[rng.below(seeds.len())].clone();
        mutate(&mut input, seeds, rng);
        Some(input)
    });
    loop {
        let input = match plain.next() {
            Some(input) => input,
            None if started.elapsed() >= budget => break,
            None => mutated.next().unwrap_or_default(),
        };
        watchdog.begin(name, &input);
        let one = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| target(&input)));
        outcome.slowest = outcome.slowest.max(one.elapsed());
        watchdog.end();
        outcome.runs += 1;
        if result.is_err() {
            outcome.crash = Some(save_artifact(name, "crash", &input));
            break;
        }
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// Writes an input to `wasm-core/fuzz/artifacts/<target>/<kind>-<hash>`, cargo-fuzz's layout.
fn save_artifact(target: &str, kind: &str, input: &[u8]) -> PathBuf {
    let dir = Path::new(FUZZ_DIR).join("artifacts").join(target);
    let file = dir.join(format!("{kind}-{:016x}", fnv1a(input)));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, input)) {
        eprintln!("fuzz_smoke: cannot save {}: {e}", file.display());
    }
    file
}

/// Ends the run when one input takes longer than the timeout: a hang is a bug too.
struct Watchdog {
    current: Arc<Mutex<Option<Running>>>,
}

/// The input being run: since when, for which target.
struct Running {
    since: Instant,
    target: &'static str,
    input: Vec<u8>,
}

impl Watchdog {
    fn start(timeout: Duration) -> Self {
        let current: Arc<Mutex<Option<Running>>> = Arc::default();
        let watched = Arc::clone(&current);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(250));
                let Ok(guard) = watched.lock() else { return };
                if let Some(running) = guard.as_ref()
                    && running.since.elapsed() > timeout
                {
                    let file = save_artifact(running.target, "timeout", &running.input);
                    println!(
                        "  {:<18} HANG: one input ran longer than {timeout:?}; saved to {}",
                        running.target,
                        file.display()
                    );
                    std::process::exit(1);
                }
            }
        });
        Self { current }
    }

    fn begin(&self, name: &'static str, input: &[u8]) {
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some(Running {
                since: Instant::now(),
                target: name,
                input: input.to_vec(),
            });
        }
    }

    fn end(&self) {
        if let Ok(mut guard) = self.current.lock() {
            *guard = None;
        }
    }
}

/// Tokens that mean something to the parsers: DER tags and lengths, JSON, plist, PEM.
const TOKENS: &[&[u8]] = &[
    b"\x30\x80",
    b"\x30\x82\xff\xff",
    b"\x84\xff\xff\xff\xff",
    b"\x02\x01\x03",
    b"\x04\x00",
    b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02",
    b"\x00\x00",
    b"\xfe\xed\xfe\xed",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\u0000",
    b":null",
    b",",
    b"1e999",
    b"-1",
    b"<dict>",
    b"</dict>",
    b"<array>",
    b"</array>",
    b"<key>",
    b"<string>",
    b"<data>",
    b"<date>",
    b"<integer>",
    b"<true/>",
    b"-----BEGIN ",
    b"-----END ",
    b"PRIVATE KEY-----\n",
];

/// One to four stacked random edits of `input`.
fn mutate(input: &mut Vec<u8>, seeds: &[Vec<u8>], rng: &mut Rng) {
    for _ in 0..=rng.below(4) {
        let len = input.len();
        match rng.below(11) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.byte();
            }
            2 if len > 0 => {
                let i = rng.below(len);
                input[i] = [0x00, 0x01, 0x02, 0x04, 0x30, 0x7f, 0x80, 0x81, 0xff][rng.below(9)];
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let delta = 1 + rng.below(16) as u8;
                input[i] = if rng.below(2) == 0 {
                    input[i].wrapping_add(delta)
                } else {
                    input[i].wrapping_sub(delta)
                };
            }
            4 => input.truncate(rng.below(len + 1)),
            5 => {
                let at = rng.below(len + 1);
                let bytes: Vec<u8> = (0..1 + rng.below(16)).map(|_| rng.byte()).collect();
                input.splice(at..at, bytes);
            }
            6 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(16)).min(len);
                input.drain(at..end);
            }
            7 if len > 0 => {
                let from = rng.below(len);
                let chunk = input[from..(from + 1 + rng.below(64)).min(len)].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, chunk);
            }
            8 => {
                // Splice: this input's head, another seed's tail.
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
            9 if len > 0 => {
                let wide: &[&[u8]] = &[
                    &[0x80],
                    &[0x84, 0xff, 0xff, 0xff, 0xff],
                    &[0x7f, 0xff, 0xff, 0xff],
                    &[0xff; 8],
                    &[0x00; 4],
                ];
                let bytes = wide[rng.below(wide.len())];
                let at = rng.below(len);
                let end = (at + bytes.len()).min(len);
                input.splice(at..end, bytes.iter().copied());
            }
            _ => {
                let at = rng.below(len + 1);
                let token = TOKENS[rng.below(TOKENS.len())];
                input.splice(at..at, token.iter().copied());
            }
        }
    }
    input.truncate(MAX_INPUT);
}

/// SplitMix64: tiny, fast, and good enough to pick mutations; seeded for repeatable runs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-enough in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

/// FNV-1a: names artifacts by content and derives a per-target seed.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
