//! The real server for tests.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context, Result, bail};
use signet_core::wire::Health;
use signet_server::{ServerConfig, signups::SignupPolicy};
use tokio::{sync::oneshot, task::JoinHandle};

/// `signet-server` running in this process on `127.0.0.1:<free port>`, with its SQLite
/// database in a temporary directory. Shut down (gracefully) on drop.
///
/// [`TestServer::start`] and [`TestServer::start_on`] open sign-up to anyone
/// ([`SignupPolicy::open`]), as most tests register several accounts; a test of the policy
/// passes its own to [`TestServer::start_with`], which keeps the config's.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The data directory (holds `signet.db`).
    pub data_dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), signet_server::ServerError>>>,
}

impl TestServer {
    /// Starts the server with the built dashboard and a fresh SQLite database.
    pub async fn start() -> Result<Self> {
        let dist = crate::paths::dist()?;
        let data_dir = tempfile::tempdir()?;
        let config = ServerConfig::new(data_dir.path().to_path_buf(), dist, None);
        Self::start_with(open_signups(config), data_dir).await
    }

    /// Starts the server with the built dashboard, a fresh SQLite database and `signups`.
    pub async fn start_with_signups(signups: SignupPolicy) -> Result<Self> {
        let dist = crate::paths::dist()?;
        let data_dir = tempfile::tempdir()?;
        let mut config = ServerConfig::new(data_dir.path().to_path_buf(), dist, None);
        config.signups = signups;
        Self::start_with(config, data_dir).await
    }

    /// Starts the server on the database at `database_url` (e.g. one from
    /// [`crate::postgres::database`]) with the built dashboard.
    pub async fn start_on(database_url: &str) -> Result<Self> {
        let dist = crate::paths::dist()?;
        let data_dir = tempfile::tempdir()?;
        let config = ServerConfig::new(
            data_dir.path().to_path_buf(),
            dist,
            Some(database_url.to_owned()),
        );
        Self::start_with(open_signups(config), data_dir).await
    }

    /// Starts the server with `config`; `data_dir` is kept alive as long as the server.
    pub async fn start_with(config: ServerConfig, data_dir: tempfile::TempDir) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(signet_server::serve(config, listener, async move {
            let _ = rx.await;
        }));
        let server = Self {
            url: format!("http://{addr}"),
            addr,
            data_dir,
            shutdown: Some(tx),
            task: Some(task),
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    async fn wait_healthy(&self) -> Result<()> {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(response) = client.get(format!("{}/api/health", self.url)).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!("the test server at {} never became healthy", self.url)
    }

    /// Stops accepting, lets in-flight requests finish, and returns what `serve` returned.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .context("the server did not shut down within 10 s")??
                .context("the server returned an error")?;
        }
        Ok(())
    }
}

