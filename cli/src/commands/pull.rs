//! `signet pull`: an app's credentials onto this machine as EAS's `credentials.json` plus the
//! files it names, decrypted here.
//!
//! Layout (as `eas credentials` writes it; paths relative to `--out`):
//! `credentials/android/keystore.jks`, `credentials/ios/profile.mobileprovision`,
//! `credentials/ios/dist-cert.p12`, and `credentials/ios/TARGET-…` for each target of an app
//! with several. Files are 0600; a file that exists with other content is only replaced with
//! `--force` (and then nothing at all is written without it). The other platform's entry of
//! an existing `credentials.json` is kept when `--platform` names one.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use signet_core::{
    android::{KeystoreFormat, Password},
    credential::Payload,
    eas::{
        AndroidCredentials, AndroidKeystore, CredentialsJson, DistributionCertificate,
        IosCredentials, IosTargetCredentials, import,
    },
    readiness::{self, Missing},
    wire::{
        app::{Assignment, Platform},
        credential::CredentialKind,
    },
};
use zeroize::Zeroizing;

use super::{
    doctor, files, input, keystore,
    remote::{
        Ctx, Opener, Reader, ServerArgs, TeamRef, block_on, ensure_may_read, explain, team_key,
    },
};

/// Which platforms to pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformChoice {
    /// Android only.
    Android,
    /// iOS only.
    Ios,
    /// Both (what is assigned).
    All,
}

/// `signet pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The app (name or id).
    #[arg(long)]
    app: String,
    /// The app's team (name or id), when app names are not unique across your teams.
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// Which platform's credentials.
    #[arg(long, value_enum, default_value = "all")]
    platform: PlatformChoice,
    /// The build profile whose credentials to pull.
    #[arg(long, default_value = "production")]
    profile: String,
    /// The project directory to write credentials.json and credentials/ into.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Replace files that exist with other content.
    #[arg(long)]
    force: bool,
    /// Run `signet doctor` on the result (exit code 1 if a check fails).
    #[arg(long)]
    check: bool,
    /// Generate what the build needs and the app does not have yet — an Android upload
    /// keystore; iOS certificate and profile, created with Apple through the team's App
    /// Store Connect API key — store it encrypted and assign it, without asking (on a
    /// terminal, pull asks).
    #[arg(long)]
    generate_missing: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// The credentials a slot uses by default.
#[derive(Debug, Default)]
pub struct Plan {
    /// Android upload keystore.
    pub android: Option<String>,
    /// By iOS target (empty: single target): distribution certificate and profile ids.
    pub ios: BTreeMap<String, (Option<String>, Option<String>)>,
}

impl Plan {
    /// The defaults among `assignments` for `profile`. Only defaults: a slot whose default
    /// was trashed or unassigned is missing its credential (as the dashboard says, through
    /// [`readiness`]), never quietly served by another keystore of the slot, which Google
    /// Play would reject as a different upload key.
    pub fn new(assignments: &[Assignment], profile: &str, platform: PlatformChoice) -> Self {
        let mut plan = Self::default();
        let mut pick = |a: &Assignment| {
            let kind = CredentialKind::parse(&a.kind);
            match (a.platform, kind) {
                (Platform::Android, Some(CredentialKind::AndroidKeystore)) => {
                    plan.android = Some(a.credential_id.clone());
                }
                (Platform::Ios, Some(CredentialKind::IosDistributionCertificate)) => {
                    plan.ios.entry(a.target.clone()).or_default().0 = Some(a.credential_id.clone());
                }
                (Platform::Ios, Some(CredentialKind::IosProvisioningProfile)) => {
                    plan.ios.entry(a.target.clone()).or_default().1 = Some(a.credential_id.clone());
                }
                _ => {}
            }
        };
        let in_slot = |a: &&Assignment| a.profile == profile && platform.wants(a.platform);
        for a in assignments.iter().filter(in_slot).filter(|a| a.is_default) {
            pick(a);
        }
        plan
    }

    fn is_empty(&self) -> bool {
        self.android.is_none() && self.ios.is_empty()
    }
}

/// A file to write, relative to the project directory.
struct OutFile {
    relative: String,
    bytes: Zeroizing<Vec<u8>>,
}

