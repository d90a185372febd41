//! Migrating existing credentials through the dashboard (an EAS bundle zip), and deleting a
//! trashed credential forever with a typed confirmation.

use std::path::Path;

use signet_tests::{
    browser::{Browser, PASSWORD},
    server::TestServer,
    tools,
};

use super::browser_dashboard::team_and_app;

const STORE_PASSWORD: &str = "legacy-store-1";
const KEY_PASSWORD: &str = "legacy-key-22";
const ALIAS: &str = "legacy";

/// `credentials.json` for an Android keystore at EAS's path.
fn credentials_json(store_password: &str) -> String {
    serde_json::json!({
        "android": {
            "keystore": {
                "keystorePath": "credentials/android/keystore.jks",
                "keystorePassword": store_password,
                "keyAlias": ALIAS,
                "keyPassword": KEY_PASSWORD,
            }
        }
    })
    .to_string()
}

/// A deflated zip made by Python's zipfile (a real zip writer, not ours), in a `project/`
/// folder as when someone zips their project's credentials.
fn python_zip(out: &Path, files: &[(&str, &Path)]) -> anyhow::Result<()> {
    let mut script = format!(
        "import zipfile\nz = zipfile.ZipFile({:?}, 'w', zipfile.ZIP_DEFLATED)\n",
        out.to_string_lossy()
    );
    for (name, path) in files {
        script.push_str(&format!(
            "z.write({:?}, {:?})\n",
            path.to_string_lossy(),
            format!("project/{name}")
        ));
    }
    script.push_str("z.close()\n");
    tools::run_ok("python3", &["-c", &script])?;
    Ok(())
}

/// Chooses `path` in the file input `css` (chromedriver takes a local path).
async fn choose(browser: &Browser, css: &str, path: &Path) -> anyhow::Result<()> {
    let input = browser.wait_for(css, 20).await?;
    input.clear().await?;
    input.send_keys(&path.to_string_lossy()).await?;
    Ok(())
}

/// Scrolls the element matching `css` into view (for screenshots).
async fn scroll_to(browser: &Browser, css: &str) -> anyhow::Result<()> {
    browser
        .client
        .execute(
            &format!("document.querySelector({css:?}).scrollIntoView();"),
            vec![],
        )
        .await?;
    Ok(())
}

