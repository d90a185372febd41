//! `signet push credentials.json --app APP`: imports an existing EAS bundle (a migration).
//!
//! Everything is checked before anything leaves the machine: `signet doctor`'s checks (files,
//! passwords, alias, profile ↔ certificate, bundle ids from the app's targets, expiry) and
//! [`Payload::inspect`] on every payload. Only then is each credential encrypted here,
//! uploaded, and assigned to the app's slot as its default. A credential already stored in
//! the team (same kind, same fingerprint) is reused rather than uploaded twice.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;
use signet_client::credential::NewCredential;
use signet_core::{
    credential::{Payload, SecretText},
    eas::{CredentialsJson, IosCredentials},
    wire::{
        app::{AssignRequest, Platform},
        credential::{CredentialInfo, CredentialKind},
    },
};

use super::{
    doctor, files, pull,
    remote::{Ctx, Reader, ServerArgs, Who, block_on, ensure_may_read, explain, team_key},
};

/// `signet push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The EAS credentials.json to import (paths in it are relative to its directory).
    #[arg(default_value = "credentials.json")]
    credentials: PathBuf,
    /// The app the credentials are for (name or id).
    #[arg(long)]
    app: String,
    /// The app's team (name or id).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// The build profile to assign them to.
    #[arg(long, default_value = "production")]
    profile: String,
    #[command(flatten)]
    server: ServerArgs,
}

/// One credential to store and the slot it goes in.
struct Item {
    payload: Payload,
    metadata: Value,
    label: String,
    platform: Platform,
    target: String,
}

