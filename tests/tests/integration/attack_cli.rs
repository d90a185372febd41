//! A malicious server against the real `signet` CLI, through [`TamperProxy`] (issue 17, V3
//! and V4): iOS target names that climb out of `--out`, an answer far larger than any genuine
//! one, KDF parameters weaker than the account used before, and account keys that do not
//! open with the (right) password.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use signet_client::{Api, Session, credential::NewCredential};
use signet_core::{
    credential::{Payload, SecretText},
    vault::kdf::{KdfParams, MIN_ITERATIONS, MIN_MEMORY_KIB},
    wire::{
        app::{AppInfo, AppRequest, AssignRequest, IosTarget, Platform},
        credential::CredentialKind,
    },
};
use signet_tests::{
    api::PASSWORD,
    cli::{Cli, account, floor_kdf, listing, text, with_team},
    proxy::TamperProxy,
    server::TestServer,
};

/// The server renames an iOS target to `../../../../escaped/x`: the old CLI wrote
/// `x-dist-cert.p12` and `x-profile.mobileprovision` outside `--out`. Now the name is refused
/// before anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_pull_target_name_traversal_is_refused() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    let dev = account(&Api::new(&server.url), "dev").await?;
    let (team, key) = dev.create_team("Acme").await?;
    let app: AppInfo = dev
        .api
        .post(
            &format!("/teams/{}/apps", team.id),
            &AppRequest {
                name: "Acme".into(),
                android_package: None,
                ios_targets: vec![
                    IosTarget {
                        target: "Acme".into(),
                        bundle_id: "com.acme.app".into(),
                    },
                    IosTarget {
                        target: "Widget".into(),
                        bundle_id: "com.acme.app.widget".into(),
                    },
                ],
            },
        )
        .await?;
    for target in ["Acme", "Widget"] {
        let cert = Payload::IosDistributionCertificate {
            p12: SecretText::from_bytes(format!("{target} p12").as_bytes()),
            password: SecretText::new("p12 password".to_owned()),
        };
        let profile = Payload::IosProvisioningProfile {
            profile: SecretText::from_bytes(format!("{target} profile").as_bytes()),
        };
        for (kind, payload) in [
            (CredentialKind::IosDistributionCertificate, cert),
            (CredentialKind::IosProvisioningProfile, profile),
        ] {
            let c = dev
                .create_credential(
                    &team.id,
                    &key,
                    &NewCredential {
                        kind,
                        label: target,
                        metadata: json!({}),
                        payload: &payload.to_bytes()?,
                    },
                )
                .await?;
            let _: Value = dev
                .api
                .put(
                    &format!("/teams/{}/apps/{}/assignments", team.id, app.id),
                    &AssignRequest {
                        platform: Platform::Ios,
                        profile: "production".into(),
                        target: target.into(),
                        credential_id: c.id,
                        is_default: true,
                        robot_grants: Vec::new(),
                    },
                )
                .await?;
        }
    }
    let cli = Cli::signed_in(&proxy.url, "dev").await?;
    let root = tempfile::tempdir()?;
    let out = root.path().join("a/b/c/d/project");
    std::fs::create_dir_all(&out)?;
    let served = proxy.on("GET", "/api/teams/{}/apps/{}/assignments", |a| {
        let mut rows = a.json()?;
        for r in rows.as_array_mut().context("array")? {
            if r["target"] == json!("Widget") {
                r["target"] = json!("../../../../escaped/x");
            }
        }
        a.set_json(&rows)
    });
    let out_text = text(&out);
    let stderr = cli
        .fails(&[
            "pull",
            "--app",
            "Acme",
            "--platform",
            "ios",
            "--out",
            &out_text,
        ])
        .await?;
    ensure!(served.count() > 0, "the renamed target was never served");
    ensure!(
        stderr.contains("escaped/x") && stderr.contains("not a target name"),
        "{stderr}"
    );
    let written = listing(root.path())?;
    ensure!(written.is_empty(), "files were written: {written:?}");
    // Honest again: the same pull writes both targets' files inside --out.
    proxy.clear();
    cli.ok(&[
        "pull",
        "--app",
        "Acme",
        "--platform",
        "ios",
        "--out",
        &out_text,
    ])
    .await?;
    let written = listing(root.path())?;
    ensure!(
        written.iter().all(|f| f.starts_with("a/b/c/d/project/")) && written.len() == 5,
        "{written:?}"
    );
    proxy.stop().await?;
    server.stop().await
}

