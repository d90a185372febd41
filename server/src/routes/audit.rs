//! `GET /api/teams/{team}/audit` (admin): the audit log, newest first, paginated.

use axum::{
    Json,
    extract::{Query, State},
};
use serde::Deserialize;
use signet_core::wire::Permission;
use signet_core::wire::{
    Page,
    audit::{ACTIONS, AuditEntry},
};

use crate::{ApiError, AppState, auth::Member};

/// `?after=<cursor>&limit=<n>&action=<action>`.
#[derive(Debug, Deserialize)]
pub(super) struct AuditQuery {
    after: Option<String>,
    limit: Option<i64>,
    action: Option<String>,
}

/// One page of the team's audit log.
pub(super) async fn list(
    State(state): State<AppState>,
    m: Member<{ Permission::ReadAudit.level() }>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Invalid("limit must be 1 to 500".into()));
    }
    let before = match q.after.as_deref() {
        None | Some("") => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            ApiError::BadRequest("`after` must be the `next` value of the previous page".into())
        })?),
    };
    let action = q.action.filter(|a| !a.is_empty());
    if let Some(a) = &action
        && !ACTIONS.contains(&a.as_str())
    {
        return Err(ApiError::Invalid(format!(
            "unknown action \"{a}\"; one of: {}",
            ACTIONS.join(", ")
        )));
    }
    let entries = state
        .store
        .audit_page(m.team_id(), before, action.as_deref(), limit + 1)
        .await?;
    let more = entries.len() as i64 > limit;
    let entries: Vec<AuditEntry> = entries.into_iter().take(limit as usize).collect();
    let next = if more {
        entries.last().map(|e| e.id.to_string())
    } else {
        None
    };
    Ok(Json(Page { entries, next }))
}
