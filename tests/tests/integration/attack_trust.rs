//! A malicious server tries to make the real `signet` CLI (and the `signet-client` flows it is
//! built on) trust keys the server made (issue 17, V1). The server is the real one; the
//! attacker is [`TamperProxy`] between the client and it, rewriting answers the way a
//! compromised server would: a team key "rotated" by an admin it invented, a key "sent" by
//! the user herself with the server's keys listed as hers, a member's public keys swapped
//! for the server's, a team log of its own, and an invitation pointing at a team it made.
//!
//! What must hold: nothing the server made is ever used — no invented key is pinned, nothing
//! is encrypted under one — every refusal says what was wrong, and once the proxy is honest
//! again the genuine key still works.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use signet_client::{Api, Session, team::InviteLink};
use signet_core::{
    vault::{
        ecies::{EciesContext, EciesWrappedTeamKey},
        keypair::UserKeyPair,
        membership::{TeamState, listing::Listing},
        team_key::TeamKey,
    },
    wire::Role,
};
use signet_tests::{
    cli::{Cli, account},
    proxy::{Answer, TamperProxy},
    server::TestServer,
};

/// A made-up user id for the admin the server invents.
const MALLORY: &str = "6d616c6c-6f72-4079-8000-000000000001";

/// Olga's team Acme with an Android app, Dev as a developer (joined through an invitation
/// link, so her account pins the team's log), and Dev's CLI signed in through the proxy.
struct World {
    server: TestServer,
    proxy: TamperProxy,
    olga: Session,
    dev: Session,
    team: String,
    key: TeamKey,
    cli: Cli,
}

async fn world() -> Result<World> {
    let server = TestServer::start().await?;
    let proxy = TamperProxy::start(&server.url).await?;
    let olga = account(&Api::new(&server.url), "olga").await?;
    let dev = account(&Api::new(&server.url), "dev").await?;
    let (team, key) = olga.create_team("Acme").await?;
    let (_, link) = olga.invite(&team.id, &key, Role::Developer).await?;
    dev.accept_invite(&link).await?;
    let _: Value = olga
        .api
        .post(
            &format!("/teams/{}/apps", team.id),
            &json!({"name": "Acme", "android_package": "com.acme.app"}),
        )
        .await?;
    let cli = Cli::signed_in(&proxy.url, "dev").await?;
    Ok(World {
        server,
        proxy,
        olga,
        dev,
        team: team.id,
        key,
        cli,
    })
}

/// The members list with `extra` added (what the server claims).
fn with_member(answer: &mut Answer, extra: Value) -> Result<()> {
    let mut members = answer.json()?;
    members
        .as_array_mut()
        .context("members is an array")?
        .push(extra);
    answer.set_json(&members)
}

/// How many credentials the team really holds (asked of the real server).
async fn stored(w: &World) -> Result<usize> {
    Ok(w.olga.credentials(&w.team, false).await?.len())
}

/// The user's CLI must still work with the genuine key once the proxy is honest again.
async fn genuine_key_still_works(w: &World) -> Result<()> {
    w.proxy.clear();
    w.cli
        .ok(&["keystore", "generate", "--app", "Acme", "--remote"])
        .await?;
    ensure!(stored(w).await? == 1, "the genuine key stores one keystore");
    let (key, _) = w.dev.team_key_and_state(&w.team).await?;
    ensure!(key.version() == w.key.version());
    Ok(())
}

