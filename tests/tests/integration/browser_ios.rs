//! The dashboard's iOS flows in headless Chromium against the real server and SQLite: a CSR
//! made in the browser, signed by a throwaway CA with `openssl`, Apple's `.cer` turned into a
//! `.p12` that `openssl pkcs12` opens with the password from the downloaded `credentials.json`;
//! a `.cer` for another key refused; provisioning profiles (made with `openssl cms`) shown with
//! their facts and warnings; a push key and an App Store Connect key; an app with two targets (an uploaded `.p12`, reused
//! for the second target) and its per-target zip. No secret is sent in the clear.

use signet_core::{
    eas::credentials_json::{CredentialsJson, IosCredentials},
    ios::csr::{CsrSubject, PendingCsr},
    wire::credential::CredentialKind,
};
use signet_tests::{
    browser::{Browser, PASSWORD},
    paths,
    server::TestServer,
    tools,
};

const APPLE_SUBJECT: &str =
    "/UID=A1B2C3D4E5/CN=Apple Distribution: Acme Inc (A1B2C3D4E5)/OU=A1B2C3D4E5/O=Acme Inc/C=US";

fn apple_fixture(name: &str) -> std::path::PathBuf {
    paths::root()
        .join("wasm-core/tests/fixtures/apple")
        .join(name)
}

fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Picks `path` in the file input `css`.
async fn pick(browser: &Browser, css: &str, path: &std::path::Path) -> anyhow::Result<()> {
    browser
        .wait_for(css, 10)
        .await?
        .send_keys(&path.to_string_lossy())
        .await?;
    Ok(())
}

/// How many live credentials of `kind` the team holds, as the native client sees them.
async fn count(server: &TestServer, email: &str, kind: CredentialKind) -> anyhow::Result<usize> {
    let api = signet_client::Api::new(&server.url);
    let session = signet_client::Session::login(&api, email, PASSWORD, false).await?;
    let teams = session.teams().await?;
    let team = teams.first().ok_or_else(|| anyhow::anyhow!("no team"))?;
    Ok(session
        .credentials(&team.id, false)
        .await?
        .iter()
        .filter(|c| c.kind == kind)
        .count())
}

