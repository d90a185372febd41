//! Durability: no acknowledged write is ever lost — not to a race between two clients, not
//! under fifty concurrent writers, not to `kill -9` in the middle of a stream of writes — and
//! `signet backup`, taken while the server serves, restores every credential byte for byte.
//!
//! Writes go through `signet-client` (sealed on the client, as in real use); the
//! [`Ledger`] remembers what the server acknowledged, and [`check`] reads it all back.

use std::{
    path::Path,
    process::Command,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail, ensure};
use signet_client::{Api, ClientError, Session, credential::NewCredential, http::Auth};
use signet_core::{
    vault::team_key::TeamKey,
    wire::{Role, credential::CredentialKind},
};
use signet_tests::{
    api::{Db, PASSWORD, server_on, user},
    durability::{Ledger, Rng, WriteError, Writer, check, digest, lock, seed, sqlite_integrity},
    paths,
    server::ServeProcess,
};

/// The same signed-in user, talking to the server at `url` (a restarted server has a new port;
/// sessions live in the database, so the token still works).
fn at(session: &Session, url: &str) -> Session {
    let mut moved = session.clone();
    moved.api = Api::new(url).with_auth(Auth::Bearer(session.token.clone()));
    moved
}

/// `count` writers sharing `session`'s team, splitting `ids` between them round-robin.
fn writers(
    session: &Session,
    team: (&str, &TeamKey),
    count: usize,
    ids: Vec<(String, i64)>,
    rng: &mut Rng,
    create_one_in: u64,
) -> Vec<Writer> {
    let mut own = vec![Vec::new(); count];
    for (i, id) in ids.into_iter().enumerate() {
        own[i % count].push(id);
    }
    own.into_iter()
        .enumerate()
        .map(|(i, own)| Writer::new(i, session.clone(), team, rng.fork(), own, create_one_in))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Two clients, one revision.

fn upload_key(payload: &[u8]) -> NewCredential<'_> {
    NewCredential {
        kind: CredentialKind::AndroidKeystore,
        label: "Upload key",
        metadata: serde_json::json!({}),
        payload,
    }
}

