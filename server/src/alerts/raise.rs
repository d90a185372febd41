//! What raises an alert, and what the alert says.
//!
//! - **Expiry.** Every credential assigned to an app whose public metadata has a `not_after`
//!   raises one alert when it comes within 30, 14, 7 and 1 days of it, and one on the day it
//!   expired — the nearest threshold only (a profile imported with 5 days left raises "7",
//!   not "30, 14 and 7"). The key includes `not_after`, so a credential replaced in place by
//!   one with a new date starts over.
//! - **Audit.** A credential purged, a member removed and a robot token created, read from
//!   the audit log (written in the same transaction as the change, so nothing is missed) for
//!   the last day; each entry raises once.
//!
//! An alert names the team, the app(s), the credential's label and fingerprint, the date and
//! a link to the dashboard page that fixes it. Never a secret: it is built only from what the
//! server stores in the clear.

use serde_json::{Value, json};
use signet_core::{cert::Instant, wire::alert::EXPIRY_THRESHOLDS};

use crate::store::alerts::{AuditFact, NewEvent, Use, WatchedCredential};

const DAY: i64 = 86_400;

/// How far back the audit scan reads. Entries are raised once each (by id), so overlap is
/// harmless; a server stopped for longer does not send stale news when it starts.
pub const AUDIT_WINDOW: i64 = DAY;

/// What people call a credential kind.
pub fn kind_label(kind: &str) -> String {
    match kind {
        "android_keystore" => "Android upload keystore".into(),
        "ios_distribution_certificate" => "iOS distribution certificate".into(),
        "ios_provisioning_profile" => "iOS provisioning profile".into(),
        "apple_push_key" => "Apple push key".into(),
        "asc_api_key" => "App Store Connect API key".into(),
        "fcm_v1_service_account" => "FCM v1 service account key".into(),
        "google_service_account" => "Google Play service account key".into(),
        "play_app_signing_certificate" => "Google Play app-signing certificate".into(),
        other => other.replace('_', " "),
    }
}

/// The threshold (days) `not_after` has reached at `now`, if any.
pub fn threshold(not_after: i64, now: i64) -> Option<i64> {
    let remaining = not_after - now;
    if remaining <= 0 {
        return Some(0);
    }
    EXPIRY_THRESHOLDS
        .iter()
        .rev()
        .copied()
        .filter(|&t| t > 0)
        .find(|&t| remaining <= t * DAY)
}

