//! `signet android`: Google Play's app-signing key beside the upload key.
//!
//! - `play-cert add` stores the app-signing certificate Play Console offers (public only);
//! - `fingerprints` shows both keys' MD5 / SHA-1 / SHA-256 and which one each Google service
//!   needs, from metadata verified against its author's signature (no password);
//! - `assetlinks` writes the `assetlinks.json` statement with both SHA-256 fingerprints;
//! - `reset-upload-key` generates a new upload keystore *beside* the current one (builds keep
//!   using the old key), writes `upload_certificate.pem` for Google's reset request, and with
//!   `--google-accepted` makes the new one the default once Google has switched.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use signet_core::{
    android::{KeystoreFormat, play},
    credential::Payload,
    wire::{
        app::{AppInfo, Assignment},
        credential::{CredentialInfo, CredentialKind},
    },
};

use super::{
    files,
    keystore::{self, NewKeystore, android_slot, assign_android, store_in_android_slot},
    metadata::Authors,
    remote::{Ctx, Reader, ServerArgs, TeamRef, Who, block_on, ensure_may_read, explain, team_key},
};

/// `signet android …`.
#[derive(Debug, Subcommand)]
pub enum AndroidCommand {
    /// Google Play's app-signing certificate (Play Console → Test and release → App integrity
    /// → App signing → "Download certificate", deployment_cert.der). Public: Google keeps the
    /// key.
    #[command(subcommand)]
    PlayCert(PlayCertCommand),
    /// Both keys' fingerprints (upload key and Play app-signing key), and which one Firebase,
    /// Google Sign-In, Maps and App Links need. Verified against their author's signature.
    Fingerprints(SlotArgs),
    /// The assetlinks.json statement (Android App Links) for the app's package with both keys'
    /// SHA-256; serve it at https://YOUR-DOMAIN/.well-known/assetlinks.json.
    Assetlinks(AssetlinksArgs),
    /// Reset the upload key the way Google's flow needs it: generate a new upload keystore
    /// beside the current one (which stays the default, so builds keep working) and write its
    /// upload_certificate.pem for the reset request; when Google has accepted it, run again
    /// with --google-accepted to make the new key the default.
    ResetUploadKey(ResetArgs),
}

/// `signet android play-cert …`.
#[derive(Debug, Subcommand)]
pub enum PlayCertCommand {
    /// Store the app-signing certificate (.der or .pem) for an app's Android slot.
    Add(AddArgs),
}

