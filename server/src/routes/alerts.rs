//! `/api/teams/{team}/alerts/…` (admin and up): where a team's alerts go, a test alert per
//! destination, and the delivery log.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use signet_core::wire::Permission;
use signet_core::wire::alert::{
    AlertsOverview, CreateDestinationRequest, CreatedDestination, DeliveryInfo, DestinationKind,
};

use super::json::ApiJson;
use crate::{
    ApiError, AppState, alerts::targets, auth::Member, ids::check_uuid, store::audit::Record,
};

/// Deliveries the overview shows.
const LOG_SIZE: i64 = 100;

/// `GET /api/teams/{team}/alerts`: destinations, the newest deliveries, whether email works.
pub(super) async fn overview(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageAlerts.level() }>,
) -> Result<Json<AlertsOverview>, ApiError> {
    let destinations = state.store.destinations(m.team_id()).await?;
    Ok(Json(AlertsOverview {
        destinations: destinations.iter().map(|d| d.info()).collect(),
        deliveries: state.store.deliveries(m.team_id(), LOG_SIZE).await?,
        email_available: state.alerts.email_available(),
    }))
}

/// `POST /api/teams/{team}/alerts/destinations`: add one; a generic webhook's signing secret
/// is in the answer, this once.
pub(super) async fn create(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageAlerts.level() }>,
    ApiJson(req): ApiJson<CreateDestinationRequest>,
) -> Result<(StatusCode, Json<CreatedDestination>), ApiError> {
    if req.kind == DestinationKind::Email && !state.alerts.email_available() {
        return Err(ApiError::Invalid(
            "this server cannot send email: its operator has to configure an SMTP relay (--smtp-url / SIGNET_SMTP_URL). Use a webhook, Slack or Discord meanwhile".into(),
        ));
    }
    let target = targets::check(req.kind, &req.target, state.alerts.allow_private_targets())?;
    let label = req.label.trim();
    if label.chars().count() > 100 {
        return Err(ApiError::Invalid(
            "the destination's name is longer than 100 characters".into(),
        ));
    }
    let secret = match req.kind {
        DestinationKind::Webhook => {
            let mut raw = [0u8; 32];
            getrandom::fill(&mut raw).map_err(|e| ApiError::Internal(format!("random: {e}")))?;
            Some(format!(
                "whsec_{}",
                signet_core::vault::envelope::to_base64(&raw)
            ))
        }
        _ => None,
    };
    let now = state.alerts.now();
    let row = state
        .store
        .create_destination(
            m.team_id(),
            req.kind,
            &target,
            label,
            secret.as_deref(),
            m.user_id(),
            now,
        )
        .await?;
    let info = row.info();
    state
        .store
        .audit(
            m.actor(),
            Record {
                team_id: Some(m.team_id()),
                action: "alert.destination_added",
                target_type: "alert_destination",
                target_id: &row.id,
                detail: format!("{} {}", req.kind.as_str(), info.target),
            },
            now,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedDestination {
            destination: info,
            secret,
        }),
    ))
}

/// `DELETE /api/teams/{team}/alerts/destinations/{destination}`.
pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageAlerts.level() }>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_uuid(&id, "the destination id")?;
    let Some(row) = state.store.destination(m.team_id(), &id).await? else {
        return Err(ApiError::NotFound);
    };
    if !state.store.delete_destination(m.team_id(), &id).await? {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .audit(
            m.actor(),
            Record {
                team_id: Some(m.team_id()),
                action: "alert.destination_removed",
                target_type: "alert_destination",
                target_id: &id,
                detail: format!("{} {}", row.kind.as_str(), row.info().target),
            },
            state.alerts.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/teams/{team}/alerts/destinations/{destination}/test`: send a test alert now.
pub(super) async fn test(
    State(state): State<AppState>,
    m: Member<{ Permission::ManageAlerts.level() }>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<DeliveryInfo>, ApiError> {
    check_uuid(&id, "the destination id")?;
    if state.store.destination(m.team_id(), &id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let who = m.user.session.email.clone();
    Ok(Json(
        state
            .alerts
            .send_test(m.team_id(), &m.team.name, &id, &who)
            .await?,
    ))
}
