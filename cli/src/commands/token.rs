//! `signet token create|revoke`: robot tokens for CI (admins).
//!
//! A token is scoped to apps. Its secret derives a key pair whose public half goes into the
//! token's card, signed here with your member key; every later assignment to those apps
//! (`signet push`, `keystore generate --remote`, `pull --generate-missing`, the dashboard)
//! wraps the new item key for it after checking that card against the team's signed log, so
//! the token follows what its apps use. The credentials the apps use now are wrapped for it
//! here. The token text is printed once and never stored; the server keeps only a hash of
//! its auth half, the card and the log anchor sealed under the secret.

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use signet_core::ios::certificate::format_utc;

use super::{
    files,
    remote::{Ctx, Reader, ServerArgs, Who, block_on, explain, team_key},
};

/// `signet token`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a robot token for CI that can pull the given apps' credentials. Asks for your
    /// password (or reads SIGNET_PASSWORD). Prints the token once: store it as the CI
    /// secret SIGNET_TOKEN.
    Create(CreateArgs),
    /// Revoke a robot token: it stops working at once.
    Revoke(RevokeArgs),
}

/// `signet token create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The team (name or id; default: the app's).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// The app it may pull (name or id); repeat for several.
    #[arg(long = "app", required = true)]
    apps: Vec<String>,
    /// How long it works: days (`90d`, `90`) or weeks (`12w`); at most 400 days.
    #[arg(long, default_value = "90d")]
    expires: String,
    /// What it is for, shown to admins (default: "CLI token for APP").
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    server: ServerArgs,
}

/// `signet token revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The token's id (the part after `signet_`, before the next `_`).
    id: String,
    /// Its team (name or id; default: your only team).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs `signet token`.
pub fn run(command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create(args) => create(args),
        TokenCommand::Revoke(args) => revoke(args),
    }
}

/// `90d`, `90`, `12w` → seconds (whole days).
fn parse_expiry(text: &str) -> Result<i64> {
    let Some(seconds) = files::parse_span(text).filter(|s| s % 86_400 == 0) else {
        bail!("--expires {text}: write a number of days like 90d (or weeks: 12w)");
    };
    if !(1..=400).contains(&(seconds / 86_400)) {
        bail!("--expires {text}: a token lives 1 to 400 days");
    }
    Ok(seconds)
}

fn create(args: CreateArgs) -> Result<()> {
    let lifetime = parse_expiry(&args.expires)?;
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!("a robot token cannot make tokens; sign in with `signet login` (admins)");
        }
        let mut team = None;
        let mut apps = Vec::new();
        for wanted in &args.apps {
            let (t, app) = reader
                .app(
                    args.team.as_deref().or(team
                        .as_ref()
                        .map(|t: &super::remote::TeamRef| t.id.as_str())),
                    wanted,
                )
                .await?;
            team.get_or_insert(t);
            apps.push(app);
        }
        let Some(team) = team else {
            bail!("pass --app APP");
        };
        if team.role < Some(signet_core::wire::Role::Admin) {
            bail!(
                "only admins and owners of team {} can make robot tokens",
                team.name
            );
        }
        let mut granted = BTreeSet::new();
        for app in &apps {
            for a in reader
                .api()
                .assignments(&team.id, &app.id)
                .await
                .map_err(|e| explain(e, Who::User))?
            {
                granted.insert(a.credential_id);
            }
        }
        let session = ctx.session().await?;
        let key = team_key(&session, &team).await?;
        let credentials: Vec<_> = session
            .credentials(&team.id, false)
            .await
            .map_err(|e| explain(e, Who::User))?
            .into_iter()
            .filter(|c| granted.contains(&c.id))
            .collect();
        let names = apps
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let name = args
            .name
            .clone()
            .unwrap_or_else(|| format!("CLI token for {names}"));
        let app_ids: Vec<String> = apps.iter().map(|a| a.id.clone()).collect();
        let (info, token) = session
            .create_robot(
                &team.id,
                &key,
                &name,
                &app_ids,
                &credentials,
                files::now_unix() + lifetime,
            )
            .await
            .map_err(|e| explain(e, Who::User))?;
        eprintln!(
            "Robot token {} (\"{}\") for {names}: granted {} credential(s), expires {}.\n\
             It is shown once, here; store it as the CI secret SIGNET_TOKEN (with SIGNET_SERVER={}).\n\
             Credentials assigned to these apps later are wrapped for it by whoever assigns them.",
            info.id,
            info.name,
            credentials.len(),
            format_utc(info.expires_at),
            ctx.server
        );
        if credentials.is_empty() {
            eprintln!(
                "note: {names} uses no credentials yet; the token gets each one when it is assigned."
            );
        }
        println!("{}", token.dangerously_to_string().as_str());
        Ok(())
    })
}

fn revoke(args: RevokeArgs) -> Result<()> {
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!("a robot token cannot revoke tokens; sign in with `signet login` (admins)");
        }
        let team = reader.team(args.team.as_deref()).await?;
        let id = args
            .id
            .strip_prefix("signet_")
            .map(|rest| rest.split('_').next().unwrap_or(rest))
            .unwrap_or(&args.id);
        reader
            .api()
            .revoke_robot(&team.id, id)
            .await
            .map_err(|e| explain(e, Who::User))?;
        eprintln!("Revoked robot token {id} of team {}.", team.name);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_reads_days_and_weeks() -> Result<()> {
        assert_eq!(parse_expiry("90d")?, 90 * 86_400);
        assert_eq!(parse_expiry("30")?, 30 * 86_400);
        assert_eq!(parse_expiry("2w")?, 14 * 86_400);
        for bad in ["0d", "401d", "soon", "-3d", "60w"] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
        Ok(())
    }
}
