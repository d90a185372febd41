//! The dashboard in headless Chromium against the real server.

use std::time::{Duration, Instant};

use anyhow::Context as _;

use signet_core::{credential::Payload, wire::credential::CredentialKind};
use signet_tests::{
    browser::{Browser, PASSWORD},
    server::TestServer,
    tools,
};

/// A person opens the dashboard and sees which server version they talk to and what Signet
/// is; the landing page no longer carries a browser-check toy (the iOS section makes real
/// CSRs, which `browser_ios` has OpenSSL verify).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_server_version_and_the_landing_page() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&server.url).await?;

    let footer = browser
        .wait_for_text(
            "#server-version",
            &format!("Server v{}", signet_server::VERSION),
            30,
        )
        .await?;
    assert!(footer.contains("sqlite"), "{footer}");
    browser
        .wait_for_text("h1", "end-to-end encrypted", 10)
        .await?;
    let main = browser.wait_for_text("main", "Get started", 10).await?;
    assert!(!main.contains("come next"), "{main}");
    assert!(!main.contains("Check this browser"), "{main}");
    let screenshot = browser.screenshot("dashboard-home").await?;
    assert!(std::fs::metadata(&screenshot)?.len() > 10_000);

    browser.close().await?;
    server.stop().await
}

/// Every section needs a session: signed out, each one asks to sign in; unknown paths show a
/// friendly 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sections_ask_to_sign_in_and_unknown_pages_say_so() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    for path in [
        "/teams",
        "/apps",
        "/credentials",
        "/members",
        "/audit",
        "/account",
    ] {
        browser
            .client
            .goto(&format!("{}{path}", server.url))
            .await?;
        browser.wait_for_text("main h1", "Sign in", 30).await?;
    }
    browser
        .client
        .goto(&format!(
            "{}/invite/00000000-0000-4000-8000-000000000000#not-a-secret",
            server.url
        ))
        .await?;
    // An invitation page starts at sign-up.
    let shown = browser
        .wait_for_text("main h1", "Create your account", 30)
        .await;
    browser.screenshot("dashboard-invite-signed-out").await?;
    shown?;
    browser
        .client
        .goto(&format!("{}/nowhere", server.url))
        .await?;
    browser
        .wait_for_text("main h1", "Page not found", 30)
        .await?;
    browser.close().await?;
    server.stop().await
}

/// What the browser fetched so far: `(file name without query, encoded body bytes)`.
async fn fetched(browser: &Browser) -> anyhow::Result<Vec<(String, u64)>> {
    let entries = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource')\
               .map(e => [new URL(e.name).pathname, e.encodedBodySize]);",
            vec![],
        )
        .await?;
    let entries: Vec<(String, u64)> = serde_json::from_value(entries)?;
    Ok(entries)
}

/// The dashboard is split (see docs/development.md, "Code splitting"): a first visit fetches
/// the main module only, within budget (Chromium takes the brotli siblings from localhost;
/// the gzip and brotli sizes are the bench's); a lazy page fetches its own chunk when it is
/// first shown, and still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_first_load_fetches_only_the_main_module_and_lazy_pages_their_chunks()
-> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&format!("{}/", server.url)).await?;
    browser
        .wait_for_text("main h1", "end-to-end encrypted", 30)
        .await?;
    browser.wait_for("#server-version", 30).await?;
    let first = fetched(&browser).await?;
    let total: u64 = first.iter().map(|(_, size)| size).sum();
    let wasm: Vec<&str> = first
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| name.ends_with(".wasm"))
        .collect();
    eprintln!("first load: {total} bytes (encoded): {first:?}");
    assert_eq!(wasm, ["/app_bg.wasm"], "{first:?}");
    // Issue 15's goal: a first visit moves at most 200 KB.
    assert!(total <= 200 * 1024, "first load {total} bytes: {first:?}");

    // Client-side navigation to a lazy route loads its chunk, and the page renders.
    browser.click("a[href='/teams']").await?;
    browser.wait_for_text("main h1", "Sign in", 30).await?;
    browser
        .wait_until(
            "performance.getEntriesByType('resource')\
               .some(e => new URL(e.name).pathname.startsWith('/split___teams_route_view'))",
            30,
        )
        .await?;
    // The key derivation behind the sign-in form is a chunk of its own: not part of the first
    // visit (checked above), preloaded once the form is shown.
    browser
        .wait_until(
            "performance.getEntriesByType('resource')\
               .some(e => new URL(e.name).pathname.startsWith('/split_login'))",
            30,
        )
        .await?;
    browser.close().await?;
    server.stop().await
}

