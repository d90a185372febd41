//! Shown for any path the dashboard does not know.

use leptos::prelude::*;

/// 404 for client-side routes.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="empty-state">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <a class="button" href="/">"Back to the overview"</a>
        </section>
    }
}
