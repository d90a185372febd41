//! The real `signet serve` binary: flags, the missing-dashboard message, graceful shutdown.

use std::{process::Command, time::Duration};

use signet_core::wire::Health;
use signet_tests::{paths, server::ServeProcess};

#[tokio::test]
async fn signet_serve_answers_and_stops_cleanly_on_sigterm_and_sigint() -> anyhow::Result<()> {
    let dist = paths::dist()?;
    for signal in ["TERM", "INT"] {
        let data = tempfile::tempdir()?;
        let mut server = ServeProcess::start(data.path(), &dist)?;
        let health: Health = reqwest::get(format!("{}/api/health", server.url))
            .await?
            .json()
            .await?;
        assert_eq!(health.database, "sqlite");
        assert!(data.path().join("signet.db").is_file());
        server.signal(signal)?;
        let code = server.wait_exit(Duration::from_secs(10))?;
        assert_eq!(code, Some(0), "SIG{signal} should be a clean shutdown");
    }
    Ok(())
}

#[test]
fn signet_serve_without_a_dashboard_tells_you_to_run_cargo_xtask_run() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let out = Command::new(paths::signet_bin()?)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data.path())
        .arg("--dist")
        .arg(data.path().join("no-dist"))
        .output()?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cargo xtask run"), "{stderr}");
    Ok(())
}

#[test]
fn signet_serve_reads_its_settings_from_the_environment() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    // A bad bind address from SIGNET_BIND must be reported as such.
    let out = Command::new(paths::signet_bin()?)
        .arg("serve")
        .env("SIGNET_BIND", "not-an-address")
        .env("SIGNET_DATA_DIR", data.path())
        .env("SIGNET_DIST", paths::dist()?)
        .output()?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not-an-address"), "{stderr}");
    Ok(())
}
