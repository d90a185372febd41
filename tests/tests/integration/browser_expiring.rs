//! The dashboard's Expiring page and the apps list's expiry badges in headless Chromium, for
//! `cli_expiring`'s team (real profiles expiring in 5 and 20 days, one expired 3 days ago,
//! certificates and keystores that last) after a compromised server forged one keystore's
//! expiry: soonest first, a severity word with the days on every row, the forged one
//! unverified and never "OK", and each app's worst as a badge.

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use signet_client::{Api, Session};
use signet_core::wire::credential::CredentialKind;
use signet_tests::{api::PASSWORD, browser::Browser, server::TestServer};

use crate::cli_expiring::{EXPIRED, forge_far_expiry, team_with_expiring_credentials};

/// Each row of `#expiring-list`: `[severity, status text, credential cell, used-by cell]`.
const ROWS: &str = "Array.from(document.querySelectorAll('#expiring-list .expiring-row')).map(r => \
    [r.querySelector('.expiry-status').dataset.severity, \
     r.querySelector('.expiry-status').textContent.trim(), \
     r.cells[2].textContent.trim(), r.cells[3].textContent.trim()])";

fn cells(rows: &Value) -> Vec<Vec<String>> {
    rows.as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    r.as_array()
                        .map(|c| {
                            c.iter()
                                .map(|c| c.as_str().unwrap_or_default().to_owned())
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_expiring_page_sorts_soonest_first_with_words_and_apps_show_their_worst()
-> Result<()> {
    let server = TestServer::start().await?;
    team_with_expiring_credentials(&server.url).await?;
    // The server claims Later App's keystore lasts until 2100.
    let session =
        Session::login(&Api::new(&server.url), "dev@example.test", PASSWORD, false).await?;
    let team = session.teams().await?.remove(0);
    let apps = session.api.apps(&team.id).await?;
    let later = apps
        .iter()
        .find(|a| a.name == "Later App")
        .context("Later App")?;
    let forged = session
        .api
        .assignments(&team.id, &later.id)
        .await?
        .into_iter()
        .find(|a| a.kind == CredentialKind::AndroidKeystore.as_str())
        .context("Later App's keystore")?
        .credential_id;
    forge_far_expiry(&server, &forged).await?;

    let browser = Browser::start().await?;
    browser
        .sign_in(&server.url, "dev@example.test", PASSWORD)
        .await?;

    browser.click("nav a[href='/expiring']").await?;
    browser.wait_for("#expiring-list", 60).await?;
    let rows = cells(
        &browser
            .wait_until(&format!("({ROWS}).length === 7 && ({ROWS})"), 30)
            .await?,
    );
    let severities: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    ensure!(
        severities == ["expired", "urgent", "soon", "ok", "ok", "ok", "unverified"],
        "{rows:#?}"
    );
    ensure!(
        rows[0][1] == "Expired · expired 3 days ago"
            && rows[0][2].contains(EXPIRED)
            && rows[0][3].contains("Later App · iOS production"),
        "{rows:#?}"
    );
    ensure!(
        rows[1][1].starts_with("Urgent · expires in ")
            && rows[1][2].contains("Provisioning profile")
            && rows[1][3].contains("Acme App · iOS production (default)"),
        "{rows:#?}"
    );
    ensure!(
        rows[2][1].starts_with("Soon · expires in 1") && rows[2][3].contains("Later App"),
        "{rows:#?}"
    );
    ensure!(
        rows[3..5]
            .iter()
            .all(|r| r[1].starts_with("OK · expires in 36")
                && r[2].contains("iOS distribution certificate")),
        "{rows:#?}"
    );
    ensure!(
        rows[5][2].contains("Android upload keystore") && rows[5][3].contains("Acme App"),
        "{rows:#?}"
    );
    ensure!(
        rows[6][1] == "Unverified · expiry unknown"
            && rows[6][2].contains("Android upload keystore")
            && rows[6][3].contains("Later App"),
        "{rows:#?}"
    );
    let page = browser
        .wait_for_text("#expiring-list", "Unverified", 5)
        .await?;
    ensure!(!page.contains("2100"), "the forged date is shown: {page}");
    // Each row links to where it is replaced: its credential page, and the apps using it.
    let links: Value = browser
        .wait_until(
            "Array.from(document.querySelectorAll('#expiring-list .expiring-row')[6].querySelectorAll('a')).map(a => a.getAttribute('href'))",
            5,
        )
        .await?;
    ensure!(
        links
            == serde_json::json!([
                format!("/credentials/{forged}"),
                format!("/apps/{}", later.id)
            ]),
        "{links}"
    );

    // The expired profile's own page says it in words, and its metadata reads as text for
    // people: labels, dates and lists, no raw keys or JSON.
    browser
        .click("#expiring-list .expiring-row:first-child a[href^='/credentials/']")
        .await?;
    let left = browser
        .wait_for_text("#days-left", "expired 3 days ago", 30)
        .await?;
    ensure!(left.trim() == "expired 3 days ago", "{left}");
    let details = browser
        .wait_for_text("#credential-details", "Certificates it allows (SHA-1)", 10)
        .await?;
    for needle in ["Bundle ID", "UUID", "Expires", "Profile type"] {
        ensure!(details.contains(needle), "{needle} not in {details}");
    }
    for raw in [
        "Certificate Sha1s",
        "certificate_sha1s",
        "[\"",
        "Uuid",
        "days until expiry",
    ] {
        ensure!(!details.contains(raw), "{raw} in {details}");
    }
    let capitalized: Value = browser
        .wait_until(
            "Array.from(document.querySelectorAll('.facts dt')).map(d => getComputedStyle(d).textTransform)",
            5,
        )
        .await?;
    ensure!(
        capitalized
            .as_array()
            .is_some_and(|l| l.iter().all(|t| t == "none")),
        "{capitalized}"
    );

    // The apps list: each app's worst, in words, from the same verified data.
    browser.click("nav a[href='/apps']").await?;
    let badges = |id: &str| {
        format!(
            "(() => {{ const b = document.querySelector(\".app-expiry[data-app='{id}']\"); \
             return b && b.querySelectorAll('.expiry-status').length && \
             Array.from(b.querySelectorAll('.expiry-status')).map(s => s.textContent.trim()); }})()"
        )
    };
    let acme = apps.iter().find(|a| a.name == "Acme App").context("Acme")?;
    let acme_badges = browser.wait_until(&badges(&acme.id), 60).await?;
    ensure!(
        acme_badges.as_array().is_some_and(|b| b.len() == 1
            && b[0]
                .as_str()
                .is_some_and(|t| t.starts_with("Urgent · expires in "))),
        "{acme_badges}"
    );
    let later_badges = browser.wait_until(&badges(&later.id), 10).await?;
    ensure!(
        later_badges
            == serde_json::json!([
                "Expired · expired 3 days ago",
                "Unverified · expiry unknown"
            ]),
        "{later_badges}"
    );

    // The signed-in home: the team at a glance. An app with nothing stored yet says what
    // its production builds lack; the others are ready, with their worst expiry; the
    // soonest expiries come first (the forged one has no date to show); the owner sees the
    // latest audit entries, each naming its subject.
    let cli = signet_tests::cli::Cli::signed_in(&server.url, "dev").await?;
    cli.create_app("New App", "com.acme.new", &["com.acme.new"])
        .await?;
    browser.click("nav a[href='/']").await?;
    let home = browser.wait_for_text("#home-apps", "New App", 60).await?;
    for needle in [
        "2 missing",
        "Add the Android upload keystore for com.acme.new",
        "Add the iOS certificate and profile of target ",
        "(com.acme.new)",
    ] {
        ensure!(home.contains(needle), "{needle} not in {home}");
    }
    let statuses: Value = browser
        .wait_until(
            "Array.from(document.querySelectorAll('#home-apps .home-app')).map(li => \
             [li.querySelector('.app-name').textContent.trim(), \
              li.querySelector('.home-line .badge').textContent.trim(), \
              Array.from(li.querySelectorAll('.expiry-status')).map(s => s.dataset.severity)])",
            10,
        )
        .await?;
    ensure!(
        statuses
            == serde_json::json!([
                ["Acme App", "Ready to build", ["urgent"]],
                ["Later App", "Ready to build", ["expired", "unverified"]],
                ["New App", "2 missing", []],
            ]),
        "{statuses}"
    );
    let soonest: Value = browser
        .wait_until(
            "Array.from(document.querySelectorAll('#home-expiring .home-due')).map(li => \
             li.querySelector('.expiry-status').dataset.severity)",
            10,
        )
        .await?;
    ensure!(
        soonest == serde_json::json!(["expired", "urgent", "soon", "ok", "ok"]),
        "{soonest}"
    );
    let expiring = browser.wait_for_text("#home-expiring", EXPIRED, 5).await?;
    ensure!(
        !expiring.contains("2100"),
        "the forged date is shown: {expiring}"
    );
    let activity = browser
        .wait_for_text("#home-activity", "app.created", 10)
        .await?;
    ensure!(activity.contains("New App"), "{activity}");
    ensure!(activity.contains("dev@example.test"), "{activity}");
    let lead = browser
        .wait_for_text("main .page-header", "You are an owner", 5)
        .await?;
    ensure!(lead.contains("production builds"), "{lead}");
    let page = browser.wait_for_text("main", "Expires soonest", 5).await?;
    for stale in ["come next", "Check this browser"] {
        ensure!(
            !page.contains(stale),
            "{stale} on the signed-in home: {page}"
        );
    }
    // After a reload the keys are gone: the home asks for the password, then shows the team.
    browser.client.refresh().await?;
    browser.fill("#unlock-password", PASSWORD).await?;
    browser.click("#unlock-submit").await?;
    browser.wait_for_text("#home-apps", "New App", 60).await?;
    browser.close().await?;
    Ok(())
}
