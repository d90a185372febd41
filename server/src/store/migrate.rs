//! Embedded schema migrations, one list per backend.
//!
//! Each migration runs once, in order, inside a transaction, and is recorded in
//! `signet_migrations`. Replicas starting together on one Postgres serialise on an advisory
//! lock so a migration never runs twice.

use sqlx::AnyPool;

/// `(version, name, sql)` — append only; never edit a released migration.
type Migration = (i64, &'static str, &'static str);

const SQLITE: &[Migration] = &[
    (
        1,
        "meta",
        include_str!("../../migrations/sqlite/0001_meta.sql"),
    ),
    (
        2,
        "core",
        include_str!("../../migrations/sqlite/0002_core.sql"),
    ),
    (
        3,
        "credential_order",
        include_str!("../../migrations/sqlite/0003_credential_order.sql"),
    ),
    (
        4,
        "credentials_rev",
        include_str!("../../migrations/sqlite/0004_credentials_rev.sql"),
    ),
    (
        5,
        "team_log",
        include_str!("../../migrations/sqlite/0005_team_log.sql"),
    ),
    (
        6,
        "robot_cards",
        include_str!("../../migrations/sqlite/0006_robot_cards.sql"),
    ),
    (
        7,
        "alerts",
        include_str!("../../migrations/sqlite/0007_alerts.sql"),
    ),
    (
        8,
        "destination_position",
        include_str!("../../migrations/sqlite/0008_destination_position.sql"),
    ),
    (
        9,
        "signup_invites",
        include_str!("../../migrations/sqlite/0009_signup_invites.sql"),
    ),
];

const POSTGRES: &[Migration] = &[
    (
        1,
        "meta",
        include_str!("../../migrations/postgres/0001_meta.sql"),
    ),
    (
        2,
        "core",
        include_str!("../../migrations/postgres/0002_core.sql"),
    ),
    (
        3,
        "credential_order",
        include_str!("../../migrations/postgres/0003_credential_order.sql"),
    ),
    (
        4,
        "credentials_rev",
        include_str!("../../migrations/postgres/0004_credentials_rev.sql"),
    ),
    (
        5,
        "team_log",
        include_str!("../../migrations/postgres/0005_team_log.sql"),
    ),
    (
        6,
        "robot_cards",
        include_str!("../../migrations/postgres/0006_robot_cards.sql"),
    ),
    (
        7,
        "alerts",
        include_str!("../../migrations/postgres/0007_alerts.sql"),
    ),
    (
        8,
        "destination_position",
        include_str!("../../migrations/postgres/0008_destination_position.sql"),
    ),
    (
        9,
        "signup_invites",
        include_str!("../../migrations/postgres/0009_signup_invites.sql"),
    ),
];

/// The advisory lock replicas take while migrating. Any constant works as long as every
/// replica uses the same one: this is "signet" in ASCII (0x7369676e6574).
const MIGRATION_LOCK: i64 = 0x7369_676e_6574;

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS signet_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// Applies the pending SQLite migrations.
pub(super) async fn sqlite(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(CREATE_LEDGER).execute(pool).await?;
    for &(version, name, sql) in SQLITE {
        let mut tx = pool.begin().await?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM signet_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_none() {
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO signet_migrations (version, name, applied_at) VALUES ($1, $2, datetime('now'))",
            )
            .bind(version)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Applies the pending Postgres migrations under an advisory lock.
pub(super) async fn postgres(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(CREATE_LEDGER).execute(&mut *tx).await?;
    for &(version, name, sql) in POSTGRES {
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM signet_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_none() {
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO signet_migrations (version, name, applied_at) VALUES ($1, $2, now()::text)",
            )
            .bind(version)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}
