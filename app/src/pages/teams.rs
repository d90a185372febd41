//! Teams: the ones you are in, your role, switching, and creating a new one (its team key is
//! generated here and stored wrapped under your user key).

use leptos::{prelude::*, task::spawn_local};

use signet_core::wire::{Permission, team::TeamInfo};

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
    // Outside the settings card, which is rebuilt when the team list reloads after a change,
    // so what happened stays on screen.
    let settings_busy = RwSignal::new(Busy::Idle);
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
                                    let trashed = t.deleted_at.is_some();
                                    view! {
                                        <tr class:current=is_current>
                                            <td>
                                                {t.name.clone()}
                                                {trashed.then(|| view! { " " <span class="badge danger">"In the trash"</span> })}
                                            </td>
                                            <td><span class="badge">{t.role.as_str()}</span></td>
                                            <td>{date(t.created_at)}</td>
                                            <td>
                                                {if trashed {
                                                    view! { <RestoreTeam id=t.id.clone() name=t.name.clone() /> }.into_any()
                                                } else if is_current {
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
        {move || state.team().map(|team| view! { <TeamSettings team busy=settings_busy /> })}
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

/// The current team's name (admins) and the trash (owners, after typing its name: members lose
/// access to every credential in it until an owner restores it).
#[component]
fn TeamSettings(team: TeamInfo, busy: RwSignal<Busy>) -> impl IntoView {
    let state = AppState::get();
    let name = RwSignal::new(team.name.clone());
    let typed = RwSignal::new(String::new());
    let id = team.id.clone();
    let current = team.name.clone();
    let rename = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let new = name.get_untracked().trim().to_owned();
            if new.is_empty() || busy.get_untracked().is_working() {
                return;
            }
            let id = id.clone();
            busy.set(Busy::Working("Renaming the team…".into()));
            spawn_local(async move {
                match api::rename_team(&id, &new).await {
                    Ok(_) => {
                        let _ = state.reload_teams().await;
                        busy.set(Busy::Done(format!("The team is now called “{new}”.")));
                    }
                    Err(e) => busy.set(Busy::Failed(format!("{e}. The name was not changed."))),
                }
            });
        }
    };
    let expected = team.name.clone();
    let trash = {
        let id = id.clone();
        let expected = expected.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if typed.get_untracked().trim() != expected || busy.get_untracked().is_working() {
                return;
            }
            let id = id.clone();
            let name = expected.clone();
            busy.set(Busy::Working("Moving the team to the trash…".into()));
            spawn_local(async move {
                match api::trash_team(&id).await {
                    Ok(()) => {
                        let _ = state.reload_teams().await;
                        busy.set(Busy::Done(format!(
                            "“{name}” is in the trash. Restore it from the list above."
                        )));
                    }
                    Err(e) => busy.set(Busy::Failed(format!("{e}. The team was not moved."))),
                }
            });
        }
    };
    let may_rename = team.role.may(Permission::RenameTeam);
    let may_trash = team.role.may(Permission::DeleteTeam);
    (may_rename || may_trash).then(|| {
        let unchanged = move || name.with(|n| n.trim().is_empty() || n.trim() == current.trim());
        let matches = move || typed.with(|t| t.trim() == expected);
        view! {
            <section class="card" id="team-settings" aria-labelledby="team-settings-title">
                <h2 id="team-settings-title">{format!("{} settings", team.name)}</h2>
                {may_rename.then(|| view! {
                    <form class="form" id="rename-team-form" on:submit=rename.clone()>
                        <label for="rename-team">"Team name"</label>
                        <input
                            id="rename-team"
                            type="text"
                            required
                            maxlength="200"
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                        <button id="rename-team-submit" class="button" type="submit" disabled=move || busy.get().is_working() || unchanged()>
                            "Rename"
                        </button>
                    </form>
                })}
                {may_trash.then(|| view! {
                    <form class="form danger-zone" id="trash-team-form" on:submit=trash.clone()>
                        <p class="muted">
                            "Moving the team to the trash takes away every member's access to its apps and "
                            "credentials, builds included, until an owner restores it. Nothing is deleted."
                        </p>
                        <label for="trash-team-name">{format!("Type “{}” to move it to the trash", team.name)}</label>
                        <input
                            id="trash-team-name"
                            type="text"
                            autocomplete="off"
                            prop:value=move || typed.get()
                            on:input=move |ev| typed.set(event_target_value(&ev))
                        />
                        <button id="trash-team" class="button danger" type="submit" disabled=move || busy.get().is_working() || !matches()>
                            "Move team to trash"
                        </button>
                    </form>
                })}
                <BusyLine state=busy id="team-settings-status" />
            </section>
        }
    })
}

/// Restore for a team in the trash (its owners still see it in the list).
#[component]
fn RestoreTeam(id: String, name: String) -> impl IntoView {
    let state = AppState::get();
    let busy = RwSignal::new(Busy::Idle);
    let restore = move |_| {
        if busy.get_untracked().is_working() {
            return;
        }
        let id = id.clone();
        busy.set(Busy::Working("Restoring…".into()));
        spawn_local(async move {
            match api::restore_team(&id).await {
                Ok(()) => {
                    let _ = state.reload_teams().await;
                    busy.set(Busy::Idle);
                }
                Err(e) => busy.set(Busy::Failed(format!(
                    "{e}. The team is still in the trash."
                ))),
            }
        });
    };
    view! {
        <button class="button small restore-team" type="button" on:click=restore disabled=move || busy.get().is_working()>
            {format!("Restore {name}")}
        </button>
        <BusyLine state=busy id="restore-team-status" />
    }
}
