//! The signed-in user's account: email and the fingerprint teammates compare out of band.

use leptos::prelude::*;

use crate::{
    components::ui::{CopyValue, PageHeader},
    pages::auth::Gate,
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
            }
        })
    }
}
