//! The `/api/…` routes, declared once in [`catalog`]: the router, the OpenAPI document
//! (`/api/openapi.json`) and the authorization-matrix test are all generated from it, so a
//! route cannot exist without its declared access rule.
//!
//! The declared [`Access`] documents the rule; the handler's extractor (see [`crate::auth`])
//! enforces it, and the matrix test checks the two agree for every route and caller.

mod alerts;
mod apps;
mod asc_relay;
mod audit;
mod auth;
mod credentials;
mod health;
mod invites;
mod json;
mod openapi;
mod robots;
mod teams;
mod validate;

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{MethodRouter, delete, get, patch, post, put},
};
use signet_core::wire::Permission;

use crate::{AppState, error::ApiError};

pub use credentials::MAX_PAYLOAD;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (rate limited where it matters).
    Public,
    /// Any signed-in user.
    SignedIn,
    /// A member of the path's team whose role has this permission
    /// ([`Permission::min_role`]; the handler's `Member<{ Permission::X.level() }>` names
    /// the same one).
    Member(Permission),
    /// Any member of the path's team, or a robot token of that team within its scope.
    Reader,
    /// A developer (or higher) of the path's team, or a robot token within its scope.
    SecretReader,
    /// An owner of the path's team while it is in the trash.
    TrashedTeamOwner,
    /// A robot token.
    Robot,
}

impl Access {
    /// A short label for documentation.
    pub fn label(self) -> String {
        match self {
            Self::Public => "public".into(),
            Self::SignedIn => "signed-in user".into(),
            Self::Member(p) => format!("team member, role ≥ {}", p.min_role()),
            Self::Reader => "team member (any role) or robot token in scope".into(),
            Self::SecretReader => "team developer or higher, or robot token in scope".into(),
            Self::TrashedTeamOwner => "owner of the trashed team".into(),
            Self::Robot => "robot token".into(),
        }
    }
}

/// One route as declared.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: &'static str,
    /// Path under `/api`, with `{param}` segments.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What it does.
    pub summary: &'static str,
    /// Largest accepted body in bytes.
    pub body_limit: usize,
}

/// Default body cap: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Credential bodies: a 5 MiB payload as base64 plus metadata.
pub const CREDENTIAL_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Key rotation bodies: every credential's re-wrapped key.
pub const ROTATION_BODY_LIMIT: usize = 16 * 1024 * 1024;

type Handler = MethodRouter<AppState>;

fn route(
    method: &'static str,
    path: &'static str,
    access: Access,
    summary: &'static str,
    handler: Handler,
) -> (RouteSpec, Handler) {
    (
        RouteSpec {
            method,
            path,
            access,
            summary,
            body_limit: DEFAULT_BODY_LIMIT,
        },
        handler,
    )
}

fn with_limit(mut r: (RouteSpec, Handler), limit: usize) -> (RouteSpec, Handler) {
    r.0.body_limit = limit;
    r
}

