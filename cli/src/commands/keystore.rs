//! `signet keystore generate`: an Android upload keystore, made here as EAS makes it; written
//! to a file, or (`--app APP --remote`) encrypted here and stored as the app's upload key.
//! `signet keystore export-certificate`: a keystore's certificate as `upload_certificate.pem`
//! (what Google's upload-key reset asks for), from a file or from the app's stored keystore.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use signet_client::{Session, credential::NewCredential};
use signet_core::{
    android::{
        DistinguishedName, KeySize, Keystore, KeystoreFormat, UploadKeystore, UploadKeystoreParams,
    },
    cert::CertificateInfo,
    credential::{Payload, SecretText},
    vault::team_key::TeamKey,
    wire::{
        app::{AppInfo, AssignRequest, Assignment, Platform},
        credential::{CredentialInfo, CredentialKind},
    },
};

use super::{
    files, input,
    remote::{
        Ctx, Opener, Reader, ServerArgs, TeamRef, Who, block_on, ensure_may_read, explain, team_key,
    },
};

/// Keystore commands.
#[derive(Debug, Subcommand)]
pub enum KeystoreCommand {
    /// Generate an upload keystore and print its `credentials.json` `android.keystore` entry;
    /// with `--app APP --remote`, store it encrypted in Signet as the app's upload keystore
    /// instead (asks for your password, or reads SIGNET_PASSWORD).
    Generate(GenerateArgs),
    /// Write a keystore's certificate as PEM (`upload_certificate.pem`, what Google Play's
    /// upload-key reset request asks for; `keytool -printcert -file` reads it). From a file
    /// (`--keystore FILE`, password from SIGNET_KEYSTORE_PASSWORD or a prompt) or from the
    /// app's stored keystore (`--app APP`: its default, or `--credential ID`; asks for your
    /// password, or reads SIGNET_PASSWORD).
    ExportCertificate(ExportArgs),
}

/// `signet keystore export-certificate`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A keystore file (.jks, .keystore, .p12).
    #[arg(long, conflicts_with = "app", required_unless_present = "app")]
    keystore: Option<PathBuf>,
    /// The key's alias in --keystore (default: its only key).
    #[arg(long, requires = "keystore")]
    alias: Option<String>,
    /// An app (name or id) whose stored keystore to export.
    #[arg(long)]
    app: Option<String>,
    /// The app's team (name or id), with --app.
    #[arg(long, value_name = "TEAM", requires = "app")]
    team: Option<String>,
    /// The build profile whose default keystore to export, with --app.
    #[arg(long, default_value = "production")]
    profile: String,
    /// A stored keystore's id instead of the profile's default, with --app.
    #[arg(long, requires = "app")]
    credential: Option<String>,
    /// Where to write the certificate.
    #[arg(long, default_value = "upload_certificate.pem")]
    out: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    server: ServerArgs,
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
    /// The Android application id, e.g. com.acme.app (the certificate's CN by default;
    /// with --app, the app's Android package).
    #[arg(long, required_unless_present = "app")]
    package: Option<String>,
    /// Store it in Signet for this app (name or id) as its upload keystore; needs --remote.
    #[arg(long, requires = "remote")]
    app: Option<String>,
    /// Upload (encrypted here) instead of writing a file: what `eas build` does when an app
    /// has no keystore yet.
    #[arg(long, requires = "app", conflicts_with = "out")]
    remote: bool,
    /// The app's team (name or id), with --app.
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// The build profile whose upload keystore it becomes, with --remote.
    #[arg(long, default_value = "production")]
    profile: String,
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
    /// Replace an existing output file. Not with --remote, which writes no file: replacing
    /// an app's upload key is --make-default, said on purpose.
    #[arg(long)]
    force: bool,
    /// With --remote, when the app already has an upload keystore for the profile: make the
    /// new one the default anyway. Google Play rejects builds signed with a new upload key
    /// until Google accepts an upload-key reset (`signet android reset-upload-key` keeps the
    /// old default until then); the old keystore stays stored.
    #[arg(long, requires = "remote")]
    make_default: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs a keystore command.
