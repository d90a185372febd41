//! Talking to a Signet server: which server, who is asking (a signed-in user or a robot
//! token), turning team and app names into ids, and errors a person can act on.

use anyhow::{Result, anyhow, bail};
use clap::Args;
use signet_client::{Api, ClientError, Session, robot::RobotSession};
use signet_core::{
    credential::Payload,
    vault::{membership::TeamState, team_key::TeamKey},
    wire::{app::AppInfo, credential::CredentialKind, robot::RobotWhoami, team::TeamInfo},
};

use super::{config::Config, input};

/// A robot (CI) token, for the read commands.
pub const TOKEN_VAR: &str = "SIGNET_TOKEN";

/// The server to talk to.
#[derive(Debug, Args, Clone)]
pub struct ServerArgs {
    /// The Signet server's URL (default: the one `signet login` stored).
    #[arg(long, env = "SIGNET_SERVER", value_name = "URL")]
    pub server: Option<String>,
}

/// Runs an async command on a small runtime (the CLI does one thing at a time).
pub fn block_on<T>(future: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(future)
}

/// The config plus the server it points at.
#[derive(Debug)]
pub struct Ctx {
    /// What `signet login` stored.
    pub config: Config,
    /// The server's base URL.
    pub server: String,
}

/// Normalises a server URL; plain HTTP is accepted (loopback, or behind a TLS proxy) but
/// warned about when the host is not this machine.
pub fn server_url(text: &str) -> Result<String> {
    let url = text.trim().trim_end_matches('/').to_owned();
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        bail!("the server URL must start with https:// (or http:// for a local server): {url}");
    };
    if rest.is_empty() {
        bail!("the server URL has no host: {url}");
    }
    Ok(url)
}

/// Warns when a session token would cross the network in the clear.
pub fn warn_if_plain_http(url: &str) {
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        let local = host == "localhost" || host.starts_with("127.") || rest.starts_with("[::1]");
        if !local {
            eprintln!(
                "warning: {url} is plain HTTP: your session token and login proof travel \
                 unencrypted (credentials stay end-to-end encrypted). Use https://."
            );
        }
    }
}

impl Ctx {
    /// Loads the config; `server` (the flag or `SIGNET_SERVER`) overrides the stored URL.
    pub fn load(server: &ServerArgs) -> Result<Self> {
        let config = Config::load()?;
        let server = match server.server.as_deref().or(config.server.as_deref()) {
            Some(url) => server_url(url)?,
            None => bail!(
                "which Signet server? Run `signet login --server URL --email EMAIL`, or set \
                 SIGNET_SERVER (with {TOKEN_VAR} on CI)"
            ),
        };
        Ok(Self { config, server })
    }

    fn signed_in(&self) -> Result<(&str, &str)> {
        match (&self.config.token, &self.config.email) {
            (Some(token), Some(email)) if self.config.server.as_deref() == Some(&self.server) => {
                Ok((token, email))
            }
            (Some(_), Some(_)) => bail!(
                "you are signed in to {}, not {}: run `signet login --server {} --email EMAIL`",
                self.config.server.as_deref().unwrap_or("another server"),
                self.server,
                self.server
            ),
            _ => bail!(
                "not signed in: run `signet login --server {} --email EMAIL` (CI: set {TOKEN_VAR} \
                 to a robot token for read commands)",
                self.server
            ),
        }
    }

    /// The signed-in user's API (session token, no keys): for commands that read or change
    /// metadata only.
    pub fn user_api(&self) -> Result<Api> {
        let (token, _) = self.signed_in()?;
        Ok(Api::new(&self.server).with_auth(signet_client::http::Auth::Bearer(token.to_owned())))
    }

    /// The signed-in user with keys unlocked: asks for the password (or reads
    /// `SIGNET_PASSWORD`) and derives the keys in memory.
    pub async fn session(&self) -> Result<Session> {
        if std::env::var_os(TOKEN_VAR).is_some_and(|t| !t.is_empty()) && self.config.token.is_none()
        {
            bail!(
                "{TOKEN_VAR} is a robot token, which can only read (pull, credentials, apps); \
                 this command needs a signed-in user: run `signet login`"
            );
        }
        let (token, email) = self.signed_in()?;
        let password = input::password(email)?;
        let session = Session::resume(&Api::new(&self.server), token, &password, false)
            .await
            .map_err(|e| explain(e, Who::User))?;
        session.set_trust_floor(self.config.trust_counter);
        Ok(session)
    }

