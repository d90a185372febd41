//! `signet serve --trusted-proxies`: the client's address behind a reverse proxy. Without
//! trusted proxies `X-Forwarded-For` is ignored, so a client cannot dodge the sign-in rate
//! limit (30 attempts per IP per minute, server/src/routes/auth.rs) by sending a new address
//! each time. With the proxy's address trusted, the forwarded client decides the bucket and
//! is what the audit log records; a spoofed leftmost entry changes nothing. A bad entry in
//! the flag stops the server with a message naming it.

use std::{net::IpAddr, time::Duration};

use anyhow::{Context, Result, ensure};
use serde_json::json;
use signet_client::Api;
use signet_tests::{
    api::{RawAuth, RawBody, RawResponse, auth_key_of, raw, user},
    paths,
    server::ServeProcess,
};

/// `IP_LIMIT` in server/src/routes/auth.rs: sign-in attempts per client IP per 60 s.
const IP_LIMIT: usize = 30;

/// 16 zero bytes as base64url: a wrong login proof.
const WRONG: &str = "AAAAAAAAAAAAAAAAAAAAAA";

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// A sign-in attempt from the TCP peer `from`, with `X-Forwarded-For: forwarded` when given.
async fn login(
    url: &str,
    from: IpAddr,
    forwarded: Option<&str>,
    email: &str,
    key: &str,
) -> Result<RawResponse> {
    let auth = match forwarded {
        Some(value) => RawAuth::Header("x-forwarded-for", value.as_bytes().to_vec()),
        None => RawAuth::None,
    };
    raw(
        url,
        from,
        "POST",
        "/api/auth/login",
        &auth,
        true,
        RawBody::Json(json!({"email": email, "auth_key": key, "client": "cli"})),
    )
    .await
}

/// A wrong password for a fresh unknown account (so only the per-IP limit can refuse it).
async fn wrong(url: &str, from: IpAddr, forwarded: Option<&str>, n: usize) -> Result<u16> {
    let email = format!("nobody{n}@example.test");
    Ok(login(url, from, forwarded, &email, WRONG).await?.status)
}

/// A cheap random number (no RNG crate): the clock's nanoseconds, stirred.
fn random(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[tokio::test]
async fn without_trusted_proxies_a_new_forwarded_address_each_time_is_still_rate_limited()
-> Result<()> {
    let dist = paths::dist()?;
    let data = tempfile::tempdir()?;
    let mut server = ServeProcess::start(data.path(), &dist)?;
    server.health().await?;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos() as u64
        | 1;
    let mut spoofed = || {
        let r = random(&mut seed);
        format!(
            "{}.{}.{}.{}",
            r % 223 + 1,
            (r >> 8) % 256,
            (r >> 16) % 256,
            (r >> 24) % 254 + 1
        )
    };
    for n in 1..=IP_LIMIT {
        let status = wrong(&server.url, LOOPBACK, Some(&spoofed()), n).await?;
        ensure!(status == 401, "attempt {n}: {status}");
    }
    let status = wrong(&server.url, LOOPBACK, Some(&spoofed()), 0).await?;
    ensure!(
        status == 429,
        "a spoofed X-Forwarded-For got past the per-IP limit: {status}"
    );
    server.signal("TERM")?;
    ensure!(server.wait_exit(Duration::from_secs(10))? == Some(0));
    Ok(())
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_decides_the_bucket_and_the_audit_ip()
-> Result<()> {
    let dist = paths::dist()?;
    let data = tempfile::tempdir()?;
    let mut server =
        ServeProcess::start_args(data.path(), &dist, &["--trusted-proxies", "127.0.0.1"])?;
    server.health().await?;
    let url = server.url.clone();
    let (alice, bob) = ("203.0.113.7", "203.0.113.8");

    // Alice (through the proxy) uses up her attempts; then she waits.
    for n in 1..=IP_LIMIT {
        let status = wrong(&url, LOOPBACK, Some(alice), n).await?;
        ensure!(status == 401, "alice's attempt {n}: {status}");
    }
    ensure!(wrong(&url, LOOPBACK, Some(alice), 100).await? == 429);
    // Prepending a made-up address does not make her someone else: the rightmost address the
    // proxy did not vouch for is still hers.
    let spoofed = format!("198.51.100.9, {alice}");
    ensure!(wrong(&url, LOOPBACK, Some(&spoofed), 101).await? == 429);
    let spoofed = format!("10.0.0.1, 198.51.100.9, {alice}");
    ensure!(wrong(&url, LOOPBACK, Some(&spoofed), 102).await? == 429);
    // Bob, through the same proxy, has his own bucket.
    ensure!(wrong(&url, LOOPBACK, Some(bob), 103).await? == 401);
    // A peer that is not a trusted proxy is itself the client, whatever it forwards: naming
    // alice (limited) or bob does not put it in their buckets.
    let untrusted: IpAddr = "127.0.0.2".parse()?;
    ensure!(wrong(&url, untrusted, Some(alice), 104).await? == 401);
    // The proxy's own address (no header) is yet another bucket.
    ensure!(wrong(&url, LOOPBACK, None, 105).await? == 401);

    // The audit log records the forwarded address of a sign-in.
    let api = Api::new(&url);
    user(&api, "proxied").await?;
    let key = auth_key_of(&api, "proxied@example.test").await?;
    let carol = "2001:db8::42";
    let signed_in = login(
        &url,
        LOOPBACK,
        Some(&format!("198.51.100.9, {carol}")),
        "proxied@example.test",
        &key,
    )
    .await?;
    ensure!(
        signed_in.status == 200,
        "{} {}",
        signed_in.status,
        signed_in.text()
    );
    server.signal("TERM")?;
    ensure!(server.wait_exit(Duration::from_secs(10))? == Some(0));
    let ips = audit_ips(&data.path().join("signet.db")).await?;
    ensure!(
        ips.first().map(String::as_str) == Some(carol),
        "the latest sign-in should be recorded from {carol}: {ips:?}"
    );
    ensure!(
        !ips.iter().any(|ip| ip == "198.51.100.9"),
        "the spoofed entry was recorded: {ips:?}"
    );
    Ok(())
}

/// The `ip` of every `user.signed_in` audit entry, newest first.
async fn audit_ips(db: &std::path::Path) -> Result<Vec<String>> {
    use sqlx::{ConnectOptions, Connection, sqlite::SqliteConnectOptions};
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .connect()
        .await
        .with_context(|| format!("cannot open {}", db.display()))?;
    let ips: Vec<String> = sqlx::query_scalar(
        "SELECT ip FROM audit_log WHERE action = 'user.signed_in' ORDER BY id DESC",
    )
    .fetch_all(&mut conn)
    .await?;
    conn.close().await?;
    Ok(ips)
}

#[test]
fn a_bad_trusted_proxy_entry_stops_the_server_and_is_named() -> Result<()> {
    let data = tempfile::tempdir()?;
    for (list, entry) in [
        ("127.0.0.1,proxy.internal", "proxy.internal"),
        ("10.0.0.0/40", "10.0.0.0/40"),
    ] {
        let out = std::process::Command::new(paths::signet_bin()?)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data.path())
            .arg("--dist")
            .arg(paths::dist()?)
            .env("SIGNET_TRUSTED_PROXIES", list)
            .output()?;
        ensure!(!out.status.success(), "{list} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        ensure!(
            stderr.contains(&format!("\"{entry}\"")) && stderr.contains("CIDR"),
            "{stderr}"
        );
    }
    Ok(())
}
