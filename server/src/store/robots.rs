//! Robot (CI) tokens: scoped to apps, holding item-key grants, revocable.

use signet_core::wire::{
    credential::CredentialInfo,
    robot::{CreateRobotRequest, RobotCardInfo, RobotGrant, RobotGrantKind, RobotInfo, RobotWrap},
};
use sqlx::Row;

use super::{
    Owned, Store,
    audit::{self, Actor, Record},
    team_owns,
};
use crate::ApiError;

/// A robot token that authenticated.
#[derive(Debug, Clone)]
pub struct RobotRow {
    /// Token id.
    pub id: String,
    /// Its team.
    pub team_id: String,
    /// Its name.
    pub name: String,
    /// Hash of the auth half.
    pub auth_hash: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Set when revoked.
    pub revoked_at: Option<i64>,
    /// Apps in scope.
    pub app_ids: Vec<String>,
    /// Last use (Unix seconds).
    pub last_used_at: Option<i64>,
    /// The team's log pin sealed for the token (tokens made since issue 12).
    pub anchor: Option<String>,
}

impl Store {
    /// Stores a new token with its scope and grants (every app and credential must belong to
    /// the team).
    pub async fn create_robot(
        &self,
        team_id: &str,
        req: &CreateRobotRequest,
        auth_hash: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO robots (id, team_id, name, auth_hash, created_by, created_at, expires_at, card, anchor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&req.id)
        .bind(team_id)
        .bind(&req.name)
        .bind(auth_hash)
        .bind(actor.user_id.as_deref())
        .bind(now)
        .bind(req.expires_at)
        .bind(req.card.as_deref())
        .bind(req.anchor.as_deref())
        .execute(&mut *tx)
        .await;
        super::unique(
            inserted,
            "already_exists",
            "a robot token with this id already exists; generate a new token",
        )?;
        for app_id in &req.app_ids {
            if !team_owns(&mut tx, Owned::App, team_id, app_id).await? {
                return Err(ApiError::Invalid(format!(
                    "app {app_id} is not in this team"
                )));
            }
            sqlx::query(
                "INSERT INTO robot_apps (robot_id, app_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(&req.id)
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        }
        insert_grants(&mut tx, team_id, &req.id, &req.grants, actor).await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "robot.created",
                target_type: "robot",
                target_id: &req.id,
                detail: format!(
                    "\"{}\", {} app(s), {} credential(s)",
                    req.name,
                    req.app_ids.len(),
                    req.grants.len()
                ),
            },
            now,
        )
        .await
    }

    /// Adds or replaces grants of an existing, unrevoked token.
    pub async fn grant_robot(
        &self,
        team_id: &str,
        robot_id: &str,
        grants: &[RobotGrant],
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let exists: Option<Option<i64>> =
            sqlx::query_scalar("SELECT revoked_at FROM robots WHERE id = $1 AND team_id = $2")
                .bind(robot_id)
                .bind(team_id)
                .fetch_optional(&mut *tx)
                .await?;
        match exists {
            None => return Err(ApiError::NotFound),
            Some(Some(_)) => {
                return Err(ApiError::conflict("revoked", "this robot token is revoked"));
            }
            Some(None) => {}
        }
        insert_grants(&mut tx, team_id, robot_id, grants, actor).await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "robot.granted",
                target_type: "robot",
                target_id: robot_id,
                detail: format!("{} credential(s)", grants.len()),
            },
            now,
        )
        .await
    }

    /// Revokes a token for good.
    pub async fn revoke_robot(
        &self,
        team_id: &str,
        robot_id: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE robots SET revoked_at = $1 WHERE id = $2 AND team_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(robot_id)
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(
                if team_owns(&mut tx, Owned::Robot, team_id, robot_id).await? {
                    ApiError::conflict("revoked", "this robot token is already revoked")
                } else {
                    ApiError::NotFound
                },
            );
        }
        sqlx::query("DELETE FROM robot_grants WHERE robot_id = $1")
            .bind(robot_id)
            .execute(&mut *tx)
            .await?;
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM robots WHERE id = $1")
            .bind(robot_id)
            .fetch_optional(&mut *tx)
            .await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "robot.revoked",
                target_type: "robot",
                target_id: robot_id,
                detail: name.unwrap_or_default(),
            },
            now,
        )
        .await
    }

    /// A team's tokens.
    pub async fn robots(&self, team_id: &str) -> Result<Vec<RobotInfo>, ApiError> {
        let rows = sqlx::query("SELECT id, name, created_by, created_at, expires_at, revoked_at, last_used_at, card FROM robots WHERE team_id = $1 ORDER BY created_at DESC, id")
            .bind(team_id)
            .fetch_all(&self.read)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            out.push(RobotInfo {
                app_ids: self.robot_apps(&id).await?,
                credential_ids: sqlx::query_scalar("SELECT credential_id FROM robot_grants WHERE robot_id = $1 ORDER BY credential_id")
                    .bind(&id)
                    .fetch_all(&self.read)
                    .await?,
                team_id: team_id.to_owned(),
                name: r.try_get("name")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                revoked_at: r.try_get("revoked_at")?,
                last_used_at: r.try_get("last_used_at")?,
                card: r.try_get("card")?,
                id,
            });
        }
        Ok(out)
    }

    async fn robot_apps(&self, robot_id: &str) -> Result<Vec<String>, ApiError> {
        Ok(
            sqlx::query_scalar("SELECT app_id FROM robot_apps WHERE robot_id = $1 ORDER BY app_id")
                .bind(robot_id)
                .fetch_all(&self.read)
                .await?,
        )
    }

    /// The token with this id (any state; the caller checks hash, expiry and revocation).
    pub async fn robot(&self, robot_id: &str) -> Result<Option<RobotRow>, ApiError> {
        let row = sqlx::query(
            "SELECT id, team_id, name, auth_hash, expires_at, revoked_at, last_used_at, anchor FROM robots WHERE id = $1",
        )
        .bind(robot_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(RobotRow {
            app_ids: self.robot_apps(robot_id).await?,
            id: r.try_get("id")?,
            team_id: r.try_get("team_id")?,
            name: r.try_get("name")?,
            auth_hash: r.try_get("auth_hash")?,
            expires_at: r.try_get("expires_at")?,
            revoked_at: r.try_get("revoked_at")?,
            last_used_at: r.try_get("last_used_at")?,
            anchor: r.try_get("anchor")?,
        }))
    }

    /// Notes that a token was used (at most once a minute per token).
    pub async fn touch_robot(&self, robot_id: &str, now: i64) -> Result<(), ApiError> {
        sqlx::query("UPDATE robots SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
            .bind(now)
            .bind(robot_id)
            .bind(now - 60)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The credentials a robot may see: granted to it and assigned to an app in its scope.
    pub async fn robot_credential_ids(&self, robot_id: &str) -> Result<Vec<String>, ApiError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT g.credential_id FROM robot_grants g \
             JOIN assignments a ON a.credential_id = g.credential_id \
             JOIN robot_apps ra ON ra.app_id = a.app_id AND ra.robot_id = g.robot_id \
             WHERE g.robot_id = $1",
        )
        .bind(robot_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// The cards of the live tokens (not revoked, not expired, with a card) scoped to an app:
    /// what an assignment to it must carry a wrap for.
    pub async fn robot_cards(
        &self,
        app_id: &str,
        now: i64,
    ) -> Result<Vec<RobotCardInfo>, ApiError> {
        robot_cards(&self.read, app_id, now).await
    }

    /// Stores the ECIES wraps an assignment of `credential_id` to `app_id` carried (signed by
    /// the assigning member), then refuses (409 `robot_grants_missing`, inside the caller's
    /// transaction) if a live token with a card in the app's scope still has none.
    pub(super) async fn assignment_grants(
        tx: &mut super::Tx,
        app_id: &str,
        credential_id: &str,
        wraps: &[RobotWrap],
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let live = robot_cards(&mut **tx, app_id, now).await?;
        for w in wraps {
            if !live.iter().any(|r| r.id == w.robot_id) {
                return Err(ApiError::Invalid(format!(
                    "robot token {} is not a live token with a card in this app's scope",
                    w.robot_id
                )));
            }
            upsert_grant(
                tx,
                &w.robot_id,
                credential_id,
                &w.wrapped_key,
                RobotGrantKind::Ecies,
                actor,
            )
            .await?;
        }
        let mut missing = Vec::new();
        for r in &live {
            let has: Option<String> = sqlx::query_scalar(
                "SELECT kind FROM robot_grants WHERE robot_id = $1 AND credential_id = $2",
            )
            .bind(&r.id)
            .bind(credential_id)
            .fetch_optional(&mut **tx)
            .await?;
            if has.is_none() {
                missing.push(r.id.clone());
            }
        }
        if !missing.is_empty() {
            return Err(ApiError::RobotGrantsMissing(missing));
        }
        Ok(())
    }

    /// Filters `list` to what the robot may see.
    pub async fn robot_filter(
        &self,
        robot_id: &str,
        list: Vec<CredentialInfo>,
    ) -> Result<Vec<CredentialInfo>, ApiError> {
        let allowed = self.robot_credential_ids(robot_id).await?;
        Ok(list
            .into_iter()
            .filter(|c| allowed.contains(&c.id))
            .collect())
    }
}

async fn robot_cards<'e, E>(db: E, app_id: &str, now: i64) -> Result<Vec<RobotCardInfo>, ApiError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT r.id, r.name, r.card FROM robots r JOIN robot_apps ra ON ra.robot_id = r.id \
         WHERE ra.app_id = $1 AND r.revoked_at IS NULL AND r.expires_at > $2 AND r.card IS NOT NULL \
         ORDER BY r.id",
    )
    .bind(app_id)
    .bind(now)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RobotCardInfo {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                card: r.try_get("card")?,
            })
        })
        .collect()
}

