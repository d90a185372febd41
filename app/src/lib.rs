//! # signet-app — the dashboard
//!
//! A Leptos client-side app. Everything secret happens here, in the browser, through
//! `signet-core`; the server only ever receives ciphertext.
//!
//! - [`api`] — the pages' glue over `signet-client`, the one client of the API (URLs, vault
//!   flows, trust state): the browser's transport and errors phrased for people.
//! - [`download`] — the zip for local builds (EAS `credentials.json` + files).
//! - [`worker`] — RSA key generation in a Web Worker, so the page stays responsive.
//! - [`state`] — the session and keys (in memory only), the current team.
//! - [`components`] — the layout shell and reusable pieces.
//! - [`pages`] — one module per page.
//! - [`routes`] — the pages loaded lazily, from their own wasm chunks.
#![forbid(unsafe_code)]

pub mod api;
pub mod components;
pub mod download;
pub mod pages;
pub mod routes;
pub mod state;
pub mod worker;

use leptos::prelude::*;
use leptos_router::{
    Lazy,
    components::{Route, Router, Routes},
    path,
};
use wasm_bindgen::{JsCast, prelude::wasm_bindgen};

use components::layout::Shell;
use state::AppState;

/// Entry point called by the JS glue once the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    // In the key-generation Web Worker (see [`worker`]) there is no page to mount.
    if js_sys::global().dyn_into::<web_sys::Window>().is_ok() {
        leptos::mount::mount_to_body(App);
    }
}

/// `performance.mark("signet:ready")` once the session check has settled and the first page
/// can be used: what `cargo xtask bench` reports as time to interactive.
fn mark_ready() {
    let global = js_sys::global();
    let Ok(performance) = js_sys::Reflect::get(&global, &"performance".into()) else {
        return;
    };
    if let Ok(mark) = js_sys::Reflect::get(&performance, &"mark".into())
        && let Ok(mark) = mark.dyn_into::<js_sys::Function>()
    {
        let _ = mark.call1(&performance, &"signet:ready".into());
    }
}

/// The whole dashboard: the shell around the routed pages.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    leptos::task::spawn_local(async move {
        state.check_session().await;
        mark_ready();
    });
    view! {
        <Router>
            <Shell>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home />
                    <Route path=path!("/account") view={Lazy::<routes::AccountRoute>::new()} />
                    <Route path=path!("/teams") view={Lazy::<routes::TeamsRoute>::new()} />
                    <Route path=path!("/apps") view={Lazy::<routes::AppsRoute>::new()} />
                    <Route path=path!("/apps/:id") view={Lazy::<routes::AppRoute>::new()} />
                    <Route path=path!("/apps/:id/import") view={Lazy::<routes::ImportRoute>::new()} />
                    <Route path=path!("/credentials") view={Lazy::<routes::CredentialsRoute>::new()} />
                    <Route path=path!("/credentials/:id") view={Lazy::<routes::CredentialRoute>::new()} />
                    <Route path=path!("/expiring") view={Lazy::<routes::ExpiringRoute>::new()} />
                    <Route path=path!("/members") view={Lazy::<routes::MembersRoute>::new()} />
                    <Route path=path!("/invite/:id") view={Lazy::<routes::InviteRoute>::new()} />
                    <Route path=path!("/audit") view={Lazy::<routes::AuditRoute>::new()} />
                    <Route path=path!("/alerts") view={Lazy::<routes::AlertsRoute>::new()} />
                </Routes>
            </Shell>
        </Router>
    }
}
