//! Invitations: made by admins, accepted once by whoever holds the link.

use signet_core::{
    Error as CoreError,
    vault::{
        membership::Action,
        server_side::{InviteRecord, InviteStatus},
    },
    wire::{
        Role,
        team::{InviteInfo, InvitePreview, InviteState},
    },
};
use sqlx::{Row, any::AnyRow};

use super::{
    Store, Tx,
    audit::{self, Actor, Record},
    team_log,
    teams::{lock_team, role_of, version},
};
use crate::ApiError;

/// A new invitation as stored.
#[derive(Debug, Clone)]
pub struct NewInvite<'a> {
    /// Client-chosen UUID.
    pub id: &'a str,
    /// The team.
    pub team_id: &'a str,
    /// The role it grants.
    pub role: Role,
    /// Hash of the invite token.
    pub token_hash: String,
    /// Team key under the invite wrap key.
    pub wrapped_team_key: &'a str,
    /// Its version.
    pub key_version: i64,
    /// Admin's note.
    pub note: Option<&'a str>,
    /// Unix seconds.
    pub expires_at: i64,
    /// The admin's signed `invite` entry for the team's log.
    pub log_entry: &'a str,
    /// The team's log pin sealed under the link's secret (`invite::InviteAnchor`).
    pub anchor: &'a str,
}

fn status_of(text: &str) -> InviteStatus {
    match text {
        "accepted" => InviteStatus::Accepted,
        "revoked" => InviteStatus::Revoked,
        _ => InviteStatus::Pending,
    }
}

fn status_text(s: InviteStatus) -> &'static str {
    match s {
        InviteStatus::Pending => "pending",
        InviteStatus::Accepted => "accepted",
        InviteStatus::Revoked => "revoked",
    }
}

fn info_from_row(r: &AnyRow, now: i64) -> Result<InviteInfo, ApiError> {
    let status: String = r.try_get("status")?;
    let expires_at: i64 = r.try_get("expires_at")?;
    let role: String = r.try_get("role")?;
    Ok(InviteInfo {
        id: r.try_get("id")?,
        role: role_of(&role)?,
        state: match status_of(&status) {
            InviteStatus::Accepted => InviteState::Accepted,
            InviteStatus::Revoked => InviteState::Revoked,
            InviteStatus::Pending if now >= expires_at => InviteState::Expired,
            InviteStatus::Pending => InviteState::Pending,
        },
        created_by: r.try_get("created_by")?,
        created_by_email: r.try_get("email")?,
        created_at: r.try_get("created_at")?,
        expires_at,
        note: r.try_get("note")?,
        accepted_by: r.try_get("accepted_by")?,
    })
}

/// What an unknown invitation id or a wrong token answers: the same, so a guess learns
/// nothing.
pub(super) const WRONG_LINK: ApiError =
    ApiError::BadCredentials("this invitation link is wrong or incomplete; copy the whole link");