async fn one_of_two_updates_at_the_same_revision_wins(db: Db) -> Result<()> {
    let server = server_on(&db).await?;
    let api = Api::new(&server.url);
    let owner = user(&api, "owner").await?;
    let dev = user(&api, "dev").await?;
    let (team, owner_key) = owner.create_team("Race").await?;
    let (_, link) = owner.invite(&team.id, &owner_key, Role::Developer).await?;
    let (_, dev_key) = dev.accept_invite(&link).await?;
    let kind = CredentialKind::AndroidKeystore;
    let cred = owner
        .create_credential(&team.id, &owner_key, &upload_key(b"revision 1"))
        .await?;
    let mut revision = cred.revision;
    let (mut owner_won, mut dev_won) = (0, 0);
    for round in 0..20 {
        let mine = format!("owner, round {round}").into_bytes();
        let theirs = format!("dev, round {round}").into_bytes();
        let (a_new, b_new) = (upload_key(&mine), upload_key(&theirs));
        let (a, b) = tokio::join!(
            owner.update_credential(&team.id, &owner_key, &cred.id, kind, revision, &a_new),
            dev.update_credential(&team.id, &dev_key, &cred.id, kind, revision, &b_new),
        );
        let (winner, won, lost) = match (a, b) {
            (Ok(won), Err(lost)) => {
                owner_won += 1;
                (&mine, won, lost)
            }
            (Err(lost), Ok(won)) => {
                dev_won += 1;
                (&theirs, won, lost)
            }
            (a, b) => bail!(
                "round {round}: exactly one update at revision {revision} must win; owner got \
                 {a:?}, dev got {b:?}"
            ),
        };
        ensure!(
            matches!(&lost, ClientError::Api { status: 409, code, .. } if code == "stale_revision"),
            "round {round}: the loser must get 409 stale_revision, got {lost:?}"
        );
        ensure!(won.revision == revision + 1, "round {round}: {won:?}");
        let (stored, plain) = owner
            .read_credential(&team.id, &owner_key, &cred.id)
            .await?;
        ensure!(
            stored.revision == revision + 1 && plain.as_slice() == winner.as_slice(),
            "round {round}: the stored payload must be the winner's (revision {})",
            stored.revision
        );
        revision = stored.revision;
    }
    eprintln!("20 races at one revision: the owner won {owner_won}, the developer {dev_won}");
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_concurrency_two_updates_at_one_revision_exactly_one_wins_on_sqlite()
-> Result<()> {
    one_of_two_updates_at_the_same_revision_wins(Db::Sqlite).await
}

/// Six clients take turns on one credential as fast as they can, each updating at the
/// revision it last saw and reloading on 409. An accepted update must be answered with the
/// revision and label *it* wrote: a client that is told a later revision (someone else's)
/// would next update at that revision and silently overwrite a change it never saw.
async fn every_update_is_answered_with_its_own_revision(db: Db) -> Result<()> {
    let server = server_on(&db).await?;
    let api = Api::new(&server.url);
    let owner = user(&api, "owner").await?;
    let (team, key) = owner.create_team("Busy").await?;
    let cred = owner
        .create_credential(&team.id, &key, &upload_key(b"revision 1"))
        .await?;
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..6 {
        let (session, team_id, key, id) =
            (owner.clone(), team.id.clone(), key.clone(), cred.id.clone());
        tasks.spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(3);
            let (mut revision, mut accepted, mut refused) = (1, 0, 0);
            while Instant::now() < deadline {
                let label = format!("client {client} at {revision}");
                let update = NewCredential {
                    kind: CredentialKind::AndroidKeystore,
                    label: &label,
                    metadata: serde_json::json!({}),
                    payload: label.as_bytes(),
                };
                match session
                    .update_credential(&team_id, &key, &id, update.kind, revision, &update)
                    .await
                {
                    Ok(info) => {
                        ensure!(
                            info.revision == revision + 1 && info.label == label,
                            "client {client} updated at revision {revision} and was answered \
                             revision {} labelled {:?}",
                            info.revision,
                            info.label
                        );
                        revision = info.revision;
                        accepted += 1;
                    }
                    Err(ClientError::Api { status: 409, .. }) => {
                        let now: signet_core::wire::credential::CredentialInfo = session
                            .api
                            .get(&format!("/teams/{team_id}/credentials/{id}"))
                            .await?;
                        revision = now.revision;
                        refused += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            anyhow::Ok((accepted, refused))
        });
    }
    let (mut accepted, mut refused) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        let (a, r) = done??;
        accepted += a;
        refused += r;
    }
    let stored: signet_core::wire::credential::CredentialInfo = owner
        .api
        .get(&format!("/teams/{}/credentials/{}", team.id, cred.id))
        .await?;
    ensure!(
        stored.revision == 1 + accepted,
        "{accepted} accepted updates, revision {}",
        stored.revision
    );
    eprintln!(
        "6 clients on one credential: {accepted} updates accepted, {refused} refused as stale"
    );
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_concurrency_every_update_is_answered_with_its_own_revision_on_sqlite()
-> Result<()> {
    every_update_is_answered_with_its_own_revision(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_concurrency_two_updates_at_one_revision_exactly_one_wins_on_postgres()
-> Result<()> {
    match signet_tests::postgres::database("durability_race").await? {
        Some(url) => one_of_two_updates_at_the_same_revision_wins(Db::Postgres(url)).await,
        None => Ok(()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_concurrency_every_update_is_answered_with_its_own_revision_on_postgres()
-> Result<()> {
    match signet_tests::postgres::database("durability_own_revision").await? {
        Some(url) => every_update_is_answered_with_its_own_revision(Db::Postgres(url)).await,
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Fifty writers for ten seconds.

const WRITERS: usize = 50;
const TEAMS: usize = 5;
const WRITING_FOR: Duration = Duration::from_secs(10);

async fn fifty_writers_lose_nothing(db: Db) -> Result<()> {
    let server = server_on(&db).await?;
    let api = Api::new(&server.url);
    let mut rng = Rng::new(seed("SIGNET_DURABILITY_SEED"));
    // Five teams of ten writers: writers of one team contend for its row (a write checks the
    // team key version under a lock), the teams write side by side.
    let mut teams = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TEAMS {
        let owner = user(&api, &format!("owner{t}")).await?;
        let (team, key) = owner.create_team(&format!("Team {t}")).await?;
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let team_writers = writers(
            &owner,
            (&team.id, &key),
            WRITERS / TEAMS,
            Vec::new(),
            &mut rng,
            4,
        );
        for mut writer in team_writers {
            let ledger = Arc::clone(&ledger);
            tasks.spawn(async move {
                let deadline = Instant::now() + WRITING_FOR;
                while Instant::now() < deadline {
                    writer.write(&ledger).await?;
                }
                Ok::<_, WriteError>(())
            });
        }
        teams.push((owner, team.id, key, ledger));
    }
    let started = Instant::now();
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done? {
            failures.push(e.to_string());
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let written: u64 = teams.iter().map(|t| lock(&t.3).acknowledged()).sum();
    let credentials: usize = teams.iter().map(|t| lock(&t.3).credentials()).sum();
    eprintln!(
        "{WRITERS} writers, {elapsed:.1} s: {written} writes acknowledged ({:.0} writes/s), \
         {credentials} credentials, {} failed",
        written as f64 / elapsed,
        failures.len()
    );
    ensure!(
        failures.is_empty(),
        "{} of {WRITERS} writers failed; first: {}",
        failures.len(),
        failures[0]
    );
    for (owner, team_id, key, ledger) in &teams {
        let checked = check(ledger, owner, (team_id, key), true).await?;
        ensure!(checked.credentials == lock(ledger).credentials());
    }
    eprintln!("every acknowledged write read back with its latest content");
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_concurrency_fifty_writers_for_ten_seconds_lose_nothing_on_sqlite() -> Result<()>
{
    fifty_writers_lose_nothing(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_concurrency_fifty_writers_for_ten_seconds_lose_nothing_on_postgres()
-> Result<()> {
    match signet_tests::postgres::database("durability_writers").await? {
        Some(url) => fifty_writers_lose_nothing(Db::Postgres(url)).await,
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// kill -9 during a stream of writes.

/// Concurrent writers per round.
const CRASH_WRITERS: usize = 4;
/// The longest a round writes before the kill.
const CRASH_MAX_MS: u64 = 300;
/// The latest a restart is killed after it said it is running (while it opens the database).
const STARTUP_MAX_MS: u64 = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_crash_sigkill_during_writes_loses_no_acknowledged_write() -> Result<()> {
    let rounds: u32 = match std::env::var("SIGNET_SOAK_ROUNDS") {
        Ok(n) => n
            .trim()
            .parse()
            .context("SIGNET_SOAK_ROUNDS must be a number")?,
        Err(_) => 50,
    };
    let seed = seed("SIGNET_CRASH_SEED");
    let mut rng = Rng::new(seed);
    let dist = paths::dist()?;
    let data = tempfile::tempdir()?;
    let database = data.path().join("signet.db");
    let started = Instant::now();

    let mut server = ServeProcess::start(data.path(), &dist)?;
    server.health().await?;
    let owner = user(&Api::new(&server.url), "owner").await?;
    let (team, key) = owner.create_team("Crash test").await?;
    let team = (team.id.as_str(), &key);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut landed = 0;
    let mut early_kills = 0;

    for round in 0..rounds {
        let context = || format!("round {round} of {rounds} (SIGNET_CRASH_SEED={seed})");
        let session = at(&owner, &server.url);
        let ids = lock(&ledger).ids();
        let killing = Arc::new(AtomicBool::new(false));
        let mut tasks = tokio::task::JoinSet::new();
        for mut writer in writers(&session, team, CRASH_WRITERS, ids, &mut rng, 3) {
            let (ledger, killing) = (Arc::clone(&ledger), Arc::clone(&killing));
            tasks.spawn(async move {
                loop {
                    if let Err(e) = writer.write(&ledger).await {
                        // After the kill every write fails; before it, none may.
                        return match (killing.load(Ordering::SeqCst), e) {
                            (true, WriteError::Client(_)) => Ok(()),
                            (_, e) => Err(e),
                        };
                    }
                }
            });
        }
        tokio::time::sleep(Duration::from_millis(rng.below(CRASH_MAX_MS + 1))).await;
        killing.store(true, Ordering::SeqCst);
        server.kill9()?;
        while let Some(done) = tokio::time::timeout(Duration::from_secs(30), tasks.join_next())
            .await
            .with_context(|| format!("{}: a writer hung after the kill", context()))?
        {
            done?.with_context(|| format!("{}: a write failed before the kill", context()))?;
        }

        let verdict = sqlite_integrity(&database).await.with_context(context)?;
        ensure!(
            verdict == ["ok"],
            "{}: PRAGMA integrity_check after SIGKILL: {verdict:?}",
            context()
        );
        // One restart in five is killed too, while it opens (and recovers) the database.
        if rng.below(5) == 0 {
            let mut early = ServeProcess::start(data.path(), &dist).with_context(context)?;
            tokio::time::sleep(Duration::from_millis(rng.below(STARTUP_MAX_MS + 1))).await;
            early.kill9()?;
            early_kills += 1;
            let verdict = sqlite_integrity(&database).await.with_context(context)?;
            ensure!(
                verdict == ["ok"],
                "{}: PRAGMA integrity_check after SIGKILL during start-up: {verdict:?}",
                context()
            );
        }
        server = ServeProcess::start(data.path(), &dist).with_context(context)?;
        server.health().await.with_context(context)?;
        let checked = check(&ledger, &at(&owner, &server.url), team, false)
            .await
            .with_context(context)?;
        landed += checked.in_flight_landed;
        if (round + 1) % 100 == 0 {
            eprintln!(
                "{} rounds, {} writes acknowledged, {:.0} s",
                round + 1,
                lock(&ledger).acknowledged(),
                started.elapsed().as_secs_f64()
            );
        }
    }

    let checked = check(&ledger, &at(&owner, &server.url), team, true).await?;
    let acknowledged = lock(&ledger).acknowledged();
    eprintln!(
        "{rounds} SIGKILLs in {:.1} s: {acknowledged} writes acknowledged, all present \
         ({} credentials, every payload read back); {landed} writes in flight at a kill landed; \
         {early_kills} more SIGKILLs during start-up",
        started.elapsed().as_secs_f64(),
        checked.credentials,
    );
    server.signal("TERM")?;
    ensure!(server.wait_exit(Duration::from_secs(10))? == Some(0));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Backup while serving, restore into a fresh data dir.

fn signet_backup(out: &Path, data_dir: &Path) -> Result<std::process::Output> {
    Ok(Command::new(paths::signet_bin()?)
        .arg("backup")
        .arg("--out")
        .arg(out)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("SIGNET_DATA_DIR")
        .output()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_backup_while_serving_restores_every_credential_byte_for_byte() -> Result<()> {
    let dist = paths::dist()?;
    let data = tempfile::tempdir()?;
    let backups = tempfile::tempdir()?;
    let mut rng = Rng::new(seed("SIGNET_DURABILITY_SEED"));
    let mut server = ServeProcess::start(data.path(), &dist)?;
    server.health().await?;
    let owner = user(&Api::new(&server.url), "owner").await?;
    let (team, key) = owner.create_team("Backed up").await?;
    let team = (team.id.as_str(), &key);
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    // Some history: creates and updates from four writers.
    let mut crew = writers(&owner, team, 4, Vec::new(), &mut rng, 3);
    for _ in 0..15 {
        for writer in &mut crew {
            writer.write(&ledger).await?;
        }
    }
    let (before, acked_before) = {
        let ledger = lock(&ledger);
        (ledger.snapshot(), ledger.acknowledged())
    };

    // The backup runs while the same writers keep writing.
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for mut writer in crew {
        let (ledger, stop) = (Arc::clone(&ledger), Arc::clone(&stop));
        tasks.spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                writer.write(&ledger).await?;
            }
            Ok::<_, WriteError>(())
        });
    }
    let copy = backups.path().join("signet-backup.db");
    let (out_path, data_dir) = (copy.clone(), data.path().to_path_buf());
    let out = tokio::task::spawn_blocking(move || signet_backup(&out_path, &data_dir)).await??;
    stop.store(true, Ordering::SeqCst);
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    ensure!(
        out.status.success(),
        "signet backup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    ensure!(said.contains("integrity checked"), "{said}");
    let during = lock(&ledger).acknowledged() - acked_before;
    ensure!(sqlite_integrity(&copy).await? == ["ok"]);

    // A second backup to the same file is refused and leaves the first alone.
    let first = digest(&std::fs::read(&copy)?);
    let again = signet_backup(&copy, data.path())?;
    ensure!(!again.status.success());
    ensure!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    ensure!(digest(&std::fs::read(&copy)?) == first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy)?.permissions().mode() & 0o777;
        ensure!(mode == 0o600, "the backup is mode {mode:o}, not 0600");
    }
    server.signal("TERM")?;
    ensure!(server.wait_exit(Duration::from_secs(10))? == Some(0));

    // Restore: the copy becomes signet.db of a fresh data dir.
    let restored = tempfile::tempdir()?;
    std::fs::copy(&copy, restored.path().join("signet.db"))?;
    let mut server = ServeProcess::start(restored.path(), &dist)?;
    server.health().await?;
    let api = Api::new(&server.url);
    let owner = Session::login(&api, "owner@example.test", PASSWORD, true).await?;
    let key = owner.team_key(team.0).await?;
    // (id, newest acknowledged, every acknowledged version)
    let written: Vec<_> = {
        let ledger = lock(&ledger);
        ledger
            .snapshot()
            .into_iter()
            .map(|(id, acked)| {
                let history = ledger.history(&id).to_vec();
                (id, acked, history)
            })
            .collect()
    };
    let mut read = 0;
    for (id, acked, history) in written {
        let sent = |found: (i64, [u8; 32])| history.iter().any(|v| (v.revision, v.digest) == found);
        let stored = owner.read_credential(team.0, &key, &id).await;
        let Some(old) = before.get(&id) else {
            // Created while the backup ran: in the copy or not, but never half.
            if let Ok((p, plain)) = stored {
                let found = (p.revision, digest(&plain));
                ensure!(
                    sent(found),
                    "credential {id}: the backup holds a version no writer sent"
                );
                read += 1;
            }
            continue;
        };
        let (p, plain) = stored.with_context(|| {
            format!("credential {id} was acknowledged before the backup and is not in it")
        })?;
        let found = (p.revision, digest(&plain));
        // The copy is one consistent moment during the backup: at least what was acknowledged
        // before it started, at most the newest, and always a version a writer sent.
        ensure!(
            p.revision >= old.revision && p.revision <= acked.revision && sent(found),
            "credential {id}: the backup holds revision {}, acknowledged before it: {}, \
             newest: {}, or its payload is no version a writer sent",
            p.revision,
            old.revision,
            acked.revision
        );
        read += 1;
    }
    eprintln!(
        "backup taken during {during} concurrent writes; {read} credentials restored and read \
         back byte for byte ({} acknowledged before the backup)",
        before.len()
    );
    server.signal("TERM")?;
    ensure!(server.wait_exit(Duration::from_secs(10))? == Some(0));
    Ok(())
}

#[test]
fn durability_backup_refuses_postgres_and_a_data_dir_without_a_database() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("copy.db");
    let empty = dir.path().join("no-server-here");
    let missing = signet_backup(&out, &empty)?;
    ensure!(!missing.status.success());
    let said = String::from_utf8_lossy(&missing.stderr);
    ensure!(said.contains("no Signet database"), "{said}");
    ensure!(
        !empty.exists(),
        "a backup must not create a database (or its directory)"
    );

    let postgres = Command::new(paths::signet_bin()?)
        .args(["backup", "--out"])
        .arg(&out)
        .env(
            "DATABASE_URL",
            "postgres://signet:secret@127.0.0.1:1/signet",
        )
        .output()?;
    ensure!(!postgres.status.success());
    let said = String::from_utf8_lossy(&postgres.stderr);
    ensure!(
        said.contains("pg_dump") && !said.contains("secret"),
        "{said}"
    );
    ensure!(!out.exists());
    Ok(())
}
