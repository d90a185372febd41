//! Robot (CI) tokens: `/api/teams/{team}/robots/…` (admins) and `/api/robot/whoami`.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use signet_core::wire::Permission;
use signet_core::{
    vault::server_side::{PresentedSecret, hash_for_storage},
    wire::robot::{
        CreateRobotRequest, GrantRequest, RobotCardInfo, RobotGrant, RobotInfo, RobotWhoami,
    },
};

use super::{json::ApiJson, validate};
use crate::{
    ApiError, AppState,
    auth::{Member, Robot},
    ids::check_uuid,
    store::now,
};

fn check_robot_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty()
        || id.len() > 32
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(ApiError::BadRequest(
            "a robot token id is 1 to 32 lowercase letters and digits".into(),
        ));
    }
    Ok(())
}

fn check_grants(grants: &[RobotGrant]) -> Result<(), ApiError> {
    if grants.len() > 10_000 {
        return Err(ApiError::Invalid("at most 10000 grants per request".into()));
    }
    for g in grants {
        check_uuid(&g.credential_id, "grants[].credential_id")?;
        validate::blob(&g.wrapped_key, "grants[].wrapped_key", 1024)?;
    }
    Ok(())
}

/// `POST /api/teams/{team}/robots` (admin).
pub(super) async fn create(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageRobots.level() }>,
    ApiJson(req): ApiJson<CreateRobotRequest>,
) -> Result<(StatusCode, Json<RobotInfo>), ApiError> {
    check_robot_id(&req.id)?;
    let mut req = req;
    req.name = validate::name(&req.name, "the token name")?;
    for app in &req.app_ids {
        check_uuid(app, "app_ids[]")?;
    }
    if req.app_ids.is_empty() {
        return Err(ApiError::Invalid(
            "a robot token needs at least one app in its scope".into(),
        ));
    }
    check_grants(&req.grants)?;
    if let Some(card) = &req.card {
        validate::blob(card, "card", 64 * 1024)?;
    }
    if let Some(anchor) = &req.anchor {
        validate::blob(anchor, "anchor", 1024)?;
    }
    if req.card.is_some() != req.anchor.is_some() {
        return Err(ApiError::Invalid(
            "a robot token's card and anchor come together".into(),
        ));
    }
    let now = now();
    if req.expires_at <= now || req.expires_at > now + 400 * 24 * 3600 {
        return Err(ApiError::Invalid(
            "expires_at must be in the future and within 400 days".into(),
        ));
    }
    let auth_hash = hash_for_storage(PresentedSecret::RobotAuth, &req.auth_half).map_err(|_| {
        ApiError::Invalid("auth_half must be at least 16 bytes of base64url".into())
    })?;
    state
        .store
        .create_robot(m.team_id(), &req, &auth_hash, m.actor(), now)
        .await?;
    let info = state
        .store
        .robots(m.team_id())
        .await?
        .into_iter()
        .find(|r| r.id == req.id)
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(info)))
}

/// `GET /api/teams/{team}/robots` (admin).
pub(super) async fn list(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageRobots.level() }>,
) -> Result<Json<Vec<RobotInfo>>, ApiError> {
    Ok(Json(state.store.robots(m.team_id()).await?))
}

/// `POST /api/teams/{team}/robots/{robot}/grants` (admin).
pub(super) async fn grant(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageRobots.level() }>,
    Path((_, robot_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<GrantRequest>,
) -> Result<StatusCode, ApiError> {
    check_robot_id(&robot_id)?;
    check_grants(&req.grants)?;
    state
        .store
        .grant_robot(m.team_id(), &robot_id, &req.grants, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/teams/{team}/robots/{robot}` (admin): revoke.
pub(super) async fn revoke(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageRobots.level() }>,
    Path((_, robot_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_robot_id(&robot_id)?;
    state
        .store
        .revoke_robot(m.team_id(), &robot_id, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/teams/{team}/apps/{app}/robots` (developer): the cards of the live tokens in
/// the app's scope, which an assignment to the app must carry a wrap for.
pub(super) async fn cards(
    State(state): State<AppState>,
    m: Member<{ Permission::EditCredentials.level() }>,
    Path((_, app_id)): Path<(String, String)>,
) -> Result<Json<Vec<RobotCardInfo>>, ApiError> {
    check_uuid(&app_id, "the app id in the path")?;
    state.store.app(m.team_id(), &app_id).await?;
    Ok(Json(state.store.robot_cards(&app_id, now()).await?))
}

/// `GET /api/robot/whoami` (robot token).
pub(super) async fn whoami(Robot(robot): Robot) -> Json<RobotWhoami> {
    Json(RobotWhoami {
        id: robot.id,
        team_id: robot.team_id,
        name: robot.name,
        app_ids: robot.app_ids,
        expires_at: robot.expires_at,
        anchor: robot.anchor,
    })
}
