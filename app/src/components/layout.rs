//! The layout shell: header, navigation, main area, footer with the server's version.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_navigate};

use crate::{
    api,
    state::{AppState, AuthState},
};

/// The frame around every page.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                <span class="brand-name">"Signet"</span>
            </a>
            <span class="tagline">"End-to-end encrypted signing credentials"</span>
            <span class="spacer"></span>
            <UserMenu />
        </header>
        <div class="frame">
            <nav class="sidebar" aria-label="Main">
                <ul>
                    <NavItem href="/" label="Home" />
                    <NavItem href="/teams" label="Teams" />
                    <NavItem href="/apps" label="Apps" />
                    <NavItem href="/credentials" label="Credentials" />
                    <NavItem href="/expiring" label="Expiring" />
                    <NavItem href="/members" label="Members" />
                    <NavItem href="/audit" label="Audit log" />
                    <NavItem href="/alerts" label="Alerts" />
                    <NavItem href="/account" label="Account" />
                </ul>
            </nav>
            <main id="main" class="content" tabindex="-1">
                {children()}
            </main>
        </div>
        <Footer />
    }
}

#[component]
fn NavItem(href: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <li>
            <A href=href exact=true>{label}</A>
        </li>
    }
}

/// The current team (a switcher when there are several), who is signed in, and sign-out.
#[component]
fn UserMenu() -> impl IntoView {
    let state = AppState::get();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = api::logout().await;
            state.forget();
            navigate("/", Default::default());
        });
    };
    view! {
        {move || match state.auth.get() {
            AuthState::Unlocked(keys) => {
                let teams: Vec<_> = state
                    .teams
                    .get()
                    .into_iter()
                    .filter(|t| t.deleted_at.is_none())
                    .collect();
                let switcher = (!teams.is_empty())
                    .then(|| {
                        view! {
                            <label class="team-switch">
                                <span class="visually-hidden">"Current team"</span>
                                <select
                                    id="team-switcher"
                                    on:change=move |ev| state.team_id.set(Some(event_target_value(&ev)))
                                >
                                    {teams
                                        .into_iter()
                                        .map(|t| {
                                            let selected = state.team_id.get().as_deref()
                                                == Some(t.id.as_str());
                                            view! {
                                                <option value=t.id.clone() selected=selected>
                                                    {t.name.clone()}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                            </label>
                        }
                    });
                view! {
                    {switcher}
                    <span class="user-email" id="user-email">{keys.user.email.clone()}</span>
                    <button id="sign-out" class="button small" type="button" on:click=sign_out.clone()>
                        "Sign out"
                    </button>
                }
                    .into_any()
            }
            AuthState::Locked(_) => view! { <span class="badge warning">"Locked"</span> }.into_any(),
            _ => match state.saving_code_for.get() {
                // Signed up (or recovered), the recovery code on screen: not "Sign in".
                Some(email) => view! { <span class="user-email" id="user-email">{email}</span> }.into_any(),
                None => view! { <a class="button small" href="/account" id="sign-in-link">"Sign in"</a> }.into_any(),
            },
        }}
    }
}

/// Shows the version the server reports, or why it could not be reached.
#[component]
fn Footer() -> impl IntoView {
    let health = LocalResource::new(api::health);
    view! {
        <footer class="footer">
            <span>"Signet — keys are generated and encrypted in your browser."</span>
            <span class="server-status" id="server-version">
                <Transition fallback=|| view! { <span class="muted">"Connecting to server…"</span> }>
                    {move || {
                        health
                            .get()
                            .map(|result| match result {
                                Ok(h) => {
                                    view! {
                                        <span class="ok-dot" aria-hidden="true"></span>
                                        <span>
                                            {format!("Server v{} · {}", h.version, h.database)}
                                        </span>
                                    }
                                        .into_any()
                                }
                                Err(e) => {
                                    view! { <span class="error-text">{e.to_string()}</span> }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
            </span>
        </footer>
    }
}