/// Runs `signet pull`; `Ok(false)` when `--check` found a failure.
pub fn run(args: PullArgs) -> Result<bool> {
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let reader = ctx.reader().await?;
        let (team, app) = reader.app(args.team.as_deref(), &args.app).await?;
        let mut assignments = reader
            .api()
            .assignments(&team.id, &app.id)
            .await
            .map_err(|e| explain(e, reader.who()))?;
        let mut plan = Plan::new(&assignments, &args.profile, args.platform);
        // Before anything is decided from them (or generated for them).
        check_target_names(&plan)?;
        // A signed-in user unlocks once, before anything is generated or opened.
        let session = match &reader {
            Reader::Robot { .. } => None,
            Reader::User { .. } => {
                ensure_may_read(&team)?;
                Some(ctx.session().await?)
            }
        };
        if args.platform != PlatformChoice::Ios
            && plan.android.is_none()
            && let Some(package) = app.android_package.clone()
        {
            let what = format!(
                "No Android upload keystore for {package} (build profile {})",
                args.profile
            );
            let hint = undefaulted(&assignments, &args.profile, Platform::Android, &app.name);
            let fix = format!(
                "signet pull --app {} --profile {} --generate-missing",
                app.name, args.profile
            );
            let Some(session) = &session else {
                bail!(
                    "{what}. A robot token can change nothing: a team member runs `{fix}` (or \
                     `signet keystore generate --app {} --remote --profile {}`) once; then make \
                     a new robot token, which covers what the app uses when it is made{hint}",
                    app.name,
                    args.profile
                );
            };
            // Asked for both platforms with iOS ones there: the iOS pull goes on and the
            // missing keystore is named (a build for Android asks with --platform android).
            let ios_only = args.platform == PlatformChoice::All && !plan.ios.is_empty();
            let generate = if args.generate_missing {
                true
            } else if input::interactive() {
                input::confirm(&format!("{what}. Generate one now?"), true)?
            } else if ios_only {
                eprintln!(
                    "warning: {what}; pulling the iOS credentials only. Run `{fix}` to generate \
                     one here{hint}"
                );
                false
            } else {
                bail!(
                    "{what}, and there is no terminal to ask whether to generate one; nothing \
                     was written. Run `{fix}` to generate it here (encrypted before upload), \
                     or store an existing one with `signet push credentials.json --app {}`{hint}",
                    app.name
                );
            };
            if !generate && !ios_only {
                bail!("{what}; nothing was generated or written{hint}");
            }
            if generate {
                keystore::store_new(
                    session,
                    &team,
                    &app,
                    &package,
                    &args.profile,
                    &keystore::default_params(&package),
                    KeystoreFormat::Jks,
                    keystore::NewKeystore::Default,
                )
                .await?;
                assignments = reader
                    .api()
                    .assignments(&team.id, &app.id)
                    .await
                    .map_err(|e| explain(e, reader.who()))?;
                plan = Plan::new(&assignments, &args.profile, args.platform);
            }
        }
        if args.platform != PlatformChoice::Android {
            let missing = missing_ios(&app, &assignments, &args.profile);
            if !missing.is_empty() {
                let what = format!(
                    "No iOS distribution certificate and provisioning profile for {} (build \
                     profile {})",
                    missing.join(", "),
                    args.profile
                );
                let hint = undefaulted(&assignments, &args.profile, Platform::Ios, &app.name);
                let fix = format!(
                    "signet ios setup --app {} --profile {}",
                    app.name, args.profile
                );
                let Some(session) = &session else {
                    bail!(
                        "{what}. A robot token can change nothing: a team member runs `{fix}` \
                         (or `signet pull --app {} --profile {} --generate-missing`) once{hint}",
                        app.name,
                        args.profile
                    );
                };
                let others = plan.android.is_some() && args.platform == PlatformChoice::All;
                let generate = if args.generate_missing {
                    true
                } else if input::interactive() {
                    input::confirm(
                        &format!(
                            "{what}. Create them with Apple now, with the team's App Store \
                             Connect API key?"
                        ),
                        true,
                    )?
                } else if others {
                    eprintln!(
                        "warning: {what}; pulling the Android credentials only. Run `{fix}` to \
                         create them with Apple{hint}"
                    );
                    false
                } else {
                    bail!(
                        "{what}, and there is no terminal to ask whether to create them; \
                         nothing was written. Run `{fix}` (or this pull with \
                         --generate-missing) to create them with Apple through the team's App \
                         Store Connect API key{hint}"
                    );
                };
                if generate {
                    super::ios::generate_for_pull(
                        session.clone(),
                        team.clone(),
                        app.clone(),
                        &args.profile,
                    )
                    .await?;
                    assignments = reader
                        .api()
                        .assignments(&team.id, &app.id)
                        .await
                        .map_err(|e| explain(e, reader.who()))?;
                    plan = Plan::new(&assignments, &args.profile, args.platform);
                } else if !others {
                    bail!("{what}; nothing was created or written{hint}");
                }
            }
        }
        if plan.is_empty() {
            bail!(
                "app {} has no {}credentials assigned for build profile \"{}\": push a bundle \
                 with `signet push credentials.json --app {}`{}",
                app.name,
                match args.platform {
                    PlatformChoice::All => "",
                    PlatformChoice::Android => "Android ",
                    PlatformChoice::Ios => "iOS ",
                },
                args.profile,
                app.name,
                if args.platform != PlatformChoice::Ios {
                    format!(" or `signet keystore generate --app {} --remote`", app.name)
                } else {
                    format!(
                        " or `signet ios setup --app {}` (with the team's App Store Connect API \
                         key)",
                        app.name
                    )
                }
            );
        }
        for (target, (cert, profile)) in &plan.ios {
            let name = if target.is_empty() {
                "iOS".to_owned()
            } else {
                format!("iOS target {target}")
            };
            if cert.is_none() {
                bail!(
                    "{name} of app {} has a provisioning profile but no distribution certificate for profile \"{}\"",
                    app.name,
                    args.profile
                );
            }
            if profile.is_none() {
                bail!(
                    "{name} of app {} has a distribution certificate but no provisioning profile for profile \"{}\"",
                    app.name,
                    args.profile
                );
            }
        }

        let opener = match (&reader, &session) {
            (Reader::Robot { session, .. }, _) => Opener::Robot(session),
            (Reader::User { .. }, Some(session)) => {
                let key = team_key(session, &team).await?;
                Opener::User { session, key }
            }
            (Reader::User { .. }, None) => bail!("not signed in"),
        };
        let (credentials, out_files) = fetch(&opener, &team, &plan).await?;
        write(&args, &credentials, out_files)?;

        eprintln!(
            "Pulled {} ({}, profile {}) into {}",
            app.name,
            [
                plan.android
                    .as_ref()
                    .map(|_| "Android upload keystore".to_owned()),
                (!plan.ios.is_empty()).then(|| format!(
                    "iOS certificate and profile for {} target(s)",
                    plan.ios.len()
                )),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            args.profile,
            args.out.display()
        );
        if args.check {
            let report = doctor::check(
                &args.out.join("credentials.json"),
                &import::expected_bundle_ids(&app, credentials.ios.as_ref()),
                files::now_unix(),
            )?;
            print!(
                "{}",
                doctor::render(&args.out.join("credentials.json"), &report)
            );
            return Ok(report.passed());
        }
        Ok(true)
    })
}