/// The server invents an owner (Mallory, with keys it made), lists her in `/members`, and
/// hands Dev a "rotated" team key version 2 that Mallory signed. The old client looked the
/// sender up in `/members`, accepted the key, pinned version 2 and encrypted a new keystore
/// under it (which the server could then open).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_cli_team_key_from_an_invented_admin_is_refused() -> Result<()> {
    let w = world().await?;
    let mallory = UserKeyPair::generate()?;
    let dev_keys = w.dev.account.key_pair.public_keys()?.verify()?;
    let invented = TeamKey::generate_first()?.generate_next()?;
    let wrap = EciesWrappedTeamKey::seal(
        &mallory,
        &dev_keys,
        &EciesContext {
            team_id: &w.team,
            sender_id: MALLORY,
            recipient_id: &w.dev.user.id,
        },
        &invented,
    )?
    .to_base64();
    let mallory_keys = mallory.public_keys()?;
    let fingerprint = mallory_keys.verify()?.fingerprint().to_string();
    let listed = w.proxy.on("GET", "/api/teams/{}/members", move |a| {
        with_member(
            a,
            json!({
                "user_id": MALLORY, "email": "mallory@example.test", "role": "owner",
                "fingerprint": fingerprint, "public_keys": mallory_keys.to_base64(),
                "joined_at": 1,
            }),
        )
    });
    let key_served = w.proxy.on("GET", "/api/teams/{}/key", move |a| {
        a.set_json(&json!({
            "key_version": 2, "kind": "ecies", "wrapped": wrap, "sender_id": MALLORY,
        }))
    });
    let stderr = w
        .cli
        .fails(&["keystore", "generate", "--app", "Acme", "--remote"])
        .await?;
    ensure!(key_served.count() > 0, "the invented key was never served");
    ensure!(
        stderr.contains("team key version 2") && stderr.contains("signed log"),
        "{stderr}"
    );
    ensure!(
        stored(&w).await? == 0,
        "a keystore was stored under the invented key"
    );
    // The same invented key at the current version: its signer is not who rotated it.
    let wrap_v1 = EciesWrappedTeamKey::seal(
        &mallory,
        &dev_keys,
        &EciesContext {
            team_id: &w.team,
            sender_id: MALLORY,
            recipient_id: &w.dev.user.id,
        },
        &TeamKey::generate_first()?,
    )?
    .to_base64();
    w.proxy.on("GET", "/api/teams/{}/key", move |a| {
        a.set_json(&json!({
            "key_version": 1, "kind": "ecies", "wrapped": wrap_v1, "sender_id": MALLORY,
        }))
    });
    let stderr = w
        .cli
        .fails(&["keystore", "generate", "--app", "Acme", "--remote"])
        .await?;
    ensure!(
        stderr.contains(MALLORY) && stderr.contains("made it"),
        "{stderr}"
    );
    ensure!(stored(&w).await? == 0);
    let _ = listed.count();
    genuine_key_still_works(&w).await?;
    w.proxy.stop().await?;
    w.server.stop().await
}

/// The server hands Dev a key "sent by herself", with its own keys listed as hers. The old
/// client took the sender's keys from `/members`; the user's own keys must come only from her
/// own decrypted account.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_cli_team_key_sent_as_from_herself_with_server_keys_is_refused() -> Result<()> {
    let w = world().await?;
    let fake_me = UserKeyPair::generate()?;
    let dev_keys = w.dev.account.key_pair.public_keys()?.verify()?;
    let dev_id = w.dev.user.id.clone();
    let wrap = EciesWrappedTeamKey::seal(
        &fake_me,
        &dev_keys,
        &EciesContext {
            team_id: &w.team,
            sender_id: &dev_id,
            recipient_id: &dev_id,
        },
        &TeamKey::generate_first()?.generate_next()?,
    )?
    .to_base64();
    let fake_keys = fake_me.public_keys()?.to_base64();
    let me = dev_id.clone();
    w.proxy.on("GET", "/api/teams/{}/members", move |a| {
        let mut members = a.json()?;
        for m in members.as_array_mut().context("array")? {
            if m["user_id"] == json!(me) {
                m["public_keys"] = json!(fake_keys);
            }
        }
        a.set_json(&members)
    });
    let sender = dev_id.clone();
    let served = w.proxy.on("GET", "/api/teams/{}/key", move |a| {
        a.set_json(&json!({
            "key_version": 1, "kind": "ecies", "wrapped": wrap, "sender_id": sender,
        }))
    });
    let stderr = w
        .cli
        .fails(&["keystore", "generate", "--app", "Acme", "--remote"])
        .await?;
    ensure!(served.count() > 0);
    ensure!(
        stderr.contains(&dev_id) && stderr.contains("made it"),
        "{stderr}"
    );
    ensure!(
        stored(&w).await? == 0,
        "a keystore was stored under the server's key"
    );
    genuine_key_still_works(&w).await?;
    w.proxy.stop().await?;
    w.server.stop().await
}

