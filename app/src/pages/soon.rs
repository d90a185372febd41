//! The audit log (admins): every sign-in, secret read and change, newest first, 50 a page,
//! filterable by action.

use leptos::prelude::*;
use signet_core::wire::{
    Permission,
    audit::{ACTIONS, AuditEntry},
};

use crate::{
    api,
    components::ui::{Loading, NoTeam, PageHeader, date_time},
    pages::auth::Gate,
    state::AppState,
};

/// `/audit`.
#[component]
pub fn Audit() -> impl IntoView {
    view! {
        <Gate>
            <AuditLog />
        </Gate>
    }
}

/// An action id (`credential.payload_read`) in monospace that wraps only after a `.` or `_`,
/// never inside a word.
#[component]
pub fn ActionId(action: String) -> impl IntoView {
    let mut parts = Vec::new();
    let mut word = String::new();
    for c in action.chars() {
        word.push(c);
        if c == '.' || c == '_' {
            parts.push(std::mem::take(&mut word));
        }
    }
    view! {
        <code class="mono action-id">
            {parts.into_iter().map(|p| view! { {p}<wbr /> }).collect_view()}
            {word}
        </code>
    }
}

/// Who did it: their email then, or the robot token.
pub fn actor(e: &AuditEntry) -> String {
    e.actor_email
        .clone()
        .or(e.actor_robot_id.as_ref().map(|r| format!("robot {r}")))
        .unwrap_or_default()
}

/// What it was done to, by label; the kind and a short id for entries written before
/// subjects were recorded.
pub fn subject(e: &AuditEntry) -> String {
    if e.detail.is_empty() {
        format!(
            "{} {}",
            e.target_type,
            e.target_id.chars().take(8).collect::<String>()
        )
    } else {
        e.detail.clone()
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let state = AppState::get();
    let action = RwSignal::new(String::new());
    // Cursors of the pages seen so far, to go back.
    let cursors = RwSignal::new(vec![String::new()]);
    let page = LocalResource::new(move || {
        let team = state.team();
        let action = action.get();
        let after = cursors.with(|c| c.last().cloned().unwrap_or_default());
        async move {
            match team {
                None => Ok(None),
                Some(t) => {
                    let role = state.fresh_role(&t).await?;
                    if !role.may(Permission::ReadAudit) {
                        return Ok(Some(Err(role)));
                    }
                    api::audit(&t.id, &action, &after)
                        .await
                        .map(|p| Some(Ok(p)))
                }
            }
        }
    });
    view! {
        <PageHeader title="Audit log" lead="Every sign-in, secret read and change in this team, newest first." />
        <div class="form inline">
            <label for="audit-action">"Action"</label>
            <select
                id="audit-action"
                on:change=move |ev| {
                    action.set(event_target_value(&ev));
                    cursors.set(vec![String::new()]);
                }
            >
                <option value="">"All actions"</option>
                {ACTIONS.iter().map(|a| view! { <option value=*a>{*a}</option> }).collect_view()}
            </select>
        </div>
        {move || match page.get() {
            None => view! { <Loading what="Loading the audit log…" /> }.into_any(),
            Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
            Some(Ok(None)) => view! { <NoTeam /> }.into_any(),
            Some(Ok(Some(Err(role)))) => view! {
                <section class="empty-state">
                    <h2>"Admins only"</h2>
                    <p>{format!("Your role in this team is {role}; ask an admin or owner to check the audit log.")}</p>
                </section>
            }.into_any(),
            Some(Ok(Some(Ok(p)))) if p.entries.is_empty() => view! {
                <section class="empty-state" id="audit-empty">
                    <h2>"Nothing recorded"</h2>
                    <p>"No entries match. Choose \"All actions\" to see everything."</p>
                </section>
            }.into_any(),
            Some(Ok(Some(Ok(p)))) => {
                let next = p.next.clone();
                view! {
                    <table class="table" id="audit-list">
                        <thead>
                            <tr>
                                <th scope="col">"When (UTC)"</th>
                                <th scope="col">"Who"</th>
                                <th scope="col">"Action"</th>
                                <th scope="col">"Subject"</th>
                                <th scope="col">"IP"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {p.entries.into_iter().map(|e| view! {
                                <tr>
                                    <td>{date_time(e.at)}</td>
                                    <td>{actor(&e)}</td>
                                    <td><ActionId action=e.action.clone() /></td>
                                    <td>{subject(&e)}</td>
                                    <td>{e.ip.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="tabs">
                        <button class="button small" type="button"
                            disabled=move || cursors.with(|c| c.len() <= 1)
                            on:click=move |_| cursors.update(|c| { c.pop(); })>
                            "Newer"
                        </button>
                        <button class="button small" type="button" id="audit-older"
                            disabled=next.is_none()
                            on:click=move |_| {
                                if let Some(n) = next.clone() {
                                    cursors.update(|c| c.push(n));
                                }
                            }>
                            "Older"
                        </button>
                    </div>
                }.into_any()
            }
        }}
    }
}
