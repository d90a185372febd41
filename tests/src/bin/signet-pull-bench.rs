//! `cargo xtask bench` (pull part): `signet pull` of an app with an Android upload keystore
//! and an iOS certificate + profile, from the real `signet serve` on loopback (both release
//! builds, `SIGNET_BIN`), as a person runs it: a fresh process that asks the server for the
//! account's keys, unlocks them with the password (Argon2id at the default 64 MiB, t=3),
//! fetches and decrypts three payloads, and writes the files.
//!
//! The wall time is the median of whole `signet pull` runs. Its breakdown is measured in this
//! process with the same client code: the KDF unlock alone, the HTTP requests `pull` makes
//! (without decrypting), and the decryption (team key, item keys, payloads, parsing). The
//! goal: everything except the KDF under 100 ms.

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use signet_client::{Api, Session, credential::NewCredential, http::Auth};
use signet_core::{
    android::{KeystoreFormat, UploadKeystore, UploadKeystoreParams},
    credential::{Payload, SecretText},
    vault::{
        item::{ItemContext, SealedPayload, WrappedItemKey},
        kdf::{KdfParams, KdfSalt, derive_account_keys},
        team_key::SelfWrappedTeamKey,
    },
    wire::{
        account::{PreloginRequest, PreloginResponse},
        app::{AppRequest, AssignRequest, IosTarget, Platform},
        credential::CredentialPayload,
        team::MyTeamKey,
    },
};
use signet_tests::{api::PASSWORD, paths, server::ServeProcess};

const RUNS: usize = 11;
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm-core/tests/fixtures");

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples
        .get(samples.len() / 2)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

fn row(name: &str, ms: f64) {
    println!("{name:<72} {ms:>9.1} ms");
}

