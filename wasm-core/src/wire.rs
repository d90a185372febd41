//! The JSON types of Signet's HTTP API, shared by the dashboard, the server and the CLI, so
//! the three can never disagree about a field name.

use serde::{Deserialize, Serialize};

/// `GET /api/health`: liveness plus what a person debugging a deployment wants to know first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the server answers and its database responds.
    pub status: String,
    /// The server's version (`CARGO_PKG_VERSION` of `signet-server`).
    pub version: String,
    /// The storage backend in use: `"sqlite"` or `"postgres"`.
    pub database: String,
}

/// The body of every failed API request: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// A machine-readable code and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, snake_case, for programs (`not_found`, `stale_revision`, ...).
    pub code: String,
    /// What was wrong and what to do, for people.
    pub message: String,
}
