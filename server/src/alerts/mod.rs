//! Alerts: the server tells a team's destinations before something expires and when
//! something happened that people should know about.
//!
//! A task inside `signet serve` wakes every [`crate::config::AlertSettings::interval`]:
//!
//! 1. **Raise** ([`raise`]): for each team with a destination, the expiry of every credential
//!    an app uses and the recent audit entries that matter become alerts, each once
//!    (`alert_events.dedup_key` is unique, so replicas noticing the same fact insert it
//!    once), with one delivery per destination.
//! 2. **Deliver** ([`send`]): each due delivery is sent by whoever wins its lease (a
//!    conditional `UPDATE`, so with several replicas on one PostgreSQL each is sent once),
//!    then marked sent, or retried with backoff ([`RETRY_DELAYS`]), or given up.
//!
//! Time comes from the server's [`Clock`], so tests move it instead of waiting for days.
//! Nothing here logs a destination's URL or address (Slack URLs are bearer secrets).

pub mod raise;
pub mod send;
pub mod targets;

use std::sync::Arc;

use signet_core::wire::alert::{DeliveryInfo, DeliveryStatus, DestinationKind};

use crate::{
    ApiError, ServerError,
    config::{AlertSettings, Clock},
    store::{
        Store,
        alerts::{Job, NewEvent, Outcome},
    },
};

/// Seconds to wait after the 1st, 2nd, … failed attempt; after the last, the delivery is
/// given up (six attempts over about eight and a half hours).
pub const RETRY_DELAYS: [i64; 5] = [60, 300, 1800, 7200, 21600];

/// How long a replica holds a delivery while sending it: longer than any attempt can take
/// (webhooks time out after 20 s, SMTP after 20 s per step), so a lease never lapses while
/// its holder is still sending; if the holder dies, another replica retries after it.
pub const LEASE: i64 = 120;

/// Deliveries sent per tick at most.
const BATCH: i64 = 100;

/// The alert engine (one per server process).
#[derive(Debug)]
pub struct Alerts {
    store: Arc<Store>,
    clock: Clock,
    settings: AlertSettings,
    http: reqwest::Client,
    mailer: Option<send::Mailer>,
    /// This process's lease name.
    owner: String,
    /// Counts delivery attempts.
    metrics: Arc<crate::metrics::Metrics>,
}

/// What one tick did (for tests and the log).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    /// Alerts raised.
    pub raised: usize,
    /// Deliveries accepted by their receivers.
    pub sent: usize,
    /// Deliveries that failed this time (retried later or given up).
    pub failed: usize,
}

