//! The `/api/…` routes. Every unknown `/api` path answers a JSON 404, never the dashboard.

mod health;

use axum::{Router, routing::get};

use crate::{AppState, error::ApiError};

/// Everything under `/api`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .fallback(|| async { ApiError::NotFound })
}
