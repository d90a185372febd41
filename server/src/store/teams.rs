//! Teams, memberships, team key wraps and rotation.

use signet_core::{
    vault::membership::Action,
    wire::{
        Role,
        team::{MemberInfo, MyTeamKey, RotationRequest, TeamKeyWrapKind},
    },
};
use sqlx::{Row, any::AnyRow};

use super::{
    Store, Tx,
    audit::{self, Actor, Record},
    team_log,
};
use crate::ApiError;

/// A team as stored.
#[derive(Debug, Clone)]
pub struct TeamRow {
    /// UUID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Current team key version.
    pub key_version: i64,
    /// A member left or was removed since the last rotation.
    pub rotation_needed: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// In the trash since.
    pub deleted_at: Option<i64>,
    /// Bumped (by triggers) on every change to one of the team's credential rows.
    pub credentials_rev: i64,
}

pub(super) fn team_from_row(r: &AnyRow) -> Result<TeamRow, sqlx::Error> {
    Ok(TeamRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        key_version: r.try_get("key_version")?,
        rotation_needed: r.try_get::<i64, _>("rotation_needed")? != 0,
        created_at: r.try_get("created_at")?,
        deleted_at: r.try_get("deleted_at")?,
        credentials_rev: r.try_get("credentials_rev")?,
    })
}

/// A role as the database spells it: the one place a stored role is read back.
pub(crate) fn role_of(text: &str) -> Result<Role, ApiError> {
    Role::parse(text)
        .ok_or_else(|| ApiError::Internal(format!("unknown role {text:?} in the database")))
}

/// Serialises every membership and key change of one team: a no-op update that takes the
/// team row's write lock (Postgres) inside the transaction. SQLite already has one writer.
pub(crate) async fn lock_team(tx: &mut Tx, team_id: &str) -> Result<TeamRow, ApiError> {
    sqlx::query("UPDATE teams SET key_version = key_version WHERE id = $1")
        .bind(team_id)
        .execute(&mut **tx)
        .await?;
    team_row(&mut **tx, team_id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A team by id (trashed or not), read through `db` (the pool or a transaction).
async fn team_row<'e, E>(db: E, team_id: &str) -> Result<Option<TeamRow>, ApiError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT id, name, key_version, rotation_needed, created_at, deleted_at, credentials_rev FROM teams WHERE id = $1",
    )
    .bind(team_id)
    .fetch_optional(db)
    .await?;
    Ok(row.as_ref().map(team_from_row).transpose()?)
}

/// `user_id`'s role in `team_id`, or `None` when they are not a member, read through `db`:
/// the one membership lookup by id pair.
async fn role_in<'e, E>(db: E, team_id: &str, user_id: &str) -> Result<Option<Role>, ApiError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    role.as_deref().map(role_of).transpose()
}

/// Whether two lists hold the same ids, whatever their order: a rotation must cover
/// exactly what the team has.
fn same_ids(mut have: Vec<String>, mut offered: Vec<String>) -> bool {
    have.sort();
    offered.sort();
    have == offered
}

