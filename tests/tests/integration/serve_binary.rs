//! The real `signet serve` binary: flags, the config file and its precedence, `signet config
//! check`, JSON logs, readiness, the missing-dashboard message, graceful shutdown.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use signet_client::{Api, Session};
use signet_core::wire::{Health, Readiness};
use signet_tests::{
    api::{PASSWORD, weak_kdf},
    paths,
    server::ServeProcess,
};

#[tokio::test]
async fn signet_serve_answers_and_stops_cleanly_on_sigterm_and_sigint() -> anyhow::Result<()> {
    let dist = paths::dist()?;
    for signal in ["TERM", "INT"] {
        let data = tempfile::tempdir()?;
        let mut server = ServeProcess::start(data.path(), &dist)?;
        let health: Health = reqwest::get(format!("{}/api/health", server.url))
            .await?
            .json()
            .await?;
        assert_eq!(health.database, "sqlite");
        assert!(data.path().join("signet.db").is_file());
        server.signal(signal)?;
        let code = server.wait_exit(Duration::from_secs(10))?;
        assert_eq!(code, Some(0), "SIG{signal} should be a clean shutdown");
    }
    Ok(())
}

#[test]
fn signet_serve_without_a_dashboard_tells_you_to_run_cargo_xtask_run() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let out = Command::new(paths::signet_bin()?)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data.path())
        .arg("--dist")
        .arg(data.path().join("no-dist"))
        .output()?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cargo xtask run"), "{stderr}");
    Ok(())
}

#[test]
fn signet_serve_reads_its_settings_from_the_environment() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    // A bad bind address from SIGNET_BIND must be reported as such.
    let out = Command::new(paths::signet_bin()?)
        .arg("serve")
        .env("SIGNET_BIND", "not-an-address")
        .env("SIGNET_DATA_DIR", data.path())
        .env("SIGNET_DIST", paths::dist()?)
        .output()?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not-an-address"), "{stderr}");
    Ok(())
}

/// Writes `text` to `name` in `dir` and returns its path.
fn write_config(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path)
}

/// `key = "value"` with the value quoted for TOML (paths on this machine are plain).
fn toml_line(key: &str, value: &Path) -> String {
    format!("{key} = {:?}\n", value.display().to_string())
}

/// A port nothing listens on right now.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[tokio::test]
async fn a_config_file_sets_bind_and_data_dir_and_the_server_is_live_and_ready()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("from-file");
    let port = free_port()?;
    let config = write_config(
        dir.path(),
        "signet.toml",
        &format!(
            "bind = \"127.0.0.1:{port}\"\n{}{}alert_interval = 3600\npublic_url = \"https://signet.example.com\"\n",
            toml_line("data_dir", &data),
            toml_line("dist", &paths::dist()?),
        ),
    )?;
    let log = dir.path().join("serve.log");
    let mut server = ServeProcess::start_command(
        &[
            OsStr::new("serve"),
            OsStr::new("--config"),
            config.as_os_str(),
        ],
        &[],
        &log,
    )?;
    assert_eq!(server.url, format!("http://127.0.0.1:{port}"));
    let health = server.health().await?;
    assert_eq!(health.status, "ok");
    assert!(
        data.join("signet.db").is_file(),
        "no signet.db where the file says"
    );

    let response = reqwest::get(format!("{}/api/health/ready", server.url)).await?;
    assert_eq!(response.status(), 200);
    let ready: Readiness = response.json().await?;
    assert_eq!(ready.status, "ready");
    assert_eq!(ready.database, "sqlite");

    server.signal("TERM")?;
    assert_eq!(server.wait_exit(Duration::from_secs(10))?, Some(0));
    Ok(())
}

