//! `signet credentials`: the metadata table (no password needed: metadata is public to the
//! team, and is verified against its author's signature with the team log pin this machine
//! keeps; see [`super::metadata`]), `--expiring WINDOW [--fail]` (what expires soon, soonest
//! first; a CI gate), and `remove` / `restore` to move a credential to the trash and back.
//!
//! `--expiring` judges dates from verified metadata only. A credential whose metadata does not
//! verify (or a machine or robot token that cannot verify at all) is never taken as fine: it
//! is listed as unverified, with the date the server claims marked as such, and it fails the
//! gate like an expiring one, because a gate that said "nothing expires" only because it
//! could not check would be worse than no gate.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use signet_core::{
    expiry::{Expiry, not_after as claimed_not_after},
    ios::certificate::format_utc,
    wire::{
        app::{Assignment, Platform},
        credential::CredentialInfo,
    },
};

use super::{
    files, input,
    metadata::Authors,
    pull::PlatformChoice,
    remote::{Ctx, Reader, ServerArgs, TeamRef, Who, block_on, explain},
};

/// `signet credentials`.
#[derive(Debug, Args)]
pub struct CredentialsArgs {
    #[command(subcommand)]
    command: Option<CredentialsCommand>,
    /// Only the credentials this app uses, with its slots and defaults (name or id).
    #[arg(long)]
    app: Option<String>,
    /// The team (name or id; default: the app's, or your only team).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// Only this platform's slots (with --app).
    #[arg(long, value_enum, default_value = "all")]
    platform: PlatformChoice,
    /// List the trash instead (what `signet credentials restore ID` can bring back).
    #[arg(long, conflicts_with = "expiring")]
    deleted: bool,
    /// Only what expires within WINDOW or has expired, soonest first, across the team's apps
    /// (or --app's): 30d, 2w, 12h, or a number of days. Dates come from verified metadata;
    /// what cannot be verified is listed as unverified, never as fine.
    #[arg(long, value_name = "WINDOW", value_parser = parse_window)]
    expiring: Option<i64>,
    /// With --expiring: exit with code 1 when anything is listed (expiring, expired or
    /// unverified), 0 when nothing is: a CI gate.
    #[arg(long, requires = "expiring")]
    fail: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Debug, Subcommand)]
enum CredentialsCommand {
    /// Move a credential to the trash (builds stop using it; `restore` brings it back).
    Remove(IdArgs),
    /// Bring a credential back from the trash.
    Restore(IdArgs),
    /// Rename a credential (its metadata is signed again by you; the secret is untouched).
    Rename(RenameArgs),
}

