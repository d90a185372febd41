//! The server's basics over real HTTP: health, JSON errors, security headers, the dashboard
//! fallback, SQLite on disk, graceful shutdown, and the missing-dashboard error.

use signet_core::wire::{ErrorBody, Health};
use signet_server::ServerConfig;
use signet_tests::server::TestServer;

#[tokio::test]
async fn health_reports_version_and_sqlite_backend() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let response = reqwest::get(format!("{}/api/health", server.url)).await?;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "API answers must never be cached"
    );
    let health: Health = response.json().await?;
    assert_eq!(health.status, "ok");
    assert_eq!(health.version, signet_server::VERSION);
    assert_eq!(health.database, "sqlite");
    server.stop().await
}

#[tokio::test]
async fn unknown_api_routes_get_a_json_404_not_the_dashboard() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let response = reqwest::get(format!("{}/api/no/such/route", server.url)).await?;
    assert_eq!(response.status(), 404);
    let body: ErrorBody = response.json().await?;
    assert_eq!(body.error.code, "not_found");
    assert!(!body.error.message.is_empty());
    server.stop().await
}

#[tokio::test]
async fn dashboard_routes_fall_back_to_index_html_with_a_strict_csp() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    for path in ["/", "/teams", "/apps/some/deep/link"] {
        let response = reqwest::get(format!("{}{path}", server.url)).await?;
        assert_eq!(response.status(), 200, "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()?
            .to_owned();
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(!csp.contains("'unsafe-inline'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let html = response.text().await?;
        assert!(html.contains("/boot.js"), "{path} did not serve index.html");
    }
    server.stop().await
}

#[tokio::test]
async fn wasm_is_served_brotli_or_gzipped_with_the_right_type() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{}/app_bg.wasm", server.url))
        .header("accept-encoding", "gzip")
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/wasm");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    // A browser that takes brotli gets the smaller brotli sibling, byte for byte.
    let response = client
        .get(format!("{}/app_bg.wasm", server.url))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await?;
    assert_eq!(response.headers()["content-encoding"], "br");
    let br = response.bytes().await?;
    let on_disk = std::fs::read(signet_tests::paths::dist()?.join("app_bg.wasm.br"))?;
    assert!(
        br == on_disk,
        "the brotli answer is not dist/app_bg.wasm.br"
    );
    let gz = std::fs::read(signet_tests::paths::dist()?.join("app_bg.wasm.gz"))?;
    assert!(
        br.len() < gz.len(),
        "brotli {} ≥ gzip {}",
        br.len(),
        gz.len()
    );
    server.stop().await
}

#[tokio::test]
async fn the_database_is_a_sqlite_file_in_wal_mode_under_the_data_dir() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let db = server.data_dir.path().join("signet.db");
    let header = std::fs::read(&db)?;
    assert!(
        header.starts_with(b"SQLite format 3\0"),
        "not a SQLite file"
    );
    // Byte 18/19 of the header are 2/2 in WAL mode.
    assert_eq!((header[18], header[19]), (2, 2), "journal mode is not WAL");
    server.stop().await
}

#[tokio::test]
async fn a_restarted_server_reopens_the_same_database() -> anyhow::Result<()> {
    let dist = signet_tests::paths::dist()?;
    let data = tempfile::tempdir()?;
    let config = || ServerConfig::new(data.path().to_path_buf(), dist.clone(), None);
    let db = data.path().join("signet.db");
    for round in 0..2 {
        // The second start opens the file the first one created: re-running a migration
        // would fail there (its table already exists), so starting proves the ledger works.
        assert_eq!(db.is_file(), round == 1, "round {round}: database file");
        let keep = tempfile::tempdir()?;
        let server = TestServer::start_with(config(), keep).await?;
        let health: Health = reqwest::get(format!("{}/api/health", server.url))
            .await?
            .json()
            .await?;
        assert_eq!(health.status, "ok");
        server.stop().await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_missing_dashboard_is_a_clear_error_naming_the_fix() -> anyhow::Result<()> {
    let empty = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let config = ServerConfig::new(empty.path().join("data"), empty.path().join("dist"), None);
    let error = signet_server::serve(config, listener, async {})
        .await
        .expect_err("a server without a dashboard must not start");
    let message = error.to_string();
    assert!(message.contains("cargo xtask run"), "{message}");
    assert!(message.contains("dist"), "{message}");
    Ok(())
}

#[tokio::test]
async fn an_unsupported_database_url_is_refused_without_echoing_its_password() -> anyhow::Result<()>
{
    let data = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let config = ServerConfig::new(
        data.path().to_path_buf(),
        signet_tests::paths::dist()?,
        Some("mysql://root:hunter2@db/signet".into()),
    );
    let error = signet_server::serve(config, listener, async {})
        .await
        .expect_err("mysql is not supported");
    let message = error.to_string();
    assert!(message.contains("postgres://"), "{message}");
    assert!(
        !message.contains("hunter2"),
        "the password leaked: {message}"
    );
    Ok(())
}
