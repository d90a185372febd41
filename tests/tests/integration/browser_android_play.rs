//! The app page's signing keys in headless Chromium: the upload key and Google Play's
//! app-signing key side by side (fingerprints equal to what the CLI, OpenSSL and keytool
//! compute), a keystore uploaded by mistake refused, the assetlinks.json statement with both
//! SHA-256, and the upload-key reset: a new key beside the old (which stays the default), its
//! upload_certificate.pem downloaded and read by keytool, the switch only after "Google
//! accepted" is confirmed. A forged fingerprint from the server is never shown or listed.

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use signet_tests::{api::PASSWORD, browser::Browser, server::TestServer};

use crate::{
    attack_metadata::{Column, altered, stored, tamper},
    cli_android_play::{
        fingerprints, is_google_sha256, keytool_sha256, openssl_fingerprint, play_certificate,
    },
    cli_sync::{developer_with_app, str_at, text},
};

async fn value_of(browser: &Browser, css: &str) -> Result<String> {
    Ok(browser
        .wait_for(css, 30)
        .await?
        .text()
        .await?
        .trim()
        .to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_shows_both_keys_assetlinks_and_resets_the_upload_key_only_when_confirmed()
-> Result<()> {
    let server = TestServer::start().await?;
    let dev = developer_with_app(&server.url).await?;
    dev.ok(&["keystore", "generate", "--app", "Acme App", "--remote"])
        .await?;
    let before = fingerprints(&dev).await?;
    let upload_sha1 = str_at(&before, "/upload_key/sha1")?.to_owned();
    let upload_sha256 = str_at(&before, "/upload_key/sha256")?.to_owned();
    let dir = tempfile::tempdir()?;
    let (der, _) = play_certificate(dir.path(), "deployment_cert")?;
    let jks = dir.path().join("mistake.jks");
    dev.ok(&[
        "keystore",
        "generate",
        "--package",
        "com.acme.app",
        "--out",
        &text(&jks),
    ])
    .await?;

    let browser = Browser::start().await?;
    browser
        .sign_in(&server.url, "dev@example.test", PASSWORD)
        .await?;
    browser.click("nav a[href='/apps']").await?;
    browser.wait_for("#app-list a", 30).await?.click().await?;
    browser.wait_for("#signing-keys", 60).await?;
    ensure!(value_of(&browser, "#upload-key-sha1").await? == upload_sha1);
    ensure!(value_of(&browser, "#upload-key-sha256").await? == upload_sha256);
    let missing = value_of(&browser, "#app-signing-key-missing").await?;
    ensure!(missing.contains("deployment_cert.der"), "{missing}");
    let uses = value_of(&browser, "#key-uses").await?;
    ensure!(
        uses.contains("Firebase") && uses.contains("App Links"),
        "{uses}"
    );

    // A keystore is not the app-signing certificate: refused, nothing stored.
    browser
        .wait_for("#play-cert-file", 10)
        .await?
        .send_keys(&text(&jks))
        .await?;
    browser.click("#upload-play-cert").await?;
    let error = browser
        .wait_for_text("#play-cert-status", "Nothing was stored", 30)
        .await?;
    ensure!(error.contains("keystore"), "{error}");
    ensure!(fingerprints(&dev).await?["app_signing_key"].is_null());

    // The certificate Play Console offers.
    browser
        .wait_for("#play-cert-file", 10)
        .await?
        .send_keys(&text(&der))
        .await?;
    browser.click("#upload-play-cert").await?;
    let signing_sha256 = openssl_fingerprint(&der, "sha256")?;
    browser
        .wait_for_text("#app-signing-key-sha256", &signing_sha256, 60)
        .await?;
    ensure!(
        value_of(&browser, "#app-signing-key-sha1").await? == openssl_fingerprint(&der, "sha1")?
    );
    ensure!(value_of(&browser, "#app-signing-key-md5").await? == openssl_fingerprint(&der, "md5")?);
    ensure!(value_of(&browser, "#upload-key-sha256").await? == upload_sha256);
    // The CLI sees what the browser stored.
    let both = fingerprints(&dev).await?;
    ensure!(
        str_at(&both, "/app_signing_key/sha256")? == signing_sha256,
        "{both:#}"
    );

    // assetlinks.json: valid JSON in Google's form, both keys.
    let links: Value = serde_json::from_str(&value_of(&browser, "#assetlinks-json").await?)?;
    let target = &links[0]["target"];
    ensure!(target["package_name"] == "com.acme.app", "{links:#}");
    let listed: Vec<&str> = target["sha256_cert_fingerprints"]
        .as_array()
        .context("fingerprints")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    ensure!(
        listed == [signing_sha256.as_str(), upload_sha256.as_str()],
        "{listed:?}"
    );
    ensure!(listed.iter().all(|f| is_google_sha256(f)));

    // The reset asks first, then stores the new key beside the old one and downloads its
    // certificate.
    browser.click("#start-upload-key-reset").await?;
    let explained = value_of(&browser, "#reset-confirm").await?;
    ensure!(explained.contains("stays the default"), "{explained}");
    browser.click("#confirm-upload-key-reset").await?;
    let pem = browser
        .wait_for_download("upload_certificate.pem", 90)
        .await?;
    let pem_file = dir.path().join("upload_certificate.pem");
    std::fs::write(&pem_file, &pem)?;
    let new_sha256 = keytool_sha256(&pem_file)?;
    ensure!(new_sha256 != upload_sha256);
    browser.wait_for("#reset-pending", 60).await?;
    ensure!(value_of(&browser, "#reset-sha256").await? == new_sha256);
    // Still the old key for builds, in the page and for the CLI.
    ensure!(value_of(&browser, "#upload-key-sha256").await? == upload_sha256);
    ensure!(str_at(&fingerprints(&dev).await?, "/upload_key/sha256")? == upload_sha256);

    // Only a confirmed "Google accepted" switches.
    browser.click("#google-accepted").await?;
    let warning = value_of(&browser, "#accept-confirm").await?;
    ensure!(warning.contains("rejects"), "{warning}");
    browser.click("#confirm-google-accepted").await?;
    browser
        .wait_for_text("#upload-key-sha256", &new_sha256, 60)
        .await?;
    ensure!(str_at(&fingerprints(&dev).await?, "/upload_key/sha256")? == new_sha256);
    let rows = dev.credential_rows(&[]).await?;
    let keystores = rows
        .iter()
        .filter(|r| r["kind"] == "android_keystore")
        .count();
    ensure!(
        keystores == 2,
        "the old keystore must stay stored: {rows:#?}"
    );

    // A compromised server forges the app-signing certificate's fingerprint.
    let play_id = str_at(&both, "/app_signing_key/credential_id")?.to_owned();
    let (metadata, _) = stored(&server, &play_id).await?;
    let forged = altered(
        &metadata,
        serde_json::json!({ "sha256": (["DE:AD:BE:EF"; 8].join(":")) }),
    )?;
    tamper(&server, &play_id, Column::Metadata, &forged).await?;
    // Keys live in memory only, so navigate inside the page (a reload would sign out).
    browser.click("nav a[href='/apps']").await?;
    browser.wait_for("#app-list a", 30).await?.click().await?;
    browser.wait_for("#app-signing-key-unverified", 60).await?;
    let page = value_of(&browser, "#signing-keys").await?;
    ensure!(
        !page.contains("DE:AD:BE:EF"),
        "the forged fingerprint is shown: {page}"
    );
    let links: Value = serde_json::from_str(&value_of(&browser, "#assetlinks-json").await?)?;
    ensure!(
        links[0]["target"]["sha256_cert_fingerprints"] == serde_json::json!([new_sha256]),
        "{links:#}"
    );
    browser.close().await
}
