//! Robot (CI) tokens: `/api/teams/{team}/robots/…`, `/api/robot/…`.
//!
//! A token is `signet_<id>_<secret>` ([`crate::vault::robot`]). It authenticates with
//! `Authorization: Robot <id>.<auth half>`: the secret itself never leaves the machine that
//! holds it. It can read only the apps it was scoped to, and decrypt only the credentials
//! granted to it (item keys wrapped under its grant key).

use serde::{Deserialize, Serialize};

/// `POST /api/teams/{team}/robots` (admin and up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRobotRequest {
    /// Token id (`[a-z0-9]{1,32}`, chosen by the client).
    pub id: String,
    /// What it is for ("GitHub Actions").
    pub name: String,
    /// Apps it may read.
    pub app_ids: Vec<String>,
    /// Unix seconds after which it stops working.
    pub expires_at: i64,
    /// The token's auth half (the server stores its hash).
    pub auth_half: String,
    /// Item keys granted to it.
    pub grants: Vec<RobotGrant>,
}

/// One credential's item key granted to a robot token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotGrant {
    /// The credential.
    pub credential_id: String,
    /// `RobotWrappedItemKey`, base64url.
    pub wrapped_key: String,
}

/// `POST /api/teams/{team}/robots/{robot}/grants` (admin and up): adds or replaces grants
/// (made by a client holding the token, e.g. after new credentials were assigned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRequest {
    /// The grants.
    pub grants: Vec<RobotGrant>,
}

/// A robot token as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotInfo {
    /// Token id.
    pub id: String,
    /// The team.
    pub team_id: String,
    /// Its name.
    pub name: String,
    /// Apps in scope.
    pub app_ids: Vec<String>,
    /// Credentials granted.
    pub credential_ids: Vec<String>,
    /// Who made it.
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Set when revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
    /// Last time it was used (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

/// `GET /api/robot/whoami`: what the presented token may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotWhoami {
    /// Token id.
    pub id: String,
    /// Its team.
    pub team_id: String,
    /// Its name.
    pub name: String,
    /// Apps in scope.
    pub app_ids: Vec<String>,
    /// Unix seconds.
    pub expires_at: i64,
}
