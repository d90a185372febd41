//! Who is calling, and what they may do: the one place authorization is decided.
//!
//! Handlers never check roles themselves; they ask for an extractor that only succeeds for
//! the right caller, and every extractor reads the database on every request, so a role
//! change, a removal, a logout or a revoked token takes effect on the next request:
//!
//! - [`SignedIn`]: a user with a live session (cookie or `Authorization: Bearer`).
//! - [`Member<MIN>`]: a signed-in member of the path's `{team}` with at least role `MIN`
//!   ([`VIEWER`], [`DEVELOPER`], [`ADMIN`], [`OWNER`]). Routes write it
//!   `Member<{ Permission::X.level() }>`: who may do what is the one table in
//!   [`signet_core::wire::Permission::min_role`], which the dashboard offers actions by. Non-members get 404, so a team's
//!   existence does not leak; too low a role gets 403. Trashed teams are 404.
//! - [`Reader`]: a member of any role, or a robot token of that team (`Authorization:
//!   Robot <id>.<auth half>`), for the read-only routes robots may use.
//! - [`PayloadReader`]: a [`SecretReader`] of the path's credential payload; for members the
//!   payload comes from the same read as the session.
//! - [`TrashedTeamOwner`]: an owner of the path's team while it is in the trash (to restore).
//!
//! Cookie-authenticated writes must carry the [`CSRF_HEADER`](signet_core::wire::CSRF_HEADER).

use std::{collections::HashMap, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts, Path},
    http::{HeaderMap, Method, header, request::Parts},
};
use signet_core::{
    vault::server_side::{PresentedSecret, verify_presented},
    wire::{CSRF_HEADER, Permission, Role, SESSION_COOKIE},
};

use crate::{
    ApiError, AppState,
    ids::{check_uuid, session_hash},
    proxies::ClientIp,
    store::{
        accounts::{SessionRow, TeamSession},
        audit::Actor,
        credentials::SealedRow,
        now,
        robots::RobotRow,
        teams::TeamRow,
    },
};

/// Browser sessions end after 12 idle hours or 7 days.
pub const BROWSER_IDLE: i64 = 12 * 3600;
/// Browser sessions end at the latest after 7 days.
pub const BROWSER_ABSOLUTE: i64 = 7 * 24 * 3600;
/// CLI sessions end after 30 idle days.
pub const CLI_IDLE: i64 = 30 * 24 * 3600;
/// CLI sessions end at the latest after 90 days.
pub const CLI_ABSOLUTE: i64 = 90 * 24 * 3600;

/// `Member<VIEWER>`: any member.
pub const VIEWER: u8 = 0;
/// `Member<DEVELOPER>`: developers, admins, owners.
pub const DEVELOPER: u8 = 1;
/// `Member<ADMIN>`: admins and owners.
pub const ADMIN: u8 = 2;
/// `Member<OWNER>`: owners.
pub const OWNER: u8 = 3;

/// The role a `Member<N>` requires.
pub const fn role_for(min: u8) -> Role {
    match min {
        0 => Role::Viewer,
        1 => Role::Developer,
        2 => Role::Admin,
        _ => Role::Owner,
    }
}

/// The client's IP address, for rate limits and the audit log: the TCP peer, or what a
/// trusted reverse proxy says in `X-Forwarded-For` (see [`crate::proxies`]).
pub fn client_ip(parts: &Parts) -> String {
    if let Some(ClientIp(ip)) = parts.extensions.get::<ClientIp>() {
        return ip.to_string();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// How a request authenticated.
enum Credential {
    Cookie(String),
    Bearer(String),
    Robot { id: String, auth: String },
}

fn credential(headers: &HeaderMap) -> Result<Option<Credential>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value
            .to_str()
            .map_err(|_| ApiError::Unauthenticated("the Authorization header is not valid text"))?;
        if let Some(token) = text.strip_prefix("Bearer ") {
            return Ok(Some(Credential::Bearer(token.trim().to_owned())));
        }
        if let Some(rest) = text.strip_prefix("Robot ") {
            let (id, auth) = rest.trim().split_once('.').ok_or(ApiError::Unauthenticated(
                "a robot Authorization header looks like `Robot <id>.<auth>`; let the signet CLI build it from SIGNET_TOKEN",
            ))?;
            return Ok(Some(Credential::Robot {
                id: id.to_owned(),
                auth: auth.to_owned(),
            }));
        }
        return Err(ApiError::Unauthenticated(
            "unsupported Authorization scheme; use `Bearer <session token>` (signet login) or a robot token",
        ));
    }
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((name, token)) = pair.trim().split_once('=')
                && name == SESSION_COOKIE
            {
                return Ok(Some(Credential::Cookie(token.to_owned())));
            }
        }
    }
    Ok(None)
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The caller's team membership, when [`session_in`] was asked about a team.
type Membership = Option<(TeamRow, Role)>;