/// Refuses iOS target names from the server that are not target names (they become file
/// names).
fn check_target_names(plan: &Plan) -> Result<()> {
    for target in plan.ios.keys() {
        if !signet_core::wire::app::is_slot_name(target, true) {
            bail!(
                "the server sent an iOS target named {:?}, which is not a target name (up to 64 \
                 letters, digits, '.', '_' or '-'); refusing to write files for it. Nothing was \
                 written. The server's data may have been tampered with: tell your admin",
                target.chars().take(80).collect::<String>()
            );
        }
    }
    Ok(())
}

/// The bundle ids of the app's iOS targets whose slot lacks a default certificate or profile,
/// judged as the dashboard judges them ([`readiness::missing_for_build`]; the server lists no
/// trashed credential's assignment, so every one it lists is live).
fn missing_ios(
    app: &signet_core::wire::app::AppInfo,
    assignments: &[Assignment],
    profile: &str,
) -> Vec<String> {
    readiness::missing_for_build(app, assignments, |_| true, profile)
        .into_iter()
        .filter_map(|m| match m {
            Missing::IosSigning { bundle_id, .. } => Some(bundle_id),
            Missing::AndroidKeystore { .. } => None,
        })
        .collect()
}

/// When `platform`'s slots for `profile` hold credentials none of which is a default, says so
/// and how to make one the default (empty otherwise).
fn undefaulted(assignments: &[Assignment], profile: &str, platform: Platform, app: &str) -> String {
    let waiting = assignments
        .iter()
        .filter(|a| a.platform == platform && a.profile == profile && !a.is_default)
        .filter(|a| CredentialKind::parse(&a.kind).is_some_and(readiness::signs_builds))
        .count();
    if waiting == 0 {
        return String::new();
    }
    let how = match platform {
        Platform::Android => format!(
            "or, once Google Play knows its key, `signet android reset-upload-key --app {app} \
             --profile {profile} --google-accepted --credential ID`"
        ),
        Platform::Ios => format!("or run `signet ios setup --app {app} --profile {profile}`"),
    };
    format!(
        ". {waiting} credential(s) are assigned to it but none is the default, and a build uses \
         only a default: make the right one the default on the app's page in the dashboard, {how}"
    )
}