pub fn run(command: KeystoreCommand) -> Result<()> {
    match command {
        KeystoreCommand::Generate(args) => generate(args),
        KeystoreCommand::ExportCertificate(args) => export_certificate(args),
    }
}

fn export_certificate(args: ExportArgs) -> Result<()> {
    let (der, from) = match &args.keystore {
        Some(path) => {
            let bytes = files::read(path)?;
            let password = match input::from_env("SIGNET_KEYSTORE_PASSWORD") {
                Some(p) => p,
                None if input::interactive() => {
                    input::secret(&format!("Password of {}: ", path.display()))?
                }
                None => bail!(
                    "{} needs its password: set SIGNET_KEYSTORE_PASSWORD (no terminal to ask on)",
                    path.display()
                ),
            };
            let ks = Keystore::open(&bytes, &password, None)?;
            let alias = match &args.alias {
                Some(a) => a.clone(),
                None => ks.default_key_alias()?,
            };
            let chain = ks.certificate_chain(&alias)?;
            let Some(leaf) = chain.into_iter().next() else {
                bail!("{} holds no certificate for {alias}", path.display());
            };
            (leaf, format!("{} (alias {alias})", path.display()))
        }
        None => stored_certificate(&args)?,
    };
    write_certificate(&args.out, &der, args.force)?;
    eprintln!("Wrote {} from {from}.", args.out.display());
    Ok(())
}

/// Writes `der` as a PEM certificate file (public: mode 0644 is fine, but never replaces a file
/// unless `force`) and prints its fingerprints.
pub fn write_certificate(out: &std::path::Path, der: &[u8], force: bool) -> Result<()> {
    if out.exists() && !force {
        bail!(
            "{} already exists; refusing to overwrite it (pass --force, or --out another file)",
            out.display()
        );
    }
    let pem = signet_core::android::play::certificate_pem(der)?;
    std::fs::write(out, pem).with_context(|| format!("cannot write {}", out.display()))?;
    let info = CertificateInfo::from_der(der)?;
    eprintln!(
        "Certificate {}\n  SHA-1   {}\n  SHA-256 {}",
        info.subject, info.fingerprints.sha1, info.fingerprints.sha256
    );
    Ok(())
}

/// The certificate of the app's stored keystore (its profile's default, or `--credential`).
fn stored_certificate(args: &ExportArgs) -> Result<(Vec<u8>, String)> {
    let Some(wanted) = args.app.clone() else {
        bail!("pass --keystore FILE or --app APP");
    };
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!(
                "export the certificate signed in (`signet login`), or with --keystore from                  the file a robot token pulled"
            );
        }
        let (team, app) = reader.app(args.team.as_deref(), &wanted).await?;
        ensure_may_read(&team)?;
        let assignments = reader
            .api()
            .assignments(&team.id, &app.id)
            .await
            .map_err(|e| explain(e, Who::User))?;
        let keystores: Vec<_> =
            android_slot(&assignments, &args.profile, CredentialKind::AndroidKeystore).collect();
        let id = match &args.credential {
            Some(id) => {
                if !keystores.iter().any(|a| &a.credential_id == id) {
                    bail!(
                        "{id} is not an upload keystore of app {} (profile {}); see                          `signet credentials --app {}`",
                        app.name,
                        args.profile,
                        app.name
                    );
                }
                id.clone()
            }
            None => match keystores.iter().find(|a| a.is_default) {
                Some(a) => a.credential_id.clone(),
                None => bail!(
                    "app {} has no upload keystore for profile {}: generate one with `signet                      keystore generate --app {} --remote`",
                    app.name,
                    args.profile,
                    app.name
                ),
            },
        };
        let session = ctx.session().await?;
        let key = team_key(&session, &team).await?;
        let opener = Opener::User {
            session: &session,
            key,
        };
        let payload = opener
            .open(&team.id, &id, CredentialKind::AndroidKeystore)
            .await?;
        let leaf = payload.certificate_der()?;
        Ok((leaf, format!("app {}'s stored keystore {id}", app.name)))
    })
}