fn fingerprint(meta: &Value) -> Option<(String, String)> {
    ["sha256", "sha1", "uuid", "key_id"].iter().find_map(|k| {
        meta.get(*k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(|v| ((*k).to_owned(), v.to_owned()))
    })
}

/// The dashboard link for `path` in team `team_id`: the team is in the query so that a
/// member of several teams lands in the right one.
fn url(public: Option<&str>, path: &str, team_id: &str) -> String {
    let path = format!("{path}?team={team_id}");
    match public {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path,
    }
}

fn uses_line(uses: &[Use]) -> String {
    if uses.is_empty() {
        return "not assigned to any app".into();
    }
    let mut parts: Vec<String> = uses
        .iter()
        .map(|u| {
            let mut slot = format!("{} ({} {}", u.app_name, u.platform, u.profile);
            if !u.target.is_empty() {
                slot.push_str(&format!(", target {}", u.target));
            }
            slot.push(')');
            slot
        })
        .collect();
    parts.dedup();
    parts.join(", ")
}

/// The alert for `credential` at `now`, if it has reached a threshold.
pub fn expiry(
    credential: &WatchedCredential,
    uses: &[Use],
    now: i64,
    public_url: Option<&str>,
) -> Option<NewEvent> {
    let meta: Value = serde_json::from_str(&credential.metadata).ok()?;
    let not_after = meta.get("not_after").and_then(Value::as_i64)?;
    let threshold = threshold(not_after, now)?;
    let kind = kind_label(&credential.kind);
    let when = Instant::from_unix(not_after);
    let days_left = (not_after - now).div_euclid(DAY);
    let apps = uses_line(uses);
    let summary = if threshold == 0 {
        format!(
            "{kind} \"{}\" of {} expired on {}",
            credential.label, apps, when.utc
        )
    } else {
        let days = if days_left <= 0 {
            "less than a day".to_owned()
        } else if days_left == 1 {
            "1 day".to_owned()
        } else {
            format!("{days_left} days")
        };
        format!(
            "{kind} \"{}\" of {} expires in {days} ({})",
            credential.label, apps, when.utc
        )
    };
    // Where it is fixed: the app page (where it is replaced) when it is used by one app,
    // the credential's page otherwise.
    let mut app_ids: Vec<&str> = uses.iter().map(|u| u.app_id.as_str()).collect();
    app_ids.dedup();
    let path = match app_ids.as_slice() {
        [one] => format!("/apps/{one}"),
        _ => format!("/credentials/{}", credential.id),
    };
    let link = url(public_url, &path, &credential.team_id);
    let fp = fingerprint(&meta);
    let mut details = vec![
        format!("Team: {}", credential.team_name),
        format!("Used by: {apps}"),
        format!("Credential: {kind} \"{}\"", credential.label),
    ];
    if let Some((name, value)) = &fp {
        details.push(format!("{}: {value}", name.to_uppercase()));
    }
    details.push(format!("Expires: {}", when.utc));
    let event = if threshold == 0 {
        "credential.expired"
    } else {
        "credential.expiring"
    };
    let body = json!({
        "type": event,
        "summary": summary,
        "details": details,
        "team": {"id": credential.team_id, "name": credential.team_name},
        "apps": uses.iter().map(|u| json!({
            "id": u.app_id, "name": u.app_name, "platform": u.platform,
            "profile": u.profile, "target": u.target,
        })).collect::<Vec<_>>(),
        "credential": {
            "id": credential.id,
            "kind": credential.kind,
            "label": credential.label,
            "fingerprint": fp.as_ref().map(|(name, value)| json!({"type": name, "value": value})),
            "expires_at": not_after,
            "expires_at_utc": when.utc,
        },
        "days_left": days_left.max(0),
        "threshold_days": threshold,
        "url": link,
        "at": now,
    });
    Some(NewEvent {
        team_id: credential.team_id.clone(),
        dedup_key: format!("expiry:{}:{not_after}:{threshold}", credential.id),
        kind: event.to_owned(),
        summary,
        body: body.to_string(),
        now,
        destinations_since: now,
        only_destination: None,
    })
}

/// The alert for an audit entry.
///
/// `skew` is the server's clock minus the system clock that stamped the audit log (0 but in
/// tests that move the server's clock): the destinations that existed when it happened are
/// those created (on the server's clock) up to `fact.at + skew`.
pub fn audit(fact: &AuditFact, now: i64, skew: i64, public_url: Option<&str>) -> Option<NewEvent> {
    let who = fact.actor_email.as_deref().unwrap_or("a robot token");
    let (summary, path) = match fact.action.as_str() {
        "credential.purged" => (
            format!(
                "{who} deleted {} for good in team {}",
                if fact.detail.is_empty() {
                    format!("credential {}", fact.target_id)
                } else {
                    fact.detail.clone()
                },
                fact.team_name
            ),
            "/audit".to_owned(),
        ),
        "member.removed" => (
            format!(
                "{who} removed {} from team {} ({})",
                fact.target_email.as_deref().unwrap_or("a member"),
                fact.team_name,
                fact.detail
            ),
            "/members".to_owned(),
        ),
        "robot.created" => (
            format!(
                "{who} created a robot token {} in team {}",
                fact.detail, fact.team_name
            ),
            "/audit".to_owned(),
        ),
        _ => return None,
    };
    let link = url(public_url, &path, &fact.team_id);
    let body = json!({
        "type": fact.action,
        "summary": summary,
        "details": [format!("Team: {}", fact.team_name), format!("By: {who}"),
                    format!("When: {}", Instant::from_unix(fact.at).utc)],
        "team": {"id": fact.team_id, "name": fact.team_name},
        "actor": fact.actor_email,
        "target": {"id": fact.target_id, "email": fact.target_email, "detail": fact.detail},
        "url": link,
        "at": fact.at,
    });
    Some(NewEvent {
        team_id: fact.team_id.clone(),
        dedup_key: format!("audit:{}", fact.id),
        kind: fact.action.clone(),
        summary,
        body: body.to_string(),
        now,
        destinations_since: fact.at + skew,
        only_destination: None,
    })
}

/// A test alert for one destination.
pub fn test(
    team_id: &str,
    team_name: &str,
    who: &str,
    now: i64,
    public_url: Option<&str>,
) -> (String, String) {
    let summary = format!("Test alert for team {team_name}, sent by {who}: this destination works");
    let body = json!({
        "type": "test",
        "summary": summary,
        "details": [format!("Team: {team_name}"), format!("Sent by: {who}")],
        "team": {"id": team_id, "name": team_name},
        "url": url(public_url, "/alerts", team_id),
        "at": now,
    });
    (summary, body.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_threshold_is_raised() {
        let now = 1_000_000_000;
        assert_eq!(threshold(now + 40 * DAY, now), None);
        assert_eq!(threshold(now + 30 * DAY, now), Some(30));
        assert_eq!(threshold(now + 20 * DAY, now), Some(30));
        assert_eq!(threshold(now + 14 * DAY, now), Some(14));
        assert_eq!(threshold(now + 5 * DAY, now), Some(7));
        assert_eq!(threshold(now + 3600, now), Some(1));
        assert_eq!(threshold(now, now), Some(0));
        assert_eq!(threshold(now - 5 * DAY, now), Some(0));
    }
}