/// A symbolic link inside `--out` that points elsewhere is not followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_pull_never_writes_through_a_symlinked_folder() -> Result<()> {
    let server = TestServer::start().await?;
    let (dev, cli) = with_team(&server.url, "dev", "Acme").await?;
    cli.create_app("Acme", "com.acme.app", &[]).await?;
    cli.ok(&["keystore", "generate", "--app", "Acme", "--remote"])
        .await?;
    let root = tempfile::tempdir()?;
    let (out, elsewhere) = (root.path().join("project"), root.path().join("elsewhere"));
    std::fs::create_dir_all(&out)?;
    std::fs::create_dir_all(&elsewhere)?;
    std::os::unix::fs::symlink(&elsewhere, out.join("credentials"))?;
    let stderr = cli
        .fails(&["pull", "--app", "Acme", "--out", &text(&out)])
        .await?;
    ensure!(stderr.contains("symbolic link"), "{stderr}");
    ensure!(listing(&elsewhere)?.is_empty(), "written through the link");
    drop(dev);
    server.stop().await
}

/// The server answers `GET /api/teams` with 40 MiB: the CLI stops reading at its cap for
/// that kind of answer and says so (the old one read it all: a 400 MiB answer took `pull` to
/// 434 MB of memory).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_huge_response_is_capped() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    account(&Api::new(&server.url), "dev").await?;
    let cli = Cli::signed_in(&proxy.url, "dev").await?;
    let served = proxy.on("GET", "/api/teams", |a| {
        let mut body = Vec::with_capacity(40 * 1024 * 1024 + 2);
        body.push(b'[');
        body.resize(40 * 1024 * 1024 + 1, b' ');
        body.push(b']');
        a.body = body;
        Ok(())
    });
    let stderr = cli.fails(&["teams"]).await?;
    ensure!(served.count() > 0);
    ensure!(stderr.contains("larger than 4 MiB"), "{stderr}");
    proxy.stop().await?;
    server.stop().await
}

/// This machine saw the account use 2× the floor; the server then offers the floor. The CLI
/// refuses before it derives or sends a login proof (the old one sent a proof that is
/// cheaper to brute-force).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_login_kdf_below_what_was_seen_is_refused() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    let strong = KdfParams::new(2 * MIN_MEMORY_KIB, MIN_ITERATIONS + 1, 1)?;
    Session::register(&Api::new(&server.url), "dev@example.test", PASSWORD, strong).await?;
    let cli = Cli::signed_in(&proxy.url, "dev").await?;
    let weak = serde_json::to_value(floor_kdf()?)?;
    let offered = proxy.on("POST", "/api/auth/prelogin", move |a| {
        let mut p = a.json()?;
        p["kdf_params"] = weak.clone();
        a.set_json(&p)
    });
    let proofs = proxy.on("POST", "/api/auth/login", |_| Ok(()));
    let stderr = cli.fails(&["login", "--email", "dev@example.test"]).await?;
    ensure!(offered.count() > 0);
    ensure!(stderr.contains("weaker password hashing"), "{stderr}");
    ensure!(
        proofs.count() == 0,
        "a login proof was sent with the weaker parameters"
    );
    proxy.stop().await?;
    server.stop().await
}

/// The server accepts the login proof (so the password is right) but sends back a wrapped
/// user key that does not open: the CLI says the server's data failed to decrypt, not that
/// the password is wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_tampered_wrapped_user_key_is_not_called_a_wrong_password() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    let api = Api::new(&server.url);
    account(&api, "dev").await?;
    let other = account(&api, "other").await?;
    drop(other);
    let theirs: Value = {
        let s = Session::login(&api, "other@example.test", PASSWORD, false).await?;
        s.api.get("/auth/me").await?
    };
    let swapped = theirs["keys"]["wrapped_user_key"].clone();
    let served = proxy.on("POST", "/api/auth/login", move |a| {
        let mut r = a.json()?;
        r["keys"]["wrapped_user_key"] = swapped.clone();
        a.set_json(&r)
    });
    let cli = Cli::new(&proxy.url)?;
    let stderr = cli.fails(&["login", "--email", "dev@example.test"]).await?;
    ensure!(served.count() > 0);
    ensure!(
        stderr.contains("password is right") && stderr.contains("tampered"),
        "{stderr}"
    );
    proxy.stop().await?;
    server.stop().await
}