/// The server swaps Dev's public keys in `/members` for its own while Olga removes someone
/// and rotates: the new team key must be wrapped for the keys the log binds (Dev can open
/// it), never for the server's, and the listing is reported as unverified.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_member_key_substitution_is_flagged_and_never_wrapped_for() -> Result<()> {
    let w = world().await?;
    let leaver = account(&Api::new(&w.server.url), "leaver").await?;
    let (_, link) = w.olga.invite(&w.team, &w.key, Role::Viewer).await?;
    leaver.accept_invite(&link).await?;
    // Olga works through the proxy from here on.
    let mut olga = w.olga.clone();
    olga.api =
        Api::new(&w.proxy.url).with_auth(signet_client::http::Auth::Bearer(w.olga.token.clone()));
    let server_keys = UserKeyPair::generate()?.public_keys()?.to_base64();
    let dev_id = w.dev.user.id.clone();
    let swapped = w.proxy.on("GET", "/api/teams/{}/members", move |a| {
        let mut members = a.json()?;
        for m in members.as_array_mut().context("array")? {
            if m["user_id"] == json!(dev_id) {
                m["public_keys"] = json!(server_keys);
            }
        }
        a.set_json(&members)
    });
    let checked = olga.checked_members(&w.team).await?;
    let dev_row = checked
        .iter()
        .find(|m| m.info.user_id == w.dev.user.id)
        .context("dev listed")?;
    ensure!(
        matches!(&dev_row.check, Listing::Unverified(why) if why.contains("other keys")),
        "{:?}",
        dev_row.check
    );
    olga.remove_member(&w.team, &leaver.user.id).await?;
    let new_key = olga.rotate_team_key(&w.team, &w.key).await?;
    ensure!(swapped.count() > 0, "the swapped listing was never served");
    w.proxy.clear();
    let (dev_key, _) = w.dev.team_key_and_state(&w.team).await?;
    ensure!(dev_key.version() == 2 && new_key.version() == 2);
    let probe = signet_client::credential::NewCredential {
        kind: signet_core::wire::credential::CredentialKind::AndroidKeystore,
        label: "probe",
        metadata: json!({"alias": "upload"}),
        payload: b"after rotation",
    };
    let c = w.dev.create_credential(&w.team, &dev_key, &probe).await?;
    let (_, opened) = w.olga.read_credential(&w.team, &new_key, &c.id).await?;
    ensure!(opened.as_slice() == b"after rotation");
    w.proxy.stop().await?;
    w.server.stop().await
}

/// The server answers `/log` with a team of its own (created by Mallory, who then "invites"
/// nobody and owns everything): the CLI refuses it, since it does not start where Dev's
/// account pinned the team.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_cli_substituted_team_log_is_refused() -> Result<()> {
    let w = world().await?;
    let mallory = UserKeyPair::generate()?;
    let (genesis, _) = TeamState::create(&w.team, MALLORY, &mallory)?;
    let forged = json!({"entries": [genesis.to_base64()]});
    let served = w
        .proxy
        .on("GET", "/api/teams/{}/log", move |a| a.set_json(&forged));
    let stderr = w
        .cli
        .fails(&["keystore", "generate", "--app", "Acme", "--remote"])
        .await?;
    ensure!(served.count() > 0);
    ensure!(stderr.contains("different team"), "{stderr}");
    ensure!(stored(&w).await? == 0);
    // Cutting the log short (hiding the join) is refused too.
    let olga = w.olga.clone();
    let team = w.team.clone();
    let real: signet_core::wire::team::TeamLog =
        olga.api.get(&format!("/teams/{team}/log")).await?;
    let cut = json!({"entries": [real.entries[0]]});
    w.proxy
        .on("GET", "/api/teams/{}/log", move |a| a.set_json(&cut));
    let stderr = w
        .cli
        .fails(&["keystore", "generate", "--app", "Acme", "--remote"])
        .await?;
    ensure!(stderr.contains("cut short"), "{stderr}");
    genuine_key_still_works(&w).await?;
    w.proxy.stop().await?;
    w.server.stop().await
}

/// An invitation whose preview the server rewrites to point at a team it made (its own log,
/// its own team key): the invitee's client refuses, because the anchor sealed under the
/// link's secret names the real team's log.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_invitation_pointing_at_a_server_made_team_is_refused() -> Result<()> {
    let w = world().await?;
    let eve = account(&Api::new(&w.proxy.url), "eve").await?;
    let (_, link) = w.olga.invite(&w.team, &w.key, Role::Developer).await?;
    let mallory = UserKeyPair::generate()?;
    let (genesis, _) = TeamState::create(&w.team, MALLORY, &mallory)?;
    let forged = genesis.to_base64();
    let served = w.proxy.on("POST", "/api/invites/{}/preview", move |a| {
        let mut p = a.json()?;
        p["log"] = json!([forged]);
        a.set_json(&p)
    });
    let refused = eve
        .accept_invite(&InviteLink {
            id: link.id.clone(),
            secret: signet_core::vault::invite::InviteSecret::from_fragment(
                link.secret.dangerously_to_fragment().as_str(),
            )?,
        })
        .await;
    ensure!(served.count() > 0);
    let message = format!("{:#}", refused.err().context("accepted a forged team")?);
    ensure!(message.contains("different team"), "{message}");
    // Honest again: the same link still works (nothing was used up).
    w.proxy.clear();
    eve.accept_invite(&link).await?;
    w.proxy.stop().await?;
    w.server.stop().await
}