/// Sign up derives keys in the browser (with a visible working state), shows the recovery code
/// once behind a confirmation; the account page shows the fingerprint; nothing lands in browser
/// storage; a reload keeps the session but asks for the password (a wrong one is refused);
/// sign out, then sign in again; change the password; recover with the code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_up_recovery_code_reload_unlock_sign_out_sign_in_change_password_recover()
-> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let email = "ada@example.com";

    browser
        .client
        .goto(&format!("{}/account", server.url))
        .await?;
    browser.click("#show-signup").await?;
    browser.fill("#signup-email", email).await?;
    // The strength meter: a common password is called what it is, a passphrase strong.
    browser.fill("#signup-password", "Password123").await?;
    let weak = browser
        .wait_for_text("#signup-strength", "Very weak", 10)
        .await?;
    assert!(weak.contains("words"), "{weak}");
    browser.fill("#signup-password", PASSWORD).await?;
    browser
        .wait_until(
            "document.querySelector('#signup-strength').dataset.score === '4' && \
             document.querySelector('#signup-strength meter').value === 4",
            10,
        )
        .await?;
    browser.fill("#signup-confirm", PASSWORD).await?;
    // The working state is rendered before Argon2id blocks the thread. The page's thread is
    // busy while it shows, so a poll could miss it: record every text the page shows instead.
    browser
        .client
        .execute(
            "window.__seen = [];
             new MutationObserver(() => window.__seen.push(document.body.innerText))
               .observe(document.body, { childList: true, subtree: true, characterData: true });",
            vec![],
        )
        .await?;
    let started = Instant::now();
    browser.click("#signup-submit").await?;
    let code = browser.wait_for_text("#recovery-code", "-", 60).await?;
    let signup = started.elapsed();
    let seen = browser
        .client
        .execute(
            "return window.__seen.some(t => t.includes('Deriving keys'));",
            vec![],
        )
        .await?;
    assert_eq!(
        seen,
        serde_json::json!(true),
        "the working state was never shown"
    );
    assert_eq!(code.trim().split('-').count(), 8, "{code}");
    // The header names the new account, not "Sign in", while the code is on screen.
    browser.wait_for_text("#user-email", email, 5).await?;
    assert!(
        browser.absent("#sign-in-link").await?,
        "the header offers \"Sign in\" on the recovery-code screen"
    );
    // Download as a text file (the code and whose it is) and Print (the browser's dialog).
    browser.click("#recovery-download").await?;
    let saved = String::from_utf8(
        browser
            .wait_for_download("signet-recovery-code.txt", 20)
            .await?,
    )?;
    assert!(
        saved.contains(code.trim()) && saved.contains(email),
        "{saved}"
    );
    browser
        .client
        .execute(
            "window.__printed = 0; window.print = () => { window.__printed += 1; };",
            vec![],
        )
        .await?;
    browser.click("#recovery-print").await?;
    browser.wait_until("window.__printed === 1", 5).await?;
    browser
        .wait_for("button[aria-label='Copy recovery code']", 5)
        .await?;
    browser.screenshot("dashboard-recovery-code").await?;
    browser.confirm_recovery_code().await?;

    let fingerprint = browser
        .wait_for_text("#account-fingerprint", "", 20)
        .await?;
    assert!(fingerprint.trim().len() >= 20, "{fingerprint:?}");
    browser.wait_for_text("#user-email", email, 10).await?;
    browser.screenshot("dashboard-account").await?;

    // Keys live only in memory: nothing in local or session storage, no readable cookie.
    let storage = browser
        .client
        .execute(
            "return [localStorage.length, sessionStorage.length, document.cookie];",
            vec![],
        )
        .await?;
    assert_eq!(storage, serde_json::json!([0, 0, ""]), "{storage}");

    // A reload keeps the session (HttpOnly cookie) but the keys are gone: unlock.
    browser.client.refresh().await?;
    browser.wait_for_text("#unlock-email", email, 30).await?;
    browser.screenshot("dashboard-unlock").await?;
    browser.fill("#unlock-password", "not my password").await?;
    browser.click("#unlock-submit").await?;
    browser
        .wait_for_text("#unlock-status", "Wrong password", 60)
        .await?;
    browser.fill("#unlock-password", PASSWORD).await?;
    let started = Instant::now();
    browser.click("#unlock-submit").await?;
    let again = browser
        .wait_for_text("#account-fingerprint", "", 60)
        .await?;
    let unlock = started.elapsed();
    assert_eq!(again, fingerprint);

    // Sign out: the next visit asks to sign in; signing in unlocks the same account.
    browser.click("#sign-out").await?;
    browser.wait_for("#sign-in-link", 20).await?;
    browser
        .client
        .goto(&format!("{}/account", server.url))
        .await?;
    browser.fill("#signin-email", email).await?;
    browser.fill("#signin-password", PASSWORD).await?;
    browser.click("#signin-submit").await?;
    let signed_in = browser
        .wait_for_text("#account-fingerprint", "", 60)
        .await?;
    assert_eq!(signed_in, fingerprint);

    // Change the password; the old one stops working, the new one signs in.
    const NEW_PASSWORD: &str = "a brand new passphrase";
    browser.fill("#current-password", PASSWORD).await?;
    browser.fill("#new-password", NEW_PASSWORD).await?;
    browser.fill("#new-password-confirm", NEW_PASSWORD).await?;
    browser.click("#change-password").await?;
    browser
        .wait_for_text("#password-status", "Password changed", 60)
        .await?;
    browser.click("#sign-out").await?;
    browser.wait_for("#sign-in-link", 20).await?;
    browser.click("nav a[href='/account']").await?;
    browser.fill("#signin-email", email).await?;
    browser.fill("#signin-password", PASSWORD).await?;
    browser.click("#signin-submit").await?;
    browser.wait_for("#signin-status [role=alert]", 60).await?;
    browser.fill("#signin-password", NEW_PASSWORD).await?;
    browser.click("#signin-submit").await?;
    let after_change = browser
        .wait_for_text("#account-fingerprint", "", 60)
        .await?;
    assert_eq!(after_change, fingerprint);

    // Forgot it: the recovery code opens the same keys and sets a third password.
    browser.click("#sign-out").await?;
    browser.wait_for("#sign-in-link", 20).await?;
    browser.click("nav a[href='/account']").await?;
    browser.click("#show-recover").await?;
    browser.fill("#recover-email", email).await?;
    browser.fill("#recover-code", code.trim()).await?;
    browser
        .fill("#recover-password", "third time lucky!")
        .await?;
    browser
        .fill("#recover-confirm", "third time lucky!")
        .await?;
    browser.screenshot("dashboard-recover").await?;
    browser.click("#recover-submit").await?;
    // The used code is replaced: a new one is shown once, with the same choices.
    let next = browser
        .wait_for_text("#new-recovery-title", "new recovery code", 60)
        .await
        .and(Ok(()));
    next?;
    let next_code = browser.wait_for_text("#recovery-code", "-", 10).await?;
    assert_ne!(next_code.trim(), code.trim());
    assert_eq!(next_code.trim().split('-').count(), 8, "{next_code}");
    browser.wait_for("#recovery-download", 5).await?;
    browser.wait_for_text("#user-email", email, 5).await?;
    browser.confirm_recovery_code().await?;
    let recovered = browser
        .wait_for_text("#account-fingerprint", "", 60)
        .await?;
    assert_eq!(recovered, fingerprint);
    let api = signet_client::Api::new(&server.url);
    signet_client::Session::login(&api, email, "third time lucky!", false).await?;
    // The old code stops working; the new one works.
    let old_code = signet_core::vault::recovery::RecoveryCode::parse(code.trim())?;
    let reused = signet_client::Session::recover(
        &api,
        email,
        &old_code,
        "fourth password!",
        signet_core::vault::kdf::KdfParams::DEFAULT,
    )
    .await;
    assert!(
        matches!(
            reused,
            Err(signet_client::ClientError::Api { status: 401, .. })
        ),
        "the used code still recovers: {:?}",
        reused.map(|_| ())
    );
    assert!(
        signet_client::Session::login(&api, email, NEW_PASSWORD, false)
            .await
            .is_err()
    );
    eprintln!(
        "measured: sign-up (Argon2id m=64 MiB t=3 + key pairs) {} ms, unlock {} ms",
        signup.as_millis(),
        unlock.as_millis()
    );

    browser.close().await?;
    server.stop().await
}

/// Makes a team and an app with a package and iOS targets; returns the app page's URL.
pub(crate) async fn team_and_app(browser: &Browser) -> anyhow::Result<String> {
    browser.create_first_team("Acme Mobile").await?;
    browser.fill("#team-name", "Side Project").await?;
    browser.click("#create-team").await?;
    browser
        .wait_for_text("#team-list", "Side Project", 30)
        .await?;
    // The new team became current; switch back to the first one.
    browser.click("#team-list button[type=button]").await?;
    browser
        .wait_until(
            "document.querySelector('#team-switcher').selectedOptions[0].text === 'Acme Mobile'",
            10,
        )
        .await?;
    browser.screenshot("dashboard-teams").await?;

    browser.click("nav a[href='/apps']").await?;
    browser.wait_for("#no-apps", 60).await?;
    browser.fill("#app-name", "Acme").await?;
    browser.fill("#app-package", "com.acme.app").await?;
    browser
        .fill(
            "#app-ios",
            "Acme=com.acme.app\nAcmeWidget=com.acme.app.widget",
        )
        .await?;
    browser.click("#create-app").await?;
    let list = browser
        .wait_for_text("#app-list", "com.acme.app", 30)
        .await?;
    assert!(list.contains("AcmeWidget: com.acme.app.widget"), "{list}");
    browser.screenshot("dashboard-apps").await?;
    browser.click("#app-list a").await?;
    browser
        .wait_for_text("#app-android-package", "com.acme.app", 30)
        .await?;
    Ok(browser.client.current_url().await?.to_string())
}