/// Which app and build profile.
#[derive(Debug, Args)]
pub struct SlotArgs {
    /// The app (name or id).
    #[arg(long)]
    app: String,
    /// Its team (name or id).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// Build profile.
    #[arg(long, default_value = "production")]
    profile: String,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// `signet android play-cert add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The certificate file: deployment_cert.der, or PEM.
    file: PathBuf,
    /// The app (name or id).
    #[arg(long)]
    app: String,
    /// Its team (name or id).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// Build profile.
    #[arg(long, default_value = "production")]
    profile: String,
    /// Replace a different app-signing certificate already stored (after Play's app-signing
    /// key upgrade); the old one stays stored, not the default.
    #[arg(long)]
    replace: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// `signet android assetlinks`.
#[derive(Debug, Args)]
pub struct AssetlinksArgs {
    #[command(flatten)]
    slot: SlotArgs,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `signet android reset-upload-key`.
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// The app (name or id).
    #[arg(long)]
    app: String,
    /// Its team (name or id).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// Build profile.
    #[arg(long, default_value = "production")]
    profile: String,
    /// Where to write the new key's certificate.
    #[arg(long, default_value = "upload_certificate.pem")]
    out: PathBuf,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
    /// Google has accepted the reset: make the new upload keystore the default (the newest one
    /// waiting, or --credential).
    #[arg(long)]
    google_accepted: bool,
    /// With --google-accepted: the keystore to make the default.
    #[arg(long, requires = "google_accepted")]
    credential: Option<String>,
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs an android command.
pub fn run(command: AndroidCommand) -> Result<()> {
    match command {
        AndroidCommand::PlayCert(PlayCertCommand::Add(args)) => add(args),
        AndroidCommand::Fingerprints(args) => fingerprints(args),
        AndroidCommand::Assetlinks(args) => assetlinks(args),
        AndroidCommand::ResetUploadKey(args) if args.google_accepted => accept(args),
        AndroidCommand::ResetUploadKey(args) => reset(args),
    }
}

fn refuse_robot(reader: &Reader, what: &str) -> Result<()> {
    if matches!(reader, Reader::Robot { .. }) {
        bail!("robot tokens can only read; sign in with `signet login` to {what}");
    }
    Ok(())
}

fn add(args: AddArgs) -> Result<()> {
    let file = files::read(&args.file)?;
    let payload = Payload::play_app_signing_certificate(&file)
        .map_err(|e| anyhow::anyhow!("{}: {e}. Nothing was stored", args.file.display()))?;
    let metadata = payload.inspect()?;
    let sha256 = metadata["sha256"].as_str().unwrap_or_default().to_owned();
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        refuse_robot(&reader, "store a certificate")?;
        let (team, app) = reader.app(args.team.as_deref(), &args.app).await?;
        ensure_may_read(&team)?;
        let assignments = reader
            .api()
            .assignments(&team.id, &app.id)
            .await
            .map_err(|e| explain(e, Who::User))?;
        let credentials = reader
            .api()
            .credentials(&team.id, false)
            .await
            .map_err(|e| explain(e, Who::User))?;
        let authors = Authors::for_reader(&ctx, &reader, &team).await?;
        let meta_of = |id: &str| -> Option<Value> {
            let c = credentials.iter().find(|c| c.id == id)?;
            authors.check(c).ok()?;
            serde_json::from_str(&c.metadata).ok()
        };
        if let Some(current) = android_slot(
            &assignments,
            &args.profile,
            CredentialKind::PlayAppSigningCertificate,
        )
        .find(|a| a.is_default)
        {
            let same = meta_of(&current.credential_id)
                .is_some_and(|m| m["sha256"].as_str() == Some(sha256.as_str()));
            if same {
                eprintln!(
                    "App {} already has this app-signing certificate ({}); nothing changed.",
                    app.name, current.credential_id
                );
                return Ok(());
            }
            if !args.replace {
                bail!(
                    "app {} already has a different Play app-signing certificate for profile {} \
                     ({}). Google changes it only after an app-signing key upgrade: pass \
                     --replace if that happened (the old one stays stored). Nothing was stored",
                    app.name,
                    args.profile,
                    current.credential_id
                );
            }
        }
        let upload_same =
            android_slot(&assignments, &args.profile, CredentialKind::AndroidKeystore)
                .filter_map(|a| meta_of(&a.credential_id))
                .any(|m| m["sha256"].as_str() == Some(sha256.as_str()));
        if upload_same {
            eprintln!(
                "warning: this certificate is the upload key's own. That is right only if Google \
                 Play signs with the key you upload with; Play Console → App integrity → App \
                 signing shows the app-signing key's certificate (deployment_cert.der)."
            );
        }
        let session = ctx.session().await?;
        let label = format!("{} Play app-signing certificate", app.name);
        let stored =
            store_in_android_slot(&session, &team, &app, &args.profile, &payload, &label, true)
                .await?;
        eprintln!(
            "Stored the Play app-signing certificate as {} (app {}, profile {}).\n  SHA-1   {}\n  \
             SHA-256 {}",
            stored.id,
            app.name,
            args.profile,
            metadata["sha1"].as_str().unwrap_or_default(),
            sha256
        );
        println!("{}", stored.id);
        Ok(())
    })
}

/// One key of the slot, from verified metadata: `None` when the slot has none; `Err(why)`
/// when its metadata does not verify.
struct Key {
    credential: CredentialInfo,
    meta: std::result::Result<Value, String>,
}

/// The default upload keystore and app-signing certificate of the slot.
async fn keys(
    ctx: &Ctx,
    reader: &Reader,
    team: &TeamRef,
    app: &AppInfo,
    profile: &str,
) -> Result<(Option<Key>, Option<Key>)> {
    let assignments = reader
        .api()
        .assignments(&team.id, &app.id)
        .await
        .map_err(|e| explain(e, reader.who()))?;
    let credentials = reader
        .api()
        .credentials(&team.id, false)
        .await
        .map_err(|e| explain(e, reader.who()))?;
    let authors = Authors::for_reader(ctx, reader, team).await?;
    if let Some(why) = authors.unavailable() {
        eprintln!("warning: {why}");
    }
    let find = |kind| -> Option<Key> {
        let a = android_slot(&assignments, profile, kind).find(|a| a.is_default)?;
        let c = credentials
            .iter()
            .find(|c| c.id == a.credential_id)?
            .clone();
        let meta = authors
            .check(&c)
            .and_then(|()| serde_json::from_str::<Value>(&c.metadata).map_err(|e| e.to_string()));
        Some(Key {
            credential: c,
            meta,
        })
    };
    Ok((
        find(CredentialKind::AndroidKeystore),
        find(CredentialKind::PlayAppSigningCertificate),
    ))
}

