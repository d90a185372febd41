//! `signet keystore generate`: an Android upload keystore, made offline, as EAS makes it.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use signet_core::android::{
    DistinguishedName, KeySize, KeystoreFormat, UploadKeystore, UploadKeystoreParams,
};

use super::files;

/// Keystore commands.
#[derive(Debug, Subcommand)]
pub enum KeystoreCommand {
    /// Generate an upload keystore and print its `credentials.json` `android.keystore` entry.
    Generate(GenerateArgs),
}

/// The file format to write.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Java KeyStore (what EAS makes; distinct store and key passwords).
    Jks,
    /// PKCS#12 (one password: the key password equals the store password).
    Pkcs12,
}

/// `signet keystore generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The Android application id, e.g. com.acme.app (the certificate's CN by default).
    #[arg(long)]
    package: String,
    /// File format.
    #[arg(long, value_enum, default_value = "jks")]
    format: Format,
    /// Where to write the keystore (default: keystore.jks or keystore.p12).
    #[arg(long)]
    out: Option<PathBuf>,
    /// RSA key size.
    #[arg(long, default_value_t = 2048)]
    key_size: u32,
    /// Days the certificate is valid (EAS: 10000).
    #[arg(long, default_value_t = 10_000)]
    validity_days: u32,
    /// Certificate subject, e.g. "CN=Acme,OU=Mobile,O=Acme Inc,L=Berlin,ST=Berlin,C=DE".
    #[arg(long)]
    dname: Option<String>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

/// Runs a keystore command.
pub fn run(command: KeystoreCommand) -> Result<()> {
    match command {
        KeystoreCommand::Generate(args) => generate(args),
    }
}

fn generate(args: GenerateArgs) -> Result<()> {
    let dname = match &args.dname {
        Some(text) => parse_dname(text)?,
        None => DistinguishedName::for_package(&args.package),
    };
    if args.key_size != 2048 && args.key_size != 4096 {
        bail!("--key-size must be 2048 or 4096, not {}", args.key_size);
    }
    if args.validity_days == 0 {
        bail!("--validity-days must be at least 1");
    }
    let params = UploadKeystoreParams {
        dname,
        key_size: if args.key_size == 4096 {
            KeySize::Rsa4096
        } else {
            KeySize::Rsa2048
        },
        validity_days: args.validity_days,
    };
    let (format, default_name) = match args.format {
        Format::Jks => (KeystoreFormat::Jks, "keystore.jks"),
        Format::Pkcs12 => (KeystoreFormat::Pkcs12, "keystore.p12"),
    };
    let out = args.out.unwrap_or_else(|| PathBuf::from(default_name));
    if out.exists() && !args.force {
        bail!(
            "{} already exists; refusing to overwrite a keystore (pass --force, or --out another file)",
            out.display()
        );
    }
    let now = u64::try_from(files::now_unix()).unwrap_or(0);
    let keystore = UploadKeystore::generate(&params, now)?;
    let encoded = keystore.encode(format)?;
    files::write_secret(&out, &encoded.bytes, args.force)?;
    let info = keystore.certificate_info()?;
    eprintln!(
        "Wrote {} ({}). Upload certificate SHA-1 {}",
        out.display(),
        format.name(),
        info.fingerprints.sha1
    );
    if matches!(args.format, Format::Pkcs12) {
        eprintln!("PKCS#12 has one password: keyPassword is the same as keystorePassword.");
    }
    let entry = serde_json::json!({
        "keystorePath": out.display().to_string(),
        "keystorePassword": encoded.store_password.expose(),
        "keyAlias": encoded.alias,
        "keyPassword": encoded.key_password.expose(),
    });
    println!("{}", serde_json::to_string_pretty(&entry)?);
    Ok(())
}

/// Parses `CN=…,OU=…,O=…,L=…,ST=…,C=…` (commas inside values escaped as `\,`).
fn parse_dname(text: &str) -> Result<DistinguishedName> {
    let mut dname = DistinguishedName::default();
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ',' => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            bail!("--dname part \"{part}\" is not KEY=VALUE (use CN, OU, O, L, ST, C)");
        };
        let value = value.trim().to_owned();
        match key.trim().to_ascii_uppercase().as_str() {
            "CN" => dname.common_name = value,
            "OU" => dname.organizational_unit = Some(value),
            "O" => dname.organization = Some(value),
            "L" => dname.locality = Some(value),
            "ST" | "S" => dname.state = Some(value),
            "C" => dname.country = Some(value),
            other => bail!("--dname: unknown attribute \"{other}\" (use CN, OU, O, L, ST, C)"),
        }
    }
    if dname.common_name.is_empty() {
        bail!("--dname must include CN=…");
    }
    Ok(dname)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dname_parses_like_keytool() -> Result<()> {
        let d = parse_dname("CN=Acme\\, Inc, OU=Mobile,O=Acme,L=Berlin,ST=Berlin,C=DE")?;
        assert_eq!(d.common_name, "Acme, Inc");
        assert_eq!(d.organizational_unit.as_deref(), Some("Mobile"));
        assert_eq!(d.country.as_deref(), Some("DE"));
        assert!(parse_dname("OU=x").is_err());
        assert!(parse_dname("CN=a,XX=b").is_err());
        Ok(())
    }
}
