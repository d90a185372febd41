//! Server configuration: where to listen, where data and the dashboard live.

use std::path::PathBuf;

/// How `signet serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Directory for the embedded SQLite database (`signet.db`) when no `DATABASE_URL` is set.
    pub data_dir: PathBuf,
    /// The built dashboard (`index.html`, `app.js`, `app_bg.wasm`).
    pub dist: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite, or `sqlite://PATH`.
    pub database_url: Option<String>,
}

impl ServerConfig {
    /// The SQLite file used when no `DATABASE_URL` is given.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("signet.db")
    }

    /// The SQLite file this configuration uses: [`Self::sqlite_path`] without a
    /// `DATABASE_URL`, the path of a `sqlite://PATH` URL, and `None` for PostgreSQL (or a URL
    /// [`crate::Store::open`] refuses).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match self.database_url.as_deref() {
            None | Some("") => Some(self.sqlite_path()),
            Some(url) => url.strip_prefix("sqlite://").map(PathBuf::from),
        }
    }

    /// Whether `DATABASE_URL` names a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.database_url
            .as_deref()
            .is_some_and(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
    }
}