/// Runs `signet push`.
pub fn run(args: PushArgs) -> Result<()> {
    let ctx = Ctx::load(&args.server)?;
    let bytes = files::read(&args.credentials)?;
    let bundle = CredentialsJson::from_json(&bytes)
        .with_context(|| args.credentials.display().to_string())?;
    if bundle.android.is_none() && bundle.ios.is_none() {
        bail!(
            "{} holds neither android nor ios credentials",
            args.credentials.display()
        );
    }
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!("robot tokens can only read; sign in with `signet login` to push credentials");
        }
        let (team, app) = reader.app(args.team.as_deref(), &args.app).await?;
        ensure_may_read(&team)?;
        if let Some(IosCredentials::PerTarget(map)) = &bundle.ios
            && !app.ios_targets.is_empty()
        {
            for name in map.keys() {
                if !app.ios_targets.iter().any(|t| &t.target == name) {
                    bail!(
                        "ios.{name} in {} is not an iOS target of app {} (its targets: {}); \
                         nothing was uploaded",
                        args.credentials.display(),
                        app.name,
                        app.ios_targets
                            .iter()
                            .map(|t| t.target.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
        }

        // 1. Everything a build would trip over, before any upload.
        let report = doctor::check(
            &args.credentials,
            &pull::expected_bundle_ids(&app, bundle.ios.as_ref()),
            files::now_unix(),
        )?;
        if !report.passed() {
            print!("{}", doctor::render(&args.credentials, &report));
            bail!(
                "{} has problems (marked ✗ above); nothing was uploaded",
                args.credentials.display()
            );
        }
        let items = payloads(&args.credentials, &bundle, &app.name)?;

        // 2. Encrypt here, upload, assign.
        let session = ctx.session().await?;
        let key = team_key(&session, &team).await?;
        let mut existing = session
            .credentials(&team.id, false)
            .await
            .map_err(|e| explain(e, Who::User))?;
        for item in &items {
            let stored = match same_as(&existing, item) {
                Some(c) => {
                    eprintln!(
                        "{}: already stored as {} ({}), reusing it",
                        item.label, c.id, c.label
                    );
                    c.id.clone()
                }
                None => {
                    let payload = item.payload.to_bytes()?;
                    let c = session
                        .create_credential(
                            &team.id,
                            &key,
                            &NewCredential {
                                kind: item.payload.kind(),
                                label: &item.label,
                                metadata: item.metadata.clone(),
                                payload: &payload,
                            },
                        )
                        .await
                        .map_err(|e| explain(e, Who::User))?;
                    eprintln!("{}: encrypted and stored as {}", item.label, c.id);
                    let id = c.id.clone();
                    // Another target of this bundle may use the same one.
                    existing.push(c);
                    id
                }
            };
            session
                .api
                .assign(
                    &team.id,
                    &app.id,
                    &AssignRequest {
                        platform: item.platform,
                        profile: args.profile.clone(),
                        target: item.target.clone(),
                        credential_id: stored,
                        is_default: true,
                    },
                )
                .await
                .map_err(|e| explain(e, Who::User))?;
        }
        eprintln!(
            "Pushed {} credential(s) to app {} (profile {}), each now its slot's default.",
            items.len(),
            app.name,
            args.profile
        );
        Ok(())
    })
}

/// The payloads of a bundle, each proven usable by [`Payload::inspect`].
fn payloads(path: &Path, bundle: &CredentialsJson, app: &str) -> Result<Vec<Item>> {
    let base = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let read = |file: &str| doctor::read(&base, file).map_err(anyhow::Error::msg);
    let mut items = Vec::new();
    if let Some(android) = &bundle.android {
        let k = &android.keystore;
        let payload = Payload::AndroidKeystore {
            keystore: SecretText::from_bytes(&read(&k.keystore_path)?),
            keystore_password: SecretText::new(k.keystore_password.expose()),
            key_alias: k.key_alias.clone(),
            key_password: SecretText::new(k.effective_key_password().expose()),
        };
        let metadata = payload.inspect().context("android.keystore")?;
        items.push(Item {
            label: format!("{app} upload keystore ({})", k.key_alias),
            payload,
            metadata,
            platform: Platform::Android,
            target: String::new(),
        });
    }
    if let Some(ios) = &bundle.ios {
        for (target, creds) in ios.targets() {
            let scope = target.map_or("ios".to_owned(), |t| format!("ios.{t}"));
            let cert = Payload::IosDistributionCertificate {
                p12: SecretText::from_bytes(&read(&creds.distribution_certificate.path)?),
                password: SecretText::new(creds.distribution_certificate.password.expose()),
            };
            let cert_meta = cert
                .inspect()
                .with_context(|| format!("{scope}.distributionCertificate"))?;
            let profile = Payload::IosProvisioningProfile {
                profile: SecretText::from_bytes(&read(&creds.provisioning_profile_path)?),
            };
            let profile_meta = profile
                .inspect()
                .with_context(|| format!("{scope}.provisioningProfilePath"))?;
            let cert_label = cert_meta["common_name"]
                .as_str()
                .unwrap_or("Distribution certificate")
                .to_owned();
            let profile_label = profile_meta["name"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{app} provisioning profile"));
            let target = target.unwrap_or_default().to_owned();
            items.push(Item {
                payload: cert,
                metadata: cert_meta,
                label: cert_label,
                platform: Platform::Ios,
                target: target.clone(),
            });
            items.push(Item {
                payload: profile,
                metadata: profile_meta,
                label: profile_label,
                platform: Platform::Ios,
                target,
            });
        }
    }
    Ok(items)
}

/// A stored credential of the same kind with the same identity: certificate SHA-256 for
/// keystores and certificates, UUID for profiles.
fn same_as<'a>(existing: &'a [CredentialInfo], item: &Item) -> Option<&'a CredentialInfo> {
    let field = match item.payload.kind() {
        CredentialKind::IosProvisioningProfile => "uuid",
        CredentialKind::AndroidKeystore | CredentialKind::IosDistributionCertificate => "sha256",
        _ => return None,
    };
    let wanted = item.metadata.get(field)?.as_str()?;
    existing.iter().find(|c| {
        c.kind == item.payload.kind()
            && serde_json::from_str::<Value>(&c.metadata)
                .ok()
                .and_then(|m| m.get(field).and_then(Value::as_str).map(|v| v == wanted))
                .unwrap_or(false)
    })
}
