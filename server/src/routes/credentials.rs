//! `/api/teams/{team}/credentials/…`: metadata for every member, payloads for developers
//! (and robots within scope), revisions, trash.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use serde::Deserialize;
use signet_core::wire::credential::{
    CreateCredentialRequest, CredentialInfo, CredentialPayload, UpdateCredentialRequest,
};

use super::{json::ApiJson, validate};
use crate::{
    ApiError, AppState,
    auth::{ADMIN, DEVELOPER, Member, Reader, SecretReader},
    ids::check_uuid,
    store::{credentials::NewCredential, now},
};

/// Largest sealed payload accepted (decoded): 5 MiB plus the envelope.
pub const MAX_PAYLOAD: usize = 5 * 1024 * 1024 + 1024;

/// `?deleted=true` lists the trash.
#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    deleted: bool,
}

fn check_sealed(key: &str, payload: &str) -> Result<(), ApiError> {
    validate::blob(key, "wrapped_key", 1024)?;
    validate::blob(payload, "payload", MAX_PAYLOAD)
}

/// `GET /api/teams/{team}/credentials[?deleted=true]`: metadata (wrapped keys for developers).
pub(super) async fn list(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<CredentialInfo>>, ApiError> {
    let team_id = &reader.team().id;
    match reader.robot() {
        Some(robot) => {
            let all = state.store.credentials(team_id, false, false).await?;
            Ok(Json(state.store.robot_filter(&robot.id, all).await?))
        }
        None => Ok(Json(
            state
                .store
                .credentials(team_id, q.deleted, reader.may_read_secrets())
                .await?,
        )),
    }
}

/// `POST /api/teams/{team}/credentials` (developer).
pub(super) async fn create(
    State(state): State<AppState>,
    m: Member<DEVELOPER>,
    ApiJson(req): ApiJson<CreateCredentialRequest>,
) -> Result<(StatusCode, Json<CredentialInfo>), ApiError> {
    check_uuid(&req.id, "id")?;
    let label = validate::name(&req.label, "the label")?;
    validate::metadata(&req.metadata)?;
    validate::blob(&req.metadata_signature, "metadata_signature", 1024)?;
    check_sealed(&req.wrapped_key, &req.payload)?;
    let c = NewCredential {
        id: &req.id,
        team_id: m.team_id(),
        kind: req.kind,
        label: &label,
        metadata: &req.metadata,
        metadata_signature: &req.metadata_signature,
        key_version: i64::from(req.key_version),
        wrapped_key: &req.wrapped_key,
        payload: &req.payload,
    };
    state.store.create_credential(&c, m.actor(), now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.credential(m.team_id(), &req.id, true).await?),
    ))
}

async fn visible(state: &AppState, reader: &Reader, id: &str) -> Result<(), ApiError> {
    if let Some(robot) = reader.robot()
        && !state
            .store
            .robot_credential_ids(&robot.id)
            .await?
            .iter()
            .any(|c| c == id)
    {
        return Err(ApiError::OutOfScope(format!(
            "this robot token was not granted credential {id} for an app in its scope; ask an admin for a token that covers it"
        )));
    }
    Ok(())
}

/// `GET /api/teams/{team}/credentials/{credential}`: one credential's metadata.
pub(super) async fn get(
    State(state): State<AppState>,
    reader: Reader,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<CredentialInfo>, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    visible(&state, &reader, &id).await?;
    let with_key = reader.may_read_secrets() && reader.robot().is_none();
    Ok(Json(
        state
            .store
            .credential(&reader.team().id, &id, with_key)
            .await?,
    ))
}

/// `GET /api/teams/{team}/credentials/{credential}/payload` (developer, or a robot in
/// scope): the sealed payload; audit-logged.
pub(super) async fn payload(
    State(state): State<AppState>,
    SecretReader(reader): SecretReader,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<CredentialPayload>, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    visible(&state, &reader, &id).await?;
    let robot_id = reader.robot().map(|r| r.id.clone());
    Ok(Json(
        state
            .store
            .read_payload(
                &reader.team().id,
                &id,
                robot_id.as_deref(),
                reader.actor(),
                now(),
            )
            .await?,
    ))
}

/// `PUT /api/teams/{team}/credentials/{credential}` (developer): only at the current revision.
pub(super) async fn update(
    State(state): State<AppState>,
    m: Member<DEVELOPER>,
    Path((_, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateCredentialRequest>,
) -> Result<Json<CredentialInfo>, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    let mut req = req;
    req.label = validate::name(&req.label, "the label")?;
    validate::metadata(&req.metadata)?;
    validate::blob(&req.metadata_signature, "metadata_signature", 1024)?;
    if let Some(sealed) = &req.sealed {
        check_sealed(&sealed.wrapped_key, &sealed.payload)?;
    }
    state
        .store
        .update_credential(m.team_id(), &id, &req, m.actor(), now())
        .await?;
    Ok(Json(state.store.credential(m.team_id(), &id, true).await?))
}

/// `DELETE /api/teams/{team}/credentials/{credential}` (developer): to the trash.
pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member<DEVELOPER>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    state
        .store
        .trash_credential(m.team_id(), &id, true, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/teams/{team}/credentials/{credential}/restore` (developer).
pub(super) async fn restore(
    State(state): State<AppState>,
    m: Member<DEVELOPER>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    state
        .store
        .trash_credential(m.team_id(), &id, false, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/teams/{team}/credentials/{credential}/purge` (admin): gone for good.
pub(super) async fn purge(
    State(state): State<AppState>,
    m: Member<ADMIN>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    state
        .store
        .purge_credential(m.team_id(), &id, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
