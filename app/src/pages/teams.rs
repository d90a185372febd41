//! Teams: the ones you are in, your role, switching, and creating a new one (its team key is
//! generated here and stored wrapped under your user key).

use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    components::ui::{PageHeader, date},
    pages::auth::{Busy, BusyLine, Field, Gate},
    state::AppState,
};

/// `/teams`.
#[component]
pub fn Teams() -> impl IntoView {
    view! {
        <Gate>
            <TeamList />
        </Gate>
    }
}

#[component]
fn TeamList() -> impl IntoView {
    let state = AppState::get();
    let name = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(keys) = state.keys_untracked() else {
            return;
        };
        let n = name.get_untracked().trim().to_owned();
        if n.is_empty() || busy.get_untracked().is_working() {
            return;
        }
        busy.set(Busy::Working(
            "Generating the team key and creating the team…".into(),
        ));
        spawn_local(async move {
            match api::create_team(&keys, &n).await {
                Ok((info, key)) => {
                    state.remember_team_key(&info.id, key);
                    state.team_id.set(Some(info.id.clone()));
                    let _ = state.reload_teams().await;
                    name.set(String::new());
                    busy.set(Busy::Idle);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    view! {
        <PageHeader title="Teams" lead="Credentials belong to a team; members share them end-to-end encrypted." />
        {move || {
            let teams = state.teams.get();
            let current = state.team_id.get();
            if teams.is_empty() {
                view! {
                    <section class="empty-state" id="no-teams">
                        <h2>"No teams yet"</h2>
                        <p>"Create your first team below, or open an invitation link from a teammate."</p>
                    </section>
                }
                    .into_any()
            } else {
                view! {
                    <table class="table" id="team-list">
                        <thead>
                            <tr>
                                <th scope="col">"Team"</th>
                                <th scope="col">"Your role"</th>
                                <th scope="col">"Created"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {teams
                                .into_iter()
                                .map(|t| {
                                    let is_current = current.as_deref() == Some(t.id.as_str());
                                    let id = t.id.clone();
                                    view! {
                                        <tr class:current=is_current>
                                            <td>{t.name.clone()}</td>
                                            <td><span class="badge">{t.role.as_str()}</span></td>
                                            <td>{date(t.created_at)}</td>
                                            <td>
                                                {if is_current {
                                                    view! { <span class="muted">"Current team"</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <button
                                                            class="button small"
                                                            type="button"
                                                            on:click=move |_| state.team_id.set(Some(id.clone()))
                                                        >
                                                            {format!("Switch to {}", t.name)}
                                                        </button>
                                                    }
                                                        .into_any()
                                                }}
                                            </td>
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
        <section class="card">
            <h2>"Create a team"</h2>
            <form class="form" on:submit=create id="create-team-form">
                <Field id="team-name" label="Team name" value=name required=true placeholder="Acme Mobile" />
                <button id="create-team" class="button primary" type="submit" disabled=move || busy.get().is_working()>
                    "Create team"
                </button>
            </form>
            <BusyLine state=busy id="create-team-status" />
        </section>
    }
}
