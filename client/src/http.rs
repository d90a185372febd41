//! JSON over HTTP to a Signet server, with one error type.

use reqwest::{Method, StatusCode};
use serde::{Serialize, de::DeserializeOwned};
use signet_core::wire::{CSRF_HEADER, ErrorBody};

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server could not be reached or the connection broke.
    #[error("cannot reach the Signet server at {url}: {reason}")]
    Network {
        /// The server's base URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error.
    #[error("{message} ({status} {code})")]
    Api {
        /// HTTP status.
        status: u16,
        /// Stable error code (`stale_revision`, `forbidden`…).
        code: String,
        /// The server's message.
        message: String,
    },
    /// The server's answer was not what this client understands.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The password did not open the account's keys (resuming a stored session, where the
    /// server does not check the password itself).
    #[error("wrong password: it does not open this account's keys")]
    WrongPassword,
    /// Encryption, decryption or a format check failed locally.
    #[error(transparent)]
    Vault(#[from] signet_core::Error),
}

impl ClientError {
    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The stable error code, for API errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The largest answer this client reads from a route, by kind: a credential payload (at most
/// 5 MiB sealed, as base64 in JSON), the paged lists (credentials, audit) and the membership
/// log, and every other (small) JSON answer. Past it the client stops reading.
fn answer_cap(path: &str) -> usize {
    const MIB: usize = 1024 * 1024;
    let path = path.split('?').next().unwrap_or(path);
    if path.ends_with("/payload") {
        16 * MIB
    } else if path.ends_with("/credentials") || path.ends_with("/audit") || path.ends_with("/log") {
        32 * MIB
    } else {
        4 * MIB
    }
}

/// How requests authenticate.
#[derive(Clone, Default)]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// A session token (`Authorization: Bearer`).
    Bearer(String),
    /// A robot token's id and auth half (`Authorization: Robot <id>.<auth>`).
    Robot {
        /// Token id.
        id: String,
        /// Auth half (text form).
        auth: String,
    },
}

impl core::fmt::Debug for Auth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Self::Robot { id, .. } => write!(f, "Robot({id}, <redacted>)"),
        }
    }
}

/// A server's base URL plus how to authenticate. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
    auth: Auth,
}

impl Api {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:8080`), unauthenticated.
    pub fn new(base: &str) -> Self {
        // Bounded waits, so a CLI on CI fails with a message instead of hanging on a server
        // that accepted the connection and never answers.
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(15))
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .unwrap_or_default();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
            auth: Auth::None,
        }
    }

    /// The same server with other credentials.
    pub fn with_auth(&self, auth: Auth) -> Self {
        Self {
            base: self.base.clone(),
            http: self.http.clone(),
            auth,
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends `body` (if any) as JSON to `/api{path}` and decodes the JSON answer (`()` for 204).
    pub async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let url = format!("{}/api{path}", self.base);
        let mut request = self.http.request(method, &url).header(CSRF_HEADER, "1");
        match &self.auth {
            Auth::None => {}
            Auth::Bearer(token) => request = request.bearer_auth(token),
            Auth::Robot { id, auth } => {
                request = request.header("authorization", format!("Robot {id}.{auth}"));
            }
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let mut response = request.send().await.map_err(|e| self.network(&e))?;
        let status = response.status();
        let cap = answer_cap(path);
        let too_big = || {
            ClientError::Protocol(format!(
                "the server's answer to {path} is larger than {} MiB, more than any genuine \
                 answer to it can be; refusing it (the server may be misbehaving)",
                cap / (1024 * 1024)
            ))
        };
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.network(&e))? {
            if bytes.len() + chunk.len() > cap {
                return Err(too_big());
            }
            bytes.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(body) => ClientError::Api {
                    status: status.as_u16(),
                    code: body.error.code,
                    message: body.error.message,
                },
                Err(_) => {
                    ClientError::Protocol(format!("{status} without a JSON error body from {url}"))
                }
            });
        }
        let bytes = if status == StatusCode::NO_CONTENT || bytes.is_empty() {
            b"null".to_vec()
        } else {
            bytes
        };
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol(format!("{path}: {e}")))
    }

    /// A transport error with its causes ("connection refused", "invalid peer certificate:
    /// UnknownIssuer"): reqwest's own message alone does not say what went wrong.
    fn network(&self, error: &reqwest::Error) -> ClientError {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !reason.contains(&text) {
                reason.push_str(": ");
                reason.push_str(&text);
            }
            source = cause.source();
        }
        ClientError::Network {
            url: self.base.clone(),
            reason,
        }
    }

    /// `GET`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<(), T>(Method::GET, path, None).await
    }

    /// `POST` with a JSON body.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// `PUT` with a JSON body.
    pub async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// `PATCH` with a JSON body.
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// `DELETE` (with an optional JSON body).
    pub async fn delete<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        self.call(Method::DELETE, path, body).await
    }
}
