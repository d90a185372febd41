//! The authorization matrix, generated from the router: every `(method, path)` that
//! `/api/openapi.json` lists (the document is built from the same route catalog as the router)
//! is called as each kind of caller, and the outcome is compared with [`MATRIX`], a table
//! written by hand. A route without a row fails the test ("add it to the matrix"), and so does
//! a row whose route is gone.
//!
//! Outcome classes: [`OK`] is a 2xx; [`C409`] is a documented 409 for a caller who passed
//! every authorization check (the body is deliberately refused further in, see the row);
//! [`E401`], [`E403`], [`E404`] are refusals. Any 5xx, and any other status, fails.
//!
//! Every call sends a body that is valid for an allowed caller, so "allowed" means the call
//! did what it says. Destructive calls aim at throwaway objects made just before each call
//! (a fresh credential to purge, a fresh member to remove…), or are undone right after (a
//! deleted team is restored), so one world serves the whole matrix. Each row must also fit
//! the route's declared `x-signet-access`. Every request comes from its own loopback address
//! (127.x.y.z), so the per-IP rate limits stay out of the way.
//!
//! Beside the matrix: cookie writes without the CSRF header, another team's ids in paths and
//! bodies, role changes taking effect at once, owner-only member rules, a trashed team, and
//! (in [`signups`]) who may create an account.
//! The matrix, cross-team and hostile tests run on SQLite and on the throwaway PostgreSQL.

mod signups;

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use signet_client::{Api, Session, credential::NewCredential, team::new_id};
use signet_core::{
    vault::{
        account::register as make_registration,
        invite::InviteSecret,
        membership::{Action, TeamState},
        robot::RobotToken,
        team_key::TeamKey,
    },
    wire::{
        Role,
        account::TrustStateBlob,
        app::{AssignRequest, Platform},
        credential::CredentialKind,
        team::TeamLog,
    },
};
use signet_tests::api::{
    Db, Loopback, PASSWORD, RawAuth, RawBody, RawResponse, Tally, android_app, auth_key_of, join,
    on_postgres, openapi_routes, post_public, raw, server_on, weak_kdf,
};
use signet_tests::server::TestServer;

/// What a caller gets from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 2xx.
    Allowed,
    /// Past authorization, then a documented 409 (see the row's comment).
    Conflict,
    /// 401: not signed in (or a token that does not fit the route).
    Unauthenticated,
    /// 403: known, but not allowed (role too low, a robot on a user route, out of scope).
    Forbidden,
    /// 404: not a member of the team, so the team's existence does not leak.
    NotFound,
}

const OK: Expect = Expect::Allowed;
const C409: Expect = Expect::Conflict;
const E401: Expect = Expect::Unauthenticated;
const E403: Expect = Expect::Forbidden;
const E404: Expect = Expect::NotFound;

/// The callers, in the column order of [`MATRIX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Owner,
    Admin,
    Developer,
    Viewer,
    /// Owner of another team, not a member of this one.
    Outsider,
    /// Was a developer of this team, then removed (still signed in).
    Removed,
    Anonymous,
    /// This team's robot token, scoped to app 1 and granted credential 1.
    RobotInScope,
    /// This team's robot token, scoped to app 2 and granted credential 2.
    RobotOutOfScope,
    /// The other team's robot token.
    RobotOtherTeam,
}

const CALLERS: [Caller; 10] = [
    Caller::Owner,
    Caller::Admin,
    Caller::Developer,
    Caller::Viewer,
    Caller::Outsider,
    Caller::Removed,
    Caller::Anonymous,
    Caller::RobotInScope,
    Caller::RobotOutOfScope,
    Caller::RobotOtherTeam,
];

type Row = [Expect; 10];

//                          owner admin dev   viewer outsdr removed anon robot-in robot-out robot-other
const PUBLIC: Row = [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK];
/// Robot tokens never act as a user: 403 whatever the team, so nothing about a team leaks.
const SIGNED_IN: Row = [OK, OK, OK, OK, OK, OK, E401, E403, E403, E403];
const VIEWER_UP: Row = [OK, OK, OK, OK, E404, E404, E401, E403, E403, E403];
const DEVELOPER_UP: Row = [OK, OK, OK, E403, E404, E404, E401, E403, E403, E403];
const ADMIN_UP: Row = [OK, OK, E403, E403, E404, E404, E401, E403, E403, E403];
const OWNER_ONLY: Row = [OK, E403, E403, E403, E404, E404, E401, E403, E403, E403];
/// Restoring a trashed team: to everyone but its owners the team does not exist.
const TRASHED_OWNER: Row = [OK, E404, E404, E404, E404, E404, E401, E403, E403, E403];
/// Lists robots may read: each robot sees only what is in its scope (checked separately).
const READER_LIST: Row = [OK, OK, OK, OK, E404, E404, E401, OK, OK, E404];
/// One object robots may read if it is in their scope.
const READER_ONE: Row = [OK, OK, OK, OK, E404, E404, E401, OK, E403, E404];
/// Payloads: developers and up, and robots granted the credential.
const SECRET_READER: Row = [OK, OK, OK, E403, E404, E404, E401, OK, E403, E404];
const ROBOT_ONLY: Row = [E401, E401, E401, E401, E401, E401, E401, OK, OK, OK];

/// Every route's expected outcome per caller, keyed by `METHOD /api/path` as in openapi.json.
const MATRIX: &[(&str, Row)] = &[
    ("GET /api/health", PUBLIC),
    ("GET /api/health/ready", PUBLIC),
    ("GET /api/openapi.json", PUBLIC),
    // Accounts. Public routes are called with valid bodies: a real sign-in, a fresh
    // registration, the recovery code of a dedicated account.
    ("POST /api/auth/prelogin", PUBLIC),
    ("GET /api/auth/signups", PUBLIC),
    ("POST /api/auth/register", PUBLIC),
    ("POST /api/auth/login", PUBLIC),
    ("POST /api/auth/logout", SIGNED_IN),
    ("GET /api/auth/me", SIGNED_IN),
    ("POST /api/auth/password", SIGNED_IN),
    ("POST /api/auth/recovery/begin", PUBLIC),
    ("POST /api/auth/recovery/complete", PUBLIC),
    ("GET /api/account/trust-state", SIGNED_IN),
    // Each caller stores the next write of their own trust state.
    ("PUT /api/account/trust-state", SIGNED_IN),
    // Teams.
    ("GET /api/teams", SIGNED_IN),
    ("POST /api/teams", SIGNED_IN),
    ("GET /api/teams/{team}", VIEWER_UP),
    ("PATCH /api/teams/{team}", ADMIN_UP),
    ("DELETE /api/teams/{team}", OWNER_ONLY),
    ("POST /api/teams/{team}/restore", TRASHED_OWNER),
    ("GET /api/teams/{team}/key", DEVELOPER_UP),
    ("PUT /api/teams/{team}/key", DEVELOPER_UP),
    // Sent at a stale `from_version`: a real rotation would replace every member's key with
    // the test's, so admins get 409 key_version_changed, which they only reach once authorized.
    (
        "POST /api/teams/{team}/rotation",
        [C409, C409, E403, E403, E404, E404, E401, E403, E403, E403],
    ),
    // The last owner cannot leave: 409 last_owner. Run last (the others really leave).
    (
        "POST /api/teams/{team}/leave",
        [C409, OK, OK, OK, E404, E404, E401, E403, E403, E403],
    ),
    // Robots of the team verify the log from their anchor (who signed their grants).
    ("GET /api/teams/{team}/log", READER_LIST),
    ("GET /api/teams/{team}/members", VIEWER_UP),
    ("PATCH /api/teams/{team}/members/{user}", ADMIN_UP),
    ("DELETE /api/teams/{team}/members/{user}", ADMIN_UP),
    // Invitations.
    ("GET /api/teams/{team}/invites", ADMIN_UP),
    ("POST /api/teams/{team}/invites", ADMIN_UP),
    ("DELETE /api/teams/{team}/invites/{invite}", ADMIN_UP),
    ("POST /api/invites/{invite}/preview", PUBLIC),
    ("POST /api/invites/{invite}/accept", SIGNED_IN),
    // Apps.
    ("GET /api/teams/{team}/apps", READER_LIST),
    ("POST /api/teams/{team}/apps", DEVELOPER_UP),
    ("GET /api/teams/{team}/apps/{app}", READER_ONE),
    ("PUT /api/teams/{team}/apps/{app}", DEVELOPER_UP),
    ("DELETE /api/teams/{team}/apps/{app}", ADMIN_UP),
    ("GET /api/teams/{team}/apps/{app}/assignments", READER_ONE),
    ("PUT /api/teams/{team}/apps/{app}/assignments", DEVELOPER_UP),
    ("GET /api/teams/{team}/apps/{app}/robots", DEVELOPER_UP),
    ("POST /api/teams/{team}/asc-relay", DEVELOPER_UP),
    (
        "DELETE /api/teams/{team}/apps/{app}/assignments",
        DEVELOPER_UP,
    ),
    // Credentials.
    ("GET /api/teams/{team}/credentials", READER_LIST),
    ("POST /api/teams/{team}/credentials", DEVELOPER_UP),
    ("GET /api/teams/{team}/credentials/{credential}", READER_ONE),
    (
        "PUT /api/teams/{team}/credentials/{credential}",
        DEVELOPER_UP,
    ),
    (
        "DELETE /api/teams/{team}/credentials/{credential}",
        DEVELOPER_UP,
    ),
    (
        "GET /api/teams/{team}/credentials/{credential}/payload",
        SECRET_READER,
    ),
    (
        "POST /api/teams/{team}/credentials/{credential}/restore",
        DEVELOPER_UP,
    ),
    (
        "DELETE /api/teams/{team}/credentials/{credential}/purge",
        ADMIN_UP,
    ),
    // Robots.
    ("GET /api/teams/{team}/robots", ADMIN_UP),
    ("POST /api/teams/{team}/robots", ADMIN_UP),
    ("POST /api/teams/{team}/robots/{robot}/grants", ADMIN_UP),
    ("DELETE /api/teams/{team}/robots/{robot}", ADMIN_UP),
    // Alerts: admins decide where a team's alerts go.
    ("GET /api/teams/{team}/alerts", ADMIN_UP),
    ("POST /api/teams/{team}/alerts/destinations", ADMIN_UP),
    (
        "DELETE /api/teams/{team}/alerts/destinations/{destination}",
        ADMIN_UP,
    ),
    (
        "POST /api/teams/{team}/alerts/destinations/{destination}/test",
        ADMIN_UP,
    ),
    ("GET /api/robot/whoami", ROBOT_ONLY),
    // Audit.
    ("GET /api/teams/{team}/audit", ADMIN_UP),
];

