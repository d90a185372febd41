//! What admins watch: alert destinations with their delivery log, and the team's audit log.
//! Plain [`Api`] calls: neither needs the vault's keys (alerts never carry a secret).

use signet_core::wire::{
    Page,
    alert::{AlertsOverview, CreateDestinationRequest, CreatedDestination, DeliveryInfo},
    audit::AuditEntry,
};

use crate::http::{Api, ClientError};

impl Api {
    /// A team's alert destinations, its newest deliveries and whether email works (admins).
    pub async fn alerts(&self, team_id: &str) -> Result<AlertsOverview, ClientError> {
        self.get(&format!("/teams/{team_id}/alerts")).await
    }

    /// Adds an alert destination; a generic webhook's signing secret is in the answer, once.
    pub async fn add_alert_destination(
        &self,
        team_id: &str,
        request: &CreateDestinationRequest,
    ) -> Result<CreatedDestination, ClientError> {
        self.post(&format!("/teams/{team_id}/alerts/destinations"), request)
            .await
    }

    /// Removes an alert destination.
    pub async fn remove_alert_destination(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<(), ClientError> {
        self.delete::<(), ()>(&format!("/teams/{team_id}/alerts/destinations/{id}"), None)
            .await
    }

    /// Sends a test alert to one destination now and says how it went.
    pub async fn test_alert_destination(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<DeliveryInfo, ClientError> {
        self.post(
            &format!("/teams/{team_id}/alerts/destinations/{id}/test"),
            &serde_json::json!({}),
        )
        .await
    }

    /// One page of a team's audit log (newest first), optionally one `action` only; `after`
    /// is the previous page's `next` (empty for the first page).
    pub async fn audit(
        &self,
        team_id: &str,
        action: &str,
        after: &str,
        limit: u32,
    ) -> Result<Page<AuditEntry>, ClientError> {
        self.get(&format!(
            "/teams/{team_id}/audit?limit={limit}&action={action}&after={after}"
        ))
        .await
    }
}
