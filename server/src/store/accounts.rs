//! Users and sessions.

use sqlx::{Row, any::AnyRow};

use super::{Store, teams::TeamRow};
use crate::ApiError;
use signet_core::wire::Role;

/// A user as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// UUID.
    pub id: String,
    /// Lowercased email.
    pub email: String,
    /// `KdfParams` as JSON.
    pub kdf_params: String,
    /// Salt, base64url.
    pub kdf_salt: String,
    /// Hash of the auth key.
    pub auth_hash: String,
    /// Hash of the recovery auth key.
    pub recovery_auth_hash: String,
    /// User key under the KEK.
    pub wrapped_user_key: String,
    /// User key under the recovery code.
    pub recovery_wrapped_user_key: String,
    /// Public keys.
    pub public_keys: String,
    /// Private keys under the user key.
    pub sealed_private_keys: String,
    /// Signing key fingerprint.
    pub fingerprint: String,
}

macro_rules! user_columns {
    () => {
        "id, email, kdf_params, kdf_salt, auth_hash, recovery_auth_hash, \
    wrapped_user_key, recovery_wrapped_user_key, public_keys, sealed_private_keys, fingerprint"
    };
}

fn user_from_row(r: &AnyRow) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        kdf_params: r.try_get("kdf_params")?,
        kdf_salt: r.try_get("kdf_salt")?,
        auth_hash: r.try_get("auth_hash")?,
        recovery_auth_hash: r.try_get("recovery_auth_hash")?,
        wrapped_user_key: r.try_get("wrapped_user_key")?,
        recovery_wrapped_user_key: r.try_get("recovery_wrapped_user_key")?,
        public_keys: r.try_get("public_keys")?,
        sealed_private_keys: r.try_get("sealed_private_keys")?,
        fingerprint: r.try_get("fingerprint")?,
    })
}

/// What a password change (or recovery) replaces.
#[derive(Debug, Clone)]
pub struct NewPassword {
    /// `KdfParams` as JSON.
    pub kdf_params: String,
    /// New salt.
    pub kdf_salt: String,
    /// Hash of the new auth key.
    pub auth_hash: String,
    /// The user key under the new KEK.
    pub wrapped_user_key: String,
    /// A new recovery code (its proof's hash and the user key under it), replacing the old.
    pub recovery: Option<(String, String)>,
}

/// A valid session joined with its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Hash of the token.
    pub token_hash: String,
    /// The user.
    pub user_id: String,
    /// Their email.
    pub email: String,
    /// `browser` or `cli`.
    pub client: String,
    /// Unix seconds.
    pub last_seen_at: i64,
    /// Unix seconds (absolute end).
    pub expires_at: i64,
}

/// What lets a new account in, beyond an email nobody uses yet (see [`crate::signups`]).
#[derive(Debug, Clone, Copy)]
pub enum Admission<'a> {
    /// Open sign-up: anyone.
    Anyone,
    /// Invite-only: the server's first account, or one presenting this invitation
    /// (`(id, token)`).
    FirstOrInvited(Option<(&'a str, &'a str)>),
}