fn key_json(key: &Option<Key>) -> Value {
    match key {
        None => Value::Null,
        Some(k) => match &k.meta {
            Ok(m) => json!({
                "credential_id": k.credential.id,
                "label": k.credential.label,
                "verified": true,
                "subject": m["subject"],
                "md5": m["md5"],
                "sha1": m["sha1"],
                "sha256": m["sha256"],
                "not_after": m["not_after"],
            }),
            Err(why) => json!({
                "credential_id": k.credential.id,
                "label": k.credential.label,
                "verified": false,
                "unverified_reason": why,
            }),
        },
    }
}

fn fingerprints(args: SlotArgs) -> Result<()> {
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        let (team, app) = reader.app(args.team.as_deref(), &args.app).await?;
        let (upload, signing) = keys(&ctx, &reader, &team, &app, &args.profile).await?;
        if args.json {
            let uses: Vec<Value> = play::USES
                .iter()
                .map(|(service, key, why)| json!({"service": service, "key": key, "why": why}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "app": app.name,
                    "package": app.android_package,
                    "profile": args.profile,
                    "upload_key": key_json(&upload),
                    "app_signing_key": key_json(&signing),
                    "uses": uses,
                }))?
            );
            return Ok(());
        }
        println!(
            "App {} ({}), profile {}",
            app.name,
            app.android_package
                .as_deref()
                .unwrap_or("no Android package"),
            args.profile
        );
        print_key(
            "Upload key — signs what you upload to Play and the builds you install yourself",
            &upload,
            &format!(
                "no upload keystore: `signet keystore generate --app {} --remote`",
                app.name
            ),
        );
        print_key(
            "App-signing key (Google Play) — signs every build Google Play installs",
            &signing,
            &format!(
                "not stored: download deployment_cert.der from Play Console → Test and release \
                 → App integrity → App signing, then `signet android play-cert add \
                 deployment_cert.der --app {}`",
                app.name
            ),
        );
        println!("\nWhich one to use:");
        for (service, key, why) in play::USES {
            let which = if key == "both" {
                "both keys"
            } else {
                "the upload key"
            };
            println!("  {service}: {which} — {why}.");
        }
        Ok(())
    })
}

fn print_key(title: &str, key: &Option<Key>, missing: &str) {
    println!("\n{title}");
    match key {
        None => println!("  {missing}"),
        Some(k) => match &k.meta {
            Ok(m) => {
                println!("  {} ({})", k.credential.label, k.credential.id);
                for (name, field) in [
                    ("SHA-1  ", "sha1"),
                    ("SHA-256", "sha256"),
                    ("MD5    ", "md5"),
                ] {
                    println!("  {name} {}", m[field].as_str().unwrap_or_default());
                }
            }
            Err(why) => println!(
                "  {} ({}): not shown, its metadata is not what its author signed ({why})",
                k.credential.label, k.credential.id
            ),
        },
    }
}

fn assetlinks(args: AssetlinksArgs) -> Result<()> {
    let slot_args = &args.slot;
    let ctx = Ctx::load(&slot_args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        let (team, app) = reader
            .app(slot_args.team.as_deref(), &slot_args.app)
            .await?;
        let Some(package) = app.android_package.clone() else {
            bail!(
                "app {} has no Android package; set it on the app first",
                app.name
            );
        };
        let (upload, signing) = keys(&ctx, &reader, &team, &app, &slot_args.profile).await?;
        let mut sha256s = Vec::new();
        for (what, key) in [("app-signing", &signing), ("upload", &upload)] {
            match key {
                Some(Key { meta: Ok(m), .. }) => {
                    sha256s.push(m["sha256"].as_str().unwrap_or_default().to_owned());
                }
                Some(Key {
                    meta: Err(why),
                    credential,
                }) => bail!(
                    "the {what} key {} cannot be listed: its metadata is not what its author \
                     signed ({why}). Nothing was written",
                    credential.id
                ),
                None => eprintln!(
                    "note: no {what} key is stored, so links opened by {} builds will not verify",
                    if what == "upload" {
                        "your own"
                    } else {
                        "Google Play"
                    }
                ),
            }
        }
        let refs: Vec<&str> = sha256s.iter().map(String::as_str).collect();
        let text = play::assetlinks_json(&package, &refs)?;
        match &args.out {
            Some(path) => {
                std::fs::write(path, format!("{text}\n"))
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                eprintln!(
                    "Wrote {}: serve it at https://YOUR-DOMAIN/.well-known/assetlinks.json",
                    path.display()
                );
            }
            None => println!("{text}"),
        }
        Ok(())
    })
}

