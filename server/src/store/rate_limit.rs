//! Fixed-window rate limits kept in the database, so every replica counts together.

use sqlx::Row;

use super::Store;
use crate::ApiError;

impl Store {
    /// Counts one hit on `bucket` in a window of `window` seconds; refuses with 429 and the
    /// seconds left in the window once `limit` hits were counted.
    pub async fn rate_limit(
        &self,
        bucket: &str,
        window: i64,
        limit: i64,
        now: i64,
    ) -> Result<(), ApiError> {
        let row = sqlx::query(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
             RETURNING window_start, hits",
        )
        .bind(bucket)
        .bind(now)
        .bind(now - window)
        .fetch_one(&self.write)
        .await?;
        let start: i64 = row.try_get("window_start")?;
        let hits: i64 = row.try_get("hits")?;
        if hits > limit {
            return Err(ApiError::RateLimited {
                retry_after: (start + window - now).max(1),
            });
        }
        Ok(())
    }

    /// Whether `bucket` is currently over `limit` without counting a hit.
    pub async fn rate_limited(
        &self,
        bucket: &str,
        window: i64,
        limit: i64,
        now: i64,
    ) -> Result<(), ApiError> {
        let row = sqlx::query("SELECT window_start, hits FROM rate_limits WHERE bucket = $1")
            .bind(bucket)
            .fetch_optional(&self.read)
            .await?;
        if let Some(r) = row {
            let start: i64 = r.try_get("window_start")?;
            let hits: i64 = r.try_get("hits")?;
            if start > now - window && hits >= limit {
                return Err(ApiError::RateLimited {
                    retry_after: (start + window - now).max(1),
                });
            }
        }
        Ok(())
    }

    /// Forgets old windows (called now and then).
    pub async fn prune_rate_limits(&self, older_than: i64) -> Result<(), ApiError> {
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(older_than)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
