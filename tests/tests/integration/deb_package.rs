//! The Debian package, installed on this machine with `dpkg -i` as an operator would: the
//! files where Debian puts them, the service user and its data directory, the unit accepted by
//! `systemd-analyze verify`, the unit's own `ExecStart` run as the package's user with the
//! packaged config (the dashboard served from inside the binary, no `dist/` anywhere), a
//! sign-up through the API, then an upgrade to a rebuilt package that keeps the data and the
//! operator's edits to the config. `cargo xtask test` builds both packages
//! (`SIGNET_TEST_DEB`, `SIGNET_TEST_DEB_UPGRADE`).

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context, Result, bail, ensure};
use signet_client::{Api, Session};
use signet_core::wire::Health;
use signet_tests::tools;

const UNIT: &str = "/lib/systemd/system/signet.service";
const CONFIG: &str = "/etc/signet/signet.toml";
const DATA: &str = "/var/lib/signet";

/// The packages `cargo xtask test` built, or `None` outside it (then the test says so).
fn packages() -> Result<Option<(PathBuf, PathBuf)>> {
    match (
        std::env::var_os("SIGNET_TEST_DEB"),
        std::env::var_os("SIGNET_TEST_DEB_UPGRADE"),
    ) {
        (Some(a), Some(b)) => Ok(Some((a.into(), b.into()))),
        _ if std::env::var_os("SIGNET_TEST_REQUIRE_BROWSER").is_some() => {
            bail!("SIGNET_TEST_DEB is not set: `cargo xtask test` builds the Debian packages")
        }
        _ => Ok(None),
    }
}

fn installed_version() -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status} ${Version}", "signet"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.strip_prefix("install ok installed ")
        .map(str::to_owned)
}

/// Where systemd runs, the package's scripts start `signet.service`; the test runs the unit's
/// command itself on the same data, so it stops the started one first (two servers must not
/// share one SQLite file).
fn stop_the_started_unit() -> Result<()> {
    if Path::new("/run/systemd/system").is_dir() {
        tools::run_ok("systemctl", &["stop", "signet.service"])?;
    }
    Ok(())
}

fn dpkg_install(deb: &Path) -> Result<String> {
    tools::run_ok(
        "dpkg",
        &["--force-confold", "--install", &deb.to_string_lossy()],
    )
}

/// The unit's `ExecStart=` command, split into words.
fn exec_start() -> Result<Vec<String>> {
    let unit = std::fs::read_to_string(UNIT)?;
    let line = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .context("the unit has no ExecStart")?;
    Ok(line.split_whitespace().map(str::to_owned).collect())
}

/// The unit's command, run as the package's user from `/` with the packaged config; the
/// listening address comes from the environment (it beats the file), so the test does not
/// depend on port 8080 being free.
struct Service {
    child: Child,
    url: String,
}

impl Service {
    fn start() -> Result<Self> {
        let command = exec_start()?;
        let mut child = Command::new("setpriv")
            .args(["--reuid=signet", "--regid=signet", "--init-groups", "--"])
            .args(&command)
            .current_dir("/")
            .env("SIGNET_BIND", "127.0.0.1:0")
            .env_remove("SIGNET_DIST")
            .env_remove("SIGNET_DATA_DIR")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the unit's command with setpriv")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(url) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(|u| u.trim_end_matches('/').to_owned())
        else {
            let _ = child.kill();
            bail!("the packaged signet did not print its URL; it printed {line:?}");
        };
        Ok(Self { child, url })
    }

