//! The team's credentials: a list with expiry badges (and the trash), and one page per
//! credential with its metadata, who made it and when, days to expiry, where it is used, and
//! remove (to the trash) / restore.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_params_map;
use signet_core::wire::{Permission, Role, credential::CredentialInfo};

use crate::{
    api::{self, ApiError},
    components::ui::{CopyValue, ExpiryBadge, Loading, NoTeam, PageHeader, date, now_unix},
    pages::auth::{Busy, BusyLine, Gate},
    state::AppState,
};

/// A kind's name for people.
pub fn kind_name(kind: &str) -> &'static str {
    match kind {
        "android_keystore" => "Android upload keystore",
        "fcm_v1_service_account" => "FCM v1 service account",
        "google_service_account" => "Google Play service account",
        "play_app_signing_certificate" => "Google Play app-signing certificate",
        "ios_distribution_certificate" => "iOS distribution certificate",
        "ios_provisioning_profile" => "Provisioning profile",
        "apple_push_key" => "Apple push key",
        "asc_api_key" => "App Store Connect API key",
        "pending_csr" => "Pending certificate request",
        _ => "Credential",
    }
}

fn not_after(c: &CredentialInfo) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(&c.metadata)
        .ok()?
        .get("not_after")?
        .as_i64()
}

/// `/credentials`.
#[component]
pub fn Credentials() -> impl IntoView {
    view! {
        <Gate>
            <CredentialList />
        </Gate>
    }
}

