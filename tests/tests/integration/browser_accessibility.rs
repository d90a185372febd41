//! axe-core on every main page of the dashboard, in the light and the dark theme: no
//! `serious` or `critical` violation (contrast, labels, names, ARIA) may remain.

use signet_tests::{
    axe::{self, Violation},
    browser::{Browser, DARK_MODE},
    server::TestServer,
};

use super::browser_dashboard::team_and_app;

/// Runs axe on the page open now; remembers serious and critical violations under `page`.
async fn check(
    browser: &Browser,
    axe_js: &str,
    theme: &str,
    page: &str,
    found: &mut Vec<(String, Violation)>,
) -> anyhow::Result<()> {
    browser.screenshot(&format!("a11y-{theme}-{page}")).await?;
    // axe at 360 px too: a layout that reflows for a phone can hide a label or break
    // contrast (text over a background that no longer sits behind it).
    narrow(browser, page, found).await?;
    axe_here(
        browser,
        axe_js,
        &format!("[{theme}, 360 px] {page}"),
        page,
        found,
    )
    .await?;
    browser.resize(1280, 900).await?;
    axe_here(browser, axe_js, &format!("[{theme}] {page}"), page, found).await
}

/// Runs axe on the page as it is laid out now; remembers serious and critical violations.
async fn axe_here(
    browser: &Browser,
    axe_js: &str,
    context: &str,
    page: &str,
    found: &mut Vec<(String, Violation)>,
) -> anyhow::Result<()> {
    let results = axe::run(browser, axe_js).await?;
    for v in results.incomplete.iter().filter(|v| v.is_serious()) {
        eprintln!("(needs review) {context}: {v}");
    }
    for v in results.violations {
        let line = format!("{context}: {v}");
        if v.is_serious() {
            eprintln!("{line}");
            found.push((page.to_owned(), v));
        } else {
            eprintln!("(minor) {line}");
        }
    }
    Ok(())
}

/// At 360×740 (a small phone) the page fits: nothing wider than the window, so no
/// horizontal scroll. What sticks out is named (tag, id or class, and by how much). Leaves
/// the window at 360 px for the caller's axe run.
async fn narrow(
    browser: &Browser,
    page: &str,
    found: &mut Vec<(String, Violation)>,
) -> anyhow::Result<()> {
    browser.resize(360, 740).await?;
    let overflow = browser
        .wait_until(
            "(() => { const w = document.documentElement.clientWidth; \
               const wide = [...document.querySelectorAll('body *')] \
                 .filter(e => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed') \
                 .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) { const o = getComputedStyle(a).overflowX; if (o !== 'visible' && o !== 'clip') return false; } return true; }) \
                 .slice(0, 8) \
                 .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''} +${Math.round(e.getBoundingClientRect().right - w)}px`); \
               return { scroll: document.documentElement.scrollWidth - w, wide }; })()",
            10,
        )
        .await?;
    let scroll = overflow["scroll"].as_i64().unwrap_or(0);
    if scroll > 0 {
        let line = format!(
            "{page} at 360 px: {scroll} px of horizontal scroll: {}",
            overflow["wide"]
        );
        eprintln!("{line}");
        found.push((page.to_owned(), Violation::narrow(line)));
    }
    Ok(())
}

