//! `signet serve`: the dashboard and the API on one port (and, when asked, metrics on another).

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::Context;
use clap::Args;
use signet_server::{
    ServerConfig,
    alerts::send::Mailer,
    config::{AlertSettings, SmtpSettings},
    proxies::TrustedProxies,
    signups::{SignupMode, SignupPolicy},
};

/// Where to listen and where things live. Every flag has an environment variable and a key
/// in the config file (see [`super::serve_config`]).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A TOML file with any of these settings (keys: the flag names with underscores, e.g.
    /// `data_dir`). Flags and environment variables win over it.
    #[arg(long, env = "SIGNET_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
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
    /// Who may create an account: `open` (anyone who can reach the server), `invite-only`
    /// (people with an invitation link from a team admin) or `closed` (nobody). Default:
    /// invite-only, where the first account of a server without any may register.
    #[arg(long, env = "SIGNET_SIGNUPS", value_enum, default_value_t = Signups::InviteOnly)]
    signups: Signups,
    /// Only email addresses at these domains may sign up, e.g. acme.com,acme.de (exact
    /// match, case-insensitive: list subdomains too). Empty: any domain.
    #[arg(
        long,
        env = "SIGNET_SIGNUP_DOMAINS",
        value_delimiter = ',',
        action = clap::ArgAction::Append,
        value_name = "DOMAINS"
    )]
    signup_domains: Vec<String>,
    /// How the log on stderr is written: `text` for people, `json` for one JSON object per
    /// line (for a log collector).
    #[arg(long, env = "SIGNET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// `--signups`: who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Signups {
    /// Anyone who can reach the server.
    Open,
    /// The first account, then only with an invitation link.
    InviteOnly,
    /// No new accounts, not even with an invitation.
    Closed,
}

impl From<Signups> for SignupMode {
    fn from(s: Signups) -> Self {
        match s {
            Signups::Open => Self::Open,
            Signups::InviteOnly => Self::InviteOnly,
            Signups::Closed => Self::Closed,
        }
    }
}

/// The format of `signet serve`'s log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields`.
    Json,
}

