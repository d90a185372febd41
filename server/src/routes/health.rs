//! `GET /api/health` (liveness) and `GET /api/health/ready` (readiness).
//!
//! Liveness never touches the database, so a slow or unreachable database does not make an
//! orchestrator restart a process that is fine; readiness asks the database, so a load
//! balancer sends traffic only to replicas that can serve it.

use axum::{Json, extract::State};
use signet_core::wire::{Health, Readiness};

use crate::{AppState, VERSION, error::ApiError};

/// Liveness and the facts a person debugging a deployment wants first: version and backend.
/// Answers whenever the process does; no database query.
pub(super) async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: VERSION.into(),
        database: state.store.backend().into(),
        dashboard: state.dashboard_build.as_deref().map(str::to_owned),
    })
}

/// Readiness: a `SELECT 1` through the store's pool. 503 (`unavailable`) when the database
/// does not answer.
pub(super) async fn ready(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("readiness: database ping failed: {e}")))?;
    Ok(Json(Readiness {
        status: "ready".into(),
        database: state.store.backend().into(),
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::{http::StatusCode, response::IntoResponse};

    use super::*;
    use crate::{PAGE_CACHE_BYTES, ServerConfig, Store, alerts::Alerts, page_cache::PageCache};

    #[tokio::test]
    async fn ready_answers_while_the_database_does_and_503_once_it_does_not()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = ServerConfig::new(dir.path().to_path_buf(), dir.path().to_path_buf(), None);
        let store = Arc::new(Store::open(&config).await?);
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let state = AppState {
            store: Arc::clone(&store),
            pages: Arc::new(PageCache::new(PAGE_CACHE_BYTES)),
            alerts: Arc::new(Alerts::new(
                Arc::clone(&store),
                config.alerts.clone(),
                config.clock.clone(),
                Arc::clone(&metrics),
            )?),
            dashboard_build: None,
            metrics,
            trusted_proxies: Arc::new(crate::proxies::TrustedProxies::default()),
            signups: Arc::new(config.signups.clone()),
        };
        let Json(ok) = ready(State(state.clone())).await?;
        assert_eq!(ok.status, "ready");
        assert_eq!(ok.database, "sqlite");

        store.close().await;
        let response = match ready(State(state.clone())).await {
            Ok(_) => return Err("ready answered 200 with the pool closed".into()),
            Err(e) => e.into_response(),
        };
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(response.into_body(), 4096).await?;
        let body: serde_json::Value = serde_json::from_slice(&body)?;
        assert_eq!(body["error"]["code"], "unavailable");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("database")),
            "{body}"
        );
        // Liveness does not ask the database.
        assert_eq!(health(State(state)).await.status, "ok");
        Ok(())
    }
}
