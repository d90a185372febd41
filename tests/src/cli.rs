//! The real `signet` binary, run as a person or a CI job would: its own config dir per
//! person, non-interactive, against a test server ([`Cli`]), or offline at a shell
//! ([`offline`]). Used by every suite that runs the CLI (`cli_*`, `attack_*`, and those that
//! borrow `cli_sync`'s people: `alerts`, `robot_follow`, …).

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;
use signet_client::{Api, Session};
use signet_core::vault::kdf::{KdfParams, MIN_ITERATIONS, MIN_MEMORY_KIB};

use crate::{api::PASSWORD, paths};

/// The vault's floor: the CLI refuses weaker parameters from a server, so these users are
/// real (cheap, but not waived) accounts.
pub fn floor_kdf() -> Result<KdfParams> {
    Ok(KdfParams::new(MIN_MEMORY_KIB, MIN_ITERATIONS, 1)?)
}

/// Registers `name@example.test` through the client library.
pub async fn account(api: &Api, name: &str) -> Result<Session> {
    let (session, _) =
        Session::register(api, &format!("{name}@example.test"), PASSWORD, floor_kdf()?).await?;
    Ok(session)
}

/// What a `signet` run did.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// What `args` did, as `out` holds it; an error if it panicked.
    fn of(args: &[&str], out: &std::process::Output) -> Result<Self> {
        let outcome = Self {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        ensure!(
            !outcome.stderr.contains("panicked"),
            "signet {} panicked: {}",
            args.join(" "),
            outcome.stderr
        );
        Ok(outcome)
    }

    /// This outcome, if `args` exited with code 0.
    fn succeeded(self, args: &[&str]) -> Result<Self> {
        if self.code != Some(0) {
            bail!(
                "signet {} failed ({:?}):\n{}{}",
                args.join(" "),
                self.code,
                self.stdout,
                self.stderr
            );
        }
        Ok(self)
    }

    /// This outcome, if `args` exited with code 1 (a refusal, not a usage error or a crash).
    fn failed(self, args: &[&str]) -> Result<Self> {
        ensure!(
            self.code == Some(1),
            "signet {} should have failed: {self:#?}",
            args.join(" ")
        );
        Ok(self)
    }
}

/// Runs an offline `signet ARGS` (`keystore generate`, `inspect`, `p12`, `doctor`, …) as at a
/// shell, blocking, with no stdin; fails only if it panicked.
pub fn offline(args: &[&str]) -> Result<Outcome> {
    let out = Command::new(paths::signet_bin()?)
        .args(args)
        .stdin(Stdio::null())
        .output()?;
    Outcome::of(args, &out)
}

/// [`offline`], requiring exit code 0; returns stdout.
pub fn offline_ok(args: &[&str]) -> Result<String> {
    Ok(offline(args)?.succeeded(args)?.stdout)
}

/// [`offline`], requiring exit code 1; returns stderr.
pub fn offline_fails(args: &[&str]) -> Result<String> {
    Ok(offline(args)?.failed(args)?.stderr)
}

/// One person's (or CI job's) `signet`: its own config dir, non-interactive (`CI=true`, no
/// stdin), `SIGNET_PASSWORD` set unless removed.
#[derive(Debug)]
pub struct Cli {
    config: tempfile::TempDir,
    env: Vec<(String, Option<String>)>,
}

impl Cli {
    /// A `signet` for `server`, signed in to nothing yet.
    pub fn new(server: &str) -> Result<Self> {
        Ok(Self {
            config: tempfile::tempdir()?,
            env: vec![
                ("SIGNET_SERVER".into(), Some(server.into())),
                ("SIGNET_PASSWORD".into(), Some(PASSWORD.into())),
                ("CI".into(), Some("true".into())),
                ("SIGNET_TOKEN".into(), None),
                ("SIGNET_EMAIL".into(), None),
            ],
        })
    }

    /// Sets (or with `None` removes) an environment variable for every later run.
    pub fn env(mut self, name: &str, value: Option<&str>) -> Self {
        self.set_env(name, value);
        self
    }

