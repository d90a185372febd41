//! # signet-server
//!
//! The HTTP side of Signet. It stores only ciphertext and public metadata and is the one place
//! that decides who may fetch what. The `signet serve` command (in `signet-cli`) runs it; tests
//! run the same [`router`] on a loopback port.
//!
//! - [`config`] — where to listen, where the data and the dashboard live.
//! - [`store`] — the database (SQLite embedded by default, Postgres for scale-out).
//! - [`routes`] — the `/api/…` handlers.
//! - [`signups`] — who may create an account (`--signups`, `--signup-domains`).
//! - [`alerts`] — expiry and audit alerts to webhooks and email, on a schedule.
//! - [`dashboard`] — serving the built dashboard (`dist/`, or embedded in the binary).
//! - [`headers`] — security headers on every response (and HSTS when serving TLS).
//! - [`metrics`] — Prometheus metrics, on their own listener (`--metrics-bind`).
//! - [`proxies`] — the client's address behind trusted reverse proxies (`X-Forwarded-For`).
//! - [`tls`] — HTTPS with rustls, the certificate reloaded on SIGHUP.
//! - [`body_log`] — test mode only: a log of request bodies (`SIGNET_TEST_BODY_LOG`).
//! - [`error`] — the one error type, rendered as `{"error":{"code","message"}}`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alerts;
pub mod auth;
pub mod body_log;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod headers;
pub mod ids;
pub mod metrics;
pub mod page_cache;
pub mod proxies;
pub mod routes;
pub mod signups;
pub mod store;
pub mod tls;

use std::{future::Future, sync::Arc};

use axum::Router;
use tokio::net::TcpListener;

pub use config::ServerConfig;
pub use error::{ApiError, ServerError};
pub use store::Store;

/// The version reported by `/api/health` and shown in the dashboard's footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every handler can reach. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<Store>,
    /// Rendered credential-list pages, valid while their team's credentials are unchanged.
    pub pages: Arc<page_cache::PageCache>,
    /// The alert engine.
    pub alerts: Arc<alerts::Alerts>,
    /// The dashboard build's hash (`?v=` of its assets), for `/api/health`.
    pub dashboard_build: Option<Arc<str>>,
    /// Request, database and alert metrics (exported only on the metrics listener).
    pub metrics: Arc<metrics::Metrics>,
    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<proxies::TrustedProxies>,
    /// Who may create an account.
    pub signups: Arc<signups::SignupPolicy>,
}

/// How much rendered credential-list JSON a server keeps (16 MiB: a few hundred pages of 100).
pub const PAGE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// The whole application: `/api/…` plus the dashboard, with security headers, the client's
/// address worked out and every request counted in [`AppState::metrics`].
pub fn router(state: AppState, dashboard: &dashboard::Source) -> Router {
    let mut api = routes::api_router().layer(axum::middleware::from_fn(metrics::mark_route));
    if let Some(path) = body_log::path_from_env() {
        tracing::warn!(
            "test mode: logging every API request body to {} ({} is set)",
            path.display(),
            body_log::ENV
        );
        api = api.layer(axum::middleware::from_fn(move |request, next| {
            body_log::log_body(path.clone(), request, next)
        }));
    }
    Router::new()
        .nest("/api", api)
        // `nest` covers `/api` and `/api/x…` but not `/api/` itself, which would otherwise
        // reach the dashboard (its HTML for GET, a plain-text 405 for anything else).
        .route("/api/", axum::routing::any(|| async { ApiError::NotFound }))
        .merge(dashboard.router())
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.trusted_proxies),
            proxies::resolve,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.metrics),
            metrics::track,
        ))
        .with_state(state)
}

/// Opens the store, checks the dashboard exists, and serves until `shutdown` resolves.
///
/// In-flight requests are allowed to finish after `shutdown` (graceful shutdown).
pub async fn serve(
    config: ServerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    serve_with_metrics(config, listener, None, shutdown).await
}

/// Like [`serve`], and serves the metrics ([`metrics::router`]) on `metrics_listener` when
/// given. Both stop together when `shutdown` resolves.
pub async fn serve_with_metrics(
    config: ServerConfig,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    config.dashboard.check()?;
    let store = Arc::new(Store::open(&config).await?);
    let metrics = Arc::new(metrics::Metrics::new());
    let alerts = Arc::new(alerts::Alerts::new(
        Arc::clone(&store),
        config.alerts.clone(),
        config.clock.clone(),
        Arc::clone(&metrics),
    )?);
    let state = AppState {
        store,
        pages: Arc::new(page_cache::PageCache::new(PAGE_CACHE_BYTES)),
        alerts: Arc::clone(&alerts),
        dashboard_build: config.dashboard.build_id().map(Arc::from),
        metrics,
        trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        signups: Arc::new(config.signups.clone()),
    };
    // Load the certificate before anything runs: a bad one is a startup error.
    let certificates = match &config.tls {
        Some(files) => Some(Arc::new(tls::Certificates::load(files.clone())?)),
        None => None,
    };
    // One stop signal for both listeners: set by `shutdown`, or when the main one ends.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let signal = {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            shutdown.await;
            stop.send_replace(true);
        })
    };
    let metrics_task = metrics_listener.map(|listener| {
        tokio::spawn(metrics::serve(
            state.clone(),
            listener,
            until_stopped(stopped.clone()),
        ))
    });
    let worker = alerts.spawn();
    let reloader = tokio::spawn(reload_on_sighup(certificates.clone()));
    let mut app = router(state.clone(), &config.dashboard);
    let served = match &certificates {
        Some(certificates) => {
            app = app.layer(axum::middleware::from_fn(headers::hsts));
            let tls = tls::TlsListener::new(listener, certificates.server_config()?)
                .map_err(ServerError::Io)?;
            use axum::serve::ListenerExt;
            axum::serve(
                tls.tap_io(|_| {}),
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(until_stopped(stopped))
            .await
        }
        None => {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(until_stopped(stopped))
            .await
        }
    }
    .map_err(ServerError::Io);
    reloader.abort();
    stop.send_replace(true);
    signal.abort();
    worker.abort();
    let _ = worker.await;
    if let Some(task) = metrics_task {
        match task.await {
            Ok(Err(e)) => tracing::warn!("the metrics listener failed: {e}"),
            Err(e) => tracing::warn!("the metrics listener stopped: {e}"),
            Ok(Ok(())) => {}
        }
    }
    served?;
    state.store.close().await;
    Ok(())
}

/// SIGHUP (`systemctl reload signet`): reloads the TLS certificate and key when serving TLS;
/// otherwise says there is nothing to reload (instead of the signal's default: exiting).
async fn reload_on_sighup(certificates: Option<Arc<tls::Certificates>>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: the TLS certificate will not reload");
            return;
        };
        while hangups.recv().await.is_some() {
            match &certificates {
                Some(certificates) => match certificates.reload() {
                    Ok(()) => tracing::info!(
                        cert = %certificates.files().cert.display(),
                        "SIGHUP: reloaded the TLS certificate; new connections use it"
                    ),
                    Err(e) => tracing::error!("SIGHUP: kept the TLS certificate in use: {e}"),
                },
                None => tracing::info!("SIGHUP: not serving TLS, nothing to reload"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = certificates;
        std::future::pending::<()>().await;
    }
}
