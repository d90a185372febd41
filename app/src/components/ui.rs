//! Small pieces every page uses: dates, expiry badges, copy buttons, empty states.

use leptos::{prelude::*, task::spawn_local};
use signet_core::expiry::{Expiry, Severity};

/// Now, in Unix seconds (the browser's clock; `SystemTime` panics on wasm32).
pub fn now_unix() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// `YYYY-MM-DD` (UTC) for Unix seconds.
pub fn date(unix: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let iso: String = d.to_iso_string().into();
    iso.chars().take(10).collect()
}

/// An error message as a sentence for people: a capital first letter and a closing full stop.
/// Messages from the Rust crates are written in their style ("the two passwords differ");
/// the dashboard shows them as "The two passwords differ."
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    // ASCII only: `char::to_uppercase` would bring Unicode's case tables into the main
    // module (8 KB gzip) for messages that are English.
    let mut out = String::with_capacity(text.len() + 1);
    out.push(first.to_ascii_uppercase());
    out.extend(chars);
    if !out.ends_with(['.', '!', '?', ':', ')', '"']) {
        out.push('.');
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) for Unix seconds.
pub fn date_time(unix: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let iso: String = d.to_iso_string().into();
    iso.chars().take(19).collect::<String>().replace('T', " ")
}

/// "a viewer", "a developer", "an admin", "an owner".
pub fn role_with_article(role: signet_core::wire::Role) -> String {
    use signet_core::wire::Role;
    match role {
        Role::Admin | Role::Owner => format!("an {}", role.as_str()),
        Role::Developer | Role::Viewer => format!("a {}", role.as_str()),
    }
}

/// Whole days from now until `unix` (negative when past).
pub fn days_until(unix: i64) -> i64 {
    (unix - now_unix()).div_euclid(86_400)
}

/// The badge class of a severity: four looks (expired is filled), never the only signal.
pub fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Expired => "badge danger filled",
        Severity::Urgent => "badge danger",
        Severity::Soon => "badge warning",
        Severity::Fine => "badge ok",
    }
}

/// A badge: "Expired", "Expires in N days" within 30 days, else "Valid until YYYY-MM-DD"
/// (coloured by [`severity_class`]).
#[component]
pub fn ExpiryBadge(not_after: i64) -> impl IntoView {
    let expiry = Expiry::new(not_after, now_unix());
    let days = expiry.days_left();
    let text = match expiry.severity() {
        Severity::Expired => "Expired".to_owned(),
        Severity::Urgent | Severity::Soon => format!("Expires in {days} days"),
        // A date, not a count: "10000 days" would read "9999" after the next reload.
        Severity::Fine => format!("Valid until {}", date(not_after)),
    };
    view! {
        <span class=severity_class(expiry.severity()) data-days=days.to_string()>{text}</span>
    }
}

/// The severity word and how long, e.g. "Urgent · expires in 5 days", "Expired · expired 3
/// days ago" (from verified metadata only); `data-severity` names it for scripts and tests.
#[component]
pub fn ExpiryStatus(expiry: Expiry) -> impl IntoView {
    let severity = expiry.severity();
    view! {
        <span
            class=format!("{} expiry-status", severity_class(severity))
            data-severity=severity.as_str()
            data-days=expiry.days_left().to_string()
        >
            {format!("{} · {}", severity.word(), expiry.describe())}
        </span>
    }
}

/// A credential whose metadata did not verify: its expiry is unknown, never "fine".
#[component]
pub fn UnverifiedStatus() -> impl IntoView {
    view! {
        <span class="badge danger expiry-status" data-severity="unverified">
            "Unverified · expiry unknown"
        </span>
    }
}

/// A "Copy" button that puts `text` on the clipboard and says "Copied" for a moment.
#[component]
pub fn CopyButton(#[prop(into)] label: String, #[prop(into)] text: String) -> impl IntoView {
    // None: not tried yet; Some(false): the browser refused (no clipboard outside https or
    // localhost, or permission denied), and the person is told to copy by hand.
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            let ok = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
                .await
                .is_ok();
            copied.set(Some(ok));
            gloo_timers::future::TimeoutFuture::new(if ok { 1500 } else { 6000 }).await;
            copied.set(None);
        });
    };
    let aria = format!("Copy {label}");
    view! {
        <button class="button small" type="button" aria-label=aria on:click=copy>
            {move || match copied.get() {
                None => "Copy",
                Some(true) => "Copied",
                Some(false) => "Copy failed: select the text and copy it by hand",
            }}
        </button>
    }
}