#[tokio::test]
async fn a_flag_beats_the_environment_which_beats_the_config_file() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (file_dir, env_dir, flag_dir) = (
        dir.path().join("file"),
        dir.path().join("env"),
        dir.path().join("flag"),
    );
    let config = write_config(
        dir.path(),
        "signet.toml",
        &format!(
            "bind = \"127.0.0.1:0\"\n{}{}",
            toml_line("data_dir", &file_dir),
            toml_line("dist", &paths::dist()?),
        ),
    )?;
    // The environment beats the file.
    let log = dir.path().join("env.log");
    let mut server = ServeProcess::start_command(
        &[OsStr::new("serve")],
        &[
            ("SIGNET_CONFIG", config.as_os_str()),
            ("SIGNET_DATA_DIR", env_dir.as_os_str()),
        ],
        &log,
    )?;
    server.health().await?;
    assert!(
        env_dir.join("signet.db").is_file(),
        "SIGNET_DATA_DIR lost to the file"
    );
    assert!(!file_dir.join("signet.db").exists());
    server.signal("TERM")?;
    assert_eq!(server.wait_exit(Duration::from_secs(10))?, Some(0));

    // A flag beats both.
    let log = dir.path().join("flag.log");
    let mut server = ServeProcess::start_command(
        &[
            OsStr::new("serve"),
            OsStr::new("--config"),
            config.as_os_str(),
            OsStr::new("--data-dir"),
            flag_dir.as_os_str(),
        ],
        &[("SIGNET_DATA_DIR", env_dir.join("not-this").as_os_str())],
        &log,
    )?;
    server.health().await?;
    assert!(flag_dir.join("signet.db").is_file(), "--data-dir lost");
    assert!(!env_dir.join("not-this").exists());
    assert!(!file_dir.join("signet.db").exists());
    Ok(())
}

#[test]
fn signet_serve_refuses_a_config_file_with_an_unknown_key_naming_it() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = write_config(dir.path(), "signet.toml", "bnd = \"127.0.0.1:0\"\n")?;
    let out = Command::new(paths::signet_bin()?)
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .env_remove("SIGNET_BIND")
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("unknown key `bnd` in {}", config.display())),
        "{stderr}"
    );
    assert!(stderr.contains("known keys: bind, data_dir"), "{stderr}");
    Ok(())
}

/// `signet config check FILE`, with none of `signet serve`'s variables set.
fn config_check(file: &Path) -> anyhow::Result<std::process::Output> {
    let mut command = Command::new(paths::signet_bin()?);
    command.args(["config", "check"]).arg(file);
    for var in ServeProcess::SETTING_VARS {
        command.env_remove(var);
    }
    Ok(command.output()?)
}

#[test]
fn signet_config_check_prints_redacted_settings_or_names_the_problem() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let good = write_config(
        dir.path(),
        "good.toml",
        &format!(
            "bind = \"0.0.0.0:8443\"\n{}database_url = \"postgres://signet:s3cret-pw@db.internal:5432/signet\"\nsmtp_url = \"smtps://alerts:mail-pw@smtp.example.com:465\"\npublic_url = \"https://signet.example.com\"\nlog_format = \"json\"\n",
            toml_line("dist", &paths::dist()?),
        ),
    )?;
    let out = config_check(&good)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("is valid"), "{stdout}");
    assert!(stdout.contains("bind = \"0.0.0.0:8443\""), "{stdout}");
    assert!(
        stdout.contains("postgres://signet:***@db.internal:5432/signet"),
        "{stdout}"
    );
    assert!(
        stdout.contains("smtps://alerts:***@smtp.example.com:465"),
        "{stdout}"
    );
    assert!(stdout.contains("log_format = \"json\""), "{stdout}");
    assert!(
        stdout.contains("alert_interval = 60  # default"),
        "{stdout}"
    );
    for secret in ["s3cret-pw", "mail-pw"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} shown"
        );
    }

    // An environment variable that would override the file is pointed out.
    let out = Command::new(paths::signet_bin()?)
        .args(["config", "check"])
        .arg(&good)
        .env("SIGNET_BIND", "127.0.0.1:9")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("bind = \"0.0.0.0:8443\""), "{stdout}");
    assert!(
        stdout.contains("note: SIGNET_BIND is set here and overrides `bind`"),
        "{stdout}"
    );

    for (name, text, expect) in [
        ("unknown.toml", "bnd = \"x\"\n", "unknown key `bnd`"),
        (
            "type.toml",
            "alert_allow_private_targets = \"yes\"\n",
            "`alert_allow_private_targets`",
        ),
        ("range.toml", "alert_interval = 0\n", "`alert_interval`"),
        ("bind.toml", "bind = \"localhost\"\n", "`bind`"),
        (
            "scheme.toml",
            "public_url = \"signet.example.com\"\n",
            "public_url",
        ),
        (
            "smtp.toml",
            "smtp_url = \"http://smtp.example.com\"\n",
            "--smtp-url must be smtp://",
        ),
        (
            "ca.toml",
            "smtp_ca = \"/no/such/ca.pem\"\n",
            "/no/such/ca.pem",
        ),
        (
            "db.toml",
            "database_url = \"mysql://root:pw@db/x\"\n",
            "database_url must start with postgres://",
        ),
        ("syntax.toml", "bind = [\n", "is not valid TOML"),
    ] {
        let bad = write_config(dir.path(), name, text)?;
        let out = config_check(&bad)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expect), "{name}: {stderr}");
        assert!(!stderr.contains("root:pw"), "{name}: {stderr}");
    }
    Ok(())
}

