//! `signet serve --metrics-bind`: Prometheus metrics on their own listener (never on the
//! main port), requests counted by route *template* and status, a latency histogram, the
//! database pools, alert deliveries, the start time; and no email address, session token,
//! cookie, team id, credential id or webhook address anywhere in them.

use std::{collections::BTreeSet, time::Duration};

use anyhow::{Context, Result, ensure};
use serde_json::json;
use signet_client::{Api, Session, credential::NewCredential, team::new_id};
use signet_core::wire::{
    alert::{CreatedDestination, DeliveryInfo, DeliveryStatus},
    credential::CredentialKind,
};
use signet_tests::{
    api::{Loopback, PASSWORD, RawAuth, RawBody, auth_key_of, raw, user},
    paths,
    server::ServeProcess,
    webhook::WebhookReceiver,
};

/// One sample line: its metric name, labels and value.
type Sample = (String, Vec<(String, String)>, f64);

/// The samples of a scrape, checking every line is well formed.
fn samples(text: &str) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').context(line.to_owned())?;
        let value: f64 = value.parse().with_context(|| format!("value in {line}"))?;
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (
                name,
                rest.strip_suffix('}')
                    .with_context(|| format!("labels in {line}"))?,
            ),
            None => (series, ""),
        };
        ensure!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "metric name in {line}"
        );
        let mut parsed = Vec::new();
        // Our label values never contain `",` (route templates, numbers, fixed names).
        for pair in labels.split("\",").filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once("=\"")
                .with_context(|| format!("label in {line}"))?;
            parsed.push((key.to_owned(), value.trim_end_matches('"').to_owned()));
        }
        out.push((name.to_owned(), parsed, value));
    }
    Ok(out)
}