impl Alerts {
    /// The engine for `settings`, counting its deliveries in `metrics`; fails when the SMTP
    /// settings cannot work.
    pub fn new(
        store: Arc<Store>,
        settings: AlertSettings,
        clock: Clock,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Result<Self, ServerError> {
        let mailer = settings.smtp.as_ref().map(send::Mailer::new).transpose()?;
        let owner = crate::ids::new_uuid()
            .map_err(|e| ServerError::AlertConfig(format!("cannot make a lease id: {e}")))?;
        Ok(Self {
            http: targets::client(settings.allow_private_targets),
            store,
            clock,
            settings,
            mailer,
            owner,
            metrics,
        })
    }

    /// Whether email destinations can work.
    pub fn email_available(&self) -> bool {
        self.mailer.is_some()
    }

    /// Whether webhooks may point at private addresses.
    pub fn allow_private_targets(&self) -> bool {
        self.settings.allow_private_targets
    }

    /// The server's time.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Runs [`Self::tick`] every interval until the process ends.
    pub fn spawn(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.tick().await {
                    Ok(t) if t != Tick::default() => tracing::info!(
                        raised = t.raised,
                        sent = t.sent,
                        failed = t.failed,
                        "alerts"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("alert tick failed: {e}"),
                }
                tokio::time::sleep(self.settings.interval).await;
            }
        })
    }

    /// Raises what is due and sends what is due, once.
    pub async fn tick(&self) -> Result<Tick, ApiError> {
        let raised = self.raise().await?;
        let (sent, failed) = self.deliver_due().await?;
        Ok(Tick {
            raised,
            sent,
            failed,
        })
    }

    async fn raise(&self) -> Result<usize, ApiError> {
        let now = self.now();
        let public = self.settings.public_url.as_deref();
        let mut raised = 0;
        for team in self.store.teams_with_destinations().await? {
            let mut events: Vec<NewEvent> = Vec::new();
            for credential in self.store.watched_credentials(&team).await? {
                let meta_has_expiry = credential.metadata.contains("\"not_after\"");
                if !meta_has_expiry {
                    continue;
                }
                let uses = self.store.credential_uses(&credential.id).await?;
                events.extend(raise::expiry(&credential, &uses, now, public));
            }
            // The audit log is stamped by the system clock, the engine runs on the server's
            // (which tests move forward): compare the two in one time base.
            let skew = now - crate::store::now();
            for fact in self
                .store
                .alerting_audit(&team, now - skew - raise::AUDIT_WINDOW)
                .await?
            {
                events.extend(raise::audit(&fact, now, skew, public));
            }
            for event in events {
                if self.store.raise_alert(event).await?.is_some() {
                    raised += 1;
                }
            }
        }
        Ok(raised)
    }

    async fn deliver_due(&self) -> Result<(usize, usize), ApiError> {
        let now = self.now();
        let (mut sent, mut failed) = (0, 0);
        for id in self.store.due_deliveries(now, BATCH).await? {
            let Some(job) = self
                .store
                .claim_delivery(&id, &self.owner, now, LEASE)
                .await?
            else {
                continue;
            };
            if self.deliver(&job).await? == DeliveryStatus::Sent {
                sent += 1;
            } else {
                failed += 1;
            }
        }
        Ok((sent, failed))
    }

    /// Sends a claimed delivery and records the outcome.
    async fn deliver(&self, job: &Job) -> Result<DeliveryStatus, ApiError> {
        let now = self.now();
        let attempt = match job.destination.kind {
            DestinationKind::Email => match &self.mailer {
                Some(mailer) => mailer.send(job).await,
                None => send::Attempt {
                    code: None,
                    error: Some(
                        "this server has no SMTP relay any more: the operator sets --smtp-url (SIGNET_SMTP_URL)".into(),
                    ),
                    permanent: false,
                },
            },
            _ => send::webhook(&self.http, job, now).await,
        };
        let attempts = job.attempts + 1;
        let outcome = match attempt.error {
            None => Outcome {
                status: DeliveryStatus::Sent,
                code: attempt.code,
                error: None,
                next_attempt_at: now,
            },
            Some(error) => {
                // A test alert is tried once: the admin is looking at the result.
                let delay = usize::try_from(attempts - 1)
                    .ok()
                    .and_then(|i| RETRY_DELAYS.get(i))
                    .filter(|_| !attempt.permanent && job.kind != "test");
                match delay {
                    Some(delay) => Outcome {
                        status: DeliveryStatus::Pending,
                        code: attempt.code,
                        error: Some(error),
                        next_attempt_at: now + delay,
                    },
                    None => Outcome {
                        status: DeliveryStatus::Failed,
                        code: attempt.code,
                        error: Some(error),
                        next_attempt_at: now,
                    },
                }
            }
        };
        self.metrics
            .alert_delivery(outcome.status == DeliveryStatus::Sent);
        tracing::info!(
            delivery = %job.id,
            destination = %job.destination.id,
            kind = job.destination.kind.as_str(),
            event = %job.kind,
            attempt = attempts,
            status = outcome.status.as_str(),
            code = ?outcome.code,
            "alert delivery"
        );
        self.store
            .finish_delivery(&job.id, &self.owner, &outcome, now)
            .await?;
        Ok(outcome.status)
    }

    /// Sends a test alert to one destination now and returns how it went.
    pub async fn send_test(
        &self,
        team_id: &str,
        team_name: &str,
        destination_id: &str,
        who: &str,
    ) -> Result<DeliveryInfo, ApiError> {
        let now = self.now();
        let (summary, body) = raise::test(
            team_id,
            team_name,
            who,
            now,
            self.settings.public_url.as_deref(),
        );
        let (_, deliveries) = self
            .store
            .raise_alert(NewEvent {
                team_id: team_id.to_owned(),
                dedup_key: format!("test:{}", crate::ids::new_uuid()?),
                kind: "test".into(),
                summary,
                body,
                now,
                destinations_since: now,
                only_destination: Some(destination_id.to_owned()),
            })
            .await?
            .ok_or_else(|| ApiError::Internal("a fresh test alert collided".into()))?;
        let id = deliveries
            .first()
            .ok_or_else(|| ApiError::Internal("a test alert without a delivery".into()))?;
        if let Some(job) = self
            .store
            .claim_delivery(id, &self.owner, now, LEASE)
            .await?
        {
            self.deliver(&job).await?;
        }
        self.store
            .delivery(team_id, id)
            .await?
            .ok_or(ApiError::NotFound)
    }
}