/// Routes that change the world for everyone after them run at the end, in this order.
const LAST: &[&str] = &["POST /api/teams/{team}/leave"];

/// Field names that carry keys or ciphertext: a viewer must never receive one.
const SECRET_FIELDS: &[&str] = &[
    "wrapped_key",
    "payload",
    "wrapped",
    "robot_wrapped_key",
    "wrapped_team_key",
    "self_wrapped_team_key",
];

/// 16 zero bytes as base64url: passes the server's shape checks for a wrapped key.
const BLOB: &str = "AAAAAAAAAAAAAAAAAAAAAA";

/// A membership log entry that parses as JSON but not as an entry: for callers the server
/// refuses before it reads the entry (or at a conflict it checks first).
const NO_ENTRY: &str = "AAAA";

/// `team`'s membership log as it stands on the server, replayed (read by `reader`, a member).
async fn log_state(reader: &Session, team: &str) -> Result<TeamState> {
    let log: TeamLog = reader.api.get(&format!("/teams/{team}/log")).await?;
    let entries = signet_client::trust::parse_log(&log.entries)?;
    Ok(TeamState::replay_unpinned(team, &entries)?)
}

/// `action` signed by `user` as the next entry of `team`'s log ([`NO_ENTRY`] when there is
/// no user, or the log's rules refuse them: the server refuses those callers anyway).
async fn signed_entry(
    reader: &Session,
    user: Option<&User>,
    team: &str,
    action: Action,
) -> Result<String> {
    let Some(u) = user else {
        return Ok(NO_ENTRY.into());
    };
    let state = log_state(reader, team).await?;
    Ok(state
        .next(&u.session.user.id, &u.session.account.key_pair, action)
        .map(|e| e.to_base64())
        .unwrap_or_else(|_| NO_ENTRY.into()))
}

/// A signed-in user of the world.
struct User {
    session: Session,
    email: String,
    /// The current login proof (changes when the matrix changes the password).
    auth_key: String,
    /// The team key of the main team, for members who may fetch it.
    key: Option<TeamKey>,
}

impl User {
    async fn register(api: &Api, name: &str) -> Result<Self> {
        let email = format!("{name}@example.test");
        let (session, _) = Session::register(api, &email, PASSWORD, weak_kdf()).await?;
        let auth_key = auth_key_of(api, &email).await?;
        Ok(Self {
            session,
            email,
            auth_key,
            key: None,
        })
    }

    fn bearer(&self) -> RawAuth {
        RawAuth::Bearer(self.session.token.clone())
    }
}

fn robot_header(token: &RobotToken) -> Result<RawAuth> {
    Ok(RawAuth::Robot(format!(
        "{}.{}",
        token.id(),
        token.auth_half()?
    )))
}

/// One call of the matrix: the path parameters, the body, and who sends it.
struct Call {
    team: String,
    app: String,
    credential: String,
    user: String,
    invite: String,
    robot: String,
    destination: String,
    body: RawBody,
    /// Replaces the caller's usual credentials (a fresh session to sign out).
    auth: Option<RawAuth>,
}

/// The outsider's team and its objects.
#[derive(Clone)]
struct OtherTeam {
    team: String,
    app: String,
    credential: String,
    robot: String,
    invite: String,
}

/// The fixture: one team with two apps, credentials, members of every role, a removed
/// member, a pending invitation and two robot tokens; another team with its own.
struct World {
    base: String,
    ips: Loopback,
    owner: User,
    admin: User,
    developer: User,
    viewer: User,
    outsider: User,
    removed: User,
    /// A developer whose role the matrix "changes" to what it is.
    bystander: User,
    /// Re-invited whenever the matrix has removed them.
    target: User,
    team: String,
    /// Owned by the bystander; the matrix accepts fresh invitations to it.
    lobby: String,
    lobby_key: TeamKey,
    app1: String,
    app2: String,
    /// Assigned to app 1, granted to the in-scope robot.
    c1: String,
    /// Assigned to app 2, granted to the out-of-scope robot.
    c2: String,
    /// The one the matrix updates.
    c_upd: String,
    invite: String,
    invite_token: String,
    robot_in: (String, RawAuth),
    robot_out: RawAuth,
    robot_other: RawAuth,
    other: OtherTeam,
    rescued_email: String,
    recovery_body: Value,
    /// A counter for unique names.
    n: u32,
}

