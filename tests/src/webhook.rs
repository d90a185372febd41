//! A webhook receiver on loopback, as a team's real endpoint would be: it checks a generic
//! webhook's HMAC-SHA256 signature (answering 401 when it does not verify, like a careful
//! receiver), records every request, and can be told to answer with a script of statuses
//! (`500` then `200`) to exercise retries.

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use anyhow::{Result, bail};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use signet_core::wire::alert::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use tokio::{sync::oneshot, task::JoinHandle};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The path after the receiver's base (`/generic`, `/slack`, …).
    pub path: String,
    /// [`EVENT_HEADER`].
    pub event: String,
    /// [`DELIVERY_HEADER`].
    pub delivery: String,
    /// Whether [`SIGNATURE_HEADER`] verified under the path's secret (`None` when the path
    /// has no secret).
    pub signed: Option<bool>,
    /// What the receiver answered.
    pub answered: u16,
    /// The body.
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    secrets: HashMap<String, String>,
    script: HashMap<String, VecDeque<u16>>,
    received: Vec<Received>,
}

/// A running receiver.
pub struct WebhookReceiver {
    /// `http://127.0.0.1:PORT`: destinations are `{url}/{name}`.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Verifies `t=<t>,v1=<hex>` over `"<t>.<body>"` with `secret`.
pub fn verify(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let Ok(expected) = hex::decode(v1) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let path = format!("/{name}");
    let header = |h: &str| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut inner = lock(&inner);
    let signed = inner
        .secrets
        .get(&path)
        .map(|secret| verify(secret, &header(SIGNATURE_HEADER), &body));
    let scripted = inner.script.get_mut(&path).and_then(VecDeque::pop_front);
    let answered = match (signed, scripted) {
        (Some(false), _) => 401,
        (_, Some(status)) => status,
        _ => 200,
    };
    inner.received.push(Received {
        path,
        event: header(EVENT_HEADER),
        delivery: header(DELIVERY_HEADER),
        signed,
        answered,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    StatusCode::from_u16(answered).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl WebhookReceiver {
    /// Starts a receiver on a free loopback port.
    pub async fn start() -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/{name}", axum::routing::post(handle))
            .with_state(Arc::clone(&inner));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            url,
            inner,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The URL of the endpoint `name`.
    pub fn endpoint(&self, name: &str) -> String {
        format!("{}/{name}", self.url)
    }

    /// Checks signatures on `name` with `secret` from now on.
    pub fn expect_secret(&self, name: &str, secret: &str) {
        lock(&self.inner)
            .secrets
            .insert(format!("/{name}"), secret.to_owned());
    }

    /// Answers the next requests to `name` with these statuses (then 200).
    pub fn answer(&self, name: &str, statuses: &[u16]) {
        lock(&self.inner)
            .script
            .entry(format!("/{name}"))
            .or_default()
            .extend(statuses);
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.inner).received.clone()
    }

    /// The requests to `name` that were accepted (2xx).
    pub fn accepted(&self, name: &str) -> Vec<Received> {
        let path = format!("/{name}");
        self.received()
            .into_iter()
            .filter(|r| r.path == path && (200..300).contains(&r.answered))
            .collect()
    }

    /// Waits (up to `seconds`) until `name` has accepted `count` requests matching `event`.
    pub async fn wait_for(
        &self,
        name: &str,
        event: &str,
        count: usize,
        seconds: u64,
    ) -> Result<Vec<Received>> {
        for _ in 0..seconds * 20 {
            let got: Vec<Received> = self
                .accepted(name)
                .into_iter()
                .filter(|r| r.event == event)
                .collect();
            if got.len() >= count {
                return Ok(got);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "{name} did not accept {count} \"{event}\" alert(s) within {seconds} s; it got: {:#?}",
            self.received()
        )
    }
}

impl core::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebhookReceiver").finish_non_exhaustive()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
