//! Rough timings of the vault's costly operations (run in release):
//! `cargo run --release -p signet-core --example vault_bench`
//!
//! Prints the median of several runs of Argon2id at the default parameters, and seal/open
//! throughput for a 10 KB payload.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use signet_core::vault::{
    item::{ItemContext, open_item, seal_new_item},
    kdf::{KdfParams, KdfSalt, derive_account_keys},
    team_key::TeamKey,
};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let salt = KdfSalt::generate().unwrap();
    let runs: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            derive_account_keys("a password", &salt, &KdfParams::DEFAULT).unwrap();
            t.elapsed()
        })
        .collect();
    println!(
        "argon2id m=64MiB t=3 p=1: median {:.1} ms (min {:.1}, max {:.1}) over {} runs",
        median(runs.clone()).as_secs_f64() * 1e3,
        runs.iter().min().unwrap().as_secs_f64() * 1e3,
        runs.iter().max().unwrap().as_secs_f64() * 1e3,
        runs.len()
    );

    let tk = TeamKey::generate_first().unwrap();
    let ctx = ItemContext {
        team_id: "team",
        item_id: "item",
        kind: "android_keystore",
        schema_version: 1,
    };
    let payload = vec![0x5a; 10 * 1024];
    let n = 5000;
    let t = Instant::now();
    let mut sealed = Vec::with_capacity(n);
    for _ in 0..n {
        sealed.push(seal_new_item(&tk, &ctx, &payload).unwrap());
    }
    let seal = t.elapsed();
    let t = Instant::now();
    for s in &sealed {
        assert_eq!(open_item(&tk, &ctx, s).unwrap().len(), payload.len());
    }
    let open = t.elapsed();
    let mb = (n * payload.len()) as f64 / 1e6;
    println!(
        "seal 10 KB (fresh item key + wrap + seal): {:.0} MB/s, {:.1} µs each",
        mb / seal.as_secs_f64(),
        seal.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "open 10 KB (unwrap item key + open): {:.0} MB/s, {:.1} µs each",
        mb / open.as_secs_f64(),
        open.as_secs_f64() * 1e6 / n as f64
    );
}
