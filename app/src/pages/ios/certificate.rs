//! A new distribution certificate: a certificate signing request made here (its key from a
//! Web Worker, stored encrypted as a pending CSR), downloaded for Apple; Apple's `.cer` comes
//! back through [`super::upload`].

use leptos::{prelude::*, task::spawn_local};
use signet_core::wire::credential::CredentialInfo;

use super::{
    Slot, meta, store,
    upload::{Upload, UploadForm},
};
use crate::{
    api,
    components::ui::date,
    pages::{
        apps::meta_str,
        auth::{Busy, BusyLine, Field, paint},
    },
    state::AppState,
    worker::CsrRequest,
};

/// "Generate a certificate signing request": an RSA-2048 key made in a Web Worker, stored
/// encrypted as a pending CSR until Apple's certificate comes back.
#[component]
pub(super) fn GenerateCsr(at: Slot, reload: RwSignal<u32>) -> impl IntoView {
    let slot = at;
    let state = AppState::get();
    let email = RwSignal::new(
        state
            .keys_untracked()
            .map(|k| k.user.email.clone())
            .unwrap_or_default(),
    );
    let name = RwSignal::new(String::new());
    let country = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let form_id = slot.id("csr-form");
    let (name_id, email_id, country_id) = (
        slot.id("csr-name"),
        slot.id("csr-email"),
        slot.id("csr-country"),
    );
    let (button_id, status_id) = (slot.id("generate-csr"), slot.id("csr-status"));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_working() {
            return;
        }
        let country = country.get_untracked().trim().to_uppercase();
        let request = CsrRequest {
            common_name: name.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            country: (!country.is_empty()).then_some(country),
        };
        let slot = slot.clone();
        busy.set(Busy::Working(
            "Generating an RSA-2048 key and the request in your browser (in a background worker)…"
                .into(),
        ));
        spawn_local(async move {
            paint().await;
            let result = async {
                let (payload, _) = crate::worker::generate_csr(&request).await?;
                busy.set(Busy::Working(
                    "Encrypting the private key in your browser and storing it…".into(),
                ));
                let label = format!("Signing request for {}", slot.bundle_id);
                store(state, &slot, &label, &payload, true).await
            }
            .await;
            match result {
                Ok(_) => {
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e)),
            }
        });
    };
    view! {
        <form class="option form" on:submit=submit id=form_id>
            <h5>"New certificate: generate a certificate signing request"</h5>
            <p class="muted">
                "The private key is made in this browser and stored encrypted; Apple only ever "
                "sees the request."
            </p>
            <Field id=name_id label="Your name or company (common name)" value=name required=true placeholder="Acme Inc" />
            <Field id=email_id label="Apple developer account email" value=email kind="email" required=true />
            <Field id=country_id label="Country code (optional)" value=country placeholder="US" />
            <button id=button_id class="button primary" type="submit" disabled=move || busy.get().is_working()>
                "Generate a certificate signing request"
            </button>
            <BusyLine state=busy id=status_id />
        </form>
    }
}

/// A CSR waiting for Apple: download it, then upload the `.cer` Apple issued (or discard it).
#[component]
pub(super) fn PendingCsr(at: Slot, csr: CredentialInfo, reload: RwSignal<u32>) -> impl IntoView {
    let slot = at;
    let state = AppState::get();
    let busy = RwSignal::new(Busy::Idle);
    let pem = meta_str(&meta(&csr), "csr_pem");
    let download = move |_| {
        let result = crate::download::save_as(
            "CertificateSigningRequest.certSigningRequest",
            pem.as_bytes(),
            "application/pkcs10",
        );
        busy.set(match result {
            Ok(()) => Busy::Done(
                "Downloaded. Upload it at developer.apple.com → Certificates → + → Apple \
                 Distribution, then upload the .cer Apple gives you below."
                    .into(),
            ),
            Err(e) => Busy::Failed(e),
        });
    };
    let csr_id = csr.id.clone();
    let discard = move |_| {
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        let id = csr_id.clone();
        busy.set(Busy::Working("Discarding the request…".into()));
        spawn_local(async move {
            match api::trash_credential_in_use(&team, &id).await {
                Ok(()) => {
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    let (box_id, download_id, discard_id, status_id) = (
        slot.id("pending-csr"),
        slot.id("download-csr"),
        slot.id("discard-csr"),
        slot.id("pending-status"),
    );
    let pending_id = csr.id.clone();
    view! {
        <div class="option pending-csr" id=box_id>
            <h5>"Waiting for Apple's certificate"</h5>
            <p class="muted">
                "Signing request made " {date(csr.created_at)} ". Download it, upload it to Apple, "
                "then upload the certificate (.cer) Apple issues: this browser turns it into a .p12."
            </p>
            <button id=download_id class="button" type="button" on:click=download>
                "Download .csr"
            </button>
            " "
            <button id=discard_id class="button small" type="button" on:click=discard
                disabled=move || busy.get().is_working()>
                "Discard request"
            </button>
            <BusyLine state=busy id=status_id />
            <UploadForm kind=Upload::Cer at=slot pending=pending_id reload />
        </div>
    }
}
