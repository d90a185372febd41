//! An app's iOS credentials, per Xcode target and build profile: the distribution certificate
//! (a CSR generated here, Apple's `.cer` turned into a `.p12` here, or an existing `.p12`),
//! the provisioning profile, the push key and the App Store Connect API key.
//!
//! Every file is checked with [`Payload::inspect`] (the CLI's check) before anything is
//! stored; everything is sealed under the team key in this browser. The facts shown come
//! from the credentials' public metadata, so nothing is decrypted to draw the page.
//!
//! - `cards` — how a stored credential is shown: facts, expiry, warnings, "Make default",
//!   and reusing one the team already has.
//! - `certificate` — the CSR → `.cer` → `.p12` flow.
//! - `apple` — "Create with Apple": certificate and profile made through the App Store
//!   Connect API with the team's key, signed here, sent through the server's relay.
//! - `upload` — every file upload (`.cer`, `.p12`, profile, `.p8`), checked before storing.

mod apple;
mod cards;
mod certificate;
mod upload;

use leptos::prelude::*;
use signet_core::{
    credential::Payload,
    wire::{
        app::{AppInfo, AssignRequest, Assignment, Platform},
        credential::{CredentialInfo, CredentialKind},
    },
};

use crate::{
    api,
    components::ui::{ProfileSelect, build_profiles},
    pages::apps::meta_str,
    state::AppState,
};
pub(crate) use apple::revoke_at_apple;
use apple::{CreateWithApple, RegisterDevice};
use cards::{AssignExisting, CredentialRow, warnings};
use certificate::{GenerateCsr, PendingCsr};
use upload::{Upload, UploadForm};

/// What an iOS slot holds besides pending CSRs.
const IOS_KINDS: [CredentialKind; 4] = [
    CredentialKind::IosDistributionCertificate,
    CredentialKind::IosProvisioningProfile,
    CredentialKind::ApplePushKey,
    CredentialKind::AscApiKey,
];

/// One assignment slot: app × iOS × build profile × target.
#[derive(Debug, Clone)]
struct Slot {
    app_id: String,
    /// Position among the app's targets: element ids stay valid CSS whatever the name.
    index: usize,
    /// The Xcode target's name.
    name: String,
    /// The target as assignments store it: empty for a single-target app (EAS's flat form).
    target: String,
    bundle_id: String,
    profile: String,
}

impl Slot {
    fn id(&self, what: &str) -> String {
        format!("ios-{what}-{}", self.index)
    }

    fn assign(&self, credential_id: &str, is_default: bool) -> AssignRequest {
        AssignRequest {
            platform: Platform::Ios,
            profile: self.profile.clone(),
            target: self.target.clone(),
            credential_id: credential_id.to_owned(),
            is_default,
            robot_grants: Vec::new(),
        }
    }
}

type Item = (Assignment, CredentialInfo);

/// The iOS section of an app's page.
#[component]
pub fn IosCredentials(
    app: AppInfo,
    assignments: Vec<Assignment>,
    credentials: Vec<CredentialInfo>,
    reload: RwSignal<u32>,
    can_write: bool,
    profile: RwSignal<String>,
) -> impl IntoView {
    if app.ios_targets.is_empty() {
        return view! {
            <section class="card" aria-labelledby="ios-title">
                <h2 id="ios-title">"iOS credentials"</h2>
                <p class="empty-note" id="no-ios-targets">
                    "This app has no iOS bundle id, so there is nothing to sign for iOS."
                </p>
            </section>
        }
        .into_any();
    }
    let profiles = build_profiles(&assignments, Platform::Ios);
    let single = app.ios_targets.len() == 1;
    let targets = move || {
        let p = profile.get();
        app.ios_targets
            .iter()
            .enumerate()
            .map(|(index, t)| {
                let slot = Slot {
                    app_id: app.id.clone(),
                    index,
                    name: t.target.clone(),
                    target: if single {
                        String::new()
                    } else {
                        t.target.clone()
                    },
                    bundle_id: t.bundle_id.clone(),
                    profile: p.clone(),
                };
                let items: Vec<Item> = assignments
                    .iter()
                    .filter(|a| {
                        a.platform == Platform::Ios && a.profile == p && a.target == slot.target
                    })
                    .filter_map(|a| {
                        credentials
                            .iter()
                            .find(|c| c.id == a.credential_id)
                            .map(|c| (a.clone(), c.clone()))
                    })
                    .collect();
                // The team's credentials of these kinds not yet in this slot: reusable, as at Apple.
                let reusable: Vec<CredentialInfo> = credentials
                    .iter()
                    .filter(|c| {
                        IOS_KINDS.contains(&c.kind) && !items.iter().any(|(_, i)| i.id == c.id)
                    })
                    .cloned()
                    .collect();
                view! { <TargetCard at=slot items reusable reload can_write /> }
            })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="ios-title">
            <h2 id="ios-title">"iOS credentials"</h2>
            <ProfileSelect id="ios-profile" profiles profile />
            {targets}
        </section>
    }
    .into_any()
}

/// Reads a credential's public metadata.
fn meta(c: &CredentialInfo) -> serde_json::Value {
    serde_json::from_str(&c.metadata).unwrap_or_default()
}

