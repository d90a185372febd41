//! The layout shell: header, navigation, main area, footer with the server's version.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;

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
        </header>
        <div class="frame">
            <nav class="sidebar" aria-label="Main">
                <ul>
                    <NavItem href="/" label="Overview" />
                    <NavItem href="/teams" label="Teams" />
                    <NavItem href="/apps" label="Apps" />
                    <NavItem href="/credentials" label="Credentials" />
                    <NavItem href="/members" label="Members" />
                    <NavItem href="/audit" label="Audit log" />
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
