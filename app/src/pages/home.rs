//! `/`: for a visitor, what Signet is and how to start; once signed in, the current team's
//! home ([`crate::pages::team_home`], fetched as its own chunk the first time it is shown).

use leptos::prelude::*;

use crate::{
    pages::team_home::team_home,
    state::{AppState, AuthState},
};

/// The landing page, or the team home. The session gate (and its sign-in and unlock forms)
/// lives in the team home's chunk, not here: the first load of a visitor stays small.
#[component]
pub fn Home() -> impl IntoView {
    let state = AppState::get();
    let shown = Memo::new(move |_| match state.auth.get() {
        AuthState::Checking => Shown::Checking,
        AuthState::SignedOut => Shown::Landing,
        AuthState::Locked(_) | AuthState::Unlocked(_) => Shown::Team,
    });
    move || match shown.get() {
        Shown::Checking => view! { <Waiting what="Checking your session…" /> }.into_any(),
        Shown::Landing => view! { <Landing /> }.into_any(),
        Shown::Team => view! {
            <Suspense fallback=|| view! { <Waiting what="Loading your team…" /> }>
                {Suspend::new(async { team_home().await })}
            </Suspense>
        }
        .into_any(),
    }
}

/// What `/` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Checking,
    Landing,
    Team,
}

#[component]
fn Waiting(what: &'static str) -> impl IntoView {
    view! {
        <p class="status" role="status"><span class="spinner" aria-hidden="true"></span>{what}</p>
    }
}

/// What Signet is, for someone who is not signed in.
#[component]
fn Landing() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Your app signing credentials, end-to-end encrypted"</h1>
            <p class="lead">
                "Signet generates, stores and shares Android keystores, iOS certificates, "
                "provisioning profiles and service keys for your team. Keys are made and "
                "encrypted in your browser or the signet CLI; the server only ever holds ciphertext."
            </p>
        </section>
        <div class="cards">
            <section class="card">
                <h2>"Get started"</h2>
                <ol class="checklist">
                    <li><a href="/account">"Create an account"</a>" — your keys are made in this browser"</li>
                    <li><a href="/teams">"Create a team"</a>" or open an invitation link"</li>
                    <li><a href="/apps">"Add an app"</a>" with its Android package and iOS bundle ids"</li>
                    <li>"Generate or upload its Android keystore and iOS certificates and profiles"</li>
                    <li><a href="/members">"Invite your teammates"</a>", then build with "<code>"signet pull"</code></li>
                </ol>
            </section>
            <section class="card">
                <h2>"What the server sees"</h2>
                <p class="muted">
                    "Names, expiry dates and fingerprints, signed by whoever stored them. Never a "
                    "private key or a password: those are encrypted to your team's key before "
                    "they leave your device, and every teammate's key is checked against the "
                    "team's signed member log."
                </p>
            </section>
        </div>
    }
}
