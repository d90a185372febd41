//! The dashboard, in real Chromium, against a malicious server (issue 17, V1): the browser
//! talks to the real server through [`TamperProxy`], which rewrites answers the way a
//! compromised server would. The same attacks as `attack_trust` (the CLI): a team key
//! "rotated" by an admin the server invented, and a member's public keys swapped for the
//! server's. The dashboard must refuse the key (nothing is encrypted under it) and show the
//! swapped member as unverified, with the fingerprint the team's signed log binds.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use signet_client::{Api, Session};
use signet_core::{
    vault::{
        ecies::{EciesContext, EciesWrappedTeamKey},
        keypair::UserKeyPair,
        team_key::TeamKey,
    },
    wire::Role,
};
use signet_tests::{
    api::PASSWORD, browser::Browser, cli::account, proxy::TamperProxy, server::TestServer,
};

const MALLORY: &str = "6d616c6c-6f72-4079-8000-000000000001";

/// Olga's team Acme with an Android app; Dev joined through an invitation (so her account
/// pins the team's log). Returns both sessions and the team id.
pub(crate) async fn team(server: &TestServer) -> Result<(Session, Session, String)> {
    let api = Api::new(&server.url);
    let olga = account(&api, "olga").await?;
    let dev = account(&api, "dev").await?;
    let (team, key) = olga.create_team("Acme").await?;
    let (_, link) = olga.invite(&team.id, &key, Role::Developer).await?;
    dev.accept_invite(&link).await?;
    let _: Value = olga
        .api
        .post(
            &format!("/teams/{}/apps", team.id),
            &json!({"name": "Acme", "android_package": "com.acme.app"}),
        )
        .await?;
    Ok((olga, dev, team.id))
}

/// Waits until the page's text contains `needle`; returns that text.
pub(crate) async fn page_says(browser: &Browser, needle: &str) -> Result<String> {
    let script = format!(
        "document.body.innerText.includes({}) ? document.body.innerText : null",
        serde_json::to_string(needle)?
    );
    let found = browser.wait_until(&script, 60).await;
    if found.is_err() {
        browser.screenshot("attack-not-refused").await?;
    }
    Ok(found?.as_str().unwrap_or_default().to_owned())
}

/// The server invents an owner and hands the dashboard a team key version 2 "rotated" by
/// her; the old dashboard looked the sender up in `/members` and encrypted a new keystore
/// under the server's key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_attack_team_key_from_an_invented_admin_is_refused() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    let (olga, dev, team) = team(&server).await?;
    let mallory = UserKeyPair::generate()?;
    let wrap = EciesWrappedTeamKey::seal(
        &mallory,
        &dev.account.key_pair.public_keys()?.verify()?,
        &EciesContext {
            team_id: &team,
            sender_id: MALLORY,
            recipient_id: &dev.user.id,
        },
        &TeamKey::generate_first()?.generate_next()?,
    )?
    .to_base64();
    let mallory_keys = mallory.public_keys()?;
    let fingerprint = mallory_keys.verify()?.fingerprint().to_string();
    proxy.on("GET", "/api/teams/{}/members", move |a| {
        let mut members = a.json()?;
        members.as_array_mut().context("array")?.push(json!({
            "user_id": MALLORY, "email": "mallory@example.test", "role": "owner",
            "fingerprint": fingerprint, "public_keys": mallory_keys.to_base64(), "joined_at": 1,
        }));
        a.set_json(&members)
    });
    let served = proxy.on("GET", "/api/teams/{}/key", move |a| {
        a.set_json(&json!({
            "key_version": 2, "kind": "ecies", "wrapped": wrap, "sender_id": MALLORY,
        }))
    });

    let browser = Browser::start().await?;
    browser
        .sign_in(&proxy.url, "dev@example.test", PASSWORD)
        .await?;
    browser.click("nav a[href='/apps']").await?;
    browser.click("#app-list a").await?;
    browser.click("#generate-keystore").await?;
    let text = page_says(&browser, "signed log").await?;
    ensure!(text.contains("team key version 2"), "{text}");
    ensure!(served.count() > 0, "the invented key was never served");
    browser
        .screenshot("dashboard-attack-invented-admin")
        .await?;
    ensure!(
        olga.credentials(&team, false).await?.is_empty(),
        "the dashboard stored a keystore under the server's key"
    );
    browser.close().await?;
    proxy.stop().await?;
    server.stop().await
}

