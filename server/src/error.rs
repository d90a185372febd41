//! The server's errors: [`ServerError`] for starting up, [`ApiError`] for requests.
//!
//! One table ([`ApiError::status_and_code`]) maps each API error to its HTTP status and
//! stable code; internal details are logged, never returned to the client.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
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
    /// `Store::backup` made no copy: the target exists, the copy could not be written or
    /// fails its integrity check, or the database is PostgreSQL (which `pg_dump` backs up).
    #[error("{0}")]
    Backup(String),
    /// The alert settings cannot work (a bad SMTP URL, an unreadable CA file, a bad
    /// `From:`); says which and how to fix it.
    #[error("alerts: {0}")]
    AlertConfig(String),
    /// The TLS certificate or key cannot be used (unreadable, not PEM, not matching);
    /// says which file and why.
    #[error("TLS: {0}")]
    Tls(String),
    /// `--trusted-proxies` has an entry that is not an IP address or CIDR range; says which.
    #[error("{0}")]
    TrustedProxies(String),
    /// Listening or serving failed at the socket level.
    #[error("network error: {0}")]
    Io(#[source] std::io::Error),
}

/// A failed API request. Rendered as `{"error":{"code","message"}}` with the matching status.
/// Messages say what was wrong and what to do; they never contain secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The request is malformed: bad JSON, wrong types, a bad id, a missing field.
    #[error("{0}")]
    BadRequest(String),
    /// The request is well-formed but its content is not acceptable (a field out of range,
    /// a rule of the domain).
    #[error("{0}")]
    Invalid(String),
    /// No session, or it expired or was revoked: sign in again.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Wrong email, password, recovery code or token. Deliberately vague.
    #[error("{0}")]
    BadCredentials(&'static str),
    /// A cookie-authenticated write without the CSRF header.
    #[error("missing CSRF header")]
    Csrf,
    /// Signed in, a member, but the role is too low for this action.
    #[error("{0}")]
    Forbidden(String),
    /// The operator's sign-up policy refuses this new account (closed, invite-only without
    /// an invitation, a domain not allowed): the message says which and what to do.
    #[error("{message}")]
    SignupRefused {
        /// `signups_closed`, `signups_invite_only` or `signup_domain_not_allowed`.
        code: &'static str,
        /// Why, and what to do.
        message: String,
    },
    /// A robot token asked for something outside its scope.
    #[error("{0}")]
    OutOfScope(String),
    /// No such route or resource (also what non-members see, so existence does not leak).
    #[error("not found")]
    NotFound,
    /// The route exists, but not with this HTTP method (the response carries `Allow`).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The write conflicts with the current state (stale revision, duplicate id or name,
    /// a changed team key); nothing was changed.
    #[error("{message}")]
    Conflict {
        /// Stable code, e.g. `stale_revision`.
        code: &'static str,
        /// What happened and what to do.
        message: String,
    },
    /// An assignment did not carry a wrap of the credential's key for these live robot
    /// tokens in the app's scope (tokens with a card). Refused so that a client that does not
    /// know about robot cards cannot silently leave a CI token without what its app uses.
    #[error(
        "robot token(s) {} in this app's scope need the credential's key wrapped for them; \
         nothing was assigned. Update signet (or reload the dashboard) and assign again",
        .0.join(", ")
    )]
    RobotGrantsMissing(Vec<String>),
    /// An invitation that cannot be used (used, revoked, expired).
    #[error("{0}")]
    Gone(String),
    /// The body is larger than this route accepts.
    #[error("{0}")]
    TooLarge(String),
    /// Too many attempts; retry after the given number of seconds.
    #[error("too many attempts")]
    RateLimited {
        /// Seconds until the next attempt is accepted.
        retry_after: i64,
    },
    /// A dependency (the database) does not answer; retrying later may help.
    #[error("service unavailable")]
    Unavailable(String),
    /// The database failed; the details go to the log, the client gets a generic message.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The status and stable code for each variant: the one place this mapping lives.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::BadCredentials(_) => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            Self::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::SignupRefused { code, .. } => (StatusCode::FORBIDDEN, code),
            Self::OutOfScope(_) => (StatusCode::FORBIDDEN, "out_of_scope"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::RobotGrantsMissing(_) => (StatusCode::CONFLICT, "robot_grants_missing"),
            Self::Gone(_) => (StatusCode::GONE, "gone"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// A 409 with a stable code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(e.to_string())
            }
            e => Self::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            Self::NotFound => {
                "no such API route or resource (or you are not a member of its team)".to_owned()
            }
            Self::Csrf => format!(
                "this request changes data and must carry the {} header; the dashboard and CLI send it, a cross-site form cannot",
                signet_core::wire::CSRF_HEADER
            ),
            Self::RateLimited { retry_after } => {
                format!("too many attempts; wait {retry_after} seconds and try again")
            }
            Self::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable");
                "the server cannot reach its database right now; try again shortly".to_owned()
            }
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "the server hit an internal error; it has been logged. Try again, and report it if it persists".to_owned()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                robots: match &self {
                    Self::RobotGrantsMissing(ids) => ids.clone(),
                    _ => Vec::new(),
                },
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited { retry_after } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after.max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
