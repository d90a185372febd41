//! The story every backend must tell the same way: accounts, teams, invitations, credentials
//! with revisions and trash, member removal with key rotation, robot tokens, the audit log.
//! Runs on SQLite always and on PostgreSQL when the harness provides one.

use anyhow::{Result, ensure};
use signet_client::{Api, ClientError, Session, credential::NewCredential, robot::RobotSession};
use signet_core::wire::{
    Page, Role,
    app::{AppInfo, AppRequest, AssignRequest, Assignment, IosTarget, Platform},
    audit::AuditEntry,
    credential::{CredentialInfo, CredentialKind},
};
use signet_tests::api::{Db, PASSWORD, join, on_postgres, server_on, user, weak_kdf};

fn code(r: &Result<impl std::fmt::Debug, ClientError>) -> Option<(u16, String)> {
    match r {
        Err(ClientError::Api { status, code, .. }) => Some((*status, code.clone())),
        _ => None,
    }
}

async fn story(db: Db) -> Result<()> {
    let server = server_on(&db).await?;
    let api = Api::new(&server.url);

    // Accounts: register, a second login unlocks the same keys, wrong password is refused.
    let owner = user(&api, "owner").await?;
    let again = Session::login(&api, "OWNER@example.test", PASSWORD, true).await?;
    ensure!(again.user.id == owner.user.id);
    ensure!(again.account.key_pair.fingerprint() == owner.account.key_pair.fingerprint());
    let wrong = Session::login(&api, "owner@example.test", "wrong", true).await;
    ensure!(
        code(&wrong) == Some((401, "bad_credentials".into())),
        "{wrong:?}"
    );
    let taken = Session::register(&api, "owner@example.test", PASSWORD, weak_kdf()).await;
    ensure!(code(&taken) == Some((409, "email_taken".into())));

    // A team with an app and an Android keystore credential.
    let (team, key) = owner.create_team("Acme").await?;
    ensure!(team.role == Role::Owner && team.key_version == 1);
    let app: AppInfo = owner
        .api
        .post(
            &format!("/teams/{}/apps", team.id),
            &AppRequest {
                name: "Acme App".into(),
                android_package: Some("com.acme.app".into()),
                ios_targets: vec![IosTarget {
                    target: "App".into(),
                    bundle_id: "com.acme.app".into(),
                }],
            },
        )
        .await?;
    let secret = b"{\"keystore\":\"base64...\",\"keystorePassword\":\"s3cr3t-store\"}";
    let cred = owner
        .create_credential(
            &team.id,
            &key,
            &NewCredential {
                kind: CredentialKind::AndroidKeystore,
                label: "Upload key",
                metadata: serde_json::json!({"sha1": "AA:BB", "alias": "upload"}),
                payload: secret,
            },
        )
        .await?;
    ensure!(cred.revision == 1);
    let (_, opened) = owner.read_credential(&team.id, &key, &cred.id).await?;
    ensure!(opened.as_slice() == secret);
    let assigned: Vec<Assignment> = owner
        .api
        .put(
            &format!("/teams/{}/apps/{}/assignments", team.id, app.id),
            &AssignRequest {
                platform: Platform::Android,
                profile: "production".into(),
                target: String::new(),
                credential_id: cred.id.clone(),
                is_default: true,
                robot_grants: Vec::new(),
            },
        )
        .await?;
    ensure!(assigned.len() == 1 && assigned[0].is_default);

    // Invite a developer and a viewer by link.
    let dev = user(&api, "dev").await?;
    let viewer = user(&api, "viewer").await?;
    let (_, dev_link) = owner.invite(&team.id, &key, Role::Developer).await?;
    let (joined, dev_key) = dev.accept_invite(&dev_link).await?;
    ensure!(joined.role == Role::Developer);
    let again = dev.accept_invite(&dev_link).await;
    ensure!(
        code(&again).map(|c| c.0) == Some(410),
        "re-accept: {again:?}"
    );
    join(&owner, &team.id, &key, &viewer, Role::Viewer).await?;
    let (_, opened) = dev.read_credential(&team.id, &dev_key, &cred.id).await?;
    ensure!(opened.as_slice() == secret);

    // Viewers see metadata but no wrapped keys and no payloads.
    let seen: Page<CredentialInfo> = viewer
        .api
        .get(&format!("/teams/{}/credentials", team.id))
        .await?;
    ensure!(seen.entries.len() == 1 && seen.entries[0].wrapped_key.is_none());
    let denied: Result<serde_json::Value, _> = viewer
        .api
        .get(&format!(
            "/teams/{}/credentials/{}/payload",
            team.id, cred.id
        ))
        .await;
    ensure!(code(&denied) == Some((403, "forbidden".into())));
    let denied: Result<serde_json::Value, _> =
        viewer.api.get(&format!("/teams/{}/key", team.id)).await;
    ensure!(code(&denied) == Some((403, "forbidden".into())));

    // Optimistic concurrency: the second writer at the same revision gets 409.
    let update = NewCredential {
        kind: CredentialKind::AndroidKeystore,
        label: "Upload key (renamed)",
        metadata: serde_json::json!({"sha1": "AA:BB", "alias": "upload"}),
        payload: b"v2",
    };
    let first = dev
        .update_credential(&team.id, &dev_key, &cred.id, cred.kind, 1, &update)
        .await?;
    ensure!(first.revision == 2);
    let second = owner
        .update_credential(&team.id, &key, &cred.id, cred.kind, 1, &update)
        .await;
    ensure!(
        code(&second) == Some((409, "stale_revision".into())),
        "{second:?}"
    );
    let (p, opened) = owner.read_credential(&team.id, &key, &cred.id).await?;
    ensure!(p.revision == 2 && opened.as_slice() == b"v2");

    // A robot token scoped to the app reads the assigned credential, nothing else.
    let other = owner
        .create_credential(
            &team.id,
            &key,
            &NewCredential {
                kind: CredentialKind::ApplePushKey,
                label: "Push",
                metadata: serde_json::json!({}),
                payload: b"p8",
            },
        )
        .await?;
    let fresh: CredentialInfo = owner
        .api
        .get(&format!("/teams/{}/credentials/{}", team.id, cred.id))
        .await?;
    let (_, token) = owner
        .create_robot(
            &team.id,
            &key,
            "CI",
            std::slice::from_ref(&app.id),
            &[fresh],
            signet_server::store::now() + 3600,
        )
        .await?;
    let robot = RobotSession::new(&api, &token.dangerously_to_string())?;
    let (_, opened) = robot.read_credential(&team.id, &cred.id).await?;
    ensure!(opened.as_slice() == b"v2");
    let out_of_scope = robot.read_credential(&team.id, &other.id).await;
    ensure!(
        code(&out_of_scope) == Some((403, "out_of_scope".into())),
        "{out_of_scope:?}"
    );
    let listed: Page<CredentialInfo> = robot
        .api
        .get(&format!("/teams/{}/credentials", team.id))
        .await?;
    ensure!(listed.entries.len() == 1 && listed.entries[0].id == cred.id);

    // Remove the developer: their next request is refused, the team needs a rotation; the
    // owner rotates and everyone left (and the robot) still reads.
    owner.remove_member(&team.id, &dev.user.id).await?;
    let gone: Result<serde_json::Value, _> = dev
        .api
        .get(&format!("/teams/{}/credentials", team.id))
        .await;
    ensure!(code(&gone) == Some((404, "not_found".into())));
    let teams = owner.teams().await?;
    ensure!(teams[0].rotation_needed);
    let new_key = owner.rotate_team_key(&team.id, &key).await?;
    ensure!(new_key.version() == 2);
    let (_, opened) = owner.read_credential(&team.id, &new_key, &cred.id).await?;
    ensure!(opened.as_slice() == b"v2");
    let (_, opened) = robot.read_credential(&team.id, &cred.id).await?;
    ensure!(opened.as_slice() == b"v2");
    let stale: Result<serde_json::Value, _> = owner
        .api
        .post(
            &format!("/teams/{}/rotation", team.id),
            &signet_core::wire::team::RotationRequest {
                from_version: 1,
                self_wrapped_team_key: "AAAAAAAAAAAAAAAAAAAAAA".into(),
                member_keys: vec![],
                item_keys: vec![],
                log_entry: "AAAA".into(),
            },
        )
        .await;
    ensure!(
        code(&stale) == Some((409, "key_version_changed".into())),
        "stale rotation: {stale:?}"
    );

    // Trash, restore, purge.
    let _: () = owner
        .api
        .delete::<(), ()>(
            &format!("/teams/{}/credentials/{}", team.id, other.id),
            None,
        )
        .await?;
    // A trashed credential's payload is not served (the member's read and the payload's are
    // one query), and a failed read leaves no audit entry; restored, it reads again.
    let reads = |page: Page<AuditEntry>| {
        page.entries
            .iter()
            .filter(|e| e.target_id == other.id)
            .count()
    };
    let audit_reads = format!(
        "/teams/{}/audit?action=credential.payload_read&limit=100",
        team.id
    );
    let before = reads(owner.api.get(&audit_reads).await?);
    let gone = owner.read_credential(&team.id, &new_key, &other.id).await;
    ensure!(code(&gone) == Some((404, "not_found".into())), "{gone:?}");
    ensure!(reads(owner.api.get(&audit_reads).await?) == before);
    let trash: Page<CredentialInfo> = owner
        .api
        .get(&format!("/teams/{}/credentials?deleted=true", team.id))
        .await?;
    ensure!(trash.entries.len() == 1 && trash.entries[0].id == other.id);
    let _: () = owner
        .api
        .post(
            &format!("/teams/{}/credentials/{}/restore", team.id, other.id),
            &(),
        )
        .await?;
    owner.read_credential(&team.id, &new_key, &other.id).await?;
    ensure!(reads(owner.api.get(&audit_reads).await?) == before + 1);
    let _: () = owner
        .api
        .delete::<(), ()>(
            &format!("/teams/{}/credentials/{}", team.id, other.id),
            None,
        )
        .await?;
    let _: () = owner
        .api
        .delete::<(), ()>(
            &format!("/teams/{}/credentials/{}/purge", team.id, other.id),
            None,
        )
        .await?;
    let purged: Result<CredentialInfo, _> = owner
        .api
        .get(&format!("/teams/{}/credentials/{}", team.id, other.id))
        .await;
    ensure!(code(&purged).map(|c| c.0) == Some(404));

    // The revoked robot token stops working.
    let robots: Vec<serde_json::Value> =
        owner.api.get(&format!("/teams/{}/robots", team.id)).await?;
    let robot_id = robots[0]["id"].as_str().unwrap_or_default().to_owned();
    let _: () = owner
        .api
        .delete::<(), ()>(&format!("/teams/{}/robots/{robot_id}", team.id), None)
        .await?;
    let revoked = robot.read_credential(&team.id, &cred.id).await;
    ensure!(code(&revoked) == Some((401, "unauthenticated".into())));

    // The audit log recorded the reads and changes, newest first, paginated.
    let page: Page<AuditEntry> = owner
        .api
        .get(&format!("/teams/{}/audit?limit=5", team.id))
        .await?;
    ensure!(page.entries.len() == 5 && page.next.is_some());
    let reads: Page<AuditEntry> = owner
        .api
        .get(&format!(
            "/teams/{}/audit?action=credential.payload_read&limit=100",
            team.id
        ))
        .await?;
    ensure!(
        reads.entries.len() >= 5,
        "payload reads: {}",
        reads.entries.len()
    );
    ensure!(reads.entries.iter().any(|e| e.actor_robot_id.is_some()));
    // Every entry names its subject by label, not only by id: who was removed, which
    // robot token was revoked.
    let all: Page<AuditEntry> = owner
        .api
        .get(&format!("/teams/{}/audit?limit=200", team.id))
        .await?;
    let detail_of = |action: &str| {
        all.entries
            .iter()
            .find(|e| e.action == action)
            .map(|e| e.detail.clone())
            .unwrap_or_default()
    };
    ensure!(
        detail_of("member.removed").contains("dev@example.test"),
        "{:?}",
        detail_of("member.removed")
    );
    ensure!(
        !detail_of("robot.revoked").is_empty(),
        "robot.revoked has no subject"
    );
    // A slot change names the credential by its label, not its id.
    let slots: Vec<&AuditEntry> = all
        .entries
        .iter()
        .filter(|e| e.action == "assignment.changed")
        .collect();
    ensure!(
        !slots.is_empty()
            && slots
                .iter()
                .all(|e| e.detail.contains('“') && !e.detail.contains(&e.target_id)),
        "{slots:#?}"
    );

    // The last owner can neither leave nor be demoted.
    let leave = owner.leave_team(&team.id).await;
    ensure!(code(&leave) == Some((409, "last_owner".into())));

    // Password change keeps the keys and signs out other sessions; recovery works.
    let other_session = Session::login(&api, "owner@example.test", PASSWORD, true).await?;
    owner
        .change_password(PASSWORD, "new password", weak_kdf())
        .await?;
    let signed_out = other_session.teams().await;
    ensure!(code(&signed_out) == Some((401, "unauthenticated".into())));
    let relogged = Session::login(&api, "owner@example.test", "new password", true).await?;
    let (_, opened) = relogged
        .read_credential(&team.id, &relogged.team_key(&team.id).await?, &cred.id)
        .await?;
    ensure!(opened.as_slice() == b"v2");

    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn the_story_holds_on_sqlite() -> Result<()> {
    story(Db::Sqlite).await
}

#[tokio::test]
async fn the_story_holds_on_postgres() -> Result<()> {
    on_postgres("story", story).await
}

#[tokio::test]
async fn recovery_code_restores_an_account_and_its_keys() -> Result<()> {
    let server = server_on(&Db::Sqlite).await?;
    let api = Api::new(&server.url);
    let (alice, code) = Session::register(&api, "alice@example.test", PASSWORD, weak_kdf()).await?;
    let (team, key) = alice.create_team("Solo").await?;
    let c = alice
        .create_credential(
            &team.id,
            &key,
            &NewCredential {
                kind: CredentialKind::AscApiKey,
                label: "ASC",
                metadata: serde_json::json!({}),
                payload: b"p8 key",
            },
        )
        .await?;
    let wrong = signet_core::vault::recovery::RecoveryCode::generate()?;
    let refused = Session::recover(&api, "alice@example.test", &wrong, "x", weak_kdf()).await;
    ensure!(matches!(refused, Err(ClientError::Api { status: 401, .. })));
    let (recovered, next) =
        Session::recover(&api, "alice@example.test", &code, "brand new", weak_kdf()).await?;
    let key = recovered.team_key(&team.id).await?;
    let (_, opened) = recovered.read_credential(&team.id, &key, &c.id).await?;
    ensure!(opened.as_slice() == b"p8 key");
    let old = alice.teams().await;
    ensure!(
        matches!(old, Err(ClientError::Api { status: 401, .. })),
        "old session survived recovery"
    );
    Session::login(&api, "alice@example.test", "brand new", true).await?;
    // The code is used up: it no longer recovers; the new one does, and opens the same keys.
    let reused = Session::recover(&api, "alice@example.test", &code, "again", weak_kdf()).await;
    ensure!(
        matches!(reused, Err(ClientError::Api { status: 401, .. })),
        "the used recovery code still works: {reused:?}"
    );
    ensure!(
        next.dangerously_display().as_str() != code.dangerously_display().as_str(),
        "the same code came back"
    );
    let (again, _) =
        Session::recover(&api, "alice@example.test", &next, "third", weak_kdf()).await?;
    let key = again.team_key(&team.id).await?;
    let (_, opened) = again.read_credential(&team.id, &key, &c.id).await?;
    ensure!(opened.as_slice() == b"p8 key");
    server.stop().await?;
    Ok(())
}

/// The credential list is served from rendered pages while the team's credentials are
/// unchanged; every kind of change must show on the very next list.
async fn every_change_shows_in_the_next_list(db: Db) -> Result<()> {
    let server = server_on(&db).await?;
    let owner = user(&Api::new(&server.url), "lister").await?;
    let (team, key) = owner.create_team("Listed").await?;
    let seen = |list: Vec<CredentialInfo>| {
        list.into_iter()
            .map(|c| (c.label, c.revision, c.key_version))
            .collect::<Vec<_>>()
    };
    ensure!(owner.credentials(&team.id, false).await?.is_empty());
    let new = |label| NewCredential {
        kind: CredentialKind::AscApiKey,
        label,
        metadata: serde_json::json!({}),
        payload: b"secret",
    };
    let cred = owner.create_credential(&team.id, &key, &new("one")).await?;
    ensure!(seen(owner.credentials(&team.id, false).await?) == [("one".into(), 1, 1)]);
    owner
        .update_credential(&team.id, &key, &cred.id, cred.kind, 1, &new("renamed"))
        .await?;
    ensure!(seen(owner.credentials(&team.id, false).await?) == [("renamed".into(), 2, 1)]);
    owner.api.trash_credential(&team.id, &cred.id).await?;
    ensure!(owner.credentials(&team.id, false).await?.is_empty());
    ensure!(seen(owner.credentials(&team.id, true).await?) == [("renamed".into(), 2, 1)]);
    owner.api.restore_credential(&team.id, &cred.id).await?;
    ensure!(owner.credentials(&team.id, true).await?.is_empty());
    let key = owner.rotate_team_key(&team.id, &key).await?;
    ensure!(seen(owner.credentials(&team.id, false).await?) == [("renamed".into(), 2, 2)]);
    owner.create_credential(&team.id, &key, &new("two")).await?;
    let page: Page<CredentialInfo> = owner
        .api
        .get(&format!("/teams/{}/credentials?limit=1", team.id))
        .await?;
    ensure!(page.entries.len() == 1 && page.next.is_some());
    ensure!(owner.credentials(&team.id, false).await?.len() == 2);
    Ok(())
}

#[tokio::test]
async fn every_change_shows_in_the_next_list_on_sqlite() -> Result<()> {
    every_change_shows_in_the_next_list(Db::Sqlite).await
}

#[tokio::test]
async fn every_change_shows_in_the_next_list_on_postgres() -> Result<()> {
    on_postgres("list_changes", every_change_shows_in_the_next_list).await
}

/// A credential an app uses says so to every reader, and is trashed only when the caller
/// confirms, the refusal naming each use; viewers may not trash it either way.
#[tokio::test]
async fn a_credential_in_use_says_where_and_is_trashed_only_when_confirmed() -> Result<()> {
    let server = server_on(&Db::Sqlite).await?;
    let api = Api::new(&server.url);
    let owner = user(&api, "owner").await?;
    let viewer = user(&api, "viewer").await?;
    let (team, key) = owner.create_team("Acme").await?;
    join(&owner, &team.id, &key, &viewer, Role::Viewer).await?;
    let app = signet_tests::api::android_app(&owner, &team.id, "Acme App", "com.acme.app").await?;
    let keystore = async |label: &str| {
        owner
            .create_credential(
                &team.id,
                &key,
                &NewCredential {
                    kind: CredentialKind::AndroidKeystore,
                    label,
                    metadata: serde_json::json!({}),
                    payload: b"secret",
                },
            )
            .await
    };
    let cred = keystore("upload").await?;
    let spare = keystore("spare").await?;
    owner
        .assign(
            &team.id,
            &app.id,
            &key,
            &AssignRequest {
                platform: Platform::Android,
                profile: "production".into(),
                target: String::new(),
                credential_id: cred.id.clone(),
                is_default: true,
                robot_grants: vec![],
            },
        )
        .await?;

    // Every reader sees where it is used; an unassigned one lists nothing.
    for reader in [&owner, &viewer] {
        let info = reader.api.credential(&team.id, &cred.id).await?;
        ensure!(
            info.in_use.len() == 1
                && info.in_use[0].app_name == "Acme App"
                && info.in_use[0].is_default
                && info.in_use[0].describe() == "Acme App · Android · production (default)",
            "{:?}",
            info.in_use
        );
    }
    ensure!(
        owner
            .api
            .credential(&team.id, &spare.id)
            .await?
            .in_use
            .is_empty()
    );

    // Unconfirmed: 409 naming the use, nothing moved. Viewers: 403 either way.
    let refused = owner.api.trash_credential(&team.id, &cred.id).await;
    ensure!(
        code(&refused) == Some((409, "credential_in_use".into())),
        "{refused:?}"
    );
    ensure!(
        refused.as_ref().err().is_some_and(|e| e
            .to_string()
            .contains("Acme App · Android · production (default)")),
        "{refused:?}"
    );
    ensure!(owner.credentials(&team.id, true).await?.is_empty());
    let denied = viewer.api.trash_credential_in_use(&team.id, &cred.id).await;
    ensure!(code(&denied).map(|c| c.0) == Some(403), "{denied:?}");

    // An unused one needs no confirmation; a confirmed one goes.
    owner.api.trash_credential(&team.id, &spare.id).await?;
    owner
        .api
        .trash_credential_in_use(&team.id, &cred.id)
        .await?;
    ensure!(owner.credentials(&team.id, true).await?.len() == 2);
    ensure!(owner.credentials(&team.id, false).await?.is_empty());
    // The audit names what was trashed, and whose role changed.
    owner.api.restore_credential(&team.id, &cred.id).await?;
    owner
        .change_role(&team.id, &viewer.user.id, Role::Developer)
        .await?;
    let log: Page<AuditEntry> = owner
        .api
        .get(&format!("/teams/{}/audit?limit=50", team.id))
        .await?;
    let details = |action: &str| -> Vec<String> {
        log.entries
            .iter()
            .filter(|e| e.action == action)
            .map(|e| e.detail.clone())
            .collect()
    };
    ensure!(
        details("credential.deleted")
            .iter()
            .any(|d| d.contains("\"upload\""))
            && details("credential.deleted")
                .iter()
                .any(|d| d.contains("\"spare\"")),
        "{:?}",
        details("credential.deleted")
    );
    ensure!(
        details("credential.restored") == ["android_keystore \"upload\""],
        "{:?}",
        details("credential.restored")
    );
    ensure!(
        details("member.role_changed") == ["viewer@example.test: viewer → developer"],
        "{:?}",
        details("member.role_changed")
    );
    server.stop().await
}

/// A change refused after its membership-log entry was checked (here a rotation that no
/// longer covers every credential: one was added while it was being prepared) leaves the log
/// as it was: the retry, signed for the same place in the log, goes through, and the team
/// then takes further changes. The server remembers the log it last verified; this is what
/// proves it forgets an entry whose transaction rolled back.
async fn a_refused_rotation_leaves_the_log_as_it_was(db: Db) -> Result<()> {
    let server = server_on(&db).await?;
    let api = Api::new(&server.url);
    let owner = user(&api, "owner").await?;
    let dev = user(&api, "dev").await?;
    let (team, key) = owner.create_team("Acme").await?;
    join(&owner, &team.id, &key, &dev, Role::Developer).await?;
    let dev_key = dev.team_key(&team.id).await?;
    let new = |label| NewCredential {
        kind: CredentialKind::AscApiKey,
        label,
        metadata: serde_json::json!({}),
        payload: b"secret",
    };
    owner.create_credential(&team.id, &key, &new("one")).await?;
    let raced = owner
        .rotate_team_key_reporting(&team.id, &key, &|step| {
            if step.starts_with("Re-wrapping") {
                tokio::task::block_in_place(|| {
                    tokio::runtime::Handle::current().block_on(dev.create_credential(
                        &team.id,
                        &dev_key,
                        &new("two"),
                    ))
                })
                .expect("the racing create");
            }
        })
        .await;
    ensure!(
        code(&raced) == Some((409, "credentials_changed".into())),
        "{raced:?}"
    );
    let key = owner.rotate_team_key(&team.id, &key).await?;
    ensure!(key.version() == 2);
    let newcomer = user(&api, "newcomer").await?;
    join(&owner, &team.id, &key, &newcomer, Role::Developer).await?;
    ensure!(newcomer.team_key(&team.id).await?.version() == 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_rotation_leaves_the_log_as_it_was_on_sqlite() -> Result<()> {
    a_refused_rotation_leaves_the_log_as_it_was(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_rotation_leaves_the_log_as_it_was_on_postgres() -> Result<()> {
    on_postgres(
        "refused_rotation",
        a_refused_rotation_leaves_the_log_as_it_was,
    )
    .await
}
