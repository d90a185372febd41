//! Each user's sealed trust state (`signet_core::vault::trust_state`): what her clients
//! remember between sessions (team log pins, KDF parameters), sealed under her user key.
//! The server only stores it and enforces that every write carries the next counter, so two
//! clients writing at once merge instead of overwriting each other.

use sqlx::Row;

use super::Store;
use crate::ApiError;

impl Store {
    /// `(counter, sealed)` for `user_id`; `(0, None)` when nothing was stored yet.
    pub async fn trust_state(&self, user_id: &str) -> Result<(i64, Option<String>), ApiError> {
        let row = sqlx::query("SELECT counter, sealed FROM trust_states WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(match row {
            Some(r) => (r.try_get("counter")?, Some(r.try_get("sealed")?)),
            None => (0, None),
        })
    }

    /// Stores write number `counter` (which must be the stored counter + 1).
    pub async fn put_trust_state(
        &self,
        user_id: &str,
        counter: i64,
        sealed: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let updated = if counter == 1 {
            let inserted = sqlx::query(
                "INSERT INTO trust_states (user_id, counter, sealed, updated_at) VALUES ($1, 1, $2, $3)",
            )
            .bind(user_id)
            .bind(sealed)
            .bind(now)
            .execute(&mut *tx)
            .await;
            super::unique(
                inserted,
                "stale_trust_state",
                "another client saved your trust state meanwhile; read it, merge and save again",
            )?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE trust_states SET counter = $1, sealed = $2, updated_at = $3 \
                 WHERE user_id = $4 AND counter = $5",
            )
            .bind(counter)
            .bind(sealed)
            .bind(now)
            .bind(user_id)
            .bind(counter - 1)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        };
        if updated != 1 {
            return Err(ApiError::conflict(
                "stale_trust_state",
                "another client saved your trust state meanwhile; read it, merge and save again",
            ));
        }
        tx.commit().await?;
        Ok(())
    }
}
