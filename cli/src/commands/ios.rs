//! `signet ios`: iOS credentials made with Apple through the App Store Connect API, with the
//! team's App Store Connect API key (stored end-to-end encrypted, opened here).
//!
//! `setup` does what EAS does after an Apple sign-in: finds or registers each target's bundle
//! id, reuses a distribution certificate Signet holds and Apple still has — or creates one
//! from a CSR whose key never leaves this machine — and creates the slot's provisioning
//! profile (App Store, Ad Hoc with the team's devices, or Development), then stores each one
//! encrypted and makes it the slot's default. `devices add` registers a device and
//! regenerates the slot's Ad Hoc profile; `renew` replaces what expires within N days. Apple's
//! certificate limit is never worked around silently: the existing certificates are listed
//! (those Signet holds marked) and one is revoked only when the user says which.
//!
//! The CLI calls Apple directly ([`signet_client::asc::DirectTransport`]); every token is an
//! ES256 JWT signed here that lives five minutes.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;
use signet_client::{Session, asc::DirectTransport, credential::NewCredential};
use signet_core::{
    android::Keystore,
    asc::{
        AscClient, Certificate, Distribution, Scoping,
        client::{NewCertificate, NewProfile},
    },
    credential::{Payload, SecretText},
    ios::csr::CsrSubject,
    keys::asc::AppStoreConnectKey,
    vault::{
        membership::{TeamState, listing::verify_metadata},
        team_key::TeamKey,
    },
    wire::{
        app::{AppInfo, AssignRequest, Assignment, Platform},
        credential::{CredentialInfo, CredentialKind},
    },
};

use super::{
    files, input,
    remote::{Ctx, Opener, ServerArgs, TeamRef, Who, block_on, explain, team_key_and_state},
};

/// `signet ios …`.
#[derive(Debug, Subcommand)]
pub enum IosCommand {
    /// Create the app's iOS credentials with Apple (bundle ids, certificate, provisioning
    /// profile) through the team's App Store Connect API key, store them encrypted and
    /// make them the build profile's defaults.
    Setup(SetupArgs),
    /// Replace the certificate or profiles of a build profile that expire within --days
    /// (and the profiles, when the certificate is replaced).
    Renew(RenewArgs),
    /// Devices registered with Apple (for Ad Hoc and Development profiles).
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// Store an App Store Connect API key in a team (encrypted here).
    AddApiKey(AddKeyArgs),
}

/// Which profile type, when the build profile's name does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DistributionChoice {
    /// App Store and TestFlight.
    AppStore,
    /// Internal distribution to registered devices.
    AdHoc,
    /// Debug builds on registered devices (a development certificate).
    Development,
}

impl From<DistributionChoice> for Distribution {
    fn from(c: DistributionChoice) -> Self {
        match c {
            DistributionChoice::AppStore => Self::AppStore,
            DistributionChoice::AdHoc => Self::AdHoc,
            DistributionChoice::Development => Self::Development,
        }
    }
}

/// Which app, slot and key.
#[derive(Debug, Args)]
pub struct Target {
    /// The app (name or id).
    #[arg(long)]
    app: String,
    /// The app's team (name or id), when app names are not unique across your teams.
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// The build profile (EAS's `build.<name>`).
    #[arg(long, default_value = "production")]
    profile: String,
    /// The profile type; default from the build profile's name: production → app-store,
    /// development → development, any other → ad-hoc.
    #[arg(long, value_enum)]
    distribution: Option<DistributionChoice>,
    /// The App Store Connect API key credential to use (id), when the team has several.
    #[arg(long, value_name = "ID")]
    asc_key: Option<String>,
    #[command(flatten)]
    server: ServerArgs,
}

/// `signet ios setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    #[command(flatten)]
    target: Target,
    /// Create a new certificate even if Signet holds one Apple still has.
    #[arg(long)]
    new_certificate: bool,
    /// When Apple's certificate limit is reached: revoke this certificate (its Apple id,
    /// as the limit message lists them) and create the new one.
    #[arg(long, value_name = "APPLE_ID")]
    revoke_certificate: Option<String>,
}

