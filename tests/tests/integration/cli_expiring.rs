//! `signet credentials --expiring WINDOW [--fail]`, as a person and as a CI job with a robot
//! token: a team whose credentials expire at chosen dates (real `openssl cms` profiles from
//! `cli_doctor`'s bundles, pushed with `signet push`; an expired one stored through
//! `signet-client`, since `push` refuses expired files), listed soonest first with the right
//! words, the gate's exit code both ways, and a machine that cannot verify metadata never
//! told that nothing expires. `browser_expiring` shows the same team in the dashboard.

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use serde_json::json;
use signet_client::{Api, Session, credential::NewCredential};
use signet_core::{
    credential::{Payload, SecretText},
    wire::app::{AssignRequest, Platform},
};
use signet_tests::{
    api::PASSWORD,
    cli::{Cli, developer_with_app, text},
    server::TestServer,
};

use crate::{
    attack_metadata::{Column, FORGED_NOT_AFTER, altered, stored, tamper},
    cli_doctor::Bundle,
};

/// Label of the profile that expired three days ago.
pub(crate) const EXPIRED: &str = "Old App Store profile";

/// A team "Acme" whose `dev` holds: for "Acme App" a keystore (10 000 days), a distribution
/// certificate (365 days) and a profile expiring in 5 days; for "Later App" the same with a
/// profile expiring in 20 days, and [`EXPIRED`] in its iOS production slot (not the
/// default). Returns `dev`'s CLI.
pub(crate) async fn team_with_expiring_credentials(server: &str) -> Result<Cli> {
    let dev = developer_with_app(server).await?;
    dev.create_app("Later App", "com.acme.app", &["com.acme.app"])
        .await?;
    let soon = tokio::task::spawn_blocking(|| Bundle::new(10_000, 5)).await??;
    let later = tokio::task::spawn_blocking(|| Bundle::new(10_000, 20)).await??;
    for (bundle, app) in [(&soon, "Acme App"), (&later, "Later App")] {
        dev.ok(&[
            "push",
            &text(&bundle.path("credentials.json")),
            "--app",
            app,
        ])
        .await?;
    }
    let expired = soon.profile(-3)?;
    let session = Session::login(&Api::new(server), "dev@example.test", PASSWORD, false).await?;
    let team = session.teams().await?.remove(0);
    let key = session.team_key(&team.id).await?;
    let payload = Payload::IosProvisioningProfile {
        profile: SecretText::from_bytes(&expired),
    };
    let stored_expired = session
        .create_credential(
            &team.id,
            &key,
            &NewCredential {
                kind: payload.kind(),
                label: EXPIRED,
                metadata: payload.inspect()?,
                payload: &payload.to_bytes()?,
            },
        )
        .await?;
    let later_app = session
        .api
        .apps(&team.id)
        .await?
        .into_iter()
        .find(|a| a.name == "Later App")
        .context("Later App")?;
    session
        .assign(
            &team.id,
            &later_app.id,
            &key,
            &AssignRequest {
                platform: Platform::Ios,
                profile: "production".into(),
                target: String::new(),
                credential_id: stored_expired.id,
                is_default: false,
                robot_grants: Vec::new(),
            },
        )
        .await?;
    Ok(dev)
}

/// A compromised server rewrites credential `id`'s metadata to claim it lasts until
/// 2100-01-01 (the author's signature no longer matches).
pub(crate) async fn forge_far_expiry(server: &TestServer, id: &str) -> Result<()> {
    let (metadata, _) = stored(server, id).await?;
    let forged = altered(&metadata, json!({ "not_after": FORGED_NOT_AFTER }))?;
    tamper(server, id, Column::Metadata, &forged).await
}

fn rows(stdout: &str) -> Result<Vec<Value>> {
    Ok(serde_json::from_str(stdout)?)
}

