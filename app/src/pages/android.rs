//! The app page's Android signing keys: the upload key beside Google Play's app-signing key
//! (each one's MD5 / SHA-1 / SHA-256 with copy buttons, and which one Firebase, Google
//! Sign-In, Maps and App Links need), the `assetlinks.json` statement with both SHA-256, the
//! Play app-signing certificate upload, and the upload-key reset as Google's flow needs it:
//! a new keystore stored *beside* the default (builds keep the old key), its
//! `upload_certificate.pem` downloaded for the request, and the switch only when the user
//! confirms Google accepted it. Fingerprints come from verified metadata only.

use leptos::{prelude::*, task::spawn_local};
use signet_core::{
    android::play,
    credential::Payload,
    wire::{
        app::{AppInfo, Assignment, Platform},
        credential::{CredentialInfo, CredentialKind},
    },
};
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::ui::{CopyBlock, CopyValue, date, now_unix},
    pages::{
        apps::{file_bytes, meta_str, store_android},
        auth::{Busy, BusyLine, paint},
    },
    state::AppState,
};

/// The build profile these keys belong to (the page's Android profile).
const PROFILE: &str = "production";

/// One key of the slot: its credential and verified metadata (`None`: not what its author
/// signed, so nothing from it is shown).
#[derive(Debug, Clone)]
struct Key {
    credential: CredentialInfo,
    meta: Option<serde_json::Value>,
}

fn key_of(credential: &CredentialInfo) -> Key {
    let meta = if api::unverified(credential).is_some() {
        None
    } else {
        serde_json::from_str(&credential.metadata).ok()
    };
    Key {
        credential: credential.clone(),
        meta,
    }
}

/// The slot's credentials of `kind`, with their assignment.
fn in_slot<'a>(
    assignments: &'a [Assignment],
    credentials: &'a [CredentialInfo],
    kind: CredentialKind,
) -> Vec<(&'a Assignment, &'a CredentialInfo)> {
    assignments
        .iter()
        .filter(|a| {
            a.platform == Platform::Android && a.profile == PROFILE && a.kind == kind.as_str()
        })
        .filter_map(|a| {
            credentials
                .iter()
                .find(|c| c.id == a.credential_id)
                .map(|c| (a, c))
        })
        .collect()
}

