//! `/api/teams/…`: teams, members, team keys and rotation.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use signet_core::wire::Permission;
use signet_core::wire::{
    Role,
    team::{
        ChangeRoleRequest, CreateTeamRequest, LogEntryRequest, MemberInfo, MyTeamKey,
        RenameTeamRequest, RotationRequest, StoreTeamKeyRequest, TeamInfo, TeamLog,
    },
};

use super::{json::ApiJson, validate};
use crate::{
    ApiError, AppState,
    auth::{Member, Reader, SignedIn, TrashedTeamOwner},
    ids::check_uuid,
    store::{
        audit::Record,
        now,
        teams::{TeamRow, version},
    },
};

fn info(t: &TeamRow, role: Role) -> Result<TeamInfo, ApiError> {
    Ok(TeamInfo {
        id: t.id.clone(),
        name: t.name.clone(),
        role,
        key_version: version(t.key_version)?,
        rotation_needed: t.rotation_needed,
        created_at: t.created_at,
        deleted_at: t.deleted_at,
    })
}

/// `GET /api/teams`: the caller's teams (trashed ones only for their owners).
pub(super) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Json<Vec<TeamInfo>>, ApiError> {
    let teams = state.store.teams_of(&user.session.user_id).await?;
    teams
        .iter()
        .map(|(t, r)| info(t, *r))
        .collect::<Result<_, _>>()
        .map(Json)
}

/// `POST /api/teams`: a new team with the caller as owner.
pub(super) async fn create(
    State(state): State<AppState>,
    user: SignedIn,
    ApiJson(req): ApiJson<CreateTeamRequest>,
) -> Result<(StatusCode, Json<TeamInfo>), ApiError> {
    check_uuid(&req.id, "id")?;
    let name = validate::name(&req.name, "the team name")?;
    validate::blob(&req.self_wrapped_team_key, "self_wrapped_team_key", 1024)?;
    let now = now();
    state
        .store
        .create_team(
            &req.id,
            &name,
            &user.actor,
            &req.self_wrapped_team_key,
            &req.log_entry,
            now,
        )
        .await?;
    let (team, role) = state
        .store
        .membership(&req.id, &user.session.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(info(&team, role)?)))
}

/// `GET /api/teams/{team}`.
pub(super) async fn get(
    m: Member<{ Permission::View.level() }>,
) -> Result<Json<TeamInfo>, ApiError> {
    Ok(Json(info(&m.team, m.role)?))
}

/// `PATCH /api/teams/{team}` (admin): rename.
pub(super) async fn rename(
    State(state): State<AppState>,
    m: Member<{ Permission::RenameTeam.level() }>,
    ApiJson(req): ApiJson<RenameTeamRequest>,
) -> Result<Json<TeamInfo>, ApiError> {
    let name = validate::name(&req.name, "the team name")?;
    let record = Record {
        team_id: Some(m.team_id()),
        action: "team.renamed",
        target_type: "team",
        target_id: m.team_id(),
        detail: format!("\"{}\" → \"{name}\"", m.team.name),
    };
    state
        .store
        .update_team(m.team_id(), Some(&name), None, m.actor(), record, now())
        .await?;
    let mut team = m.team.clone();
    team.name = name;
    Ok(Json(info(&team, m.role)?))
}

