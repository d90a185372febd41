//! `signet serve`: the dashboard and the API on one port.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context;
use clap::Args;
use signet_server::ServerConfig;

/// Where to listen and where things live. Every flag has an environment variable.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SIGNET_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Directory for the embedded SQLite database (ignored when DATABASE_URL is set).
    #[arg(long, env = "SIGNET_DATA_DIR", default_value = "./signet-data")]
    data_dir: PathBuf,
    /// The built dashboard (made by `cargo xtask dist`).
    #[arg(long, env = "SIGNET_DIST", default_value = "./dist")]
    dist: PathBuf,
    /// `postgres://user:pass@host/db` to use PostgreSQL instead of the embedded SQLite.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

/// Runs the server until SIGINT or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIGNET_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // Fail before binding a port: a missing dashboard is the most common first-run mistake.
    signet_server::dashboard::check_dist(&args.dist)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {}: is another server using that port? Pick another with --bind or SIGNET_BIND",
                    args.bind
                )
            })?;
        let local = listener.local_addr().context("listener has no address")?;
        let config = ServerConfig {
            data_dir: args.data_dir,
            dist: args.dist,
            database_url: args.database_url,
        };
        let backend = if config.database_url.is_some() {
            "DATABASE_URL".to_owned()
        } else {
            config.sqlite_path().display().to_string()
        };
        tracing::info!(%local, database = %backend, "Signet {} listening", signet_server::VERSION);
        println!("Signet is running at http://{local}/  (Ctrl-C to stop)");
        signet_server::serve(config, listener, shutdown_signal())
            .await
            .context("the server stopped")?;
        tracing::info!("shut down cleanly");
        Ok(())
    })
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
