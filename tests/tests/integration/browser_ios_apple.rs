//! The dashboard's "Create with Apple" in headless Chromium (issue 12 §2): the team's App
//! Store Connect key uploaded on the iOS page, then one click makes the distribution
//! certificate (its key generated in the browser) and the App Store profile through the
//! server's relay to the App Store Connect simulator. The simulator verifies every token's
//! signature with the key's public half; each token the browser signed is scoped to exactly
//! its request; the server saw no key, only those tokens; a token without that scope is
//! refused by the relay; and the result is what `signet doctor` passes.

use anyhow::{Context, Result, ensure};
use serde_json::json;
use signet_core::{asc::Request, keys::asc::AppStoreConnectKey};
use signet_tests::{
    asc_sim::AscSimulator,
    browser::{Browser, PASSWORD},
    paths,
    server::TestServer,
};

const KEY_ID: &str = "ABC123DEFG";
const ISSUER: &str = "57246542-96fe-1a63-e053-0824d011072a";

fn fixture(name: &str) -> std::path::PathBuf {
    paths::root()
        .join("wasm-core/tests/fixtures/apple")
        .join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_creates_ios_credentials_with_apple_through_the_scoped_relay() -> Result<()> {
    let public = std::fs::read_to_string(fixture("AuthKey_ABC123DEFG.pub.pem"))?;
    let sim = AscSimulator::start(&public, KEY_ID, ISSUER, "A1B2C3D4E5").await?;
    let log_dir = tempfile::tempdir()?;
    let log = log_dir.path().join("bodies.log");
    // nextest runs every test in its own process, so no other test sees these variables.
    #[allow(unsafe_code)]
    // SAFETY: set before the server and browser start, while no other thread reads the
    // environment.
    unsafe {
        std::env::set_var(signet_server::body_log::ENV, &log);
        std::env::set_var("SIGNET_ASC_API_URL", &sim.url);
    }
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    browser.signed_up(&server.url, "apple@example.com").await?;
    browser.create_first_team("Acme Mobile").await?;
    browser
        .create_first_app("Acme", None, "com.acme.app")
        .await?;
    browser
        .wait_for_text("#ios-target-0", "com.acme.app · production profile", 30)
        .await?;

    // Without a key: the click says how to add one, and nothing reaches Apple.
    browser.click("#ios-apple-create-0").await?;
    let no_key = browser
        .wait_for_text("#ios-apple-status-0", "no App Store Connect API key", 60)
        .await?;
    ensure!(no_key.contains("Users and Access"), "{no_key}");
    ensure!(sim.seen().is_empty());

    browser
        .wait_for("#ios-asc-file-0", 10)
        .await?
        .send_keys(&fixture("AuthKey_ABC123DEFG.p8").to_string_lossy())
        .await?;
    browser.fill("#ios-asc-first-0", KEY_ID).await?;
    browser.fill("#ios-asc-second-0", ISSUER).await?;
    browser.click("#ios-upload-asc-0").await?;
    browser
        .wait_for_text(".ios-credential[data-kind=asc_api_key]", ISSUER, 60)
        .await?;

    browser.click("#ios-apple-create-0").await?;
    let done = browser
        .wait_for_text("#ios-apple-status-0", "Done:", 180)
        .await?;
    ensure!(
        done.contains("created certificate") && done.contains("App Store profile"),
        "{done}"
    );
    browser
        .wait_for(".ios-credential[data-kind=ios_provisioning_profile]", 30)
        .await?;
    browser
        .wait_for(
            ".ios-credential[data-kind=ios_distribution_certificate]",
            30,
        )
        .await?;

    // Preview (Ad Hoc): register a device from the page, then the profile lists it and the
    // certificate Signet holds is reused.
    browser
        .wait_for("#ios-profile", 10)
        .await?
        .select_by_value("preview")
        .await?;
    browser
        .wait_for_text("#ios-target-0", "com.acme.app · preview profile", 10)
        .await?;
    browser.fill("#ios-device-udid-0", "not a udid").await?;
    browser.fill("#ios-device-name-0", "Ana's iPhone").await?;
    browser.click("#ios-device-add-0").await?;
    let bad = browser
        .wait_for_text("#ios-device-status-0", "not a valid device UDID", 60)
        .await?;
    ensure!(sim.device_udids().is_empty(), "{bad}");
    browser
        .fill(
            "#ios-device-udid-0",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .await?;
    browser.fill("#ios-device-name-0", "Ana's iPhone").await?;
    browser.click("#ios-device-add-0").await?;
    browser
        .wait_for_text("#ios-device-status-0", "Registered", 60)
        .await?;
    browser.click("#ios-apple-create-0").await?;
    let adhoc = browser
        .wait_for_text("#ios-apple-status-0", "Done:", 120)
        .await?;
    ensure!(
        adhoc.contains("reused certificate")
            && adhoc.contains("Ad Hoc profile")
            && adhoc.contains("(1 device(s))"),
        "{adhoc}"
    );
    ensure!(sim.certificate_serials().len() == 1 && sim.profiles().len() == 2);

    // Every request was signed in the browser, verified by the simulator, and scoped to
    // exactly itself.
    let seen = sim.seen();
    ensure!(seen.len() >= 4, "{seen:?}");
    for s in &seen {
        ensure!(s.status < 400, "{s:?}");
        let wanted = format!("{} {}", s.method, s.path);
        ensure!(s.scope.as_deref() == Some(&[wanted][..]), "{s:?}");
    }

    // What the server saw: relay bodies with those tokens, never the .p8's key.
    let bodies = std::fs::read_to_string(&log).unwrap_or_default();
    let p8 = std::fs::read_to_string(fixture("AuthKey_ABC123DEFG.p8"))?;
    let key_line = p8
        .lines()
        .find(|l| !l.starts_with("-----") && l.len() > 20)
        .context("a key line")?;
    ensure!(bodies.contains("asc-relay"), "the relay was used");
    ensure!(!bodies.contains(key_line) && !bodies.contains("PRIVATE KEY"));

    // The relay refuses a token that is not scoped to exactly its request.
    let key = AppStoreConnectKey::from_p8(p8.as_bytes(), KEY_ID, ISSUER)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let list = Request::list_devices();
    let api = signet_client::Api::new(&server.url);
    let session = signet_client::Session::login(&api, "apple@example.com", PASSWORD, false).await?;
    let team = session
        .teams()
        .await?
        .into_iter()
        .next()
        .context("a team")?;
    for token in [
        key.token(now, 600)?,
        key.token_scoped(
            now,
            600,
            &[Request::find_bundle_id("com.acme.app")?.scope()],
        )?,
        key.token_scoped(
            now,
            600,
            &[
                list.scope(),
                Request::list_certificates("IOS_DISTRIBUTION")?.scope(),
            ],
        )?,
    ] {
        let refused = session
            .api
            .post::<_, serde_json::Value>(
                &format!("/teams/{}/asc-relay", team.id),
                &json!({"method": "GET", "path": list.path, "token": token}),
            )
            .await
            .expect_err("refused");
        ensure!(refused.to_string().contains("scope"), "{refused}");
    }
    // A path off the API, and a host in the path, are refused too.
    for path in ["/v2/apps", "/v1/../users", "//evil.example/v1/apps"] {
        let token = key
            .token_scoped(now, 600, &[format!("GET {path}")])
            .unwrap_or_default();
        let refused = session
            .api
            .post::<_, serde_json::Value>(
                &format!("/teams/{}/asc-relay", team.id),
                &json!({"method": "GET", "path": path, "token": token}),
            )
            .await
            .expect_err("refused");
        ensure!(refused.status() == Some(400), "{refused}");
    }
    ensure!(
        sim.seen().len() == seen.len(),
        "refused requests never reached Apple"
    );
    // Both are the production slot's defaults.
    let assignments = session
        .api
        .assignments(&team.id, &session.api.apps(&team.id).await?[0].id)
        .await?;
    for kind in ["ios_distribution_certificate", "ios_provisioning_profile"] {
        ensure!(
            assignments
                .iter()
                .any(|a| a.kind == kind && a.is_default && a.profile == "production"),
            "{assignments:?}"
        );
    }
    // Removing the certificate on its page can revoke it at Apple too (after confirming with
    // the box): the browser finds it by its signed serial and revokes it through the relay.
    let cert = session
        .credentials(&team.id, false)
        .await?
        .into_iter()
        .find(|c| {
            c.kind == signet_core::wire::credential::CredentialKind::IosDistributionCertificate
        })
        .context("the certificate")?;
    browser.click("nav a[href='/credentials']").await?;
    browser
        .wait_for_text("#credential-list", &cert.label, 30)
        .await?;
    browser
        .click(&format!("a[href='/credentials/{}']", cert.id))
        .await?;
    browser.wait_for("#revoke-at-apple", 30).await?;
    browser.click("#revoke-at-apple").await?;
    browser.click("#trash-credential").await?;
    // The app uses it: asked first, and nothing is revoked before the answer.
    browser.wait_for_text("#trash-in-use", "iOS", 30).await?;
    ensure!(!sim.certificate_serials().is_empty());
    browser.click("#trash-confirm").await?;
    browser.wait_for("#in-trash", 60).await?;
    ensure!(
        sim.certificate_serials().is_empty(),
        "{:?}",
        sim.certificate_serials()
    );
    ensure!(
        sim.seen().iter().any(|s| s.method == "DELETE"
            && s.status == 204
            && s.scope.as_deref() == Some(&[format!("DELETE {}", s.path)][..])),
        "the revocation's token was scoped to it"
    );
    browser.close().await?;
    sim.stop().await?;
    server.stop().await
}
