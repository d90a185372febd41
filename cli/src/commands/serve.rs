//! `signet serve`: the dashboard and the API on one port (and, when asked, metrics on another).

use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context;
use clap::Args;
use signet_server::{
    ServerConfig,
    config::{AlertSettings, SmtpSettings},
    proxies::TrustedProxies,
};

/// Where to listen and where things live. Every flag has an environment variable.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SIGNET_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Directory for the embedded SQLite database (ignored when DATABASE_URL is set).
    #[arg(long, env = "SIGNET_DATA_DIR", default_value = "./signet-data")]
    data_dir: PathBuf,
    /// The built dashboard (made by `cargo xtask dist`). Default: the copy embedded in this
    /// binary when it has one (`cargo xtask release`, the Debian package), else ./dist.
    #[arg(long, env = "SIGNET_DIST")]
    dist: Option<PathBuf>,
    /// `postgres://user:pass@host/db` to use PostgreSQL instead of the embedded SQLite.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The SMTP relay alert emails go through: `smtp://user:pass@host:587` (STARTTLS,
    /// required), `smtps://user:pass@host:465` (TLS), or `smtp://localhost:25?tls=none` for a
    /// relay on this machine. Without it, teams can use webhooks but not email.
    #[arg(long, env = "SIGNET_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The From: of alert emails.
    #[arg(
        long,
        env = "SIGNET_SMTP_FROM",
        default_value = "Signet <signet@localhost>"
    )]
    smtp_from: String,
    /// A PEM root certificate to trust for the SMTP relay (e.g. your company's CA).
    #[arg(long, env = "SIGNET_SMTP_CA")]
    smtp_ca: Option<PathBuf>,
    /// The dashboard's address as people reach it (`https://signet.example.com`), for the
    /// links in alerts.
    #[arg(long, env = "SIGNET_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seconds between looks for expiring credentials and due alert deliveries.
    #[arg(long, env = "SIGNET_ALERT_INTERVAL", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    alert_interval: u64,
    /// Let alert webhooks reach loopback and private-network addresses (off: any user can
    /// make a team and add a webhook, and this server should not reach into your network
    /// for them).
    #[arg(long, env = "SIGNET_ALERT_ALLOW_PRIVATE_TARGETS")]
    alert_allow_private_targets: bool,
    /// Serve HTTPS: a PEM certificate chain, leaf first (e.g. fullchain.pem). Needs --tls-key.
    /// SIGHUP (`systemctl reload signet`) reloads both files without dropping connections.
    #[arg(long, env = "SIGNET_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's PEM private key (PKCS#8, RSA or EC).
    #[arg(long, env = "SIGNET_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics on this separate address (off unless
    /// given; keep it private, e.g. 127.0.0.1:9090).
    #[arg(long, env = "SIGNET_METRICS_BIND")]
    metrics_bind: Option<SocketAddr>,
    /// Reverse proxies whose X-Forwarded-For names the client (for rate limits and the
    /// audit log): IPs or CIDR ranges separated by commas, e.g. 127.0.0.1,10.0.0.0/8. Empty:
    /// the header is ignored and the client is the TCP peer.
    #[arg(long, env = "SIGNET_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: TrustedProxies,
}

impl ServeArgs {
    /// The alert settings these flags describe.
    fn alerts(&self) -> anyhow::Result<AlertSettings> {
        let smtp = match &self.smtp_url {
            Some(url) if !url.trim().is_empty() => Some(SmtpSettings {
                url: url.trim().to_owned(),
                from: self.smtp_from.clone(),
                ca_pem: match &self.smtp_ca {
                    Some(path) => Some(
                        std::fs::read_to_string(path)
                            .with_context(|| format!("cannot read --smtp-ca {}", path.display()))?,
                    ),
                    None => None,
                },
            }),
            _ => None,
        };
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            anyhow::bail!(
                "--public-url must be the dashboard's address with its scheme, e.g. https://signet.example.com (got \"{url}\")"
            );
        }
        Ok(AlertSettings {
            smtp,
            public_url: self.public_url.clone(),
            interval: std::time::Duration::from_secs(self.alert_interval),
            allow_private_targets: self.alert_allow_private_targets,
        })
    }
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
    let dashboard = signet_server::dashboard::Source::default_for(args.dist.clone());
    dashboard.check()?;
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
        let metrics_listener = match args.metrics_bind {
            Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.with_context(|| {
                format!(
                    "cannot listen for metrics on {addr}: is another server using that port? Pick another with --metrics-bind or SIGNET_METRICS_BIND"
                )
            })?),
            None => None,
        };
        let mut config = ServerConfig::new(args.data_dir.clone(), PathBuf::new(), args.database_url.clone());
        config.dashboard = dashboard;
        config.tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(signet_server::tls::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        };
        let scheme = if config.tls.is_some() { "https" } else { "http" };
        config.alerts = args.alerts()?;
        config.trusted_proxies = args.trusted_proxies.clone();
        if config.alerts.public_url.is_none() {
            config.alerts.public_url = Some(format!("{scheme}://{local}"));
        }
        let backend = if config.database_url.is_some() {
            "DATABASE_URL".to_owned()
        } else {
            config.sqlite_path().display().to_string()
        };
        tracing::info!(%local, database = %backend, dashboard = %config.dashboard.describe(), "Signet {} listening", signet_server::VERSION);
        println!("Signet is running at {scheme}://{local}/  (Ctrl-C to stop)");
        if let Some(metrics) = &metrics_listener {
            let addr = metrics.local_addr().context("metrics listener has no address")?;
            tracing::info!(%addr, "metrics listening");
            println!("Metrics are at http://{addr}/metrics");
        }
        signet_server::serve_with_metrics(config, listener, metrics_listener, shutdown_signal())
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
