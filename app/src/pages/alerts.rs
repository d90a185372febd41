//! Alerts (admins): where this team's alerts go — signed webhooks, Slack, Discord, email —
//! a test alert per destination, and the delivery log (sent, retrying, failed with the
//! receiver's answer). A generic webhook's signing secret is shown once, kept only in this
//! page's memory.

use leptos::{prelude::*, task::spawn_local};
use signet_core::wire::{
    Permission,
    alert::{
        AlertsOverview, CreateDestinationRequest, DeliveryInfo, DeliveryStatus, DestinationKind,
    },
};

use crate::{
    api,
    components::ui::{CopyValue, Loading, NoTeam, PageHeader},
    pages::auth::Gate,
    state::AppState,
};

/// `/alerts`.
#[component]
pub fn Alerts() -> impl IntoView {
    view! {
        <Gate>
            <AlertSettings />
        </Gate>
    }
}

fn when(unix: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let iso: String = d.to_iso_string().into();
    iso.chars().take(16).collect::<String>().replace('T', " ")
}

/// Status in words (and a badge colour that repeats it).
fn status(d: &DeliveryInfo) -> (&'static str, String) {
    match d.status {
        DeliveryStatus::Sent => ("badge ok", "Sent".into()),
        DeliveryStatus::Pending => (
            "badge warning",
            match d.next_attempt_at {
                Some(t) if d.attempts > 0 => format!("Retrying at {} UTC", when(t)),
                _ => "Waiting".into(),
            },
        ),
        DeliveryStatus::Failed => ("badge danger", "Failed".into()),
    }
}

fn answer(d: &DeliveryInfo) -> String {
    match (&d.last_status, &d.last_error) {
        (_, Some(e)) => e.clone(),
        (Some(code), None) => format!("accepted ({code})"),
        (None, None) => String::new(),
    }
}

#[component]
fn AlertSettings() -> impl IntoView {
    let state = AppState::get();
    let reload = RwSignal::new(0u32);
    // A generic webhook's secret: here (not in the form, which is rebuilt when the list
    // reloads), in memory only, until "Done".
    let secret = RwSignal::new(None::<String>);
    let kind = RwSignal::new(DestinationKind::Slack);
    // The last test result per destination, kept across reloads of the list.
    let results = RwSignal::new(std::collections::HashMap::<
        String,
        Result<DeliveryInfo, String>,
    >::new());
    let data = LocalResource::new(move || {
        let team = state.team();
        reload.track();
        async move {
            match team {
                None => Ok(None),
                Some(t) => {
                    let role = state.fresh_role(&t).await?;
                    if !role.may(Permission::ManageAlerts) {
                        return Ok(Some(Err(role)));
                    }
                    api::alerts(&t.id).await.map(|o| Some(Ok((t.id, o))))
                }
            }
        }
    });
    view! {
        <PageHeader
            title="Alerts"
            lead="Signet tells this team before a certificate, profile or key that an app uses expires — 30, 14, 7 and 1 days before, and on the day — and when a credential is deleted for good, a member is removed or a robot token is created. Alerts carry no secret."
        />
        {move || match data.get() {
            None => view! { <Loading what="Loading alert settings…" /> }.into_any(),
            Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
            Some(Ok(None)) => view! { <NoTeam /> }.into_any(),
            Some(Ok(Some(Err(role)))) => view! {
                <section class="empty-state">
                    <h2>"Admins only"</h2>
                    <p>{format!("Your role in this team is {role}; ask an admin or owner to change where alerts go.")}</p>
                </section>
            }.into_any(),
            Some(Ok(Some(Ok((team, overview))))) => view! {
                <Destinations team=team.clone() overview=overview.clone() reload=reload results=results />
                <AddDestination team=team email=overview.email_available reload=reload secret=secret kind=kind />
                <DeliveryLog deliveries=overview.deliveries reload=reload />
            }.into_any(),
        }}
    }
}

