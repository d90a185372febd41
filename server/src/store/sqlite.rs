//! The embedded SQLite backend: connection set-up and online backup.

use std::{path::Path, time::Duration};

use sqlx::{AnyPool, Executor, any::AnyPoolOptions};

use super::{Backend, Store, migrate};
use crate::ServerError;

fn db_error(e: impl std::fmt::Display) -> ServerError {
    ServerError::Database {
        backend: "sqlite",
        reason: e.to_string(),
    }
}

/// Set on every connection. `synchronous=FULL`: an acknowledged write survives power loss.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

fn url_for(path: &Path, mode: &str) -> String {
    let text = path.to_string_lossy();
    let mut encoded = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | '?' | '#' | ' ' => encoded.push_str(&format!("%{:02X}", c as u32)),
            c => encoded.push(c),
        }
    }
    format!("sqlite://{encoded}?mode={mode}")
}

fn options(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(PRAGMAS).await?;
                Ok(())
            })
        })
}

/// Opens (creating when missing) the database file at `path` and applies migrations.
pub(super) async fn open(path: &Path) -> Result<Store, ServerError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            db_error(format!(
                "cannot create the data directory {}: {e}",
                dir.display()
            ))
        })?;
    }
    let write = options(1)
        .connect(&url_for(path, "rwc"))
        .await
        .map_err(|e| db_error(format!("{}: {e}", path.display())))?;
    migrate::sqlite(&write).await.map_err(db_error)?;
    let read = options(8)
        .connect(&url_for(path, "rw"))
        .await
        .map_err(|e| db_error(format!("{}: {e}", path.display())))?;
    Store::assemble(Backend::Sqlite, read, write)
        .await
        .map_err(db_error)
}

/// `VACUUM INTO`: a consistent copy taken while the server keeps serving.
pub(super) async fn backup(pool: &AnyPool, out: &Path) -> Result<(), ServerError> {
    if out.exists() {
        return Err(db_error(format!(
            "{} already exists; choose a new file name (a backup never overwrites)",
            out.display()
        )));
    }
    let target = out.to_string_lossy().replace('\'', "''");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'")))
        .execute(pool)
        .await
        .map_err(|e| db_error(format!("backup to {} failed: {e}", out.display())))?;
    Ok(())
}