fn params(args: &GenerateArgs, package: &str) -> Result<UploadKeystoreParams> {
    let dname = match &args.dname {
        Some(text) => parse_dname(text)?,
        None => DistinguishedName::for_package(package),
    };
    if args.key_size != 2048 && args.key_size != 4096 {
        bail!("--key-size must be 2048 or 4096, not {}", args.key_size);
    }
    if args.validity_days == 0 {
        bail!("--validity-days must be at least 1");
    }
    Ok(UploadKeystoreParams {
        dname,
        key_size: if args.key_size == 4096 {
            KeySize::Rsa4096
        } else {
            KeySize::Rsa2048
        },
        validity_days: args.validity_days,
    })
}

fn generate(args: GenerateArgs) -> Result<()> {
    if args.remote {
        return generate_remote(args);
    }
    let package = args.package.clone().unwrap_or_default();
    let params = params(&args, &package)?;
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

/// `--app APP --remote`: generate, prove usable, encrypt, upload, assign as the default.
fn generate_remote(args: GenerateArgs) -> Result<()> {
    if args.force {
        // Before, --force stood in for --make-default here: a flag for overwriting a file
        // silently replaced the upload key Google Play knows.
        bail!(
            "--force replaces an output file, and --remote writes none. Nothing was \
             generated. To make the new keystore the app's upload keystore in place of the \
             current one, pass --make-default (Google Play rejects builds signed with a new \
             upload key until Google accepts an upload-key reset)"
        );
    }
    let Some(wanted) = args.app.clone() else {
        bail!("--remote needs --app APP");
    };
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!("robot tokens can only read; sign in with `signet login` to store a keystore");
        }
        let (team, app) = reader.app(args.team.as_deref(), &wanted).await?;
        ensure_may_read(&team)?;
        let Some(package) = args.package.clone().or_else(|| app.android_package.clone()) else {
            bail!(
                "app {} has no Android package: pass --package com.acme.app (or set it on the app)",
                app.name
            );
        };
        let assignments = reader
            .api()
            .assignments(&team.id, &app.id)
            .await
            .map_err(|e| explain(e, Who::User))?;
        if let Some(current) =
            android_slot(&assignments, &args.profile, CredentialKind::AndroidKeystore)
                .find(|a| a.is_default)
            && !args.make_default
        {
            bail!(
                "app {} already has an upload keystore for profile {} ({}), the upload key \
                 Google Play knows for {package}: builds signed with a new one are rejected \
                 until Google accepts an upload-key reset. Nothing was generated. To change \
                 the upload key, use `signet android reset-upload-key --app {}` (the old one \
                 stays the default until Google accepts); pass --make-default only if this \
                 app has never been uploaded to Google Play",
                app.name,
                args.profile,
                current.credential_id,
                app.name
            );
        }
        let params = params(&args, &package)?;
        let format = match args.format {
            Format::Jks => KeystoreFormat::Jks,
            Format::Pkcs12 => KeystoreFormat::Pkcs12,
        };
        let session = ctx.session().await?;
        let stored = store_new(
            &session,
            &team,
            &app,
            &package,
            &args.profile,
            &params,
            format,
            NewKeystore::Default,
        )
        .await?;
        println!("{}", stored.0.id);
        Ok(())
    })
}

/// The default parameters (`CN` from the package, RSA-2048, 10000 days, as EAS makes them).
pub fn default_params(package: &str) -> UploadKeystoreParams {
    UploadKeystoreParams {
        dname: DistinguishedName::for_package(package),
        key_size: KeySize::Rsa2048,
        validity_days: 10_000,
    }
}

/// How a newly generated keystore joins the app's Android slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewKeystore {
    /// As the slot's default: what builds and `signet pull` use from now on.
    Default,
    /// Beside the default (an upload-key reset Google has not accepted yet).
    Pending,
}

