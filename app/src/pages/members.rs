//! Members and invitations: roles and fingerprints, invitation links (the secret only in the
//! fragment, shown once), role changes, and removing a member — after which this browser
//! rotates the team key, so the removed person's copy opens nothing new.

use leptos::{prelude::*, task::spawn_local};
use signet_core::{
    vault::membership::listing::Listing,
    wire::{
        Permission, Role,
        team::{InviteInfo, InviteState, MemberInfo},
    },
};

use crate::{
    api,
    components::ui::{CopyValue, Loading, NoTeam, PageHeader, date, role_with_article},
    pages::auth::{Busy, BusyLine, Gate},
    state::AppState,
};

/// `/members`.
#[component]
pub fn Members() -> impl IntoView {
    view! {
        <Gate>
            <MemberList />
        </Gate>
    }
}

#[component]
fn MemberList() -> impl IntoView {
    let state = AppState::get();
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        let team = state.team();
        reload.track();
        async move {
            let Some(mut team) = team else {
                return Ok(None);
            };
            team.role = state.fresh_role(&team).await?;
            let Some(keys) = state.keys_untracked() else {
                return Ok(None);
            };
            let members = api::checked_members(&keys, &team.id).await?;
            let invites = if team.role.may(Permission::Invite) {
                api::invites(&team.id).await?
            } else {
                Vec::new()
            };
            Ok::<_, api::ApiError>(Some((team, members, invites)))
        }
    });
    let busy = RwSignal::new(Busy::Idle);
    view! {
        <PageHeader title="Members" lead="Who shares this team's credentials. Compare fingerprints out of band." />
        <BusyLine state=busy id="members-status" />
        {move || match data.get() {
            None => view! { <Loading what="Loading members…" /> }.into_any(),
            Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
            Some(Ok(None)) => view! { <NoTeam /> }.into_any(),
            Some(Ok(Some((team, members, invites)))) => {
                let admin = team.role.may(Permission::ManageMembers);
                let me = state.keys_untracked().map(|k| k.user.id).unwrap_or_default();
                view! {
                    {team.rotation_needed.then(|| view! {
                        <p class="status warning-text" role="alert">
                            "A member was removed and the team key has not been rotated yet."
                        </p>
                    })}
                    <table class="table" id="member-list">
                        <thead>
                            <tr>
                                <th scope="col">"Member"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Fingerprint"</th>
                                <th scope="col">"Joined"</th>
                                {admin.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                            </tr>
                        </thead>
                        <tbody>
                            {members
                                .into_iter()
                                .map(|(m, check)| {
                                    let is_me = m.user_id == me;
                                    view! { <MemberRow m check team_id=team.id.clone() admin=admin && !is_me is_me reload busy /> }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                    {admin.then(|| view! { <Invites team_id=team.id.clone() invites reload /> })}
                }
                    .into_any()
            }
        }}
    }
}

#[component]
fn MemberRow(
    m: MemberInfo,
    check: Listing,
    team_id: String,
    admin: bool,
    is_me: bool,
    reload: RwSignal<u32>,
    busy: RwSignal<Busy>,
) -> impl IntoView {
    let state = AppState::get();
    let user_id = m.user_id.clone();
    let email = m.email.clone();
    let change_team = team_id.clone();
    let change_user = user_id.clone();
    // Choosing a role asks first, saying what it allows; the change is signed into the log.
    let pending = RwSignal::new(None::<Role>);
    let choose = move |ev: leptos::ev::Event| {
        pending.set(Role::parse(&event_target_value(&ev)).filter(|r| *r != m.role));
    };
    let confirm_email = email.clone();
    let change = move |_| {
        let Some(role) = pending.get_untracked() else {
            return;
        };
        let Some(keys) = state.keys_untracked() else {
            return;
        };
        pending.set(None);
        let (team, user, who) = (
            change_team.clone(),
            change_user.clone(),
            confirm_email.clone(),
        );
        busy.set(Busy::Working(format!(
            "Making {who} {}…",
            role_with_article(role)
        )));
        spawn_local(async move {
            match api::change_role(&keys, &team, &user, role).await {
                Ok(()) => {
                    busy.set(Busy::Done(format!(
                        "{who} is now {}.",
                        role_with_article(role)
                    )));
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    let remove = move |_| {
        let Some(keys) = state.keys_untracked() else {
            return;
        };
        let confirmed = window()
            .confirm_with_message(&format!(
                "Remove {email} from the team? This browser then rotates the team key."
            ))
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let (team, user) = (team_id.clone(), user_id.clone());
        busy.set(Busy::Working("Removing the member…".into()));
        spawn_local(async move {
            let result = async {
                let current = state.team_key(&keys, &team).await?;
                api::remove_member(&keys, &team, &user).await?;
                let new_key = api::rotate(&keys, &team, &current, |step| {
                    busy.set(Busy::Working(format!("Rotating the team key: {step}")))
                })
                .await?;
                state.remember_team_key(&team, new_key);
                state.reload_teams().await
            }
            .await;
            match result {
                Ok(()) => {
                    busy.set(Busy::Done(
                        "Member removed and the team key rotated: they can no longer open anything."
                            .into(),
                    ));
                    reload.update(|n| *n += 1);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    let select_id = format!("role-{}", m.user_id);
    view! {
        <tr data-email=m.email.clone()>
            <td>{m.email.clone()} {is_me.then(|| view! { <span class="muted">" (you)"</span> })}</td>
            <td>
                {if admin {
                    let current = m.role;
                    view! {
                        <label class="visually-hidden" for=select_id.clone()>{format!("Role of {}", m.email)}</label>
                        <select
                            id=select_id
                            class="role-select"
                            on:change=choose
                            prop:value=move || pending.get().unwrap_or(current).as_str()
                        >
                            {Role::ALL
                                .into_iter()
                                .map(|r| view! { <option value=r.as_str() selected=r == current>{r.as_str()}</option> })
                                .collect_view()}
                        </select>
                        {let who = m.email.clone();
                        move || pending.get().map(|role| {
                            let change = change.clone();
                            view! {
                                <div class="confirm role-confirm-box" role="alertdialog">
                                    <p>{format!("Make {who} {}? {}", role_with_article(role), allows(role))}</p>
                                    <button class="button small primary role-confirm" type="button" on:click=change>
                                        "Change role"
                                    </button>
                                    " "
                                    <button class="button small role-cancel" type="button" on:click=move |_| pending.set(None)>
                                        "Cancel"
                                    </button>
                                </div>
                            }
                        })}
                    }
                        .into_any()
                } else {
                    view! { <span class="badge">{m.role.as_str()}</span> }.into_any()
                }}
            </td>
            {match check {
                Listing::Verified { fingerprint } => view! {
                    <td><code class="mono fingerprint">{fingerprint}</code></td>
                }
                    .into_any(),
                Listing::Unverified(why) => view! {
                    <td class="unverified">
                        <code class="mono fingerprint">{m.fingerprint.clone()}</code>
                        <span class="error-text">{format!(" Unverified: {why}. Do not trust this row.")}</span>
                    </td>
                }
                    .into_any(),
            }}
            <td class="nowrap">{date(m.joined_at)}</td>
            {admin.then(|| view! {
                <td class="nowrap">
                    <button
                        class="button small danger remove-member"
                        type="button"
                        aria-label=format!("Remove {}", m.email)
                        on:click=remove
                    >
                        "Remove"
                    </button>
                </td>
            })}
        </tr>
    }
}

#[component]
fn Invites(team_id: String, invites: Vec<InviteInfo>, reload: RwSignal<u32>) -> impl IntoView {
    let state = AppState::get();
    let role = RwSignal::new(Role::Developer);
    let busy = RwSignal::new(Busy::Idle);
    let link = RwSignal::new(None::<String>);
    let create_team = team_id.clone();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(keys) = state.keys_untracked() else {
            return;
        };
        if busy.get_untracked().is_working() {
            return;
        }
        let team = create_team.clone();
        let r = role.get_untracked();
        busy.set(Busy::Working("Creating the invitation…".into()));
        spawn_local(async move {
            let result = async {
                let key = state.team_key(&keys, &team).await?;
                api::invite(&keys, &team, &key, r).await
            }
            .await;
            match result {
                Ok((_, invite)) => {
                    let origin = window().location().origin().unwrap_or_default();
                    link.set(Some(invite.dangerously_to_url(&origin).to_string()));
                    busy.set(Busy::Idle);
                }
                Err(e) => busy.set(Busy::Failed(e.to_string())),
            }
        });
    };
    let pending: Vec<InviteInfo> = invites
        .into_iter()
        .filter(|i| i.state == InviteState::Pending)
        .collect();
    view! {
        <section class="card">
            <h2>"Invite someone"</h2>
            <p class="muted">
                "The link carries the team key, encrypted under a secret that lives only in the "
                "link's #fragment (browsers never send it to the server). It is shown once: copy "
                "it and send it over a channel you trust."
            </p>
            <form class="form inline" on:submit=create id="invite-form">
                <label for="invite-role">"Role"</label>
                <select id="invite-role" on:change=move |ev| {
                    if let Some(r) = Role::parse(&event_target_value(&ev)) {
                        role.set(r);
                    }
                }>
                    {[Role::Developer, Role::Viewer, Role::Admin, Role::Owner]
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str() selected=r == Role::Developer>{r.as_str()}</option> })
                        .collect_view()}
                </select>
                <button id="create-invite" class="button primary" type="submit" disabled=move || busy.get().is_working()>
                    "Create invitation link"
                </button>
            </form>
            <BusyLine state=busy id="invite-status" />
            {move || link.get().map(|url| view! {
                <div class="invite-link">
                    <CopyValue label="Invitation link" value=url id="invite-link" />
                    <button class="button small" type="button" on:click=move |_| { link.set(None); reload.update(|n| *n += 1); }>
                        "Done, hide it"
                    </button>
                </div>
            })}
        </section>
        <section class="card">
            <h2>"Pending invitations"</h2>
            {if pending.is_empty() {
                view! { <p class="muted" id="no-invites">"None. Invitations you create appear here until they are used or expire."</p> }.into_any()
            } else {
                view! {
                    <ul id="invite-list">
                        {pending
                            .into_iter()
                            .map(|i| {
                                let (team, id) = (team_id.clone(), i.id.clone());
                                let revoke = move |_| {
                                    let Some(keys) = state.keys_untracked() else {
                                        return;
                                    };
                                    let (team, id) = (team.clone(), id.clone());
                                    busy.set(Busy::Working("Revoking the invitation…".into()));
                                    spawn_local(async move {
                                        match api::revoke_invite(&keys, &team, &id).await {
                                            Ok(()) => {
                                                busy.set(Busy::Idle);
                                                reload.update(|n| *n += 1);
                                            }
                                            Err(e) => busy.set(Busy::Failed(e.to_string())),
                                        }
                                    });
                                };
                                view! {
                                    <li>
                                        <span class="badge">{i.role.as_str()}</span>
                                        " by " {i.created_by_email.clone()} " · expires " <span class="nowrap">{date(i.expires_at)}</span> " "
                                        <button class="button small" type="button" on:click=revoke>"Revoke"</button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

/// What a role may do, in one sentence.
fn allows(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owners may do everything, including making and removing other owners.",
        Role::Admin => {
            "Admins manage members and invitations, robot tokens and alerts, read the audit \
             log and delete credentials for good."
        }
        Role::Developer => {
            "Developers open, download, add and change credentials, and pull them for builds."
        }
        Role::Viewer => "Viewers see apps and credential metadata, but cannot open a credential.",
    }
}
