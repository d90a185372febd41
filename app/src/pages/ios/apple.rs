//! "Create with Apple": a slot's distribution certificate and provisioning profile made
//! through the App Store Connect API with the team's API key, from this browser.
//!
//! The key is opened here; every request is signed here with a token that Apple's `scope`
//! claim limits to exactly that request, and goes through the server's relay
//! (`/api/teams/{team}/asc-relay`), since browsers cannot call Apple's API (no CORS). The
//! certificate's private key is generated here and sealed before it is stored. The flows are
//! `signet_core::asc`'s, the same the CLI runs.

use leptos::{prelude::*, task::spawn_local};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use signet_core::{
    asc::{AscClient, Certificate, Distribution, Request, Response, Scoping, Transport},
    credential::Payload,
    keys::asc::AppStoreConnectKey,
    wire::credential::{CredentialInfo, CredentialKind},
};

use super::{Slot, store};
use crate::{
    api,
    pages::auth::{Busy, BusyLine, Field, paint},
    state::AppState,
};

/// The server's relay, for one team.
struct Relay {
    team: String,
}

#[derive(Serialize)]
struct RelayRequest<'a> {
    method: &'static str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a Value>,
    token: &'a str,
}

#[derive(Deserialize)]
struct RelayAnswer {
    status: u16,
    body: String,
}

impl Transport for Relay {
    async fn send(&self, request: &Request, token: &str) -> signet_core::Result<Response> {
        let answer: RelayAnswer = api::post(
            &format!("/teams/{}/asc-relay", self.team),
            &RelayRequest {
                method: request.method.as_str(),
                path: &request.path,
                body: request.body.as_ref(),
                token,
            },
        )
        .await
        .map_err(|e| {
            signet_core::Error::AscUnreachable(format!("through the Signet server: {e}"))
        })?;
        Ok(Response {
            status: answer.status,
            body: answer.body.into_bytes(),
        })
    }
}

fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

fn meta(c: &CredentialInfo) -> Value {
    serde_json::from_str(&c.metadata).unwrap_or_default()
}

/// What every flow needs: the signed-in keys, the team, its key, its credentials (verified
/// metadata only) and its App Store Connect key, opened here.
struct Opened {
    keys: api::Keys,
    team: String,
    team_key: signet_core::vault::team_key::TeamKey,
    all: Vec<CredentialInfo>,
    asc: AppStoreConnectKey,
}

async fn open_key(state: AppState) -> Result<Opened, String> {
    let keys = state.keys_untracked().ok_or("sign in again")?;
    let team = state.team_id.get_untracked().ok_or("choose a team")?;
    let team_key = state
        .team_key(&keys, &team)
        .await
        .map_err(|e| e.to_string())?;
    let all: Vec<CredentialInfo> = api::verified_credentials(&keys, &team, false)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|c| api::unverified(c).is_none())
        .collect();
    let mut asc_keys: Vec<&CredentialInfo> = all
        .iter()
        .filter(|c| c.kind == CredentialKind::AscApiKey)
        .collect();
    asc_keys.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
    let Some(key_info) = asc_keys.first() else {
        return Err(
            "The team has no App Store Connect API key: create one at App Store \
                    Connect → Users and Access → Integrations (role Admin or App Manager) and \
                    add it below under \"Add an App Store Connect API key\"."
                .into(),
        );
    };
    let Payload::AscApiKey {
        p8,
        key_id,
        issuer_id,
    } = api::read_credential(&team, &team_key, &key_info.id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Err("the App Store Connect key credential holds something else".into());
    };
    let asc = AppStoreConnectKey::from_p8(p8.expose().as_bytes(), &key_id, &issuer_id)
        .map_err(|e| e.to_string())?;
    Ok(Opened {
        keys,
        team,
        team_key,
        all,
        asc,
    })
}