/// Every API route: method, path, access rule, summary and handler.
pub fn catalog() -> Vec<(RouteSpec, Handler)> {
    use Access::*;
    vec![
        route(
            "GET",
            "/health",
            Public,
            "Liveness, version and database backend (no database query)",
            get(health::health),
        ),
        route(
            "GET",
            "/health/ready",
            Public,
            "Readiness: 200 while the database answers, else 503",
            get(health::ready),
        ),
        route(
            "GET",
            "/openapi.json",
            Public,
            "This API as an OpenAPI document",
            get(openapi::document),
        ),
        // Accounts
        route(
            "POST",
            "/auth/prelogin",
            Public,
            "KDF parameters and salt for an email",
            post(auth::prelogin),
        ),
        route(
            "GET",
            "/auth/signups",
            Public,
            "Who may sign up here: mode, allowed email domains, whether a bare sign-up is accepted now",
            get(auth::signups),
        ),
        route(
            "POST",
            "/auth/register",
            Public,
            "Create an account and sign in",
            post(auth::register),
        ),
        route(
            "POST",
            "/auth/login",
            Public,
            "Sign in with the auth key",
            post(auth::login),
        ),
        route(
            "POST",
            "/auth/logout",
            SignedIn,
            "Sign out (revokes the session)",
            post(auth::logout),
        ),
        route(
            "GET",
            "/auth/me",
            SignedIn,
            "The signed-in user and their encrypted keys",
            get(auth::me),
        ),
        route(
            "POST",
            "/auth/password",
            SignedIn,
            "Change the password; signs out other sessions",
            post(auth::change_password),
        ),
        route(
            "POST",
            "/auth/recovery/begin",
            Public,
            "Prove the recovery code; get the recovery-wrapped user key",
            post(auth::recovery_begin),
        ),
        route(
            "POST",
            "/auth/recovery/complete",
            Public,
            "Set a new password with the recovery code",
            post(auth::recovery_complete),
        ),
        route(
            "GET",
            "/account/trust-state",
            SignedIn,
            "The caller's sealed trust state (log pins, KDF parameters)",
            get(auth::trust_state),
        ),
        route(
            "PUT",
            "/account/trust-state",
            SignedIn,
            "Store the next write of the caller's sealed trust state",
            put(auth::put_trust_state),
        ),
        // Teams
        route(
            "GET",
            "/teams",
            SignedIn,
            "The caller's teams",
            get(teams::list),
        ),
        route(
            "POST",
            "/teams",
            SignedIn,
            "Create a team (the caller becomes owner)",
            post(teams::create),
        ),
        route(
            "GET",
            "/teams/{team}",
            Member(Permission::View),
            "A team",
            get(teams::get),
        ),
        route(
            "PATCH",
            "/teams/{team}",
            Member(Permission::RenameTeam),
            "Rename a team",
            patch(teams::rename),
        ),
        route(
            "DELETE",
            "/teams/{team}",
            Member(Permission::DeleteTeam),
            "Move a team to the trash",
            delete(teams::delete),
        ),
        route(
            "POST",
            "/teams/{team}/restore",
            TrashedTeamOwner,
            "Restore a team from the trash",
            post(teams::restore),
        ),
        route(
            "GET",
            "/teams/{team}/key",
            Member(Permission::OpenCredentials),
            "The caller's wrapped team key",
            get(teams::my_key),
        ),
        route(
            "PUT",
            "/teams/{team}/key",
            Member(Permission::OpenCredentials),
            "Store a self-wrap of the current team key",
            put(teams::store_key),
        ),
        with_limit(
            route(
                "POST",
                "/teams/{team}/rotation",
                Member(Permission::ManageMembers),
                "Swap in a rotated team key",
                post(teams::rotate),
            ),
            ROTATION_BODY_LIMIT,
        ),
        route(
            "POST",
            "/teams/{team}/leave",
            Member(Permission::View),
            "Leave the team",
            post(teams::leave),
        ),
        route(
            "GET",
            "/teams/{team}/log",
            Reader,
            "The team's signed membership log",
            get(teams::log),
        ),
        route(
            "GET",
            "/teams/{team}/members",
            Member(Permission::View),
            "Members with roles and fingerprints",
            get(teams::members),
        ),
        route(
            "PATCH",
            "/teams/{team}/members/{user}",
            Member(Permission::ManageMembers),
            "Change a member's role",
            patch(teams::change_role),
        ),
        route(
            "DELETE",
            "/teams/{team}/members/{user}",
            Member(Permission::ManageMembers),
            "Remove a member (flags key rotation)",
            delete(teams::remove_member),
        ),
        // Invitations
        route(
            "GET",
            "/teams/{team}/invites",
            Member(Permission::Invite),
            "Invitations of a team",
            get(invites::list),
        ),
        route(
            "POST",
            "/teams/{team}/invites",
            Member(Permission::Invite),
            "Invite by link",
            post(invites::create),
        ),
        route(
            "DELETE",
            "/teams/{team}/invites/{invite}",
            Member(Permission::Invite),
            "Revoke an invitation",
            delete(invites::revoke),
        ),
        route(
            "POST",
            "/invites/{invite}/preview",
            Public,
            "What an invitation link offers",
            post(invites::preview),
        ),
        route(
            "POST",
            "/invites/{invite}/accept",
            SignedIn,
            "Join a team with an invitation link",
            post(invites::accept),
        ),
        // Apps
        route(
            "GET",
            "/teams/{team}/apps",
            Reader,
            "A team's apps",
            get(apps::list),
        ),
        route(
            "POST",
            "/teams/{team}/apps",
            Member(Permission::EditApps),
            "Create an app",
            post(apps::create),
        ),
        route(
            "GET",
            "/teams/{team}/apps/{app}",
            Reader,
            "An app",
            get(apps::get),
        ),
        route(
            "PUT",
            "/teams/{team}/apps/{app}",
            Member(Permission::EditApps),
            "Change an app",
            put(apps::update),
        ),
        route(
            "DELETE",
            "/teams/{team}/apps/{app}",
            Member(Permission::DeleteApps),
            "Delete an app (credentials stay)",
            delete(apps::delete),
        ),
        route(
            "GET",
            "/teams/{team}/apps/{app}/assignments",
            Reader,
            "Which credentials an app uses",
            get(apps::assignments),
        ),
        route(
            "PUT",
            "/teams/{team}/apps/{app}/assignments",
            Member(Permission::EditCredentials),
            "Assign a credential to a slot",
            put(apps::assign),
        ),
        route(
            "GET",
            "/teams/{team}/apps/{app}/robots",
            Member(Permission::EditCredentials),
            "Cards of the robot tokens an assignment to the app must wrap for",
            get(robots::cards),
        ),
        route(
            "DELETE",
            "/teams/{team}/apps/{app}/assignments",
            Member(Permission::EditCredentials),
            "Remove a credential from a slot",
            delete(apps::unassign),
        ),
        // Credentials
        route(
            "GET",
            "/teams/{team}/credentials",
            Reader,
            "Credential metadata (trash with ?deleted=true)",
            get(credentials::list),
        ),
        with_limit(
            route(
                "POST",
                "/teams/{team}/credentials",
                Member(Permission::EditCredentials),
                "Store a new credential",
                post(credentials::create),
            ),
            CREDENTIAL_BODY_LIMIT,
        ),
        route(
            "GET",
            "/teams/{team}/credentials/{credential}",
            Reader,
            "One credential's metadata",
            get(credentials::get),
        ),
        with_limit(
            route(
                "PUT",
                "/teams/{team}/credentials/{credential}",
                Member(Permission::EditCredentials),
                "Update a credential at its current revision",
                put(credentials::update),
            ),
            CREDENTIAL_BODY_LIMIT,
        ),
        route(
            "DELETE",
            "/teams/{team}/credentials/{credential}",
            Member(Permission::EditCredentials),
            "Move a credential to the trash",
            delete(credentials::delete),
        ),
        route(
            "GET",
            "/teams/{team}/credentials/{credential}/payload",
            SecretReader,
            "The sealed payload (audit-logged)",
            get(credentials::payload),
        ),
        route(
            "POST",
            "/teams/{team}/credentials/{credential}/restore",
            Member(Permission::EditCredentials),
            "Restore a credential from the trash",
            post(credentials::restore),
        ),
        route(
            "DELETE",
            "/teams/{team}/credentials/{credential}/purge",
            Member(Permission::PurgeCredentials),
            "Delete a trashed credential for good",
            delete(credentials::purge),
        ),
        // Robots
        route(
            "GET",
            "/teams/{team}/robots",
            Member(Permission::ManageRobots),
            "Robot tokens of a team",
            get(robots::list),
        ),
        with_limit(
            route(
                "POST",
                "/teams/{team}/asc-relay",
                Member(Permission::EditCredentials),
                "Forward one App Store Connect request whose token is scoped to exactly it",
                post(asc_relay::relay),
            ),
            1024 * 1024,
        ),
        with_limit(
            route(
                "POST",
                "/teams/{team}/robots",
                Member(Permission::ManageRobots),
                "Create a robot token",
                post(robots::create),
            ),
            ROTATION_BODY_LIMIT,
        ),
        with_limit(
            route(
                "POST",
                "/teams/{team}/robots/{robot}/grants",
                Member(Permission::ManageRobots),
                "Grant credentials to a robot token",
                post(robots::grant),
            ),
            ROTATION_BODY_LIMIT,
        ),
        // Alerts
        route(
            "GET",
            "/teams/{team}/alerts",
            Member(Permission::ManageAlerts),
            "Alert destinations, the newest deliveries, whether email is available",
            get(alerts::overview),
        ),
        route(
            "POST",
            "/teams/{team}/alerts/destinations",
            Member(Permission::ManageAlerts),
            "Add an alert destination (a webhook's signing secret is shown once)",
            post(alerts::create),
        ),
        route(
            "DELETE",
            "/teams/{team}/alerts/destinations/{destination}",
            Member(Permission::ManageAlerts),
            "Remove an alert destination",
            delete(alerts::delete),
        ),
        route(
            "POST",
            "/teams/{team}/alerts/destinations/{destination}/test",
            Member(Permission::ManageAlerts),
            "Send a test alert to one destination now",
            post(alerts::test),
        ),
        route(
            "DELETE",
            "/teams/{team}/robots/{robot}",
            Member(Permission::ManageRobots),
            "Revoke a robot token",
            delete(robots::revoke),
        ),
        route(
            "GET",
            "/robot/whoami",
            Robot,
            "What the presented robot token may do",
            get(robots::whoami),
        ),
        // Audit
        route(
            "GET",
            "/teams/{team}/audit",
            Member(Permission::ReadAudit),
            "The audit log, newest first",
            get(audit::list),
        ),
    ]
}