/// `signet ios renew`.
#[derive(Debug, Args)]
pub struct RenewArgs {
    #[command(flatten)]
    target: Target,
    /// Replace what expires within this many days.
    #[arg(long, default_value_t = 30)]
    days: i64,
    /// As for setup, when a new certificate hits Apple's limit.
    #[arg(long, value_name = "APPLE_ID")]
    revoke_certificate: Option<String>,
}

/// `signet ios devices …`.
#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Register a device with Apple and regenerate the build profile's Ad Hoc (or
    /// Development) profile so builds install on it.
    Add(DeviceAddArgs),
    /// List the Apple team's enabled iOS devices.
    List(Target),
}

/// `signet ios devices add`.
#[derive(Debug, Args)]
pub struct DeviceAddArgs {
    #[command(flatten)]
    target: Target,
    /// The device's UDID (Finder or Xcode → Devices shows it).
    #[arg(long)]
    udid: String,
    /// A name for it, e.g. "Ana's iPhone".
    #[arg(long)]
    name: String,
}

/// `signet ios add-api-key`.
#[derive(Debug, Args)]
pub struct AddKeyArgs {
    /// The team (name or id; default: your only team).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// The `AuthKey_XXXXXXXXXX.p8` file from App Store Connect → Users and Access →
    /// Integrations.
    #[arg(long)]
    p8: PathBuf,
    /// Its key id (10 characters; default: from the file name).
    #[arg(long)]
    key_id: Option<String>,
    /// The issuer id shown above the key list (a UUID).
    #[arg(long)]
    issuer_id: String,
    #[command(flatten)]
    server: ServerArgs,
}

/// `signet pull --generate-missing` for iOS: creates the slot's credentials with Apple
/// through the team's App Store Connect key (as `signet ios setup` does). Errors say how to
/// add a key, or how to do it by hand.
pub async fn generate_for_pull(
    session: Session,
    team: TeamRef,
    app: AppInfo,
    profile: &str,
) -> Result<()> {
    let apple = Apple::open_with(
        session,
        team,
        app,
        profile,
        Distribution::for_build_profile(profile),
        None,
    )
    .await?;
    apple.setup(profile, false, None).await
}

/// Runs `signet ios …`.
pub fn run(command: IosCommand) -> Result<()> {
    match command {
        IosCommand::Setup(args) => block_on(async {
            let apple = Apple::connect(&args.target).await?;
            apple
                .setup(
                    &args.target.profile,
                    args.new_certificate,
                    args.revoke_certificate.as_deref(),
                )
                .await
        }),
        IosCommand::Renew(args) => block_on(async {
            let apple = Apple::connect(&args.target).await?;
            apple
                .renew(args.days, args.revoke_certificate.as_deref())
                .await
        }),
        IosCommand::Devices(DevicesCommand::Add(args)) => block_on(async {
            let apple = Apple::connect(&args.target).await?;
            apple.add_device(&args.udid, &args.name).await
        }),
        IosCommand::Devices(DevicesCommand::List(target)) => block_on(async {
            let apple = Apple::connect(&target).await?;
            let devices = apple.client().devices().await?;
            if devices.is_empty() {
                println!("No enabled iOS devices at Apple.");
            }
            for d in devices {
                println!("{}\t{}\t(Apple id {})", d.udid, d.name, d.id);
            }
            Ok(())
        }),
        IosCommand::AddApiKey(args) => add_api_key(args),
    }
}

fn now() -> u64 {
    u64::try_from(files::now_unix()).unwrap_or(0)
}

/// Everything a flow needs: the unlocked session, the team's key and verified log, the app,
/// and the opened App Store Connect key.
struct Apple {
    session: Session,
    team: TeamRef,
    app: AppInfo,
    key: TeamKey,
    state: TeamState,
    asc: AppStoreConnectKey,
    transport: DirectTransport,
    profile: String,
    distribution: Distribution,
}