/// `DELETE /api/teams/{team}` (owner): to the trash.
pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member<{ Permission::DeleteTeam.level() }>,
) -> Result<StatusCode, ApiError> {
    let now = now();
    let record = Record {
        team_id: Some(m.team_id()),
        action: "team.deleted",
        target_type: "team",
        target_id: m.team_id(),
        detail: m.team.name.clone(),
    };
    state
        .store
        .update_team(m.team_id(), None, Some(Some(now)), m.actor(), record, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/teams/{team}/restore` (owner of a trashed team).
pub(super) async fn restore(
    State(state): State<AppState>,
    o: TrashedTeamOwner,
) -> Result<StatusCode, ApiError> {
    let record = Record {
        team_id: Some(&o.team.id),
        action: "team.restored",
        target_type: "team",
        target_id: &o.team.id,
        detail: o.team.name.clone(),
    };
    state
        .store
        .update_team(&o.team.id, None, Some(None), &o.user.actor, record, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/teams/{team}/key` (developer): the caller's wrapped team key.
pub(super) async fn my_key(
    State(state): State<AppState>,
    m: Member<{ Permission::OpenCredentials.level() }>,
) -> Result<Json<MyTeamKey>, ApiError> {
    Ok(Json(
        state.store.my_team_key(m.team_id(), m.user_id()).await?,
    ))
}

/// `PUT /api/teams/{team}/key` (developer): store a self-wrap of the current key.
pub(super) async fn store_key(
    State(state): State<AppState>,
    m: Member<{ Permission::OpenCredentials.level() }>,
    ApiJson(req): ApiJson<StoreTeamKeyRequest>,
) -> Result<StatusCode, ApiError> {
    validate::blob(&req.self_wrapped_team_key, "self_wrapped_team_key", 1024)?;
    state
        .store
        .store_self_wrap(
            m.team_id(),
            m.user_id(),
            i64::from(req.key_version),
            &req.self_wrapped_team_key,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/teams/{team}/rotation` (admin): swap in a new team key version.
pub(super) async fn rotate(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageMembers.level() }>,
    ApiJson(req): ApiJson<RotationRequest>,
) -> Result<Json<TeamInfo>, ApiError> {
    validate::blob(&req.self_wrapped_team_key, "self_wrapped_team_key", 1024)?;
    for k in &req.member_keys {
        check_uuid(&k.user_id, "member_keys[].user_id")?;
        validate::blob(&k.wrapped, "member_keys[].wrapped", 1024)?;
    }
    for k in &req.item_keys {
        check_uuid(&k.credential_id, "item_keys[].credential_id")?;
        validate::blob(&k.wrapped_key, "item_keys[].wrapped_key", 1024)?;
    }
    let v = state
        .store
        .rotate(m.team_id(), m.actor(), &req, &req.log_entry, now())
        .await?;
    let mut team = m.team.clone();
    team.key_version = v;
    team.rotation_needed = false;
    Ok(Json(info(&team, m.role)?))
}

/// `GET /api/teams/{team}/log` (viewer, or a robot token of the team, which verifies it
/// from its anchor): the team's signed membership log, oldest first.
pub(super) async fn log(
    State(state): State<AppState>,
    reader: Reader,
) -> Result<Json<TeamLog>, ApiError> {
    Ok(Json(TeamLog {
        entries: state.store.team_log(&reader.team().id).await?,
    }))
}

/// `GET /api/teams/{team}/members`.
pub(super) async fn members(
    State(state): State<AppState>,
    m: Member<{ Permission::View.level() }>,
) -> Result<Json<Vec<MemberInfo>>, ApiError> {
    Ok(Json(state.store.members(m.team_id()).await?))
}

/// `PATCH /api/teams/{team}/members/{user}` (admin; only owners touch owners).
pub(super) async fn change_role(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageMembers.level() }>,
    Path((_, user_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<ChangeRoleRequest>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&user_id, "the user id in the path")?;
    let current = state
        .store
        .member_role(m.team_id(), &user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if (current == Role::Owner || req.role == Role::Owner) && m.role < Role::Owner {
        return Err(ApiError::Forbidden(
            "only an owner can make or change an owner".into(),
        ));
    }
    state
        .store
        .change_role(
            m.team_id(),
            &user_id,
            req.role,
            m.actor(),
            &req.log_entry,
            now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/teams/{team}/members/{user}` (admin; only owners remove owners). Flags the
/// team for key rotation.
pub(super) async fn remove_member(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageMembers.level() }>,
    Path((_, user_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<LogEntryRequest>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&user_id, "the user id in the path")?;
    let current = state
        .store
        .member_role(m.team_id(), &user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if current == Role::Owner && m.role < Role::Owner {
        return Err(ApiError::Forbidden(
            "only an owner can remove an owner".into(),
        ));
    }
    state
        .store
        .remove_member(m.team_id(), &user_id, m.actor(), &req.log_entry, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/teams/{team}/leave`: the caller leaves (not the last owner). Flags the team
/// for key rotation.
pub(super) async fn leave(
    State(state): State<AppState>,
    m: Member<{ Permission::View.level() }>,
    ApiJson(req): ApiJson<LogEntryRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .remove_member(m.team_id(), m.user_id(), m.actor(), &req.log_entry, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
