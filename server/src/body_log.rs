//! Test mode only: a log of every API request body, so a browser test can prove the dashboard
//! never sends a password, private key, keystore or other secret in the clear.
//!
//! Off unless `SIGNET_TEST_BODY_LOG=<file>` is set when the router is built. When set, each
//! `/api` request appends `METHOD URI`, its body and a blank line to the file. Never set it in
//! production: the file would hold login proofs and ciphertext.

use std::{io::Write, path::PathBuf};

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The environment variable that turns the log on.
pub const ENV: &str = "SIGNET_TEST_BODY_LOG";

/// Larger than any body the API accepts (its own caps still apply after this layer).
const MAX_LOGGED: usize = 32 * 1024 * 1024;

/// The log file, when test mode asks for one.
pub fn path_from_env() -> Option<PathBuf> {
    std::env::var_os(ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Appends the request's method, URI and body to `path`, then passes the request on unchanged.
pub async fn log_body(path: PathBuf, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_LOGGED).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    // Inside `nest("/api", …)` the URI lost its prefix; the original one is what was sent.
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.to_string(), |o| o.0.to_string());
    let line = format!("{} {uri}\n", parts.method);
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = file.write_all(line.as_bytes());
        let _ = file.write_all(&bytes);
        let _ = file.write_all(b"\n\n");
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