impl World {
    async fn build(server: &TestServer) -> Result<Self> {
        let api = Api::new(&server.url);
        let owner = User::register(&api, "owner").await?;
        let mut admin = User::register(&api, "admin").await?;
        let mut developer = User::register(&api, "developer").await?;
        let viewer = User::register(&api, "viewer").await?;
        let outsider = User::register(&api, "outsider").await?;
        let removed = User::register(&api, "removed").await?;
        let bystander = User::register(&api, "bystander").await?;
        let target = User::register(&api, "target").await?;

        let (team, key) = owner.session.create_team("Acme").await?;
        let team = team.id;
        for (u, role) in [
            (&admin, Role::Admin),
            (&developer, Role::Developer),
            (&viewer, Role::Viewer),
            (&removed, Role::Developer),
            (&bystander, Role::Developer),
            (&target, Role::Developer),
        ] {
            join(&owner.session, &team, &key, &u.session, role).await?;
        }
        owner
            .session
            .remove_member(&team, &removed.session.user.id)
            .await?;
        admin.key = Some(admin.session.team_key(&team).await?);
        developer.key = Some(developer.session.team_key(&team).await?);

        let app1 = android_app(&owner.session, &team, "Acme App", "com.acme.app").await?;
        let app2 = android_app(&owner.session, &team, "Acme Two", "com.acme.two").await?;
        let credential = |label: &'static str| NewCredential {
            kind: CredentialKind::AndroidKeystore,
            label,
            metadata: json!({"alias": "upload"}),
            payload: b"secret keystore",
        };
        let c1 = owner
            .session
            .create_credential(&team, &key, &credential("Upload key"))
            .await?;
        let c2 = owner
            .session
            .create_credential(&team, &key, &credential("Two's key"))
            .await?;
        let c_upd = owner
            .session
            .create_credential(&team, &key, &credential("Updated by the matrix"))
            .await?;
        for (app, c) in [(&app1, &c1), (&app2, &c2)] {
            let _: Value = owner
                .session
                .api
                .put(
                    &format!("/teams/{team}/apps/{}/assignments", app.id),
                    &AssignRequest {
                        platform: Platform::Android,
                        profile: "production".into(),
                        target: String::new(),
                        credential_id: c.id.clone(),
                        is_default: true,
                        robot_grants: Vec::new(),
                    },
                )
                .await?;
        }
        let expires = signet_server::store::now() + 3600;
        let (robot_in, token_in) = owner
            .session
            .create_robot(
                &team,
                &key,
                "CI app 1",
                std::slice::from_ref(&app1.id),
                std::slice::from_ref(&c1),
                expires,
            )
            .await?;
        let (_, token_out) = owner
            .session
            .create_robot(
                &team,
                &key,
                "CI app 2",
                std::slice::from_ref(&app2.id),
                std::slice::from_ref(&c2),
                expires,
            )
            .await?;
        let (_, pending) = owner.session.invite(&team, &key, Role::Viewer).await?;
        let invite = pending.id.clone();

        // The other team, with its own app, credential and robot.
        let (other, other_key) = outsider.session.create_team("Other").await?;
        let other_app =
            android_app(&outsider.session, &other.id, "Other App", "com.other.app").await?;
        let other_c = outsider
            .session
            .create_credential(&other.id, &other_key, &credential("Other key"))
            .await?;
        let (other_robot, token_other) = outsider
            .session
            .create_robot(
                &other.id,
                &other_key,
                "Other CI",
                std::slice::from_ref(&other_app.id),
                std::slice::from_ref(&other_c),
                expires,
            )
            .await?;

        let (_, other_link) = outsider
            .session
            .invite(&other.id, &other_key, Role::Viewer)
            .await?;
        let other = OtherTeam {
            team: other.id,
            app: other_app.id,
            credential: other_c.id,
            robot: other_robot.id,
            invite: other_link.id,
        };

        let (lobby, lobby_key) = bystander.session.create_team("Lobby").await?;

        // An account whose recovery code the matrix uses; recovery signs it out everywhere,
        // so nobody else's session is touched.
        let rescued_email = "rescued@example.test".to_owned();
        let (rescued, code) = Session::register(&api, &rescued_email, PASSWORD, weak_kdf()).await?;
        let change = rescued.account.change_password(PASSWORD, weak_kdf())?;
        let recovery_body = json!({
            "email": rescued_email,
            "recovery_auth_key": code.dangerously_auth_key_base64()?,
            "kdf_params": change.kdf_params,
            "kdf_salt": change.kdf_salt.to_base64(),
            "auth_key": change.auth_key.dangerously_to_base64(),
            "wrapped_user_key": change.wrapped_user_key.to_base64(),
            "client": "cli",
        });

