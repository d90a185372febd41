//! Accepting an invitation: `/invite/{id}#{secret}`. Signed out, the page first asks to sign
//! in or create an account (the fragment stays in the address bar meanwhile); then it shows
//! who invited you to which team and role, and joins: the team key is opened with the
//! fragment's secret and stored wrapped under your own key.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_params_map};
use signet_core::vault::invite::InviteSecret;

use crate::{
    api::{self, InviteLink},
    components::ui::{Loading, PageHeader, date, role_with_article},
    pages::auth::{Busy, BusyLine, Gate},
    state::{AppState, AuthState},
};

/// `/invite/:id`.
#[component]
pub fn AcceptInvite() -> impl IntoView {
    let state = AppState::get();
    let params = use_params_map();
    // Who invites whom to what, before sign-up: what the server says for this link (the
    // team's signed log is checked against the link when joining).
    let preview = LocalResource::new(move || {
        let id = params.with_untracked(|p| p.get("id")).unwrap_or_default();
        async move {
            let link = link(&id).ok()?;
            api::preview_invite(&link).await.ok()
        }
    });
    let signed_in = move || matches!(state.auth.get(), AuthState::Unlocked(_));
    view! {
        {move || (!signed_in()).then(|| view! {
            <section class="card invite-intro" id="invite-intro">
                {move || match preview.get().flatten() {
                    Some(p) => view! {
                        <p>
                            <strong>{p.invited_by.clone()}</strong>" invited you to join "
                            <strong>{p.team_name.clone()}</strong>" as "
                            <strong>{role_with_article(p.role)}</strong>
                            ". Create an account to join (or sign in if you have one); the "
                            "invitation is checked against the team's signed log when you join."
                        </p>
                    }
                        .into_any(),
                    None => view! {
                        <p>"You were invited to a Signet team. Create an account or sign in to join it."</p>
                    }
                        .into_any(),
                }}
            </section>
        })}
        <Gate invited=true>
            <InviteDetails />
        </Gate>
    }
}

fn link(id: &str) -> Result<InviteLink, String> {
    let hash = window().location().hash().unwrap_or_default();
    let fragment = hash.trim_start_matches('#');
    if fragment.is_empty() {
        return Err("this invitation link is incomplete: the part after # is missing. Ask for the whole link.".into());
    }
    let secret = InviteSecret::from_fragment(fragment)
        .map_err(|_| "this invitation link is damaged: ask for a new one".to_owned())?;
    Ok(InviteLink {
        id: id.to_owned(),
        secret,
    })
}

#[component]
fn InviteDetails() -> impl IntoView {
    let state = AppState::get();
    let params = use_params_map();
    let navigate = use_navigate();
    let id = params.with_untracked(|p| p.get("id")).unwrap_or_default();
    let preview_id = id.clone();
    let preview = LocalResource::new(move || {
        let id = preview_id.clone();
        async move {
            let link = link(&id)?;
            api::preview_invite(&link).await.map_err(|e| e.to_string())
        }
    });
    let busy = RwSignal::new(Busy::Idle);
    let join = move |_| {
        let Some(keys) = state.keys_untracked() else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let id = id.clone();
        let navigate = navigate.clone();
        busy.set(Busy::Working("Opening the team key and joining…".into()));
        spawn_local(async move {
            let result = async {
                let link = link(&id)?;
                api::accept_invite(&keys, &link)
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            match result {
                Ok(team) => {
                    state.team_id.set(Some(team.id.clone()));
                    let _ = state.reload_teams().await;
                    busy.set(Busy::Idle);
                    navigate("/credentials", Default::default());
                }
                Err(e) => busy.set(Busy::Failed(e)),
            }
        });
    };
    view! {
        <PageHeader title="Join a team" />
        {move || match preview.get() {
            None => view! { <Loading what="Reading the invitation…" /> }.into_any(),
            Some(Err(e)) => view! { <p class="error-text" role="alert" id="invite-error">{crate::components::ui::sentence(&e.to_string())}</p> }.into_any(),
            Some(Ok(p)) => {
                view! {
                    <section class="card" id="invite-preview">
                        <dl class="facts">
                            <dt>"Team"</dt>
                            <dd id="invite-team">{p.team_name.clone()}</dd>
                            <dt>"Your role"</dt>
                            <dd id="invite-role-offered">{p.role.as_str()}</dd>
                            <dt>"Invited by"</dt>
                            <dd>{p.invited_by.clone()}</dd>
                            <dt>"Their fingerprint"</dt>
                            <dd><code class="mono">{p.invited_by_fingerprint.clone()}</code></dd>
                            <dt>"Expires"</dt>
                            <dd>{date(p.expires_at)}</dd>
                        </dl>
                        <p class="muted">
                            "Check the fingerprint with the person who invited you before joining."
                        </p>
                        <button id="accept-invite" class="button primary" type="button" on:click=join.clone()
                            disabled=move || busy.get().is_working()>
                            {format!("Join {}", p.team_name)}
                        </button>
                        <BusyLine state=busy id="accept-status" />
                    </section>
                }
                    .into_any()
            }
        }}
    }
}