impl Store {
    /// Creates a team with the caller as its owner, holding team key version 1, and entry 0
    /// of its membership log.
    pub async fn create_team(
        &self,
        id: &str,
        name: &str,
        owner: &Actor,
        self_wrap: &str,
        log_entry: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let user_id = owner.user_id.as_deref().unwrap_or_default();
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO teams (id, name, key_version, rotation_needed, created_by, created_at) \
             VALUES ($1, $2, 1, 0, $3, $4)",
        )
        .bind(id)
        .bind(name)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await;
        super::unique(
            inserted,
            "already_exists",
            "a team with this id already exists; generate a new id",
        )?;
        sqlx::query(
            "INSERT INTO members (team_id, user_id, role, key_version, key_kind, wrapped_team_key, joined_at) \
             VALUES ($1, $2, 'owner', 1, 'self_wrap', $3, $4)",
        )
        .bind(id)
        .bind(user_id)
        .bind(self_wrap)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        team_log::append_genesis(&mut tx, id, user_id, log_entry, now).await?;
        audit::append_and_commit(
            tx,
            owner,
            Record {
                team_id: Some(id),
                action: "team.created",
                target_type: "team",
                target_id: id,
                detail: name.to_owned(),
            },
            now,
        )
        .await
    }

    /// The teams `user_id` belongs to, with their role. Trashed teams only for owners.
    pub async fn teams_of(&self, user_id: &str) -> Result<Vec<(TeamRow, Role)>, ApiError> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.key_version, t.rotation_needed, t.created_at, t.deleted_at, t.credentials_rev, m.role \
             FROM teams t JOIN members m ON m.team_id = t.id \
             WHERE m.user_id = $1 AND (t.deleted_at IS NULL OR m.role = 'owner') \
             ORDER BY t.name, t.id",
        )
        .bind(user_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok((team_from_row(r)?, role_of(&role)?))
            })
            .collect()
    }

    /// A team (trashed or not) and `user_id`'s role in it, if they are a member.
    pub async fn membership(
        &self,
        team_id: &str,
        user_id: &str,
    ) -> Result<Option<(TeamRow, Role)>, ApiError> {
        let row = sqlx::query(
            "SELECT t.id, t.name, t.key_version, t.rotation_needed, t.created_at, t.deleted_at, t.credentials_rev, m.role \
             FROM teams t JOIN members m ON m.team_id = t.id WHERE t.id = $1 AND m.user_id = $2",
        )
        .bind(team_id)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let role: String = r.try_get("role")?;
        Ok(Some((team_from_row(&r)?, role_of(&role)?)))
    }

    /// A team by id (trashed or not).
    pub async fn team(&self, team_id: &str) -> Result<Option<TeamRow>, ApiError> {
        team_row(&self.read, team_id).await
    }

    /// Renames, moves to the trash (`Some(now)`) or restores (`None`) a team.
    pub async fn update_team(
        &self,
        team_id: &str,
        name: Option<&str>,
        deleted_at: Option<Option<i64>>,
        actor: &Actor,
        record: Record<'_>,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        if let Some(name) = name {
            sqlx::query("UPDATE teams SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(team_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(deleted_at) = deleted_at {
            sqlx::query("UPDATE teams SET deleted_at = $1 WHERE id = $2")
                .bind(deleted_at)
                .bind(team_id)
                .execute(&mut *tx)
                .await?;
        }
        audit::append_and_commit(tx, actor, record, now).await
    }

    /// The members of a team.
    pub async fn members(&self, team_id: &str) -> Result<Vec<MemberInfo>, ApiError> {
        let rows = sqlx::query(
            "SELECT m.user_id, u.email, m.role, u.fingerprint, u.public_keys, m.joined_at \
             FROM members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 \
             ORDER BY m.joined_at, u.email",
        )
        .bind(team_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok(MemberInfo {
                    user_id: r.try_get("user_id")?,
                    email: r.try_get("email")?,
                    role: role_of(&role)?,
                    fingerprint: r.try_get("fingerprint")?,
                    public_keys: r.try_get("public_keys")?,
                    joined_at: r.try_get("joined_at")?,
                })
            })
            .collect()
    }

    /// Changes a member's role (with its signed log entry). Refuses to demote the last owner.
    pub async fn change_role(
        &self,
        team_id: &str,
        user_id: &str,
        role: Role,
        actor: &Actor,
        log_entry: &str,
        now: i64,
    ) -> Result<Role, ApiError> {
        let mut tx = self.begin().await?;
        lock_team(&mut tx, team_id).await?;
        let old = member_role(&mut tx, team_id, user_id).await?;
        if old == Role::Owner && role != Role::Owner && owner_count(&mut tx, team_id).await? <= 1 {
            return Err(ApiError::conflict(
                "last_owner",
                "this is the team's only owner; make another member owner first",
            ));
        }
        let signer = actor.user_id.as_deref().unwrap_or_default();
        team_log::append(
            &mut tx,
            &self.team_logs,
            team_id,
            signer,
            log_entry,
            now,
            |a| match a {
                Action::ChangeRole {
                    user_id: u,
                    role: r,
                } if u == user_id && *r == role => Ok(()),
                _ => Err("it is not a change_role of this member to this role"),
            },
        )
        .await?;
        sqlx::query("UPDATE members SET role = $1 WHERE team_id = $2 AND user_id = $3")
            .bind(role.as_str())
            .bind(team_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let email = email_of(&mut tx, user_id).await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "member.role_changed",
                target_type: "member",
                target_id: user_id,
                detail: format!("{email}: {old} → {role}"),
            },
            now,
        )
        .await?;
        Ok(old)
    }

    /// Removes a member (or lets one leave, with the signed log entry) and flags the team for
    /// key rotation. Refuses to remove the last owner.
    pub async fn remove_member(
        &self,
        team_id: &str,
        user_id: &str,
        actor: &Actor,
        log_entry: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        lock_team(&mut tx, team_id).await?;
        let old = member_role(&mut tx, team_id, user_id).await?;
        if old == Role::Owner && owner_count(&mut tx, team_id).await? <= 1 {
            return Err(ApiError::conflict(
                "last_owner",
                "this is the team's only owner; make another member owner first (or delete the team)",
            ));
        }
        let signer = actor.user_id.as_deref().unwrap_or_default();
        team_log::append(
            &mut tx,
            &self.team_logs,
            team_id,
            signer,
            log_entry,
            now,
            |a| match a {
                Action::Remove { user_id: u } if u == user_id => Ok(()),
                _ => Err("it is not the removal of this member"),
            },
        )
        .await?;
        sqlx::query("DELETE FROM members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE teams SET rotation_needed = 1 WHERE id = $1")
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        let leaving = actor.user_id.as_deref() == Some(user_id);
        let email = email_of(&mut tx, user_id).await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: if leaving {
                    "member.left"
                } else {
                    "member.removed"
                },
                target_type: "member",
                target_id: user_id,
                detail: format!("{email}, was {old}"),
            },
            now,
        )
        .await
    }

    /// The caller's wrap of the team key.
    pub async fn my_team_key(&self, team_id: &str, user_id: &str) -> Result<MyTeamKey, ApiError> {
        let r = sqlx::query(
            "SELECT key_version, key_kind, wrapped_team_key, key_sender_id FROM members \
             WHERE team_id = $1 AND user_id = $2",
        )
        .bind(team_id)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(ApiError::NotFound)?;
        let kind: String = r.try_get("key_kind")?;
        Ok(MyTeamKey {
            key_version: version(r.try_get("key_version")?)?,
            kind: if kind == "ecies" {
                TeamKeyWrapKind::Ecies
            } else {
                TeamKeyWrapKind::SelfWrap
            },
            wrapped: r.try_get("wrapped_team_key")?,
            sender_id: r.try_get("key_sender_id")?,
        })
    }

    /// Replaces the caller's wrap with a self-wrap of the team's current version.
    pub async fn store_self_wrap(
        &self,
        team_id: &str,
        user_id: &str,
        key_version: i64,
        wrapped: &str,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let team = lock_team(&mut tx, team_id).await?;
        if team.key_version != key_version {
            return Err(ApiError::conflict(
                "key_version_changed",
                format!(
                    "the team key is now version {}, not {key_version}; fetch your key again",
                    team.key_version
                ),
            ));
        }
        sqlx::query(
            "UPDATE members SET key_version = $1, key_kind = 'self_wrap', wrapped_team_key = $2, \
             key_sender_id = NULL WHERE team_id = $3 AND user_id = $4",
        )
        .bind(key_version)
        .bind(wrapped)
        .bind(team_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Swaps in a rotation atomically: it must replace the current version and cover every
    /// other member and every credential exactly, else nothing changes.
    pub async fn rotate(
        &self,
        team_id: &str,
        actor: &Actor,
        request: &RotationRequest,
        log_entry: &str,
        now: i64,
    ) -> Result<i64, ApiError> {
        let rotator = actor.user_id.as_deref().unwrap_or_default();
        let mut tx = self.begin().await?;
        let team = lock_team(&mut tx, team_id).await?;
        if team.key_version != i64::from(request.from_version) {
            return Err(ApiError::conflict(
                "key_version_changed",
                format!(
                    "the team key is version {}, not {}: someone rotated it meanwhile; reload and try again",
                    team.key_version, request.from_version
                ),
            ));
        }
        let new_version = team.key_version + 1;
        team_log::append(
            &mut tx,
            &self.team_logs,
            team_id,
            rotator,
            log_entry,
            now,
            |a| match a {
                Action::Rotate { key_version } if i64::from(*key_version) == new_version => Ok(()),
                _ => Err("it is not a rotation to the next team key version"),
            },
        )
        .await?;
        let members: Vec<String> =
            sqlx::query_scalar("SELECT user_id FROM members WHERE team_id = $1 AND user_id <> $2")
                .bind(team_id)
                .bind(rotator)
                .fetch_all(&mut *tx)
                .await?;
        let offered = request.member_keys.iter().map(|m| m.user_id.clone());
        if !same_ids(members, offered.collect()) {
            return Err(ApiError::conflict(
                "members_changed",
                "the rotation does not cover exactly the team's current members; reload the member list and rotate again",
            ));
        }
        let items: Vec<String> =
            sqlx::query_scalar("SELECT id FROM credentials WHERE team_id = $1")
                .bind(team_id)
                .fetch_all(&mut *tx)
                .await?;
        let offered = request.item_keys.iter().map(|i| i.credential_id.clone());
        if !same_ids(items, offered.collect()) {
            return Err(ApiError::conflict(
                "credentials_changed",
                "the rotation does not cover exactly the team's credentials; reload and rotate again",
            ));
        }
        sqlx::query("UPDATE teams SET key_version = $1, rotation_needed = 0 WHERE id = $2")
            .bind(new_version)
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE members SET key_version = $1, key_kind = 'self_wrap', wrapped_team_key = $2, \
             key_sender_id = NULL WHERE team_id = $3 AND user_id = $4",
        )
        .bind(new_version)
        .bind(&request.self_wrapped_team_key)
        .bind(team_id)
        .bind(rotator)
        .execute(&mut *tx)
        .await?;
        for m in &request.member_keys {
            sqlx::query(
                "UPDATE members SET key_version = $1, key_kind = 'ecies', wrapped_team_key = $2, \
                 key_sender_id = $3 WHERE team_id = $4 AND user_id = $5",
            )
            .bind(new_version)
            .bind(&m.wrapped)
            .bind(rotator)
            .bind(team_id)
            .bind(&m.user_id)
            .execute(&mut *tx)
            .await?;
        }
        for i in &request.item_keys {
            sqlx::query(
                "UPDATE credentials SET key_version = $1, wrapped_key = $2 WHERE id = $3 AND team_id = $4",
            )
            .bind(new_version)
            .bind(&i.wrapped_key)
            .bind(&i.credential_id)
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        }
        // Pending invitations carry the old key: they can no longer be accepted.
        sqlx::query("UPDATE invites SET status = 'revoked', wrapped_team_key = NULL WHERE team_id = $1 AND status = 'pending'")
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "team.key_rotated",
                target_type: "team",
                target_id: team_id,
                detail: format!("version {} → {new_version}", team.key_version),
            },
            now,
        )
        .await?;
        Ok(new_version)
    }

    /// Everything the audit-free part of the API needs to know about a member row.
    pub async fn member_role(
        &self,
        team_id: &str,
        user_id: &str,
    ) -> Result<Option<Role>, ApiError> {
        role_in(&self.read, team_id, user_id).await
    }
}

/// A team key version from the database as the wire's `u32`.
pub(crate) fn version(v: i64) -> Result<u32, ApiError> {
    u32::try_from(v).map_err(|_| ApiError::Internal(format!("team key version {v} out of range")))
}

/// A member's role inside `tx`; `NotFound` when they are not a member.
async fn member_role(tx: &mut Tx, team_id: &str, user_id: &str) -> Result<Role, ApiError> {
    role_in(&mut **tx, team_id, user_id)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn owner_count(tx: &mut Tx, team_id: &str) -> Result<i64, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE team_id = $1 AND role = 'owner'")
            .bind(team_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// A user's email, for an audit entry's subject (the id when the account is gone).
pub(super) async fn email_of(tx: &mut super::Tx, user_id: &str) -> Result<String, ApiError> {
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(email.unwrap_or_else(|| user_id.to_owned()))
}
