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
}
