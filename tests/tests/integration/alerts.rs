//! Alerts (issue 13 §1), end to end with real receivers: a webhook receiver on loopback that
//! checks each generic webhook's HMAC signature, and a real SMTP server (aiosmtpd) that
//! requires STARTTLS and a password. The server's clock is moved forward instead of waiting:
//! a profile pushed with 40 days left raises 30, 14, 7, 1 and "expired", each once per
//! destination; a receiver that answers 500 gets the alert once after the backoff; two
//! replicas on one PostgreSQL send each alert once.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use signet_client::{Api, Session};
use signet_core::{
    credential::{Payload, SecretText},
    wire::{
        Role,
        alert::{AlertsOverview, CreatedDestination, DeliveryInfo, DeliveryStatus},
        app::{AppRequest, AssignRequest, IosTarget, Platform},
    },
};
use signet_server::{
    ServerConfig,
    config::{AlertSettings, Clock, SmtpSettings},
};
use signet_tests::{
    cli::{account, text, with_team},
    paths, postgres,
    server::TestServer,
    smtp::SmtpServer,
    webhook::WebhookReceiver,
};

use crate::cli_doctor::Bundle;

const DAY: i64 = 86_400;
const PUBLIC_URL: &str = "https://signet.example.test";

/// A server whose alert task looks every 100 ms, on `clock`, mailing through `smtp`.
async fn alerting_server(
    database_url: Option<&str>,
    clock: &Clock,
    smtp: Option<&SmtpServer>,
) -> Result<TestServer> {
    let data = tempfile::tempdir()?;
    let mut config = ServerConfig::new(
        data.path().to_path_buf(),
        paths::dist()?,
        database_url.map(str::to_owned),
    );
    config.clock = clock.clone();
    config.alerts = AlertSettings {
        smtp: smtp.map(|s| SmtpSettings {
            url: s.url(),
            from: "Signet Alerts <alerts@signet.example.test>".into(),
            ca_pem: Some(s.ca_pem.clone()),
        }),
        public_url: Some(PUBLIC_URL.into()),
        interval: Duration::from_millis(100),
        // The receivers are on loopback.
        allow_private_targets: true,
    };
    TestServer::start_with(signet_tests::server::open_signups(config), data).await
}

async fn add_destination(
    owner: &Session,
    team: &str,
    kind: &str,
    target: &str,
    label: &str,
) -> Result<CreatedDestination, signet_client::ClientError> {
    owner
        .api
        .post(
            &format!("/teams/{team}/alerts/destinations"),
            &json!({"kind": kind, "target": target, "label": label}),
        )
        .await
}

async fn overview(owner: &Session, team: &str) -> Result<AlertsOverview> {
    Ok(owner.api.get(&format!("/teams/{team}/alerts")).await?)
}

/// Lets the alert task run a few more times (to show nothing more arrives).
async fn a_few_ticks() {
    tokio::time::sleep(Duration::from_millis(600)).await;
}