#[component]
fn Destinations(
    team: String,
    overview: AlertsOverview,
    reload: RwSignal<u32>,
    results: RwSignal<std::collections::HashMap<String, Result<DeliveryInfo, String>>>,
) -> impl IntoView {
    if overview.destinations.is_empty() {
        return view! {
            <section class="card">
                <h2>"Destinations"</h2>
                <p class="muted" id="no-destinations">"None yet: nobody is told when something expires. Add a webhook, Slack, Discord or an email address below."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card">
            <h2>"Destinations"</h2>
            <table class="table" id="destination-list">
                <thead>
                    <tr>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Goes to"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {overview.destinations.into_iter().enumerate().map(|(n, d)| {
                        let key = d.id.clone();
                        let result = Signal::derive(move || results.with(|r| r.get(&key).cloned()));
                        let set_result = move |id: String, r: Option<Result<DeliveryInfo, String>>| {
                            results.update(|m| match r {
                                Some(r) => { m.insert(id, r); }
                                None => { m.remove(&id); }
                            });
                        };
                        let confirming = RwSignal::new(false);
                        let (t1, id1) = (team.clone(), d.id.clone());
                        let test = move |_| {
                            let (team, id) = (t1.clone(), id1.clone());
                            set_result(id.clone(), None);
                            spawn_local(async move {
                                let r = api::test_alert_destination(&team, &id).await.map_err(|e| e.to_string());
                                set_result(id, Some(r));
                                reload.update(|n| *n += 1);
                            });
                        };
                        let (t2, id2) = (team.clone(), d.id.clone());
                        let remove = move |_| {
                            if !confirming.get_untracked() {
                                confirming.set(true);
                                return;
                            }
                            let (team, id) = (t2.clone(), id2.clone());
                            spawn_local(async move {
                                match api::remove_alert_destination(&team, &id).await {
                                    Ok(()) => reload.update(|n| *n += 1),
                                    Err(e) => set_result(id, Some(Err(e.to_string()))),
                                }
                            });
                        };
                        view! {
                            <tr>
                                <td>{d.kind.label()}</td>
                                <td>{if d.label.is_empty() { "—".to_owned() } else { d.label.clone() }}</td>
                                <td><code class="mono">{d.target.clone()}</code></td>
                                <td>
                                    <button class="button small" type="button" id=format!("alert-test-{n}") on:click=test>
                                        "Send test alert"
                                    </button>
                                    " "
                                    <button class="button small danger" type="button" id=format!("alert-remove-{n}") on:click=remove>
                                        {move || if confirming.get() { "Confirm removal" } else { "Remove" }}
                                    </button>
                                    <p class="status" role="status" id=format!("alert-test-status-{n}")>
                                        {move || match result.get() {
                                            None => String::new(),
                                            Some(Ok(d)) if d.status == DeliveryStatus::Sent => format!(
                                                "Test alert delivered{}.",
                                                d.last_status.map(|c| format!(" ({c})")).unwrap_or_default()
                                            ),
                                            Some(Ok(d)) => format!("Test alert failed: {}", answer(&d)),
                                            Some(Err(e)) => e,
                                        }}
                                    </p>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn AddDestination(
    team: String,
    email: bool,
    reload: RwSignal<u32>,
    secret: RwSignal<Option<String>>,
    kind: RwSignal<DestinationKind>,
) -> impl IntoView {
    let target = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let team = team.clone();
        let request = CreateDestinationRequest {
            kind: kind.get_untracked(),
            target: target.get_untracked(),
            label: label.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::add_alert_destination(&team, &request).await {
                Ok(made) => {
                    target.set(String::new());
                    label.set(String::new());
                    if let Some(s) = made.secret {
                        secret.set(Some(s));
                    }
                    reload.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    let placeholder = move || match kind.get() {
        DestinationKind::Email => "releases@example.com",
        DestinationKind::Slack => "https://hooks.slack.com/services/…",
        DestinationKind::Discord => "https://discord.com/api/webhooks/…",
        DestinationKind::Webhook => "https://ci.example.com/hooks/signet",
    };
    view! {
        <section class="card">
            <h2>"Add a destination"</h2>
            {(!email).then(|| view! {
                <p class="muted" id="alert-no-email">
                    "Email is not available: this server's operator has not configured an SMTP relay (signet serve --smtp-url)."
                </p>
            })}
            <form class="form" on:submit=add id="alert-form">
                <label for="alert-kind">"Kind"</label>
                <select id="alert-kind" on:change=move |ev| {
                    if let Some(k) = DestinationKind::parse(&event_target_value(&ev)) {
                        kind.set(k);
                    }
                }>
                    {DestinationKind::ALL.into_iter().map(|k| view! {
                        <option
                            value=k.as_str()
                            selected=k == kind.get_untracked()
                            disabled=k == DestinationKind::Email && !email
                        >
                            {k.label()}
                        </option>
                    }).collect_view()}
                </select>
                <label for="alert-target">
                    {move || if kind.get() == DestinationKind::Email { "Email address" } else { "Webhook URL" }}
                </label>
                <input id="alert-target" type="text" autocomplete="off" required
                    placeholder=placeholder
                    prop:value=move || target.get()
                    on:input=move |ev| target.set(event_target_value(&ev)) />
                <label for="alert-label">"Name (optional)"</label>
                <input id="alert-label" type="text" placeholder="#mobile-releases"
                    prop:value=move || label.get()
                    on:input=move |ev| label.set(event_target_value(&ev)) />
                <button id="alert-add" class="button primary" type="submit" disabled=move || busy.get()>
                    "Add destination"
                </button>
            </form>
            {move || error.get().map(|e| view! { <p class="error-text" role="alert" id="alert-error">{e}</p> })}
            {move || secret.get().map(|shown| {
                view! {
                    <div class="invite-link" id="alert-secret-box">
                        <p>
                            "This webhook's signing secret, shown once: copy it to the receiver now. Each request carries "
                            <code>"signet-signature: t=<unix time>,v1=<hex>"</code>
                            ", the HMAC-SHA256 of \"<t>.<body>\" under this secret; reject requests where it does not match."
                        </p>
                        <CopyValue label="Signing secret" value=shown id="alert-secret" />
                        <button class="button small" type="button" id="alert-secret-done" on:click=move |_| secret.set(None)>
                            "Done, hide it"
                        </button>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn DeliveryLog(deliveries: Vec<DeliveryInfo>, reload: RwSignal<u32>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Delivery log"</h2>
            <button class="button small" type="button" id="alert-log-refresh" on:click=move |_| reload.update(|n| *n += 1)>
                "Refresh"
            </button>
            {if deliveries.is_empty() {
                view! { <p class="muted" id="alert-log-empty">"Nothing sent yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table" id="alert-log">
                        <thead>
                            <tr>
                                <th scope="col">"Raised (UTC)"</th>
                                <th scope="col">"Alert"</th>
                                <th scope="col">"To"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Attempts"</th>
                                <th scope="col">"Receiver's answer"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {deliveries.into_iter().map(|d| {
                                let (class, text) = status(&d);
                                view! {
                                    <tr>
                                        <td>{when(d.created_at)}</td>
                                        <td>{d.summary.clone()}</td>
                                        <td>{d.destination.clone()}</td>
                                        <td><span class=class>{text}</span></td>
                                        <td>{d.attempts}</td>
                                        <td>{answer(&d)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
