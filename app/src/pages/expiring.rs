//! `/expiring`: every credential of the current team that expires (certificates, profiles,
//! keystores: metadata `not_after`), expired ones first, then soonest, each with a severity
//! word and the days (colour is never the only signal) and links to where it is replaced:
//! its credential page and the app pages that use it. Dates come only from metadata its
//! author signed ([`api::verified_credentials`]); a credential whose metadata does not verify
//! is listed as unverified with no date, never as fine. The apps list's per-app badge
//! ([`AppExpiryBadges`]) comes from the same [`team_expiry`].

use leptos::prelude::*;
use signet_core::{
    expiry::{Expiry, not_after},
    wire::{
        app::{AppInfo, Assignment, Platform},
        credential::CredentialInfo,
    },
};

use crate::{
    api::{self, ApiError},
    components::ui::{ExpiryStatus, Loading, NoTeam, PageHeader, UnverifiedStatus, date, now_unix},
    pages::{auth::Gate, credentials::kind_name},
    state::AppState,
};

/// Where a credential is used: one build slot of one app.
#[derive(Debug, Clone)]
pub struct Use {
    /// The app's id (for its page's link).
    pub app_id: String,
    /// The app's name.
    pub app: String,
    /// The slot.
    pub assignment: Assignment,
}

impl Use {
    /// "Acme · iOS production · Widget", with "(default)" for the slot's default.
    pub fn describe(&self) -> String {
        let a = &self.assignment;
        let platform = match a.platform {
            Platform::Android => "Android",
            Platform::Ios => "iOS",
        };
        let mut text = format!("{} · {platform} {}", self.app, a.profile);
        if !a.target.is_empty() {
            text.push_str(&format!(" · {}", a.target));
        }
        if a.is_default {
            text.push_str(" (default)");
        }
        text
    }
}

/// A credential that expires, or whose expiry cannot be known because its metadata did not
/// verify (`expiry` is then `None`).
#[derive(Debug, Clone)]
pub struct Due {
    /// The credential, as [`api::verified_credentials`] checked it.
    pub credential: CredentialInfo,
    /// Its verified expiry; `None`: unverified.
    pub expiry: Option<Expiry>,
    /// The build slots that use it.
    pub uses: Vec<Use>,
}

/// A team's apps with their slots, and its live credentials as their authors signed them:
/// what the Expiring page, the apps list's badges and the team home are computed from.
#[derive(Debug, Clone)]
pub struct TeamSlots {
    /// Each app with its assignments.
    pub apps: Vec<(AppInfo, Vec<Assignment>)>,
    /// The team's live credentials ([`api::verified_credentials`]).
    pub credentials: Vec<CredentialInfo>,
}

impl TeamSlots {
    /// Reads them: the credentials and the apps at once, then every app's assignments at
    /// once (a team of many apps waits for one round trip, not one per app).
    pub async fn load(team_id: &str) -> Result<Self, ApiError> {
        let keys = AppState::get().keys_untracked().ok_or_else(|| ApiError {
            status: None,
            code: None,
            message: "Sign in again.".into(),
        })?;
        let (credentials, apps) = futures::future::join(
            api::verified_credentials(&keys, team_id, false),
            api::apps(team_id),
        )
        .await;
        let (credentials, apps) = (credentials?, apps?);
        let assignments = futures::future::try_join_all(
            apps.iter().map(|app| api::assignments(team_id, &app.id)),
        )
        .await?;
        Ok(Self {
            apps: apps.into_iter().zip(assignments).collect(),
            credentials,
        })
    }

    /// Whether `id` is one of the team's live credentials.
    pub fn is_live(&self, id: &str) -> bool {
        self.credentials.iter().any(|c| c.id == id)
    }

