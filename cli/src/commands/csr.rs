//! `signet csr generate` and `signet p12`: the iOS distribution certificate flow, offline.
//!
//! 1. `signet csr generate` makes a key and a request like Keychain Access does;
//! 2. upload the request to Apple, download the `.cer`;
//! 3. `signet p12` joins key and certificate into the `.p12` Xcode, fastlane and EAS use.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use signet_core::{
    android::{Password, pkcs12::Pkcs12Variant},
    ios::{
        certificate::SigningIdentity,
        csr::{CsrSubject, PendingCsr},
    },
};

use super::files;

/// `signet csr generate`.
#[derive(Debug, Args)]
pub struct CsrArgs {
    /// Your Apple developer account's email address.
    #[arg(long)]
    email: String,
    /// Your or your company's name.
    #[arg(long)]
    common_name: String,
    /// Two-letter country code.
    #[arg(long)]
    country: Option<String>,
    /// Where to write the private key (PKCS#8 PEM, mode 0600). Keep it: the `.p12` needs it.
    #[arg(long)]
    key_out: PathBuf,
    /// Where to write the request to upload to Apple.
    #[arg(long)]
    csr_out: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
}

/// Runs `signet csr generate`.
pub fn generate(args: CsrArgs) -> Result<()> {
    let subject = CsrSubject {
        common_name: args.common_name,
        email: args.email,
        country: args.country.map(|c| c.to_ascii_uppercase()),
    };
    let csr = PendingCsr::generate(&subject)?;
    files::write_secret(
        &args.key_out,
        csr.private_key_pkcs8_pem()?.as_bytes(),
        args.force,
    )?;
    files::write_secret(&args.csr_out, csr.csr_pem()?.as_bytes(), args.force)?;
    println!(
        "Wrote the private key to {} and the request to {}.\n\
         Upload {} at developer.apple.com (Certificates → + → Apple Distribution), download the \
         .cer, then run: signet p12 --key {} --cert ISSUED.cer --out dist.p12",
        args.key_out.display(),
        args.csr_out.display(),
        args.csr_out.display(),
        args.key_out.display()
    );
    Ok(())
}

/// `.p12` encryption.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Variant {
    /// 3DES with a SHA-1 MAC: what macOS Keychain imports (default).
    Legacy,
    /// AES-256 with PBKDF2 and an HMAC-SHA256 MAC (OpenSSL 3 / Java 17).
    Modern,
}

/// `signet p12`.
#[derive(Debug, Args)]
pub struct P12Args {
    /// The private key written by `signet csr generate`.
    #[arg(long)]
    key: PathBuf,
    /// The certificate Apple issued (`.cer`, DER or PEM).
    #[arg(long)]
    cert: PathBuf,
    /// Where to write the `.p12` (mode 0600).
    #[arg(long)]
    out: PathBuf,
    /// The `.p12` password (default: a random one, printed). Prefer SIGNET_P12_PASSWORD.
    #[arg(long, env = "SIGNET_P12_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Encryption variant.
    #[arg(long, value_enum, default_value = "legacy")]
    variant: Variant,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

/// Runs `signet p12`.
pub fn p12(args: P12Args) -> Result<()> {
    let key_pem = String::from_utf8(files::read(&args.key)?)
        .with_context(|| format!("{} is not a PEM private key", args.key.display()))?;
    let cer = files::read(&args.cert)?;
    let identity = SigningIdentity::import(&key_pem, &cer)?;
    identity
        .certificate()
        .check_not_expired(files::now_unix())?;
    let generated = args.password.is_none();
    let password = match args.password {
        Some(p) => Password::new(p),
        None => Password::random()?,
    };
    let variant = match args.variant {
        Variant::Legacy => Pkcs12Variant::Legacy,
        Variant::Modern => Pkcs12Variant::Modern,
    };
    let bytes = identity.to_p12(&password, variant)?;
    files::write_secret(&args.out, &bytes, args.force)?;
    let cert = identity.certificate();
    eprintln!(
        "Wrote {} for \"{}\" (team {}, serial {}).",
        args.out.display(),
        cert.common_name().unwrap_or(cert.subject()),
        cert.team_id().unwrap_or("unknown"),
        cert.serial_hex()
    );
    if generated {
        println!("{}", password.expose());
    }
    Ok(())
}