#[tokio::test]
async fn json_logs_are_json_lines_without_emails_or_tokens() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let log = dir.path().join("serve.log");
    let dist = paths::dist()?;
    let mut server = ServeProcess::start_command(
        &[
            OsStr::new("serve"),
            OsStr::new("--bind"),
            OsStr::new("127.0.0.1:0"),
            OsStr::new("--data-dir"),
            data.as_os_str(),
            OsStr::new("--dist"),
            dist.as_os_str(),
        ],
        // Debug level: the most the log can say, not only what it says by default.
        &[
            ("SIGNET_LOG_FORMAT", OsStr::new("json")),
            ("SIGNET_LOG", OsStr::new("debug")),
        ],
        &log,
    )?;
    server.health().await?;
    let email = "json-log-canary@example.test";
    let api = Api::new(&server.url);
    let (session, recovery_code) = Session::register(&api, email, PASSWORD, weak_kdf()).await?;
    // A failed sign-in and a request with a bad token: refusals log nothing secret either.
    assert!(
        Session::login(&api, email, "wrong password", true)
            .await
            .is_err()
    );
    let refused = reqwest::Client::new()
        .get(format!("{}/api/auth/me", server.url))
        .bearer_auth("not-a-real-session-token-canary")
        .send()
        .await?;
    assert_eq!(refused.status(), 401);
    server.signal("TERM")?;
    assert_eq!(server.wait_exit(Duration::from_secs(10))?, Some(0));

    let recovery_code = recovery_code.dangerously_display();
    let text = String::from_utf8(server.log()?)?;
    let mut lines = 0;
    for line in text.lines() {
        let event: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("not a JSON line ({e}): {line}"))?;
        assert!(
            event.get("level").is_some() && event.get("fields").is_some(),
            "{line}"
        );
        lines += 1;
    }
    assert!(
        lines >= 2,
        "expected the listening and shutdown lines at least:\n{text}"
    );
    assert!(text.contains("listening"), "{text}");
    for secret in [
        email,
        "json-log-canary",
        session.token.as_str(),
        recovery_code.as_str(),
        PASSWORD,
        "not-a-real-session-token-canary",
    ] {
        assert!(
            !text.contains(secret),
            "the log contains {secret:?}:\n{text}"
        );
    }
    Ok(())
}

