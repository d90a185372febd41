//! The embedded SQLite backend: connection set-up and online backup.

use std::{path::Path, time::Duration};

use sqlx::{Executor, any::AnyPoolOptions};

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
        // A SQLite connection is a file in this process, not a link that can drop: pinging
        // it before each use tests nothing and cost a round trip to its worker thread per
        // query (a third of a payload read's thread wake-ups, measured with perf).
        .test_before_acquire(false)
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
///
/// The file is created here first (empty, mode 0600: it holds session hashes and the
/// installation secret), which is also what makes refusing to overwrite race-free; SQLite
/// accepts an empty file as the target. SQLite does not fsync a `VACUUM INTO` copy, so this
/// does, and then checks the copy opens and passes `PRAGMA integrity_check` before calling
/// it a backup. A failed backup leaves no file behind.
pub(super) async fn backup<'c>(
    source: impl sqlx::Executor<'c, Database = sqlx::Any>,
    out: &Path,
) -> Result<(), ServerError> {
    let fail =
        |what: String| ServerError::Backup(format!("backup to {} failed: {what}", out.display()));
    create_private(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => ServerError::Backup(format!(
            "{} already exists; choose a new file name (a backup never overwrites)",
            out.display()
        )),
        _ => fail(format!("cannot create it: {e}")),
    })?;
    let result = async {
        let target = out.to_string_lossy().replace('\'', "''");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'")))
            .execute(source)
            .await
            .map_err(|e| fail(e.to_string()))?;
        sync_file_and_dir(out).map_err(|e| fail(format!("cannot flush it to disk: {e}")))?;
        verify(out).await.map_err(fail)
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    result
}

/// [`backup`] of the database file at `db` through a read-only connection of its own: nothing
/// is written to the live database and no migration runs (a newer `signet backup` must not
/// migrate the database an older server is still serving), and the server's writer, which
/// assumes it is the only one, never meets a second writer.
pub(super) async fn backup_file(db: &Path, out: &Path) -> Result<(), ServerError> {
    use sqlx::Connection;
    let opened = async {
        let mut conn = sqlx::AnyConnection::connect(&url_for(db, "ro")).await?;
        conn.execute("PRAGMA busy_timeout = 10000").await?;
        Ok::<_, sqlx::Error>(conn)
    }
    .await;
    let mut conn = opened
        .map_err(|e| ServerError::Backup(format!("cannot open {} read-only: {e}", db.display())))?;
    let result = backup(&mut conn, out).await;
    let _ = conn.close().await;
    result
}

/// Creates `path` empty with mode 0600, failing if it exists.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

/// fsyncs `path` and the directory entry naming it.
fn sync_file_and_dir(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()?;
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Opens the copy read-only and runs `PRAGMA integrity_check` on it.
async fn verify(copy: &Path) -> Result<(), String> {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(&url_for(copy, "ro"))
        .await
        .map_err(|e| format!("the copy does not open: {e}"))?;
    let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| format!("cannot check the copy: {e}"))?;
    let _ = conn.close().await;
    if verdict != ["ok"] {
        return Err(format!(
            "the copy fails PRAGMA integrity_check: {}",
            verdict.join("; ")
        ));
    }
    Ok(())
}
