//! `signet pull` generates what the build needs and the app does not have yet (issue 12, §1):
//! on a terminal it asks, with `--generate-missing` it does not, without a terminal and without
//! the flag it names what is missing and the command that fixes it, and a robot token never
//! generates. What it generates is a real upload keystore that keytool opens, stored
//! encrypted and reused on the next pull.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use signet_tests::{
    cli::{Cli, text, with_team},
    server::TestServer,
    tools,
};

fn files_in(dir: &Path) -> Result<usize> {
    Ok(std::fs::read_dir(dir)?.count())
}

/// A developer with team Acme and app Acme (Android package com.acme.app), no credentials.
async fn developer(server: &TestServer) -> Result<Cli> {
    let (_, dev) = with_team(&server.url, "dev", "Acme").await?;
    dev.create_app("Acme", "com.acme.app", &[]).await?;
    Ok(dev)
}

async fn keystores(dev: &Cli) -> Result<usize> {
    Ok(dev
        .credential_rows(&[])
        .await?
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
    let ci = Cli::new(&server.url)?.env("SIGNET_TOKEN", Some(token.trim()));
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