/// The live session the request carries and, when `team_id` is given, the session user's
/// membership of that team (and the `payload_of` credential's sealed payload), read in the
/// same query: one read per team request.
async fn session_in(
    parts: &Parts,
    state: &AppState,
    team_id: Option<&str>,
    payload_of: Option<&str>,
) -> Result<Option<TeamSession>, ApiError> {
    let token = match credential(&parts.headers)? {
        None | Some(Credential::Robot { .. }) => return Ok(None),
        Some(Credential::Cookie(token)) => {
            if is_write(&parts.method) && !parts.headers.contains_key(CSRF_HEADER) {
                return Err(ApiError::Csrf);
            }
            token
        }
        Some(Credential::Bearer(token)) => token,
    };
    let now = now();
    let hash = session_hash(&token);
    let found = match team_id {
        None => state
            .store
            .session(&hash, now)
            .await?
            .map(|session| TeamSession {
                session,
                membership: None,
                payload: None,
            }),
        Some(team_id) => {
            state
                .store
                .session_in_team(&hash, now, team_id, payload_of)
                .await?
        }
    };
    let Some(found) = found else {
        return Err(ApiError::Unauthenticated(
            "your session has ended (signed out, expired or revoked); sign in again",
        ));
    };
    let s = &found.session;
    let idle = if s.client == "cli" {
        CLI_IDLE
    } else {
        BROWSER_IDLE
    };
    if now - s.last_seen_at > idle {
        state.store.revoke_session(&hash, now).await?;
        return Err(ApiError::Unauthenticated(
            "your session ended after a period of inactivity; sign in again",
        ));
    }
    if now - s.last_seen_at >= 60 {
        state.store.touch_session(&hash, now).await?;
    }
    Ok(Some(found))
}

async fn robot(parts: &Parts, state: &AppState) -> Result<Option<RobotRow>, ApiError> {
    let Some(Credential::Robot { id, auth }) = credential(&parts.headers)? else {
        return Ok(None);
    };
    const BAD: ApiError = ApiError::Unauthenticated(
        "this robot token is unknown, revoked or expired; ask an admin for a new one",
    );
    let Some(row) = state.store.robot(&id).await? else {
        return Err(BAD);
    };
    let now = now();
    if !verify_presented(PresentedSecret::RobotAuth, &auth, &row.auth_hash)
        || row.revoked_at.is_some()
        || now >= row.expires_at
    {
        return Err(BAD);
    }
    if row.last_used_at.is_none_or(|t| now - t >= 60) {
        state.store.touch_robot(&row.id, now).await?;
    }
    Ok(Some(row))
}

/// A user with a live session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session (token hash, user, client kind).
    pub session: SessionRow,
    /// For the audit log.
    pub actor: Actor,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(signed_in(parts, state, None, None).await?.0)
    }
}

/// The signed-in user (robot tokens refused) and, when `team_id` is given, their membership
/// of it (and the `payload_of` credential's sealed payload), in one read.
async fn signed_in(
    parts: &Parts,
    state: &AppState,
    team_id: Option<&str>,
    payload_of: Option<&str>,
) -> Result<(SignedIn, Membership, Option<SealedRow>), ApiError> {
    if matches!(credential(&parts.headers)?, Some(Credential::Robot { .. })) {
        // Only a token that authenticates is told it is the wrong kind of caller (403);
        // an unknown, revoked or expired one is 401 like any other dead credential.
        robot(parts, state).await?;
        return Err(ApiError::Forbidden(
            "robot tokens can only read credentials; this needs a signed-in user".into(),
        ));
    }
    let TeamSession {
        session,
        membership,
        payload,
    } = session_in(parts, state, team_id, payload_of)
        .await?
        .ok_or(ApiError::Unauthenticated(
            "sign in first (no session cookie or Authorization header was sent)",
        ))?;
    let actor = Actor {
        user_id: Some(session.user_id.clone()),
        email: Some(session.email.clone()),
        robot_id: None,
        ip: client_ip(parts),
    };
    Ok((SignedIn { session, actor }, membership, payload))
}