#[derive(Debug, Args)]
struct RenameArgs {
    /// The credential's id (see `signet credentials`).
    id: String,
    /// Its new name in the team's list.
    label: String,
    /// Its team (name or id; default: searched in your teams).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Debug, Args)]
struct IdArgs {
    /// The credential's id (see `signet credentials`).
    id: String,
    /// Its team (name or id; default: searched in your teams).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// Removing an iOS certificate: also revoke it at Apple (through the team's App Store
    /// Connect API key) without asking. Builds already signed keep working.
    #[arg(long, conflicts_with = "keep_at_apple")]
    revoke_at_apple: bool,
    /// Removing an iOS certificate: leave it valid at Apple without asking.
    #[arg(long)]
    keep_at_apple: bool,
    /// Removing a credential that apps use (the default of a slot: builds of it would have
    /// none): remove it anyway, without asking.
    #[arg(long)]
    in_use: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs `signet credentials`; `Ok(false)` when `--expiring --fail` found something (exit 1).
pub fn run(args: CredentialsArgs) -> Result<bool> {
    match args.command {
        None => list(args),
        Some(CredentialsCommand::Remove(id)) => trash(id, true, args.server).map(|()| true),
        Some(CredentialsCommand::Restore(id)) => trash(id, false, args.server).map(|()| true),
        Some(CredentialsCommand::Rename(r)) => rename(r, args.server).map(|()| true),
    }
}

/// `--expiring`'s value in seconds, or an error that shows how to write it.
fn parse_window(text: &str) -> Result<i64, String> {
    files::parse_span(text).ok_or_else(|| {
        format!(
            "write a window like 30d (days), 2w (weeks), 12h (hours) or 30 (days), not {text:?}"
        )
    })
}

/// "30 days", "12 hours".
fn window_text(seconds: i64) -> String {
    if seconds % 86_400 == 0 {
        let days = seconds / 86_400;
        format!("{days} day{}", if days == 1 { "" } else { "s" })
    } else {
        format!("{} hours", seconds / 3_600)
    }
}

fn list(args: CredentialsArgs) -> Result<bool> {
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        // Where each credential is used: the one app's slots, or every app's in the team.
        let (team, apps) = match &args.app {
            Some(app) => {
                let (team, app) = reader.app(args.team.as_deref(), app).await?;
                (team, vec![app])
            }
            None => {
                let team = reader.team(args.team.as_deref()).await?;
                let apps = reader
                    .api()
                    .apps(&team.id)
                    .await
                    .map_err(|e| explain(e, reader.who()))?;
                (team, apps)
            }
        };
        let mut assignments: Vec<(String, Assignment)> = Vec::new();
        for app in &apps {
            let list = reader
                .api()
                .assignments(&team.id, &app.id)
                .await
                .map_err(|e| explain(e, reader.who()))?;
            assignments.extend(list.into_iter().map(|a| (app.name.clone(), a)));
        }
        assignments.retain(|(_, a)| args.platform.wants(a.platform));
        let mut list = reader
            .api()
            .credentials(&team.id, args.deleted)
            .await
            .map_err(|e| explain(e, reader.who()))?;
        if args.app.is_some() {
            list.retain(|c| assignments.iter().any(|(_, a)| a.credential_id == c.id));
        }
        let authors = Authors::for_reader(&ctx, &reader, &team).await?;
        if let Some(why) = authors.unavailable() {
            eprintln!("warning: {why}");
        }
        let now = files::now_unix();
        let rows: Vec<Value> = list
            .iter()
            .map(|c| row(c, authors.check(c), &assignments, now))
            .collect();
        if let Some(window) = args.expiring {
            let robot = matches!(reader, Reader::Robot { .. });
            return expiring(&args, rows, &list, window, now, robot);
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows)?);
            return Ok(true);
        }
        if rows.is_empty() {
            eprintln!(
                "No {}credentials{}.",
                if args.deleted { "trashed " } else { "" },
                args.app
                    .as_deref()
                    .map(|a| format!(" assigned to {a}"))
                    .unwrap_or_default()
            );
            if matches!(reader, Reader::Robot { .. }) {
                eprintln!("(a robot token sees only the credentials it was granted)");
            }
            return Ok(true);
        }
        print!("{}", table(&rows, args.app.is_none()));
        if !assignments.is_empty() {
            println!("\n* = the default its build slot uses");
        }
        // Why a row is unverified: each failed signature by name (a lack of a pin or a robot
        // token was said once, above).
        let failed: Vec<String> = rows
            .iter()
            .filter(|r| r["verified"] == false && authors.unavailable().is_none())
            .map(|r| {
                format!(
                    "{}: {}",
                    r["id"].as_str().unwrap_or_default(),
                    r["unverified_reason"].as_str().unwrap_or_default()
                )
            })
            .collect();
        if !failed.is_empty() {
            println!(
                "\nNot shown, and never used, because the metadata is not what its author signed:"
            );
            for line in failed {
                println!("  {line}");
            }
        }
        Ok(true)
    })
}