/// The value of the sample `name` with exactly `labels`.
fn value(all: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    all.iter()
        .find(|(n, l, _)| {
            n == name
                && l.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|(_, _, v)| *v)
}

#[tokio::test]
async fn metrics_are_on_their_own_port_by_route_template_without_ids_emails_or_tokens() -> Result<()>
{
    let dist = paths::dist()?;
    let data = tempfile::tempdir()?;
    let hooks = WebhookReceiver::start().await?;
    hooks.answer("failing", &[500]);
    let mut server = ServeProcess::start_args(
        data.path(),
        &dist,
        &[
            "--metrics-bind",
            "127.0.0.1:0",
            // The webhook receiver is on loopback.
            "--alert-allow-private-targets",
        ],
    )?;
    server.health().await?;
    let metrics_url = server
        .metrics_url
        .clone()
        .context("no metrics URL printed")?;
    ensure!(
        metrics_url.starts_with("http://127.0.0.1:")
            && metrics_url.ends_with("/metrics")
            && !metrics_url.starts_with(&format!("{}/", server.url)),
        "{metrics_url} vs {}",
        server.url
    );

    // Sign up, sign in (CLI and browser), a team, a credential, a few reads.
    let api = Api::new(&server.url);
    let email = "metrics-owner@example.test";
    let owner = user(&api, "metrics-owner").await?;
    let again = Session::login(&api, email, PASSWORD, true).await?;
    let key_proof = auth_key_of(&api, email).await?;
    let mut ips = Loopback::default();
    let browser = raw(
        &server.url,
        ips.fresh(),
        "POST",
        "/api/auth/login",
        &RawAuth::None,
        true,
        RawBody::Json(json!({"email": email, "auth_key": key_proof, "client": "browser"})),
    )
    .await?;
    ensure!(
        browser.status == 200,
        "{} {}",
        browser.status,
        browser.text()
    );
    let cookie = browser
        .headers
        .get("set-cookie")
        .context("no cookie")?
        .to_str()?
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_owned())
        .context("cookie value")?;
    ensure!(cookie.len() > 20);
    let teams = raw(
        &server.url,
        ips.fresh(),
        "GET",
        "/api/teams",
        &RawAuth::Cookie(cookie.clone()),
        false,
        RawBody::None,
    )
    .await?;
    ensure!(teams.status == 200, "{} {}", teams.status, teams.text());
    let (team, key) = owner.create_team("Metrics Inc").await?;
    let credential = owner
        .create_credential(
            &team.id,
            &key,
            &NewCredential {
                kind: CredentialKind::AndroidKeystore,
                label: "Upload key",
                metadata: json!({}),
                payload: b"keystore",
            },
        )
        .await?;
    let bearer = RawAuth::Bearer(owner.token.clone());
    let read = raw(
        &server.url,
        ips.fresh(),
        "GET",
        &format!("/api/teams/{}/credentials/{}", team.id, credential.id),
        &bearer,
        false,
        RawBody::None,
    )
    .await?;
    ensure!(read.status == 200, "{} {}", read.status, read.text());
    let unknown = new_id()?;
    let missing = raw(
        &server.url,
        ips.fresh(),
        "GET",
        &format!("/api/teams/{}/credentials/{unknown}", team.id),
        &bearer,
        false,
        RawBody::None,
    )
    .await?;
    ensure!(missing.status == 404, "{}", missing.status);
    let nowhere = raw(
        &server.url,
        ips.fresh(),
        "GET",
        &format!("/api/no-such-route/{unknown}"),
        &RawAuth::None,
        false,
        RawBody::None,
    )
    .await?;
    ensure!(nowhere.status == 404, "{}", nowhere.status);
    // The main port's /metrics is the dashboard (its client-side fallback), not metrics.
    let main_metrics = reqwest::get(format!("{}/metrics", server.url)).await?;
    ensure!(main_metrics.status() == 200);
    let page = main_metrics.text().await?;
    ensure!(
        page.contains("<html") && !page.contains("signet_http_requests_total"),
        "{page}"
    );

    // Alert deliveries: one accepted, one refused by its receiver.
    let mut hook_urls = Vec::new();
    for (name, want) in [
        ("accepting", DeliveryStatus::Sent),
        ("failing", DeliveryStatus::Failed),
    ] {
        let url = hooks.endpoint(name);
        let created: CreatedDestination = owner
            .api
            .post(
                &format!("/teams/{}/alerts/destinations", team.id),
                &json!({"kind": "webhook", "target": url, "label": name}),
            )
            .await?;
        let tested: DeliveryInfo = owner
            .api
            .post(
                &format!(
                    "/teams/{}/alerts/destinations/{}/test",
                    team.id, created.destination.id
                ),
                &json!({}),
            )
            .await?;
        ensure!(tested.status == want, "{name}: {tested:?}");
        hook_urls.push(url);
    }

    // Scrape.
    let response = reqwest::get(&metrics_url).await?;
    ensure!(response.status() == 200);
    let content_type = response
        .headers()
        .get("content-type")
        .context("no content type")?
        .to_str()?
        .to_owned();
    ensure!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await?;
    let all = samples(&text)?;
    let requests = "signet_http_requests_total";
    let at_least = |name: &str, labels: &[(&str, &str)], min: f64| -> Result<()> {
        let v = value(&all, name, labels)
            .with_context(|| format!("no {name} {labels:?} in\n{text}"))?;
        ensure!(v >= min, "{name} {labels:?} = {v}, want ≥ {min}");
        Ok(())
    };
    at_least(
        requests,
        &[
            ("method", "POST"),
            ("route", "/api/auth/register"),
            ("status", "201"),
        ],
        1.0,
    )?;
    at_least(
        requests,
        &[
            ("method", "POST"),
            ("route", "/api/auth/login"),
            ("status", "200"),
        ],
        2.0,
    )?;
    at_least(
        requests,
        &[
            ("method", "GET"),
            ("route", "/api/teams"),
            ("status", "200"),
        ],
        1.0,
    )?;
    let credential_route = "/api/teams/{team}/credentials/{credential}";
    for status in ["200", "404"] {
        at_least(
            requests,
            &[
                ("method", "GET"),
                ("route", credential_route),
                ("status", status),
            ],
            1.0,
        )?;
    }
    at_least(
        requests,
        &[("method", "GET"), ("route", "unmatched"), ("status", "404")],
        1.0,
    )?;
    at_least(
        requests,
        &[("method", "GET"), ("route", "dashboard"), ("status", "200")],
        1.0,
    )?;
    // The latency histogram: cumulative buckets up to +Inf = the count.
    let histogram = "signet_http_request_duration_seconds";
    ensure!(text.contains(&format!("# TYPE {histogram} histogram\n")));
    let register = [("method", "POST"), ("route", "/api/auth/register")];
    let mut previous = 0.0;
    for le in [
        "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
    ] {
        let mut labels = register.to_vec();
        labels.push(("le", le));
        let n = value(&all, &format!("{histogram}_bucket"), &labels)
            .with_context(|| format!("no bucket le={le}"))?;
        ensure!(
            n >= previous,
            "buckets must be cumulative: le={le} {n} < {previous}"
        );
        previous = n;
    }
    ensure!(value(&all, &format!("{histogram}_count"), &register) == Some(previous));
    ensure!(value(&all, &format!("{histogram}_sum"), &register).is_some_and(|s| s > 0.0));
    // The pools (SQLite: a read pool and the one-connection write pool).
    for pool in ["read", "write"] {
        at_least("signet_db_pool_connections", &[("pool", pool)], 1.0)?;
        at_least("signet_db_pool_idle_connections", &[("pool", pool)], 0.0)?;
        at_least("signet_db_pool_max_connections", &[("pool", pool)], 1.0)?;
    }
    ensure!(value(&all, "signet_db_pool_max_connections", &[("pool", "write")]) == Some(1.0));
    // Alert deliveries.
    let deliveries = "signet_alert_deliveries_total";
    ensure!(
        value(&all, deliveries, &[("result", "sent")]) == Some(1.0),
        "{text}"
    );
    ensure!(
        value(&all, deliveries, &[("result", "failed")]) == Some(1.0),
        "{text}"
    );
    // When the server started, and for how long it has run.
    let started = value(&all, "process_start_time_seconds", &[]).context("start time")?;
    let now = signet_server::store::now() as f64;
    ensure!(started <= now + 1.0 && started > now - 600.0, "{started}");
    ensure!(value(&all, "signet_uptime_seconds", &[]).is_some_and(|u| u > 0.0));

    // Labels: only these names, and every route a template or a fixed name.
    let allowed: BTreeSet<&str> = [
        "method", "route", "status", "le", "pool", "result", "version",
    ]
    .into_iter()
    .collect();
    for (name, labels, _) in &all {
        for (k, v) in labels {
            ensure!(allowed.contains(k.as_str()), "label {k} on {name}");
            if k == "route" {
                ensure!(
                    v == "unmatched"
                        || v == "dashboard"
                        || (v.starts_with("/api") && !v.chars().any(|c| c.is_ascii_digit())),
                    "route label {v:?} is not a template"
                );
            }
        }
    }
    // Nothing that identifies anyone or anything.
    for (what, secret) in [
        ("the email address", email.to_owned()),
        ("the email's user part", "metrics-owner".to_owned()),
        ("the CLI session token", owner.token.clone()),
        ("the second session token", again.token.clone()),
        ("the session cookie", cookie.clone()),
        ("the user id", owner.user.id.clone()),
        ("the team id", team.id.clone()),
        ("the credential id", credential.id.clone()),
        ("the unknown id asked for", unknown.clone()),
        ("the login proof", key_proof.clone()),
        ("the webhook URL", hook_urls[0].clone()),
        ("the webhook receiver", hooks.endpoint("")),
    ] {
        ensure!(!text.contains(&secret), "{what} is in the metrics:\n{text}");
    }

    // The metrics listener serves nothing else.
    let base = metrics_url.trim_end_matches("/metrics");
    let health = reqwest::get(format!("{base}/api/health")).await?;
    ensure!(health.status() == 404, "{}", health.status());

    // Both listeners stop together.
    server.signal("TERM")?;
    ensure!(server.wait_exit(Duration::from_secs(10))? == Some(0));
    ensure!(
        reqwest::get(&metrics_url).await.is_err(),
        "the metrics listener outlived the server"
    );
    Ok(())
}

#[test]
fn a_bad_metrics_address_is_named() -> Result<()> {
    let data = tempfile::tempdir()?;
    let out = std::process::Command::new(paths::signet_bin()?)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--metrics-bind",
            "nowhere:99",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .arg("--dist")
        .arg(paths::dist()?)
        .output()?;
    ensure!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(
        stderr.contains("nowhere:99") && stderr.contains("--metrics-bind"),
        "{stderr}"
    );
    Ok(())
}
