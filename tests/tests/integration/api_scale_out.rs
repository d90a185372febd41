//! Scale-out: two `signet serve` replicas on one PostgreSQL behave as one server. A user's
//! requests alternate between them; sessions, invitations, revisions, rate limits and the
//! audit log all live in the database, so neither replica notices.

use anyhow::{Result, ensure};
use signet_client::{Api, ClientError, Session, credential::NewCredential, http::Auth};
use signet_core::wire::{Page, Role, audit::AuditEntry, credential::CredentialKind};
use signet_tests::{
    api::{PASSWORD, user},
    paths, postgres,
    server::ServeProcess,
};

fn on(session: &Session, replica: &ServeProcess) -> Session {
    let mut moved = session.clone();
    moved.api = Api::new(&replica.url).with_auth(Auth::Bearer(session.token.clone()));
    moved
}

#[tokio::test]
async fn two_replicas_on_one_postgres_act_as_one_server() -> Result<()> {
    let Some(url) = postgres::database("scale_out").await? else {
        return Ok(());
    };
    let dist = paths::dist()?;
    let (da, db) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let mut a = ServeProcess::start_with(da.path(), &dist, Some(&url))?;
    let mut b = ServeProcess::start_with(db.path(), &dist, Some(&url))?;
    a.health().await?;
    b.health().await?;

    // Register on A; the session works on B.
    let owner_a = user(&Api::new(&a.url), "owner").await?;
    let owner_b = on(&owner_a, &b);
    ensure!(owner_b.teams().await?.is_empty());
    let (team, key) = owner_b.create_team("Scaled").await?;
    let cred = owner_a
        .create_credential(
            &team.id,
            &key,
            &NewCredential {
                kind: CredentialKind::AscApiKey,
                label: "ASC",
                metadata: serde_json::json!({}),
                payload: b"v1",
            },
        )
        .await?;
    let (_, opened) = owner_b.read_credential(&team.id, &key, &cred.id).await?;
    ensure!(opened.as_slice() == b"v1");

    // Revisions are shared: an update through B makes A's stale write a 409.
    let v2 = NewCredential {
        kind: CredentialKind::AscApiKey,
        label: "ASC",
        metadata: serde_json::json!({}),
        payload: b"v2",
    };
    owner_b
        .update_credential(&team.id, &key, &cred.id, cred.kind, 1, &v2)
        .await?;
    let stale = owner_a
        .update_credential(&team.id, &key, &cred.id, cred.kind, 1, &v2)
        .await;
    ensure!(
        matches!(&stale, Err(ClientError::Api { status: 409, .. })),
        "{stale:?}"
    );

    // Each replica caches rendered list pages; a change through the other replica is seen on
    // the very next list (the cache is keyed by a counter in the shared database).
    let labels = |list: Vec<signet_core::wire::credential::CredentialInfo>| {
        list.into_iter()
            .map(|c| (c.label, c.revision))
            .collect::<Vec<_>>()
    };
    ensure!(labels(owner_a.credentials(&team.id, false).await?) == [("ASC".to_owned(), 2)]);
    let v3 = NewCredential {
        label: "ASC renamed",
        ..v2
    };
    owner_b
        .update_credential(&team.id, &key, &cred.id, cred.kind, 2, &v3)
        .await?;
    ensure!(labels(owner_a.credentials(&team.id, false).await?) == [("ASC renamed".to_owned(), 3)]);
    owner_b.api.trash_credential(&team.id, &cred.id).await?;
    ensure!(owner_a.credentials(&team.id, false).await?.is_empty());
    ensure!(owner_a.credentials(&team.id, true).await?.len() == 1);
    owner_b.api.restore_credential(&team.id, &cred.id).await?;
    ensure!(owner_a.credentials(&team.id, true).await?.is_empty());
    ensure!(owner_a.credentials(&team.id, false).await?.len() == 1);

    // An invitation made on A is accepted on B, once.
    let dev_b = user(&Api::new(&b.url), "dev").await?;
    let (_, link) = owner_a.invite(&team.id, &key, Role::Developer).await?;
    dev_b.accept_invite(&link).await?;
    let again = on(&dev_b, &a).accept_invite(&link).await;
    ensure!(
        matches!(&again, Err(ClientError::Api { status: 410, .. })),
        "{again:?}"
    );

    // Each replica remembers the membership log it last verified; what the other replica
    // appended meanwhile is read and verified on the next change.
    let dev2 = user(&Api::new(&a.url), "dev2").await?;
    let (_, link) = owner_a.invite(&team.id, &key, Role::Developer).await?;
    on(&dev2, &b).accept_invite(&link).await?;
    let dev3 = user(&Api::new(&b.url), "dev3").await?;
    let (_, link) = owner_b.invite(&team.id, &key, Role::Developer).await?;
    on(&dev3, &a).accept_invite(&link).await?;
    let key = owner_b.rotate_team_key(&team.id, &key).await?;
    ensure!(on(&dev3, &a).team_key(&team.id).await?.version() == key.version());

    // Rate limits count across replicas: failures alternate between A and B.
    let mut limited = false;
    for i in 0..12 {
        let replica = if i % 2 == 0 { &a } else { &b };
        match Session::login(&Api::new(&replica.url), "dev@example.test", "wrong", true).await {
            Err(ClientError::Api { status: 429, .. }) => {
                limited = true;
                break;
            }
            Err(ClientError::Api { status: 401, .. }) => {}
            other => anyhow::bail!("unexpected login result {other:?}"),
        }
    }
    ensure!(limited, "12 alternating failures were never rate limited");

    // The audit log is one log; logout on B ends the session on A too.
    let log: Page<AuditEntry> = owner_a
        .api
        .get(&format!("/teams/{}/audit?limit=500", team.id))
        .await?;
    ensure!(log.entries.iter().any(|e| e.action == "member.joined"));
    ensure!(
        log.entries
            .iter()
            .filter(|e| e.action == "credential.payload_read")
            .count()
            == 1
    );
    owner_b.logout().await?;
    let ended = owner_a.teams().await;
    ensure!(
        matches!(&ended, Err(ClientError::Api { status: 401, .. })),
        "{ended:?}"
    );
    Session::login(&Api::new(&a.url), "owner@example.test", PASSWORD, true).await?;
    Ok(())
}
