//! Robot (CI) tokens: `/api/teams/{team}/robots/…`, `/api/robot/…`.
//!
//! A token is `signet_<id>_<secret>` ([`crate::vault::robot`]). It authenticates with
//! `Authorization: Robot <id>.<auth half>`: the secret itself never leaves the machine that
//! holds it. It can read only the apps it was scoped to, and decrypt only the credentials
//! granted to it.
//!
//! Tokens made since issue 12 also carry a **card** (the token's public key, signed by the
//! admin who made it, `vault::robot::RobotCard`) and an **anchor** (the team's log pin, sealed
//! under a key derived from the token's secret). Whoever assigns a credential to an app
//! fetches the cards in that app's scope (`GET /api/teams/{team}/apps/{app}/robots`),
//! verifies them against the team's signed log and uploads a signed ECIES wrap of the item
//! key for each ([`RobotGrantKind::Ecies`]) with the assignment, so a token follows what its
//! apps use now.

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
    /// `RobotCard`, base64url: the token's public key signed by its creator. Without one
    /// (clients from before issue 12) the token covers only `grants`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    /// `RobotAnchor`, base64url: the team's log pin sealed for the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
}

/// How a robot grant wraps its item key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotGrantKind {
    /// `RobotWrappedItemKey` (0x08): under the token's grant key; only a holder of the
    /// token's secret (its creator, when making it) can make one.
    #[default]
    Sealed,
    /// `RobotEciesItemKey` (0x11): signed ECIES to the token's public key; the robot accepts
    /// it only if the signer is a developer or higher in the team's signed log.
    Ecies,
}

impl RobotGrantKind {
    /// The lowercase name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sealed => "sealed",
            Self::Ecies => "ecies",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sealed" => Some(Self::Sealed),
            "ecies" => Some(Self::Ecies),
            _ => None,
        }
    }
}

/// `GET /api/teams/{team}/apps/{app}/robots` (developer and up): the cards of the live
/// tokens scoped to an app, which an assigner wraps new item keys for. Tokens without a card
/// (made before issue 12) are not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotCardInfo {
    /// Token id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `RobotCard`, base64url (verify it before use).
    pub card: String,
}

/// An item key wrapped for one robot token with signed ECIES, sent with an assignment (the
/// credential is the assignment's; the signer is the member who assigns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotWrap {
    /// The robot token.
    pub robot_id: String,
    /// `RobotEciesItemKey`, base64url.
    pub wrapped_key: String,
}

/// One credential's item key granted to a robot token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotGrant {
    /// The credential.
    pub credential_id: String,
    /// `RobotWrappedItemKey` or `RobotEciesItemKey` (see `kind`), base64url.
    pub wrapped_key: String,
    /// Which of the two (default: sealed, as before issue 12).
    #[serde(default, skip_serializing_if = "is_sealed")]
    pub kind: RobotGrantKind,
}

fn is_sealed(kind: &RobotGrantKind) -> bool {
    *kind == RobotGrantKind::Sealed
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
    /// Its card, if it has one (it then follows new assignments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
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
    /// `RobotAnchor`, base64url: the team's log pin sealed for this token (absent for tokens
    /// made before issue 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
}