/// One target's credentials in the chosen build profile.
#[component]
fn TargetCard(
    at: Slot,
    items: Vec<Item>,
    reusable: Vec<CredentialInfo>,
    reload: RwSignal<u32>,
    can_write: bool,
) -> impl IntoView {
    let slot = at;
    let of = |kind: CredentialKind| -> Vec<Item> {
        items
            .iter()
            .filter(|(a, _)| a.kind == kind.as_str())
            .cloned()
            .collect()
    };
    let certs = of(CredentialKind::IosDistributionCertificate);
    let profiles = of(CredentialKind::IosProvisioningProfile);
    let pending = of(CredentialKind::PendingCsr).into_iter().last();
    // The certificate builds use: the slot's default, else the only one.
    let cert_sha1 = certs
        .iter()
        .find(|(a, _)| a.is_default)
        .or(certs.first())
        .map(|(_, c)| meta_str(&meta(c), "sha1"));
    let add_cert = cert_sha1.clone();
    let row_slot = slot.clone();
    let rows = move |list: Vec<Item>, empty: &'static str| {
        if list.is_empty() {
            return view! { <p class="muted">{empty}</p> }.into_any();
        }
        view! {
            <div class="ios-credentials">
                {list
                    .into_iter()
                    .map(|(assignment, credential)| {
                        let warnings = warnings(&credential, &row_slot, cert_sha1.as_deref());
                        let slot = row_slot.clone();
                        view! { <CredentialRow at=slot assignment credential warnings reload can_write /> }
                    })
                    .collect_view()}
            </div>
        }
        .into_any()
    };
    let heading = if slot.target.is_empty() {
        format!("{} · {} profile", slot.bundle_id, slot.profile)
    } else {
        format!(
            "{} ({}) · {} profile",
            slot.name, slot.bundle_id, slot.profile
        )
    };
    let target_id = slot.id("target");
    let reuse_slot = slot.clone();
    let reuse = move |kind: CredentialKind| {
        let choices: Vec<CredentialInfo> = reusable
            .iter()
            .filter(|c| c.kind == kind)
            .cloned()
            .collect();
        let at = reuse_slot.clone();
        (!choices.is_empty()).then(|| view! { <AssignExisting at kind choices reload /> })
    };
    // The ways to add one, folded away once the slot has one.
    let add_slot = slot.clone();
    let add = move |kind: Upload, has: bool, extra: Option<AnyView>| {
        let at = add_slot.clone();
        let cert_sha1 = add_cert.clone();
        let (open, id) = (!has, at.id(&format!("add-{}", kind.texts().0)));
        can_write.then(|| {
            view! {
                <details class="add-more" id=id open=open>
                    <summary>{kind.summary()}</summary>
                    {extra}
                    <UploadForm kind at reload cert_sha1 />
                    {reuse(kind.credential_kind())}
                </details>
            }
        })
    };
    let (has_cert, has_profile) = (!certs.is_empty(), !profiles.is_empty());
    let push = of(CredentialKind::ApplePushKey);
    let asc = of(CredentialKind::AscApiKey);
    let (has_push, has_asc) = (!push.is_empty(), !asc.is_empty());
    let generate = pending
        .is_none()
        .then(|| view! { <GenerateCsr at=slot.clone() reload /> }.into_any());
    let waiting = pending
        .filter(|_| can_write)
        .map(|(_, csr)| view! { <PendingCsr at=slot.clone() csr reload /> });
    let devices = signet_core::asc::Distribution::for_build_profile(&slot.profile).needs_devices();
    let with_apple = can_write.then(|| {
        view! {
            <CreateWithApple at=slot.clone() reload />
            {devices.then(|| view! { <RegisterDevice at=slot.clone() /> })}
        }
    });
    view! {
        <article class="ios-target" id=target_id>
            <h3>{heading}</h3>
            {with_apple}
            <h4>"Distribution certificate"</h4>
            {rows(certs, "No distribution certificate yet.")}
            {waiting}
            {add(Upload::P12, has_cert, generate)}
            <h4>"Provisioning profile"</h4>
            {rows(profiles, "No provisioning profile yet.")}
            {add(Upload::Profile, has_profile, None)}
            <h4>"Push key (APNs)"</h4>
            {rows(push, "No push key yet.")}
            {add(Upload::PushKey, has_push, None)}
            <h4>"App Store Connect API key"</h4>
            {rows(asc, "No App Store Connect API key yet.")}
            {add(Upload::AscKey, has_asc, None)}
        </article>
    }
}

/// Seals `payload` under the team key, stores it and makes it the slot's default.
async fn store(
    state: AppState,
    slot: &Slot,
    label: &str,
    payload: &Payload,
    is_default: bool,
) -> Result<CredentialInfo, String> {
    let keys = state
        .keys_untracked()
        .ok_or_else(|| "sign in again".to_owned())?;
    let team = state
        .team_id
        .get_untracked()
        .ok_or_else(|| "choose a team".to_owned())?;
    let key = state
        .team_key(&keys, &team)
        .await
        .map_err(|e| e.to_string())?;
    let credential = api::create_credential(&keys, &team, &key, label, payload)
        .await
        .map_err(|e| e.to_string())?;
    api::assign_slot(
        &keys,
        &team,
        &slot.app_id,
        &slot.assign(&credential.id, is_default),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(credential)
}
