//! API test helpers: users with cheap KDF parameters, and a server on either backend.

use anyhow::Result;
use signet_client::{Api, Session};
use signet_core::vault::kdf::KdfParams;

use crate::server::TestServer;

/// Argon2id parameters cheap enough for tests (the vault's floor is waived for them).
pub fn weak_kdf() -> KdfParams {
    KdfParams::dangerously_weak_for_tests(64, 1)
}

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery staple ✓";

/// Registers `name@example.test` on `api`.
pub async fn user(api: &Api, name: &str) -> Result<Session> {
    let (session, _code) =
        Session::register(api, &format!("{name}@example.test"), PASSWORD, weak_kdf()).await?;
    Ok(session)
}

/// Which database a test server uses.
#[derive(Debug, Clone)]
pub enum Db {
    /// The embedded SQLite file in the server's temp data dir.
    Sqlite,
    /// A PostgreSQL database URL.
    Postgres(String),
}

/// Starts the in-process server on `db`.
pub async fn server_on(db: &Db) -> Result<TestServer> {
    match db {
        Db::Sqlite => TestServer::start().await,
        Db::Postgres(url) => TestServer::start_on(url).await,
    }
}
