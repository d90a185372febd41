//! `GET /api/health`.

use axum::{Json, extract::State};
use signet_core::wire::Health;

use crate::{AppState, VERSION, error::ApiError};

/// Liveness and the facts a person debugging a deployment wants first: version and backend.
/// Answers 503 when the database does not respond.
pub(super) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("database ping failed: {e}")))?;
    Ok(Json(Health {
        status: "ok".into(),
        version: VERSION.into(),
        database: state.store.backend().into(),
        dashboard: state.dashboard_build.as_deref().map(str::to_owned),
    }))
}