/// Starts `signet ARGS` with `envs`, logging to `log`; what `GET /api/auth/signups` said and
/// the log.
async fn signups_of(
    args: &[&OsStr],
    envs: &[(&str, &OsStr)],
    log: &Path,
) -> anyhow::Result<(signet_core::wire::account::SignupPolicyInfo, String)> {
    let mut server = ServeProcess::start_command(args, envs, log)?;
    server.health().await?;
    let info = reqwest::get(format!("{}/api/auth/signups", server.url))
        .await?
        .error_for_status()?
        .json()
        .await?;
    server.signal("TERM")?;
    server.wait_exit(Duration::from_secs(10))?;
    Ok((info, std::fs::read_to_string(log)?))
}

/// `signet serve` reads the sign-up policy like every setting (flag > environment > file),
/// logs it at start (domains, never an address), defaults to "the first account, then
/// invite-only", and stops naming the setting for a domain that is not one. `signet config
/// check` prints it.
#[tokio::test]
async fn the_sign_up_policy_comes_from_flag_environment_or_file_and_is_logged() -> anyhow::Result<()>
{
    use signet_core::wire::account::SignupMode;
    let dir = tempfile::tempdir()?;
    let base = format!(
        "bind = \"127.0.0.1:0\"\n{}{}",
        toml_line("data_dir", &dir.path().join("data")),
        toml_line("dist", &paths::dist()?),
    );
    let bare = write_config(dir.path(), "bare.toml", &base)?;
    let config = write_config(
        dir.path(),
        "signet.toml",
        &format!("{base}signups = \"open\"\nsignup_domains = [\"Acme.com\", \"b.org\"]\n"),
    )?;
    let serve = OsStr::new("serve");
    let with = OsStr::new("--config");

    // Nothing said: the first account may register, then invite-only.
    let (info, log) = signups_of(
        &[serve, with, bare.as_os_str()],
        &[],
        &dir.path().join("default.log"),
    )
    .await?;
    assert_eq!(
        (info.mode, info.open_now, info.allowed_domains.len()),
        (SignupMode::InviteOnly, true, 0)
    );
    assert!(
        log.contains("invite-only (the first account may register)"),
        "{log}"
    );

    // The file.
    let (info, log) = signups_of(
        &[serve, with, config.as_os_str()],
        &[],
        &dir.path().join("file.log"),
    )
    .await?;
    assert_eq!(info.mode, SignupMode::Open);
    assert_eq!(info.allowed_domains, ["acme.com", "b.org"]);
    assert!(
        log.contains("sign-up") && log.contains("acme.com, b.org"),
        "{log}"
    );
    assert!(!log.contains('@'), "an address in the log: {log}");

    // The environment beats the file; a flag beats both.
    let env = [("SIGNET_SIGNUPS", OsStr::new("closed"))];
    let (info, _) = signups_of(
        &[serve, with, config.as_os_str()],
        &env.clone(),
        &dir.path().join("env.log"),
    )
    .await?;
    assert_eq!(info.mode, SignupMode::Closed);
    assert_eq!(info.allowed_domains, ["acme.com", "b.org"]);
    let flags = [
        serve,
        with,
        config.as_os_str(),
        OsStr::new("--signups"),
        OsStr::new("invite-only"),
        OsStr::new("--signup-domains"),
        OsStr::new("c.net,d.io"),
    ];
    let (info, _) = signups_of(&flags, &env, &dir.path().join("flag.log")).await?;
    assert_eq!(info.mode, SignupMode::InviteOnly);
    assert_eq!(info.allowed_domains, ["c.net", "d.io"]);

    // A domain that is not one stops the start, naming the setting.
    let out = Command::new(paths::signet_bin()?)
        .args(["serve", "--config"])
        .arg(&bare)
        .args(["--signup-domains", "acme"])
        .env_remove("SIGNET_SIGNUPS")
        .env_remove("SIGNET_SIGNUP_DOMAINS")
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("signup_domains") && stderr.contains("acme"),
        "{stderr}"
    );

    let out = Command::new(paths::signet_bin()?)
        .args(["config", "check"])
        .arg(&config)
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("signups = \"open\"  # from the file")
            && stdout.contains("signup_domains = [\"Acme.com\", \"b.org\"]"),
        "{stdout}"
    );
    Ok(())
}
