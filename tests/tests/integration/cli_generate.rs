//! `signet pull` generates what the build needs and the app does not have yet (issue 12, §1):
//! on a terminal it asks, with `--generate-missing` it does not, without a terminal and without
//! the flag it names what is missing and the command that fixes it, and a robot token never
//! generates. What it generates is a real upload keystore that keytool opens, stored
//! encrypted and reused on the next pull.

use std::{path::Path, process::Stdio};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;
use signet_client::{Api, Session};
use signet_core::vault::kdf::{KdfParams, MIN_ITERATIONS, MIN_MEMORY_KIB};
use signet_tests::{api::PASSWORD, paths, server::TestServer, tools};

/// One machine's `signet`, non-interactive unless run through [`Cli::on_terminal`].
struct Cli {
    config: tempfile::TempDir,
    server: String,
    token: Option<String>,
}

impl Cli {
    fn new(server: &str) -> Result<Self> {
        Ok(Self {
            config: tempfile::tempdir()?,
            server: server.to_owned(),
            token: None,
        })
    }

    fn command(&self, program: &str) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(program);
        c.env("SIGNET_CONFIG_DIR", self.config.path().join("signet"))
            .env("SIGNET_SERVER", &self.server)
            .env("SIGNET_PASSWORD", PASSWORD)
            .env_remove("SIGNET_EMAIL");
        match &self.token {
            Some(t) => c.env("SIGNET_TOKEN", t),
            None => c.env_remove("SIGNET_TOKEN"),
        };
        c
    }

    async fn run(&self, args: &[&str]) -> Result<(Option<i32>, String, String)> {
        let out = self
            .command(&paths::signet_bin()?.to_string_lossy())
            .args(args)
            .env("CI", "true")
            .stdin(Stdio::null())
            .output()
            .await?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        ensure!(!stderr.contains("panicked"), "signet panicked: {stderr}");
        Ok((
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr,
        ))
    }

    async fn ok(&self, args: &[&str]) -> Result<String> {
        let (code, stdout, stderr) = self.run(args).await?;
        if code != Some(0) {
            bail!("signet {} failed: {stderr}", args.join(" "));
        }
        Ok(stdout)
    }

    async fn fails(&self, args: &[&str]) -> Result<String> {
        let (code, _, stderr) = self.run(args).await?;
        if code == Some(0) {
            bail!("signet {} succeeded: {stderr}", args.join(" "));
        }
        Ok(stderr)
    }

    /// Runs `signet args` on a pseudo-terminal (util-linux `script`), typing `answer`;
    /// returns everything the terminal showed.
    async fn on_terminal(&self, args: &[&str], answer: &str) -> Result<(Option<i32>, String)> {
        let line = std::iter::once(paths::signet_bin()?.to_string_lossy().into_owned())
            .chain(args.iter().map(|a| format!("'{a}'")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut child = self
            .command("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("CI")
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
}

fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn files_in(dir: &Path) -> Result<usize> {
    Ok(std::fs::read_dir(dir)?.count())
}

/// A developer with team Acme and app Acme (Android package com.acme.app), no credentials.
async fn developer(server: &TestServer) -> Result<Cli> {
    Session::register(
        &Api::new(&server.url),
        "dev@example.test",
        PASSWORD,
        KdfParams::new(MIN_MEMORY_KIB, MIN_ITERATIONS, 1)?,
    )
    .await?;
    let dev = Cli::new(&server.url)?;
    dev.ok(&["login", "--email", "dev@example.test"]).await?;
    dev.ok(&["teams", "create", "Acme"]).await?;
    dev.ok(&[
        "apps",
        "create",
        "--name",
        "Acme",
        "--android-package",
        "com.acme.app",
    ])
    .await?;
    Ok(dev)
}

async fn keystores(dev: &Cli) -> Result<usize> {
    let rows: Value = serde_json::from_str(&dev.ok(&["credentials", "--json"]).await?)?;
    Ok(rows
        .as_array()
        .context("rows")?
        .iter()
        .filter(|r| r["kind"] == "android_keystore")
        .count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pull_generates_a_missing_upload_keystore_with_the_flag_and_reuses_it() -> Result<()> {
    let server = TestServer::start().await?;
    let dev = developer(&server).await?;
    let out = tempfile::tempdir()?;
    let stderr = dev
        .fails(&["pull", "--app", "Acme", "--out", &text(out.path())])
        .await?;
    ensure!(
        stderr.contains("No Android upload keystore for com.acme.app (build profile production)")
            && stderr.contains("signet pull --app Acme --profile production --generate-missing"),
        "{stderr}"
    );
    ensure!(files_in(out.path())? == 0, "something was written");
    ensure!(keystores(&dev).await? == 0);

    dev.ok(&[
        "pull",
        "--app",
        "Acme",
        "--out",
        &text(out.path()),
        "--generate-missing",
        "--check",
    ])
    .await?;
    ensure!(keystores(&dev).await? == 1);
    let json: Value = serde_json::from_slice(&std::fs::read(out.path().join("credentials.json"))?)?;
    let ks = &json["android"]["keystore"];
    let listing = tools::keytool_list(
        &out.path()
            .join(ks["keystorePath"].as_str().context("path")?),
        "JKS",
        ks["keystorePassword"].as_str().context("password")?,
    )?;
    let entry = tools::keytool_entry(&listing, ks["keyAlias"].as_str().context("alias")?)?;
    drop(entry);
    let first = std::fs::read(out.path().join("credentials/android/keystore.jks"))?;

    // The next pull reuses it: nothing new is generated, the same bytes come back.
    let again = tempfile::tempdir()?;
    dev.ok(&[
        "pull",
        "--app",
        "Acme",
        "--out",
        &text(again.path()),
        "--generate-missing",
    ])
    .await?;
    ensure!(
        keystores(&dev).await? == 1,
        "a second keystore was generated"
    );
    ensure!(std::fs::read(again.path().join("credentials/android/keystore.jks"))? == first);
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pull_asks_on_a_terminal_before_generating() -> Result<()> {
    let server = TestServer::start().await?;
    let dev = developer(&server).await?;
    let out = tempfile::tempdir()?;
    let args = ["pull", "--app", "Acme", "--out", &text(out.path())];
    let (code, shown) = dev.on_terminal(&args, "n\n").await?;
    ensure!(
        shown.contains("No Android upload keystore for com.acme.app (build profile production). Generate one now? [Y/n]"),
        "{shown}"
    );
    ensure!(code != Some(0), "declining still succeeded: {shown}");
    ensure!(keystores(&dev).await? == 0 && files_in(out.path())? == 0);
    let (code, shown) = dev.on_terminal(&args, "\n").await?;
    ensure!(code == Some(0), "{shown}");
    ensure!(keystores(&dev).await? == 1);
    ensure!(out.path().join("credentials/android/keystore.jks").exists());
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_robot_token_never_generates_and_says_which_command_to_run() -> Result<()> {
    let server = TestServer::start().await?;
    let dev = developer(&server).await?;
    let token = dev.ok(&["token", "create", "--app", "Acme"]).await?;
    let mut ci = Cli::new(&server.url)?;
    ci.token = Some(token.trim().to_owned());
    let out = tempfile::tempdir()?;
    let stderr = ci
        .fails(&[
            "pull",
            "--app",
            "Acme",
            "--out",
            &text(out.path()),
            "--generate-missing",
        ])
        .await?;
    ensure!(
        stderr.contains("robot token can change nothing")
            && stderr.contains("signet pull --app Acme --profile production --generate-missing"),
        "{stderr}"
    );
    ensure!(keystores(&dev).await? == 0 && files_in(out.path())? == 0);
    server.stop().await
}