/// `--expiring`: the rows (from [`row`]) that expire within `window` seconds or have
/// expired, soonest first, then every unverified one (its claimed date marked as claimed);
/// `Ok(false)` with `--fail` when there is any.
fn expiring(
    args: &CredentialsArgs,
    rows: Vec<Value>,
    list: &[CredentialInfo],
    window: i64,
    now: i64,
    robot: bool,
) -> Result<bool> {
    let mut due: Vec<(i64, Value)> = Vec::new();
    let mut unverified: Vec<(i64, Value)> = Vec::new();
    for (mut r, c) in rows.into_iter().zip(list) {
        if let Some(t) = r["not_after"].as_i64() {
            let expiry = Expiry::new(t, now);
            if expiry.within(window) {
                r["severity"] = expiry.severity().as_str().into();
                r["status"] = expiry.describe().into();
                due.push((t, r));
            }
        } else if r["verified"] == false {
            // Not a date anyone signed: shown as the server's claim, never judged fine.
            let claimed = claimed_not_after(&c.metadata);
            r["severity"] = "unverified".into();
            r["status"] = "unverified: expiry unknown".into();
            r["claimed_not_after"] = claimed.into();
            unverified.push((claimed.unwrap_or(i64::MIN), r));
        }
    }
    due.sort_by_key(|(t, _)| *t);
    unverified.sort_by_key(|(t, _)| *t);
    let found = due.len() + unverified.len();
    let rows: Vec<Value> = due.into_iter().chain(unverified).map(|(_, r)| r).collect();
    let within = window_text(window);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if rows.is_empty() {
        println!(
            "Nothing expires within {within} ({} credential(s) checked{}).",
            list.len(),
            if robot {
                "; a robot token sees only the credentials it was granted"
            } else {
                ""
            }
        );
    } else {
        print!("{}", expiring_table(&rows));
    }
    let unverifiable = rows.iter().filter(|r| r["verified"] == false).count();
    if unverifiable > 0 {
        eprintln!(
            "warning: {unverifiable} credential(s) could not be verified, so their expiry is              unknown; they are listed as unverified{} (see `signet credentials` for why)",
            if args.fail { " and fail the gate" } else { "" }
        );
    }
    if args.fail && found > 0 {
        eprintln!(
            "{found} credential(s) expired, expire within {within}, or could not be verified."
        );
        return Ok(false);
    }
    Ok(true)
}

/// Status, expiry date, where it is used, kind, label, id: one line each.
fn expiring_table(rows: &[Value]) -> String {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let expires = match (r["not_after"].as_i64(), r["claimed_not_after"].as_i64()) {
                (Some(t), _) => format_utc(t)[..10].to_owned(),
                (None, Some(t)) => format!("{} (unverified claim)", &format_utc(t)[..10]),
                (None, None) => "-".into(),
            };
            let slots = slots_text(r, true);
            [
                format!(
                    "{} · {}",
                    text(r, "severity").to_uppercase(),
                    text(r, "status")
                ),
                expires,
                if slots.is_empty() { "-".into() } else { slots },
                text(r, "kind"),
                text(r, "label"),
                text(r, "id"),
            ]
        })
        .collect();
    columns(
        ["STATUS", "EXPIRES", "APP/SLOT", "KIND", "LABEL", "ID"],
        &cells,
    )
}

/// The facts a person scans for: what, which, fingerprint, expiry and where it is used.
/// Fingerprint and expiry come only from metadata whose signature `verified`; otherwise they
/// are `null` and `unverified_reason` says why.
fn row(
    c: &CredentialInfo,
    verified: Result<(), String>,
    assignments: &[(String, Assignment)],
    now: i64,
) -> Value {
    let meta: Value = match &verified {
        Ok(()) => serde_json::from_str(&c.metadata).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let fingerprint = ["sha1", "uuid", "key_id", "private_key_id"]
        .iter()
        .find_map(|k| meta.get(*k).and_then(Value::as_str))
        .map(str::to_owned);
    let not_after = meta.get("not_after").and_then(Value::as_i64);
    let slots: Vec<Value> = assignments
        .iter()
        .filter(|(_, a)| a.credential_id == c.id)
        .map(|(app, a)| {
            json!({
                "app": app,
                "platform": a.platform.as_str(),
                "profile": a.profile,
                "target": a.target,
                "default": a.is_default,
            })
        })
        .collect();
    json!({
        "id": c.id,
        "kind": c.kind.as_str(),
        "label": c.label,
        "verified": verified.is_ok(),
        "unverified_reason": verified.err(),
        "fingerprint": fingerprint,
        "not_after": not_after,
        "days_left": not_after.map(|t| (t - now).div_euclid(86_400)),
        "slots": slots,
        "created_by": c.created_by_email,
        "deleted_at": c.deleted_at,
    })
}

/// `with_app`: prefix each slot with its app's name (the team-wide list).
fn table(rows: &[Value], with_app: bool) -> String {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let expires = match (r["not_after"].as_i64(), r["days_left"].as_i64()) {
                (Some(t), Some(d)) if d < 0 => format!("{} (EXPIRED)", &format_utc(t)[..10]),
                (Some(t), Some(d)) => format!("{} ({d} days)", &format_utc(t)[..10]),
                _ => "-".into(),
            };
            let slots = slots_text(r, with_app);
            let fingerprint = text(r, "fingerprint");
            [
                text(r, "id"),
                text(r, "kind"),
                text(r, "label"),
                if r["verified"] == false {
                    "unverified".into()
                } else if fingerprint.is_empty() {
                    "-".into()
                } else {
                    fingerprint
                },
                expires,
                if slots.is_empty() { "-".into() } else { slots },
            ]
        })
        .collect();
    columns(
        ["ID", "KIND", "LABEL", "FINGERPRINT", "EXPIRES", "USED BY"],
        &cells,
    )
}

