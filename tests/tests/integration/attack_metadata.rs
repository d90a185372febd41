//! A malicious server alters credentials' public metadata, and the real `signet` CLI must not
//! believe it (issue 17, V2). The server here is the real one; the attack is done where a
//! compromised server would do it, in its own database (`UPDATE credentials …` in the SQLite
//! file the test server uses, while it runs): a forged SHA-1 `DE:AD:BE:EF:…` and expiry, a
//! broken metadata signature, and another credential's fingerprint claimed so that
//! `signet push` would reuse the server's credential instead of uploading the user's.
//!
//! What must hold: `signet credentials` (table and `--json`) shows such a credential as
//! unverified and never shows the forged values; `push` never reuses it; and a machine that
//! cannot verify (no pin yet, a robot token) says so and how to fix it.

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use signet_client::{Api, Session};
use signet_core::{
    credential::{Payload, SecretText},
    vault::membership::listing::UNVERIFIED_METADATA,
};
use signet_tests::{
    api::PASSWORD,
    cli::{Cli, text, with_team},
    server::TestServer,
};
use sqlx::{ConnectOptions, Connection, sqlite::SqliteConnectOptions};

/// A forged SHA-1, as the attack through the proxy showed it.
const FORGED_SHA1: &str = "DE:AD:BE:EF:DE:AD:BE:EF:DE:AD:BE:EF:DE:AD:BE:EF:DE:AD:BE:EF";
/// A forged expiry: 2100-01-01.
pub(crate) const FORGED_NOT_AFTER: i64 = 4_102_444_800;

fn row<'a>(rows: &'a [Value], id: &str) -> Result<&'a Value> {
    rows.iter()
        .find(|r| r["id"] == id)
        .with_context(|| format!("credential {id} in {rows:#?}"))
}

/// A developer (registered through the client library at the vault's KDF floor) signed in on
/// one machine, with team Acme, an Android app Acme and an upload keystore generated and
/// stored by the CLI: returns the machine and the keystore's credential id.
async fn developer_with_keystore(server: &TestServer) -> Result<(Cli, String)> {
    let (_, dev) = with_team(&server.url, "dev", "Acme").await?;
    dev.create_app("Acme", "com.acme.app", &[]).await?;
    let id = dev
        .ok(&["keystore", "generate", "--app", "Acme", "--remote"])
        .await?
        .trim()
        .to_owned();
    Ok((dev, id))
}

/// The columns the attacker rewrites.
#[derive(Clone, Copy)]
pub(crate) enum Column {
    Metadata,
    MetadataSignature,
}

/// The server's database, opened as a compromised server would use it.
async fn database(server: &TestServer) -> Result<sqlx::SqliteConnection> {
    Ok(SqliteConnectOptions::new()
        .filename(server.data_dir.path().join("signet.db"))
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await?)
}

/// What the server stores for credential `id`: `(metadata, metadata_signature)`.
pub(crate) async fn stored(server: &TestServer, id: &str) -> Result<(String, String)> {
    let mut db = database(server).await?;
    let found: (String, String) =
        sqlx::query_as("SELECT metadata, metadata_signature FROM credentials WHERE id = ?1")
            .bind(id)
            .fetch_one(&mut db)
            .await?;
    db.close().await?;
    Ok(found)
}

/// Rewrites one column of credential `id` in the server's database.
pub(crate) async fn tamper(
    server: &TestServer,
    id: &str,
    column: Column,
    value: &str,
) -> Result<()> {
    let sql = match column {
        Column::Metadata => "UPDATE credentials SET metadata = ?1 WHERE id = ?2",
        Column::MetadataSignature => "UPDATE credentials SET metadata_signature = ?1 WHERE id = ?2",
    };
    let mut db = database(server).await?;
    let done = sqlx::query(sql)
        .bind(value)
        .bind(id)
        .execute(&mut db)
        .await?;
    db.close().await?;
    ensure!(done.rows_affected() == 1, "credential {id} is not stored");
    Ok(())
}

