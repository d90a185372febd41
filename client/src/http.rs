//! JSON over HTTP to a Signet server, with one error type. What moves the bytes is the
//! [`crate::transport`].

use serde::{Serialize, de::DeserializeOwned};
use signet_core::wire::{CSRF_HEADER, ErrorBody, account::ClientKind};

pub use crate::transport::Method;
use crate::transport::{Platform, Request, Transport, TransportError};

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
    /// An invitation link that is cut short or damaged; says what to do (never echoes the
    /// link's secret).
    #[error("{0}")]
    BadInviteLink(String),
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

/// A server's base URL plus how to authenticate, over this target's [`Platform`]
/// transport. The one place that builds the API's URLs and headers and reads its answers.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    transport: Platform,
    auth: Auth,
    client: ClientKind,
}

impl Api {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:8080`), unauthenticated,
    /// that signs in as the CLI (a bearer token).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            transport: Platform::default(),
            auth: Auth::None,
            client: ClientKind::Cli,
        }
    }

    /// The dashboard's client: the page's own origin, signing in as a browser (the server
    /// answers with a `__Host-` cookie instead of a token, and requires the CSRF header this
    /// client always sends).
    pub fn browser(origin: &str) -> Self {
        Self {
            client: ClientKind::Browser,
            ..Self::new(origin)
        }
    }

    /// The same server with other credentials.
    pub fn with_auth(&self, auth: Auth) -> Self {
        Self {
            auth,
            ..self.clone()
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Which kind of client signs in through this (CLI or browser).
    pub fn client_kind(&self) -> ClientKind {
        self.client
    }

    /// Lets the host breathe between long local steps (see [`Transport::breathe`]).
    pub async fn breathe(&self) {
        self.transport.breathe().await;
    }

    /// Sends `body` (if any) as JSON to `/api{path}` and decodes the JSON answer (`()` for 204).
    pub async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ClientError::Protocol(format!("cannot encode the request: {e}")))?;
        let answer = self.exchange(method, path, body).await?;
        serde_json::from_slice(&answer).map_err(|e| ClientError::Protocol(format!("{path}: {e}")))
    }

    /// One request and its answer's JSON bytes (`null` for 204), or the error the server
    /// sent. Not generic, so there is one copy of it however many types the API returns.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}/api{path}", self.base);
        let mut headers = vec![(CSRF_HEADER, "1".to_owned())];
        match &self.auth {
            Auth::None => {}
            Auth::Bearer(token) => headers.push(("authorization", format!("Bearer {token}"))),
            Auth::Robot { id, auth } => {
                headers.push(("authorization", format!("Robot {id}.{auth}")));
            }
        }
        let cap = answer_cap(path);
        let request = Request {
            method,
            url: url.clone(),
            headers,
            body,
            cap,
        };
        let response = self.transport.send(request).await.map_err(|e| match e {
            TransportError::Network(reason) => ClientError::Network {
                url: self.base.clone(),
                reason,
            },
            TransportError::TooLarge => ClientError::Protocol(format!(
                "the server's answer to {path} is larger than {} MiB, more than any genuine \
                     answer to it can be; refusing it (the server may be misbehaving)",
                cap / (1024 * 1024)
            )),
        })?;
        let status = response.status;
        if !(200..300).contains(&status) {
            return Err(match serde_json::from_slice::<ErrorBody>(&response.body) {
                Ok(body) => ClientError::Api {
                    status,
                    code: body.error.code,
                    message: body.error.message,
                },
                Err(_) => ClientError::Protocol(format!(
                    "HTTP {status} without a JSON error body from {url}"
                )),
            });
        }
        Ok(if status == 204 || response.body.is_empty() {
            b"null".to_vec()
        } else {
            response.body
        })
    }

    /// `GET`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<(), T>(Method::Get, path, None).await
    }

    /// `POST` with a JSON body.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::Post, path, Some(body)).await
    }

    /// `PUT` with a JSON body.
    pub async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::Put, path, Some(body)).await
    }

    /// `PATCH` with a JSON body.
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::Patch, path, Some(body)).await
    }

    /// `DELETE` (with an optional JSON body).
    pub async fn delete<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        self.call(Method::Delete, path, body).await
    }
}
