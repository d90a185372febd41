//! Apps (name, Android package, iOS bundle ids per target) and, per app, its Android upload
//! keystores: generated here or uploaded, checked with [`Payload::inspect`] before anything is
//! stored, sealed under the team key, and assigned to the build profile chosen on the page
//! (production, preview, development, or another the app's slots use; the download is
//! production's). The
//! signing keys side by side (upload key and Play app-signing key, assetlinks.json, upload-key
//! reset) live in [`super::android`], the iOS part of the page in [`super::ios`].

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_params_map;
use signet_core::{
    credential::{Payload, SecretText},
    readiness::{default_in_slot, missing_for_build},
    wire::{
        Permission, Role,
        app::{AppInfo, AppRequest, Assignment, IosTarget, Platform},
        credential::{CredentialInfo, CredentialKind},
    },
};
use wasm_bindgen::JsCast;

use crate::{
    api::{self, ApiError, Keys},
    components::ui::{
        CopyValue, ExpiryBadge, Loading, NoTeam, PageHeader, ProfileSelect, build_profiles, date,
        now_unix,
    },
    pages::{
        android::AndroidSigningKeys,
        auth::{Busy, BusyLine, Field, Gate, paint},
        expiring::{AppExpiryBadges, team_expiry},
        ios::IosCredentials,
    },
    state::{AppState, Said},
};

/// The build profile the dashboard assigns to (EAS's default).
const PROFILE: &str = "production";

/// `/apps`.
#[component]
pub fn Apps() -> impl IntoView {
    view! {
        <Gate>
            <AppList />
        </Gate>
    }
}

/// Parses the iOS targets field: one `Target=bundle.id` per line; a bare bundle id uses the
/// app's name as its target.
fn parse_targets(app_name: &str, text: &str) -> Result<Vec<IosTarget>, String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (target, bundle) = match line.split_once('=') {
            Some((t, b)) => (t.trim().to_owned(), b.trim().to_owned()),
            None => (app_name.to_owned(), line.to_owned()),
        };
        if target.is_empty() || bundle.is_empty() {
            return Err(format!("\"{line}\" is not Target=bundle.id"));
        }
        out.push(IosTarget {
            target,
            bundle_id: bundle,
        });
    }
    Ok(out)
}

/// The app the create and edit forms describe: trimmed name, the package (none when empty)
/// and the parsed iOS targets.
fn app_request(name: &str, package: &str, targets: &str) -> Result<AppRequest, String> {
    let name = name.trim().to_owned();
    let package = package.trim().to_owned();
    Ok(AppRequest {
        ios_targets: parse_targets(&name, targets)?,
        android_package: (!package.is_empty()).then_some(package),
        name,
    })
}