/// `metadata` with `changes` merged in.
pub(crate) fn altered(metadata: &str, changes: Value) -> Result<String> {
    let mut meta: Value = serde_json::from_str(metadata)?;
    let (Some(meta_fields), Value::Object(changes)) = (meta.as_object_mut(), changes) else {
        bail!("metadata is not an object: {metadata}");
    };
    meta_fields.extend(changes);
    Ok(meta.to_string())
}

/// The forged values never reach the user, in the JSON or the table.
fn ensure_no_forgery(output: &str) -> Result<()> {
    ensure!(
        !output.contains("DE:AD:BE:EF")
            && !output.contains(&FORGED_NOT_AFTER.to_string())
            && !output.contains("2100-01-01"),
        "the CLI shows the server's forged metadata:\n{output}"
    );
    Ok(())
}

/// The JSON row of a credential whose metadata did not verify: flagged, with the reason,
/// and no fingerprint or expiry to act on.
fn ensure_unverified(row: &Value) -> Result<()> {
    ensure!(
        row["fingerprint"].is_null() && row["not_after"].is_null() && row["days_left"].is_null(),
        "an unverified credential's fingerprint or expiry is shown: {row:#}"
    );
    ensure!(row["verified"] == false, "{row:#}");
    ensure!(
        row["unverified_reason"]
            .as_str()
            .is_some_and(|r| r.contains(UNVERIFIED_METADATA)),
        "{row:#}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_forged_metadata_is_shown_unverified_by_the_cli() -> Result<()> {
    let server = TestServer::start().await?;
    let (dev, id) = developer_with_keystore(&server).await?;
    let (genuine, _) = stored(&server, &id).await?;
    let genuine_sha1 = serde_json::from_str::<Value>(&genuine)?["sha1"]
        .as_str()
        .context("sha1")?
        .to_owned();

    // Before the attack: the real fingerprint (shown only when verified).
    let rows = dev.credential_rows(&[]).await?;
    let before = row(&rows, &id)?;
    ensure!(
        before["fingerprint"] == genuine_sha1.as_str() && before["verified"] != false,
        "{before:#}"
    );

    let forged = altered(
        &genuine,
        json!({
            "sha1": FORGED_SHA1,
            "sha256": format!("{FORGED_SHA1}:{FORGED_SHA1}"),
            "not_after": FORGED_NOT_AFTER,
        }),
    )?;
    tamper(&server, &id, Column::Metadata, &forged).await?;

    let json_out = dev.succeeds(&["credentials", "--json"]).await?;
    ensure_no_forgery(&json_out.stdout)?;
    let rows: Vec<Value> = serde_json::from_str(&json_out.stdout)?;
    ensure_unverified(row(&rows, &id)?)?;

    for args in [&["credentials"][..], &["credentials", "--app", "Acme"]] {
        let table = dev.succeeds(args).await?;
        ensure_no_forgery(&table.stdout)?;
        ensure!(
            table
                .stdout
                .contains(&format!("{id}: {UNVERIFIED_METADATA}")),
            "{table:#?}"
        );
        ensure!(
            table
                .stdout
                .lines()
                .any(|l| l.starts_with(&id) && l.contains("unverified")),
            "{table:#?}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_broken_metadata_signature_is_shown_unverified_by_the_cli() -> Result<()> {
    let server = TestServer::start().await?;
    let (dev, id) = developer_with_keystore(&server).await?;
    let (genuine, signature) = stored(&server, &id).await?;
    let genuine_sha1 = serde_json::from_str::<Value>(&genuine)?["sha1"]
        .as_str()
        .context("sha1")?
        .to_owned();
    let rows = dev.credential_rows(&[]).await?;
    let before = row(&rows, &id)?;
    ensure!(
        before["fingerprint"] == genuine_sha1.as_str() && before["verified"] != false,
        "{before:#}"
    );

    // One bit of the signature's `s` flipped; the metadata itself untouched.
    let mut bytes = URL_SAFE_NO_PAD.decode(&signature)?;
    let last = bytes.last_mut().context("an empty signature")?;
    *last ^= 0x01;
    tamper(
        &server,
        &id,
        Column::MetadataSignature,
        &URL_SAFE_NO_PAD.encode(&bytes),
    )
    .await?;

    let rows = dev.credential_rows(&[]).await?;
    ensure_unverified(row(&rows, &id)?)?;
    let table = dev.succeeds(&["credentials"]).await?;
    ensure!(
        table
            .stdout
            .contains(&format!("{id}: {UNVERIFIED_METADATA}")),
        "{table:#?}"
    );
    // Even the genuine fingerprint is not vouched for when its signature fails.
    ensure!(!table.stdout.contains(&genuine_sha1), "{table:#?}");

    // Garbage in place of a signature is no different.
    tamper(&server, &id, Column::MetadataSignature, "not-a-signature").await?;
    ensure_unverified(row(&dev.credential_rows(&[]).await?, &id)?)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_push_never_reuses_an_unverified_credential() -> Result<()> {
    let server = TestServer::start().await?;
    let (dev, planted) = developer_with_keystore(&server).await?;

    // The user's own keystore, to be pushed (as when migrating from EAS).
    let project = tempfile::tempdir()?;
    std::fs::create_dir_all(project.path().join("android"))?;
    let jks = project.path().join("android/upload.jks");
    let entry = dev
        .ok(&[
            "keystore",
            "generate",
            "--package",
            "com.acme.app",
            "--out",
            &text(&jks),
        ])
        .await?;
    let mut entry: Value = serde_json::from_str(&entry)?;
    let field = |name: &str| {
        entry[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{name} in {entry}"))
    };
    let mine = Payload::AndroidKeystore {
        keystore: SecretText::from_bytes(&std::fs::read(&jks)?),
        keystore_password: SecretText::new(field("keystorePassword")?),
        key_alias: field("keyAlias")?,
        key_password: SecretText::new(field("keyPassword")?),
    }
    .inspect()?;
    entry["keystorePath"] = "android/upload.jks".into();
    let credentials_json = project.path().join("credentials.json");
    std::fs::write(
        &credentials_json,
        serde_json::to_vec(&json!({ "android": { "keystore": entry } }))?,
    )?;

    // The server makes its own credential claim the identity of the user's keystore.
    let (genuine, _) = stored(&server, &planted).await?;
    let claim = altered(
        &genuine,
        json!({ "sha1": mine["sha1"], "sha256": mine["sha256"] }),
    )?;
    tamper(&server, &planted, Column::Metadata, &claim).await?;

    let push = dev
        .succeeds(&["push", &text(&credentials_json), "--app", "Acme"])
        .await?;
    ensure!(
        !push.stderr.contains("already stored as"),
        "push reused the server's credential as the user's: {push:#?}"
    );
    ensure!(
        push.stderr.contains(&planted) && push.stderr.contains("not reusing it"),
        "{push:#?}"
    );

    // The user's keystore is stored, verified, and is what the slot now uses.
    let rows = dev.credential_rows(&[]).await?;
    ensure!(rows.len() == 2, "{rows:#?}");
    ensure_unverified(row(&rows, &planted)?)?;
    let stored_anew = rows
        .iter()
        .find(|r| r["id"] != planted.as_str())
        .context("the pushed keystore")?;
    ensure!(
        stored_anew["verified"] == true && stored_anew["fingerprint"] == mine["sha1"],
        "{stored_anew:#}"
    );
    ensure!(
        stored_anew["slots"][0]["default"] == true,
        "{stored_anew:#}"
    );
    // What a build gets is the user's keystore, byte for byte, not the server's.
    let out = tempfile::tempdir()?;
    dev.ok(&["pull", "--app", "Acme", "--out", &text(out.path())])
        .await?;
    ensure!(
        std::fs::read(out.path().join("credentials/android/keystore.jks"))? == std::fs::read(&jks)?,
        "pull wrote another keystore than the one pushed"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn credentials_say_why_a_machine_cannot_verify_and_signet_teams_verify_fixes_it() -> Result<()>
{
    let server = TestServer::start().await?;
    let (dev, id) = developer_with_keystore(&server).await?;

    // A config without the mirrored pins (as written before this machine unlocked once).
    let mut config: Value = serde_json::from_slice(&std::fs::read(dev.config_file())?)?;
    ensure!(
        config["pins"].as_object().is_some_and(|p| p.len() == 1),
        "the team's pin is kept on this machine: {config:#}"
    );
    config
        .as_object_mut()
        .context("config object")?
        .remove("pins");
    std::fs::write(dev.config_file(), serde_json::to_vec(&config)?)?;
    let out = dev.succeeds(&["credentials", "--json"]).await?;
    let rows: Vec<Value> = serde_json::from_str(&out.stdout)?;
    let unpinned = row(&rows, &id)?;
    ensure!(
        unpinned["verified"] == false && unpinned["fingerprint"].is_null(),
        "{unpinned:#}"
    );
    ensure!(
        out.stderr
            .contains("cannot be verified on this machine yet")
            && out.stderr.contains("signet teams verify"),
        "{out:#?}"
    );
    let verify = dev.succeeds(&["teams", "verify"]).await?;
    ensure!(
        verify.stdout.contains("✓ Acme: membership log verified"),
        "{verify:#?}"
    );
    ensure!(row(&dev.credential_rows(&[]).await?, &id)?["verified"] == true);

    // Another machine: signing in is enough.
    let laptop = Cli::signed_in(&server.url, "dev").await?;
    ensure!(row(&laptop.credential_rows(&[]).await?, &id)?["verified"] == true);

    // A robot token verifies the team's log from the anchor sealed under its secret: the
    // same metadata is verified for CI.
    let token = dev
        .ok(&["token", "create", "--app", "Acme"])
        .await?
        .trim()
        .to_owned();
    let mut ci = Cli::new(&server.url)?.env("SIGNET_TOKEN", Some(&token));
    let out = ci.succeeds(&["credentials", "--json"]).await?;
    let rows: Vec<Value> = serde_json::from_str(&out.stdout)?;
    let robot_row = row(&rows, &id)?;
    ensure!(
        robot_row["verified"] == true && !robot_row["fingerprint"].is_null(),
        "{robot_row:#}"
    );

    // A token made before tokens carried an anchor (no card, no anchor) cannot: unverified,
    // and it says so.
    let session =
        Session::login(&Api::new(&server.url), "dev@example.test", PASSWORD, false).await?;
    let team = session.teams().await?.remove(0).id;
    let app = session.api.apps(&team).await?.remove(0).id;
    let legacy = signet_core::vault::robot::RobotToken::generate("legacy01")?;
    let key = session.team_key(&team).await?;
    let cred = session.api.credential(&team, &id).await?;
    let item_key = signet_core::vault::item::WrappedItemKey::from_base64(
        cred.wrapped_key.as_deref().context("wrapped key")?,
    )?
    .open(&key, &team, &id)?;
    let grant = signet_core::wire::robot::RobotGrant {
        credential_id: id.clone(),
        wrapped_key: legacy.grant(&item_key, &team, &id)?.to_base64(),
        kind: signet_core::wire::robot::RobotGrantKind::Sealed,
    };
    let _: Value = session
        .api
        .post(
            &format!("/teams/{team}/robots"),
            &signet_core::wire::robot::CreateRobotRequest {
                id: legacy.id().into(),
                name: "old CI".into(),
                app_ids: vec![app],
                expires_at: signet_server::store::now() + 3600,
                auth_half: legacy.auth_half()?,
                grants: vec![grant],
                card: None,
                anchor: None,
            },
        )
        .await?;
    ci.set_env(
        "SIGNET_TOKEN",
        Some(legacy.dangerously_to_string().as_str()),
    );
    let out = ci.succeeds(&["credentials", "--json"]).await?;
    let rows: Vec<Value> = serde_json::from_str(&out.stdout)?;
    let legacy_row = row(&rows, &id)?;
    ensure!(
        legacy_row["verified"] == false && legacy_row["fingerprint"].is_null(),
        "{legacy_row:#}"
    );
    ensure!(
        out.stderr.contains("robot token") && out.stderr.contains("no anchor"),
        "{out:#?}"
    );
    Ok(())
}