async fn fetch(
    opener: &Opener<'_>,
    team: &TeamRef,
    plan: &Plan,
) -> Result<(CredentialsJson, Vec<OutFile>)> {
    check_target_names(plan)?;
    let mut out = Vec::new();
    let mut json = CredentialsJson::default();
    if let Some(id) = &plan.android {
        let Payload::AndroidKeystore {
            keystore,
            keystore_password,
            key_alias,
            key_password,
        } = opener
            .open(&team.id, id, CredentialKind::AndroidKeystore)
            .await?
        else {
            bail!("credential {id} is not an Android keystore");
        };
        let relative = "credentials/android/keystore.jks".to_owned();
        out.push(OutFile {
            relative: relative.clone(),
            bytes: keystore.decode("keystore")?,
        });
        json.android = Some(AndroidCredentials {
            keystore: AndroidKeystore {
                keystore_path: relative,
                keystore_password: Password::new(keystore_password.expose()),
                key_alias,
                key_password: Some(Password::new(key_password.expose())),
            },
        });
    }
    let several = plan.ios.len() > 1 || plan.ios.keys().any(|t| !t.is_empty());
    let mut targets = BTreeMap::new();
    for (target, (cert_id, profile_id)) in &plan.ios {
        let (Some(cert_id), Some(profile_id)) = (cert_id, profile_id) else {
            continue;
        };
        let prefix = if several && !target.is_empty() {
            format!("{target}-")
        } else {
            String::new()
        };
        let Payload::IosDistributionCertificate { p12, password } = opener
            .open(
                &team.id,
                cert_id,
                CredentialKind::IosDistributionCertificate,
            )
            .await?
        else {
            bail!("credential {cert_id} is not a distribution certificate");
        };
        let Payload::IosProvisioningProfile { profile } = opener
            .open(&team.id, profile_id, CredentialKind::IosProvisioningProfile)
            .await?
        else {
            bail!("credential {profile_id} is not a provisioning profile");
        };
        let p12_path = format!("credentials/ios/{prefix}dist-cert.p12");
        let profile_path = format!("credentials/ios/{prefix}profile.mobileprovision");
        out.push(OutFile {
            relative: p12_path.clone(),
            bytes: p12.decode(".p12")?,
        });
        out.push(OutFile {
            relative: profile_path.clone(),
            bytes: profile.decode("provisioning profile")?,
        });
        targets.insert(
            target.clone(),
            IosTargetCredentials {
                provisioning_profile_path: profile_path,
                distribution_certificate: DistributionCertificate {
                    path: p12_path,
                    password: Password::new(password.expose()),
                },
            },
        );
    }
    if !targets.is_empty() {
        json.ios = Some(if several {
            targets.retain(|t, _| !t.is_empty());
            IosCredentials::PerTarget(targets)
        } else {
            IosCredentials::Single(targets.into_values().next().context("an iOS target")?)
        });
    }
    Ok((json, out))
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    Missing,
    Same,
    Different,
}