        let mut owner = owner;
        owner.key = Some(key);
        Ok(Self {
            base: server.url.clone(),
            ips: Loopback::default(),
            owner,
            admin,
            developer,
            viewer,
            outsider,
            removed,
            bystander,
            target,
            team,
            lobby: lobby.id,
            lobby_key,
            app1: app1.id,
            app2: app2.id,
            c1: c1.id,
            c2: c2.id,
            c_upd: c_upd.id,
            invite,
            invite_token: pending.secret.token()?,
            robot_in: (robot_in.id, robot_header(&token_in)?),
            robot_out: robot_header(&token_out)?,
            robot_other: robot_header(&token_other)?,
            other,
            rescued_email,
            recovery_body,
            n: 0,
        })
    }

    fn user(&self, caller: Caller) -> Option<&User> {
        match caller {
            Caller::Owner => Some(&self.owner),
            Caller::Admin => Some(&self.admin),
            Caller::Developer => Some(&self.developer),
            Caller::Viewer => Some(&self.viewer),
            Caller::Outsider => Some(&self.outsider),
            Caller::Removed => Some(&self.removed),
            _ => None,
        }
    }

    fn user_mut(&mut self, caller: Caller) -> Option<&mut User> {
        match caller {
            Caller::Owner => Some(&mut self.owner),
            Caller::Admin => Some(&mut self.admin),
            Caller::Developer => Some(&mut self.developer),
            Caller::Viewer => Some(&mut self.viewer),
            Caller::Outsider => Some(&mut self.outsider),
            Caller::Removed => Some(&mut self.removed),
            _ => None,
        }
    }

    fn auth(&self, caller: Caller) -> RawAuth {
        match caller {
            Caller::Anonymous => RawAuth::None,
            Caller::RobotInScope => self.robot_in.1.clone(),
            Caller::RobotOutOfScope => self.robot_out.clone(),
            Caller::RobotOtherTeam => self.robot_other.clone(),
            user => self.user(user).map_or(RawAuth::None, User::bearer),
        }
    }

    fn unique(&mut self, prefix: &str) -> String {
        self.n += 1;
        format!("{prefix}{}", self.n)
    }

    /// Sends one request with the CSRF header, each from a fresh loopback address (the rate
    /// limits are not what this suite tests).
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        auth: &RawAuth,
        body: RawBody,
    ) -> Result<RawResponse> {
        raw(&self.base, self.ips.fresh(), method, path, auth, true, body).await
    }

    /// A request as the owner that must succeed.
    async fn as_owner(&mut self, method: &str, path: &str, body: RawBody) -> Result<Value> {
        let r = self
            .send(method, &format!("/api{path}"), &self.owner.bearer(), body)
            .await?;
        ensure!(
            (200..300).contains(&r.status),
            "setup {method} {path}: {} {}",
            r.status,
            r.text()
        );
        r.json()
    }

    async fn throwaway_credential(&mut self, trashed: bool) -> Result<String> {
        let id = new_id()?;
        let label = self.unique("Throwaway ");
        self.as_owner(
            "POST",
            &format!("/teams/{}/credentials", self.team),
            RawBody::Json(credential_body(&id, &label)),
        )
        .await?;
        if trashed {
            self.as_owner(
                "DELETE",
                &format!("/teams/{}/credentials/{id}", self.team),
                RawBody::None,
            )
            .await?;
        }
        Ok(id)
    }

    async fn throwaway_robot(&mut self) -> Result<String> {
        let id = self.unique("throwaway");
        let body = robot_body(&id, &self.app1)?;
        self.as_owner(
            "POST",
            &format!("/teams/{}/robots", self.team),
            RawBody::Json(body),
        )
        .await?;
        Ok(id)
    }

    /// Makes sure the removal target is a member again.
    async fn target_is_member(&mut self) -> Result<()> {
        let members: Vec<Value> = serde_json::from_value(
            self.as_owner(
                "GET",
                &format!("/teams/{}/members", self.team),
                RawBody::None,
            )
            .await?,
        )?;
        let id = &self.target.session.user.id;
        if members.iter().any(|m| m["user_id"] == json!(id)) {
            return Ok(());
        }
        let key = self.owner.key.as_ref().context("owner key")?;
        join(
            &self.owner.session,
            &self.team,
            key,
            &self.target.session,
            Role::Developer,
        )
        .await
    }

    /// Sets up one call of `route` by `caller`: parameters, a body valid for allowed callers,
    /// and any throwaway object it acts on.
    async fn prepare(&mut self, route: &str, caller: Caller) -> Result<Call> {
        let mut call = Call {
            team: self.team.clone(),
            app: self.app1.clone(),
            credential: self.c1.clone(),
            user: self.bystander.session.user.id.clone(),
            invite: self.invite.clone(),
            robot: self.robot_in.0.clone(),
            destination: "00000000-0000-4000-8000-000000000000".into(),
            body: RawBody::None,
            auth: None,
        };
        let team = self.team.clone();
        match route {
            "POST /api/auth/prelogin" => {
                call.body = RawBody::Json(json!({ "email": self.owner.email }));
            }
            "POST /api/auth/register" => {
                let email = format!("{}@example.test", self.unique("registered"));
                call.body = RawBody::Json(registration_body(&email)?);
            }
            "POST /api/auth/login" => {
                call.body = RawBody::Json(json!({
                    "email": self.owner.email,
                    "auth_key": self.owner.auth_key,
                    "client": "cli",
                }));
            }
            "POST /api/auth/logout" => {
                // A fresh session of the same user, so the matrix keeps its own.
                if let Some(body) = self
                    .user(caller)
                    .map(|u| json!({"email": u.email, "auth_key": u.auth_key, "client": "cli"}))
                {
                    let r = self
                        .send(
                            "POST",
                            "/api/auth/login",
                            &RawAuth::None,
                            RawBody::Json(body),
                        )
                        .await?;
                    ensure!(
                        r.status == 200,
                        "login for logout: {} {}",
                        r.status,
                        r.text()
                    );
                    let token = r.json()?["token"].as_str().context("no token")?.to_owned();
                    call.auth = Some(RawAuth::Bearer(token));
                }
            }
            "POST /api/auth/password" => {
                // The same password with a new salt: a real change that keeps the caller's
                // session (other sessions end).
                let body = match self.user(caller) {
                    Some(u) => {
                        let change = u.session.account.change_password(PASSWORD, weak_kdf())?;
                        json!({
                            "current_auth_key": u.auth_key,
                            "kdf_params": change.kdf_params,
                            "kdf_salt": change.kdf_salt.to_base64(),
                            "auth_key": change.auth_key.dangerously_to_base64(),
                            "wrapped_user_key": change.wrapped_user_key.to_base64(),
                        })
                    }
                    None => json!({
                        "current_auth_key": BLOB, "kdf_params": weak_kdf(), "kdf_salt": BLOB,
                        "auth_key": BLOB, "wrapped_user_key": BLOB,
                    }),
                };
                call.body = RawBody::Json(body);
            }
            "POST /api/auth/recovery/begin" => {
                call.body = RawBody::Json(json!({
                    "email": self.rescued_email,
                    "recovery_auth_key": self.recovery_body["recovery_auth_key"],
                }));
            }
            "POST /api/auth/recovery/complete" => {
                call.body = RawBody::Json(self.recovery_body.clone());
            }
            "POST /api/teams" => {
                let id = new_id()?;
                let entry = match self.user(caller) {
                    Some(u) => {
                        TeamState::create(&id, &u.session.user.id, &u.session.account.key_pair)?
                            .0
                            .to_base64()
                    }
                    None => NO_ENTRY.into(),
                };
                call.body = RawBody::Json(json!({
                    "id": id, "name": "Scratch", "self_wrapped_team_key": BLOB,
                    "log_entry": entry,
                }));
            }
            "PUT /api/account/trust-state" => {
                // The caller's own state, re-sealed as the next write.
                let body = match self.user(caller) {
                    Some(u) => {
                        let current: TrustStateBlob =
                            u.session.api.get("/account/trust-state").await?;
                        let state = u.session.trust_state().await?;
                        let next = current.counter + 1;
                        let sealed =
                            state.seal(&u.session.account.user_key, &u.session.user.id, next)?;
                        json!({"counter": next, "sealed": sealed.to_base64()})
                    }
                    None => json!({"counter": 1, "sealed": BLOB}),
                };
                call.body = RawBody::Json(body);
            }
            "PATCH /api/teams/{team}" => {
                call.body = RawBody::Json(json!({"name": "Acme"}));
            }
            "POST /api/teams/{team}/restore" => {
                self.as_owner("DELETE", &format!("/teams/{team}"), RawBody::None)
                    .await?;
            }
            "PUT /api/teams/{team}/key" => {
                // The caller's own self-wrap of the current key, where they have it.
                let wrapped = match self.user(caller) {
                    Some(User {
                        key: Some(key),
                        session,
                        ..
                    }) => key
                        .wrap_for_self(&session.account.user_key, &team)?
                        .to_base64(),
                    _ => BLOB.to_owned(),
                };
                call.body = RawBody::Json(json!({
                    "key_version": 1, "self_wrapped_team_key": wrapped,
                }));
            }
            "POST /api/teams/{team}/rotation" => {
                call.body = RawBody::Json(json!({
                    "from_version": 7, "self_wrapped_team_key": BLOB,
                    "member_keys": [], "item_keys": [], "log_entry": NO_ENTRY,
                }));
            }
            "POST /api/teams/{team}/leave" => {
                let action = Action::Remove {
                    user_id: self
                        .user(caller)
                        .map(|u| u.session.user.id.clone())
                        .unwrap_or_default(),
                };
                let entry =
                    signed_entry(&self.owner.session, self.user(caller), &team, action).await?;
                call.body = RawBody::Json(json!({"log_entry": entry}));
            }
            "PATCH /api/teams/{team}/members/{user}" => {
                let action = Action::ChangeRole {
                    user_id: call.user.clone(),
                    role: Role::Developer,
                };
                let entry =
                    signed_entry(&self.owner.session, self.user(caller), &team, action).await?;
                call.body = RawBody::Json(json!({"role": "developer", "log_entry": entry}));
            }
            "DELETE /api/teams/{team}/members/{user}" => {
                self.target_is_member().await?;
                call.user = self.target.session.user.id.clone();
                let action = Action::Remove {
                    user_id: call.user.clone(),
                };
                let entry =
                    signed_entry(&self.owner.session, self.user(caller), &team, action).await?;
                call.body = RawBody::Json(json!({"log_entry": entry}));
            }
            "POST /api/teams/{team}/invites" => {
                let secret = InviteSecret::generate()?;
                let id = new_id()?;
                let action = Action::Invite {
                    invite_id: id.clone(),
                    role: Role::Viewer,
                    invite_key: secret.verifying_key()?,
                };
                let entry =
                    signed_entry(&self.owner.session, self.user(caller), &team, action).await?;
                call.body = RawBody::Json(json!({
                    "id": id, "role": "viewer", "token": secret.token()?,
                    "wrapped_team_key": BLOB, "key_version": 1,
                    "log_entry": entry, "anchor": BLOB,
                }));
            }
            "DELETE /api/teams/{team}/invites/{invite}" => {
                let key = self.owner.key.as_ref().context("owner key")?;
                let (_, link) = self.owner.session.invite(&team, key, Role::Viewer).await?;
                call.invite = link.id.clone();
                let action = Action::Revoke {
                    invite_id: link.id.clone(),
                };
                let entry =
                    signed_entry(&self.owner.session, self.user(caller), &team, action).await?;
                call.body = RawBody::Json(json!({"log_entry": entry}));
            }
            "POST /api/invites/{invite}/preview" => {
                call.body = RawBody::Json(json!({"token": self.invite_token}));
            }
            "POST /api/invites/{invite}/accept" => {
                // A fresh single-use invitation to the lobby, which nobody but its owner
                // is in: every signed-in caller can join it.
                let (_, link) = self
                    .bystander
                    .session
                    .invite(&self.lobby, &self.lobby_key, Role::Viewer)
                    .await?;
                call.invite = link.id.clone();
                let entry = match self.user(caller) {
                    Some(u) => log_state(&self.bystander.session, &self.lobby)
                        .await?
                        .join(
                            &link.secret,
                            &link.id,
                            &u.session.user.id,
                            &u.session.account.key_pair,
                        )?
                        .to_base64(),
                    None => NO_ENTRY.into(),
                };
                call.body = RawBody::Json(json!({
                    "token": link.secret.token()?, "self_wrapped_team_key": BLOB,
                    "log_entry": entry,
                }));
            }
            "POST /api/teams/{team}/apps" => {
                let name = self.unique("Scratch app ");
                call.body = RawBody::Json(json!({"name": name}));
            }
            "PUT /api/teams/{team}/apps/{app}" => {
                call.body = RawBody::Json(json!({
                    "name": "Acme App", "android_package": "com.acme.app",
                }));
            }
            "DELETE /api/teams/{team}/apps/{app}" => {
                let name = self.unique("Throwaway app ");
                let app = self
                    .as_owner(
                        "POST",
                        &format!("/teams/{team}/apps"),
                        RawBody::Json(json!({"name": name})),
                    )
                    .await?;
                call.app = app["id"].as_str().context("app id")?.to_owned();
            }
            "PUT /api/teams/{team}/apps/{app}/assignments" => {
                call.body = RawBody::Json(json!({
                    "platform": "android", "profile": "production",
                    "credential_id": self.c1, "is_default": true,
                }));
            }
            "DELETE /api/teams/{team}/apps/{app}/assignments" => {
                let slot = json!({
                    "platform": "android", "profile": "staging", "credential_id": self.c1,
                });
                let path = format!("/teams/{team}/apps/{}/assignments", self.app1);
                self.as_owner("PUT", &path, RawBody::Json(slot.clone()))
                    .await?;
                call.body = RawBody::Json(slot);
            }
            "POST /api/teams/{team}/credentials" => {
                let label = self.unique("Scratch ");
                call.body = RawBody::Json(credential_body(&new_id()?, &label));
            }
            "PUT /api/teams/{team}/credentials/{credential}" => {
                let current = self
                    .as_owner(
                        "GET",
                        &format!("/teams/{team}/credentials/{}", self.c_upd),
                        RawBody::None,
                    )
                    .await?;
                call.credential = self.c_upd.clone();
                call.body = RawBody::Json(json!({
                    "revision": current["revision"], "label": "Updated by the matrix",
                    "metadata": "{}", "metadata_signature": BLOB,
                }));
            }
            "DELETE /api/teams/{team}/credentials/{credential}" => {
                call.credential = self.throwaway_credential(false).await?;
            }
            "POST /api/teams/{team}/credentials/{credential}/restore"
            | "DELETE /api/teams/{team}/credentials/{credential}/purge" => {
                call.credential = self.throwaway_credential(true).await?;
            }
            "POST /api/teams/{team}/robots" => {
                let id = self.unique("scratch");
                call.body = RawBody::Json(robot_body(&id, &self.app1)?);
            }
            "POST /api/teams/{team}/robots/{robot}/grants" => {
                call.body = RawBody::Json(json!({"grants": []}));
            }
            "POST /api/teams/{team}/asc-relay" => {
                // A token scoped to exactly this request, relayed to the simulator that
                // `matrix` points the server at.
                let request = signet_core::asc::Request::list_devices();
                let key = signet_core::keys::asc::AppStoreConnectKey::from_p8(
                    &std::fs::read(asc_fixture("AuthKey_ABC123DEFG.p8"))?,
                    "ABC123DEFG",
                    ASC_ISSUER,
                )?;
                let now = u64::try_from(signet_server::store::now()).unwrap_or(0);
                call.body = RawBody::Json(json!({
                    "method": "GET", "path": request.path,
                    "token": key.token_scoped(now, 600, &[request.scope()])?,
                }));
            }
            "DELETE /api/teams/{team}/robots/{robot}" => {
                call.robot = self.throwaway_robot().await?;
            }
            "POST /api/teams/{team}/alerts/destinations" => {
                call.body = RawBody::Json(json!({
                    "kind": "slack", "target": "https://hooks.example.invalid/matrix",
                }));
            }
            "DELETE /api/teams/{team}/alerts/destinations/{destination}"
            | "POST /api/teams/{team}/alerts/destinations/{destination}/test" => {
                // Discord: the test alert fails fast (the name resolves nowhere), which is
                // still a 200 with the failed delivery in it.
                let made = self
                    .as_owner(
                        "POST",
                        &format!("/teams/{team}/alerts/destinations"),
                        RawBody::Json(json!({
                            "kind": "discord", "target": "https://hooks.example.invalid/throwaway",
                        })),
                    )
                    .await?;
                call.destination = made["destination"]["id"]
                    .as_str()
                    .context("destination id")?
                    .to_owned();
            }
            _ => {}
        }
        Ok(call)
    }

    /// Undoes what an allowed call changed for everyone after it.
    async fn undo(&mut self, route: &str, caller: Caller, status: u16) -> Result<()> {
        let team = self.team.clone();
        match route {
            "DELETE /api/teams/{team}" | "POST /api/teams/{team}/restore" => {
                // Restore if the team is (still) in the trash; 409 means it is not.
                let r = self
                    .send(
                        "POST",
                        &format!("/api/teams/{team}/restore"),
                        &self.owner.bearer(),
                        RawBody::None,
                    )
                    .await?;
                ensure!(
                    r.status == 204 || r.status == 409,
                    "restoring the team: {} {}",
                    r.status,
                    r.text()
                );
            }
            "POST /api/auth/password" if (200..300).contains(&status) => {
                // The password is the same, the salt new: derive the new login proof.
                let api = Api::new(&self.base);
                if let Some(u) = self.user_mut(caller) {
                    u.auth_key = auth_key_of(&api, &u.email).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn credential_body(id: &str, label: &str) -> Value {
    json!({
        "id": id, "kind": "apple_push_key", "label": label, "metadata": "{}",
        "metadata_signature": BLOB, "key_version": 1, "wrapped_key": BLOB, "payload": BLOB,
    })
}

fn robot_body(id: &str, app: &str) -> Result<Value> {
    let token = RobotToken::generate(id)?;
    Ok(json!({
        "id": id, "name": "Throwaway CI", "app_ids": [app],
        "expires_at": signet_server::store::now() + 3600,
        "auth_half": token.auth_half()?, "grants": [],
    }))
}

fn registration_body(email: &str) -> Result<Value> {
    let (r, _, _) = make_registration(PASSWORD, weak_kdf())?;
    Ok(json!({
        "email": email,
        "kdf_params": r.kdf_params,
        "kdf_salt": r.kdf_salt.to_base64(),
        "auth_key": r.auth_key.dangerously_to_base64(),
        "recovery_auth_key": r.recovery_auth_key,
        "wrapped_user_key": r.wrapped_user_key.to_base64(),
        "recovery_wrapped_user_key": r.recovery_wrapped_user_key.to_base64(),
        "public_keys": r.public_keys.to_base64(),
        "sealed_private_keys": r.sealed_private_keys.to_base64(),
        "client": "cli",
    }))
}

/// The field names in `value` (recursively) that carry secrets.
fn secret_fields(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if SECRET_FIELDS.contains(&k.as_str()) {
                    found.insert(k.clone());
                }
                secret_fields(v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| secret_fields(v, found)),
        _ => {}
    }
}

fn classify(r: &RawResponse) -> Result<Expect> {
    Ok(match r.status {
        200..=299 => Expect::Allowed,
        401 => Expect::Unauthenticated,
        403 => Expect::Forbidden,
        404 => Expect::NotFound,
        409 => Expect::Conflict,
        s => bail!("{s} {}", r.text()),
    })
}

fn fill(path: &str, call: &Call) -> String {
    path.replace("{team}", &call.team)
        .replace("{app}", &call.app)
        .replace("{credential}", &call.credential)
        .replace("{user}", &call.user)
        .replace("{invite}", &call.invite)
        .replace("{robot}", &call.robot)
        .replace("{destination}", &call.destination)
}

/// The routes in the order the matrix runs them: [`LAST`] at the end.
fn ordered(routes: Vec<(String, String)>) -> Vec<String> {
    let mut keys: Vec<String> = routes
        .into_iter()
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    keys.sort_by_key(|k| LAST.iter().position(|l| l == k));
    keys
}

const ASC_ISSUER: &str = "57246542-96fe-1a63-e053-0824d011072a";

fn asc_fixture(name: &str) -> std::path::PathBuf {
    signet_tests::paths::root()
        .join("wasm-core/tests/fixtures/apple")
        .join(name)
}

async fn matrix(db: Db) -> Result<()> {
    let started = std::time::Instant::now();
    // The App Store Connect relay forwards to a simulator, never to Apple.
    let public = std::fs::read_to_string(asc_fixture("AuthKey_ABC123DEFG.pub.pem"))?;
    let sim =
        signet_tests::asc_sim::AscSimulator::start(&public, "ABC123DEFG", ASC_ISSUER, "A1B2C3D4E5")
            .await?;
    // nextest runs every test in its own process, so no other test sees this variable.
    #[allow(unsafe_code)]
    // SAFETY: set before the server starts, while no other thread reads the environment.
    unsafe {
        std::env::set_var("SIGNET_ASC_API_URL", &sim.url);
    }
    let server = server_on(&db).await?;
    let routes = openapi_routes(&server.url).await?;

    // The table and the router must list the same routes.
    let listed: BTreeSet<String> = routes.iter().map(|(m, p)| format!("{m} {p}")).collect();
    let table: BTreeSet<String> = MATRIX.iter().map(|(k, _)| (*k).to_owned()).collect();
    let missing: Vec<_> = listed.difference(&table).collect();
    let stale: Vec<_> = table.difference(&listed).collect();
    ensure!(
        missing.is_empty() && stale.is_empty(),
        "the matrix and the router disagree.\n\
         Routes without a row in MATRIX (api_authz.rs) — add them to the matrix: {missing:?}\n\
         MATRIX rows for routes that no longer exist — remove them: {stale:?}"
    );
    ensure!(MATRIX.len() == table.len(), "MATRIX has a duplicate row");

    // Each row must fit the access rule the route declares (x-signet-access), so the table,
    // the declaration and (below) the enforcement all agree.
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", server.url))
        .await?
        .json()
        .await?;
    for (key, row) in MATRIX {
        let (method, path) = key.split_once(' ').context("key")?;
        let label = doc["paths"][path][method.to_lowercase()]["x-signet-access"]
            .as_str()
            .with_context(|| format!("{key}: no x-signet-access"))?;
        // A documented 409 is an allowed caller refused further in.
        let normalized = row.map(|e| if e == C409 { OK } else { e });
        let fits: &[Row] = match label {
            "public" => &[PUBLIC],
            "signed-in user" => &[SIGNED_IN],
            "team member, role ≥ viewer" => &[VIEWER_UP],
            "team member, role ≥ developer" => &[DEVELOPER_UP],
            "team member, role ≥ admin" => &[ADMIN_UP],
            "team member, role ≥ owner" => &[OWNER_ONLY],
            "team member (any role) or robot token in scope" => &[READER_LIST, READER_ONE],
            "team developer or higher, or robot token in scope" => &[SECRET_READER],
            "owner of the trashed team" => &[TRASHED_OWNER],
            "robot token" => &[ROBOT_ONLY],
            other => bail!("{key}: unknown x-signet-access {other:?}; teach the matrix about it"),
        };
        ensure!(
            fits.contains(&normalized),
            "{key} declares access {label:?}, but its MATRIX row {row:?} does not fit that"
        );
    }

    let mut world = World::build(&server).await?;

    // The trash, which the matrix does not list: viewers see its metadata only, robots
    // nothing they were not granted.
    let trashed = world.throwaway_credential(true).await?;
    let trash = format!("/api/teams/{}/credentials?deleted=true", world.team);
    let as_viewer = world.viewer.bearer();
    let r = world.send("GET", &trash, &as_viewer, RawBody::None).await?;
    ensure!(
        r.status == 200 && r.text().contains(&trashed),
        "viewer's trash: {} {}",
        r.status,
        r.text()
    );
    let mut found = BTreeSet::new();
    secret_fields(&r.json()?, &mut found);
    ensure!(
        found.is_empty(),
        "the viewer's trash listing carries {found:?}"
    );
    let robot = world.robot_in.1.clone();
    let r = world.send("GET", &trash, &robot, RawBody::None).await?;
    ensure!(
        r.status == 200 && !r.text().contains(&trashed),
        "robot's trash: {} {}",
        r.status,
        r.text()
    );
    let setup = started.elapsed();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut observed = String::new();
    for key in ordered(routes) {
        let row = MATRIX
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, row)| *row)
            .context("row")?;
        let (method, path) = key.split_once(' ').context("key")?;
        let mut statuses = Vec::new();
        for (caller, expected) in CALLERS.into_iter().zip(row) {
            let call = world
                .prepare(&key, caller)
                .await
                .with_context(|| format!("preparing {key} for {caller:?}"))?;
            let auth = call.auth.clone().unwrap_or_else(|| world.auth(caller));
            let url = fill(path, &call);
            let r = world
                .send(method, &url, &auth, call.body)
                .await
                .with_context(|| format!("{key} as {caller:?}"))?;
            checked += 1;
            statuses.push(r.status.to_string());
            if key == "POST /api/auth/logout" && (200..300).contains(&r.status) {
                let me = world
                    .send("GET", "/api/auth/me", &auth, RawBody::None)
                    .await?;
                if me.status != 401 {
                    failures.push(format!("{caller:?}'s session still works after logout"));
                }
            }
            world
                .undo(&key, caller, r.status)
                .await
                .with_context(|| format!("undoing {key} for {caller:?}"))?;
            let got = match classify(&r) {
                Ok(got) => got,
                Err(e) => {
                    failures.push(format!(
                        "{key} as {caller:?}: expected {expected:?}, got {e}"
                    ));
                    continue;
                }
            };
            if r.status >= 400
                && let Err(e) = r.error_code()
            {
                failures.push(format!("{key} as {caller:?}: {e}"));
            }
            if got != expected {
                failures.push(format!(
                    "{key} as {caller:?}: expected {expected:?}, got {} {}",
                    r.status,
                    r.text()
                ));
                continue;
            }
            if got != Expect::Allowed {
                continue;
            }
            let body = r.json().unwrap_or(Value::Null);
            // Viewers never receive keys or ciphertext from a team route.
            if caller == Caller::Viewer && path.starts_with("/api/teams/{team}") {
                let mut found = BTreeSet::new();
                secret_fields(&body, &mut found);
                if !found.is_empty() {
                    failures.push(format!("{key} as Viewer: the answer carries {found:?}"));
                }
            }
            // A robot sees nothing outside its scope, even in lists.
            let text = r.text();
            let foreign: Vec<&str> = match caller {
                Caller::RobotInScope => vec![world.app2.as_str(), &world.c2, &world.c_upd],
                Caller::RobotOutOfScope => vec![world.app1.as_str(), &world.c1, &world.c_upd],
                Caller::RobotOtherTeam => vec![world.team.as_str(), &world.app1, &world.c1],
                _ => vec![],
            };
            if path.starts_with("/api/teams/")
                && let Some(id) = foreign.into_iter().find(|id| text.contains(*id))
            {
                failures.push(format!("{key} as {caller:?}: the answer mentions {id}"));
            }
            // Nobody learns of a team they are not in from their own listing.
            if key == "GET /api/teams"
                && matches!(caller, Caller::Outsider | Caller::Removed)
                && text.contains(&world.team)
            {
                failures.push(format!(
                    "{key} as {caller:?}: lists the team they are not in"
                ));
            }
            if key == "GET /api/teams"
                && caller == Caller::Owner
                && text.contains(&world.other.team)
            {
                failures.push(format!("{key} as Owner: lists the other team"));
            }
        }
        observed.push_str(&format!("{key:<58} {}\n", statuses.join(" ")));
    }
    let elapsed = started.elapsed();
    println!("{observed}");
    println!(
        "authorization matrix: {} routes × {} callers = {checked} calls; setup {setup:?}, total {elapsed:?}",
        MATRIX.len(),
        CALLERS.len(),
    );
    ensure!(
        failures.is_empty(),
        "{} of {checked} calls disagree with the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn every_route_refuses_every_caller_it_should_on_sqlite() -> Result<()> {
    matrix(Db::Sqlite).await
}

#[tokio::test]
async fn every_route_refuses_every_caller_it_should_on_postgres() -> Result<()> {
    on_postgres("authz_matrix", matrix).await
}

/// Dashboard sessions live in a cookie, which a cross-site form would send along: every
/// state-changing route that needs a session refuses it without the `x-signet-csrf` header
/// (403 `csrf`), and accepts it with the header.
#[tokio::test]
async fn cookie_writes_without_the_csrf_header_are_refused() -> Result<()> {
    let server = TestServer::start().await?;
    let api = Api::new(&server.url);
    let owner = User::register(&api, "owner").await?;
    let (team, _) = owner.session.create_team("Acme").await?;
    let mut ips = Loopback::default();

    // Sign in as the dashboard does; the cookie is `Secure`, which reqwest would not send over
    // http, so it goes in a Cookie header by hand.
    let login = post_public(
        &server.url,
        ips.fresh(),
        "/api/auth/login",
        RawBody::Json(
            json!({"email": owner.email, "auth_key": owner.auth_key, "client": "browser"}),
        ),
    )
    .await?;
    ensure!(login.status == 200, "{} {}", login.status, login.text());
    ensure!(
        login.json()?["token"].is_null(),
        "a browser login returned its token"
    );
    let set_cookie = login
        .headers
        .get("set-cookie")
        .context("no Set-Cookie")?
        .to_str()?
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        ensure!(
            set_cookie.contains(attribute),
            "{set_cookie} lacks {attribute}"
        );
    }
    let token = set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .filter(|(name, _)| *name == signet_core::wire::SESSION_COOKIE)
        .map(|(_, token)| token.to_owned())
        .context("no session cookie")?;
    let cookie = RawAuth::Cookie(token);

    // Reads need no header.
    let r = raw(
        &server.url,
        ips.fresh(),
        "GET",
        "/api/teams",
        &cookie,
        false,
        RawBody::None,
    )
    .await?;
    ensure!(r.status == 200, "cookie read: {} {}", r.status, r.text());

    // Every write route that needs a session (its matrix row refuses anonymous callers).
    let mut refused = 0;
    for (method, path) in openapi_routes(&server.url).await? {
        let key = format!("{method} {path}");
        let row = MATRIX
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, row)| *row)
            .with_context(|| format!("{key} is not in the matrix"))?;
        if method == "GET" || row[6] != E401 {
            continue;
        }
        let url = path
            .replace("{team}", &team.id)
            .replace("{app}", &new_id()?)
            .replace("{credential}", &new_id()?)
            .replace("{user}", &owner.session.user.id)
            .replace("{invite}", &new_id()?)
            .replace("{robot}", "abc");
        let r = raw(
            &server.url,
            ips.fresh(),
            &method,
            &url,
            &cookie,
            false,
            RawBody::Json(json!({})),
        )
        .await?;
        ensure!(
            r.status == 403 && r.error_code()? == "csrf",
            "{key} with a cookie and no CSRF header: {} {}",
            r.status,
            r.text()
        );
        refused += 1;
    }
    ensure!(refused >= 25, "only {refused} write routes were checked");

    // With the header the same cookie writes.
    let r = raw(
        &server.url,
        ips.fresh(),
        "PATCH",
        &format!("/api/teams/{}", team.id),
        &cookie,
        true,
        RawBody::Json(json!({"name": "Renamed"})),
    )
    .await?;
    ensure!(
        r.status == 200,
        "cookie write with the header: {} {}",
        r.status,
        r.text()
    );
    server.stop().await?;
    Ok(())
}

