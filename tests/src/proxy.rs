//! A tampering HTTP proxy for attack tests: it sits on a loopback port between a real client
//! (the `signet` CLI, or Chromium running the dashboard) and the real server, forwards every
//! request unchanged, and lets a test rewrite chosen answers — what a malicious server (or
//! anyone between client and server) would send.
//!
//! ```ignore
//! let proxy = TamperProxy::start(&server.url).await?;
//! let fired = proxy.on("GET", "/api/teams/{}/key", |answer| {
//!     let mut body = answer.json()?;
//!     body["sender_id"] = "…".into();
//!     answer.set_json(&body)
//! });
//! // point the client at proxy.url …
//! assert!(fired.count() > 0); // the attack was really delivered
//! ```
//!
//! Paths match segment by segment; `{}` matches any one segment, and the query string is
//! ignored. Rules are tried newest first; the first that matches rewrites the answer. Bodies
//! of `/api` requests are fetched uncompressed (the proxy drops `Accept-Encoding` there) so
//! rules see plain JSON; everything else (the dashboard's files) passes through as it is.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use anyhow::{Context, Result};
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::Response,
};
use serde_json::Value;
use tokio::{sync::oneshot, task::JoinHandle};

/// Largest request body the proxy forwards (the server's own limits are far below).
const MAX_REQUEST: usize = 64 * 1024 * 1024;

/// One answer from the server, as a rule may rewrite it.
#[derive(Debug)]
pub struct Answer {
    /// The request's method.
    pub method: String,
    /// The request's path (no query string).
    pub path: String,
    /// The request's body (for rules that look at what was sent).
    pub request_body: Bytes,
    /// The status the client will get.
    pub status: u16,
    /// The body the client will get.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Result<Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "{} {} answered {} (not JSON): {}",
                self.method,
                self.path,
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Replaces the body with `value`.
    pub fn set_json(&mut self, value: &Value) -> Result<()> {
        self.body = serde_json::to_vec(value)?;
        Ok(())
    }
}

/// How often a rule rewrote an answer.
#[derive(Debug, Clone, Default)]
pub struct Fired(Arc<AtomicUsize>);

impl Fired {
    /// The number of answers rewritten so far.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

type RewriteFn = dyn Fn(&mut Answer) -> Result<()> + Send + Sync;

struct Rule {
    method: String,
    pattern: Vec<String>,
    rewrite: Box<RewriteFn>,
    fired: Fired,
}

impl Rule {
    fn matches(&self, method: &str, path: &str) -> bool {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.method.eq_ignore_ascii_case(method)
            && segments.len() == self.pattern.len()
            && self
                .pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| p == "{}" || p == s)
    }
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    rules: Arc<Mutex<Vec<Rule>>>,
}

/// The proxy; stops when dropped.
pub struct TamperProxy {
    /// `http://127.0.0.1:PORT`: point the client here.
    pub url: String,
    rules: Arc<Mutex<Vec<Rule>>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl core::fmt::Debug for TamperProxy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TamperProxy")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl TamperProxy {
    /// Starts a proxy in front of `upstream` (e.g. `http://127.0.0.1:4321`).
    pub async fn start(upstream: &str) -> Result<Self> {
        let rules = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            rules: Arc::clone(&rules),
        };
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            url: format!("http://{addr}"),
            rules,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Rewrites the answers to `method path` (`{}` = any one segment) with `rewrite`.
    pub fn on(
        &self,
        method: &str,
        path: &str,
        rewrite: impl Fn(&mut Answer) -> Result<()> + Send + Sync + 'static,
    ) -> Fired {
        let fired = Fired::default();
        let rule = Rule {
            method: method.to_owned(),
            pattern: path
                .trim_matches('/')
                .split('/')
                .map(str::to_owned)
                .collect(),
            rewrite: Box::new(rewrite),
            fired: fired.clone(),
        };
        self.lock().push(rule);
        fired
    }

    /// Removes every rule: the proxy forwards honestly again.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stops the proxy.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await?;
        }
        Ok(())
    }
}

impl Drop for TamperProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "upgrade" | "host" | "content-length"
    )
}

async fn forward(State(shared): State<Shared>, request: Request) -> Response {
    match try_forward(&shared, request).await {
        Ok(response) => response,
        Err(e) => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::from(format!("tamper proxy: {e:#}")))
            .unwrap_or_default(),
    }
}

async fn try_forward(shared: &Shared, request: Request) -> Result<Response> {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or(path.clone(), |p| p.as_str().to_owned());
    let request_body = axum::body::to_bytes(body, MAX_REQUEST).await?;
    let api = path.starts_with("/api/");
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if hop_by_hop(name) || (api && name == "accept-encoding") {
            continue;
        }
        headers.append(name.clone(), value.clone());
    }
    let upstream = shared
        .client
        .request(
            reqwest::Method::from_bytes(method.as_bytes())?,
            format!("{}{path_and_query}", shared.upstream),
        )
        .headers(headers)
        .body(request_body.clone())
        .send()
        .await?;
    let status = upstream.status().as_u16();
    let response_headers = upstream.headers().clone();
    let body = upstream.bytes().await?.to_vec();
    let mut answer = Answer {
        method,
        path,
        request_body,
        status,
        body,
    };
    {
        let rules = shared
            .rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(rule) = rules
            .iter()
            .rev()
            .find(|r| r.matches(&answer.method, &answer.path))
        {
            (rule.rewrite)(&mut answer)?;
            rule.fired.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let mut response = Response::builder().status(answer.status);
    for (name, value) in &response_headers {
        if hop_by_hop(name) {
            continue;
        }
        response = response.header(name.as_str(), value.as_bytes());
    }
    let len = HeaderValue::from(answer.body.len());
    Ok(response
        .header("content-length", len)
        .body(Body::from(answer.body))?)
}