fn state(path: &Path, bytes: &[u8]) -> Result<State> {
    match std::fs::read(path) {
        Ok(existing) if existing == bytes => Ok(State::Same),
        Ok(_) => Ok(State::Different),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::Missing),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Checks every file first, then writes: either everything is written or nothing is.
fn write(args: &PullArgs, pulled: &CredentialsJson, mut out: Vec<OutFile>) -> Result<()> {
    let json_path = args.out.join("credentials.json");
    let mut merged = pulled.clone();
    if args.platform != PlatformChoice::All
        && let Ok(existing) = std::fs::read(&json_path)
        && let Ok(existing) = CredentialsJson::from_json(&existing)
    {
        match args.platform {
            PlatformChoice::Android => merged.ios = existing.ios,
            PlatformChoice::Ios => merged.android = existing.android,
            PlatformChoice::All => {}
        }
    }
    out.push(OutFile {
        relative: "credentials.json".into(),
        bytes: Zeroizing::new(merged.to_json_pretty()?.into_bytes()),
    });
    let mut changed = Vec::new();
    let mut states = Vec::new();
    for file in &out {
        files::check_inside(&args.out, &file.relative)?;
        let path = args.out.join(&file.relative);
        let s = state(&path, &file.bytes)?;
        if s == State::Different {
            changed.push(path.display().to_string());
        }
        states.push(s);
    }
    if !changed.is_empty() && !args.force {
        bail!(
            "these files exist with other content than Signet has:\n  {}\nnothing was written; \
             pass --force to replace them",
            changed.join("\n  ")
        );
    }
    let (mut written, mut unchanged) = (0, 0);
    for (file, s) in out.iter().zip(&states) {
        if *s == State::Same {
            unchanged += 1;
            continue;
        }
        files::replace_secret(&args.out.join(&file.relative), &file.bytes)?;
        written += 1;
    }
    eprintln!("{written} file(s) written (mode 0600), {unchanged} unchanged.");
    warn_unless_ignored(&args.out, out.iter().map(|f| f.relative.as_str()));
    Ok(())
}

/// Warns, as EAS does, when credential files would be committed: one `git check-ignore`
/// lists the ignored ones (silent outside a git repository or without git).
fn warn_unless_ignored<'a>(dir: &Path, relative: impl Iterator<Item = &'a str>) {
    let files: Vec<&str> = relative.collect();
    let Ok(out) = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "--"])
        .args(&files)
        .stderr(std::process::Stdio::null())
        .output()
    else {
        return;
    };
    // 0: some are ignored, 1: none is, anything else: not a repository, no git…
    if !matches!(out.status.code(), Some(0 | 1)) {
        return;
    }
    let ignored = String::from_utf8_lossy(&out.stdout);
    let ignored: Vec<&str> = ignored.lines().collect();
    let exposed: Vec<&str> = files.into_iter().filter(|f| !ignored.contains(f)).collect();
    if !exposed.is_empty() {
        eprintln!(
            "warning: these files hold secrets and are not git-ignored: {}.\n  Add \
             `credentials.json` and `credentials/` to .gitignore so they are never committed.",
            exposed.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assigned(
        platform: Platform,
        profile: &str,
        target: &str,
        id: &str,
        kind: CredentialKind,
        is_default: bool,
    ) -> Assignment {
        Assignment {
            platform,
            profile: profile.into(),
            target: target.into(),
            credential_id: id.into(),
            kind: kind.as_str().into(),
            is_default,
        }
    }

    #[test]
    fn the_plan_takes_each_slots_default_for_the_profile() {
        use CredentialKind::*;
        let a = [
            assigned(
                Platform::Android,
                "production",
                "",
                "old",
                AndroidKeystore,
                false,
            ),
            assigned(
                Platform::Android,
                "production",
                "",
                "new",
                AndroidKeystore,
                true,
            ),
            assigned(
                Platform::Android,
                "preview",
                "",
                "preview",
                AndroidKeystore,
                true,
            ),
            assigned(
                Platform::Ios,
                "production",
                "App",
                "cert",
                IosDistributionCertificate,
                true,
            ),
            assigned(
                Platform::Ios,
                "production",
                "App",
                "prof",
                IosProvisioningProfile,
                true,
            ),
            assigned(
                Platform::Ios,
                "production",
                "App",
                "push",
                ApplePushKey,
                true,
            ),
        ];
        let plan = Plan::new(&a, "production", PlatformChoice::All);
        assert_eq!(plan.android.as_deref(), Some("new"));
        assert_eq!(
            plan.ios.get("App"),
            Some(&(Some("cert".to_owned()), Some("prof".to_owned())))
        );
        let android = Plan::new(&a, "production", PlatformChoice::Android);
        assert!(android.ios.is_empty());
        assert_eq!(
            Plan::new(&a, "preview", PlatformChoice::All)
                .android
                .as_deref(),
            Some("preview")
        );
        assert!(Plan::new(&a, "staging", PlatformChoice::All).is_empty());
    }

    #[test]
    fn a_slot_without_a_default_is_missing_and_the_error_says_why() {
        use CredentialKind::*;
        // The default was trashed (the server no longer lists it): the one left is not used.
        let a = [
            assigned(
                Platform::Android,
                "production",
                "",
                "old",
                AndroidKeystore,
                false,
            ),
            assigned(Platform::Ios, "production", "", "push", ApplePushKey, false),
        ];
        let plan = Plan::new(&a, "production", PlatformChoice::All);
        assert!(plan.is_empty(), "{plan:?}");
        let android = undefaulted(&a, "production", Platform::Android, "Acme");
        assert!(
            android.contains("1 credential(s) are assigned to it but none is the default")
                && android.contains("--google-accepted"),
            "{android}"
        );
        // A push key is not what a build signs with.
        assert_eq!(undefaulted(&a, "production", Platform::Ios, "Acme"), "");
        assert_eq!(undefaulted(&a, "preview", Platform::Android, "Acme"), "");
    }
}