/// A value in monospace with a button that copies it to the clipboard.
#[component]
pub fn CopyValue(
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    #[prop(into)] id: String,
) -> impl IntoView {
    // A colon-separated fingerprint (`AB:CD:…`) breaks only after a colon, never inside a
    // byte: its text is the same, with a break opportunity after each `:`.
    let fingerprint = value.len() > 2
        && value
            .split(':')
            .all(|g| g.len() == 2 && g.chars().all(|c| c.is_ascii_hexdigit()));
    let shown = if fingerprint {
        let groups: Vec<&str> = value.split(':').collect();
        let last = groups.len() - 1;
        groups
            .into_iter()
            .enumerate()
            .map(|(i, g)| {
                if i < last {
                    view! { {format!("{g}:")}<wbr /> }.into_any()
                } else {
                    g.to_owned().into_any()
                }
            })
            .collect_view()
            .into_any()
    } else {
        value.clone().into_any()
    };
    view! {
        <div class="copy-row">
            <span class="copy-label">{label.clone()}</span>
            <code class=if fingerprint { "mono fingerprint" } else { "mono" } id=id>{shown}</code>
            <CopyButton label text=value />
        </div>
    }
}

/// Multi-line text (a JSON statement, a config) with a button that copies it.
#[component]
pub fn CopyBlock(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] value: String,
) -> impl IntoView {
    view! {
        <pre class="code-block mono" id=id>{value.clone()}</pre>
        <CopyButton label text=value />
    }
}

/// EAS's build profiles: offered before anything is assigned to them.
pub const BUILD_PROFILES: [&str; 3] = ["production", "preview", "development"];

/// The build profiles an app's `platform` slots are shown for: EAS's three, then any other
/// one its assignments use.
pub fn build_profiles(
    assignments: &[signet_core::wire::app::Assignment],
    platform: signet_core::wire::app::Platform,
) -> Vec<String> {
    let mut profiles: Vec<String> = BUILD_PROFILES.iter().map(|p| (*p).to_owned()).collect();
    for a in assignments.iter().filter(|a| a.platform == platform) {
        if !profiles.contains(&a.profile) {
            profiles.push(a.profile.clone());
        }
    }
    profiles
}

/// "Build profile": a choice among `profiles`, bound to `profile`.
#[component]
pub fn ProfileSelect(
    id: &'static str,
    profiles: Vec<String>,
    profile: RwSignal<String>,
) -> impl IntoView {
    view! {
        <div class="form inline">
            <label for=id>"Build profile"</label>
            <select id=id on:change=move |ev| profile.set(event_target_value(&ev))>
                {profiles
                    .into_iter()
                    .map(|p| {
                        let selected = p == profile.get_untracked();
                        view! { <option value=p.clone() selected=selected>{p.clone()}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// A page heading with an optional line under it.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(into, default = String::new())] lead: String,
) -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>{title}</h1>
            {(!lead.is_empty()).then(|| view! { <p class="muted">{lead}</p> })}
        </header>
    }
}

/// Loading line for a resource that has not answered yet.
#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! {
        <p class="status" role="status">
            <span class="spinner" aria-hidden="true"></span>
            {what}
        </p>
    }
}

/// Shown when a page needs a team and there is none yet.
#[component]
pub fn NoTeam() -> impl IntoView {
    view! {
        <section class="empty-state">
            <h2>"You are not in a team yet"</h2>
            <p>"Create a team first, or open an invitation link a team admin sent you."</p>
            <a class="button primary" href="/teams">"Create a team"</a>
        </section>
    }
}

/// A page's data did not load. A 403 or 404 may mean the person was removed from the current
/// team (or it was deleted) while this tab was open: the team list is read again, and when
/// the team is gone from it the page says so, instead of the server's answer, and offers to
/// go on with another team.
#[component]
pub fn LoadError(e: crate::api::ApiError) -> impl IntoView {
    let state = crate::state::AppState::get();
    let team = state.team_id.get_untracked().and_then(|id| {
        state.teams.with_untracked(|t| {
            t.iter()
                .find(|t| t.id == id)
                .map(|t| (id.clone(), t.name.clone()))
        })
    });
    let maybe_gone = matches!(e.status, Some(403 | 404));
    let gone = LocalResource::new(move || {
        let team = team.clone();
        async move {
            let (id, name) = team.filter(|_| maybe_gone)?;
            let teams = crate::api::teams().await.ok()?;
            (!teams.iter().any(|t| t.id == id && t.deleted_at.is_none())).then_some(name)
        }
    });
    let message = e.to_string();
    move || {
        match gone.get().flatten() {
        Some(name) => view! {
            <section class="card" role="alert" id="team-gone">
                <p>
                    {format!(
                        "You are no longer a member of {name}: an admin removed you, or the team \
                         was deleted. Nothing of it can be opened here any more; ask an admin of \
                         {name} for a new invitation if this is a mistake."
                    )}
                </p>
                <button id="team-gone-continue" class="button" type="button"
                    on:click=move |_| spawn_local(async move { let _ = state.reload_teams().await; })>
                    "Continue with my other teams"
                </button>
            </section>
        }
            .into_any(),
        None => view! { <p class="error-text" role="alert">{message.clone()}</p> }.into_any(),
    }
    }
}