/// Revokes at Apple the certificate with `serial` (from verified metadata), through the
/// relay; `false` when Apple no longer has it.
pub(crate) async fn revoke_at_apple(state: AppState, serial: &str) -> Result<bool, String> {
    let opened = open_key(state).await?;
    let client = AscClient::new(
        &opened.asc,
        Relay {
            team: opened.team.clone(),
        },
        now,
        Scoping::PerRequest,
    );
    let Some(apple) = client
        .certificate_by_serial(serial)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(false);
    };
    client
        .revoke_certificate(&apple.id)
        .await
        .map_err(|e| e.to_string())?;
    Ok(true)
}

/// Registers a device with Apple (for Ad Hoc and Development profiles).
#[component]
pub(super) fn RegisterDevice(at: Slot) -> impl IntoView {
    let slot = at;
    let state = AppState::get();
    let busy = RwSignal::new(Busy::Idle);
    let udid = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let (udid_id, name_id, button_id, status_id) = (
        slot.id("device-udid"),
        slot.id("device-name"),
        slot.id("device-add"),
        slot.id("device-status"),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_working() {
            return;
        }
        let (u, n) = (udid.get_untracked(), name.get_untracked());
        busy.set(Busy::Working("Registering the device with Apple…".into()));
        spawn_local(async move {
            let result = async {
                let opened = open_key(state).await?;
                let client = AscClient::new(
                    &opened.asc,
                    Relay {
                        team: opened.team.clone(),
                    },
                    now,
                    Scoping::PerRequest,
                );
                let (device, registered) = client
                    .register_device(u.trim(), n.trim())
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<String, String>(format!(
                    "{} {} ({}). Press \"Create with Apple\" to make a new profile that \
                     includes it.",
                    if registered {
                        "Registered"
                    } else {
                        "Apple already has"
                    },
                    device.udid,
                    device.name
                ))
            }
            .await;
            match result {
                Ok(text) => {
                    udid.set(String::new());
                    name.set(String::new());
                    busy.set(Busy::Done(text));
                }
                Err(e) => busy.set(Busy::Failed(e)),
            }
        });
    };
    view! {
        <form class="option form" on:submit=submit>
            <h5>"Register a device with Apple"</h5>
            <Field id=udid_id label="Device UDID" value=udid autocomplete="off" required=true />
            <Field id=name_id label="Device name" value=name autocomplete="off" required=true />
            <button id=button_id class="button" type="submit" disabled=move || busy.get().is_working()>
                "Register device"
            </button>
            <BusyLine state=busy id=status_id />
        </form>
    }
}

/// What a run produced, or the certificates to choose from at Apple's limit.
enum Outcome {
    Done(String),
    Limit(Vec<(Certificate, bool)>),
}

