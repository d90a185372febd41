//! `cargo xtask bench` (growth part): how a team's everyday operations scale as it grows to
//! 10,000 credentials and 1,000 members, against the real `signet serve` binary (a release
//! build, `SIGNET_BIN`) on SQLite, through the same client the CLI uses.
//!
//! The team grows in three steps — 100 credentials / 10 members, 1,000 / 100, 10,000 / 1,000
//! — and at each step it measures: listing every credential (all pages, as `signet pull`
//! and the dashboard do), one payload GET (p50 of 200, sequential), a team-key rotation (every
//! member's wrap and every credential's item key re-wrapped, one request), and an invitation
//! accepted by a new member (invite, accept: both verify the membership log). Each line also
//! prints the time per item, so a cliff (work growing faster than the team) shows as a ratio
//! far above 1× between steps.
//!
//! Members sign up and accept through a small forwarding proxy in this process that gives each
//! of them their own `X-Forwarded-For` address (the server trusts loopback as a proxy here), so
//! the per-address sign-up and invitation limits see a thousand people, not one machine. The
//! owner's list, payload and rotation go straight to the server; the newcomer's accept goes
//! through the proxy (one extra loopback hop).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use signet_client::Api;
use signet_core::wire::Role;
use signet_tests::{
    api::{fill_credentials, join, user},
    server::ServeProcess,
};

/// (credentials, members) at each step.
const STEPS: [(usize, usize); 3] = [(100, 10), (1_000, 100), (10_000, 1_000)];
/// Concurrent writers while the team grows (not measured).
const WRITERS: usize = 16;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// What one step measured.
struct Step {
    credentials: usize,
    members: usize,
    list: Duration,
    payload_p50: Duration,
    rotation: Duration,
    accept: Duration,
}

/// Where the proxy forwards to, and with what.
#[derive(Clone)]
struct Upstream {
    url: String,
    http: reqwest::Client,
}

/// `/u/{n}/…` → the server's `/…`, with `X-Forwarded-For` an address of person `n`'s own.
async fn forward(
    axum::extract::State(up): axum::extract::State<Upstream>,
    req: axum::extract::Request,
) -> Result<axum::response::Response, (axum::http::StatusCode, String)> {
    let bad = |e: String| (axum::http::StatusCode::BAD_GATEWAY, e);
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let rest = path.strip_prefix("/u/").ok_or_else(|| bad(path.into()))?;
    let (n, rest) = rest.split_once('/').ok_or_else(|| bad(path.into()))?;
    let n: u32 = n.parse().map_err(|_| bad(path.into()))?;
    let mut out = up
        .http
        .request(req.method().clone(), format!("{}/{rest}", up.url));
    for (name, value) in req.headers() {
        if name != axum::http::header::HOST {
            out = out.header(name, value);
        }
    }
    let ip = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .map_err(|e| bad(e.to_string()))?;
    let r = out
        .header("x-forwarded-for", ip)
        .body(body)
        .send()
        .await
        .map_err(|e| bad(e.to_string()))?;
    let mut back = axum::response::Response::builder().status(r.status());
    for (name, value) in r.headers() {
        back = back.header(name, value);
    }
    let bytes = r.bytes().await.map_err(|e| bad(e.to_string()))?;
    back.body(axum::body::Body::from(bytes))
        .map_err(|e| bad(e.to_string()))
}

/// Starts the proxy in front of `upstream`; returns its base URL (add `/u/{n}`).
async fn proxy(upstream: &str) -> Result<String> {
    let app = axum::Router::new().fallback(forward).with_state(Upstream {
        url: upstream.to_owned(),
        http: reqwest::Client::new(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

#[tokio::main]
async fn main() -> Result<()> {
    let dist = signet_tests::paths::dist()?;
    let data = tempfile::tempdir()?;
    let server = ServeProcess::start_args(data.path(), &dist, &["--trusted-proxies", "127.0.0.1"])?;
    let api = Api::new(&server.url);
    let proxied = proxy(&server.url).await?;
    let person = |n: usize| Api::new(&format!("{proxied}/u/{n}"));
    println!(
        "signet-growth-bench: one team growing to 10,000 credentials and 1,000 members, SQLite, \
         release `signet serve`"
    );
    let owner = Arc::new(user(&api, "growth-owner").await?);
    let (team, key) = owner.create_team("Growth").await?;
    let mut key = Arc::new(key);
    let (mut credentials, mut members) = (0, 1);
    let mut ids = Vec::new();
    let mut steps = Vec::new();
    for (want_credentials, want_members) in STEPS {
        let started = Instant::now();
        ids.extend(
            fill_credentials(
                &owner,
                &team.id,
                &key,
                credentials,
                want_credentials,
                WRITERS,
            )
            .await?,
        );
        credentials = want_credentials;
        let mut hundred = Instant::now();
        while members < want_members {
            let member = user(&person(members), &format!("growth-member-{members}")).await?;
            join(&owner, &team.id, &key, &member, Role::Developer).await?;
            members += 1;
            if members % 100 == 0 {
                eprintln!(
                    "  ({members} members: the last 100 joined in {:.1} s)",
                    hundred.elapsed().as_secs_f64()
                );
                hundred = Instant::now();
            }
        }
        eprintln!(
            "  (grew to {credentials} credentials, {members} members in {:.1} s)",
            started.elapsed().as_secs_f64()
        );

        let t = Instant::now();
        let listed = owner.credentials(&team.id, false).await?;
        let list = t.elapsed();
        anyhow::ensure!(listed.len() == credentials, "listed {}", listed.len());

        let one = ids.first().context("no credential")?;
        let mut reads = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            owner.read_credential(&team.id, &key, one).await?;
            reads.push(t.elapsed());
        }
        reads.sort();

        let t = Instant::now();
        key = Arc::new(owner.rotate_team_key(&team.id, &key).await?);
        let rotation = t.elapsed();

        let newcomer = user(&person(members), &format!("growth-newcomer-{members}")).await?;
        let t = Instant::now();
        join(&owner, &team.id, &key, &newcomer, Role::Viewer).await?;
        let accept = t.elapsed();
        members += 1;

        steps.push(Step {
            credentials,
            members: members - 1,
            list,
            payload_p50: reads[reads.len() / 2],
            rotation,
            accept,
        });
    }

    println!(
        "  {:>11} {:>8}  {:>22}  {:>12}  {:>22}  {:>18}",
        "credentials",
        "members",
        "list all (per 1k)",
        "payload p50",
        "rotation (per 1k cred)",
        "invite + accept"
    );
    for s in &steps {
        println!(
            "  {:>11} {:>8}  {:>10.1} ms ({:>6.1})  {:>9.2} ms  {:>10.1} ms ({:>7.1})  {:>15.1} ms",
            s.credentials,
            s.members,
            ms(s.list),
            ms(s.list) / (s.credentials as f64 / 1e3),
            ms(s.payload_p50),
            ms(s.rotation),
            ms(s.rotation) / (s.credentials as f64 / 1e3),
            ms(s.accept),
        );
    }
    // Growth between steps: each step is 10× the last; a ratio near 10× is linear, near 1×
    // constant, far above 10× a cliff.
    for w in steps.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        println!(
            "  {} → {} credentials: list ×{:.1}, payload ×{:.2}, rotation ×{:.1}, accept ×{:.1} \
             (the team is ×10)",
            a.credentials,
            b.credentials,
            ms(b.list) / ms(a.list),
            ms(b.payload_p50) / ms(a.payload_p50),
            ms(b.rotation) / ms(a.rotation),
            ms(b.accept) / ms(a.accept),
        );
    }
    drop(server);
    Ok(())
}