/// The whole Android flow: a team, an app, a generated upload keystore (visible progress, then
/// fingerprints, validity and alias), which the native client (what the CLI uses) opens and
/// keytool accepts; an upload with a wrong password stores nothing, the right one stores a
/// second keystore, and the first can be made the default again. Then the credential page:
/// creator, days to expiry, where it is used; trash and restore.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_team_app_generate_and_upload_keystore_inspect_trash_restore() -> anyhow::Result<()>
{
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let email = "grace@example.com";
    browser.signed_up(&server.url, email).await?;
    let app_url = team_and_app(&browser).await?;

    browser.wait_for("#no-keystore", 30).await?;
    // Watch the page's thread while the key is generated: a 10 ms timer that reports its
    // longest gap. Generation runs in a Web Worker, so the page must keep ticking.
    browser
        .client
        .execute(
            "window.__gaps = []; let last = performance.now(); \
             window.__watch = setInterval(() => { const now = performance.now(); \
             window.__gaps.push(now - last); last = now; }, 10);",
            vec![],
        )
        .await?;
    browser.click("#generate-keystore").await?;
    browser
        .wait_for_text("#generate-status", "Generating an RSA-2048", 10)
        .await?;
    let card = browser.wait_for_text(".keystore", "SHA-256", 120).await?;
    assert!(card.contains("Default"), "{card}");
    // Its validity is the certificate's end date, not a count of days that reads one less
    // after the next reload ("Valid · 10000 days", then "9999").
    let valid_until = card
        .find("Valid until ")
        .map(|at| {
            card[at..]
                .chars()
                .take("Valid until YYYY-MM-DD".len())
                .collect::<String>()
        })
        .ok_or_else(|| anyhow::anyhow!("no \"Valid until\" date on the card: {card}"))?;
    assert!(!card.contains("days"), "{card}");
    assert!(card.contains("CN=com.acme.app"), "{card}");
    let keygen_ms = browser
        .wait_for("#keygen-time", 5)
        .await?
        .attr("data-ms")
        .await?
        .unwrap_or_default();
    let longest_gap = browser
        .client
        .execute(
            "clearInterval(window.__watch); return Math.max(...window.__gaps);",
            vec![],
        )
        .await?
        .as_f64()
        .unwrap_or(f64::MAX);
    let webcrypto = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const t = performance.now(); \
             crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, \
             publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign']) \
             .then(() => done(performance.now() - t));",
            vec![],
        )
        .await?;
    browser.screenshot("dashboard-android-keystore").await?;
    let shown_sha1 = browser
        .wait_for(".keystore code[id^=sha1-]", 5)
        .await?
        .text()
        .await?;
    let shown_alias = browser.wait_for(".keystore-alias", 5).await?.text().await?;
    // Fingerprints break only between bytes: a break opportunity after each colon and none
    // inside a byte, so a wrapped SHA-256 never splits "AB" across lines.
    let breaks: serde_json::Value = browser
        .wait_until(
            "(() => { const c = document.querySelector('.keystore code[id^=sha256-]'); \
             return c && [c.querySelectorAll('wbr').length, getComputedStyle(c).overflowWrap, \
             getComputedStyle(c).wordBreak]; })()",
            5,
        )
        .await?;
    assert_eq!(
        breaks,
        serde_json::json!([31, "normal", "normal"]),
        "{breaks}"
    );

    // The native client (the CLI's code) opens what the browser stored; keytool agrees.
    let api = signet_client::Api::new(&server.url);
    let session = signet_client::Session::login(&api, email, PASSWORD, false).await?;
    let teams = session.teams().await?;
    let team = teams
        .iter()
        .find(|t| t.name == "Acme Mobile")
        .ok_or_else(|| anyhow::anyhow!("no team"))?;
    let key = session.team_key(&team.id).await?;
    let credentials = session.credentials(&team.id, false).await?;
    assert_eq!(credentials.len(), 1);
    let generated_id = credentials[0].id.clone();
    let (_, plain) = session
        .read_credential(&team.id, &key, &credentials[0].id)
        .await?;
    let payload = Payload::from_bytes(&plain, CredentialKind::AndroidKeystore)?;
    let Payload::AndroidKeystore {
        keystore_password,
        key_alias,
        ..
    } = &payload
    else {
        anyhow::bail!("not a keystore");
    };
    assert_eq!(key_alias, shown_alias.trim());
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("upload.jks");
    std::fs::write(&path, payload.file_bytes()?.as_slice())?;
    let listing = tools::keytool_list(&path, "JKS", keystore_password.expose())?;
    let entry = tools::keytool_entry(&listing, key_alias)?;
    assert_eq!(entry.sha1, shown_sha1.trim(), "{listing}");

    // Download for local builds: keytool opens the zipped keystore with the passwords from the
    // zipped credentials.json, and `signet doctor`'s model accepts it.
    browser.click("#download-bundle").await?;
    let zip = browser
        .wait_for_download("acme-credentials.zip", 60)
        .await?;
    let unzipped = dir.path().join("bundle");
    std::fs::create_dir_all(&unzipped)?;
    let zip_path = dir.path().join("bundle.zip");
    std::fs::write(&zip_path, &zip)?;
    tools::run_ok(
        "unzip",
        &[
            "-q",
            &zip_path.to_string_lossy(),
            "-d",
            &unzipped.to_string_lossy(),
        ],
    )?;
    let json = signet_core::eas::credentials_json::CredentialsJson::from_json(&std::fs::read(
        unzipped.join("credentials.json"),
    )?)?;
    let android = json
        .android
        .ok_or_else(|| anyhow::anyhow!("no android section"))?
        .keystore;
    assert_eq!(android.keystore_path, "credentials/android/keystore.jks");
    let zipped = unzipped.join(&android.keystore_path);
    assert_eq!(std::fs::read(&zipped)?, payload.file_bytes()?.to_vec());
    let listing = tools::keytool_list(&zipped, "JKS", android.keystore_password.expose())?;
    assert_eq!(
        tools::keytool_entry(&listing, &android.key_alias)?.sha1,
        shown_sha1.trim()
    );
    tools::run_ok(
        "keytool",
        &[
            // -certreq signs with the private key: it proves the key password too.
            "-certreq",
            "-keystore",
            &zipped.to_string_lossy(),
            "-storepass",
            android.keystore_password.expose(),
            "-alias",
            &android.key_alias,
            "-keypass",
            android.effective_key_password().expose(),
        ],
    )?;

    // Upload an existing keystore: a wrong password is refused and nothing is stored.
    let existing = dir.path().join("existing.jks");
    tools::run_ok(
        "keytool",
        &[
            "-genkeypair",
            "-keystore",
            &existing.to_string_lossy(),
            "-storetype",
            "JKS",
            "-storepass",
            "store-secret-1",
            "-keypass",
            "key-secret-2",
            "-alias",
            "legacy",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-validity",
            "20",
            "-dname",
            "CN=Legacy, O=Acme",
        ],
    )?;
    // The app has a keystore: the forms for another are folded away until asked for.
    browser.click("#add-keystore-more summary").await?;
    browser
        .wait_for("#keystore-file", 10)
        .await?
        .send_keys(&existing.to_string_lossy())
        .await?;
    browser.fill("#keystore-password", "wrong-password").await?;
    browser.fill("#keystore-alias", "legacy").await?;
    browser.fill("#key-password", "key-secret-2").await?;
    browser.click("#upload-keystore").await?;
    let error = browser
        .wait_for_text("#upload-status", "Nothing was stored", 60)
        .await?;
    assert!(error.to_lowercase().contains("password"), "{error}");
    assert_eq!(session.credentials(&team.id, false).await?.len(), 1);
    browser.fill("#keystore-password", "store-secret-1").await?;
    browser.fill("#keystore-alias", "nope").await?;
    browser.click("#upload-keystore").await?;
    browser.wait_for_text("#upload-status", "nope", 60).await?;
    assert_eq!(session.credentials(&team.id, false).await?.len(), 1);
    // No alias typed: the keystore's only key ("legacy") is the one stored.
    // (WebDriver's clear fires no `input` event: empty it the way typing would.)
    browser
        .client
        .execute(
            "const i = document.getElementById('keystore-alias'); i.value = ''; \
             i.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await?;
    // A second keystore is stored beside the default unless the box that explains what
    // replacing Google Play's upload key means is ticked.
    let note = browser
        .wait_for_text("#beside-note", "keep using the default", 10)
        .await?;
    assert!(note.contains("signet pull"), "{note}");
    let unticked: bool = serde_json::from_value(
        browser
            .wait_until(
                "document.querySelector('#keystore-make-default').checked === false",
                5,
            )
            .await?,
    )?;
    assert!(unticked);
    let explained = browser
        .wait_for_text(
            "label:has(#keystore-make-default)",
            "Make the new one the default",
            5,
        )
        .await?;
    assert!(
        explained.contains("replaces the upload key Google Play knows for com.acme.app")
            && explained.contains("rejected until Google accepts an upload-key reset"),
        "{explained}"
    );
    browser.click("#upload-keystore").await?;
    browser
        .wait_until("document.querySelectorAll('.keystore').length === 2", 60)
        .await?;
    browser
        .wait_for_text("#keystore-note", "Stored beside the default", 30)
        .await?;
    // A status line says what just happened, then goes once another action starts: the
    // generation's "Key generated in … ms." is gone after this upload.
    browser
        .wait_until("document.getElementById('keygen-time') === null", 10)
        .await?;
    // Exactly one default keystore: the generated one (`true`) or the other (`false`).
    let generated_is_default = |yes: bool| {
        format!(
            "{}document.querySelector(\"[data-credential='{generated_id}'] .default-badge\") \
             && document.querySelectorAll('.default-badge').length === 1",
            if yes { "" } else { "!" }
        )
    };
    browser.wait_until(&generated_is_default(true), 30).await?;
    let cards = browser.wait_for_text(".keystores", "legacy", 10).await?;
    assert!(
        cards.contains("Expires in"),
        "a 20-day certificate gets the expiring badge: {cards}"
    );
    assert_eq!(session.credentials(&team.id, false).await?.len(), 2);
    // Making the upload the default asks once more, saying what it does to Google Play;
    // then the generated one becomes the default again the same way.
    browser.click(".keystore .make-default").await?;
    let asked = browser
        .wait_for_text("[id^='make-default-confirm-']", "Google Play", 10)
        .await?;
    assert!(asked.contains("upload-key reset"), "{asked}");
    browser
        .wait_until(
            "document.querySelectorAll('.default-badge').length === 1",
            5,
        )
        .await?;
    browser.click(".make-default-confirm").await?;
    browser.wait_until(&generated_is_default(false), 30).await?;
    browser.click(".keystore .make-default").await?;
    browser.click(".make-default-confirm").await?;
    browser.wait_until(&generated_is_default(true), 30).await?;
    browser
        .screenshot("dashboard-android-two-keystores")
        .await?;

    // Another build profile is a slot of its own: preview starts empty, its first keystore
    // is its default, and production's default stays what it was.
    let pick_profile = |profile: &str| {
        format!(
            "const s = document.getElementById('android-profile'); s.value = '{profile}'; \
             s.dispatchEvent(new Event('change', {{ bubbles: true }}));"
        )
    };
    browser
        .client
        .execute(&pick_profile("preview"), vec![])
        .await?;
    browser
        .wait_for_text(
            "#no-keystore",
            "no upload keystore for the preview profile",
            10,
        )
        .await?;
    browser.click("#generate-keystore").await?;
    browser
        .wait_until(
            "document.querySelectorAll('.keystore').length === 1 && \
             document.querySelector('.keystore .default-badge')",
            120,
        )
        .await?;
    let app_id = session.api.apps(&team.id).await?[0].id.clone();
    let slots = session.api.assignments(&team.id, &app_id).await?;
    let default_of = |profile: &str| {
        slots
            .iter()
            .find(|a| a.profile == profile && a.is_default && a.kind == "android_keystore")
            .map(|a| a.credential_id.clone())
    };
    assert_eq!(
        default_of("production"),
        Some(generated_id.clone()),
        "{slots:?}"
    );
    let preview = default_of("preview").context("no preview default")?;
    assert_ne!(preview, generated_id);
    let labels: Vec<String> = session
        .credentials(&team.id, false)
        .await?
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(
        labels.iter().any(|l| l.ends_with("· preview")),
        "{labels:?}"
    );
    browser
        .client
        .execute(&pick_profile("production"), vec![])
        .await?;
    browser
        .wait_until("document.querySelectorAll('.keystore').length === 2", 10)
        .await?;

    // An FCM v1 service-account key: something else is refused, the real one is shown by
    // project and client email.
    browser
        .wait_for("#service-account-file", 10)
        .await?
        .send_keys(&existing.to_string_lossy())
        .await?;
    browser.click("#upload-service-account").await?;
    browser
        .wait_for_text("#service-account-status", "Nothing was stored", 60)
        .await?;
    let fixture =
        signet_tests::paths::root().join("wasm-core/tests/fixtures/google/service-account.json");
    browser
        .wait_for("#service-account-file", 10)
        .await?
        .send_keys(&fixture.to_string_lossy())
        .await?;
    browser.click("#upload-service-account").await?;
    let accounts = browser
        .wait_for_text("#service-accounts", "signet-test-project", 60)
        .await?;
    assert!(accounts.contains("FCM v1"), "{accounts}");
    assert!(
        accounts.contains("firebase-adminsdk-x1y2z@signet-test-project.iam.gserviceaccount.com"),
        "{accounts}"
    );
    assert_eq!(session.credentials(&team.id, false).await?.len(), 4);

    // The credential page: metadata, creator, days to expiry, where it is used; trash, restore.
    browser.client.goto(&app_url).await?;
    browser.fill("#unlock-password", PASSWORD).await?;
    browser.click("#unlock-submit").await?;
    let reloaded = browser
        .wait_for_text(
            &format!("[data-credential='{generated_id}']"),
            "SHA-256",
            30,
        )
        .await?;
    assert!(
        reloaded.contains(&valid_until),
        "after a reload the card says {reloaded:?}, before it said {valid_until:?}"
    );
    browser
        .click(&format!(
            "[data-credential='{generated_id}'] .keystore-label"
        ))
        .await?;
    browser.wait_for_text("#created-by", email, 30).await?;
    let days = browser
        .wait_for_text("#days-left", "days until expiry", 10)
        .await?;
    assert!(days.starts_with("99") || days.starts_with("100"), "{days}");
    browser.wait_for_text("#used-by", "Acme", 10).await?;
    browser.screenshot("dashboard-credential").await?;
    // Renaming it (issue 16, item 12): the new name shows on the page and to the API, and
    // its metadata still verifies (signed again by the person who renamed it).
    browser
        .fill("#rename-label", "Upload key (Play listing)")
        .await?;
    browser.click("#rename-credential").await?;
    browser
        .wait_for_text("h1", "Upload key (Play listing)", 30)
        .await?;
    let renamed = session.verified_credential(&team.id, &generated_id).await?;
    assert_eq!(renamed.label, "Upload key (Play listing)");
    assert!(
        signet_client::credential::unverified(&renamed).is_none(),
        "{}",
        renamed.metadata
    );
    browser
        .wait_for_text("#days-left", "days until expiry", 10)
        .await?;
    // It is the app's default upload keystore: trashing it asks first, naming where it is
    // used; cancelling leaves it; confirming trashes it.
    browser.click("#trash-credential").await?;
    let asked = browser
        .wait_for_text("#trash-in-use", "Android · production (default)", 30)
        .await?;
    assert!(asked.contains("will have none"), "{asked}");
    assert_eq!(session.credentials(&team.id, true).await?.len(), 0);
    browser.click("#trash-cancel").await?;
    browser
        .wait_until("document.querySelector('#trash-in-use') === null", 10)
        .await?;
    assert_eq!(session.credentials(&team.id, true).await?.len(), 0);
    browser.click("#trash-credential").await?;
    browser.click("#trash-confirm").await?;
    browser.wait_for("#in-trash", 30).await?;
    assert_eq!(session.credentials(&team.id, true).await?.len(), 1);
    // With its default in the trash the app has no upload keystore to build with (the one
    // stored beside it is not the default): the download says so and offers nothing to
    // download, rather than "Downloaded…" with no android entry.
    browser.click("nav a[href='/apps']").await?;
    browser.click("#app-list a").await?;
    let missing = browser
        .wait_for_text("#download-missing", "Nothing to download yet", 30)
        .await?;
    assert!(
        missing.contains("the Android upload keystore for com.acme.app"),
        "{missing}"
    );
    assert!(
        browser.absent("#download-bundle").await?,
        "a download is offered with nothing to put in it"
    );
    browser.click("nav a[href='/credentials']").await?;
    browser.click("#show-trash").await?;
    browser
        .click(&format!(
            "#credential-list a[href='/credentials/{generated_id}']"
        ))
        .await?;
    browser.wait_for("#in-trash", 30).await?;
    browser.click("#restore-credential").await?;
    browser.wait_for("#trash-credential", 30).await?;
    assert_eq!(session.credentials(&team.id, true).await?.len(), 0);
    browser.click("nav a[href='/credentials']").await?;
    browser
        .wait_for_text("#credential-list", "existing.jks", 30)
        .await?;
    browser.screenshot("dashboard-credentials").await?;

    eprintln!(
        "measured: RSA-2048 keystore generation in headless Chromium (Web Worker): {keygen_ms} ms; \
         WebCrypto generateKey in the same browser: {webcrypto} ms; longest main-thread gap \
         during generation, sealing and upload: {longest_gap:.0} ms"
    );
    assert!(
        longest_gap < 150.0,
        "the page froze for {longest_gap:.0} ms while the key was generated"
    );
    browser.close().await?;
    server.stop().await
}