/// Runs the flow for one slot; `revoke` names a certificate to revoke first (the user's
/// choice after a limit).
async fn run(
    state: AppState,
    slot: &Slot,
    revoke: Option<String>,
    busy: RwSignal<Busy>,
) -> Result<Outcome, String> {
    let Opened {
        keys,
        team,
        team_key,
        all,
        asc,
    } = open_key(state).await?;
    let client = AscClient::new(&asc, Relay { team: team.clone() }, now, Scoping::PerRequest);
    let distribution = Distribution::for_build_profile(&slot.profile);
    let e = |e: signet_core::Error| e.to_string();

    // A certificate Signet holds that Apple still has, valid 30 more days, else a new one.
    busy.set(Busy::Working(
        "Looking for a certificate Signet holds at Apple…".into(),
    ));
    let horizon = i64::try_from(now()).unwrap_or(i64::MAX) + 30 * 86_400;
    let mut reuse = None;
    let mut certs: Vec<&CredentialInfo> = all
        .iter()
        .filter(|c| c.kind == CredentialKind::IosDistributionCertificate)
        .filter(|c| meta(c)["not_after"].as_i64().is_some_and(|t| t > horizon))
        .collect();
    certs.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
    for c in certs.into_iter().take(5) {
        let Some(serial) = meta(c)["serial"].as_str().map(str::to_owned) else {
            continue;
        };
        if let Some(apple) = client.certificate_by_serial(&serial).await.map_err(e)?
            && apple.certificate_type == distribution.certificate_type()
        {
            reuse = Some((c.clone(), apple));
            break;
        }
    }
    let (cert_id, apple_cert, cert_der, cert_note) = match reuse {
        Some((c, apple)) => {
            let payload = api::read_credential(&team, &team_key, &c.id)
                .await
                .map_err(|e| e.to_string())?;
            let der = certificate_der(&payload)?;
            (
                c.id.clone(),
                apple,
                der,
                format!("reused certificate {}", c.label),
            )
        }
        None => {
            if let Some(id) = &revoke {
                busy.set(Busy::Working(format!(
                    "Revoking certificate {id} at Apple…"
                )));
                client.revoke_certificate(id).await.map_err(e)?;
            }
            busy.set(Busy::Working(
                "Generating the certificate's key in your browser and asking Apple to sign it…"
                    .into(),
            ));
            paint().await;
            let request = crate::worker::CsrRequest {
                common_name: "Signet".into(),
                email: keys.user.email.clone(),
                country: None,
            };
            let (csr, _) = crate::worker::generate_csr(&request).await?;
            let Payload::PendingCsr {
                private_key_pem,
                csr_pem,
            } = csr
            else {
                return Err("the signing request could not be made".into());
            };
            busy.set(Busy::Working(
                "Asking Apple to sign the certificate…".into(),
            ));
            let created = match client
                .create_certificate_for(distribution, &csr_pem, private_key_pem.expose())
                .await
            {
                Ok(c) => c,
                Err(err) if err.is_certificate_limit() => {
                    let existing = client
                        .certificates(distribution.certificate_type())
                        .await
                        .map_err(e)?;
                    let ours: Vec<String> = all
                        .iter()
                        .filter(|c| c.kind == CredentialKind::IosDistributionCertificate)
                        .filter_map(|c| meta(c)["serial"].as_str().map(str::to_owned))
                        .collect();
                    return Ok(Outcome::Limit(
                        existing
                            .into_iter()
                            .map(|c| {
                                let held = ours.iter().any(|s| c.has_serial(s));
                                (c, held)
                            })
                            .collect(),
                    ));
                }
                Err(err) => return Err(err.to_string()),
            };
            busy.set(Busy::Working(
                "Encrypting the certificate in your browser and storing…".into(),
            ));
            let label = format!(
                "{} certificate (Apple {})",
                distribution.name(),
                created.certificate.id
            );
            let stored = store(state, slot, &label, &created.payload().map_err(e)?, true).await?;
            (
                stored.id,
                created.certificate.clone(),
                created.identity.certificate().der().to_vec(),
                format!("created certificate {}", created.certificate.id),
            )
        }
    };
    busy.set(Busy::Working(format!(
        "Creating the {} profile for {} with Apple…",
        distribution.name(),
        slot.bundle_id
    )));
    let (bundle, _) = client
        .bundle_id(&slot.bundle_id, "Signet app")
        .await
        .map_err(e)?;
    let profile = client
        .create_profile(distribution, &bundle, &apple_cert, &cert_der)
        .await
        .map_err(e)?;
    let label = format!("{} {} profile", slot.bundle_id, distribution.name());
    store(state, slot, &label, &profile.payload(), true).await?;
    // The certificate is the slot's default too (a reused one may have been elsewhere).
    api::assign_slot(&keys, &team, &slot.app_id, &slot.assign(&cert_id, true))
        .await
        .map_err(|e| e.to_string())?;
    Ok(Outcome::Done(format!(
        "Done: {cert_note} and created {} profile \"{}\" ({} device(s)); both are this build \
         profile's defaults.",
        distribution.name(),
        profile.profile.name,
        profile.parsed.devices.len()
    )))
}

