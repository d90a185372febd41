//! Teams, members, team keys, key rotation and invitations: `/api/teams/…`, `/api/invites/…`.

use serde::{Deserialize, Serialize};

use super::Role;

/// `POST /api/teams`. The client picks the id (a UUID) because the team key's self-wrap
/// binds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTeamRequest {
    /// New team id (UUID, chosen by the client).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Team key version 1, wrapped under the creator's user key.
    pub self_wrapped_team_key: String,
    /// Entry 0 of the team's membership log (`membership::Entry`, base64url), signed by the
    /// creator: the root every member's client pins.
    pub log_entry: String,
}

/// `PATCH /api/teams/{team}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameTeamRequest {
    /// New display name.
    pub name: String,
}

/// A team as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInfo {
    /// Team id (UUID).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The caller's role.
    pub role: Role,
    /// Current team key version.
    pub key_version: u32,
    /// A member was removed and an admin has not rotated the team key yet.
    pub rotation_needed: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// Set when the team is in the trash (only owners still see it, to restore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
}

/// How the caller's copy of the team key is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamKeyWrapKind {
    /// Under the member's own user key (`SelfWrappedTeamKey`).
    SelfWrap,
    /// Sent by an admin during a rotation (`EciesWrappedTeamKey`, signed by `sender_id`);
    /// open it, then store a self-wrap with `PUT /api/teams/{team}/key`.
    Ecies,
}

/// `GET /api/teams/{team}/key` (developer and up): the caller's wrapped team key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTeamKey {
    /// Team key version this wrap holds.
    pub key_version: u32,
    /// How it is wrapped.
    pub kind: TeamKeyWrapKind,
    /// The wrapped key.
    pub wrapped: String,
    /// For `ecies`: the admin who wrapped and signed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<String>,
}

/// `PUT /api/teams/{team}/key`: replaces the caller's wrap with a self-wrap of the same
/// (current) version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreTeamKeyRequest {
    /// The version wrapped (must be the team's current version).
    pub key_version: u32,
    /// The team key under the caller's user key.
    pub self_wrapped_team_key: String,
}

/// A member as the team sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// User id.
    pub user_id: String,
    /// Email address.
    pub email: String,
    /// Role in this team.
    pub role: Role,
    /// Fingerprint of the member's signing key.
    pub fingerprint: String,
    /// The member's self-signed public keys (to verify and to wrap team keys for).
    pub public_keys: String,
    /// Unix seconds.
    pub joined_at: i64,
}

/// `PATCH /api/teams/{team}/members/{user}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRoleRequest {
    /// The new role.
    pub role: Role,
    /// The `change_role` entry for the team's membership log, signed by the caller.
    pub log_entry: String,
}

/// The body of a membership change that is nothing but its log entry, signed by the caller:
/// `DELETE /api/teams/{team}/members/{user}` and `POST /api/teams/{team}/leave` (a `remove`
/// entry) and `DELETE /api/teams/{team}/invites/{invite}` (a `revoke` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntryRequest {
    /// The `membership::Entry`, base64url.
    pub log_entry: String,
}

/// `GET /api/teams/{team}/log` (viewer and up): the team's whole membership log, oldest
/// first. Clients verify it from their own pin (`membership::TeamState::verify`); the
/// server checks each entry against the rules before appending it, but is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamLog {
    /// `membership::Entry`s, base64url, entry 0 first.
    pub entries: Vec<String>,
}

/// `POST /api/teams/{team}/rotation` (admin and up): the result of
/// [`crate::vault::rotation::rotate_team_key`], swapped in atomically. It must cover every
/// current member except the caller and every credential of the team (trash included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationRequest {
    /// The version being replaced (must be current, else 409).
    pub from_version: u32,
    /// The caller's self-wrap of the new key.
    pub self_wrapped_team_key: String,
    /// Each other member's ECIES wrap of the new key.
    pub member_keys: Vec<MemberKey>,
    /// Each credential's item key under the new team key.
    pub item_keys: Vec<ItemKeyUpdate>,
    /// The `rotate` entry for the team's membership log (new version = `from_version` + 1),
    /// signed by the caller.
    pub log_entry: String,
}

/// One member's wrap of a new team key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberKey {
    /// The member.
    pub user_id: String,
    /// `EciesWrappedTeamKey`, base64url.
    pub wrapped: String,
}

/// One credential's re-wrapped item key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemKeyUpdate {
    /// The credential.
    pub credential_id: String,
    /// `WrappedItemKey` under the new team key, base64url.
    pub wrapped_key: String,
}

/// `POST /api/teams/{team}/invites` (admin and up). The client picks the id because the
/// invite wrap binds it; the secret stays in the link's fragment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateInviteRequest {
    /// Invitation id (UUID, chosen by the client).
    pub id: String,
    /// The role the invitee gets (fixed now).
    pub role: Role,
    /// Days until it expires (default 7, at most 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
    /// The invite token derived from the secret (the server stores its hash).
    pub token: String,
    /// The team key wrapped under the invite wrap key.
    pub wrapped_team_key: String,
    /// The team key version wrapped.
    pub key_version: u32,
    /// Optional note (e.g. whom it is for), shown to admins only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The `invite` entry for the team's membership log (same id and role, the verifying
    /// key derived from the link's secret), signed by the caller.
    pub log_entry: String,
    /// `invite::InviteAnchor`: the team's log pin (through the `invite` entry) sealed under a
    /// key from the link's secret; returned to the invitee in the preview.
    pub anchor: String,
}

/// Where an invitation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    /// Can be accepted.
    Pending,
    /// Used.
    Accepted,
    /// Withdrawn.
    Revoked,
    /// Past its expiry.
    Expired,
}

/// An invitation as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInfo {
    /// Invitation id.
    pub id: String,
    /// The role it grants.
    pub role: Role,
    /// Where it is.
    pub state: InviteState,
    /// Who made it (user id).
    pub created_by: String,
    /// Email of who made it.
    pub created_by_email: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Admin's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who accepted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<String>,
}

/// `POST /api/invites/{invite}/preview` and the first half of accepting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteTokenRequest {
    /// The invite token derived from the link's secret.
    pub token: String,
}

/// What an invitee sees before joining.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    /// Invitation id.
    pub id: String,
    /// The team.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// The role offered.
    pub role: Role,
    /// Email of the admin who invited.
    pub invited_by: String,
    /// Fingerprint of the admin who invited.
    pub invited_by_fingerprint: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// The team key under the invite wrap key.
    pub wrapped_team_key: String,
    /// Its version.
    pub key_version: u32,
    /// The inviting admin's `invite::InviteAnchor` (the team's log pin, sealed under the
    /// link's secret).
    pub anchor: String,
    /// The team's membership log (base64url entries, oldest first), which the invitee
    /// verifies from the anchor before joining.
    pub log: Vec<String>,
}

/// `POST /api/invites/{invite}/accept` (signed in): joins the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInviteRequest {
    /// The invite token.
    pub token: String,
    /// The team key re-wrapped under the invitee's user key.
    pub self_wrapped_team_key: String,
    /// The `join` entry for the team's membership log, signed by the invitee and by the
    /// invitation's key.
    pub log_entry: String,
}
