//! `POST /api/teams/{team}/asc-relay`: the dashboard's way to App Store Connect, whose API
//! browsers cannot call (no CORS).
//!
//! The browser signs each token with the team's App Store Connect key (which the server never
//! sees) and scopes it to exactly one request with Apple's `scope` claim; this route forwards
//! that request, and only if the token allows exactly it and nothing else, to Apple's API host
//! only (`SIGNET_ASC_API_URL` overrides the host for the tests' simulator), under `/v1/` only.
//! So what passes through the server is a token good for one request for at most 20 minutes.
//! Tokens and bodies are never logged; the log gets the method and the resource path.

use signet_core::wire::Permission;
use std::sync::OnceLock;

use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use signet_core::{
    asc::{API_BASE, Method, request::is_api_path},
    keys::{asc::AUDIENCE, asc::MAX_TOKEN_LIFETIME_SECS, jwt},
};
use zeroize::Zeroizing;

use super::json::ApiJson;
use crate::{ApiError, auth::Member, store::now};

/// The variable naming another App Store Connect host (tests' simulator only).
pub const API_URL_VAR: &str = "SIGNET_ASC_API_URL";

/// Answers larger than this are refused.
const MAX_ANSWER: usize = 8 * 1024 * 1024;

/// What the browser asks to send.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RelayRequest {
    method: String,
    path: String,
    #[serde(default)]
    body: Option<Value>,
    token: Zeroizing<String>,
}

/// Apple's answer, as it came.
#[derive(Serialize)]
pub(super) struct RelayAnswer {
    status: u16,
    body: String,
}

struct Upstream {
    base: String,
    http: reqwest::Client,
}

/// Apple's host, or the override when it is https or a loopback http URL; `None` when the
/// override is unusable (then the route refuses, rather than sending anywhere else).
fn upstream() -> Option<&'static Upstream> {
    static UPSTREAM: OnceLock<Option<Upstream>> = OnceLock::new();
    UPSTREAM
        .get_or_init(|| {
            let base = match std::env::var(API_URL_VAR) {
                Ok(url) if !url.trim().is_empty() => {
                    let url = url.trim().trim_end_matches('/').to_owned();
                    let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
                        .iter()
                        .any(|p| url.starts_with(p));
                    if !(url.starts_with("https://") || loopback) {
                        tracing::error!("{API_URL_VAR} is neither https nor loopback: relay off");
                        return None;
                    }
                    url
                }
                _ => API_BASE.to_owned(),
            };
            let http = reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(15))
                .timeout(std::time::Duration::from_secs(120))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .ok()?;
            Some(Upstream { base, http })
        })
        .as_ref()
}

/// The token must be an ES256 JWT for App Store Connect, alive, at most 20 minutes from
/// expiry, and scoped to exactly `METHOD path`.
fn check_token(token: &str, method: Method, path: &str) -> Result<(), ApiError> {
    let refuse = |why: &str| {
        ApiError::Invalid(format!(
            "the App Store Connect token was refused before relaying: {why}. The dashboard \
             signs one token per request, scoped to exactly it; reload the page and try again"
        ))
    };
    let decoded = jwt::decode_unverified(token).map_err(|_| refuse("it is not a JWT"))?;
    if decoded.header.alg != jwt::Algorithm::ES256 {
        return Err(refuse("it is not ES256"));
    }
    let claims = &decoded.claims;
    if claims["aud"] != AUDIENCE {
        return Err(refuse("its audience is not appstoreconnect-v1"));
    }
    let exp = claims["exp"]
        .as_i64()
        .ok_or_else(|| refuse("it has no expiry"))?;
    let now = now();
    let lifetime = i64::try_from(MAX_TOKEN_LIFETIME_SECS).unwrap_or(1200);
    if exp <= now || exp - now > lifetime {
        return Err(refuse("it is expired or lives longer than 20 minutes"));
    }
    let wanted = format!("{} {path}", method.as_str());
    let scope = claims["scope"].as_array().ok_or_else(|| {
        refuse("it carries no scope claim, so it would allow any request to Apple")
    })?;
    if scope.len() != 1 || scope[0].as_str() != Some(wanted.as_str()) {
        return Err(refuse("its scope is not exactly this one request"));
    }
    Ok(())
}

/// `POST /api/teams/{team}/asc-relay` (developer and up).
pub(super) async fn relay(
    m: Member<{ Permission::EditCredentials.level() }>,
    ApiJson(req): ApiJson<RelayRequest>,
) -> Result<Json<RelayAnswer>, ApiError> {
    let method = Method::parse(&req.method)
        .ok_or_else(|| ApiError::BadRequest("method must be GET, POST or DELETE".into()))?;
    if !is_api_path(&req.path) {
        return Err(ApiError::BadRequest(
            "path must be an App Store Connect API path under /v1/".into(),
        ));
    }
    if (method == Method::Post) != req.body.is_some() {
        return Err(ApiError::BadRequest(
            "a POST carries a JSON body; GET and DELETE carry none".into(),
        ));
    }
    check_token(&req.token, method, &req.path)?;
    let upstream = upstream().ok_or_else(|| {
        ApiError::Unavailable("the App Store Connect relay is misconfigured".into())
    })?;
    tracing::info!(
        team = m.team_id(),
        "relaying {} {} to App Store Connect",
        method.as_str(),
        req.path.split('?').next().unwrap_or_default()
    );
    let url = format!("{}{}", upstream.base, req.path);
    let mut builder = match method {
        Method::Get => upstream.http.get(&url),
        Method::Post => upstream.http.post(&url),
        Method::Delete => upstream.http.delete(&url),
    }
    .bearer_auth(req.token.as_str());
    if let Some(body) = &req.body {
        builder = builder
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let unreachable = |e: reqwest::Error| {
        ApiError::Unavailable(format!(
            "could not reach App Store Connect from the Signet server ({}); try again later",
            e.without_url()
        ))
    };
    let mut answer = builder.send().await.map_err(unreachable)?;
    let status = answer.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(ApiError::Unavailable(
                "App Store Connect sent an answer too large to relay".into(),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Json(RelayAnswer {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    }))
}
