//! The signed-in home (`/` once unlocked): the current team at a glance — what each app's
//! production builds still need ([`signet_core::readiness`], the same judgement as the app
//! page's download and `signet pull`), what expires soonest (from metadata its author signed,
//! [`TeamSlots::due`]), and the latest audit entries for those who may read the log. A wasm
//! chunk of its own ([`team_home`] is `#[lazy]`): a visitor who is not signed in never
//! downloads it.

use leptos::{lazy, prelude::*};
use signet_core::{
    readiness::{Missing, missing_for_build},
    wire::{
        Permission, Role,
        app::{AppInfo, Assignment},
        audit::AuditEntry,
        team::TeamInfo,
    },
};

use crate::{
    api::{self, ApiError},
    components::ui::{
        ExpiryStatus, Loading, NoTeam, PageHeader, date, date_time, role_with_article,
    },
    pages::{
        auth::Gate,
        credentials::kind_name,
        expiring::{AppExpiryBadges, Due, TeamSlots},
        soon::{ActionId, actor, subject},
    },
    state::AppState,
};

/// The build profile the home judges (the one every app has; others are on the app page).
const PROFILE: &str = "production";

/// How many expiring credentials and audit entries the home shows.
const SOONEST: usize = 5;
const RECENT: usize = 8;

/// The team home behind the session gate (unlock after a reload), fetched as its own chunk.
#[lazy]
pub fn team_home() -> AnyView {
    view! {
        <Gate>
            <TeamHome />
        </Gate>
    }
    .into_any()
}

/// Everything the home shows, read at once.
#[derive(Debug, Clone)]
struct Glance {
    team: TeamInfo,
    role: Role,
    apps: Vec<(AppInfo, Vec<Missing>)>,
    due: Vec<Due>,
    /// `None`: the caller may not read the audit log.
    activity: Option<Vec<AuditEntry>>,
}

async fn glance(team: TeamInfo) -> Result<Glance, ApiError> {
    let state = AppState::get();
    let role = state.fresh_role(&team).await?;
    let slots = TeamSlots::load(&team.id).await?;
    let apps = slots
        .apps
        .iter()
        .map(|(app, assignments): &(AppInfo, Vec<Assignment>)| {
            let missing = missing_for_build(app, assignments, |id| slots.is_live(id), PROFILE);
            (app.clone(), missing)
        })
        .collect();
    let activity = if role.may(Permission::ReadAudit) {
        Some(api::audit(&team.id, "", "").await?.entries)
    } else {
        None
    };
    Ok(Glance {
        team,
        role,
        apps,
        due: slots.due(),
        activity,
    })
}

#[component]
fn TeamHome() -> impl IntoView {
    let state = AppState::get();
    let data = LocalResource::new(move || {
        let team = state.team();
        async move {
            match team {
                Some(team) => glance(team).await.map(Some),
                None => Ok(None),
            }
        }
    });
    view! {
        {move || match data.get() {
            None => view! { <Loading what="Loading your team…" /> }.into_any(),
            Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
            Some(Ok(None)) => view! {
                <PageHeader title="Welcome to Signet" />
                <NoTeam />
            }
                .into_any(),
            Some(Ok(Some(g))) => view! { <GlanceView g /> }.into_any(),
        }}
    }
}

#[component]
fn GlanceView(g: Glance) -> impl IntoView {
    let lead = format!(
        "You are {} in this team. What its apps' {PROFILE} builds still need, what expires \
         soonest, and what happened lately.",
        role_with_article(g.role)
    );
    let can_add_apps = g.role.may(Permission::EditApps);
    view! {
        <PageHeader title=g.team.name.clone() lead />
        <div class="cards" id="team-home">
            <AppsNeeds apps=g.apps due=g.due.clone() can_add_apps />
            <Soonest due=g.due />
            <Activity entries=g.activity />
        </div>
    }
}