impl Store {
    /// Inserts a new user if `admission` lets them in. A taken email is a 409.
    ///
    /// Invite-only sign-ups take a row lock on `signet_meta` first, so two sign-ups on an
    /// empty server cannot both count zero users and both become "the first account" (on
    /// SQLite the single writer connection serialises them already; on PostgreSQL replicas
    /// share the lock).
    pub async fn create_user(
        &self,
        user: &UserRow,
        admission: Admission<'_>,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        if let Admission::FirstOrInvited(invite) = admission {
            sqlx::query("UPDATE signet_meta SET value = value WHERE key = 'instance_secret'")
                .execute(&mut *tx)
                .await?;
            let someone: Option<String> = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
            match (someone, invite) {
                (None, _) => {}
                (Some(_), None) => return Err(crate::signups::invitation_required()),
                (Some(_), Some((id, token))) => {
                    super::invites::admit(&mut tx, id, token, &user.id, now).await?;
                }
            }
        }
        let result = sqlx::query(concat!(
            "INSERT INTO users (",
            user_columns!(),
            ", created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
        ))
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.kdf_params)
        .bind(&user.kdf_salt)
        .bind(&user.auth_hash)
        .bind(&user.recovery_auth_hash)
        .bind(&user.wrapped_user_key)
        .bind(&user.recovery_wrapped_user_key)
        .bind(&user.public_keys)
        .bind(&user.sealed_private_keys)
        .bind(&user.fingerprint)
        .bind(now)
        .execute(&mut *tx)
        .await;
        super::unique(
            result,
            "email_taken",
            "an account with this email already exists; sign in instead (or recover it with its recovery code)",
        )?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the server has any account yet.
    pub async fn has_users(&self) -> Result<bool, ApiError> {
        let someone: Option<String> = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
            .fetch_optional(&self.read)
            .await?;
        Ok(someone.is_some())
    }

    /// The user with this (lowercased) email.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, ApiError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// The user with this id.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>, ApiError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// Replaces the password-derived values and signs out every session of the user except
    /// `keep_session` (atomically).
    pub async fn change_password(
        &self,
        user_id: &str,
        new: &NewPassword,
        keep_session: Option<&str>,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE users SET kdf_params = $1, kdf_salt = $2, auth_hash = $3, \
             wrapped_user_key = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(&new.kdf_params)
        .bind(&new.kdf_salt)
        .bind(&new.auth_hash)
        .bind(&new.wrapped_user_key)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if let Some((hash, wrapped)) = &new.recovery {
            sqlx::query(
                "UPDATE users SET recovery_auth_hash = $1, recovery_wrapped_user_key = $2 \
                 WHERE id = $3",
            )
            .bind(hash)
            .bind(wrapped)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
             AND token_hash <> $3",
        )
        .bind(now)
        .bind(user_id)
        .bind(keep_session.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a new session.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        client: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), ApiError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, client, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(client)
        .bind(now)
        .bind(expires_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The session with this token hash if it is neither revoked nor past its absolute end.
    /// (The idle limit is checked by the caller, which knows the client kind's limits.)
    pub async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, ApiError> {
        let row = sqlx::query(
            "SELECT s.token_hash, s.user_id, u.email, s.client, s.last_seen_at, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.read)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(session_from_row(&r)?))
    }

    /// The live session `token_hash` names, with its user's membership of `team_id` (when
    /// they are a member) and, when `payload_of` names a credential, that credential's sealed
    /// payload in the team (when it is live there): one read for what a team request checks
    /// and, for a payload GET, what it serves. The caller decides from the membership whether
    /// the payload may be served; nothing is recorded here.
    pub async fn session_in_team(
        &self,
        token_hash: &str,
        now: i64,
        team_id: &str,
        payload_of: Option<&str>,
    ) -> Result<Option<TeamSession>, ApiError> {
        macro_rules! select {
            ($columns:expr, $join:expr) => {
                concat!(
                    "SELECT s.token_hash, s.user_id, u.email, s.client, s.last_seen_at, s.expires_at, \
                     t.id, t.name, t.key_version, t.rotation_needed, t.created_at, t.deleted_at, \
                     t.credentials_rev, m.role",
                    $columns,
                    " FROM sessions s JOIN users u ON u.id = s.user_id \
                     LEFT JOIN members m ON m.user_id = s.user_id AND m.team_id = $3 \
                     LEFT JOIN teams t ON t.id = m.team_id",
                    $join,
                    " WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2"
                )
            };
        }
        let sql = match payload_of {
            None => select!("", ""),
            Some(_) => select!(
                concat!(", ", super::credentials::payload_columns!()),
                " LEFT JOIN credentials c ON c.id = $4 AND c.team_id = m.team_id AND c.deleted_at IS NULL"
            ),
        };
        let mut query = sqlx::query(sql).bind(token_hash).bind(now).bind(team_id);
        if let Some(id) = payload_of {
            query = query.bind(id);
        }
        let Some(r) = query.fetch_optional(&self.read).await? else {
            return Ok(None);
        };
        let session = session_from_row(&r)?;
        let membership = match r.try_get::<Option<String>, _>("role")? {
            Some(role) => Some((
                super::teams::team_from_row(&r)?,
                super::teams::role_of(&role)?,
            )),
            None => None,
        };
        let payload = match payload_of {
            Some(_) => super::credentials::payload_from_row(&r)?,
            None => None,
        };
        Ok(Some(TeamSession {
            session,
            membership,
            payload,
        }))
    }

    /// Notes activity on a session (for the idle limit).
    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), ApiError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn revoke_session(&self, token_hash: &str, now: i64) -> Result<(), ApiError> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(token_hash)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}

/// What [`Store::session_in_team`] read in its one query.
#[derive(Debug)]
pub struct TeamSession {
    /// The live session.
    pub session: SessionRow,
    /// The session user's team and role there, when they are a member.
    pub membership: Option<(TeamRow, Role)>,
    /// The credential asked about, when it is live in that team.
    pub payload: Option<super::credentials::SealedRow>,
}

/// A session row as both session queries select it.
fn session_from_row(r: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        token_hash: r.try_get("token_hash")?,
        user_id: r.try_get("user_id")?,
        email: r.try_get("email")?,
        client: r.try_get("client")?,
        last_seen_at: r.try_get("last_seen_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}
