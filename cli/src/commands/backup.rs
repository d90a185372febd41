//! `signet backup`: an online copy of the embedded SQLite database.
//!
//! Safe while `signet serve` keeps serving: it opens the database read-only, SQLite's
//! `VACUUM INTO` reads one consistent snapshot (WAL readers never block the writer), and
//! [`signet_server::Store::backup_sqlite_file`] fsyncs the copy and runs
//! `PRAGMA integrity_check` on it before reporting success.
//! Restoring is a file copy with the server stopped; docs/operations.md has the steps.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use signet_server::{ServerConfig, Store};

/// Which database to copy and where to. Flags and variables match `signet serve`'s.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write; it must not exist yet (a backup never overwrites).
    #[arg(long)]
    out: PathBuf,
    /// The data directory of the server to back up (the one holding signet.db).
    #[arg(long, env = "SIGNET_DATA_DIR", default_value = "./signet-data")]
    data_dir: PathBuf,
    /// The server's DATABASE_URL, if it has one: `sqlite://PATH` is backed up, a PostgreSQL
    /// URL is refused with a pointer to pg_dump.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

/// Copies the database to `--out`, printing what was written.
pub fn run(args: BackupArgs) -> Result<()> {
    let config = ServerConfig::new(args.data_dir, PathBuf::new(), args.database_url);
    if config.is_postgres() {
        bail!(
            "this server keeps its data in PostgreSQL (DATABASE_URL), and `signet backup` copies \
             only the embedded SQLite database: back PostgreSQL up with pg_dump, e.g. \
             `pg_dump --format=custom --file signet.dump \"$DATABASE_URL\"` (docs/operations.md)"
        );
    }
    let Some(db) = config.sqlite_file() else {
        bail!("DATABASE_URL must be unset, sqlite://PATH or postgres://…");
    };
    // Checked first for a clear message (opening read-only would only say it cannot).
    if !db.is_file() {
        bail!(
            "there is no Signet database at {}: pass the server's --data-dir (or set \
             SIGNET_DATA_DIR) to the directory `signet serve` uses",
            db.display()
        );
    }
    if args.out.exists() {
        bail!(
            "{} already exists; choose a new file name (a backup never overwrites)",
            args.out.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // Read-only: a backup never writes to (or migrates) the database a server is using.
    runtime.block_on(Store::backup_sqlite_file(&db, &args.out))?;
    let bytes = std::fs::metadata(&args.out)
        .map(|m| m.len())
        .with_context(|| format!("cannot read {}", args.out.display()))?;
    println!(
        "backed up {} to {} ({bytes} bytes, integrity checked)",
        db.display(),
        args.out.display()
    );
    Ok(())
}
