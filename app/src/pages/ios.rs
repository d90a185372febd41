//! An app's iOS credentials, per Xcode target and build profile: the distribution certificate
//! (a CSR generated here, Apple's `.cer` turned into a `.p12` here, or an existing `.p12`),
//! the provisioning profile, the push key and the App Store Connect API key.
//!
//! Every file is checked with [`Payload::inspect`] (the CLI's check) before anything is
//! stored; everything is sealed under the team key in this browser. The facts shown come
//! from the credentials' public metadata, so nothing is decrypted to draw the page.

use leptos::{prelude::*, task::spawn_local};
use signet_core::{
    android::{Password, pkcs12::Pkcs12Variant},
    credential::{Payload, SecretText},
    ios::{certificate::SigningIdentity, profile::glob_match},
    wire::{
        app::{AppInfo, AssignRequest, Assignment, Platform},
        credential::{CredentialInfo, CredentialKind},
    },
};
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::ui::{CopyValue, ExpiryBadge, date},
    pages::{
        apps::{file_bytes, meta_str},
        auth::{Busy, BusyLine, Field, paint},
    },
    state::AppState,
    worker::CsrRequest,
};

/// What an iOS slot holds besides pending CSRs.
const IOS_KINDS: [CredentialKind; 4] = [
    CredentialKind::IosDistributionCertificate,
    CredentialKind::IosProvisioningProfile,
    CredentialKind::ApplePushKey,
    CredentialKind::AscApiKey,
];

