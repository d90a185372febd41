//! Apps and credential assignments.

use signet_core::wire::app::{
    AppInfo, AppRequest, AssignRequest, Assignment, IosTarget, Platform, UnassignRequest,
};
use sqlx::{Row, any::AnyRow};

use super::{
    Owned, Store,
    audit::{self, Actor, Record},
    found, team_owns,
};
use crate::ApiError;

fn app_from_row(r: &AnyRow) -> Result<AppInfo, ApiError> {
    let targets: String = r.try_get("ios_targets")?;
    Ok(AppInfo {
        id: r.try_get("id")?,
        team_id: r.try_get("team_id")?,
        name: r.try_get("name")?,
        android_package: r.try_get("android_package")?,
        ios_targets: serde_json::from_str::<Vec<IosTarget>>(&targets)
            .map_err(|e| ApiError::Internal(format!("ios_targets: {e}")))?,
        created_at: r.try_get("created_at")?,
    })
}

/// An insert or update of an app's name, with a clash turned into 409 `name_taken`.
fn name_taken<T>(result: Result<T, sqlx::Error>) -> Result<T, ApiError> {
    super::unique(
        result,
        "name_taken",
        "this team already has an app with that name; choose another",
    )
}

/// An app's iOS targets as the `ios_targets` column holds them (JSON).
fn targets_json(app: &AppRequest) -> Result<String, ApiError> {
    serde_json::to_string(&app.ios_targets).map_err(|e| ApiError::Internal(e.to_string()))
}

macro_rules! app_columns {
    () => {
        "id, team_id, name, android_package, ios_targets, created_at"
    };
}

impl Store {
    /// Creates an app.
    pub async fn create_app(
        &self,
        team_id: &str,
        id: &str,
        app: &AppRequest,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let targets = targets_json(app)?;
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(concat!(
            "INSERT INTO apps (",
            app_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(id)
        .bind(team_id)
        .bind(&app.name)
        .bind(app.android_package.as_deref())
        .bind(targets)
        .bind(now)
        .execute(&mut *tx)
        .await;
        name_taken(inserted)?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "app.created",
                target_type: "app",
                target_id: id,
                detail: app.name.clone(),
            },
            now,
        )
        .await
    }

