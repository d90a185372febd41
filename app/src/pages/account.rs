//! The signed-in user's account: email and the fingerprint teammates compare out of band.

use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    components::ui::{CopyValue, PageHeader},
    pages::auth::{Busy, BusyLine, Field, Gate, paint},
    state::AppState,
};

/// `/account`.
#[component]
pub fn Account() -> impl IntoView {
    view! {
        <Gate>
            <AccountDetails />
        </Gate>
    }
}

#[component]
fn AccountDetails() -> impl IntoView {
    let state = AppState::get();
    move || {
        state.keys().map(|keys| {
            view! {
                <PageHeader title="Account" lead="Who you are to your teammates." />
                <section class="card">
                    <dl class="facts">
                        <dt>"Email"</dt>
                        <dd id="account-email">{keys.user.email.clone()}</dd>
                    </dl>
                    <CopyValue
                        label="Your fingerprint"
                        value=keys.user.fingerprint.clone()
                        id="account-fingerprint"
                    />
                    <p class="muted">
                        "Teammates see this fingerprint next to your name. Compare it with them "
                        "over another channel (in person, a call) before trusting an invitation "
                        "or a key rotation: it proves the keys are really yours."
                    </p>
                </section>
                <ChangePassword />
            }
        })
    }
}

/// Current password + new one twice → the user key re-wrapped in the browser.
#[component]
fn ChangePassword() -> impl IntoView {
    let state = AppState::get();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(keys) = state.keys_untracked() else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let (c, n) = (current.get_untracked(), new.get_untracked());
        if n.chars().count() < 10 {
            busy.set(Busy::Failed(
                "choose a password of at least 10 characters".into(),
            ));
            return;
        }
        if n != confirm.get_untracked() {
            busy.set(Busy::Failed("the two new passwords differ".into()));
            return;
        }
        busy.set(Busy::Working(
            "Deriving keys for the new password (Argon2id)…".into(),
        ));
        spawn_local(async move {
            paint().await;
            match api::change_password(keys, c, n).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    busy.set(Busy::Done(
                        "Password changed. Your other sessions were signed out.".into(),
                    ));
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Change your password"</h2>
            <form class="form" on:submit=submit id="password-form">
                <Field id="current-password" label="Current password" value=current kind="password" autocomplete="current-password" required=true />
                <Field id="new-password" label="New password (at least 10 characters)" value=new kind="password" autocomplete="new-password" required=true />
                <Field id="new-password-confirm" label="Repeat the new password" value=confirm kind="password" autocomplete="new-password" required=true />
                <button id="change-password" class="button" type="submit" disabled=move || busy.get().is_working()>
                    "Change password"
                </button>
            </form>
            <BusyLine state=busy id="password-status" />
        </section>
    }
}
