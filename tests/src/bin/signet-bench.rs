//! `cargo xtask bench`: medians of the credential formats' costly operations, natively, with
//! OpenSSL measured in the same run as the reference for RSA key generation.
//!
//! Built in the dev profile, where the crypto crates (RSA, big integers, hashes, ciphers,
//! Argon2) are compiled at opt-level 3 (see the workspace Cargo.toml); Signet's own code is
//! unoptimised there, so its numbers are conservative.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use signet_core::{
    android::{Keystore, KeystoreFormat, UploadKeystore, UploadKeystoreParams},
    ios::{
        csr::{CsrSubject, PendingCsr},
        profile::ProvisioningProfile,
    },
    vault::kdf::{KdfParams, KdfSalt, derive_account_keys},
};

const PROFILE: &[u8] =
    include_bytes!("../../../wasm-core/tests/fixtures/apple/appstore-ber.mobileprovision");

fn time<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        samples.push(started.elapsed());
    }
    samples.sort();
    Ok(samples)
}

fn median(samples: &[Duration]) -> f64 {
    samples
        .get(samples.len() / 2)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

fn row(name: &str, samples: &[Duration]) {
    let min = samples.first().map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    let max = samples.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    println!(
        "{name:<52} {:>10.3} ms  (min {min:.3}, max {max:.3}, n={})",
        median(samples),
        samples.len()
    );
}

fn main() -> Result<()> {
    let now = 1_800_000_000;
    let params = UploadKeystoreParams::for_package("com.acme.app");
    println!("signet-bench: medians, this machine, this run\n");

    let keygen = time(15, || {
        UploadKeystore::generate(&params, now).map_err(Into::into)
    })?;
    row("RSA-2048 upload keystore generation", &keygen);

    let openssl = time(15, || {
        let out = Command::new("openssl")
            .args(["genrsa", "2048"])
            .output()
            .context("cannot run openssl (cargo xtask test installs it)")?;
        if !out.status.success() {
            bail!("openssl genrsa failed");
        }
        Ok(())
    })?;
    row(
        "openssl genrsa 2048 (reference, with process start)",
        &openssl,
    );

    let subject = CsrSubject {
        common_name: "Acme Inc".into(),
        email: "dev@acme.example".into(),
        country: Some("US".into()),
    };
    let csr = time(15, || PendingCsr::generate(&subject).map_err(Into::into))?;
    row("RSA-2048 key + CSR generation", &csr);

    let keystore = UploadKeystore::generate(&params, now)?;
    let jks = time(50, || {
        let encoded = keystore.encode(KeystoreFormat::Jks)?;
        let opened = Keystore::open(
            &encoded.bytes,
            encoded.store_password.expose(),
            Some(encoded.key_password.expose()),
        )?;
        opened.key_entry(&encoded.alias)?;
        Ok(())
    })?;
    row("JKS write + read (incl. key unprotect)", &jks);

    let p12 = time(20, || {
        let encoded = keystore.encode(KeystoreFormat::Pkcs12)?;
        let opened = Keystore::open(&encoded.bytes, encoded.store_password.expose(), None)?;
        opened.key_entry(&encoded.alias)?;
        Ok(())
    })?;
    row("PKCS#12 write + read (modern, 10k PBKDF2)", &p12);

    let profile = time(200, || {
        ProvisioningProfile::from_mobileprovision(PROFILE).map_err(Into::into)
    })?;
    row(".mobileprovision parse (BER, 1 certificate)", &profile);

    let salt = KdfSalt::generate()?;
    let argon = time(5, || {
        derive_account_keys("correct horse battery staple", &salt, &KdfParams::DEFAULT)
            .map_err(Into::into)
    })?;
    row("Argon2id m=64MiB t=3 p=1 (account unlock)", &argon);

    let ratio = median(&keygen) / median(&openssl);
    println!(
        "\nratio RSA-2048 keygen / openssl genrsa 2048: {ratio:.2} (goal <= 1.00: {})",
        if ratio <= 1.0 { "met" } else { "not met" }
    );
    Ok(())
}
