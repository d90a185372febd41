//! Alerts: `/api/teams/{team}/alerts/…` (admin and up).
//!
//! The server watches the public metadata it stores (expiry dates) and the audit log, and
//! tells a team's destinations — webhooks (generic JSON signed with HMAC-SHA256, Slack- and
//! Discord-compatible) and email addresses — before something expires and when something
//! happened that people should know about. An alert never carries a secret: it names the
//! app, the credential (label, fingerprint), when it expires and the dashboard page that
//! fixes it.

use serde::{Deserialize, Serialize};

/// The header of a generic webhook that carries its signature:
/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the destination's secret>`.
pub const SIGNATURE_HEADER: &str = "signet-signature";
/// The header naming the alert's type (`credential.expiring`, …).
pub const EVENT_HEADER: &str = "signet-event";
/// The header carrying the delivery's id: the same on every retry of one delivery, so a
/// receiver can drop a repeat.
pub const DELIVERY_HEADER: &str = "signet-delivery";

/// Days before expiry at which an alert is sent; `0` is the day it expired.
pub const EXPIRY_THRESHOLDS: [i64; 5] = [30, 14, 7, 1, 0];

/// Where alerts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationKind {
    /// Any HTTPS endpoint: the alert as JSON, signed (see [`SIGNATURE_HEADER`]).
    Webhook,
    /// A Slack incoming webhook (`{"text": …}`).
    Slack,
    /// A Discord webhook (`{"content": …}`, mentions disabled).
    Discord,
    /// An email address, through the operator's SMTP relay.
    Email,
}

impl DestinationKind {
    /// Every kind.
    pub const ALL: [DestinationKind; 4] = [Self::Webhook, Self::Slack, Self::Discord, Self::Email];

    /// The lowercase name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Slack => "slack",
            Self::Discord => "discord",
            Self::Email => "email",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Webhook => "Webhook (signed JSON)",
            Self::Slack => "Slack",
            Self::Discord => "Discord",
            Self::Email => "Email",
        }
    }
}

/// `POST /api/teams/{team}/alerts/destinations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateDestinationRequest {
    /// What it is.
    pub kind: DestinationKind,
    /// The webhook URL, or the email address.
    pub target: String,
    /// A name for people ("#mobile-releases").
    #[serde(default)]
    pub label: String,
}

/// A destination as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationInfo {
    /// Its id.
    pub id: String,
    /// What it is.
    pub kind: DestinationKind,
    /// The email address, or the webhook URL with its path hidden past the host (Slack and
    /// Discord URLs are bearer secrets): `https://hooks.slack.com/…`.
    pub target: String,
    /// Its name.
    pub label: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// What creating a destination returns: for a generic webhook, its signing secret, shown
/// this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedDestination {
    /// The destination.
    pub destination: DestinationInfo,
    /// `whsec_…`: the HMAC key the receiver checks [`SIGNATURE_HEADER`] with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet delivered; tried again at `next_attempt_at`.
    Pending,
    /// The receiver accepted it.
    Sent,
    /// Given up: the receiver refused it for good, or every retry failed.
    Failed,
}

impl DeliveryStatus {
    /// The lowercase name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One alert to one destination, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryInfo {
    /// Its id (the [`DELIVERY_HEADER`]).
    pub id: String,
    /// The alert's type: `credential.expiring`, `credential.expired`, `credential.purged`,
    /// `member.removed`, `robot.created`, `test`.
    pub event: String,
    /// The alert's one-line summary.
    pub summary: String,
    /// The destination's id.
    pub destination_id: String,
    /// The destination's name and kind, for the log.
    pub destination: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// The receiver's last answer: an HTTP status or an SMTP reply code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<i64>,
    /// The last error, as the receiver or the network said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it is tried next (pending only), Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
    /// When the receiver accepted it, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
    /// When the alert was raised, Unix seconds.
    pub created_at: i64,
}

/// `GET /api/teams/{team}/alerts`: the destinations, the newest deliveries and whether the
/// server can send email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsOverview {
    /// The team's destinations.
    pub destinations: Vec<DestinationInfo>,
    /// The newest deliveries (at most 100), newest first.
    pub deliveries: Vec<DeliveryInfo>,
    /// Whether the operator configured an SMTP relay (email destinations need one).
    pub email_available: bool,
}