/// The path's `{team}` (and every other path parameter), checked to be a UUID.
async fn path_params(
    parts: &mut Parts,
    state: &AppState,
) -> Result<HashMap<String, String>, ApiError> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("bad path: {e}")))?;
    if let Some(team) = params.get("team") {
        check_uuid(team, "the team id in the path")?;
    }
    Ok(params)
}

/// A signed-in member of the path's team with at least role `role_for(MIN)`.
#[derive(Debug, Clone)]
pub struct Member<const MIN: u8> {
    /// The caller.
    pub user: SignedIn,
    /// The team (not in the trash).
    pub team: TeamRow,
    /// The caller's role in it.
    pub role: Role,
}

impl<const MIN: u8> Member<MIN> {
    /// The team id.
    pub fn team_id(&self) -> &str {
        &self.team.id
    }

    /// The caller's user id.
    pub fn user_id(&self) -> &str {
        &self.user.session.user_id
    }

    /// For the audit log.
    pub fn actor(&self) -> &Actor {
        &self.user.actor
    }
}

/// The caller's membership of the path's team and, when `with_payload`, the sealed payload of
/// the path's `{credential}` in that team, in one read.
async fn membership(
    parts: &mut Parts,
    state: &AppState,
    with_payload: bool,
) -> Result<(SignedIn, TeamRow, Role, Option<SealedRow>), ApiError> {
    let params = path_params(parts, state).await?;
    let team_id = params.get("team").ok_or(ApiError::NotFound)?;
    let payload_of = match with_payload {
        true => {
            // Only a well-formed id is looked up; the handler answers a malformed one with
            // a 400 once the caller is known (as on every route).
            let id = params.get("credential").ok_or(ApiError::NotFound)?;
            check_uuid(id, "the credential id in the path")
                .is_ok()
                .then_some(id.as_str())
        }
        false => None,
    };
    let (user, membership, payload) = signed_in(parts, state, Some(team_id), payload_of).await?;
    let (team, role) = membership.ok_or(ApiError::NotFound)?;
    Ok((user, team, role, payload))
}

impl<const MIN: u8> Member<MIN> {
    /// The member, refused unless the team is live and their role is at least `MIN`; with
    /// the path credential's sealed payload when `with_payload`.
    async fn extract(
        parts: &mut Parts,
        state: &AppState,
        with_payload: bool,
    ) -> Result<(Self, Option<SealedRow>), ApiError> {
        let (user, team, role, payload) = membership(parts, state, with_payload).await?;
        if team.deleted_at.is_some() {
            return Err(ApiError::NotFound);
        }
        let needed = role_for(MIN);
        if role < needed {
            return Err(ApiError::Forbidden(format!(
                "this needs the {needed} role (or higher) in this team; you are {role}. Ask an admin"
            )));
        }
        Ok((Self { user, team, role }, payload))
    }
}

impl<const MIN: u8> FromRequestParts<AppState> for Member<MIN> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self::extract(parts, state, false).await?.0)
    }
}

/// An owner of the path's team while it is in the trash.
#[derive(Debug, Clone)]
pub struct TrashedTeamOwner {
    /// The caller.
    pub user: SignedIn,
    /// The trashed team.
    pub team: TeamRow,
}

impl FromRequestParts<AppState> for TrashedTeamOwner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (user, team, role, _) = membership(parts, state, false).await?;
        if team.deleted_at.is_none() {
            return Err(ApiError::conflict(
                "not_in_trash",
                "this team is not in the trash",
            ));
        }
        if role < Role::Owner {
            return Err(ApiError::NotFound);
        }
        Ok(Self { user, team })
    }
}