    /// Replaces an app's fields.
    pub async fn update_app(
        &self,
        team_id: &str,
        id: &str,
        app: &AppRequest,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let targets = targets_json(app)?;
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE apps SET name = $1, android_package = $2, ios_targets = $3 WHERE id = $4 AND team_id = $5")
            .bind(&app.name)
            .bind(app.android_package.as_deref())
            .bind(targets)
            .bind(id)
            .bind(team_id)
            .execute(&mut *tx)
            .await;
        found(&name_taken(done)?)?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "app.updated",
                target_type: "app",
                target_id: id,
                detail: app.name.clone(),
            },
            now,
        )
        .await
    }

    /// Deletes an app and its assignments (the credentials stay).
    pub async fn delete_app(
        &self,
        team_id: &str,
        id: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM apps WHERE id = $1 AND team_id = $2")
                .bind(id)
                .bind(team_id)
                .fetch_optional(&mut *tx)
                .await?;
        let done = sqlx::query("DELETE FROM apps WHERE id = $1 AND team_id = $2")
            .bind(id)
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        found(&done)?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "app.deleted",
                target_type: "app",
                target_id: id,
                detail: name.unwrap_or_default(),
            },
            now,
        )
        .await
    }

    /// A team's apps, by name.
    pub async fn apps(&self, team_id: &str) -> Result<Vec<AppInfo>, ApiError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            app_columns!(),
            " FROM apps WHERE team_id = $1 ORDER BY name, id"
        ))
        .bind(team_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(app_from_row).collect()
    }

    /// One app of a team.
    pub async fn app(&self, team_id: &str, id: &str) -> Result<AppInfo, ApiError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            app_columns!(),
            " FROM apps WHERE id = $1 AND team_id = $2"
        ))
        .bind(id)
        .bind(team_id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(ApiError::NotFound)?;
        app_from_row(&row)
    }

    /// An app's assignments (trashed credentials excluded).
    pub async fn assignments(&self, app_id: &str) -> Result<Vec<Assignment>, ApiError> {
        let rows = sqlx::query(
            "SELECT a.platform, a.profile, a.target, a.credential_id, a.kind, a.is_default \
             FROM assignments a JOIN credentials c ON c.id = a.credential_id \
             WHERE a.app_id = $1 AND c.deleted_at IS NULL \
             ORDER BY a.platform, a.profile, a.target, a.kind, a.is_default DESC, a.credential_id",
        )
        .bind(app_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let platform: String = r.try_get("platform")?;
                Ok(Assignment {
                    platform: Platform::parse(&platform)
                        .ok_or_else(|| ApiError::Internal(format!("bad platform {platform:?}")))?,
                    profile: r.try_get("profile")?,
                    target: r.try_get("target")?,
                    credential_id: r.try_get("credential_id")?,
                    kind: r.try_get("kind")?,
                    is_default: r.try_get::<i64, _>("is_default")? != 0,
                })
            })
            .collect()
    }

    /// Puts a credential of the team into a slot of the app (the default for its kind when
    /// asked, replacing the previous default).
    pub async fn assign(
        &self,
        team_id: &str,
        app_id: &str,
        req: &AssignRequest,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        if !team_owns(&mut tx, Owned::App, team_id, app_id).await? {
            return Err(ApiError::NotFound);
        }
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT kind, label FROM credentials WHERE id = $1 AND team_id = $2 AND deleted_at IS NULL",
        )
        .bind(&req.credential_id)
        .bind(team_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (kind, label) = found.ok_or_else(|| {
            ApiError::Invalid(format!(
                "credential {} is not in this team (or is in the trash)",
                req.credential_id
            ))
        })?;
        if req.is_default {
            sqlx::query("UPDATE assignments SET is_default = 0 WHERE app_id = $1 AND platform = $2 AND profile = $3 AND target = $4 AND kind = $5")
                .bind(app_id)
                .bind(req.platform.as_str())
                .bind(&req.profile)
                .bind(&req.target)
                .bind(&kind)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO assignments (app_id, platform, profile, target, credential_id, kind, is_default) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (app_id, platform, profile, target, credential_id) DO UPDATE SET is_default = $7",
        )
        .bind(app_id)
        .bind(req.platform.as_str())
        .bind(&req.profile)
        .bind(&req.target)
        .bind(&req.credential_id)
        .bind(&kind)
        .bind(i64::from(req.is_default))
        .execute(&mut *tx)
        .await?;
        Store::assignment_grants(
            &mut tx,
            app_id,
            &req.credential_id,
            &req.robot_grants,
            actor,
            now,
        )
        .await?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "assignment.changed",
                target_type: "app",
                target_id: app_id,
                detail: format!(
                    "{} {} {}{} ← “{label}”{}",
                    req.platform.as_str(),
                    req.profile,
                    req.target,
                    if req.target.is_empty() { "" } else { " " },
                    if req.is_default { " (default)" } else { "" }
                ) + &if req.robot_grants.is_empty() {
                    String::new()
                } else {
                    format!(", wrapped for {} robot token(s)", req.robot_grants.len())
                },
            },
            now,
        )
        .await
    }

    /// Takes a credential out of a slot.
    pub async fn unassign(
        &self,
        team_id: &str,
        app_id: &str,
        req: &UnassignRequest,
        actor: &Actor,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        // Named by label in the log (a trashed credential keeps its label).
        let label: Option<String> =
            sqlx::query_scalar("SELECT label FROM credentials WHERE id = $1 AND team_id = $2")
                .bind(&req.credential_id)
                .bind(team_id)
                .fetch_optional(&mut *tx)
                .await?;
        let done = sqlx::query(
            "DELETE FROM assignments WHERE app_id = $1 AND platform = $2 AND profile = $3 AND target = $4 AND credential_id = $5 \
             AND app_id IN (SELECT id FROM apps WHERE team_id = $6)",
        )
        .bind(app_id)
        .bind(req.platform.as_str())
        .bind(&req.profile)
        .bind(&req.target)
        .bind(&req.credential_id)
        .bind(team_id)
        .execute(&mut *tx)
        .await?;
        found(&done)?;
        audit::append_and_commit(
            tx,
            actor,
            Record {
                team_id: Some(team_id),
                action: "assignment.changed",
                target_type: "app",
                target_id: app_id,
                detail: format!(
                    "{} {} {}{} ✕ {}",
                    req.platform.as_str(),
                    req.profile,
                    req.target,
                    if req.target.is_empty() { "" } else { " " },
                    label.map_or_else(|| req.credential_id.clone(), |l| format!("“{l}”"))
                ),
            },
            now,
        )
        .await
    }
}
