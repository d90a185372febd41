//! The embedded SQLite backend.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Store, migrate};
use crate::ServerError;

fn db_error(e: impl std::fmt::Display) -> ServerError {
    ServerError::Database {
        backend: "sqlite",
        reason: e.to_string(),
    }
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
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(db_error)?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // Durability first: an acknowledged write survives power loss.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|e| db_error(format!("{}: {e}", path.display())))?;
    migrate::sqlite(&pool).await.map_err(db_error)?;
    Ok(Store::Sqlite(pool))
}