    async fn health(&mut self) -> Result<Health> {
        for _ in 0..400 {
            if let Some(status) = self.child.try_wait()? {
                bail!("the packaged signet exited ({status})");
            }
            if let Ok(r) = reqwest::get(format!("{}/api/health", self.url)).await
                && r.status().is_success()
            {
                return Ok(r.json().await?);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!("the packaged signet never became healthy")
    }

    fn stop(mut self) -> Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        ensure!(status.success());
        let code = self.child.wait()?;
        ensure!(code.success(), "SIGTERM should be a clean stop: {code}");
        Ok(())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes what the test installed, whatever happened.
struct Cleanup {
    created_user: bool,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["--purge", "signet"]).output();
        let _ = std::fs::remove_dir_all(DATA);
        let _ = std::fs::remove_dir_all("/etc/signet");
        if self.created_user {
            let _ = Command::new("userdel").arg("signet").output();
            let _ = Command::new("groupdel").arg("signet").output();
        }
    }
}

fn owner_and_mode(path: &str) -> Result<String> {
    Ok(tools::run_ok("stat", &["-c", "%U:%G %a", path])?
        .trim()
        .to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_debian_package_installs_runs_as_its_user_and_upgrades_keeping_the_data() -> Result<()>
{
    let Some((deb, upgrade)) = packages()? else {
        eprintln!("skipped: run through `cargo xtask test`, which builds the Debian packages");
        return Ok(());
    };
    if let Some(version) = installed_version() {
        bail!(
            "a signet package ({version}) is already installed on this machine; the test will \
             not replace an operator's install"
        );
    }
    let created_user = Command::new("getent")
        .args(["passwd", "signet"])
        .output()?
        .stdout
        .is_empty();
    let _cleanup = Cleanup { created_user };

    dpkg_install(&deb)?;
    ensure!(installed_version().is_some(), "dpkg did not install signet");
    stop_the_started_unit()?;
    let depends = tools::run_ok("dpkg-query", &["-W", "-f=${Depends}", "signet"])?;
    ensure!(
        depends.contains("libc6 (>= 2.") && depends.contains("adduser"),
        "Depends: {depends}"
    );
    for path in [
        "/usr/bin/signet",
        UNIT,
        CONFIG,
        "/usr/share/doc/signet/copyright",
    ] {
        ensure!(Path::new(path).is_file(), "{path} is not installed");
    }
    ensure!(
        owner_and_mode(DATA)? == "signet:signet 700",
        "{}",
        owner_and_mode(DATA)?
    );
    ensure!(
        owner_and_mode(CONFIG)? == "root:signet 640",
        "{}",
        owner_and_mode(CONFIG)?
    );
    let unit = std::fs::read_to_string(UNIT)?;
    for setting in [
        "User=signet",
        "StateDirectory=signet",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "Restart=on-failure",
    ] {
        ensure!(unit.contains(setting), "the unit lacks {setting:?}");
    }
    if Path::new("/usr/bin/systemd-analyze").is_file() {
        let verify = tools::run("systemd-analyze", &["verify", UNIT])?;
        ensure!(verify.success, "systemd-analyze verify:\n{}", verify.text);
    }
    let version = tools::run_ok("/usr/bin/signet", &["--version"])?;
    ensure!(version.contains("embedded"), "{version}");
    let check = tools::run("/usr/bin/signet", &["config", "check", CONFIG])?;
    ensure!(
        check.success,
        "the packaged config does not check:\n{}",
        check.text
    );

    // The unit's command, as the unit runs it: the dashboard comes from inside the binary.
    let mut service = Service::start()?;
    let health = service.health().await?;
    ensure!(
        health.database == "sqlite" && health.dashboard.is_some(),
        "{health:?}"
    );
    let index = reqwest::get(format!("{}/", service.url))
        .await?
        .text()
        .await?;
    ensure!(
        index.contains(&format!(
            "?v={}",
            health.dashboard.clone().unwrap_or_default()
        )),
        "{index}"
    );
    let wasm = reqwest::Client::new()
        .get(format!("{}/app_bg.wasm", service.url))
        .header("accept-encoding", "gzip")
        .send()
        .await?;
    ensure!(
        wasm.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            == Some("application/wasm")
            && wasm
                .headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok())
                == Some("gzip"),
        "{:?}",
        wasm.headers()
    );
    // The embedded copy: brotli where the browser takes it, the same bytes' ETag, a 304 for a
    // cached copy, and `Vary` so a cache keeps the encodings apart.
    let http = reqwest::Client::builder().no_brotli().no_gzip().build()?;
    let br = http
        .get(format!("{}/app_bg.wasm", service.url))
        .header("accept-encoding", "br, gzip")
        .send()
        .await?;
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    ensure!(
        header(&br, "content-encoding").as_deref() == Some("br")
            && header(&br, "vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
        "{:?}",
        br.headers()
    );
    let etag = header(&br, "etag").context("no ETag on the embedded wasm")?;
    let brotli = br.bytes().await?;
    let plain = http
        .get(format!("{}/app_bg.wasm", service.url))
        .send()
        .await?;
    ensure!(header(&plain, "content-encoding").is_none());
    let plain = plain.bytes().await?;
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &brotli[..], &mut unpacked)?;
    ensure!(
        unpacked == plain && plain.starts_with(b"\0asm"),
        "the brotli copy is not the wasm"
    );
    let cached = http
        .get(format!("{}/app_bg.wasm", service.url))
        .header("if-none-match", &etag)
        .send()
        .await?;
    ensure!(
        cached.status() == reqwest::StatusCode::NOT_MODIFIED,
        "{}",
        cached.status()
    );
    // `signet --version` names the dashboard build that /api/health reports.
    ensure!(
        version.contains(&format!(
            "dashboard {}, embedded",
            health.dashboard.clone().unwrap_or_default()
        )),
        "{version} vs {health:?}"
    );
    let api = Api::new(&service.url);
    let (session, _) = Session::register(
        &api,
        "operator@example.test",
        "correct horse battery",
        signet_tests::cli::floor_kdf()?,
    )
    .await?;
    let (team, _) = session.create_team("Acme").await?;
    service.stop()?;
    ensure!(owner_and_mode(&format!("{DATA}/signet.db"))?.starts_with("signet:signet"));

    // The operator edits the config; an upgrade keeps the edit and the data.
    let edited = format!(
        "{}\n# edited by the operator\n",
        std::fs::read_to_string(CONFIG)?
    );
    std::fs::write(CONFIG, &edited)?;
    dpkg_install(&upgrade)?;
    stop_the_started_unit()?;
    ensure!(
        installed_version().is_some_and(|v| v.ends_with("+upgrade1")),
        "{:?}",
        installed_version()
    );
    ensure!(
        std::fs::read_to_string(CONFIG)? == edited,
        "the upgrade replaced the config"
    );
    let mut service = Service::start()?;
    service.health().await?;
    let again = Session::login(
        &Api::new(&service.url),
        "operator@example.test",
        "correct horse battery",
        false,
    )
    .await?;
    let teams = again.teams().await?;
    ensure!(
        teams.iter().any(|t| t.id == team.id && t.name == "Acme"),
        "the team did not survive the upgrade: {teams:?}"
    );
    service.stop()?;
    Ok(())
}
