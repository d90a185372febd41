//! `signet push credentials.json --app APP`: imports an existing EAS bundle (a migration).
//!
//! Everything is checked before anything leaves the machine: `signet doctor`'s checks (files,
//! passwords, alias, profile ↔ certificate, bundle ids from the app's targets, expiry) and
//! [`Payload::inspect`] on every payload. Only then is each credential encrypted here,
//! uploaded, and assigned to the app's slot as its default. A credential already stored in
//! the team (same kind, same fingerprint) is reused rather than uploaded twice, but only when
//! its metadata verifies against its author's signature (checked with the team's verified
//! membership log): the server cannot pass off another credential as the one being pushed
//! by claiming its fingerprint. The plan
//! (targets, bundle ids, payloads, reuse) is [`signet_core::eas::import`], which the
//! dashboard's import page runs too.
//!
//! [`Payload::inspect`]: signet_core::credential::Payload::inspect

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use signet_client::credential::NewCredential;
use signet_core::{
    eas::{
        CredentialsJson,
        import::{self, ImportItem, same_as},
    },
    vault::membership::listing::UNVERIFIED_METADATA,
    wire::app::AssignRequest,
};

use super::{
    doctor, files,
    metadata::Authors,
    remote::{
        Ctx, Reader, ServerArgs, Who, block_on, ensure_may_read, explain, team_key_and_state,
    },
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

/// Runs `signet push`.
pub fn run(args: PushArgs) -> Result<()> {
    let ctx = Ctx::load(&args.server)?;
    let bytes = files::read(&args.credentials)?;
    let bundle = CredentialsJson::from_json(&bytes)
        .with_context(|| args.credentials.display().to_string())?;
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!("robot tokens can only read; sign in with `signet login` to push credentials");
        }
        let (team, app) = reader.app(args.team.as_deref(), &args.app).await?;
        ensure_may_read(&team)?;
        import::check_targets(&bundle, &app)
            .map_err(|e| anyhow::anyhow!("{e}; nothing was uploaded"))?;

        // 1. Everything a build would trip over, before any upload.
        let report = doctor::check(
            &args.credentials,
            &import::expected_bundle_ids(&app, bundle.ios.as_ref()),
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
        let (key, state) = team_key_and_state(&session, &team).await?;
        let authors = Authors::Log(Box::new(state));
        // Only credentials whose metadata is what their author signed may be reused.
        let (mut existing, unverified) = authors.partition(
            session
                .credentials(&team.id, false)
                .await
                .map_err(|e| explain(e, Who::User))?,
        );
        let unverified: Vec<_> = unverified.into_iter().map(|(c, _)| c).collect();
        for item in &items {
            let reuse = same_as(&existing, item).map(|c| (c.id.clone(), c.label.clone()));
            let stored = match reuse {
                Some((id, label)) => {
                    eprintln!(
                        "{}: already stored as {id} ({label}), reusing it",
                        item.label
                    );
                    id
                }
                None => {
                    if let Some(c) = same_as(&unverified, item) {
                        eprintln!(
                            "warning: {}: the server lists {} as the same credential, but its \
                             metadata is {}; not reusing it, storing this one anew",
                            item.label, c.id, UNVERIFIED_METADATA
                        );
                    }
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
                    // Another target of this bundle may use the same one (if the server's
                    // answer holds what was signed).
                    if authors.check(&c).is_ok() {
                        existing.push(c);
                    }
                    id
                }
            };
            session
                .assign(
                    &team.id,
                    &app.id,
                    &key,
                    &AssignRequest {
                        platform: item.platform,
                        profile: args.profile.clone(),
                        target: item.target.clone(),
                        credential_id: stored,
                        is_default: true,
                        robot_grants: Vec::new(),
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

/// The payloads of a bundle, each proven usable, read relative to `credentials.json`.
fn payloads(path: &Path, bundle: &CredentialsJson, app: &str) -> Result<Vec<ImportItem>> {
    let base = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(import::plan(bundle, |file| doctor::read(&base, file), app)?)
}