/// `(kind, days_left, severity)` of each row, in order.
fn summary(rows: &[Value]) -> Vec<(String, i64, String)> {
    rows.iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or_default().to_owned(),
                r["days_left"].as_i64().unwrap_or(i64::MIN),
                r["severity"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn credentials_expiring_lists_soonest_first_and_fail_gates_ci_both_ways() -> Result<()> {
    let server = TestServer::start().await?;
    let dev = team_with_expiring_credentials(&server.url).await?;

    // Within 30 days: the expired profile, then 5 days, then 20; nothing that lasts longer.
    let within_30 = dev.credential_rows(&["--expiring", "30d"]).await?;
    let got = summary(&within_30);
    ensure!(got.len() == 3, "{within_30:#?}");
    ensure!(
        got.iter()
            .all(|(kind, ..)| kind == "ios_provisioning_profile"),
        "{got:?}"
    );
    ensure!(
        got[0].1 < 0 && got[0].2 == "expired" && within_30[0]["label"] == EXPIRED,
        "{got:?}"
    );
    ensure!(
        within_30[0]["status"] == "expired 3 days ago",
        "{}",
        within_30[0]
    );
    ensure!(
        (4..=5).contains(&got[1].1) && got[1].2 == "urgent",
        "{got:?}"
    );
    ensure!(
        (19..=20).contains(&got[2].1) && got[2].2 == "soon",
        "{got:?}"
    );
    ensure!(
        within_30[0]["slots"][0]["app"] == "Later App"
            && within_30[0]["slots"][0]["default"] == false
            && within_30[1]["slots"][0]["app"] == "Acme App"
            && within_30[2]["slots"][0]["app"] == "Later App"
            && within_30.iter().all(|r| r["verified"] == true),
        "{within_30:#?}"
    );
    // A wider window (a bare number of days) adds the two certificates (365 days), after
    // the profiles; the keystores (10 000 days) stay out.
    let within_400 = summary(&dev.credential_rows(&["--expiring", "400"]).await?);
    ensure!(
        within_400.len() == 5
            && within_400[3..]
                .iter()
                .all(|(kind, days, sev)| kind == "ios_distribution_certificate"
                    && (363..=365).contains(days)
                    && sev == "ok"),
        "{within_400:?}"
    );
    ensure!(
        within_400.windows(2).all(|w| w[0].1 <= w[1].1),
        "{within_400:?}"
    );
    // Weeks and hours: 2w is the 5-day one and the expired one; 12h only the expired one.
    ensure!(dev.credential_rows(&["--expiring", "2w"]).await?.len() == 2);
    ensure!(dev.credential_rows(&["--expiring", "12h"]).await?.len() == 1);

    // The table people read: a severity word and the days, soonest first, with the slot.
    let table = dev.ok(&["credentials", "--expiring", "30d"]).await?;
    let lines: Vec<&str> = table.lines().collect();
    ensure!(
        lines.len() == 4 && lines[0].starts_with("STATUS"),
        "{table}"
    );
    ensure!(
        lines[1].starts_with("EXPIRED · expired 3 days ago")
            && lines[1].contains(EXPIRED)
            && lines[1].contains("Later App:ios/production "),
        "{table}"
    );
    ensure!(
        lines[2].starts_with("URGENT · expires in ")
            && lines[2].contains("Acme App:ios/production*"),
        "{table}"
    );
    ensure!(
        lines[3].starts_with("SOON · expires in ") && lines[3].contains("Later App:"),
        "{table}"
    );

    // The gate: something expires within 30 days → exit 1, and it says what.
    let gate = dev
        .run(&["credentials", "--expiring", "30d", "--fail"])
        .await?;
    ensure!(
        gate.code == Some(1)
            && gate.stdout.contains(EXPIRED)
            && gate
                .stderr
                .contains("3 credential(s) expired, expire within 30 days"),
        "{gate:#?}"
    );

    // A bad window is refused with an example.
    let bad = dev.run(&["credentials", "--expiring", "soon"]).await?;
    ensure!(
        bad.code == Some(2) && bad.stderr.contains("like 30d"),
        "{bad:#?}"
    );

    // CI with a robot token for Acme App: it verifies metadata from its anchor, sees only
    // that app's credentials, and gates on them.
    let token = dev
        .ok(&["token", "create", "--app", "Acme App"])
        .await?
        .trim()
        .to_owned();
    let ci = Cli::new(&server.url)?
        .env("SIGNET_TOKEN", Some(token.as_str()))
        .env("SIGNET_PASSWORD", None);
    let robot = ci
        .run(&["credentials", "--expiring", "30d", "--fail", "--json"])
        .await?;
    let robot_rows = rows(&robot.stdout)?;
    ensure!(
        robot.code == Some(1)
            && robot_rows.len() == 1
            && robot_rows[0]["verified"] == true
            && robot_rows[0]["severity"] == "urgent",
        "{robot:#?}"
    );
    let calm = ci
        .run(&["credentials", "--expiring", "3d", "--fail"])
        .await?;
    ensure!(
        calm.code == Some(0)
            && calm
                .stdout
                .contains("Nothing expires within 3 days (3 credential(s) checked"),
        "{calm:#?}"
    );

    // Once the expired profile is in the trash, the person's gate passes for 3 days too.
    let expired_id = within_30[0]["id"].as_str().context("id")?;
    dev.ok(&["credentials", "remove", expired_id, "--in-use"])
        .await?;
    let passed = dev
        .run(&["credentials", "--expiring", "3d", "--fail"])
        .await?;
    ensure!(
        passed.code == Some(0) && passed.stdout.contains("Nothing expires within 3 days"),
        "{passed:#?}"
    );

    // The server claims the 20-day profile lasts until 2100: its signature no longer
    // matches, so it is listed as unverified (the claim marked as one) and fails the gate.
    let later_id = within_30[2]["id"].as_str().context("id")?;
    forge_far_expiry(&server, later_id).await?;
    let forged = dev
        .run(&["credentials", "--expiring", "3d", "--fail", "--json"])
        .await?;
    let forged_rows = rows(&forged.stdout)?;
    ensure!(
        forged.code == Some(1)
            && forged_rows.len() == 1
            && forged_rows[0]["id"] == later_id
            && forged_rows[0]["verified"] == false
            && forged_rows[0]["not_after"].is_null()
            && forged_rows[0]["claimed_not_after"] == FORGED_NOT_AFTER,
        "{forged:#?}"
    );

    // Renaming: a verified credential gets its new name, its metadata signed again by the
    // renamer (still verified); the forged one is refused, and keeps its name.
    let soon_id = within_30[1]["id"].as_str().context("id")?;
    let said = dev
        .ok(&[
            "credentials",
            "rename",
            soon_id,
            "Acme App Store profile 2027",
        ])
        .await?;
    ensure!(said.contains("to “Acme App Store profile 2027”"), "{said}");
    let listed = dev.credential_rows(&[]).await?;
    let renamed = listed
        .iter()
        .find(|r| r["id"] == soon_id)
        .context("the renamed credential")?;
    ensure!(
        renamed["label"] == "Acme App Store profile 2027" && renamed["verified"] == true,
        "{renamed:#?}"
    );
    let refused = dev
        .fails(&["credentials", "rename", later_id, "Trust me"])
        .await?;
    ensure!(refused.contains("cannot be renamed"), "{refused}");
    let listed = dev.credential_rows(&[]).await?;
    ensure!(
        listed.iter().all(|r| r["label"] != "Trust me"),
        "{listed:#?}"
    );
    let forged_table = dev.run(&["credentials", "--expiring", "3d"]).await?;
    ensure!(
        forged_table.code == Some(0)
            && forged_table
                .stdout
                .contains("2100-01-01 (unverified claim)")
            && !forged_table.stdout.contains("Nothing expires"),
        "{forged_table:#?}"
    );

    // A machine that cannot verify metadata (its copy of the team's pin is gone) lists every
    // credential as unverified and fails the gate: never "nothing expires".
    let mut config: Value = serde_json::from_slice(&std::fs::read(dev.config_file())?)?;
    config
        .as_object_mut()
        .context("config object")?
        .remove("pins");
    std::fs::write(dev.config_file(), serde_json::to_vec(&config)?)?;
    let blind = dev
        .run(&["credentials", "--expiring", "1d", "--fail", "--json"])
        .await?;
    let blind_rows = rows(&blind.stdout)?;
    ensure!(
        blind.code == Some(1)
            && blind_rows.len() == 6
            && blind_rows.iter().all(|r| r["verified"] == false
                && r["severity"] == "unverified"
                && r["not_after"].is_null()
                && r["claimed_not_after"].is_i64())
            && blind.stderr.contains("could not be verified"),
        "{blind:#?}"
    );
    let blind_table = dev
        .run(&["credentials", "--expiring", "1d", "--fail"])
        .await?;
    ensure!(
        blind_table.code == Some(1)
            && !blind_table.stdout.contains("Nothing expires")
            && blind_table
                .stdout
                .contains("UNVERIFIED · unverified: expiry unknown")
            && blind_table.stdout.contains("(unverified claim)"),
        "{blind_table:#?}"
    );
    Ok(())
}