/// Per app: ready, or what its builds lack, each a link to where it is added.
#[component]
fn AppsNeeds(
    apps: Vec<(AppInfo, Vec<Missing>)>,
    due: Vec<Due>,
    can_add_apps: bool,
) -> impl IntoView {
    let body = if apps.is_empty() {
        view! {
            <p class="empty-note" id="home-no-apps">
                "No apps yet. "
                {if can_add_apps {
                    view! { <a href="/apps">"Add your first app"</a>" with its Android package and iOS bundle ids." }.into_any()
                } else {
                    "An admin adds the team's apps.".into_any()
                }}
            </p>
        }
        .into_any()
    } else {
        view! {
            <ul class="plain-list home-list">
                {apps
                    .into_iter()
                    .map(|(app, missing)| view! { <AppLine app missing due=due.clone() /> })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card" id="home-apps" aria-labelledby="home-apps-title">
            <h2 id="home-apps-title">"Apps"</h2>
            {body}
        </section>
    }
}

#[component]
fn AppLine(app: AppInfo, missing: Vec<Missing>, due: Vec<Due>) -> impl IntoView {
    let platforms = match (app.android_package.is_some(), !app.ios_targets.is_empty()) {
        (true, true) => "Android and iOS",
        (true, false) => "Android",
        (false, true) => "iOS",
        (false, false) => "no platform set yet",
    };
    let status = if app.android_package.is_none() && app.ios_targets.is_empty() {
        view! {
            <span class="badge warning">"No package or bundle id"</span>
        }
        .into_any()
    } else if missing.is_empty() {
        view! { <span class="badge ok">"Ready to build"</span> }.into_any()
    } else {
        view! {
            <span class="badge warning">{format!("{} missing", missing.len())}</span>
        }
        .into_any()
    };
    let needs = (!missing.is_empty()).then(|| {
        view! {
            <ul class="needs">
                {missing.iter().map(|m| view! { <li>{format!("Add {m}")}</li> }).collect_view()}
            </ul>
        }
    });
    view! {
        <li class="home-app" data-app=app.id.clone()>
            <div class="home-line">
                <a class="app-name" href=format!("/apps/{}", app.id)>{app.name.clone()}</a>
                <span class="badges">
                    {status}
                    <AppExpiryBadges app_id=app.id.clone() due />
                </span>
            </div>
            <span class="muted">{platforms}</span>
            {needs}
        </li>
    }
}

/// The credentials that expire soonest (expired first).
#[component]
fn Soonest(due: Vec<Due>) -> impl IntoView {
    let dated: Vec<Due> = due
        .into_iter()
        .filter(|d| d.expiry.is_some())
        .take(SOONEST)
        .collect();
    let body = if dated.is_empty() {
        view! {
            <p class="empty-note">"Nothing the team stores expires yet. Certificates, profiles and keystores show here once added."</p>
        }
        .into_any()
    } else {
        view! {
            <ul class="plain-list home-list">
                {dated
                    .into_iter()
                    .map(|d| {
                        let c = d.credential;
                        let expiry = d.expiry;
                        let used = d
                            .uses
                            .first()
                            .map(|u| u.describe())
                            .unwrap_or_else(|| "No app uses it".to_owned());
                        view! {
                            <li class="home-due" data-id=c.id.clone()>
                                <div class="home-line">
                                    <a href=format!("/credentials/{}", c.id)>{c.label.clone()}</a>
                                    {expiry.map(|expiry| view! { <ExpiryStatus expiry /> })}
                                </div>
                                <span class="muted">
                                    {format!(
                                        "{} · {} · {used}",
                                        kind_name(c.kind.as_str()),
                                        expiry.map(|e| date(e.not_after)).unwrap_or_default(),
                                    )}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card" id="home-expiring" aria-labelledby="home-expiring-title">
            <h2 id="home-expiring-title">"Expires soonest"</h2>
            {body}
            <p><a href="/expiring">"Every expiry date"</a></p>
        </section>
    }
}

/// The newest audit entries, or why they are not shown.
#[component]
fn Activity(entries: Option<Vec<AuditEntry>>) -> impl IntoView {
    let body = match entries {
        None => view! {
            <p class="empty-note">"Admins and owners see the team's recent activity here."</p>
        }
        .into_any(),
        Some(entries) => view! {
            <ul class="plain-list home-list">
                {entries
                    .into_iter()
                    .take(RECENT)
                    .map(|e| view! {
                        <li class="home-entry">
                            <div class="home-line">
                                <span>{subject(&e)}</span>
                                <ActionId action=e.action.clone() />
                            </div>
                            <span class="muted">{format!("{} · {} UTC", actor(&e), date_time(e.at))}</span>
                        </li>
                    })
                    .collect_view()}
            </ul>
            <p><a href="/audit">"The whole audit log"</a></p>
        }
        .into_any(),
    };
    view! {
        <section class="card" id="home-activity" aria-labelledby="home-activity-title">
            <h2 id="home-activity-title">"Recent activity"</h2>
            {body}
        </section>
    }
}
