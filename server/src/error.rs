//! The server's errors: [`ServerError`] for starting up, [`ApiError`] for requests.
//!
//! One table maps each API error to its HTTP status and stable code; internal details are
//! logged, never returned to the client.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use signet_core::wire::{ErrorBody, ErrorDetail};

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The dashboard has not been built, so there is nothing to serve at `/`.
    #[error(
        "the dashboard is not built: {path} has no index.html. Run `cargo xtask run` (or `cargo xtask dist`) from the Signet checkout, or pass --dist / SIGNET_DIST pointing at a built dashboard"
    )]
    MissingDist {
        /// The directory that was looked at.
        path: String,
    },
    /// The database could not be opened, created or migrated.
    #[error("cannot open the database ({backend}): {reason}")]
    Database {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What the driver said.
        reason: String,
    },
    /// `DATABASE_URL` is neither `postgres://` nor `sqlite://`.
    #[error(
        "DATABASE_URL must start with postgres:// or sqlite:// (got \"{0}\"); leave it unset to use the embedded SQLite database"
    )]
    UnsupportedDatabaseUrl(String),
    /// Listening or serving failed at the socket level.
    #[error("network error: {0}")]
    Io(#[source] std::io::Error),
}

/// A failed API request. Rendered as `{"error":{"code","message"}}` with the matching status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No such route or resource (also what non-members see, so existence does not leak).
    #[error("not found")]
    NotFound,
    /// A dependency (the database) does not answer; retrying later may help.
    #[error("service unavailable")]
    Unavailable(String),
    /// The database failed; the details go to the log, the client gets a generic message.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The status and stable code for each variant: the one place this mapping lives.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            Self::NotFound => "no such API route or resource".to_owned(),
            Self::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable");
                "the server cannot reach its database right now; try again shortly".to_owned()
            }
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "the server hit an internal error; it has been logged. Try again, and report it if it persists".to_owned()
            }
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
            },
        };
        (status, Json(body)).into_response()
    }
}