/// The App Store Connect keys a team stores, newest first; only those whose metadata
/// verifies against the team's log.
pub fn asc_keys(state: &TeamState, list: &[CredentialInfo]) -> Vec<CredentialInfo> {
    let mut keys: Vec<CredentialInfo> = list
        .iter()
        .filter(|c| c.kind == CredentialKind::AscApiKey && c.deleted_at.is_none())
        .filter(|c| verify_metadata(state, c).is_ok())
        .cloned()
        .collect();
    keys.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
    keys
}

/// How to give a team an App Store Connect API key.
pub fn no_key_help(team: &str) -> String {
    format!(
        "team {team} has no App Store Connect API key in Signet. Create one at App Store \
         Connect → Users and Access → Integrations → App Store Connect API (role Admin or App \
         Manager), download the .p8, then store it with `signet ios add-api-key --team {team} \
         --p8 AuthKey_XXXXXXXXXX.p8 --issuer-id <issuer id>` (or on the dashboard's iOS page). \
         Without one, make the credentials by hand: `signet csr generate`, upload the CSR at \
         developer.apple.com, and upload the .cer and the profile on the app's iOS page"
    )
}

fn metadata(c: &CredentialInfo) -> Value {
    serde_json::from_str(&c.metadata).unwrap_or(Value::Null)
}

/// The leaf certificate (DER) of a distribution certificate payload.
fn certificate_der(payload: &Payload) -> Result<Vec<u8>> {
    let Payload::IosDistributionCertificate { p12, password } = payload else {
        bail!("not a distribution certificate");
    };
    let ks = Keystore::open(&p12.decode(".p12")?, password.expose(), None)?;
    let entry = ks.key_entry(&ks.default_key_alias()?)?;
    entry
        .chain
        .first()
        .cloned()
        .context("the .p12 holds no certificate")
}

/// The team key, its verified log, and the team's App Store Connect key (`asc_key`, or the
/// newest whose metadata verifies) opened here, with its label.
async fn load_key(
    session: &Session,
    team: &TeamRef,
    asc_key: Option<&str>,
) -> Result<(TeamKey, TeamState, AppStoreConnectKey, String)> {
    let (key, state) = team_key_and_state(session, team).await?;
    let list = session
        .api
        .credentials(&team.id, false)
        .await
        .map_err(|e| explain(e, Who::User))?;
    let keys = asc_keys(&state, &list);
    let chosen = match asc_key {
        Some(id) => keys.iter().find(|k| k.id == id).with_context(|| {
            format!(
                "{id} is not an App Store Connect API key of team {} (or its metadata does not \
                 verify)",
                team.name
            )
        })?,
        None => keys.first().with_context(|| no_key_help(&team.name))?,
    };
    let opener = Opener::User {
        session,
        key: key.clone(),
    };
    let Payload::AscApiKey {
        p8,
        key_id,
        issuer_id,
    } = opener
        .open(&team.id, &chosen.id, CredentialKind::AscApiKey)
        .await?
    else {
        bail!(
            "credential {} is not an App Store Connect API key",
            chosen.id
        );
    };
    let asc = AppStoreConnectKey::from_p8(p8.expose().as_bytes(), &key_id, &issuer_id)?;
    Ok((key, state, asc, chosen.label.clone()))
}

/// Revokes at Apple the certificate with this serial (`signet credentials remove
/// --revoke-at-apple`); `false` when Apple no longer has it.
pub async fn revoke_at_apple(session: &Session, team: &TeamRef, serial: &str) -> Result<bool> {
    let (_, _, asc, _) = load_key(session, team, None).await?;
    let transport = DirectTransport::from_env()?;
    let client = AscClient::new(&asc, &transport, now as fn() -> u64, Scoping::Unscoped);
    let Some(apple) = client.certificate_by_serial(serial).await? else {
        return Ok(false);
    };
    client.revoke_certificate(&apple.id).await?;
    Ok(true)
}