    /// As [`Cli::env`], on a runner in use (e.g. a CI job that switches `SIGNET_TOKEN`).
    pub fn set_env(&mut self, name: &str, value: Option<&str>) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.into(), value.map(str::to_owned)));
    }

    /// The directory `signet` keeps its config in (`SIGNET_CONFIG_DIR`).
    pub fn config_dir(&self) -> PathBuf {
        self.config.path().join("signet")
    }

    /// Where `signet` keeps its config (sessions, server).
    pub fn config_file(&self) -> PathBuf {
        self.config.path().join("signet/config.json")
    }

    /// `program` with this person's config dir and environment, `extra` on top.
    fn command(&self, program: &Path, extra: &[(&str, Option<&str>)]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(program);
        command.env("SIGNET_CONFIG_DIR", self.config_dir());
        for (name, value) in self
            .env
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_deref()))
            .chain(extra.iter().copied())
        {
            match value {
                Some(v) => command.env(name, v),
                None => command.env_remove(name),
            };
        }
        command
    }

    /// Runs `signet ARGS` with `extra` environment on top; fails only if it panicked.
    pub async fn run_with(&self, args: &[&str], extra: &[(&str, Option<&str>)]) -> Result<Outcome> {
        let out = self
            .command(&paths::signet_bin()?, extra)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .await?;
        Outcome::of(args, &out)
    }

    /// Runs `signet ARGS` on a pseudo-terminal (util-linux `script`), not as CI, typing
    /// `answer` after a moment; returns the exit code and everything the terminal showed.
    pub async fn on_terminal(&self, args: &[&str], answer: &str) -> Result<(Option<i32>, String)> {
        let line = std::iter::once(text(&paths::signet_bin()?))
            .chain(args.iter().map(|a| format!("'{a}'")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut child = self
            .command(Path::new("script"), &[("CI", None)])
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        {
            use tokio::io::AsyncWriteExt;
            let mut stdin = child.stdin.take().context("stdin")?;
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            stdin.write_all(answer.as_bytes()).await?;
            stdin.flush().await?;
        }
        let out = child.wait_with_output().await?;
        Ok((
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    }

    /// Runs `signet ARGS`; fails only if it panicked.
    pub async fn run(&self, args: &[&str]) -> Result<Outcome> {
        self.run_with(args, &[]).await
    }

    /// Runs and requires exit code 0; returns the whole [`Outcome`] (for what a successful
    /// run says on stderr).
    pub async fn succeeds(&self, args: &[&str]) -> Result<Outcome> {
        self.run(args).await?.succeeded(args)
    }

    /// Runs and requires exit code 0; returns stdout.
    pub async fn ok(&self, args: &[&str]) -> Result<String> {
        Ok(self.succeeds(args).await?.stdout)
    }

    /// `signet credentials --json ARGS`, parsed: one JSON object per credential.
    pub async fn credential_rows(&self, args: &[&str]) -> Result<Vec<Value>> {
        let mut all = vec!["credentials", "--json"];
        all.extend_from_slice(args);
        let out = self.succeeds(&all).await?;
        let rows: Value = serde_json::from_str(&out.stdout)
            .with_context(|| format!("signet {} printed {out:#?}", all.join(" ")))?;
        rows.as_array().cloned().context("an array of rows")
    }

    /// Runs and requires exit code 1; returns stderr.
    pub async fn fails(&self, args: &[&str]) -> Result<String> {
        self.fails_with(args, &[]).await
    }

    /// Runs with `extra` environment and requires exit code 1; returns stderr.
    pub async fn fails_with(
        &self,
        args: &[&str],
        extra: &[(&str, Option<&str>)],
    ) -> Result<String> {
        Ok(self.run_with(args, extra).await?.failed(args)?.stderr)
    }

    /// `signet login` as `name@example.test` (with [`PASSWORD`]).
    pub async fn login(&self, name: &str) -> Result<()> {
        self.ok(&["login", "--email", &format!("{name}@example.test")])
            .await?;
        Ok(())
    }

    /// A `signet` for `server`, logged in as `name@example.test`.
    pub async fn signed_in(server: &str, name: &str) -> Result<Self> {
        let cli = Self::new(server)?;
        cli.login(name).await?;
        Ok(cli)
    }

    /// `signet apps create --name NAME --android-package PACKAGE`, with one
    /// `--ios-bundle-id` per item of `ios` (`BUNDLE_ID` or `TARGET=BUNDLE_ID`).
    pub async fn create_app(&self, name: &str, package: &str, ios: &[&str]) -> Result<()> {
        let mut args = vec![
            "apps",
            "create",
            "--name",
            name,
            "--android-package",
            package,
        ];
        for id in ios {
            args.extend(["--ios-bundle-id", id]);
        }
        self.ok(&args).await?;
        Ok(())
    }
}

/// `name@example.test` registered, and their `signet` logged in and holding a new team
/// `team` (made with `signet teams create`).
pub async fn with_team(server: &str, name: &str, team: &str) -> Result<(Session, Cli)> {
    let session = account(&Api::new(server), name).await?;
    let cli = Cli::signed_in(server, name).await?;
    cli.ok(&["teams", "create", team]).await?;
    Ok((session, cli))
}

/// A developer with a team and an app (Android + one iOS target), made with the CLI.
pub async fn developer_with_app(server: &str) -> Result<Cli> {
    let (_, dev) = with_team(server, "dev", "Acme").await?;
    dev.create_app("Acme App", "com.acme.app", &["com.acme.app"])
        .await?;
    Ok(dev)
}

/// A path as text, for arguments.
pub fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The string at a JSON pointer of `v`.
pub fn str_at<'a>(v: &'a Value, pointer: &str) -> Result<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .with_context(|| format!("{pointer} in {v}"))
}

/// Every file under `dir`, relative, sorted.
pub fn listing(dir: &Path) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(text(path.strip_prefix(dir)?));
            }
        }
    }
    Ok(out)
}