#[component]
fn AppList() -> impl IntoView {
    let state = AppState::get();
    let reload = RwSignal::new(0u32);
    let apps = LocalResource::new(move || {
        let team = state.team_id.get();
        reload.track();
        async move {
            match team {
                Some(team) => api::apps(&team).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // Each app's worst expiry, from the same verified data as the Expiring page.
    let due = LocalResource::new(move || {
        let team = state.team_id.get();
        reload.track();
        async move { team_expiry(&team?).await.ok() }
    });
    let name = RwSignal::new(String::new());
    let package = RwSignal::new(String::new());
    let targets = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let request = match app_request(
            &name.get_untracked(),
            &package.get_untracked(),
            &targets.get_untracked(),
        ) {
            Ok(r) => r,
            Err(e) => {
                busy.set(Busy::Failed(e));
                return;
            }
        };
        busy.set(Busy::Working("Creating the app…".into()));
        spawn_local(async move {
            match api::create_app(&team, &request).await {
                Ok(_) => {
                    name.set(String::new());
                    package.set(String::new());
                    targets.set(String::new());
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    view! {
        <PageHeader title="Apps" lead="Each app has its Android package and iOS bundle ids; credentials are assigned per app." />
        {move || match apps.get() {
            None => view! { <Loading what="Loading apps…" /> }.into_any(),
            Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
            Some(Ok(None)) => view! { <NoTeam /> }.into_any(),
            Some(Ok(Some(list))) if list.is_empty() => {
                view! {
                    <section class="empty-state" id="no-apps">
                        <h2>"No apps yet"</h2>
                        <p>"Add your first app below: its name, Android package and iOS bundle ids."</p>
                    </section>
                }
                    .into_any()
            }
            Some(Ok(Some(list))) => {
                view! {
                    <ul class="app-list" id="app-list">
                        {list
                            .into_iter()
                            .map(|a| {
                                let href = format!("/apps/{}", a.id);
                                let app_id = a.id.clone();
                                let ios = a
                                    .ios_targets
                                    .iter()
                                    .map(|t| format!("{}: {}", t.target, t.bundle_id))
                                    .collect::<Vec<_>>()
                                    .join(", ");
                                view! {
                                    <li class="card app-item">
                                        <a href=href class="app-name">{a.name.clone()}</a>
                                        {move || due.get().flatten().map(|due| view! { <AppExpiryBadges app_id=app_id.clone() due /> })}
                                        <span class="muted">
                                            "Android: "{a.android_package.clone().unwrap_or_else(|| "—".into())}
                                        </span>
                                        <span class="muted">
                                            "iOS: "{if ios.is_empty() { "—".to_owned() } else { ios }}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }
        }}
        {move || state.team_id.get().is_some().then(|| view! {
            <section class="card">
                <h2>"Add an app"</h2>
                <form class="form" on:submit=create id="create-app-form">
                    <Field id="app-name" label="Name" value=name required=true placeholder="Acme" />
                    <Field id="app-package" label="Android package (application id)" value=package placeholder="com.acme.app" />
                    <label for="app-ios">"iOS bundle ids, one per target (Target=bundle.id; a bare id uses the app name)"</label>
                    <textarea
                        id="app-ios"
                        rows="3"
                        placeholder="Acme=com.acme.app\nAcmeWidget=com.acme.app.widget"
                        prop:value=move || targets.get()
                        on:input=move |ev| targets.set(event_target_value(&ev))
                    ></textarea>
                    <button id="create-app" class="button primary" type="submit" disabled=move || busy.get().is_working()>
                        "Add app"
                    </button>
                </form>
                <BusyLine state=busy id="create-app-status" />
            </section>
        })}
    }
}

/// `/apps/:id`.
#[component]
pub fn AppPage() -> impl IntoView {
    view! {
        <Gate>
            <AppDetails />
        </Gate>
    }
}

/// Everything the app page shows, fetched together.
#[derive(Debug, Clone)]
struct AppView {
    app: AppInfo,
    assignments: Vec<Assignment>,
    credentials: Vec<CredentialInfo>,
    role: Role,
}

#[component]
fn AppDetails() -> impl IntoView {
    let state = AppState::get();
    let params = use_params_map();
    let reload = RwSignal::new(0u32);
    // Outlive the refetch that shows the new keystore; each with the action count when it
    // was said ([`AppState::actions`]): hidden once another action starts.
    let keygen_ms = Said::<f64>::new();
    // What storing a keystore did to the default.
    let keystore_note = Said::<String>::new();
    // The iOS build profile shown; outlives refetches too.
    let ios_profile = RwSignal::new(PROFILE.to_owned());
    let android_profile = RwSignal::new(PROFILE.to_owned());
    let data = LocalResource::new(move || {
        let team = state.team();
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        reload.track();
        async move {
            let Some(team) = team else {
                return Err(ApiError {
                    status: None,
                    code: None,
                    message: "choose a team first".into(),
                });
            };
            let role = state.fresh_role(&team).await?;
            let app = api::app(&team.id, &id).await?;
            let assignments = api::assignments(&team.id, &id).await?;
            let keys = state.keys_untracked().ok_or_else(|| ApiError {
                status: None,
                code: None,
                message: "sign in again".into(),
            })?;
            let credentials = api::verified_credentials(&keys, &team.id, false).await?;
            Ok(AppView {
                app,
                assignments,
                credentials,
                role,
            })
        }
    });
    move || match data.get() {
        None => view! { <Loading what="Loading the app…" /> }.into_any(),
        Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
        Some(Ok(v)) => {
            view! { <AppBody v reload keygen_ms keystore_note ios_profile android_profile /> }
                .into_any()
        }
    }
}

#[component]
fn AppBody(
    v: AppView,
    reload: RwSignal<u32>,
    keygen_ms: Said<f64>,
    keystore_note: Said<String>,
    ios_profile: RwSignal<String>,
    android_profile: RwSignal<String>,
) -> impl IntoView {
    // The production profile's: what the download holds.
    let keystores = keystores_of(&v.assignments, &v.credentials, PROFILE);
    let android_profiles = build_profiles(&v.assignments, Platform::Android);
    let (assignments, credentials) = (v.assignments.clone(), v.credentials.clone());
    let ios = v
        .app
        .ios_targets
        .iter()
        .map(|t| format!("{} → {}", t.target, t.bundle_id))
        .collect::<Vec<_>>()
        .join(", ");
    let can_write = v.role.may(Permission::EditCredentials);
    let app = v.app.clone();
    let service_accounts: Vec<(Assignment, CredentialInfo)> = v
        .assignments
        .iter()
        .filter(|a| {
            a.platform == Platform::Android
                && (a.kind == CredentialKind::FcmV1ServiceAccount.as_str()
                    || a.kind == CredentialKind::GoogleServiceAccount.as_str())
        })
        .filter_map(|a| {
            v.credentials
                .iter()
                .find(|c| c.id == a.credential_id)
                .map(|c| (a.clone(), c.clone()))
        })
        .collect();
    let default_keystore = keystores
        .iter()
        .find(|(a, _)| a.is_default)
        .map(|(_, c)| c.id.clone());
    let ios_pairs = ios_defaults(&v.assignments, &v.credentials);
    let downloadable = default_keystore.is_some() || !ios_pairs.is_empty();
    let missing: Vec<String> = missing_for_build(
        &v.app,
        &v.assignments,
        |id| v.credentials.iter().any(|c| c.id == id),
        PROFILE,
    )
    .iter()
    .map(ToString::to_string)
    .collect();
    view! {
        <PageHeader title=v.app.name.clone() />
        <section class="card">
            <dl class="facts">
                <dt>"Android package"</dt>
                <dd id="app-android-package">{v.app.android_package.clone().unwrap_or_else(|| "not set".into())}</dd>
                <dt>"iOS targets"</dt>
                <dd>{if ios.is_empty() { "none".to_owned() } else { ios }}</dd>
            </dl>
            {can_write.then(|| view! {
                <a class="button small" id="import-link" href=format!("/apps/{}/import", v.app.id)>
                    "Import existing credentials (EAS bundle)"
                </a>
            })}
            {v.role.may(Permission::EditApps).then(|| view! { <EditApp app=v.app.clone() reload admin={v.role.may(Permission::DeleteApps)} /> })}
        </section>
        {(v.role.may(Permission::OpenCredentials) && (downloadable || !missing.is_empty())).then(|| view! {
            <DownloadBundle app_name=v.app.name.clone() android=default_keystore.clone() ios=ios_pairs.clone() missing=missing.clone() />
        })}
        <section class="card" aria-labelledby="android-title">
            <h2 id="android-title">"Android upload keystore"</h2>
            <ProfileSelect id="android-profile" profiles=android_profiles profile=android_profile />
            {move || {
                let profile = android_profile.get();
                let keystores = keystores_of(&assignments, &credentials, &profile);
                let empty = keystores.is_empty();
                let app = app.clone();
                view! {
                    {if empty {
                        view! {
                            <p class="empty-note" id="no-keystore">
                                {format!("This app has no upload keystore for the {profile} profile yet. ")}
                                {if profile == PROFILE {
                                    "Generate one (recommended for new apps) or upload the one you already sign with."
                                } else {
                                    "Builds of this profile need their own: generate one, or upload the keystore they sign with."
                                }}
                            </p>
                        }
                            .into_any()
                    } else {
                        view! {
                            <div class="keystores">
                                {keystores
                                    .into_iter()
                                    .map(|(a, c)| view! { <KeystoreCard assignment=a credential=c app_id=app.id.clone() reload can_write /> })
                                    .collect_view()}
                            </div>
                        }
                            .into_any()
                    }}
                    {can_write.then(|| view! { <AddKeystore app=app.clone() reload first=empty generated_ms=keygen_ms note=keystore_note profile=profile.clone() /> })}
                }
            }}
        </section>
        <AndroidSigningKeys app=v.app.clone() assignments=v.assignments.clone() credentials=v.credentials.clone() reload can_write />
        <ServiceAccounts items=service_accounts app_id=v.app.id.clone() reload can_write />
        <IosCredentials app=v.app.clone() assignments=v.assignments.clone() credentials=v.credentials.clone() reload can_write profile=ios_profile />
    }
}

/// The live upload keystores in the Android slot of build profile `profile`.
fn keystores_of(
    assignments: &[Assignment],
    credentials: &[CredentialInfo],
    profile: &str,
) -> Vec<(Assignment, CredentialInfo)> {
    assignments
        .iter()
        .filter(|a| {
            a.platform == Platform::Android
                && a.profile == profile
                && a.kind == CredentialKind::AndroidKeystore.as_str()
        })
        .filter_map(|a| {
            credentials
                .iter()
                .find(|c| c.id == a.credential_id)
                .map(|c| (a.clone(), c.clone()))
        })
        .collect()
}

/// Per iOS target (empty: single target) of the production profile, the default distribution
/// certificate and profile ids, for targets that have both: what `signet pull` would write.
fn ios_defaults(
    assignments: &[Assignment],
    credentials: &[CredentialInfo],
) -> Vec<(String, String, String)> {
    let is_live = |id: &str| credentials.iter().any(|c| c.id == id);
    let find = |target: &str, kind: CredentialKind| {
        default_in_slot(assignments, is_live, Platform::Ios, PROFILE, target, kind)
            .map(|a| a.credential_id.clone())
    };
    let mut targets: Vec<&str> = assignments
        .iter()
        .filter(|a| a.platform == Platform::Ios && a.profile == PROFILE)
        .map(|a| a.target.as_str())
        .collect();
    targets.sort_unstable();
    targets.dedup();
    targets
        .into_iter()
        .filter_map(|t| {
            let cert = find(t, CredentialKind::IosDistributionCertificate)?;
            let profile = find(t, CredentialKind::IosProvisioningProfile)?;
            Some((t.to_owned(), cert, profile))
        })
        .collect()
}

/// "Download for local builds": the default keystore, each iOS target's certificate and
/// profile, and EAS's `credentials.json`, decrypted and zipped here. What the app's builds
/// need but the zip cannot hold is said before and after, never claimed as downloaded.
#[component]
fn DownloadBundle(
    app_name: String,
    android: Option<String>,
    ios: Vec<(String, String, String)>,
    missing: Vec<String>,
) -> impl IntoView {
    // Nothing to put in a zip: say what is missing, offer no button that could claim a
    // download (issue 16 §3: a trashed default is missing, not downloaded).
    let nothing = android.is_none() && ios.is_empty();
    let missing_text = (!missing.is_empty()).then(|| {
        format!(
            "{} (the app has none assigned as the default for the {PROFILE} profile): {}.",
            if nothing {
                "Nothing to download yet"
            } else {
                "Not in the download"
            },
            missing.join("; ")
        )
    });
    let done_text = match &missing_text {
        None => {
            "Downloaded. Unzip it in your project root and build with credentialsSource \"local\"."
                .to_owned()
        }
        Some(m) => format!(
            "Downloaded only what the app has. {m} Builds that need it will fail until you add it below."
        ),
    };
    let state = AppState::get();
    let busy = RwSignal::new(Busy::Idle);
    let download = move |_| {
        let (Some(keys), Some(team)) = (state.keys_untracked(), state.team_id.get_untracked())
        else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let (android, ios, name) = (android.clone(), ios.clone(), app_name.clone());
        let done_text = done_text.clone();
        busy.set(Busy::Working(
            "Decrypting and zipping in your browser…".into(),
        ));
        spawn_local(async move {
            let result = async {
                let key = state
                    .team_key(&keys, &team)
                    .await
                    .map_err(|e| e.to_string())?;
                let android = match android {
                    Some(id) => Some(api::read_credential(&team, &key, &id).await),
                    None => None,
                }
                .transpose()
                .map_err(|e| e.to_string())?;
                let mut pairs = Vec::new();
                for (target, cert, profile) in ios {
                    pairs.push(crate::download::IosPair {
                        target,
                        certificate: api::read_credential(&team, &key, &cert)
                            .await
                            .map_err(|e| e.to_string())?,
                        profile: api::read_credential(&team, &key, &profile)
                            .await
                            .map_err(|e| e.to_string())?,
                    });
                }
                let zip = crate::download::bundle(android.as_ref(), &pairs)?;
                let file = format!("{}-credentials.zip", name.to_lowercase().replace(' ', "-"));
                crate::download::save(&file, &zip)
            }
            .await;
            busy.set(match result {
                Ok(()) => Busy::Done(done_text),
                Err(e) => Busy::Failed(e),
            });
        });
    };
    view! {
        <section class="card" aria-labelledby="download-title">
            <h2 id="download-title">"Download for local builds"</h2>
            <p class="muted">
                "A zip with credentials.json in EAS's format and the files it names, decrypted "
                "and assembled in this browser. Keep it out of version control."
            </p>
            {missing_text.map(|m| view! { <p class="warning-text" id="download-missing">{m}</p> })}
            {(!nothing).then(|| view! {
                <button id="download-bundle" class="button" type="button" on:click=download
                    disabled=move || busy.get().is_working()>
                    "Download credentials.zip"
                </button>
                <BusyLine state=busy id="download-status" />
            })}
        </section>
    }
}

/// FCM v1 and Google Play service-account keys: shown by project and client email; a JSON
/// key file is checked ([`Payload::inspect`]) before it is stored and assigned.
#[component]
fn ServiceAccounts(
    items: Vec<(Assignment, CredentialInfo)>,
    app_id: String,
    reload: RwSignal<u32>,
    can_write: bool,
) -> impl IntoView {
    let state = AppState::get();
    let kind = RwSignal::new(CredentialKind::FcmV1ServiceAccount);
    let file_ref = NodeRef::<leptos::html::Input>::new();
    let busy = RwSignal::new(Busy::Idle);
    let upload = move |ev: leptos::ev::SubmitEvent| {
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
        let (app_id, kind) = (app_id.clone(), kind.get_untracked());
        busy.set(Busy::Working(
            "Checking the key file in your browser…".into(),
        ));
        spawn_local(async move {
            let result = async {
                let (name, bytes) = file_bytes(&input).await?;
                let json =
                    SecretText::new(String::from_utf8(bytes).map_err(|_| {
                        "this is not a JSON key file. Nothing was stored.".to_owned()
                    })?);
                let payload = if kind == CredentialKind::FcmV1ServiceAccount {
                    Payload::FcmV1ServiceAccount { json }
                } else {
                    Payload::GoogleServiceAccount { json }
                };
                payload
                    .inspect()
                    .map_err(|e| format!("{e}. Nothing was stored."))?;
                store_android(
                    state, &keys, &team, &app_id, &name, &payload, PROFILE, true, busy,
                )
                .await?;
                Ok::<(), String>(())
            }
            .await;
            match result {
                Ok(()) => {
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="service-accounts-title">
            <h2 id="service-accounts-title">"Service-account keys"</h2>
            {if items.is_empty() {
                view! {
                    <p class="empty-note" id="no-service-accounts">
                        "No FCM v1 (push notifications) or Google Play (store submissions) key yet. "
                        "Upload the JSON key file you downloaded from Google Cloud."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ul class="service-accounts" id="service-accounts">
                        {items
                            .into_iter()
                            .map(|(a, c)| {
                                let meta: serde_json::Value =
                                    serde_json::from_str(&c.metadata).unwrap_or_default();
                                let what = if a.kind == CredentialKind::FcmV1ServiceAccount.as_str() {
                                    "FCM v1"
                                } else {
                                    "Google Play"
                                };
                                view! {
                                    <li>
                                        <span class="badge">{what}</span>
                                        " "
                                        <a href=format!("/credentials/{}", c.id)>{c.label.clone()}</a>
                                        " · project " <strong>{meta_str(&meta, "project_id")}</strong>
                                        " · " <code class="mono">{meta_str(&meta, "client_email")}</code>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {can_write.then(|| view! {
                <form class="form" on:submit=upload id="service-account-form">
                    <label for="service-account-kind">"Used for"</label>
                    <select id="service-account-kind" on:change=move |ev| {
                        kind.set(if event_target_value(&ev) == "google" {
                            CredentialKind::GoogleServiceAccount
                        } else {
                            CredentialKind::FcmV1ServiceAccount
                        });
                    }>
                        <option value="fcm" selected=true>"Push notifications (FCM v1)"</option>
                        <option value="google">"Google Play submissions"</option>
                    </select>
                    <label for="service-account-file">"JSON key file"</label>
                    <input id="service-account-file" type="file" node_ref=file_ref required accept=".json,application/json" />
                    <button id="upload-service-account" class="button" type="submit" disabled=move || busy.get().is_working()>
                        "Check and upload"
                    </button>
                </form>
                <BusyLine state=busy id="service-account-status" />
            })}
        </section>
    }
}

/// Encrypts `payload` under the team key here, stores it as `label` and assigns it to the
/// app's Android slot of the production profile (its default when `is_default`): the last step
/// of every Android upload or generation on the app page, after that form's own checks.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn store_android(
    state: AppState,
    keys: &Keys,
    team: &str,
    app_id: &str,
    label: &str,
    payload: &Payload,
    profile: &str,
    is_default: bool,
    busy: RwSignal<Busy>,
) -> Result<CredentialInfo, String> {
    busy.set(Busy::Working(
        "Encrypting in your browser and storing…".into(),
    ));
    let key = state
        .team_key(keys, team)
        .await
        .map_err(|e| e.to_string())?;
    let credential = api::create_credential(keys, team, &key, label, payload)
        .await
        .map_err(|e| e.to_string())?;
    api::assign(
        keys,
        team,
        app_id,
        Platform::Android,
        profile,
        &credential.id,
        is_default,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(credential)
}

/// Reads a JSON metadata field as text.
pub(crate) fn meta_str(meta: &serde_json::Value, key: &str) -> String {
    meta.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned()
}

/// One keystore: alias, format, validity and the fingerprints Google Play and Firebase ask for.
#[component]
fn KeystoreCard(
    assignment: Assignment,
    credential: CredentialInfo,
    app_id: String,
    reload: RwSignal<u32>,
    can_write: bool,
) -> impl IntoView {
    let state = AppState::get();
    let meta: serde_json::Value = serde_json::from_str(&credential.metadata).unwrap_or_default();
    let not_after = meta.get("not_after").and_then(|v| v.as_i64()).unwrap_or(0);
    let busy = RwSignal::new(Busy::Idle);
    let credential_id = credential.id.clone();
    let slot_profile = assignment.profile.clone();
    // Switching the default switches the upload key Google Play knows: asked once more.
    let confirming = RwSignal::new(false);
    let make_default = move |_| {
        let (Some(team), Some(keys)) = (state.team_id.get_untracked(), state.keys_untracked())
        else {
            return;
        };
        confirming.set(false);
        let (app_id, credential_id, profile) =
            (app_id.clone(), credential_id.clone(), slot_profile.clone());
        busy.set(Busy::Working("Making it the default…".into()));
        spawn_local(async move {
            match api::assign(
                &keys,
                &team,
                &app_id,
                Platform::Android,
                &profile,
                &credential_id,
                true,
            )
            .await
            {
                Ok(_) => {
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    let href = format!("/credentials/{}", credential.id);
    view! {
        <article class="keystore" data-credential=credential.id.clone()>
            <header class="keystore-head">
                <a href=href class="keystore-label">{credential.label.clone()}</a>
                {assignment.is_default.then(|| view! { <span class="badge ok default-badge">"Default"</span> })}
                <ExpiryBadge not_after />
            </header>
            <dl class="facts">
                <dt>"Alias"</dt>
                <dd class="keystore-alias">{meta_str(&meta, "key_alias")}</dd>
                <dt>"Format"</dt>
                <dd>{meta_str(&meta, "format")}</dd>
                <dt>"Certificate"</dt>
                <dd>{meta_str(&meta, "subject")}</dd>
                <dt>"Valid"</dt>
                <dd>
                    {date(meta.get("not_before").and_then(|v| v.as_i64()).unwrap_or(0))}
                    " → "
                    {date(not_after)}
                </dd>
            </dl>
            <p class="muted">
                "Upload key certificate fingerprints — what Google Play Console shows as the "
                "upload key, and what Firebase asks for (SHA-1, SHA-256):"
            </p>
            <CopyValue label="SHA-1" value=meta_str(&meta, "sha1") id=format!("sha1-{}", credential.id) />
            <CopyValue label="SHA-256" value=meta_str(&meta, "sha256") id=format!("sha256-{}", credential.id) />
            <CopyValue label="MD5" value=meta_str(&meta, "md5") id=format!("md5-{}", credential.id) />
            {(can_write && !assignment.is_default).then(|| {
                let make_default = make_default.clone();
                let cid = credential.id.clone();
                view! {
                <button
                    class="button small make-default"
                    type="button"
                    on:click=move |_| confirming.set(true)
                    disabled=move || confirming.get()
                >
                    "Make default"
                </button>
                {move || confirming.get().then(|| {
                    let make_default = make_default.clone();
                    view! {
                    <div class="confirm danger" role="alertdialog" id=format!("make-default-confirm-{cid}")>
                        <p>
                            "This makes it the upload key builds are signed with. If Google Play "
                            "knows another upload key for this app, builds signed with this one are "
                            "rejected until Google accepts an upload-key reset."
                        </p>
                        <button class="button danger small make-default-confirm" type="button" on:click=make_default>
                            "Make it the default"
                        </button>
                        " "
                        <button class="button small" type="button" on:click=move |_| confirming.set(false)>
                            "Cancel"
                        </button>
                    </div>
                    }
                })}
                }
            })}
            <BusyLine state=busy id=format!("keystore-status-{}", credential.id) />
        </article>
    }
}

/// Reads a picked file's bytes.
pub(crate) async fn file_bytes(
    input: &web_sys::HtmlInputElement,
) -> Result<(String, Vec<u8>), String> {
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or_else(|| "choose a file first".to_owned())?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "the file could not be read".to_owned())?;
    Ok((file.name(), js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// Generate a new upload keystore, or upload an existing one.
#[component]
fn AddKeystore(
    app: AppInfo,
    reload: RwSignal<u32>,
    first: bool,
    generated_ms: Said<f64>,
    note: Said<String>,
    /// The build profile whose slot it goes to.
    profile: String,
) -> impl IntoView {
    let state = AppState::get();
    let gen_busy = RwSignal::new(Busy::Idle);
    let profile = StoredValue::new(profile);
    let package = app.android_package.clone();
    let app_id = app.id.clone();
    // The first keystore becomes the default. Another one replaces the upload key Google
    // Play knows only when the person ticks the box that says so; else it is stored beside.
    let make_default = RwSignal::new(false);
    let package_name = package.clone().unwrap_or_else(|| app.name.clone());

    // Stores a checked payload and assigns it (as the profile's default when it is the
    // first, or when the person chose to replace the default).
    let store = move |payload: Payload, label: String, busy: RwSignal<Busy>, app_id: String| async move {
        let keys = state
            .keys_untracked()
            .ok_or_else(|| "sign in again".to_owned())?;
        let team = state
            .team_id
            .get_untracked()
            .ok_or_else(|| "choose a team".to_owned())?;
        let is_default = first || make_default.get_untracked();
        let profile = profile.get_value();
        // Another profile's, or a second one: named so that two never read the same.
        let label = if profile == PROFILE {
            label
        } else {
            format!("{label} · {profile}")
        };
        let label = if first {
            label
        } else {
            format!(
                "{label} ({} UTC)",
                crate::components::ui::date_time(now_unix())
            )
        };
        store_android(
            state, &keys, &team, &app_id, &label, &payload, &profile, is_default, busy,
        )
        .await?;
        Ok::<bool, String>(is_default)
    };
    // What a stored keystore did to the default, said above the forms (the page refetches).
    let stored_note = move |is_default: bool| {
        if is_default {
            note.clear();
        } else {
            note.say(
                "Stored beside the default upload keystore: builds and downloads keep using the \
                 default. Make it the default from its card only once Google Play accepted it \
                 as the upload key."
                    .to_owned(),
            );
        }
        Busy::Idle
    };
    let gen_app_id = app_id.clone();
    let generate = move |_| {
        let Some(package) = package.clone() else {
            gen_busy.set(Busy::Failed(
                "set the app's Android package first: the certificate is issued for it".into(),
            ));
            return;
        };
        if gen_busy.get_untracked().is_working() {
            return;
        }
        gen_busy.set(Busy::Working(
            "Generating an RSA-2048 upload key in your browser (in a background worker)…".into(),
        ));
        let app_id = gen_app_id.clone();
        spawn_local(async move {
            paint().await;
            let payload = match crate::worker::generate_upload_keystore(&package).await {
                Ok((payload, ms)) => {
                    generated_ms.say(ms);
                    payload
                }
                Err(e) => {
                    gen_busy.set(Busy::Failed(e));
                    return;
                }
            };
            match store(
                payload,
                format!("Upload keystore for {package}"),
                gen_busy,
                app_id,
            )
            .await
            {
                Ok(is_default) => {
                    gen_busy.set(stored_note(is_default));
                    make_default.set(false);
                    reload.update(|n| *n += 1);
                }
                Err(e) => gen_busy.set(Busy::Failed(e)),
            }
        });
    };

    let file_ref = NodeRef::<leptos::html::Input>::new();
    let store_password = RwSignal::new(String::new());
    let alias = RwSignal::new(String::new());
    let key_password = RwSignal::new(String::new());
    let up_busy = RwSignal::new(Busy::Idle);
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if up_busy.get_untracked().is_working() {
            return;
        }
        let Some(input) = file_ref.get_untracked() else {
            return;
        };
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        let app_id = app_id.clone();
        up_busy.set(Busy::Working(
            "Opening the keystore in your browser…".into(),
        ));
        spawn_local(async move {
            let (name, bytes) = match file_bytes(&input).await {
                Ok(f) => f,
                Err(e) => {
                    up_busy.set(Busy::Failed(e));
                    return;
                }
            };
            paint().await;
            let sp = store_password.get_untracked();
            let kp = key_password.get_untracked();
            // Opened once, with the same checks the CLI makes: wrong passwords or alias →
            // nothing is stored; no alias typed → the keystore's only key.
            let payload = match Payload::android_keystore(
                &bytes,
                SecretText::new(sp.clone()),
                alias.get_untracked().trim(),
                SecretText::new(if kp.is_empty() { sp } else { kp }),
            ) {
                Ok((payload, _)) => payload,
                Err(e) => {
                    up_busy.set(Busy::Failed(format!("{e}. Nothing was stored.")));
                    return;
                }
            };
            match store(payload, name, up_busy, app_id).await {
                Ok(is_default) => {
                    store_password.set(String::new());
                    key_password.set(String::new());
                    up_busy.set(stored_note(is_default));
                    make_default.set(false);
                    reload.update(|n| *n += 1);
                }
                Err(e) => up_busy.set(Busy::Failed(e)),
            }
        });
    };

    let keygen_time = move || {
        generated_ms.current().map(|ms| {
            view! {
                <p class="muted" id="keygen-time" data-ms=format!("{ms:.0}")>
                    {format!("Key generated in {ms:.0} ms.")}
                </p>
            }
        })
    };
    let forms = move || {
        view! {
            <div class="add-keystore">
                <div class="option">
                    <h3>{if first { "Generate an upload keystore" } else { "Generate another keystore" }}</h3>
                    <p class="muted">
                        "A new RSA-2048 key and certificate (valid 10,000 days), made in this browser "
                        "with random passwords, as EAS would. The server only receives it encrypted."
                    </p>
                    <button
                        id="generate-keystore"
                        class="button primary"
                        type="button"
                        on:click=generate.clone()
                        disabled=move || gen_busy.get().is_working()
                    >
                        "Generate upload keystore"
                    </button>
                    <BusyLine state=gen_busy id="generate-status" />
                </div>
                <form class="option form" on:submit=upload.clone() id="upload-keystore-form">
                    <h3>"Upload an existing keystore"</h3>
                    <label for="keystore-file">"Keystore file (.jks, .keystore, .p12)"</label>
                    <input id="keystore-file" type="file" node_ref=file_ref required accept=".jks,.keystore,.p12,.pfx" />
                    <Field id="keystore-password" label="Keystore password" value=store_password kind="password" autocomplete="off" required=true />
                    <Field id="keystore-alias" label="Key alias (leave empty when the keystore holds one key)" value=alias autocomplete="off" />
                    <Field id="key-password" label="Key password (leave empty if the same)" value=key_password kind="password" autocomplete="off" />
                    <button id="upload-keystore" class="button" type="submit" disabled=move || up_busy.get().is_working()>
                        "Check and upload"
                    </button>
                    <BusyLine state=up_busy id="upload-status" />
                </form>
            </div>
        }
    };

    view! {
        {move || note.current().map(|n| view! { <p class="status" role="status" id="keystore-note">{n}</p> })}
        {keygen_time}
        {if first {
            forms().into_any()
        } else {
            // The slot has a keystore: adding another is rare and changes nothing until it
            // is made the default, so its forms fold away (the page stays short).
            view! {
                <details class="add-more" id="add-keystore-more">
                    <summary>"Add another upload keystore"</summary>
                    <div class="replace-default">
                        <p class="muted" id="beside-note">
                            "This app already has an upload keystore. Another one is stored beside it; "
                            "builds, downloads and " <code>"signet pull"</code> " keep using the default."
                        </p>
                        <label class="check">
                            <input
                                type="checkbox"
                                id="keystore-make-default"
                                prop:checked=move || make_default.get()
                                on:change=move |ev| make_default.set(event_target_checked(&ev))
                            />
                            {format!(
                                " Make the new one the default. This replaces the upload key Google Play \
                                 knows for {package_name}: builds signed with it are rejected until Google \
                                 accepts an upload-key reset (use \"Reset the upload key\" below to keep the \
                                 current one until then)."
                            )}
                        </label>
                    </div>
                    {forms()}
                </details>
            }
            .into_any()
        }}
    }
}

/// "Edit this app": its name, Android package and iOS targets (`Target=bundle.id` per line),
/// saved with `PUT …/apps/{id}`; admins may delete it after typing its name (its
/// credentials stay in the team; only the app and its assignments go).
#[component]
fn EditApp(app: AppInfo, reload: RwSignal<u32>, admin: bool) -> impl IntoView {
    let state = AppState::get();
    let name = RwSignal::new(app.name.clone());
    let package = RwSignal::new(app.android_package.clone().unwrap_or_default());
    let targets = RwSignal::new(
        app.ios_targets
            .iter()
            .map(|t| format!("{}={}", t.target, t.bundle_id))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let busy = RwSignal::new(Busy::Idle);
    let app_id = app.id.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let request = match app_request(
            &name.get_untracked(),
            &package.get_untracked(),
            &targets.get_untracked(),
        ) {
            Ok(r) => r,
            Err(e) => {
                busy.set(Busy::Failed(e));
                return;
            }
        };
        let app_id = app_id.clone();
        busy.set(Busy::Working("Saving…".into()));
        spawn_local(async move {
            match api::update_app(&team, &app_id, &request).await {
                Ok(saved) => {
                    busy.set(Busy::Done(format!("Saved {}.", saved.name)));
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    let typed = RwSignal::new(String::new());
    let expected = app.name.clone();
    let navigate = leptos_router::hooks::use_navigate();
    let delete_id = app.id.clone();
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        if typed.get_untracked().trim() != expected.trim() {
            busy.set(Busy::Failed(
                "type the app's name exactly to delete it".into(),
            ));
            return;
        }
        let (id, navigate) = (delete_id.clone(), navigate.clone());
        busy.set(Busy::Working("Deleting the app…".into()));
        spawn_local(async move {
            match api::delete_app(&team, &id).await {
                Ok(()) => navigate("/apps", Default::default()),
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    view! {
        <details class="add-more" id="edit-app">
            <summary>"Edit this app"</summary>
            <form class="form" on:submit=save id="edit-app-form">
                <Field id="edit-app-name" label="Name" value=name autocomplete="off" required=true />
                <Field id="edit-app-package" label="Android package (e.g. com.acme.app)" value=package autocomplete="off" />
                <label for="edit-app-targets">"iOS targets: one Target=bundle.id per line"</label>
                <textarea id="edit-app-targets" rows="3" prop:value=move || targets.get()
                    on:input=move |ev| targets.set(event_target_value(&ev))></textarea>
                <button id="edit-app-save" class="button" type="submit" disabled=move || busy.get().is_working()>
                    "Save"
                </button>
            </form>
            {admin.then(|| view! {
                <form class="form" on:submit=delete id="delete-app-form">
                    <p class="muted">
                        "Deleting the app removes it and which credentials it uses; the credentials "
                        "themselves stay in the team."
                    </p>
                    <Field id="delete-app-confirm" label="Type the app's name to delete it" value=typed autocomplete="off" />
                    <button id="delete-app" class="button danger" type="submit">"Delete this app"</button>
                </form>
            })}
            <BusyLine state=busy id="edit-app-status" />
        </details>
    }
}
