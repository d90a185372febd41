//! The dashboard in headless Chromium against the real server.

use signet_tests::{browser::Browser, server::TestServer, tools};

/// A person opens the dashboard, sees which server version they talk to, and checks their
/// browser can make an RSA-2048 key and a CSR; OpenSSL must accept the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_server_version_and_makes_a_csr_openssl_verifies() -> anyhow::Result<()> {
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

    browser.wait_for("#generate-csr", 10).await?.click().await?;
    let pem = browser
        .wait_for_text("#csr-pem", "-----END CERTIFICATE REQUEST-----", 90)
        .await?;
    assert!(
        pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
        "{pem}"
    );
    let screenshot = browser.screenshot("dashboard-home").await?;
    assert!(std::fs::metadata(&screenshot)?.len() > 10_000);

    let dir = tempfile::tempdir()?;
    let text = tools::openssl_verify_csr(&pem, dir.path())?;
    assert!(
        text.contains("CN=Signet browser check") || text.contains("CN = Signet browser check"),
        "{text}"
    );
    assert!(text.contains("2048 bit"), "{text}");

    browser.close().await?;
    server.stop().await
}

/// Every navigation entry leads to a page, and unknown paths show a friendly 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigation_reaches_every_section_and_unknown_pages_say_so() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let browser = Browser::start().await?;
    for (path, heading) in [
        ("/teams", "Teams"),
        ("/apps", "Apps"),
        ("/credentials", "Credentials"),
        ("/members", "Members"),
        ("/audit", "Audit log"),
        ("/nowhere", "Page not found"),
    ] {
        browser
            .client
            .goto(&format!("{}{path}", server.url))
            .await?;
        browser.wait_for_text("main h1", heading, 30).await?;
    }
    browser.close().await?;
    server.stop().await
}