/// Members: an owner invites by link (the secret only in the fragment), a second person in a
/// second browser signs up from the link and joins, sees the shared keystore and opens the same
/// bytes; the owner makes them a viewer (no payloads), then removes them — the owner's browser
/// rotates the team key — and the removed person can no longer fetch anything while the owner
/// still decrypts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_invite_by_link_accept_change_role_remove_and_rotate() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let owner = Browser::start().await?;
    let owner_email = "owner@example.com";
    owner.signed_up(&server.url, owner_email).await?;
    team_and_app(&owner).await?;
    owner.click("#generate-keystore").await?;
    owner.wait_for_text(".keystore", "SHA-256", 120).await?;

    owner.click("nav a[href='/members']").await?;
    owner.wait_for_text("#member-list", owner_email, 30).await?;
    owner.wait_for("#no-invites", 10).await?;
    owner.click("#create-invite").await?;
    let link = owner.wait_for_text("#invite-link", "/invite/", 30).await?;
    let link = link.trim().to_owned();
    assert!(
        link.contains('#'),
        "the secret lives in the fragment: {link}"
    );
    owner.screenshot("dashboard-members-invite").await?;

    // The invitee opens the link, creates an account, and joins.
    let invitee = Browser::start().await?;
    let invitee_email = "bob@example.com";
    invitee.client.goto(&link).await?;
    // Before sign-up the page says who invites whom to what, and starts at sign-up (most
    // invitees are new; "Sign in instead" is one click).
    let intro = invitee
        .wait_for_text("#invite-intro", "invited you to join Acme Mobile", 20)
        .await;
    invitee.screenshot("dashboard-invite-signed-out").await?;
    let intro = intro?;
    assert!(
        intro.contains(owner_email) && intro.contains("as a developer"),
        "{intro}"
    );
    invitee.wait_for("#signup-email", 20).await?;
    invitee.wait_for("#show-signin", 5).await?;
    invitee.fill("#signup-email", invitee_email).await?;
    invitee.fill("#signup-password", PASSWORD).await?;
    invitee.fill("#signup-confirm", PASSWORD).await?;
    invitee.click("#signup-submit").await?;
    invitee.wait_for_text("#recovery-code", "-", 60).await?;
    invitee.confirm_recovery_code().await?;
    invitee
        .wait_for_text("#invite-team", "Acme Mobile", 30)
        .await?;
    invitee.screenshot("dashboard-accept-invite").await?;
    invitee.click("#accept-invite").await?;
    invitee
        .wait_for_text("#credential-list", "Upload keystore for com.acme.app", 30)
        .await?;

    // Both open the same keystore bytes with their own keys (the native client = the CLI).
    let api = signet_client::Api::new(&server.url);
    let alice = signet_client::Session::login(&api, owner_email, PASSWORD, false).await?;
    let bob = signet_client::Session::login(&api, invitee_email, PASSWORD, false).await?;
    let team = alice
        .teams()
        .await?
        .into_iter()
        .find(|t| t.name == "Acme Mobile")
        .ok_or_else(|| anyhow::anyhow!("no team"))?;
    let credential = alice.credentials(&team.id, false).await?[0].id.clone();
    let alice_key = alice.team_key(&team.id).await?;
    let bob_key = bob.team_key(&team.id).await?;
    let (_, from_alice) = alice
        .read_credential(&team.id, &alice_key, &credential)
        .await?;
    let (_, from_bob) = bob.read_credential(&team.id, &bob_key, &credential).await?;
    assert_eq!(from_alice.as_slice(), from_bob.as_slice());

    // Bob downloads the bundle for local builds: the same keystore bytes.
    invitee.click("nav a[href='/apps']").await?;
    invitee.click("#app-list a").await?;
    invitee.click("#download-bundle").await?;
    let zip = invitee
        .wait_for_download("acme-credentials.zip", 60)
        .await?;
    // The app has two iOS targets and no iOS credentials: the download says so, before and
    // after, instead of claiming a complete bundle (issue 16, item 3).
    let missing = invitee
        .wait_for_text("#download-missing", "AcmeWidget", 10)
        .await?;
    assert!(missing.contains("target Acme (com.acme.app)"), "{missing}");
    invitee
        .wait_for_text("#download-status", "Downloaded only what the app has", 10)
        .await?;
    let payload = Payload::from_bytes(&from_alice, CredentialKind::AndroidKeystore)?;
    let keystore = payload.file_bytes()?;
    assert!(
        zip.windows(keystore.len())
            .any(|w| w == keystore.as_slice()),
        "the zip holds the team's keystore, stored"
    );

    // The owner makes Bob a viewer: metadata only.
    owner.click("nav a[href='/credentials']").await?;
    owner.click("nav a[href='/members']").await?;
    let row = format!("tr[data-email='{invitee_email}']");
    owner.wait_for(&row, 30).await?;
    // Dates and the row's buttons each stay on one line (a wrapped date reads as two).
    let joined = "#member-list tbody td:nth-child(4), #member-list tbody td:nth-child(5)";
    let wrapped = owner.wrapped(joined, false).await?;
    assert!(wrapped.is_empty(), "member cells wrap: {wrapped:?}");
    owner.click(&format!("{row} option[value=viewer]")).await?;
    // The role changes only once confirmed, after saying what viewers may do.
    let asked = owner
        .wait_for_text(&format!("{row} .role-confirm-box"), "Viewers see", 10)
        .await?;
    assert!(asked.contains(invitee_email), "{asked}");
    owner.click(&format!("{row} .role-confirm")).await?;
    owner
        .wait_for_text("#members-status", "bob@example.com is now a viewer", 30)
        .await?;
    let mut viewer_refused = false;
    for _ in 0..100 {
        if bob
            .read_credential(&team.id, &bob_key, &credential)
            .await
            .is_err()
        {
            viewer_refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(viewer_refused, "a viewer must not receive payloads");
    invitee.click("nav a[href='/credentials']").await?;
    invitee.click("nav a[href='/apps']").await?;
    invitee.click("#app-list a").await?;
    invitee.wait_for_text(".keystore", "SHA-256", 30).await?;
    assert!(
        invitee.absent("#download-bundle").await?,
        "viewers get no download button"
    );
    // The iOS section shows them what is there, with no way to add or reveal anything.
    invitee.wait_for("#ios-target-1", 10).await?;
    assert!(
        invitee
            .client
            .find_all(fantoccini::Locator::Css(
                "#ios-target-0 form, #ios-target-0 details, \
                 #ios-target-0 button:not([aria-label^=Copy])"
            ))
            .await?
            .is_empty(),
        "viewers get no iOS forms or buttons"
    );
    invitee.screenshot("dashboard-viewer-app").await?;
    // The credential's own page agrees with the app page (one permission table,
    // `Action::min_role`): the viewer sees its details and where it is used, and is offered
    // neither trash nor purge (issue 16, item 7: it offered "Move to trash", then failed).
    invitee.click("nav a[href='/credentials']").await?;
    invitee
        .click(&format!("a[href='/credentials/{credential}']"))
        .await?;
    invitee.wait_for("#credential-details", 30).await?;
    invitee.wait_for("#used-by, #not-used", 30).await?;
    for forbidden in [
        "#trash-credential",
        "#restore-credential",
        "#purge-credential",
    ] {
        assert!(
            invitee.absent(forbidden).await?,
            "a viewer is not offered {forbidden}"
        );
    }

    // Remove Bob: the owner's browser rotates the team key.
    owner.click(&format!("{row} .remove-member")).await?;
    owner.client.accept_alert().await?;
    owner
        .wait_for_text("#members-status", "team key rotated", 60)
        .await?;
    owner.screenshot("dashboard-members-after-rotation").await?;
    let members = owner.wait_for("#member-list", 10).await?.text().await?;
    assert!(!members.contains(invitee_email), "{members}");
    assert!(bob.team_key(&team.id).await.is_err());
    assert!(bob.credentials(&team.id, false).await.is_err());
    let new_key = alice.team_key(&team.id).await?;
    assert_eq!(new_key.version(), 2);
    let (_, after) = alice
        .read_credential(&team.id, &new_key, &credential)
        .await?;
    assert_eq!(after.as_slice(), from_alice.as_slice());
    // Bob's open tab: the next page he opens says he was removed, not the server's 404.
    invitee.click("nav a[href='/credentials']").await?;
    let gone = invitee
        .wait_for_text("#team-gone", "no longer a member of Acme Mobile", 30)
        .await?;
    assert!(gone.contains("new invitation"), "{gone}");
    invitee.screenshot("dashboard-removed-member").await?;

    // The audit log shows all of it; the filter narrows it to one action.
    owner.click("nav a[href='/audit']").await?;
    let audit = owner
        .wait_for_text("#audit-list", "team.key_rotated", 30)
        .await?;
    for action in [
        "member.joined",
        "member.role_changed",
        "credential.payload_read",
    ] {
        assert!(audit.contains(action), "{action} missing from:\n{audit}");
    }
    // An action id wraps only after a '.' or '_', never inside a word, even on a phone.
    for width in [1280, 360] {
        owner.resize(width, 900).await?;
        let broken = owner
            .wrapped("#audit-list tbody td:nth-child(3)", true)
            .await?;
        assert!(
            broken.is_empty(),
            "at {width} px action ids break inside a word: {broken:?}"
        );
    }
    owner.resize(1280, 900).await?;
    owner
        .click("#audit-action option[value='member.removed']")
        .await?;
    owner
        .wait_until(
            "document.querySelector('#audit-list') && \
             !document.querySelector('#audit-list').innerText.includes('team.key_rotated') && \
             document.querySelector('#audit-list').innerText.includes('member.removed')",
            30,
        )
        .await?;
    // The entry names whom: by email, not only by id.
    let removed = owner
        .wait_for_text("#audit-list", invitee_email, 10)
        .await?;
    assert!(removed.contains("was viewer"), "{removed}");
    owner.screenshot("dashboard-audit").await?;

    invitee.close().await?;
    owner.close().await?;
    server.stop().await
}

/// A full session, with the server logging every API request body (test mode,
/// `SIGNET_TEST_BODY_LOG`): sign up, unlock after a reload, a team, an app, a generated and an
/// uploaded keystore, an invitation link. No request — body or URL — contains the password,
/// the recovery code, a keystore password, the keystore files, or the invitation's secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_full_session_never_sends_a_secret_in_the_clear() -> anyhow::Result<()> {
    use base64::Engine as _;

    let dir = tempfile::tempdir()?;
    let log = dir.path().join("bodies.log");
    // nextest runs every test in its own process, so no other test sees this variable.
    #[allow(unsafe_code)]
    // SAFETY: set before the server and browser start, while no other thread reads the
    // environment.
    unsafe {
        std::env::set_var(signet_server::body_log::ENV, &log);
    }
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let email = "eve-proof@example.com";
    let code = browser.signed_up(&server.url, email).await?;
    browser.client.refresh().await?;
    browser.fill("#unlock-password", PASSWORD).await?;
    browser.click("#unlock-submit").await?;
    browser.wait_for("#account-fingerprint", 60).await?;
    team_and_app(&browser).await?;
    browser.click("#generate-keystore").await?;
    browser.wait_for_text(".keystore", "SHA-256", 120).await?;

    let existing = dir.path().join("existing.p12");
    tools::run_ok(
        "keytool",
        &[
            "-genkeypair",
            "-keystore",
            &existing.to_string_lossy(),
            "-storetype",
            "PKCS12",
            "-storepass",
            "p12-store-secret-9",
            "-alias",
            "prod",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-validity",
            "400",
            "-dname",
            "CN=Prod",
        ],
    )?;
    // The app has a keystore: the forms for another are folded away until asked for.
    browser.click("#add-keystore-more summary").await?;
    browser
        .wait_for("#keystore-file", 10)
        .await?
        .send_keys(&existing.to_string_lossy())
        .await?;
    browser
        .fill("#keystore-password", "p12-store-secret-9")
        .await?;
    browser.fill("#keystore-alias", "prod").await?;
    browser.click("#upload-keystore").await?;
    browser
        .wait_until("document.querySelectorAll('.keystore').length === 2", 60)
        .await?;

    browser.click("nav a[href='/members']").await?;
    browser.click("#create-invite").await?;
    let link = browser
        .wait_for_text("#invite-link", "/invite/", 30)
        .await?;
    let fragment = link
        .trim()
        .split_once('#')
        .map(|(_, f)| f.to_owned())
        .ok_or_else(|| anyhow::anyhow!("no fragment in {link}"))?;

    // The generated keystore's password and file, as the native client opens them.
    let api = signet_client::Api::new(&server.url);
    let session = signet_client::Session::login(&api, email, PASSWORD, false).await?;
    let team = session.teams().await?[0].id.clone();
    let key = session.team_key(&team).await?;
    let mut secrets: Vec<(String, String)> = vec![
        ("password".into(), PASSWORD.into()),
        ("recovery code".into(), code.trim().into()),
        (
            "uploaded keystore password".into(),
            "p12-store-secret-9".into(),
        ),
        ("invitation secret".into(), fragment),
    ];
    let uploaded = std::fs::read(&existing)?;
    let mut files = vec![("uploaded keystore".to_owned(), uploaded)];
    for c in session.credentials(&team, false).await? {
        let (_, plain) = session.read_credential(&team, &key, &c.id).await?;
        let payload = Payload::from_bytes(&plain, CredentialKind::AndroidKeystore)?;
        if let Payload::AndroidKeystore {
            keystore_password,
            key_password,
            ..
        } = &payload
        {
            secrets.push((
                format!("{} store password", c.label),
                keystore_password.expose().into(),
            ));
            secrets.push((
                format!("{} key password", c.label),
                key_password.expose().into(),
            ));
        }
        files.push((c.label.clone(), payload.file_bytes()?.to_vec()));
    }
    for (what, bytes) in files {
        // Any 48-byte window of the file, in every encoding a client might use.
        let window = &bytes[bytes.len() / 2..bytes.len() / 2 + 48];
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        for engine in engines {
            secrets.push((format!("{what} (base64)"), engine.encode(window)));
        }
        secrets.push((format!("{what} (hex)"), hex_encode(window)));
    }

    let text = std::fs::read_to_string(&log)?;
    for needle in [
        "POST /api/auth/register",
        "POST /api/teams/",
        "/credentials",
        "/invites",
    ] {
        assert!(
            text.contains(needle),
            "the log misses {needle}: is it recording?"
        );
    }
    for (what, secret) in &secrets {
        assert!(secret.len() >= 8, "{what} is too short to search for");
        assert!(
            !text.contains(secret.as_str()),
            "the browser sent the {what} in the clear"
        );
    }
    eprintln!(
        "checked {} requests ({} KB of bodies) for {} secrets",
        text.matches(" /api/").count(),
        text.len() / 1024,
        secrets.len()
    );
    browser.close().await?;
    server.stop().await
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The sign-in page says who may sign up and offers sign-up only when the server would take
/// it: on an invite-only server limited to @example.com, the first person may; then a
/// stranger is told to ask for an invitation (no sign-up offered), while the same browser
/// opening an invitation link signs up through it and joins. A closed server says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_in_page_shows_the_sign_up_policy_and_an_invitee_signs_up_by_link()
-> anyhow::Result<()> {
    use signet_server::signups::{SignupMode, SignupPolicy};
    let policy =
        |mode, domains: &[&str]| SignupPolicy::new(mode, domains).map_err(anyhow::Error::msg);
    let server =
        TestServer::start_with_signups(policy(SignupMode::InviteOnly, &["Example.com"])?).await?;
    let browser = Browser::start().await?;
    let account = format!("{}/account", server.url);
    browser.client.goto(&account).await?;
    let text = browser
        .wait_for_text("#signup-policy", "the first one may sign up", 30)
        .await?;
    assert!(text.contains("Only @example.com addresses"), "{text}");
    browser.wait_for("#show-signup", 10).await?;

    // The first account, through the library; it invites a developer.
    let api = signet_client::Api::new(&server.url);
    let (owner, _) = signet_client::Session::register(
        &api,
        "owner@example.com",
        PASSWORD,
        signet_tests::api::weak_kdf(),
    )
    .await?;
    let (team, key) = owner.create_team("Acme Mobile").await?;
    let (_, link) = owner
        .invite(&team.id, &key, signet_core::wire::Role::Developer)
        .await?;
    let link = link.dangerously_to_url(&server.url);

    // A stranger: by invitation, and no sign-up form offered.
    browser.client.goto(&account).await?;
    browser
        .wait_for_text(
            "#signup-policy",
            "ask an admin of your team for an invitation link",
            30,
        )
        .await?;
    browser.screenshot("dashboard-sign-in-invite-only").await?;
    assert!(
        browser.absent("#show-signup").await?,
        "sign-up is offered though the server would refuse it"
    );

    // The invitee, through the link.
    browser.client.goto(link.as_str()).await?;
    browser
        .wait_for_text(
            "#signup-policy",
            "this invitation lets you create an account",
            30,
        )
        .await?;
    browser.fill("#signup-email", "bob@example.com").await?;
    browser.fill("#signup-password", PASSWORD).await?;
    browser.fill("#signup-confirm", PASSWORD).await?;
    browser.click("#signup-submit").await?;
    browser.wait_for_text("#recovery-code", "-", 60).await?;
    browser.confirm_recovery_code().await?;
    browser
        .wait_for_text("#invite-team", "Acme Mobile", 30)
        .await?;
    browser.click("#accept-invite").await?;
    browser
        .wait_until("location.pathname === '/credentials'", 60)
        .await?;
    let members = owner.members(&team.id).await?;
    assert!(
        members.iter().any(|m| m.email == "bob@example.com"),
        "{members:?}"
    );
    server.stop().await?;

    let closed = TestServer::start_with_signups(policy(SignupMode::Closed, &[])?).await?;
    let fresh = Browser::start().await?;
    fresh
        .client
        .goto(&format!("{}/account", closed.url))
        .await?;
    fresh
        .wait_for_text("#signup-policy", "Sign-up is closed on this server", 30)
        .await?;
    assert!(
        fresh.absent("#show-signup").await?,
        "sign-up is offered on a closed server"
    );
    fresh.close().await?;
    browser.close().await?;
    closed.stop().await
}

/// An app is renamed, its package and bundle ids fixed, from its page; an admin deletes it
/// only after typing its name, and its credentials stay in the team.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_an_app_is_renamed_fixed_and_deleted_from_its_page() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let email = "ivy@example.com";
    browser.signed_up(&server.url, email).await?;
    team_and_app(&browser).await?;
    browser.click("#edit-app > summary").await?;
    browser.fill("#edit-app-name", "Acme Renamed").await?;
    browser.fill("#edit-app-package", "com.acme.fixed").await?;
    browser
        .wait_until(
            "(() => { const t = document.querySelector('#edit-app-targets'); \
               t.value = 'Acme=com.acme.fixed'; t.dispatchEvent(new Event('input')); return true; })()",
            5,
        )
        .await?;
    browser.click("#edit-app-save").await?;
    browser
        .wait_for_text("#edit-app-status", "Saved Acme Renamed", 30)
        .await?;
    browser
        .wait_for_text("#app-android-package", "com.acme.fixed", 30)
        .await?;
    let api = signet_client::Api::new(&server.url);
    let session = signet_client::Session::login(&api, email, PASSWORD, false).await?;
    let team = session
        .teams()
        .await?
        .into_iter()
        .find(|t| t.name == "Acme Mobile")
        .context("team")?;
    let apps = session.api.apps(&team.id).await?;
    let app = apps
        .iter()
        .find(|a| a.name == "Acme Renamed")
        .context("renamed")?;
    assert_eq!(app.android_package.as_deref(), Some("com.acme.fixed"));
    assert_eq!(app.ios_targets.len(), 1, "{:?}", app.ios_targets);
    assert_eq!(app.ios_targets[0].bundle_id, "com.acme.fixed");

    // Deleting asks for the name; a wrong one deletes nothing.
    browser
        .wait_until(
            "(() => { document.querySelector('#edit-app').open = true; return true; })()",
            10,
        )
        .await?;
    browser.fill("#delete-app-confirm", "Acme").await?;
    browser.click("#delete-app").await?;
    browser
        .wait_for_text("#edit-app-status", "Type the app's name", 10)
        .await?;
    assert_eq!(session.api.apps(&team.id).await?.len(), 1);
    browser.fill("#delete-app-confirm", "Acme Renamed").await?;
    browser.click("#delete-app").await?;
    browser.wait_for("#no-apps", 30).await?;
    assert!(session.api.apps(&team.id).await?.is_empty());
    browser.close().await?;
    server.stop().await
}

