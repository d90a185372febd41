//! How a slot's credentials are shown (facts from their public metadata, expiry, warnings,
//! "Make default"), and assigning one the team already has.

use leptos::{prelude::*, task::spawn_local};
use signet_core::{
    ios::profile::glob_match,
    wire::{
        app::Assignment,
        credential::{CredentialInfo, CredentialKind},
    },
};

use super::{Slot, meta};
use crate::{
    api,
    components::ui::{CopyValue, ExpiryBadge, date},
    pages::{
        apps::meta_str,
        auth::{Busy, BusyLine},
    },
    state::AppState,
};

/// What a provisioning profile gets wrong for this slot: its bundle id, or the certificate.
pub(super) fn warnings(c: &CredentialInfo, slot: &Slot, cert_sha1: Option<&str>) -> Vec<String> {
    if c.kind != CredentialKind::IosProvisioningProfile {
        return Vec::new();
    }
    profile_problems(&meta(c), slot, cert_sha1)
}

/// What a provisioning profile's metadata gets wrong for `slot` (the same checks as
/// `signet doctor`): it was issued for another bundle id, or does not list the slot's
/// certificate (`cert_sha1`, when the slot has one). Expiry is refused before this.
pub(super) fn profile_problems(
    m: &serde_json::Value,
    slot: &Slot,
    cert_sha1: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    let bundle = meta_str(m, "bundle_id");
    if !glob_match(&bundle, &slot.bundle_id) {
        out.push(format!(
            "This profile was issued for {bundle}, not {}: builds of {} will fail. Upload a \
             profile made for {}.",
            slot.bundle_id, slot.name, slot.bundle_id
        ));
    }
    if let Some(sha1) = cert_sha1 {
        let listed = m
            .get("certificate_sha1s")
            .and_then(|v| v.as_array())
            .is_some_and(|l| l.iter().any(|s| s.as_str() == Some(sha1)));
        if !listed {
            out.push(format!(
                "This profile does not include the assigned distribution certificate \
                 (SHA-1 {sha1}): regenerate it in the Apple developer portal with that \
                 certificate, or assign the certificate it was made for."
            ));
        }
    }
    out
}

/// The facts shown for a credential, by kind.
fn facts(c: &CredentialInfo) -> Vec<(&'static str, String)> {
    let m = meta(c);
    let s = |key| meta_str(&m, key);
    let team = |name: String, id: String| match (name.is_empty(), id.is_empty()) {
        (true, _) => id,
        (false, true) => name,
        (false, false) => format!("{name} ({id})"),
    };
    let expires = || date(m.get("not_after").and_then(|v| v.as_i64()).unwrap_or(0));
    match c.kind {
        CredentialKind::IosDistributionCertificate => vec![
            ("Name", s("common_name")),
            ("Apple team", team(s("team_name"), s("team_id"))),
            ("Serial", s("serial").to_uppercase()),
            ("Subject", s("subject")),
            ("Expires", expires()),
        ],
        CredentialKind::IosProvisioningProfile => {
            let kind = match s("profile_type").as_str() {
                "app_store" => "App Store",
                "ad_hoc" => "Ad hoc",
                "enterprise" => "Enterprise",
                "development" => "Development",
                _ => "Unknown",
            };
            vec![
                ("Type", kind.to_owned()),
                ("Name", s("name")),
                ("Bundle id", s("bundle_id")),
                ("Apple team", team(s("team_name"), s("team_id"))),
                ("Expires", expires()),
                (
                    "Devices",
                    m.get("devices")
                        .and_then(|v| v.as_u64())
                        .unwrap_or(0)
                        .to_string(),
                ),
                ("UUID", s("uuid")),
            ]
        }
        CredentialKind::ApplePushKey => vec![("Key id", s("key_id")), ("Apple team", s("team_id"))],
        CredentialKind::AscApiKey => vec![("Key id", s("key_id")), ("Issuer id", s("issuer_id"))],
        _ => Vec::new(),
    }
}