    /// Who reads: the robot token in `SIGNET_TOKEN` when set (CI), else the signed-in user.
    pub async fn reader(&self) -> Result<Reader> {
        if let Some(token) = input::from_env(TOKEN_VAR) {
            let robot = RobotSession::new(&Api::new(&self.server), &token).map_err(|e| {
                anyhow!("{TOKEN_VAR} is not a Signet robot token (signet_<id>_<secret>): {e}")
            })?;
            let whoami = robot
                .api
                .robot_whoami()
                .await
                .map_err(|e| explain(e, Who::Robot))?;
            return Ok(Reader::Robot {
                session: Box::new(robot),
                whoami,
            });
        }
        Ok(Reader::User {
            api: self.user_api()?,
        })
    }
}

/// Who is asking, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A signed-in user.
    User,
    /// A robot token.
    Robot,
}

/// Turns a client error into a message that says what to do.
pub fn explain(error: ClientError, who: Who) -> anyhow::Error {
    match (&error, who) {
        (ClientError::Api { status: 401, .. }, Who::User) => {
            anyhow!("your session has expired or was signed out: run `signet login` again")
        }
        (ClientError::Api { status: 401, .. }, Who::Robot) => anyhow!(
            "the robot token in {TOKEN_VAR} is not valid: it was revoked, has expired, or \
             belongs to another server; ask an admin for a new one (`signet token create`)"
        ),
        (ClientError::Api { code, message, .. }, _) if code == "out_of_scope" => {
            anyhow!("outside this robot token's scope: {message}")
        }
        (ClientError::WrongPassword, _) => {
            anyhow!("wrong password: it does not unlock your keys (nothing was changed)")
        }
        _ => anyhow!(error),
    }
}

/// A signed-in user or a robot token, for the read commands.
#[derive(Debug)]
pub enum Reader {
    /// A signed-in user (session token).
    User {
        /// Authenticated with the session token.
        api: Api,
    },
    /// A robot token from `SIGNET_TOKEN`.
    Robot {
        /// Authenticated as the token.
        session: Box<RobotSession>,
        /// Its team and apps.
        whoami: RobotWhoami,
    },
}

impl Reader {
    /// The authenticated API.
    pub fn api(&self) -> &Api {
        match self {
            Self::User { api } => api,
            Self::Robot { session, .. } => &session.api,
        }
    }

    /// For error messages.
    pub fn who(&self) -> Who {
        match self {
            Self::User { .. } => Who::User,
            Self::Robot { .. } => Who::Robot,
        }
    }

    /// The teams this reader sees: the user's, or the robot token's one team.
    pub async fn teams(&self) -> Result<Vec<TeamRef>> {
        match self {
            Self::User { api } => Ok(api
                .teams()
                .await
                .map_err(|e| explain(e, Who::User))?
                .into_iter()
                .map(TeamRef::from)
                .collect()),
            Self::Robot { whoami, .. } => Ok(vec![TeamRef {
                id: whoami.team_id.clone(),
                name: format!("team of robot token {}", whoami.name),
                role: None,
            }]),
        }
    }

    /// The team named (or with the id) `wanted`; without one, the reader's only team.
    pub async fn team(&self, wanted: Option<&str>) -> Result<TeamRef> {
        let teams = self.teams().await?;
        pick_team(teams, wanted)
    }

    /// The app named (or with the id) `wanted`, searched in `team` or in every team.
    pub async fn app(&self, team: Option<&str>, wanted: &str) -> Result<(TeamRef, AppInfo)> {
        let teams = match team {
            Some(t) => vec![self.team(Some(t)).await?],
            None => self.teams().await?,
        };
        let mut found = Vec::new();
        for team in teams {
            let apps = self
                .api()
                .apps(&team.id)
                .await
                .map_err(|e| explain(e, self.who()))?;
            for app in apps {
                found.push((team.clone(), app));
            }
        }
        pick_app(found, wanted, self.who())
    }
}