/// The signing-keys card of an app's page.
#[component]
pub fn AndroidSigningKeys(
    app: AppInfo,
    assignments: Vec<Assignment>,
    credentials: Vec<CredentialInfo>,
    reload: RwSignal<u32>,
    can_write: bool,
) -> impl IntoView {
    let keystores = in_slot(&assignments, &credentials, CredentialKind::AndroidKeystore);
    let default_upload = keystores
        .iter()
        .find(|(a, _)| a.is_default)
        .map(|(_, c)| key_of(c));
    // A reset waiting for Google: a keystore of the slot newer than the default.
    let pending = default_upload.as_ref().and_then(|d| {
        keystores
            .iter()
            .filter(|(a, c)| !a.is_default && c.created_at > d.credential.created_at)
            .max_by_key(|(_, c)| c.created_at)
            .map(|(_, c)| key_of(c))
    });
    let signing = in_slot(
        &assignments,
        &credentials,
        CredentialKind::PlayAppSigningCertificate,
    )
    .into_iter()
    .find(|(a, _)| a.is_default)
    .map(|(_, c)| key_of(c));
    let sha256 = |k: &Option<Key>| {
        k.as_ref()
            .and_then(|k| k.meta.as_ref())
            .map(|m| meta_str(m, "sha256"))
    };
    let links = app.android_package.as_deref().and_then(|package| {
        let fps: Vec<String> = [sha256(&signing), sha256(&default_upload)]
            .into_iter()
            .flatten()
            .collect();
        let refs: Vec<&str> = fps.iter().map(String::as_str).collect();
        play::assetlinks_json(package, &refs).ok()
    });
    let upload_sha256 = sha256(&default_upload);
    let has_signing = signing.is_some();
    view! {
        <section class="card" aria-labelledby="signing-keys-title" id="signing-keys">
            <h2 id="signing-keys-title">"Signing keys · " {PROFILE} " profile"</h2>
            <p class="muted">
                "With Play App Signing, Google re-signs every build it distributes with its own "
                "app-signing key; you sign what you upload with the upload key. The two have "
                "different fingerprints, and a service set up with the wrong one fails "
                "(Firebase's DEVELOPER_ERROR, App Links that open only some installs)."
            </p>
            <div class="key-pair">
                <KeyColumn
                    id="upload-key"
                    title="Upload key"
                    what="Signs what you upload to Google Play and the builds you install yourself (local, internal, CI)."
                    key=default_upload.clone()
                    missing="No upload keystore yet: generate or upload one below."
                />
                <KeyColumn
                    id="app-signing-key"
                    title="App-signing key (Google Play)"
                    what="Signs every build Google Play installs. Google keeps the key; Signet stores its certificate."
                    key=signing.clone()
                    missing="Not stored yet. In Play Console open Test and release → App integrity → App signing and download the app-signing key certificate (deployment_cert.der), then add it here."
                />
            </div>
            {can_write.then(|| view! {
                <PlayCertForm app_id=app.id.clone() reload replace=has_signing upload_sha256=upload_sha256.clone() current_sha256=sha256(&signing) />
            })}
            <h3>"Which key where"</h3>
            <table class="table" id="key-uses">
                <thead><tr><th scope="col">"Service"</th><th scope="col">"Key"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>
                    {play::USES
                        .iter()
                        .map(|(service, key, why)| view! {
                            <tr>
                                <td>{*service}</td>
                                <td>{if *key == "both" { "Both: app-signing and upload" } else { "Upload key" }}</td>
                                <td>{*why}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
            <h3>"Android App Links: assetlinks.json"</h3>
            {match links {
                Some(text) => view! {
                    <p class="muted">
                        "Serve this at https://YOUR-DOMAIN/.well-known/assetlinks.json: it lists "
                        "both keys' SHA-256, so links open in Play builds and in your own."
                    </p>
                    <CopyBlock id="assetlinks-json" label="assetlinks.json" value=text />
                }
                    .into_any(),
                None => view! {
                    <p class="empty-note" id="no-assetlinks">
                        "Needs the app's Android package and at least one verified key."
                    </p>
                }
                    .into_any(),
            }}
            {(can_write && default_upload.is_some()).then(|| view! {
                <UploadKeyReset app=app.clone() pending=pending.clone() reload />
            })}
        </section>
    }
}

/// One key's fingerprints, or why they are not shown.
#[component]
fn KeyColumn(
    id: &'static str,
    title: &'static str,
    what: &'static str,
    key: Option<Key>,
    missing: &'static str,
) -> impl IntoView {
    let body = match key {
        None => view! { <p class="empty-note" id=format!("{id}-missing")>{missing}</p> }.into_any(),
        Some(Key { credential, meta: None }) => view! {
            <p class="warning-text" id=format!("{id}-unverified")>
                <a href=format!("/credentials/{}", credential.id)>{credential.label.clone()}</a>
                ": its fingerprints are not shown because its metadata is not what its author "
                "signed. Do not configure services from what the server says about it."
            </p>
        }
            .into_any(),
        Some(Key { credential, meta: Some(meta) }) => view! {
            <p><a href=format!("/credentials/{}", credential.id) class="key-label">{credential.label.clone()}</a></p>
            <p class="muted">{meta_str(&meta, "subject")} " · valid until " {date(meta.get("not_after").and_then(|v| v.as_i64()).unwrap_or(0))}</p>
            <CopyValue label="SHA-1" value=meta_str(&meta, "sha1") id=format!("{id}-sha1") />
            <CopyValue label="SHA-256" value=meta_str(&meta, "sha256") id=format!("{id}-sha256") />
            <CopyValue label="MD5" value=meta_str(&meta, "md5") id=format!("{id}-md5") />
        }
            .into_any(),
    };
    view! {
        <article class="key-column" id=id>
            <h3>{title}</h3>
            <p class="muted">{what}</p>
            {body}
        </article>
    }
}

/// Upload (or, after an app-signing key upgrade, replace) the Play app-signing certificate.
#[component]
fn PlayCertForm(
    app_id: String,
    reload: RwSignal<u32>,
    replace: bool,
    upload_sha256: Option<String>,
    current_sha256: Option<String>,
) -> impl IntoView {
    let state = AppState::get();
    let file_ref = NodeRef::<leptos::html::Input>::new();
    let busy = RwSignal::new(Busy::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(keys), Some(team), Some(input)) = (
            state.keys_untracked(),
            state.team_id.get_untracked(),
            file_ref.get_untracked(),
        ) else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        let (app_id, upload_sha256, current_sha256) = (
            app_id.clone(),
            upload_sha256.clone(),
            current_sha256.clone(),
        );
        busy.set(Busy::Working(
            "Reading the certificate in your browser…".into(),
        ));
        spawn_local(async move {
            let result = async {
                let (_, bytes) = file_bytes(&input).await?;
                let payload = Payload::play_app_signing_certificate(&bytes)
                    .map_err(|e| format!("{e}. Nothing was stored."))?;
                let meta = payload
                    .inspect()
                    .map_err(|e| format!("{e}. Nothing was stored."))?;
                let sha256 = meta_str(&meta, "sha256");
                if current_sha256.as_deref() == Some(sha256.as_str()) {
                    return Ok(
                        "This app-signing certificate is already stored; nothing changed."
                            .to_owned(),
                    );
                }
                let note = if upload_sha256.as_deref() == Some(sha256.as_str()) {
                    " Note: it is the upload key's own certificate, which is right only if \
                     Google Play signs with the key you upload with."
                } else {
                    ""
                };
                store_android(
                    state,
                    &keys,
                    &team,
                    &app_id,
                    "Play app-signing certificate",
                    &payload,
                    PROFILE,
                    true,
                    busy,
                )
                .await?;
                Ok(format!(
                    "Stored the app-signing certificate (SHA-256 {sha256}).{note}"
                ))
            }
            .await;
            match result {
                Ok(done) => {
                    busy.set(Busy::Done(done));
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e)),
            }
        });
    };
    let form = view! {
        <form class="form" on:submit=submit id="play-cert-form">
            <label for="play-cert-file">"App-signing key certificate (deployment_cert.der or .pem)"</label>
            <input id="play-cert-file" type="file" node_ref=file_ref required accept=".der,.pem,.cer,.crt" />
            <button id="upload-play-cert" class="button" type="submit" disabled=move || busy.get().is_working()>
                {if replace { "Check and replace" } else { "Check and add" }}
            </button>
        </form>
    };
    view! {
        {if replace {
            view! {
                <details class="add-more">
                    <summary>"Replace the app-signing certificate (only after Google upgraded the app-signing key)"</summary>
                    {form}
                </details>
            }
                .into_any()
        } else {
            form.into_any()
        }}
        <BusyLine state=busy id="play-cert-status" />
    }
}

/// `upload_certificate.pem` of a keystore payload, offered as a download.
fn save_certificate(payload: &Payload) -> Result<(), String> {
    let der = payload.certificate_der().map_err(|e| e.to_string())?;
    let pem = play::certificate_pem(&der).map_err(|e| e.to_string())?;
    crate::download::save_as(
        "upload_certificate.pem",
        pem.as_bytes(),
        "application/x-pem-file",
    )
}

/// The upload-key reset: start it, download the certificate again, switch once Google accepted.
#[component]
fn UploadKeyReset(app: AppInfo, pending: Option<Key>, reload: RwSignal<u32>) -> impl IntoView {
    let state = AppState::get();
    let busy = RwSignal::new(Busy::Idle);
    let confirming = RwSignal::new(false);
    let package = app.android_package.clone();
    let app_id = app.id.clone();
    let app_name = app.name.clone();

    let start = {
        let (package, app_id) = (package.clone(), app_id.clone());
        move |_| {
            let (Some(keys), Some(team)) = (state.keys_untracked(), state.team_id.get_untracked())
            else {
                return;
            };
            let Some(package) = package.clone() else {
                busy.set(Busy::Failed(
                    "set the app's Android package first: the certificate is issued for it".into(),
                ));
                return;
            };
            if busy.get_untracked().is_working() {
                return;
            }
            confirming.set(false);
            busy.set(Busy::Working(
                "Generating the new upload key in your browser (in a background worker)…".into(),
            ));
            let app_id = app_id.clone();
            spawn_local(async move {
                paint().await;
                let result = async {
                    let (payload, _) = crate::worker::generate_upload_keystore(&package).await?;
                    let label = format!(
                        "Upload keystore for {package} (reset requested {})",
                        date(now_unix())
                    );
                    // Beside the default: builds keep the key Google knows.
                    store_android(
                        state, &keys, &team, &app_id, &label, &payload, PROFILE, false, busy,
                    )
                    .await?;
                    save_certificate(&payload)?;
                    Ok::<(), String>(())
                }
                .await;
                match result {
                    Ok(()) => {
                        busy.set(Busy::Done(
                            "Downloaded upload_certificate.pem. Attach it to Google's upload key reset request; the current key stays the default until you confirm Google accepted the new one.".into(),
                        ));
                        reload.update(|n| *n += 1);
                    }
                    Err(e) => busy.set(Busy::Failed(format!(
                        "{e}. The current upload key is unchanged."
                    ))),
                }
            });
        }
    };

    let body = match pending {
        None => view! {
            <p class="muted">
                "Lost the upload key, or it leaked? Google can replace it: Signet makes a new one "
                "here, keeps the current one as the default (so builds keep working), and gives "
                "you upload_certificate.pem for the request."
            </p>
            <button class="button" type="button" id="start-upload-key-reset" on:click=move |_| confirming.set(true)>
                "Reset the upload key…"
            </button>
            {move || confirming.get().then(|| view! {
                <div class="option danger-zone" role="group" aria-labelledby="reset-confirm-title" id="reset-confirm">
                    <h4 id="reset-confirm-title">"Start an upload key reset for " {app_name.clone()} "?"</h4>
                    <p>
                        "A new upload keystore is generated in this browser and stored beside the "
                        "current one, which stays the default: downloads, signet pull and builds keep "
                        "signing with the key Google Play knows. Then, in Play Console, open Test and "
                        "release → App integrity → App signing → Request upload key reset, and attach "
                        "the upload_certificate.pem this downloads."
                    </p>
                    <button class="button primary" type="button" id="confirm-upload-key-reset" on:click=start.clone() disabled=move || busy.get().is_working()>
                        "Generate the new key and download upload_certificate.pem"
                    </button>
                    " "
                    <button class="button" type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            })}
        }
            .into_any(),
        Some(pending) => {
            let pending_id = pending.credential.id.clone();
            let sha256 = pending.meta.as_ref().map(|m| meta_str(m, "sha256"));
            let download = {
                let pending_id = pending_id.clone();
                move |_| {
                    let (Some(keys), Some(team)) =
                        (state.keys_untracked(), state.team_id.get_untracked())
                    else {
                        return;
                    };
                    let id = pending_id.clone();
                    busy.set(Busy::Working("Opening the new keystore in your browser…".into()));
                    spawn_local(async move {
                        let result = async {
                            let key = state
                                .team_key(&keys, &team)
                                .await
                                .map_err(|e| e.to_string())?;
                            let payload = api::read_credential(&team, &key, &id)
                                .await
                                .map_err(|e| e.to_string())?;
                            save_certificate(&payload)
                        }
                        .await;
                        match result {
                            Ok(()) => busy.set(Busy::Done("Downloaded upload_certificate.pem.".into())),
                            Err(e) => busy.set(Busy::Failed(e)),
                        }
                    });
                }
            };
            let accept = {
                let (pending_id, app_id) = (pending_id.clone(), app_id.clone());
                move |_| {
                    let (Some(keys), Some(team)) =
                        (state.keys_untracked(), state.team_id.get_untracked())
                    else {
                        return;
                    };
                    let (id, app_id) = (pending_id.clone(), app_id.clone());
                    busy.set(Busy::Working("Making the new upload key the default…".into()));
                    spawn_local(async move {
                        match api::assign(&keys, &team, &app_id, Platform::Android, PROFILE, &id, true).await {
                            Ok(_) => {
                                confirming.set(false);
                                busy.set(Busy::Done("The new upload key is the default; the old one stays stored.".into()));
                                reload.update(|n| *n += 1);
                            }
                            Err(e) => busy.set(Busy::Failed(e.to_string())),
                        }
                    });
                }
            };
            view! {
                <div class="option" id="reset-pending">
                    <h4>"Upload key reset waiting for Google"</h4>
                    <p>
                        <a href=format!("/credentials/{pending_id}")>{pending.credential.label.clone()}</a>
                        " is stored but not the default: builds still sign with the current upload key."
                    </p>
                    {sha256.map(|fp| view! { <CopyValue label="New SHA-256" value=fp id="reset-sha256" /> })}
                    <button class="button" type="button" id="download-reset-certificate" on:click=download>
                        "Download upload_certificate.pem"
                    </button>
                    " "
                    <button class="button primary" type="button" id="google-accepted" on:click=move |_| confirming.set(true)>
                        "Google accepted the new key…"
                    </button>
                    {move || confirming.get().then(|| view! {
                        <div class="danger-zone option" role="group" aria-labelledby="accept-confirm-title" id="accept-confirm">
                            <h4 id="accept-confirm-title">"Make the new upload key the default?"</h4>
                            <p>
                                "Do this only after Google confirmed the reset (Play Console says "
                                "when the new key becomes valid). Until then Google Play rejects "
                                "bundles signed with it. The old keystore stays stored."
                            </p>
                            <button class="button primary" type="button" id="confirm-google-accepted" on:click=accept.clone()>
                                "Yes, Google accepted it: make it the default"
                            </button>
                            " "
                            <button class="button" type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                        </div>
                    })}
                </div>
            }
                .into_any()
        }
    };
    view! {
        <h3>"Upload key reset"</h3>
        <div id="upload-key-reset">
            {body}
            <BusyLine state=busy id="reset-status" />
        </div>
    }
}
