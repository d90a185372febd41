//! Serving the built dashboard from `dist/`.
//!
//! Files are served as they are (with precompressed `.gz` siblings when the browser accepts
//! gzip); any other non-API path gets `index.html`, so client-side routes survive a reload.

use std::path::Path;

use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::{AppState, ServerError};

/// Refuses to start without a built dashboard, naming the command that builds it.
pub fn check_dist(dist: &Path) -> Result<(), ServerError> {
    if dist.join("index.html").is_file() {
        Ok(())
    } else {
        Err(ServerError::MissingDist {
            path: dist.display().to_string(),
        })
    }
}

/// The static files, with `index.html` as the fallback for client-side routes.
pub fn router(dist: &Path) -> Router<AppState> {
    let index = ServeFile::new(dist.join("index.html"));
    let files = ServeDir::new(dist).precompressed_gzip().fallback(index);
    Router::new().fallback_service(files)
}
