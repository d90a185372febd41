//! `signet teams [create NAME | verify]` and `signet apps [create …]`.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use signet_core::wire::app::{AppRequest, IosTarget};

use super::remote::{Ctx, Reader, ServerArgs, Who, block_on, explain, remember_trust};

/// `signet teams`.
#[derive(Debug, Args)]
pub struct TeamsArgs {
    #[command(subcommand)]
    command: Option<TeamsCommand>,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Debug, Subcommand)]
enum TeamsCommand {
    /// Create a team (you become its owner). Asks for your password (or reads
    /// SIGNET_PASSWORD): the team's key is made here and wrapped under your keys.
    Create {
        /// The team's name.
        name: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Verify each team's signed membership log with your keys, and keep its pin on this
    /// machine, so commands without a password (`signet credentials`) verify credentials'
    /// metadata against its authors' signatures. Asks for your password (or reads
    /// SIGNET_PASSWORD).
    Verify {
        /// Only this team (name or id).
        #[arg(long, value_name = "TEAM")]
        team: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// Runs `signet teams`.
pub fn teams(args: TeamsArgs) -> Result<()> {
    match args.command {
        None => {
            let ctx = Ctx::load(&args.server)?;
            block_on(async {
                let reader = ctx.reader().await?;
                let teams = reader.teams().await?;
                if teams.is_empty() {
                    eprintln!("No teams yet: create one with `signet teams create NAME`.");
                }
                println!("{:<36}  {:<10}  NAME", "ID", "ROLE");
                for t in teams {
                    let role = t.role.map(|r| r.as_str()).unwrap_or("robot");
                    println!("{:<36}  {role:<10}  {}", t.id, t.name);
                }
                Ok(())
            })
        }
        Some(TeamsCommand::Create { name, server }) => {
            let ctx = Ctx::load(&server.or(args.server))?;
            block_on(async {
                let session = ctx.session().await?;
                let (team, _) = session
                    .create_team(&name)
                    .await
                    .map_err(|e| explain(e, Who::User))?;
                remember_trust(&session).await?;
                eprintln!(
                    "Created team {} ({}); you are its owner.",
                    team.name, team.id
                );
                println!("{}", team.id);
                Ok(())
            })
        }
        Some(TeamsCommand::Verify { team, server }) => verify(team, server.or(args.server)),
    }
}

/// `signet teams verify`: each team's log verified from the account's pin; the pins are then
/// mirrored here. Exit code 1 when a team's log does not verify.
fn verify(team: Option<String>, server: ServerArgs) -> Result<()> {
    let ctx = Ctx::load(&server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!(
                "a robot token cannot verify a team's membership log; sign in with `signet                  login` on this machine"
            );
        }
        let teams = match &team {
            Some(t) => vec![reader.team(Some(t)).await?],
            None => reader.teams().await?,
        };
        let session = ctx.session().await?;
        let mut failed = 0;
        for t in &teams {
            match session.verified_team(&t.id).await {
                Ok(state) => println!(
                    "✓ {}: membership log verified ({} member(s), team key version {})",
                    t.name,
                    state.members().len(),
                    state.key_version()
                ),
                Err(e) => {
                    failed += 1;
                    println!("✗ {}: {:#}", t.name, explain(e, Who::User));
                }
            }
        }
        remember_trust(&session).await?;
        if failed > 0 {
            bail!(
                "{failed} team log(s) did not verify: the server's data does not match what                  your account trusts; change nothing in those teams and ask your admin"
            );
        }
        eprintln!(
            "This machine now verifies credentials' metadata in {} team(s) without your password.",
            teams.len()
        );
        Ok(())
    })
}

impl ServerArgs {
    /// This one when given, else `other`.
    pub fn or(self, other: ServerArgs) -> ServerArgs {
        if self.server.is_some() { self } else { other }
    }
}

/// `signet apps`.
#[derive(Debug, Args)]
pub struct AppsArgs {
    #[command(subcommand)]
    command: Option<AppsCommand>,
    /// Only this team's apps (name or id).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Debug, Subcommand)]
enum AppsCommand {
    /// Create an app: the Android package and iOS bundle ids its credentials are for.
    Create(CreateAppArgs),
}

#[derive(Debug, Args)]
struct CreateAppArgs {
    /// The team (name or id; default: your only team).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// The app's name, unique in the team.
    #[arg(long)]
    name: String,
    /// The Android application id, e.g. com.acme.app.
    #[arg(long, value_name = "PACKAGE")]
    android_package: Option<String>,
    /// An Xcode target and its bundle id (repeat for extensions), e.g. Acme=com.acme.app. A
    /// bare bundle id names the target after the app.
    #[arg(long = "ios-bundle-id", value_name = "[TARGET=]BUNDLE_ID")]
    ios_bundle_ids: Vec<String>,
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs `signet apps`.
pub fn apps(args: AppsArgs) -> Result<()> {
    match args.command {
        None => {
            let ctx = Ctx::load(&args.server)?;
            block_on(async {
                let reader = ctx.reader().await?;
                let teams = match &args.team {
                    Some(t) => vec![reader.team(Some(t)).await?],
                    None => reader.teams().await?,
                };
                let mut rows = Vec::new();
                for team in teams {
                    let apps = reader
                        .api()
                        .apps(&team.id)
                        .await
                        .map_err(|e| explain(e, reader.who()))?;
                    rows.extend(apps.into_iter().map(|a| (team.clone(), a)));
                }
                if args.json {
                    let apps: Vec<_> = rows.iter().map(|(_, a)| a).collect();
                    println!("{}", serde_json::to_string_pretty(&apps)?);
                    return Ok(());
                }
                if rows.is_empty() {
                    eprintln!(
                        "No apps yet: create one with `signet apps create --name NAME \
                         --android-package ID --ios-bundle-id ID`."
                    );
                    return Ok(());
                }
                println!(
                    "{:<36}  {:<20}  {:<24}  {:<30}  TEAM",
                    "ID", "NAME", "ANDROID", "IOS"
                );
                for (team, app) in rows {
                    let ios = app
                        .ios_targets
                        .iter()
                        .map(|t| format!("{}={}", t.target, t.bundle_id))
                        .collect::<Vec<_>>()
                        .join(" ");
                    println!(
                        "{:<36}  {:<20}  {:<24}  {:<30}  {}",
                        app.id,
                        app.name,
                        app.android_package.as_deref().unwrap_or("-"),
                        if ios.is_empty() { "-".into() } else { ios },
                        team.name
                    );
                }
                Ok(())
            })
        }
        Some(AppsCommand::Create(create)) => {
            let ctx = Ctx::load(&create.server.clone().or(args.server))?;
            let ios_targets = ios_targets(&create.name, &create.ios_bundle_ids)?;
            block_on(async {
                let reader = ctx.reader().await?;
                if matches!(reader, Reader::Robot { .. }) {
                    bail!("robot tokens can only read; sign in with `signet login` to create apps");
                }
                let team = reader
                    .team(create.team.as_deref().or(args.team.as_deref()))
                    .await?;
                let app = reader
                    .api()
                    .create_app(
                        &team.id,
                        &AppRequest {
                            name: create.name.clone(),
                            android_package: create.android_package.clone(),
                            ios_targets,
                        },
                    )
                    .await
                    .map_err(|e| explain(e, Who::User))?;
                eprintln!("Created app {} in team {}.", app.name, team.name);
                println!("{}", app.id);
                Ok(())
            })
        }
    }
}

/// `TARGET=BUNDLE_ID` items; a bare bundle id names its target after the app.
fn ios_targets(app: &str, items: &[String]) -> Result<Vec<IosTarget>> {
    let mut targets: Vec<IosTarget> = Vec::new();
    for item in items {
        let (target, bundle_id) = match item.split_once('=') {
            Some((t, b)) => (t.trim().to_owned(), b.trim().to_owned()),
            None => (app.replace(' ', ""), item.trim().to_owned()),
        };
        if target.is_empty() || bundle_id.is_empty() {
            bail!("--ios-bundle-id {item}: write it as TARGET=BUNDLE_ID or BUNDLE_ID");
        }
        if targets.iter().any(|t| t.target == target) {
            bail!("--ios-bundle-id: target {target} is given twice");
        }
        targets.push(IosTarget { target, bundle_id });
    }
    Ok(targets)
}