/// Walks every main page as one person would (signed out, sign up, then signed in with a
/// team, an app and a generated keystore) and checks each with axe.
async fn audit(dark: bool) -> anyhow::Result<()> {
    let theme = if dark { "dark" } else { "light" };
    let axe_js = axe::source()?;
    let server = TestServer::start().await?;
    let browser = if dark {
        Browser::start_with(&[DARK_MODE]).await?
    } else {
        Browser::start().await?
    };
    let mut found = Vec::new();
    browser.client.goto(&server.url).await?;
    browser
        .wait_for_text("h1", "end-to-end encrypted", 30)
        .await?;
    let is_dark = browser
        .client
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await?;
    assert_eq!(
        is_dark,
        serde_json::Value::Bool(dark),
        "the {theme} theme is what the page renders"
    );
    // A check that cannot fail is no check: an unlabelled input and grey-on-white text must
    // be reported, with their selectors.
    browser
        .client
        .execute(
            "const i = document.createElement('input'); i.id = 'axe-canary'; \
             const p = document.createElement('p'); p.id = 'axe-canary-text'; \
             p.textContent = 'faint'; p.style.color = '#bbbbbb'; p.style.background = '#ffffff'; \
             document.querySelector('main').append(i, p);",
            vec![],
        )
        .await?;
    let canary = axe::run(&browser, &axe_js).await?.violations;
    let flagged = |rule: &str, id: &str| {
        canary.iter().any(|v| {
            v.id == rule
                && v.is_serious()
                && v.nodes
                    .iter()
                    .any(|n| n.target.iter().any(|t| t.as_str() == Some(id)))
        })
    };
    assert!(
        flagged("label", "#axe-canary") && flagged("color-contrast", "#axe-canary-text"),
        "axe must flag the planted problems: {canary:?}"
    );
    browser
        .client
        .execute(
            "document.getElementById('axe-canary').remove(); \
             document.getElementById('axe-canary-text').remove();",
            vec![],
        )
        .await?;
    check(&browser, &axe_js, theme, "home-signed-out", &mut found).await?;

    browser
        .client
        .goto(&format!("{}/account", server.url))
        .await?;
    browser.click("#show-signup").await?;
    browser.wait_for("#signup-email", 20).await?;
    // With the strength meter showing.
    browser.fill("#signup-password", "Password123").await?;
    browser.wait_for("#signup-strength meter", 10).await?;
    check(&browser, &axe_js, theme, "sign-up", &mut found).await?;

    browser
        .sign_up(&server.url, &format!("{theme}@example.com"))
        .await?;
    check(&browser, &axe_js, theme, "recovery-code", &mut found).await?;
    browser.confirm_recovery_code().await?;
    browser.wait_for("#account-fingerprint", 30).await?;
    check(&browser, &axe_js, theme, "account", &mut found).await?;

    team_and_app(&browser).await?;
    browser.wait_for("#no-keystore", 30).await?;
    browser.click("#generate-keystore").await?;
    browser.wait_for_text(".keystore", "SHA-256", 120).await?;
    check(&browser, &axe_js, theme, "app", &mut found).await?;
    // The signing keys' upload-key reset, asking for confirmation.
    browser.click("#start-upload-key-reset").await?;
    browser.wait_for("#reset-confirm", 10).await?;
    check(&browser, &axe_js, theme, "app-upload-key-reset", &mut found).await?;

    browser.click("#import-link").await?;
    browser.wait_for("#import-zip", 30).await?;
    check(&browser, &axe_js, theme, "import", &mut found).await?;
    // The checks' table, with passed and failed rows: a bundle whose profile does not list
    // its certificate (signet-core's fixture).
    let bundle =
        signet_tests::paths::root().join("wasm-core/tests/fixtures/eas/bundle-deflate.zip");
    browser
        .wait_for("#import-zip", 5)
        .await?
        .send_keys(&bundle.to_string_lossy())
        .await?;
    browser.click("#import-check").await?;
    browser.wait_for("#import-report", 60).await?;
    check(&browser, &axe_js, theme, "import-checked", &mut found).await?;

    for (href, ready, page) in [
        ("/teams", "#team-list", "teams"),
        ("/apps", "#app-list", "apps"),
        ("/expiring", "#expiring-list", "expiring"),
        ("/credentials", "#credential-list", "credentials"),
    ] {
        browser.click(&format!("nav a[href='{href}']")).await?;
        browser.wait_for(ready, 30).await?;
        check(&browser, &axe_js, theme, page, &mut found).await?;
    }
    // On a phone the list shows every column without scrolling inside it: Expiry too.
    browser.resize(360, 740).await?;
    let hidden = browser
        .wait_until(
            "(() => { const w = document.documentElement.clientWidth; \
               const cells = [...document.querySelectorAll('#credential-list td.expiry')]; \
               if (cells.length === 0) return null; \
               return `off-screen: ${cells.filter(c => c.getBoundingClientRect().right > w + 1 || c.getBoundingClientRect().width === 0).length}`; })()",
            10,
        )
        .await?;
    browser.resize(1280, 900).await?;
    assert_eq!(
        hidden,
        serde_json::json!("off-screen: 0"),
        "[{theme}] at 360 px an Expiry cell of the credentials list is off-screen"
    );
    browser.click("#credential-list a").await?;
    browser.wait_for("#credential-details", 30).await?;
    check(&browser, &axe_js, theme, "credential", &mut found).await?;
    // It is in use: trashing asks first (checked by axe too); in the trash: the badge,
    // Restore, and the admin's "Delete forever" form.
    browser.click("#trash-credential").await?;
    browser.wait_for("#trash-in-use", 30).await?;
    check(
        &browser,
        &axe_js,
        theme,
        "credential-trash-in-use",
        &mut found,
    )
    .await?;
    browser.click("#trash-confirm").await?;
    browser.wait_for("#purge-form", 30).await?;
    check(&browser, &axe_js, theme, "credential-trashed", &mut found).await?;

    browser.click("nav a[href='/members']").await?;
    browser.wait_for_text("main", "@example.com", 30).await?;
    check(&browser, &axe_js, theme, "members", &mut found).await?;

    browser.click("nav a[href='/audit']").await?;
    browser
        .wait_for_text("main", "credential.deleted", 30)
        .await?;
    check(&browser, &axe_js, theme, "audit", &mut found).await?;

    // The signed-in home: the team's apps, what expires soonest, recent activity.
    browser.click("nav a[href='/']").await?;
    browser
        .wait_for_text("#home-activity", "credential.deleted", 30)
        .await?;
    check(&browser, &axe_js, theme, "team-home", &mut found).await?;

    browser.close().await?;
    server.stop().await?;
    let pages: Vec<String> = found
        .iter()
        .map(|(page, v)| format!("{page}: {v}"))
        .collect();
    assert!(
        found.is_empty(),
        "{} serious or critical accessibility violations ({theme} theme):\n{}",
        found.len(),
        pages.join("\n")
    );
    Ok(())
}

/// The light theme (Chromium's default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_accessibility_axe_finds_nothing_serious_in_the_light_theme() -> anyhow::Result<()>
{
    audit(false).await
}

/// The dark theme (`prefers-color-scheme: dark`, forced with Blink's setting).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_accessibility_axe_finds_nothing_serious_in_the_dark_theme() -> anyhow::Result<()> {
    audit(true).await
}