/// Generates an upload keystore here, proves it usable, encrypts it under the team key,
/// stores it and assigns it to the app's Android slot for `profile`: as the default (what
/// `keystore generate --remote` and `pull --generate-missing` do), or beside it
/// ([`NewKeystore::Pending`], `signet android reset-upload-key`). Returns its credential and
/// the generated keystore (for its certificate).
#[allow(clippy::too_many_arguments)]
pub async fn store_new(
    session: &Session,
    team: &TeamRef,
    app: &AppInfo,
    package: &str,
    profile: &str,
    params: &UploadKeystoreParams,
    format: KeystoreFormat,
    role: NewKeystore,
) -> Result<(CredentialInfo, UploadKeystore)> {
    let now = u64::try_from(files::now_unix()).unwrap_or(0);
    let keystore = UploadKeystore::generate(params, now)?;
    let encoded = keystore.encode(format)?;
    let payload = Payload::AndroidKeystore {
        keystore: SecretText::from_bytes(&encoded.bytes),
        keystore_password: SecretText::new(encoded.store_password.expose()),
        key_alias: encoded.alias.clone(),
        key_password: SecretText::new(encoded.key_password.expose()),
    };
    let label = match role {
        NewKeystore::Default => format!("{} upload keystore", app.name),
        NewKeystore::Pending => format!(
            "{} upload keystore (reset requested {})",
            app.name,
            signet_core::cert::Instant::from_unix(files::now_unix())
                .utc
                .get(..10)
                .unwrap_or_default()
        ),
    };
    let stored = store_in_android_slot(
        session,
        team,
        app,
        profile,
        &payload,
        &label,
        role == NewKeystore::Default,
    )
    .await?;
    eprintln!(
        "Generated a {} upload keystore for {package}, encrypted it here and stored it as {} \
         (app {}, profile {profile}{}). Upload certificate SHA-1 {}",
        format.name(),
        stored.id,
        app.name,
        if role == NewKeystore::Default {
            ""
        } else {
            ", not the default yet"
        },
        keystore.certificate_info()?.fingerprints.sha1
    );
    Ok((stored, keystore))
}

/// The app's Android slot for `profile`: the assignments of `kind` there.
pub fn android_slot<'a>(
    assignments: &'a [Assignment],
    profile: &'a str,
    kind: CredentialKind,
) -> impl Iterator<Item = &'a Assignment> {
    assignments.iter().filter(move |a| {
        a.platform == Platform::Android && a.profile == profile && a.kind == kind.as_str()
    })
}

/// Proves `payload` usable, encrypts it here under the team key, stores it as `label` and
/// assigns it to the app's Android slot for `profile` (its default when `is_default`).
pub async fn store_in_android_slot(
    session: &Session,
    team: &TeamRef,
    app: &AppInfo,
    profile: &str,
    payload: &Payload,
    label: &str,
    is_default: bool,
) -> Result<CredentialInfo> {
    let metadata = payload.inspect()?;
    let key = team_key(session, team).await?;
    let bytes = payload.to_bytes()?;
    let stored = session
        .create_credential(
            &team.id,
            &key,
            &NewCredential {
                kind: payload.kind(),
                label,
                metadata,
                payload: &bytes,
            },
        )
        .await
        .map_err(|e| explain(e, Who::User))?;
    assign_android(session, team, app, &key, profile, &stored.id, is_default).await?;
    Ok(stored)
}

/// Assigns credential `id` to the app's Android slot for `profile` (its default when
/// `is_default`), wrapping its item key for the app's robot tokens.
pub async fn assign_android(
    session: &Session,
    team: &TeamRef,
    app: &AppInfo,
    key: &TeamKey,
    profile: &str,
    id: &str,
    is_default: bool,
) -> Result<()> {
    session
        .assign(
            &team.id,
            &app.id,
            key,
            &AssignRequest {
                platform: Platform::Android,
                profile: profile.to_owned(),
                target: String::new(),
                credential_id: id.to_owned(),
                is_default,
                robot_grants: Vec::new(),
            },
        )
        .await
        .map_err(|e| explain(e, Who::User))?;
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