fn credential_alerts(hooks: &WebhookReceiver, name: &str) -> Vec<Value> {
    hooks
        .accepted(name)
        .into_iter()
        .filter(|r| r.event.starts_with("credential."))
        .map(|r| r.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_profile_raises_each_expiry_alert_once_by_signed_webhook_slack_discord_and_email()
-> Result<()> {
    let smtp = SmtpServer::start("alerts", "relay password")?;
    let hooks = WebhookReceiver::start().await?;
    let clock = Clock::system();
    let server = alerting_server(None, &clock, Some(&smtp)).await?;
    // A team whose app gets a profile with 40 days left, pushed with the CLI.
    let (owner, cli) = with_team(&server.url, "owner", "Acme Mobile").await?;
    cli.create_app("Acme App", "com.acme.app", &["com.acme.app"])
        .await?;
    let bundle = tokio::task::spawn_blocking(|| Bundle::new(10_000, 40)).await??;
    cli.ok(&[
        "push",
        &text(&bundle.path("credentials.json")),
        "--app",
        "Acme App",
    ])
    .await?;
    let team = owner.teams().await?.into_iter().next().context("team")?.id;
    let profile = owner
        .api
        .credentials(&team, false)
        .await?
        .into_iter()
        .find(|c| c.kind == signet_core::wire::credential::CredentialKind::IosProvisioningProfile)
        .context("the pushed profile")?;
    let profile_meta: Value = serde_json::from_str(&profile.metadata)?;
    let uuid = profile_meta["uuid"].as_str().context("uuid")?.to_owned();

    // Four destinations; the generic webhook's secret is shown once.
    let generic = add_destination(
        &owner,
        &team,
        "webhook",
        &hooks.endpoint("generic"),
        "Release bot",
    )
    .await?;
    let secret = generic.secret.clone().context("a webhook gets a secret")?;
    ensure!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    hooks.expect_secret("generic", &secret);
    let slack =
        add_destination(&owner, &team, "slack", &hooks.endpoint("slack"), "#mobile").await?;
    ensure!(slack.secret.is_none());
    // Slack and Discord URLs are bearer secrets: listed only up to the host.
    ensure!(
        !slack.destination.target.contains("/slack"),
        "{:?}",
        slack.destination
    );
    add_destination(&owner, &team, "discord", &hooks.endpoint("discord"), "").await?;
    add_destination(&owner, &team, "email", "ops@acme.example", "Ops").await?;
    let listed = overview(&owner, &team).await?;
    ensure!(listed.email_available && listed.destinations.len() == 4);
    // Listed in the order they were added, though all four were added within one second.
    let kinds: Vec<_> = listed
        .destinations
        .iter()
        .map(|d| d.kind.as_str())
        .collect();
    ensure!(
        kinds == ["webhook", "slack", "discord", "email"],
        "{kinds:?}"
    );
    ensure!(
        !serde_json::to_string(&listed)?.contains(&secret),
        "the secret is shown only once"
    );

    // "Send test alert": delivered now, the result in the answer.
    let tested: DeliveryInfo = owner
        .api
        .post(
            &format!(
                "/teams/{team}/alerts/destinations/{}/test",
                generic.destination.id
            ),
            &json!({}),
        )
        .await?;
    ensure!(
        tested.status == DeliveryStatus::Sent && tested.last_status == Some(200),
        "{tested:?}"
    );
    let test_hook = hooks.wait_for("generic", "test", 1, 10).await?;
    ensure!(test_hook[0].signed == Some(true), "{:?}", test_hook[0]);
    let email_dest = listed
        .destinations
        .iter()
        .find(|d| d.target == "ops@acme.example")
        .context("email destination")?;
    let mailed: DeliveryInfo = owner
        .api
        .post(
            &format!("/teams/{team}/alerts/destinations/{}/test", email_dest.id),
            &json!({}),
        )
        .await?;
    ensure!(mailed.status == DeliveryStatus::Sent, "{mailed:?}");
    let mails = smtp.wait_for(1, 10).await?;
    ensure!(
        mails[0].tls && mails[0].authenticated && mails[0].login.as_deref() == Some("alerts"),
        "the relay was used with STARTTLS and its password: {:?}",
        mails[0]
    );
    ensure!(mails[0].rcpt_tos == ["ops@acme.example"]);
    ensure!(mails[0].mail_from == "alerts@signet.example.test");

    // 40 days left: nothing yet.
    a_few_ticks().await;
    ensure!(credential_alerts(&hooks, "generic").is_empty());

    // Each threshold, once per destination.
    // (seconds to move the clock, the threshold that reaches): 29, 13, 6 days and 4 hours
    // left, then a day past the date.
    let steps = [
        (11 * DAY, 30),
        (16 * DAY, 14),
        (7 * DAY, 7),
        (6 * DAY - 4 * 3600, 1),
        (DAY, 0),
    ];
    for (n, (advance, threshold)) in steps.iter().enumerate() {
        clock.advance(*advance);
        let event = if *threshold == 0 {
            "credential.expired"
        } else {
            "credential.expiring"
        };
        let expected = steps[..=n]
            .iter()
            .filter(|(_, t)| (*t == 0) == (*threshold == 0))
            .count();
        for name in ["generic", "slack", "discord"] {
            hooks.wait_for(name, event, expected, 20).await?;
        }
        smtp.wait_for(2 + n, 20).await?;
        a_few_ticks().await;
        for name in ["generic", "slack", "discord"] {
            let got = credential_alerts(&hooks, name).len();
            ensure!(
                got == n + 1,
                "{name}: {got} alerts after threshold {threshold}"
            );
        }
        ensure!(smtp.mails()?.len() == 2 + n, "one mail per threshold");
        let last = credential_alerts(&hooks, "generic")
            .pop()
            .context("alert")?;
        ensure!(last["threshold_days"] == json!(threshold), "{last:#}");
    }

    // What the generic webhook received: every fact, and where to fix it.
    let all = credential_alerts(&hooks, "generic");
    let first = &all[0];
    ensure!(first["type"] == "credential.expiring", "{first:#}");
    ensure!(first["credential"]["id"] == json!(profile.id));
    ensure!(first["credential"]["label"] == json!(profile.label));
    ensure!(first["credential"]["fingerprint"] == json!({"type": "uuid", "value": uuid}));
    ensure!(first["apps"][0]["name"] == "Acme App" && first["team"]["name"] == "Acme Mobile");
    ensure!(
        first["days_left"] == json!(28) || first["days_left"] == json!(29),
        "{first:#}"
    );
    let app_url = first["url"].as_str().context("url")?;
    // The link opens the app's page in this team (its members may be in several).
    ensure!(
        app_url.starts_with(&format!("{PUBLIC_URL}/apps/"))
            && app_url.ends_with(&format!("?team={team}")),
        "{app_url}"
    );
    // What the alert says about the expiry, and the mail's words for the same facts.
    ensure!(
        first["credential"]["expires_at"] == profile_meta["not_after"]
            && first["credential"]["expires_at_utc"].is_string(),
        "the expiry in {first:#}"
    );
    ensure!(
        first["summary"]
            .as_str()
            .is_some_and(|s| s.contains("expires in") && s.contains("Acme App")),
        "{first:#}"
    );
    ensure!(all[4]["type"] == "credential.expired");
    // Every request carried a valid signature, and a delivery id the receiver can dedupe on.
    for r in hooks.received().iter().filter(|r| r.path == "/generic") {
        ensure!(r.signed == Some(true) && !r.delivery.is_empty(), "{r:?}");
    }
    let slack_text = credential_alerts(&hooks, "slack")[0]["text"]
        .as_str()
        .context("slack text")?
        .to_owned();
    ensure!(
        slack_text.contains(&format!("<{app_url}|Open in Signet>")),
        "{slack_text}"
    );
    let discord = &credential_alerts(&hooks, "discord")[0];
    ensure!(
        discord["allowed_mentions"]["parse"] == json!([]),
        "{discord:#}"
    );
    ensure!(
        discord["content"]
            .as_str()
            .is_some_and(|c| c.contains(app_url))
    );
    let mail = &smtp.mails()?[2];
    let mail = mail.text();
    ensure!(
        mail.contains("Subject: Signet: iOS provisioning profile"),
        "{mail}"
    );
    ensure!(mail.contains(app_url) && mail.contains(&uuid), "{mail}");
    let expires_utc = first["credential"]["expires_at_utc"]
        .as_str()
        .context("expires_at_utc")?;
    ensure!(
        mail.contains(&profile.label) && mail.contains(expires_utc),
        "the mail names the credential and its expiry: {mail}"
    );

    // No secret in any alert: the bundle's passwords never left the CLI in the clear.
    let passwords = [
        bundle.json["android"]["keystore"]["keystorePassword"].as_str(),
        bundle.json["android"]["keystore"]["keyPassword"].as_str(),
        bundle.json["ios"]["distributionCertificate"]["password"].as_str(),
    ];
    let everything = format!(
        "{:?}{:?}",
        hooks.received(),
        smtp.mails()?.iter().map(|m| &m.data).collect::<Vec<_>>()
    );
    for password in passwords.into_iter().flatten() {
        ensure!(
            !everything.contains(password),
            "an alert carried a password"
        );
    }

    // The delivery log: 2 tests + 5 alerts × 4 destinations, all sent.
    let log = overview(&owner, &team).await?.deliveries;
    ensure!(log.len() == 22, "{log:#?}");
    ensure!(
        log.iter()
            .all(|d| d.status == DeliveryStatus::Sent && d.attempts == 1)
    );
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_receiver_gets_the_alert_once_after_a_retry_and_a_gone_one_is_given_up()
-> Result<()> {
    let hooks = WebhookReceiver::start().await?;
    let clock = Clock::system();
    let server = alerting_server(None, &clock, None).await?;
    let api = Api::new(&server.url);
    let owner = account(&api, "owner").await?;
    let (team, key) = owner.create_team("Acme Mobile").await?;
    let flaky = add_destination(&owner, &team.id, "webhook", &hooks.endpoint("flaky"), "").await?;
    hooks.expect_secret("flaky", flaky.secret.as_deref().context("secret")?);
    hooks.answer("flaky", &[500]);
    add_destination(
        &owner,
        &team.id,
        "slack",
        &hooks.endpoint("gone"),
        "old channel",
    )
    .await?;
    hooks.answer("gone", &[404]);

    // Without an SMTP relay, email destinations are refused with what to do.
    let refused = add_destination(&owner, &team.id, "email", "ops@acme.example", "")
        .await
        .expect_err("no SMTP relay");
    ensure!(refused.to_string().contains("--smtp-url"), "{refused}");

    // A member removed raises an alert (read from the audit log).
    let member = account(&api, "member").await?;
    let (_, link) = owner.invite(&team.id, &key, Role::Developer).await?;
    member.accept_invite(&link).await?;
    owner.remove_member(&team.id, &member.user.id).await?;

    let first = {
        let mut tries = 0;
        loop {
            let got: Vec<_> = hooks
                .received()
                .into_iter()
                .filter(|r| r.path == "/flaky" && r.event == "member.removed")
                .collect();
            if !got.is_empty() {
                break got;
            }
            tries += 1;
            ensure!(
                tries < 400,
                "no member.removed alert: {:#?}",
                hooks.received()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    ensure!(first.len() == 1 && first[0].answered == 500, "{first:?}");
    ensure!(
        first[0].body["summary"]
            .as_str()
            .is_some_and(|s| s.contains("member@example.test") && s.contains("owner@example.test")),
        "{:#}",
        first[0].body
    );
    a_few_ticks().await;
    // The log says what happened and when it is tried again; nothing is retried early.
    let log = overview(&owner, &team.id).await?.deliveries;
    let pending = log
        .iter()
        .find(|d| d.destination_id == flaky.destination.id)
        .context("flaky delivery")?;
    ensure!(
        pending.status == DeliveryStatus::Pending
            && pending.attempts == 1
            && pending.last_status == Some(500)
            && pending.next_attempt_at.is_some_and(|t| t > clock.now()),
        "{pending:?}"
    );
    ensure!(
        pending
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("500"))
    );
    let gone = log
        .iter()
        .find(|d| d.destination_id != flaky.destination.id)
        .context("gone delivery")?;
    ensure!(
        gone.status == DeliveryStatus::Failed
            && gone.last_status == Some(404)
            && gone.next_attempt_at.is_none(),
        "a 404 is not retried: {gone:?}"
    );
    ensure!(
        hooks
            .received()
            .iter()
            .filter(|r| r.path == "/flaky")
            .count()
            == 1
    );

    // After the backoff the alert arrives, once, with the same delivery id.
    clock.advance(61);
    let accepted = hooks.wait_for("flaky", "member.removed", 1, 20).await?;
    a_few_ticks().await;
    clock.advance(3 * DAY);
    a_few_ticks().await;
    let flaky_requests: Vec<_> = hooks
        .received()
        .into_iter()
        .filter(|r| r.path == "/flaky")
        .collect();
    ensure!(flaky_requests.len() == 2, "{flaky_requests:#?}");
    ensure!(flaky_requests[0].delivery == accepted[0].delivery);
    ensure!(
        hooks
            .received()
            .iter()
            .filter(|r| r.path == "/gone")
            .count()
            == 1,
        "a given-up delivery is not tried again"
    );
    let log = overview(&owner, &team.id).await?.deliveries;
    let sent = log
        .iter()
        .find(|d| d.destination_id == flaky.destination.id)
        .context("flaky delivery")?;
    ensure!(
        sent.status == DeliveryStatus::Sent && sent.attempts == 2 && sent.sent_at.is_some(),
        "{sent:?}"
    );
    server.stop().await
}

/// The other two audit alerts (a credential purged, a robot token made), raised on the
/// server's clock after it has moved on by days; and a Slack hook that cannot be reached is
/// shown in the delivery log without its URL, whose path is the hook's token.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_purge_and_a_robot_token_raise_alerts_and_an_unreachable_hooks_token_stays_out_of_the_delivery_log()
-> Result<()> {
    const HOOK_TOKEN: &str = "T0SIGNET/B0SIGNET/hook-token-never-logged";
    let hooks = WebhookReceiver::start().await?;
    let clock = Clock::system();
    let server = alerting_server(None, &clock, None).await?;
    // The server's clock is three days ahead of the system clock that stamps the audit log.
    clock.advance(3 * DAY);
    let api = Api::new(&server.url);
    let owner = account(&api, "owner").await?;
    let (team, key) = owner.create_team("Acme Mobile").await?;
    let audit = add_destination(&owner, &team.id, "webhook", &hooks.endpoint("audit"), "").await?;
    hooks.expect_secret("audit", audit.secret.as_deref().context("secret")?);
    // Nothing listens on the discard port.
    add_destination(
        &owner,
        &team.id,
        "slack",
        &format!("http://127.0.0.1:9/services/{HOOK_TOKEN}"),
        "dead channel",
    )
    .await?;

    // A profile stored, trashed and deleted for good; a robot token for an app.
    let bundle = tokio::task::spawn_blocking(|| Bundle::new(10_000, 40)).await??;
    let payload = Payload::IosProvisioningProfile {
        profile: SecretText::from_bytes(&std::fs::read(
            bundle.path("ios/profile.mobileprovision"),
        )?),
    };
    let made = owner
        .create_credential(
            &team.id,
            &key,
            &signet_client::credential::NewCredential {
                kind: payload.kind(),
                label: "Old profile",
                metadata: payload.inspect()?,
                payload: &payload.to_bytes()?,
            },
        )
        .await?;
    owner.api.trash_credential(&team.id, &made.id).await?;
    owner.api.purge_credential(&team.id, &made.id).await?;
    let app = owner
        .api
        .create_app(
            &team.id,
            &AppRequest {
                name: "Acme App".into(),
                android_package: Some("com.acme.app".into()),
                ios_targets: Vec::new(),
            },
        )
        .await?;
    owner
        .create_robot(
            &team.id,
            &key,
            "release-ci",
            std::slice::from_ref(&app.id),
            &[],
            clock.now() + 30 * DAY,
        )
        .await?;

    let purged = hooks.wait_for("audit", "credential.purged", 1, 20).await?;
    ensure!(
        purged[0].signed == Some(true)
            && purged[0].body["summary"]
                .as_str()
                .is_some_and(|s| s.contains("owner@example.test")
                    && s.contains("Old profile")
                    && s.contains("Acme Mobile")),
        "{:#}",
        purged[0].body
    );
    let robot = hooks.wait_for("audit", "robot.created", 1, 20).await?;
    ensure!(
        robot[0].body["summary"]
            .as_str()
            .is_some_and(|s| s.contains("release-ci") && s.contains("owner@example.test")),
        "{:#}",
        robot[0].body
    );
    ensure!(
        robot[0].body["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/audit?team={}", team.id))),
        "{:#}",
        robot[0].body
    );
    a_few_ticks().await;
    // Each once, however many ticks looked.
    for event in ["credential.purged", "robot.created"] {
        let n = hooks
            .received()
            .iter()
            .filter(|r| r.path == "/audit" && r.event == event)
            .count();
        ensure!(n == 1, "{event} arrived {n} times");
    }

    // The unreachable hook: retried later, and its error names the failure but not the URL.
    let overview = overview(&owner, &team.id).await?;
    let dead: Vec<_> = overview
        .deliveries
        .iter()
        .filter(|d| d.destination_id != audit.destination.id)
        .collect();
    ensure!(!dead.is_empty(), "{:#?}", overview.deliveries);
    for d in &dead {
        let error = d.last_error.as_deref().unwrap_or_default();
        ensure!(
            d.status == DeliveryStatus::Pending
                && d.next_attempt_at.is_some()
                && error.contains("could not reach the receiver"),
            "{d:?}"
        );
        ensure!(
            !error.contains("hook-token"),
            "the hook's token in the log: {error}"
        );
    }
    let everything = serde_json::to_string(&overview)?;
    ensure!(
        !everything.contains("hook-token"),
        "the hook's token in the alerts overview: {everything}"
    );
    server.stop().await
}

#[tokio::test]
async fn webhooks_to_private_addresses_are_refused_unless_the_operator_allows_them() -> Result<()> {
    let server = TestServer::start().await?;
    let api = Api::new(&server.url);
    let owner = account(&api, "owner").await?;
    let (team, _) = owner.create_team("Acme").await?;
    for target in [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest",
        "https://localhost/hook",
        "https://[::1]/hook",
    ] {
        let refused = add_destination(&owner, &team.id, "webhook", target, "")
            .await
            .expect_err(target);
        ensure!(
            refused.status() == Some(400) || refused.status() == Some(422),
            "{target}: {refused}"
        );
    }
    let refused = add_destination(&owner, &team.id, "webhook", "https://127.0.0.1/hook", "")
        .await
        .expect_err("loopback");
    ensure!(
        refused.to_string().contains("not a public address"),
        "{refused}"
    );
    ensure!(overview(&owner, &team.id).await?.destinations.is_empty());
    server.stop().await
}

/// `count` provisioning profiles (the bundle's, as different credentials) assigned to one
/// app, each in its own build profile.
async fn expiring_profiles(owner: &Session, team: &str, count: usize) -> Result<()> {
    let bundle = tokio::task::spawn_blocking(|| Bundle::new(10_000, 40)).await??;
    let key = owner.team_key(team).await?;
    let app = owner
        .api
        .create_app(
            team,
            &AppRequest {
                name: "Acme App".into(),
                android_package: None,
                ios_targets: vec![IosTarget {
                    target: "Acme".into(),
                    bundle_id: "com.acme.app".into(),
                }],
            },
        )
        .await?;
    let bytes = std::fs::read(bundle.path("ios/profile.mobileprovision"))?;
    for i in 0..count {
        let payload = Payload::IosProvisioningProfile {
            profile: SecretText::from_bytes(&bytes),
        };
        let made = owner
            .create_credential(
                team,
                &key,
                &signet_client::credential::NewCredential {
                    kind: payload.kind(),
                    label: &format!("Profile {i}"),
                    metadata: payload.inspect()?,
                    payload: &payload.to_bytes()?,
                },
            )
            .await?;
        owner
            .assign(
                team,
                &app.id,
                &key,
                &AssignRequest {
                    platform: Platform::Ios,
                    profile: format!("flavor{i}"),
                    target: "Acme".into(),
                    credential_id: made.id,
                    is_default: true,
                    robot_grants: Vec::new(),
                },
            )
            .await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_postgres_send_each_alert_once() -> Result<()> {
    let Some(db) = postgres::database("alerts_two_replicas").await? else {
        return Ok(());
    };
    let hooks = WebhookReceiver::start().await?;
    // One clock for both, as replicas share the real one.
    let clock = Clock::system();
    let a = alerting_server(Some(&db), &clock, None).await?;
    let b = alerting_server(Some(&db), &clock, None).await?;
    let owner = account(&Api::new(&a.url), "owner").await?;
    let (team, _) = owner.create_team("Acme Mobile").await?;
    const PROFILES: usize = 8;
    expiring_profiles(&owner, &team.id, PROFILES).await?;
    let hook = add_destination(&owner, &team.id, "webhook", &hooks.endpoint("generic"), "").await?;
    hooks.expect_secret("generic", hook.secret.as_deref().context("secret")?);
    // The other replica sees the same destinations.
    let via_b = Session::login(
        &Api::new(&b.url),
        "owner@example.test",
        signet_tests::api::PASSWORD,
        false,
    )
    .await?;
    ensure!(overview(&via_b, &team.id).await?.destinations.len() == 1);

    for (round, advance) in [11, 16, 7].into_iter().enumerate() {
        clock.advance(advance * DAY);
        let want = PROFILES * (round + 1);
        hooks
            .wait_for("generic", "credential.expiring", want, 30)
            .await?;
        a_few_ticks().await;
        let received = hooks.received();
        ensure!(
            received.len() == want,
            "{} requests for {want} alerts: {received:#?}",
            received.len()
        );
        let mut ids: Vec<&str> = received.iter().map(|r| r.delivery.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ensure!(ids.len() == want, "a delivery was sent twice");
    }
    a.stop().await?;
    b.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_admin_adds_destinations_sends_test_alerts_and_reads_the_delivery_log() -> Result<()>
{
    let hooks = WebhookReceiver::start().await?;
    hooks.answer("broken", &[503]);
    let clock = Clock::system();
    let server = alerting_server(None, &clock, None).await?;
    let browser = signet_tests::browser::Browser::start().await?;
    browser.signed_up(&server.url, "admin@example.com").await?;
    browser.create_first_team("Acme Mobile").await?;
    browser.click("nav a[href='/alerts']").await?;
    browser.wait_for("#no-destinations", 60).await?;
    // No SMTP relay on this server: the page says so and email cannot be chosen.
    browser.wait_for("#alert-no-email", 5).await?;

    // A generic webhook: its secret is shown once.
    browser
        .wait_until(
            "(() => { const s = document.querySelector('#alert-kind'); s.value = 'webhook'; s.dispatchEvent(new Event('change')); return true; })()",
            5,
        )
        .await?;
    browser.fill("#alert-target", &hooks.endpoint("ci")).await?;
    browser.fill("#alert-label", "CI hook").await?;
    browser.click("#alert-add").await?;
    let secret = browser.wait_for_text("#alert-secret", "whsec_", 30).await?;
    hooks.expect_secret("ci", secret.trim());
    browser
        .wait_for_text("#destination-list", "CI hook", 30)
        .await?;
    browser.click("#alert-test-0").await?;
    browser
        .wait_for_text("#alert-test-status-0", "delivered (200)", 30)
        .await?;
    let got = hooks.wait_for("ci", "test", 1, 10).await?;
    ensure!(got[0].signed == Some(true), "{:?}", got[0]);
    ensure!(
        got[0].body["summary"]
            .as_str()
            .is_some_and(|s| s.contains("admin@example.com")),
        "{:#}",
        got[0].body
    );
    browser.click("#alert-secret-done").await?;

    // A receiver that is down: the test says so, with its answer, and the log shows it.
    browser
        .fill("#alert-target", &hooks.endpoint("broken"))
        .await?;
    browser.fill("#alert-label", "Broken").await?;
    browser.click("#alert-add").await?;
    browser
        .wait_for_text("#destination-list", "Broken", 30)
        .await?;
    browser.click("#alert-test-1").await?;
    browser
        .wait_for_text("#alert-test-status-1", "503", 30)
        .await?;
    browser.wait_for_text("#alert-log", "Failed", 30).await?;
    browser.wait_for_text("#alert-log", "Sent", 30).await?;
    // A bad URL is refused with the reason.
    browser.fill("#alert-target", "ftp://example.com/x").await?;
    browser.click("#alert-add").await?;
    browser
        .wait_for_text("#alert-error", "https://", 30)
        .await?;
    browser.screenshot("alerts").await?;

    // The secret is gone for good once hidden, and in no browser storage.
    let page: Value = browser
        .wait_until(
            "[document.body.innerText, localStorage.length, sessionStorage.length]",
            5,
        )
        .await?;
    ensure!(
        !page[0].as_str().unwrap_or_default().contains(secret.trim()),
        "the secret is still on the page"
    );
    ensure!(page[1] == json!(0) && page[2] == json!(0), "{page}");

    // Removing asks to confirm.
    browser.click("#alert-remove-1").await?;
    browser
        .wait_for_text("#alert-remove-1", "Confirm removal", 10)
        .await?;
    browser.click("#alert-remove-1").await?;
    browser
        .wait_until(
            "document.querySelectorAll('#destination-list tbody tr').length === 1 || null",
            30,
        )
        .await?;

    // An alert's link names its team: opening `/alerts?team=<Beta>` in a new page (unlock
    // first) lands in Beta Apps, though a new page otherwise opens the first team, Acme.
    browser.click("nav a[href='/teams']").await?;
    browser.fill("#team-name", "Beta Apps").await?;
    browser.click("#create-team").await?;
    browser.wait_for_text("#team-list", "Beta Apps", 30).await?;
    let beta: Value = browser
        .wait_until(
            "(() => { const o = [...document.querySelectorAll('#team-switcher option')]; \
             const b = o.find(x => x.text.trim() === 'Beta Apps'); return b ? b.value : null; })()",
            30,
        )
        .await?;
    let beta = beta.as_str().context("Beta's id")?.to_owned();
    browser
        .client
        .goto(&format!("{}/alerts?team={beta}", server.url))
        .await?;
    browser.wait_for("#unlock-password", 30).await?;
    browser
        .fill("#unlock-password", signet_tests::browser::PASSWORD)
        .await?;
    browser.click("#unlock-submit").await?;
    browser.wait_for("#no-destinations", 60).await?;
    let current: Value = browser
        .wait_until("document.querySelector('#team-switcher').value", 5)
        .await?;
    ensure!(current == json!(beta), "the link opened team {current}");
    browser.close().await?;
    server.stop().await
}