#[tokio::main]
async fn main() -> Result<()> {
    let data = tempfile::tempdir()?;
    let mut serve = ServeProcess::start(&data.path().join("server"), &paths::dist()?)?;
    serve.health().await?;
    let api = Api::new(&serve.url);

    // An account with the real KDF parameters, a team, an app with three credentials.
    let (session, _) =
        Session::register(&api, "bench@example.test", PASSWORD, KdfParams::DEFAULT).await?;
    let (team, key) = session.create_team("Bench").await?;
    let app = session
        .api
        .create_app(
            &team.id,
            &AppRequest {
                name: "Bench".into(),
                android_package: Some("com.acme.app".into()),
                ios_targets: vec![IosTarget {
                    target: "Bench".into(),
                    bundle_id: "com.acme.app".into(),
                }],
            },
        )
        .await?;
    let encoded = UploadKeystore::generate(
        &UploadKeystoreParams::for_package("com.acme.app"),
        1_800_000_000,
    )?
    .encode(KeystoreFormat::Jks)?;
    let payloads = [
        (
            Platform::Android,
            Payload::AndroidKeystore {
                keystore: SecretText::from_bytes(&encoded.bytes),
                keystore_password: SecretText::new(encoded.store_password.expose()),
                key_alias: encoded.alias.clone(),
                key_password: SecretText::new(encoded.key_password.expose()),
            },
        ),
        (
            Platform::Ios,
            Payload::IosDistributionCertificate {
                p12: SecretText::from_bytes(&std::fs::read(format!(
                    "{FIXTURES}/android/openssl-modern.p12"
                ))?),
                password: SecretText::new("pässwörd€"),
            },
        ),
        (
            Platform::Ios,
            Payload::IosProvisioningProfile {
                profile: SecretText::from_bytes(&std::fs::read(format!(
                    "{FIXTURES}/apple/appstore.mobileprovision"
                ))?),
            },
        ),
    ];
    let mut ids = Vec::new();
    for (platform, payload) in &payloads {
        let stored = session
            .create_credential(
                &team.id,
                &key,
                &NewCredential {
                    kind: payload.kind(),
                    label: payload.kind().as_str(),
                    metadata: serde_json::json!({}),
                    payload: &payload.to_bytes()?,
                },
            )
            .await?;
        session
            .api
            .assign(
                &team.id,
                &app.id,
                &AssignRequest {
                    platform: *platform,
                    profile: "production".into(),
                    target: String::new(),
                    credential_id: stored.id.clone(),
                    is_default: true,
                    robot_grants: Vec::new(),
                },
            )
            .await?;
        ids.push((stored.id, payload.kind()));
    }

    // The CLI signed in as that account (what `signet login` stores).
    let config = data.path().join("config");
    std::fs::create_dir_all(&config)?;
    std::fs::write(
        config.join("config.json"),
        serde_json::to_vec(&serde_json::json!({
            "server": serve.url, "email": "bench@example.test", "token": session.token,
        }))?,
    )?;
    let out = data.path().join("project");
    let mut walls = Vec::new();
    for _ in 0..RUNS {
        walls.push(pull(&config, &out, &serve.url).await?);
    }

    // The breakdown, with the same client code in this process.
    let pre: PreloginResponse = api
        .post(
            "/auth/prelogin",
            &PreloginRequest {
                email: "bench@example.test".into(),
            },
        )
        .await?;
    let salt = KdfSalt::from_base64(&pre.kdf_salt)?;
    let mut kdf = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        derive_account_keys(PASSWORD, &salt, &pre.kdf_params)?;
        kdf.push(started.elapsed());
    }
    let authed = api.with_auth(Auth::Bearer(session.token.clone()));
    let mut network = Vec::new();
    let mut fetched = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let _: serde_json::Value = authed.get("/auth/me").await?;
        let _ = authed.teams().await?;
        let _ = authed.apps(&team.id).await?;
        let _ = authed.assignments(&team.id, &app.id).await?;
        let mine: MyTeamKey = authed.get(&format!("/teams/{}/key", team.id)).await?;
        let mut got = Vec::new();
        for (id, _) in &ids {
            let p: CredentialPayload = authed
                .get(&format!("/teams/{}/credentials/{id}/payload", team.id))
                .await?;
            got.push(p);
        }
        network.push(started.elapsed());
        fetched = Some((mine, got));
    }
    let (mine, got) = fetched.context("fetched")?;
    let mut decrypt = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let team_key = SelfWrappedTeamKey::from_base64(&mine.wrapped)?
            .open(&session.account.user_key, &team.id)?;
        for p in &got {
            let item = WrappedItemKey::from_base64(p.wrapped_key.as_deref().unwrap_or_default())?
                .open(&team_key, &team.id, &p.id)?;
            let plain = SealedPayload::from_base64(&p.payload)?.open(
                &item,
                &ItemContext {
                    team_id: &team.id,
                    item_id: &p.id,
                    kind: p.kind.as_str(),
                    schema_version: signet_client::SCHEMA_VERSION,
                },
            )?;
            Payload::from_bytes(&plain, p.kind)?.file_bytes()?;
        }
        decrypt.push(started.elapsed());
    }

    let (wall, kdf, network, decrypt) =
        (median(walls), median(kdf), median(network), median(decrypt));
    println!(
        "signet-pull-bench: `signet pull` (Android + iOS, 3 payloads) from loopback, medians\n"
    );
    row("signet pull, whole process (wall)", wall);
    row("  KDF unlock (Argon2id m=64 MiB, t=3)", kdf);
    row(
        "  network: 8 requests (me, teams, apps, assignments, key, 3 payloads)",
        network,
    );
    row(
        "  decrypt: team key, 3 item keys + payloads, parse",
        decrypt,
    );
    row(
        "  the rest (process start, files, git check-ignore)",
        wall - kdf - network - decrypt,
    );
    let rest = wall - kdf;
    println!(
        "\neverything except the KDF: {rest:.1} ms (goal < 100 ms: {})",
        if rest < 100.0 { "met" } else { "NOT met" }
    );
    serve.signal("TERM")?;
    serve.wait_exit(Duration::from_secs(10))?;
    Ok(())
}

/// One `signet pull`, timed.
async fn pull(config: &Path, out: &Path, server: &str) -> Result<Duration> {
    let started = Instant::now();
    let result = tokio::process::Command::new(paths::signet_bin()?)
        .args(["pull", "--app", "Bench", "--force", "--out"])
        .arg(out)
        .env("SIGNET_CONFIG_DIR", config)
        .env("SIGNET_SERVER", server)
        .env("SIGNET_PASSWORD", PASSWORD)
        .env("CI", "true")
        .env_remove("SIGNET_TOKEN")
        .stdin(Stdio::null())
        .output()
        .await?;
    let elapsed = started.elapsed();
    if !result.status.success() {
        bail!(
            "signet pull failed:\n{}",
            String::from_utf8_lossy(&result.stderr)
        );
    }
    Ok(elapsed)
}