/// The server swaps Dev's public keys in `/members` for its own: Olga's members page shows
/// Dev as unverified, with the fingerprint the signed log binds, not the server's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_attack_substituted_member_keys_are_shown_unverified() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    let (_olga, dev, _team) = team(&server).await?;
    let real = dev
        .account
        .key_pair
        .public_keys()?
        .verify()?
        .fingerprint()
        .to_string();
    let fake = UserKeyPair::generate()?.public_keys()?;
    let fake_fingerprint = fake.verify()?.fingerprint().to_string();
    let (dev_id, fake_text, fake_fp) = (
        dev.user.id.clone(),
        fake.to_base64(),
        fake_fingerprint.clone(),
    );
    let served = proxy.on("GET", "/api/teams/{}/members", move |a| {
        let mut members = a.json()?;
        for m in members.as_array_mut().context("array")? {
            if m["user_id"] == json!(dev_id) {
                m["public_keys"] = json!(fake_text);
                m["fingerprint"] = json!(fake_fp);
            }
        }
        a.set_json(&members)
    });

    let browser = Browser::start().await?;
    browser
        .sign_in(&proxy.url, "olga@example.test", PASSWORD)
        .await?;
    browser.click("nav a[href='/members']").await?;
    let row = browser
        .wait_for_text(
            "#member-list tr[data-email='dev@example.test']",
            "Unverified",
            60,
        )
        .await?;
    ensure!(served.count() > 0);
    ensure!(row.contains(&real), "the log's fingerprint is shown: {row}");
    ensure!(row.contains("other keys"), "{row}");
    browser
        .screenshot("dashboard-attack-substituted-keys")
        .await?;
    browser.close().await?;
    proxy.stop().await?;
    server.stop().await
}

/// A forged SHA-1 (what the attack through a proxy showed the old clients).
const FORGED_SHA1: &str = "DE:AD:BE:EF:DE:AD:BE:EF:DE:AD:BE:EF:DE:AD:BE:EF:DE:AD:BE:EF";

/// The server forges a credential's metadata (fingerprint and expiry) in the list and on its
/// page: the dashboard shows it as unverified and never shows the forged values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_attack_forged_metadata_is_shown_unverified() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    let (olga, _dev, team) = team(&server).await?;
    let key = olga.team_key(&team).await?;
    let genuine = olga
        .create_credential(
            &team,
            &key,
            &signet_client::credential::NewCredential {
                kind: signet_core::wire::credential::CredentialKind::ApplePushKey,
                label: "Push key",
                metadata: json!({"key_id": "ABCDEFGHIJ", "not_after": 4_000_000_000_i64}),
                payload: b"push key",
            },
        )
        .await?;
    let forge = |c: &mut Value| {
        c["metadata"] =
            json!(json!({"key_id": FORGED_SHA1, "not_after": 4_102_444_800_i64}).to_string());
    };
    let id = genuine.id.clone();
    let listed = proxy.on("GET", "/api/teams/{}/credentials", move |a| {
        let mut page = a.json()?;
        for c in page["entries"].as_array_mut().context("entries")? {
            if c["id"] == json!(id) {
                forge(c);
            }
        }
        a.set_json(&page)
    });
    let one = proxy.on("GET", "/api/teams/{}/credentials/{}", move |a| {
        let mut c = a.json()?;
        forge(&mut c);
        a.set_json(&c)
    });

    let browser = Browser::start().await?;
    browser
        .sign_in(&proxy.url, "dev@example.test", PASSWORD)
        .await?;
    browser.click("nav a[href='/credentials']").await?;
    let text = page_says(&browser, "unverified").await?;
    ensure!(listed.count() > 0);
    ensure!(
        !text.contains("DE:AD:BE:EF"),
        "the forged fingerprint is shown: {text}"
    );
    browser.click("#credential-list a").await?;
    let detail = browser
        .wait_for_text("#credential-unverified", "author's signature", 60)
        .await?;
    ensure!(one.count() > 0, "{detail}");
    let text = page_says(&browser, "author's signature").await?;
    ensure!(!text.contains("DE:AD:BE:EF"), "{text}");
    browser
        .screenshot("dashboard-attack-forged-metadata")
        .await?;
    browser.close().await?;
    proxy.stop().await?;
    server.stop().await
}
