//! Robot tokens that follow assignments (issue 12 §3), run as people and CI would: the real
//! `signet` binary against the real server, and a tampering proxy for a server that swaps a
//! robot's public key or hands the robot a grant it should not trust.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use signet_client::Session;
use signet_core::{
    vault::{
        item::{ItemKey, WrappedItemKey},
        keypair::UserKeyPair,
        robot::{RobotCard, RobotEciesItemKey, RobotToken, RobotWrapContext},
    },
    wire::{
        Role,
        app::{AssignRequest, Platform},
    },
};
use signet_tests::{
    api::join,
    cli::{Cli, account, listing, str_at, text},
    proxy::TamperProxy,
    server::TestServer,
};

use crate::cli_sync::new_bundle;

/// Olga (owner) with team Acme and two apps made through her CLI: "Acme App"
/// (com.acme.app, Android and iOS) and "Bank" (Android), each with a generated keystore;
/// Dev joined as a developer through an invitation link.
struct World {
    server: TestServer,
    olga: Session,
    dev: Session,
    team: String,
    olga_cli: Cli,
}

async fn world(server: TestServer) -> Result<World> {
    let api = signet_client::Api::new(&server.url);
    let olga = account(&api, "olga").await?;
    let dev = account(&api, "dev").await?;
    let (team, key) = olga.create_team("Acme").await?;
    join(&olga, &team.id, &key, &dev, Role::Developer).await?;
    let olga_cli = Cli::signed_in(&server.url, "olga").await?;
    olga_cli
        .create_app("Acme App", "com.acme.app", &["com.acme.app"])
        .await?;
    olga_cli.create_app("Bank", "com.acme.bank", &[]).await?;
    for app in ["Acme App", "Bank"] {
        olga_cli
            .ok(&["keystore", "generate", "--app", app, "--remote"])
            .await?;
    }
    Ok(World {
        server,
        olga,
        dev,
        team: team.id,
        olga_cli,
    })
}

impl World {
    async fn token(&self, app: &str) -> Result<String> {
        let out = self
            .olga_cli
            .ok(&["token", "create", "--app", app, "--expires", "30d"])
            .await?;
        let token = out.trim().to_owned();
        ensure!(token.starts_with("signet_"), "{token}");
        Ok(token)
    }

    async fn app_id(&self, name: &str) -> Result<String> {
        self.olga
            .api
            .apps(&self.team)
            .await?
            .into_iter()
            .find(|a| a.name == name)
            .map(|a| a.id)
            .context("no such app")
    }
}

