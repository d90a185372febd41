//! Server configuration: where to listen, where data and the dashboard live, where alerts go
//! out, which reverse proxies to believe, who may sign up, and the clock.

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use crate::{proxies::TrustedProxies, signups::SignupPolicy};

/// How `signet serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Directory for the embedded SQLite database (`signet.db`) when no `DATABASE_URL` is set.
    pub data_dir: PathBuf,
    /// The built dashboard (`index.html`, `app.js`, `app_bg.wasm`): a directory, or the copy
    /// embedded in the binary.
    pub dashboard: crate::dashboard::Source,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite, or `sqlite://PATH`.
    pub database_url: Option<String>,
    /// Alerts: the SMTP relay, the dashboard's public address, how often to look.
    pub alerts: AlertSettings,
    /// The time the server acts on.
    pub clock: Clock,
    /// Serve HTTPS with this certificate and key (reloaded on SIGHUP), with HSTS.
    pub tls: Option<crate::tls::TlsFiles>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: TrustedProxies,
    /// Who may create an account (default: the first account, then invite-only).
    pub signups: SignupPolicy,
}

impl ServerConfig {
    /// A configuration with default alert settings, the system clock and the default sign-up
    /// policy (the first account, then invite-only), serving the dashboard from the directory
    /// `dist`.
    pub fn new(data_dir: PathBuf, dist: PathBuf, database_url: Option<String>) -> Self {
        Self {
            data_dir,
            dashboard: crate::dashboard::Source::Dir(dist),
            database_url,
            alerts: AlertSettings::default(),
            clock: Clock::system(),
            tls: None,
            trusted_proxies: TrustedProxies::default(),
            signups: SignupPolicy::default(),
        }
    }

    /// The SQLite file used when no `DATABASE_URL` is given.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("signet.db")
    }

    /// The SQLite file this configuration uses: [`Self::sqlite_path`] without a
    /// `DATABASE_URL`, the path of a `sqlite://PATH` URL, and `None` for PostgreSQL (or a URL
    /// [`crate::Store::open`] refuses).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match self.database_url.as_deref() {
            None | Some("") => Some(self.sqlite_path()),
            Some(url) => url.strip_prefix("sqlite://").map(PathBuf::from),
        }
    }

    /// Whether `DATABASE_URL` names a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.database_url
            .as_deref()
            .is_some_and(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
    }
}

/// Where and how alerts go out.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// The SMTP relay for email destinations; without one, email destinations are refused.
    pub smtp: Option<SmtpSettings>,
    /// The dashboard's address as people reach it (`https://signet.example.com`), for the
    /// links in alerts. Without it alerts name the page's path only.
    pub public_url: Option<String>,
    /// How often the server looks for something to alert about and for deliveries due.
    pub interval: Duration,
    /// Let webhooks reach loopback and private addresses. Off by default: any user can make
    /// a team and add a webhook, and the server must not become a way into the operator's
    /// own network.
    pub allow_private_targets: bool,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            smtp: None,
            public_url: None,
            interval: Duration::from_secs(60),
            allow_private_targets: false,
        }
    }
}

/// The SMTP relay alerts are mailed through.
#[derive(Clone)]
pub struct SmtpSettings {
    /// `smtp://user:pass@host:587` (STARTTLS, required), `smtps://…:465` (TLS), or
    /// `smtp://host:25?tls=none` (plain; only to a loopback host).
    pub url: String,
    /// The `From:` of alert mails.
    pub from: String,
    /// An extra root certificate (PEM) to trust for the relay, e.g. a company CA.
    pub ca_pem: Option<String>,
}

impl core::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("url", &crate::store::redact_url(&self.url))
            .field("from", &self.from)
            .field("ca_pem", &self.ca_pem.is_some())
            .finish()
    }
}

/// The time the server acts on: the system clock plus an offset that tests move forward, so
/// an expiry thirty days away can be reached without waiting thirty days. Clones share the
/// offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        crate::store::now() + self.offset.load(Ordering::SeqCst)
    }

    /// Moves this clock (and its clones) `seconds` forward.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
    }
}