/// An existing keytool keystore, zipped with its EAS credentials.json, is imported into a new
/// app: a zip with the wrong password is refused first, naming the field and storing nothing;
/// the right one shows what it found, then is encrypted, uploaded and made the default. The
/// dashboard's download of the imported keystore opens in keytool with the downloaded
/// passwords (same certificate), and importing that download again reuses what is stored.
/// Then an admin deletes the trashed credential forever, after typing its name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_import_eas_zip_refuses_bad_password_then_imports_downloads_and_purges()
-> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let email = "mia@example.com";
    browser.signed_up(&server.url, email).await?;
    team_and_app(&browser).await?;

    // The keystore someone already signs with, made by keytool.
    let dir = tempfile::tempdir()?;
    let keystore = dir.path().join("keystore.jks");
    tools::run_ok(
        "keytool",
        &[
            "-genkeypair",
            "-keystore",
            &keystore.to_string_lossy(),
            "-storetype",
            "JKS",
            "-storepass",
            STORE_PASSWORD,
            "-keypass",
            KEY_PASSWORD,
            "-alias",
            ALIAS,
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-validity",
            "10000",
            "-dname",
            "CN=Legacy Acme",
        ],
    )?;
    let original = tools::keytool_entry(
        &tools::keytool_list(&keystore, "JKS", STORE_PASSWORD)?,
        ALIAS,
    )?;
    let zip_with = |name: &str, store_password: &str| -> anyhow::Result<std::path::PathBuf> {
        let json = dir.path().join(format!("{name}.json"));
        std::fs::write(&json, credentials_json(store_password))?;
        let zip = dir.path().join(format!("{name}.zip"));
        python_zip(
            &zip,
            &[
                ("credentials.json", &json),
                ("credentials/android/keystore.jks", &keystore),
            ],
        )?;
        Ok(zip)
    };
    let bad_zip = zip_with("bad", "not-the-password")?;
    let good_zip = zip_with("good", STORE_PASSWORD)?;

    // The app page links to the import page.
    browser.click("#import-link").await?;
    browser
        .wait_for_text("main h1", "Import credentials into Acme", 30)
        .await?;

    // Wrong password: the check names the field and what to do; nothing can be imported.
    choose(&browser, "#import-zip", &bad_zip).await?;
    browser.click("#import-check").await?;
    let problem = browser
        .wait_for_text("#import-problem", "Nothing was uploaded", 60)
        .await?;
    assert!(problem.contains("failed"), "{problem}");
    let report = browser
        .wait_for_text("#import-report", "wrong keystore password", 10)
        .await?;
    assert!(report.contains("android"), "{report}");
    assert!(
        browser.absent("#import-confirm").await?,
        "a failed check offers no import button"
    );
    scroll_to(&browser, "#import-found").await?;
    browser.screenshot("dashboard-import-refused").await?;

    let api = signet_client::Api::new(&server.url);
    let session = signet_client::Session::login(&api, email, PASSWORD, false).await?;
    let team = session
        .teams()
        .await?
        .into_iter()
        .find(|t| t.name == "Acme Mobile")
        .ok_or_else(|| anyhow::anyhow!("no team"))?;
    assert!(
        session.credentials(&team.id, false).await?.is_empty(),
        "a refused import stores nothing"
    );

    // The same mistake with credentials.json and the keystore picked one by one (matched by
    // file name): refused the same way.
    browser.wait_for("#import-zip", 5).await?.clear().await?;
    choose(&browser, "#import-json", &dir.path().join("bad.json")).await?;
    choose(&browser, "#import-files", &keystore).await?;
    browser.click("#import-check").await?;
    browser
        .wait_for_text("#import-files-found", "Files: keystore.jks", 60)
        .await?;
    browser
        .wait_for_text("#import-report", "wrong keystore password", 10)
        .await?;
    browser.wait_for("#import-problem", 5).await?;
    assert!(session.credentials(&team.id, false).await?.is_empty());
    browser.wait_for("#import-json", 5).await?.clear().await?;
    browser.wait_for("#import-files", 5).await?.clear().await?;

    // The right bundle: what was found, then the import.
    choose(&browser, "#import-zip", &good_zip).await?;
    browser.click("#import-check").await?;
    let items = browser
        .wait_for_text("#import-items", "credentials/android/keystore.jks", 60)
        .await?;
    assert!(items.contains("Acme upload keystore (legacy)"), "{items}");
    assert!(items.contains("new: encrypted and uploaded"), "{items}");
    scroll_to(&browser, "#import-found").await?;
    browser.screenshot("dashboard-import-found").await?;
    browser.click("#import-confirm").await?;
    browser
        .wait_for_text("#import-status", "Imported 1 credential into Acme", 60)
        .await?;
    browser.click("#import-done-link").await?;
    let card = browser.wait_for_text(".keystore", "SHA-256", 30).await?;
    assert!(card.contains("Default"), "{card}");
    assert!(card.contains(&original.sha1), "{card}\n{original:?}");

    // Download for local builds: keytool opens the keystore with the downloaded passwords.
    browser.click("#download-bundle").await?;
    let downloaded = browser
        .wait_for_download("acme-credentials.zip", 60)
        .await?;
    let download_path = dir.path().join("downloaded.zip");
    std::fs::write(&download_path, &downloaded)?;
    let unzipped = dir.path().join("unzipped");
    std::fs::create_dir_all(&unzipped)?;
    tools::run_ok(
        "unzip",
        &[
            "-q",
            &download_path.to_string_lossy(),
            "-d",
            &unzipped.to_string_lossy(),
        ],
    )?;
    let json = signet_core::eas::CredentialsJson::from_json(&std::fs::read(
        unzipped.join("credentials.json"),
    )?)?;
    let android = json
        .android
        .ok_or_else(|| anyhow::anyhow!("no android section"))?
        .keystore;
    assert_eq!(android.key_alias, ALIAS);
    let zipped = unzipped.join(&android.keystore_path);
    let listing = tools::keytool_list(&zipped, "JKS", android.keystore_password.expose())?;
    assert_eq!(tools::keytool_entry(&listing, ALIAS)?.sha1, original.sha1);
    tools::run_ok(
        "keytool",
        &[
            "-certreq",
            "-keystore",
            &zipped.to_string_lossy(),
            "-storepass",
            android.keystore_password.expose(),
            "-alias",
            ALIAS,
            "-keypass",
            android.effective_key_password().expose(),
        ],
    )?;

    // The download re-imports: same keystore, already this app's default, so there is
    // nothing to import and no button that would claim to encrypt anything.
    browser.click("#import-link").await?;
    // Checks the download as a bundle to import: its keystore is found already stored.
    let check_download = async || -> anyhow::Result<()> {
        choose(&browser, "#import-zip", &download_path).await?;
        browser.click("#import-check").await?;
        let items = browser
            .wait_for_text("#import-items", "already stored", 60)
            .await?;
        assert!(items.contains("reused"), "{items}");
        Ok(())
    };
    check_download().await?;
    browser
        .wait_for_text(
            "#import-nothing",
            "already stored and is this app's default",
            10,
        )
        .await?;
    assert!(
        browser.absent("#import-confirm").await?,
        "\"Encrypt and import\" is offered for a bundle that is all in place"
    );
    let stored = session.credentials(&team.id, false).await?;
    assert_eq!(stored.len(), 1, "the re-import stored nothing new");
    let credential = stored[0].clone();

    // A second app of the same team imports the same download: the keystore is stored but
    // is not this app's default, so the import only makes it the default, named as such,
    // and uploads nothing.
    browser.click("nav a[href='/apps']").await?;
    browser.fill("#app-name", "Acme Beta").await?;
    browser.fill("#app-package", "com.acme.beta").await?;
    browser.click("#create-app").await?;
    browser
        .wait_for_text("#app-list", "com.acme.beta", 30)
        .await?;
    let beta = session
        .api
        .apps(&team.id)
        .await?
        .into_iter()
        .find(|a| a.name == "Acme Beta")
        .ok_or_else(|| anyhow::anyhow!("no app Acme Beta"))?;
    browser
        .click(&format!("#app-list a[href='/apps/{}']", beta.id))
        .await?;
    browser
        .wait_for_text("#app-android-package", "com.acme.beta", 30)
        .await?;
    browser.click("#import-link").await?;
    browser
        .wait_for_text("main h1", "Import credentials into Acme Beta", 30)
        .await?;
    check_download().await?;
    assert!(
        browser.absent("#import-nothing").await?,
        "the bundle is not this app's default yet"
    );
    let confirm = browser.wait_for("#import-confirm", 10).await?;
    assert_eq!(confirm.text().await?, "Make them this app's defaults");
    confirm.click().await?;
    let status = browser
        .wait_for_text("#import-status", "Imported 1 credential into Acme Beta", 60)
        .await?;
    assert!(status.contains("0 uploaded, 1 already stored"), "{status}");
    let stored = session.credentials(&team.id, false).await?;
    assert_eq!(stored.len(), 1, "making defaults uploads nothing");
    let beta_slots = session.api.assignments(&team.id, &beta.id).await?;
    assert!(
        beta_slots
            .iter()
            .any(|a| a.credential_id == credential.id && a.is_default),
        "{beta_slots:?}"
    );

    // Delete forever: only from the trash, only after typing the name.
    browser.click("nav a[href='/credentials']").await?;
    browser
        .click(&format!(
            "#credential-list a[href='/credentials/{}']",
            credential.id
        ))
        .await?;
    // The app uses it: the page asks first, naming where.
    browser.click("#trash-credential").await?;
    browser
        .wait_for_text("#trash-in-use", "(default)", 30)
        .await?;
    browser.click("#trash-confirm").await?;
    browser.wait_for("#in-trash", 30).await?;
    // A developer of the team sees the trashed credential and may restore it, but is not
    // offered "Delete forever" (the server refuses them too).
    let floor = signet_core::vault::kdf::KdfParams::new(
        signet_core::vault::kdf::MIN_MEMORY_KIB,
        signet_core::vault::kdf::MIN_ITERATIONS,
        1,
    )?;
    let dev_email = "dev@example.com";
    let (dev, _) = signet_client::Session::register(&api, dev_email, PASSWORD, floor).await?;
    let key = session.team_key(&team.id).await?;
    let (_, link) = session
        .invite(&team.id, &key, signet_core::wire::Role::Developer)
        .await?;
    dev.accept_invite(&link).await?;
    let developer = Browser::start().await?;
    developer
        .client
        .goto(&format!("{}/credentials/{}", server.url, credential.id))
        .await?;
    developer.fill("#signin-email", dev_email).await?;
    developer.fill("#signin-password", PASSWORD).await?;
    developer.click("#signin-submit").await?;
    developer.wait_for("#in-trash", 60).await?;
    developer.wait_for("#restore-credential", 10).await?;
    assert!(
        developer.absent("#purge-credential").await?,
        "developers are not offered Delete forever"
    );
    developer.close().await?;

    let purge = browser.wait_for("#purge-credential", 10).await?;
    assert!(
        !purge.is_enabled().await?,
        "disabled until the name is typed"
    );
    browser.fill("#purge-confirm", "not the name").await?;
    assert!(!purge.is_enabled().await?, "a wrong name keeps it disabled");
    browser.fill("#purge-confirm", &credential.label).await?;
    assert!(purge.is_enabled().await?, "the exact name enables it");
    browser.screenshot("dashboard-purge").await?;
    browser.click("#purge-credential").await?;
    browser
        .wait_for_text("#purged-note", "Deleted for good", 30)
        .await?;
    assert!(session.credentials(&team.id, true).await?.is_empty());
    assert!(session.credentials(&team.id, false).await?.is_empty());

    browser.close().await?;
    server.stop().await
}

