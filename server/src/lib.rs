//! # signet-server
//!
//! The HTTP side of Signet. It stores only ciphertext and public metadata and is the one place
//! that decides who may fetch what. The `signet serve` command (in `signet-cli`) runs it; tests
//! run the same [`router`] on a loopback port.
//!
//! - [`config`] — where to listen, where the data and the dashboard live.
//! - [`store`] — the database (SQLite embedded by default, Postgres for scale-out).
//! - [`routes`] — the `/api/…` handlers.
//! - [`alerts`] — expiry and audit alerts to webhooks and email, on a schedule.
//! - [`dashboard`] — serving the built dashboard (`dist/`, or embedded in the binary).
//! - [`headers`] — security headers on every response (and HSTS when serving TLS).
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
pub mod page_cache;
pub mod routes;
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
}

/// How much rendered credential-list JSON a server keeps (16 MiB: a few hundred pages of 100).
pub const PAGE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// The whole application: `/api/…` plus the dashboard, with security headers.
pub fn router(state: AppState, dashboard: &dashboard::Source) -> Router {
    let mut api = routes::api_router();
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
    config.dashboard.check()?;
    let store = Arc::new(Store::open(&config).await?);
    let alerts = Arc::new(alerts::Alerts::new(
        Arc::clone(&store),
        config.alerts.clone(),
        config.clock.clone(),
    )?);
    let state = AppState {
        store,
        pages: Arc::new(page_cache::PageCache::new(PAGE_CACHE_BYTES)),
        alerts: Arc::clone(&alerts),
        dashboard_build: config.dashboard.build_id().map(Arc::from),
    };
    // Load the certificate before anything runs: a bad one is a startup error.
    let certificates = match &config.tls {
        Some(files) => Some(Arc::new(tls::Certificates::load(files.clone())?)),
        None => None,
    };
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
            .with_graceful_shutdown(shutdown)
            .await
        }
        None => {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await
        }
    }
    .map_err(ServerError::Io);
    reloader.abort();
    worker.abort();
    let _ = worker.await;
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
