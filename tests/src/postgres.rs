//! PostgreSQL for tests: a fresh database per test, on one server shared by the whole run.
//!
//! `cargo xtask test` starts a throwaway server (`initdb` into a temp dir, a free loopback
//! port) before the tests and stops it after them, passing its superuser URL in
//! `SIGNET_TEST_POSTGRES_URL`. The server cannot belong to the test binary: nextest runs
//! every test in its own process. `cargo xtask postgres` starts the same server by hand.
//!
//! Without the variable the Postgres tests skip with a note, except on CI (`CI=true`), where
//! that is an error: CI must never pass by silently skipping them.

use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result, bail};
use sqlx::{Connection, PgConnection};

/// The variable holding the superuser URL of the test server.
pub const URL_VAR: &str = "SIGNET_TEST_POSTGRES_URL";

/// Creates an empty database for the test `label` and returns its URL, or `None` (after a
/// note on stderr) when no test server is configured outside CI.
///
/// Databases are not dropped: the throwaway server is deleted whole after the run. Point
/// `SIGNET_TEST_POSTGRES_URL` at a server of your own and its `test_*` databases stay there.
pub async fn database(label: &str) -> Result<Option<String>> {
    let Some(admin) = std::env::var(URL_VAR).ok().filter(|url| !url.is_empty()) else {
        if on_ci() {
            bail!(
                "{URL_VAR} is not set, and on CI the PostgreSQL tests must not be skipped: \
                 run them with `cargo xtask test`, which starts a throwaway PostgreSQL"
            );
        }
        eprintln!(
            "note: skipping the PostgreSQL part of `{label}`: {URL_VAR} is not set \
             (`cargo xtask test` sets it; or start a server with `cargo xtask postgres`)"
        );
        return Ok(None);
    };
    let mut conn = PgConnection::connect(&admin)
        .await
        .with_context(|| format!("cannot connect to the test PostgreSQL ({URL_VAR})"))?;
    // Unique within this process by the counter and across processes by the pid; a name left
    // over from an earlier run against the same server is skipped.
    static NEXT: AtomicU32 = AtomicU32::new(0);
    for _ in 0..100 {
        let name = database_name(
            label,
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
        );
        // `name` is only lowercase letters, digits and `_` (see `database_name`).
        let create = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
        match sqlx::raw_sql(create).execute(&mut conn).await {
            Ok(_) => {
                conn.close().await?;
                return Ok(Some(with_database(&admin, &name)?));
            }
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(DUPLICATE_DATABASE) => {}
            Err(e) => return Err(e).with_context(|| format!("CREATE DATABASE {name}")),
        }
    }
    bail!("no free database name for `{label}` after 100 tries")
}

/// SQLSTATE `duplicate_database`.
const DUPLICATE_DATABASE: &str = "42P04";

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// `test_<label>_<pid>_<n>`: lowercase letters, digits and `_` only (so it needs no quoting),
/// within PostgreSQL's 63-byte limit on names.
fn database_name(label: &str, pid: u32, n: u32) -> String {
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(36)
        .collect();
    format!("test_{label}_{pid}_{n}")
}

/// `admin` with its database replaced by `name` (user, host, port and query kept).
fn with_database(admin: &str, name: &str) -> Result<String> {
    let (base, query) = match admin.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin, None),
    };
    let authority = base
        .find("://")
        .map(|i| i + 3)
        .with_context(|| format!("{URL_VAR} is not a postgres:// URL"))?;
    let server = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    Ok(match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_keep_everything_but_the_database() -> Result<()> {
        assert_eq!(
            with_database("postgres://signet@127.0.0.1:5433/postgres", "t")?,
            "postgres://signet@127.0.0.1:5433/t"
        );
        assert_eq!(
            with_database("postgres://u:p@db/postgres?sslmode=disable", "t")?,
            "postgres://u:p@db/t?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://db:5432", "t")?,
            "postgres://db:5432/t"
        );
        assert!(with_database("db:5432/postgres", "t").is_err());
        Ok(())
    }

    #[test]
    fn database_names_need_no_quoting_and_fit_the_limit() {
        let name = database_name("Two Replicas-ON one DB! ".repeat(5).as_str(), u32::MAX, 7);
        assert!(name.len() <= 63, "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name}"
        );
        assert!(name.ends_with("_4294967295_7"), "{name}");
    }
}