/// `config` with sign-up open to anyone: what the harness servers run with.
pub fn open_signups(mut config: ServerConfig) -> ServerConfig {
    config.signups = SignupPolicy::open();
    config
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The real `signet serve` binary as a child process. Its log goes to `signet-serve.log` in
/// its data dir. Started with `--signups open` unless the test's flags set `--signups`
/// ([`ServeProcess::start_command`] passes exactly what it is given).
#[derive(Debug)]
pub struct ServeProcess {
    /// `http://127.0.0.1:PORT`, read from the line the server prints.
    pub url: String,
    /// `http://127.0.0.1:PORT/metrics` when started with `--metrics-bind`, read from the
    /// second line the server prints.
    pub metrics_url: Option<String>,
    child: Child,
    log: PathBuf,
}

impl ServeProcess {
    /// Starts `signet serve --bind 127.0.0.1:0` with `data_dir` and `dist`, and waits for the
    /// "running at" line.
    pub fn start(data_dir: &Path, dist: &Path) -> Result<Self> {
        Self::start_with(data_dir, dist, None)
    }

    /// Like [`ServeProcess::start`], on the database `database_url` when given. The line
    /// comes before the database is opened: wait for [`ServeProcess::health`] before relying
    /// on it.
    pub fn start_with(data_dir: &Path, dist: &Path, database_url: Option<&str>) -> Result<Self> {
        Self::start_logging(data_dir, dist, database_url, None)
    }

    /// Like [`ServeProcess::start_with`], logging with the filter `log` (`SIGNET_LOG`, e.g.
    /// `debug`) when given.
    pub fn start_logging(
        data_dir: &Path,
        dist: &Path,
        database_url: Option<&str>,
        log_filter: Option<&str>,
    ) -> Result<Self> {
        Self::start_flags(data_dir, dist, database_url, log_filter, &[])
    }

    /// Like [`ServeProcess::start`] with more flags (e.g. `--metrics-bind 127.0.0.1:0`,
    /// `--trusted-proxies 127.0.0.1`).
    pub fn start_args(data_dir: &Path, dist: &Path, args: &[&str]) -> Result<Self> {
        Self::start_flags(data_dir, dist, None, None, args)
    }

    fn start_flags(
        data_dir: &Path,
        dist: &Path,
        database_url: Option<&str>,
        log_filter: Option<&str>,
        args: &[&str],
    ) -> Result<Self> {
        let bin = crate::paths::signet_bin()?;
        std::fs::create_dir_all(data_dir)?;
        let log = data_dir.join("signet-serve.log");
        let mut command = Command::new(&bin);
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--dist")
            .arg(dist)
            .args(args)
            .args(if args.iter().any(|a| a.starts_with("--signups")) {
                &[][..]
            } else {
                &["--signups", "open"][..]
            })
            .env_remove("DATABASE_URL")
            .env_remove("SIGNET_METRICS_BIND")
            .env_remove("SIGNET_TRUSTED_PROXIES")
            .env_remove("SIGNET_TLS_CERT")
            .env_remove("SIGNET_TLS_KEY")
            .env_remove("SIGNET_CONFIG")
            .env_remove("SIGNET_SIGNUPS")
            .env_remove("SIGNET_SIGNUP_DOMAINS")
            .env_remove("SIGNET_LOG_FORMAT");
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        if let Some(filter) = log_filter {
            command.env("SIGNET_LOG", filter);
        }
        Self::spawn(command, log, args.contains(&"--metrics-bind"))
    }

    /// The environment variables that set `signet serve`'s settings.
    pub const SETTING_VARS: [&str; 19] = [
        "SIGNET_CONFIG",
        "SIGNET_TLS_CERT",
        "SIGNET_TLS_KEY",
        "SIGNET_METRICS_BIND",
        "SIGNET_TRUSTED_PROXIES",
        "SIGNET_BIND",
        "SIGNET_DATA_DIR",
        "SIGNET_DIST",
        "DATABASE_URL",
        "SIGNET_SMTP_URL",
        "SIGNET_SMTP_FROM",
        "SIGNET_SMTP_CA",
        "SIGNET_PUBLIC_URL",
        "SIGNET_ALERT_INTERVAL",
        "SIGNET_ALERT_ALLOW_PRIVATE_TARGETS",
        "SIGNET_SIGNUPS",
        "SIGNET_SIGNUP_DOMAINS",
        "SIGNET_LOG_FORMAT",
        "SIGNET_LOG",
    ];

    /// Starts `signet ARGS` (e.g. `serve --config FILE`) with none of
    /// [`ServeProcess::SETTING_VARS`] but those in `envs`, its stderr going to `log`, and
    /// waits for the "running at" line.
    pub fn start_command(
        args: &[&std::ffi::OsStr],
        envs: &[(&str, &std::ffi::OsStr)],
        log: &Path,
    ) -> Result<Self> {
        let mut command = Command::new(crate::paths::signet_bin()?);
        command.args(args);
        for var in Self::SETTING_VARS {
            command.env_remove(var);
        }
        command.envs(envs.iter().copied());
        Self::spawn(command, log.to_path_buf(), false)
    }

    /// Spawns `command` with its stderr going to `log`, and reads the URL it prints (and the
    /// metrics URL on the next line, with `metrics`).
    fn spawn(mut command: Command, log: PathBuf, metrics: bool) -> Result<Self> {
        let program = command.get_program().to_owned();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&log)?)
            .spawn()
            .with_context(|| format!("cannot start {}", Path::new(&program).display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut stdout = BufReader::new(stdout);
        let mut read_url = || -> Result<Option<String>> {
            let mut line = String::new();
            stdout.read_line(&mut line)?;
            Ok(line
                .split_whitespace()
                .find(|w| w.starts_with("http://") || w.starts_with("https://"))
                .map(|u| u.trim_end_matches('/').to_owned()))
        };
        let Some(url) = read_url()? else {
            let _ = child.kill();
            bail!(
                "signet serve did not print its URL; its log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let metrics_url = if metrics {
            let Some(metrics) = read_url()? else {
                let _ = child.kill();
                bail!("signet serve --metrics-bind did not print the metrics URL");
            };
            Some(metrics)
        } else {
            None
        };
        Ok(Self {
            url,
            metrics_url,
            child,
            log,
        })
    }

    /// Waits (up to 10 s) for `/api/health` to answer 200 and returns what it said; fails at
    /// once if the process exits (e.g. it cannot open its database).
    pub async fn health(&mut self) -> Result<Health> {
        let client = reqwest::Client::new();
        for _ in 0..400 {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "signet serve exited ({status}) instead of answering /api/health; its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if let Ok(response) = client.get(format!("{}/api/health", self.url)).send().await
                && response.status().is_success()
            {
                return Ok(response.json().await?);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!("signet serve at {} never became healthy", self.url)
    }

    /// What the server printed on stderr (its log) so far.
    pub fn log(&self) -> Result<Vec<u8>> {
        Ok(std::fs::read(&self.log)?)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. `TERM`) with the `kill` command.
    pub fn signal(&self, signal: &str) -> Result<()> {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()?;
        if !status.success() {
            bail!("kill -{signal} failed");
        }
        Ok(())
    }

    /// Waits up to `limit` for the process to exit and returns its exit code.
    pub fn wait_exit(&mut self, limit: Duration) -> Result<Option<i32>> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.code());
            }
            if std::time::Instant::now() > deadline {
                bail!("signet serve did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process with SIGKILL (no shutdown code runs: a crash, an OOM kill, a pulled
    /// plug as far as the process can tell) and reaps it.
    pub fn kill9(&mut self) -> Result<()> {
        // `Child::kill` sends SIGKILL on Unix, to this process only.
        self.child.kill().context("cannot SIGKILL signet serve")?;
        self.child.wait().context("cannot reap signet serve")?;
        Ok(())
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