/// A certificate for the profiles of a slot: Signet's credential and Apple's resource.
struct SlotCertificate {
    credential_id: String,
    apple: Certificate,
    der: Vec<u8>,
}

impl Apple {
    async fn connect(target: &Target) -> Result<Self> {
        let ctx = Ctx::load(&target.server)?;
        let session = ctx.session().await?;
        let reader = ctx.reader().await?;
        let (team, app) = reader.app(target.team.as_deref(), &target.app).await?;
        let distribution = target
            .distribution
            .map(Distribution::from)
            .unwrap_or_else(|| Distribution::for_build_profile(&target.profile));
        Self::open_with(
            session,
            team,
            app,
            &target.profile,
            distribution,
            target.asc_key.as_deref(),
        )
        .await
    }

    /// For a session already unlocked (`signet pull --generate-missing`).
    async fn open_with(
        session: Session,
        team: TeamRef,
        app: AppInfo,
        profile: &str,
        distribution: Distribution,
        asc_key: Option<&str>,
    ) -> Result<Self> {
        if team.role == Some(signet_core::wire::Role::Viewer) {
            bail!(
                "you are a viewer in team {}: creating credentials needs the developer role or \
                 higher; ask an admin",
                team.name
            );
        }
        if app.ios_targets.is_empty() {
            bail!(
                "app {} has no iOS bundle id: add its iOS target(s) on the app's page (or \
                 `signet apps`), then run this again",
                app.name
            );
        }
        let (key, state, asc, label) = load_key(&session, &team, asc_key).await?;
        let transport = DirectTransport::from_env()?;
        eprintln!(
            "Using App Store Connect API key {} ({label}) of team {}; {} credentials for build \
             profile {profile}",
            asc.key_id(),
            team.name,
            distribution.name(),
        );
        Ok(Self {
            session,
            team,
            app,
            key,
            state,
            asc,
            transport,
            profile: profile.to_owned(),
            distribution,
        })
    }

