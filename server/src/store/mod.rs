//! The database behind the API.
//!
//! SQLite (a file under the data dir, WAL, `synchronous=FULL`, foreign keys on) is the
//! embedded default; PostgreSQL is used when `DATABASE_URL=postgres://…`, which is how several
//! stateless replicas share one database.
//!
//! Both backends run the same SQL through sqlx's `Any` driver: the schema is deliberately
//! portable (TEXT, BIGINT, Unix-second times, 0/1 booleans, `$n` placeholders, which SQLite
//! also understands), so one implementation serves both and one story test proves both.
//! What differs lives in [`sqlite`] and [`postgres`] (connection set-up) and in each backend's
//! migration list ([`migrate`]). SQLite gets a separate single-connection *writer* pool:
//! writes queue in process instead of fighting over the database lock, while reads run in
//! parallel under WAL.
//!
//! Query methods are grouped by what they are about: [`accounts`], [`teams`], [`invites`],
//! [`apps`], [`credentials`], [`robots`], [`audit`], [`rate_limit`], [`alerts`].

pub mod accounts;
pub mod alerts;
pub mod apps;
pub mod audit;
pub mod credentials;
pub mod invites;
mod migrate;
mod postgres;
pub mod rate_limit;
pub mod robots;
mod sqlite;
pub mod team_log;
pub mod teams;
pub mod trust_states;

use sqlx::{Any, AnyPool, Transaction};

use crate::{ApiError, ServerConfig, ServerError};

/// Which database engine is behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// Shared by many replicas.
    Postgres,
}

/// An open database.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// Reads (and, on Postgres, writes too).
    read: AnyPool,
    /// Writes: one connection on SQLite, the same pool as `read` on Postgres.
    write: AnyPool,
    /// A random value made once per installation (shared by replicas): keys the made-up
    /// pre-login answers for unknown emails.
    instance_secret: std::sync::Arc<str>,
    /// Batches stand-alone audit entries into shared transactions.
    group_commit: audit::GroupCommit,
    /// Each team's membership log as last verified here (see [`team_log::LogCache`]).
    team_logs: team_log::LogCache,
}

/// One connection pool's numbers (see [`Store::pools`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// `read`, `write` or `shared`.
    pub name: &'static str,
    /// Open connections.
    pub size: usize,
    /// Open connections not in use.
    pub idle: usize,
    /// The most the pool opens.
    pub max: usize,
}

/// A write transaction.
pub type Tx = Transaction<'static, Any>;

impl Store {
    /// Opens (and creates/migrates when needed) the database `config` names.
    pub async fn open(config: &ServerConfig) -> Result<Self, ServerError> {
        sqlx::any::install_default_drivers();
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
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The engine.
    pub fn engine(&self) -> Backend {
        self.backend
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.read).await.map(drop)
    }

    /// The connection pools' sizes, for the metrics: `read` and `write` on SQLite, one
    /// `shared` pool on PostgreSQL.
    pub fn pools(&self) -> Vec<PoolStats> {
        let stats = |name, pool: &AnyPool| PoolStats {
            name,
            size: usize::try_from(pool.size()).unwrap_or(usize::MAX),
            idle: pool.num_idle(),
            max: usize::try_from(pool.options().get_max_connections()).unwrap_or(usize::MAX),
        };
        match self.backend {
            Backend::Sqlite => vec![stats("read", &self.read), stats("write", &self.write)],
            Backend::Postgres => vec![stats("shared", &self.read)],
        }
    }

    /// Closes every connection (checkpointing the SQLite WAL).
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// The installation's secret (see the field).
    pub(crate) fn instance_secret(&self) -> &str {
        &self.instance_secret
    }

