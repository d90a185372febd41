//! `cargo xtask bench` (server part): a load generator on loopback against the real
//! `signet serve` binary (a release build, `SIGNET_BIN`), on SQLite and — when
//! `SIGNET_BENCH_POSTGRES_URL` names a database — on PostgreSQL, side by side.
//!
//! With 1,000 credentials in a team it measures: credential creates per second (16
//! concurrent writers, `synchronous=FULL`), metadata list latency at 32 concurrent clients,
//! payload GET throughput at 32 concurrent clients, and the server's peak RSS. Two references,
//! measured in the same run at 32 concurrent clients: `GET /api/health`, the HTTP stack alone
//! (it stopped reading the database with issue 14), and `GET /api/health/ready`, the HTTP
//! stack with one trivial database read — what `/api/health` was when issue 15 set the
//! payload goal of 0.5× the reference.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use signet_client::Api;
use signet_tests::{
    api::{fill_credentials, user},
    server::ServeProcess,
};
use tokio::sync::Mutex;

const CREDENTIALS: usize = 1000;
const CLIENTS: usize = 32;
const WINDOW: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
struct Load {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

impl Load {
    /// One line of the report: `label`, throughput, p50 and p99 latency, errors, `note`.
    fn line(&self, label: &str, note: &str) -> String {
        format!(
            "  {label:<34} {:>9.0} req/s      p50 {:.2} ms  p99 {:.2} ms  errors {}{note}",
            self.per_second(),
            self.percentile(0.5),
            self.percentile(0.99),
            self.errors
        )
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        let mut v = self.latencies.clone();
        v.sort();
        let i = ((v.len() as f64 * p).ceil() as usize).saturating_sub(1);
        v.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    }
}

/// `CLIENTS` tasks GET `url` in a loop for `WINDOW`.
async fn hammer(http: &reqwest::Client, url: &str, token: &str) -> Result<Load> {
    let results = Arc::new(Mutex::new(Load::default()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let http = http.clone();
        let url = url.to_owned();
        let token = token.to_owned();
        let results = results.clone();
        tasks.push(tokio::spawn(async move {
            let mut local = Vec::new();
            let mut errors = 0;
            while started.elapsed() < WINDOW {
                let t = Instant::now();
                match http.get(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        local.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            let mut all = results.lock().await;
            all.latencies.extend(local);
            all.errors += errors;
        }));
    }
    for t in tasks {
        t.await?;
    }
    let mut load = std::mem::take(&mut *results.lock().await);
    load.elapsed = started.elapsed();
    Ok(load)
}

/// The page size the list phase asks for: the API's default (100) unless
/// `SIGNET_BENCH_LIST_LIMIT` says otherwise.
fn list_limit() -> usize {
    std::env::var("SIGNET_BENCH_LIST_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

struct Report {
    backend: &'static str,
    creates_per_s: f64,
    health: Load,
    ready: Load,
    list: Load,
    payload: Load,
    rss_mb: f64,
}

async fn run(backend: &'static str, database_url: Option<&str>) -> Result<Report> {
    let dist = signet_tests::paths::dist()?;
    let data = tempfile::tempdir()?;
    let server = ServeProcess::start_with(data.path(), &dist, database_url)?;
    let api = Api::new(&server.url);
    let owner = user(&api, &format!("bench-{}", std::process::id())).await?;
    let (team, key) = owner.create_team("Bench").await?;
    // Creates: 16 writers share the 1,000 credentials.
    let owner = Arc::new(owner);
    let key = Arc::new(key);
    let started = Instant::now();
    let ids = fill_credentials(&owner, &team.id, &key, 0, CREDENTIALS, 16).await?;
    let creates_per_s = ids.len() as f64 / started.elapsed().as_secs_f64();

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()?;
    let token = owner.token.clone();
    let health = hammer(&http, &format!("{}/api/health", server.url), &token).await?;
    let ready = hammer(&http, &format!("{}/api/health/ready", server.url), &token).await?;
    let list = hammer(
        &http,
        &format!(
            "{}/api/teams/{}/credentials?limit={}",
            server.url,
            team.id,
            list_limit()
        ),
        &token,
    )
    .await?;
    let one = ids.first().context("no credential made")?;
    let payload = hammer(
        &http,
        &format!(
            "{}/api/teams/{}/credentials/{one}/payload",
            server.url, team.id
        ),
        &token,
    )
    .await?;
    let rss_mb = peak_rss_mb(server.pid());
    Ok(Report {
        backend,
        creates_per_s,
        health,
        ready,
        list,
        payload,
        rss_mb,
    })
}

fn print(r: &Report) {
    println!(
        "\n[{}] {CREDENTIALS} credentials, {CLIENTS} concurrent clients, {WINDOW:?} per phase",
        r.backend
    );
    println!(
        "  {:<34} {:>9.0} writes/s   (goal ≥ 300)",
        "credential create (16 writers)", r.creates_per_s
    );
    println!("{}", r.health.line("GET /api/health (reference)", ""));
    println!(
        "{}",
        r.ready
            .line("GET /api/health/ready (reference)", "  (one database read)")
    );
    println!(
        "{}",
        r.list.line(
            &format!("list metadata (page of {:>4})", list_limit()),
            "  (goal p99 < 20 ms)"
        )
    );
    println!(
        "{}",
        r.payload.line(
            "payload GET (audit-logged)",
            &format!(
                "  (goal ≥ 3,000/s; {:.2}× health, {:.2}× ready: goal ≥ 0.5× ready)",
                r.payload.per_second() / r.health.per_second(),
                r.payload.per_second() / r.ready.per_second()
            )
        )
    );
    println!(
        "  {:<34} {:>9.1} MB         (goal < 100)",
        "server peak RSS", r.rss_mb
    );
}

#[tokio::main]
async fn main() -> Result<()> {
    println!(
        "signet-server-bench: loopback load against the real `signet serve` ({})",
        signet_tests::paths::signet_bin()?.display()
    );
    let sqlite = run("sqlite", None).await?;
    print(&sqlite);
    if let Ok(url) = std::env::var("SIGNET_BENCH_POSTGRES_URL") {
        let pg = run("postgres", Some(&url)).await?;
        print(&pg);
    } else {
        println!(
            "\n[postgres] skipped: set SIGNET_BENCH_POSTGRES_URL (cargo xtask bench does when it can start one)"
        );
    }
    Ok(())
}