fn not_usable(e: CoreError) -> ApiError {
    match e {
        CoreError::InviteNotUsable(why) if why.contains("wrong") => WRONG_LINK,
        CoreError::InviteNotUsable(why) => {
            ApiError::Gone(format!("this invitation cannot be used: {why}"))
        }
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Checks `token`, the state and the expiry of the invitation row `r` (its `token_hash`,
/// `status` and `expires_at`): what preview, accept and a sign-up with it must pass.
pub(super) fn check_token(r: &AnyRow, token: &str, now: i64) -> Result<InviteRecord, ApiError> {
    let status: String = r.try_get("status")?;
    let mut record = InviteRecord {
        token_hash: r.try_get("token_hash")?,
        expires_at: r.try_get("expires_at")?,
        status: status_of(&status),
    };
    record.accept(token, now).map_err(not_usable)?;
    Ok(record)
}

/// Lets the new account `user_id` in with the invitation `invite_id`, inside the sign-up's
/// transaction `tx`: the token, state and expiry as [`Store::preview_invite`] checks them, a
/// team not in the trash, and no account made with this invitation before (each admits one).
pub(super) async fn admit(
    tx: &mut Tx,
    invite_id: &str,
    token: &str,
    user_id: &str,
    now: i64,
) -> Result<(), ApiError> {
    let r = sqlx::query(
        "SELECT i.token_hash, i.status, i.expires_at, i.signup_user_id, t.deleted_at \
         FROM invites i JOIN teams t ON t.id = i.team_id WHERE i.id = $1",
    )
    .bind(invite_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(WRONG_LINK)?;
    check_token(&r, token, now)?;
    let deleted: Option<i64> = r.try_get("deleted_at")?;
    if deleted.is_some() {
        return Err(ApiError::Gone("this invitation's team was deleted".into()));
    }
    let used = sqlx::query(
        "UPDATE invites SET signup_user_id = $1 \
         WHERE id = $2 AND status = 'pending' AND signup_user_id IS NULL",
    )
    .bind(user_id)
    .bind(invite_id)
    .execute(&mut **tx)
    .await?;
    if used.rows_affected() != 1 {
        return Err(ApiError::Gone(
            "this invitation was already used to create an account: sign in with that account \
             to join, or ask an admin for a new invitation"
                .into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Stores a new pending invitation.
    pub async fn create_invite(
        &self,
        invite: &NewInvite<'_>,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let team = lock_team(&mut tx, invite.team_id).await?;
        if team.key_version != invite.key_version {
            return Err(ApiError::conflict(
                "key_version_changed",
                format!(
                    "the team key is version {}; wrap that one for the invitation",
                    team.key_version
                ),
            ));
        }
        let inserted = sqlx::query(
            "INSERT INTO invites (id, team_id, role, token_hash, wrapped_team_key, key_version, note, \
             status, created_by, created_at, expires_at, anchor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11)",
        )
        .bind(invite.id)
        .bind(invite.team_id)
        .bind(invite.role.as_str())
        .bind(&invite.token_hash)
        .bind(invite.wrapped_team_key)
        .bind(invite.key_version)
        .bind(invite.note)
        .bind(actor.user_id.as_deref())
        .bind(now)
        .bind(invite.expires_at)
        .bind(invite.anchor)
        .execute(&mut *tx)
        .await;
        super::unique(
            inserted,
            "already_exists",
            "an invitation with this id already exists",
        )?;
        let signer = actor.user_id.as_deref().unwrap_or_default();
        team_log::append(
            &mut tx,
            &self.team_logs,
            invite.team_id,
            signer,
            invite.log_entry,
            now,
            |a| match a {
                Action::Invite {
                    invite_id, role, ..
                } if invite_id == invite.id && *role == invite.role => Ok(()),
                _ => Err("it is not an invitation with this id and role"),
            },
        )
        .await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(invite.team_id),
                action: "invite.created",
                target_type: "invite",
                target_id: invite.id,
                detail: format!("role {}", invite.role),
            },
            now,
        )
        .await
    }

    /// A team's invitations, newest first.
    pub async fn invites(&self, team_id: &str, now: i64) -> Result<Vec<InviteInfo>, ApiError> {
        let rows = sqlx::query(
            "SELECT i.id, i.role, i.status, i.created_by, u.email, i.created_at, i.expires_at, i.note, i.accepted_by \
             FROM invites i JOIN users u ON u.id = i.created_by WHERE i.team_id = $1 \
             ORDER BY i.created_at DESC, i.id",
        )
        .bind(team_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| info_from_row(r, now)).collect()
    }

    /// Withdraws a pending invitation (and forgets its wrapped key), with the admin's signed
    /// `revoke` entry.
    pub async fn revoke_invite(
        &self,
        team_id: &str,
        invite_id: &str,
        actor: &Actor,
        log_entry: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        lock_team(&mut tx, team_id).await?;
        let done = sqlx::query(
            "UPDATE invites SET status = 'revoked', wrapped_team_key = NULL \
             WHERE id = $1 AND team_id = $2 AND status = 'pending'",
        )
        .bind(invite_id)
        .bind(team_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let exists: Option<String> =
                sqlx::query_scalar("SELECT status FROM invites WHERE id = $1 AND team_id = $2")
                    .bind(invite_id)
                    .bind(team_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            return match exists {
                None => Err(ApiError::NotFound),
                Some(status) => Err(ApiError::conflict(
                    "not_pending",
                    format!("this invitation is already {status}"),
                )),
            };
        }
        let role: Option<String> = sqlx::query_scalar("SELECT role FROM invites WHERE id = $1")
            .bind(invite_id)
            .fetch_optional(&mut *tx)
            .await?;
        let subject = role.map_or_else(String::new, |r| format!("invitation as {r}"));
        let signer = actor.user_id.as_deref().unwrap_or_default();
        team_log::append(
            &mut tx,
            &self.team_logs,
            team_id,
            signer,
            log_entry,
            now,
            |a| match a {
                Action::Revoke { invite_id: id } if id == invite_id => Ok(()),
                _ => Err("it is not the revocation of this invitation"),
            },
        )
        .await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "invite.revoked",
                target_type: "invite",
                target_id: invite_id,
                detail: subject,
            },
            now,
        )
        .await
    }

    /// Checks the token and returns what the invitee needs to decide and to unwrap the key.
    pub async fn preview_invite(
        &self,
        invite_id: &str,
        token: &str,
        now: i64,
    ) -> Result<InvitePreview, ApiError> {
        let r = sqlx::query(
            "SELECT i.id, i.team_id, t.name, i.role, i.token_hash, i.wrapped_team_key, i.key_version, \
             i.status, i.expires_at, u.email, u.fingerprint, t.deleted_at, i.anchor \
             FROM invites i JOIN teams t ON t.id = i.team_id JOIN users u ON u.id = i.created_by \
             WHERE i.id = $1",
        )
        .bind(invite_id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(WRONG_LINK)?;
        let record = check_token(&r, token, now)?;
        let deleted: Option<i64> = r.try_get("deleted_at")?;
        if deleted.is_some() {
            return Err(ApiError::Gone("this invitation's team was deleted".into()));
        }
        let role: String = r.try_get("role")?;
        let team_id: String = r.try_get("team_id")?;
        let log = self.team_log(&team_id).await?;
        let wrapped: Option<String> = r.try_get("wrapped_team_key")?;
        let anchor: Option<String> = r.try_get("anchor")?;
        Ok(InvitePreview {
            id: r.try_get("id")?,
            team_id,
            team_name: r.try_get("name")?,
            role: role_of(&role)?,
            invited_by: r.try_get("email")?,
            invited_by_fingerprint: r.try_get("fingerprint")?,
            expires_at: record.expires_at,
            wrapped_team_key: wrapped
                .ok_or_else(|| ApiError::Gone("this invitation cannot be used any more".into()))?,
            key_version: version(r.try_get("key_version")?)?,
            anchor: anchor.ok_or_else(|| {
                ApiError::Gone(
                    "this invitation was made before Signet signed team membership; ask an \
                     admin for a new one"
                        .into(),
                )
            })?,
            log,
        })
    }

    /// Accepts once: checks the token, state, expiry and key version, adds the member with
    /// their self-wrap, marks the invitation used and forgets its wrapped key.
    pub async fn accept_invite(
        &self,
        invite_id: &str,
        token: &str,
        self_wrap: &str,
        actor: &Actor,
        log_entry: &str,
        now: i64,
    ) -> Result<(String, Role), ApiError> {
        let user_id = actor.user_id.as_deref().unwrap_or_default();
        let mut tx = self.begin().await?;
        let r = sqlx::query("SELECT team_id, role, token_hash, status, expires_at, key_version FROM invites WHERE id = $1")
            .bind(invite_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(WRONG_LINK)?;
        let team_id: String = r.try_get("team_id")?;
        check_token(&r, token, now)?;
        let team = lock_team(&mut tx, &team_id).await?;
        if team.deleted_at.is_some() {
            return Err(ApiError::Gone("this invitation's team was deleted".into()));
        }
        let key_version: i64 = r.try_get("key_version")?;
        if team.key_version != key_version {
            return Err(ApiError::Gone(
                "the team's key changed after this invitation was made; ask an admin for a new invitation".into(),
            ));
        }
        let role_text: String = r.try_get("role")?;
        let role = role_of(&role_text)?;
        let joined = sqlx::query(
            "INSERT INTO members (team_id, user_id, role, key_version, key_kind, wrapped_team_key, joined_at) \
             VALUES ($1, $2, $3, $4, 'self_wrap', $5, $6)",
        )
        .bind(&team_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(key_version)
        .bind(self_wrap)
        .bind(now)
        .execute(&mut *tx)
        .await;
        super::unique(
            joined,
            "already_member",
            "you are already a member of this team",
        )?;
        let used = sqlx::query(
            "UPDATE invites SET status = $1, accepted_by = $2, wrapped_team_key = NULL WHERE id = $3 AND status = 'pending'",
        )
        .bind(status_text(InviteStatus::Accepted))
        .bind(user_id)
        .bind(invite_id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            return Err(ApiError::Gone(
                "this invitation cannot be used: it was already accepted".into(),
            ));
        }
        team_log::append(
            &mut tx,
            &self.team_logs,
            &team_id,
            user_id,
            log_entry,
            now,
            |a| match a {
                Action::Join { invite_id: id, .. } if id == invite_id => Ok(()),
                _ => Err("it is not a join with this invitation"),
            },
        )
        .await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(&team_id),
                action: "member.joined",
                target_type: "member",
                target_id: user_id,
                detail: format!("as {role} by invitation {invite_id}"),
            },
            now,
        )
        .await?;
        Ok((team_id, role))
    }
}
