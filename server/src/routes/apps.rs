//! `/api/teams/{team}/apps/…`: apps and their credential assignments.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use signet_core::wire::Permission;
use signet_core::wire::app::{AppInfo, AppRequest, AssignRequest, Assignment, UnassignRequest};

use super::{json::ApiJson, validate};
use crate::{
    ApiError, AppState,
    auth::{Member, Reader},
    ids::{check_uuid, new_uuid},
    store::now,
};

fn checked(req: &AppRequest) -> Result<AppRequest, ApiError> {
    let name = validate::name(&req.name, "the app name")?;
    let android_package = match req.android_package.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => {
            validate::identifier(p, "the Android package")?;
            Some(p.to_owned())
        }
    };
    if req.ios_targets.len() > 50 {
        return Err(ApiError::Invalid("at most 50 iOS targets".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for t in &req.ios_targets {
        validate::slot_name(&t.target, "an iOS target name", false)?;
        validate::identifier(&t.bundle_id, "the iOS bundle id")?;
        if !seen.insert(t.target.as_str()) {
            return Err(ApiError::Invalid(format!(
                "iOS target \"{}\" is listed twice",
                t.target
            )));
        }
    }
    Ok(AppRequest {
        name,
        android_package,
        ios_targets: req.ios_targets.clone(),
    })
}

fn app_in_scope(reader: &Reader, app_id: &str) -> Result<(), ApiError> {
    match reader.robot() {
        Some(robot) if !robot.app_ids.iter().any(|a| a == app_id) => {
            Err(ApiError::OutOfScope(format!(
                "this robot token is not scoped to app {app_id}; ask an admin for a token that covers it"
            )))
        }
        _ => Ok(()),
    }
}

/// `GET /api/teams/{team}/apps` (members; robots see their apps).
pub(super) async fn list(
    State(state): State<AppState>,
    reader: Reader,
) -> Result<Json<Vec<AppInfo>>, ApiError> {
    let mut apps = state.store.apps(&reader.team().id).await?;
    if let Some(robot) = reader.robot() {
        apps.retain(|a| robot.app_ids.contains(&a.id));
    }
    Ok(Json(apps))
}

/// `POST /api/teams/{team}/apps` (developer).
pub(super) async fn create(
    State(state): State<AppState>,
    m: Member<{ Permission::EditApps.level() }>,
    ApiJson(req): ApiJson<AppRequest>,
) -> Result<(StatusCode, Json<AppInfo>), ApiError> {
    let app = checked(&req)?;
    let id = new_uuid()?;
    state
        .store
        .create_app(m.team_id(), &id, &app, m.actor(), now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.app(m.team_id(), &id).await?),
    ))
}

/// `GET /api/teams/{team}/apps/{app}`.
pub(super) async fn get(
    State(state): State<AppState>,
    reader: Reader,
    Path((_, app_id)): Path<(String, String)>,
) -> Result<Json<AppInfo>, ApiError> {
    check_uuid(&app_id, "the app id in the path")?;
    app_in_scope(&reader, &app_id)?;
    Ok(Json(state.store.app(&reader.team().id, &app_id).await?))
}

/// `PUT /api/teams/{team}/apps/{app}` (developer).
pub(super) async fn update(
    State(state): State<AppState>,
    m: Member<{ Permission::EditApps.level() }>,
    Path((_, app_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<AppRequest>,
) -> Result<Json<AppInfo>, ApiError> {
    check_uuid(&app_id, "the app id in the path")?;
    let app = checked(&req)?;
    state
        .store
        .update_app(m.team_id(), &app_id, &app, m.actor(), now())
        .await?;
    Ok(Json(state.store.app(m.team_id(), &app_id).await?))
}

/// `DELETE /api/teams/{team}/apps/{app}` (admin): the app and its assignments; credentials stay.
pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member<{ Permission::DeleteApps.level() }>,
    Path((_, app_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&app_id, "the app id in the path")?;
    state
        .store
        .delete_app(m.team_id(), &app_id, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/teams/{team}/apps/{app}/assignments`.
pub(super) async fn assignments(
    State(state): State<AppState>,
    reader: Reader,
    Path((_, app_id)): Path<(String, String)>,
) -> Result<Json<Vec<Assignment>>, ApiError> {
    check_uuid(&app_id, "the app id in the path")?;
    app_in_scope(&reader, &app_id)?;
    state.store.app(&reader.team().id, &app_id).await?;
    Ok(Json(state.store.assignments(&app_id).await?))
}

/// `PUT /api/teams/{team}/apps/{app}/assignments` (developer).
pub(super) async fn assign(
    State(state): State<AppState>,
    m: Member<{ Permission::EditCredentials.level() }>,
    Path((_, app_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<AssignRequest>,
) -> Result<Json<Vec<Assignment>>, ApiError> {
    check_uuid(&app_id, "the app id in the path")?;
    check_uuid(&req.credential_id, "credential_id")?;
    validate::slot_name(&req.profile, "profile", false)?;
    validate::slot_name(&req.target, "target", true)?;
    if req.robot_grants.len() > 1000 {
        return Err(ApiError::Invalid(
            "at most 1000 robot grants per assignment".into(),
        ));
    }
    for w in &req.robot_grants {
        validate::blob(&w.wrapped_key, "robot_grants[].wrapped_key", 1024)?;
        if w.robot_id.is_empty() || w.robot_id.len() > 32 {
            return Err(ApiError::Invalid(
                "robot_grants[].robot_id is not a robot token id".into(),
            ));
        }
    }
    state
        .store
        .assign(m.team_id(), &app_id, &req, m.actor(), now())
        .await?;
    Ok(Json(state.store.assignments(&app_id).await?))
}

/// `DELETE /api/teams/{team}/apps/{app}/assignments` (developer).
pub(super) async fn unassign(
    State(state): State<AppState>,
    m: Member<{ Permission::EditCredentials.level() }>,
    Path((_, app_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<UnassignRequest>,
) -> Result<Json<Vec<Assignment>>, ApiError> {
    check_uuid(&app_id, "the app id in the path")?;
    check_uuid(&req.credential_id, "credential_id")?;
    state
        .store
        .unassign(m.team_id(), &app_id, &req, m.actor(), now())
        .await?;
    Ok(Json(state.store.assignments(&app_id).await?))
}
