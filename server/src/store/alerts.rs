//! Alerts: destinations, raised alerts (events) and their deliveries.
//!
//! Raising is idempotent (`alert_events.dedup_key` is unique) and creates one delivery per
//! destination in the same transaction. Sending goes through a lease: [`Store::claim_delivery`]
//! is a conditional `UPDATE` that only one caller can win while the lease lasts, so replicas on
//! one database send each delivery once.

use signet_core::wire::alert::{DeliveryInfo, DeliveryStatus, DestinationInfo, DestinationKind};
use sqlx::Row;

use super::Store;
use crate::{ApiError, ids::new_uuid};

/// Most destinations a team may have.
pub const MAX_DESTINATIONS: i64 = 50;

/// A destination as stored (with its secret, for signing).
#[derive(Clone)]
pub struct DestinationRow {
    /// Its id.
    pub id: String,
    /// Its team.
    pub team_id: String,
    /// What it is.
    pub kind: DestinationKind,
    /// URL or email address.
    pub target: String,
    /// Its name.
    pub label: String,
    /// The generic webhook's HMAC key.
    pub secret: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

impl core::fmt::Debug for DestinationRow {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DestinationRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl DestinationRow {
    /// What the API shows: the email address, or the URL cut after its host (Slack and
    /// Discord webhook URLs are bearer secrets).
    pub fn info(&self) -> DestinationInfo {
        let target = match self.kind {
            DestinationKind::Email => self.target.clone(),
            _ => match reqwest::Url::parse(&self.target) {
                Ok(url) => format!(
                    "{}://{}{}/…",
                    url.scheme(),
                    url.host_str().unwrap_or_default(),
                    url.port().map(|p| format!(":{p}")).unwrap_or_default()
                ),
                Err(_) => "…".into(),
            },
        };
        DestinationInfo {
            id: self.id.clone(),
            kind: self.kind,
            target,
            label: self.label.clone(),
            created_at: self.created_at,
        }
    }
}

fn destination_row(r: &sqlx::any::AnyRow) -> Result<DestinationRow, ApiError> {
    let kind: String = r.try_get("kind")?;
    Ok(DestinationRow {
        id: r.try_get("id")?,
        team_id: r.try_get("team_id")?,
        kind: DestinationKind::parse(&kind)
            .ok_or_else(|| ApiError::Internal(format!("unknown destination kind {kind}")))?,
        target: r.try_get("target")?,
        label: r.try_get("label")?,
        secret: r.try_get("secret")?,
        created_at: r.try_get("created_at")?,
    })
}

macro_rules! destination_select {
    ($where:literal) => {
        concat!(
            "SELECT id, team_id, kind, target, label, secret, created_at FROM alert_destinations ",
            $where
        )
    };
}

/// An alert to raise.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The team it concerns.
    pub team_id: String,
    /// Unique across all alerts: the same fact raises one alert.
    pub dedup_key: String,
    /// `credential.expiring`, `member.removed`, `test`, ….
    pub kind: String,
    /// One line for people.
    pub summary: String,
    /// The JSON a generic webhook receives.
    pub body: String,
    /// Unix seconds.
    pub now: i64,
    /// Only destinations made at or before this time receive it (a destination made today
    /// does not get yesterday's news).
    pub destinations_since: i64,
    /// Only this destination (a test alert).
    pub only_destination: Option<String>,
}

/// A delivery won by [`Store::claim_delivery`], with everything needed to send it.
#[derive(Debug, Clone)]
pub struct Job {
    /// The delivery's id.
    pub id: String,
    /// The alert's type.
    pub kind: String,
    /// Its summary.
    pub summary: String,
    /// Its JSON body.
    pub body: String,
    /// Attempts before this one.
    pub attempts: i64,
    /// Where it goes.
    pub destination: DestinationRow,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The new status.
    pub status: DeliveryStatus,
    /// The receiver's status code.
    pub code: Option<i64>,
    /// What went wrong.
    pub error: Option<String>,
    /// When to try again (pending only).
    pub next_attempt_at: i64,
}

/// A credential the expiry scan looks at.
#[derive(Debug, Clone)]
pub struct WatchedCredential {
    /// Its id.
    pub id: String,
    /// Its team.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// Its kind.
    pub kind: String,
    /// Its label.
    pub label: String,
    /// Its public metadata (JSON).
    pub metadata: String,
}

/// An app slot a credential is assigned to.
#[derive(Debug, Clone)]
pub struct Use {
    /// The app's id.
    pub app_id: String,
    /// The app's name.
    pub app_name: String,
    /// `android` or `ios`.
    pub platform: String,
    /// The build profile.
    pub profile: String,
    /// The iOS target (empty for Android).
    pub target: String,
}

/// An audit entry that raises an alert.
#[derive(Debug, Clone)]
pub struct AuditFact {
    /// The entry's id.
    pub id: i64,
    /// Its team.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// Unix seconds.
    pub at: i64,
    /// The action.
    pub action: String,
    /// Who did it.
    pub actor_email: Option<String>,
    /// What it was done to.
    pub target_id: String,
    /// The entry's detail.
    pub detail: String,
    /// For `member.removed`: the removed member's email.
    pub target_email: Option<String>,
}

macro_rules! delivery_select {
    ($rest:literal) => {
        concat!(
            "SELECT d.id, e.kind AS event_kind, e.summary, d.destination_id, t.kind, t.label, \
             d.status, d.attempts, d.last_status, d.last_error, d.next_attempt_at, d.sent_at, d.created_at \
             FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id \
             JOIN alert_destinations t ON t.id = d.destination_id WHERE d.team_id = $1 ",
            $rest
        )
    };
}

fn delivery_info(r: &sqlx::any::AnyRow) -> Result<DeliveryInfo, ApiError> {
    let status: String = r.try_get("status")?;
    let status = DeliveryStatus::parse(&status)
        .ok_or_else(|| ApiError::Internal(format!("unknown status {status}")))?;
    let kind: String = r.try_get("kind")?;
    let label: String = r.try_get("label")?;
    let kind = DestinationKind::parse(&kind).map_or(kind.clone(), |k| k.label().into());
    Ok(DeliveryInfo {
        id: r.try_get("id")?,
        event: r.try_get("event_kind")?,
        summary: r.try_get("summary")?,
        destination_id: r.try_get("destination_id")?,
        destination: if label.is_empty() {
            kind
        } else {
            format!("{label} ({kind})")
        },
        status,
        attempts: r.try_get("attempts")?,
        last_status: r.try_get("last_status")?,
        last_error: r.try_get("last_error")?,
        next_attempt_at: (status == DeliveryStatus::Pending)
            .then(|| r.try_get("next_attempt_at"))
            .transpose()?,
        sent_at: r.try_get("sent_at")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// Adds a destination.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_destination(
        &self,
        team_id: &str,
        kind: DestinationKind,
        target: &str,
        label: &str,
        secret: Option<&str>,
        created_by: &str,
        now: i64,
    ) -> Result<DestinationRow, ApiError> {
        let mut tx = self.begin().await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM alert_destinations WHERE team_id = $1")
                .bind(team_id)
                .fetch_one(&mut *tx)
                .await?;
        if count >= MAX_DESTINATIONS {
            return Err(ApiError::Invalid(format!(
                "a team has at most {MAX_DESTINATIONS} alert destinations: remove one first"
            )));
        }
        let position: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM alert_destinations WHERE team_id = $1",
        )
        .bind(team_id)
        .fetch_one(&mut *tx)
        .await?;
        let id = new_uuid()?;
        sqlx::query(
            "INSERT INTO alert_destinations (id, team_id, kind, target, label, secret, created_by, created_at, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(team_id)
        .bind(kind.as_str())
        .bind(target)
        .bind(label)
        .bind(secret)
        .bind(created_by)
        .bind(now)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(DestinationRow {
            id,
            team_id: team_id.into(),
            kind,
            target: target.into(),
            label: label.into(),
            secret: secret.map(str::to_owned),
            created_at: now,
        })
    }

    /// A team's destinations, oldest first.
    pub async fn destinations(&self, team_id: &str) -> Result<Vec<DestinationRow>, ApiError> {
        let rows = sqlx::query(destination_select!(
            "WHERE team_id = $1 ORDER BY position, created_at, id"
        ))
        .bind(team_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(destination_row).collect()
    }

    /// One destination of a team.
    pub async fn destination(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<DestinationRow>, ApiError> {
        let row = sqlx::query(destination_select!("WHERE team_id = $1 AND id = $2"))
            .bind(team_id)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(destination_row).transpose()
    }

    /// Removes a destination and its deliveries; false when there was none.
    pub async fn delete_destination(&self, team_id: &str, id: &str) -> Result<bool, ApiError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM alert_deliveries WHERE destination_id = $1 AND team_id = $2")
            .bind(id)
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM alert_destinations WHERE id = $1 AND team_id = $2")
            .bind(id)
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether the team has any destination (the scans skip teams without).
    pub async fn teams_with_destinations(&self) -> Result<Vec<String>, ApiError> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT team_id FROM alert_destinations")
                .fetch_all(&self.read)
                .await?,
        )
    }

    /// Raises an alert once: `None` when `dedup_key` was raised before. Creates its
    /// deliveries (due now) in the same transaction; returns the event id and the
    /// deliveries' ids.
    pub async fn raise_alert(
        &self,
        event: NewEvent,
    ) -> Result<Option<(String, Vec<String>)>, ApiError> {
        let mut tx = self.begin().await?;
        let id = new_uuid()?;
        let inserted = sqlx::query(
            "INSERT INTO alert_events (id, team_id, dedup_key, kind, summary, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(&id)
        .bind(&event.team_id)
        .bind(&event.dedup_key)
        .bind(&event.kind)
        .bind(&event.summary)
        .bind(&event.body)
        .bind(event.now)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(None);
        }
        let destinations: Vec<String> = match &event.only_destination {
            Some(one) => vec![one.clone()],
            None => {
                sqlx::query_scalar(
                    "SELECT id FROM alert_destinations WHERE team_id = $1 AND created_at <= $2",
                )
                .bind(&event.team_id)
                .bind(event.destinations_since)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        let mut deliveries = Vec::with_capacity(destinations.len());
        for destination in destinations {
            let delivery = new_uuid()?;
            sqlx::query(
                "INSERT INTO alert_deliveries (id, team_id, event_id, destination_id, status, attempts, \
                 next_attempt_at, lease_until, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, 0, $5)",
            )
            .bind(&delivery)
            .bind(&event.team_id)
            .bind(&id)
            .bind(&destination)
            .bind(event.now)
            .execute(&mut *tx)
            .await?;
            deliveries.push(delivery);
        }
        tx.commit().await?;
        Ok(Some((id, deliveries)))
    }

    /// Deliveries due at `now` that no one holds a lease on, oldest first.
    pub async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<String>, ApiError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND lease_until < $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    /// Takes the lease on a due delivery for `owner` until `now + lease`; `None` when another
    /// replica (or an earlier tick) has it, or it is no longer due.
    pub async fn claim_delivery(
        &self,
        id: &str,
        owner: &str,
        now: i64,
        lease: i64,
    ) -> Result<Option<Job>, ApiError> {
        let won = sqlx::query(
            "UPDATE alert_deliveries SET lease_owner = $1, lease_until = $2 \
             WHERE id = $3 AND status = 'pending' AND next_attempt_at <= $4 AND lease_until < $4",
        )
        .bind(owner)
        .bind(now + lease)
        .bind(id)
        .bind(now)
        .execute(&self.write)
        .await?;
        if won.rows_affected() != 1 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT d.id AS delivery_id, d.attempts, e.kind AS event_kind, e.summary, e.body, \
             t.id, t.team_id, t.kind, t.target, t.label, t.secret, t.created_at \
             FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id \
             JOIN alert_destinations t ON t.id = d.destination_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.write)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Job {
            id: row.try_get("delivery_id")?,
            kind: row.try_get("event_kind")?,
            summary: row.try_get("summary")?,
            body: row.try_get("body")?,
            attempts: row.try_get("attempts")?,
            destination: destination_row(&row)?,
        }))
    }

    /// Records how an attempt ended and releases the lease (only `owner`'s).
    pub async fn finish_delivery(
        &self,
        id: &str,
        owner: &str,
        outcome: &Outcome,
        now: i64,
    ) -> Result<(), ApiError> {
        let sent = (outcome.status == DeliveryStatus::Sent).then_some(now);
        sqlx::query(
            "UPDATE alert_deliveries SET status = $1, attempts = attempts + 1, last_status = $2, \
             last_error = $3, sent_at = $4, next_attempt_at = $5, lease_until = 0, lease_owner = NULL \
             WHERE id = $6 AND lease_owner = $7",
        )
        .bind(outcome.status.as_str())
        .bind(outcome.code)
        .bind(outcome.error.as_deref())
        .bind(sent)
        .bind(outcome.next_attempt_at)
        .bind(id)
        .bind(owner)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// One delivery, as the log shows it.
    pub async fn delivery(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<DeliveryInfo>, ApiError> {
        let rows = sqlx::query(delivery_select!("AND d.id = $2 LIMIT 1"))
            .bind(team_id)
            .bind(id)
            .fetch_all(&self.read)
            .await?;
        Ok(rows
            .iter()
            .map(delivery_info)
            .collect::<Result<Vec<_>, _>>()?
            .pop())
    }

    /// A team's newest deliveries.
    pub async fn deliveries(
        &self,
        team_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryInfo>, ApiError> {
        let rows = sqlx::query(delivery_select!(
            "ORDER BY d.created_at DESC, d.id DESC LIMIT $2"
        ))
        .bind(team_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(delivery_info).collect()
    }

    /// The live credentials of `team_id` that are assigned to an app (what builds use).
    pub async fn watched_credentials(
        &self,
        team_id: &str,
    ) -> Result<Vec<WatchedCredential>, ApiError> {
        let rows = sqlx::query(
            "SELECT c.id, c.team_id, t.name AS team_name, c.kind, c.label, c.metadata \
             FROM credentials c JOIN teams t ON t.id = c.team_id \
             WHERE c.team_id = $1 AND c.deleted_at IS NULL AND t.deleted_at IS NULL \
             AND EXISTS (SELECT 1 FROM assignments a WHERE a.credential_id = c.id)",
        )
        .bind(team_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WatchedCredential {
                    id: r.try_get("id")?,
                    team_id: r.try_get("team_id")?,
                    team_name: r.try_get("team_name")?,
                    kind: r.try_get("kind")?,
                    label: r.try_get("label")?,
                    metadata: r.try_get("metadata")?,
                })
            })
            .collect()
    }

    /// The app slots a credential is assigned to.
    pub async fn credential_uses(&self, credential_id: &str) -> Result<Vec<Use>, ApiError> {
        let rows = sqlx::query(
            "SELECT a.app_id, p.name, a.platform, a.profile, a.target FROM assignments a \
             JOIN apps p ON p.id = a.app_id WHERE a.credential_id = $1 \
             ORDER BY p.name, a.profile, a.target",
        )
        .bind(credential_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Use {
                    app_id: r.try_get("app_id")?,
                    app_name: r.try_get("name")?,
                    platform: r.try_get("platform")?,
                    profile: r.try_get("profile")?,
                    target: r.try_get("target")?,
                })
            })
            .collect()
    }

    /// Audit entries of `team_id` at or after `since` whose action raises an alert.
    pub async fn alerting_audit(
        &self,
        team_id: &str,
        since: i64,
    ) -> Result<Vec<AuditFact>, ApiError> {
        let rows = sqlx::query(
            "SELECT l.id, l.team_id, t.name AS team_name, l.at, l.action, l.actor_email, l.target_id, \
             l.detail, u.email AS target_email FROM audit_log l JOIN teams t ON t.id = l.team_id \
             LEFT JOIN users u ON u.id = l.target_id AND l.action = 'member.removed' \
             WHERE l.team_id = $1 AND l.at >= $2 \
             AND l.action IN ('credential.purged', 'member.removed', 'robot.created') ORDER BY l.id",
        )
        .bind(team_id)
        .bind(since)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditFact {
                    id: r.try_get("id")?,
                    team_id: r.try_get("team_id")?,
                    team_name: r.try_get("team_name")?,
                    at: r.try_get("at")?,
                    action: r.try_get("action")?,
                    actor_email: r.try_get("actor_email")?,
                    target_id: r.try_get("target_id")?,
                    detail: r.try_get("detail")?,
                    target_email: r.try_get("target_email")?,
                })
            })
            .collect()
    }
}