async fn upsert_grant(
    tx: &mut super::Tx,
    robot_id: &str,
    credential_id: &str,
    wrapped_key: &str,
    kind: RobotGrantKind,
    actor: &Actor,
) -> Result<(), ApiError> {
    // The sender of an ECIES wrap is whoever uploads it: the robot checks the signature
    // against that member's key in the team's log, so the server cannot choose it freely.
    let sender = match kind {
        RobotGrantKind::Ecies => actor.user_id.as_deref(),
        RobotGrantKind::Sealed => None,
    };
    sqlx::query(
        "INSERT INTO robot_grants (robot_id, credential_id, wrapped_key, kind, sender_id) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (robot_id, credential_id) DO UPDATE SET wrapped_key = $3, kind = $4, sender_id = $5",
    )
    .bind(robot_id)
    .bind(credential_id)
    .bind(wrapped_key)
    .bind(kind.as_str())
    .bind(sender)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_grants(
    tx: &mut super::Tx,
    team_id: &str,
    robot_id: &str,
    grants: &[RobotGrant],
    actor: &Actor,
) -> Result<(), ApiError> {
    for g in grants {
        if !team_owns(tx, Owned::Credential, team_id, &g.credential_id).await? {
            return Err(ApiError::Invalid(format!(
                "credential {} is not in this team",
                g.credential_id
            )));
        }
        upsert_grant(
            tx,
            robot_id,
            &g.credential_id,
            &g.wrapped_key,
            g.kind,
            actor,
        )
        .await?;
    }
    Ok(())
}