/// The declared routes without their handlers.
pub fn specs() -> Vec<RouteSpec> {
    catalog().into_iter().map(|(spec, _)| spec).collect()
}

/// Everything under `/api`.
pub fn api_router() -> Router<AppState> {
    let mut router = Router::new();
    for (spec, handler) in catalog() {
        router = router.route(
            spec.path,
            handler.layer(DefaultBodyLimit::max(spec.body_limit)),
        );
    }
    router
        .fallback(|| async { ApiError::NotFound })
        // A bug must cost one request a JSON 500, never the connection or the process.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(json_errors))
}

/// Makes every API error JSON: axum's own rejections (405, a path that does not decode, a
/// bad query string) come back as plain text, so they are rewrapped here.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() && !status.is_server_error() || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let error = match parts.status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed(
            "this route does not accept that HTTP method; see /api/openapi.json".into(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(
            "the request body is larger than this route accepts (1 MiB, 8 MiB for credentials)"
                .into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::BadRequest(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ),
        s if s.is_server_error() => ApiError::Internal(text),
        _ if text.is_empty() => ApiError::BadRequest("the request was not understood".into()),
        _ => ApiError::BadRequest(text),
    };
    let mut out = error.into_response();
    if parts.status.is_client_error() {
        *out.status_mut() = parts.status;
    }
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}