/// A whole EAS bundle (an upload keystore from `signet keystore generate`, a `.p12` for a
/// certificate OpenSSL issued, a BER-signed profile listing it) with a per-target `ios` map,
/// zipped as a project folder: the browser checks the profile against the app's target
/// `Acme` (com.acme.app), imports all three, and each becomes its slot's default: Android,
/// and iOS target `Acme`. The native client decrypts the same bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_import_android_and_per_target_ios_bundle() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let email = "noor@example.com";
    browser.signed_up(&server.url, email).await?;
    team_and_app(&browser).await?;

    let mut bundle = super::cli_doctor::Bundle::new(10_000, 200)?;
    let ios = bundle.json["ios"].take();
    bundle.json["ios"] = serde_json::json!({ "Acme": ios });
    bundle.save()?;
    let zip = bundle.path("bundle.zip");
    let files = [
        "credentials.json",
        "android/upload.jks",
        "ios/dist.p12",
        "ios/profile.mobileprovision",
    ];
    let paths: Vec<(&str, std::path::PathBuf)> =
        files.iter().map(|f| (*f, bundle.path(f))).collect();
    let refs: Vec<(&str, &Path)> = paths.iter().map(|(n, p)| (*n, p.as_path())).collect();
    python_zip(&zip, &refs)?;

    browser.click("#import-link").await?;
    choose(&browser, "#import-zip", &zip).await?;
    browser.click("#import-check").await?;
    let items = browser
        .wait_for_text("#import-items", "ios/profile.mobileprovision", 60)
        .await?;
    assert!(items.contains("iOS · Acme"), "{items}");
    assert!(items.contains("android/upload.jks"), "{items}");
    assert!(items.contains("ios/dist.p12"), "{items}");
    let report = browser.wait_for("#import-report", 5).await?.text().await?;
    assert!(report.contains("ios.Acme"), "{report}");
    assert!(report.contains("com.acme.app"), "{report}");
    assert!(!report.contains("✗"), "{report}");
    scroll_to(&browser, "#import-found").await?;
    browser.screenshot("dashboard-import-ios").await?;
    browser.click("#import-confirm").await?;
    browser
        .wait_for_text("#import-status", "Imported 3 credentials into Acme", 60)
        .await?;

    let api = signet_client::Api::new(&server.url);
    let session = signet_client::Session::login(&api, email, PASSWORD, false).await?;
    let team = session
        .teams()
        .await?
        .into_iter()
        .find(|t| t.name == "Acme Mobile")
        .ok_or_else(|| anyhow::anyhow!("no team"))?;
    let app = session
        .api
        .apps(&team.id)
        .await?
        .into_iter()
        .find(|a| a.name == "Acme")
        .ok_or_else(|| anyhow::anyhow!("no app"))?;
    let assignments = session.api.assignments(&team.id, &app.id).await?;
    let slot = |kind: &str| {
        assignments
            .iter()
            .find(|a| a.kind == kind && a.is_default && a.profile == "production")
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no default {kind}: {assignments:?}"))
    };
    assert_eq!(slot("android_keystore")?.target, "");
    assert_eq!(slot("ios_distribution_certificate")?.target, "Acme");
    let profile = slot("ios_provisioning_profile")?;
    assert_eq!(profile.target, "Acme");
    let key = session.team_key(&team.id).await?;
    let (_, plain) = session
        .read_credential(&team.id, &key, &profile.credential_id)
        .await?;
    let payload = signet_core::credential::Payload::from_bytes(
        &plain,
        signet_core::wire::credential::CredentialKind::IosProvisioningProfile,
    )?;
    assert_eq!(
        payload.file_bytes()?.to_vec(),
        std::fs::read(bundle.path("ios/profile.mobileprovision"))?
    );

    browser.close().await?;
    server.stop().await
}
