//! `signet serve --tls-cert/--tls-key`, the real binary with certificates OpenSSL made: HTTPS
//! with HSTS; SIGHUP swaps the certificate while a connection made before stays open and
//! keeps answering, the next connections present the new one; an unusable file on reload
//! keeps the old certificate; a key that does not match the certificate stops the start with
//! a message naming both files. Without TLS, SIGHUP no longer stops the server.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::{Context, Result, ensure};
use signet_tests::{paths, server::ServeProcess, tools};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::{
    TlsConnector,
    client::TlsStream,
    rustls::{
        self, RootCertStore,
        pki_types::{CertificateDer, ServerName, pem::PemObject},
    },
};

/// A certificate for 127.0.0.1 and localhost issued by a CA of its own: `(ca.crt, leaf.crt,
/// leaf.key)`; a client trusting that CA accepts only this generation.
fn certificate(dir: &Path, name: &str) -> Result<(PathBuf, PathBuf, PathBuf)> {
    let p = |suffix: &str| dir.join(format!("{name}{suffix}"));
    let s = |path: &PathBuf| path.to_string_lossy().into_owned();
    let (ca, ca_key, csr, cert, key, ext) = (
        p("-ca.crt"),
        p("-ca.key"),
        p(".csr"),
        p(".crt"),
        p(".key"),
        p(".ext"),
    );
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    let (ca_s, ca_key_s) = (s(&ca), s(&ca_key));
    let subject = format!("/CN=Test CA {name}");
    args.extend([
        "-keyout", &ca_key_s, "-out", &ca_s, "-days", "2", "-subj", &subject,
    ]);
    tools::run_ok("openssl", &args)?;
    let mut args = vec!["req"];
    args.extend(ec);
    let (csr_s, key_s, cert_s, ext_s) = (s(&csr), s(&key), s(&cert), s(&ext));
    args.extend(["-keyout", &key_s, "-out", &csr_s, "-subj", "/CN=localhost"]);
    tools::run_ok("openssl", &args)?;
    std::fs::write(
        &ext,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )?;
    tools::run_ok(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &csr_s,
            "-CA",
            &ca_s,
            "-CAkey",
            &ca_key_s,
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &cert_s,
            "-extfile",
            &ext_s,
        ],
    )?;
    Ok((ca, cert, key))
}

/// A TLS client that trusts only `cert`.
fn connector(cert: &Path) -> Result<TlsConnector> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(cert)?)?;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

fn address(url: &str) -> Result<SocketAddr> {
    Ok(url
        .strip_prefix("https://")
        .context("not an https URL")?
        .parse()?)
}

async fn connect(url: &str, trusting: &Path) -> Result<TlsStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(address(url)?).await?;
    let name = ServerName::try_from("localhost")?.to_owned();
    Ok(connector(trusting)?.connect(name, tcp).await?)
}

/// One `GET /api/health` on an open connection (keep-alive); returns the response head.
async fn get_health(stream: &mut TlsStream<tokio::net::TcpStream>) -> Result<String> {
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await?;
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    // Read until the JSON body closes.
    while !response.ends_with(b"}") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await??;
        ensure!(n > 0, "the server closed the connection");
        response.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    ensure!(text.starts_with("HTTP/1.1 200"), "{text}");
    Ok(text)
}

/// Waits until a new connection trusting `cert` succeeds.
async fn wait_for_certificate(url: &str, cert: &Path) -> Result<()> {
    for _ in 0..200 {
        if let Ok(mut stream) = connect(url, cert).await
            && get_health(&mut stream).await.is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    anyhow::bail!("the server never presented {}", cert.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_hsts_and_sighup_swaps_the_certificate_without_dropping_connections()
-> Result<()> {
    let dir = tempfile::tempdir()?;
    let (old_ca, old_cert, old_key) = certificate(dir.path(), "old")?;
    let (new_ca, new_cert, new_key) = certificate(dir.path(), "new")?;
    let cert = dir.path().join("served.crt");
    let key = dir.path().join("served.key");
    std::fs::copy(&old_cert, &cert)?;
    std::fs::copy(&old_key, &key)?;
    let data = dir.path().join("data");
    let mut server = ServeProcess::start_args(
        &data,
        &paths::dist()?,
        &[
            "--tls-cert",
            &cert.to_string_lossy(),
            "--tls-key",
            &key.to_string_lossy(),
        ],
    )?;
    ensure!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    wait_for_certificate(&server.url, &old_ca).await?;

    // HTTPS, with HSTS.
    let mut before = connect(&server.url, &old_ca).await?;
    let head = get_health(&mut before).await?;
    ensure!(
        head.to_ascii_lowercase()
            .contains("strict-transport-security: max-age=63072000"),
        "{head}"
    );
    // A client that trusts only the next certificate is refused for now.
    ensure!(connect(&server.url, &new_ca).await.is_err());

    // Renewal: new files, SIGHUP.
    std::fs::copy(&new_cert, &cert)?;
    std::fs::copy(&new_key, &key)?;
    server.signal("HUP")?;
    wait_for_certificate(&server.url, &new_ca).await?;
    ensure!(
        connect(&server.url, &old_ca).await.is_err(),
        "new connections still get the old certificate"
    );
    // The connection made before the reload is still open and answers.
    get_health(&mut before).await?;

    // A broken file on reload keeps the certificate in use.
    std::fs::write(&cert, "not a certificate")?;
    server.signal("HUP")?;
    let log = wait_for_log(&server, "kept the TLS certificate in use").await?;
    ensure!(log.contains("served.crt"), "{log}");
    wait_for_certificate(&server.url, &new_ca).await?;
    server.signal("TERM")?;
    ensure!(server.wait_exit(Duration::from_secs(10))? == Some(0));

    // A key that is not the certificate's: no start, both files named.
    let out = std::process::Command::new(paths::signet_bin()?)
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--dist")
        .arg(paths::dist()?)
        .arg("--tls-cert")
        .arg(&new_cert)
        .arg("--tls-key")
        .arg(&old_key)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(!out.status.success(), "{stderr}");
    ensure!(
        stderr.contains("old.key") && stderr.contains("new.crt"),
        "{stderr}"
    );
    // --tls-cert needs --tls-key.
    let out = std::process::Command::new(paths::signet_bin()?)
        .args(["serve", "--tls-cert"])
        .arg(&new_cert)
        .output()?;
    ensure!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--tls-key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

async fn wait_for_log(server: &ServeProcess, needle: &str) -> Result<String> {
    for _ in 0..200 {
        let log = String::from_utf8_lossy(&server.log()?).into_owned();
        if log.contains(needle) {
            return Ok(log);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    anyhow::bail!(
        "the log never said {needle:?}:\n{}",
        String::from_utf8_lossy(&server.log()?)
    )
}

#[tokio::test]
async fn plain_http_has_no_hsts_and_survives_sighup() -> Result<()> {
    let data = tempfile::tempdir()?;
    let mut server = ServeProcess::start(data.path(), &paths::dist()?)?;
    server.health().await?;
    let response = reqwest::get(format!("{}/api/health", server.url)).await?;
    ensure!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
    server.signal("HUP")?;
    wait_for_log(&server, "nothing to reload").await?;
    server.health().await?;
    server.signal("TERM")?;
    ensure!(server.wait_exit(Duration::from_secs(10))? == Some(0));
    Ok(())
}