/// A member of one team reaches nothing of another team by putting its ids in their own
/// team's paths or bodies (no object is looked up by id alone), and role changes and removals
/// take effect on the very next request.
async fn cross_team(db: Db) -> Result<()> {
    let server = server_on(&db).await?;
    let mut world = World::build(&server).await?;
    let owner = world.owner.bearer();
    let team = world.team.clone();
    let mut tally = Tally::default();

    // Every route with an object id in its path, as the owner of this team, with the other
    // team's object: 404, as if it did not exist. The body is the one valid for our own.
    for (method, path) in openapi_routes(&server.url).await? {
        let params = ["{app}", "{credential}", "{user}", "{invite}", "{robot}"];
        if !path.starts_with("/api/teams/{team}/") || !params.iter().any(|p| path.contains(p)) {
            continue;
        }
        let key = format!("{method} {path}");
        let mut call = world.prepare(&key, Caller::Owner).await?;
        call.app = world.other.app.clone();
        call.credential = world.other.credential.clone();
        call.user = world.outsider.session.user.id.clone();
        call.invite = world.other.invite.clone();
        call.robot = world.other.robot.clone();
        let url = fill(&path, &call);
        let r = world.send(&method, &url, &owner, call.body).await?;
        tally.expect(format_args!("{key} with the other team's ids"), &r, 404);
    }

    // Ids of the other team inside bodies: refused as not in this team.
    let foreign = world.other.credential.clone();
    let mut robot = robot_body(&world.unique("foreign"), &world.other.app)?;
    let mut granted = robot_body(&world.unique("foreign"), &world.app1)?;
    granted["grants"] = json!([{"credential_id": foreign, "wrapped_key": BLOB}]);
    let bodies = [
        (
            "PUT",
            format!("/api/teams/{team}/apps/{}/assignments", world.app1),
            json!({"platform": "android", "profile": "production", "credential_id": foreign}),
        ),
        ("POST", format!("/api/teams/{team}/robots"), robot.take()),
        ("POST", format!("/api/teams/{team}/robots"), granted),
        (
            "POST",
            format!("/api/teams/{team}/robots/{}/grants", world.robot_in.0),
            json!({"grants": [{"credential_id": foreign, "wrapped_key": BLOB}]}),
        ),
    ];
    for (method, url, body) in bodies {
        let r = world
            .send(method, &url, &owner, RawBody::Json(body))
            .await?;
        tally.expect(
            format_args!("{method} {url} naming the other team's ids"),
            &r,
            422,
        );
    }

    // Client-chosen ids that belong to the other team: 409, nothing taken over.
    let other = world.other.clone();
    let secret = InviteSecret::generate()?;
    let robot_taken = robot_body(&other.robot, &world.app1)?;
    let collisions = [
        (
            "/api/teams".to_owned(),
            json!({
                "id": other.team, "name": "Mine now", "self_wrapped_team_key": BLOB,
                "log_entry": NO_ENTRY,
            }),
        ),
        (
            format!("/api/teams/{team}/credentials"),
            credential_body(&other.credential, "Mine now"),
        ),
        (
            format!("/api/teams/{team}/invites"),
            json!({
                "id": other.invite, "role": "viewer", "token": secret.token()?,
                "wrapped_team_key": BLOB, "key_version": 1, "log_entry": NO_ENTRY,
                "anchor": BLOB,
            }),
        ),
        (format!("/api/teams/{team}/robots"), robot_taken),
    ];
    for (url, body) in collisions {
        let r = world
            .send("POST", &url, &owner, RawBody::Json(body))
            .await?;
        tally.expect(format_args!("POST {url} with the other team's id"), &r, 409);
    }
    let r = world
        .send(
            "GET",
            &format!("/api/teams/{}", other.team),
            &owner,
            RawBody::None,
        )
        .await?;
    ensure!(
        r.status == 404,
        "the owner got into the other team: {} {}",
        r.status,
        r.text()
    );

    // The other team's objects are untouched.
    let outsider = world.outsider.bearer();
    for url in [
        format!("/api/teams/{}/apps/{}", other.team, other.app),
        format!(
            "/api/teams/{}/credentials/{}/payload",
            other.team, other.credential
        ),
    ] {
        let r = world.send("GET", &url, &outsider, RawBody::None).await?;
        ensure!(
            r.status == 200,
            "{url} after the attempts: {} {}",
            r.status,
            r.text()
        );
    }
    let invites = world
        .send(
            "GET",
            &format!("/api/teams/{}/invites", other.team),
            &outsider,
            RawBody::None,
        )
        .await?;
    ensure!(
        invites.text().contains("pending"),
        "the other team's invitation: {}",
        invites.text()
    );
    let whoami = world
        .send(
            "GET",
            "/api/robot/whoami",
            &world.robot_other.clone(),
            RawBody::None,
        )
        .await?;
    ensure!(
        whoami.status == 200,
        "the other team's robot: {}",
        whoami.status
    );

    // Demote the admin: their next request is a viewer's; promote back: an admin's again.
    let admin = world.admin.bearer();
    let admin_id = world.admin.session.user.id.clone();
    let invites_url = format!("/api/teams/{team}/invites");
    for (role, expected) in [(Role::Viewer, 403), (Role::Admin, 200)] {
        world
            .owner
            .session
            .change_role(&team, &admin_id, role)
            .await?;
        let r = world
            .send("GET", &invites_url, &admin, RawBody::None)
            .await?;
        tally.checked += 1;
        if r.status != expected {
            tally.failures.push(format!(
                "admin as {role}: GET invites {} {}",
                r.status,
                r.text()
            ));
        }
    }
    // Remove the developer: the next request no longer sees the team.
    let developer = world.developer.bearer();
    let developer_id = world.developer.session.user.id.clone();
    world
        .owner
        .session
        .remove_member(&team, &developer_id)
        .await?;
    let r = world
        .send(
            "GET",
            &format!("/api/teams/{team}/credentials"),
            &developer,
            RawBody::None,
        )
        .await?;
    tally.expect(format_args!("removed developer"), &r, 404);
    // Revoke the in-scope robot: its next request is 401.
    world
        .as_owner(
            "DELETE",
            &format!("/teams/{team}/robots/{}", world.robot_in.0),
            RawBody::None,
        )
        .await?;
    let r = world
        .send(
            "GET",
            &format!("/api/teams/{team}/credentials/{}/payload", world.c1),
            &world.robot_in.1.clone(),
            RawBody::None,
        )
        .await?;
    tally.expect(format_args!("revoked robot"), &r, 401);
    // …on user routes too: a dead token is 401, not "robots may not do this" (403).
    let robot_in = world.robot_in.1.clone();
    let r = world
        .send("GET", "/api/auth/me", &robot_in, RawBody::None)
        .await?;
    tally.expect(format_args!("revoked robot on a user route"), &r, 401);

    let Tally { checked, failures } = tally;
    ensure!(
        failures.is_empty(),
        "{} of {checked} cross-team and take-effect checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn objects_of_another_team_are_out_of_reach_on_sqlite() -> Result<()> {
    cross_team(Db::Sqlite).await
}

#[tokio::test]
async fn objects_of_another_team_are_out_of_reach_on_postgres() -> Result<()> {
    on_postgres("authz_cross_team", cross_team).await
}

/// Admins manage members but not owners: they cannot invite, make, demote or remove an owner
/// (403), and the last owner cannot step down (409).
#[tokio::test]
async fn admins_cannot_make_or_touch_owners() -> Result<()> {
    let server = TestServer::start().await?;
    let mut world = World::build(&server).await?;
    let team = world.team.clone();
    let admin = world.admin.bearer();
    let owner_id = world.owner.session.user.id.clone();
    let admin_id = world.admin.session.user.id.clone();
    let bystander_id = world.bystander.session.user.id.clone();
    let secret = InviteSecret::generate()?;
    let member = |id: &str| format!("/api/teams/{team}/members/{id}");
    let attempts = [
        (
            "POST",
            format!("/api/teams/{team}/invites"),
            RawBody::Json(json!({
                "id": new_id()?, "role": "owner", "token": secret.token()?,
                "wrapped_team_key": BLOB, "key_version": 1, "log_entry": NO_ENTRY,
                "anchor": BLOB,
            })),
        ),
        (
            "PATCH",
            member(&owner_id),
            RawBody::Json(json!({"role": "viewer", "log_entry": NO_ENTRY})),
        ),
        (
            "PATCH",
            member(&bystander_id),
            RawBody::Json(json!({"role": "owner", "log_entry": NO_ENTRY})),
        ),
        (
            "PATCH",
            member(&admin_id),
            RawBody::Json(json!({"role": "owner", "log_entry": NO_ENTRY})),
        ),
        (
            "DELETE",
            member(&owner_id),
            RawBody::Json(json!({"log_entry": NO_ENTRY})),
        ),
    ];
    for (method, url, body) in attempts {
        let r = world.send(method, &url, &admin, body).await?;
        ensure!(
            r.status == 403 && r.error_code()? == "forbidden",
            "admin {method} {url}: {} {}",
            r.status,
            r.text()
        );
    }
    let members = world
        .as_owner("GET", &format!("/teams/{team}/members"), RawBody::None)
        .await?;
    for (id, role) in [
        (&owner_id, "owner"),
        (&admin_id, "admin"),
        (&bystander_id, "developer"),
    ] {
        let found = members
            .as_array()
            .and_then(|m| m.iter().find(|m| m["user_id"] == json!(id)))
            .context("member missing")?;
        ensure!(
            found["role"] == json!(role),
            "{id} is now {}",
            found["role"]
        );
    }

    // The last owner can neither demote nor remove themselves.
    let owner = world.owner.bearer();
    for (method, body) in [
        (
            "PATCH",
            RawBody::Json(json!({"role": "admin", "log_entry": NO_ENTRY})),
        ),
        ("DELETE", RawBody::Json(json!({"log_entry": NO_ENTRY}))),
    ] {
        let r = world.send(method, &member(&owner_id), &owner, body).await?;
        ensure!(
            r.status == 409 && r.error_code()? == "last_owner",
            "last owner {method}: {} {}",
            r.status,
            r.text()
        );
    }
    server.stop().await?;
    Ok(())
}

/// A team in the trash is gone for every route but its restore: 404 for its owner, its
/// members and its robots alike, until the owner restores it.
#[tokio::test]
async fn a_trashed_team_answers_only_its_restore() -> Result<()> {
    let server = TestServer::start().await?;
    let mut world = World::build(&server).await?;
    let team = world.team.clone();
    world
        .as_owner("DELETE", &format!("/teams/{team}"), RawBody::None)
        .await?;
    let call = Call {
        team: team.clone(),
        app: world.app1.clone(),
        credential: world.c1.clone(),
        user: world.bystander.session.user.id.clone(),
        invite: world.invite.clone(),
        robot: world.robot_in.0.clone(),
        destination: "00000000-0000-4000-8000-000000000000".into(),
        body: RawBody::None,
        auth: None,
    };
    let mut tally = Tally::default();
    for (method, path) in openapi_routes(&server.url).await? {
        if !path.starts_with("/api/teams/{team}") || path == "/api/teams/{team}/restore" {
            continue;
        }
        let url = fill(&path, &call);
        let mut callers = vec![Caller::Owner, Caller::Admin, Caller::Viewer];
        // The robot where it may read (elsewhere it is refused as a robot, 403, as always).
        let key = format!("{method} {path}");
        if MATRIX.iter().any(|(k, row)| *k == key && row[7] == OK) {
            callers.push(Caller::RobotInScope);
        }
        for caller in callers {
            let auth = world.auth(caller);
            let r = world
                .send(&method, &url, &auth, RawBody::Json(json!({})))
                .await?;
            tally.expect(
                format_args!("{method} {path} as {caller:?} on a trashed team"),
                &r,
                404,
            );
        }
    }
    // The invitation to it cannot be used either.
    let r = world
        .send(
            "POST",
            &format!("/api/invites/{}/preview", world.invite),
            &RawAuth::None,
            RawBody::Json(json!({"token": world.invite_token})),
        )
        .await?;
    ensure!(
        r.status == 410,
        "preview into a trashed team: {} {}",
        r.status,
        r.text()
    );
    let Tally { checked, failures } = tally;
    ensure!(
        failures.is_empty(),
        "{} of {checked} calls reached a trashed team:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Restored, everything is back.
    world
        .as_owner("POST", &format!("/teams/{team}/restore"), RawBody::None)
        .await?;
    let r = world
        .send(
            "GET",
            &format!("/api/teams/{team}/credentials/{}/payload", world.c1),
            &world.robot_in.1.clone(),
            RawBody::None,
        )
        .await?;
    ensure!(
        r.status == 200,
        "robot after the restore: {} {}",
        r.status,
        r.text()
    );
    server.stop().await?;
    Ok(())
}