    fn client(&self) -> AscClient<'_, &DirectTransport, fn() -> u64> {
        AscClient::new(
            &self.asc,
            &self.transport,
            now as fn() -> u64,
            Scoping::Unscoped,
        )
    }

    /// `(slot target, bundle id)` per iOS target: the single form's slot has no name.
    fn targets(&self) -> Vec<(String, String)> {
        let single = self.app.ios_targets.len() == 1;
        self.app
            .ios_targets
            .iter()
            .map(|t| {
                (
                    if single {
                        String::new()
                    } else {
                        t.target.clone()
                    },
                    t.bundle_id.clone(),
                )
            })
            .collect()
    }

    async fn assignments(&self) -> Result<Vec<Assignment>> {
        self.session
            .api
            .assignments(&self.team.id, &self.app.id)
            .await
            .map_err(|e| explain(e, Who::User))
    }

    async fn credentials(&self) -> Result<Vec<CredentialInfo>> {
        let list = self
            .session
            .api
            .credentials(&self.team.id, false)
            .await
            .map_err(|e| explain(e, Who::User))?;
        Ok(list
            .into_iter()
            .filter(|c| verify_metadata(&self.state, c).is_ok())
            .collect())
    }

    async fn open(&self, id: &str, kind: CredentialKind) -> Result<Payload> {
        Opener::User {
            session: &self.session,
            key: self.key.clone(),
        }
        .open(&self.team.id, id, kind)
        .await
    }

    /// Encrypts, stores and makes `payload` the default of its kind in `target`'s slot.
    async fn store(&self, payload: &Payload, label: &str, targets: &[String]) -> Result<String> {
        let metadata = payload.inspect()?;
        let bytes = payload.to_bytes()?;
        let stored = self
            .session
            .create_credential(
                &self.team.id,
                &self.key,
                &NewCredential {
                    kind: payload.kind(),
                    label,
                    metadata,
                    payload: &bytes,
                },
            )
            .await
            .map_err(|e| explain(e, Who::User))?;
        for target in targets {
            self.assign(&stored.id, target).await?;
        }
        Ok(stored.id)
    }

    async fn assign(&self, credential_id: &str, target: &str) -> Result<()> {
        // Through the session, which wraps the item key for the app's robot tokens.
        self.session
            .assign(
                &self.team.id,
                &self.app.id,
                &self.key,
                &AssignRequest {
                    platform: Platform::Ios,
                    profile: self.profile.clone(),
                    target: target.to_owned(),
                    credential_id: credential_id.to_owned(),
                    is_default: true,
                    robot_grants: Vec::new(),
                },
            )
            .await
            .map(drop)
            .map_err(|e| explain(e, Who::User))
    }

    /// A certificate Signet holds that Apple still has, of the type the slot needs, valid
    /// for 30 more days: the slot's own first, then the team's newest.
    async fn reusable_certificate(&self) -> Result<Option<SlotCertificate>> {
        let assignments = self.assignments().await?;
        let in_slot: Vec<String> = assignments
            .iter()
            .filter(|a| a.platform == Platform::Ios && a.profile == self.profile && a.is_default)
            .map(|a| a.credential_id.clone())
            .collect();
        let horizon = files::now_unix() + 30 * 86_400;
        let mut candidates: Vec<CredentialInfo> = self
            .credentials()
            .await?
            .into_iter()
            .filter(|c| c.kind == CredentialKind::IosDistributionCertificate)
            .filter(|c| {
                metadata(c)["not_after"]
                    .as_i64()
                    .is_some_and(|t| t > horizon)
            })
            .collect();
        candidates.sort_by_key(|c| (!in_slot.contains(&c.id), std::cmp::Reverse(c.updated_at)));
        let client = self.client();
        for c in candidates.into_iter().take(5) {
            let Some(serial) = metadata(&c)["serial"].as_str().map(str::to_owned) else {
                continue;
            };
            let Some(apple) = client.certificate_by_serial(&serial).await? else {
                continue;
            };
            if apple.certificate_type != self.distribution.certificate_type() {
                continue;
            }
            let der = certificate_der(
                &self
                    .open(&c.id, CredentialKind::IosDistributionCertificate)
                    .await?,
            )?;
            eprintln!(
                "Reusing certificate {} (serial {}, Apple id {}), which Signet holds",
                c.label, apple.serial_number, apple.id
            );
            return Ok(Some(SlotCertificate {
                credential_id: c.id,
                apple,
                der,
            }));
        }
        Ok(None)
    }

    /// Creates a certificate with Apple and stores it (not yet assigned). At Apple's limit:
    /// revokes `revoke` if given (after checking it is one of the listed), else lists the
    /// existing ones and asks (on a terminal) or fails saying how to choose.
    async fn new_certificate(&self, revoke: Option<&str>) -> Result<SlotCertificate> {
        let client = self.client();
        let subject = CsrSubject {
            common_name: format!("Signet {}", self.team.name),
            email: "signet@example.invalid".into(),
            country: None,
        };
        let created = match client.create_certificate(self.distribution, &subject).await {
            Ok(created) => created,
            Err(e) if e.is_certificate_limit() => {
                let kind = self.distribution.certificate_type();
                let existing = client.certificates(kind).await?;
                let ours: Vec<String> = self
                    .credentials()
                    .await?
                    .iter()
                    .filter(|c| c.kind == CredentialKind::IosDistributionCertificate)
                    .filter_map(|c| metadata(c)["serial"].as_str().map(str::to_owned))
                    .collect();
                let listing = existing
                    .iter()
                    .map(|c| {
                        format!(
                            "  {}  serial {}  expires {}{}",
                            c.id,
                            c.serial_number,
                            c.expiration_date,
                            if ours.iter().any(|s| c.has_serial(s)) {
                                "  (Signet holds it)"
                            } else {
                                "  (not in Signet: someone else's builds may use it)"
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let chosen = match revoke {
                    Some(id) => Some(id.to_owned()),
                    None if input::interactive() => {
                        eprintln!(
                            "Apple refused a new {kind} certificate: the team has as many as it \
                             may. Existing ones:\n{listing}"
                        );
                        let mut pick = None;
                        for c in &existing {
                            if input::confirm(
                                &format!(
                                    "Revoke {} (serial {}, expires {})? Builds already signed \
                                     keep working; new builds with it stop",
                                    c.id, c.serial_number, c.expiration_date
                                ),
                                false,
                            )? {
                                pick = Some(c.id.clone());
                                break;
                            }
                        }
                        pick
                    }
                    None => None,
                };
                let Some(chosen) = chosen else {
                    bail!(
                        "Apple refused a new {kind} certificate: the team already has as many \
                         as Apple allows. Existing ones:\n{listing}\nNothing was revoked or \
                         changed. Revoke one by running this again with --revoke-certificate \
                         <APPLE_ID>, or let Signet reuse one it holds (store its .p12 on the \
                         app's iOS page)"
                    );
                };
                let Some(victim) = existing.iter().find(|c| c.id == chosen) else {
                    bail!(
                        "{chosen} is not one of the team's {kind} certificates at Apple:\n{listing}"
                    );
                };
                client.revoke_certificate(&victim.id).await?;
                eprintln!(
                    "Revoked certificate {} (serial {}) at Apple",
                    victim.id, victim.serial_number
                );
                client
                    .create_certificate(self.distribution, &subject)
                    .await?
            }
            Err(e) => return Err(e.into()),
        };
        self.store_certificate(&created).await
    }

    async fn store_certificate(&self, created: &NewCertificate) -> Result<SlotCertificate> {
        let label = format!(
            "{} {} certificate (Apple {})",
            self.team.name,
            if self.distribution == Distribution::Development {
                "development"
            } else {
                "distribution"
            },
            created.certificate.id
        );
        let id = self.store(&created.payload()?, &label, &[]).await?;
        eprintln!(
            "Created certificate {} with Apple (serial {}, expires {}); its key was made here. \
             Encrypted and stored as {id}",
            created.certificate.id,
            created.certificate.serial_number,
            created.certificate.expiration_date
        );
        Ok(SlotCertificate {
            credential_id: id,
            apple: created.certificate.clone(),
            der: created.identity.certificate().der().to_vec(),
        })
    }

    /// A new profile for one target, stored and assigned with the certificate.
    async fn profile_for(&self, slot: &str, bundle: &str, cert: &SlotCertificate) -> Result<()> {
        let client = self.client();
        let (bundle_id, registered) = client.bundle_id(bundle, &self.app.name).await?;
        if registered {
            eprintln!(
                "Registered bundle id {bundle} with Apple ({})",
                bundle_id.id
            );
        }
        let profile: NewProfile = client
            .create_profile(self.distribution, &bundle_id, &cert.apple, &cert.der)
            .await?;
        let target_name = if slot.is_empty() { bundle } else { slot };
        let label = format!(
            "{} {} {} profile",
            self.app.name,
            target_name,
            self.distribution.name()
        );
        let id = self
            .store(&profile.payload(), &label, &[slot.to_owned()])
            .await?;
        self.assign(&cert.credential_id, slot).await?;
        eprintln!(
            "Created {} profile {} for {bundle} ({} device(s), expires {}); stored as {id} and \
             made the default of build profile {}{}",
            self.distribution.name(),
            profile.profile.name,
            profile.parsed.devices.len(),
            signet_core::ios::certificate::format_utc(profile.parsed.expiration_date),
            self.profile,
            if slot.is_empty() {
                String::new()
            } else {
                format!(" target {slot}")
            }
        );
        Ok(())
    }

    /// `signet ios setup`.
    async fn setup(&self, profile: &str, fresh: bool, revoke: Option<&str>) -> Result<()> {
        let cert = match (fresh, self.reusable_certificate().await?) {
            (false, Some(cert)) => cert,
            _ => self.new_certificate(revoke).await?,
        };
        for (slot, bundle) in self.targets() {
            self.profile_for(&slot, &bundle, &cert).await?;
        }
        eprintln!(
            "App {} is set up for iOS builds (profile {profile}): `signet pull --app {} \
             --profile {profile}` writes credentials.json",
            self.app.name, self.app.name
        );
        Ok(())
    }

    /// The slot's default certificate and profile per target, with their metadata.
    async fn slot(
        &self,
    ) -> Result<
        Vec<(
            String,
            String,
            Option<CredentialInfo>,
            Option<CredentialInfo>,
        )>,
    > {
        let assignments = self.assignments().await?;
        let credentials = self.credentials().await?;
        let find = |target: &str, kind: CredentialKind| {
            assignments
                .iter()
                .filter(|a| {
                    a.platform == Platform::Ios
                        && a.profile == self.profile
                        && a.target == target
                        && a.is_default
                        && CredentialKind::parse(&a.kind) == Some(kind)
                })
                .find_map(|a| {
                    credentials
                        .iter()
                        .find(|c| c.id == a.credential_id)
                        .cloned()
                })
        };
        Ok(self
            .targets()
            .into_iter()
            .map(|(slot, bundle)| {
                let cert = find(&slot, CredentialKind::IosDistributionCertificate);
                let profile = find(&slot, CredentialKind::IosProvisioningProfile);
                (slot, bundle, cert, profile)
            })
            .collect())
    }

    /// `signet ios renew`.
    async fn renew(&self, days: i64, revoke: Option<&str>) -> Result<()> {
        if days < 0 {
            bail!("--days must be 0 or more");
        }
        let horizon = files::now_unix() + days * 86_400;
        let expiring = |c: &Option<CredentialInfo>| {
            c.as_ref().is_none_or(|c| {
                metadata(c)["not_after"]
                    .as_i64()
                    .is_none_or(|t| t <= horizon)
            })
        };
        let slot = self.slot().await?;
        if slot.iter().all(|(_, _, c, p)| c.is_none() && p.is_none()) {
            bail!(
                "build profile {} of app {} has no iOS credentials to renew: run `signet ios \
                 setup --app {} --profile {}`",
                self.profile,
                self.app.name,
                self.app.name,
                self.profile
            );
        }
        let cert_expiring = slot.iter().any(|(_, _, c, _)| expiring(c));
        let cert = if cert_expiring {
            eprintln!(
                "The certificate of build profile {} expires within {days} days: replacing it",
                self.profile
            );
            Some(self.new_certificate(revoke).await?)
        } else {
            None
        };
        let mut renewed = 0;
        for (target, bundle, c, p) in &slot {
            if cert.is_none() && !expiring(p) {
                continue;
            }
            let current = match &cert {
                Some(new) => SlotCertificate {
                    credential_id: new.credential_id.clone(),
                    apple: new.apple.clone(),
                    der: new.der.clone(),
                },
                None => {
                    let c = c.as_ref().context("a certificate")?;
                    let serial = metadata(c)["serial"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let apple = self
                        .client()
                        .certificate_by_serial(&serial)
                        .await?
                        .with_context(|| {
                            format!(
                                "certificate {} (serial {serial}) is no longer at Apple (revoked?): \
                                 run `signet ios setup --app {} --profile {} --new-certificate`",
                                c.label, self.app.name, self.profile
                            )
                        })?;
                    let der = certificate_der(
                        &self
                            .open(&c.id, CredentialKind::IosDistributionCertificate)
                            .await?,
                    )?;
                    SlotCertificate {
                        credential_id: c.id.clone(),
                        apple,
                        der,
                    }
                }
            };
            self.profile_for(target, bundle, &current).await?;
            renewed += 1;
        }
        if renewed == 0 {
            eprintln!(
                "Nothing of build profile {} expires within {days} days; nothing was changed",
                self.profile
            );
        }
        Ok(())
    }

    /// `signet ios devices add`.
    async fn add_device(&self, udid: &str, name: &str) -> Result<()> {
        let (device, registered) = self.client().register_device(udid, name).await?;
        eprintln!(
            "{} device {} ({}) at Apple",
            if registered {
                "Registered"
            } else {
                "Apple already has"
            },
            device.udid,
            device.name
        );
        if !self.distribution.needs_devices() {
            eprintln!(
                "Build profile {} makes {} profiles, which list no devices: nothing to \
                 regenerate (use --profile preview, or --distribution ad-hoc)",
                self.profile,
                self.distribution.name()
            );
            return Ok(());
        }
        let slot = self.slot().await?;
        if slot.iter().all(|(_, _, c, _)| c.is_none()) {
            eprintln!(
                "Build profile {} has no iOS credentials yet: `signet ios setup --app {} \
                 --profile {}` creates them, with this device",
                self.profile, self.app.name, self.profile
            );
            return Ok(());
        }
        // Regenerate with the same certificate: a profile is fixed once made.
        for (target, bundle, c, _) in &slot {
            let Some(c) = c else { continue };
            let serial = metadata(c)["serial"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let apple = self
                .client()
                .certificate_by_serial(&serial)
                .await?
                .with_context(|| {
                    format!(
                        "certificate {} is no longer at Apple: run `signet ios setup --app {} \
                         --profile {} --new-certificate`",
                        c.label, self.app.name, self.profile
                    )
                })?;
            let der = certificate_der(
                &self
                    .open(&c.id, CredentialKind::IosDistributionCertificate)
                    .await?,
            )?;
            self.profile_for(
                target,
                bundle,
                &SlotCertificate {
                    credential_id: c.id.clone(),
                    apple,
                    der,
                },
            )
            .await?;
        }
        Ok(())
    }
}

fn add_api_key(args: AddKeyArgs) -> Result<()> {
    let p8 = files::read(&args.p8)?;
    let key_id = match args.key_id {
        Some(k) => k,
        None => args
            .p8
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.strip_prefix("AuthKey_"))
            .map(str::to_owned)
            .with_context(|| {
                format!(
                    "{} is not named AuthKey_<KEY ID>.p8: give the key id with --key-id",
                    args.p8.display()
                )
            })?,
    };
    let text = String::from_utf8(p8).context("the .p8 is not text (PEM)")?;
    // Checked before anything is asked for or sent.
    let key = AppStoreConnectKey::from_p8(text.as_bytes(), &key_id, &args.issuer_id)?;
    let payload = Payload::AscApiKey {
        p8: SecretText::new(text),
        key_id: key.key_id().to_owned(),
        issuer_id: key.issuer_id().to_owned(),
    };
    let ctx = Ctx::load(&args.server)?;
    block_on(async {
        let session = ctx.session().await?;
        let reader = ctx.reader().await?;
        let team = reader.team(args.team.as_deref()).await?;
        let (team_key, _) = team_key_and_state(&session, &team).await?;
        let bytes = payload.to_bytes()?;
        let label = format!("App Store Connect API key {}", key.key_id());
        let stored = session
            .create_credential(
                &team.id,
                &team_key,
                &NewCredential {
                    kind: CredentialKind::AscApiKey,
                    label: &label,
                    metadata: payload.inspect()?,
                    payload: &bytes,
                },
            )
            .await
            .map_err(|e| explain(e, Who::User))?;
        eprintln!(
            "Stored App Store Connect API key {} in team {} as {} (encrypted here). `signet ios \
             setup --app <APP>` can now create iOS credentials with Apple",
            key.key_id(),
            team.name,
            stored.id
        );
        Ok(())
    })
}
