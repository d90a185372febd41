//! The pages that are loaded on first visit, not with the page: each `#[lazy_route]` below
//! becomes a split point, and `cargo xtask dist` (through `wasm_split_cli_support`) moves the
//! code only it reaches — the page and the `signet-core` formats it uses — out of the main
//! module into a chunk fetched when the route is first shown. The landing page stays in the
//! main module; the signed-in home is a `#[lazy]` chunk (`pages::team_home`), and the
//! sign-in, sign-up and unlock forms every page's `Gate` shows are reached only from chunks.
//! The key derivation those forms start is itself lazy (`api::{login, register, unlock, recover}`), so it loads
//! while the person types (see docs/development.md, "Code splitting").

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::pages;

/// `/teams`.
#[derive(Debug)]
pub struct TeamsRoute;

#[lazy_route]
impl LazyRoute for TeamsRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let TeamsRoute = this;
        view! { <pages::teams::Teams /> }.into_any()
    }
}

/// `/apps`.
#[derive(Debug)]
pub struct AppsRoute;

#[lazy_route]
impl LazyRoute for AppsRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let AppsRoute = this;
        view! { <pages::apps::Apps /> }.into_any()
    }
}

/// `/apps/:id`: Android keystores (generate, upload, inspect, download).
#[derive(Debug)]
pub struct AppRoute;

#[lazy_route]
impl LazyRoute for AppRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let AppRoute = this;
        view! { <pages::apps::AppPage /> }.into_any()
    }
}

/// `/apps/:id/import`.
#[derive(Debug)]
pub struct ImportRoute;

#[lazy_route]
impl LazyRoute for ImportRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let ImportRoute = this;
        view! { <pages::import::ImportPage /> }.into_any()
    }
}

/// `/credentials`.
#[derive(Debug)]
pub struct CredentialsRoute;

#[lazy_route]
impl LazyRoute for CredentialsRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let CredentialsRoute = this;
        view! { <pages::credentials::Credentials /> }.into_any()
    }
}

/// `/credentials/:id`.
#[derive(Debug)]
pub struct CredentialRoute;

#[lazy_route]
impl LazyRoute for CredentialRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let CredentialRoute = this;
        view! { <pages::credentials::CredentialPage /> }.into_any()
    }
}

/// `/expiring`: the team's credentials by expiry.
#[derive(Debug)]
pub struct ExpiringRoute;

#[lazy_route]
impl LazyRoute for ExpiringRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let ExpiringRoute = this;
        view! { <pages::expiring::Expiring /> }.into_any()
    }
}

/// `/members`.
#[derive(Debug)]
pub struct MembersRoute;

#[lazy_route]
impl LazyRoute for MembersRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let MembersRoute = this;
        view! { <pages::members::Members /> }.into_any()
    }
}

/// `/invite/:id`.
#[derive(Debug)]
pub struct InviteRoute;

#[lazy_route]
impl LazyRoute for InviteRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let InviteRoute = this;
        view! { <pages::invite::AcceptInvite /> }.into_any()
    }
}

/// `/account`: the fingerprint, password change and recovery code (signed in only).
#[derive(Debug)]
pub struct AccountRoute;

#[lazy_route]
impl LazyRoute for AccountRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let AccountRoute = this;
        view! { <pages::account::Account /> }.into_any()
    }
}

/// `/audit`.
#[derive(Debug)]
pub struct AuditRoute;

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let AuditRoute = this;
        view! { <pages::soon::Audit /> }.into_any()
    }
}

/// `/alerts`.
#[derive(Debug)]
pub struct AlertsRoute;

#[lazy_route]
impl LazyRoute for AlertsRoute {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let AlertsRoute = this;
        view! { <pages::alerts::Alerts /> }.into_any()
    }
}
