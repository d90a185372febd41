//! The PostgreSQL backend, for several replicas sharing one database.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;

use super::{Backend, Store, migrate, redact_url};
use crate::ServerError;

/// Connects to `url` and applies migrations.
pub(super) async fn open(url: &str) -> Result<Store, ServerError> {
    let db_error = |e: sqlx::Error| ServerError::Database {
        backend: "postgres",
        reason: format!("{}: {e}", redact_url(url)),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(db_error)?;
    migrate::postgres(&pool).await.map_err(db_error)?;
    Store::assemble(Backend::Postgres, pool.clone(), pool)
        .await
        .map_err(db_error)
}