/// CI: no login, no password, only the token and a server.
fn ci(server: &str, token: &str) -> Result<Cli> {
    Ok(Cli::new(server)?
        .env("SIGNET_TOKEN", Some(token))
        .env("SIGNET_PASSWORD", None))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_robot_token_pulls_what_its_app_uses_now_and_nothing_of_other_apps_on_sqlite()
-> Result<()> {
    follows_assignments(TestServer::start().await?).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_robot_token_pulls_what_its_app_uses_now_and_nothing_of_other_apps_on_postgres()
-> Result<()> {
    match signet_tests::postgres::database("robot_follow").await? {
        Some(url) => follows_assignments(TestServer::start_on(&url).await?).await,
        None => Ok(()),
    }
}

/// Make a token, replace the app's keystore and add its iOS credentials; the token pulls
/// the new ones, and a token for another app still gets nothing of this one.
async fn follows_assignments(server: TestServer) -> Result<()> {
    let w = world(server).await?;
    let shop_token = w.token("Acme App").await?;
    let bank_token = w.token("Bank").await?;
    let shop_ci = ci(&w.server.url, &shop_token)?;
    let bank_ci = ci(&w.server.url, &bank_token)?;

    let before = tempfile::tempdir()?;
    shop_ci
        .ok(&[
            "pull",
            "--app",
            "Acme App",
            "--platform",
            "android",
            "--out",
            &text(before.path()),
        ])
        .await?;
    let old_keystore = std::fs::read(before.path().join("credentials/android/keystore.jks"))?;

    // After the token was made, a developer (not the token's creator) replaces the app's
    // keystore and adds its iOS certificate and profile.
    let dev_cli = Cli::new(&w.server.url)?;
    dev_cli.login("dev").await?;
    let bundle = new_bundle().await?;
    dev_cli
        .ok(&[
            "push",
            &text(&bundle.path("credentials.json")),
            "--app",
            "Acme App",
        ])
        .await?;

    let after = tempfile::tempdir()?;
    let report = shop_ci
        .ok(&[
            "pull",
            "--app",
            "Acme App",
            "--out",
            &text(after.path()),
            "--check",
        ])
        .await?;
    ensure!(report.contains("✓ ready to build"), "{report}");
    for (pulled, pushed) in [
        ("credentials/android/keystore.jks", "android/upload.jks"),
        ("credentials/ios/dist-cert.p12", "ios/dist.p12"),
        (
            "credentials/ios/profile.mobileprovision",
            "ios/profile.mobileprovision",
        ),
    ] {
        ensure!(
            std::fs::read(after.path().join(pulled))? == std::fs::read(bundle.path(pushed))?,
            "the robot pulled a {pulled} that is not the one assigned after it was made"
        );
    }
    ensure!(std::fs::read(after.path().join("credentials/android/keystore.jks"))? != old_keystore);
    let pulled: Value =
        serde_json::from_slice(&std::fs::read(after.path().join("credentials.json"))?)?;
    ensure!(
        str_at(&pulled, "/android/keystore/keystorePassword")?
            == str_at(&bundle.json, "/android/keystore/keystorePassword")?
    );

    // The Acme App token still gets nothing of Bank, and the Bank token nothing of Acme App
    // (though Dev's push wrapped only for tokens in Acme App's scope).
    let elsewhere = tempfile::tempdir()?;
    let stderr = shop_ci
        .fails(&["pull", "--app", "Bank", "--out", &text(elsewhere.path())])
        .await?;
    ensure!(stderr.contains("scope"), "{stderr}");
    let stderr = bank_ci
        .fails(&[
            "pull",
            "--app",
            "Acme App",
            "--out",
            &text(elsewhere.path()),
        ])
        .await?;
    ensure!(stderr.contains("scope"), "{stderr}");
    ensure!(listing(elsewhere.path())?.is_empty());
    let bank_creds = bank_ci.credential_rows(&[]).await?;
    ensure!(bank_creds.len() == 1, "{bank_creds:#?}");
    let bank = tempfile::tempdir()?;
    bank_ci
        .ok(&["pull", "--app", "Bank", "--out", &text(bank.path())])
        .await?;

    // A client that does not wrap for robots (an old one, or a raw API call) cannot
    // assign to the app and leave its token behind: 409 with the token's id.
    let app = w.app_id("Acme App").await?;
    let cred = w
        .dev
        .api
        .credentials(&w.team, false)
        .await?
        .into_iter()
        .find(|c| c.label.contains("Bank"))
        .context("Bank's keystore")?;
    let err = w
        .dev
        .api
        .assign(
            &w.team,
            &app,
            &AssignRequest {
                platform: Platform::Android,
                profile: "staging".into(),
                target: String::new(),
                credential_id: cred.id.clone(),
                is_default: true,
                robot_grants: Vec::new(),
            },
        )
        .await
        .err()
        .context("an assignment without robot grants was accepted")?;
    ensure!(err.code() == Some("robot_grants_missing"), "{err}");
    let shop_id = shop_token.split('_').nth(1).context("token id")?;
    ensure!(err.to_string().contains(shop_id), "{err}");
    // The same assignment through the client, which wraps for the token, is accepted.
    let key = w.dev.team_key(&w.team).await?;
    w.dev
        .assign(
            &w.team,
            &app,
            &key,
            &AssignRequest {
                platform: Platform::Android,
                profile: "staging".into(),
                target: String::new(),
                credential_id: cred.id,
                is_default: true,
                robot_grants: Vec::new(),
            },
        )
        .await?;
    let staging = tempfile::tempdir()?;
    shop_ci
        .ok(&[
            "pull",
            "--app",
            "Acme App",
            "--profile",
            "staging",
            "--platform",
            "android",
            "--out",
            &text(staging.path()),
        ])
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_assigning_client_refuses_a_robot_whose_public_key_the_server_swapped() -> Result<()> {
    let w = world(TestServer::start().await?).await?;
    let token = w.token("Acme App").await?;
    let app = w.app_id("Acme App").await?;
    let proxy = TamperProxy::start(&w.server.url).await?;
    // The server hands out a card with its own key for the token, "by Olga" but signed by a
    // key of its own (it cannot sign with hers).
    let fired = proxy.on("GET", "/api/teams/{}/apps/{}/robots", |answer| {
        let mut body = answer.json()?;
        for robot in body.as_array_mut().context("cards")? {
            let real = RobotCard::from_base64(robot["card"].as_str().context("card")?)?;
            let own =
                RobotToken::parse(&format!("signet_{}_{}", real.robot_id(), "ab".repeat(32)))?;
            let forged = own.card(
                real.creator_id(),
                &UserKeyPair::generate()?,
                real.team_id(),
                real.app_ids(),
                real.created_at(),
            )?;
            robot["card"] = forged.to_base64().into();
        }
        answer.set_json(&body)
    });
    let cli = Cli::new(&proxy.url)?;
    cli.login("dev").await?;
    let before = w.olga.api.assignments(&w.team, &app).await?;
    // A new upload keystore in place of the app's default, which wraps it for the robot.
    let replace_keystore = [
        "keystore",
        "generate",
        "--app",
        "Acme App",
        "--remote",
        "--make-default",
    ];
    let stderr = cli.fails(&replace_keystore).await?;
    ensure!(
        fired.count() > 0,
        "the swapped card was never served: {stderr}"
    );
    ensure!(
        stderr.contains("swapped the robot's public key"),
        "the assigning CLI did not refuse the swapped key: {stderr}"
    );
    ensure!(
        w.olga.api.assignments(&w.team, &app).await? == before,
        "something was assigned"
    );

    // Honest again: the same command works and the token pulls the new keystore.
    proxy.clear();
    cli.ok(&replace_keystore).await?;
    let out = tempfile::tempdir()?;
    ci(&w.server.url, &token)?
        .ok(&[
            "pull",
            "--app",
            "Acme App",
            "--platform",
            "android",
            "--out",
            &text(out.path()),
        ])
        .await?;
    proxy.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_robot_refuses_a_grant_signed_by_a_viewer_or_a_non_member() -> Result<()> {
    let w = world(TestServer::start().await?).await?;
    let token_text = w.token("Acme App").await?;
    let api = signet_client::Api::new(&w.server.url);
    let vic = account(&api, "vic").await?;
    let mallory = account(&api, "mallory").await?;
    let key = w.olga.team_key(&w.team).await?;
    let (_, link) = w.olga.invite(&w.team, &key, Role::Viewer).await?;
    vic.accept_invite(&link).await?;

    // What the server (with a viewer or an outsider) can make: a genuine-looking wrap of a
    // key of its choosing for the token's real, verified public key.
    let state = w.olga.verified_team(&w.team).await?;
    let app = w.app_id("Acme App").await?;
    let cards = w.olga.robot_cards(&w.team, &app).await?;
    let robot = RobotCard::from_base64(&cards.first().context("a card")?.card)?.verify(&state)?;
    let cred = w
        .olga
        .api
        .credentials(&w.team, false)
        .await?
        .into_iter()
        .find(|c| c.label.contains("Acme App"))
        .context("the app's keystore")?;
    let item_key: ItemKey =
        WrappedItemKey::from_base64(cred.wrapped_key.as_deref().context("wrapped key")?)?
            .open(&key, &w.team, &cred.id)?;
    let token = RobotToken::parse(&token_text)?;

    let proxy = TamperProxy::start(&w.server.url).await?;
    let ci = ci(&proxy.url, &token_text)?;
    let out = tempfile::tempdir()?;
    ci.ok(&[
        "pull",
        "--app",
        "Acme App",
        "--platform",
        "android",
        "--out",
        &text(out.path()),
    ])
    .await?;
    for (signer, who) in [(&vic, "a viewer"), (&mallory, "someone outside the team")] {
        let ctx = RobotWrapContext {
            team_id: &w.team,
            item_id: &cred.id,
            robot_id: token.id(),
            sender_id: &signer.user.id,
        };
        let forged =
            RobotEciesItemKey::seal(&signer.account.key_pair, &robot, &ctx, &item_key)?.to_base64();
        let sender = signer.user.id.clone();
        proxy.clear();
        let fired = proxy.on(
            "GET",
            "/api/teams/{}/credentials/{}/payload",
            move |answer| {
                let mut body = answer.json()?;
                body["robot_wrapped_key"] = forged.clone().into();
                body["robot_wrap_kind"] = json!("ecies");
                body["robot_wrap_sender"] = sender.clone().into();
                answer.set_json(&body)
            },
        );
        let refused = tempfile::tempdir()?;
        let stderr = ci
            .fails(&[
                "pull",
                "--app",
                "Acme App",
                "--platform",
                "android",
                "--out",
                &text(refused.path()),
            ])
            .await?;
        ensure!(fired.count() > 0, "the forged grant was never served");
        ensure!(
            stderr.contains("refusing it"),
            "the robot accepted a grant signed by {who}: {stderr}"
        );
        ensure!(listing(refused.path())?.is_empty(), "{who}");
    }
    proxy.stop().await?;
    Ok(())
}

/// The dashboard, in Chromium, does what the CLI does when it assigns: it refuses a robot
/// card whose key the server swapped (nothing is assigned), and otherwise wraps the new
/// keystore for the app's token, which then pulls it with the real CLI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_assignments_are_wrapped_for_robot_tokens_and_a_swapped_key_is_refused()
-> Result<()> {
    use crate::browser_attack::{page_says, team};
    use signet_tests::{api::PASSWORD, browser::Browser};

    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    let (olga, _dev, team) = team(&server).await?;
    let app = olga
        .api
        .apps(&team)
        .await?
        .into_iter()
        .next()
        .context("the app")?;
    let key = olga.team_key(&team).await?;
    let (_, token) = olga
        .create_robot(
            &team,
            &key,
            "CI",
            std::slice::from_ref(&app.id),
            &[],
            signet_server::store::now() + 86_400,
        )
        .await?;
    let token = token.dangerously_to_string().as_str().to_owned();
    let fired = proxy.on("GET", "/api/teams/{}/apps/{}/robots", |answer| {
        let mut body = answer.json()?;
        for robot in body.as_array_mut().context("cards")? {
            let real = RobotCard::from_base64(robot["card"].as_str().context("card")?)?;
            let own =
                RobotToken::parse(&format!("signet_{}_{}", real.robot_id(), "cd".repeat(32)))?;
            let forged = own.card(
                real.creator_id(),
                &UserKeyPair::generate()?,
                real.team_id(),
                real.app_ids(),
                real.created_at(),
            )?;
            robot["card"] = forged.to_base64().into();
        }
        answer.set_json(&body)
    });

    let browser = Browser::start().await?;
    browser
        .sign_in(&proxy.url, "dev@example.test", PASSWORD)
        .await?;
    browser.click("nav a[href='/apps']").await?;
    browser.click("#app-list a").await?;
    browser.click("#generate-keystore").await?;
    let said = page_says(&browser, "swapped the robot's public key").await?;
    ensure!(
        fired.count() > 0,
        "the swapped card was never served: {said}"
    );
    browser.screenshot("dashboard-robot-card-swapped").await?;
    ensure!(
        olga.api.assignments(&team, &app.id).await?.is_empty(),
        "the dashboard assigned a keystore despite the swapped card"
    );

    proxy.clear();
    browser.click("#generate-keystore").await?;
    let card = browser.wait_for_text(".keystore", "SHA-256", 120).await?;
    ensure!(card.contains("Default"), "{card}");
    let out = tempfile::tempdir()?;
    ci(&server.url, &token)?
        .ok(&["pull", "--app", "Acme", "--out", &text(out.path())])
        .await?;
    ensure!(
        listing(out.path())?.contains("credentials/android/keystore.jks"),
        "{:?}",
        listing(out.path())?
    );
    browser.close().await?;
    proxy.stop().await?;
    Ok(())
}