/// Who reads: a member (any role) or a robot token of the path's team.
#[derive(Debug, Clone)]
pub enum Reader {
    /// A signed-in member.
    Member(Member<VIEWER>),
    /// A robot token of this team.
    Robot {
        /// The token.
        robot: RobotRow,
        /// Its team.
        team: TeamRow,
        /// For the audit log.
        actor: Actor,
    },
}

impl Reader {
    /// The team.
    pub fn team(&self) -> &TeamRow {
        match self {
            Self::Member(m) => &m.team,
            Self::Robot { team, .. } => team,
        }
    }

    /// The caller's role; robots count as developers for reading payloads, within scope.
    pub fn may_read_secrets(&self) -> bool {
        match self {
            Self::Member(m) => m.role.may(Permission::OpenCredentials),
            Self::Robot { .. } => true,
        }
    }

    /// For the audit log.
    pub fn actor(&self) -> &Actor {
        match self {
            Self::Member(m) => m.actor(),
            Self::Robot { actor, .. } => actor,
        }
    }

    /// The robot token id, for robots.
    pub fn robot(&self) -> Option<&RobotRow> {
        match self {
            Self::Member(_) => None,
            Self::Robot { robot, .. } => Some(robot),
        }
    }
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(robot) = robot(parts, state).await? {
            return Self::of_robot(parts, state, robot).await;
        }
        Member::<VIEWER>::from_request_parts(parts, state)
            .await
            .map(Self::Member)
    }
}

impl Reader {
    /// `robot` as the reader of the path's team: 404 unless it is the robot's, and live.
    async fn of_robot(
        parts: &mut Parts,
        state: &AppState,
        robot: RobotRow,
    ) -> Result<Self, ApiError> {
        let params = path_params(parts, state).await?;
        let team_id = params.get("team").ok_or(ApiError::NotFound)?;
        if *team_id != robot.team_id {
            return Err(ApiError::NotFound);
        }
        let team = state
            .store
            .team(team_id)
            .await?
            .filter(|t| t.deleted_at.is_none())
            .ok_or(ApiError::NotFound)?;
        let actor = Actor {
            user_id: None,
            email: None,
            robot_id: Some(robot.id.clone()),
            ip: client_ip(parts),
        };
        Ok(Self::Robot { robot, team, actor })
    }

    /// Refuses a reader who may not receive secrets (viewers).
    fn may_receive_secrets(self) -> Result<Self, ApiError> {
        if !self.may_read_secrets() {
            return Err(ApiError::Forbidden(
                "viewers can see metadata but not credential payloads or keys; ask an admin for the developer role".into(),
            ));
        }
        Ok(self)
    }
}

/// A robot token (for `GET /api/robot/whoami`).
#[derive(Debug, Clone)]
pub struct Robot(pub RobotRow);

impl FromRequestParts<AppState> for Robot {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        robot(parts, state)
            .await?
            .map(Self)
            .ok_or(ApiError::Unauthenticated(
                "send a robot token (the signet CLI does this from SIGNET_TOKEN)",
            ))
    }
}

/// A [`Reader`] allowed to receive secrets: a developer or higher, or a robot token (whose
/// scope the handler checks per credential). Viewers get 403.
#[derive(Debug, Clone)]
pub struct SecretReader(pub Reader);

impl FromRequestParts<AppState> for SecretReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(
            Reader::from_request_parts(parts, state)
                .await?
                .may_receive_secrets()?,
        ))
    }
}

/// The reader of the path's `{credential}` payload: a [`SecretReader`] that, for a signed-in
/// member, comes with the payload read in the same query as the session and membership (one
/// database read before the audit entry; `None` when the credential is not live in the
/// team). A robot's payload is read by the handler, against its grants.
#[derive(Debug)]
pub struct PayloadReader {
    /// Who reads (a developer or higher, or a robot of the team).
    pub reader: Reader,
    /// For a member, the credential as read with their membership.
    pub sealed: Option<SealedRow>,
}

impl FromRequestParts<AppState> for PayloadReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(robot) = robot(parts, state).await? {
            return Ok(Self {
                reader: Reader::of_robot(parts, state, robot)
                    .await?
                    .may_receive_secrets()?,
                sealed: None,
            });
        }
        let (member, sealed) = Member::<VIEWER>::extract(parts, state, true).await?;
        Ok(Self {
            reader: Reader::Member(member).may_receive_secrets()?,
            sealed,
        })
    }
}