/// The build profiles offered even before anything is assigned to them (EAS's defaults).
const PROFILES: [&str; 3] = ["production", "preview", "development"];

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

    fn assign(&self, credential_id: &str) -> AssignRequest {
        AssignRequest {
            platform: Platform::Ios,
            profile: self.profile.clone(),
            target: self.target.clone(),
            credential_id: credential_id.to_owned(),
            is_default: true,
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
    let mut profiles: Vec<String> = PROFILES.iter().map(|p| (*p).to_owned()).collect();
    for a in assignments.iter().filter(|a| a.platform == Platform::Ios) {
        if !profiles.contains(&a.profile) {
            profiles.push(a.profile.clone());
        }
    }
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
            <div class="form inline">
                <label for="ios-profile">"Build profile"</label>
                <select id="ios-profile" on:change=move |ev| profile.set(event_target_value(&ev))>
                    {profiles
                        .into_iter()
                        .map(|p| {
                            let selected = p == profile.get_untracked();
                            view! { <option value=p.clone() selected=selected>{p.clone()}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
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
        let (open, id) = (!has, at.id(&format!("add-{}", kind.texts().0)));
        can_write.then(|| {
            view! {
                <details class="add-more" id=id open=open>
                    <summary>{kind.summary()}</summary>
                    {extra}
                    <UploadForm kind at reload />
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
    view! {
        <article class="ios-target" id=target_id>
            <h3>{heading}</h3>
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

/// What a provisioning profile gets wrong for this slot: its bundle id, or the certificate.
fn warnings(c: &CredentialInfo, slot: &Slot, cert_sha1: Option<&str>) -> Vec<String> {
    if c.kind != CredentialKind::IosProvisioningProfile {
        return Vec::new();
    }
    let m = meta(c);
    let mut out = Vec::new();
    let bundle = meta_str(&m, "bundle_id");
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
    let team = |name: String, id: String| {
        if name.is_empty() {
            id
        } else {
            format!("{name} ({id})")
        }
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
fn CredentialRow(
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
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        let request = slot.assign(&id);
        let app_id = slot.app_id.clone();
        busy.set(Busy::Working("Making it the default…".into()));
        spawn_local(async move {
            match api::assign_slot(&team, &app_id, &request).await {
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
fn AssignExisting(
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
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let (request, app_id) = (slot.assign(&chosen.get_untracked()), slot.app_id.clone());
        busy.set(Busy::Working("Assigning…".into()));
        spawn_local(async move {
            match api::assign_slot(&team, &app_id, &request).await {
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

/// Seals `payload` under the team key, stores it and makes it the slot's default.
async fn store(
    state: AppState,
    slot: &Slot,
    label: &str,
    payload: &Payload,
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
    api::assign_slot(&team, &slot.app_id, &slot.assign(&credential.id))
        .await
        .map_err(|e| e.to_string())?;
    Ok(credential)
}

/// "Generate a certificate signing request": an RSA-2048 key made in a Web Worker, stored
/// encrypted as a pending CSR until Apple's certificate comes back.
#[component]
fn GenerateCsr(at: Slot, reload: RwSignal<u32>) -> impl IntoView {
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
                store(state, &slot, &label, &payload).await
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
fn PendingCsr(at: Slot, csr: CredentialInfo, reload: RwSignal<u32>) -> impl IntoView {
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
            match api::trash_credential(&team, &id).await {
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

/// The files a slot takes by upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upload {
    /// Apple's `.cer` for the pending CSR.
    Cer,
    /// An existing `.p12` with its password.
    P12,
    /// A `.mobileprovision`.
    Profile,
    /// An APNs `.p8` with key id and Apple team id.
    PushKey,
    /// An App Store Connect `.p8` with key id and issuer id.
    AscKey,
}

impl Upload {
    /// Element id stem, heading, file label, accepted extensions.
    fn texts(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Upload::Cer => (
                "cer",
                "Upload Apple's certificate",
                "Certificate from Apple (.cer)",
                ".cer,.crt,.pem",
            ),
            Upload::P12 => (
                "p12",
                "Or upload an existing certificate (.p12)",
                "Certificate with its private key (.p12)",
                ".p12,.pfx",
            ),
            Upload::Profile => (
                "profile",
                "Upload a provisioning profile",
                "Provisioning profile (.mobileprovision)",
                ".mobileprovision",
            ),
            Upload::PushKey => ("push", "Upload a push key", "Push key (.p8)", ".p8"),
            Upload::AscKey => (
                "asc",
                "Upload an App Store Connect API key",
                "API key (.p8)",
                ".p8",
            ),
        }
    }

    /// The summary of the folded "add" forms.
    fn summary(self) -> &'static str {
        match self {
            Upload::Cer | Upload::P12 => "Add a distribution certificate",
            Upload::Profile => "Add a provisioning profile",
            Upload::PushKey => "Add a push key",
            Upload::AscKey => "Add an App Store Connect API key",
        }
    }

    /// The kind of credential the upload becomes.
    fn credential_kind(self) -> CredentialKind {
        match self {
            Upload::Cer | Upload::P12 => CredentialKind::IosDistributionCertificate,
            Upload::Profile => CredentialKind::IosProvisioningProfile,
            Upload::PushKey => CredentialKind::ApplePushKey,
            Upload::AscKey => CredentialKind::AscApiKey,
        }
    }

    /// Labels of the text fields next to the file (password fields first).
    fn fields(self) -> (Option<&'static str>, Option<&'static str>) {
        match self {
            Upload::Cer | Upload::Profile => (None, None),
            Upload::P12 => (Some(".p12 password"), None),
            Upload::PushKey => (Some("Key id"), Some("Apple team id")),
            Upload::AscKey => (Some("Key id"), Some("Issuer id")),
        }
    }
}

/// Builds the payload for an upload; `pending` is the CSR's private key for [`Upload::Cer`].
fn payload(
    kind: Upload,
    bytes: &[u8],
    first: &str,
    second: &str,
    pending: Option<&Payload>,
) -> Result<Payload, String> {
    let text = || {
        String::from_utf8(bytes.to_vec())
            .map(SecretText::new)
            .map_err(|_| "this is not a .p8 key file".to_owned())
    };
    Ok(match kind {
        Upload::Cer => {
            let Some(Payload::PendingCsr {
                private_key_pem, ..
            }) = pending
            else {
                return Err("the signing request could not be opened".into());
            };
            let identity =
                SigningIdentity::import(private_key_pem.expose(), bytes).map_err(|e| match e {
                    signet_core::Error::CertificateKeyMismatch { certificate, .. } => format!(
                        "this certificate ({certificate}) was not issued for the signing request \
                         made here: upload the .cer Apple issued for the .csr you downloaded \
                         from this page"
                    ),
                    other => other.to_string(),
                })?;
            let password = Password::random().map_err(|e| e.to_string())?;
            // The variant macOS Keychain imports (3DES, SHA-1 MAC).
            let p12 = identity
                .to_p12(&password, Pkcs12Variant::Legacy)
                .map_err(|e| e.to_string())?;
            Payload::IosDistributionCertificate {
                p12: SecretText::from_bytes(&p12),
                password: SecretText::new(password.expose()),
            }
        }
        Upload::P12 => Payload::IosDistributionCertificate {
            p12: SecretText::from_bytes(bytes),
            password: SecretText::new(first),
        },
        Upload::Profile => Payload::IosProvisioningProfile {
            profile: SecretText::from_bytes(bytes),
        },
        Upload::PushKey => Payload::ApplePushKey {
            p8: text()?,
            key_id: first.trim().to_owned(),
            team_id: second.trim().to_owned(),
        },
        Upload::AscKey => Payload::AscApiKey {
            p8: text()?,
            key_id: first.trim().to_owned(),
            issuer_id: second.trim().to_owned(),
        },
    })
}

/// An inspection failure in the words of the file that was uploaded.
fn explain(kind: Upload, e: signet_core::Error) -> String {
    match (kind, e) {
        (Upload::P12, signet_core::Error::WrongKeystorePassword) => {
            "wrong .p12 password: enter the password the certificate was exported with".into()
        }
        (_, e) => e.to_string(),
    }
}

/// A file (and its passwords or ids), checked here, stored encrypted, made the slot's default.
#[component]
fn UploadForm(
    kind: Upload,
    at: Slot,
    reload: RwSignal<u32>,
    /// The pending CSR's credential id ([`Upload::Cer`] only): opened for its key, trashed
    /// once the certificate is stored.
    #[prop(optional, into)]
    pending: Option<String>,
) -> impl IntoView {
    let slot = at;
    let state = AppState::get();
    let (stem, title, file_label, accept) = kind.texts();
    let (first_label, second_label) = kind.fields();
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let file_ref = NodeRef::<leptos::html::Input>::new();
    let file_id = slot.id(&format!("{stem}-file"));
    let (first_id, second_id) = (
        slot.id(&format!("{stem}-first")),
        slot.id(&format!("{stem}-second")),
    );
    let (form_id, button_id, status_id) = (
        slot.id(&format!("{stem}-form")),
        slot.id(&format!("upload-{stem}")),
        slot.id(&format!("{stem}-status")),
    );
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
        let (slot, pending) = (slot.clone(), pending.clone());
        busy.set(Busy::Working("Checking the file in your browser…".into()));
        spawn_local(async move {
            let result = async {
                let (name, bytes) = file_bytes(&input).await?;
                paint().await;
                let opened = match &pending {
                    Some(id) => {
                        let key = state
                            .team_key(&keys, &team)
                            .await
                            .map_err(|e| e.to_string())?;
                        Some(
                            api::read_credential(&team, &key, id)
                                .await
                                .map_err(|e| e.to_string())?,
                        )
                    }
                    None => None,
                };
                let payload = payload(
                    kind,
                    &bytes,
                    &first.get_untracked(),
                    &second.get_untracked(),
                    opened.as_ref(),
                )
                .and_then(|p| p.inspect().map(|m| (p, m)).map_err(|e| explain(kind, e)))
                .map_err(|e| format!("{e}. Nothing was stored."));
                let (payload, metadata) = payload?;
                let label = match kind {
                    Upload::Cer | Upload::P12 => meta_str(&metadata, "common_name"),
                    Upload::Profile => meta_str(&metadata, "name"),
                    _ => String::new(),
                };
                let label = if label.is_empty() { name } else { label };
                busy.set(Busy::Working(
                    "Encrypting in your browser and storing…".into(),
                ));
                store(state, &slot, &label, &payload).await?;
                if let Some(id) = &pending {
                    // The key now lives in the .p12: the request has done its job.
                    api::trash_credential(&team, id)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            }
            .await;
            match result {
                Ok(()) => {
                    first.set(String::new());
                    second.set(String::new());
                    busy.set(Busy::Idle);
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e)),
            }
        });
    };
    let password = kind == Upload::P12;
    let (first_kind, first_required) = if password {
        ("password", false)
    } else {
        ("text", true)
    };
    let label_for = file_id.clone();
    view! {
        <form class="option form" on:submit=submit id=form_id>
            <h5>{title}</h5>
            <label for=label_for>{file_label}</label>
            <input id=file_id type="file" node_ref=file_ref required accept=accept />
            {first_label.map(|label| view! {
                <Field id=first_id label value=first kind=first_kind autocomplete="off" required=first_required />
            })}
            {second_label.map(|label| view! {
                <Field id=second_id label value=second autocomplete="off" required=true />
            })}
            <button id=button_id class="button" type="submit" disabled=move || busy.get().is_working()>
                "Check and upload"
            </button>
            <BusyLine state=busy id=status_id />
        </form>
    }
}