    /// Assembles a store after migrations, loading (or making) the installation secret.
    async fn assemble(
        backend: Backend,
        read: AnyPool,
        write: AnyPool,
    ) -> Result<Self, sqlx::Error> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| sqlx::Error::Protocol(format!("random: {e}")))?;
        sqlx::query(
            "INSERT INTO signet_meta (key, value) VALUES ('instance_secret', $1) ON CONFLICT (key) DO NOTHING",
        )
        .bind(signet_core::vault::envelope::to_base64(&fresh))
        .execute(&write)
        .await?;
        let secret: String =
            sqlx::query_scalar("SELECT value FROM signet_meta WHERE key = 'instance_secret'")
                .fetch_one(&write)
                .await?;
        Ok(Self {
            backend,
            group_commit: audit::GroupCommit::start(write.clone()),
            team_logs: team_log::LogCache::default(),
            read,
            write,
            instance_secret: secret.into(),
        })
    }

    /// Starts a write transaction.
    pub(crate) async fn begin(&self) -> Result<Tx, ApiError> {
        Ok(self.write.begin().await?)
    }

    /// Writes an online, consistent copy of the database to `out` (SQLite: `VACUUM INTO`).
    /// Postgres deployments back up with `pg_dump`; this refuses with a message saying so.
    pub async fn backup(&self, out: &std::path::Path) -> Result<(), ServerError> {
        match self.backend {
            Backend::Sqlite => sqlite::backup(&self.read, out).await,
            Backend::Postgres => Err(ServerError::Backup(
                "`signet backup` copies the embedded SQLite database; back up PostgreSQL with pg_dump (see docs/operations.md)".into(),
            )),
        }
    }

    /// Writes an online, consistent copy of the SQLite database file at `db` to `out`, like
    /// [`Store::backup`] but without opening a store: read-only, so it never writes to the
    /// live database or migrates it under a running server. What `signet backup` uses.
    pub async fn backup_sqlite_file(
        db: &std::path::Path,
        out: &std::path::Path,
    ) -> Result<(), ServerError> {
        sqlx::any::install_default_drivers();
        sqlite::backup_file(db, out).await
    }
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Strips a password from a connection URL before it goes into an error message or a log.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// An insert's result, with a uniqueness violation turned into a 409 `code` saying `message`.
pub(crate) fn unique<T>(
    result: Result<T, sqlx::Error>,
    code: &'static str,
    message: &'static str,
) -> Result<T, ApiError> {
    result.map_err(|e| {
        if is_unique_violation(&e) {
            ApiError::conflict(code, message)
        } else {
            e.into()
        }
    })
}

/// A conditional write's result: `NotFound` when it matched no row (not there, or not the
/// caller's team's).
pub(crate) fn found(done: &sqlx::any::AnyQueryResult) -> Result<(), ApiError> {
    if done.rows_affected() == 0 {
        Err(ApiError::NotFound)
    } else {
        Ok(())
    }
}

/// What a team owns, by table: the rows [`team_owns`] looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owned {
    /// A row of `apps`.
    App,
    /// A row of `credentials` (trashed or not).
    Credential,
    /// A row of `robots` (revoked or not).
    Robot,
}

/// Whether the row `id` of `what` exists and belongs to `team_id`, as `tx` sees it: the one
/// "is this the team's?" lookup before a write names an app, a credential or a token.
pub(crate) async fn team_owns(
    tx: &mut Tx,
    what: Owned,
    team_id: &str,
    id: &str,
) -> Result<bool, ApiError> {
    let sql = match what {
        Owned::App => "SELECT id FROM apps WHERE id = $1 AND team_id = $2",
        Owned::Credential => "SELECT id FROM credentials WHERE id = $1 AND team_id = $2",
        Owned::Robot => "SELECT id FROM robots WHERE id = $1 AND team_id = $2",
    };
    let row: Option<String> = sqlx::query_scalar(sql)
        .bind(id)
        .bind(team_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.is_some())
}

/// Whether a database error is a uniqueness (or primary key) violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.message().contains("UNIQUE constraint failed")
                || db.code().as_deref() == Some("23505")
        }
        _ => false,
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