fn reset(args: ResetArgs) -> Result<()> {
    if args.out.exists() && !args.force {
        bail!(
            "{} already exists; refusing to overwrite it (pass --force, or --out another file). \
             Nothing was generated",
            args.out.display()
        );
    }
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        refuse_robot(&reader, "reset an upload key")?;
        let (team, app) = reader.app(args.team.as_deref(), &args.app).await?;
        ensure_may_read(&team)?;
        let Some(package) = app.android_package.clone() else {
            bail!(
                "app {} has no Android package; set it on the app first",
                app.name
            );
        };
        let assignments = reader
            .api()
            .assignments(&team.id, &app.id)
            .await
            .map_err(|e| explain(e, Who::User))?;
        let Some(current) =
            android_slot(&assignments, &args.profile, CredentialKind::AndroidKeystore)
                .find(|a| a.is_default)
        else {
            bail!(
                "app {} has no upload keystore for profile {}, so there is nothing to reset: \
                 generate one with `signet keystore generate --app {} --remote`",
                app.name,
                args.profile,
                app.name
            );
        };
        let current = current.credential_id.clone();
        let session = ctx.session().await?;
        let (stored, generated) = keystore::store_new(
            &session,
            &team,
            &app,
            &package,
            &args.profile,
            &keystore::default_params(&package),
            KeystoreFormat::Jks,
            NewKeystore::Pending,
        )
        .await?;
        keystore::write_certificate(&args.out, &generated.certificate, args.force)?;
        eprintln!(
            "\nThe current upload keystore ({current}) stays the default: builds and `signet pull` \
             keep signing with it until Google accepts the new key.\n\
             1. Play Console → Test and release → App integrity → App signing → \"Request upload \
             key reset\"; attach {}.\n\
             2. When Google confirms the reset, run:\n   signet android reset-upload-key --app \
             {} --profile {} --google-accepted --credential {}",
            args.out.display(),
            app.name,
            args.profile,
            stored.id
        );
        println!("{}", stored.id);
        Ok(())
    })
}

fn accept(args: ResetArgs) -> Result<()> {
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        refuse_robot(&reader, "switch the upload key")?;
        let (team, app) = reader.app(args.team.as_deref(), &args.app).await?;
        ensure_may_read(&team)?;
        let assignments = reader
            .api()
            .assignments(&team.id, &app.id)
            .await
            .map_err(|e| explain(e, Who::User))?;
        let keystores: Vec<&Assignment> =
            android_slot(&assignments, &args.profile, CredentialKind::AndroidKeystore).collect();
        let waiting: Vec<&&Assignment> = keystores.iter().filter(|a| !a.is_default).collect();
        let chosen = match &args.credential {
            Some(id) => match keystores.iter().find(|a| &a.credential_id == id) {
                Some(a) if a.is_default => {
                    eprintln!("{id} is already the default upload keystore; nothing changed.");
                    return Ok(());
                }
                Some(a) => a.credential_id.clone(),
                None => bail!(
                    "{id} is not an upload keystore of app {} (profile {}); see `signet \
                     credentials --app {}`",
                    app.name,
                    args.profile,
                    app.name
                ),
            },
            None => {
                // The newest one waiting: credentials are listed with their creation time.
                let credentials = reader
                    .api()
                    .credentials(&team.id, false)
                    .await
                    .map_err(|e| explain(e, Who::User))?;
                let mut candidates: Vec<&CredentialInfo> = credentials
                    .iter()
                    .filter(|c| waiting.iter().any(|a| a.credential_id == c.id))
                    .collect();
                candidates.sort_by_key(|c| std::cmp::Reverse(c.created_at));
                match candidates.first() {
                    Some(c) => {
                        if candidates.len() > 1 {
                            eprintln!(
                                "note: {} keystores are waiting; using the newest, {} ({}). Pass \
                                 --credential ID to choose another.",
                                candidates.len(),
                                c.id,
                                c.label
                            );
                        }
                        c.id.clone()
                    }
                    None => bail!(
                        "app {} has no upload keystore waiting to become the default: start a \
                         reset with `signet android reset-upload-key --app {}`",
                        app.name,
                        app.name
                    ),
                }
            }
        };
        let session = ctx.session().await?;
        let key = team_key(&session, &team).await?;
        assign_android(&session, &team, &app, &key, &args.profile, &chosen, true).await?;
        eprintln!(
            "{chosen} is now the default upload keystore of app {} (profile {}); the previous one \
             stays stored and assigned, so older builds' keys remain readable.",
            app.name, args.profile
        );
        println!("{chosen}");
        Ok(())
    })
}
