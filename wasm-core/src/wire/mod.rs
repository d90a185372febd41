//! The JSON types of Signet's HTTP API, shared by the dashboard, the server and the CLI, so
//! the three can never disagree about a field name.
//!
//! Every opaque cryptographic value (wrapped keys, sealed payloads, public keys, signatures,
//! login proofs) travels as the URL-safe base64 text of its vault encoding
//! ([`crate::vault`]); the server stores it as text and never decodes more than it must to
//! check its shape.
//!
//! - [`account`] — register, pre-login, login, sessions, password change, recovery.
//! - [`team`] — teams, members, team keys, rotation, invitations.
//! - [`app`] — apps and credential assignments.
//! - [`credential`] — credentials (metadata, payloads, trash).
//! - [`robot`] — robot (CI) tokens.
//! - [`audit`] — the audit log.
//! - [`alert`] — alert destinations and the delivery log.

pub mod account;
pub mod alert;
pub mod app;
pub mod audit;
pub mod credential;
pub mod robot;
pub mod team;

use serde::{Deserialize, Serialize};

/// The header every state-changing request authenticated by the session cookie must carry
/// (any value). Browsers only send custom headers from the page's own origin, so a forged
/// cross-site form or `fetch` cannot perform writes (CSRF protection).
pub const CSRF_HEADER: &str = "x-signet-csrf";

/// The name of the browser session cookie (`__Host-`: Secure, path `/`, no domain).
pub const SESSION_COOKIE: &str = "__Host-signet_session";

/// `GET /api/health`: liveness plus what a person debugging a deployment wants to know first.
/// Answered without touching the database; [`Readiness`] is the check that does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the server answers.
    pub status: String,
    /// The server's version (`CARGO_PKG_VERSION` of `signet-server`).
    pub version: String,
    /// The storage backend in use: `"sqlite"` or `"postgres"`.
    pub database: String,
    /// The dashboard build's hash (the `?v=` of its asset URLs), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard: Option<String>,
}

/// `GET /api/health/ready`, answered (200) only while the database answers a trivial query;
/// otherwise the route answers 503 with the usual error body (code `unavailable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// Always `"ready"`.
    pub status: String,
    /// The storage backend that answered: `"sqlite"` or `"postgres"`.
    pub database: String,
}

/// The body of every failed API request: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// A machine-readable code and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, snake_case, for programs (`not_found`, `stale_revision`, ...).
    pub code: String,
    /// What was wrong and what to do, for people.
    pub message: String,
    /// For `robot_grants_missing`: the robot tokens the request did not cover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub robots: Vec<String>,
}

/// A member's role in a team. Ordered: `Owner > Admin > Developer > Viewer`, so a check reads
/// `role >= Role::Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees metadata only: never payloads or wrapped keys.
    Viewer,
    /// Reads payloads, creates and changes credentials and apps.
    Developer,
    /// Also manages members, invitations, robot tokens, purges; reads the audit log.
    Admin,
    /// Also renames and deletes the team, makes and demotes owners.
    Owner,
}

impl Role {
    /// The lowercase name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Developer => "developer",
            Self::Viewer => "viewer",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "developer" => Some(Self::Developer),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }

    /// Every role, highest first.
    pub const ALL: [Role; 4] = [Self::Owner, Self::Admin, Self::Developer, Self::Viewer];

    /// 0 (viewer) to 3 (owner): the server's `Member<N>` level.
    pub const fn level(self) -> u8 {
        match self {
            Self::Viewer => 0,
            Self::Developer => 1,
            Self::Admin => 2,
            Self::Owner => 3,
        }
    }

    /// Whether this role has `permission` (see [`Permission::min_role`]).
    pub const fn may(self, permission: Permission) -> bool {
        self.level() >= permission.min_role().level()
    }
}

/// Something a member may do in a team. [`Permission::min_role`] is the one table of who may do
/// what: the server's routes take the role they require from it, and the dashboard offers an
/// action only to the roles it allows, so the two cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the team, its apps, members and credentials' public metadata.
    View,
    /// Open credentials: payloads, the team key, downloads for local builds.
    OpenCredentials,
    /// Create, change, assign, trash and restore credentials (and create them at Apple).
    EditCredentials,
    /// Create apps and change their names and identifiers.
    EditApps,
    /// Delete an app.
    DeleteApps,
    /// Delete a trashed credential for good.
    PurgeCredentials,
    /// Change members' roles, remove members, rotate the team key.
    ManageMembers,
    /// Create, list and revoke invitations.
    Invite,
    /// Create, grant and revoke robot (CI) tokens.
    ManageRobots,
    /// Set up alert destinations and read their delivery log.
    ManageAlerts,
    /// Read the audit log.
    ReadAudit,
    /// Rename the team.
    RenameTeam,
    /// Delete the team.
    DeleteTeam,
}

impl Permission {
    /// The lowest role that may do this.
    pub const fn min_role(self) -> Role {
        match self {
            Self::View => Role::Viewer,
            Self::OpenCredentials | Self::EditCredentials | Self::EditApps => Role::Developer,
            Self::DeleteApps
            | Self::PurgeCredentials
            | Self::ManageMembers
            | Self::Invite
            | Self::ManageRobots
            | Self::ManageAlerts
            | Self::ReadAudit
            | Self::RenameTeam => Role::Admin,
            Self::DeleteTeam => Role::Owner,
        }
    }

    /// [`Permission::min_role`] as the server's `Member<N>` level.
    pub const fn level(self) -> u8 {
        self.min_role().level()
    }
}

impl core::fmt::Display for Role {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One page of a list; pass `next` back as the `after` query parameter for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The entries on this page.
    pub entries: Vec<T>,
    /// The cursor for the next page (opaque), absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_do_what_the_roles_below_it_may() {
        let permissions = [
            Permission::View,
            Permission::OpenCredentials,
            Permission::EditCredentials,
            Permission::EditApps,
            Permission::DeleteApps,
            Permission::PurgeCredentials,
            Permission::ManageMembers,
            Permission::Invite,
            Permission::ManageRobots,
            Permission::ManageAlerts,
            Permission::ReadAudit,
            Permission::RenameTeam,
            Permission::DeleteTeam,
        ];
        for permission in permissions {
            for role in Role::ALL {
                assert_eq!(
                    role.may(permission),
                    role >= permission.min_role(),
                    "{role} {permission:?}"
                );
            }
        }
        // Viewers see; they never open or change anything.
        assert!(Role::Viewer.may(Permission::View));
        assert!(!Role::Viewer.may(Permission::OpenCredentials));
        assert!(!Role::Viewer.may(Permission::EditCredentials));
        assert!(Role::Developer.may(Permission::EditCredentials));
        assert!(!Role::Developer.may(Permission::PurgeCredentials));
        assert!(!Role::Admin.may(Permission::DeleteTeam));
        assert!(Role::Owner.may(Permission::DeleteTeam));
        // The levels are the order of the roles.
        assert!(
            Role::ALL
                .windows(2)
                .all(|w| w[0].level() == w[1].level() + 1)
        );
    }

    #[test]
    fn roles_order_from_viewer_to_owner() {
        assert!(Role::Owner > Role::Admin);
        assert!(Role::Admin > Role::Developer);
        assert!(Role::Developer > Role::Viewer);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap_or_default(),
                format!("\"{role}\"")
            );
        }
        assert_eq!(Role::parse("root"), None);
    }
}