/// The team's settings on the teams page (issue 16, item 12): an admin renames the team (the
/// switcher and the API agree); an owner moves it to the trash only after typing its name —
/// then it leaves the switcher and is never the current team, but stays listed for its owners
/// with Restore — and restores it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_team_rename_trash_and_restore() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let email = "owner@example.com";
    browser.signed_up(&server.url, email).await?;
    team_and_app(&browser).await?;
    let api = signet_client::Api::new(&server.url);
    let session = signet_client::Session::login(&api, email, PASSWORD, false).await?;
    let switcher =
        "[...document.querySelectorAll('#team-switcher option')].map(o => o.text).join(',')";

    browser.click("nav a[href='/teams']").await?;
    browser
        .wait_for_text("#team-settings", "Acme Mobile settings", 30)
        .await?;
    browser.fill("#rename-team", "Acme Apps").await?;
    browser.click("#rename-team-submit").await?;
    browser
        .wait_for_text("#team-settings-status", "now called “Acme Apps”", 30)
        .await?;
    browser
        .wait_until(&format!("{switcher} === 'Acme Apps,Side Project'"), 10)
        .await?;
    assert!(
        session.teams().await?.iter().any(|t| t.name == "Acme Apps"),
        "the server has the new name"
    );

    // The trash button waits for the exact name.
    browser
        .wait_for_text("#team-settings", "Acme Apps settings", 30)
        .await?;
    let trash = browser.wait_for("#trash-team", 10).await?;
    assert!(!trash.is_enabled().await?, "nothing typed yet");
    browser.fill("#trash-team-name", "Acme").await?;
    assert!(
        !browser
            .wait_for("#trash-team", 10)
            .await?
            .is_enabled()
            .await?
    );
    browser.fill("#trash-team-name", "Acme Apps").await?;
    browser.click("#trash-team").await?;
    browser
        .wait_for_text("#team-list", "In the trash", 30)
        .await?;
    browser
        .wait_until(&format!("{switcher} === 'Side Project'"), 10)
        .await?;
    let trashed = session.teams().await?;
    let acme = trashed
        .iter()
        .find(|t| t.name == "Acme Apps")
        .context("owners still see a trashed team")?;
    assert!(acme.deleted_at.is_some());
    // The current team is the live one: its apps page is Side Project's (no apps).
    browser.click("nav a[href='/apps']").await?;
    browser.wait_for("#no-apps", 30).await?;

    browser.click("nav a[href='/teams']").await?;
    browser.click("#team-list .restore-team").await?;
    browser
        .wait_until(&format!("{switcher} === 'Acme Apps,Side Project'"), 30)
        .await?;
    let restored = session.teams().await?;
    assert!(
        restored
            .iter()
            .any(|t| t.name == "Acme Apps" && t.deleted_at.is_none()),
        "{restored:?}"
    );
    browser.screenshot("dashboard-team-settings").await?;
    browser.close().await?;
    server.stop().await
}