/// CSR → `.cer` → `.p12` (a wrong `.cer` stores nothing) → profiles → push key → the zip
/// for local builds, checked with `openssl`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_ios_csr_certificate_profile_push_key_and_download() -> anyhow::Result<()> {
    let log_dir = tempfile::tempdir()?;
    let log = log_dir.path().join("bodies.log");
    // nextest runs every test in its own process, so no other test sees this variable.
    #[allow(unsafe_code)]
    // SAFETY: set before the server and browser start, while no other thread reads the
    // environment.
    unsafe {
        std::env::set_var(signet_server::body_log::ENV, &log);
    }
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let email = "ios@example.com";
    browser.signed_up(&server.url, email).await?;

    browser.create_first_team("Acme Mobile").await?;
    browser
        .create_first_app("Acme", Some("com.acme.app"), "com.acme.app")
        .await?;
    browser
        .wait_for_text("#ios-target-0", "com.acme.app · production profile", 30)
        .await?;

    // 1. A CSR made in the browser; the download is what openssl verifies.
    browser.fill("#ios-csr-name-0", "Acme Inc").await?;
    browser.fill("#ios-csr-country-0", "US").await?;
    browser.click("#ios-generate-csr-0").await?;
    browser
        .wait_for_text("#ios-csr-status-0", "Generating an RSA-2048", 10)
        .await?;
    browser.wait_for("#ios-pending-csr-0", 120).await?;
    browser.click("#ios-download-csr-0").await?;
    let csr = browser
        .wait_for_download("CertificateSigningRequest.certSigningRequest", 30)
        .await?;
    let csr = String::from_utf8(csr)?;
    let dir = tempfile::tempdir()?;
    let text = tools::openssl_verify_csr(&csr, dir.path())?;
    assert!(text.contains("Acme Inc"), "{text}");
    assert_eq!(count(&server, email, CredentialKind::PendingCsr).await?, 1);

    // 2. A certificate issued for another key: refused, nothing stored.
    let other = PendingCsr::generate(&CsrSubject {
        common_name: "Someone Else".into(),
        email: "else@example.com".into(),
        country: None,
    })?;
    let other_dir = tempfile::tempdir()?;
    let wrong =
        tools::openssl_issue_certificate(&other.csr_pem()?, APPLE_SUBJECT, other_dir.path())?;
    let wrong_path = other_dir.path().join("wrong.cer");
    std::fs::write(&wrong_path, &wrong)?;
    pick(&browser, "#ios-cer-file-0", &wrong_path).await?;
    browser.click("#ios-upload-cer-0").await?;
    let error = browser
        .wait_for_text("#ios-cer-status-0", "Nothing was stored", 60)
        .await?;
    assert!(
        error.contains("was not issued for the signing request made here"),
        "{error}"
    );
    assert_eq!(
        count(&server, email, CredentialKind::IosDistributionCertificate).await?,
        0
    );

    // 3. Apple's certificate for our CSR: a .p12 is built and stored, the CSR goes away.
    let cer = tools::openssl_issue_certificate(&csr, APPLE_SUBJECT, dir.path())?;
    let cer_path = dir.path().join("distribution.cer");
    std::fs::write(&cer_path, &cer)?;
    pick(&browser, "#ios-cer-file-0", &cer_path).await?;
    browser.click("#ios-upload-cer-0").await?;
    let card = browser
        .wait_for_text(
            ".ios-credential[data-kind=ios_distribution_certificate]",
            "A1B2C3D4E5",
            60,
        )
        .await?;
    for needle in ["Default", "Valid", "Apple Distribution: Acme Inc", "Serial"] {
        assert!(card.contains(needle), "{needle} not in {card}");
    }
    // The serial the CA gave it (`-set_serial 0x7E57C0DE01`).
    assert!(card.to_uppercase().contains("7E57C0DE01"), "{card}");
    let shown_sha1 = browser
        .wait_for(".ios-credential code[id^=sha1-]", 5)
        .await?
        .text()
        .await?;
    assert_eq!(
        shown_sha1.trim(),
        tools::openssl_sha1_fingerprint(&cer, dir.path())?
    );
    browser.wait_for("#ios-csr-form-0", 30).await?;
    assert_eq!(count(&server, email, CredentialKind::PendingCsr).await?, 0);

    // 4. Profiles, as strict as `signet doctor`: an expired one is refused; one that does
    // not list our certificate is stored only with "use it anyway", and not as the
    // default; then one made for it becomes the default.
    let template = String::from_utf8(std::fs::read(apple_fixture("adhoc.plist"))?)?;
    let expired = template.replace("2027-01-15T10:00:00Z", "2021-01-15T10:00:00Z");
    assert_ne!(expired, template);
    let expired_path = dir.path().join("expired.mobileprovision");
    std::fs::write(
        &expired_path,
        tools::openssl_sign_profile(expired.as_bytes(), true, dir.path())?,
    )?;
    // Picks a profile file in the first slot and uploads it.
    let upload_profile = async |path: &std::path::Path| -> anyhow::Result<()> {
        pick(&browser, "#ios-profile-file-0", path).await?;
        browser.click("#ios-upload-profile-0").await
    };
    let profiles_stored =
        async || count(&server, email, CredentialKind::IosProvisioningProfile).await;
    upload_profile(&expired_path).await?;
    let refused = browser
        .wait_for_text("#ios-profile-status-0", "Nothing was stored", 60)
        .await?;
    assert!(refused.contains("expired on 2021-01-15"), "{refused}");
    assert_eq!(profiles_stored().await?, 0);
    // A profile that does not fit: the problem is named, "Use it anyway" offered, and
    // nothing is stored.
    let refused_for = async |problem: &str| -> anyhow::Result<()> {
        let problems = browser
            .wait_for_text("#ios-profile-problems-0", problem, 60)
            .await?;
        assert!(problems.contains("Use it anyway"), "{problems}");
        browser
            .wait_for_text("#ios-profile-status-0", "Nothing was stored", 10)
            .await?;
        Ok(())
    };
    upload_profile(&apple_fixture("adhoc.mobileprovision")).await?;
    refused_for("does not include the assigned distribution certificate").await?;
    assert_eq!(profiles_stored().await?, 0);
    browser.click("#ios-profile-use-anyway-0").await?;
    upload_profile(&apple_fixture("adhoc.mobileprovision")).await?;
    let warned = browser
        .wait_for_text(
            ".ios-credential[data-kind=ios_provisioning_profile]",
            "does not include the assigned distribution certificate",
            60,
        )
        .await?;
    assert!(warned.contains("Ad hoc"), "{warned}");
    assert!(
        !warned.contains("Default"),
        "stored as the default: {warned}"
    );
    let fixture_cert = base64_std(&std::fs::read(apple_fixture("distribution.cer"))?);
    let plist = template
        .replace(&fixture_cert, &base64_std(&cer))
        .replace("2027-01-15T10:00:00Z", "2099-01-01T00:00:00Z");
    assert_ne!(plist, template);
    let profile = tools::openssl_sign_profile(plist.as_bytes(), true, dir.path())?;
    let profile_path = dir.path().join("fresh.mobileprovision");
    std::fs::write(&profile_path, &profile)?;
    // With a profile in the slot, the ways to add another are folded away.
    assert!(
        !browser
            .wait_for("#ios-profile-file-0", 10)
            .await?
            .is_displayed()
            .await?
    );
    browser.click("#ios-add-profile-0 > summary").await?;
    // Made for our certificate but another app (com.other.app): refused the same way,
    // naming both bundle ids; nothing is stored ("Use it anyway" was untied by the last
    // upload).
    let other_app = plist.replace("A1B2C3D4E5.com.acme.*", "A1B2C3D4E5.com.other.app");
    assert_ne!(other_app, plist);
    let other_path = dir.path().join("other-app.mobileprovision");
    std::fs::write(
        &other_path,
        tools::openssl_sign_profile(other_app.as_bytes(), true, dir.path())?,
    )?;
    upload_profile(&other_path).await?;
    refused_for("was issued for com.other.app, not com.acme.app").await?;
    assert_eq!(profiles_stored().await?, 1);
    pick(&browser, "#ios-profile-file-0", &profile_path).await?;
    browser.click("#ios-upload-profile-0").await?;
    browser
        .wait_for_text(
            ".ios-credential[data-kind=ios_provisioning_profile]",
            "2099-01-01",
            60,
        )
        .await?;
    let fresh = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.ios-credential[data-kind=ios_provisioning_profile]')]\
             .map(e => e.innerText).find(t => t.includes('2099-01-01'));",
            vec![],
        )
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for needle in [
        "Ad hoc",
        "com.acme.*",
        "Acme Inc (A1B2C3D4E5)",
        "Devices",
        "Default",
    ] {
        assert!(fresh.contains(needle), "{needle} not in {fresh}");
    }
    assert!(!fresh.contains("⚠"), "{fresh}");

    // 5. A push key, checked in the browser.
    pick(
        &browser,
        "#ios-push-file-0",
        &apple_fixture("AuthKey_ABC123DEFG.p8"),
    )
    .await?;
    // The key id comes from Apple's file name, AuthKey_<ID>.p8.
    browser
        .wait_until(
            "document.getElementById('ios-push-first-0').value === 'ABC123DEFG'",
            10,
        )
        .await?;
    browser.fill("#ios-push-second-0", "A1B2C3D4E5").await?;
    browser.click("#ios-upload-push-0").await?;
    browser
        .wait_for_text(
            ".ios-credential[data-kind=apple_push_key]",
            "ABC123DEFG",
            60,
        )
        .await?;
    // No card shows an empty fact (a certificate without a team name has no "Apple team"
    // row rather than a blank one).
    let blank: serde_json::Value = browser
        .wait_until(
            "(() => { const dds = Array.from(document.querySelectorAll('.ios-credential .facts dd')); \
             return dds.length > 0 && dds.filter(d => !d.textContent.trim()).length === 0 \
             ? 'none' : dds.filter(d => !d.textContent.trim()).map(d => d.previousElementSibling.textContent); })()",
            10,
        )
        .await?;
    assert_eq!(blank, serde_json::json!("none"), "{blank}");
    // 6. An App Store Connect API key: a malformed issuer id stores nothing.
    let asc_key = apple_fixture("AuthKey_ABC123DEFG.p8");
    pick(&browser, "#ios-asc-file-0", &asc_key).await?;
    browser.fill("#ios-asc-first-0", "ABC123DEFG").await?;
    browser.fill("#ios-asc-second-0", "not-an-issuer").await?;
    browser.click("#ios-upload-asc-0").await?;
    let error = browser
        .wait_for_text("#ios-asc-status-0", "Nothing was stored", 60)
        .await?;
    assert!(error.contains("UUID"), "{error}");
    assert_eq!(count(&server, email, CredentialKind::AscApiKey).await?, 0);
    browser
        .fill("#ios-asc-second-0", "57246542-96fe-1a63-e053-0824d011072a")
        .await?;
    browser.click("#ios-upload-asc-0").await?;
    browser
        .wait_for_text(
            ".ios-credential[data-kind=asc_api_key]",
            "57246542-96fe-1a63-e053-0824d011072a",
            60,
        )
        .await?;
    browser
        .client
        .execute(
            "document.querySelector('#ios-title').scrollIntoView()",
            vec![],
        )
        .await?;
    browser.screenshot("dashboard-ios").await?;

    // Slots are per build profile: "preview" is empty until something is assigned to it.
    browser
        .wait_for("#ios-profile", 10)
        .await?
        .select_by_value("preview")
        .await?;
    let preview = browser
        .wait_for_text("#ios-target-0", "com.acme.app · preview profile", 10)
        .await?;
    assert!(
        preview.contains("No distribution certificate yet."),
        "{preview}"
    );
    browser
        .wait_for("#ios-profile", 10)
        .await?
        .select_by_value("production")
        .await?;
    browser
        .wait_for_text("#ios-target-0", "com.acme.app · production profile", 10)
        .await?;

    // 7. The zip for local builds, with the Android keystore too: openssl opens the .p12
    // with the zipped password.
    browser.click("#generate-keystore").await?;
    browser.wait_for_text(".keystore", "SHA-256", 120).await?;
    browser.click("#download-bundle").await?;
    let zip = browser
        .wait_for_download("acme-credentials.zip", 60)
        .await?;
    let zip_path = dir.path().join("bundle.zip");
    std::fs::write(&zip_path, &zip)?;
    let unzipped = dir.path().join("bundle");
    std::fs::create_dir_all(&unzipped)?;
    tools::run_ok(
        "unzip",
        &[
            "-q",
            &zip_path.to_string_lossy(),
            "-d",
            &unzipped.to_string_lossy(),
        ],
    )?;
    let json = CredentialsJson::from_json(&std::fs::read(unzipped.join("credentials.json"))?)?;
    let android = json
        .android
        .ok_or_else(|| anyhow::anyhow!("no android section next to ios"))?;
    assert_eq!(
        android.keystore.keystore_path,
        "credentials/android/keystore.jks"
    );
    let listing = tools::keytool_list(
        &unzipped.join(&android.keystore.keystore_path),
        "JKS",
        android.keystore.keystore_password.expose(),
    )?;
    assert!(listing.contains(&android.keystore.key_alias), "{listing}");
    let Some(IosCredentials::Single(ios)) = json.ios else {
        anyhow::bail!("expected a single-target ios object");
    };
    assert_eq!(
        ios.distribution_certificate.path,
        "credentials/ios/dist-cert.p12"
    );
    assert_eq!(
        ios.provisioning_profile_path,
        "credentials/ios/profile.mobileprovision"
    );
    assert_eq!(
        std::fs::read(unzipped.join(&ios.provisioning_profile_path))?,
        profile
    );
    let p12 = unzipped.join(&ios.distribution_certificate.path);
    let pass = format!("pass:{}", ios.distribution_certificate.password.expose());
    let certs = tools::run_ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            &p12.to_string_lossy(),
            "-passin",
            &pass,
            "-nokeys",
        ],
    )?;
    assert!(certs.contains("BEGIN CERTIFICATE"), "{certs}");
    assert!(certs.contains("Apple Distribution: Acme Inc"), "{certs}");
    let with_key = tools::run_ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            &p12.to_string_lossy(),
            "-passin",
            &pass,
            "-nodes",
        ],
    )?;
    assert!(with_key.contains("PRIVATE KEY"), "openssl printed no key");
    // The key in the .p12 is the one the CSR was made for.
    let key_path = dir.path().join("p12.key");
    std::fs::write(&key_path, &with_key)?;
    let key_pub = tools::run_ok(
        "openssl",
        &["pkey", "-in", &key_path.to_string_lossy(), "-pubout"],
    )?;
    let csr_path = tools::write_file(dir.path(), "check.csr", csr.as_bytes())?;
    let csr_pub = tools::run_ok("openssl", &["req", "-in", &csr_path, "-noout", "-pubkey"])?;
    assert_eq!(key_pub.trim(), csr_pub.trim());
    let wrong_pass = tools::run(
        "openssl",
        &[
            "pkcs12",
            "-in",
            &p12.to_string_lossy(),
            "-passin",
            "pass:wrong",
            "-nokeys",
        ],
    )?;
    assert!(!wrong_pass.success, "a wrong password opened the .p12");

    // 8. An app with two targets: the .p12 uploaded as an existing one (a wrong password
    // stores nothing), reused for the second target, a profile each; a per-target zip.
    browser.click("nav a[href='/apps']").await?;
    browser.wait_for("#app-list", 30).await?;
    browser.fill("#app-name", "Acme Duo").await?;
    browser
        .fill(
            "#app-ios",
            "Duo=com.acme.duo\nDuoWidget=com.acme.duo.widget",
        )
        .await?;
    browser.click("#create-app").await?;
    browser
        .wait_for_text("#app-list", "DuoWidget: com.acme.duo.widget", 30)
        .await?;
    browser
        .client
        .find(fantoccini::Locator::LinkText("Acme Duo"))
        .await?
        .click()
        .await?;
    browser
        .wait_for_text("#ios-target-1", "DuoWidget (com.acme.duo.widget)", 30)
        .await?;
    pick(&browser, "#ios-p12-file-0", &p12).await?;
    browser.fill("#ios-p12-first-0", "not-the-password").await?;
    browser.click("#ios-upload-p12-0").await?;
    let error = browser
        .wait_for_text("#ios-p12-status-0", "Nothing was stored", 60)
        .await?;
    assert!(error.contains("Wrong .p12 password"), "{error}");
    // Not a .p12 at all: said in iOS words (the keystore reader's own wording is Android's).
    let not_p12 = tempfile::Builder::new().suffix(".p12").tempfile()?;
    std::fs::write(not_p12.path(), b"-----BEGIN CERTIFICATE-----\nnot this\n")?;
    pick(&browser, "#ios-p12-file-0", not_p12.path()).await?;
    browser.click("#ios-upload-p12-0").await?;
    let error = browser
        .wait_for_text("#ios-p12-status-0", "Not a .p12 file", 60)
        .await?;
    assert!(
        error.contains("Keychain Access") && !error.contains("keystore"),
        "{error}"
    );
    pick(&browser, "#ios-p12-file-0", &p12).await?;
    browser
        .fill(
            "#ios-p12-first-0",
            ios.distribution_certificate.password.expose(),
        )
        .await?;
    browser.click("#ios-upload-p12-0").await?;
    browser
        .wait_for_text(
            "#ios-target-0 .ios-credential[data-kind=ios_distribution_certificate]",
            "Default",
            60,
        )
        .await?;
    // The second target reuses the team's certificates instead of storing them again.
    browser
        .click("#ios-assign-ios-distribution-certificate-1")
        .await?;
    browser
        .wait_for_text(
            "#ios-target-1 .ios-credential[data-kind=ios_distribution_certificate]",
            "Default",
            60,
        )
        .await?;
    for index in 0..2 {
        pick(
            &browser,
            &format!("#ios-profile-file-{index}"),
            &profile_path,
        )
        .await?;
        browser
            .click(&format!("#ios-upload-profile-{index}"))
            .await?;
        browser
            .wait_for_text(
                &format!("#ios-target-{index} .ios-credential[data-kind=ios_provisioning_profile]"),
                "2099-01-01",
                60,
            )
            .await?;
    }
    browser
        .client
        .execute(
            "document.querySelector('#ios-title').scrollIntoView()",
            vec![],
        )
        .await?;
    browser.screenshot("dashboard-ios-targets").await?;
    browser.click("#download-bundle").await?;
    let zip = browser
        .wait_for_download("acme-duo-credentials.zip", 60)
        .await?;
    let zip_path = dir.path().join("duo.zip");
    std::fs::write(&zip_path, &zip)?;
    let duo = dir.path().join("duo");
    std::fs::create_dir_all(&duo)?;
    tools::run_ok(
        "unzip",
        &[
            "-q",
            &zip_path.to_string_lossy(),
            "-d",
            &duo.to_string_lossy(),
        ],
    )?;
    let json = CredentialsJson::from_json(&std::fs::read(duo.join("credentials.json"))?)?;
    let Some(IosCredentials::PerTarget(targets)) = json.ios else {
        anyhow::bail!("expected a per-target ios object");
    };
    assert_eq!(
        targets.keys().map(String::as_str).collect::<Vec<_>>(),
        ["Duo", "DuoWidget"]
    );
    for (name, creds) in &targets {
        assert_eq!(
            creds.distribution_certificate.path,
            format!("credentials/ios/{name}-dist-cert.p12")
        );
        assert_eq!(
            creds.provisioning_profile_path,
            format!("credentials/ios/{name}-profile.mobileprovision")
        );
        let pass = format!("pass:{}", creds.distribution_certificate.password.expose());
        let p12 = duo.join(&creds.distribution_certificate.path);
        let certs = tools::run_ok(
            "openssl",
            &[
                "pkcs12",
                "-in",
                &p12.to_string_lossy(),
                "-passin",
                &pass,
                "-nokeys",
            ],
        )?;
        assert!(certs.contains("Apple Distribution: Acme Inc"), "{certs}");
    }
    assert_eq!(
        count(&server, email, CredentialKind::IosDistributionCertificate).await?,
        2,
        "the generated one and the uploaded one; the reuse stored nothing"
    );

    // Nothing secret left the browser in the clear, and nothing was kept in its storage.
    let storage = browser
        .client
        .execute(
            "return localStorage.length + sessionStorage.length;",
            vec![],
        )
        .await?;
    assert_eq!(storage.as_i64(), Some(0));
    let sent = std::fs::read_to_string(&log)?;
    assert!(sent.contains("/credentials"), "is the body log recording?");
    let key_line = with_key
        .lines()
        .skip_while(|l| !l.contains("BEGIN PRIVATE KEY"))
        .nth(5)
        .unwrap_or_default()
        .to_owned();
    let p8 = std::fs::read_to_string(apple_fixture("AuthKey_ABC123DEFG.p8"))?;
    let p8_line = p8.lines().nth(2).unwrap_or_default().to_owned();
    let p12_bytes = std::fs::read(&p12)?;
    let window = &p12_bytes[p12_bytes.len() / 2..p12_bytes.len() / 2 + 48];
    let secrets = [
        (
            "the .p12 password",
            ios.distribution_certificate.password.expose().to_owned(),
        ),
        ("the CSR's private key", key_line),
        ("the push key", p8_line),
        ("the .p12 (base64)", base64_std(window)),
        ("the .p12 (base64url)", {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(window)
        }),
    ];
    for (what, secret) in &secrets {
        assert!(secret.len() >= 16, "{what} is too short to search for");
        assert!(
            !sent.contains(secret.as_str()),
            "the browser sent {what} in the clear"
        );
    }

    browser.close().await?;
    server.stop().await
}