impl ServeArgs {
    /// The config file `--config` or `SIGNET_CONFIG` names.
    pub fn config_file(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    /// What is wrong with these settings, as far as can be told without starting anything:
    /// the database URL's scheme, the public URL's, the SMTP relay's URL, From: and CA, the
    /// dashboard, the data directory. Empty when nothing is.
    pub fn offline_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(url) = self.database_url.as_deref().filter(|u| !u.is_empty())
            && !["postgres://", "postgresql://", "sqlite://"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        {
            problems.push(format!(
                "database_url must start with postgres:// or sqlite:// (got \"{}\"); leave it out to use the embedded SQLite database",
                super::serve_config::redact_password(url)
            ));
        }
        if self.database_url.as_deref().is_none_or(str::is_empty)
            && self.data_dir.exists()
            && !self.data_dir.is_dir()
        {
            problems.push(format!(
                "data_dir {} is a file, not a directory",
                self.data_dir.display()
            ));
        }
        if let Err(e) = signet_server::dashboard::Source::default_for(self.dist.clone()).check() {
            problems.push(format!("dist: {e}"));
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => {
                if let Err(e) =
                    signet_server::tls::Certificates::load(signet_server::tls::TlsFiles {
                        cert: cert.clone(),
                        key: key.clone(),
                    })
                {
                    problems.push(format!("tls_cert/tls_key: {e}"));
                }
            }
            (Some(_), None) => {
                problems.push("tls_cert is set but tls_key is not: give both".into())
            }
            (None, Some(_)) => {
                problems.push("tls_key is set but tls_cert is not: give both".into())
            }
            (None, None) => {}
        }
        if let Err(e) = self.check_public_url() {
            problems.push(format!("{e:#}"));
        }
        if let Err(e) = self.signup_policy() {
            problems.push(format!("{e:#}"));
        }
        match self.smtp() {
            Err(e) => problems.push(format!("{e:#}")),
            Ok(Some(smtp)) => {
                // Builds the transport only: nothing is sent and no connection is made.
                let built = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .map_err(|e| e.to_string())
                    .and_then(|rt| {
                        rt.block_on(async {
                            Mailer::new(&smtp).map(drop).map_err(|e| e.to_string())
                        })
                    });
                if let Err(e) = built {
                    problems.push(e);
                }
            }
            Ok(None) => {}
        }
        problems
    }

    /// The SMTP relay these flags describe, with the CA file read; `None` without
    /// `--smtp-url`.
    fn smtp(&self) -> anyhow::Result<Option<SmtpSettings>> {
        let ca_pem =
            match &self.smtp_ca {
                Some(path) => Some(std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read --smtp-ca (smtp_ca) {}", path.display())
                })?),
                None => None,
            };
        Ok(match &self.smtp_url {
            Some(url) if !url.trim().is_empty() => Some(SmtpSettings {
                url: url.trim().to_owned(),
                from: self.smtp_from.clone(),
                ca_pem,
            }),
            _ => None,
        })
    }

    /// Fails unless `--public-url`, when given, starts with `http://` or `https://`.
    fn check_public_url(&self) -> anyhow::Result<()> {
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            anyhow::bail!(
                "--public-url (public_url) must be the dashboard's address with its scheme, e.g. https://signet.example.com (got \"{url}\")"
            );
        }
        Ok(())
    }

    /// The sign-up policy `--signups` and `--signup-domains` describe.
    fn signup_policy(&self) -> anyhow::Result<SignupPolicy> {
        let domains: Vec<&str> = self
            .signup_domains
            .iter()
            .map(|d| d.trim())
            .filter(|d| !d.is_empty())
            .collect();
        SignupPolicy::new(self.signups.into(), &domains)
            .map_err(|e| anyhow::anyhow!("--signup-domains (signup_domains): {e}"))
    }

    /// The alert settings these flags describe.
    fn alerts(&self) -> anyhow::Result<AlertSettings> {
        self.check_public_url()?;
        Ok(AlertSettings {
            smtp: self.smtp()?,
            public_url: self.public_url.clone(),
            interval: std::time::Duration::from_secs(self.alert_interval),
            allow_private_targets: self.alert_allow_private_targets,
        })
    }
}

/// Sends the log to stderr in `format`, filtered by `SIGNET_LOG` (default `info,sqlx=warn`).
///
/// Events carry only what the server's `tracing::` calls put in them (ids, counts, kinds,
/// database error texts; never a secret, token or email address): the JSON form adds the
/// timestamp, level and target, and no span (the server opens none; request URIs are not
/// logged).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SIGNET_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}

/// Runs the server until SIGINT or SIGTERM, with `args` completed from the config file
/// (`matches` says which settings came from flags or the environment).
pub fn run(args: ServeArgs, matches: Option<&clap::ArgMatches>) -> anyhow::Result<()> {
    let args = match matches {
        Some(matches) => super::serve_config::resolve(args, matches)?,
        None => args,
    };
    init_logging(args.log_format);
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
            (None, None) => None,
            _ => anyhow::bail!(
                "TLS needs both tls_cert and tls_key (--tls-cert/--tls-key): only one is set"
            ),
        };
        let scheme = if config.tls.is_some() { "https" } else { "http" };
        config.alerts = args.alerts()?;
        config.trusted_proxies = args.trusted_proxies.clone();
        config.signups = args.signup_policy()?;
        if config.alerts.public_url.is_none() {
            config.alerts.public_url = Some(format!("{scheme}://{local}"));
            if !local.ip().is_loopback() {
                tracing::warn!(
                    "public_url (--public-url) is not set: links in alerts start at {scheme}://{local}, which people elsewhere may not open; set it to the dashboard's address as people reach it"
                );
            }
        }
        let backend = if config.database_url.is_some() {
            "DATABASE_URL".to_owned()
        } else {
            config.sqlite_path().display().to_string()
        };
        tracing::info!(%local, database = %backend, dashboard = %config.dashboard.describe(), "Signet {} listening", signet_server::VERSION);
        tracing::info!(policy = %config.signups.describe(), "sign-up");
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