/// A team as commands need it.
#[derive(Debug, Clone)]
pub struct TeamRef {
    /// Team id.
    pub id: String,
    /// Team name.
    pub name: String,
    /// The user's role (none for robot tokens).
    pub role: Option<signet_core::wire::Role>,
}

impl From<TeamInfo> for TeamRef {
    fn from(t: TeamInfo) -> Self {
        Self {
            id: t.id,
            name: t.name,
            role: Some(t.role),
        }
    }
}

/// Picks a team by id or name (case-insensitive); several with that name is an error listing
/// their ids.
pub fn pick_team(teams: Vec<TeamRef>, wanted: Option<&str>) -> Result<TeamRef> {
    let Some(wanted) = wanted.map(str::trim) else {
        return match teams.len() {
            0 => bail!("you are in no team yet: create one with `signet teams create NAME`"),
            1 => teams.into_iter().next().ok_or_else(|| anyhow!("no team")),
            _ => bail!(
                "you are in {} teams; pass --team NAME_OR_ID:\n{}",
                teams.len(),
                teams
                    .iter()
                    .map(|t| format!("  {}  {}", t.id, t.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        };
    };
    if let Some(t) = teams.iter().find(|t| t.id == wanted) {
        return Ok(t.clone());
    }
    let matches: Vec<TeamRef> = teams
        .into_iter()
        .filter(|t| t.name.eq_ignore_ascii_case(wanted))
        .collect();
    match matches.len() {
        0 => bail!("no team named or with the id \"{wanted}\" (see `signet teams`)"),
        1 => Ok(matches
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("no team"))?),
        n => bail!(
            "{n} teams are named \"{wanted}\"; pass one's id instead:\n{}",
            matches
                .iter()
                .map(|t| format!("  {}  {}", t.id, t.name))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Picks an app by id or name (case-insensitive) among `(team, app)` pairs.
pub fn pick_app(
    found: Vec<(TeamRef, AppInfo)>,
    wanted: &str,
    who: Who,
) -> Result<(TeamRef, AppInfo)> {
    let wanted = wanted.trim();
    if let Some(i) = found.iter().position(|(_, a)| a.id == wanted) {
        return found.into_iter().nth(i).ok_or_else(|| anyhow!("no app"));
    }
    let matches: Vec<(TeamRef, AppInfo)> = found
        .into_iter()
        .filter(|(_, a)| a.name.eq_ignore_ascii_case(wanted))
        .collect();
    match matches.len() {
        0 if who == Who::Robot => bail!(
            "no app named or with the id \"{wanted}\" is in this robot token's scope; ask an \
             admin for a token that covers it"
        ),
        0 => bail!("no app named or with the id \"{wanted}\" (see `signet apps`)"),
        1 => Ok(matches
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("no app"))?),
        n => bail!(
            "{n} apps are named \"{wanted}\"; pass --app with one's id (or --team):\n{}",
            matches
                .iter()
                .map(|(t, a)| format!("  {}  {} (team {})", a.id, a.name, t.name))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Opens credentials' payloads: a user with the team key, or a robot token with its grants.
#[derive(Debug)]
pub enum Opener<'a> {
    /// A signed-in user and the team's key.
    User {
        /// The unlocked session.
        session: &'a Session,
        /// The team key.
        key: TeamKey,
    },
    /// A robot token.
    Robot(&'a RobotSession),
}

impl Opener<'_> {
    /// Fetches, decrypts and parses one credential's payload.
    pub async fn open(&self, team_id: &str, id: &str, kind: CredentialKind) -> Result<Payload> {
        let (_, bytes) = match self {
            Self::User { session, key } => session
                .read_credential(team_id, key, id)
                .await
                .map_err(|e| explain(e, Who::User))?,
            Self::Robot(robot) => robot
                .read_credential(team_id, id)
                .await
                .map_err(|e| explain(e, Who::Robot))?,
        };
        Ok(Payload::from_bytes(&bytes, kind)?)
    }
}

/// Refuses, before asking for a password, a user who may not read secrets in `team`.
pub fn ensure_may_read(team: &TeamRef) -> Result<()> {
    if team.role == Some(signet_core::wire::Role::Viewer) {
        bail!(
            "you are a viewer in team {}: viewers see metadata only, never credentials; ask an \
             admin to make you a developer",
            team.name
        );
    }
    Ok(())
}

/// The team key for a user, with a clear message for viewers (who never get it).
pub async fn team_key(session: &Session, team: &TeamRef) -> Result<TeamKey> {
    Ok(team_key_and_state(session, team).await?.0)
}

/// [`team_key`] and the team's verified membership log it was checked against (whose
/// members' keys verify metadata signatures).
pub async fn team_key_and_state(session: &Session, team: &TeamRef) -> Result<(TeamKey, TeamState)> {
    ensure_may_read(team)?;
    let found = session
        .team_key_and_state(&team.id)
        .await
        .map_err(|e| explain(e, Who::User))?;
    remember_trust(session).await?;
    Ok(found)
}

/// Saves the newest trust-state write this session saw and mirrors the account's team log
/// pins into the config (after anything that verified or changed a team's log), so the next
/// command refuses an older trust state, and commands without a password can verify logs.
pub async fn remember_trust(session: &Session) -> Result<()> {
    let trust = session
        .trust_state()
        .await
        .map_err(|e| explain(e, Who::User))?;
    Config::load()?.observe_trust(session.trust_counter(), &trust.teams)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    fn team(id: &str, name: &str) -> TeamRef {
        TeamRef {
            id: id.into(),
            name: name.into(),
            role: Some(signet_core::wire::Role::Developer),
        }
    }

    fn app(id: &str, name: &str) -> AppInfo {
        AppInfo {
            id: id.into(),
            team_id: "t".into(),
            name: name.into(),
            android_package: None,
            ios_targets: Vec::new(),
            created_at: 0,
        }
    }

    #[test]
    fn teams_are_found_by_id_or_name_and_ambiguity_lists_the_ids() -> Result<()> {
        let teams = vec![
            team("id-1", "Acme"),
            team("id-2", "acme"),
            team("id-3", "Beta"),
        ];
        assert_eq!(pick_team(teams.clone(), Some("id-2"))?.id, "id-2");
        assert_eq!(pick_team(teams.clone(), Some("BETA"))?.id, "id-3");
        let err = format!(
            "{:#}",
            pick_team(teams.clone(), Some("Acme"))
                .err()
                .context("ambiguous")?
        );
        assert!(err.contains("id-1") && err.contains("id-2"), "{err}");
        let err = format!(
            "{:#}",
            pick_team(teams.clone(), None).err().context("several")?
        );
        assert!(err.contains("--team"), "{err}");
        assert!(pick_team(teams, Some("Gamma")).is_err());
        assert_eq!(pick_team(vec![team("only", "X")], None)?.id, "only");
        assert!(pick_team(Vec::new(), None).is_err());
        Ok(())
    }

    #[test]
    fn apps_are_found_by_id_or_name_across_teams() -> Result<()> {
        let found = vec![
            (team("t1", "Acme"), app("a1", "Shop")),
            (team("t2", "Beta"), app("a2", "Shop")),
            (team("t2", "Beta"), app("a3", "Bank")),
        ];
        assert_eq!(pick_app(found.clone(), "bank", Who::User)?.1.id, "a3");
        assert_eq!(pick_app(found.clone(), "a2", Who::User)?.0.id, "t2");
        let err = format!(
            "{:#}",
            pick_app(found.clone(), "Shop", Who::User)
                .err()
                .context("x")?
        );
        assert!(err.contains("a1") && err.contains("a2"), "{err}");
        let err = format!(
            "{:#}",
            pick_app(found, "Nope", Who::Robot).err().context("x")?
        );
        assert!(err.contains("scope"), "{err}");
        Ok(())
    }
}