/// A row's build slots, `app:platform/profile[/target]` with `*` for defaults (the app's
/// name only `with_app`).
fn slots_text(r: &Value, with_app: bool) -> String {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    r["slots"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| {
                    let platform = text(s, "platform");
                    let target = text(s, "target");
                    let mark = if s["default"] == true { "*" } else { "" };
                    let app = if with_app {
                        format!("{}:", text(s, "app"))
                    } else {
                        String::new()
                    };
                    if target.is_empty() {
                        format!("{app}{platform}/{}{mark}", text(s, "profile"))
                    } else {
                        format!("{app}{platform}/{}/{target}{mark}", text(s, "profile"))
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// Left-aligned columns, two spaces apart; the last one is not padded.
fn columns<const N: usize>(header: [&str; N], cells: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            out.push_str(cell);
            if i + 1 < N {
                out.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(&header);
    for row in cells {
        out.push_str(&line(&row.each_ref().map(String::as_str)));
    }
    out
}

/// `signet credentials rename ID LABEL`: the same rename as the dashboard's
/// (`Session::rename_credential`): only metadata that verifies is signed again; a stale
/// revision (someone changed it meanwhile) is a 409 that says to try again.
fn rename(args: RenameArgs, server: ServerArgs) -> Result<()> {
    let label = args.label.trim();
    if label.is_empty() {
        bail!(
            "give the new name: signet credentials rename {} \"New name\"",
            args.id
        );
    }
    let ctx = Ctx::load(&args.server.clone().or(server))?;
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!("robot tokens can only read; sign in with `signet login` to rename credentials");
        }
        let (team, before) = holder(&reader, args.team.as_deref(), &args.id, false).await?;
        let session = ctx.session().await?;
        let renamed = session
            .rename_credential(&team.id, &args.id, label)
            .await
            .map_err(|e| explain(e, Who::User))?;
        let before = before.map(|c| c.label).unwrap_or_default();
        println!(
            "Renamed “{before}” to “{}” in {}.",
            renamed.label, team.name
        );
        Ok(())
    })
}

/// Which of the reader's teams (or the one named) holds credential `id`, live or in the
/// trash: a credential id is unique, so each team is asked. A live one comes with its
/// details (`in_use` included).
async fn holder(
    reader: &Reader,
    team: Option<&str>,
    id: &str,
    in_trash: bool,
) -> Result<(TeamRef, Option<CredentialInfo>)> {
    let api = reader.api();
    let teams = match team {
        Some(t) => vec![reader.team(Some(t)).await?],
        None => reader.teams().await?,
    };
    for team in teams {
        if in_trash {
            // A trashed credential is only in the trash list.
            if api
                .credentials(&team.id, true)
                .await
                .is_ok_and(|list| list.iter().any(|c| c.id == id))
            {
                return Ok((team, None));
            }
        } else if let Ok(info) = api.credential(&team.id, id).await {
            return Ok((team, Some(info)));
        }
    }
    bail!(
        "no credential {id} in your teams (see `signet credentials`{})",
        if in_trash { " --deleted" } else { "" }
    )
}

fn trash(args: IdArgs, remove: bool, server: ServerArgs) -> Result<()> {
    let ctx = Ctx::load(&args.server.clone().or(server))?;
    block_on(async {
        let reader = ctx.reader().await?;
        if matches!(reader, Reader::Robot { .. }) {
            bail!("robot tokens can only read; sign in with `signet login` to change credentials");
        }
        let api = reader.api();
        let (team, found) = holder(&reader, args.team.as_deref(), &args.id, !remove).await?;
        let mut revoked = None;
        let mut in_use = false;
        if let Some(info) = found.filter(|_| remove) {
            if !info.in_use.is_empty() {
                let uses: Vec<String> = info.in_use.iter().map(|u| u.describe()).collect();
                let question = format!(
                    "{} is in use: {}. {}Remove it anyway?",
                    info.label,
                    uses.join("; "),
                    if info.in_use.iter().any(|u| u.is_default) {
                        "Builds of the slots it is the default of would have none. "
                    } else {
                        ""
                    }
                );
                in_use = if args.in_use {
                    true
                } else if input::interactive() {
                    input::confirm(&question, false)?
                } else {
                    bail!(
                        "{} is in use: {}. Nothing was removed: assign another credential \
                         first, or pass --in-use to remove it anyway",
                        info.label,
                        uses.join("; ")
                    );
                };
                if !in_use {
                    bail!("nothing was removed");
                }
            }
            if info.kind
                == signet_core::wire::credential::CredentialKind::IosDistributionCertificate
            {
                let revoke = if args.revoke_at_apple {
                    true
                } else if args.keep_at_apple {
                    false
                } else if input::interactive() {
                    input::confirm(
                        &format!(
                            "{} is an iOS certificate. Also revoke it at Apple? Builds already \
                             signed with it keep working; new builds with it stop, and so do \
                             the profiles that allow only it",
                            info.label
                        ),
                        false,
                    )?
                } else {
                    false
                };
                if revoke {
                    revoked = revoke_certificate(&ctx, &team, &info).await?;
                } else {
                    eprintln!(
                        "{} stays valid at Apple (not revoked). To revoke it too, restore it \
                         and remove it with --revoke-at-apple, or revoke it at \
                         developer.apple.com",
                        info.label
                    );
                }
            }
        }
        let outcome = if remove && in_use {
            api.trash_credential_in_use(&team.id, &args.id).await
        } else if remove {
            api.trash_credential(&team.id, &args.id).await
        } else {
            api.restore_credential(&team.id, &args.id).await
        };
        outcome.map_err(|e| explain(e, Who::User))?;
        if let Some(serial) = revoked {
            eprintln!("Revoked the certificate (serial {serial}) at Apple.");
        }
        if remove {
            eprintln!(
                "Moved {} to the trash of team {} (builds no longer get it); undo with \
                 `signet credentials restore {}`.",
                args.id, team.name, args.id
            );
        } else {
            eprintln!("Restored {} in team {}.", args.id, team.name);
        }
        Ok(())
    })
}

/// Revokes an iOS certificate at Apple, its serial read from metadata verified against its
/// author's signature (never from unverified metadata); the serial, or `None` when Apple
/// no longer has it.
async fn revoke_certificate(
    ctx: &Ctx,
    team: &super::remote::TeamRef,
    info: &CredentialInfo,
) -> Result<Option<String>> {
    let session = ctx.session().await?;
    let (_, state) = super::remote::team_key_and_state(&session, team).await?;
    signet_core::vault::membership::listing::verify_metadata(&state, info).map_err(|why| {
        anyhow::anyhow!(
            "{}'s metadata does not verify ({why}), so its serial number cannot be trusted; \
             nothing was revoked or removed",
            info.label
        )
    })?;
    let meta: Value = serde_json::from_str(&info.metadata).unwrap_or(Value::Null);
    let serial = meta["serial"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("{} has no serial number in its metadata", info.label))?;
    if super::ios::revoke_at_apple(&session, team, &serial).await? {
        Ok(Some(serial))
    } else {
        eprintln!("Apple no longer has the certificate (serial {serial}): nothing to revoke.");
        Ok(None)
    }
}

impl PlatformChoice {
    /// Whether `platform` is chosen.
    pub fn wants(self, platform: Platform) -> bool {
        match self {
            Self::All => true,
            Self::Android => platform == Platform::Android,
            Self::Ios => platform == Platform::Ios,
        }
    }
}
