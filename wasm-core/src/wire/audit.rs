//! The audit log: `GET /api/teams/{team}/audit` (admin and up).

use serde::{Deserialize, Serialize};

/// One recorded action. Append-only: the API has no way to change or delete entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Increasing id (also the pagination cursor).
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// What happened, e.g. `credential.payload_read`, `member.removed`.
    pub action: String,
    /// The user who did it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_user_id: Option<String>,
    /// Their email at the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_email: Option<String>,
    /// Or the robot token that did it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_robot_id: Option<String>,
    /// What it was done to: `credential`, `member`, `invite`, `app`, `team`, `robot`.
    pub target_type: String,
    /// Its id.
    pub target_id: String,
    /// A short human-readable detail (label, role change…); never a secret.
    pub detail: String,
    /// The client's IP address.
    pub ip: String,
}

/// Every action the server records.
pub const ACTIONS: &[&str] = &[
    "user.signed_in",
    "team.created",
    "team.renamed",
    "team.deleted",
    "team.restored",
    "team.key_rotated",
    "member.joined",
    "member.role_changed",
    "member.removed",
    "member.left",
    "invite.created",
    "invite.revoked",
    "app.created",
    "app.updated",
    "app.deleted",
    "assignment.changed",
    "credential.created",
    "credential.updated",
    "credential.payload_read",
    "credential.deleted",
    "credential.restored",
    "credential.purged",
    "robot.created",
    "robot.granted",
    "robot.revoked",
    "alert.destination_added",
    "alert.destination_removed",
];
