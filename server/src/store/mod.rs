//! The database behind the API.
//!
//! SQLite (a file under the data dir, WAL, `synchronous=FULL`, foreign keys on) is the
//! embedded default; PostgreSQL is used when `DATABASE_URL=postgres://…`, which is how several
//! stateless replicas share one database. Each backend has its own migrations, embedded in the
//! binary and applied at start ([`migrate`]).

mod migrate;
mod postgres;
mod sqlite;

use crate::{ServerConfig, ServerError};

/// An open database, one variant per backend.
#[derive(Debug)]
pub enum Store {
    /// The embedded default.
    Sqlite(sqlx::SqlitePool),
    /// Shared by many replicas.
    Postgres(sqlx::PgPool),
}

impl Store {
    /// Opens (and creates/migrates when needed) the database `config` names.
    pub async fn open(config: &ServerConfig) -> Result<Self, ServerError> {
        match config.database_url.as_deref() {
            None | Some("") => sqlite::open(&config.sqlite_path()).await,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                postgres::open(url).await
            }
            Some(url) if url.starts_with("sqlite://") => {
                sqlite::open(std::path::Path::new(url.trim_start_matches("sqlite://"))).await
            }
            Some(url) => Err(ServerError::UnsupportedDatabaseUrl(redact_url(url))),
        }
    }

    /// `"sqlite"` or `"postgres"`, as reported by `/api/health`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Self::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
        }
    }

    /// Closes every connection (checkpointing the SQLite WAL).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// Strips a password from a connection URL before it goes into an error message or a log.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redact_url("postgres://u:secret@db:5432/x"),
            "postgres://***@db:5432/x"
        );
        assert_eq!(redact_url("mysql://db/x"), "mysql://db/x");
    }
}