#[component]
fn CredentialList() -> impl IntoView {
    let state = AppState::get();
    // After "Delete forever" the credential page comes back here, to the trash.
    let purged =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("purged").is_some());
    let trash = RwSignal::new(purged);
    let list = LocalResource::new(move || {
        let team = state.team_id.get();
        let deleted = trash.get();
        async move {
            match team {
                Some(team) => match state.keys_untracked() {
                    Some(keys) => api::verified_credentials(&keys, &team, deleted)
                        .await
                        .map(Some),
                    None => Ok(None),
                },
                None => Ok(None),
            }
        }
    });
    view! {
        <PageHeader title="Credentials" lead="Keystores, certificates, profiles and keys of the current team." />
        {purged.then(|| view! { <p class="status success" role="status" id="purged-note">"Deleted for good."</p> })}
        <div class="tabs" role="group" aria-label="Show">
            <button
                id="show-active"
                type="button"
                class="button small"
                aria-pressed=move || (!trash.get()).to_string()
                on:click=move |_| trash.set(false)
            >
                "In use"
            </button>
            <button
                id="show-trash"
                type="button"
                class="button small"
                aria-pressed=move || trash.get().to_string()
                on:click=move |_| trash.set(true)
            >
                "Trash"
            </button>
        </div>
        {move || match list.get() {
            None => view! { <Loading what="Loading credentials…" /> }.into_any(),
            Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
            Some(Ok(None)) => view! { <NoTeam /> }.into_any(),
            Some(Ok(Some(items))) if items.is_empty() => {
                let (title, what) = if trash.get_untracked() {
                    ("The trash is empty", "Removed credentials wait here until an admin purges them.")
                } else {
                    ("No credentials yet", "Open an app to generate or upload its Android upload keystore.")
                };
                view! {
                    <section class="empty-state" id="no-credentials">
                        <h2>{title}</h2>
                        <p>{what}</p>
                        <a class="button primary" href="/apps">"Go to apps"</a>
                    </section>
                }
                    .into_any()
            }
            Some(Ok(Some(items))) => {
                view! {
                    {trash.get_untracked().then(|| view! {
                        <p class="muted" id="trash-note">
                            "Open a credential to restore it; team admins can also delete it forever from there."
                        </p>
                    })}
                    <table class="table stack" id="credential-list">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"Created by"</th>
                                <th scope="col">"Expiry"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {items
                                .into_iter()
                                .map(|c| {
                                    let href = format!("/credentials/{}", c.id);
                                    let expiry = not_after(&c);
                                    view! {
                                        <tr>
                                            <td><a href=href>{c.label.clone()}</a></td>
                                            <td data-label="Kind">{kind_name(c.kind.as_str())}</td>
                                            <td data-label="Created by">{c.created_by_email.clone()} <span class="muted">" · "{date(c.created_at)}</span></td>
                                            <td data-label="Expiry" class="expiry">{expiry.map(|n| view! { <ExpiryBadge not_after=n /> })}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }
        }}
    }
}

/// `/credentials/:id`.
#[component]
pub fn CredentialPage() -> impl IntoView {
    view! {
        <Gate>
            <CredentialDetails />
        </Gate>
    }
}

#[derive(Debug, Clone)]
struct Used {
    app_id: String,
    app: String,
    slot: String,
    is_default: bool,
}

/// A metadata key as people read it: "SHA-1 of each certificate", not "Certificate Sha1s".
fn fact_label(key: &str) -> String {
    let known = match key {
        "uuid" => "UUID",
        "name" => "Name",
        "team_id" => "Apple team ID",
        "team_name" => "Apple team",
        "bundle_id" => "Bundle ID",
        "application_identifier" => "Application identifier",
        "profile_type" => "Profile type",
        "created" => "Created at Apple",
        "not_after" => "Expires",
        "not_before" => "Valid from",
        "devices" => "Devices",
        "aps_environment" => "Push environment",
        "certificate_sha1s" => "Certificates it allows (SHA-1)",
        "key_alias" => "Key alias",
        "key_id" => "Key ID",
        "issuer_id" => "Issuer ID",
        "common_name" => "Common name",
        "serial" => "Serial number",
        "subject" => "Subject",
        "issuer" => "Issuer",
        "format" => "Format",
        "key_algorithm" => "Key algorithm",
        "key_size" => "Key size (bits)",
        "project_id" => "Google Cloud project",
        "client_email" => "Service account",
        "client_id" => "Client ID",
        "private_key_id" => "Private key ID",
        "package" => "Android package",
        "ios_targets" => "iOS targets",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A metadata value as people read it: dates as dates, lists as lists, no JSON; `None` for
/// nothing to show.
fn fact_value(key: &str, value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if matches!(key, "not_after" | "not_before" | "created") => {
            Some(n.as_i64().map(date).unwrap_or_else(|| n.to_string()))
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_owned()),
        Value::Array(items) if items.is_empty() => Some("None".to_owned()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|i| fact_value(key, i))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Value::Object(map) => Some(
            map.iter()
                .filter_map(|(k, v)| Some(format!("{}: {}", fact_label(k), fact_value(k, v)?)))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// "30 days until expiry", "expires within a day", "expired 690 days ago": the words of
/// the Expiring page ([`signet_core::expiry::Expiry`]) once it has expired.
fn days_left_text(not_after: i64) -> String {
    let expiry = signet_core::expiry::Expiry::new(not_after, now_unix());
    match expiry.days_left() {
        _ if expiry.expired() => expiry.describe(),
        0 => "expires within a day".to_owned(),
        1 => "1 day until expiry".to_owned(),
        d => format!("{d} days until expiry"),
    }
}

#[component]
fn CredentialDetails() -> impl IntoView {
    let state = AppState::get();
    let params = use_params_map();
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        let team = state.team();
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        reload.track();
        async move {
            let team = team.ok_or_else(|| ApiError {
                status: None,
                code: None,
                message: "choose a team first".into(),
            })?;
            let keys = state.keys_untracked().ok_or_else(|| ApiError {
                status: None,
                code: None,
                message: "sign in again".into(),
            })?;
            let c = api::verified_credential(&keys, &team.id, &id).await?;
            // Where apps use it, as the server answered with the credential.
            let used = c
                .in_use
                .iter()
                .map(|u| Used {
                    app_id: u.app_id.clone(),
                    app: u.app_name.clone(),
                    slot: if u.target.is_empty() {
                        format!("{} · {}", u.platform, u.profile)
                    } else {
                        format!("{} · {} · {}", u.platform, u.profile, u.target)
                    },
                    is_default: u.is_default,
                })
                .collect();
            let role = state.fresh_role(&team).await?;
            Ok::<_, ApiError>((c, used, role))
        }
    });
    move || match data.get() {
        None => view! { <Loading what="Loading the credential…" /> }.into_any(),
        Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
        Some(Ok((c, used, role))) => view! { <CredentialBody c used role reload /> }.into_any(),
    }
}

#[component]
fn CredentialBody(
    c: CredentialInfo,
    used: Vec<Used>,
    role: Role,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let state = AppState::get();
    let meta: serde_json::Value = serde_json::from_str(&c.metadata).unwrap_or_default();
    let expiry = meta.get("not_after").and_then(|v| v.as_i64());
    let busy = RwSignal::new(Busy::Idle);
    let deleted = c.deleted_at.is_some();
    let id = c.id.clone();
    // An iOS certificate whose serial its author signed may be revoked at Apple too.
    let serial = (c.kind
        == signet_core::wire::credential::CredentialKind::IosDistributionCertificate
        && api::unverified(&c).is_none())
    .then(|| {
        meta.get("serial")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    })
    .flatten();
    let revoke = RwSignal::new(false);
    let revoke_serial = serial.clone();
    // Trashing what an app uses asks first, naming each use (the server refuses it unasked).
    let uses: Vec<String> = c
        .in_use
        .iter()
        .map(signet_core::wire::credential::CredentialUse::describe)
        .collect();
    let in_use = !uses.is_empty();
    let uses_text = uses.join("; ");
    let any_default = c.in_use.iter().any(|u| u.is_default);
    let confirming = RwSignal::new(false);
    let toggle = move |confirmed: bool| {
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        if !deleted && in_use && !confirmed {
            confirming.set(true);
            return;
        }
        confirming.set(false);
        let id = id.clone();
        busy.set(Busy::Working(
            if deleted {
                "Restoring…"
            } else {
                "Moving to the trash…"
            }
            .into(),
        ));
        let revoke_serial = revoke_serial
            .clone()
            .filter(|_| revoke.get_untracked() && !deleted);
        spawn_local(async move {
            if let Some(serial) = revoke_serial {
                busy.set(Busy::Working("Revoking the certificate at Apple…".into()));
                if let Err(e) = crate::pages::ios::revoke_at_apple(state, &serial).await {
                    busy.set(Busy::Failed(format!(
                        "{e}. Nothing was revoked or moved to the trash."
                    )));
                    return;
                }
            }
            let result = if deleted {
                api::restore_credential(&team, &id).await
            } else if confirmed {
                api::trash_credential_in_use(&team, &id).await
            } else {
                api::trash_credential(&team, &id).await
            };
            match result {
                Ok(()) => {
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    let facts: Vec<(String, String)> = meta
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "md5" | "sha1" | "sha256" | "csr_pem"))
                .filter_map(|(k, v)| Some((fact_label(k), fact_value(k, v)?)))
                .collect()
        })
        .unwrap_or_default();
    let fingerprints: Vec<(&'static str, String)> =
        [("SHA-1", "sha1"), ("SHA-256", "sha256"), ("MD5", "md5")]
            .into_iter()
            .filter_map(|(label, key)| {
                meta.get(key)
                    .and_then(|v| v.as_str())
                    .map(|s| (label, s.to_owned()))
            })
            .collect();
    view! {
        <PageHeader title=c.label.clone() lead=kind_name(c.kind.as_str()) />
        {api::unverified(&c).map(|why| view! {
            <p class="status error-text" role="alert" id="credential-unverified">
                {format!("{why}. Its fingerprint and expiry are not shown; do not use it until an admin checks it.")}
            </p>
        })}
        <section class="card" id="credential-details">
            <div class="badges">
                {deleted.then(|| view! { <span class="badge danger" id="in-trash">"In the trash"</span> })}
                {expiry.map(|n| view! {
                    <ExpiryBadge not_after=n />
                    <span class="muted" id="days-left">{days_left_text(n)}</span>
                })}
            </div>
            <dl class="facts">
                <dt>"Created by"</dt>
                <dd id="created-by">{c.created_by_email.clone()}</dd>
                <dt>"Created"</dt>
                <dd>{date(c.created_at)}</dd>
                <dt>"Last changed"</dt>
                <dd>{date(c.updated_at)} " · revision " {c.revision}</dd>
                {facts
                    .into_iter()
                    .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
                    .collect_view()}
            </dl>
            {fingerprints
                .into_iter()
                .map(|(label, value)| view! { <CopyValue label=label value id=format!("fp-{}", label.to_lowercase()) /> })
                .collect_view()}
        </section>
        <section class="card">
            <h2>"Where it is used"</h2>
            {if used.is_empty() {
                view! { <p class="muted" id="not-used">"No app uses it. Assign it from an app's page."</p> }.into_any()
            } else {
                view! {
                    <ul id="used-by">
                        {used
                            .into_iter()
                            .map(|u| view! {
                                <li>
                                    <a href=format!("/apps/{}", u.app_id)>{u.app}</a>
                                    " · " {u.slot}
                                    {u.is_default.then(|| view! { " " <span class="badge ok">"Default"</span> })}
                                </li>
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        {(role.may(Permission::EditCredentials) && !deleted && api::unverified(&c).is_none()).then(|| view! {
            <RenameCredential id=c.id.clone() label=c.label.clone() reload />
        })}
        {role.may(Permission::EditCredentials).then(|| view! {
            <section class="card">
                <h2>{if deleted { "Restore" } else { "Remove" }}</h2>
                <p class="muted">
                    {if deleted {
                        "Put it back: apps and builds can use it again."
                    } else {
                        "Moves it to the trash: builds stop using it; you can restore it until an admin purges it."
                    }}
                </p>
                {(!deleted && serial.is_some()).then(|| view! {
                    <label class="check">
                        <input
                            type="checkbox"
                            id="revoke-at-apple"
                            on:change=move |ev| revoke.set(event_target_checked(&ev))
                        />
                        " Also revoke it at Apple (through the team's App Store Connect API key). \
                         Builds already signed with it keep working; new builds with it stop, and \
                         so do the profiles that allow only it."
                    </label>
                })}
                <button
                    id=if deleted { "restore-credential" } else { "trash-credential" }
                    class=if deleted { "button primary" } else { "button danger" }
                    type="button"
                    on:click={
                        let toggle = toggle.clone();
                        move |_| toggle(false)
                    }
                    disabled=move || busy.get().is_working() || confirming.get()
                >
                    {if deleted { "Restore" } else { "Move to trash" }}
                </button>
                {move || confirming.get().then(|| {
                    let toggle = toggle.clone();
                    view! {
                    <div class="confirm danger" role="alertdialog" aria-labelledby="trash-in-use-text" id="trash-in-use">
                        <p id="trash-in-use-text">
                            <strong>"This credential is in use: "</strong>
                            {uses_text.clone()} ". "
                            {any_default.then_some(
                                "Builds of the slots it is the default of will have none until you assign another. ",
                            )}
                            "Move it to the trash anyway?"
                        </p>
                        <button id="trash-confirm" class="button danger" type="button" on:click=move |_| toggle(true)>
                            "Move to trash anyway"
                        </button>
                        " "
                        <button id="trash-cancel" class="button" type="button" on:click=move |_| confirming.set(false)>
                            "Cancel"
                        </button>
                    </div>
                    }
                })}
                <BusyLine state=busy id="credential-status" />
            </section>
        })}
        {(deleted && role.may(Permission::PurgeCredentials)).then(|| view! { <PurgeCredential id=c.id.clone() label=c.label.clone() /> })}
    }
}

/// Renames a credential (two generated keystores get the same name; the one people can tell
/// apart is the one they pick). Its verified metadata is signed again by whoever renames it.
#[component]
fn RenameCredential(id: String, label: String, reload: RwSignal<u32>) -> impl IntoView {
    let state = AppState::get();
    let name = RwSignal::new(label.clone());
    let busy = RwSignal::new(Busy::Idle);
    let unchanged = move || name.with(|n| n.trim().is_empty() || n.trim() == label.trim());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(team), Some(keys)) = (state.team_id.get_untracked(), state.keys_untracked())
        else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let id = id.clone();
        let new = name.get_untracked().trim().to_owned();
        busy.set(Busy::Working("Renaming…".into()));
        spawn_local(async move {
            match api::rename_credential(&keys, &team, &id, &new).await {
                Ok(_) => {
                    busy.set(Busy::Done(format!("Renamed to “{new}”.")));
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(format!("{e}. The name was not changed."))),
            }
        });
    };
    view! {
        <form class="card form" id="rename-form" on:submit=submit aria-labelledby="rename-title">
            <h2 id="rename-title">"Name"</h2>
            <label for="rename-label">"Shown in lists and on app pages"</label>
            <input
                id="rename-label"
                type="text"
                required
                maxlength="200"
                prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev))
            />
            <button
                id="rename-credential"
                class="button"
                type="submit"
                disabled=move || busy.get().is_working() || unchanged()
            >
                "Rename"
            </button>
            <BusyLine state=busy id="rename-status" />
        </form>
    }
}

/// "Delete forever" for a trashed credential (admins): the person types its name first, so a
/// slip of the mouse cannot destroy a signing key. The server refuses non-admins too.
#[component]
fn PurgeCredential(id: String, label: String) -> impl IntoView {
    let state = AppState::get();
    let typed = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let navigate = leptos_router::hooks::use_navigate();
    let expected = label.clone();
    let matches = move || typed.with(|t| t.trim() == expected.trim());
    let can_purge = matches.clone();
    let purge = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_working() || !can_purge() {
            return;
        }
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        let (id, navigate) = (id.clone(), navigate.clone());
        busy.set(Busy::Working("Deleting for good…".into()));
        spawn_local(async move {
            match api::purge_credential(&team, &id).await {
                Ok(()) => {
                    busy.set(Busy::Idle);
                    navigate("/credentials?purged=1", Default::default());
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    view! {
        <form class="card form danger-zone" id="purge-form" on:submit=purge aria-labelledby="purge-title">
            <h2 id="purge-title">"Delete forever"</h2>
            <p class="muted">
                "Deletes it from the server for good: it cannot be restored, apps lose it, robot "
                "tokens lose access to it. If it signs a published app, keep a copy first."
            </p>
            <label for="purge-confirm">"Type " <strong>{label.clone()}</strong> " to confirm"</label>
            <input
                id="purge-confirm"
                type="text"
                autocomplete="off"
                prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))
            />
            <button
                id="purge-credential"
                class="button danger"
                type="submit"
                disabled=move || busy.get().is_working() || !matches()
            >
                "Delete forever"
            </button>
            <BusyLine state=busy id="purge-status" />
        </form>
    }
}