fn certificate_der(payload: &Payload) -> Result<Vec<u8>, String> {
    let Payload::IosDistributionCertificate { p12, password } = payload else {
        return Err("not a distribution certificate".into());
    };
    let bytes = p12.decode(".p12").map_err(|e| e.to_string())?;
    let ks = signet_core::android::Keystore::open(&bytes, password.expose(), None)
        .map_err(|e| e.to_string())?;
    let alias = ks.default_key_alias().map_err(|e| e.to_string())?;
    let entry = ks.key_entry(&alias).map_err(|e| e.to_string())?;
    entry
        .chain
        .first()
        .cloned()
        .ok_or_else(|| "the .p12 holds no certificate".into())
}

thread_local! {
    /// The last outcome per slot, shown again after the page reloads its data (which draws
    /// the slot's card anew).
    static OUTCOMES: std::cell::RefCell<std::collections::HashMap<String, String>> =
        std::cell::RefCell::default();
}

fn outcome_key(slot: &Slot) -> String {
    format!("{}/{}/{}", slot.app_id, slot.profile, slot.target)
}

/// The button, its progress, and the choice at Apple's certificate limit.
#[component]
pub(super) fn CreateWithApple(at: Slot, reload: RwSignal<u32>) -> impl IntoView {
    let slot = at;
    let state = AppState::get();
    let key = outcome_key(&slot);
    let shown = OUTCOMES.with(|o| o.borrow_mut().remove(&key));
    let busy = RwSignal::new(shown.map_or(Busy::Idle, Busy::Done));
    let limit = RwSignal::new(Vec::<(Certificate, bool)>::new());
    let distribution = Distribution::for_build_profile(&slot.profile);
    let start = {
        let slot = slot.clone();
        move |revoke: Option<String>| {
            if busy.get_untracked().is_working() {
                return;
            }
            let slot = slot.clone();
            limit.set(Vec::new());
            busy.set(Busy::Working(
                "Opening the team's App Store Connect key…".into(),
            ));
            spawn_local(async move {
                match run(state, &slot, revoke, busy).await {
                    Ok(Outcome::Done(text)) => {
                        OUTCOMES.with(|o| o.borrow_mut().insert(outcome_key(&slot), text.clone()));
                        busy.set(Busy::Done(text));
                        reload.update(|n| *n += 1);
                    }
                    Ok(Outcome::Limit(certs)) => {
                        busy.set(Busy::Failed(
                            "Apple refused a new certificate: the team has as many as Apple \
                             allows. Nothing was revoked. Revoke one below (builds already \
                             signed with it keep working; new builds with it stop), or store \
                             an existing .p12 instead."
                                .into(),
                        ));
                        limit.set(certs);
                    }
                    Err(e) => busy.set(Busy::Failed(e)),
                }
            });
        }
    };
    let start_fresh = start.clone();
    let (button_id, status_id, limit_id) = (
        slot.id("apple-create"),
        slot.id("apple-status"),
        slot.id("apple-limit"),
    );
    view! {
        <div class="option create-with-apple">
            <h5>"Create with Apple"</h5>
            <p class="muted">
                {format!(
                    "Creates the certificate and the {} profile for {} through the team's App Store \
                     Connect API key. The certificate's key is made in this browser; each request \
                     to Apple is signed here with a token that allows only that request.",
                    distribution.name(),
                    slot.bundle_id
                )}
            </p>
            <button
                id=button_id
                class="button"
                type="button"
                disabled=move || busy.get().is_working()
                on:click=move |_| start_fresh(None)
            >
                "Create with Apple"
            </button>
            <BusyLine state=busy id=status_id />
            <ul id=limit_id class="limit-choices">
                {move || {
                    let start = start.clone();
                    limit
                        .get()
                        .into_iter()
                        .map(|(c, held)| {
                            let start = start.clone();
                            let id = c.id.clone();
                            let text = format!(
                                "{} · serial {} · expires {}{}",
                                c.name,
                                c.serial_number,
                                c.expiration_date,
                                if held { " · Signet holds it" } else { " · not in Signet" }
                            );
                            view! {
                                <li>
                                    {text}" "
                                    <button
                                        class="button danger"
                                        type="button"
                                        data-revoke=id.clone()
                                        on:click=move |_| start(Some(id.clone()))
                                    >
                                        "Revoke and create a new one"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </div>
    }
}