/// One credential in a slot: its facts, default and expiry badges, warnings.
#[component]
pub(super) fn CredentialRow(
    at: Slot,
    assignment: Assignment,
    credential: CredentialInfo,
    warnings: Vec<String>,
    reload: RwSignal<u32>,
    can_write: bool,
) -> impl IntoView {
    let slot = at;
    let state = AppState::get();
    let busy = RwSignal::new(Busy::Idle);
    let not_after = meta(&credential).get("not_after").and_then(|v| v.as_i64());
    let id = credential.id.clone();
    let status_id = format!("ios-status-{}", credential.id);
    let make_default = move |_| {
        let (Some(team), Some(keys)) = (state.team_id.get_untracked(), state.keys_untracked())
        else {
            return;
        };
        let request = slot.assign(&id, true);
        let app_id = slot.app_id.clone();
        busy.set(Busy::Working("Making it the default…".into()));
        spawn_local(async move {
            match api::assign_slot(&keys, &team, &app_id, &request).await {
                Ok(_) => {
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    view! {
        <article class="ios-credential" data-credential=credential.id.clone() data-kind=credential.kind.as_str()>
            <header class="ios-credential-head">
                <a href=format!("/credentials/{}", credential.id) class="ios-credential-label">{credential.label.clone()}</a>
                {assignment.is_default.then(|| view! { <span class="badge ok default-badge">"Default"</span> })}
                {not_after.map(|not_after| view! { <ExpiryBadge not_after /> })}
            </header>
            <dl class="facts">
                {facts(&credential)
                    .into_iter()
                    // A fact the file does not have (a certificate without a team name) is
                    // left out, not shown as an empty row.
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
                    .collect_view()}
            </dl>
            {(credential.kind == CredentialKind::IosDistributionCertificate).then(|| {
                let m = meta(&credential);
                view! {
                    <CopyValue label="SHA-1" value=meta_str(&m, "sha1") id=format!("sha1-{}", credential.id) />
                    <CopyValue label="SHA-256" value=meta_str(&m, "sha256") id=format!("sha256-{}", credential.id) />
                }
            })}
            {warnings
                .into_iter()
                .map(|w| view! { <p class="warning-text profile-warning" role="status">"⚠ "{w}</p> })
                .collect_view()}
            {(can_write && !assignment.is_default).then(|| view! {
                <button class="button small make-default" type="button" on:click=make_default>
                    "Make default"
                </button>
            })}
            <BusyLine state=busy id=status_id />
        </article>
    }
}

/// "Use one the team already has": assigns a stored credential to this slot as its default
/// (certificates, push and API keys are team-level at Apple too).
#[component]
pub(super) fn AssignExisting(
    at: Slot,
    kind: CredentialKind,
    choices: Vec<CredentialInfo>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let slot = at;
    let state = AppState::get();
    let busy = RwSignal::new(Busy::Idle);
    let chosen = RwSignal::new(choices.first().map(|c| c.id.clone()).unwrap_or_default());
    let stem = kind.as_str().replace('_', "-");
    let (select_id, button_id, status_id) = (
        slot.id(&format!("{stem}-existing")),
        slot.id(&format!("assign-{stem}")),
        slot.id(&format!("{stem}-existing-status")),
    );
    let label_for = select_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(team), Some(keys)) = (state.team_id.get_untracked(), state.keys_untracked())
        else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let (request, app_id) = (
            slot.assign(&chosen.get_untracked(), true),
            slot.app_id.clone(),
        );
        busy.set(Busy::Working("Assigning…".into()));
        spawn_local(async move {
            match api::assign_slot(&keys, &team, &app_id, &request).await {
                Ok(_) => {
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    view! {
        <form class="form inline" on:submit=submit>
            <label for=label_for>"Or use one the team already has"</label>
            <select id=select_id on:change=move |ev| chosen.set(event_target_value(&ev))>
                {choices
                    .into_iter()
                    .map(|c| {
                        let text = format!("{} (added {})", c.label, date(c.created_at));
                        view! { <option value=c.id>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <button id=button_id class="button small" type="submit" disabled=move || busy.get().is_working()>
                "Assign"
            </button>
        </form>
        <BusyLine state=busy id=status_id />
    }
}
