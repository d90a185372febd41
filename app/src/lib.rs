//! # signet-app — the dashboard
//!
//! A Leptos client-side app. Everything secret happens here, in the browser, through
//! `signet-core`; the server only ever receives ciphertext.
//!
//! - [`api`] — the only module that knows the server's URLs.
//! - [`components`] — the layout shell and reusable pieces.
//! - [`pages`] — one module per page.
#![forbid(unsafe_code)]

pub mod api;
pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use wasm_bindgen::prelude::wasm_bindgen;

use components::layout::Shell;

/// Entry point called by the JS glue once the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The whole dashboard: the shell around the routed pages.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Shell>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home />
                    <Route path=path!("/teams") view=pages::soon::Teams />
                    <Route path=path!("/apps") view=pages::soon::Apps />
                    <Route path=path!("/credentials") view=pages::soon::Credentials />
                    <Route path=path!("/members") view=pages::soon::Members />
                    <Route path=path!("/audit") view=pages::soon::Audit />
                </Routes>
            </Shell>
        </Router>
    }
}
