//! Sections of the dashboard that arrive with accounts and teams. Each says what it will hold,
//! so the navigation is honest about what exists today.

use leptos::prelude::*;

#[component]
fn Upcoming(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <section class="empty-state">
            <h1>{title}</h1>
            <p>{what}</p>
            <p class="muted">"This section becomes available once you sign in to a team."</p>
        </section>
    }
}

/// Teams you belong to.
#[component]
pub fn Teams() -> impl IntoView {
    view! { <Upcoming title="Teams" what="The teams you belong to and your role in each." /> }
}

/// A team's apps.
#[component]
pub fn Apps() -> impl IntoView {
    view! {
        <Upcoming
            title="Apps"
            what="Your team's apps, with their Android package and iOS bundle identifiers."
        />
    }
}

/// A team's credentials.
#[component]
pub fn Credentials() -> impl IntoView {
    view! {
        <Upcoming
            title="Credentials"
            what="Keystores, certificates, profiles and keys: fingerprints, expiry and where each is used."
        />
    }
}

/// A team's members and invitations.
#[component]
pub fn Members() -> impl IntoView {
    view! {
        <Upcoming
            title="Members"
            what="Who is in the team, their roles and fingerprints, and pending invitations."
        />
    }
}

/// A team's audit log.
#[component]
pub fn Audit() -> impl IntoView {
    view! {
        <Upcoming
            title="Audit log"
            what="Every sign-in, secret read and change to your team's credentials."
        />
    }
}