    /// The live credentials that have a verified expiry or are unverified, expired and
    /// soonest first, the unverified last; each with the slots that use it.
    pub fn due(&self) -> Vec<Due> {
        let uses: Vec<Use> = self
            .apps
            .iter()
            .flat_map(|(app, assignments)| {
                assignments.iter().map(|assignment| Use {
                    app_id: app.id.clone(),
                    app: app.name.clone(),
                    assignment: assignment.clone(),
                })
            })
            .collect();
        let now = now_unix();
        let mut due: Vec<Due> = self
            .credentials
            .iter()
            .filter_map(|c| {
                let expiry = if api::unverified(c).is_some() {
                    None
                } else {
                    Some(Expiry::new(not_after(&c.metadata)?, now))
                };
                let uses = uses
                    .iter()
                    .filter(|u| u.assignment.credential_id == c.id)
                    .cloned()
                    .collect();
                Some(Due {
                    credential: c.clone(),
                    expiry,
                    uses,
                })
            })
            .collect();
        due.sort_by(|a, b| {
            let key = |d: &Due| (d.expiry.is_none(), d.expiry.map(|e| e.not_after));
            key(a)
                .cmp(&key(b))
                .then_with(|| a.credential.label.cmp(&b.credential.label))
        });
        due
    }
}

/// The team's [`TeamSlots::due`].
pub async fn team_expiry(team_id: &str) -> Result<Vec<Due>, ApiError> {
    Ok(TeamSlots::load(team_id).await?.due())
}

/// `/expiring`.
#[component]
pub fn Expiring() -> impl IntoView {
    view! {
        <Gate>
            <ExpiringList />
        </Gate>
    }
}

#[component]
fn ExpiringList() -> impl IntoView {
    let state = AppState::get();
    let list = LocalResource::new(move || {
        let team = state.team_id.get();
        async move {
            match team {
                Some(team) => team_expiry(&team).await.map(Some),
                None => Ok(None),
            }
        }
    });
    view! {
        <PageHeader
            title="Expiring"
            lead="Every certificate, profile and keystore of the team's apps, expired and soonest first. Open one to replace it."
        />
        {move || match list.get() {
            None => view! { <Loading what="Checking expiry dates…" /> }.into_any(),
            Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
            Some(Ok(None)) => view! { <NoTeam /> }.into_any(),
            Some(Ok(Some(items))) if items.is_empty() => view! {
                <section class="empty-state" id="nothing-expiring">
                    <h2>"Nothing here expires"</h2>
                    <p>"Certificates, profiles and keystores appear here once the team stores them."</p>
                </section>
            }
                .into_any(),
            Some(Ok(Some(items))) => view! {
                <table class="table" id="expiring-list">
                    <thead>
                        <tr>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col">"Credential"</th>
                            <th scope="col">"Used by"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {items.into_iter().map(|d| view! { <DueRow d /> }).collect_view()}
                    </tbody>
                </table>
            }
                .into_any(),
        }}
    }
}

#[component]
fn DueRow(d: Due) -> impl IntoView {
    let c = d.credential;
    view! {
        <tr class="expiring-row" data-id=c.id.clone()>
            <td>
                {match d.expiry {
                    Some(expiry) => view! { <ExpiryStatus expiry /> }.into_any(),
                    None => view! { <UnverifiedStatus /> }.into_any(),
                }}
            </td>
            <td>
                {match d.expiry {
                    Some(e) => date(e.not_after),
                    None => "unknown: its metadata is not what its author signed".to_owned(),
                }}
            </td>
            <td>
                <a href=format!("/credentials/{}", c.id)>{c.label.clone()}</a>
                <span class="muted">" · "{kind_name(c.kind.as_str())}</span>
            </td>
            <td>
                {if d.uses.is_empty() {
                    view! { <span class="muted">"No app uses it"</span> }.into_any()
                } else {
                    view! {
                        <ul class="plain-list">
                            {d.uses
                                .into_iter()
                                .map(|u| view! { <li><a href=format!("/apps/{}", u.app_id)>{u.describe()}</a></li> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </td>
        </tr>
    }
}

/// The worst expiry among what `app_id` uses (a badge), and an "unverified" badge when one
/// of its credentials does not verify; nothing when none of them expires.
#[component]
pub fn AppExpiryBadges(app_id: String, due: Vec<Due>) -> impl IntoView {
    let mine: Vec<&Due> = due
        .iter()
        .filter(|d| d.uses.iter().any(|u| u.app_id == app_id))
        .collect();
    let worst = mine
        .iter()
        .filter_map(|d| d.expiry)
        .min_by_key(|e| e.not_after);
    let unverified = mine.iter().any(|d| d.expiry.is_none());
    view! {
        <span class="badges app-expiry" data-app=app_id.clone()>
            {worst.map(|expiry| view! { <a href="/expiring" class="badge-link"><ExpiryStatus expiry /></a> })}
            {unverified.then(|| view! { <UnverifiedStatus /> })}
        </span>
    }
}
