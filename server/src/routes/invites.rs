//! Invitations: `/api/teams/{team}/invites/…` (admins) and `/api/invites/{invite}/…` (the
//! invitee, holding the link).

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use signet_core::wire::Permission;
use signet_core::{
    vault::server_side::{PresentedSecret, hash_for_storage},
    wire::team::{
        AcceptInviteRequest, CreateInviteRequest, InviteInfo, InvitePreview, InviteTokenRequest,
        LogEntryRequest, TeamInfo,
    },
};

use super::{auth::Ip, json::ApiJson, validate};
use crate::{
    ApiError, AppState,
    auth::{Member, SignedIn},
    ids::check_uuid,
    store::{invites::NewInvite, now, teams::version},
};

/// Per-IP attempts per minute on invitation links.
const IP_LIMIT: i64 = 30;
/// Wrong tokens per invitation per 5 minutes.
const INVITE_FAILURES: i64 = 10;

/// `POST /api/teams/{team}/invites` (admin).
pub(super) async fn create(
    State(state): State<AppState>,
    m: Member<{ Permission::Invite.level() }>,
    ApiJson(req): ApiJson<CreateInviteRequest>,
) -> Result<(StatusCode, Json<InviteInfo>), ApiError> {
    check_uuid(&req.id, "id")?;
    if req.role == signet_core::wire::Role::Owner && m.role < signet_core::wire::Role::Owner {
        return Err(ApiError::Forbidden(
            "only an owner can invite an owner".into(),
        ));
    }
    let days = req.expires_in_days.unwrap_or(7);
    if !(1..=30).contains(&days) {
        return Err(ApiError::Invalid("expires_in_days must be 1 to 30".into()));
    }
    validate::blob(&req.wrapped_team_key, "wrapped_team_key", 1024)?;
    validate::blob(&req.anchor, "anchor", 1024)?;
    let token_hash = hash_for_storage(PresentedSecret::InviteToken, &req.token)
        .map_err(|_| ApiError::Invalid("token must be at least 16 bytes of base64url".into()))?;
    let note = req
        .note
        .as_deref()
        .map(|n| validate::name(n, "note"))
        .transpose()?;
    let now = now();
    let invite = NewInvite {
        id: &req.id,
        team_id: m.team_id(),
        role: req.role,
        token_hash,
        wrapped_team_key: &req.wrapped_team_key,
        key_version: i64::from(req.key_version),
        note: note.as_deref(),
        expires_at: now + i64::from(days) * 24 * 3600,
        log_entry: &req.log_entry,
        anchor: &req.anchor,
    };
    state.store.create_invite(&invite, m.actor(), now).await?;
    let created = state
        .store
        .invites(m.team_id(), now)
        .await?
        .into_iter()
        .find(|i| i.id == req.id)
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `GET /api/teams/{team}/invites` (admin).
pub(super) async fn list(
    State(state): State<AppState>,
    m: Member<{ Permission::Invite.level() }>,
) -> Result<Json<Vec<InviteInfo>>, ApiError> {
    Ok(Json(state.store.invites(m.team_id(), now()).await?))
}

/// `DELETE /api/teams/{team}/invites/{invite}` (admin): revoke.
pub(super) async fn revoke(
    State(state): State<AppState>,
    m: Member<{ Permission::Invite.level() }>,
    Path((_, invite_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<LogEntryRequest>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&invite_id, "the invitation id in the path")?;
    state
        .store
        .revoke_invite(m.team_id(), &invite_id, m.actor(), &req.log_entry, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn limits(state: &AppState, ip: &str, invite_id: &str, now: i64) -> Result<(), ApiError> {
    state
        .store
        .rate_limit(&format!("invite-ip:{ip}"), 60, IP_LIMIT, now)
        .await?;
    state
        .store
        .rate_limited(
            &format!("invite-fail:{invite_id}"),
            300,
            INVITE_FAILURES,
            now,
        )
        .await
}

async fn count_failure<T>(
    state: &AppState,
    invite_id: &str,
    now: i64,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let Err(ApiError::BadCredentials(_)) = &result {
        match state
            .store
            .rate_limit(
                &format!("invite-fail:{invite_id}"),
                300,
                INVITE_FAILURES,
                now,
            )
            .await
        {
            Ok(()) | Err(ApiError::RateLimited { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    result
}

/// `POST /api/invites/{invite}/preview`: what the link offers (no account needed).
pub(super) async fn preview(
    State(state): State<AppState>,
    Ip(ip): Ip,
    Path(invite_id): Path<String>,
    ApiJson(req): ApiJson<InviteTokenRequest>,
) -> Result<Json<InvitePreview>, ApiError> {
    check_uuid(&invite_id, "the invitation id in the path")?;
    let now = now();
    limits(&state, &ip, &invite_id, now).await?;
    let result = state
        .store
        .preview_invite(&invite_id, &req.token, now)
        .await;
    count_failure(&state, &invite_id, now, result)
        .await
        .map(Json)
}

/// `POST /api/invites/{invite}/accept` (signed in): join the team.
pub(super) async fn accept(
    State(state): State<AppState>,
    user: SignedIn,
    Path(invite_id): Path<String>,
    ApiJson(req): ApiJson<AcceptInviteRequest>,
) -> Result<Json<TeamInfo>, ApiError> {
    check_uuid(&invite_id, "the invitation id in the path")?;
    validate::blob(&req.self_wrapped_team_key, "self_wrapped_team_key", 1024)?;
    let now = now();
    limits(&state, &user.actor.ip, &invite_id, now).await?;
    let result = state
        .store
        .accept_invite(
            &invite_id,
            &req.token,
            &req.self_wrapped_team_key,
            &user.actor,
            &req.log_entry,
            now,
        )
        .await;
    let (team_id, role) = count_failure(&state, &invite_id, now, result).await?;
    let team = state
        .store
        .team(&team_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(TeamInfo {
        id: team.id,
        name: team.name,
        role,
        key_version: version(team.key_version)?,
        rotation_needed: team.rotation_needed,
        created_at: team.created_at,
        deleted_at: None,
    }))
}
