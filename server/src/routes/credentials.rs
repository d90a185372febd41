//! `/api/teams/{team}/credentials/…`: metadata for every member, payloads for developers
//! (and robots within scope), revisions, trash.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use signet_core::wire::Permission;
use signet_core::wire::{
    Page,
    credential::{
        CreateCredentialRequest, CredentialInfo, CredentialPayload, UpdateCredentialRequest,
    },
};

use super::{json::ApiJson, validate};
use crate::{
    ApiError, AppState,
    auth::{Member, PayloadReader, Reader},
    ids::check_uuid,
    page_cache::PageKey,
    store::{
        credentials::{NewCredential, Trash},
        now,
    },
};

/// Largest sealed payload accepted (decoded): 5 MiB plus the envelope.
pub const MAX_PAYLOAD: usize = 5 * 1024 * 1024 + 1024;

/// `?deleted=true` lists the trash; `limit` (default 100, at most 1000) and `after` (the
/// previous page's `next`) page through it.
#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    deleted: bool,
    limit: Option<i64>,
    after: Option<String>,
}

/// The default page size of the credential list.
pub const DEFAULT_PAGE: i64 = 100;

fn parse_cursor(text: Option<&str>) -> Result<Option<(i64, String)>, ApiError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad =
        || ApiError::BadRequest("`after` must be the `next` value of the previous page".into());
    let (at, id) = text.split_once('.').ok_or_else(bad)?;
    check_uuid(id, "the cursor's id").map_err(|_| bad())?;
    Ok(Some((at.parse().map_err(|_| bad())?, id.to_owned())))
}

fn check_sealed(key: &str, payload: &str) -> Result<(), ApiError> {
    validate::blob(key, "wrapped_key", 1024)?;
    validate::blob(payload, "payload", MAX_PAYLOAD)
}

/// `GET /api/teams/{team}/credentials[?deleted=true&limit=&after=]`: a page of metadata
/// (with wrapped keys for developers). Robot tokens get every credential they may read, on
/// one page. Members' pages are rendered once per change of the team's credentials and then
/// served from [`crate::page_cache`].
pub(super) async fn list(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let team_id = &reader.team().id;
    if let Some(robot) = reader.robot() {
        let mut entries = Vec::new();
        let mut after = None;
        loop {
            let page = state
                .store
                .credentials(team_id, false, false, after, 1000)
                .await?;
            let last = page.last().map(|c| (c.created_at, c.id.clone()));
            let done = page.len() < 1000;
            entries.extend(page);
            if done {
                break;
            }
            after = last;
        }
        let entries = state.store.robot_filter(&robot.id, entries).await?;
        return Ok(Json(Page {
            entries,
            next: None,
        })
        .into_response());
    }
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::Invalid("limit must be 1 to 1000".into()));
    }
    let key = PageKey {
        team_id: team_id.clone(),
        deleted: q.deleted,
        with_keys: reader.may_read_secrets(),
        after: parse_cursor(q.after.as_deref())?,
        limit,
    };
    // Read with the caller's membership, before the page: see `page_cache`.
    let rev = reader.team().credentials_rev;
    if let Some(body) = state.pages.get(&key, rev) {
        return Ok(json_body(body));
    }
    let mut entries = state
        .store
        .credentials(
            team_id,
            key.deleted,
            key.with_keys,
            key.after.clone(),
            limit + 1,
        )
        .await?;
    let next = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|c| format!("{}.{}", c.created_at, c.id))
    } else {
        None
    };
    let body = Bytes::from(
        serde_json::to_vec(&Page { entries, next })
            .map_err(|e| ApiError::Internal(format!("rendering a credential page: {e}")))?,
    );
    state.pages.put(key, rev, body.clone());
    Ok(json_body(body))
}

fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `POST /api/teams/{team}/credentials` (developer).
pub(super) async fn create(
    State(state): State<AppState>,
    m: Member<{ Permission::EditCredentials.level() }>,
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
    let created = state.store.create_credential(&c, m.actor(), now()).await?;
    Ok((StatusCode::CREATED, Json(created)))
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
    PayloadReader { reader, sealed }: PayloadReader,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<CredentialPayload>, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    let team_id = &reader.team().id;
    let Some(robot) = reader.robot() else {
        // A member: the extractor read the payload with their membership.
        let sealed = sealed.ok_or(ApiError::NotFound)?;
        return Ok(Json(
            state
                .store
                .serve_payload(team_id, sealed, reader.actor(), now())
                .await?,
        ));
    };
    visible(&state, &reader, &id).await?;
    Ok(Json(
        state
            .store
            .read_payload(team_id, &id, Some(&robot.id), reader.actor(), now())
            .await?,
    ))
}

/// `PUT /api/teams/{team}/credentials/{credential}` (developer): only at the current revision.
pub(super) async fn update(
    State(state): State<AppState>,
    m: Member<{ Permission::EditCredentials.level() }>,
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
    // The credential as this update left it, not re-read after the commit (see
    // `Store::update_credential`).
    Ok(Json(
        state
            .store
            .update_credential(m.team_id(), &id, &req, m.actor(), now())
            .await?,
    ))
}

/// `?confirm_in_use=true` on `DELETE …/credentials/{credential}`.
#[derive(Debug, Deserialize)]
pub(super) struct TrashQuery {
    #[serde(default)]
    confirm_in_use: bool,
}

/// `DELETE /api/teams/{team}/credentials/{credential}[?confirm_in_use=true]` (developer): to
/// the trash. One that an app uses is refused (409 `credential_in_use`, naming each use)
/// unless the caller confirms.
pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member<{ Permission::EditCredentials.level() }>,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<TrashQuery>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    let how = if q.confirm_in_use {
        Trash::EvenIfUsed
    } else {
        Trash::IfUnused
    };
    state
        .store
        .trash_credential(m.team_id(), &id, how, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/teams/{team}/credentials/{credential}/restore` (developer).
pub(super) async fn restore(
    State(state): State<AppState>,
    m: Member<{ Permission::EditCredentials.level() }>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    state
        .store
        .trash_credential(m.team_id(), &id, Trash::Restore, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/teams/{team}/credentials/{credential}/purge` (admin): gone for good.
pub(super) async fn purge(
    State(state): State<AppState>,
    m: Member<{ Permission::PurgeCredentials.level() }>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&id, "the credential id in the path")?;
    state
        .store
        .purge_credential(m.team_id(), &id, m.actor(), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
