//! Sections of the dashboard still to come. Each says what it will hold, so the navigation is
//! honest about what exists today.

use leptos::prelude::*;

/// A team's audit log.
#[component]
pub fn Audit() -> impl IntoView {
    view! {
        <section class="empty-state">
            <h1>"Audit log"</h1>
            <p>"Every sign-in, secret read and change to your team's credentials."</p>
            <p class="muted">"The audit log page is not built yet; the server already records it (GET /api/teams/{team}/audit)."</p>
        </section>
    }
}
