//! The server on a real PostgreSQL: the database `cargo xtask test` provides, the health
//! report, migrations that run once, and two `signet serve` replicas sharing one database.
//!
//! Each test skips (with a note) when no test server is configured, and fails on CI.

use signet_tests::{
    paths, postgres,
    server::{ServeProcess, TestServer},
};
use sqlx::{Connection, PgConnection};

#[tokio::test]
async fn each_test_gets_its_own_empty_database_that_keeps_what_is_written() -> anyhow::Result<()> {
    let Some(first) = postgres::database("harness_first").await? else {
        return Ok(());
    };
    let Some(second) = postgres::database("harness_second").await? else {
        return Ok(());
    };
    assert_ne!(first, second);

    let mut conn = PgConnection::connect(&first).await?;
    sqlx::raw_sql("CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&mut conn)
        .await?;
    sqlx::query("INSERT INTO notes (id, body) VALUES ($1, $2)")
        .bind(1_i64)
        .bind("kept")
        .execute(&mut conn)
        .await?;
    conn.close().await?;

    // A new connection reads what the first one committed.
    let mut conn = PgConnection::connect(&first).await?;
    let body: String = sqlx::query_scalar("SELECT body FROM notes WHERE id = $1")
        .bind(1_i64)
        .fetch_one(&mut conn)
        .await?;
    assert_eq!(body, "kept");
    conn.close().await?;

    // The other database is a different, empty one.
    let mut conn = PgConnection::connect(&second).await?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut conn)
    .await?;
    assert_eq!(tables, 0, "a fresh test database must be empty");
    conn.close().await?;
    Ok(())
}

#[tokio::test]
async fn health_reports_postgres_and_a_restart_reuses_the_migrated_database() -> anyhow::Result<()>
{
    let Some(url) = postgres::database("health").await? else {
        return Ok(());
    };
    for round in 0..2 {
        // The second start finds the tables the first one created: re-running a migration
        // would fail there, so starting proves the ledger works on Postgres too.
        let server = TestServer::start_on(&url).await?;
        let health: signet_core::wire::Health = reqwest::get(format!("{}/api/health", server.url))
            .await?
            .json()
            .await?;
        assert_eq!(health.status, "ok", "round {round}");
        assert_eq!(health.database, "postgres", "round {round}");
        let ready: signet_core::wire::Readiness =
            reqwest::get(format!("{}/api/health/ready", server.url))
                .await?
                .error_for_status()?
                .json()
                .await?;
        assert_eq!(ready.database, "postgres", "round {round}");
        server.stop().await?;
    }
    let mut conn = PgConnection::connect(&url).await?;
    let migrations: i64 = sqlx::query_scalar("SELECT count(*) FROM signet_migrations")
        .fetch_one(&mut conn)
        .await?;
    assert!(migrations >= 1, "no migration was recorded");
    conn.close().await?;
    Ok(())
}

#[tokio::test]
async fn two_serve_replicas_started_together_on_an_empty_database_both_serve() -> anyhow::Result<()>
{
    let Some(url) = postgres::database("replicas").await? else {
        return Ok(());
    };
    let dist = paths::dist()?;
    let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    // Started back to back, the two race to migrate the empty database. The advisory lock
    // makes one wait for the other; without it the loser fails on a table the winner just
    // created ("relation already exists") and exits instead of becoming healthy.
    let mut replicas = [
        ServeProcess::start_with(a.path(), &dist, Some(&url))?,
        ServeProcess::start_with(b.path(), &dist, Some(&url))?,
    ];
    for replica in &mut replicas {
        let health = replica.health().await?;
        assert_eq!(health.database, "postgres", "{}", replica.url);
    }
    assert_ne!(replicas[0].url, replicas[1].url);

    for replica in &replicas {
        replica.signal("TERM")?;
    }
    for replica in &mut replicas {
        let code = replica.wait_exit(std::time::Duration::from_secs(10))?;
        assert_eq!(code, Some(0), "a replica did not shut down cleanly");
    }
    Ok(())
}
